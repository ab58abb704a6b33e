//! Go literal syntax the parser needs: `strconv.Unquote` / `UnquoteChar` for string and
//! character constants, and `strconv.ParseInt` / `ParseUint` (base 0) / `ParseFloat` for
//! number constants, combined into Go's `NumberNode` rules (a constant is stored as every
//! type that can hold it).
//!
//! Not here: the lexer's number scanning (deliberately loose, as Go's) or formatting.

use std::borrow::Cow;

use crate::ast::Number;
use crate::lexer::ItemKind;

const SYNTAX: &str = "invalid syntax";

/// `strconv.Unquote` for `"..."` and `` `...` `` literals. Escapes producing bytes that are
/// not UTF-8 (`"\xff"`) become U+FFFD, since values are Rust strings. Borrows the text
/// between the quotes when it stands for itself (nearly every constant in a chart).
pub(crate) fn unquote(s: &str) -> Result<Cow<'_, str>, String> {
    let bytes = s.as_bytes();
    if bytes.len() < 2 || bytes[0] != bytes[bytes.len() - 1] {
        return Err(SYNTAX.into());
    }
    let inner = &s[1..s.len() - 1];
    match bytes[0] {
        b'`' => {
            if inner.contains('`') {
                return Err(SYNTAX.into());
            }
            if inner.contains('\r') {
                return Ok(Cow::Owned(inner.replace('\r', "")));
            }
            Ok(Cow::Borrowed(inner))
        }
        b'"' if !inner.contains(['\\', '\n', '"']) => Ok(Cow::Borrowed(inner)),
        b'"' => {
            let mut out: Vec<u8> = Vec::with_capacity(inner.len());
            let mut rest = inner;
            while !rest.is_empty() {
                let (piece, tail) = unquote_char(rest, b'"')?;
                out.extend_from_slice(&piece);
                rest = tail;
            }
            Ok(Cow::Owned(String::from_utf8_lossy(&out).into_owned()))
        }
        _ => Err(SYNTAX.into()),
    }
}

/// One character of a quoted literal: its encoding (a UTF-8 char, or a raw byte for
/// `\x`/octal escapes) and the remaining text. Go's `strconv.UnquoteChar`.
fn unquote_char(s: &str, quote: u8) -> Result<(Vec<u8>, &str), String> {
    let mut chars = s.chars();
    let Some(c) = chars.next() else {
        return Err(SYNTAX.into());
    };
    if c as u32 == u32::from(quote) && (quote == b'\'' || quote == b'"') {
        return Err(SYNTAX.into());
    }
    if c != '\\' {
        return Ok((c.to_string().into_bytes(), chars.as_str()));
    }
    let rest = chars.as_str();
    let Some(e) = rest.chars().next() else {
        return Err(SYNTAX.into());
    };
    let after = &rest[e.len_utf8()..];
    let simple = |b: u8| Ok((vec![b], after));
    match e {
        'a' => simple(7),
        'b' => simple(8),
        'f' => simple(12),
        'n' => simple(b'\n'),
        'r' => simple(b'\r'),
        't' => simple(b'\t'),
        'v' => simple(11),
        '\\' => simple(b'\\'),
        '\'' | '"' => {
            if e as u32 != u32::from(quote) {
                return Err(SYNTAX.into());
            }
            simple(e as u8)
        }
        'x' | 'u' | 'U' => {
            let n = match e {
                'x' => 2,
                'u' => 4,
                _ => 8,
            };
            let digits = after.get(..n).ok_or_else(|| SYNTAX.to_string())?;
            let v = u32::from_str_radix(digits, 16).map_err(|_| SYNTAX.to_string())?;
            if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(SYNTAX.into());
            }
            let tail = &after[n..];
            if e == 'x' {
                // A raw byte.
                return Ok((vec![v as u8], tail));
            }
            let c = char::from_u32(v).ok_or_else(|| SYNTAX.to_string())?;
            Ok((c.to_string().into_bytes(), tail))
        }
        '0'..='7' => {
            let digits = rest.get(..3).ok_or_else(|| SYNTAX.to_string())?;
            if !digits.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
                return Err(SYNTAX.into());
            }
            let v = u32::from_str_radix(digits, 8).map_err(|_| SYNTAX.to_string())?;
            if v > 255 {
                return Err(SYNTAX.into());
            }
            Ok((vec![v as u8], &rest[3..]))
        }
        _ => Err(SYNTAX.into()),
    }
}

/// Go's `underscoreOK`: underscores only between digits or after a base prefix.
fn underscore_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if !b.is_empty() && (b[0] == b'-' || b[0] == b'+') {
        i = 1;
    }
    // '^' start, '0' digit or prefix, '_' underscore, '!' other.
    let mut saw = b'^';
    let mut hex = false;
    if b.len() - i >= 2 && b[i] == b'0' && matches!(b[i + 1] | 0x20, b'b' | b'o' | b'x') {
        hex = b[i + 1] | 0x20 == b'x';
        i += 2;
        saw = b'0';
    }
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
        i += 1;
    }
    saw != b'_'
}

/// `strconv.ParseUint(s, 0, 64)`; `Err(true)` on overflow, `Err(false)` on bad syntax.
fn parse_uint(s: &str) -> Result<u64, bool> {
    if s.is_empty() {
        return Err(false);
    }
    let (base, digits) = match s.as_bytes() {
        [b'0', b'x' | b'X', ..] => (16, &s[2..]),
        [b'0', b'o' | b'O', ..] => (8, &s[2..]),
        [b'0', b'b' | b'B', ..] => (2, &s[2..]),
        [b'0', _, ..] => (8, &s[1..]),
        _ => (10, s),
    };
    if s.contains('_') && !underscore_ok(s) {
        return Err(false);
    }
    let digits: String = digits.chars().filter(|&c| c != '_').collect();
    if digits.is_empty() {
        return Err(false);
    }
    let mut v: u64 = 0;
    for c in digits.chars() {
        let d = c.to_digit(base).ok_or(false)?;
        v = v
            .checked_mul(u64::from(base))
            .and_then(|v| v.checked_add(u64::from(d)))
            .ok_or(true)?;
    }
    Ok(v)
}

/// `strconv.ParseInt(s, 0, 64)`.
fn parse_int(s: &str) -> Result<i64, bool> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let u = parse_uint(body)?;
    if neg {
        if u > 1u64 << 63 {
            return Err(true);
        }
        Ok((u as i64).wrapping_neg())
    } else {
        i64::try_from(u).map_err(|_| true)
    }
}

/// `strconv.ParseFloat(s, 64)` for the syntax the lexer can produce (decimal and
/// hexadecimal floats, underscores between digits).
pub(crate) fn parse_float(s: &str) -> Option<f64> {
    if s.contains('_') && !underscore_ok(s) {
        return None;
    }
    let clean: String = s.chars().filter(|&c| c != '_').collect();
    let (neg, body) = match clean.as_bytes().first() {
        Some(b'-') => (true, &clean[1..]),
        Some(b'+') => (false, &clean[1..]),
        _ => (false, clean.as_str()),
    };
    let v = if body.len() > 2 && (body.starts_with("0x") || body.starts_with("0X")) {
        parse_hex_float(&body[2..])?
    } else {
        // Rust accepts forms Go rejects ("inf", "nan", "1."), and Go accepts "1." too;
        // only digits, one dot and an exponent reach here from the lexer.
        if !body
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
        {
            return None;
        }
        if !body.bytes().any(|b| b.is_ascii_digit()) {
            return None;
        }
        body.parse::<f64>().ok()?
    };
    Some(if neg { -v } else { v })
}

/// A hexadecimal float mantissa and mandatory `p` exponent (`1.8p1`).
fn parse_hex_float(s: &str) -> Option<f64> {
    let (mant, exp) = s.split_once(['p', 'P'])?;
    let exp: i32 = exp.parse().ok()?;
    let (int_part, frac_part) = mant.split_once('.').unwrap_or((mant, ""));
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let mut m: u128 = 0;
    let mut e = exp;
    let mut sticky = false;
    for (i, c) in int_part.chars().chain(frac_part.chars()).enumerate() {
        let d = c.to_digit(16)?;
        if m >> 120 == 0 {
            m = m * 16 + u128::from(d);
            if i >= int_part.len() {
                e -= 4;
            }
        } else {
            sticky |= d != 0;
            if i < int_part.len() {
                e += 4;
            }
        }
    }
    if sticky {
        m |= 1;
    }
    let mut v = m as f64;
    // Scale by 2^e in steps that stay exact.
    while e > 0 {
        let step = e.min(1000);
        v *= 2f64.powi(step);
        e -= step;
    }
    while e < 0 {
        let step = (-e).min(1000);
        v /= 2f64.powi(step);
        e += step;
    }
    Some(v)
}

/// Parses a number constant as Go's `newNumber` does.
pub(crate) fn parse_number(text: &str, kind: ItemKind) -> Result<Number, String> {
    let mut n = Number {
        text: text.to_string(),
        ..Number::default()
    };
    let illegal = || format!("illegal number syntax: {}", crate::fmt::quote_go(text));
    match kind {
        ItemKind::CharConstant => {
            let inner = &text[1..];
            let (bytes, tail) = unquote_char(inner, b'\'')?;
            if tail != "'" {
                return Err(format!("malformed character constant: {text}"));
            }
            let r = String::from_utf8(bytes.clone())
                .ok()
                .and_then(|s| s.chars().next())
                .map_or_else(|| u32::from(bytes[0]), |c| c as u32);
            n.is_int = true;
            n.int64 = i64::from(r);
            n.is_uint = true;
            n.uint64 = u64::from(r);
            n.is_float = true;
            n.float64 = f64::from(r);
            return Ok(n);
        }
        ItemKind::Complex => {
            // `re+imi` or `re-imi`: split at the sign that is not at the start and not
            // after an exponent marker.
            let b = text.as_bytes();
            let split = (1..b.len())
                .rev()
                .find(|&i| {
                    (b[i] == b'+' || b[i] == b'-') && !matches!(b[i - 1], b'e' | b'E' | b'p' | b'P')
                })
                .ok_or_else(illegal)?;
            let re = parse_float(&text[..split]).ok_or_else(illegal)?;
            let im = parse_float(text[split..].trim_end_matches('i')).ok_or_else(illegal)?;
            n.is_complex = true;
            n.complex = (re, im);
            simplify_complex(&mut n);
            return Ok(n);
        }
        _ => {}
    }
    if let Some(im_text) = text.strip_suffix('i') {
        if let Some(f) = parse_float(im_text) {
            n.is_complex = true;
            n.complex = (0.0, f);
            simplify_complex(&mut n);
            return Ok(n);
        }
    }
    let u = parse_uint(text);
    if let Ok(u) = u {
        n.is_uint = true;
        n.uint64 = u;
    }
    if let Ok(i) = parse_int(text) {
        n.is_int = true;
        n.int64 = i;
        if i == 0 {
            n.is_uint = true;
            n.uint64 = u.unwrap_or(0);
        }
    }
    if n.is_int {
        n.is_float = true;
        n.float64 = n.int64 as f64;
    } else if n.is_uint {
        n.is_float = true;
        n.float64 = n.uint64 as f64;
    } else if let Some(f) = parse_float(text) {
        if !text.contains(['.', 'e', 'E', 'p', 'P']) {
            return Err(format!("integer overflow: {}", crate::fmt::quote_go(text)));
        }
        n.is_float = true;
        n.float64 = f;
        if f.fract() == 0.0 && (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&f) {
            n.is_int = true;
            n.int64 = f as i64;
        }
        if f.fract() == 0.0 && (0.0..1.844_674_407_370_955_2e19).contains(&f) {
            n.is_uint = true;
            n.uint64 = f as u64;
        }
    }
    if !n.is_int && !n.is_uint && !n.is_float {
        return Err(illegal());
    }
    Ok(n)
}

fn simplify_complex(n: &mut Number) {
    let (re, im) = n.complex;
    n.is_float = im == 0.0;
    if n.is_float {
        n.float64 = re;
        n.is_int = re.fract() == 0.0 && re.abs() < 9.2e18;
        if n.is_int {
            n.int64 = re as i64;
        }
        n.is_uint = re.fract() == 0.0 && (0.0..1.8e19).contains(&re);
        if n.is_uint {
            n.uint64 = re as u64;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unquotes_like_go() {
        assert_eq!(unquote(r#""a\tb\u00e9\x41\101""#).as_deref(), Ok("a\tbéAA"));
        assert_eq!(unquote("`a\\n`").as_deref(), Ok("a\\n"));
        assert!(unquote(r#""\'""#).is_err());
    }

    #[test]
    fn numbers_like_go() {
        let n = parse_number("0x1F", ItemKind::Number).unwrap_or_default();
        assert!(n.is_int && n.int64 == 31);
        let n = parse_number("1_000", ItemKind::Number).unwrap_or_default();
        assert_eq!(n.int64, 1000);
        let n = parse_number("1.5", ItemKind::Number).unwrap_or_default();
        assert!(n.is_float && !n.is_int);
        let n = parse_number("1e3", ItemKind::Number).unwrap_or_default();
        assert!(n.is_int && n.int64 == 1000);
        let n = parse_number("0x1p-2", ItemKind::Number).unwrap_or_default();
        assert_eq!(n.float64, 0.25);
        let n = parse_number("'a'", ItemKind::CharConstant).unwrap_or_default();
        assert_eq!(n.int64, 97);
        let n = parse_number("1+0i", ItemKind::Complex).unwrap_or_default();
        assert!(n.is_complex && n.is_int);
        assert_eq!(
            parse_number("1.E", ItemKind::Number).err().as_deref(),
            Some("illegal number syntax: \"1.E\"")
        );
        let n = parse_number("0x8000000000000000", ItemKind::Number).unwrap_or_default();
        assert!(n.is_uint && !n.is_int);
        assert!(parse_number("99999999999999999999", ItemKind::Number).is_err());
    }
}
