//! Go's `fmt.Sprintf` over template values: verbs `%v %+v %#v %T %t %d %b %o %O %x %X
//! %c %q %U %e %E %f %F %g %G %s %%`, flags `+ - # 0 space`, width and precision
//! (including `*` and `[n]` argument indexes), and Go's error notations
//! (`%!d(float64=3)`, `%!s(MISSING)`, `%!(EXTRA int=1)`, `%!(NOVERB)`, `%!(BADWIDTH)`).
//!
//! Not here: `%v` without flags for plain printing (the parent module), `%p` (no
//! addresses exist here; it reports a bad verb) and hexadecimal float verbs.

use super::{format_float_v, is_print, push_escaped, quote_go, MAX_PRINT_DEPTH};
use crate::value::{FloatKind, Value};

#[derive(Clone, Copy, Default)]
struct Flags {
    plus: bool,
    minus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    plus_v: bool,
    sharp_v: bool,
    wid: Option<usize>,
    prec: Option<usize>,
}

struct Printer {
    out: String,
    f: Flags,
}

/// Go's `fmt.Sprintf`.
pub fn sprintf(format: &str, args: &[Value]) -> String {
    let mut p = Printer {
        out: String::new(),
        f: Flags::default(),
    };
    let b = format.as_bytes();
    let end = b.len();
    let mut i = 0;
    let mut arg_num = 0;
    let mut reordered = false;
    while i < end {
        let lit_start = i;
        while i < end && b[i] != b'%' {
            i += 1;
        }
        p.out.push_str(&format[lit_start..i]);
        if i >= end {
            break;
        }
        i += 1;
        p.f = Flags::default();
        while i < end {
            match b[i] {
                b'#' => p.f.sharp = true,
                b'0' => p.f.zero = !p.f.minus,
                b'+' => p.f.plus = true,
                b'-' => {
                    p.f.minus = true;
                    p.f.zero = false;
                }
                b' ' => p.f.space = true,
                _ => break,
            }
            i += 1;
        }
        // Argument index, then width.
        let mut good_arg = true;
        let mut after_index;
        (arg_num, i, after_index) = arg_number(arg_num, format, i, args.len(), &mut good_arg);
        reordered |= after_index;
        if i < end && b[i] == b'*' {
            i += 1;
            match int_from_arg(args, &mut arg_num) {
                Some(w) if w < 0 => {
                    p.f.minus = true;
                    p.f.zero = false;
                    p.f.wid = Some(w.unsigned_abs() as usize);
                }
                Some(w) => p.f.wid = Some(w as usize),
                None => p.out.push_str("%!(BADWIDTH)"),
            }
            after_index = false;
        } else {
            let (n, ni) = parse_num(format, i);
            if ni > i {
                if after_index {
                    good_arg = false;
                }
                p.f.wid = Some(n);
            }
            i = ni;
        }
        if i < end && b[i] == b'.' {
            i += 1;
            if after_index {
                good_arg = false;
            }
            let (an, ni, ai) = arg_number(arg_num, format, i, args.len(), &mut good_arg);
            arg_num = an;
            i = ni;
            after_index = ai;
            reordered |= ai;
            if i < end && b[i] == b'*' {
                i += 1;
                match int_from_arg(args, &mut arg_num) {
                    Some(pr) if pr >= 0 => p.f.prec = Some(pr as usize),
                    Some(_) => p.f.prec = None,
                    None => p.out.push_str("%!(BADPREC)"),
                }
                after_index = false;
            } else {
                let (n, ni) = parse_num(format, i);
                p.f.prec = Some(n);
                i = ni;
            }
        }
        if !after_index {
            let (an, ni, ai) = arg_number(arg_num, format, i, args.len(), &mut good_arg);
            arg_num = an;
            i = ni;
            reordered |= ai;
        }
        if i >= end {
            p.out.push_str("%!(NOVERB)");
            break;
        }
        let verb = format[i..].chars().next().unwrap_or('?');
        i += verb.len_utf8();
        match verb {
            '%' => p.out.push('%'),
            _ if !good_arg => p.out.push_str(&format!("%!{verb}(BADINDEX)")),
            _ if arg_num >= args.len() => p.out.push_str(&format!("%!{verb}(MISSING)")),
            _ => {
                if verb == 'v' {
                    if p.f.sharp {
                        p.f.sharp = false;
                        p.f.sharp_v = true;
                    }
                    if p.f.plus {
                        p.f.plus = false;
                        p.f.plus_v = true;
                    }
                }
                p.print_arg(&args[arg_num], verb, 0);
                arg_num += 1;
            }
        }
    }
    if !reordered && arg_num < args.len() {
        p.f = Flags::default();
        p.out.push_str("%!(EXTRA ");
        for (k, a) in args[arg_num..].iter().enumerate() {
            if k > 0 {
                p.out.push_str(", ");
            }
            if a.is_nil() {
                p.out.push_str("<nil>");
            } else {
                p.out.push_str(&a.type_name());
                p.out.push('=');
                p.print_arg(a, 'v', 0);
            }
        }
        p.out.push(')');
    }
    p.out
}

fn parse_num(s: &str, mut i: usize) -> (usize, usize) {
    let b = s.as_bytes();
    let mut n: usize = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        n = n
            .saturating_mul(10)
            .saturating_add(usize::from(b[i] - b'0'));
        if n > 1_000_000 {
            // Go reports BADWIDTH for absurd numbers; cap to keep output bounded.
            n = 1_000_000;
        }
        i += 1;
    }
    (n, i)
}

/// Go's `argNumber`: an optional `[n]` index.
fn arg_number(
    arg_num: usize,
    format: &str,
    i: usize,
    num_args: usize,
    good: &mut bool,
) -> (usize, usize, bool) {
    let b = format.as_bytes();
    if i >= b.len() || b[i] != b'[' {
        return (arg_num, i, false);
    }
    for (j, &c) in b.iter().enumerate().skip(i + 1) {
        if c == b']' {
            let (n, end) = parse_num(format, i + 1);
            if end != j || n == 0 || n > num_args {
                *good = false;
                return (arg_num, j + 1, true);
            }
            return (n - 1, j + 1, true);
        }
    }
    *good = false;
    (arg_num, i + 1, false)
}

fn int_from_arg(args: &[Value], arg_num: &mut usize) -> Option<i64> {
    let v = args.get(*arg_num)?;
    *arg_num += 1;
    match v {
        Value::Int(i, _) => Some(*i),
        Value::Uint(u, _) => i64::try_from(*u).ok(),
        _ => None,
    }
}

impl Printer {
    fn pad(&mut self, s: &str) {
        let Some(wid) = self.f.wid else {
            self.out.push_str(s);
            return;
        };
        let n = s.chars().count();
        if n >= wid {
            self.out.push_str(s);
            return;
        }
        let fill = if self.f.zero { '0' } else { ' ' };
        let padding: String = std::iter::repeat_n(fill, wid - n).collect();
        if self.f.minus {
            self.out.push_str(s);
            self.out.push_str(&padding);
        } else {
            self.out.push_str(&padding);
            self.out.push_str(s);
        }
    }

    fn bad_verb(&mut self, verb: char, v: &Value) {
        self.out.push_str("%!");
        self.out.push(verb);
        self.out.push('(');
        if v.is_nil() {
            self.out.push_str("<nil>");
        } else {
            self.out.push_str(&v.type_name());
            self.out.push('=');
            self.print_arg(v, 'v', 0);
        }
        self.out.push(')');
    }

    fn print_arg(&mut self, v: &Value, verb: char, depth: usize) {
        if depth > MAX_PRINT_DEPTH {
            self.out.push_str("...");
            return;
        }
        if verb == 'T' {
            self.pad(&v.type_name());
            return;
        }
        match v {
            Value::Nil => match verb {
                'v' | 'T' => self.pad("<nil>"),
                _ if depth > 0 => self.pad("<nil>"),
                _ => self.bad_verb(verb, v),
            },
            Value::Bool(b) => match verb {
                't' | 'v' => self.pad(if *b { "true" } else { "false" }),
                _ => self.bad_verb(verb, v),
            },
            Value::Int(i, _) => self.fmt_integer(i.unsigned_abs(), *i < 0, verb, v),
            Value::Uint(u, _) => self.fmt_integer(*u, false, verb, v),
            Value::Float(f, k) => self.fmt_float(*f, *k, verb, v),
            Value::Complex(re, im) => match verb {
                'v' | 'b' | 'g' | 'G' | 'x' | 'X' | 'f' | 'F' | 'e' | 'E' => {
                    let old = self.f;
                    self.f.wid = None;
                    let mut inner = Printer {
                        out: String::new(),
                        f: self.f,
                    };
                    inner.out.push('(');
                    inner.fmt_float(*re, FloatKind::Float64, verb, v);
                    inner.f.plus = true;
                    inner.fmt_float(*im, FloatKind::Float64, verb, v);
                    inner.out.push_str("i)");
                    self.f = old;
                    self.pad(&inner.out);
                }
                _ => self.bad_verb(verb, v),
            },
            Value::String(s) => self.fmt_string(s.as_bytes(), verb, v),
            Value::List(l) => {
                if let Some(bytes) = l.to_bytes() {
                    if matches!(verb, 's' | 'q' | 'x' | 'X') {
                        self.fmt_string(&bytes, verb, v);
                        return;
                    }
                }
                if self.f.sharp_v {
                    self.out.push_str(&v.type_name());
                    self.out.push('{');
                    for (i, item) in l.items().iter().enumerate() {
                        if i > 0 {
                            self.out.push_str(", ");
                        }
                        self.print_arg(item, verb, depth + 1);
                    }
                    self.out.push('}');
                    return;
                }
                self.out.push('[');
                for (i, item) in l.items().iter().enumerate() {
                    if i > 0 {
                        self.out.push(' ');
                    }
                    self.print_arg(item, verb, depth + 1);
                }
                self.out.push(']');
            }
            Value::Map(m) => {
                if self.f.sharp_v {
                    self.out.push_str(&v.type_name());
                    self.out.push('{');
                } else {
                    self.out.push_str("map[");
                }
                for (i, (k, item)) in m.entries().iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(if self.f.sharp_v { ", " } else { " " });
                    }
                    self.print_arg(&Value::String(k.clone()), verb, depth + 1);
                    self.out.push(':');
                    self.print_arg(item, verb, depth + 1);
                }
                self.out.push(if self.f.sharp_v { '}' } else { ']' });
            }
            Value::Object(o) => match verb {
                'v' | 's' => {
                    let mut s = String::new();
                    o.display(&mut s);
                    self.pad(&s);
                }
                'q' | 'x' | 'X' => {
                    let mut s = String::new();
                    o.display(&mut s);
                    self.fmt_string(s.as_bytes(), verb, v);
                }
                _ => self.bad_verb(verb, v),
            },
        }
    }

    fn fmt_integer(&mut self, mag: u64, negative: bool, verb: char, v: &Value) {
        let signed = matches!(v, Value::Int(..));
        let (base, upper) = match verb {
            'v' if self.f.sharp_v && !signed => {
                let old = self.f.sharp;
                self.f.sharp = true;
                self.fmt_integer_base(mag, negative, 16, false, verb);
                self.f.sharp = old;
                return;
            }
            'v' | 'd' => (10, false),
            'b' => (2, false),
            'o' | 'O' => (8, false),
            'x' => (16, false),
            'X' => (16, true),
            'c' => {
                let c = if negative {
                    '\u{FFFD}'
                } else {
                    u32::try_from(mag)
                        .ok()
                        .and_then(char::from_u32)
                        .unwrap_or('\u{FFFD}')
                };
                self.pad(&c.to_string());
                return;
            }
            'q' => {
                let c = if negative {
                    '\u{FFFD}'
                } else {
                    u32::try_from(mag)
                        .ok()
                        .and_then(char::from_u32)
                        .unwrap_or('\u{FFFD}')
                };
                let mut s = String::from("'");
                if self.f.sharp && c != '\'' && c.is_ascii() && is_print(c) {
                    s.push(c);
                } else {
                    push_escaped(&mut s, c, '\'', self.f.plus);
                }
                s.push('\'');
                self.pad(&s);
                return;
            }
            'U' => {
                let digits = format!("{mag:X}");
                let min = self.f.prec.unwrap_or(4).max(4);
                let mut s = format!("U+{}{digits}", "0".repeat(min.saturating_sub(digits.len())));
                if self.f.sharp {
                    if let Some(c) = u32::try_from(mag).ok().and_then(char::from_u32) {
                        if is_print(c) {
                            s.push_str(&format!(" '{c}'"));
                        }
                    }
                }
                let old = self.f.zero;
                self.f.zero = false;
                self.pad(&s);
                self.f.zero = old;
                return;
            }
            _ => {
                self.bad_verb(verb, v);
                return;
            }
        };
        let _ = upper;
        self.fmt_integer_base(mag, negative, base, upper, verb);
    }

    fn fmt_integer_base(&mut self, mag: u64, negative: bool, base: u32, upper: bool, verb: char) {
        let mut prec = 0;
        if let Some(p) = self.f.prec {
            prec = p;
            if p == 0 && mag == 0 {
                let old = self.f.zero;
                self.f.zero = false;
                self.pad("");
                self.f.zero = old;
                return;
            }
        } else if self.f.zero && !self.f.minus {
            if let Some(w) = self.f.wid {
                prec = w;
                if negative || self.f.plus || self.f.space {
                    prec = prec.saturating_sub(1);
                }
            }
        }
        let mut digits = match base {
            2 => format!("{mag:b}"),
            8 => format!("{mag:o}"),
            16 if upper => format!("{mag:X}"),
            16 => format!("{mag:x}"),
            _ => mag.to_string(),
        };
        if digits.len() < prec {
            digits = format!("{}{digits}", "0".repeat(prec - digits.len()));
        }
        let mut prefix = String::new();
        if self.f.sharp {
            match base {
                2 => prefix.push_str("0b"),
                8 if !digits.starts_with('0') => prefix.push('0'),
                16 => prefix.push_str(if upper { "0X" } else { "0x" }),
                _ => {}
            }
        }
        if verb == 'O' {
            prefix = format!("0o{prefix}");
        }
        let sign = if negative {
            "-"
        } else if self.f.plus {
            "+"
        } else if self.f.space {
            " "
        } else {
            ""
        };
        let s = format!("{sign}{prefix}{digits}");
        let old = self.f.zero;
        self.f.zero = false;
        self.pad(&s);
        self.f.zero = old;
    }

    fn fmt_float(&mut self, f: f64, kind: FloatKind, verb: char, v: &Value) {
        let num = match verb {
            'v' => match self.f.prec {
                Some(p) => format_g(f, Some(p), false),
                None => format_float_v(f, kind),
            },
            'g' | 'G' => {
                let s = match self.f.prec {
                    Some(p) => format_g(f, Some(p), false),
                    None => format_float_v(f, kind),
                };
                if verb == 'G' {
                    s.to_uppercase()
                } else {
                    s
                }
            }
            'e' | 'E' => {
                let s = format_e(f, self.f.prec.unwrap_or(6));
                if verb == 'E' {
                    s.to_uppercase()
                } else {
                    s
                }
            }
            'f' | 'F' => {
                if f.is_finite() {
                    fixed_digits(f, self.f.prec.unwrap_or(6))
                } else {
                    format_float_v(f, kind)
                }
            }
            _ => {
                self.bad_verb(verb, v);
                return;
            }
        };
        let (neg, body) = match num.strip_prefix('-') {
            Some(b) => (true, b.to_string()),
            None => (false, num.trim_start_matches('+').to_string()),
        };
        let sign = if neg {
            "-"
        } else if self.f.plus {
            "+"
        } else if self.f.space {
            " "
        } else {
            ""
        };
        if body == "Inf" || body == "NaN" {
            let sign = if body == "NaN" && !self.f.plus && !self.f.space {
                ""
            } else if body == "Inf" && sign.is_empty() {
                if self.f.plus {
                    "+"
                } else {
                    ""
                }
            } else {
                sign
            };
            let old = self.f.zero;
            self.f.zero = false;
            self.pad(&format!("{sign}{body}"));
            self.f.zero = old;
            return;
        }
        if !sign.is_empty() && self.f.zero && !self.f.minus {
            if let Some(w) = self.f.wid {
                let len = body.chars().count() + 1;
                if w > len {
                    self.out.push_str(sign);
                    self.out.push_str(&"0".repeat(w - len));
                    self.out.push_str(&body);
                    return;
                }
            }
        }
        self.pad(&format!("{sign}{body}"));
    }

    fn fmt_string(&mut self, bytes: &[u8], verb: char, v: &Value) {
        // `str::from_utf8` validates far faster than the lossy decoder's chunks.
        let text = std::str::from_utf8(bytes).map_or_else(
            |_| String::from_utf8_lossy(bytes),
            std::borrow::Cow::Borrowed,
        );
        match verb {
            'v' if self.f.sharp_v => self.pad(&quote_go(&text)),
            'v' | 's' => {
                let s = self.truncate(&text);
                self.pad(&s);
            }
            'q' => {
                let s = self.truncate(&text);
                let q = if self.f.sharp
                    && !s.contains(['`', '\r'])
                    && s.chars().all(|c| c == '\t' || !c.is_control())
                {
                    format!("`{s}`")
                } else if self.f.plus {
                    let mut q = String::from("\"");
                    for c in s.chars() {
                        push_escaped(&mut q, c, '"', true);
                    }
                    q.push('"');
                    q
                } else {
                    quote_go(&s)
                };
                self.pad(&q);
            }
            'x' | 'X' => self.fmt_hex_bytes(bytes, verb == 'X'),
            _ => self.bad_verb(verb, v),
        }
    }

    fn truncate(&self, s: &str) -> String {
        match self.f.prec {
            Some(p) => s.chars().take(p).collect(),
            None => s.to_string(),
        }
    }

    fn fmt_hex_bytes(&mut self, b: &[u8], upper: bool) {
        let length = self.f.prec.map_or(b.len(), |p| p.min(b.len()));
        let mut s = String::new();
        let x = if upper { "0X" } else { "0x" };
        if length > 0 && self.f.sharp {
            s.push_str(x);
        }
        for (i, byte) in b[..length].iter().enumerate() {
            if self.f.space && i > 0 {
                s.push(' ');
                if self.f.sharp {
                    s.push_str(x);
                }
            }
            if upper {
                s.push_str(&format!("{byte:02X}"));
            } else {
                s.push_str(&format!("{byte:02x}"));
            }
        }
        let old = self.f.zero;
        self.f.zero = false;
        self.pad(&s);
        self.f.zero = old;
    }
}

/// `strconv.FormatFloat(f, 'e', prec, 64)`.
fn format_e(f: f64, prec: usize) -> String {
    if !f.is_finite() {
        return format_float_v(f, FloatKind::Float64);
    }
    let s = exp_digits(f, prec);
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    format!(
        "{mant}e{}{:02}",
        if exp < 0 { '-' } else { '+' },
        exp.unsigned_abs()
    )
}

/// `strconv.FormatFloat(f, 'g', prec, 64)` for an explicit precision.
fn format_g(f: f64, prec: Option<usize>, _sharp: bool) -> String {
    if !f.is_finite() {
        return format_float_v(f, FloatKind::Float64);
    }
    let Some(prec) = prec else {
        return format_float_v(f, FloatKind::Float64);
    };
    let prec = prec.max(1);
    // Digits rounded to `prec` significant places, trailing zeros dropped.
    let s = exp_digits(f, prec - 1);
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let neg = mant.starts_with('-');
    let mut digits: Vec<u8> = mant.bytes().filter(u8::is_ascii_digit).collect();
    while digits.len() > 1 && digits.last() == Some(&b'0') {
        digits.pop();
    }
    let nd = digits.len() as i32;
    let dp = exp + 1;
    let mut eprec = prec as i32;
    if eprec > nd && nd >= dp {
        eprec = nd;
    }
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if exp < -4 || exp >= eprec {
        out.push(digits[0] as char);
        if nd > 1 {
            out.push('.');
            out.extend(digits[1..].iter().map(|&d| d as char));
        }
        out.push_str(&format!(
            "e{}{:02}",
            if exp < 0 { '-' } else { '+' },
            exp.unsigned_abs()
        ));
    } else {
        let frac = (nd - dp).max(0) as usize;
        if dp > 0 {
            for i in 0..dp as usize {
                out.push(digits.get(i).map_or('0', |&d| d as char));
            }
        } else {
            out.push('0');
        }
        if frac > 0 {
            out.push('.');
            for i in 0..frac {
                let idx = dp + i as i32;
                out.push(if idx >= 0 {
                    digits.get(idx as usize).map_or('0', |&d| d as char)
                } else {
                    '0'
                });
            }
        }
    }
    out
}

/// Digits an f64's exact decimal expansion can need: past this many, every further digit
/// is zero. Rust's formatter refuses precisions above `u16::MAX`, Go allows up to 10^6.
const EXACT_DIGITS: usize = 1100;

/// `format!("{:.*}", prec, f)` for any precision Go accepts.
fn fixed_digits(f: f64, prec: usize) -> String {
    let mut s = format!("{:.*}", prec.min(EXACT_DIGITS), f);
    if prec > EXACT_DIGITS && f.is_finite() {
        s.push_str(&"0".repeat(prec - EXACT_DIGITS));
    }
    s
}

/// `format!("{:.*e}", prec, f)` for any precision Go accepts.
fn exp_digits(f: f64, prec: usize) -> String {
    let mut s = format!("{:.*e}", prec.min(EXACT_DIGITS), f);
    if prec > EXACT_DIGITS && f.is_finite() {
        if let Some(e) = s.find('e') {
            s.insert_str(e, &"0".repeat(prec - EXACT_DIGITS));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{List, Map};

    fn f(format: &str, args: &[Value]) -> String {
        sprintf(format, args)
    }

    #[test]
    fn verbs_match_go() {
        assert_eq!(f("%d", &[Value::float(3.0)]), "%!d(float64=3)");
        assert_eq!(f("%s", &[]), "%!s(MISSING)");
        assert_eq!(
            f("x", &[Value::int(1), "a".into()]),
            "x%!(EXTRA int=1, string=a)"
        );
        assert_eq!(
            f(
                "%5.2f|%-5d|%05d",
                &[Value::float(1.23456), Value::int(42), Value::int(-42)]
            ),
            " 1.23|42   |-0042"
        );
        assert_eq!(
            f(
                "%x %X %o %b %#x",
                &[
                    Value::int(255),
                    Value::int(255),
                    Value::int(8),
                    Value::int(5),
                    Value::int(255)
                ]
            ),
            "ff FF 10 101 0xff"
        );
        assert_eq!(
            f("%q %v %T", &["a\"b".into(), Value::Nil, Value::float(1.0)]),
            "\"a\\\"b\" <nil> float64"
        );
        assert_eq!(
            f(
                "%e %g %.3g %G",
                &[
                    Value::float(1234.5678),
                    Value::float(1e21),
                    Value::float(1234.5678),
                    Value::float(1e-7)
                ]
            ),
            "1.234568e+03 1e+21 1.23e+03 1E-07"
        );
        assert_eq!(
            f(
                "%c %U %q",
                &[Value::int(65), Value::int(0x1F600), Value::int(97)]
            ),
            "A U+1F600 'a'"
        );
        assert_eq!(
            f(
                "%t %v",
                &[
                    Value::Bool(true),
                    Value::List(List::new(vec![Value::int(1), "a".into()]))
                ]
            ),
            "true [1 a]"
        );
        assert_eq!(
            f("%d", &[Value::List(List::new(vec!["a".into()]))]),
            "[%!d(string=a)]"
        );
        let m = Map::new();
        m.insert("a", Value::int(1));
        assert_eq!(
            f("%v %#v", &[Value::Map(m.clone()), Value::Map(m)]),
            "map[a:1] map[string]interface {}{\"a\":1}"
        );
        assert_eq!(
            f(
                "%x % x %s",
                &["hi".into(), "hi".into(), Value::List(List::bytes(b"yo"))]
            ),
            "6869 68 69 yo"
        );
        assert_eq!(
            f(
                "%*d|%-*d",
                &[Value::int(4), Value::int(7), Value::int(3), Value::int(1)]
            ),
            "   7|1  "
        );
        assert_eq!(f("%", &[]), "%!(NOVERB)");
        assert_eq!(f("%[2]d %[1]d", &[Value::int(1), Value::int(2)]), "2 1");
        assert_eq!(
            f(
                "%+d %+.1e % d",
                &[Value::int(3), Value::float(1.25), Value::int(4)]
            ),
            "+3 +1.2e+00  4"
        );
    }
}
