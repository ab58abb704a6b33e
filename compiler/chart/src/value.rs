//! The values model: Helm's `map[string]interface{}` as [`serde_json`] values, and the
//! conversion of YAML nodes into it with `sigs.k8s.io/yaml`'s rules.
//!
//! # Why `serde_json::Value`
//!
//! Helm's values are what `json.Unmarshal` makes: maps, lists, strings, bools, nil and
//! numbers. Every number that comes from a YAML or JSON file is a Go `float64`; only
//! `--set` produces `int64` (for integer-looking text). The distinction is visible in
//! templates (`%T`, `printf "%v"`, `kindIs`), so it is kept in [`serde_json::Number`]:
//!
//! | Go type | representation |
//! | --- | --- |
//! | `float64` | a number built with [`float`] (`Number::is_f64()` is true, even for `3.0`) |
//! | `int64` | a number built from an `i64` (`Number::is_i64()` is true) |
//!
//! Maps keep insertion order (the workspace enables `preserve_order`), but Helm's maps are
//! Go maps without order: whoever prints values must sort keys (Go's `encoding/json` and
//! `sigs.k8s.io/yaml` do).
//!
//! Not here: merging and coalescing (`coalesce`), the `--set` parsers (`strvals`).

use kubake_yaml::{Node, Value as YamlValue};
use serde_json::{Map, Number, Value as Json};

/// A values tree: Helm's `chartutil.Values` (`map[string]interface{}`).
pub type Values = Map<String, Json>;

/// A Go `float64` value.
pub fn float(f: f64) -> Json {
    Number::from_f64(f).map_or(Json::Null, Json::Number)
}

/// Whether `v` is a table (a map), as `chartutil.istable` asks.
pub fn is_table(v: &Json) -> bool {
    v.is_object()
}

/// The Go type of a value, as `%T` would print it in Helm (`float64`, `int64`, `string`,
/// `bool`, `[]interface {}`, `map[string]interface {}`, `<nil>`).
pub fn go_type_name(v: &Json) -> &'static str {
    match v {
        Json::Null => "<nil>",
        Json::Bool(_) => "bool",
        Json::Number(n) if n.is_f64() => "float64",
        Json::Number(_) => "int64",
        Json::String(_) => "string",
        Json::Array(_) => "[]interface {}",
        Json::Object(_) => "map[string]interface {}",
    }
}

/// Go's `%v` of a value, close enough for warnings (`map[a:1]`, `[1 2]`, `<nil>`).
pub fn go_sprint(v: &Json) -> String {
    match v {
        Json::Null => "<nil>".into(),
        Json::Bool(b) => b.to_string(),
        Json::Number(n) => match n.as_i64() {
            Some(i) if !n.is_f64() => i.to_string(),
            _ => kubake_yaml::numfmt::format_float_g(n.as_f64().unwrap_or(0.0)),
        },
        Json::String(s) => s.clone(),
        Json::Array(items) => {
            let parts: Vec<String> = items.iter().map(go_sprint).collect();
            format!("[{}]", parts.join(" "))
        }
        Json::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{k}:{}", go_sprint(&m[k])))
                .collect();
            format!("map[{}]", parts.join(" "))
        }
    }
}

/// Converts a loaded YAML node as `sigs.k8s.io/yaml.Unmarshal` into `interface{}` would:
/// every number becomes `float64`, plain keys that YAML 1.1 types (`on:`, `y:`, `1:`)
/// become the JSON text of that type (`"true"`, `"1"`), and infinities and NaN are refused
/// with `encoding/json`'s words. `source` is the text the node was loaded from: it tells a
/// quoted key (`"on":`, kept as written) from a plain one.
pub fn yaml_to_json(node: &Node, source: &str) -> Result<Json, String> {
    Ok(match &node.value {
        YamlValue::Null => Json::Null,
        YamlValue::Bool(b) => Json::Bool(*b),
        // Go's float64 holds every i64 only approximately; that loss is Helm's too.
        #[allow(clippy::cast_precision_loss)]
        YamlValue::Int(i) => float(*i as f64),
        YamlValue::Float(f) => {
            if !f.is_finite() {
                return Err(format!(
                    "json: unsupported value: {}",
                    kubake_yaml::numfmt::format_float_g(*f)
                ));
            }
            float(*f)
        }
        YamlValue::Str(s) => Json::String(s.clone()),
        YamlValue::Seq(items) => Json::Array(
            items
                .iter()
                .map(|n| yaml_to_json(n, source))
                .collect::<Result<_, _>>()?,
        ),
        YamlValue::Map(m) => {
            let mut out = Map::new();
            for entry in m.entries() {
                let key = json_key(&entry.key, entry.key_pos, source);
                out.insert(key, yaml_to_json(&entry.value, source)?);
            }
            Json::Object(out)
        }
    })
}

/// The JSON key yaml.v2 + `sigs.k8s.io/yaml` make of a mapping key.
fn json_key(key: &str, pos: kubake_yaml::Pos, source: &str) -> String {
    use kubake_yaml::resolve::{resolve_plain, Resolved};
    let resolved = match resolve_plain(key, kubake_yaml::Schema::Yaml11) {
        Resolved::Bool(b) => b.to_string(),
        Resolved::Int(i) => i.to_string(),
        Resolved::Float(f) if f.is_finite() => kubake_yaml::numfmt::format_float_g(f),
        _ => return key.to_string(),
    };
    // Only a key that would read as a bool or number needs its source: quoted, it stays
    // text. (Looking at the source costs a scan of the text, so it comes last.)
    let quoted = pos
        .byte_offset(source)
        .and_then(|i| source.get(i..))
        .and_then(|rest| rest.chars().next())
        .is_some_and(|c| c == '"' || c == '\'' || c == '|' || c == '>');
    if quoted {
        key.to_string()
    } else {
        resolved
    }
}

/// `strconv.FormatFloat(f, 'g', -1, 32)`: how `sigs.k8s.io/yaml` writes a YAML float
/// into a Go string field (Chart.yaml `version: 1.10` becomes `"1.1"`).
pub fn format_float32_g(f: f64) -> String {
    #[allow(clippy::cast_possible_truncation)]
    let f32v = f as f32;
    if f32v.is_nan() {
        return ".nan".into();
    }
    if f32v.is_infinite() {
        return if f32v > 0.0 { ".inf" } else { "-.inf" }.into();
    }
    if f32v == 0.0 {
        return "0".into();
    }
    // Rust's `{:e}` gives the shortest digits that round-trip an f32: `1.2345679e8`.
    let e = format!("{f32v:e}");
    let (mantissa, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    if !(-4..6).contains(&exp) {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        out.push_str(&format!("{:02}", exp.abs()));
    } else if exp < 0 {
        out.push_str("0.");
        for _ in 0..(-exp - 1) {
            out.push('0');
        }
        out.push_str(&digits);
    } else {
        let int_len = usize::try_from(exp + 1).unwrap_or(1);
        if digits.len() <= int_len {
            out.push_str(&digits);
            for _ in digits.len()..int_len {
                out.push('0');
            }
        } else {
            out.push_str(&digits[..int_len]);
            out.push('.');
            out.push_str(&digits[int_len..]);
        }
    }
    out
}

/// Converts JSON decoded by `serde_json` to Helm's model: every number becomes `float64`,
/// as Go's `json.Unmarshal` into `interface{}` makes it (`--set-json`, JSON values files).
pub fn json_numbers_to_float(v: Json) -> Json {
    match v {
        Json::Number(n) if !n.is_f64() => float(n.as_f64().unwrap_or(0.0)),
        Json::Array(items) => Json::Array(items.into_iter().map(json_numbers_to_float).collect()),
        Json::Object(m) => Json::Object(
            m.into_iter()
                .map(|(k, v)| (k, json_numbers_to_float(v)))
                .collect(),
        ),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubake_yaml::{load_stream_with, Duplicates, Schema};

    fn conv(text: &str) -> Json {
        let docs = load_stream_with(text, Schema::Yaml11, Duplicates::LastWins).unwrap();
        yaml_to_json(&docs[0], text).unwrap()
    }

    #[test]
    fn numbers_are_float64_and_keys_follow_yaml11() {
        let v = conv("a: 1\nb: 0x10\non: x\n\"off\": yy\n1: z\nn: 2.5\n");
        assert!(v["a"].as_number().unwrap().is_f64());
        assert_eq!(v["b"], float(16.0));
        assert_eq!(v["true"], "x");
        assert_eq!(v["off"], "yy");
        assert_eq!(v["1"], "z");
        assert_eq!(v["false"], float(2.5));
        assert_eq!(go_type_name(&v["a"]), "float64");
    }

    #[test]
    fn infinities_are_refused() {
        let docs = load_stream_with("a: .inf\n", Schema::Yaml11, Duplicates::LastWins).unwrap();
        let err = yaml_to_json(&docs[0], "a: .inf\n").unwrap_err();
        assert_eq!(err, "json: unsupported value: +Inf");
    }

    #[test]
    fn float32_g_matches_go() {
        assert_eq!(format_float32_g(1.10), "1.1");
        assert_eq!(format_float32_g(123_456_789.5), "1.2345679e+08");
        assert_eq!(format_float32_g(1e-7), "1e-07");
        assert_eq!(format_float32_g(1e30), "1e+30");
        assert_eq!(format_float32_g(2.0), "2");
        assert_eq!(format_float32_g(0.001), "0.001");
        assert_eq!(format_float32_g(-12.5), "-12.5");
        assert_eq!(format_float32_g(100_000.0), "100000");
    }

    #[test]
    fn sprint_is_go_like() {
        let v = serde_json::json!({"b": [1, "x"], "a": null});
        assert_eq!(go_sprint(&json_numbers_to_float(v)), "map[a:<nil> b:[1 x]]");
    }
}
