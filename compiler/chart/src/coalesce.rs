//! Helm's `chartutil/coalesce.go`: merging user values over a chart's defaults and its
//! subcharts' defaults, copying `global` down, with Helm's warnings.
//!
//! Rules: a higher level wins over a lower one; maps merge, everything else is replaced;
//! a `null` from a higher level deletes the key (coalescing) or is kept (merging, used
//! while import-values are processed, and for the keys of subcharts at the parent's level,
//! so that a null reaches the subchart's defaults); a subchart's values are the parent's
//! `<subchart name or alias>` key merged over the subchart's own defaults, with the
//! parent's `global` copied into it first. Type clashes are not errors but warnings,
//! worded as Helm logs them (`warning: skipped value for p.a: Not a table.`).
//!
//! Not here: which subcharts are enabled or aliased (`dependencies`).

use serde_json::Value as Json;

use crate::error::{Error, ErrorKind, Result, Warnings};
use crate::load::Chart;
use crate::value::{go_sprint, go_type_name, Values};

/// Helm's key for global values.
pub const GLOBAL_KEY: &str = "global";

/// `chartutil.CoalesceValues`: `vals` (highest priority) over the chart's defaults and its
/// subcharts', nulls deleting keys.
pub fn coalesce_values(chart: &Chart, vals: &Values, warnings: &mut Warnings) -> Result<Values> {
    let mut dest = vals.clone();
    coalesce(warnings, chart, &mut dest, "", false)?;
    Ok(dest)
}

/// `chartutil.MergeValues`: like [`coalesce_values`] but nulls are kept.
pub fn merge_values(chart: &Chart, vals: &Values, warnings: &mut Warnings) -> Result<Values> {
    let mut dest = vals.clone();
    coalesce(warnings, chart, &mut dest, "", true)?;
    Ok(dest)
}

/// `chartutil.CoalesceTables`: `src` merged under `dst` (which wins), nulls in `dst`
/// deleting keys.
pub fn coalesce_tables(dst: &mut Values, src: &Values, warnings: &mut Warnings) {
    coalesce_tables_full_key(warnings, dst, src, "", false);
}

/// `chartutil.MergeTables`: like [`coalesce_tables`] but nulls are kept.
pub fn merge_tables(dst: &mut Values, src: &Values, warnings: &mut Warnings) {
    coalesce_tables_full_key(warnings, dst, src, "", true);
}

fn concat_prefix(a: &str, b: &str) -> String {
    if a.is_empty() {
        b.to_string()
    } else {
        format!("{a}.{b}")
    }
}

fn coalesce(
    w: &mut Warnings,
    chart: &Chart,
    dest: &mut Values,
    prefix: &str,
    merge: bool,
) -> Result<()> {
    coalesce_chart_values(w, chart, dest, prefix, merge);
    coalesce_deps(w, chart, dest, prefix, merge)
}

fn coalesce_deps(
    w: &mut Warnings,
    chart: &Chart,
    dest: &mut Values,
    prefix: &str,
    merge: bool,
) -> Result<()> {
    for sub in &chart.dependencies {
        let name = sub.name();
        match dest.get(name) {
            None => {
                dest.insert(name.to_string(), Json::Object(Values::new()));
            }
            Some(Json::Object(_)) => {}
            Some(other) => {
                return Err(Error::new(
                    ErrorKind::Dependency,
                    format!("type mismatch on {name}: {}", go_percent_t(other)),
                )
                .with_help(format!(
                    "the values for subchart {name:?} must be a map; check the `{name}` key of your values"
                )));
            }
        }
        let src_global = dest.get(GLOBAL_KEY).cloned();
        let sub_prefix = concat_prefix(prefix, chart.name());
        if let Some(Json::Object(dv)) = dest.get_mut(name) {
            coalesce_globals(w, dv, src_global.as_ref(), &sub_prefix);
            coalesce(w, sub, dv, &sub_prefix, merge)?;
        }
    }
    Ok(())
}

/// Go's `%t` verb on a non-bool (what Helm's "type mismatch" message shows).
fn go_percent_t(v: &Json) -> String {
    match v {
        Json::Bool(b) => b.to_string(),
        Json::Null => "%!t(<nil>)".into(),
        Json::Array(items) => {
            let parts: Vec<String> = items.iter().map(go_percent_t).collect();
            format!("[{}]", parts.join(" "))
        }
        other => format!("%!t({}={})", go_type_name(other), go_sprint(other)),
    }
}

/// `coalesceGlobals`: the parent's `global` (`src_global`) merged into `dest[global]`.
fn coalesce_globals(w: &mut Warnings, dest: &mut Values, src_global: Option<&Json>, prefix: &str) {
    let mut dg = match dest.get(GLOBAL_KEY) {
        None => Values::new(),
        Some(Json::Object(m)) => m.clone(),
        Some(_) => {
            w.push(format!(
                "warning: skipping globals because destination {GLOBAL_KEY} is not a table."
            ));
            return;
        }
    };
    let sg = match src_global {
        None => Values::new(),
        Some(Json::Object(m)) => m.clone(),
        Some(_) => {
            w.push(format!(
                "warning: skipping globals because source {GLOBAL_KEY} is not a table."
            ));
            return;
        }
    };
    for (key, val) in sg {
        if let Json::Object(vm) = &val {
            let mut vv = vm.clone();
            match dg.get(&key) {
                None => {
                    dg.insert(key, Json::Object(vv));
                }
                Some(Json::Object(destv)) => {
                    let destv = destv.clone();
                    coalesce_tables_full_key(
                        w,
                        &mut vv,
                        &destv,
                        &concat_prefix(prefix, &key),
                        true,
                    );
                    dg.insert(key, Json::Object(vv));
                }
                Some(_) => {
                    w.push(format!(
                        "Conflict: cannot merge map onto non-map for {key:?}. Skipping."
                    ));
                }
            }
        } else if dg.get(&key).is_some_and(Json::is_object) {
            w.push(format!("key {key} is table. Skipping"));
        } else {
            dg.insert(key, val);
        }
    }
    dest.insert(GLOBAL_KEY.to_string(), Json::Object(dg));
}

/// `coalesceValues`: the chart's own defaults merged under `v`.
fn coalesce_chart_values(
    w: &mut Warnings,
    chart: &Chart,
    v: &mut Values,
    prefix: &str,
    merge: bool,
) {
    let sub_prefix = concat_prefix(prefix, chart.name());
    for (key, val) in &chart.values {
        match v.get_mut(key) {
            None => {
                v.insert(key.clone(), val.clone());
            }
            Some(Json::Null) if !merge => {
                v.remove(key);
            }
            Some(Json::Object(dest)) => match val {
                Json::Object(src) => {
                    // Helm's `childChartMergeTrue`: the values for a subchart keep their
                    // nulls at this level, so they can delete the subchart's own defaults
                    // when it is coalesced.
                    let merge = merge || chart.dependencies.iter().any(|d| d.name() == key);
                    coalesce_tables_full_key(w, dest, src, &concat_prefix(&sub_prefix, key), merge);
                }
                Json::Null => {}
                _ => w.push(format!(
                    "warning: skipped value for {sub_prefix}.{key}: Not a table."
                )),
            },
            Some(_) => {}
        }
    }
}

/// `coalesceTablesFullKey`: `src` merged under `dst`.
fn coalesce_tables_full_key(
    w: &mut Warnings,
    dst: &mut Values,
    src: &Values,
    prefix: &str,
    merge: bool,
) {
    for (key, val) in src {
        let full_key = concat_prefix(prefix, key);
        match dst.get_mut(key) {
            Some(Json::Null) if !merge => {
                dst.remove(key);
            }
            None => {
                dst.insert(key.clone(), val.clone());
            }
            Some(dv) => {
                if let Json::Object(src_table) = val {
                    if let Json::Object(dst_table) = dv {
                        coalesce_tables_full_key(w, dst_table, src_table, &full_key, merge);
                    } else {
                        w.push(format!(
                            "warning: cannot overwrite table with non table for {full_key} ({})",
                            go_sprint(val)
                        ));
                    }
                } else if dv.is_object() && !val.is_null() {
                    w.push(format!(
                        "warning: destination for {full_key} is a table. Ignoring non-table value ({})",
                        go_sprint(val)
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metadata::Metadata;
    use serde_json::json;

    fn chart(name: &str, values: Json, deps: Vec<Chart>) -> Chart {
        Chart {
            metadata: Metadata {
                name: name.into(),
                ..Metadata::default()
            },
            templates: Vec::new(),
            values: values.as_object().cloned().unwrap_or_default(),
            schema: None,
            files: Vec::new(),
            dependencies: deps,
            source: name.into(),
        }
    }

    fn obj(v: Json) -> Values {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn user_values_win_nulls_delete_globals_flow_down() {
        let sub = chart(
            "sub",
            json!({"x": 1, "keep": 2, "global": {"g2": "s"}}),
            vec![],
        );
        let top = chart(
            "top",
            json!({"a": {"b": 1, "c": 2}, "d": 3, "global": {"g": 1}, "sub": {"x": 10}}),
            vec![sub],
        );
        let mut w = Warnings::new();
        let user = obj(json!({"a": {"c": null, "e": 5}, "d": null, "sub": {"keep": null}}));
        let out = coalesce_values(&top, &user, &mut w).unwrap();
        assert_eq!(
            Json::Object(out),
            json!({
                "a": {"b": 1, "e": 5},
                "global": {"g": 1},
                "sub": {"x": 10, "global": {"g": 1, "g2": "s"}}
            })
        );
        assert!(w.is_empty(), "{w:?}");
    }

    #[test]
    fn merge_keeps_nulls() {
        let top = chart("top", json!({"a": 1}), vec![]);
        let out = merge_values(&top, &obj(json!({"a": null})), &mut Warnings::new()).unwrap();
        assert_eq!(Json::Object(out), json!({"a": null}));
    }

    #[test]
    fn type_clashes_warn() {
        let top = chart(
            "top",
            json!({"a": {"b": 1}, "c": "x", "t": {"u": 1}}),
            vec![],
        );
        let mut w = Warnings::new();
        let user = obj(json!({"a": 5, "c": {"d": 1}, "t": {"u": {"v": 1}}}));
        let out = coalesce_values(&top, &user, &mut w).unwrap();
        assert_eq!(
            Json::Object(out),
            json!({"a": 5, "c": {"d": 1}, "t": {"u": {"v": 1}}})
        );
        assert_eq!(
            w,
            [
                "warning: skipped value for top.c: Not a table.",
                "warning: destination for top.t.u is a table. Ignoring non-table value (1)"
            ]
        );
    }

    #[test]
    fn subchart_values_must_be_a_map() {
        let top = chart("top", json!({}), vec![chart("sub", json!({}), vec![])]);
        let err =
            coalesce_values(&top, &obj(json!({"sub": "x"})), &mut Warnings::new()).unwrap_err();
        assert_eq!(err.to_string(), "type mismatch on sub: %!t(string=x)");
    }
}
