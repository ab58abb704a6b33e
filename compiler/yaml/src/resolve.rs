//! How a plain (unquoted) scalar's text becomes a typed value, per YAML schema.
//!
//! kubake reads and writes YAML the way the Go libraries behind kustomize and Helm do, and
//! they disagree on purpose: kustomize's kyaml loads with yaml.v3, whose resolver knows only
//! `true`/`false` as booleans (YAML 1.2 core), while the emitter behind every output
//! (sigs.k8s.io/yaml over yaml.v2) quotes anything a YAML 1.1 reader would take for a
//! non-string (`yes`, `on`, `0777`, `1e3`, `2024-01-01`, `1:20`). Helm reads values files with
//! yaml.v2, so [`Schema::Yaml11`] is also how chart values load.
//!
//! This module is only the resolver; it does not parse YAML syntax.

use crate::node::Value;

/// Which resolver turns plain scalars into typed values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Schema {
    /// yaml.v3's resolver (kustomize's kyaml): booleans are only `true`/`false` in three
    /// spellings; integers accept Go's base prefixes and legacy `0777` octal.
    Core12,
    /// yaml.v2's resolver (Helm values, sigs.k8s.io/yaml): YAML 1.1 booleans such as
    /// `yes`, `on`, `n` as well.
    Yaml11,
}

/// What a plain scalar resolves to, before conversion to a [`Value`].
#[derive(Clone, Debug, PartialEq)]
pub enum Resolved {
    /// A string (the text itself).
    Str,
    /// `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// An unsigned integer above `i64::MAX`.
    Uint(u64),
    /// A float.
    Float(f64),
    /// A timestamp; both Go libraries hand these to untyped targets as strings.
    Timestamp,
    /// The merge key `<<`.
    Merge,
}

/// Resolves the text of a plain scalar under `schema`.
pub fn resolve_plain(text: &str, schema: Schema) -> Resolved {
    let Some(&first) = text.as_bytes().first() else {
        return Resolved::Null;
    };
    match text {
        "~" | "null" | "Null" | "NULL" => return Resolved::Null,
        "true" | "True" | "TRUE" => return Resolved::Bool(true),
        "false" | "False" | "FALSE" => return Resolved::Bool(false),
        ".nan" | ".NaN" | ".NAN" => return Resolved::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Resolved::Float(f64::INFINITY)
        }
        "-.inf" | "-.Inf" | "-.INF" => return Resolved::Float(f64::NEG_INFINITY),
        "<<" => return Resolved::Merge,
        _ => {}
    }
    if schema == Schema::Yaml11 {
        match text {
            "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => return Resolved::Bool(true),
            "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => return Resolved::Bool(false),
            _ => {}
        }
    }
    match first {
        b'.' => match go_parse_float(text) {
            Some(f) => Resolved::Float(f),
            None => Resolved::Str,
        },
        b'+' | b'-' | b'0'..=b'9' => resolve_number(text, schema),
        _ => Resolved::Str,
    }
}

fn resolve_number(text: &str, schema: Schema) -> Resolved {
    if is_go_timestamp(text) {
        return Resolved::Timestamp;
    }
    let plain: String = text.chars().filter(|&c| c != '_').collect();
    if let Some(i) = go_parse_int(&plain) {
        return match i64::try_from(i) {
            Ok(i) => Resolved::Int(i),
            Err(_) if i > 0 => Resolved::Uint(i as u64),
            Err(_) => Resolved::Str,
        };
    }
    if is_yaml_style_float(&plain) {
        if let Some(f) = go_parse_float(&plain) {
            return Resolved::Float(f);
        }
    }
    let (neg, rest) = match plain.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, plain.as_str()),
    };
    if let Some(bin) = rest.strip_prefix("0b") {
        if let Ok(v) = i64::from_str_radix(bin, 2) {
            return Resolved::Int(if neg { -v } else { v });
        }
    }
    if schema == Schema::Core12 && !neg {
        if let Some(oct) = rest.strip_prefix("0o") {
            if let Ok(v) = i64::from_str_radix(oct, 8) {
                return Resolved::Int(v);
            }
        }
    }
    Resolved::Str
}

/// Go's `strconv.ParseInt(s, 0, 64)` / `ParseUint` acceptance, returning the value in i128
/// so callers can tell the signed and unsigned ranges apart. `None` when Go would fail.
pub fn go_parse_int(s: &str) -> Option<i128> {
    let (neg, body) = match s.as_bytes().first()? {
        b'+' => (false, &s[1..]),
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let v = u128::from_str_radix(digits, radix).ok()?;
    if neg {
        let v = i128::try_from(v).ok()?;
        (v <= 1i128 << 63).then_some(-v)
    } else if s.starts_with('+') {
        // ParseUint rejects a sign; ParseInt takes it but only in the signed range.
        (v <= i64::MAX as u128).then_some(v as i128)
    } else {
        (v <= u64::MAX as u128).then_some(v as i128)
    }
}

/// yaml.v2/v3's `yamlStyleFloat`: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
pub fn is_yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Go's `strconv.ParseFloat(s, 64)` for the decimal forms YAML can reach.
fn go_parse_float(s: &str) -> Option<f64> {
    let ok = s
        .bytes()
        .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'));
    if !ok {
        return None;
    }
    s.parse::<f64>().ok()
}

/// yaml.v2's `isBase60Float`: `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`. Such
/// strings are quoted on output because YAML 1.1 readers take them for sexagesimal numbers.
pub fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    if !b.get(i).is_some_and(u8::is_ascii_digit) {
        return false;
    }
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while b.get(i) == Some(&b':') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() && i - start < 2 {
            i += 1;
        }
        let n = i - start;
        if n == 0 || (n == 2 && b[start] > b'5') {
            return false;
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

/// Whether yaml.v2/v3 would read `s` as a timestamp: `YYYY-M-D`, optionally followed by a
/// time (`T`, `t` or a space, `H:M:S`, optional fraction, and with `T`/`t` a `Z` or
/// `±hh:mm` zone), with Go's `time.Parse` range checks.
pub fn is_go_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    let year: u32 = s[..4].parse().unwrap_or(0);
    let mut i = 5;
    let num = |i: &mut usize| -> Option<u32> {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() && *i - start < 2 {
            *i += 1;
        }
        (*i > start).then(|| s[start..*i].parse().unwrap_or(0))
    };
    let Some(month) = num(&mut i) else {
        return false;
    };
    if b.get(i) != Some(&b'-') {
        return false;
    }
    i += 1;
    let Some(day) = num(&mut i) else { return false };
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return false;
    }
    if i == b.len() {
        return true;
    }
    let sep = b[i];
    if !matches!(sep, b'T' | b't' | b' ') {
        return false;
    }
    i += 1;
    let time_ok = (|| {
        let h = num(&mut i)?;
        (b.get(i) == Some(&b':')).then_some(())?;
        i += 1;
        let m = num(&mut i)?;
        (b.get(i) == Some(&b':')).then_some(())?;
        i += 1;
        let sec = num(&mut i)?;
        (h < 24 && m < 60 && sec < 60).then_some(())
    })();
    if time_ok.is_none() {
        return false;
    }
    if b.get(i) == Some(&b'.') && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
    }
    if sep == b' ' {
        return i == b.len();
    }
    match b.get(i) {
        Some(b'Z') => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            let zone = &b[i + 1..];
            zone.len() == 5
                && zone[..2].iter().all(u8::is_ascii_digit)
                && zone[2] == b':'
                && zone[3..].iter().all(u8::is_ascii_digit)
        }
        _ => false,
    }
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Whether yaml.v2's encoder may write `s` unquoted: it resolves to a string under YAML
/// 1.1 and is not a sexagesimal-looking number. (The emitter may still quote it for
/// syntactic reasons such as a leading `*`.)
pub fn plain_means_string_v2(s: &str) -> bool {
    // yaml.v2 consults its table of special words only for strings whose first character
    // hints at one, and `<` is not such a character: `<<` is written plain.
    matches!(
        resolve_plain(s, Schema::Yaml11),
        Resolved::Str | Resolved::Merge
    ) && !is_base60_float(s)
}

/// Converts a resolution to a value, keeping the original text for strings.
pub fn to_value(resolved: Resolved, text: &str) -> Value {
    match resolved {
        Resolved::Str | Resolved::Timestamp | Resolved::Merge => Value::Str(text.to_string()),
        Resolved::Null => Value::Null,
        Resolved::Bool(b) => Value::Bool(b),
        Resolved::Int(i) => Value::Int(i),
        Resolved::Uint(u) => Value::Float(u as f64),
        Resolved::Float(f) => Value::Float(f),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml11_words_are_strings_in_core12_but_not_in_yaml11() {
        for w in ["yes", "on", "off", "n", "Y", "NO"] {
            assert_eq!(resolve_plain(w, Schema::Core12), Resolved::Str, "{w}");
            assert!(
                matches!(resolve_plain(w, Schema::Yaml11), Resolved::Bool(_)),
                "{w}"
            );
            assert!(!plain_means_string_v2(w));
        }
    }

    #[test]
    fn numbers_follow_go_rules() {
        assert_eq!(resolve_plain("0777", Schema::Core12), Resolved::Int(511));
        assert_eq!(resolve_plain("0x1F", Schema::Core12), Resolved::Int(31));
        assert_eq!(resolve_plain("1_000", Schema::Core12), Resolved::Int(1000));
        assert_eq!(resolve_plain("0o17", Schema::Core12), Resolved::Int(15));
        assert_eq!(resolve_plain("0o17", Schema::Yaml11), Resolved::Int(15));
        assert_eq!(resolve_plain("08", Schema::Core12), Resolved::Float(8.0));
        assert_eq!(
            resolve_plain("1e3", Schema::Core12),
            Resolved::Float(1000.0)
        );
        assert_eq!(resolve_plain(".5", Schema::Core12), Resolved::Float(0.5));
        assert_eq!(resolve_plain("-", Schema::Core12), Resolved::Str);
        assert_eq!(resolve_plain("1.2.3", Schema::Core12), Resolved::Str);
        assert_eq!(resolve_plain("+12", Schema::Core12), Resolved::Int(12));
    }

    #[test]
    fn timestamps_and_sexagesimals_are_quoted_on_output() {
        assert!(is_go_timestamp("2020-01-01"));
        assert!(is_go_timestamp("2020-1-1T10:00:00Z"));
        assert!(is_go_timestamp("2001-12-14 21:59:43.10"));
        assert!(!is_go_timestamp("2020-02-30"));
        assert!(!is_go_timestamp("2020-01-01x"));
        assert!(is_base60_float("1:20"));
        assert!(is_base60_float("190:20:30.15"));
        assert!(!is_base60_float("1:70"));
        assert!(!plain_means_string_v2("2020-01-01"));
        assert!(plain_means_string_v2("v1.2.3"));
        assert!(!plain_means_string_v2(""));
        assert!(plain_means_string_v2("<<"));
    }
}
