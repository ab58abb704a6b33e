//! `namespace`: move namespaced objects into one namespace (kustomize's
//! NamespaceTransformer). Cluster-scoped kinds are left alone; a `v1` Namespace object is
//! renamed to the target; RoleBinding subjects named `default` follow (by default).

use kubake_yaml::{Node, Value};

use crate::error::{Error, Result};
use crate::fieldspec::{self, Create, FieldSpec};
use crate::resmap::ResMap;

/// How (Cluster)RoleBinding subjects are updated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RoleBindingSubjects {
    /// Subjects named `default`.
    #[default]
    DefaultOnly,
    /// Every ServiceAccount subject.
    AllServiceAccounts,
    /// None.
    None,
}

/// NamespaceTransformer options.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Only set the namespace where none is set.
    pub unset_only: bool,
    /// RoleBinding subject handling.
    pub subjects: RoleBindingSubjects,
}

/// Sets the namespace of every namespaced resource.
pub fn apply(resmap: &mut ResMap, ns: &str, specs: &[FieldSpec], opts: &Options) -> Result<()> {
    for res in resmap.resources_mut() {
        if res.node.as_map().is_none_or(|m| m.is_empty()) {
            continue;
        }
        res.store_previous_id();
        let gvk = res.gvk();
        if !gvk.is_cluster_scoped() {
            let cur = res.namespace().to_string();
            if !opts.unset_only || cur.is_empty() {
                res.set_namespace(Some(ns));
            }
        }
        let kind = gvk.kind.clone();
        let is_binding = kind == "RoleBinding" || kind == "ClusterRoleBinding";
        for spec in specs {
            if spec.path == "metadata/namespace" {
                continue;
            }
            if spec.path == "metadata/name" && res.node.str_at(&["apiVersion"]) != Some("v1") {
                continue;
            }
            if is_binding && spec.path.starts_with("subjects") {
                continue;
            }
            fieldspec::apply(
                &mut res.node,
                spec,
                Create::Scalar,
                &mut |n| match &n.value {
                    Value::Str(s) if opts.unset_only && !s.is_empty() => Ok(()),
                    Value::Str(_) | Value::Null => {
                        n.value = Value::Str(ns.to_string());
                        Ok(())
                    }
                    _ => Err("namespace field specs must target scalar nodes".into()),
                },
            )?;
        }
        if is_binding {
            set_subjects(&mut res.node, ns, opts.subjects);
        }
    }
    check_conflicts(resmap)
}

fn set_subjects(node: &mut Node, ns: &str, mode: RoleBindingSubjects) {
    let Some(subjects) = node
        .as_map_mut()
        .and_then(|m| m.get_mut("subjects"))
        .and_then(Node::as_seq_mut)
    else {
        return;
    };
    for s in subjects {
        let Some(m) = s.as_map_mut() else { continue };
        let hit = match mode {
            RoleBindingSubjects::DefaultOnly => {
                m.get("name").and_then(Node::as_str) == Some("default")
            }
            RoleBindingSubjects::AllServiceAccounts => {
                m.get("kind").and_then(Node::as_str) == Some("ServiceAccount")
            }
            RoleBindingSubjects::None => false,
        };
        if hit {
            m.insert("namespace", Node::str(ns));
        }
    }
}

fn check_conflicts(resmap: &ResMap) -> Result<()> {
    let ids: Vec<_> = resmap.resources().iter().map(|r| r.cur_id()).collect();
    match crate::resmap::first_duplicate(&ids) {
        Some(a) => Err(Error::new(format!(
            "namespace transformation produces ID conflict: {a}"
        ))),
        None => Ok(()),
    }
}
