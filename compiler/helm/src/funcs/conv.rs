//! Go's conversions and reflection as Sprig uses them: `spf13/cast` number conversions
//! (`int`, `int64`, `float64`, and every arithmetic function), Sprig's `strval` and
//! `empty`, `reflect.DeepEqual`, and the reflect-kind checks behind Sprig's list
//! functions.
//!
//! Not here: printing (`%v` is gotmpl's `fmt::sprint_v`).

use kubake_gotmpl::{GoType, IntKind, Kind, List, Value};

use super::time::GoTime;

/// `cast.ToInt64E` with the error dropped (Sprig ignores it): integers of any size,
/// floats truncated, strings parsed with Go's base prefixes (`0x1F`, `010`, `0b1`) after
/// a `.0…` suffix is trimmed, bools as 1/0, anything else 0.
pub fn to_int64(v: &Value) -> i64 {
    match v {
        Value::Int(i, _) => *i,
        Value::Uint(u, _) => *u as i64,
        Value::Float(f, _) => float_to_i64(*f),
        Value::Bool(b) => i64::from(*b),
        Value::String(s) => parse_go_int(trim_zero_decimal(s)).unwrap_or(0),
        _ => 0,
    }
}

/// Go's conversion of a float64 to int64 (truncation; out-of-range values give Go's
/// amd64 result, the minimum int64).
pub fn float_to_i64(f: f64) -> i64 {
    // 2^63 is exactly representable; every float in [-2^63, 2^63) converts exactly.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if f.is_nan() || !(-LIMIT..LIMIT).contains(&f) {
        i64::MIN
    } else {
        f as i64
    }
}

/// `cast`'s `trimZeroDecimal`: `"3.000"` becomes `"3"`; other strings are unchanged.
fn trim_zero_decimal(s: &str) -> &str {
    if let Some(dot) = s.find('.') {
        let frac = &s[dot + 1..];
        if !frac.is_empty() && frac.bytes().all(|c| c == b'0') {
            return &s[..dot];
        }
    }
    s
}

/// `strconv.ParseInt(s, 0, 64)`: sign, base prefix (`0x`, `0o`, `0b`, leading `0` for
/// octal) and `_` separators after a prefix.
pub fn parse_go_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if body.is_empty() {
        return None;
    }
    let lower = body.to_ascii_lowercase();
    let (radix, digits, prefixed) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d.to_string(), true)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d.to_string(), true)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d.to_string(), true)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, lower[1..].to_string(), true)
    } else {
        (10, lower.clone(), false)
    };
    if digits.starts_with('_') && !prefixed || digits.ends_with('_') || digits.contains("__") {
        return None;
    }
    let digits: String = digits.chars().filter(|&c| c != '_').collect();
    if digits.is_empty() || digits.starts_with('+') || digits.starts_with('-') {
        return None;
    }
    let mag = u64::from_str_radix(&digits, radix).ok()?;
    if neg {
        if mag > 1 << 63 {
            None
        } else {
            Some((mag as i64).wrapping_neg())
        }
    } else {
        i64::try_from(mag).ok()
    }
}

/// `cast.ToFloat64E` with the error dropped.
pub fn to_float64(v: &Value) -> f64 {
    match v {
        Value::Int(i, _) => *i as f64,
        Value::Uint(u, _) => *u as f64,
        Value::Float(f, _) => *f,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::String(s) => parse_go_float(s).unwrap_or(0.0),
        _ => 0.0,
    }
}

/// `strconv.ParseFloat(s, 64)`, including Go's `inf`/`nan` spellings, hex floats aside.
pub fn parse_go_float(s: &str) -> Option<f64> {
    let t = s.trim_start_matches(['+', '-']);
    let lower = t.to_ascii_lowercase();
    if matches!(lower.as_str(), "inf" | "infinity" | "nan") {
        let f = if lower == "nan" {
            f64::NAN
        } else {
            f64::INFINITY
        };
        return Some(if s.starts_with('-') { -f } else { f });
    }
    if s.is_empty()
        || !s
            .bytes()
            .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-' | b'_'))
    {
        return None;
    }
    s.replace('_', "").parse::<f64>().ok()
}

/// Sprig's `strval`: strings as they are, `[]byte` as text, `time.Time`/semver and other
/// Stringers through `String()`, everything else as `%v`.
pub fn strval(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_string(),
        Value::List(l) => match l.to_bytes() {
            Some(b) => super::text::text_of(&b),
            None => kubake_gotmpl::fmt::sprint_v(v),
        },
        _ => kubake_gotmpl::fmt::sprint_v(v),
    }
}

/// Sprig's `empty`: nil, zero numbers, `false`, and empty strings, lists and maps are
/// empty; structs never are.
pub fn is_empty(v: &Value) -> bool {
    match v {
        Value::Nil => true,
        Value::Bool(b) => !b,
        Value::Int(i, _) => *i == 0,
        Value::Uint(u, _) => *u == 0,
        Value::Float(f, _) => *f == 0.0,
        Value::Complex(re, im) => *re == 0.0 && *im == 0.0,
        Value::String(s) => s.is_empty(),
        Value::List(l) => l.is_empty(),
        Value::Map(m) => m.is_empty(),
        Value::Object(o) => match o.kind() {
            Kind::Map => o.as_map().is_none_or(|m| m.is_empty()),
            Kind::Slice => o.as_list().is_none_or(|l| l.is_empty()),
            _ => false,
        },
    }
}

/// `reflect.DeepEqual` on two interface values: same dynamic type and equal contents.
pub fn deep_equal(a: &Value, b: &Value) -> bool {
    deep_equal_at(a, b, 0)
}

fn deep_equal_at(a: &Value, b: &Value, depth: usize) -> bool {
    if depth > 1000 {
        return false;
    }
    match (a, b) {
        (Value::Nil, Value::Nil) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x, kx), Value::Int(y, ky)) => kx == ky && x == y,
        (Value::Uint(x, kx), Value::Uint(y, ky)) => kx == ky && x == y,
        (Value::Float(x, kx), Value::Float(y, ky)) => kx == ky && x == y,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::List(x), Value::List(y)) => {
            x.elem() == y.elem()
                && x.len() == y.len()
                && (x.ptr_eq(y)
                    || x.items()
                        .iter()
                        .zip(y.items())
                        .all(|(p, q)| deep_equal_at(p, q, depth + 1)))
        }
        (Value::Map(x), Value::Map(y)) => {
            if x.type_name() != y.type_name() || x.elem() != y.elem() || x.len() != y.len() {
                return false;
            }
            if x.ptr_eq(y) {
                return true;
            }
            x.entries().iter().all(|(k, v)| {
                y.get(k)
                    .is_some_and(|w| y.contains_key(k) && deep_equal_at(v, &w, depth + 1))
            })
        }
        (Value::Object(x), Value::Object(y)) => {
            if x.type_name() != y.type_name() {
                return false;
            }
            if let (Some(p), Some(q)) = (
                x.as_any().downcast_ref::<GoTime>(),
                y.as_any().downcast_ref::<GoTime>(),
            ) {
                return p == q;
            }
            match x.equals(y.as_ref()) {
                Some(true) => true,
                _ => {
                    let (mut s, mut t) = (String::new(), String::new());
                    x.display(&mut s);
                    y.display(&mut t);
                    s == t
                }
            }
        }
        _ => false,
    }
}

/// The reflect kind name of a value (`kindOf`), `invalid` for nil.
pub fn kind_name(v: &Value) -> &'static str {
    v.kind().name()
}

/// A value that Sprig's reflection-based list functions accept: a slice (or a host
/// value with a list view). `Err` carries the kind name for Sprig's messages; a nil
/// argument is Go's nil-pointer panic (`reflect.TypeOf(nil).Kind()`).
pub fn list_arg(v: &Value) -> Result<List, ListArgError> {
    match v {
        Value::Nil => Err(ListArgError::Nil),
        Value::List(l) => Ok(l.clone()),
        other => match other.as_list() {
            Some(l) if other.kind() == Kind::Slice => Ok(l),
            _ => Err(ListArgError::Kind(kind_name(other))),
        },
    }
}

/// Why [`list_arg`] refused a value.
#[derive(Debug, Clone, Copy)]
pub enum ListArgError {
    /// The argument was nil: Go panics with a nil pointer dereference.
    Nil,
    /// The argument's kind, for `Cannot X on type KIND`.
    Kind(&'static str),
}

/// Go's runtime panic text for a nil pointer dereference.
pub const NIL_DEREF: &str = "runtime error: invalid memory address or nil pointer dereference";

/// A `[]int`.
pub fn int_list(items: impl IntoIterator<Item = i64>) -> List {
    List::typed(GoType::INT, items.into_iter().map(Value::int).collect())
}

/// Whether a value is an `int` (not another integer type).
pub fn is_go_int(v: &Value) -> bool {
    matches!(v, Value::Int(_, IntKind::Int))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubake_gotmpl::Map;

    #[test]
    fn cast_numbers() {
        assert_eq!(to_int64(&Value::from("010")), 8);
        assert_eq!(to_int64(&Value::from("0x1F")), 31);
        assert_eq!(to_int64(&Value::from("1.9")), 0);
        assert_eq!(to_int64(&Value::from("3.00")), 3);
        assert_eq!(to_int64(&Value::float(5.9)), 5);
        assert_eq!(to_int64(&Value::float(-5.9)), -5);
        assert_eq!(to_int64(&Value::Bool(true)), 1);
        assert_eq!(to_int64(&Value::Nil), 0);
        assert_eq!(to_float64(&Value::from("2.5")), 2.5);
        assert_eq!(to_float64(&Value::from("x")), 0.0);
        assert_eq!(
            to_int64(&Value::float(9.007199254740992e15)),
            9_007_199_254_740_992
        );
    }

    #[test]
    fn emptiness() {
        assert!(is_empty(&Value::Nil));
        assert!(is_empty(&Value::float(0.0)));
        assert!(!is_empty(&Value::from("0")));
        assert!(is_empty(&Value::from(Map::new())));
        assert!(!is_empty(&Value::Bool(true)));
    }

    #[test]
    fn deep_equality_is_typed() {
        assert!(!deep_equal(&Value::int(1), &Value::float(1.0)));
        assert!(!deep_equal(&Value::int(1), &Value::int64(1)));
        assert!(deep_equal(
            &Value::from(List::new(vec![Value::int(1)])),
            &Value::from(List::new(vec![Value::int(1)]))
        ));
        assert!(!deep_equal(
            &Value::from(List::new(vec![])),
            &Value::from(List::strings(Vec::<String>::new()))
        ));
    }
}
