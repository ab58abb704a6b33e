//! Helm's `--set` family parsers (`pkg/strvals`), rune for rune: `--set` (typed values),
//! `--set-string`, `--set-json`, `--set-file` and `--set-literal`.
//!
//! `a.b=1,c[0]=x,d={e,f}`: `.` nests maps, `[i]` indexes lists (at most 65536), `{..}` is
//! a list, `,` separates assignments, `\` escapes the next character (`\,` `\.` `\=`).
//! `--set` types a value as `bool` (`true`/`false`, any case), `nil` (`null`), `int64`
//! (decimal without a leading zero, or `0`) or else keeps it a string. `--set-json`
//! values are JSON (numbers `float64`); `--set-literal` takes everything after the first
//! `=` verbatim. Where Go's parser panics on a type assertion (`a=1` then `a.b=2`), the
//! error is Go's recovered message.
//!
//! Not here: the order the flags are applied in (`values`).

use serde_json::Value as Json;

use crate::value::{json_numbers_to_float, Values};

/// Helm's `strvals.MaxIndex`.
pub const MAX_INDEX: i64 = 65536;
/// Helm's `strvals.MaxNestedNameLevel`.
pub const MAX_NESTED_NAME_LEVEL: usize = 30;
/// Deepest nesting of list indexes (`a[0][0]...`). Helm has no bound; this keeps a hostile
/// `--set` from building a value too deep to process.
pub const MAX_NESTED_LIST_LEVEL: usize = 100;

/// How values are read after `=`.
enum Mode<'a> {
    /// `--set` (`false`) or `--set-string` (`true`).
    Typed { strings: bool },
    /// `--set-json`.
    Json,
    /// `--set-file`: the value is a path, the reader returns its contents.
    File(&'a mut dyn FnMut(&str) -> Result<Json, String>),
    /// `--set-literal`.
    Literal,
}

/// A parse failure, or the end of input (Go's `io.EOF`, which ends parsing quietly).
enum Stop {
    Eof,
    Err(String),
}

type Step<T> = Result<T, Stop>;

fn err<T>(msg: impl Into<String>) -> Step<T> {
    Err(Stop::Err(msg.into()))
}

struct Parser<'a> {
    chars: Vec<char>,
    pos: usize,
    mode: Mode<'a>,
    /// Nested list indexes seen so far in this line.
    list_depth: usize,
}

/// Counts one more nested list index; true when past [`MAX_NESTED_LIST_LEVEL`].
fn level_lists(depth: &mut usize) -> bool {
    *depth += 1;
    *depth > MAX_NESTED_LIST_LEVEL
}

/// Parses a `--set` line into `dest`.
pub fn parse_into(s: &str, dest: &mut Values) -> Result<(), String> {
    run(s, dest, Mode::Typed { strings: false })
}

/// Parses a `--set-string` line into `dest`.
pub fn parse_into_string(s: &str, dest: &mut Values) -> Result<(), String> {
    run(s, dest, Mode::Typed { strings: true })
}

/// Parses a `--set-json` line into `dest`.
pub fn parse_json(s: &str, dest: &mut Values) -> Result<(), String> {
    run(s, dest, Mode::Json)
}

/// Parses a `--set-file` line into `dest`; `read` turns a path into the value.
pub fn parse_into_file(
    s: &str,
    dest: &mut Values,
    read: &mut dyn FnMut(&str) -> Result<Json, String>,
) -> Result<(), String> {
    run(s, dest, Mode::File(read))
}

/// Parses a `--set-literal` line into `dest`.
pub fn parse_literal_into(s: &str, dest: &mut Values) -> Result<(), String> {
    run(s, dest, Mode::Literal)
}

fn run(s: &str, dest: &mut Values, mode: Mode<'_>) -> Result<(), String> {
    let mut p = Parser {
        chars: s.chars().collect(),
        pos: 0,
        mode,
        list_depth: 0,
    };
    loop {
        p.list_depth = 0;
        match p.key(dest, 0) {
            Ok(()) => {}
            Err(Stop::Eof) => return Ok(()),
            Err(Stop::Err(e)) => return Err(e),
        }
    }
}

/// Go's message for a failed `x.(T)` on an `interface{}` holding `v`.
fn conversion_panic(v: &Json, want: &str) -> Stop {
    let have = match v {
        Json::Null => "nil",
        other => crate::value::go_type_name(other),
    };
    Stop::Err(format!(
        "unable to parse key: interface conversion: interface {{}} is {have}, not {want}"
    ))
}

const MAP_T: &str = "map[string]interface {}";
const LIST_T: &str = "[]interface {}";

impl Parser<'_> {
    fn read(&mut self) -> Option<char> {
        let c = self.chars.get(self.pos).copied();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    fn unread(&mut self) {
        self.pos = self.pos.saturating_sub(1);
    }

    fn literal(&self) -> bool {
        matches!(self.mode, Mode::Literal)
    }

    /// Go's `runesUntil`: the text up to a stop rune (`None` at the end of input).
    /// Backslash escapes the next rune, except in literal mode.
    fn until(&mut self, stop: &[char]) -> (String, Option<char>) {
        let mut v = String::new();
        loop {
            let Some(r) = self.read() else {
                return (v, None);
            };
            if stop.contains(&r) {
                return (v, Some(r));
            }
            if r == '\\' && !self.literal() {
                match self.read() {
                    Some(next) => v.push(next),
                    None => return (v, None),
                }
            } else {
                v.push(r);
            }
        }
    }

    fn key(&mut self, data: &mut Values, level: usize) -> Step<()> {
        let stop: &[char] = if self.literal() {
            &['=', '[', '.']
        } else {
            &['=', '[', ',', '.']
        };
        let (k, last) = self.until(stop);
        match last {
            None => {
                if k.is_empty() {
                    return Err(Stop::Eof);
                }
                err(format!("key {k:?} has no value"))
            }
            Some('[') => {
                let i = self.key_index()?;
                let list = match data.get(&k) {
                    None => Vec::new(),
                    Some(Json::Array(l)) => l.clone(),
                    Some(other) => return Err(conversion_panic(other, LIST_T)),
                };
                let result = self.list_item(list, i, level);
                let (list, outcome) = match result {
                    Ok(list) => (Some(list), Ok(())),
                    Err((list, e)) => (list, Err(e)),
                };
                if let Some(list) = list {
                    set(data, &k, Json::Array(list));
                }
                outcome
            }
            Some('=') => self.assign(data, &k),
            Some(',') => {
                set(data, &k, Json::String(String::new()));
                err(format!("key {k:?} has no value (cannot end with ,)"))
            }
            Some(_) => {
                let level = level + 1;
                if level > MAX_NESTED_NAME_LEVEL {
                    return err(format!(
                        "value name nested level is greater than maximum supported nested level of {MAX_NESTED_NAME_LEVEL}"
                    ));
                }
                let mut inner = match data.get(&k) {
                    None => Values::new(),
                    Some(Json::Object(m)) => m.clone(),
                    Some(other) => return Err(conversion_panic(other, MAP_T)),
                };
                let e = self.key(&mut inner, level);
                if e.is_ok() && inner.is_empty() {
                    return err(format!("key map {k:?} has no value"));
                }
                if !inner.is_empty() {
                    set(data, &k, Json::Object(inner));
                }
                e
            }
        }
    }

    /// After `key=`: reads the value and stores it.
    fn assign(&mut self, data: &mut Values, k: &str) -> Step<()> {
        match self.mode {
            Mode::Literal => {
                let (v, _) = self.until(&[]);
                set(data, k, Json::String(v));
                Ok(())
            }
            Mode::Json => {
                if self.empty_val() {
                    set(data, k, Json::Null);
                    return Ok(());
                }
                let v = self.json_value()?;
                set(data, k, v);
                self.empty_val();
                Ok(())
            }
            _ => match self.val_list() {
                Ok(list) => {
                    set(data, k, Json::Array(list));
                    Ok(())
                }
                Err(ListStop::Eof) => {
                    set(data, k, Json::String(String::new()));
                    Err(Stop::Eof)
                }
                Err(ListStop::NotList) => {
                    let (rs, _) = self.until(&[',']);
                    let v = self.reader(&rs)?;
                    set(data, k, v);
                    Ok(())
                }
                Err(ListStop::Err(e)) => err(e),
            },
        }
    }

    fn key_index(&mut self) -> Step<i64> {
        let (v, last) = self.until(&[']']);
        if last.is_none() {
            return err("error parsing index: EOF");
        }
        go_atoi(&v).map_err(|e| Stop::Err(format!("error parsing index: {e}")))
    }

    /// Go's `listItem`. On failure the list Go would still have stored (if any) comes back
    /// with the error, since the caller stores it either way.
    fn list_item(
        &mut self,
        mut list: Vec<Json>,
        i: i64,
        level: usize,
    ) -> Result<Vec<Json>, (Option<Vec<Json>>, Stop)> {
        if i < 0 {
            return Err((
                Some(list),
                Stop::Err(format!("negative {i} index not allowed")),
            ));
        }
        let (k, last) = self.until(&['[', '.', '=']);
        if !k.is_empty() {
            let runes: Vec<String> = k.chars().map(|c| format!("{c:?}")).collect();
            return Err((
                Some(list),
                Stop::Err(format!(
                    "unexpected data at end of array index: [{}]",
                    runes.join(" ")
                )),
            ));
        }
        let at = usize::try_from(i).unwrap_or(usize::MAX);
        match last {
            None => Err((Some(list), Stop::Eof)),
            Some('=') => {
                let value = match self.mode {
                    Mode::Literal => Json::String(self.until(&[]).0),
                    Mode::Json => {
                        if self.empty_val() {
                            Json::Null
                        } else {
                            let v = self.json_value().map_err(|e| (Some(list.clone()), e))?;
                            let set = set_index(list, i, v).map_err(|(l, e)| (Some(l), e))?;
                            self.empty_val();
                            return Ok(set);
                        }
                    }
                    _ => match self.val_list() {
                        Ok(vl) => Json::Array(vl),
                        Err(ListStop::Eof) => Json::String(String::new()),
                        Err(ListStop::NotList) => {
                            let (rs, _) = self.until(&[',']);
                            self.reader(&rs).map_err(|e| (Some(list.clone()), e))?
                        }
                        Err(ListStop::Err(e)) => return Err((Some(list), Stop::Err(e))),
                    },
                };
                set_index(list, i, value).map_err(|(l, e)| (Some(l), e))
            }
            Some('[') => {
                if level_lists(&mut self.list_depth) {
                    return Err((
                        Some(list),
                        Stop::Err(format!(
                            "list index nested level is greater than maximum supported nested level of {MAX_NESTED_LIST_LEVEL}"
                        )),
                    ));
                }
                let next = match self.key_index() {
                    Ok(n) => n,
                    Err(e) => return Err((Some(list), e)),
                };
                let current = match list.get(at) {
                    None | Some(Json::Null) => Vec::new(),
                    Some(Json::Array(l)) => l.clone(),
                    Some(other) => return Err((None, conversion_panic(other, LIST_T))),
                };
                let inner = self
                    .list_item(current, next, level)
                    .map_err(|(_, e)| (Some(list.clone()), e))?;
                set_index(list, i, Json::Array(inner)).map_err(|(l, e)| (Some(l), e))
            }
            Some(_) => {
                let mut inner = match list.get(at) {
                    Some(Json::Object(m)) => m.clone(),
                    Some(_) => {
                        // Indices out of order: Go resets the element to an empty map.
                        list[at] = Json::Object(Values::new());
                        Values::new()
                    }
                    None => Values::new(),
                };
                if let Err(e) = self.key(&mut inner, level) {
                    return Err((Some(list), e));
                }
                set_index(list, i, Json::Object(inner)).map_err(|(l, e)| (Some(l), e))
            }
        }
    }

    /// Go's `emptyVal`: skips spaces; true at the end of input or after a comma.
    fn empty_val(&mut self) -> bool {
        loop {
            match self.read() {
                None | Some(',') => return true,
                Some(c) if c.is_whitespace() => {}
                Some(_) => {
                    self.unread();
                    return false;
                }
            }
        }
    }

    /// One JSON value from the rest of the input, as Go's `json.Decoder.Decode`.
    fn json_value(&mut self) -> Step<Json> {
        let rest: String = self.chars[self.pos..].iter().collect();
        let mut stream = serde_json::Deserializer::from_str(&rest).into_iter::<Json>();
        match stream.next() {
            Some(Ok(v)) => {
                let consumed = rest[..stream.byte_offset()].chars().count();
                self.pos += consumed;
                Ok(json_numbers_to_float(v))
            }
            Some(Err(e)) => err(e.to_string()),
            None => err("unexpected end of JSON input"),
        }
    }

    fn val_list(&mut self) -> Result<Vec<Json>, ListStop> {
        match self.read() {
            None => return Err(ListStop::Eof),
            Some('{') => {}
            Some(_) => {
                self.unread();
                return Err(ListStop::NotList);
            }
        }
        let mut list = Vec::new();
        loop {
            let (rs, last) = self.until(&[',', '}']);
            match last {
                None => return Err(ListStop::Err("list must terminate with '}'".into())),
                Some('}') => {
                    if let Some(c) = self.read() {
                        if c != ',' {
                            self.unread();
                        }
                    }
                    match self.reader(&rs) {
                        Ok(v) => list.push(v),
                        Err(Stop::Err(e)) => return Err(ListStop::Err(e)),
                        Err(Stop::Eof) => return Err(ListStop::Eof),
                    }
                    return Ok(list);
                }
                Some(_) => match self.reader(&rs) {
                    Ok(v) => list.push(v),
                    Err(Stop::Err(e)) => return Err(ListStop::Err(e)),
                    Err(Stop::Eof) => return Err(ListStop::Eof),
                },
            }
        }
    }

    /// The parser's value reader: typing for `--set`, file contents for `--set-file`.
    fn reader(&mut self, rs: &str) -> Step<Json> {
        match &mut self.mode {
            Mode::Typed { strings } => Ok(typed_val(rs, *strings)),
            Mode::File(read) => read(rs).map_err(Stop::Err),
            Mode::Json | Mode::Literal => Ok(Json::String(rs.to_string())),
        }
    }
}

enum ListStop {
    Eof,
    NotList,
    Err(String),
}

fn set(data: &mut Values, key: &str, val: Json) {
    if !key.is_empty() {
        data.insert(key.to_string(), val);
    }
}

fn set_index(mut list: Vec<Json>, index: i64, val: Json) -> Result<Vec<Json>, (Vec<Json>, Stop)> {
    if index < 0 {
        return Err((
            list,
            Stop::Err(format!("negative {index} index not allowed")),
        ));
    }
    if index > MAX_INDEX {
        return Err((
            list,
            Stop::Err(format!(
                "index of {index} is greater than maximum supported index of {MAX_INDEX}"
            )),
        ));
    }
    let at = usize::try_from(index).unwrap_or(0);
    if list.len() <= at {
        list.resize(at + 1, Json::Null);
    }
    list[at] = val;
    Ok(list)
}

/// Go's `strconv.Atoi` with its error text.
fn go_atoi(s: &str) -> Result<i64, String> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("strconv.Atoi: parsing {s:?}: invalid syntax"));
    }
    s.parse::<i64>()
        .map_err(|_| format!("strconv.Atoi: parsing {s:?}: value out of range"))
}

/// Helm's `typedVal`: how `--set` types a value.
pub fn typed_val(val: &str, strings: bool) -> Json {
    if strings {
        return Json::String(val.to_string());
    }
    if val.eq_ignore_ascii_case("true") {
        return Json::Bool(true);
    }
    if val.eq_ignore_ascii_case("false") {
        return Json::Bool(false);
    }
    if val.eq_ignore_ascii_case("null") {
        return Json::Null;
    }
    if val == "0" {
        return Json::from(0i64);
    }
    if !val.is_empty() && !val.starts_with('0') {
        if let Ok(i) = val.parse::<i64>() {
            return Json::from(i);
        }
    }
    Json::String(val.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn set_(s: &str) -> Result<Json, String> {
        let mut v = Values::new();
        parse_into(s, &mut v).map(|()| Json::Object(v))
    }

    #[test]
    fn typing_and_escapes() {
        let v = set_(
            r"a=2.0,b=0x10,c=007,d=9223372036854775808,e=-5,f=TRUE,g=Null,h=,i=+7,j=a\,b,k\.l=1",
        )
        .unwrap();
        assert_eq!(
            v,
            json!({"a":"2.0","b":"0x10","c":"007","d":"9223372036854775808","e":-5,"f":true,"g":null,"h":"","i":7,"j":"a,b","k.l":1})
        );
        assert!(v["e"].as_number().unwrap().is_i64());
    }

    #[test]
    fn nesting_lists_and_braces() {
        let v = set_("a.b[1].c=x,l={p,q},n[0][1]=z,a.d=1").unwrap();
        assert_eq!(
            v,
            json!({"a":{"b":[null,{"c":"x"}],"d":1},"l":["p","q"],"n":[[null,"z"]]})
        );
    }

    #[test]
    fn errors_match_helm() {
        assert_eq!(
            set_("replicaCount").unwrap_err(),
            "key \"replicaCount\" has no value"
        );
        assert_eq!(
            set_("a,b=1").unwrap_err(),
            "key \"a\" has no value (cannot end with ,)"
        );
        assert_eq!(set_("a=1,a.b=2").unwrap_err(), "unable to parse key: interface conversion: interface {} is int64, not map[string]interface {}");
        assert_eq!(
            set_("a[70000]=1").unwrap_err(),
            "index of 70000 is greater than maximum supported index of 65536"
        );
        assert_eq!(
            set_("a[-1]=1").unwrap_err(),
            "negative -1 index not allowed"
        );
        assert_eq!(
            set_("a[x]=1").unwrap_err(),
            "error parsing index: strconv.Atoi: parsing \"x\": invalid syntax"
        );
        assert_eq!(set_("a={x,y").unwrap_err(), "list must terminate with '}'");
        assert_eq!(
            set_("a[0]b=1").unwrap_err(),
            "unexpected data at end of array index: ['b']"
        );
        let lists = format!("a{}=1", "[0]".repeat(200));
        assert!(set_(&lists)
            .unwrap_err()
            .contains("maximum supported nested level of 100"));
        let deep = format!("{}=1", vec!["k"; 32].join("."));
        assert!(set_(&deep)
            .unwrap_err()
            .contains("maximum supported nested level of 30"));
    }

    #[test]
    fn string_json_literal_file() {
        let mut v = Values::new();
        parse_into_string("a=1,b=true", &mut v).unwrap();
        parse_json(r#"c={"x":[1,2]},d=,e="s""#, &mut v).unwrap();
        parse_literal_into("f.g=a,b=c\\d", &mut v).unwrap();
        let mut read = |p: &str| Ok(Json::String(format!("<{p}>")));
        parse_into_file("h=path/x", &mut v, &mut read).unwrap();
        assert_eq!(
            Json::Object(v.clone()),
            json!({"a":"1","b":"true","c":{"x":[1.0,2.0]},"d":null,"e":"s","f":{"g":"a,b=c\\d"},"h":"<path/x>"})
        );
        assert!(v["c"]["x"][0].as_number().unwrap().is_f64());
        assert!(parse_json("a={bad", &mut Values::new()).is_err());
    }

    #[test]
    fn quiet_endings() {
        assert_eq!(set_("a.").unwrap(), json!({}));
        assert_eq!(set_("a=").unwrap(), json!({"a": ""}));
        assert_eq!(set_("a[0]").unwrap(), json!({"a": []}));
    }
}
