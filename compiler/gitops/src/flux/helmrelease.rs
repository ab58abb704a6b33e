//! A Flux `HelmRelease` (helm-controller v2; v2beta1/v2beta2 read the same), interpreted
//! up to the point where Helm takes over: the chart (a HelmRepository or OCIRepository
//! chart from the chart stores, or a chart directory of a GitRepository), the values
//! (`valuesFrom` then `values`), the release name and namespace, and the flags.
//!
//! - Release name: `spec.releaseName`, else `<targetNamespace>-<name>` when
//!   `targetNamespace` is set, else `metadata.name`; names over 53 characters are
//!   shortened as helm-controller shortens them. Namespace: `targetNamespace`, else the
//!   HelmRelease's namespace (also the default for objects without one).
//! - Flags: `--include-crds` unless `install.crds: Skip`; `--skip-tests` (tests only run
//!   with `helm test`); `--skip-schema-validation` with
//!   `install.disableSchemaValidation`.
//!
//! Not here: rendering (the [`ChartRenderer`](crate::render::ChartRenderer)) and the
//! post-renderers (`postrender`), which run after it.

use kubake_yaml::Node;
use sha2::{Digest, Sha256};

use crate::charts::{self, ResolvedChart};
use crate::error::ErrorKind;
use crate::expand::{ChartJob, Ctx, Outcome, Step, UnitOutput};
use crate::fs::{join_in_root, rel_string};
use crate::object::{self, ObjectKey};
use crate::render::{ChartLocation, ChartRequest};
use crate::unit::{Unit, FLUX_SOURCE_GROUP};
use crate::values;

/// Helm's limit on release names.
const MAX_RELEASE_NAME: usize = 53;

/// The release name of a HelmRelease.
pub fn release_name(def: &Node) -> String {
    let name = object::name(def);
    let explicit = def
        .str_at(&["spec", "releaseName"])
        .filter(|s| !s.is_empty());
    let target = def
        .str_at(&["spec", "targetNamespace"])
        .filter(|s| !s.is_empty());
    let full = match (explicit, target) {
        (Some(r), _) => r.to_string(),
        (None, Some(t)) => format!("{t}-{name}"),
        (None, None) => name.to_string(),
    };
    shorten(&full)
}

/// helm-controller's `release.ShortenName`: names over 53 characters become their first
/// 40 characters, `-`, and 12 hex digits of their SHA-256.
fn shorten(name: &str) -> String {
    if name.len() <= MAX_RELEASE_NAME {
        return name.to_string();
    }
    let sum = Sha256::digest(name.as_bytes());
    let hex: String = sum.iter().map(|b| format!("{b:02x}")).collect();
    let head: String = name.chars().take(40).collect();
    format!("{head}-{}", &hex[..12])
}

/// The release namespace of a HelmRelease.
pub fn release_namespace(def: &Node) -> String {
    def.str_at(&["spec", "targetNamespace"])
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| object::namespace(def))
        .to_string()
}

/// Expands a HelmRelease unit (up to the render).
pub fn expand(ctx: &Ctx<'_>, unit: &Unit) -> Outcome {
    run(ctx, unit).into()
}

fn run(ctx: &Ctx<'_>, unit: &Unit) -> Step<Outcome> {
    let def = &unit.definition;
    let file = unit.source.clone().unwrap_or_default();
    let namespace = release_namespace(def);
    let choice = chart(ctx, unit)?;
    let values = values_of(ctx, unit)?;

    let mut req = ChartRequest::new(choice.location, &release_name(def), &namespace);
    req.chart_name = choice.name;
    req.chart_version = choice.version;
    req.values = values;
    req.chart_values_files = choice.values_files;
    req.ignore_missing_values_files =
        object::bool_at(def, &["spec", "chart", "spec", "ignoreMissingValuesFiles"]);
    req.include_crds = def.str_at(&["spec", "install", "crds"]) != Some("Skip");
    req.skip_tests = true;
    req.skip_schema_validation =
        object::bool_at(def, &["spec", "install", "disableSchemaValidation"]);
    req.kube_version = ctx.cfg.kube_version.clone();

    let post_renderers: Vec<Node> = object::seq(def, &["spec", "postRenderers"])
        .iter()
        .filter_map(|p| p.get("kustomize").cloned())
        .collect();
    let output = UnitOutput {
        default_namespace: Some(namespace),
        charts: choice.resolved.into_iter().collect(),
        warnings: choice.warnings,
        ..UnitOutput::default()
    };
    // Post-rendered templates are read by kustomize, from their text.
    req.parse_manifests = post_renderers.is_empty();
    let job = ChartJob {
        request: req,
        post_renderers,
        file: Some(file),
    };
    Ok(Outcome::Render(output, vec![job]))
}

/// The chart a HelmRelease uses.
struct ChartChoice {
    location: ChartLocation,
    name: String,
    version: String,
    values_files: Vec<String>,
    resolved: Option<ResolvedChart>,
    warnings: Vec<String>,
}

/// Where the chart comes from.
fn chart(ctx: &Ctx<'_>, unit: &Unit) -> Step<ChartChoice> {
    let def = &unit.definition;
    let file = unit.source.clone().unwrap_or_default();
    let ns = unit.id.namespace.as_str();
    if let Some(chart_ref) = def.get_path(&["spec", "chartRef"]).filter(|n| !n.is_null()) {
        let kind = chart_ref.str_at(&["kind"]).unwrap_or("");
        let name = chart_ref.str_at(&["name"]).unwrap_or("");
        let rns = chart_ref
            .str_at(&["namespace"])
            .filter(|s| !s.is_empty())
            .unwrap_or(ns);
        let key = ObjectKey::new(FLUX_SOURCE_GROUP, kind, rns, name);
        let Some(src) = ctx.lookup(&key, &unit.id)? else {
            return Err(ctx
                .error(
                    ErrorKind::Source,
                    format!("spec.chartRef: {kind} {rns}/{name} is not among the objects this repository produces"),
                )
                .at(&file, chart_ref.pos)
                .into());
        };
        return match kind {
            "OCIRepository" => {
                let url = src.str_at(&["spec", "url"]).unwrap_or("");
                let chart_name = url.trim_end_matches('/').rsplit('/').next().unwrap_or("");
                let constraint = src
                    .str_at(&["spec", "ref", "semver"])
                    .or_else(|| src.str_at(&["spec", "ref", "tag"]))
                    .unwrap_or("*");
                if src.get_path(&["spec", "ref", "digest"]).is_some()
                    && src.get_path(&["spec", "ref", "tag"]).is_none()
                    && src.get_path(&["spec", "ref", "semver"]).is_none()
                {
                    return Err(ctx
                        .error(
                            ErrorKind::Chart,
                            format!("OCIRepository {rns}/{name} pins a digest; kubake finds charts by name and version"),
                        )
                        .with_help("add spec.ref.tag (the chart version) beside the digest")
                        .into());
                }
                from_store(ctx, unit, chart_name, constraint)
            }
            "HelmChart" => {
                let chart_name = src.str_at(&["spec", "chart"]).unwrap_or("");
                let version = src.str_at(&["spec", "version"]).unwrap_or("*");
                from_store(ctx, unit, chart_name, version)
            }
            other => Err(ctx
                .error(
                    ErrorKind::Source,
                    format!("spec.chartRef kind {other:?} is not supported (OCIRepository or HelmChart)"),
                )
                .at(&file, chart_ref.pos)
                .into()),
        };
    }
    let spec = def
        .get_path(&["spec", "chart", "spec"])
        .cloned()
        .unwrap_or_else(object::empty_map);
    let chart_name = spec.str_at(&["chart"]).unwrap_or("");
    if chart_name.is_empty() {
        return Err(ctx
            .error(ErrorKind::Definition, "spec.chart.spec.chart is required")
            .at(&file, def.pos)
            .into());
    }
    let version = spec.str_at(&["version"]).unwrap_or("*");
    let src_kind = spec
        .str_at(&["sourceRef", "kind"])
        .unwrap_or("HelmRepository");
    let src_name = spec.str_at(&["sourceRef", "name"]).unwrap_or("");
    let src_ns = spec
        .str_at(&["sourceRef", "namespace"])
        .filter(|s| !s.is_empty())
        .unwrap_or(ns);
    let values_files: Vec<String> = object::seq(&spec, &["valuesFiles"])
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    match src_kind {
        "HelmRepository" => {
            let key = ObjectKey::new(FLUX_SOURCE_GROUP, "HelmRepository", src_ns, src_name);
            let mut warnings = Vec::new();
            if ctx.lookup(&key, &unit.id)?.is_none() {
                warnings.push(format!(
                    "{}: HelmRepository {src_ns}/{src_name} is not among the objects this repository produces; chart {chart_name:?} is resolved from the chart stores anyway",
                    unit.id
                ));
            }
            let mut choice = from_store(ctx, unit, chart_name, version)?;
            choice.values_files = values_files;
            choice.warnings = warnings;
            Ok(choice)
        }
        "GitRepository" | "Bucket" => {
            let root = ctx.flux_source_dir(unit, src_kind, src_ns, src_name)?;
            let Some(dir) = join_in_root(&root, chart_name) else {
                return Err(ctx
                    .error(
                        ErrorKind::Definition,
                        format!("chart path {chart_name:?} climbs out of the source"),
                    )
                    .in_file(&file)
                    .into());
            };
            if !dir.join("Chart.yaml").is_file() {
                return Err(ctx
                    .error(
                        ErrorKind::Chart,
                        format!(
                            "no chart at {} (no Chart.yaml) in {src_kind} {src_ns}/{src_name}",
                            rel_string(&ctx.cfg.root, &dir)
                        ),
                    )
                    .in_file(&file)
                    .into());
            }
            let (name, version) = charts::chart_dir_identity(&dir).unwrap_or_default();
            Ok(ChartChoice {
                location: ChartLocation::Directory(dir),
                name,
                version,
                values_files,
                resolved: None,
                warnings: Vec::new(),
            })
        }
        other => Err(ctx
            .error(
                ErrorKind::Source,
                format!("spec.chart.spec.sourceRef kind {other:?} is not supported"),
            )
            .in_file(&file)
            .into()),
    }
}

fn from_store(ctx: &Ctx<'_>, unit: &Unit, name: &str, constraint: &str) -> Step<ChartChoice> {
    let file = unit.source.clone().unwrap_or_default();
    let found = ctx.stores.resolve(name, constraint).map_err(|e| {
        // a missing chart at its name, a missing version at the version asked for
        let fields = if e.message().starts_with("chart ") {
            ["chart", "version"]
        } else {
            ["version", "chart"]
        };
        let pos = fields
            .iter()
            .find_map(|k| unit.definition.get_path(&["spec", "chart", "spec", k]))
            .map_or(kubake_yaml::Pos::NONE, |n| n.pos);
        e.in_units(&ctx.chain).at(&file, pos)
    })?;
    let sha = charts::digest(&found.location).map_err(|e| {
        ctx.error(
            ErrorKind::Io,
            format!("cannot read {}: {e}", found.location.path().display()),
        )
    })?;
    let resolved = ResolvedChart {
        name: found.name.clone(),
        version: found.version.clone(),
        sha256: sha,
    };
    Ok(ChartChoice {
        location: found.location,
        name: found.name,
        version: found.version,
        values_files: Vec::new(),
        resolved: Some(resolved),
        warnings: Vec::new(),
    })
}

/// `valuesFrom` in order, then `spec.values`.
fn values_of(ctx: &Ctx<'_>, unit: &Unit) -> Step<kubake_chart::Values> {
    let def = &unit.definition;
    let ns = unit.id.namespace.as_str();
    let file = unit.source.clone().unwrap_or_default();
    let mut result = kubake_chart::Values::new();
    for reference in object::seq(def, &["spec", "valuesFrom"]) {
        let kind = reference.str_at(&["kind"]).unwrap_or("");
        let name = reference.str_at(&["name"]).unwrap_or("");
        let key_name = reference
            .str_at(&["valuesKey"])
            .filter(|s| !s.is_empty())
            .unwrap_or("values.yaml");
        let target = reference.str_at(&["targetPath"]).filter(|s| !s.is_empty());
        let optional = object::bool_at(reference, &["optional"]);
        if kind != "ConfigMap" && kind != "Secret" {
            return Err(ctx
                .error(
                    ErrorKind::Definition,
                    format!("valuesFrom kind {kind:?} is not supported (ConfigMap or Secret)"),
                )
                .at(&file, reference.pos)
                .into());
        }
        let key = ObjectKey::new("", kind, ns, name);
        let Some(obj) = ctx.lookup(&key, &unit.id)? else {
            if optional {
                continue;
            }
            return Err(ctx
                .error(
                    ErrorKind::Values,
                    format!("could not resolve {kind} chart values reference '{ns}/{name}' with key '{key_name}': {kind} not found: no unit of this repository produces it"),
                )
                .at(&file, reference.pos)
                .with_help(format!("add the {kind} {ns}/{name} to the repository (in the HelmRelease's namespace), or mark the reference `optional: true`"))
                .into());
        };
        let data = crate::flux::kustomization::data_of(obj).map_err(|m| {
            ctx.error(ErrorKind::Values, format!("{kind} {ns}/{name}: {m}"))
                .at(&file, reference.pos)
        })?;
        let Some((_, text)) = data.into_iter().find(|(k, _)| k == key_name) else {
            if optional {
                continue;
            }
            return Err(ctx
                .error(
                    ErrorKind::Values,
                    format!("could not resolve {kind} chart values reference '{ns}/{name}' with key '{key_name}': key not found"),
                )
                .at(&file, reference.pos)
                .into());
        };
        if let Some(path) = target {
            values::replace_path_value(&mut result, path, &text).map_err(|e| {
                ctx.error(
                    ErrorKind::Values,
                    format!("unable to merge value from key '{key_name}' in {kind} '{ns}/{name}' into target path '{path}': {e}"),
                )
                .at(&file, reference.pos)
            })?;
            continue;
        }
        result = values::merge_document(result, &text).map_err(|e| {
            ctx.error(
                ErrorKind::Values,
                format!("unable to read values from key '{key_name}' in {kind} '{ns}/{name}': {e}"),
            )
            .at(&file, reference.pos)
        })?;
    }
    if let Some(v) = def.get_path(&["spec", "values"]).filter(|v| !v.is_null()) {
        result = values::merge_over(result, values::as_values(object::to_values_json(v)));
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubake_yaml::{load_one, Schema};

    fn hr(text: &str) -> Node {
        load_one(text, Schema::Core12).unwrap_or_else(|_| Node::null())
    }

    #[test]
    fn release_names_and_namespaces() {
        let a = hr(
            "metadata: {name: traefik, namespace: flux-system}\nspec: {targetNamespace: traefik}\n",
        );
        assert_eq!(release_name(&a), "traefik-traefik");
        assert_eq!(release_namespace(&a), "traefik");
        let b = hr("metadata: {name: es, namespace: flux-system}\nspec: {targetNamespace: x, releaseName: external-secrets}\n");
        assert_eq!(release_name(&b), "external-secrets");
        let c = hr("metadata: {name: m, namespace: ms}\n");
        assert_eq!(release_name(&c), "m");
        assert_eq!(release_namespace(&c), "ms");
        let long = hr(&format!(
            "metadata: {{name: {}, namespace: n}}\n",
            "a".repeat(60)
        ));
        let r = release_name(&long);
        assert_eq!(r.len(), 53);
        assert!(r.starts_with(&"a".repeat(40)));
    }
}
