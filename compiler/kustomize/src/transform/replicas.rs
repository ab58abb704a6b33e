//! `replicas`: set the replica count of the named workloads (ReplicaCountTransformer).

use kubake_yaml::Value;

use crate::error::{Error, Result};
use crate::fieldspec::{self, Create, FieldSpec};
use crate::resmap::ResMap;

/// Sets `count` on resources named `name` (by any of their ids) whose kind has a
/// replicas field spec. No such resource is an error, as in kustomize.
pub fn apply(resmap: &mut ResMap, name: &str, count: i64, specs: &[FieldSpec]) -> Result<()> {
    let mut found = false;
    for spec in specs {
        for res in resmap.resources_mut() {
            let mut ids = res.prev_ids.clone();
            ids.push(res.cur_id());
            if !ids
                .iter()
                .any(|id| id.name == name && id.gvk.is_selected_by(&spec.gvk))
            {
                continue;
            }
            found = true;
            fieldspec::apply(&mut res.node, spec, Create::Scalar, &mut |n| {
                n.value = Value::Int(count);
                Ok(())
            })?;
        }
    }
    if !found {
        let gvks: Vec<String> = specs.iter().map(|s| s.gvk.to_string()).collect();
        return Err(Error::new(format!(
            "resource with name {name} does not match a config with the following GVK [{}]",
            gvks.join(" ")
        )));
    }
    Ok(())
}
