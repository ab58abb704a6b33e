//! `.Files`: a chart's non-template files as Helm's `engine.files` (a
//! `map[string][]byte` with methods `Get`, `GetBytes`, `Glob`, `Lines`, `AsConfig`,
//! `AsSecrets`), and the glob matcher behind `Glob` (`gobwas/glob` with `/` as the
//! separator: `*` and `?` stop at `/`, `**` crosses it, `[...]`, `[!...]`, `{a,b}`).
//!
//! Not here: deciding which files a chart has (chart loading excludes `Chart.yaml`,
//! `values.yaml`, `templates/` and `.helmignore`d paths before building this).

use std::any::Any;
use std::collections::BTreeMap;
use std::sync::Arc;

use base64::Engine;
use kubake_chart::load::FileData;
use kubake_gotmpl::{
    CallContext, FuncError, GoType, Kind, List, Map, Object, Signature, UintKind, Value,
};

/// The first of the 256 code points that stand for bytes that are not UTF-8 (plane 16's
/// private use area, which no real text uses).
const RAW_BYTE_BASE: u32 = 0x10_FF00;

/// Go's `string(bytes)` for any bytes: Go strings hold arbitrary bytes, template values
/// hold UTF-8, so each byte that is not part of valid UTF-8 becomes the private code
/// point `U+10FF00 + byte`. [`go_bytes`] undoes it, so `.Files.Get "x.bz2" | b64enc`
/// (and `b64dec | b64enc`) keeps every byte, as in Go.
pub fn go_string(bytes: &[u8]) -> String {
    // Valid UTF-8 (nearly all files) takes `str::from_utf8`'s fast validation; the
    // chunk iterator checks byte by byte (5% of rendering a chart that reads its CRDs).
    if let Ok(text) = std::str::from_utf8(bytes) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for &b in chunk.invalid() {
            out.push(char::from_u32(RAW_BYTE_BASE + u32::from(b)).unwrap_or('\u{fffd}'));
        }
    }
    out
}

/// The bytes a string stands for (see [`go_string`]).
pub fn go_bytes(s: &str) -> std::borrow::Cow<'_, [u8]> {
    let is_raw = |c: char| (RAW_BYTE_BASE..RAW_BYTE_BASE + 256).contains(&u32::from(c));
    if !s.chars().any(is_raw) {
        return std::borrow::Cow::Borrowed(s.as_bytes());
    }
    let mut out = Vec::with_capacity(s.len());
    let mut buf = [0u8; 4];
    for c in s.chars() {
        if is_raw(c) {
            out.push((u32::from(c) - RAW_BYTE_BASE) as u8);
        } else {
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Helm's `engine.files`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Files {
    files: Arc<BTreeMap<String, FileData>>,
}

impl Files {
    /// Files by chart-relative path.
    pub fn new(files: BTreeMap<String, FileData>) -> Files {
        Files {
            files: Arc::new(files),
        }
    }

    /// The files, by path.
    pub fn entries(&self) -> &BTreeMap<String, FileData> {
        &self.files
    }

    /// The bytes of file `name` (`None` when there is no such file); a `crds/` file is
    /// read from disk now, and an error says it could not be.
    fn get(&self, name: &str) -> Result<Option<Arc<Vec<u8>>>, FuncError> {
        self.files
            .get(name)
            .map(|f| f.read().map_err(FuncError::new))
            .transpose()
    }

    /// `Glob(pattern)`: the files whose path matches.
    pub fn glob(&self, pattern: &str) -> Files {
        let g = Glob::compile(pattern).unwrap_or(Glob(vec![Token::Super]));
        Files::new(
            self.files
                .iter()
                .filter(|(k, _)| g.matches(k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        )
    }

    /// `Lines(path)`: the file split on newlines, one trailing newline ignored.
    pub fn lines(&self, path: &str) -> Result<Vec<String>, FuncError> {
        let Some(b) = self.get(path)? else {
            return Ok(Vec::new());
        };
        let s = String::from_utf8_lossy(&b);
        let s = s.strip_suffix('\n').unwrap_or(&s);
        Ok(s.split('\n').map(str::to_string).collect())
    }

    fn as_named_map(&self, f: impl Fn(&[u8]) -> String) -> Result<Value, FuncError> {
        let m = Map::typed(None, GoType::String);
        for (k, v) in self.files.iter() {
            let data = v.read().map_err(FuncError::new)?;
            m.insert(crate::funcs::paths::base(k), Value::from(f(&data)));
        }
        Ok(Value::Map(m))
    }

    /// The files as Go prints a `map[string][]byte` (a file that cannot be read is
    /// printed empty: printing has no way to fail).
    fn bytes_map(&self) -> Map {
        let m = Map::typed(None, GoType::slice(GoType::Uint(UintKind::Uint8)));
        for (k, v) in self.files.iter() {
            let data = v.read().unwrap_or_default();
            m.insert(k.as_str(), Value::List(List::shared_bytes(data)));
        }
        m
    }
}

impl Object for Files {
    fn type_name(&self) -> String {
        "engine.files".into()
    }

    fn kind(&self) -> Kind {
        Kind::Map
    }

    fn method(&self, name: &str) -> Option<Signature> {
        Some(match name {
            "Get" | "GetBytes" | "Glob" | "Lines" => Signature::fixed([GoType::String]),
            "AsConfig" | "AsSecrets" => Signature::fixed([]),
            _ => return None,
        })
    }

    fn call_method(
        &self,
        name: &str,
        _ctx: &mut CallContext<'_>,
        args: &[Value],
    ) -> Result<Value, FuncError> {
        let arg = args.first().and_then(Value::as_str).unwrap_or("");
        Ok(match name {
            "Get" => Value::from(self.get(arg)?.map_or_else(String::new, |b| go_string(&b))),
            "GetBytes" => Value::List(List::shared_bytes(self.get(arg)?.unwrap_or_default())),
            "Glob" => Value::object(self.glob(arg)),
            "Lines" => Value::List(List::strings(self.lines(arg)?)),
            "AsConfig" => {
                let m = self.as_named_map(go_string)?;
                Value::from(crate::funcs::yaml::to_yaml(&m).unwrap_or_default())
            }
            "AsSecrets" => {
                let m =
                    self.as_named_map(|b| base64::engine::general_purpose::STANDARD.encode(b))?;
                Value::from(crate::funcs::yaml::to_yaml(&m).unwrap_or_default())
            }
            _ => return Err(FuncError::new(format!("engine.files has no method {name}"))),
        })
    }

    fn display(&self, out: &mut String) {
        out.push_str(&Value::Map(self.bytes_map()).to_string());
    }

    fn is_true(&self) -> bool {
        !self.files.is_empty()
    }

    fn equals(&self, _other: &dyn Object) -> Option<bool> {
        None
    }

    fn as_map(&self) -> Option<Map> {
        Some(self.bytes_map())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[derive(Debug, Clone)]
enum Token {
    Lit(char),
    /// `?`: one non-separator character.
    Single,
    /// `*`: any run of non-separator characters.
    Any,
    /// `**`: any run of characters.
    Super,
    /// `[...]` / `[!...]`: ranges, negated or not.
    Class(Vec<(char, char)>, bool),
    /// `{a,b}`: alternatives, each a token sequence.
    Alt(Vec<Vec<Token>>),
}

/// A compiled `gobwas/glob` pattern with `/` as separator.
#[derive(Debug, Clone)]
pub struct Glob(Vec<Token>);

impl Glob {
    /// Compiles a pattern; `None` when it is malformed (Helm then matches everything).
    pub fn compile(pattern: &str) -> Option<Glob> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut i = 0;
        let toks = parse_seq(&chars, &mut i, false)?;
        (i == chars.len()).then_some(Glob(toks))
    }

    /// Whether `s` matches the whole pattern.
    pub fn matches(&self, s: &str) -> bool {
        let chars: Vec<char> = s.chars().collect();
        let mut steps = 0usize;
        match_seq(&self.0, &chars, &mut steps)
    }
}

fn parse_seq(c: &[char], i: &mut usize, in_alt: bool) -> Option<Vec<Token>> {
    let mut out = Vec::new();
    while *i < c.len() {
        match c[*i] {
            ',' | '}' if in_alt => return Some(out),
            '*' => {
                if c.get(*i + 1) == Some(&'*') {
                    *i += 2;
                    out.push(Token::Super);
                } else {
                    *i += 1;
                    out.push(Token::Any);
                }
            }
            '?' => {
                *i += 1;
                out.push(Token::Single);
            }
            '\\' => {
                let ch = *c.get(*i + 1)?;
                *i += 2;
                out.push(Token::Lit(ch));
            }
            '[' => {
                *i += 1;
                let negated = c.get(*i) == Some(&'!');
                if negated {
                    *i += 1;
                }
                let mut ranges = Vec::new();
                loop {
                    let lo = *c.get(*i)?;
                    if lo == ']' {
                        *i += 1;
                        break;
                    }
                    if c.get(*i + 1) == Some(&'-') && c.get(*i + 2).is_some_and(|h| *h != ']') {
                        ranges.push((lo, c[*i + 2]));
                        *i += 3;
                    } else {
                        ranges.push((lo, lo));
                        *i += 1;
                    }
                }
                out.push(Token::Class(ranges, negated));
            }
            '{' => {
                *i += 1;
                let mut alts = Vec::new();
                loop {
                    alts.push(parse_seq(c, i, true)?);
                    match c.get(*i) {
                        Some(',') => *i += 1,
                        Some('}') => {
                            *i += 1;
                            break;
                        }
                        _ => return None,
                    }
                }
                out.push(Token::Alt(alts));
            }
            ch => {
                *i += 1;
                out.push(Token::Lit(ch));
            }
        }
    }
    if in_alt {
        return None;
    }
    Some(out)
}

/// Backtracking match; `steps` bounds the work on hostile patterns.
fn match_seq(toks: &[Token], s: &[char], steps: &mut usize) -> bool {
    *steps += 1;
    if *steps > 1_000_000 {
        return false;
    }
    let Some((first, rest)) = toks.split_first() else {
        return s.is_empty();
    };
    match first {
        Token::Lit(c) => s.first() == Some(c) && match_seq(rest, &s[1..], steps),
        Token::Single => s.first().is_some_and(|c| *c != '/') && match_seq(rest, &s[1..], steps),
        Token::Class(ranges, negated) => {
            s.first().is_some_and(|c| {
                *c != '/' && ranges.iter().any(|(lo, hi)| (lo..=hi).contains(&c)) != *negated
            }) && match_seq(rest, &s[1..], steps)
        }
        Token::Any | Token::Super => {
            for n in 0..=s.len() {
                if n > 0 && matches!(first, Token::Any) && s[n - 1] == '/' {
                    break;
                }
                if match_seq(rest, &s[n..], steps) {
                    return true;
                }
            }
            false
        }
        Token::Alt(alts) => alts.iter().any(|alt| {
            let mut combined = alt.clone();
            combined.extend_from_slice(rest);
            match_seq(&combined, s, steps)
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, s: &str) -> bool {
        Glob::compile(p).is_some_and(|g| g.matches(s))
    }

    #[test]
    fn gobwas_semantics() {
        assert!(m("files/*.txt", "files/a.txt"));
        assert!(!m("files/*.txt", "files/sub/a.txt"));
        assert!(m("files/**", "files/sub/c.json"));
        assert!(m("files/?.txt", "files/a.txt"));
        assert!(m("files/[ab].txt", "files/b.txt"));
        assert!(!m("files/[!ab].txt", "files/b.txt"));
        assert!(m("*.{json,txt}", "a.json"));
        assert!(!m("nothing/*", "files/a.txt"));
        assert!(Glob::compile("[").is_none());
    }

    #[test]
    fn lines_and_config() {
        let f = Files::new(BTreeMap::from([(
            "a.txt".to_string(),
            b"one\ntwo\n\nfour".to_vec().into(),
        )]));
        assert_eq!(f.lines("a.txt").unwrap(), vec!["one", "two", "", "four"]);
        assert!(f.lines("nope").unwrap().is_empty());
    }
}
