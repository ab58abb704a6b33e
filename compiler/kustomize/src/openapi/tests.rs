//! Tests of `crate::openapi`.
use super::*;
use kubake_yaml::{load_one, Schema as Yaml};

fn builtin() -> Schema {
    Schema::builtin()
}

#[test]
fn builtin_extract_parses() {
    let t = builtin::build(BUILTIN_JSON).expect("the embedded extract must parse");
    assert!(t.kinds.len() > 250, "kinds: {}", t.kinds.len());
}

#[test]
fn kinds_by_group_version_kind() {
    let s = builtin();
    assert!(s.for_kind("apps", "v1", "Deployment").is_some());
    assert!(s.for_kind("", "v1", "Pod").is_some());
    assert!(s.for_api_version("v1", "Service").is_some());
    assert!(s.for_api_version("apps/v1", "StatefulSet").is_some());
    assert!(s.for_kind("example.com", "v1", "Foo").is_none());
    assert!(s.for_kind("apps", "v1", "Pod").is_none());
}

#[test]
fn containers_merge_by_name() {
    let s = builtin();
    let d = s.for_kind("apps", "v1", "Deployment").expect("Deployment");
    let c = d
        .field("spec")
        .and_then(|f| f.field("template"))
        .and_then(|f| f.field("spec"))
        .and_then(|f| f.field("containers"))
        .expect("containers");
    assert!(c.is_list());
    assert!(c.is_associative());
    assert_eq!(c.merge_key(), Some("name"));
    assert_eq!(c.strategies(), vec![Strategy::Merge]);
    let env = c.items().and_then(|i| i.field("env")).expect("env");
    assert_eq!(env.merge_keys().collect::<Vec<_>>(), vec!["name"]);
}

#[test]
fn volumes_strategy_list() {
    let s = builtin();
    let v = s
        .for_kind("", "v1", "Pod")
        .and_then(|p| p.field("spec"))
        .and_then(|f| f.field("volumes"))
        .expect("volumes");
    assert_eq!(v.patch_strategy(), Some("merge,retainKeys"));
    assert_eq!(v.strategies(), vec![Strategy::Merge, Strategy::RetainKeys]);
    assert!(v.is_associative());
}

#[test]
fn ports_use_list_map_keys() {
    let s = builtin();
    let ports = s
        .for_kind("", "v1", "Service")
        .and_then(|p| p.field("spec"))
        .and_then(|f| f.field("ports"))
        .expect("ports");
    assert_eq!(
        ports.merge_keys().collect::<Vec<_>>(),
        vec!["port", "protocol"]
    );
    let cports = s
        .for_kind("", "v1", "Pod")
        .and_then(|p| p.field("spec"))
        .and_then(|f| f.field("containers"))
        .and_then(|c| c.items())
        .and_then(|c| c.field("ports"))
        .expect("container ports");
    assert_eq!(
        cports.merge_keys().collect::<Vec<_>>(),
        vec!["containerPort", "protocol"]
    );
}

#[test]
fn scalar_set_lists_have_no_keys() {
    let s = builtin();
    let f = s
        .for_kind("", "v1", "ConfigMap")
        .and_then(|p| p.field("metadata"))
        .and_then(|f| f.field("finalizers"))
        .expect("finalizers");
    assert!(f.is_associative());
    assert_eq!(f.merge_key(), None);
}

#[test]
fn lists_without_strategy_are_not_associative() {
    let s = builtin();
    let t = s
        .for_kind("", "v1", "Pod")
        .and_then(|p| p.field("spec"))
        .and_then(|f| f.field("tolerations"))
        .expect("tolerations");
    assert!(t.is_list());
    assert!(!t.is_associative());
    assert_eq!(t.merge_key(), None);
}

#[test]
fn map_values_have_a_schema() {
    let s = builtin();
    let crd = s
        .for_kind("apiextensions.k8s.io", "v1", "CustomResourceDefinition")
        .expect("CRD");
    let props = crd
        .field("spec")
        .and_then(|f| f.field("versions"))
        .and_then(|f| f.items())
        .and_then(|f| f.field("schema"))
        .and_then(|f| f.field("openAPIV3Schema"))
        .and_then(|f| f.field("properties"))
        .expect("properties");
    assert!(props.field("anything").is_some());
    assert!(props.map_values().is_some());
}

#[test]
fn unknown_fields_have_no_schema() {
    let s = builtin();
    let d = s.for_kind("apps", "v1", "Deployment").expect("Deployment");
    assert!(d.field("nosuchfield").is_none());
}

const CUSTOM: &str = r##"{
  "definitions": {
    "com.example.v1.Foo": {
      "type": "object",
      "properties": {
        "spec": {"$ref": "#/definitions/com.example.v1.FooSpec"}
      },
      "x-kubernetes-group-version-kind": [{"group": "example.com", "kind": "Foo", "version": "v1"},
                                           {"group": "example.com", "kind": "Foo", "version": "v2"}]
    },
    "com.example.v1.FooSpec": {
      "type": "object",
      "properties": {
        "items": {"type": "array", "x-kubernetes-patch-merge-key": "id",
                  "x-kubernetes-patch-strategy": "merge",
                  "items": {"type": "object", "properties": {
                    "tags": {"type": "array", "x-kubernetes-patch-strategy": "merge", "items": {"type": "string"}}}}},
        "pairs": {"type": "array", "x-kubernetes-patch-merge-key": "a",
                  "x-kubernetes-list-map-keys": ["a", "b"],
                  "x-kubernetes-patch-strategy": "merge",
                  "items": {"$ref": "#/definitions/com.example.v1.Pair"}},
        "byName": {"type": "object", "additionalProperties": {"$ref": "#/definitions/com.example.v1.Pair"}}
      }
    },
    "com.example.v1.Pair": {"type": "object", "properties": {"a": {"type": "string"}}},
    "com.example.v1.Alias": {"$ref": "#/definitions/com.example.v1.FooSpec"}
  }
}"##;

fn custom() -> Schema {
    let doc = load_one(CUSTOM, Yaml::Core12).expect("yaml");
    Schema::with_custom(&doc).expect("custom schema")
}

#[test]
fn custom_schema_kinds_and_refs() {
    let s = custom();
    assert!(s.is_custom());
    let foo = s.for_kind("example.com", "v1", "Foo").expect("Foo v1");
    assert!(s.for_api_version("example.com/v2", "Foo").is_some());
    let items = foo
        .field("spec")
        .and_then(|f| f.field("items"))
        .expect("items");
    assert!(items.is_associative());
    assert_eq!(items.merge_key(), Some("id"));
    let tags = items.items().and_then(|i| i.field("tags")).expect("tags");
    assert!(tags.is_associative());
    assert_eq!(tags.merge_key(), None);
}

#[test]
fn custom_schema_list_map_keys_and_maps() {
    let s = custom();
    let spec = s
        .for_kind("example.com", "v1", "Foo")
        .and_then(|f| f.field("spec"))
        .expect("spec");
    let pairs = spec.field("pairs").expect("pairs");
    assert_eq!(pairs.merge_keys().collect::<Vec<_>>(), vec!["a", "b"]);
    assert!(pairs.items().and_then(|i| i.field("a")).is_some());
    assert!(spec
        .field("byName")
        .and_then(|m| m.field("x"))
        .and_then(|p| p.field("a"))
        .is_some());
}

#[test]
fn custom_schema_replaces_builtin() {
    let s = custom();
    assert!(s.for_kind("apps", "v1", "Deployment").is_none());
}

#[test]
fn custom_schema_over_builtin_keeps_builtin_kinds_and_refs() {
    let doc = load_one(
        "definitions:\n  com.example.v1.Pod:\n    x-kubernetes-group-version-kind: [{group: example.com, kind: Pod, version: v1}]\n    properties:\n      spec: {$ref: '#/definitions/io.k8s.api.core.v1.PodSpec'}\n",
        Yaml::Core12,
    )
    .expect("yaml");
    let s = Schema::with_custom_over_builtin(&doc).expect("custom");
    assert!(s.for_kind("apps", "v1", "Deployment").is_some());
    let containers = s
        .for_kind("example.com", "v1", "Pod")
        .and_then(|p| p.field("spec"))
        .and_then(|p| p.field("containers"))
        .expect("containers through the builtin PodSpec");
    assert_eq!(containers.merge_key(), Some("name"));
    assert!(Schema::with_custom(&doc)
        .expect("custom")
        .for_kind("example.com", "v1", "Pod")
        .and_then(|p| p.field("spec"))
        .and_then(|p| p.field("containers"))
        .is_none());
}

#[test]
fn custom_schema_rejects_non_mapping() {
    let doc = load_one("[1, 2]", Yaml::Core12).expect("yaml");
    assert!(Schema::with_custom(&doc).is_err());
    let doc = load_one("definitions: 3", Yaml::Core12).expect("yaml");
    assert!(Schema::with_custom(&doc).is_err());
}

#[test]
fn custom_schema_tolerates_odd_input() {
    let doc = load_one(
        "definitions:\n  a: {$ref: '#/definitions/a'}\n  b: {$ref: '#/definitions/missing', x-kubernetes-group-version-kind: [{kind: B, version: v1}]}\n  c: 5\n",
        Yaml::Core12,
    )
    .expect("yaml");
    let s = Schema::with_custom(&doc).expect("custom");
    // A reference cycle or a dangling reference gives no schema, not a hang or a panic.
    assert!(s.for_kind("", "v1", "B").is_none());
}
