//! Resources and their identities: [`Gvk`], [`ResId`] and [`Resource`] (an object plus the
//! bookkeeping kustomize keeps beside it: earlier names, prefixes and suffixes, generator
//! behaviour).
//!
//! kustomize keeps that bookkeeping in internal annotations on the object and strips them
//! before printing; kubake keeps it in fields, so objects never carry build-only data.

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use kubake_yaml::{Node, Value};

/// Group, version and kind.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Gvk {
    /// API group, empty for the core group.
    pub group: String,
    /// API version.
    pub version: String,
    /// Kind.
    pub kind: String,
}

impl Gvk {
    /// Splits an `apiVersion` ("apps/v1", "v1") and a kind.
    pub fn from_api_version(api_version: &str, kind: &str) -> Gvk {
        let (group, version) = match api_version.rsplit_once('/') {
            Some((g, v)) => (g.to_string(), v.to_string()),
            None => (String::new(), api_version.to_string()),
        };
        Gvk {
            group,
            version,
            kind: kind.to_string(),
        }
    }

    /// The `apiVersion` string.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// Whether this GVK matches a selector in which empty parts match anything.
    pub fn is_selected_by(&self, selector: &Gvk) -> bool {
        (selector.group.is_empty() || selector.group == self.group)
            && (selector.version.is_empty() || selector.version == self.version)
            && (selector.kind.is_empty() || selector.kind == self.kind)
    }

    /// Whether objects of this kind live outside namespaces.
    pub fn is_cluster_scoped(&self) -> bool {
        cluster_scoped_kinds()
            .get(self.kind.as_str())
            .is_some_and(|groups| groups.iter().any(|g| *g == self.group))
    }
}

/// kustomize's list of built-in cluster-scoped kinds, from stdlib: kind to its groups.
fn cluster_scoped_kinds() -> &'static HashMap<&'static str, Vec<&'static str>> {
    static KINDS: OnceLock<HashMap<&'static str, Vec<&'static str>>> = OnceLock::new();
    KINDS.get_or_init(|| {
        let mut kinds: HashMap<&'static str, Vec<&'static str>> = HashMap::new();
        let table = include_str!("../../../stdlib/kustomize/cluster-scoped-kinds.txt");
        for line in table.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut parts = line.split('/');
            if let (Some(group), Some(_version), Some(kind)) =
                (parts.next(), parts.next(), parts.next())
            {
                kinds.entry(kind).or_default().push(group);
            }
        }
        kinds
    })
}

impl fmt::Display for Gvk {
    /// kustomize's form: `Kind.version.group` with `[noVer]`/`[noGrp]` placeholders.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = if self.version.is_empty() {
            "[noVer]"
        } else {
            &self.version
        };
        let g = if self.group.is_empty() {
            "[noGrp]"
        } else {
            &self.group
        };
        write!(f, "{}.{}.{}", self.kind, v, g)
    }
}

/// A resource's identity: GVK, name and namespace.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResId {
    /// Group, version, kind.
    pub gvk: Gvk,
    /// metadata.name.
    pub name: String,
    /// metadata.namespace, empty when unset.
    pub namespace: String,
}

impl ResId {
    /// Whether two ids name the same object, treating an empty namespace as `default`
    /// (kustomize's `IsNsEquals`) and ignoring namespaces for cluster-scoped kinds.
    pub fn equals(&self, other: &ResId) -> bool {
        self.gvk == other.gvk && self.name == other.name && self.ns_equals(other)
    }

    /// kustomize's `IsNsEquals`.
    pub fn ns_equals(&self, other: &ResId) -> bool {
        if self.gvk.is_cluster_scoped() || other.gvk.is_cluster_scoped() {
            return true;
        }
        effective_ns(&self.namespace) == effective_ns(&other.namespace)
    }
}

fn effective_ns(ns: &str) -> &str {
    if ns.is_empty() {
        "default"
    } else {
        ns
    }
}

impl fmt::Display for ResId {
    /// kustomize's form: `Kind.version.group/name.namespace`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ns = if self.namespace.is_empty() {
            "[noNs]"
        } else {
            &self.namespace
        };
        let name = if self.name.is_empty() {
            "[noName]"
        } else {
            &self.name
        };
        write!(f, "{}/{}.{}", self.gvk, name, ns)
    }
}

/// How a generated resource combines with an existing one of the same id.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Behavior {
    /// Must not exist yet.
    #[default]
    Create,
    /// Replace the existing one.
    Replace,
    /// Merge data into the existing one.
    Merge,
}

/// Which plugin configuration made or changed a resource.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConfiguredBy {
    /// The plugin's apiVersion (`builtin` for kustomize's own).
    pub api_version: String,
    /// The plugin's kind (`ConfigMapGenerator`, `PrefixTransformer`, …).
    pub kind: String,
    /// The configuration's `metadata.name`, when it has one.
    pub name: Option<String>,
    /// The configuration's `metadata.namespace`, when it has one.
    pub namespace: Option<String>,
}

/// Where a resource came from, or what transformed it (`buildMetadata`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Origin {
    /// Path of the file, relative to the top kustomization's directory.
    pub path: Option<String>,
    /// The file that configured the generator or transformer, relative to the top.
    pub configured_in: Option<String>,
    /// The generator or transformer.
    pub configured_by: Option<ConfiguredBy>,
}

impl Origin {
    /// The origin as kustomize writes it in annotations (kyaml, fields in declaration
    /// order, empty ones left out), each line prefixed with `indent`.
    pub fn to_yaml(&self, first: &str, indent: &str) -> String {
        let mut lines: Vec<String> = Vec::new();
        if let Some(p) = &self.path {
            lines.push(format!("path: {p}"));
        }
        if let Some(c) = &self.configured_in {
            lines.push(format!("configuredIn: {c}"));
        }
        if let Some(by) = &self.configured_by {
            lines.push("configuredBy:".into());
            lines.push(format!("  apiVersion: {}", by.api_version));
            lines.push(format!("  kind: {}", by.kind));
            if let Some(n) = &by.name {
                lines.push(format!("  name: {n}"));
            }
            if let Some(ns) = &by.namespace {
                lines.push(format!("  namespace: {ns}"));
            }
        }
        let mut out = String::new();
        for (i, l) in lines.iter().enumerate() {
            out.push_str(if i == 0 { first } else { indent });
            out.push_str(l);
            out.push('\n');
        }
        out
    }
}

/// An object in the build, with kustomize's bookkeeping.
#[derive(Clone, Debug)]
pub struct Resource {
    /// The object.
    pub node: Node,
    /// Ids this resource had before renames, oldest first (kustomize's previous ids).
    pub prev_ids: Vec<ResId>,
    /// Name prefixes added, outermost last.
    pub prefixes: Vec<String>,
    /// Name suffixes added, outermost last.
    pub suffixes: Vec<String>,
    /// Generated and awaiting its content-hash suffix.
    pub needs_hash: bool,
    /// For generated resources: how they combine with existing ones.
    pub behavior: Behavior,
    /// Where it came from.
    pub origin: Option<Origin>,
    /// What transformed it, in order (`buildMetadata: [transformerAnnotations]`).
    pub transformations: Vec<Origin>,
    /// Names of the `vars` whose objref picked this resource.
    pub ref_var_names: Vec<String>,
}

impl Resource {
    /// Wraps an object read from a file or generated.
    pub fn new(node: Node) -> Self {
        Resource {
            node,
            prev_ids: Vec::new(),
            prefixes: Vec::new(),
            suffixes: Vec::new(),
            needs_hash: false,
            behavior: Behavior::Create,
            origin: None,
            transformations: Vec::new(),
            ref_var_names: Vec::new(),
        }
    }

    /// `kind`.
    pub fn kind(&self) -> &str {
        self.node.str_at(&["kind"]).unwrap_or("")
    }

    /// `metadata.name`.
    pub fn name(&self) -> &str {
        self.node.str_at(&["metadata", "name"]).unwrap_or("")
    }

    /// `metadata.namespace`, empty when unset.
    pub fn namespace(&self) -> &str {
        self.node.str_at(&["metadata", "namespace"]).unwrap_or("")
    }

    /// The GVK from `apiVersion` and `kind`.
    pub fn gvk(&self) -> Gvk {
        Gvk::from_api_version(self.node.str_at(&["apiVersion"]).unwrap_or(""), self.kind())
    }

    /// The current id.
    pub fn cur_id(&self) -> ResId {
        ResId {
            gvk: self.gvk(),
            name: self.name().to_string(),
            namespace: self.namespace().to_string(),
        }
    }

    /// The id the resource had when it entered the build.
    pub fn org_id(&self) -> ResId {
        self.prev_ids
            .first()
            .cloned()
            .unwrap_or_else(|| self.cur_id())
    }

    /// Earlier ids, or the original id when it was never renamed (kustomize's `PrevIds`).
    pub fn prev_ids_or_org(&self) -> Vec<ResId> {
        if self.prev_ids.is_empty() {
            vec![self.cur_id()]
        } else {
            self.prev_ids.clone()
        }
    }

    /// Records the current id as a previous one, before a rename.
    pub fn store_previous_id(&mut self) {
        let id = self.cur_id();
        self.prev_ids.push(id);
    }

    /// Sets `metadata.name`.
    pub fn set_name(&mut self, name: &str) {
        set_metadata_field(&mut self.node, "name", Some(name));
    }

    /// Sets or clears `metadata.namespace`.
    pub fn set_namespace(&mut self, namespace: Option<&str>) {
        set_metadata_field(&mut self.node, "namespace", namespace);
    }

    /// The `metadata.labels` or `metadata.annotations` map as pairs.
    pub fn string_map(&self, field: &str) -> Vec<(String, String)> {
        self.node
            .get_path(&["metadata", field])
            .and_then(Node::as_map)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.to_string(), v.scalar_text().unwrap_or_default()))
                    .collect()
            })
            .unwrap_or_default()
    }
}

fn set_metadata_field(node: &mut Node, field: &str, value: Option<&str>) {
    let Some(root) = node.as_map_mut() else {
        return;
    };
    let meta = root.get_or_insert_with("metadata", Node::map);
    if !matches!(meta.value, Value::Map(_)) {
        *meta = Node::map();
    }
    if let Some(m) = meta.as_map_mut() {
        match value {
            Some(v) => m.insert(field, Node::str(v)),
            None => {
                m.remove(field);
            }
        }
    }
}
