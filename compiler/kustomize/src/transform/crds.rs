//! `crds:`: OpenAPI definitions of custom types whose `x-kubernetes-*` markers tell
//! kustomize which of their fields hold names of other objects, labels selectors,
//! annotations, or their own identity. They become extra field specs.

use std::path::Path;

use kubake_yaml::{load_one, Mapping, Node, Schema};

use crate::config::{NameBackRef, TransformerConfig};
use crate::error::{Error, Result};
use crate::fieldspec::FieldSpec;
use crate::resource::Gvk;

/// Reads one `crds:` file into transformer configuration.
pub fn config_from_crd(text: &str, path: &Path) -> Result<TransformerConfig> {
    let doc = load_one(text, Schema::Core12).map_err(|e| Error::at(e.message, path, e.pos))?;
    let defs = doc.as_map().cloned().unwrap_or_default();
    let mut config = TransformerConfig::default();
    for (type_name, def) in defs.iter() {
        let Some(props) = properties(def) else {
            continue;
        };
        if !["kind", "apiVersion", "metadata"]
            .iter()
            .all(|k| props.contains_key(k))
        {
            continue;
        }
        let kind = type_name
            .rsplit('.')
            .next()
            .unwrap_or(type_name)
            .to_string();
        let gvk = Gvk {
            kind,
            ..Gvk::default()
        };
        walk(&defs, props, "", &gvk, &mut config, 0);
    }
    Ok(config)
}

fn properties(def: &Node) -> Option<&Mapping> {
    def.get("Schema")?.get("properties")?.as_map()
}

fn walk(
    defs: &Mapping,
    props: &Mapping,
    prefix: &str,
    gvk: &Gvk,
    config: &mut TransformerConfig,
    depth: usize,
) {
    if depth > 32 {
        return;
    }
    for (name, prop) in props.iter() {
        let path = if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}/{name}")
        };
        let spec = |p: &str| FieldSpec {
            gvk: gvk.clone(),
            path: p.to_string(),
            create: false,
        };
        if prop.get("x-kubernetes-annotation").is_some() {
            config.common_annotations.push(spec(&path));
        }
        if prop.get("x-kubernetes-label-selector").is_some() {
            config.common_labels.push(spec(&path));
        }
        if prop.get("x-kubernetes-identity").is_some() {
            config.name_prefix.push(spec(&path));
        }
        let ref_kind = prop.str_at(&["x-kubernetes-object-ref-kind"]);
        let ref_version = prop.str_at(&["x-kubernetes-object-ref-api-version"]);
        if let (Some(kind), Some(version)) = (ref_kind, ref_version) {
            let key = prop
                .str_at(&["x-kubernetes-object-ref-name-key"])
                .unwrap_or("name");
            let target = Gvk {
                group: String::new(),
                version: version.to_string(),
                kind: kind.to_string(),
            };
            let referrer = spec(&format!("{path}/{key}"));
            match config.name_reference.iter_mut().find(|b| b.gvk == target) {
                Some(b) => b.referrers.push(referrer),
                None => config.name_reference.push(NameBackRef {
                    gvk: target,
                    referrers: vec![referrer],
                }),
            }
        }
        if let Some(sub) = prop
            .str_at(&["$ref"])
            .and_then(|r| defs.get(r))
            .and_then(properties)
        {
            walk(defs, sub, &path, gvk, config, depth + 1);
        }
    }
}
