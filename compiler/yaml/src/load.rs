//! Loading: YAML text to [`Node`]s, one per document, with positions.
//!
//! Syntax comes from `saphyr-parser` (a YAML 1.2 event parser); this module builds the
//! tree, types plain scalars with [`crate::resolve`], expands aliases and `<<` merge keys,
//! and refuses duplicate keys. It guards against hostile input: nesting depth and the
//! number of nodes that aliases may expand to are bounded.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Tag};

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

enum Frame {
    Seq {
        items: Vec<Node>,
        pos: Pos,
        anchor: usize,
    },
    Map {
        map: Mapping,
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
    let mut loader = Loader::new(schema);
    loader.duplicates = duplicates;
    loader.run(text)
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
    alias_nodes: usize,
}

fn pos_of(m: &saphyr_parser::Marker) -> Pos {
    Pos {
        line: m.line() as u32,
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
            alias_nodes: 0,
        }
    }

    fn run(mut self, text: &str) -> Result<Vec<Node>, LoadError> {
        let mut parser = Parser::new_from_str(text);
        // A block scalar ending the input without a final line break has none in its
        // value (libyaml); saphyr adds one, so it is taken off again below.
        let unterminated_end = (!text.ends_with('\n')).then(|| text.chars().count());
        let mut docs = Vec::new();
        let mut current: Option<Node> = None;
        while let Some(next) = parser.next_event() {
            let (event, span) = next.map_err(|e| LoadError {
                message: e.info().to_string(),
                pos: pos_of(e.marker()),
            })?;
            let pos = pos_of(&span.start);
            match event {
                Event::StreamStart | Event::Nothing => {}
                Event::StreamEnd => break,
                Event::DocumentStart(_) => {
                    current = None;
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
                    self.add(node, false, &mut current)?;
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
                    self.add(node, is_merge_key, &mut current)?;
                }
                Event::SequenceStart(anchor, _) => {
                    self.push(Frame::Seq {
                        items: Vec::new(),
                        pos,
                        anchor,
                    })?;
                }
                Event::MappingStart(anchor, _) => {
                    self.push(Frame::Map {
                        map: Mapping::new(),
                        key: None,
                        merges: Vec::new(),
                        pos,
                        anchor,
                    })?;
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    let (node, anchor) = match self.stack.pop() {
                        Some(Frame::Seq { items, pos, anchor }) => (
                            Node {
                                value: Value::Seq(items),
                                pos,
                            },
                            anchor,
                        ),
                        Some(Frame::Map {
                            mut map,
                            merges,
                            pos,
                            anchor,
                            ..
                        }) => {
                            apply_merges(&mut map, merges, pos)?;
                            (
                                Node {
                                    value: Value::Map(map),
                                    pos,
                                },
                                anchor,
                            )
                        }
                        None => continue,
                    };
                    if anchor > 0 {
                        self.anchors.insert(anchor, node.clone());
                    }
                    self.add(node, false, &mut current)?;
                }
            }
        }
        Ok(docs)
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
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                map, key, merges, ..
            }) => match key.take() {
                None => {
                    let text = match &node.value {
                        Value::Seq(_) | Value::Map(_) => {
                            return Err(LoadError {
                                message: "complex mapping keys are not supported".into(),
                                pos: node.pos,
                            })
                        }
                        _ => node.scalar_text().unwrap_or_default(),
                    };
                    *key = Some((text, node.pos, is_merge_key));
                }
                Some((_, _, true)) => merges.push(node),
                Some((k, key_pos, false)) => {
                    if self.duplicates == Duplicates::LastWins && map.contains_key(&k) {
                        map.insert(k, node);
                        return Ok(());
                    }
                    if let Some(prev) = map.entry(&k) {
                        return Err(LoadError {
                            message: format!(
                                "mapping key {k:?} already defined at line {}",
                                prev.key_pos.line
                            ),
                            pos: key_pos,
                        });
                    }
                    map.push_entry(Entry {
                        key: k,
                        key_pos,
                        value: node,
                    });
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
