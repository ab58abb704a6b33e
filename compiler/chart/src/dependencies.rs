//! Helm's `chartutil/dependencies.go` as `helm template` v3.17 runs it
//! (`ProcessDependenciesWithMerge`), plus the install-time checks before it
//! (`CheckDependencies`, "library charts are not installable").
//!
//! 1. Linking: each `dependencies` entry takes the first loaded subchart with its name
//!    whose version satisfies the entry's range; an `alias` makes a renamed copy. Loaded
//!    subcharts no entry names are kept as they are.
//! 2. Enabling: values are coalesced, then `tags` and `condition` (the first of the
//!    comma-separated paths that holds a bool) switch entries off; disabled subcharts are
//!    dropped. This recurses into the subcharts, whose paths are prefixed with their name.
//! 3. `import-values`: bottom-up, each chart's defaults become its values merged with its
//!    subcharts' (nulls kept), with the imported tables merged under them.
//!
//! Not here: the final coalescing of user values (`values`).

use serde_json::Value as Json;

use crate::coalesce::{coalesce_values, merge_tables, merge_values};
use crate::error::{Error, ErrorKind, Result, Warnings};
use crate::load::Chart;
use crate::metadata::Dependency;
use crate::semver::is_compatible_range;
use crate::value::Values;

/// `action.CheckDependencies`: every declared dependency must be present in `charts/`
/// (by name, whatever its version or condition).
pub fn check_dependencies(chart: &Chart) -> Result<()> {
    let missing: Vec<&str> = chart
        .metadata
        .dependencies()
        .filter(|d| !chart.dependencies.iter().any(|c| c.name() == d.name))
        .map(|d| d.name.as_str())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::Dependency,
        format!(
            "An error occurred while checking for chart dependencies. You may need to run `helm dependency build` to fetch missing dependencies: found in Chart.yaml, but missing in charts/ directory: {}",
            missing.join(", ")
        ),
    )
    .with_file(chart.source.join("Chart.yaml"))
    .with_help("vendor the missing charts into charts/ (`helm dependency build` does it), or remove them from Chart.yaml"))
}

/// Helm's `checkIfInstallable`: only application charts can be rendered at the top.
pub fn check_installable(chart: &Chart) -> Result<()> {
    match chart.metadata.chart_type.as_str() {
        "" | "application" => Ok(()),
        other => Err(Error::new(
            ErrorKind::Dependency,
            format!("{other} charts are not installable"),
        )
        .with_file(chart.source.join("Chart.yaml"))),
    }
}

/// `chartutil.ProcessDependenciesWithMerge`: links, aliases, enables and disables
/// subcharts against the user values `vals`, then processes `import-values`.
pub fn process_dependencies(
    chart: &mut Chart,
    vals: &Values,
    warnings: &mut Warnings,
) -> Result<()> {
    process_dependency_enabled(chart, vals, "", warnings)?;
    process_dependency_import_values(chart, warnings)
}

fn process_dependency_enabled(
    c: &mut Chart,
    v: &Values,
    path: &str,
    w: &mut Warnings,
) -> Result<()> {
    // Helm returns early when Chart.yaml has no `dependencies` (a nil list); an empty
    // list is treated the same here.
    if c.metadata.dependencies.is_empty() {
        return Ok(());
    }
    let mut reqs: Vec<Dependency> = c.metadata.dependencies.iter().flatten().cloned().collect();
    // Charts are moved, not copied, where only one entry uses them: a subchart can hold
    // megabytes of files (kube-prometheus-stack's CRDs), and Helm shares them too.
    let mut loaded: Vec<Option<Chart>> = std::mem::take(&mut c.dependencies)
        .into_iter()
        .map(Some)
        .collect();
    let matches = |chart: &Chart, r: &Dependency| {
        chart.name() == r.name && is_compatible_range(&r.version, &chart.metadata.version)
    };
    // `getAliasDependency`: the first loaded chart each entry names (version permitting).
    let picks: Vec<Option<usize>> = reqs
        .iter()
        .map(|r| loaded.iter().flatten().position(|ch| matches(ch, r)))
        .collect();
    let mut uses = vec![0usize; loaded.len()];
    for i in picks.iter().flatten() {
        uses[*i] += 1;
    }
    let mut linked: Vec<Chart> = Vec::new();
    for (i, slot) in loaded.iter_mut().enumerate() {
        if uses[i] == 0
            && slot
                .as_ref()
                .is_some_and(|ch| !reqs.iter().any(|r| matches(ch, r)))
        {
            linked.extend(slot.take());
        }
    }
    for (req, pick) in reqs.iter_mut().zip(&picks) {
        if let Some(i) = *pick {
            uses[i] -= 1;
            let found = if uses[i] == 0 {
                loaded[i].take()
            } else {
                loaded[i].clone()
            };
            if let Some(mut found) = found {
                if !req.alias.is_empty() {
                    found.metadata.name = req.alias.clone();
                }
                linked.push(found);
            }
        }
        if !req.alias.is_empty() {
            req.name = req.alias.clone();
        }
    }
    c.dependencies = linked;
    for r in &mut reqs {
        r.enabled = true;
    }
    let cvals = coalesce_values(c, v, w)?;
    process_dependency_tags(&mut reqs, &cvals, w);
    process_dependency_conditions(&mut reqs, &cvals, path, w);
    let removed: Vec<String> = reqs
        .iter()
        .filter(|r| !r.enabled)
        .map(|r| r.name.clone())
        .collect();
    c.dependencies
        .retain(|d| !removed.iter().any(|n| n == d.name()));
    reqs.retain(|r| !removed.contains(&r.name));
    for t in &mut c.dependencies {
        let sub_path = format!("{path}{}.", t.name());
        process_dependency_enabled(t, &cvals, &sub_path, w)?;
    }
    c.metadata.dependencies = reqs.into_iter().map(Some).collect();
    Ok(())
}

/// `processDependencyTags`.
fn process_dependency_tags(reqs: &mut [Dependency], cvals: &Values, w: &mut Warnings) {
    let Some(tags) = table(cvals, "tags") else {
        return;
    };
    for r in reqs {
        let (mut has_true, mut has_false) = (false, false);
        for k in &r.tags {
            match tags.get(k) {
                Some(Json::Bool(true)) => has_true = true,
                Some(Json::Bool(false)) => has_false = true,
                Some(_) => w.push(format!(
                    "Warning: Tag '{k}' for chart {} returned non-bool value",
                    r.name
                )),
                None => {}
            }
        }
        r.enabled = has_true || !has_false;
    }
}

/// `processDependencyConditions` (Helm v3.17: the first path that holds a bool decides).
fn process_dependency_conditions(
    reqs: &mut [Dependency],
    cvals: &Values,
    cpath: &str,
    w: &mut Warnings,
) {
    for r in reqs {
        for c in r.condition.trim().split(',') {
            if c.is_empty() {
                continue;
            }
            if let Some(vv) = path_value(cvals, &format!("{cpath}{c}")) {
                if let Json::Bool(b) = vv {
                    r.enabled = *b;
                    break;
                }
                w.push(format!(
                    "Warning: Condition path '{c}' for chart {} returned non-bool value",
                    r.name
                ));
            }
        }
    }
}

/// `Values.Table`: the map at a dotted path.
pub fn table<'a>(vals: &'a Values, path: &str) -> Option<&'a Values> {
    let mut t = vals;
    for part in path.split('.') {
        t = t.get(part)?.as_object()?;
    }
    Some(t)
}

/// `Values.PathValue`: the non-map value at a dotted path.
pub fn path_value<'a>(vals: &'a Values, path: &str) -> Option<&'a Json> {
    let (parent, key) = match path.rsplit_once('.') {
        Some((parent, key)) => (table(vals, parent)?, key),
        None => (vals, path),
    };
    parent.get(key).filter(|v| !v.is_object())
}

fn process_dependency_import_values(c: &mut Chart, w: &mut Warnings) -> Result<()> {
    for d in &mut c.dependencies {
        process_dependency_import_values(d, w)?;
    }
    process_import_values(c, w)
}

/// `processImportValues` (merging flavour): the chart's values become its defaults merged
/// with its subcharts', with imported tables merged under them.
fn process_import_values(c: &mut Chart, w: &mut Warnings) -> Result<()> {
    if c.metadata.dependencies.is_empty() {
        return Ok(());
    }
    let cvals = merge_values(c, &Values::new(), w)?;
    let mut b = Values::new();
    for r in c.metadata.dependencies.iter_mut().flatten() {
        let mut out = Vec::new();
        for riv in &r.import_values {
            match riv {
                Json::Object(iv) => {
                    let (Some(Json::String(child)), Some(Json::String(parent))) =
                        (iv.get("child"), iv.get("parent"))
                    else {
                        return Err(Error::new(
                            ErrorKind::Dependency,
                            format!(
                                "import-values of dependency {:?}: each map entry needs string `child` and `parent` keys",
                                r.name
                            ),
                        )
                        .with_file(c.source.join("Chart.yaml")));
                    };
                    out.push(child_parent(child, parent));
                    let path = format!("{}.{child}", r.name);
                    match table(&cvals, &path) {
                        Some(vv) => merge_tables(&mut b, &path_to_map(parent, vv.clone()), w),
                        None => w.push(format!(
                            "Warning: ImportValues missing table from chart {}: {:?} is not a table",
                            r.name,
                            missing_segment(&cvals, &path)
                        )),
                    }
                }
                Json::String(iv) => {
                    let child = format!("exports.{iv}");
                    out.push(child_parent(&child, "."));
                    let path = format!("{}.{child}", r.name);
                    match table(&cvals, &path) {
                        Some(vm) => merge_tables(&mut b, vm, w),
                        None => w.push(format!(
                            "Warning: ImportValues missing table: {:?} is not a table",
                            missing_segment(&cvals, &path)
                        )),
                    }
                }
                _ => {}
            }
        }
        r.import_values = out;
    }
    let mut merged = cvals;
    merge_tables(&mut merged, &b, w);
    c.values = merged;
    Ok(())
}

fn child_parent(child: &str, parent: &str) -> Json {
    let mut m = Values::new();
    m.insert("child".into(), Json::String(child.into()));
    m.insert("parent".into(), Json::String(parent.into()));
    Json::Object(m)
}

fn last_segment(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

/// The first segment of `path` that is not a table (what Helm's `ErrNoTable` names).
fn missing_segment<'a>(vals: &Values, path: &'a str) -> &'a str {
    let mut t = vals;
    for part in path.split('.') {
        match t.get(part).and_then(Json::as_object) {
            Some(next) => t = next,
            None => return part,
        }
    }
    last_segment(path)
}

/// `pathToMap`: `data` nested under the dotted `path` (`.` is the top).
fn path_to_map(path: &str, data: Values) -> Values {
    if path == "." {
        return data;
    }
    let mut cur = data;
    for part in path.split('.').rev() {
        let mut m = Values::new();
        m.insert(part.to_string(), Json::Object(cur));
        cur = m;
    }
    cur
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vals(v: Json) -> Values {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn paths() {
        let v = vals(json!({"a": {"b": {"c": true}, "d": 1}}));
        assert_eq!(path_value(&v, "a.b.c"), Some(&json!(true)));
        assert_eq!(path_value(&v, "a.b"), None);
        assert_eq!(path_value(&v, "a.x"), None);
        assert!(table(&v, "a.b").is_some());
        assert_eq!(
            Json::Object(path_to_map("x.y", vals(json!({"k": 1})))),
            json!({"x": {"y": {"k": 1}}})
        );
    }
}
