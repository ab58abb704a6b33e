//! Output order. `legacy` (kustomize's default) sorts by a kind ranking (Namespaces and
//! CRDs first, webhooks last), then by GVK, namespace and name; `fifo` keeps the order
//! resources were accumulated in.

use std::cmp::Ordering;

use crate::error::{Error, Result};
use crate::kustfile::SortOptions;
use crate::resmap::ResMap;
use crate::resource::{Gvk, ResId};

const ORDER_FIRST: [&str; 22] = [
    "Namespace",
    "ResourceQuota",
    "StorageClass",
    "CustomResourceDefinition",
    "ServiceAccount",
    "PodSecurityPolicy",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "ConfigMap",
    "Secret",
    "Endpoints",
    "Service",
    "LimitRange",
    "PriorityClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "Deployment",
    "StatefulSet",
    "CronJob",
    "PodDisruptionBudget",
];
const ORDER_LAST: [&str; 2] = [
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

/// The ranking of kinds used by the legacy order.
pub struct KindRanking {
    first: Vec<String>,
    last: Vec<String>,
}

impl Default for KindRanking {
    fn default() -> Self {
        KindRanking {
            first: ORDER_FIRST.iter().map(|s| s.to_string()).collect(),
            last: ORDER_LAST.iter().map(|s| s.to_string()).collect(),
        }
    }
}

impl KindRanking {
    fn rank(&self, kind: &str) -> i64 {
        if let Some(i) = self.first.iter().position(|k| k == kind) {
            return i as i64 - self.first.len() as i64;
        }
        if let Some(i) = self.last.iter().position(|k| k == kind) {
            return i as i64 + 1;
        }
        0
    }

    /// kustomize's `Gvk.IsLessThan` as an ordering.
    pub fn compare_gvk(&self, a: &Gvk, b: &Gvk) -> Ordering {
        let (ra, rb) = (self.rank(&a.kind), self.rank(&b.kind));
        if ra != rb {
            return ra.cmp(&rb);
        }
        if a.kind == "Namespace"
            && b.kind == "Namespace"
            && (a.group.is_empty() || b.group.is_empty())
        {
            return sort_string(b).cmp(&sort_string(a));
        }
        sort_string(a).cmp(&sort_string(b))
    }

    fn compare(&self, a: &ResId, b: &ResId) -> Ordering {
        if a.gvk != b.gvk {
            return self.compare_gvk(&a.gvk, &b.gvk);
        }
        legacy_string(a).cmp(&legacy_string(b))
    }
}

fn or<'a>(s: &'a str, placeholder: &'a str) -> &'a str {
    if s.is_empty() {
        placeholder
    } else {
        s
    }
}

/// `G_V_K` with `~G`, `~V`, `~K` for empty parts.
fn sort_string(g: &Gvk) -> String {
    format!(
        "{}_{}_{}",
        or(&g.group, "~G"),
        or(&g.version, "~V"),
        or(&g.kind, "~K")
    )
}

fn legacy_string(id: &ResId) -> String {
    format!(
        "{}|{}|{}",
        id.gvk,
        or(&id.namespace, "~X"),
        or(&id.name, "~N")
    )
}

/// Sorts the resources as `sortOptions` says (legacy when absent).
pub fn apply(resmap: &mut ResMap, opts: Option<&SortOptions>) -> Result<()> {
    let ranking = match opts {
        None => KindRanking::default(),
        Some(o) => match o.order.as_str() {
            "fifo" => {
                if o.legacy_set {
                    return Err(Error::new("the field 'sortOptions.legacySortOptions' is set but the selected sort order is 'fifo', not 'legacy'"));
                }
                return Ok(());
            }
            "legacy" => {
                if o.legacy_set {
                    KindRanking {
                        first: o.order_first.clone().unwrap_or_default(),
                        last: o.order_last.clone().unwrap_or_default(),
                    }
                } else {
                    KindRanking::default()
                }
            }
            _ => {
                return Err(Error::new(
                    "the field 'sortOptions.order' must be one of [fifo, legacy]",
                ))
            }
        },
    };
    let mut keyed: Vec<_> = std::mem::take(resmap.resources_mut())
        .into_iter()
        .map(|r| (r.cur_id(), r))
        .collect();
    keyed.sort_by(|a, b| ranking.compare(&a.0, &b.0));
    *resmap.resources_mut() = keyed.into_iter().map(|(_, r)| r).collect();
    Ok(())
}
