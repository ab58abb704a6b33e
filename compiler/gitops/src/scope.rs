//! What the compiled cluster serves: which kinds are cluster-scoped (the built-ins of
//! `stdlib/kubernetes/cluster-scoped-kinds.txt` plus `scope: Cluster` CRDs the repository
//! renders), and which API versions its CRDs add to Helm's `.Capabilities.APIVersions`.
//!
//! Namespaces are made explicit with these rules (see the conformance README,
//! "Namespaces"): a cluster-scoped object loses `metadata.namespace`; a namespaced object
//! without one gets its unit's default namespace. Not here: the defaults themselves
//! (the units decide) and the Flux "namespace not specified" check (`engine`).

use std::collections::BTreeSet;

use kubake_yaml::Node;

use crate::object::{self, group_of};

const BUILTIN_CLUSTER_SCOPED: &str =
    include_str!("../../../stdlib/kubernetes/cluster-scoped-kinds.txt");

/// `(group, kind)` pairs.
type GroupKinds = BTreeSet<(String, String)>;

/// The kinds that are cluster-scoped in the compiled cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scopes {
    cluster: GroupKinds,
}

impl Default for Scopes {
    fn default() -> Self {
        Scopes::builtin()
    }
}

impl Scopes {
    /// The built-in kinds only.
    pub fn builtin() -> Scopes {
        let cluster = BUILTIN_CLUSTER_SCOPED
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .filter_map(|l| l.rsplit_once('/'))
            .map(|(g, k)| (g.to_string(), k.to_string()))
            .collect();
        Scopes { cluster }
    }

    /// Adds the kinds of the `scope: Cluster` CRDs among `objects`.
    pub fn add_crds<'a>(&mut self, objects: impl IntoIterator<Item = &'a Node>) {
        for crd in objects.into_iter().filter(|o| is_crd(o)) {
            if crd.str_at(&["spec", "scope"]) == Some("Cluster") {
                if let (Some(g), Some(k)) = (
                    crd.str_at(&["spec", "group"]),
                    crd.str_at(&["spec", "names", "kind"]),
                ) {
                    self.cluster.insert((g.to_string(), k.to_string()));
                }
            }
        }
    }

    /// Whether `obj`'s kind is cluster-scoped.
    pub fn is_cluster_scoped(&self, obj: &Node) -> bool {
        self.is_cluster_kind(group_of(object::api_version(obj)), object::kind(obj))
    }

    /// Whether `(group, kind)` is cluster-scoped.
    pub fn is_cluster_kind(&self, group: &str, kind: &str) -> bool {
        self.cluster
            .contains(&(group.to_string(), kind.to_string()))
    }
}

/// Whether `obj` is a CustomResourceDefinition.
pub fn is_crd(obj: &Node) -> bool {
    object::kind(obj) == "CustomResourceDefinition"
        && group_of(object::api_version(obj)) == "apiextensions.k8s.io"
}

/// The API versions the CRDs among `objects` serve, as `helm template --api-versions`
/// takes them: `group/version` and `group/version/Kind` for every served version.
pub fn crd_api_versions<'a>(objects: impl IntoIterator<Item = &'a Node>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for crd in objects.into_iter().filter(|o| is_crd(o)) {
        let (Some(group), Some(kind)) = (
            crd.str_at(&["spec", "group"]),
            crd.str_at(&["spec", "names", "kind"]),
        ) else {
            continue;
        };
        let mut versions: Vec<&str> = object::seq(crd, &["spec", "versions"])
            .iter()
            .filter(|v| {
                !matches!(
                    v.get("served").map(|s| &s.value),
                    Some(kubake_yaml::Value::Bool(false))
                )
            })
            .filter_map(|v| v.str_at(&["name"]))
            .collect();
        // apiextensions.k8s.io/v1beta1 CRDs may name a single `spec.version`.
        if let Some(v) = crd.str_at(&["spec", "version"]) {
            versions.push(v);
        }
        for v in versions {
            out.insert(format!("{group}/{v}"));
            out.insert(format!("{group}/{v}/{kind}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubake_yaml::{load_one, Schema};

    fn obj(text: &str) -> Node {
        load_one(text, Schema::Core12).unwrap_or_else(|_| Node::null())
    }

    const CRD: &str = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: clusterissuers.cert-manager.io}\nspec:\n  group: cert-manager.io\n  scope: Cluster\n  names: {kind: ClusterIssuer}\n  versions:\n  - {name: v1, served: true}\n  - {name: v1alpha2, served: false}\n";

    #[test]
    fn builtins_and_crds() {
        let mut s = Scopes::builtin();
        assert!(s.is_cluster_kind("", "Namespace"));
        assert!(s.is_cluster_kind("rbac.authorization.k8s.io", "ClusterRole"));
        assert!(!s.is_cluster_kind("", "ConfigMap"));
        assert!(!s.is_cluster_kind("cert-manager.io", "ClusterIssuer"));
        let crd = obj(CRD);
        s.add_crds([&crd]);
        assert!(s.is_cluster_kind("cert-manager.io", "ClusterIssuer"));
    }

    #[test]
    fn served_versions_become_api_versions() {
        let crd = obj(CRD);
        let v: Vec<String> = crd_api_versions([&crd]).into_iter().collect();
        assert_eq!(
            v,
            ["cert-manager.io/v1", "cert-manager.io/v1/ClusterIssuer"]
        );
    }
}
