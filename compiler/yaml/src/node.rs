//! The document model: [`Node`] (a [`Value`] plus where it came from) and [`Mapping`].
//!
//! This is what every stage of kubake passes around. It is a plain tree: aliases are
//! expanded at load time, scalars are already typed (see [`crate::Schema`]), and comments
//! are gone. Positions never take part in equality, so two nodes loaded from different
//! files compare equal when their content does.

use std::fmt;

/// A place in a source text: 1-based line and 1-based column (in characters).
///
/// `Pos::NONE` (line 0) marks nodes that kubake made itself rather than read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pos {
    /// 1-based line; 0 when the node has no source.
    pub line: u32,
    /// 1-based column in characters.
    pub col: u32,
}

impl Pos {
    /// The position of a node that was not read from any source.
    pub const NONE: Pos = Pos { line: 0, col: 0 };

    /// Whether this position points into a source text.
    pub fn is_known(self) -> bool {
        self.line > 0
    }

    /// The byte offset of this position in `text`, for diagnostics that need a span.
    pub fn byte_offset(self, text: &str) -> Option<usize> {
        if !self.is_known() {
            return None;
        }
        let mut offset = 0;
        for (i, line) in text.split_inclusive('\n').enumerate() {
            if i + 1 == self.line as usize {
                let col = (self.col as usize).saturating_sub(1);
                let within: usize = line.chars().take(col).map(char::len_utf8).sum();
                return Some(offset + within);
            }
            offset += line.len();
        }
        Some(text.len())
    }
}

/// A YAML node: its value and the position it was read from.
#[derive(Clone, Debug)]
pub struct Node {
    /// The content.
    pub value: Value,
    /// Where the node starts in its source, or [`Pos::NONE`].
    pub pos: Pos,
}

impl PartialEq for Node {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

/// The content of a node. Scalars are typed when loaded.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`, `~` or an empty value.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer that fits in 64 bits.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// A string.
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping with string keys, in source order.
    Map(Mapping),
}

/// One key of a mapping, with the node it maps to.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The key.
    pub key: String,
    /// Where the key was read, or [`Pos::NONE`].
    pub key_pos: Pos,
    /// The value.
    pub value: Node,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key && self.value == other.value
    }
}

/// An ordered mapping with string keys.
///
/// Kubernetes objects have few keys per level, so a vector with linear lookup is both
/// smaller and faster than a hash map here, and it keeps insertion order for free.
#[derive(Clone, Debug, Default)]
pub struct Mapping {
    entries: Vec<Entry>,
}

impl PartialEq for Mapping {
    /// Mappings are equal when they hold the same keys with equal values, in any order.
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len()
            && self
                .entries
                .iter()
                .all(|e| other.get(&e.key).is_some_and(|v| *v == e.value))
    }
}

impl Mapping {
    /// An empty mapping.
    pub fn new() -> Self {
        Mapping::default()
    }

    /// The number of keys.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the mapping has no keys.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The node under `key`.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries.iter().find(|e| e.key == key).map(|e| &e.value)
    }

    /// The node under `key`, mutably.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        self.entries
            .iter_mut()
            .find(|e| e.key == key)
            .map(|e| &mut e.value)
    }

    /// The entry (key, key position and value) under `key`.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.entries.iter().any(|e| e.key == key)
    }

    /// Sets `key` to `value`, keeping the key's place when it exists, appending otherwise.
    pub fn insert(&mut self, key: impl Into<String>, value: Node) {
        let key = key.into();
        match self.entries.iter_mut().find(|e| e.key == key) {
            Some(e) => e.value = value,
            None => self.entries.push(Entry {
                key,
                key_pos: Pos::NONE,
                value,
            }),
        }
    }

    /// A mapping of `entries`, whose keys the caller has checked are distinct.
    pub(crate) fn from_distinct_entries(entries: Vec<Entry>) -> Mapping {
        Mapping { entries }
    }

    /// Appends an entry read from a source; the caller has checked the key is new.
    pub fn push_entry(&mut self, entry: Entry) {
        self.entries.push(entry);
    }

    /// Removes `key`, returning its node.
    pub fn remove(&mut self, key: &str) -> Option<Node> {
        let i = self.entries.iter().position(|e| e.key == key)?;
        Some(self.entries.remove(i).value)
    }

    /// The node under `key`, inserting `make()` first when absent.
    pub fn get_or_insert_with(&mut self, key: &str, make: impl FnOnce() -> Node) -> &mut Node {
        let i = match self.entries.iter().position(|e| e.key == key) {
            Some(i) => i,
            None => {
                self.entries.push(Entry {
                    key: key.to_string(),
                    key_pos: Pos::NONE,
                    value: make(),
                });
                self.entries.len() - 1
            }
        };
        &mut self.entries[i].value
    }

    /// The entries in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Node)> {
        self.entries.iter().map(|e| (e.key.as_str(), &e.value))
    }

    /// The entries in order, values mutable.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&str, &mut Node)> {
        self.entries
            .iter_mut()
            .map(|e| (e.key.as_str(), &mut e.value))
    }

    /// The entries with their key positions.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The entries, for changing values or positions in place.
    pub fn entries_mut(&mut self) -> &mut [Entry] {
        &mut self.entries
    }

    /// The keys in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| e.key.as_str())
    }

    /// Keeps only the entries for which `keep` is true.
    pub fn retain(&mut self, mut keep: impl FnMut(&str, &Node) -> bool) {
        self.entries.retain(|e| keep(&e.key, &e.value));
    }
}

impl FromIterator<(String, Node)> for Mapping {
    fn from_iter<I: IntoIterator<Item = (String, Node)>>(iter: I) -> Self {
        let mut m = Mapping::new();
        for (k, v) in iter {
            m.insert(k, v);
        }
        m
    }
}

impl Node {
    /// Gives this node the source positions of `from` wherever the two have the same
    /// shape (the same keys; sequences of the same length), and no position elsewhere:
    /// for a node rebuilt from `from` (re-read from text by Flux's variable
    /// substitution, round-tripped through JSON by a JSON patch), whose own positions
    /// are in no file.
    pub fn take_positions_from(&mut self, from: &Node) {
        self.pos = from.pos;
        match (&mut self.value, &from.value) {
            (Value::Map(to), Value::Map(src)) => {
                for e in to.entries_mut() {
                    match src.entry(&e.key) {
                        Some(s) => {
                            e.key_pos = s.key_pos;
                            e.value.take_positions_from(&s.value);
                        }
                        None => {
                            e.key_pos = Pos::NONE;
                            e.value.forget_positions();
                        }
                    }
                }
            }
            // Items are matched by index only when none was added or removed.
            (Value::Seq(to), Value::Seq(src)) if to.len() == src.len() => {
                for (item, s) in to.iter_mut().zip(src) {
                    item.take_positions_from(s);
                }
            }
            (Value::Map(_) | Value::Seq(_), _) => self.forget_positions_below(),
            _ => {}
        }
    }

    /// Clears this node's positions and its children's.
    pub fn forget_positions(&mut self) {
        self.pos = Pos::NONE;
        self.forget_positions_below();
    }

    fn forget_positions_below(&mut self) {
        match &mut self.value {
            Value::Map(m) => {
                for e in m.entries_mut() {
                    e.key_pos = Pos::NONE;
                    e.value.forget_positions();
                }
            }
            Value::Seq(items) => items.iter_mut().for_each(Node::forget_positions),
            _ => {}
        }
    }
    /// A node made by kubake, with no source position.
    pub fn new(value: Value) -> Self {
        Node {
            value,
            pos: Pos::NONE,
        }
    }

    /// A string node with no source position.
    pub fn str(s: impl Into<String>) -> Self {
        Node::new(Value::Str(s.into()))
    }

    /// An empty mapping node with no source position.
    pub fn map() -> Self {
        Node::new(Value::Map(Mapping::new()))
    }

    /// A null node with no source position.
    pub fn null() -> Self {
        Node::new(Value::Null)
    }

    /// The string, when this is a string scalar.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The mapping, when this is a mapping.
    pub fn as_map(&self) -> Option<&Mapping> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The mapping, mutably, when this is a mapping.
    pub fn as_map_mut(&mut self) -> Option<&mut Mapping> {
        match &mut self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The items, when this is a sequence.
    pub fn as_seq(&self) -> Option<&Vec<Node>> {
        match &self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// The items, mutably, when this is a sequence.
    pub fn as_seq_mut(&mut self) -> Option<&mut Vec<Node>> {
        match &mut self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// Whether this is null.
    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// The node under `key` when this is a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?.get(key)
    }

    /// The node at a path of mapping keys.
    pub fn get_path(&self, path: &[&str]) -> Option<&Node> {
        path.iter().try_fold(self, |n, k| n.get(k))
    }

    /// The string at a path of mapping keys.
    pub fn str_at(&self, path: &[&str]) -> Option<&str> {
        self.get_path(path)?.as_str()
    }

    /// The scalar as the text a user would write for it (strings as-is, numbers in
    /// their usual form). `None` for collections.
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::Null => Some(String::new()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(crate::numfmt::format_float_g(*f)),
            Value::Str(s) => Some(s.clone()),
            Value::Seq(_) | Value::Map(_) => None,
        }
    }

    /// A short name of the node's type, for messages ("string", "mapping", …).
    pub fn type_name(&self) -> &'static str {
        self.value.type_name()
    }
}

impl Value {
    /// A short name of the value's type, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) => "integer",
            Value::Float(_) => "number",
            Value::Str(_) => "string",
            Value::Seq(_) => "sequence",
            Value::Map(_) => "mapping",
        }
    }
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

#[cfg(test)]
mod tests {
    use crate::{load_one, Schema};

    #[test]
    fn positions_carry_over_where_the_shape_is_the_same() {
        let original =
            load_one("a: 1\nb:\n  c: x\nl: [1, 2]\nm: [1]\n", Schema::Core12).expect("YAML");
        // Rebuilt elsewhere: b.c kept, b.d new, l the same length, m longer.
        let mut rebuilt = load_one(
            "\n\n\na: 1\nb:\n  c: y\n  d: z\nl: [3, 4]\nm: [1, 2]\n",
            Schema::Core12,
        )
        .expect("YAML");
        rebuilt.take_positions_from(&original);
        let pos =
            |n: &crate::Node, path: &[&str]| n.get_path(path).map(|x| (x.pos.line, x.pos.col));
        assert_eq!(pos(&rebuilt, &["b", "c"]), pos(&original, &["b", "c"]));
        assert_eq!(pos(&rebuilt, &["b", "d"]), Some((0, 0)));
        let b = rebuilt.get("b").and_then(|b| b.as_map()).expect("map");
        assert_eq!(b.entry("c").map(|e| e.key_pos.line), Some(3));
        assert_eq!(b.entry("d").map(|e| e.key_pos.line), Some(0));
        let l = rebuilt.get("l").and_then(|l| l.as_seq()).expect("seq");
        assert_eq!(l[1].pos.line, 4);
        let m = rebuilt.get("m").and_then(|m| m.as_seq()).expect("seq");
        assert!(
            m.iter().all(|x| x.pos.line == 0),
            "items of a longer list are not matched"
        );
    }
}
