//! `.Chart`: Helm's `chart.Metadata` (the fields of `Chart.yaml`) with the root flag,
//! as the anonymous struct `struct { chart.Metadata; IsRoot bool }` the engine builds.

use std::any::Any;
use std::collections::BTreeMap;
use std::sync::Arc;

use kubake_gotmpl::{GoType, Kind, List, Map, Object, Value};

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
    /// The Go field names, in declaration order.
    const FIELD_NAMES: [&'static str; 17] = [
        "Name",
        "Home",
        "Sources",
        "Version",
        "Description",
        "Keywords",
        "Maintainers",
        "Icon",
        "APIVersion",
        "Condition",
        "Tags",
        "AppVersion",
        "Deprecated",
        "Annotations",
        "KubeVersion",
        "Dependencies",
        "Type",
    ];

    /// One field by its Go name. Templates read `.Chart.Name` and friends constantly, so
    /// only the field asked for is built.
    fn field(&self, name: &str) -> Option<Value> {
        Some(match name {
            "Name" => Value::from(self.name.as_str()),
            "Home" => Value::from(self.home.as_str()),
            "Sources" => strs(&self.sources),
            "Version" => Value::from(self.version.as_str()),
            "Description" => Value::from(self.description.as_str()),
            "Keywords" => strs(&self.keywords),
            "Maintainers" => Value::List(List::typed(
                GoType::Object("*chart.Maintainer".into()),
                self.maintainers
                    .iter()
                    .map(|m| Value::object(m.clone()))
                    .collect(),
            )),
            "Icon" => Value::from(self.icon.as_str()),
            "APIVersion" => Value::from(self.api_version.as_str()),
            "Condition" => Value::from(self.condition.as_str()),
            "Tags" => Value::from(self.tags.as_str()),
            "AppVersion" => Value::from(self.app_version.as_str()),
            "Deprecated" => Value::Bool(self.deprecated),
            "Annotations" => string_map(&self.annotations),
            "KubeVersion" => Value::from(self.kube_version.as_str()),
            "Dependencies" => Value::List(List::typed(
                GoType::Object("*chart.Dependency".into()),
                self.dependencies
                    .iter()
                    .map(|d| Value::object(d.clone()))
                    .collect(),
            )),
            "Type" => Value::from(self.chart_type.as_str()),
            _ => return None,
        })
    }

    fn fields(&self) -> Vec<(&'static str, Value)> {
        Self::FIELD_NAMES
            .iter()
            .filter_map(|n| self.field(n).map(|v| (*n, v)))
            .collect()
    }

    /// JSON names (the `json:"...,omitempty"` tags).
    pub(crate) fn json_fields(&self) -> Vec<(String, Value)> {
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
pub(crate) fn struct_display(out: &mut String, values: &[Value]) {
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
    pub(crate) meta: Arc<ChartMetadata>,
    pub(crate) is_root: bool,
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
        self.meta.field(name)
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
pub(crate) struct MetadataObject(pub(crate) Arc<ChartMetadata>);

impl Object for MetadataObject {
    fn type_name(&self) -> String {
        "chart.Metadata".into()
    }

    fn field(&self, name: &str) -> Option<Value> {
        self.0.field(name)
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
