//! Rendering a whole chart tree, as Helm v3.17's engine does (`allTemplates` and
//! `recAllTpls`): one template set holds the templates of the chart and of every enabled
//! (aliased) subchart, named by the chart's full path
//! (`top/charts/sub/templates/x.yaml`), so `define`d names, `include` and `tpl` are
//! shared across the tree; but each template executes with its own chart's top-level
//! object:
//!
//! * `.Values`: the top chart's values, or for a subchart its parent's `.Values.NAME`
//!   table (an empty one when that is missing or not a map);
//! * `.Chart`: that chart's metadata, `IsRoot` true only for the top chart;
//! * `.Files`: that chart's files; `.Subcharts`: its subcharts' top-level objects;
//! * `.Release`, `.Capabilities`: the same for every chart.
//!
//! Library charts contribute only their partials (`_*`), as Helm's `isTemplateValid`
//! keeps them, so they render nothing.
//!
//! Not here: loading the chart and computing values (kubake-chart does it, and
//! dependency processing has already dropped disabled subcharts and applied aliases),
//! and turning the rendered files into `helm template`'s output (`manifest`).

use std::collections::BTreeMap;

use kubake_chart::{Chart, Metadata};
use kubake_gotmpl::{List, Map, Value};
use serde_json::Value as Json;

use crate::env::Determinism;
use crate::files::Files;
use crate::objects::{
    values_map, Capabilities, ChartMetadata, ChartObject, Dependency, Maintainer, ReleaseInfo,
};
use crate::render::{render_set, Budget, ParseCache, RenderError, Renderable, Rendered};

/// What rendering a chart tree needs besides the chart.
#[derive(Debug, Clone)]
pub struct TreeContext<'a> {
    /// `.Release`.
    pub release: &'a ReleaseInfo,
    /// `.Capabilities`.
    pub capabilities: &'a Capabilities,
    /// What pins random and clock functions.
    pub determinism: &'a Determinism,
    /// Bounds on each template execution.
    pub budget: Budget,
    /// Parses kept from earlier renders of the same loaded chart, if any.
    pub parse_cache: Option<&'a ParseCache>,
}

/// Renders every template of `chart` and its subcharts; `values` is the top chart's
/// coalesced `.Values` (subcharts' values nested under their names, as kubake-chart
/// leaves them). Output is keyed by full template name; partials are not rendered.
pub fn render_tree(
    chart: &Chart,
    values: &serde_json::Map<String, Json>,
    ctx: &TreeContext<'_>,
) -> Result<Rendered, RenderError> {
    let mut templates = BTreeMap::new();
    let top_values = Value::Map(values_table(values_json_map(values)));
    collect(chart, chart.name(), true, top_values, ctx, &mut templates);
    render_set(
        &templates,
        ctx.release,
        ctx.determinism,
        &ctx.budget,
        ctx.parse_cache,
    )
}

/// Helm's `recAllTpls`: builds the chart's top-level object, recurses into its
/// subcharts (filling `.Subcharts`), and adds its templates to the set. Returns the
/// top-level object.
fn collect(
    chart: &Chart,
    full_path: &str,
    is_root: bool,
    values: Value,
    ctx: &TreeContext<'_>,
    templates: &mut BTreeMap<String, Renderable>,
) -> Map {
    let subcharts = Map::new();
    let scope = values_map([
        (
            "Chart".to_string(),
            Value::object(ChartObject::new(chart_metadata(&chart.metadata), is_root)),
        ),
        ("Files".to_string(), Value::object(chart_files(chart))),
        ("Release".to_string(), ctx.release.to_value()),
        (
            "Capabilities".to_string(),
            Value::object(ctx.capabilities.clone()),
        ),
        ("Values".to_string(), values.clone()),
        ("Subcharts".to_string(), Value::Map(subcharts.clone())),
    ]);
    for sub in &chart.dependencies {
        let sub_path = format!("{full_path}/charts/{}", sub.name());
        let sub_values = Value::Map(sub_table(&values, sub.name()));
        let sub_scope = collect(sub, &sub_path, false, sub_values, ctx, templates);
        subcharts.insert(sub.name(), Value::Map(sub_scope));
    }
    let base_path = format!("{full_path}/templates");
    for file in &chart.templates {
        let partial = file
            .name
            .rsplit('/')
            .next()
            .is_some_and(|b| b.starts_with('_'));
        if chart.is_library() && !partial {
            continue;
        }
        templates.insert(
            crate::funcs::paths::clean(&format!("{full_path}/{}", file.name)),
            Renderable {
                // Templates are read when the chart loads (only `crds/` files wait
                // on disk), so there is no read to fail here.
                source: file.data.read().unwrap_or_default(),
                scope: scope.clone(),
                base_path: base_path.clone(),
            },
        );
    }
    scope
}

/// `vals.Table("Values." + name)` on the parent's object: the parent's `.Values.NAME`
/// as a `chartutil.Values` sharing its nested maps, or an empty table. A name holding
/// dots walks several levels, as Helm's table lookup does.
fn sub_table(parent_values: &Value, name: &str) -> Map {
    let mut current = parent_values.clone();
    for part in name.split('.') {
        let next = current.as_map().and_then(|m| m.get(part));
        match next {
            Some(v @ Value::Map(_)) => current = v,
            _ => return values_map([]),
        }
    }
    match current.as_map() {
        Some(m) => values_map(m.entries().into_iter().map(|(k, v)| (k.to_string(), v))),
        None => values_map([]),
    }
}

/// The top-level `chartutil.Values` holding `map`'s entries.
fn values_table(map: Map) -> Map {
    values_map(map.entries().into_iter().map(|(k, v)| (k.to_string(), v)))
}

fn values_json_map(values: &serde_json::Map<String, Json>) -> Map {
    let map = Map::new();
    for (k, v) in values {
        map.insert(k.as_str(), value_from_json(v));
    }
    map
}

/// Values JSON as template values with their Go types: `int64` for the integers
/// `--set` produced, `float64` for every other number (see kubake-chart's `value`).
pub fn value_from_json(json: &Json) -> Value {
    match json {
        Json::Null => Value::Nil,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => match (n.is_f64(), n.as_i64()) {
            (false, Some(i)) => Value::int64(i),
            _ => Value::float(n.as_f64().unwrap_or_default()),
        },
        Json::String(s) => Value::from(s.as_str()),
        Json::Array(items) => Value::List(List::new(items.iter().map(value_from_json).collect())),
        Json::Object(m) => Value::Map(values_json_map(m)),
    }
}

/// `.Files` of one chart.
fn chart_files(chart: &Chart) -> Files {
    Files::new(
        chart
            .files
            .iter()
            .map(|f| (f.name.clone(), f.data.clone()))
            .collect(),
    )
}

/// kubake-chart's `Metadata` as the `.Chart` object's fields.
pub fn chart_metadata(m: &Metadata) -> ChartMetadata {
    ChartMetadata {
        name: m.name.clone(),
        home: m.home.clone(),
        sources: m.sources.clone(),
        version: m.version.clone(),
        description: m.description.clone(),
        keywords: m.keywords.clone(),
        maintainers: m
            .maintainers
            .iter()
            .flatten()
            .map(|x| Maintainer {
                name: x.name.clone(),
                email: x.email.clone(),
                url: x.url.clone(),
            })
            .collect(),
        icon: m.icon.clone(),
        api_version: m.api_version.clone(),
        condition: m.condition.clone(),
        tags: m.tags.clone(),
        app_version: m.app_version.clone(),
        deprecated: m.deprecated,
        annotations: m.annotations.clone(),
        kube_version: m.kube_version.clone(),
        dependencies: m
            .dependencies()
            .map(|d| Dependency {
                name: d.name.clone(),
                version: d.version.clone(),
                repository: d.repository.clone(),
                condition: d.condition.clone(),
                tags: d.tags.clone(),
                enabled: d.enabled,
                import_values: d.import_values.iter().map(value_from_json).collect(),
                alias: d.alias.clone(),
            })
            .collect(),
        chart_type: m.chart_type.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubake_chart::ChartFile;

    fn chart(name: &str, templates: &[(&str, &str)]) -> Chart {
        Chart {
            metadata: Metadata {
                name: name.into(),
                version: "1.0.0".into(),
                api_version: "v2".into(),
                ..Metadata::default()
            },
            templates: templates
                .iter()
                .map(|(n, t)| ChartFile::new(*n, t.as_bytes().to_vec()))
                .collect(),
            values: Default::default(),
            schema: None,
            files: Vec::new(),
            dependencies: Vec::new(),
            source: Default::default(),
        }
    }

    fn render(top: &Chart, values: Json) -> Result<Rendered, RenderError> {
        let release = ReleaseInfo::install("rel", "ns");
        let caps = Capabilities::default();
        let det = Determinism::default();
        let ctx = TreeContext {
            release: &release,
            capabilities: &caps,
            determinism: &det,
            budget: Budget::default(),
            parse_cache: None,
        };
        render_tree(top, values.as_object().unwrap_or(&Default::default()), &ctx)
    }

    #[test]
    fn subcharts_render_with_their_own_scope_and_share_defines() {
        let mut sub = chart(
            "sub",
            &[
                ("templates/_h.tpl", "{{ define \"sub.name\" }}sub-{{ .Values.x }}{{ end }}"),
                (
                    "templates/cm.yaml",
                    "v: {{ .Values.x }} root: {{ .Chart.IsRoot }} t: {{ .Template.Name }} b: {{ .Template.BasePath }} g: {{ .Values.global.g }}",
                ),
            ],
        );
        let mut lib = chart(
            "lib",
            &[
                ("templates/_lib.tpl", "{{ define \"lib.x\" }}L{{ end }}"),
                ("templates/not-rendered.yaml", "x: 1"),
            ],
        );
        lib.metadata.chart_type = "library".into();
        sub.dependencies.push(lib);
        let mut top = chart(
            "top",
            &[(
                "templates/a.yaml",
                "{{ include \"sub.name\" .Subcharts.sub }} {{ include \"lib.x\" . }} {{ .Subcharts.sub.Chart.Name }} {{ .Chart.IsRoot }}",
            )],
        );
        top.dependencies.push(sub);
        let out = render(
            &top,
            serde_json::json!({"global": {"g": 1}, "sub": {"x": 5, "global": {"g": 1}}}),
        )
        .expect("renders");
        assert_eq!(out.files["top/templates/a.yaml"], "sub-5 L sub true");
        assert_eq!(
            out.files["top/charts/sub/templates/cm.yaml"],
            "v: 5 root: false t: top/charts/sub/templates/cm.yaml b: top/charts/sub/templates g: 1"
        );
        assert!(!out
            .files
            .contains_key("top/charts/sub/charts/lib/templates/not-rendered.yaml"));
    }

    #[test]
    fn missing_subchart_values_are_an_empty_table() {
        let mut top = chart("top", &[]);
        top.dependencies.push(chart(
            "sub",
            &[("templates/a.yaml", "{{ typeOf .Values }} {{ len .Values }}")],
        ));
        let out = render(&top, serde_json::json!({"sub": "not a map"})).expect("renders");
        assert_eq!(
            out.files["top/charts/sub/templates/a.yaml"],
            "chartutil.Values 0"
        );
    }

    #[test]
    fn tpl_of_empty_text_inside_tpl_is_empty() {
        // Go runs the new (empty) template, not the outer `tpl` text of the same name.
        let top = chart("top", &[("templates/a.yaml", "{{ tpl .Values.outer . }}")]);
        let values = serde_json::json!({"outer": "a{{ tpl .Values.empty . }}b", "empty": ""});
        let out = render(&top, values).expect("renders");
        assert_eq!(out.files["top/templates/a.yaml"], "ab");
    }

    #[test]
    fn set_integers_keep_int64() {
        let top = chart(
            "top",
            &[(
                "templates/a.yaml",
                "{{ typeOf .Values.a }} {{ typeOf .Values.b }}",
            )],
        );
        let mut values = serde_json::Map::new();
        values.insert("a".into(), Json::from(3_i64));
        values.insert("b".into(), Json::from(3.0_f64));
        let out = render(&top, Json::Object(values)).expect("renders");
        assert_eq!(out.files["top/templates/a.yaml"], "int64 float64");
    }
}
