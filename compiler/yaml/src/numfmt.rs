//! Go's float formatting, which every Kubernetes tool's output inherits.
//!
//! `strconv.FormatFloat(f, 'g', -1, 64)` is what yaml.v2 and `fmt`'s `%v` print, and
//! encoding/json has its own rule (`'f'` unless the exponent is extreme). Both start from
//! the shortest decimal digits that round-trip, which Rust's `{:e}` already computes; only
//! the layout differs, and that layout is all this module does.

/// The shortest round-trip digits of a finite float: `0.d1d2… × 10^dp`.
struct Decimal {
    neg: bool,
    digits: Vec<u8>,
    dp: i32,
}

fn shortest(f: f64) -> Decimal {
    let s = format!("{f:e}");
    let (neg, s) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.as_str()),
    };
    let (mant, exp) = s.split_once('e').unwrap_or((s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: Vec<u8> = mant.bytes().filter(u8::is_ascii_digit).collect();
    Decimal {
        neg,
        digits,
        dp: exp + 1,
    }
}

fn fmt_e(d: &Decimal, prec: usize, out: &mut String) {
    if d.neg {
        out.push('-');
    }
    out.push(d.digits.first().map_or('0', |&c| c as char));
    if prec > 0 {
        out.push('.');
        for i in 1..=prec {
            out.push(d.digits.get(i).map_or('0', |&c| c as char));
        }
    }
    out.push('e');
    let exp = if d.digits == b"0" { 0 } else { d.dp - 1 };
    out.push(if exp < 0 { '-' } else { '+' });
    let exp = exp.unsigned_abs();
    if exp < 10 {
        out.push('0');
    }
    out.push_str(&exp.to_string());
}

fn fmt_f(d: &Decimal, prec: usize, out: &mut String) {
    if d.neg {
        out.push('-');
    }
    if d.dp > 0 {
        for i in 0..d.dp as usize {
            out.push(d.digits.get(i).map_or('0', |&c| c as char));
        }
    } else {
        out.push('0');
    }
    if prec > 0 {
        out.push('.');
        for i in 0..prec {
            let idx = d.dp + i as i32;
            let c = if idx >= 0 {
                d.digits.get(idx as usize).map_or('0', |&c| c as char)
            } else {
                '0'
            };
            out.push(c);
        }
    }
}

fn special(f: f64) -> Option<&'static str> {
    if f.is_nan() {
        Some("NaN")
    } else if f == f64::INFINITY {
        Some("+Inf")
    } else if f == f64::NEG_INFINITY {
        Some("-Inf")
    } else {
        None
    }
}

/// `strconv.FormatFloat(f, 'g', -1, 64)`: `1e+06`, `0.0001`, `1.5e-05`, `123456`.
pub fn format_float_g(f: f64) -> String {
    if let Some(s) = special(f) {
        return s.to_string();
    }
    let d = shortest(f);
    let nd = d.digits.len() as i32;
    let exp = d.dp - 1;
    let mut out = String::new();
    if !(-4..6).contains(&exp) && d.digits != b"0" {
        fmt_e(&d, (nd - 1) as usize, &mut out);
    } else {
        fmt_f(&d, (nd - d.dp).max(0) as usize, &mut out);
    }
    out
}

/// `strconv.FormatFloat(f, 'e', -1, 64)`: shortest digits in exponent form.
pub fn format_float_e(f: f64) -> String {
    if let Some(s) = special(f) {
        return s.to_string();
    }
    let d = shortest(f);
    let mut out = String::new();
    fmt_e(&d, d.digits.len() - 1, &mut out);
    out
}

/// `strconv.FormatFloat(f, 'f', -1, 64)`: shortest digits, no exponent.
pub fn format_float_f(f: f64) -> String {
    if let Some(s) = special(f) {
        return s.to_string();
    }
    let d = shortest(f);
    let mut out = String::new();
    fmt_f(&d, (d.digits.len() as i32 - d.dp).max(0) as usize, &mut out);
    out
}

/// How Go's encoding/json writes a float64 (`'f'` form unless `|f| < 1e-6` or
/// `|f| >= 1e21`, and `e-07` shortened to `e-7`). `None` for NaN and infinities, which
/// encoding/json refuses.
pub fn format_float_json(f: f64) -> Option<String> {
    if !f.is_finite() {
        return None;
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let mut s = format_float_e(f);
        if let Some(i) = s.find("e-0") {
            s.remove(i + 2);
        }
        Some(s)
    } else {
        Some(format_float_f(f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g_format_matches_go() {
        let cases = [
            (1e6, "1e+06"),
            (123456.0, "123456"),
            (1234567.0, "1.234567e+06"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5, "1.5"),
            (0.0, "0"),
            (-2.25, "-2.25"),
            (1e21, "1e+21"),
            (3.0, "3"),
            (1e100, "1e+100"),
        ];
        for (f, want) in cases {
            assert_eq!(format_float_g(f), want, "{f}");
        }
    }

    #[test]
    fn json_format_matches_go() {
        assert_eq!(format_float_json(1e6).unwrap(), "1000000");
        assert_eq!(format_float_json(1.5e-7).unwrap(), "1.5e-7");
        assert_eq!(format_float_json(1e21).unwrap(), "1e+21");
        assert_eq!(format_float_json(0.5).unwrap(), "0.5");
        assert_eq!(format_float_json(f64::NAN), None);
    }
}
