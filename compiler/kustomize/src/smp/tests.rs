//! Tests of `crate::smp`.
use super::*;
use kubake_yaml::{load_one, Schema as Yaml};

fn yaml(text: &str) -> Node {
    load_one(text, Yaml::Core12).expect("test YAML must load")
}

/// Applies `patch` to `target` with the builtin schema.
fn smp(target: &str, patch: &str) -> Option<Node> {
    apply_with_schema(&yaml(target), &yaml(patch), &Schema::builtin()).expect("patch must apply")
}

fn assert_smp(target: &str, patch: &str, want: &str) {
    let got = smp(target, patch).expect("object must remain");
    let want = yaml(want);
    assert!(
        got == want,
        "got:\n{}\nwant:\n{}",
        kubake_yaml::to_yaml(&got),
        kubake_yaml::to_yaml(&want)
    );
}

fn smp_err(target: &str, patch: &str) -> SmpError {
    apply_with_schema(&yaml(target), &yaml(patch), &Schema::builtin()).expect_err("patch must fail")
}

const DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n";
const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n";
const CRD: &str = "apiVersion: example.com/v1\nkind: Foo\nmetadata: {name: f}\n";

fn deploy(rest: &str) -> String {
    format!("{DEPLOY}{rest}")
}

fn pod(rest: &str) -> String {
    format!("{POD}{rest}")
}

fn crd(rest: &str) -> String {
    format!("{CRD}{rest}")
}

#[test]
fn maps_merge_recursively() {
    assert_smp(
        &deploy("spec: {replicas: 1, template: {metadata: {labels: {a: '1'}}}}"),
        &deploy("spec: {template: {metadata: {labels: {b: '2'}}}}"),
        &deploy("spec: {replicas: 1, template: {metadata: {labels: {a: '1', b: '2'}}}}"),
    );
}

#[test]
fn scalars_are_replaced() {
    assert_smp(
        &deploy("spec: {replicas: 1, paused: false}"),
        &deploy("spec: {replicas: 3}"),
        &deploy("spec: {replicas: 3, paused: false}"),
    );
}

#[test]
fn patch_labels_and_annotations_merge_into_metadata() {
    assert_smp(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, labels: {a: x}}\ndata: {k: v}\n",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, labels: {b: y}, annotations: {n: z}}\n",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, labels: {a: x, b: y}, annotations: {n: z}}\ndata: {k: v}\n",
    );
}

#[test]
fn null_in_patch_deletes_key() {
    assert_smp(
        &deploy("spec: {replicas: 1, paused: false, strategy: {type: Recreate}}"),
        &deploy("spec: {paused: null, strategy: ~, minReadySeconds: null}"),
        &deploy("spec: {replicas: 1}"),
    );
}

#[test]
fn patch_creates_missing_maps_without_its_nulls() {
    assert_smp(
        &deploy("spec: {replicas: 1}"),
        &deploy(
            "spec: {template: {metadata: {labels: {a: x, b: null}, annotations: {c: {d: null}}}}}",
        ),
        &deploy(
            "spec: {replicas: 1, template: {metadata: {labels: {a: x}, annotations: {c: {}}}}}",
        ),
    );
}

#[test]
fn nulls_spelled_out_in_target_are_kept() {
    assert_smp(
        &deploy("spec: {strategy: null, template: {metadata: {creationTimestamp: null}}}"),
        &deploy("spec: {replicas: 2}"),
        &deploy(
            "spec: {replicas: 2, strategy: null, template: {metadata: {creationTimestamp: null}}}",
        ),
    );
}

#[test]
fn null_target_value_takes_patch_map() {
    assert_smp(
        &crd("spec: {a: null}"),
        &crd("spec: {a: {x: 1, y: null}}"),
        &crd("spec: {a: {x: 1}}"),
    );
}

#[test]
fn containers_merge_by_name_patch_items_first() {
    assert_smp(
        &deploy("spec: {template: {spec: {containers: [{name: a, image: a}, {name: b, image: b}]}}}"),
        &deploy("spec: {template: {spec: {containers: [{name: c, image: c}, {name: b, image: b2}, {name: d, image: d}]}}}"),
        &deploy(
            "spec: {template: {spec: {containers: [{name: c, image: c}, {name: b, image: b2}, {name: d, image: d}, {name: a, image: a}]}}}",
        ),
    );
}

#[test]
fn env_merges_by_name_inside_matched_container() {
    assert_smp(
        &pod("spec: {containers: [{name: a, env: [{name: X, value: x}, {name: Y, value: y}]}]}"),
        &pod("spec: {containers: [{name: a, env: [{name: Y, value: y2}, {name: Z, value: z}]}]}"),
        &pod("spec: {containers: [{name: a, env: [{name: Y, value: y2}, {name: Z, value: z}, {name: X, value: x}]}]}"),
    );
}

#[test]
fn volumes_merge_by_name_despite_retain_keys() {
    assert_smp(
        &pod("spec: {volumes: [{name: v1, emptyDir: {}}, {name: v2, emptyDir: {}}]}"),
        &pod("spec: {volumes: [{name: v1, configMap: {name: x}}, {name: v3, emptyDir: {}}]}"),
        &pod("spec: {volumes: [{name: v1, configMap: {name: x}, emptyDir: {}}, {name: v3, emptyDir: {}}, {name: v2, emptyDir: {}}]}"),
    );
}

#[test]
fn lists_of_unknown_kinds_are_replaced() {
    assert_smp(
        &crd("spec: {items: [{name: a, v: 1}, {name: b, v: 2}]}"),
        &crd("spec: {items: [{name: a, w: 1}, {$patch: delete, name: b}]}"),
        &crd("spec: {items: [{name: a, w: 1}, {$patch: delete, name: b}]}"),
    );
}

#[test]
fn scalar_lists_without_strategy_are_replaced() {
    assert_smp(
        &pod("spec: {containers: [{name: a, args: [x, y]}]}"),
        &pod("spec: {containers: [{name: a, args: [z]}]}"),
        &pod("spec: {containers: [{name: a, args: [z]}]}"),
    );
}

#[test]
fn finalizers_merge_as_a_set_patch_first() {
    assert_smp(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, finalizers: [a, b]}\n",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, finalizers: [c, a]}\n",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, finalizers: [c, a, b]}\n",
    );
}

#[test]
fn ports_merge_by_port_and_protocol() {
    assert_smp(
        &pod("spec: {containers: [{name: a, ports: [{containerPort: 53, protocol: UDP, name: dns}, {containerPort: 53, protocol: TCP, name: dns-tcp}]}]}"),
        &pod("spec: {containers: [{name: a, ports: [{containerPort: 53, protocol: TCP, hostPort: 1053}, {containerPort: 80}]}]}"),
        &pod(
            "spec: {containers: [{name: a, ports: [{containerPort: 80}, {containerPort: 53, protocol: UDP, name: dns}, {containerPort: 53, protocol: TCP, name: dns-tcp, hostPort: 1053}]}]}",
        ),
    );
}

#[test]
fn port_patch_without_protocol_misses_target_with_protocol() {
    assert_smp(
        &pod("spec: {containers: [{name: a, ports: [{containerPort: 80, protocol: TCP, name: http}, {containerPort: 90}]}]}"),
        &pod("spec: {containers: [{name: a, ports: [{containerPort: 80, hostPort: 1}, {containerPort: 90, hostPort: 2}]}]}"),
        &pod("spec: {containers: [{name: a, ports: [{containerPort: 80, protocol: TCP, name: http}, {containerPort: 90, hostPort: 2}]}]}"),
    );
}

#[test]
fn patch_item_without_merge_key_drops_keyed_items() {
    assert_smp(
        &pod("spec: {containers: [{name: a, image: a}, {name: b, image: b}]}"),
        &pod("spec: {containers: [{image: x}, {name: c, image: c}]}"),
        &pod("spec: {containers: [{name: c, image: c}]}"),
    );
}

#[test]
fn target_item_without_merge_key_drops_items_before_it() {
    assert_smp(
        &pod("spec: {containers: [{name: z}, {image: x}, {name: a, image: a}]}"),
        &pod("spec: {containers: [{name: b, image: b}]}"),
        &pod("spec: {containers: [{image: x}]}"),
    );
}

#[test]
fn duplicate_keys_in_merged_list_collapse() {
    assert_smp(
        &pod("spec: {containers: [{name: a, image: one}, {name: a, image: two}, {name: b}]}"),
        &pod("spec: {activeDeadlineSeconds: 5}"),
        &pod("spec: {activeDeadlineSeconds: 5, containers: [{name: a, image: two}, {name: b}]}"),
    );
}

#[test]
fn delete_directive_removes_list_item() {
    assert_smp(
        &pod("spec: {containers: [{name: a, image: a}, {name: b, image: b}]}"),
        &pod("spec: {containers: [{name: a, $patch: delete}]}"),
        &pod("spec: {containers: [{name: b, image: b}]}"),
    );
}

#[test]
fn deleting_the_only_item_leaves_an_empty_list() {
    assert_smp(
        &pod("spec: {containers: [{name: a, image: a}]}"),
        &pod("spec: {containers: [{name: a, $patch: delete}]}"),
        &pod("spec: {containers: []}"),
    );
}

#[test]
fn replace_directive_on_list_item_is_undone() {
    assert_smp(
        &pod("spec: {containers: [{name: a, image: a, args: [x]}, {name: b, image: b}]}"),
        &pod("spec: {containers: [{name: a, image: z, $patch: replace}]}"),
        &pod("spec: {containers: [{name: a, image: a, args: [x]}, {name: b, image: b}]}"),
    );
}

#[test]
fn replace_directive_item_replaces_list() {
    assert_smp(
        &pod("spec: {containers: [{name: a, image: a}, {name: b, image: b}]}"),
        &pod("spec: {containers: [{name: c, image: c}, {$patch: replace}]}"),
        &pod("spec: {containers: [{name: c, image: c}]}"),
    );
}

#[test]
fn delete_directive_item_removes_list() {
    assert_smp(
        &pod("spec: {containers: [{name: a, image: a}], hostname: h}"),
        &pod("spec: {containers: [{$patch: delete}]}"),
        &pod("spec: {hostname: h}"),
    );
}

#[test]
fn directive_item_in_added_list_is_not_applied() {
    // The target has no such list: kyaml takes the patch's list without looking for a
    // directive, and the keyless item then removes the keyed ones.
    assert_smp(
        &pod("spec: {hostname: h}"),
        &pod("spec: {containers: [{name: b}, {$patch: replace}]}"),
        &pod("spec: {hostname: h, containers: [{$patch: replace}]}"),
    );
}

#[test]
fn unknown_directive_item_is_an_error() {
    let e = smp_err(
        &pod("spec: {containers: [{name: a}]}"),
        &pod("spec: {containers: [{$patch: bogus}]}"),
    );
    assert_eq!(e.message, "unknown patch strategy 'bogus'");
}

#[test]
fn delete_directive_removes_map() {
    assert_smp(
        &pod("spec: {securityContext: {runAsUser: 1}, hostname: h}"),
        &pod("spec: {securityContext: {$patch: delete}, dnsConfig: {$patch: delete, nameservers: [x]}}"),
        &pod("spec: {hostname: h}"),
    );
}

#[test]
fn replace_directive_replaces_map() {
    assert_smp(
        &pod("spec: {affinity: {nodeAffinity: {a: 1}, podAffinity: {b: 2}}}"),
        &pod("spec: {affinity: {$patch: replace, podAntiAffinity: {c: 3, d: null}}}"),
        &pod("spec: {affinity: {podAntiAffinity: {c: 3}}}"),
    );
}

#[test]
fn merge_directive_is_dropped() {
    assert_smp(
        &pod("spec: {affinity: {nodeAffinity: {a: 1}}}"),
        &pod("spec: {affinity: {$patch: merge, podAffinity: {b: 2}}}"),
        &pod("spec: {affinity: {nodeAffinity: {a: 1}, podAffinity: {b: 2}}}"),
    );
}

#[test]
fn top_level_delete_removes_object() {
    assert_eq!(
        smp(
            &deploy("spec: {replicas: 1}"),
            &format!("{DEPLOY}$patch: delete\n")
        ),
        None
    );
}

#[test]
fn top_level_replace_changes_nothing() {
    assert_smp(
        &deploy("spec: {replicas: 1}"),
        &format!("{DEPLOY}$patch: replace\nspec: {{replicas: 3}}\n"),
        &deploy("spec: {replicas: 1}"),
    );
}

#[test]
fn unknown_directive_is_an_error() {
    let e = smp_err(
        &deploy("spec: {replicas: 1}"),
        &deploy("spec: {$patch: frobnicate}"),
    );
    assert_eq!(e.message, "unknown patch strategy 'frobnicate'");
    assert!(e.pos.is_known());
}

#[test]
fn other_directives_are_ordinary_keys() {
    let head = "apiVersion: apps/v1\nkind: Deployment\n";
    assert_smp(
        &format!("{head}metadata: {{name: d, finalizers: [a, b]}}\nspec: {{strategy: {{type: RollingUpdate, rollingUpdate: {{maxSurge: 1}}}}}}"),
        &format!(
            "{head}metadata: {{name: d, $deleteFromPrimitiveList/finalizers: [b]}}\nspec: {{strategy: {{type: Recreate, $retainKeys: [type]}}, template: {{spec: {{$setElementOrder/containers: [{{name: b}}]}}}}}}",
        ),
        &format!(
            "{head}metadata: {{name: d, finalizers: [a, b], $deleteFromPrimitiveList/finalizers: [b]}}\nspec: {{strategy: {{type: Recreate, $retainKeys: [type], rollingUpdate: {{maxSurge: 1}}}}, template: {{spec: {{$setElementOrder/containers: [{{name: b}}]}}}}}}",
        ),
    );
}

#[test]
fn new_list_from_patch_applies_its_own_directives() {
    assert_smp(
        &pod("spec: {containers: [{name: a}]}"),
        &pod("spec: {initContainers: [{name: i, image: i, x: null}, {name: j, $patch: delete}, {name: k, $patch: replace, e: null}]}"),
        &pod("spec: {containers: [{name: a}], initContainers: [{name: i, image: i}, {name: k}]}"),
    );
}

#[test]
fn null_list_in_patch_deletes_list() {
    assert_smp(
        &pod("spec: {containers: [{name: a}], volumes: [{name: v}], tolerations: [{key: k}]}"),
        &pod("spec: {volumes: null, tolerations: null}"),
        &pod("spec: {containers: [{name: a}]}"),
    );
}

#[test]
fn kind_mismatch_is_an_error() {
    let e = smp_err(
        &pod("spec: {containers: [{name: a}]}"),
        &pod("spec: {containers: {name: a}}"),
    );
    assert_eq!(
        e.message,
        "wrong node kind: expected SequenceNode but got MappingNode: node contents:\nname: a"
    );
    let e = smp_err(
        &pod("spec: {hostname: h}"),
        &pod("spec: {hostname: {a: 1}}"),
    );
    assert!(
        e.message
            .starts_with("wrong node kind: expected ScalarNode but got MappingNode"),
        "{}",
        e.message
    );
    let e = smp_err(
        &pod("spec: {securityContext: {runAsUser: 1}}"),
        &pod("spec: {securityContext: 5}"),
    );
    assert!(
        e.message
            .starts_with("wrong node kind: expected MappingNode but got ScalarNode"),
        "{}",
        e.message
    );
}

#[test]
fn embedded_objects_use_their_own_kind() {
    assert_smp(
        &crd("spec: {tmpl: {apiVersion: apps/v1, kind: Deployment, spec: {template: {spec: {containers: [{name: a, image: a}]}}}}}"),
        &crd("spec: {tmpl: {spec: {template: {spec: {containers: [{name: b, image: b}]}}}}}"),
        &crd(
            "spec: {tmpl: {apiVersion: apps/v1, kind: Deployment, spec: {template: {spec: {containers: [{name: b, image: b}, {name: a, image: a}]}}}}}",
        ),
    );
}

#[test]
fn explicit_schema_ref_is_used() {
    let schema = Schema::builtin();
    let target = yaml("kind: Whatever\nspec: {containers: [{name: a, image: a}]}\n");
    let patch = yaml("spec: {containers: [{name: b}]}\n");
    let got = apply(&target, &patch, schema.for_kind("", "v1", "Pod")).expect("apply");
    assert_eq!(
        got,
        Some(yaml(
            "kind: Whatever\nspec: {containers: [{name: b}, {name: a, image: a}]}\n"
        ))
    );
    // Without a schema, the list is replaced.
    let got = apply(&target, &patch, None).expect("apply");
    assert_eq!(
        got,
        Some(yaml("kind: Whatever\nspec: {containers: [{name: b}]}\n"))
    );
}

#[test]
fn custom_schema_merges_custom_lists_and_replaces_builtin() {
    let doc = yaml(
        r##"{"definitions": {
          "Foo": {"properties": {"spec": {"$ref": "#/definitions/FooSpec"}},
                  "x-kubernetes-group-version-kind": [{"group": "example.com", "version": "v1", "kind": "Foo"}]},
          "FooSpec": {"properties": {"items": {"type": "array", "x-kubernetes-patch-strategy": "merge",
                                               "x-kubernetes-patch-merge-key": "name"}}}}}"##,
    );
    let schema = Schema::with_custom(&doc).expect("custom schema");
    let merged = apply_with_schema(
        &yaml(&crd("spec: {items: [{name: a, v: 1}, {name: b, v: 2}]}")),
        &yaml(&crd("spec: {items: [{name: a, w: 1}]}")),
        &schema,
    )
    .expect("apply");
    assert_eq!(
        merged,
        Some(yaml(&crd(
            "spec: {items: [{name: a, v: 1, w: 1}, {name: b, v: 2}]}"
        )))
    );
    let replaced = apply_with_schema(
        &yaml(&pod("spec: {containers: [{name: a}]}")),
        &yaml(&pod("spec: {containers: [{name: b}]}")),
        &schema,
    )
    .expect("apply");
    assert_eq!(
        replaced,
        Some(yaml(&pod("spec: {containers: [{name: b}]}")))
    );
}

#[test]
fn set_items_keep_their_type() {
    assert_smp(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, finalizers: ['1', 'true']}\n",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, finalizers: [a]}\n",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, finalizers: [a, '1', 'true']}\n",
    );
}

#[test]
fn odd_inputs_do_not_panic() {
    let schema = Schema::builtin();
    let cases = [
        ("a: 1", "[1, 2]"),
        ("[1]", "a: 1"),
        ("a: 1", "~"),
        ("~", "a: 1"),
        (
            "spec: {containers: [1, {name: a}]}",
            "spec: {containers: [{name: a}, 2]}",
        ),
        (
            "spec: {containers: [[1], null, {}]}",
            "spec: {containers: [null, {}, []]}",
        ),
        (
            "metadata: {finalizers: [{a: 1}, x]}",
            "metadata: {finalizers: [x, {b: 2}, null]}",
        ),
        (
            "spec: {ports: [{port: 1}]}",
            "spec: {ports: [{port: [1]}, {protocol: {}}]}",
        ),
        ("$patch: delete", "$patch: [x]"),
    ];
    for (t, p) in cases {
        let mut targets = vec![yaml(t)];
        if t.starts_with("spec") || t.starts_with("metadata") {
            // The same under a kind with a schema, so that the lists merge.
            targets.push(yaml(&format!("apiVersion: v1\nkind: Pod\n{t}\n")));
        }
        for t in &targets {
            let _ = apply_with_schema(t, &yaml(p), &schema);
            let _ = apply_with_schema(&yaml(p), t, &schema);
        }
    }
    // Deeper than the loader allows, so built by hand.
    let mut deep = Node::new(Value::Int(1));
    for _ in 0..400 {
        let mut m = Mapping::new();
        m.insert("a", deep);
        deep = Node::new(Value::Map(m));
    }
    assert!(apply_with_schema(&deep, &deep, &schema).is_err());
}
