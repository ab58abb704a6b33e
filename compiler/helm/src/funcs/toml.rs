//! TOML for Helm's `toToml` and `fromToml`, as `BurntSushi/toml` v1 does it.
//!
//! The encoder is written here because its output shape is the contract: plain keys
//! first then tables (each group sorted), two-space indentation per table level, a blank
//! line before each top-level table and each `[[array]]` entry, floats always with a
//! fraction (`80.0`, `1000000.0`), nil values skipped. Errors come back as the output
//! text, as Helm's `toToml` returns `err.Error()`.
//!
//! Decoding uses the `toml` crate: integers become int64, floats float64, tables
//! `map[string]interface {}`, and dates `time.Time`.

use kubake_gotmpl::{List, Map, Value};

use super::time::{GoTime, Zone};

/// Helm's `toToml`.
pub fn to_toml(v: &Value) -> String {
    let mut e = Encoder {
        out: String::new(),
        written: false,
    };
    match e.encode(&[], v, 0) {
        Ok(()) => e.out,
        Err(msg) => msg,
    }
}

struct Encoder {
    out: String,
    written: bool,
}

#[derive(PartialEq, Eq, Clone, Copy)]
enum TomlType {
    Plain,
    Table,
    ArrayOfTables,
}

fn view(v: &Value) -> Value {
    match v {
        Value::Object(o) if v.downcast_object::<GoTime>().is_none() => {
            crate::objects::json_view_value(o.as_ref()).unwrap_or_else(|| v.clone())
        }
        other => other.clone(),
    }
}

fn toml_type(v: &Value) -> Result<Option<TomlType>, String> {
    Ok(match view(v) {
        Value::Nil => None,
        Value::Map(_) => Some(TomlType::Table),
        Value::List(l) => {
            let mut all_tables = !l.is_empty();
            for item in l.items() {
                match toml_type(item)? {
                    None => return Err("toml: cannot encode array with nil element".into()),
                    Some(TomlType::Table) => {}
                    Some(_) => all_tables = false,
                }
            }
            Some(if all_tables {
                TomlType::ArrayOfTables
            } else {
                TomlType::Plain
            })
        }
        _ => Some(TomlType::Plain),
    })
}

fn bare(k: &str) -> bool {
    !k.is_empty()
        && k.bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
}

fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn key_part(k: &str) -> String {
    if bare(k) {
        k.to_string()
    } else {
        quoted(k)
    }
}

fn key_string(key: &[String]) -> String {
    key.iter()
        .map(|k| key_part(k))
        .collect::<Vec<_>>()
        .join(".")
}

fn float_text(f: f64) -> String {
    if f.is_nan() {
        return if f.is_sign_negative() { "-nan" } else { "nan" }.into();
    }
    if f.is_infinite() {
        return if f < 0.0 { "-inf" } else { "inf" }.into();
    }
    let s = kubake_yaml::numfmt::format_float_f(f);
    if s.contains('.') {
        s
    } else {
        format!("{s}.0")
    }
}

impl Encoder {
    fn w(&mut self, s: &str) {
        self.out.push_str(s);
        self.written = true;
    }

    fn newline(&mut self) {
        if self.written {
            self.out.push('\n');
        }
    }

    fn indent(key: &[String]) -> String {
        "  ".repeat(key.len().saturating_sub(1))
    }

    fn element(&mut self, v: &Value, depth: usize) -> Result<(), String> {
        if depth > 1000 {
            return Err("toml: nesting too deep".into());
        }
        match view(v) {
            Value::Bool(b) => self.w(if b { "true" } else { "false" }),
            Value::Int(i, _) => self.w(&i.to_string()),
            Value::Uint(u, _) => self.w(&u.to_string()),
            Value::Float(f, _) => self.w(&float_text(f)),
            Value::String(s) => self.w(&quoted(&s)),
            Value::List(l) => {
                self.w("[");
                for (i, item) in l.items().iter().enumerate() {
                    if i > 0 {
                        self.w(", ");
                    }
                    self.element(item, depth + 1)?;
                }
                self.w("]");
            }
            Value::Map(m) => self.map(&[], &m, true, depth + 1)?,
            Value::Object(o) => match o.as_any().downcast_ref::<GoTime>() {
                Some(t) => self.w(&t.format("2006-01-02T15:04:05.999999999Z07:00")),
                None => self.w(&quoted(&kubake_gotmpl::fmt::sprint_v(v))),
            },
            Value::Nil => return Err("toml: cannot encode a nil value".into()),
            Value::Complex(..) => return Err("toml: unsupported type: complex128".into()),
        }
        Ok(())
    }

    fn key_value(
        &mut self,
        key: &[String],
        v: &Value,
        inline: bool,
        depth: usize,
    ) -> Result<(), String> {
        if key.is_empty() {
            return self.element(v, depth);
        }
        let indent = Self::indent(key);
        let name = key_part(&key[key.len() - 1]);
        self.w(&format!("{indent}{name} = "));
        self.element(v, depth)?;
        if !inline {
            self.newline();
        }
        Ok(())
    }

    fn encode(&mut self, key: &[String], v: &Value, depth: usize) -> Result<(), String> {
        if depth > 1000 {
            return Err("toml: nesting too deep".into());
        }
        let v = view(v);
        match toml_type(&v)? {
            None => Ok(()),
            Some(TomlType::Plain) => self.key_value(key, &v, false, depth),
            Some(TomlType::ArrayOfTables) => {
                if key.is_empty() {
                    return Err("toml: top-level values must be Go maps or structs".into());
                }
                for item in v.as_list().unwrap_or_else(|| List::new(vec![])).items() {
                    let Value::Map(m) = view(item) else { continue };
                    self.newline();
                    self.w(&format!("{}[[{}]]", Self::indent(key), key_string(key)));
                    self.newline();
                    self.map(key, &m, false, depth + 1)?;
                }
                Ok(())
            }
            Some(TomlType::Table) => {
                let Value::Map(m) = v else { return Ok(()) };
                if key.len() == 1 {
                    self.newline();
                }
                if !key.is_empty() {
                    self.w(&format!("{}[{}]", Self::indent(key), key_string(key)));
                    self.newline();
                }
                self.map(key, &m, false, depth + 1)
            }
        }
    }

    fn map(&mut self, key: &[String], m: &Map, inline: bool, depth: usize) -> Result<(), String> {
        let mut direct = Vec::new();
        let mut sub = Vec::new();
        for (k, v) in m.entries() {
            match toml_type(&v)? {
                Some(TomlType::Table | TomlType::ArrayOfTables) => sub.push((k, v)),
                _ => direct.push((k, v)),
            }
        }
        if inline {
            self.w("{");
        }
        let total_sub = sub.len();
        for (group, trailing) in [(direct, total_sub > 0), (sub, false)] {
            let n = group.len();
            for (i, (k, v)) in group.into_iter().enumerate() {
                if v.is_nil() {
                    continue;
                }
                let mut child = key.to_vec();
                child.push(k.to_string());
                if inline {
                    self.key_value(&child[child.len() - 1..], &v, true, depth)?;
                    if trailing || i + 1 != n {
                        self.w(", ");
                    }
                } else {
                    self.encode(&child, &v, depth)?;
                }
            }
        }
        if inline {
            self.w("}");
        }
        Ok(())
    }
}

/// Helm's `fromToml`: a map, or a map holding `Error`.
pub fn from_toml(text: &str) -> Value {
    match text.parse::<toml::Table>() {
        Ok(t) => table_value(&t),
        Err(e) => Value::Map(Map::from_entries([(
            "Error",
            Value::from(toml_error(text, &e)),
        )])),
    }
}

/// A parse error in BurntSushi's words where the shapes are known (a key without `=`),
/// else the `toml` crate's message with BurntSushi's `toml: line N:` prefix.
fn toml_error(text: &str, e: &toml::de::Error) -> String {
    let span = e.span().unwrap_or(0..0);
    let at = span.start.min(text.len());
    let line = text[..at].matches('\n').count() + 1;
    let msg = e.message().lines().last().unwrap_or("").to_string();
    if msg.starts_with("expected `.`, `=`") {
        return match text[at..].chars().next() {
            None => "toml: line 0: unexpected EOF; expected key separator '='".to_string(),
            Some(c) => {
                format!("toml: line {line}: expected key separator '=', but got '{c}' instead")
            }
        };
    }
    format!("toml: line {line}: {msg}")
}

fn table_value(t: &toml::Table) -> Value {
    let m = Map::new();
    for (k, v) in t {
        m.insert(k.as_str(), toml_value(v));
    }
    Value::Map(m)
}

fn toml_value(v: &toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::from(s.as_str()),
        toml::Value::Integer(i) => Value::int64(*i),
        toml::Value::Float(f) => Value::float(*f),
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => {
            let text = d.to_string();
            let layouts = [
                "2006-01-02T15:04:05.999999999Z07:00",
                "2006-01-02 15:04:05.999999999Z07:00",
                "2006-01-02T15:04:05.999999999",
                "2006-01-02",
                "15:04:05.999999999",
            ];
            layouts
                .iter()
                .find_map(|l| super::time::parse(l, &text, Zone::Local).ok())
                .map_or_else(|| Value::from(text), Value::object)
        }
        toml::Value::Array(a) => Value::List(List::new(a.iter().map(toml_value).collect())),
        toml::Value::Table(t) => table_value(t),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(s: &str) -> Value {
        Value::from_json(&serde_json::from_str(s).unwrap_or_default())
    }

    #[test]
    fn encodes_like_burntsushi() {
        assert_eq!(
            to_toml(&json(
                r#"{"limits": {"cpu": "100m", "memory": "128Mi"}, "requests": {"cpu": "50m"}}"#
            )),
            "[limits]\n  cpu = \"100m\"\n  memory = \"128Mi\"\n\n[requests]\n  cpu = \"50m\"\n"
        );
        assert_eq!(
            to_toml(&json(r#"{"ports": [{"name": "http", "port": 80}, {"name": "https", "port": 443}]}"#)),
            "[[ports]]\n  name = \"http\"\n  port = 80.0\n\n[[ports]]\n  name = \"https\"\n  port = 443.0\n"
        );
        assert_eq!(to_toml(&Value::from("x")), "\"x\"");
        assert_eq!(
            to_toml(&json(
                r#"{"a": 1000000, "b": [1, "x"], "n": null, "t": {"u": {"v": true}}}"#
            )),
            "a = 1000000.0\nb = [1.0, \"x\"]\n\n[t]\n  [t.u]\n    v = true\n"
        );
    }

    #[test]
    fn decodes_tables() {
        assert_eq!(
            from_toml("a = 1\n[t]\nb = \"c\"").to_string(),
            "map[a:1 t:map[b:c]]"
        );
        assert_eq!(
            from_toml("a = 1")
                .as_map()
                .and_then(|m| m.get("a"))
                .map(|v| v.type_name()),
            Some("int64".into())
        );
    }
}
