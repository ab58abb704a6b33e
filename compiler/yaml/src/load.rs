//! Loading: YAML text to [`Node`]s, one per document, with positions.
//!
//! Syntax comes from `quick` (this crate's fast reader) for the plain block YAML that
//! makes up nearly all Kubernetes manifests, and from `saphyr-parser` (a YAML 1.2 event
//! parser) for the rest and for every error; both give the same events. This module
//! builds the tree, types plain scalars with [`crate::resolve`], expands aliases and
//! `<<` merge keys, and refuses duplicate keys. It guards against hostile input: nesting depth and the
//! number of nodes that aliases may expand to are bounded.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span, Tag};

use crate::node::{Entry, Mapping, Node, Pos, Value};
use crate::resolve::{resolve_plain, to_value, Resolved, Schema};

/// Deepest nesting of collections accepted.
pub const MAX_DEPTH: usize = 400;
/// Most nodes alias expansion may create in one stream (a "billion laughs" guard).
pub const MAX_ALIAS_NODES: usize = 1_000_000;

/// Why a text could not be loaded, and where.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct LoadError {
    /// What is wrong, worded for the user.
    pub message: String,
    /// Where in the text.
    pub pos: Pos,
}

/// A collection being read. Its items (or entries) so far are the ones in the loader's
/// `items` (`entries`) from `base` on: collections nest, so the open ones' items form a
/// stack, and each becomes a vector of its final size when it ends (grown in place,
/// most vectors would hold room for twice their items, and a big document's copies as
/// they grow showed in profiles).
enum Frame {
    Seq {
        base: usize,
        pos: Pos,
        anchor: usize,
    },
    Map {
        base: usize,
        key: Option<(String, Pos, bool)>,
        merges: Vec<Node>,
        pos: Pos,
        anchor: usize,
    },
}

/// What to do with a key that appears twice in one mapping.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Duplicates {
    /// Refuse the document (yaml.v3, which kustomize reads resources with).
    Error,
    /// Keep the last value (yaml.v2, which reads kustomization files).
    LastWins,
}

/// Loads every document of a multi-document stream. An empty document loads as a null
/// node; a stream with no documents loads as an empty list. Duplicate keys are errors.
pub fn load_stream(text: &str, schema: Schema) -> Result<Vec<Node>, LoadError> {
    load_stream_with(text, schema, Duplicates::Error)
}

/// [`load_stream`] with a choice of how duplicate keys are treated.
pub fn load_stream_with(
    text: &str,
    schema: Schema,
    duplicates: Duplicates,
) -> Result<Vec<Node>, LoadError> {
    Loader::with_duplicates(schema, duplicates)
        .run(text)
        .map(|(docs, _)| docs)
}

/// [`load_stream_with`] through `saphyr-parser` alone, without the quick reader for
/// plain block YAML. For differential tests of the two readers; use
/// [`load_stream_with`].
#[doc(hidden)]
pub fn load_stream_full(
    text: &str,
    schema: Schema,
    duplicates: Duplicates,
) -> Result<Vec<Node>, LoadError> {
    Loader::with_duplicates(schema, duplicates)
        .run_full(text)
        .map(|(docs, _)| docs)
}

/// Whether the quick reader takes `text` (for differential tests).
#[doc(hidden)]
pub fn quick_reader_takes(text: &str) -> bool {
    crate::quick::read(text, &mut |_, _| true)
}

/// Loads one piece of a longer stream (`pieces`): `lines_before` lines precede it.
/// Also gives how many nodes its aliases expanded to, which the pieces of one stream
/// share a bound on.
pub(crate) fn load_piece(
    text: &str,
    lines_before: u32,
    schema: Schema,
    duplicates: Duplicates,
) -> Result<(Vec<Node>, usize), LoadError> {
    Loader {
        lines_before,
        ..Loader::with_duplicates(schema, duplicates)
    }
    .run(text)
}

/// Loads a stream that must hold at most one document (null when it holds none).
pub fn load_one(text: &str, schema: Schema) -> Result<Node, LoadError> {
    let mut docs = load_stream(text, schema)?;
    match docs.len() {
        0 => Ok(Node::null()),
        1 => Ok(docs.remove(0)),
        _ => Err(LoadError {
            message: "expected a single YAML document, found several".into(),
            pos: docs[1].pos,
        }),
    }
}

struct Loader {
    schema: Schema,
    duplicates: Duplicates,
    anchors: HashMap<usize, Node>,
    stack: Vec<Frame>,
    items: Vec<Node>,
    entries: Vec<Entry>,
    alias_nodes: usize,
    /// Lines before the text being read (a piece of a longer stream: `pieces`).
    lines_before: u32,
}

fn pos_of(m: &saphyr_parser::Marker, lines_before: u32) -> Pos {
    Pos {
        line: m.line() as u32 + lines_before,
        col: m.col() as u32 + 1,
    }
}

fn count_nodes(n: &Node) -> usize {
    match &n.value {
        Value::Seq(items) => 1 + items.iter().map(count_nodes).sum::<usize>(),
        Value::Map(m) => 1 + m.iter().map(|(_, v)| count_nodes(v)).sum::<usize>(),
        _ => 1,
    }
}

impl Loader {
    fn new(schema: Schema) -> Self {
        Loader {
            schema,
            duplicates: Duplicates::Error,
            anchors: HashMap::new(),
            stack: Vec::new(),
            items: Vec::new(),
            entries: Vec::new(),
            alias_nodes: 0,
            lines_before: 0,
        }
    }

    fn with_duplicates(schema: Schema, duplicates: Duplicates) -> Self {
        Loader {
            duplicates,
            ..Loader::new(schema)
        }
    }

    /// Loads `text`: its documents, and the number of nodes aliases expanded to.
    fn run(mut self, text: &str) -> Result<(Vec<Node>, usize), LoadError> {
        // The quick reader's events go straight into the tree; if it gives up, or the
        // tree refuses an event, the text is read again from the start by the full
        // parser, whose errors are the ones reported.
        let (schema, duplicates, lines_before) = (self.schema, self.duplicates, self.lines_before);
        let mut docs = Vec::new();
        let mut current: Option<Node> = None;
        let mut refused = false;
        let took = crate::quick::read(text, &mut |event, span| {
            let ok = self
                .on_event(event, span, None, &mut docs, &mut current)
                .is_ok();
            refused |= !ok;
            ok
        });
        if took && !refused {
            return Ok((docs, self.alias_nodes));
        }
        let full = Loader {
            lines_before,
            ..Loader::with_duplicates(schema, duplicates)
        };
        full.run_full(text)
    }

    /// Loads `text` with `saphyr-parser` alone (what the quick reader falls back to).
    fn run_full(mut self, text: &str) -> Result<(Vec<Node>, usize), LoadError> {
        let mut parser = Parser::new_from_str(text);
        // A block scalar ending the input without a final line break has none in its
        // value (libyaml); saphyr adds one, so it is taken off again below.
        let unterminated_end = (!text.ends_with('\n')).then(|| text.chars().count());
        let mut docs = Vec::new();
        let mut current: Option<Node> = None;
        while let Some(next) = parser.next_event() {
            let (event, span) = next.map_err(|e| LoadError {
                message: e.info().to_string(),
                pos: pos_of(e.marker(), self.lines_before),
            })?;
            if matches!(event, Event::StreamEnd) {
                break;
            }
            self.on_event(event, span, unterminated_end, &mut docs, &mut current)?;
        }
        Ok((docs, self.alias_nodes))
    }

    /// Adds one event to the tree being built: `docs` holds the documents done,
    /// `current` the root of the one being read.
    fn on_event(
        &mut self,
        event: Event<'_>,
        span: Span,
        unterminated_end: Option<usize>,
        docs: &mut Vec<Node>,
        current: &mut Option<Node>,
    ) -> Result<(), LoadError> {
        {
            let pos = pos_of(&span.start, self.lines_before);
            match event {
                Event::StreamStart | Event::Nothing | Event::StreamEnd => {}
                Event::DocumentStart(_) => {
                    *current = None;
                    self.anchors.clear();
                }
                Event::DocumentEnd => {
                    docs.push(current.take().unwrap_or(Node {
                        value: Value::Null,
                        pos,
                    }));
                }
                Event::Alias(id) => {
                    let node = self.anchors.get(&id).cloned().ok_or_else(|| LoadError {
                        message: "unknown anchor".into(),
                        pos,
                    })?;
                    self.alias_nodes += count_nodes(&node);
                    if self.alias_nodes > MAX_ALIAS_NODES {
                        return Err(LoadError {
                            message: format!(
                                "aliases expand to more than {MAX_ALIAS_NODES} nodes; refusing (is this an alias bomb?)"
                            ),
                            pos,
                        });
                    }
                    let node = Node { pos, ..node };
                    self.add(node, false, current)?;
                }
                Event::Scalar(mut text, style, anchor, tag) => {
                    let block = matches!(style, ScalarStyle::Literal | ScalarStyle::Folded);
                    if block && unterminated_end.is_some_and(|end| span.end.index() >= end) {
                        if let Some(stripped) = text.strip_suffix('\n') {
                            text = stripped.to_string().into();
                        }
                    }
                    let is_merge_key = style == ScalarStyle::Plain && text == "<<";
                    let value = self.scalar(&text, style, tag.as_deref(), pos)?;
                    let node = Node { value, pos };
                    if anchor > 0 {
                        self.anchors.insert(anchor, node.clone());
                    }
                    self.add(node, is_merge_key, current)?;
                }
                Event::SequenceStart(anchor, _) => {
                    self.push(Frame::Seq {
                        base: self.items.len(),
                        pos,
                        anchor,
                    })?;
                }
                Event::MappingStart(anchor, _) => {
                    self.push(Frame::Map {
                        base: self.entries.len(),
                        key: None,
                        merges: Vec::new(),
                        pos,
                        anchor,
                    })?;
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    let (node, anchor) = match self.stack.pop() {
                        Some(Frame::Seq { base, pos, anchor }) => (
                            Node {
                                value: Value::Seq(self.items.drain(base..).collect()),
                                pos,
                            },
                            anchor,
                        ),
                        Some(Frame::Map {
                            base,
                            merges,
                            pos,
                            anchor,
                            ..
                        }) => {
                            let mut map = Mapping::from_distinct_entries(
                                self.entries.drain(base..).collect(),
                            );
                            apply_merges(&mut map, merges, pos)?;
                            (
                                Node {
                                    value: Value::Map(map),
                                    pos,
                                },
                                anchor,
                            )
                        }
                        None => return Ok(()),
                    };
                    if anchor > 0 {
                        self.anchors.insert(anchor, node.clone());
                    }
                    self.add(node, false, current)?;
                }
            }
        }
        Ok(())
    }

    fn push(&mut self, frame: Frame) -> Result<(), LoadError> {
        if self.stack.len() >= MAX_DEPTH {
            let pos = match &frame {
                Frame::Seq { pos, .. } | Frame::Map { pos, .. } => *pos,
            };
            return Err(LoadError {
                message: format!("YAML nested deeper than {MAX_DEPTH} levels"),
                pos,
            });
        }
        self.stack.push(frame);
        Ok(())
    }

    fn scalar(
        &self,
        text: &str,
        style: ScalarStyle,
        tag: Option<&Tag>,
        pos: Pos,
    ) -> Result<Value, LoadError> {
        if let Some(tag) = tag {
            let core = tag.handle == "tag:yaml.org,2002:" || tag.handle == "!!";
            if core {
                let bad = || LoadError {
                    message: format!("cannot decode {text:?} as !!{}", tag.suffix),
                    pos,
                };
                return match tag.suffix.as_str() {
                    "str" | "binary" | "timestamp" => Ok(Value::Str(text.to_string())),
                    "null" => Ok(Value::Null),
                    "bool" => match resolve_plain(text, self.schema) {
                        Resolved::Bool(b) => Ok(Value::Bool(b)),
                        _ => Err(bad()),
                    },
                    "int" => match resolve_plain(text, self.schema) {
                        Resolved::Int(i) => Ok(Value::Int(i)),
                        _ => Err(bad()),
                    },
                    "float" => match resolve_plain(text, self.schema) {
                        Resolved::Int(i) => Ok(Value::Float(i as f64)),
                        Resolved::Float(f) => Ok(Value::Float(f)),
                        _ => Err(bad()),
                    },
                    _ => Ok(self.untagged(text, style)),
                };
            }
            if tag.handle == "!" && tag.suffix.is_empty() {
                return Ok(Value::Str(text.to_string()));
            }
        }
        Ok(self.untagged(text, style))
    }

    fn untagged(&self, text: &str, style: ScalarStyle) -> Value {
        if style == ScalarStyle::Plain {
            to_value(resolve_plain(text, self.schema), text)
        } else {
            Value::Str(text.to_string())
        }
    }

    fn add(
        &mut self,
        node: Node,
        is_merge_key: bool,
        current: &mut Option<Node>,
    ) -> Result<(), LoadError> {
        match self.stack.last_mut() {
            None => *current = Some(node),
            Some(Frame::Seq { .. }) => self.items.push(node),
            Some(Frame::Map {
                base, key, merges, ..
            }) => match key.take() {
                None => {
                    let pos = node.pos;
                    let text = match node.value {
                        Value::Seq(_) | Value::Map(_) => {
                            return Err(LoadError {
                                message: "complex mapping keys are not supported".into(),
                                pos,
                            })
                        }
                        // Most keys are strings: the key takes the scalar's own text.
                        Value::Str(s) => s,
                        _ => node.scalar_text().unwrap_or_default(),
                    };
                    *key = Some((text, pos, is_merge_key));
                }
                Some((_, _, true)) => merges.push(node),
                Some((k, key_pos, false)) => {
                    let read = &mut self.entries[*base..];
                    match read.iter_mut().find(|e| e.key == k) {
                        Some(prev) if self.duplicates == Duplicates::LastWins => prev.value = node,
                        Some(prev) => {
                            return Err(LoadError {
                                message: format!(
                                    "mapping key {k:?} already defined at line {}",
                                    prev.key_pos.line
                                ),
                                pos: key_pos,
                            })
                        }
                        None => self.entries.push(Entry {
                            key: k,
                            key_pos,
                            value: node,
                        }),
                    }
                }
            },
        }
        Ok(())
    }
}

/// Applies `<<` merge keys: keys written in the mapping itself win, then earlier merge
/// sources win over later ones.
fn apply_merges(map: &mut Mapping, merges: Vec<Node>, pos: Pos) -> Result<(), LoadError> {
    let bad = |pos| LoadError {
        message: "map merge requires a mapping or a sequence of mappings".into(),
        pos,
    };
    for merge in merges {
        let sources: Vec<Node> = match merge.value {
            Value::Map(_) => vec![merge],
            Value::Seq(items) => items,
            _ => return Err(bad(merge.pos)),
        };
        for source in sources {
            let Value::Map(m) = source.value else {
                return Err(bad(pos));
            };
            for e in m.entries() {
                if !map.contains_key(&e.key) {
                    map.push_entry(e.clone());
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {

    #[test]
    fn keys_keep_their_text_whatever_they_resolve_to() {
        for schema in [Schema::Core12, Schema::Yaml11] {
            let n =
                load_one("1: a\ntrue: b\n~: c\n1.50: d\n'q': e\nplain: f\n", schema).expect("load");
            let Value::Map(m) = &n.value else {
                panic!("not a mapping: {n:?}");
            };
            let keys: Vec<&str> = m.entries().iter().map(|e| e.key.as_str()).collect();
            assert_eq!(keys, ["1", "true", "", "1.5", "q", "plain"], "{schema:?}");
        }
    }

    #[test]
    fn block_scalar_at_end_without_line_break_has_none() {
        let get = |t: &str| {
            let n = load_one(t, Schema::Core12).expect("load");
            n.get("a").and_then(Node::as_str).map(str::to_string)
        };
        assert_eq!(get("a: |\n  x").as_deref(), Some("x"));
        assert_eq!(get("a: |\n  x\n").as_deref(), Some("x\n"));
        assert_eq!(get("a: |\n  x\nb: 1").as_deref(), Some("x\n"));
        assert_eq!(get("a: >\n  x\n  y").as_deref(), Some("x y"));
        assert_eq!(get("a: |-\n  x").as_deref(), Some("x"));
    }

    use super::*;

    /// Loads `text` both ways (the quick reader, then saphyr alone) and checks that the
    /// quick reader took it and that both give the same nodes, positions included.
    fn same_both_ways(text: &str) {
        assert!(quick_reader_takes(text), "quick reader gave up on {text:?}");
        for schema in [Schema::Core12, Schema::Yaml11] {
            let quick = Loader::new(schema).run(text);
            let full = Loader::new(schema).run_full(text);
            assert_eq!(format!("{quick:?}"), format!("{full:?}"), "for {text:?}");
        }
    }

    #[test]
    fn the_quick_reader_matches_saphyr_on_block_yaml() {
        same_both_ways(
            "a:\nb: 1\nc:\n- x\n-\n- y: 1\n  z:\nd: |\n  t\n\n  u\n\ne: []\nf: {}\n\"g h\": 'q'\n",
        );
        same_both_ways("---\nc:\n  - x\n  -\n    k: v\n  - |-\n    lit\nd:   e   # c\nf :   g\n# comment\nh:\n  # inner\n  i: j\n---\n- a\n-   b\n- |+\n  keep\n\n---\nk: \"a\\tb\\u00e9\"\nl: 'it''s'\n");
        same_both_ways("# lead\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x # trailing\n  labels:\n    app.kubernetes.io/name: \"x\"\n    on: yes\ndata:\n  script: |\n    #!/bin/sh\n\n    echo 'a: b'\n  empty: \"\"\n  url: http://x:80/y\n");
        same_both_ways("items:\n- name: a\n  ports:\n  - 80\n  - port: 443\n    name: https\n- \"q\"\n- 'r'\n- []\nafter: 1\n");
        same_both_ways("é: ü\nκλειδί: \"τιμή\" # σχόλιο\nx:\n  - ä: |\n      ö\n");
        same_both_ways("a: |\n\n  lead\nb: |-\n  x\n\nc: d\n");
        same_both_ways("a: |\n  x");
        same_both_ways("a: |-\n  x");
        same_both_ways("a: |+\n  x");
        same_both_ways("k:\n  a: |\n    x\n    y\n# c");
        same_both_ways("r:\n  {}\ns:\n    \"q\" # c\nt:\n  - plain\nu:\n  []\n");
        same_both_ways("rules:\n- apiGroups: [\"\", 'b', c.d, e ]\n  verbs: [ get,list]\nargs:\n- --save\n- \"\"\n");
        same_both_ways("a: one\n  two\n\n  three\n\n\n   four # c\nb:\n- x\n  y\n- z\nc: five\n\nd: six\n  seven\n");
        same_both_ways("k:\n  description: Operation contains information about a requested or running\n    operation\n  type: object\n");
        same_both_ways("d: 'Refresh indicates if the latest revision should\n  be used on retry (default: false)'\nt: 1\n");
        same_both_ways(
            "d: 'it''s\n   a  \n\n  long'' one' # c\ne: \"two\n  lines \"\nf:\n- 'x\n  y'\n",
        );
        same_both_ways("d: Default\n  unit (e.g.\n  \"2m\", '1h')\n");
        same_both_ways(
            "d: DryRun specifies to perform a `kubectl apply\n  --dry-run` without -x\n",
        );
        same_both_ways("d: \"roundRobinDNS controls\n  the behavior.\\nWhen enabled:\\n  - The\n  \\t tab \\\" q\" # c\ne: x\n  `Pod` &a *b !c [d] {e} ,f @g |h >i\n");
        same_both_ways("a: |\n    x\n      \n    y\n      \n\nb: :x\nc: ?y\nd: |+\n  z\n    \n");
        same_both_ways("- \n- x\n-   \n- # c\n");
        same_both_ways("a:\n  - \nb:\n- x\n- \n-  # c\n");
        same_both_ways("a: [a-b, c]\n");
        same_both_ways("a: -1\nb: 0o17\nc: 1e3\nd: ~\ne: null\nf: 'yes'\ng: -x\nh: a,b[c]{d}\n");
    }

    #[test]
    fn long_keys_are_left_to_saphyr() {
        for text in [
            format!("'{}': b\n", "k".repeat(1023)),
            format!("k{}: b\n", " ".repeat(1024)),
            format!("{} : b\n", "k".repeat(1024)),
        ] {
            assert!(!quick_reader_takes(&text), "{text:?}");
        }
        same_both_ways(&format!("{}: b\n", "k".repeat(1000)));
    }

    #[test]
    fn the_quick_reader_leaves_the_rest_to_saphyr() {
        for text in [
            "a: [x, [y]]\n",
            "a: [a -]\n",
            "a: 'x\n\t\n  y'\n",
            "a: x\u{feff}\n",
            "a: \0\n",
            "a: [x, {y: 1}]\n",
            "a: [x,]\n",
            "a: {x: 1}\n",
            "a:\n  |\n   x\n",
            "a: &x 1\nb: *x\n",
            "a: !!str 1\n",
            "a: >2\n   folded\n",
            "a: b\n  - c\n",
            "a: b\n  c: d\n",
            "a: \"x\\\n  y\"\n",
            "a: \"x\\ \n  y\"\n",
            "a: \"x\\q\n  y\"\n",
            "a: 'x\ny'\n",
            "plain\n",
            "---\n---\na: 1\n",
            "a:\n\tb: 1\n",
            "a: |\n  x\n  ",
            "? a\n: b\n",
            "%YAML 1.2\n---\na: 1\n",
            "a: 1\r\n",
            "a: b: c\n",
            "- - a\n",
        ] {
            assert!(!quick_reader_takes(text), "{text:?}");
        }
    }

    #[test]
    fn loads_documents_with_positions_and_types() {
        let docs = load_stream("a: 1\nb: [x, 'y']\n---\n- yes\n- ~\n", Schema::Core12).unwrap();
        assert_eq!(docs.len(), 2);
        let a = docs[0].get("a").unwrap();
        assert_eq!(a.value, Value::Int(1));
        assert_eq!(a.pos, Pos { line: 1, col: 4 });
        let items = docs[1].as_seq().unwrap();
        assert_eq!(items[0].value, Value::Str("yes".into()));
        assert_eq!(items[1].value, Value::Null);
    }

    #[test]
    fn duplicate_keys_are_refused_with_both_lines() {
        let err = load_stream("a: 1\nb: 2\na: 3\n", Schema::Core12).unwrap_err();
        assert_eq!(err.message, "mapping key \"a\" already defined at line 1");
        assert_eq!(err.pos.line, 3);
    }

    #[test]
    fn aliases_and_merge_keys_expand() {
        let docs = load_stream(
            "base: &b {x: 1, y: 2}\nchild:\n  <<: *b\n  y: 3\n",
            Schema::Core12,
        )
        .unwrap();
        let child = docs[0].get("child").unwrap();
        assert_eq!(child.get("x").unwrap().value, Value::Int(1));
        assert_eq!(child.get("y").unwrap().value, Value::Int(3));
    }

    #[test]
    fn alias_bombs_and_deep_nesting_fail_cleanly() {
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        let mut prev = 'a';
        for c in 'b'..='k' {
            bomb.push_str(&format!("{c}: &{c} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
            prev = c;
        }
        assert!(load_stream(&bomb, Schema::Core12).is_err());
        let deep = "[".repeat(5000);
        assert!(load_stream(&deep, Schema::Core12).is_err());
    }

    #[test]
    fn tags_force_types() {
        let doc = load_one("a: !!str 12\nb: !!float 3\nc: \"true\"\n", Schema::Core12).unwrap();
        assert_eq!(doc.get("a").unwrap().value, Value::Str("12".into()));
        assert_eq!(doc.get("b").unwrap().value, Value::Float(3.0));
        assert_eq!(doc.get("c").unwrap().value, Value::Str("true".into()));
    }
}
