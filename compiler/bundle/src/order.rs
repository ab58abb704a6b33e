//! The order of documents inside one unit's file: kind install order
//! (`stdlib/helm/install-order.txt`: Helm's `InstallOrder` with Namespaces and CRDs
//! first), kinds not listed after all listed ones by name, then namespace, name and API
//! version.
//!
//! Not here: the order of files (their names, from apply levels).

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::OnceLock;

use kubake_gitops::object;
use kubake_yaml::Node;

const INSTALL_ORDER: &str = include_str!("../../../stdlib/helm/install-order.txt");

fn table() -> &'static HashMap<&'static str, usize> {
    static TABLE: OnceLock<HashMap<&'static str, usize>> = OnceLock::new();
    TABLE.get_or_init(|| {
        INSTALL_ORDER
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .enumerate()
            .map(|(i, k)| (k, i))
            .collect()
    })
}

/// The position of `kind` in the install order (`None` for kinds not listed).
pub fn kind_rank(kind: &str) -> Option<usize> {
    table().get(kind).copied()
}

/// Compares two objects for their place in a unit's file.
pub fn compare(a: &Node, b: &Node) -> Ordering {
    let (ka, kb) = (object::kind(a), object::kind(b));
    let by_kind = match (kind_rank(ka), kind_rank(kb)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => ka.cmp(kb),
    };
    by_kind
        .then_with(|| object::namespace(a).cmp(object::namespace(b)))
        .then_with(|| object::name(a).cmp(object::name(b)))
        .then_with(|| object::api_version(a).cmp(object::api_version(b)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubake_yaml::{load_one, Schema};

    fn o(kind: &str, ns: &str, name: &str) -> Node {
        load_one(
            &format!(
                "apiVersion: v1\nkind: {kind}\nmetadata: {{name: {name}, namespace: '{ns}'}}\n"
            ),
            Schema::Core12,
        )
        .unwrap_or_else(|_| Node::null())
    }

    #[test]
    fn namespaces_and_crds_first_unknown_kinds_last() {
        let mut v = [
            o("Widget", "a", "w"),
            o("Deployment", "a", "d"),
            o("CustomResourceDefinition", "", "c"),
            o("Gadget", "a", "g"),
            o("Namespace", "", "a"),
            o("ConfigMap", "b", "x"),
            o("ConfigMap", "a", "y"),
        ];
        v.sort_by(compare);
        let kinds: Vec<String> = v
            .iter()
            .map(|n| format!("{}:{}", object::kind(n), object::name(n)))
            .collect();
        assert_eq!(
            kinds,
            [
                "Namespace:a",
                "CustomResourceDefinition:c",
                "ConfigMap:y",
                "ConfigMap:x",
                "Deployment:d",
                "Gadget:g",
                "Widget:w"
            ]
        );
    }
}
