//! `commonLabels`, `labels` and `commonAnnotations`: set key/value pairs in every field
//! the specs select (metadata, and for labels also selectors and pod templates).

use kubake_yaml::{Mapping, Node, Value};

use crate::config::TransformerConfig;
use crate::error::Result;
use crate::fieldspec::{self, Create, FieldSpec};
use crate::kustfile::LabelArgs;
use crate::resmap::ResMap;

/// The field specs one `labels:` entry applies to.
pub fn label_specs(l: &LabelArgs, config: &TransformerConfig) -> Vec<FieldSpec> {
    let mut specs = l.fields.clone();
    let mut add = |s: &FieldSpec| {
        if !specs.contains(s) {
            specs.push(s.clone());
        }
    };
    config.labels.iter().for_each(&mut add);
    if l.include_selectors {
        config.common_labels.iter().for_each(&mut add);
    } else {
        if l.include_templates {
            config.template_labels.iter().for_each(&mut add);
        }
        add(&FieldSpec::any("metadata/labels", true));
    }
    specs
}

/// Sets `pairs` (sorted by key) in every map the specs reach. `what` names the kind of
/// pair for messages ("labels", "annotations").
pub fn apply(
    resmap: &mut ResMap,
    pairs: &[(String, String)],
    specs: &[FieldSpec],
    what: &str,
) -> Result<()> {
    let mut sorted: Vec<&(String, String)> = pairs.iter().collect();
    sorted.sort();
    for res in resmap.resources_mut() {
        for spec in specs {
            fieldspec::apply(&mut res.node, spec, Create::Map, &mut |n| {
                if n.is_null() {
                    n.value = Value::Map(Mapping::new());
                }
                let map = n
                    .as_map_mut()
                    .ok_or_else(|| format!("{what} field must be a mapping"))?;
                for (k, v) in &sorted {
                    map.insert(k.clone(), Node::str(v.clone()));
                }
                Ok(())
            })?;
        }
    }
    Ok(())
}
