//! What strategic-merge patches need to know about a type: which fields are lists, their
//! merge keys and patch strategies, and the schema of list items, objects and map values.
//!
//! kustomize v5.6 reads this from the OpenAPI document of Kubernetes v1.21.2 built into
//! kyaml, or, when a kustomization says `openapi: {path: file}`, from that file **instead**
//! (kyaml's `initSchema` parses either the custom document or the builtin one; kubake
//! checked this against kustomize v5.6: with a custom schema that only describes a CRD, a
//! Deployment's `containers` stop merging by name). kyaml's definitions are one global
//! table that is only ever added to, though: when the builtin document was already parsed
//! before a sub-kustomization's custom schema is set, the custom definitions land on top of
//! the builtin ones ([`Schema::with_custom_over_builtin`]). kubake ships an extract of the
//! builtin document, `stdlib/openapi/k8s-merge-schema.json`, embedded at compile time.
//!
//! The model mirrors kyaml's `openapi.ResourceSchema`: a schema node has properties (or
//! `additionalProperties` for maps), may be an array with items, and may carry
//! `x-kubernetes-patch-strategy`, `x-kubernetes-patch-merge-key` and
//! `x-kubernetes-list-map-keys`. `$ref`s are resolved once, when the tables are built,
//! into indices, so a lookup is a binary search in a small sorted slice.
//!
//! Not here: merging itself ([`crate::smp`]), namespace scope (a precomputed table in the
//! resource code), and the `crds:` field of a kustomization, which in kustomize v5.6 only
//! feeds transformer configuration (name references, labels, annotations) and has no effect
//! on merge keys (also checked against kustomize v5.6).

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, OnceLock};

use kubake_yaml::{Mapping, Node, Value};

/// The builtin extract, see `stdlib/openapi/README.md` for its format.
const BUILTIN_JSON: &str = include_str!("../../../stdlib/openapi/k8s-merge-schema.json");

/// `x-kubernetes-list-map-keys` of the builtin lists that also have a patch strategy and
/// more than one key. The extract does not carry list-map keys, but kyaml prefers them to
/// the merge key (`PatchStrategyAndKeyList`), which is what lets a Service expose port 53
/// over both TCP and UDP. Taken from the Kubernetes v1.21.0 schema the extract comes from;
/// the other lists with list-map keys have none or a single key equal to the merge key.
const BUILTIN_LIST_MAP_KEYS: &[(&str, &str, &[&str])] = &[
    (
        "io.k8s.api.core.v1.Container",
        "ports",
        &["containerPort", "protocol"],
    ),
    (
        "io.k8s.api.core.v1.PodSpec",
        "topologySpreadConstraints",
        &["topologyKey", "whenUnsatisfiable"],
    ),
    (
        "io.k8s.api.core.v1.ServiceSpec",
        "ports",
        &["port", "protocol"],
    ),
];

/// How deep `$ref` chains and inline schemas are followed; deeper is treated as no schema.
const MAX_DEPTH: usize = 64;

type NodeId = u32;

/// One schema node, with its references already resolved to indices.
#[derive(Clone, Debug, Default)]
struct SchemaNode {
    /// Properties, sorted by name.
    props: Vec<(Box<str>, NodeId)>,
    /// `additionalProperties`: the schema of a map's values.
    additional: Option<NodeId>,
    /// Whether the type is exactly `array` (kyaml only gives items of those).
    array: bool,
    /// The items of an array.
    items: Option<NodeId>,
    /// `x-kubernetes-patch-strategy`, as written (`merge,retainKeys`).
    strategy: Option<Box<str>>,
    /// `x-kubernetes-list-map-keys` when present, else `[x-kubernetes-patch-merge-key]`.
    keys: Vec<Box<str>>,
    /// For a definition that is only a `$ref` to another: the target, followed on lookup.
    alias: Option<NodeId>,
}

/// Every schema node of one document, and its kinds.
#[derive(Clone, Debug, Default)]
struct Tables {
    nodes: Vec<SchemaNode>,
    /// Definition name to its node, so a later document can add to or replace definitions.
    defs: HashMap<Box<str>, NodeId>,
    /// `group/version/Kind` (group empty for the core group) to the kind's definition.
    kinds: HashMap<String, NodeId>,
}

impl Tables {
    fn push(&mut self, node: SchemaNode) -> NodeId {
        self.nodes.push(node);
        NodeId::try_from(self.nodes.len() - 1).unwrap_or(NodeId::MAX)
    }

    fn node(&self, id: NodeId) -> Option<&SchemaNode> {
        self.nodes.get(id as usize)
    }

    /// Follows definition aliases (`{"$ref": ...}` definitions) to the real node.
    fn resolve(&self, mut id: NodeId) -> Option<NodeId> {
        for _ in 0..MAX_DEPTH {
            match self.node(id)?.alias {
                Some(next) => id = next,
                None => return Some(id),
            }
        }
        None
    }
}

/// A patch strategy named in `x-kubernetes-patch-strategy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// `merge`: the list is merged by key (or as a set, for scalars).
    Merge,
    /// `replace`: the list is replaced.
    Replace,
    /// `retainKeys`: kyaml does not act on it (nor on the `$retainKeys` directive).
    RetainKeys,
}

/// Merge metadata for every kind kustomize knows: the builtin Kubernetes schema, or a
/// user's custom OpenAPI document that replaces it.
///
/// Cheap to clone (the tables are shared).
#[derive(Clone)]
pub struct Schema {
    tables: Arc<Tables>,
    custom: bool,
}

impl fmt::Debug for Schema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Schema")
            .field("custom", &self.custom)
            .field("nodes", &self.tables.nodes.len())
            .field("kinds", &self.tables.kinds.len())
            .finish()
    }
}

impl Default for Schema {
    fn default() -> Self {
        Schema::builtin()
    }
}

impl Schema {
    /// The builtin Kubernetes v1.21 schema (what `openapi: {version: v1.21.2}` selects, and
    /// the default). Parsed once per process.
    pub fn builtin() -> Schema {
        builtin_static().clone()
    }

    /// The builtin schema, borrowed for the life of the process.
    pub fn builtin_ref() -> &'static Schema {
        builtin_static()
    }

    /// The schema of a custom OpenAPI v2 document (`openapi: {path: file}`): its
    /// `definitions`, with kinds from each definition's `x-kubernetes-group-version-kind`.
    ///
    /// As in kustomize, the result **replaces** the builtin schema: kinds the document does
    /// not describe have no merge keys at all.
    pub fn with_custom(doc: &Node) -> Result<Schema, String> {
        let root = match &doc.value {
            Value::Map(m) => m,
            Value::Null => {
                return Ok(Schema {
                    tables: Arc::new(Tables::default()),
                    custom: true,
                })
            }
            other => {
                return Err(format!(
                    "invalid schema file: expected an OpenAPI document (a mapping), found a {}",
                    other.type_name()
                ))
            }
        };
        let tables = custom::build(root, Tables::default())?;
        Ok(Schema {
            tables: Arc::new(tables),
            custom: true,
        })
    }

    /// The builtin schema with a custom document's definitions added on top (a definition
    /// of the same name replaces the builtin one, and `$ref`s reach either): what kyaml's
    /// global schema holds when a custom schema is set after the builtin one was parsed.
    pub fn with_custom_over_builtin(doc: &Node) -> Result<Schema, String> {
        let Value::Map(root) = &doc.value else {
            return Schema::with_custom(doc);
        };
        let tables = custom::build(root, builtin_static().tables.as_ref().clone())?;
        Ok(Schema {
            tables: Arc::new(tables),
            custom: true,
        })
    }

    /// Whether this schema came from a custom document.
    pub fn is_custom(&self) -> bool {
        self.custom
    }

    /// The schema of a kind; `group` is empty for the core group.
    pub fn for_kind(&self, group: &str, version: &str, kind: &str) -> Option<SchemaRef<'_>> {
        let id = *self
            .tables
            .kinds
            .get(&format!("{group}/{version}/{kind}"))?;
        self.at(id)
    }

    /// The schema of a kind given an `apiVersion` (`apps/v1`, or `v1` for the core group).
    pub fn for_api_version(&self, api_version: &str, kind: &str) -> Option<SchemaRef<'_>> {
        let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
        self.for_kind(group, version, kind)
    }

    fn at(&self, id: NodeId) -> Option<SchemaRef<'_>> {
        let id = self.tables.resolve(id)?;
        Some(SchemaRef { schema: self, id })
    }
}

fn builtin_static() -> &'static Schema {
    static BUILTIN: OnceLock<Schema> = OnceLock::new();
    BUILTIN.get_or_init(|| Schema {
        // The embedded file is checked by the tests; a broken one means no merge keys
        // rather than a panic in a user's build.
        tables: Arc::new(builtin::build(BUILTIN_JSON).unwrap_or_default()),
        custom: false,
    })
}

/// A position in a [`Schema`]: an object, a list, a map or a scalar field. Walks alongside
/// a document: [`SchemaRef::field`] for a mapping key, [`SchemaRef::items`] for list items.
#[derive(Clone, Copy)]
pub struct SchemaRef<'a> {
    schema: &'a Schema,
    id: NodeId,
}

impl fmt::Debug for SchemaRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SchemaRef")
            .field("id", &self.id)
            .field("list", &self.is_list())
            .field("strategy", &self.patch_strategy())
            .field("keys", &self.merge_keys().collect::<Vec<_>>())
            .finish()
    }
}

impl<'a> SchemaRef<'a> {
    fn node(&self) -> Option<&'a SchemaNode> {
        self.schema.tables.node(self.id)
    }

    /// The schema this position belongs to (for looking up kinds embedded in a document).
    pub fn schema(&self) -> &'a Schema {
        self.schema
    }

    /// The schema of a field of this object, or of the values when this is a map
    /// (`additionalProperties`). `None` when the schema says nothing about the field.
    pub fn field(&self, name: &str) -> Option<SchemaRef<'a>> {
        let node = self.node()?;
        let id = match node.props.binary_search_by(|(k, _)| (**k).cmp(name)) {
            Ok(i) => node.props[i].1,
            Err(_) => node.additional?,
        };
        self.schema.at(id)
    }

    /// The schema of a map's values (`additionalProperties`).
    pub fn map_values(&self) -> Option<SchemaRef<'a>> {
        self.schema.at(self.node()?.additional?)
    }

    /// The schema of the items, when this is a list.
    pub fn items(&self) -> Option<SchemaRef<'a>> {
        let node = self.node()?;
        if !node.array {
            return None;
        }
        self.schema.at(node.items?)
    }

    /// Whether this is a list.
    pub fn is_list(&self) -> bool {
        self.node().is_some_and(|n| n.array)
    }

    /// `x-kubernetes-patch-strategy` as written, e.g. `merge,retainKeys`.
    pub fn patch_strategy(&self) -> Option<&'a str> {
        self.node()?.strategy.as_deref()
    }

    /// The strategies named by `x-kubernetes-patch-strategy`, in order; unknown names are
    /// skipped.
    pub fn strategies(&self) -> Vec<Strategy> {
        self.patch_strategy()
            .into_iter()
            .flat_map(|s| s.split(','))
            .filter_map(|s| match s {
                "merge" => Some(Strategy::Merge),
                "replace" => Some(Strategy::Replace),
                "retainKeys" => Some(Strategy::RetainKeys),
                _ => None,
            })
            .collect()
    }

    /// Whether a list here merges item by item: kyaml's `IsAssociative`, true when one of
    /// the comma-separated strategies is exactly `merge`.
    pub fn is_associative(&self) -> bool {
        self.patch_strategy()
            .is_some_and(|s| s.split(',').any(|s| s == "merge"))
    }

    /// The keys that identify an item, as kyaml's `PatchStrategyAndKeyList` gives them:
    /// nothing unless there is a patch strategy; then `x-kubernetes-list-map-keys` when
    /// present, else the merge key. Empty for a list of scalars merged as a set.
    pub fn merge_keys(&self) -> impl Iterator<Item = &'a str> + 'a {
        let keys: &'a [Box<str>] = match self.node() {
            Some(n) if n.strategy.is_some() => &n.keys,
            _ => &[],
        };
        keys.iter().map(|k| &**k)
    }

    /// The first merge key (`x-kubernetes-patch-merge-key` for the builtin lists).
    pub fn merge_key(&self) -> Option<&'a str> {
        self.merge_keys().next()
    }
}

/// Reading the builtin extract.
mod builtin {
    use super::*;
    use serde_json::Value as Json;

    pub(super) fn build(text: &str) -> Option<Tables> {
        let doc: Json = serde_json::from_str(text).ok()?;
        let defs = doc.get("definitions")?.as_object()?;
        let mut t = Tables::default();
        // Definitions first, so that properties can point at any of them.
        let mut ids: HashMap<&str, NodeId> = HashMap::new();
        for name in defs.keys() {
            let id = t.push(SchemaNode::default());
            ids.insert(name.as_str(), id);
            t.defs.insert(Box::from(name.as_str()), id);
        }
        for (name, props) in defs {
            let Some(props) = props.as_object() else {
                continue;
            };
            let mut out: Vec<(Box<str>, NodeId)> = Vec::with_capacity(props.len());
            for (prop, field) in props {
                let list_keys = BUILTIN_LIST_MAP_KEYS
                    .iter()
                    .find(|(d, p, _)| d == name && p == prop)
                    .map(|(_, _, keys)| *keys);
                if let Some(id) = property(&mut t, &ids, field, list_keys) {
                    out.push((Box::from(prop.as_str()), id));
                }
            }
            out.sort_by(|a, b| a.0.cmp(&b.0));
            if let Some(&id) = ids.get(name.as_str()) {
                t.nodes[id as usize].props = out;
            }
        }
        if let Some(kinds) = doc.get("kinds").and_then(Json::as_object) {
            for (gvk, def) in kinds {
                if let Some(&id) = def.as_str().and_then(|d| ids.get(d)) {
                    t.kinds.insert(gvk.clone(), id);
                }
            }
        }
        Some(t)
    }

    /// One property entry: `{ref}`, `{list, items?, mergeKey?, strategy?}`, `{map}` or
    /// `{strategy}`.
    fn property(
        t: &mut Tables,
        ids: &HashMap<&str, NodeId>,
        field: &Json,
        list_keys: Option<&[&str]>,
    ) -> Option<NodeId> {
        let def = |key: &str| {
            field
                .get(key)
                .and_then(Json::as_str)
                .and_then(|d| ids.get(d).copied())
        };
        let strategy = field.get("strategy").and_then(Json::as_str).map(Box::from);
        if field.get("list").and_then(Json::as_bool) == Some(true) {
            let keys = match list_keys {
                Some(keys) => keys.iter().map(|k| Box::from(*k)).collect(),
                None => field
                    .get("mergeKey")
                    .and_then(Json::as_str)
                    .map(Box::from)
                    .into_iter()
                    .collect(),
            };
            return Some(t.push(SchemaNode {
                array: true,
                items: def("items"),
                strategy,
                keys,
                ..SchemaNode::default()
            }));
        }
        // A `$ref` stands for the referenced definition; kyaml drops the siblings of a
        // `$ref` (such as `retainKeys` on DeploymentSpec.strategy) when it resolves it.
        if let Some(id) = def("ref") {
            return Some(id);
        }
        if let Some(values) = def("map") {
            return Some(t.push(SchemaNode {
                additional: Some(values),
                ..SchemaNode::default()
            }));
        }
        Some(t.push(SchemaNode {
            strategy,
            ..SchemaNode::default()
        }))
    }
}

/// Reading a user's OpenAPI v2 document, as kyaml reads it with go-openapi's `spec.Swagger`.
mod custom {
    use super::*;

    const GVK: &str = "x-kubernetes-group-version-kind";
    const STRATEGY: &str = "x-kubernetes-patch-strategy";
    const MERGE_KEY: &str = "x-kubernetes-patch-merge-key";
    const LIST_MAP_KEYS: &str = "x-kubernetes-list-map-keys";

    struct Builder {
        tables: Tables,
    }

    /// Adds the document's definitions and kinds to `base` (empty for a schema of its own).
    pub(super) fn build(root: &Mapping, base: Tables) -> Result<Tables, String> {
        let defs = match root.get("definitions").map(|d| &d.value) {
            None | Some(Value::Null) => return Ok(Tables::default()),
            Some(Value::Map(m)) => m,
            Some(other) => {
                return Err(format!(
                    "invalid schema file: `definitions` must be a mapping, found a {}",
                    other.type_name()
                ))
            }
        };
        let mut b = Builder { tables: base };
        for (name, _) in defs.iter() {
            if !b.tables.defs.contains_key(name) {
                let id = b.tables.push(SchemaNode::default());
                b.tables.defs.insert(Box::from(name), id);
            }
        }
        for (name, def) in defs.iter() {
            let Some(&id) = b.tables.defs.get(name) else {
                continue;
            };
            let node = b.schema_node(def, 0);
            b.tables.nodes[id as usize] = node;
            for gvk in gvks(def) {
                b.tables.kinds.insert(gvk, id);
            }
        }
        Ok(b.tables)
    }

    /// The `group/version/Kind` keys a definition claims. kyaml needs `version` and `kind`
    /// to be strings; entries without them are skipped.
    fn gvks(def: &Node) -> Vec<String> {
        let Some(list) = extension(def, GVK).and_then(Node::as_seq) else {
            return Vec::new();
        };
        list.iter()
            .filter_map(|e| {
                let version = e.get("version")?.as_str()?;
                let kind = e.get("kind")?.as_str()?;
                let group = e.get("group").and_then(Node::as_str).unwrap_or("");
                Some(format!("{group}/{version}/{kind}"))
            })
            .collect()
    }

    /// go-openapi lower-cases extension names, so their lookup ignores case.
    fn extension<'n>(node: &'n Node, name: &str) -> Option<&'n Node> {
        node.as_map()?
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    impl Builder {
        /// The node for an inline schema; a `$ref` makes it an alias of the target.
        fn schema_node(&mut self, s: &Node, depth: usize) -> SchemaNode {
            if s.as_map().is_none() || depth > MAX_DEPTH {
                return SchemaNode::default();
            }
            if let Some(r) = s.get("$ref").and_then(Node::as_str) {
                // kyaml replaces a schema with a `$ref` by its target, siblings and all.
                return SchemaNode {
                    alias: Some(self.reference(r).unwrap_or(NodeId::MAX)),
                    ..SchemaNode::default()
                };
            }
            let mut node = SchemaNode::default();
            if let Some(props) = s.get("properties").and_then(Node::as_map) {
                for (name, p) in props.iter() {
                    if let Some(id) = self.child(p, depth) {
                        node.props.push((Box::from(name), id));
                    }
                }
                node.props.sort_by(|a, b| a.0.cmp(&b.0));
            }
            if let Some(a) = s
                .get("additionalProperties")
                .filter(|a| a.as_map().is_some())
            {
                node.additional = self.child(a, depth);
            }
            node.array = match s.get("type").map(|t| &t.value) {
                Some(Value::Str(t)) => t == "array",
                Some(Value::Seq(ts)) => ts.len() == 1 && ts[0].as_str() == Some("array"),
                _ => false,
            };
            // A list of item schemas (a tuple) gives no items schema in kyaml.
            if let Some(items) = s.get("items").filter(|i| i.as_map().is_some()) {
                node.items = self.child(items, depth);
            }
            node.strategy = extension(s, STRATEGY).and_then(Node::as_str).map(Box::from);
            let list_keys: Option<Vec<Box<str>>> = extension(s, LIST_MAP_KEYS)
                .and_then(Node::as_seq)
                .map(|ks| ks.iter().filter_map(Node::as_str).map(Box::from).collect());
            node.keys = match list_keys {
                Some(keys) => keys,
                None => extension(s, MERGE_KEY)
                    .and_then(Node::as_str)
                    .map(Box::from)
                    .into_iter()
                    .collect(),
            };
            node
        }

        /// A property, additionalProperties or items schema: a `$ref` points straight at
        /// its definition; an inline schema gets a node of its own.
        fn child(&mut self, s: &Node, depth: usize) -> Option<NodeId> {
            if let Some(r) = s.get("$ref").and_then(Node::as_str) {
                return self.reference(r);
            }
            let node = self.schema_node(s, depth + 1);
            Some(self.tables.push(node))
        }

        /// A `$ref` to a definition of this document (`#/definitions/NAME`, JSON-pointer
        /// escaped). Other targets are not supported and give no schema, as an
        /// unresolvable reference does in kyaml.
        fn reference(&self, r: &str) -> Option<NodeId> {
            let name = r.strip_prefix("#/definitions/")?;
            if name.contains('/') {
                return None;
            }
            let name = name.replace("~1", "/").replace("~0", "~");
            self.tables.defs.get(name.as_str()).copied()
        }
    }
}

#[cfg(test)]
mod tests;
