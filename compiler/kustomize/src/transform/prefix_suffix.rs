//! `namePrefix` / `nameSuffix`: prepend or append to names (kustomize's Prefix- and
//! SuffixTransformer). CustomResourceDefinitions, APIServices and Namespaces keep their
//! names, because their names are fixed by what they define.

use kubake_yaml::Value;

use crate::error::Result;
use crate::fieldspec::{self, Create, FieldSpec};
use crate::resmap::ResMap;
use crate::resource::{Gvk, Resource};

fn skipped(res: &Resource) -> bool {
    let gvk = res.org_id().gvk;
    let skip = [
        Gvk {
            kind: "CustomResourceDefinition".into(),
            ..Gvk::default()
        },
        Gvk {
            group: "apiregistration.k8s.io".into(),
            kind: "APIService".into(),
            ..Gvk::default()
        },
        Gvk {
            kind: "Namespace".into(),
            ..Gvk::default()
        },
    ];
    skip.iter().any(|s| gvk.is_selected_by(s))
}

/// Adds `prefix` and `suffix` to every field `specs` select (normally `metadata/name`).
pub fn apply(resmap: &mut ResMap, prefix: &str, suffix: &str, specs: &[FieldSpec]) -> Result<()> {
    for res in resmap.resources_mut() {
        if skipped(res) {
            continue;
        }
        let org = res.org_id().gvk;
        for spec in specs {
            if !org.is_selected_by(&spec.gvk) {
                continue;
            }
            if spec.path == "metadata/name" {
                if !prefix.is_empty() {
                    res.prefixes.push(prefix.to_string());
                }
                if !suffix.is_empty() {
                    res.suffixes.push(suffix.to_string());
                }
                res.store_previous_id();
            }
            fieldspec::apply(&mut res.node, spec, Create::Never, &mut |n| {
                if let Value::Str(s) = &n.value {
                    n.value = Value::Str(format!("{prefix}{s}{suffix}"));
                }
                Ok(())
            })?;
        }
    }
    Ok(())
}
