//! YAML for Helm's functions: `toYaml` (sigs.k8s.io/yaml: a JSON round trip,
//! then yaml.v2's emitter, which `kubake_yaml::to_yaml` reproduces byte for byte),
//! `toYamlPretty` (yaml.v3's encoder with a two-space indent, which indents sequences and
//! keeps Go's float form), and `fromYaml`/`fromYamlArray` (YAML 1.1 scalars, then JSON
//! typing: every number a float64).
//!
//! Not here: the emitter itself (the yaml crate) and JSON (`json`).

use kubake_gotmpl::{List, Map, UintKind, Value};
use kubake_yaml::keyorder::compare_keys;
use kubake_yaml::{Duplicates, Mapping, Node, Schema};

use super::json::{check_target, marshal, JsonStyle, Target};

/// A value as `json.Marshal` would present it, as a YAML node: objects through their
/// JSON view, `[]byte` as base64, and the errors JSON gives (NaN).
pub fn to_node(v: &Value) -> Result<Node, String> {
    // The JSON text is the contract (Go marshals to JSON first); decoding it back keeps
    // integers integers, since they have no fraction or exponent.
    let json = marshal(v, JsonStyle::COMPACT)?;
    let parsed: serde_json::Value =
        serde_json::from_str(&json).map_err(|e| format!("error converting JSON to YAML: {e}"))?;
    Ok(node_from_json(&parsed))
}

fn node_from_json(j: &serde_json::Value) -> Node {
    use kubake_yaml::Value as Y;
    Node::new(match j {
        serde_json::Value::Null => Y::Null,
        serde_json::Value::Bool(b) => Y::Bool(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Y::Int(i),
            None => Y::Float(n.as_f64().unwrap_or(0.0)),
        },
        serde_json::Value::String(s) => Y::Str(s.clone()),
        serde_json::Value::Array(items) => Y::Seq(items.iter().map(node_from_json).collect()),
        serde_json::Value::Object(o) => {
            let mut m = Mapping::new();
            for (k, v) in o {
                m.insert(k.clone(), node_from_json(v));
            }
            Y::Map(m)
        }
    })
}

/// Helm's `toYaml`: `yaml.Marshal`, the final newline trimmed.
pub fn to_yaml(v: &Value) -> Result<String, String> {
    let node = to_node(v)?;
    let text = kubake_yaml::to_yaml(&node);
    Ok(text.strip_suffix('\n').unwrap_or(&text).to_string())
}

/// Helm's `fromYaml`: a map, or a map holding `Error`.
pub fn from_yaml(text: &str) -> Value {
    match decode(text, Target::Map) {
        Ok(Value::Map(m)) => Value::Map(m),
        Ok(_) => Value::Map(Map::new()),
        Err(e) => Value::Map(Map::from_entries([("Error", Value::from(e))])),
    }
}

/// Helm's `fromYamlArray`: a list, or a list holding the error text.
pub fn from_yaml_array(text: &str) -> Value {
    match decode(text, Target::List) {
        Ok(Value::List(l)) => Value::List(l),
        Ok(_) => Value::List(List::new(vec![])),
        Err(e) => Value::List(List::new(vec![Value::from(e)])),
    }
}

/// `yaml.Unmarshal` of sigs.k8s.io/yaml: YAML to JSON to the target.
fn decode(text: &str, target: Target) -> Result<Value, String> {
    let docs = kubake_yaml::load_stream_with(text, Schema::Yaml11, Duplicates::LastWins)
        .map_err(|e| format!("error converting YAML to JSON: {}", libyaml_error(&e)))?;
    let Some(doc) = docs.into_iter().next() else {
        return Ok(Value::Nil);
    };
    // sigs.k8s.io/yaml goes through JSON text; the values are the same without it
    // (`fromYaml` of a chart's CRD files was mostly writing and reading that text), and
    // without a JSON tree between (`json_value`).
    check_target(json_value(&doc), target)
        .map_err(|e| format!("error unmarshaling JSON: while decoding JSON: {e}"))
}

/// The value `json.Unmarshal` into `interface{}` gives for the JSON of `node`
/// (`kubake_yaml::json::to_json`, then [`super::json::unmarshal_value`]): every number a float64, a
/// float JSON cannot hold (NaN, infinities) null.
fn json_value(node: &Node) -> Value {
    use kubake_yaml::Value as Y;
    match &node.value {
        Y::Null => Value::Nil,
        Y::Bool(b) => Value::Bool(*b),
        // As serde_json's `as_f64` of an i64: the nearest float, as Go's parse of the
        // integer's text gives.
        #[allow(clippy::cast_precision_loss)]
        Y::Int(i) => Value::float(*i as f64),
        Y::Float(f) if f.is_finite() => Value::float(*f),
        Y::Float(_) => Value::Nil,
        Y::Str(s) => Value::from(s.as_str()),
        Y::Seq(items) => Value::List(List::new(items.iter().map(json_value).collect())),
        Y::Map(m) => Value::Map(Map::from_entries(m.iter().map(|(k, v)| (k, json_value(v))))),
    }
}

/// A load error in yaml.v2's words: `yaml: line N: PROBLEM`, where libyaml reports a
/// parser error on the 0-based line of the problem and a scanner error on the 1-based
/// one, and names only the problem, not its context.
pub(crate) fn libyaml_error(e: &kubake_yaml::LoadError) -> String {
    let (parser, problem) = match e.message.split_once(", ") {
        Some((ctx, problem)) if ctx.starts_with("while ") => {
            (ctx.starts_with("while parsing"), problem)
        }
        _ => (false, e.message.as_str()),
    };
    let problem = match problem {
        "expected ',' or ']'" => "did not find expected ',' or ']'",
        p => p,
    };
    let line = if parser {
        e.pos.line.saturating_sub(1)
    } else {
        e.pos.line
    };
    if line == 0 {
        format!("yaml: {problem}")
    } else {
        format!("yaml: line {line}: {problem}")
    }
}

/// Helm's `toYamlPretty`: yaml.v3's `Encoder` with `SetIndent(2)`.
pub fn to_yaml_pretty(v: &Value) -> Result<String, String> {
    let mut out = String::new();
    let mut p = Pretty { out: &mut out };
    p.value(v, 0, Ctx::Root, 0)?;
    if !out.ends_with('\n') {
        out.push('\n');
    }
    Ok(out.strip_suffix('\n').unwrap_or(&out).to_string())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Root,
    /// A mapping value: written after `key:`.
    MapValue,
    /// A sequence item: written after `- `.
    SeqItem,
}

struct Pretty<'a> {
    out: &'a mut String,
}

fn spaces(n: usize) -> String {
    " ".repeat(n)
}

impl Pretty<'_> {
    fn value(&mut self, v: &Value, indent: usize, ctx: Ctx, depth: usize) -> Result<(), String> {
        if depth > 1000 {
            return Err("yaml: nesting too deep".into());
        }
        match v {
            Value::Map(m) => self.map(&m.entries(), indent, ctx, depth),
            Value::List(l) if *l.elem() != kubake_gotmpl::GoType::Uint(UintKind::Uint8) => {
                self.seq(l.items(), indent, ctx, depth)
            }
            Value::Object(o) => match crate::objects::json_view_value(o.as_ref()) {
                Some(view) => self.value(&view, indent, ctx, depth + 1),
                None => self.scalar_text(&kubake_gotmpl::fmt::sprint_v(v), indent, ctx),
            },
            Value::Nil => self.inline(ctx, "null"),
            Value::Bool(b) => self.inline(ctx, if *b { "true" } else { "false" }),
            Value::Int(i, _) => self.inline(ctx, &i.to_string()),
            Value::Uint(u, _) => self.inline(ctx, &u.to_string()),
            Value::Float(f, _) => {
                let s = match kubake_yaml::numfmt::format_float_g(*f).as_str() {
                    "+Inf" => ".inf".to_string(),
                    "-Inf" => "-.inf".to_string(),
                    "NaN" => ".nan".to_string(),
                    s => s.to_string(),
                };
                self.inline(ctx, &s)
            }
            Value::String(s) => self.scalar_text(s, indent, ctx),
            Value::Complex(..) => self.inline(ctx, &kubake_gotmpl::fmt::sprint_v(v)),
            Value::List(l) => {
                let s = String::from_utf8_lossy(&l.to_bytes().unwrap_or_default()).into_owned();
                self.scalar_text(&s, indent, ctx)
            }
        }
    }

    fn inline(&mut self, ctx: Ctx, text: &str) -> Result<(), String> {
        if ctx == Ctx::MapValue {
            self.out.push(' ');
        }
        self.out.push_str(text);
        self.out.push('\n');
        Ok(())
    }

    /// A string scalar: the style yaml.v2's analysis picks (plain, quoted, literal).
    fn scalar_text(&mut self, s: &str, indent: usize, ctx: Ctx) -> Result<(), String> {
        let body_indent = indent + 2;
        let rendered = kubake_yaml::to_yaml(&Node::str(s));
        let rendered = rendered.strip_suffix('\n').unwrap_or(&rendered);
        let mut lines = rendered.lines();
        let first = lines.next().unwrap_or("");
        if ctx == Ctx::MapValue {
            self.out.push(' ');
        }
        self.out.push_str(first);
        self.out.push('\n');
        let block = first.starts_with('|') || first.starts_with('>');
        for line in lines {
            let line = if block {
                line.strip_prefix("  ").unwrap_or(line)
            } else {
                line.trim_start()
            };
            if line.is_empty() {
                self.out.push('\n');
            } else {
                self.out.push_str(&spaces(body_indent));
                self.out.push_str(line);
                self.out.push('\n');
            }
        }
        Ok(())
    }

    fn map(
        &mut self,
        entries: &[(std::sync::Arc<str>, Value)],
        indent: usize,
        ctx: Ctx,
        depth: usize,
    ) -> Result<(), String> {
        if entries.is_empty() {
            return self.inline(ctx, "{}");
        }
        let mut sorted: Vec<&(std::sync::Arc<str>, Value)> = entries.iter().collect();
        sorted.sort_by(|a, b| compare_keys(&a.0, &b.0));
        // A map as a mapping value starts on the next line, indented; as a sequence
        // item it starts on the dash's line.
        let child = match ctx {
            Ctx::Root => 0,
            Ctx::MapValue => {
                self.out.push('\n');
                indent + 2
            }
            Ctx::SeqItem => indent + 2,
        };
        for (i, (k, v)) in sorted.into_iter().enumerate() {
            if i > 0 || ctx == Ctx::MapValue {
                self.out.push_str(&spaces(child));
            }
            let key = kubake_yaml::to_yaml(&Node::str(k.to_string()));
            self.out.push_str(key.trim_end());
            self.out.push(':');
            self.value(v, child, Ctx::MapValue, depth + 1)?;
        }
        Ok(())
    }

    fn seq(
        &mut self,
        items: &[Value],
        indent: usize,
        ctx: Ctx,
        depth: usize,
    ) -> Result<(), String> {
        if items.is_empty() {
            return self.inline(ctx, "[]");
        }
        let child = match ctx {
            Ctx::Root => 0,
            Ctx::MapValue => {
                self.out.push('\n');
                indent + 2
            }
            Ctx::SeqItem => indent + 2,
        };
        for (i, v) in items.iter().enumerate() {
            if i > 0 || ctx == Ctx::MapValue {
                self.out.push_str(&spaces(child));
            }
            self.out.push_str("- ");
            self.value(v, child, Ctx::SeqItem, depth + 1)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(s: &str) -> Value {
        Value::from_json(&serde_json::from_str(s).unwrap_or_default())
    }

    #[test]
    fn to_yaml_numbers_take_the_json_round_trip() {
        let v = json(r#"[1000000, 1000000.0, 12345678901, 1.5, 0.0001, 1e-7, -3]"#);
        assert_eq!(
            to_yaml(&v).as_deref(),
            Ok("- 1000000\n- 1000000\n- 12345678901\n- 1.5\n- 0.0001\n- 1e-07\n- -3")
        );
        assert_eq!(to_yaml(&Value::Nil).as_deref(), Ok("null"));
        assert_eq!(to_yaml(&json("{}")).as_deref(), Ok("{}"));
        assert!(to_yaml(&Value::float(f64::NAN)).is_err());
    }

    #[test]
    fn from_yaml_types_like_json() {
        assert_eq!(
            from_yaml("a: 1\nb:\n  - x\n  - y\n").to_string(),
            "map[a:1 b:[x true]]"
        );
        assert_eq!(from_yaml("").to_string(), "map[]");
        assert_eq!(
            from_yaml("- a").to_string(),
            "map[Error:error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type map[string]interface {}]"
        );
        assert_eq!(
            from_yaml_array("- a\n- 1\n- {x: y}").to_string(),
            "[a 1 map[x:true]]"
        );
    }

    #[test]
    fn values_are_those_of_the_json_round_trip() {
        // `fromYaml` converts nodes to values directly; sigs.k8s.io/yaml's way is YAML
        // to JSON, then JSON into `interface{}`.
        let texts = [
            "a: 1\nb: -7\nc: 1.5\nd: 1e3\ne: 0x1F\nf: 0o17\ng: 9223372036854775807\n",
            "big: 18446744073709551616\nneg: -9223372036854775808\nexp: 6.02e+23\n",
            "inf: .inf\nninf: -.Inf\nnan: .NaN\nnull: ~\nempty:\n",
            "yes: yes\nno: off\non: On\nt: true\ns: '1'\nq: \"x\"\n",
            "1: int key\ntrue: bool key\n1.5: float key\n~: null key\n",
            "base: &b {x: 1, y: [1, 2.5, a]}\nderived:\n  <<: *b\n  y: over\n",
            "list:\n- - nested\n  - 3\n- {k: v}\n- null\n- ''\ntext: |\n  line\n",
            "- 1\n- two\n- {three: 3}\n",
            "just a string\n",
            "42\n",
        ];
        for text in texts {
            let docs = kubake_yaml::load_stream_with(text, Schema::Yaml11, Duplicates::LastWins)
                .expect("valid YAML");
            for doc in &docs {
                let via_json = super::super::json::unmarshal_value(
                    &kubake_yaml::json::to_json(doc),
                    Target::Any,
                )
                .expect("any value");
                assert_eq!(json_value(doc).to_string(), via_json.to_string(), "{text}");
            }
        }
    }

    #[test]
    fn pretty_indents_sequences() {
        let v =
            json(r#"{"enabled": true, "hosts": [{"host": "a", "paths": ["/"]}], "n": 1000000}"#);
        assert_eq!(
            to_yaml_pretty(&v).as_deref(),
            Ok("enabled: true\nhosts:\n  - host: a\n    paths:\n      - /\n\"n\": 1e+06")
        );
        let l = Value::List(List::new(vec![Value::int(1), Value::from("a"), Value::Nil]));
        assert_eq!(to_yaml_pretty(&l).as_deref(), Ok("- 1\n- a\n- null"));
    }
}
