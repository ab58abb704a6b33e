//! Bridges to JSON: conversion to and from `serde_json::Value` (for RFC 6902 patching), and
//! Go's `encoding/json` string escaping (for hashes that must match Go's bytes).

use serde_json::Value as Json;

use crate::node::{Mapping, Node, Value};
use crate::numfmt::format_float_json;

/// Converts a node to JSON. Non-finite floats, which JSON cannot hold, become null.
pub fn to_json(node: &Node) -> Json {
    match &node.value {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::from(*i),
        Value::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
        Value::Str(s) => Json::String(s.clone()),
        Value::Seq(items) => Json::Array(items.iter().map(to_json).collect()),
        Value::Map(m) => Json::Object(m.iter().map(|(k, v)| (k.to_string(), to_json(v))).collect()),
    }
}

/// Converts JSON to a node (no positions).
pub fn from_json(json: &Json) -> Node {
    Node::new(match json {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(0.0)),
        },
        Json::String(s) => Value::Str(s.clone()),
        Json::Array(items) => Value::Seq(items.iter().map(from_json).collect()),
        Json::Object(o) => Value::Map(
            o.iter()
                .map(|(k, v)| (k.clone(), from_json(v)))
                .collect::<Mapping>(),
        ),
    })
}

/// Appends `s` as a JSON string literal escaped exactly as Go's `json.Marshal` does
/// (HTML-safe: `<`, `>`, `&`, U+2028 and U+2029 as `\u` escapes).
pub fn push_go_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            // Go 1.22 and later (kustomize v5.6, Helm v3.17) name these two.
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Writes a node as Go's `json.Marshal` of the equivalent `map[string]interface{}` would:
/// object keys sorted by byte order, no spaces, Go's number and string forms.
pub fn to_go_json(node: &Node) -> String {
    let mut out = String::new();
    write_go_json(node, &mut out);
    out
}

fn write_go_json(node: &Node, out: &mut String) {
    match &node.value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Float(f) => out.push_str(&format_float_json(*f).unwrap_or_else(|| "null".into())),
        Value::Str(s) => push_go_json_string(out, s),
        Value::Seq(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_go_json(item, out);
            }
            out.push(']');
        }
        Value::Map(m) => {
            let mut entries: Vec<(&str, &Node)> = m.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_go_json_string(out, k);
                out.push(':');
                write_go_json(v, out);
            }
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_as_go_json_marshal_does() {
        let mut out = String::new();
        push_go_json_string(&mut out, "a\u{8}b\u{c}c\u{1}d\u{7}<e>&\"\\\n\r\t\u{2028}é");
        assert_eq!(
            out,
            r#""a\bb\fc\u0001d\u0007\u003ce\u003e\u0026\"\\\n\r\t\u2028é""#
        );
    }
}
