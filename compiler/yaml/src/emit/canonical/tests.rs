use super::*;
use crate::load::{load_stream_with, Duplicates};
use crate::to_yaml;

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
