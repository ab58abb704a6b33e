//! Sprig's string functions that wrap Go's `strings` and `strconv` packages: `trim*`,
//! `upper`/`lower`, `repeat`, `substr`, `trunc`, `contains`/`hasPrefix`/`hasSuffix`,
//! `quote`/`squote`, `cat`, `indent`/`nindent`, `replace`, `plural`, `toString`,
//! `toStrings`, `atoi`, `split`/`splitList`/`splitn`, `join`, `sortAlpha`, `hello`.
//!
//! `substr` and `trunc` slice bytes, as Go does; Go's slice-bounds panics keep their
//! runtime error texts (`runtime error: slice bounds out of range [3:1]`).
//!
//! Not here: goutils/xstrings transformations (`text`), regexes (`regex`), encodings.

use kubake_gotmpl::{FuncError, FuncMap, GoType, List, Map, Value};

use super::conv::{list_arg, strval, ListArgError, NIL_DEREF};
use super::text::{go_lower, go_upper, is_go_space};
use super::{int_at, reg, reg_var, repeat, str_at};

fn lossy(b: &[u8]) -> String {
    super::text::text_of(b)
}

/// Sprig's `trunc c s` (byte-based).
pub fn trunc(c: i64, s: &str) -> String {
    let len = s.len() as i64;
    if c < 0 && len + c > 0 {
        return lossy(&s.as_bytes()[(len + c) as usize..]);
    }
    if c >= 0 && len > c {
        return lossy(&s.as_bytes()[..c as usize]);
    }
    s.to_string()
}

/// Sprig's `substr start end s` (byte-based, with Go's slice panics).
pub fn substr(start: i64, end: i64, s: &str) -> Result<String, FuncError> {
    let b = s.as_bytes();
    let len = b.len() as i64;
    let oob =
        |msg: String| FuncError::new(format!("runtime error: slice bounds out of range {msg}"));
    if start < 0 {
        if end < 0 {
            return Err(oob(format!("[:{end}]")));
        }
        if end > len {
            return Err(oob(format!("[:{end}] with length {len}")));
        }
        return Ok(lossy(&b[..end as usize]));
    }
    if end < 0 || end > len {
        if start > len {
            return Err(oob(format!("[{start}:{len}]")));
        }
        return Ok(lossy(&b[start as usize..]));
    }
    if start > end {
        return Err(oob(format!("[{start}:{end}]")));
    }
    Ok(lossy(&b[start as usize..end as usize]))
}

/// Go's `strings.Split` (an empty separator splits into runes).
pub fn go_split(s: &str, sep: &str, n: i64) -> Vec<String> {
    if n == 0 {
        return Vec::new();
    }
    let limit = if n < 0 { usize::MAX } else { n as usize };
    if sep.is_empty() {
        let mut out: Vec<String> = Vec::new();
        let mut chars = s.char_indices();
        while out.len() + 1 < limit {
            match chars.next() {
                Some((_, c)) => out.push(c.to_string()),
                None => return out,
            }
        }
        let rest: String = chars.map(|(_, c)| c).collect();
        if !rest.is_empty() {
            out.push(rest);
        }
        return out;
    }
    s.splitn(limit, sep).map(str::to_string).collect()
}

/// Sprig's `strslice` (`toStrings`, `join`): nil items dropped, others through `strval`.
pub fn strslice(v: &Value) -> Vec<String> {
    match v {
        Value::Nil => Vec::new(),
        Value::List(l) => l
            .items()
            .iter()
            .filter(|x| !x.is_nil())
            .map(strval)
            .collect(),
        other => match other.as_list() {
            Some(l) if other.kind() == kubake_gotmpl::Kind::Slice => l
                .items()
                .iter()
                .filter(|x| !x.is_nil())
                .map(strval)
                .collect(),
            _ => vec![strval(other)],
        },
    }
}

fn go_trim_cutset(s: &str, cutset: &str) -> String {
    s.trim_matches(|c| cutset.contains(c)).to_string()
}

/// Go's `strings.TrimSpace`.
pub fn trim_space(s: &str) -> &str {
    s.trim_matches(is_go_space)
}

/// Go's `strconv.Atoi` with the error dropped (Sprig's `atoi`).
fn atoi(s: &str) -> i64 {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return 0;
    }
    s.parse::<i64>().unwrap_or(0)
}

fn string_map(parts: Vec<String>) -> Value {
    let m = Map::typed(None, GoType::String);
    for (i, p) in parts.into_iter().enumerate() {
        m.insert(format!("_{i}"), Value::from(p));
    }
    Value::Map(m)
}

pub(crate) fn register(map: &mut FuncMap) {
    use GoType::{Interface as I, String as S};
    let int = GoType::INT;
    reg(map, "hello", [], |_, _| Ok(Value::from("Hello!")));
    reg(map, "trim", [S], |_, a| {
        Ok(Value::from(trim_space(str_at(a, 0))))
    });
    reg(map, "upper", [S], |_, a| {
        Ok(Value::from(
            str_at(a, 0).chars().map(go_upper).collect::<String>(),
        ))
    });
    reg(map, "lower", [S], |_, a| {
        Ok(Value::from(
            str_at(a, 0).chars().map(go_lower).collect::<String>(),
        ))
    });
    reg(map, "substr", [int.clone(), int.clone(), S], |_, a| {
        substr(int_at(a, 0), int_at(a, 1), str_at(a, 2)).map(Value::from)
    });
    reg(map, "trunc", [int.clone(), S], |_, a| {
        Ok(Value::from(trunc(int_at(a, 0), str_at(a, 1))))
    });
    reg(map, "repeat", [int.clone(), S], |_, a| {
        repeat(str_at(a, 1), int_at(a, 0)).map(Value::from)
    });
    for name in ["trimall", "trimAll"] {
        reg(map, name, [S, S], |_, a| {
            Ok(Value::from(go_trim_cutset(str_at(a, 1), str_at(a, 0))))
        });
    }
    reg(map, "trimSuffix", [S, S], |_, a| {
        let (suffix, s) = (str_at(a, 0), str_at(a, 1));
        Ok(Value::from(s.strip_suffix(suffix).unwrap_or(s)))
    });
    reg(map, "trimPrefix", [S, S], |_, a| {
        let (prefix, s) = (str_at(a, 0), str_at(a, 1));
        Ok(Value::from(s.strip_prefix(prefix).unwrap_or(s)))
    });
    reg(map, "contains", [S, S], |_, a| {
        Ok(Value::Bool(str_at(a, 1).contains(str_at(a, 0))))
    });
    reg(map, "hasPrefix", [S, S], |_, a| {
        Ok(Value::Bool(str_at(a, 1).starts_with(str_at(a, 0))))
    });
    reg(map, "hasSuffix", [S, S], |_, a| {
        Ok(Value::Bool(str_at(a, 1).ends_with(str_at(a, 0))))
    });
    reg_var(map, "quote", [], I, |_, a| {
        let parts: Vec<String> = a
            .iter()
            .filter(|v| !v.is_nil())
            .map(|v| kubake_gotmpl::fmt::quote_go(&strval(v)))
            .collect();
        Ok(Value::from(parts.join(" ")))
    });
    reg_var(map, "squote", [], I, |_, a| {
        let parts: Vec<String> = a
            .iter()
            .filter(|v| !v.is_nil())
            .map(|v| format!("'{}'", kubake_gotmpl::fmt::sprint_v(v)))
            .collect();
        Ok(Value::from(parts.join(" ")))
    });
    reg_var(map, "cat", [], I, |_, a| {
        let parts: Vec<String> = a
            .iter()
            .filter(|v| !v.is_nil())
            .map(kubake_gotmpl::fmt::sprint_v)
            .collect();
        Ok(Value::from(parts.join(" ")))
    });
    reg(map, "indent", [int.clone(), S], |_, a| {
        let pad = repeat(" ", int_at(a, 0))?;
        Ok(Value::from(indent(&pad, str_at(a, 1))))
    });
    reg(map, "nindent", [int.clone(), S], |_, a| {
        let pad = repeat(" ", int_at(a, 0))?;
        Ok(Value::from(format!("\n{}", indent(&pad, str_at(a, 1)))))
    });
    reg(map, "replace", [S, S, S], |_, a| {
        Ok(Value::from(
            str_at(a, 2).replace(str_at(a, 0), str_at(a, 1)),
        ))
    });
    reg(map, "plural", [S, S, int.clone()], |_, a| {
        Ok(Value::from(if int_at(a, 2) == 1 {
            str_at(a, 0)
        } else {
            str_at(a, 1)
        }))
    });
    reg(map, "toString", [I], |_, a| Ok(Value::from(strval(&a[0]))));
    reg(map, "toStrings", [I], |_, a| {
        Ok(Value::List(List::strings(strslice(&a[0]))))
    });
    reg(map, "atoi", [S], |_, a| Ok(Value::int(atoi(str_at(a, 0)))));
    reg(map, "split", [S, S], |_, a| {
        Ok(string_map(go_split(str_at(a, 1), str_at(a, 0), -1)))
    });
    reg(map, "splitList", [S, S], |_, a| {
        Ok(Value::List(List::strings(go_split(
            str_at(a, 1),
            str_at(a, 0),
            -1,
        ))))
    });
    reg(map, "splitn", [S, int, S], |_, a| {
        Ok(string_map(go_split(
            str_at(a, 2),
            str_at(a, 0),
            int_at(a, 1),
        )))
    });
    reg(map, "join", [S, I], |_, a| {
        Ok(Value::from(strslice(&a[1]).join(str_at(a, 0))))
    });
    reg(map, "sortAlpha", [I], |_, a| {
        let mut items = match list_arg(&a[0]) {
            Ok(_) => strslice(&a[0]),
            Err(ListArgError::Nil) => vec![strval(&a[0])],
            Err(ListArgError::Kind(_)) => vec![strval(&a[0])],
        };
        items.sort();
        Ok(Value::List(List::strings(items)))
    });
    let _ = NIL_DEREF;
}

/// Sprig's `indent` body: `pad` before the text and after every newline.
pub fn indent(pad: &str, s: &str) -> String {
    let mut out = String::with_capacity(s.len() + pad.len());
    out.push_str(pad);
    out.push_str(&s.replace('\n', &format!("\n{pad}")));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_slicing() {
        assert_eq!(trunc(5, "hello world"), "hello");
        assert_eq!(trunc(-3, "hello"), "llo");
        assert_eq!(trunc(2, "日本語"), "\u{fffd}");
        assert_eq!(substr(1, 3, "hello").ok().as_deref(), Some("el"));
        assert_eq!(substr(0, 99, "abc").ok().as_deref(), Some("abc"));
        assert_eq!(substr(-1, 2, "hello").ok().as_deref(), Some("he"));
        assert_eq!(substr(2, -1, "hello").ok().as_deref(), Some("llo"));
        assert_eq!(
            substr(3, 1, "hello").map_err(|e| e.to_string()),
            Err("runtime error: slice bounds out of range [3:1]".into())
        );
    }

    #[test]
    fn splitting() {
        assert_eq!(go_split("a,b,c", ",", 2), vec!["a", "b,c"]);
        assert_eq!(go_split("abc", "", -1), vec!["a", "b", "c"]);
        assert_eq!(go_split("", ",", -1), vec![""]);
        assert!(go_split("a", ",", 0).is_empty());
        assert_eq!(atoi("010"), 10);
        assert_eq!(atoi("1.5"), 0);
    }
}
