//! Helm values as the controllers assemble them before calling Helm.
//!
//! - Flux (`helm-controller/internal/chartutil/values.go`, `ChartValuesFromReferences`):
//!   each `valuesFrom` entry in order; without `targetPath` its document is deep-merged
//!   (maps merge, anything else replaces, a `null` stays); with `targetPath` the raw
//!   string is set with Helm's `strvals.ParseInto` (typed), or `ParseIntoString` when it
//!   is wrapped in quotes (`ReplacePathValue`); finally `spec.values` on top.
//! - Argo CD (`util/helm/cmd.go` `template`): `--values` for each value file, then the
//!   inline `values`/`valuesObject`, then `--set`, `--set-string` and `--set-file`
//!   parameters (Helm's order), with commas escaped as `cleanSetParameters` escapes them.
//!
//! Not here: where the data comes from (looked up by the units) or the chart's own
//! `values.yaml` (coalesced by the renderer).

use std::collections::BTreeMap;

use kubake_chart::values::merge_maps;
use kubake_chart::{strvals, Values};
use serde_json::Value as Json;

/// Merges one `valuesFrom` document (YAML text) into `values`.
pub fn merge_document(values: Values, text: &str) -> Result<Values, String> {
    let doc = kubake_chart::load::parse_values(text.as_bytes())?;
    Ok(merge_maps(values, doc))
}

/// Flux's `ReplacePathValue`: sets `path` to `value` with Helm's `--set` parser, or its
/// `--set-string` parser when `value` is wrapped in single or double quotes (which are
/// trimmed, all of them, as Go's `strings.Trim` does).
pub fn replace_path_value(values: &mut Values, path: &str, value: &str) -> Result<(), String> {
    let single = value.starts_with('\'') && value.ends_with('\'');
    let double = value.starts_with('"') && value.ends_with('"');
    if single || double {
        let trimmed = value.trim_matches(|c| c == '\'' || c == '"');
        return strvals::parse_into_string(&format!("{path}={trimmed}"), values);
    }
    strvals::parse_into(&format!("{path}={value}"), values)
}

/// Merges `top` over `values` (Flux's final `spec.values` step).
pub fn merge_over(values: Values, top: Values) -> Values {
    merge_maps(values, top)
}

/// A JSON object as values (`{}` for anything else).
pub fn as_values(json: Json) -> Values {
    match json {
        Json::Object(m) => m,
        _ => Values::new(),
    }
}

/// One Argo CD Helm parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parameter {
    /// The `--set` path.
    pub name: String,
    /// The value.
    pub value: String,
    /// `forceString`: `--set-string`.
    pub force_string: bool,
}

/// Argo CD's `cleanSetParameters`: commas not already escaped get a backslash, unless the
/// value is a `{...}` list.
pub fn clean_set_parameter(value: &str) -> String {
    if value.starts_with('{') && value.ends_with('}') {
        return value.to_string();
    }
    let mut out = String::with_capacity(value.len());
    let mut prev = '\0';
    for c in value.chars() {
        if c == ',' && prev != '\\' {
            out.push('\\');
        }
        out.push(c);
        prev = c;
    }
    out
}

/// Applies Argo CD parameters in Helm's order: every `--set` (sorted by name: Argo CD
/// keeps them in a map), then every `--set-string`, then `--set-file` contents.
pub fn apply_parameters(
    values: &mut Values,
    params: &[Parameter],
    files: &[(String, String)],
) -> Result<(), String> {
    let mut set = BTreeMap::new();
    let mut set_string = BTreeMap::new();
    for p in params {
        if p.force_string {
            set_string.insert(p.name.clone(), p.value.clone());
        } else {
            set.insert(p.name.clone(), p.value.clone());
        }
    }
    for (k, v) in &set {
        strvals::parse_into(&format!("{k}={}", clean_set_parameter(v)), values)
            .map_err(|e| format!("failed parsing --set data: {e}"))?;
    }
    for (k, v) in &set_string {
        strvals::parse_into_string(&format!("{k}={}", clean_set_parameter(v)), values)
            .map_err(|e| format!("failed parsing --set-string data: {e}"))?;
    }
    for (k, content) in files {
        strvals::parse_into_string(&format!("{k}={}", clean_set_parameter(content)), values)
            .map_err(|e| format!("failed parsing --set-file data: {e}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_paths_are_typed_unless_quoted() {
        let mut v = Values::new();
        assert!(replace_path_value(&mut v, "replicas", "1").is_ok());
        assert!(replace_path_value(&mut v, "persistence.enabled", "true").is_ok());
        assert!(replace_path_value(&mut v, "podAnnotations.homelab\\.io/gen", "'10'").is_ok());
        assert_eq!(v["replicas"], Json::from(1_i64));
        assert_eq!(v["persistence"]["enabled"], Json::Bool(true));
        assert_eq!(v["podAnnotations"]["homelab.io/gen"], Json::from("10"));
    }

    #[test]
    fn documents_merge_deeply_and_nulls_stay() {
        let v = merge_document(Values::new(), "a: {b: 1, c: 2}\nd: x\n").unwrap_or_default();
        let v = merge_document(v, "a: {c: null}\nd: [1]\n").unwrap_or_default();
        assert_eq!(v["a"]["b"].as_f64(), Some(1.0));
        assert!(v["a"]["c"].is_null());
        assert!(v["d"].is_array());
    }

    #[test]
    fn commas_are_escaped_unless_a_list() {
        assert_eq!(clean_set_parameter("a,b\\,c"), "a\\,b\\,c");
        assert_eq!(clean_set_parameter("{a,b}"), "{a,b}");
    }

    #[test]
    fn parameters_set_then_set_string() {
        let mut v = Values::new();
        let params = [
            Parameter {
                name: "n".into(),
                value: "2".into(),
                force_string: false,
            },
            Parameter {
                name: "s".into(),
                value: "2".into(),
                force_string: true,
            },
            Parameter {
                name: "l".into(),
                value: "a,b".into(),
                force_string: false,
            },
        ];
        assert!(apply_parameters(&mut v, &params, &[]).is_ok());
        assert_eq!(v["n"], Json::from(2_i64));
        assert_eq!(v["s"], Json::from("2"));
        assert_eq!(v["l"], Json::from("a,b"));
    }
}
