use super::*;
use crate::keyorder::compare_keys;
use crate::load::{load_stream_with, Duplicates};
use crate::to_yaml;
use std::cmp::Ordering;

const SCHEMAS: &[&[&str]] = &[
    &["spec", "versions", "-", "schema"],
    &["spec", "validation"],
];

fn load11(text: &str) -> Vec<crate::Node> {
    load_stream_with(text, Schema::Yaml11, Duplicates::LastWins).unwrap()
}

/// The property everything rests on: whenever a text is taken, loading it and writing
/// it out again gives the text back.
fn assert_sound(text: &str) -> Option<Canonical> {
    let taken = canonical_document(text, SCHEMAS)?;
    let docs = load_stream_with(text, Schema::Yaml11, Duplicates::LastWins)
        .unwrap_or_else(|e| panic!("taken but does not load ({e:?}):\n{text}"));
    let docs: Vec<_> = docs.into_iter().filter(|d| !d.is_null()).collect();
    assert_eq!(
        docs.len(),
        1,
        "taken with {} documents:\n{text}",
        docs.len()
    );
    assert_eq!(to_yaml(&docs[0]), &text[taken.start..], "taken:\n{text}");
    Some(taken)
}

/// A CRD-like document in the emitter's form, with every kind of scalar it writes.
fn sample() -> String {
    let long = "A description long enough to be folded by the emitter once it goes past the eightieth column, as controller-gen's are.";
    let source = format!(
        r#"kind: CustomResourceDefinition
apiVersion: apiextensions.k8s.io/v1
metadata:
  name: widgets.example.com
  labels: {{app: widget, "helm.sh/chart": "w-1.0"}}
  annotations:
    note: "it says: hello"
spec:
  group: example.com
  names: {{kind: Widget, plural: widgets, shortNames: [wd, wdg]}}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: false
    schema:
      openAPIV3Schema:
        description: {long:?}
        type: object
        properties:
          count: {{type: integer, minimum: 0, maximum: 1.5e3, default: 007}}
          when: {{type: string, example: 2024-01-02}}
          flag: {{type: string, enum: ["yes", "no", "on", y, ""]}}
          quoted: {{description: {quoted:?}}}
          script: {{description: "line one\nline two\n\n  indented\n"}}
          kept: {{description: "ends with breaks\n\n"}}
          stripped: {{description: "no break at the end\nreally"}}
          tabbed: {{description: "a\ttab and trailing space "}}
          pattern: {{pattern: '^[a-z]+(\.[a-z]+)*$', x-kubernetes-int-or-string: true}}
          unicode: {{description: "snowman ☃ and café, long enough to fold: Lorem ipsum dolor sit amet, consectetur adipiscing elit sed do"}}
          list:
            items: [[a, b], [], {{}}, null, ~, 3, -4, 5.0, "6", '- x', '*x', '# not a comment']
            empty: []
            nested: [{{a: 1, b: [x, {{c: d}}]}}, [[deep]]]
  - name: v1beta1
    served: false
    storage: true
    schema: {{openAPIV3Schema: {{type: object, x-kubernetes-preserve-unknown-fields: true}}}}
  validation: {{openAPIV3Schema: {{type: object}}}}
status: {{}}
"#,
        quoted = format!("{long} With: a colon, and 'quotes' and \"doubles\" \\ and more text after it to fold again."),
    );
    to_yaml(&load11(&source)[0])
}

#[test]
fn takes_what_the_emitter_writes() {
    let text = sample();
    // The sample exercises every scalar writer (it is no test if it does not).
    for needle in [
        ": |\n", ": |-\n", ": |+\n", ": '", ": \"", "- - a\n", ": []\n",
    ] {
        assert!(text.contains(needle), "{needle:?} missing from\n{text}");
    }
    let taken = assert_sound(&text).expect("the emitter's own output");
    assert_eq!(taken.start, 0);
    let with_preamble = format!("# from upstream\n\n---\n{text}");
    let taken = assert_sound(&with_preamble).expect("after a comment and ---");
    assert_eq!(&with_preamble[taken.start..], text);
}

#[test]
fn omits_the_schemas_and_keeps_every_other_line_in_place() {
    let text = format!("# header\n---\n{}", sample());
    let taken = assert_sound(&text).unwrap();
    assert_eq!(
        taken.omitted.len(),
        3,
        "two versions' schemas and spec.validation"
    );
    let skeleton = taken.skeleton(&text);
    assert_eq!(skeleton.lines().count(), text.lines().count());
    let full = &load11(&text)[0];
    let skel = &load11(&skeleton)[0];
    // The skeleton is the document without the omitted entries, at the same positions.
    let mut expected = full.clone();
    let spec = expected
        .as_map_mut()
        .unwrap()
        .get_mut("spec")
        .unwrap()
        .as_map_mut()
        .unwrap();
    spec.remove("validation");
    for v in spec.get_mut("versions").unwrap().as_seq_mut().unwrap() {
        v.as_map_mut().unwrap().remove("schema");
    }
    assert_eq!(skel, &expected);
    let served = |n: &crate::Node| {
        n.get("spec")
            .unwrap()
            .get("versions")
            .unwrap()
            .as_seq()
            .unwrap()[1]
            .get("served")
            .unwrap()
            .pos
    };
    assert_eq!(served(skel), served(full));
}

#[test]
fn leaves_what_the_emitter_would_write_otherwise() {
    let text = sample();
    let refused = [
        // keys out of order, or twice
        text.replacen("kind: CustomResourceDefinition\n", "", 1)
            + "kind: CustomResourceDefinition\n",
        text.replacen(
            "  group: example.com\n",
            "  group: example.com\n  group: x\n",
            1,
        ),
        // another style than the emitter's
        text.replacen("served: true", "served: yes", 1),
        text.replacen("served: true", "served: \"true\"x", 1),
        text.replacen("type: object", "type: 'object'", 1),
        text.replacen("  scope: Namespaced\n", "  scope:   Namespaced\n", 1),
        text.replacen("  scope: Namespaced\n", "  scope: Namespaced # why\n", 1),
        text.replacen("  scope: Namespaced\n", "  # why\n  scope: Namespaced\n", 1),
        text.replacen("  versions:\n  - ", "  versions:\n    - ", 1),
        text.replacen("status: {}", "status: { }", 1),
        format!("{text}\n"),
        format!("{text}---\n{text}"),
        format!("{text}..."),
        format!("%YAML 1.1\n---\n{text}"),
        format!("\u{feff}{text}"),
        text.replace('\n', "\r\n"),
        // not a mapping at the root
        "- a\n- b\n".to_string(),
        "just text\n".to_string(),
        String::new(),
    ];
    for t in &refused {
        assert!(assert_sound(t).is_none(), "taken:\n{t}");
    }
}

/// Every small edit of the sample either is refused or keeps the property.
#[test]
fn edits_anywhere_are_refused_or_sound() {
    let text = sample();
    let edits: [&str; 9] = [" ", "\n", "\"", "'", "#", ":", "-", "\\", "a"];
    let mut taken = 0;
    let mut boundaries: Vec<usize> = (0..=text.len())
        .filter(|&i| text.is_char_boundary(i))
        .collect();
    boundaries.dedup();
    for &i in &boundaries {
        for e in edits {
            let inserted = format!("{}{e}{}", &text[..i], &text[i..]);
            taken += usize::from(assert_sound(&inserted).is_some());
        }
        if let Some(c) = text[i..].chars().next() {
            let deleted = format!("{}{}", &text[..i], &text[i + c.len_utf8()..]);
            taken += usize::from(assert_sound(&deleted).is_some());
        }
    }
    // Some edits still give the emitter's form (a letter inside a word, say).
    assert!(taken > 0);
}

/// `node` without the entries `SCHEMAS` names.
fn without_schemas(mut node: crate::Node) -> crate::Node {
    if let Some(spec) = node
        .as_map_mut()
        .and_then(|m| m.get_mut("spec"))
        .and_then(crate::Node::as_map_mut)
    {
        spec.remove("validation");
        if let Some(versions) = spec.get_mut("versions").and_then(crate::Node::as_seq_mut) {
            for v in versions.iter_mut().filter_map(crate::Node::as_map_mut) {
                v.remove("schema");
            }
        }
    }
    node
}

#[test]
fn keys_out_of_order_somewhere_in_yaml_v2s_cycles_are_refused() {
    // yaml.v2's key order is not transitive where digit runs meet letters: a mapping
    // can list a key twice with each key before the next.
    let (a, b, c) = ("x2", "x10", "x1a");
    assert_eq!(compare_keys(a, b), Ordering::Less);
    assert_eq!(compare_keys(b, c), Ordering::Less);
    assert_eq!(compare_keys(c, a), Ordering::Less);
    let twice = "m:\n  x2: p\n  x10: q\n  x1a: r\n  x2: s\n";
    assert!(assert_sound(twice).is_none());
    let cycle = "m:\n  x2: p\n  x10: q\n  x1a: r\n";
    assert!(assert_sound(cycle).is_none());
}

#[test]
fn the_skeleton_is_the_document_without_the_omitted_entries() {
    let sources = [
        // After a block that keeps its trailing line breaks.
        "kind: CustomResourceDefinition\nspec:\n  names: \"x\\n\\n\"\n  validation: {openAPIV3Schema: {type: object}}\n  versions: [{name: v1, schema: {a: 1}, served: true}]\n",
        // The only key of its mapping, and the last.
        "kind: CustomResourceDefinition\nspec:\n  validation: {openAPIV3Schema: {type: object}}\n",
        "kind: CustomResourceDefinition\nspec:\n  versions:\n  - schema: {a: 1}\n  - name: v2\n    schema:\n      b: [1, 2]\n",
    ];
    // The first keeps `validation` (after the `|+` block) and omits the schema; the
    // second keeps its only key; the third omits the second item's schema alone (the
    // first starts on the item's line).
    for (source, omitted) in sources.into_iter().zip([1, 0, 1]) {
        let text = to_yaml(&load11(source)[0]);
        let Some(taken) = assert_sound(&text) else {
            panic!("the emitter's own output:\n{text}");
        };
        let skeleton = load11(&taken.skeleton(&text)).remove(0);
        let full = load11(&text).remove(0);
        // The same but for schema entries, and short of exactly the ones reported.
        assert_eq!(
            without_schemas(skeleton.clone()),
            without_schemas(full.clone()),
            "{text}"
        );
        assert_eq!(
            schema_entries(&full) - schema_entries(&skeleton),
            taken.omitted.len(),
            "{text}"
        );
        assert_eq!(taken.omitted.len(), omitted, "{text}");
    }
}

fn schema_entries(node: &crate::Node) -> usize {
    let spec = node.get("spec");
    let validation = spec.and_then(|s| s.get("validation")).map_or(0, |_| 1);
    let schemas = spec
        .and_then(|s| s.get("versions"))
        .and_then(crate::Node::as_seq)
        .map_or(0, |vs| {
            vs.iter().filter(|v| v.get("schema").is_some()).count()
        });
    validation + schemas
}
