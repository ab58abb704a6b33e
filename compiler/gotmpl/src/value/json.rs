//! JSON to [`Value`], with the types Go's `encoding/json` gives when decoding into
//! `interface {}`: how test data and Helm's values look to a template.
//!
//! Not here: encoding values back to JSON (Sprig's `toJson` belongs to the function
//! library, which knows Go's encoder rules).

use super::{List, Map, Value};

pub(super) fn from_json(json: &serde_json::Value) -> Value {
    match json {
        serde_json::Value::Null => Value::Nil,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        // Go decodes every JSON number into float64.
        serde_json::Value::Number(n) => Value::float(n.as_f64().unwrap_or(f64::NAN)),
        serde_json::Value::String(s) => Value::from(s.as_str()),
        serde_json::Value::Array(items) => {
            Value::List(List::new(items.iter().map(from_json).collect()))
        }
        serde_json::Value::Object(obj) => Value::Map(Map::from_entries(
            obj.iter().map(|(k, v)| (k.as_str(), from_json(v))),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_float64() {
        let v = from_json(&serde_json::json!({"a": 1, "b": [null, "x"]}));
        let m = v.as_map().unwrap_or_default();
        assert_eq!(
            m.get("a").map(|v| v.type_name()).as_deref(),
            Some("float64")
        );
        assert_eq!(
            m.get("b").map(|v| v.type_name()).as_deref(),
            Some("[]interface {}")
        );
    }
}
