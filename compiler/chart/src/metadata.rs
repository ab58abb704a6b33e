//! `Chart.yaml` (and v1's `requirements.yaml`): Helm's `chart.Metadata`, `Dependency` and
//! `Maintainer`, decoded the way `sigs.k8s.io/yaml` decodes them into Go structs, and
//! validated with Helm's rules and words.
//!
//! Decoding follows Go: YAML 1.1 scalars (`version: 1.10` is the float 1.1, written into
//! the string field as `"1.1"`; `name: y` is `true`, written as `"true"`), field names
//! matched case-insensitively, unknown fields ignored, type mismatches reported with
//! `encoding/json`'s message.
//!
//! Not here: what the dependencies do (see `dependencies`) or semver ranges (`semver`).

use std::collections::BTreeMap;

use kubake_yaml::{Node, Value as YamlValue};
use serde_json::Value as Json;

use crate::error::{Error, ErrorKind, Result};
use crate::semver::Version;
use crate::value::{format_float32_g, yaml_to_json};

/// `apiVersion: v1`: Helm 2 charts, whose dependencies live in `requirements.yaml`.
pub const API_VERSION_V1: &str = "v1";
/// `apiVersion: v2`: Helm 3 charts.
pub const API_VERSION_V2: &str = "v2";

/// A chart's metadata: `Chart.yaml`. Field names follow Helm's `chart.Metadata`; this is
/// what templates see as `.Chart`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Metadata {
    /// `name`: the chart's name (an alias replaces it when the chart is a dependency).
    pub name: String,
    /// `home`.
    pub home: String,
    /// `sources`.
    pub sources: Vec<String>,
    /// `version`: SemVer 2 (Masterminds' lenient parsing).
    pub version: String,
    /// `description`.
    pub description: String,
    /// `keywords`.
    pub keywords: Vec<String>,
    /// `maintainers`; `None` entries are YAML nulls, which validation refuses.
    pub maintainers: Vec<Option<Maintainer>>,
    /// `icon`.
    pub icon: String,
    /// `apiVersion` (`v1` when Chart.yaml leaves it out).
    pub api_version: String,
    /// `condition` (unused by Helm 3 itself).
    pub condition: String,
    /// `tags` (a string here, unlike a dependency's list).
    pub tags: String,
    /// `appVersion`.
    pub app_version: String,
    /// `deprecated`.
    pub deprecated: bool,
    /// `annotations`, sorted by key.
    pub annotations: BTreeMap<String, String>,
    /// `kubeVersion`: a semver constraint on the cluster version.
    pub kube_version: String,
    /// `dependencies` (from `requirements.yaml` in v1 charts); `None` entries are nulls.
    pub dependencies: Vec<Option<Dependency>>,
    /// `type`: `""`/`application` or `library`.
    pub chart_type: String,
}

/// One maintainer.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Maintainer {
    /// `name`.
    pub name: String,
    /// `email`.
    pub email: String,
    /// `url`.
    pub url: String,
}

/// One entry of `dependencies`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Dependency {
    /// `name`: the subchart's own name. Dependency processing replaces it with the alias.
    pub name: String,
    /// `version`: a semver range the subchart's version must satisfy to be linked.
    pub version: String,
    /// `repository`.
    pub repository: String,
    /// `condition`: comma-separated value paths; the first that holds a bool decides.
    pub condition: String,
    /// `tags`.
    pub tags: Vec<String>,
    /// `enabled`: set by dependency processing.
    pub enabled: bool,
    /// `import-values`: strings (`exports.` paths) or `{child, parent}` maps.
    pub import_values: Vec<Json>,
    /// `alias`.
    pub alias: String,
}

impl Metadata {
    /// Whether this is a library chart (`type: library`).
    pub fn is_library(&self) -> bool {
        self.chart_type == "library"
    }

    /// The declared dependencies, skipping null entries.
    pub fn dependencies(&self) -> impl Iterator<Item = &Dependency> {
        self.dependencies.iter().flatten()
    }

    /// The metadata as Go's `json.Marshal(chart.Metadata)` shapes it (omitempty fields
    /// left out), for renderers that expose `.Chart` as a map.
    pub fn to_json(&self) -> Json {
        let mut m = serde_json::Map::new();
        let mut put_str = |k: &str, v: &str| {
            if !v.is_empty() {
                m.insert(k.into(), Json::String(v.into()));
            }
        };
        put_str("name", &self.name);
        put_str("home", &self.home);
        put_str("version", &self.version);
        put_str("description", &self.description);
        put_str("icon", &self.icon);
        put_str("apiVersion", &self.api_version);
        put_str("condition", &self.condition);
        put_str("tags", &self.tags);
        put_str("appVersion", &self.app_version);
        put_str("kubeVersion", &self.kube_version);
        put_str("type", &self.chart_type);
        let strings = |v: &[String]| Json::Array(v.iter().cloned().map(Json::String).collect());
        if !self.sources.is_empty() {
            m.insert("sources".into(), strings(&self.sources));
        }
        if !self.keywords.is_empty() {
            m.insert("keywords".into(), strings(&self.keywords));
        }
        if self.deprecated {
            m.insert("deprecated".into(), Json::Bool(true));
        }
        if !self.annotations.is_empty() {
            let a = self
                .annotations
                .iter()
                .map(|(k, v)| (k.clone(), Json::String(v.clone())))
                .collect();
            m.insert("annotations".into(), Json::Object(a));
        }
        if !self.maintainers.is_empty() {
            let list = self
                .maintainers
                .iter()
                .map(|mt| {
                    mt.as_ref().map_or(Json::Null, |mt| {
                        let mut o = serde_json::Map::new();
                        for (k, v) in [("name", &mt.name), ("email", &mt.email), ("url", &mt.url)] {
                            if !v.is_empty() {
                                o.insert(k.into(), Json::String(v.clone()));
                            }
                        }
                        Json::Object(o)
                    })
                })
                .collect();
            m.insert("maintainers".into(), Json::Array(list));
        }
        if !self.dependencies.is_empty() {
            let list = self
                .dependencies
                .iter()
                .map(|d| d.as_ref().map_or(Json::Null, Dependency::to_json))
                .collect();
            m.insert("dependencies".into(), Json::Array(list));
        }
        Json::Object(m)
    }

    /// Helm's `Metadata.Validate`: sanitizes strings (whitespace to spaces, unprintable
    /// characters dropped) and checks required fields, the version, the type, and the
    /// dependencies' aliases. Messages are Helm's (`validation: chart.metadata.name is
    /// required`).
    pub fn validate(&mut self) -> Result<()> {
        for s in [
            &mut self.name,
            &mut self.description,
            &mut self.home,
            &mut self.icon,
            &mut self.condition,
            &mut self.tags,
            &mut self.app_version,
            &mut self.kube_version,
        ] {
            *s = sanitize(s);
        }
        for s in self.sources.iter_mut().chain(self.keywords.iter_mut()) {
            *s = sanitize(s);
        }
        if self.api_version.is_empty() {
            return Err(validation("chart.metadata.apiVersion is required"));
        }
        if self.name.is_empty() {
            return Err(validation("chart.metadata.name is required"));
        }
        if self.name != go_base(&self.name) {
            return Err(validation(format!(
                "chart.metadata.name {:?} is invalid",
                self.name
            )));
        }
        if self.version.is_empty() {
            return Err(validation("chart.metadata.version is required"));
        }
        if Version::parse(&self.version).is_err() {
            return Err(validation(format!(
                "chart.metadata.version {:?} is invalid",
                self.version
            )));
        }
        if !matches!(self.chart_type.as_str(), "" | "application" | "library") {
            return Err(validation(
                "chart.metadata.type must be application or library",
            ));
        }
        for m in &mut self.maintainers {
            let Some(m) = m else {
                return Err(validation(
                    "maintainers must not contain empty or null nodes",
                ));
            };
            m.name = sanitize(&m.name);
            m.email = sanitize(&m.email);
            m.url = sanitize(&m.url);
        }
        let mut seen = std::collections::HashSet::new();
        for d in &mut self.dependencies {
            let Some(d) = d else {
                return Err(validation(
                    "dependencies must not contain empty or null nodes",
                ));
            };
            d.sanitize();
            if !d.alias.is_empty() && !is_valid_alias(&d.alias) {
                return Err(validation(format!(
                    "dependency {:?} has disallowed characters in the alias",
                    d.name
                )));
            }
            let key = if d.alias.is_empty() {
                &d.name
            } else {
                &d.alias
            };
            if !seen.insert(key.clone()) {
                return Err(validation(format!(
                    "more than one dependency with name or alias {key:?}"
                )));
            }
        }
        Ok(())
    }
}

impl Dependency {
    fn sanitize(&mut self) {
        for s in [
            &mut self.name,
            &mut self.version,
            &mut self.repository,
            &mut self.condition,
        ] {
            *s = sanitize(s);
        }
        for t in &mut self.tags {
            *t = sanitize(t);
        }
    }

    /// The dependency as Go's `json.Marshal(chart.Dependency)` shapes it.
    pub fn to_json(&self) -> Json {
        let mut o = serde_json::Map::new();
        o.insert("name".into(), Json::String(self.name.clone()));
        if !self.version.is_empty() {
            o.insert("version".into(), Json::String(self.version.clone()));
        }
        o.insert("repository".into(), Json::String(self.repository.clone()));
        if !self.condition.is_empty() {
            o.insert("condition".into(), Json::String(self.condition.clone()));
        }
        if !self.tags.is_empty() {
            let t = self.tags.iter().cloned().map(Json::String).collect();
            o.insert("tags".into(), Json::Array(t));
        }
        if self.enabled {
            o.insert("enabled".into(), Json::Bool(true));
        }
        if !self.import_values.is_empty() {
            o.insert(
                "import-values".into(),
                Json::Array(self.import_values.clone()),
            );
        }
        if !self.alias.is_empty() {
            o.insert("alias".into(), Json::String(self.alias.clone()));
        }
        Json::Object(o)
    }
}

fn validation(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::ChartFile, format!("validation: {}", msg.into()))
}

/// Go's `filepath.Base` on a Unix path.
fn go_base(p: &str) -> &str {
    let trimmed = p.trim_end_matches('/');
    if trimmed.is_empty() {
        return if p.is_empty() { "." } else { "/" };
    }
    trimmed.rsplit('/').next().unwrap_or(trimmed)
}

fn is_valid_alias(a: &str) -> bool {
    !a.is_empty()
        && a.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Helm's `sanitizeString`: Unicode whitespace becomes a space, unprintable characters
/// are dropped.
fn sanitize(s: &str) -> String {
    s.chars()
        .filter_map(|c| {
            if c.is_whitespace() {
                Some(' ')
            } else if c.is_control() || is_format_char(c) {
                None
            } else {
                Some(c)
            }
        })
        .collect()
}

/// Characters of Unicode category Cf that Go's `unicode.IsPrint` rejects and Rust's
/// `is_control` does not (zero-width joiners, bidi marks, the BOM).
fn is_format_char(c: char) -> bool {
    matches!(c, '\u{00AD}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}')
}

/// Decodes a YAML document into `md` the way `yaml.Unmarshal(data, md)` does: fields the
/// document names are overwritten, the others kept (Helm decodes `requirements.yaml`
/// into the metadata Chart.yaml filled). `source` is the document's text.
pub(crate) fn decode_into(md: &mut Metadata, doc: &Node, source: &str) -> Result<(), String> {
    let map = match &doc.value {
        YamlValue::Null => return Ok(()),
        YamlValue::Map(m) => m,
        other => {
            return Err(format!(
                "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type chart.Metadata",
                json_kind(other)
            ))
        }
    };
    for entry in map.entries() {
        let v = &entry.value;
        let field = |name: &str| format!("Metadata.{name}");
        match match_field(&entry.key, METADATA_FIELDS) {
            Some("name") => set_str(&mut md.name, v, &field("name"))?,
            Some("home") => set_str(&mut md.home, v, &field("home"))?,
            Some("sources") => md.sources = string_list(v, &field("sources"))?,
            Some("version") => set_str(&mut md.version, v, &field("version"))?,
            Some("description") => set_str(&mut md.description, v, &field("description"))?,
            Some("keywords") => md.keywords = string_list(v, &field("keywords"))?,
            Some("maintainers") => md.maintainers = maintainers(v)?,
            Some("icon") => set_str(&mut md.icon, v, &field("icon"))?,
            Some("apiVersion") => set_str(&mut md.api_version, v, &field("apiVersion"))?,
            Some("condition") => set_str(&mut md.condition, v, &field("condition"))?,
            Some("tags") => set_str(&mut md.tags, v, &field("tags"))?,
            Some("appVersion") => set_str(&mut md.app_version, v, &field("appVersion"))?,
            Some("deprecated") => set_bool(&mut md.deprecated, v, &field("deprecated"))?,
            Some("annotations") => md.annotations = string_map(v, &field("annotations"))?,
            Some("kubeVersion") => set_str(&mut md.kube_version, v, &field("kubeVersion"))?,
            Some("dependencies") => md.dependencies = dependencies(v, source)?,
            Some("type") => set_str(&mut md.chart_type, v, &field("type"))?,
            _ => {}
        }
    }
    Ok(())
}

const METADATA_FIELDS: &[&str] = &[
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

const DEPENDENCY_FIELDS: &[&str] = &[
    "name",
    "version",
    "repository",
    "condition",
    "tags",
    "enabled",
    "import-values",
    "alias",
];

/// Go's `encoding/json` field matching: the exact name, else a case-insensitive one.
fn match_field(key: &str, fields: &[&'static str]) -> Option<&'static str> {
    fields
        .iter()
        .find(|f| **f == key)
        .or_else(|| fields.iter().find(|f| f.eq_ignore_ascii_case(key)))
        .copied()
}

fn json_kind(v: &YamlValue) -> &'static str {
    match v {
        YamlValue::Null => "null",
        YamlValue::Bool(_) => "bool",
        YamlValue::Int(_) | YamlValue::Float(_) => "number",
        YamlValue::Str(_) => "string",
        YamlValue::Seq(_) => "array",
        YamlValue::Map(_) => "object",
    }
}

fn mismatch(v: &YamlValue, field: &str, go_type: &str) -> String {
    format!(
        "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go struct field {field} of type {go_type}",
        json_kind(v)
    )
}

/// A scalar as `sigs.k8s.io/yaml` writes it into a Go string field; `None` for null.
fn scalar_string(v: &YamlValue) -> Option<Option<String>> {
    Some(match v {
        YamlValue::Null => None,
        YamlValue::Bool(b) => Some(b.to_string()),
        YamlValue::Int(i) => Some(i.to_string()),
        YamlValue::Float(f) => Some(format_float32_g(*f)),
        YamlValue::Str(s) => Some(s.clone()),
        YamlValue::Seq(_) | YamlValue::Map(_) => return None,
    })
}

fn set_str(dst: &mut String, v: &Node, field: &str) -> Result<(), String> {
    match scalar_string(&v.value) {
        Some(Some(s)) => *dst = s,
        Some(None) => {}
        None => return Err(mismatch(&v.value, field, "string")),
    }
    Ok(())
}

fn set_bool(dst: &mut bool, v: &Node, field: &str) -> Result<(), String> {
    match &v.value {
        YamlValue::Bool(b) => *dst = *b,
        YamlValue::Null => {}
        other => return Err(mismatch(other, field, "bool")),
    }
    Ok(())
}

fn string_list(v: &Node, field: &str) -> Result<Vec<String>, String> {
    match &v.value {
        YamlValue::Null => Ok(Vec::new()),
        YamlValue::Seq(items) => items
            .iter()
            .map(|item| match scalar_string(&item.value) {
                Some(s) => Ok(s.unwrap_or_default()),
                None => Err(mismatch(&item.value, field, "string")),
            })
            .collect(),
        other => Err(mismatch(other, field, "[]string")),
    }
}

fn string_map(v: &Node, field: &str) -> Result<BTreeMap<String, String>, String> {
    match &v.value {
        YamlValue::Null => Ok(BTreeMap::new()),
        YamlValue::Map(m) => m
            .iter()
            .map(|(k, item)| match scalar_string(&item.value) {
                Some(s) => Ok((k.to_string(), s.unwrap_or_default())),
                None => Err(mismatch(&item.value, field, "string")),
            })
            .collect(),
        other => Err(mismatch(other, field, "map[string]string")),
    }
}

fn maintainers(v: &Node) -> Result<Vec<Option<Maintainer>>, String> {
    let items = match &v.value {
        YamlValue::Null => return Ok(Vec::new()),
        YamlValue::Seq(items) => items,
        other => {
            return Err(mismatch(
                other,
                "Metadata.maintainers",
                "[]*chart.Maintainer",
            ))
        }
    };
    let mut out = Vec::new();
    for item in items {
        match &item.value {
            YamlValue::Null => out.push(None),
            YamlValue::Map(m) => {
                let mut mt = Maintainer::default();
                for (k, val) in m.iter() {
                    let field = |n: &str| format!("Maintainer.maintainers.{n}");
                    match match_field(k, &["name", "email", "url"]) {
                        Some("name") => set_str(&mut mt.name, val, &field("name"))?,
                        Some("email") => set_str(&mut mt.email, val, &field("email"))?,
                        Some("url") => set_str(&mut mt.url, val, &field("url"))?,
                        _ => {}
                    }
                }
                out.push(Some(mt));
            }
            other => {
                return Err(mismatch(other, "Metadata.maintainers", "chart.Maintainer"));
            }
        }
    }
    Ok(out)
}

fn dependencies(v: &Node, source: &str) -> Result<Vec<Option<Dependency>>, String> {
    let items = match &v.value {
        YamlValue::Null => return Ok(Vec::new()),
        YamlValue::Seq(items) => items,
        other => {
            return Err(mismatch(
                other,
                "Metadata.dependencies",
                "[]*chart.Dependency",
            ))
        }
    };
    let mut out = Vec::new();
    for item in items {
        let m = match &item.value {
            YamlValue::Null => {
                out.push(None);
                continue;
            }
            YamlValue::Map(m) => m,
            other => return Err(mismatch(other, "Metadata.dependencies", "chart.Dependency")),
        };
        let mut d = Dependency::default();
        for (k, val) in m.iter() {
            let field = |n: &str| format!("Dependency.dependencies.{n}");
            match match_field(k, DEPENDENCY_FIELDS) {
                Some("name") => set_str(&mut d.name, val, &field("name"))?,
                Some("version") => set_str(&mut d.version, val, &field("version"))?,
                Some("repository") => set_str(&mut d.repository, val, &field("repository"))?,
                Some("condition") => set_str(&mut d.condition, val, &field("condition"))?,
                Some("tags") => d.tags = string_list(val, &field("tags"))?,
                Some("enabled") => set_bool(&mut d.enabled, val, &field("enabled"))?,
                Some("import-values") => {
                    d.import_values = match yaml_to_json(val, source)? {
                        Json::Null => Vec::new(),
                        Json::Array(items) => items,
                        _ => {
                            return Err(mismatch(
                                &val.value,
                                &field("import-values"),
                                "[]interface {}",
                            ))
                        }
                    }
                }
                Some("alias") => set_str(&mut d.alias, val, &field("alias"))?,
                _ => {}
            }
        }
        out.push(Some(d));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubake_yaml::{load_stream_with, Duplicates, Schema};

    fn parse(text: &str) -> Result<Metadata, String> {
        let docs = load_stream_with(text, Schema::Yaml11, Duplicates::LastWins).unwrap();
        let mut md = Metadata::default();
        decode_into(&mut md, &docs[0], text)?;
        Ok(md)
    }

    #[test]
    fn go_decoding_quirks() {
        let md = parse(
            "apiVersion: v2\nName: m\nversion: 1.10\nappVersion: 0777\nkeywords: [on, ~]\nannotations: {a: yes}\n",
        )
        .unwrap();
        assert_eq!(md.name, "m");
        assert_eq!(md.version, "1.1");
        assert_eq!(md.app_version, "511");
        assert_eq!(md.keywords, ["true", ""]);
        assert_eq!(md.annotations["a"], "true");
    }

    #[test]
    fn type_mismatch_is_worded_like_go() {
        let err = parse("keywords: notalist\n").unwrap_err();
        assert!(err.ends_with("json: cannot unmarshal string into Go struct field Metadata.keywords of type []string"), "{err}");
    }

    #[test]
    fn validation_messages() {
        let cases = [
            ("apiVersion: v2\nversion: 1.0.0\n", "validation: chart.metadata.name is required"),
            ("apiVersion: v2\nname: x\n", "validation: chart.metadata.version is required"),
            ("apiVersion: v2\nname: x\nversion: nope\n", "validation: chart.metadata.version \"nope\" is invalid"),
            ("apiVersion: v2\nname: a/b\nversion: 1.0.0\n", "validation: chart.metadata.name \"a/b\" is invalid"),
            ("apiVersion: v2\nname: x\nversion: 1.0.0\ntype: foo\n", "validation: chart.metadata.type must be application or library"),
            ("apiVersion: v2\nname: x\nversion: 1.0.0\ndependencies: [{name: y}, {name: y}]\n", "validation: more than one dependency with name or alias \"true\""),
            ("apiVersion: v2\nname: x\nversion: 1.0.0\ndependencies: [{name: z, alias: 'a b'}]\n", "validation: dependency \"z\" has disallowed characters in the alias"),
            ("apiVersion: v2\nname: x\nversion: 1.0.0\ndependencies: [~]\n", "validation: dependencies must not contain empty or null nodes"),
        ];
        for (text, want) in cases {
            let mut md = parse(text).unwrap();
            assert_eq!(md.validate().unwrap_err().to_string(), want, "{text}");
        }
    }

    #[test]
    fn sanitizing_and_base() {
        assert_eq!(sanitize("a\tb\u{200B}c"), "a bc");
        assert_eq!(go_base("a/"), "a");
        assert_eq!(go_base("x"), "x");
    }
}
