//! Helm's built-in template objects, built as Helm v3.17 builds them (chartutil's
//! `ToRenderValues` and the engine's `recAllTpls`), with the Go types templates observe:
//!
//! | object | Go shape |
//! | --- | --- |
//! | `.` | `chartutil.Values` (a named map) |
//! | `.Values` | `chartutil.Values`; nested maps `map[string]interface {}` |
//! | `.Release` | `map[string]interface {}`: `Name`, `Namespace`, `Revision` (int), `Service`, `IsInstall`, `IsUpgrade` |
//! | `.Chart` | `struct { chart.Metadata; IsRoot bool }` (unknown fields are errors) |
//! | `.Capabilities` | `*chartutil.Capabilities`: `KubeVersion` (prints `v1.32.0`), `APIVersions` (`.Has`), `HelmVersion` |
//! | `.Files` | `engine.files` (see `files`) |
//! | `.Template` | `chartutil.Values`: `Name`, `BasePath` |
//! | `.Subcharts` | `map[string]interface {}` of each subchart's top-level object |
//!
//! [`json_view`] gives each host object the JSON form Go's `encoding/json` would write
//! (`toJson`, `toYaml`), with struct fields in declaration order.
//!
//! Not here: reading `Chart.yaml` or coalescing values (chart loading, next layer).

mod capabilities;
mod chart;

use kubake_gotmpl::{GoType, Map, Object, Value};

pub use capabilities::{
    ApiQueries, Capabilities, HelmVersion, KubeVersion, VersionSet, DEFAULT_API_VERSIONS,
};
pub use chart::{ChartMetadata, ChartObject, Dependency, Maintainer};

use crate::files::Files;
use crate::funcs::crypto::Certificate;
use crate::funcs::semver::Version;
use crate::funcs::time::GoTime;
use chart::MetadataObject;

/// The JSON form of a host object.
#[derive(Debug, Clone)]
pub enum JsonView {
    /// Encodes as this value.
    Value(Value),
    /// A struct: fields in declaration order.
    Struct(Vec<(String, Value)>),
}

/// `.Release`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseInfo {
    /// `.Release.Name`
    pub name: String,
    /// `.Release.Namespace`
    pub namespace: String,
    /// `.Release.Revision`
    pub revision: i64,
    /// `.Release.IsInstall`
    pub is_install: bool,
    /// `.Release.IsUpgrade`
    pub is_upgrade: bool,
    /// `.Release.Service` (always `Helm`)
    pub service: String,
}

impl ReleaseInfo {
    /// A first install (`helm template`'s view): revision 1.
    pub fn install(name: &str, namespace: &str) -> ReleaseInfo {
        ReleaseInfo {
            name: name.into(),
            namespace: namespace.into(),
            revision: 1,
            is_install: true,
            is_upgrade: false,
            service: "Helm".into(),
        }
    }

    /// The `map[string]interface {}` Helm builds.
    pub fn to_value(&self) -> Value {
        Value::Map(Map::from_entries([
            ("Name", Value::from(self.name.as_str())),
            ("Namespace", Value::from(self.namespace.as_str())),
            ("Revision", Value::int(self.revision)),
            ("Service", Value::from(self.service.as_str())),
            ("IsUpgrade", Value::Bool(self.is_upgrade)),
            ("IsInstall", Value::Bool(self.is_install)),
        ]))
    }
}

/// A `chartutil.Values` map holding `entries`.
pub fn values_map(entries: impl IntoIterator<Item = (String, Value)>) -> Map {
    let m = Map::typed(Some("chartutil.Values"), GoType::Interface);
    for (k, v) in entries {
        m.insert(k, v);
    }
    m
}

/// `.Values` from JSON-shaped data (numbers become float64, as Helm's YAML loading
/// makes them): the top level typed `chartutil.Values`.
pub fn values_from_json(json: &serde_json::Value) -> Value {
    match Value::from_json(json) {
        Value::Map(m) => Value::Map(values_map(
            m.entries().into_iter().map(|(k, v)| (k.to_string(), v)),
        )),
        Value::Nil => Value::Map(values_map([])),
        other => other,
    }
}

/// `.Template`.
pub fn template_value(name: &str, base_path: &str) -> Value {
    Value::Map(values_map([
        ("Name".to_string(), Value::from(name)),
        ("BasePath".to_string(), Value::from(base_path)),
    ]))
}

/// [`json_view`] as a plain value (a struct becomes a map), for encoders that sort keys
/// anyway (YAML, TOML).
pub fn json_view_value(obj: &dyn Object) -> Option<Value> {
    json_view(obj).map(|v| match v {
        JsonView::Value(v) => v,
        JsonView::Struct(fields) => Value::Map(Map::from_entries(fields)),
    })
}

/// The JSON form of a host object (`None`: not one of this crate's types).
pub fn json_view(obj: &dyn Object) -> Option<JsonView> {
    let any = obj.as_any();
    if let Some(t) = any.downcast_ref::<GoTime>() {
        return Some(JsonView::Value(Value::from(
            t.format("2006-01-02T15:04:05.999999999Z07:00"),
        )));
    }
    if let Some(v) = any.downcast_ref::<Version>() {
        return Some(JsonView::Value(Value::from(
            crate::funcs::semver::json_string(v),
        )));
    }
    if let Some(c) = any.downcast_ref::<Certificate>() {
        return Some(JsonView::Struct(vec![
            ("Cert".into(), Value::from(c.cert.as_str())),
            ("Key".into(), Value::from(c.key.as_str())),
        ]));
    }
    if let Some(c) = any.downcast_ref::<ChartObject>() {
        let mut fields = c.meta.json_fields();
        fields.push(("IsRoot".into(), Value::Bool(c.is_root)));
        return Some(JsonView::Struct(fields));
    }
    if let Some(m) = any.downcast_ref::<MetadataObject>() {
        return Some(JsonView::Struct(m.0.json_fields()));
    }
    if let Some(m) = any.downcast_ref::<Maintainer>() {
        let fields = [("name", &m.name), ("email", &m.email), ("url", &m.url)];
        return Some(JsonView::Struct(
            fields
                .into_iter()
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| (k.to_string(), Value::from(v.as_str())))
                .collect(),
        ));
    }
    if let Some(k) = any.downcast_ref::<KubeVersion>() {
        return Some(JsonView::Struct(vec![
            ("Version".into(), Value::from(k.version.as_str())),
            ("Major".into(), Value::from(k.major.as_str())),
            ("Minor".into(), Value::from(k.minor.as_str())),
        ]));
    }
    if let Some(v) = any.downcast_ref::<VersionSet>() {
        return v.as_list().map(|l| JsonView::Value(Value::List(l)));
    }
    if let Some(h) = any.downcast_ref::<HelmVersion>() {
        return Some(JsonView::Struct(
            h.fields()
                .into_iter()
                .filter(|(.., v)| !v.is_empty())
                .map(|(_, tag, v)| (tag.to_string(), Value::from(v)))
                .collect(),
        ));
    }
    if let Some(c) = any.downcast_ref::<Capabilities>() {
        return Some(JsonView::Struct(vec![
            ("KubeVersion".into(), Value::object(c.kube_version.clone())),
            ("APIVersions".into(), Value::object(c.api_versions.clone())),
            ("HelmVersion".into(), Value::object(c.helm_version.clone())),
        ]));
    }
    if let Some(f) = any.downcast_ref::<Files>() {
        return f.as_map().map(|m| JsonView::Value(Value::Map(m)));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_types() {
        let r = ReleaseInfo::install("rel", "ns").to_value();
        let m = r.as_map().unwrap();
        assert_eq!(m.get("Revision").unwrap().type_name(), "int");
        assert_eq!(
            values_from_json(&serde_json::json!({"a": 1})).type_name(),
            "chartutil.Values"
        );
    }
}
