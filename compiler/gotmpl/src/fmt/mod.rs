//! Go's `fmt` for template values: `%v` printing (what an action prints), `print`,
//! `println`, `printf` with Go's verbs and flags, and `strconv.Quote`.
//!
//! Not here: float digit generation (shortest round-trip forms come from
//! `kubake_yaml::numfmt`), nor Sprig's conversions (`toString` is `%v` in the library).

mod printf;

pub use printf::sprintf;

use crate::value::Value;

/// Deepest container nesting printed; Go would recurse until it crashes on a cyclic map
/// (Sprig's `set $d "k" $d`), we print `...` instead.
const MAX_PRINT_DEPTH: usize = 1000;

/// Go's `fmt.Sprint(v)`, i.e. `%v`.
pub fn sprint_v(v: &Value) -> String {
    let mut out = String::new();
    write_v(&mut out, v, 0);
    out
}

/// Appends `%v` of `v`.
pub(crate) fn write_v(out: &mut String, v: &Value, depth: usize) {
    if depth > MAX_PRINT_DEPTH {
        out.push_str("...");
        return;
    }
    match v {
        Value::Nil => out.push_str("<nil>"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i, _) => out.push_str(&i.to_string()),
        Value::Uint(u, _) => out.push_str(&u.to_string()),
        Value::Float(f, kind) => out.push_str(&format_float_v(*f, *kind)),
        Value::String(s) => out.push_str(s),
        Value::List(l) => {
            out.push('[');
            for (i, item) in l.items().iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_v(out, item, depth + 1);
            }
            out.push(']');
        }
        Value::Map(m) => {
            out.push_str("map[");
            for (i, (k, item)) in m.entries().iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(k);
                out.push(':');
                write_v(out, item, depth + 1);
            }
            out.push(']');
        }
        Value::Complex(re, im) => {
            out.push('(');
            out.push_str(&format_float_v(*re, crate::value::FloatKind::Float64));
            let imag = format_float_v(*im, crate::value::FloatKind::Float64);
            if !imag.starts_with(['-', '+']) {
                out.push('+');
            }
            out.push_str(&imag);
            out.push_str("i)");
        }
        Value::Object(o) => o.display(out),
    }
}

/// `%v` of a float: `strconv.FormatFloat(f, 'g', -1, bits)`.
pub(crate) fn format_float_v(f: f64, kind: crate::value::FloatKind) -> String {
    match kind {
        crate::value::FloatKind::Float64 => kubake_yaml::numfmt::format_float_g(f),
        // The shortest digits of the float32, printed through f64 (exact for float32).
        crate::value::FloatKind::Float32 => {
            let short: f64 = (f as f32).to_string().parse().unwrap_or(f);
            kubake_yaml::numfmt::format_float_g(short)
        }
    }
}

/// Whether Go's `strconv.IsPrint` holds for `c` (approximated without Unicode tables:
/// controls, format characters, private use, and spaces other than U+0020 are not
/// printable).
pub(crate) fn is_print(c: char) -> bool {
    let u = c as u32;
    if c == ' ' {
        return true;
    }
    if c.is_control() {
        return false;
    }
    !matches!(u,
        0xA0 | 0xAD | 0x1680 | 0x2000..=0x200F | 0x2028..=0x202F | 0x205F..=0x206F
        | 0x3000 | 0xFEFF | 0xFFF9..=0xFFFB | 0xFFFE | 0xFFFF
        | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x180E
        | 0xE000..=0xF8FF | 0xF0000..=0x10FFFF | 0xE0000..=0xE007F
        | 0xD800..=0xDFFF)
}

/// Go's `strconv.Quote`: a double-quoted Go string literal.
pub fn quote_go(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        push_escaped(&mut out, c, '"', false);
    }
    out.push('"');
    out
}

/// Appends `c` as it appears inside a Go quoted literal delimited by `quote`;
/// `ascii_only` is `%+q` (`strconv.QuoteToASCII`).
pub(crate) fn push_escaped(out: &mut String, c: char, quote: char, ascii_only: bool) {
    if c == quote || c == '\\' {
        out.push('\\');
        out.push(c);
        return;
    }
    if ascii_only {
        if (c as u32) < 0x80 && is_print(c) {
            out.push(c);
            return;
        }
    } else if is_print(c) {
        out.push(c);
        return;
    }
    match c {
        '\u{7}' => out.push_str("\\a"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{b}' => out.push_str("\\v"),
        c if (c as u32) < 0x20 || c as u32 == 0x7f => {
            out.push_str(&format!("\\x{:02x}", c as u32));
        }
        c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
        c => out.push_str(&format!("\\U{:08x}", c as u32)),
    }
}

/// Go's `fmt.Sprint`: operands printed with `%v`, a space between two operands when
/// neither is a string.
pub fn sprint(args: &[Value]) -> String {
    let mut out = String::new();
    let mut prev_string = false;
    for (i, a) in args.iter().enumerate() {
        let is_string = matches!(a, Value::String(_));
        if i > 0 && !is_string && !prev_string {
            out.push(' ');
        }
        write_v(&mut out, a, 0);
        prev_string = is_string;
    }
    out
}

/// Go's `fmt.Sprintln`: operands with `%v`, spaces between all, and a newline.
pub fn sprintln(args: &[Value]) -> String {
    let mut out = String::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        write_v(&mut out, a, 0);
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{List, Map};

    #[test]
    fn v_prints_like_go() {
        assert_eq!(sprint_v(&Value::float(1e6)), "1e+06");
        assert_eq!(sprint_v(&Value::float(3.0)), "3");
        let m = Map::new();
        m.insert("b", Value::int(2));
        m.insert("a", Value::List(List::new(vec![Value::Nil, "x".into()])));
        assert_eq!(sprint_v(&Value::Map(m)), "map[a:[<nil> x] b:2]");
    }

    #[test]
    fn quotes_like_strconv() {
        assert_eq!(quote_go("a\"b\n\u{1}é\u{a0}"), "\"a\\\"b\\n\\x01é\\u00a0\"");
    }
}
