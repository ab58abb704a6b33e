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

use std::any::Any;
use std::collections::BTreeMap;
use std::sync::Arc;

use kubake_gotmpl::{CallContext, FuncError, GoType, Kind, List, Map, Object, Signature, Value};

use crate::files::Files;
use crate::funcs::crypto::Certificate;
use crate::funcs::semver::Version;
use crate::funcs::time::GoTime;

/// The JSON form of a host object.
#[derive(Debug, Clone)]
pub enum JsonView {
    /// Encodes as this value.
    Value(Value),
    /// A struct: fields in declaration order.
    Struct(Vec<(String, Value)>),
}

/// `Chart.yaml`'s fields (Helm's `chart.Metadata`).
#[derive(Debug, Clone, Default)]
pub struct ChartMetadata {
    /// `name`
    pub name: String,
    /// `home`
    pub home: String,
    /// `sources`
    pub sources: Vec<String>,
    /// `version`
    pub version: String,
    /// `description`
    pub description: String,
    /// `keywords`
    pub keywords: Vec<String>,
    /// `maintainers`
    pub maintainers: Vec<Maintainer>,
    /// `icon`
    pub icon: String,
    /// `apiVersion`
    pub api_version: String,
    /// `condition`
    pub condition: String,
    /// `tags`
    pub tags: String,
    /// `appVersion`
    pub app_version: String,
    /// `deprecated`
    pub deprecated: bool,
    /// `annotations`
    pub annotations: BTreeMap<String, String>,
    /// `kubeVersion`
    pub kube_version: String,
    /// `dependencies`
    pub dependencies: Vec<Dependency>,
    /// `type`
    pub chart_type: String,
}

/// A `maintainers` entry (`*chart.Maintainer`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Maintainer {
    /// `name`
    pub name: String,
    /// `email`
    pub email: String,
    /// `url`
    pub url: String,
}

/// A `dependencies` entry (`*chart.Dependency`).
#[derive(Debug, Clone, Default)]
pub struct Dependency {
    /// `name`
    pub name: String,
    /// `version`
    pub version: String,
    /// `repository`
    pub repository: String,
    /// `condition`
    pub condition: String,
    /// `tags`
    pub tags: Vec<String>,
    /// `enabled` (set by Helm while processing dependencies)
    pub enabled: bool,
    /// `import-values`
    pub import_values: Vec<Value>,
    /// `alias`
    pub alias: String,
}

fn strs(v: &[String]) -> Value {
    Value::List(List::strings(v.iter().map(String::as_str)))
}

fn string_map(m: &BTreeMap<String, String>) -> Value {
    let out = Map::typed(None, GoType::String);
    for (k, v) in m {
        out.insert(k.as_str(), Value::from(v.as_str()));
    }
    Value::Map(out)
}

impl ChartMetadata {
    fn fields(&self) -> Vec<(&'static str, Value)> {
        let maintainers = List::typed(
            GoType::Object("*chart.Maintainer".into()),
            self.maintainers
                .iter()
                .map(|m| Value::object(m.clone()))
                .collect(),
        );
        let deps = List::typed(
            GoType::Object("*chart.Dependency".into()),
            self.dependencies
                .iter()
                .map(|d| Value::object(d.clone()))
                .collect(),
        );
        vec![
            ("Name", Value::from(self.name.as_str())),
            ("Home", Value::from(self.home.as_str())),
            ("Sources", strs(&self.sources)),
            ("Version", Value::from(self.version.as_str())),
            ("Description", Value::from(self.description.as_str())),
            ("Keywords", strs(&self.keywords)),
            ("Maintainers", Value::List(maintainers)),
            ("Icon", Value::from(self.icon.as_str())),
            ("APIVersion", Value::from(self.api_version.as_str())),
            ("Condition", Value::from(self.condition.as_str())),
            ("Tags", Value::from(self.tags.as_str())),
            ("AppVersion", Value::from(self.app_version.as_str())),
            ("Deprecated", Value::Bool(self.deprecated)),
            ("Annotations", string_map(&self.annotations)),
            ("KubeVersion", Value::from(self.kube_version.as_str())),
            ("Dependencies", Value::List(deps)),
            ("Type", Value::from(self.chart_type.as_str())),
        ]
    }

    /// JSON names (the `json:"...,omitempty"` tags).
    fn json_fields(&self) -> Vec<(String, Value)> {
        let tags = [
            "name",
            "home",
            "sources",
            "version",
            "description",
            "keywords",
            "maintainers",
            "icon",
            "apiVersion",
            "condition",
            "tags",
            "appVersion",
            "deprecated",
            "annotations",
            "kubeVersion",
            "dependencies",
            "type",
        ];
        self.fields()
            .into_iter()
            .zip(tags)
            .filter(|((_, v), _)| !crate::funcs::conv::is_empty(v))
            .map(|((_, v), tag)| (tag.to_string(), v))
            .collect()
    }
}

/// Go's `%v` of a struct's field values: `{a b c}`.
fn struct_display(out: &mut String, values: &[Value]) {
    out.push('{');
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(&v.to_string());
    }
    out.push('}');
}

/// `.Chart`: the metadata plus `IsRoot`.
#[derive(Debug, Clone)]
pub struct ChartObject {
    meta: Arc<ChartMetadata>,
    is_root: bool,
}

impl ChartObject {
    /// The object for a chart; `is_root` for the chart being rendered (not a subchart).
    pub fn new(meta: ChartMetadata, is_root: bool) -> ChartObject {
        ChartObject {
            meta: Arc::new(meta),
            is_root,
        }
    }
}

impl Object for ChartObject {
    fn type_name(&self) -> String {
        "struct { chart.Metadata; IsRoot bool }".into()
    }

    fn kind(&self) -> Kind {
        Kind::Struct
    }

    fn field(&self, name: &str) -> Option<Value> {
        if name == "IsRoot" {
            return Some(Value::Bool(self.is_root));
        }
        if name == "Metadata" {
            return Some(Value::object(MetadataObject(self.meta.clone())));
        }
        self.meta
            .fields()
            .into_iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v)
    }

    fn display(&self, out: &mut String) {
        out.push('{');
        MetadataObject(self.meta.clone()).display(out);
        out.push(' ');
        out.push_str(if self.is_root { "true" } else { "false" });
        out.push('}');
    }

    fn equals(&self, _other: &dyn Object) -> Option<bool> {
        None
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The embedded `chart.Metadata` (reachable as `.Chart.Metadata`).
#[derive(Debug, Clone)]
struct MetadataObject(Arc<ChartMetadata>);

impl Object for MetadataObject {
    fn type_name(&self) -> String {
        "chart.Metadata".into()
    }

    fn field(&self, name: &str) -> Option<Value> {
        self.0
            .fields()
            .into_iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v)
    }

    fn display(&self, out: &mut String) {
        let values: Vec<Value> = self.0.fields().into_iter().map(|(_, v)| v).collect();
        struct_display(out, &values);
    }

    fn equals(&self, _other: &dyn Object) -> Option<bool> {
        None
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Object for Maintainer {
    fn type_name(&self) -> String {
        "*chart.Maintainer".into()
    }

    fn field(&self, name: &str) -> Option<Value> {
        Some(Value::from(match name {
            "Name" => self.name.as_str(),
            "Email" => self.email.as_str(),
            "URL" => self.url.as_str(),
            _ => return None,
        }))
    }

    fn display(&self, out: &mut String) {
        out.push('&');
        struct_display(
            out,
            &[
                self.name.as_str().into(),
                self.email.as_str().into(),
                self.url.as_str().into(),
            ],
        );
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Dependency {
    fn fields(&self) -> Vec<(&'static str, Value)> {
        vec![
            ("Name", Value::from(self.name.as_str())),
            ("Version", Value::from(self.version.as_str())),
            ("Repository", Value::from(self.repository.as_str())),
            ("Condition", Value::from(self.condition.as_str())),
            ("Tags", strs(&self.tags)),
            ("Enabled", Value::Bool(self.enabled)),
            (
                "ImportValues",
                Value::List(List::new(self.import_values.clone())),
            ),
            ("Alias", Value::from(self.alias.as_str())),
        ]
    }
}

impl Object for Dependency {
    fn type_name(&self) -> String {
        "*chart.Dependency".into()
    }

    fn field(&self, name: &str) -> Option<Value> {
        self.fields()
            .into_iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v)
    }

    fn display(&self, out: &mut String) {
        out.push('&');
        let values: Vec<Value> = self.fields().into_iter().map(|(_, v)| v).collect();
        struct_display(out, &values);
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// `chartutil.KubeVersion`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KubeVersion {
    /// `v1.32.0`
    pub version: String,
    /// `1`
    pub major: String,
    /// `32`
    pub minor: String,
}

impl KubeVersion {
    /// Helm's `ParseKubeVersion` (`1.32` → `v1.32.0`), or the semver error.
    pub fn parse(v: &str) -> Result<KubeVersion, String> {
        let sv = Version::parse(v)?;
        let text = sv.to_string_plain();
        Ok(KubeVersion {
            version: format!("v{text}"),
            major: sv.major().to_string(),
            minor: sv.minor().to_string(),
        })
    }
}

impl Object for KubeVersion {
    fn type_name(&self) -> String {
        "chartutil.KubeVersion".into()
    }

    fn field(&self, name: &str) -> Option<Value> {
        Some(Value::from(match name {
            "Version" => self.version.as_str(),
            "Major" => self.major.as_str(),
            "Minor" => self.minor.as_str(),
            _ => return None,
        }))
    }

    fn method(&self, name: &str) -> Option<Signature> {
        matches!(name, "String" | "GitVersion").then(|| Signature::fixed([]))
    }

    fn call_method(
        &self,
        _: &str,
        _: &mut CallContext<'_>,
        _: &[Value],
    ) -> Result<Value, FuncError> {
        Ok(Value::from(self.version.as_str()))
    }

    fn display(&self, out: &mut String) {
        out.push_str(&self.version);
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// `chartutil.VersionSet`: the cluster's API group/versions, with `.Has`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionSet(pub Vec<String>);

impl Object for VersionSet {
    fn type_name(&self) -> String {
        "chartutil.VersionSet".into()
    }

    fn kind(&self) -> Kind {
        Kind::Slice
    }

    fn method(&self, name: &str) -> Option<Signature> {
        (name == "Has").then(|| Signature::fixed([GoType::String]))
    }

    fn call_method(
        &self,
        _: &str,
        _: &mut CallContext<'_>,
        args: &[Value],
    ) -> Result<Value, FuncError> {
        let want = args.first().and_then(Value::as_str).unwrap_or("");
        Ok(Value::Bool(self.0.iter().any(|v| v == want)))
    }

    fn display(&self, out: &mut String) {
        out.push_str(&Value::List(List::strings(self.0.iter().map(String::as_str))).to_string());
    }

    fn is_true(&self) -> bool {
        !self.0.is_empty()
    }

    fn equals(&self, _other: &dyn Object) -> Option<bool> {
        None
    }

    fn as_list(&self) -> Option<List> {
        Some(List::strings(self.0.iter().map(String::as_str)))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Helm's `version.BuildInfo` (`.Capabilities.HelmVersion`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelmVersion {
    /// `v3.17.2`
    pub version: String,
    /// The release's git commit.
    pub git_commit: String,
    /// `clean`
    pub git_tree_state: String,
    /// `go1.23.7`
    pub go_version: String,
}

impl Default for HelmVersion {
    /// Helm v3.17.2's build info.
    fn default() -> Self {
        HelmVersion {
            version: "v3.17.2".into(),
            git_commit: "cc0bbbd6d6276b83880042c1ecb34087e84d41eb".into(),
            git_tree_state: "clean".into(),
            go_version: "go1.23.7".into(),
        }
    }
}

impl HelmVersion {
    fn fields(&self) -> [(&'static str, &'static str, &str); 4] {
        [
            ("Version", "version", &self.version),
            ("GitCommit", "git_commit", &self.git_commit),
            ("GitTreeState", "git_tree_state", &self.git_tree_state),
            ("GoVersion", "go_version", &self.go_version),
        ]
    }
}

impl Object for HelmVersion {
    fn type_name(&self) -> String {
        "version.BuildInfo".into()
    }

    fn field(&self, name: &str) -> Option<Value> {
        self.fields()
            .into_iter()
            .find(|(n, ..)| *n == name)
            .map(|(.., v)| Value::from(v))
    }

    fn display(&self, out: &mut String) {
        let values: Vec<Value> = self
            .fields()
            .into_iter()
            .map(|(.., v)| Value::from(v))
            .collect();
        struct_display(out, &values);
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// `*chartutil.Capabilities`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capabilities {
    /// `.KubeVersion`
    pub kube_version: KubeVersion,
    /// `.APIVersions`
    pub api_versions: VersionSet,
    /// `.HelmVersion`
    pub helm_version: HelmVersion,
}

impl Capabilities {
    /// `helm template --kube-version V` with Helm's default API versions.
    pub fn for_kube_version(v: &str) -> Result<Capabilities, String> {
        Ok(Capabilities {
            kube_version: KubeVersion::parse(v)?,
            api_versions: VersionSet(DEFAULT_API_VERSIONS.iter().map(|s| s.to_string()).collect()),
            helm_version: HelmVersion::default(),
        })
    }
}

impl Default for Capabilities {
    /// Helm's defaults: Kubernetes v1.20.0 and the built-in API versions.
    fn default() -> Self {
        Capabilities::for_kube_version("1.20.0").unwrap_or_else(|_| Capabilities {
            kube_version: KubeVersion {
                version: "v1.20.0".into(),
                major: "1".into(),
                minor: "20".into(),
            },
            api_versions: VersionSet(Vec::new()),
            helm_version: HelmVersion::default(),
        })
    }
}

impl Object for Capabilities {
    fn type_name(&self) -> String {
        "*chartutil.Capabilities".into()
    }

    fn field(&self, name: &str) -> Option<Value> {
        Some(match name {
            "KubeVersion" => Value::object(self.kube_version.clone()),
            "APIVersions" => Value::object(self.api_versions.clone()),
            "HelmVersion" => Value::object(self.helm_version.clone()),
            _ => return None,
        })
    }

    fn display(&self, out: &mut String) {
        out.push_str("&{");
        let k = &self.kube_version;
        struct_display(
            out,
            &[
                k.version.as_str().into(),
                k.major.as_str().into(),
                k.minor.as_str().into(),
            ],
        );
        out.push(' ');
        self.api_versions.display(out);
        out.push(' ');
        self.helm_version.display(out);
        out.push('}');
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The API group/versions `helm template` reports by default: client-go v0.32's
/// scheme plus apiextensions v1 and v1beta1 (Helm's `allKnownVersions`). Go builds
/// the list from a map, so its order varies between runs; sorted here.
pub const DEFAULT_API_VERSIONS: &[&str] = &[
    "admissionregistration.k8s.io/v1",
    "admissionregistration.k8s.io/v1alpha1",
    "admissionregistration.k8s.io/v1beta1",
    "apiextensions.k8s.io/v1",
    "apiextensions.k8s.io/v1beta1",
    "apps/v1",
    "apps/v1beta1",
    "apps/v1beta2",
    "authentication.k8s.io/v1",
    "authentication.k8s.io/v1alpha1",
    "authentication.k8s.io/v1beta1",
    "authorization.k8s.io/v1",
    "authorization.k8s.io/v1beta1",
    "autoscaling/v1",
    "autoscaling/v2",
    "autoscaling/v2beta1",
    "autoscaling/v2beta2",
    "batch/v1",
    "batch/v1beta1",
    "certificates.k8s.io/v1",
    "certificates.k8s.io/v1alpha1",
    "certificates.k8s.io/v1beta1",
    "coordination.k8s.io/v1",
    "coordination.k8s.io/v1alpha2",
    "coordination.k8s.io/v1beta1",
    "discovery.k8s.io/v1",
    "discovery.k8s.io/v1beta1",
    "events.k8s.io/v1",
    "events.k8s.io/v1beta1",
    "extensions/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1beta2",
    "flowcontrol.apiserver.k8s.io/v1beta3",
    "internal.apiserver.k8s.io/v1alpha1",
    "networking.k8s.io/v1",
    "networking.k8s.io/v1alpha1",
    "networking.k8s.io/v1beta1",
    "node.k8s.io/v1",
    "node.k8s.io/v1alpha1",
    "node.k8s.io/v1beta1",
    "policy/v1",
    "policy/v1beta1",
    "rbac.authorization.k8s.io/v1",
    "rbac.authorization.k8s.io/v1alpha1",
    "rbac.authorization.k8s.io/v1beta1",
    "resource.k8s.io/v1alpha3",
    "resource.k8s.io/v1beta1",
    "scheduling.k8s.io/v1",
    "scheduling.k8s.io/v1alpha1",
    "scheduling.k8s.io/v1beta1",
    "storage.k8s.io/v1",
    "storage.k8s.io/v1alpha1",
    "storage.k8s.io/v1beta1",
    "storagemigration.k8s.io/v1alpha1",
    "v1",
];

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
        return Some(JsonView::Value(Value::List(List::strings(
            v.0.iter().map(String::as_str),
        ))));
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
    fn kube_version_parses_like_helm() {
        let k = KubeVersion::parse("1.32.0").unwrap();
        assert_eq!(
            (k.version.as_str(), k.major.as_str(), k.minor.as_str()),
            ("v1.32.0", "1", "32")
        );
        assert_eq!(KubeVersion::parse("v1.29").unwrap().version, "v1.29.0");
    }

    #[test]
    fn default_api_versions() {
        let caps = Capabilities::for_kube_version("1.32.0").unwrap();
        let has = |v: &str| caps.api_versions.0.iter().any(|x| x == v);
        assert!(has("v1") && has("apps/v1") && has("policy/v1beta1") && has("autoscaling/v2beta2"));
        assert!(!has("apps/v1/Deployment"));
        let mut sorted = DEFAULT_API_VERSIONS.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, DEFAULT_API_VERSIONS);
    }

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
