//! Reading typed configuration out of YAML nodes, with Go's `encoding/json` manners:
//! unknown fields are errors, field names match case-insensitively when no exact match
//! exists, and a value of the wrong type is reported with its place.
//!
//! kustomize decodes kustomization.yaml with `sigs.k8s.io/yaml.UnmarshalStrict`; this
//! module gives kubake the same acceptance with positions for diagnostics.

use std::path::Path;

use kubake_yaml::{Mapping, Node, Pos, Value};

use crate::error::{Error, Result};

/// A mapping being decoded: remembers the file for error positions.
pub struct Fields<'a> {
    map: &'a Mapping,
    file: &'a Path,
    pos: Pos,
    what: &'static str,
}

impl<'a> Fields<'a> {
    /// Starts decoding `node`, which must be a mapping (or null, read as empty).
    pub fn new(node: &'a Node, file: &'a Path, what: &'static str) -> Result<Self> {
        static EMPTY: std::sync::OnceLock<Mapping> = std::sync::OnceLock::new();
        let map = match &node.value {
            Value::Map(m) => m,
            Value::Null => EMPTY.get_or_init(Mapping::new),
            _ => {
                return Err(Error::at(
                    format!("{what} must be a mapping, found a {}", node.type_name()),
                    file,
                    node.pos,
                ))
            }
        };
        Ok(Fields {
            map,
            file,
            pos: node.pos,
            what,
        })
    }

    /// Fails on any key not in `known` (matched as Go's json matches struct fields).
    pub fn deny_unknown(&self, known: &[&str]) -> Result<()> {
        for e in self.map.entries() {
            if find_field(known, &e.key).is_none() {
                return Err(Error::at(
                    format!("invalid {}: json: unknown field {:?}", self.what, e.key),
                    self.file,
                    e.key_pos,
                )
                .with_help(unknown_field_help(known, &e.key)));
            }
        }
        Ok(())
    }

    /// The node for a field: exact key first, then a case-insensitive match.
    pub fn get(&self, name: &str) -> Option<&'a Node> {
        self.map
            .get(name)
            .or_else(|| {
                self.map
                    .entries()
                    .iter()
                    .find(|e| e.key.eq_ignore_ascii_case(name))
                    .map(|e| &e.value)
            })
            .filter(|n| !n.is_null())
    }

    /// The file being decoded.
    pub fn file(&self) -> &'a Path {
        self.file
    }

    /// Where the mapping starts.
    pub fn pos(&self) -> Pos {
        self.pos
    }

    fn type_error(&self, name: &str, node: &Node, want: &str) -> Error {
        let error = Error::at(
            format!(
                "json: cannot unmarshal {} into Go struct field {}.{} of type {}",
                go_kind(node),
                self.what,
                name,
                want
            ),
            self.file,
            node.pos,
        );
        match (&node.value, want) {
            (Value::Bool(_) | Value::Int(_) | Value::Float(_), "string") => error.with_help(
                "quote the value: kustomize reads an unquoted yes, no, on, off, true or false as a boolean and 1 or 1.10 as a number, which a text field refuses",
            ),
            _ => error,
        }
    }

    /// A string field. Only strings are accepted: Go's JSON decoding refuses a number
    /// or a boolean for a string field.
    pub fn string(&self, name: &str) -> Result<Option<String>> {
        match self.get(name) {
            None => Ok(None),
            Some(n) => match &n.value {
                Value::Str(s) => Ok(Some(s.clone())),
                _ => Err(self.type_error(name, n, "string")),
            },
        }
    }

    /// A boolean field.
    pub fn bool(&self, name: &str) -> Result<Option<bool>> {
        match self.get(name) {
            None => Ok(None),
            Some(n) => match &n.value {
                Value::Bool(b) => Ok(Some(*b)),
                _ => Err(self.type_error(name, n, "bool")),
            },
        }
    }

    /// An integer field.
    pub fn int(&self, name: &str) -> Result<Option<i64>> {
        match self.get(name) {
            None => Ok(None),
            Some(n) => match &n.value {
                Value::Int(i) => Ok(Some(*i)),
                Value::Float(f) if f.fract() == 0.0 => Ok(Some(*f as i64)),
                _ => Err(self.type_error(name, n, "int64")),
            },
        }
    }

    /// A list of strings, each with its position.
    pub fn strings(&self, name: &str) -> Result<Vec<(String, Pos)>> {
        self.list(name, "[]string", |n| match &n.value {
            Value::Str(s) => Some((s.clone(), n.pos)),
            _ => None,
        })
    }

    /// A map of strings (labels, annotations). A value that is not a string (`version:
    /// 1`, `enabled: yes`) is refused as kustomize refuses it; a null value is empty.
    pub fn string_map(&self, name: &str) -> Result<Vec<(String, String)>> {
        match self.get(name) {
            None => Ok(Vec::new()),
            Some(n) => match &n.value {
                Value::Map(m) => m
                    .iter()
                    .map(|(k, v)| match &v.value {
                        Value::Str(s) => Ok((k.to_string(), s.clone())),
                        Value::Null => Ok((k.to_string(), String::new())),
                        _ => Err(self.type_error(name, v, "string")),
                    })
                    .collect(),
                _ => Err(self.type_error(name, n, "map[string]string")),
            },
        }
    }

    /// A list whose items `item` converts; a wrong item is a type error.
    pub fn list<T>(
        &self,
        name: &str,
        want: &str,
        mut item: impl FnMut(&'a Node) -> Option<T>,
    ) -> Result<Vec<T>> {
        match self.get(name) {
            None => Ok(Vec::new()),
            Some(n) => match &n.value {
                Value::Seq(items) => items
                    .iter()
                    .map(|i| item(i).ok_or_else(|| self.type_error(name, i, want)))
                    .collect(),
                _ => Err(self.type_error(name, n, want)),
            },
        }
    }

    /// A list of mappings, each decoded by `decode`.
    pub fn objects<T>(
        &self,
        name: &str,
        mut decode: impl FnMut(&'a Node) -> Result<T>,
    ) -> Result<Vec<T>> {
        match self.get(name) {
            None => Ok(Vec::new()),
            Some(n) => match &n.value {
                Value::Seq(items) => items.iter().map(&mut decode).collect(),
                _ => Err(self.type_error(name, n, "[]object")),
            },
        }
    }
}

/// Go json's field matching: exact name, else ASCII case-insensitive.
fn find_field<'k>(known: &[&'k str], key: &str) -> Option<&'k str> {
    known
        .iter()
        .find(|k| **k == key)
        .or_else(|| known.iter().find(|k| k.eq_ignore_ascii_case(key)))
        .copied()
}

/// The JSON type name Go reports for a value.
fn go_kind(node: &Node) -> &'static str {
    match node.value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Int(_) | Value::Float(_) => "number",
        Value::Str(_) => "string",
        Value::Seq(_) => "array",
        Value::Map(_) => "object",
    }
}

/// "did you mean" for a misspelt field name, else the list of known fields.
fn unknown_field_help(known: &[&str], key: &str) -> String {
    let closest = known
        .iter()
        .map(|k| {
            (
                strsim::jaro_winkler(&k.to_ascii_lowercase(), &key.to_ascii_lowercase()),
                k,
            )
        })
        .filter(|(score, _)| *score > 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match closest {
        Some((_, k)) => format!("did you mean `{k}`?"),
        None => format!("known fields: {}", known.join(", ")),
    }
}
