//! Go's `encoding/json` for template values: the encoder behind `toJson`,
//! `toPrettyJson`, `toRawJson` (and, through a JSON round trip, `toYaml`), and the
//! decoder behind `fromJson`, `fromJsonArray` and `mustFromJson`, with Go's error texts
//! (`unexpected end of JSON input`, `invalid character 'x' looking for beginning of
//! value`, `json: cannot unmarshal array into Go value of type map[string]interface {}`).
//!
//! Encoding follows Go: map keys sorted, `[]byte` as base64, HTML-sensitive characters
//! escaped unless asked not to, floats in Go's JSON form (`1e-7`, `1000000`), NaN and
//! infinities refused. Host objects encode through their JSON view (`crate::objects`).
//! Decoding gives Go's `interface {}` shapes: float64 numbers, `map[string]interface {}`,
//! `[]interface {}`.

use base64::Engine;
use kubake_gotmpl::{List, Map, UintKind, Value};
use kubake_yaml::numfmt::{format_float_g, format_float_json};

/// Nesting beyond which encoding reports a cycle (Go starts checking at depth 1000).
const MAX_DEPTH: usize = 1000;

/// How to write JSON.
#[derive(Clone, Copy, Debug)]
pub struct JsonStyle {
    /// Escape `<`, `>`, `&` as `\u003c`... (Go's default; off for `toRawJson`).
    pub escape_html: bool,
    /// `MarshalIndent(v, "", "  ")`.
    pub indent: bool,
}

impl JsonStyle {
    /// `json.Marshal`.
    pub const COMPACT: JsonStyle = JsonStyle {
        escape_html: true,
        indent: false,
    };
}

/// `json.Marshal(v)` (or its variants), or Go's error text.
pub fn marshal(v: &Value, style: JsonStyle) -> Result<String, String> {
    let mut out = String::new();
    write_value(&mut out, v, style, 0)?;
    Ok(out)
}

/// Appends `s` as a JSON string the way Go's encoder writes it.
pub fn push_json_string(out: &mut String, s: &str, escape_html: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' if escape_html => out.push_str(&format!("\\u{:04x}", c as u32)),
            '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn newline(out: &mut String, style: JsonStyle, depth: usize) {
    if style.indent {
        out.push('\n');
        for _ in 0..depth {
            out.push_str("  ");
        }
    }
}

fn write_value(out: &mut String, v: &Value, style: JsonStyle, depth: usize) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(format!(
            "json: unsupported value: encountered a cycle via {}",
            v.type_name()
        ));
    }
    match v {
        Value::Nil => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i, _) => out.push_str(&i.to_string()),
        Value::Uint(u, _) => out.push_str(&u.to_string()),
        Value::Float(f, kind) => {
            let f = match kind {
                kubake_gotmpl::FloatKind::Float32 => f64::from(*f as f32),
                kubake_gotmpl::FloatKind::Float64 => *f,
            };
            match format_float_json(f) {
                Some(s) => out.push_str(&s),
                None => return Err(format!("json: unsupported value: {}", format_float_g(f))),
            }
        }
        Value::Complex(..) => return Err("json: unsupported type: complex128".into()),
        Value::String(s) => push_json_string(out, s, style.escape_html),
        Value::List(l) => {
            if *l.elem() == kubake_gotmpl::GoType::Uint(UintKind::Uint8) {
                let bytes = l.to_bytes().unwrap_or_default();
                let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
                push_json_string(out, &b64, style.escape_html);
                return Ok(());
            }
            if l.is_empty() {
                out.push_str("[]");
                return Ok(());
            }
            out.push('[');
            for (i, item) in l.items().iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, style, depth + 1);
                write_value(out, item, style, depth + 1)?;
            }
            newline(out, style, depth);
            out.push(']');
        }
        Value::Map(m) => write_map(out, &m.entries(), style, depth)?,
        Value::Object(o) => match crate::objects::json_view(o.as_ref()) {
            Some(crate::objects::JsonView::Value(view)) => {
                write_value(out, &view, style, depth + 1)?
            }
            Some(crate::objects::JsonView::Struct(fields)) => {
                let fields: Vec<(std::sync::Arc<str>, Value)> =
                    fields.into_iter().map(|(k, v)| (k.into(), v)).collect();
                write_map(out, &fields, style, depth)?;
            }
            None => match o.as_map() {
                Some(m) => write_map(out, &m.entries(), style, depth)?,
                None => out.push_str("{}"),
            },
        },
    }
    Ok(())
}

fn write_map(
    out: &mut String,
    entries: &[(std::sync::Arc<str>, Value)],
    style: JsonStyle,
    depth: usize,
) -> Result<(), String> {
    if entries.is_empty() {
        out.push_str("{}");
        return Ok(());
    }
    out.push('{');
    for (i, (k, item)) in entries.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        newline(out, style, depth + 1);
        push_json_string(out, k, style.escape_html);
        out.push(':');
        if style.indent {
            out.push(' ');
        }
        write_value(out, item, style, depth + 1)?;
    }
    newline(out, style, depth);
    out.push('}');
    Ok(())
}

/// What a decode targets, for Go's type-mismatch errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// `interface {}`: anything.
    Any,
    /// `map[string]interface {}`.
    Map,
    /// `[]interface {}`.
    List,
}

/// `json.Unmarshal(text, &target)`.
pub fn unmarshal(text: &str, target: Target) -> Result<Value, String> {
    let mut p = Parser {
        b: text.as_bytes(),
        i: 0,
    };
    // Go validates the whole input before decoding.
    p.skip_ws();
    let v = p.value(0)?;
    p.skip_ws();
    if p.i < p.b.len() {
        return Err(p.invalid("after top-level value"));
    }
    check_target(v, target)
}

/// `json.Unmarshal` of `json`'s text, without the text: what [`unmarshal`] gives for
/// `serde_json::to_string(json)` (numbers are `float64`; serde_json writes finite
/// numbers only, each read back as the same `f64`).
pub fn unmarshal_value(json: &serde_json::Value, target: Target) -> Result<Value, String> {
    fn convert(json: &serde_json::Value) -> Value {
        match json {
            serde_json::Value::Null => Value::Nil,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::float(n.as_f64().unwrap_or_default()),
            serde_json::Value::String(s) => Value::from(s.as_str()),
            serde_json::Value::Array(items) => {
                Value::List(List::new(items.iter().map(convert).collect()))
            }
            serde_json::Value::Object(entries) => {
                let map = Map::new();
                for (k, v) in entries {
                    map.insert(k.as_str(), convert(v));
                }
                Value::Map(map)
            }
        }
    }
    check_target(convert(json), target)
}

/// `v` when a decode into `target` takes it, else Go's type-mismatch error.
pub(crate) fn check_target(v: Value, target: Target) -> Result<Value, String> {
    let kind = match &v {
        Value::Nil => return Ok(v),
        Value::Map(_) => "object",
        Value::List(_) => "array",
        Value::String(_) => "string",
        Value::Bool(_) => "bool",
        _ => "number",
    };
    let ok = match target {
        Target::Any => true,
        Target::Map => kind == "object",
        Target::List => kind == "array",
    };
    if ok {
        return Ok(v);
    }
    let ty = if target == Target::Map {
        "map[string]interface {}"
    } else {
        "[]interface {}"
    };
    Err(format!(
        "json: cannot unmarshal {kind} into Go value of type {ty}"
    ))
}

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
}

/// Go's `quoteChar`.
fn quote_char(c: u8) -> String {
    match c {
        b'\'' => "'\\''".to_string(),
        b'"' => "'\"'".to_string(),
        _ => {
            let q = kubake_gotmpl::fmt::quote_go(&char::from(c).to_string());
            format!("'{}'", &q[1..q.len() - 1])
        }
    }
}

impl Parser<'_> {
    fn skip_ws(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn eof(&self) -> String {
        "unexpected end of JSON input".to_string()
    }

    fn invalid(&self, context: &str) -> String {
        match self.b.get(self.i) {
            Some(&c) => format!("invalid character {} {context}", quote_char(c)),
            None => self.eof(),
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, String> {
        if depth > 10_000 {
            return Err("exceeded max depth".to_string());
        }
        let Some(&c) = self.b.get(self.i) else {
            return Err(self.eof());
        };
        match c {
            b'{' => self.object(depth),
            b'[' => self.array(depth),
            b'"' => self.string().map(Value::from),
            b't' => self.literal("true", Value::Bool(true)),
            b'f' => self.literal("false", Value::Bool(false)),
            b'n' => self.literal("null", Value::Nil),
            b'-' | b'0'..=b'9' => self.number(),
            _ => Err(self.invalid("looking for beginning of value")),
        }
    }

    fn literal(&mut self, word: &str, v: Value) -> Result<Value, String> {
        for (k, expect) in word.bytes().enumerate() {
            match self.b.get(self.i) {
                None => return Err(self.eof()),
                Some(&c) if c == expect => self.i += 1,
                Some(_) => {
                    return Err(self.invalid(&format!(
                        "in literal {word} (expecting {})",
                        quote_char(word.as_bytes()[k])
                    )))
                }
            }
        }
        Ok(v)
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while self.b.get(self.i).is_some_and(u8::is_ascii_digit) {
            self.i += 1;
        }
        self.i - start
    }

    fn number(&mut self) -> Result<Value, String> {
        let start = self.i;
        if self.b[self.i] == b'-' {
            self.i += 1;
            match self.b.get(self.i) {
                None => return Err(self.eof()),
                Some(c) if c.is_ascii_digit() => {}
                Some(_) => return Err(self.invalid("in numeric literal")),
            }
        }
        if self.b[self.i] == b'0' {
            self.i += 1;
        } else {
            self.digits();
        }
        if self.b.get(self.i) == Some(&b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return Err(self.invalid("after decimal point in numeric literal"));
            }
        }
        if matches!(self.b.get(self.i), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.b.get(self.i), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return Err(self.invalid("in exponent of numeric literal"));
            }
        }
        let text = std::str::from_utf8(&self.b[start..self.i]).unwrap_or("0");
        match text.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Value::float(f)),
            _ => Err(format!(
                "json: cannot unmarshal number {text} into Go value of type float64"
            )),
        }
    }

    fn string(&mut self) -> Result<String, String> {
        self.i += 1; // opening quote
        let mut out: Vec<u8> = Vec::new();
        loop {
            let Some(&c) = self.b.get(self.i) else {
                return Err(self.eof());
            };
            match c {
                b'"' => {
                    self.i += 1;
                    return Ok(String::from_utf8(out)
                        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()));
                }
                b'\\' => {
                    self.i += 1;
                    let Some(&e) = self.b.get(self.i) else {
                        return Err(self.eof());
                    };
                    let simple = match e {
                        b'"' => Some(b'"'),
                        b'\\' => Some(b'\\'),
                        b'/' => Some(b'/'),
                        b'b' => Some(8),
                        b'f' => Some(12),
                        b'n' => Some(b'\n'),
                        b'r' => Some(b'\r'),
                        b't' => Some(b'\t'),
                        b'u' => None,
                        _ => return Err(self.invalid("in string escape code")),
                    };
                    self.i += 1;
                    if let Some(s) = simple {
                        out.push(s);
                        continue;
                    }
                    let mut cp = self.hex4()?;
                    if (0xD800..0xDC00).contains(&cp)
                        && self.b.get(self.i) == Some(&b'\\')
                        && self.b.get(self.i + 1) == Some(&b'u')
                    {
                        let save = self.i;
                        self.i += 2;
                        let lo = self.hex4()?;
                        if (0xDC00..0xE000).contains(&lo) {
                            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                        } else {
                            self.i = save;
                            cp = 0xFFFD;
                        }
                    }
                    let ch = char::from_u32(cp).unwrap_or('\u{fffd}');
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                c if c < 0x20 => return Err(self.invalid("in string literal")),
                _ => {
                    // Copy the run up to the next quote, escape or control byte at once
                    // (CRDs passed through `toJson`/`fromJson` are megabytes of text).
                    let rest = &self.b[self.i..];
                    let stop = memchr::memchr2(b'"', b'\\', rest).unwrap_or(rest.len());
                    let run = rest[..stop].iter().position(|&b| b < 0x20).unwrap_or(stop);
                    out.extend_from_slice(&rest[..run]);
                    self.i += run;
                }
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let mut cp = 0u32;
        for _ in 0..4 {
            let Some(&h) = self.b.get(self.i) else {
                return Err(self.eof());
            };
            let d = char::from(h)
                .to_digit(16)
                .ok_or_else(|| self.invalid("in \\u hexadecimal character escape"))?;
            cp = cp * 16 + d;
            self.i += 1;
        }
        Ok(cp)
    }

    fn object(&mut self, depth: usize) -> Result<Value, String> {
        self.i += 1;
        let map = Map::new();
        self.skip_ws();
        if self.b.get(self.i) == Some(&b'}') {
            self.i += 1;
            return Ok(Value::Map(map));
        }
        loop {
            self.skip_ws();
            match self.b.get(self.i) {
                None => return Err(self.eof()),
                Some(b'"') => {}
                Some(_) => return Err(self.invalid("looking for beginning of object key string")),
            }
            let key = self.string()?;
            self.skip_ws();
            match self.b.get(self.i) {
                None => return Err(self.eof()),
                Some(b':') => self.i += 1,
                Some(_) => return Err(self.invalid("after object key")),
            }
            self.skip_ws();
            let v = self.value(depth + 1)?;
            map.insert(key, v);
            self.skip_ws();
            match self.b.get(self.i) {
                None => return Err(self.eof()),
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(Value::Map(map));
                }
                Some(_) => return Err(self.invalid("after object key:value pair")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, String> {
        self.i += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.b.get(self.i) == Some(&b']') {
            self.i += 1;
            return Ok(Value::List(List::new(items)));
        }
        loop {
            self.skip_ws();
            items.push(self.value(depth + 1)?);
            self.skip_ws();
            match self.b.get(self.i) {
                None => return Err(self.eof()),
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(Value::List(List::new(items)));
                }
                Some(_) => return Err(self.invalid("after array element")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_decode_as_their_json_text_does() {
        let texts = [
            r#"{"a": 1, "b": [1.5, -0, 1e300, 9007199254740993, 18446744073709551615], "c": null}"#,
            r#"{"s": "x\u0000y", "t": true, "nested": {"z": {}, "y": []}, "e": ""}"#,
            r#"[1, "two", {"three": 3}]"#,
            r#""plain""#,
            "12345678901234567890",
            "null",
        ];
        for text in texts {
            let json: serde_json::Value = serde_json::from_str(text).unwrap();
            let written = serde_json::to_string(&json).unwrap();
            for target in [Target::Any, Target::Map, Target::List] {
                let by_text = unmarshal(&written, target);
                let direct = unmarshal_value(&json, target);
                assert_eq!(
                    format!("{by_text:?}"),
                    format!("{direct:?}"),
                    "{text} as {target:?}"
                );
            }
        }
    }

    fn enc(v: &Value) -> String {
        marshal(v, JsonStyle::COMPACT).unwrap_or_else(|e| e)
    }

    #[test]
    fn encodes_like_go() {
        let m = Map::new();
        m.insert("b", Value::float(1e6));
        m.insert(
            "a",
            Value::List(List::new(vec![
                Value::Nil,
                Value::float(1e-7),
                Value::from("<&>"),
            ])),
        );
        assert_eq!(
            enc(&Value::Map(m.clone())),
            r#"{"a":[null,1e-7,"\u003c\u0026\u003e"],"b":1000000}"#
        );
        let pretty = marshal(
            &Value::Map(m),
            JsonStyle {
                escape_html: false,
                indent: true,
            },
        );
        assert_eq!(
            pretty.as_deref(),
            Ok("{\n  \"a\": [\n    null,\n    1e-7,\n    \"<&>\"\n  ],\n  \"b\": 1000000\n}")
        );
        assert_eq!(enc(&Value::List(List::bytes(b"hi"))), "\"aGk=\"");
        assert_eq!(enc(&Value::float(f64::NAN)), "json: unsupported value: NaN");
        assert_eq!(enc(&Value::from("a\u{8}\u{1}")), "\"a\\b\\u0001\"");
    }

    #[test]
    fn decode_errors_match_go() {
        let err = |s: &str, t| unmarshal(s, t).map(|v| v.to_string()).unwrap_or_else(|e| e);
        assert_eq!(err("{", Target::Map), "unexpected end of JSON input");
        assert_eq!(
            err("\"str\"", Target::Map),
            "json: cannot unmarshal string into Go value of type map[string]interface {}"
        );
        assert_eq!(
            err("{\"a\" 1}", Target::Map),
            "invalid character '1' after object key"
        );
        assert_eq!(
            err("[1,]", Target::Any),
            "invalid character ']' looking for beginning of value"
        );
        assert_eq!(err("tru", Target::Any), "unexpected end of JSON input");
        assert_eq!(
            err("trux", Target::Any),
            "invalid character 'x' in literal true (expecting 'e')"
        );
        assert_eq!(
            err("01", Target::Any),
            "invalid character '1' after top-level value"
        );
        assert_eq!(
            err("{'a':1}", Target::Any),
            "invalid character '\\'' looking for beginning of object key string"
        );
        assert_eq!(err("[1, \"a\", null]", Target::List), "[1 a <nil>]");
        assert_eq!(err("{\"n\": 1000000}", Target::Map), "map[n:1e+06]");
    }
}
