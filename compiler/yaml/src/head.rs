//! Reading a manifest's head (`kind`, `metadata.name`, one annotation) without building
//! its tree.
//!
//! Helm sorts rendered documents by what `releaseutil.SimpleHead` reads of them, and a
//! document that is not YAML fails the render, so every document is parsed; building
//! each one's tree only to read three strings cost a quarter of rendering a chart whose
//! templates hold its CRDs (argo-cd). [`read_head`] follows the events of this crate's
//! fast reader and keeps only those strings, with the loader's rules: scalars typed by
//! the schema (a `kind: yes` is no string under YAML 1.1), a later duplicate key
//! replacing an earlier one.
//!
//! It answers only for plain documents: anything the loader treats specially (anchors,
//! aliases, tags, `<<` merge keys, complex keys, more than one document, a root that is
//! neither a mapping nor null) or that the fast reader leaves to the full parser (and
//! every error) gives `None`, and the caller loads the document as usual.
//!
//! Not here: what the fields mean (the Helm layer).

use saphyr_parser::{Event, ScalarStyle};

use crate::node::Value;
use crate::resolve::{resolve_plain, to_value, Resolved, Schema};

/// The head of a document whose root is a mapping or null (`kind` and `name` are
/// `None` when absent or not strings, as `Node::as_str` has them).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Head {
    /// Top-level `kind`.
    pub kind: Option<String>,
    /// `metadata.name`.
    pub name: Option<String>,
    /// `metadata.annotations[annotation]`.
    pub annotation: Option<String>,
}

/// What a mapping of the document is, for the head.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Root,
    Metadata,
    Annotations,
    Other,
}

enum Frame {
    /// A mapping; `pending` is set once a key is read (to the field its value sets, if
    /// any), so no key is ever copied.
    Map {
        role: Role,
        pending: Option<Option<Field>>,
    },
    Seq,
}

/// The field a value at `key` of a mapping with `role` sets, if any.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    Kind,
    Name,
    Annotation,
    /// `metadata` itself: a new value replaces the name and the annotation.
    Metadata,
    /// `metadata.annotations`: a new value replaces the annotation.
    Annotations,
}

struct Scan<'a> {
    schema: Schema,
    annotation: &'a str,
    head: Head,
    stack: Vec<Frame>,
    documents: usize,
    /// The root was a scalar (null when `root_null`).
    root_scalar: bool,
    root_null: bool,
    /// Something the loader would treat specially: give up.
    unsupported: bool,
}

impl Scan<'_> {
    fn field(&self, role: Role, key: &str) -> Option<Field> {
        match (role, key) {
            (Role::Root, "kind") => Some(Field::Kind),
            (Role::Root, "metadata") => Some(Field::Metadata),
            (Role::Metadata, "name") => Some(Field::Name),
            (Role::Metadata, "annotations") => Some(Field::Annotations),
            (Role::Annotations, k) if k == self.annotation => Some(Field::Annotation),
            _ => None,
        }
    }

    /// Sets `field` to `value` (a string, or `None` for any other value).
    fn set(&mut self, field: Field, value: Option<String>) {
        match field {
            Field::Kind => self.head.kind = value,
            Field::Name => self.head.name = value,
            Field::Annotation => self.head.annotation = value,
            Field::Metadata => {
                self.head.name = None;
                self.head.annotation = None;
            }
            Field::Annotations => self.head.annotation = None,
        }
    }

    /// The field the value now read sets, taking the pending key of its mapping.
    fn value_field(&mut self) -> Option<Field> {
        match self.stack.last_mut() {
            Some(Frame::Map { pending, .. }) => pending.take().flatten(),
            _ => None,
        }
    }

    fn is_key(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Map { pending: None, .. }))
    }

    fn on_event(&mut self, event: Event<'_>) -> bool {
        let is_map = matches!(event, Event::MappingStart(..));
        match event {
            Event::StreamStart | Event::StreamEnd | Event::Nothing | Event::DocumentEnd => {}
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    self.unsupported = true;
                }
            }
            Event::Alias(_) => self.unsupported = true,
            Event::Scalar(text, style, anchor, tag) => {
                if anchor > 0 || tag.is_some() {
                    self.unsupported = true;
                } else if self.stack.is_empty() {
                    self.root_scalar = true;
                    self.root_null = style == ScalarStyle::Plain
                        && matches!(resolve_plain(&text, self.schema), Resolved::Null);
                } else if self.is_key() {
                    if style == ScalarStyle::Plain && text == "<<" {
                        self.unsupported = true;
                    } else if let Some(&Frame::Map { role, .. }) = self.stack.last() {
                        let field = self.field(role, &text);
                        if let Some(Frame::Map { pending, .. }) = self.stack.last_mut() {
                            *pending = Some(field);
                        }
                    }
                } else if let Some(field) = self.value_field() {
                    // Typed as the loader types an untagged scalar.
                    let value = if style == ScalarStyle::Plain {
                        to_value(resolve_plain(&text, self.schema), &text)
                    } else {
                        Value::Str(text.into_owned())
                    };
                    self.set(
                        field,
                        match value {
                            Value::Str(s) => Some(s),
                            _ => None,
                        },
                    );
                }
            }
            Event::MappingStart(anchor, tag) | Event::SequenceStart(anchor, tag) => {
                let is_root = self.stack.is_empty();
                // Anchors and tags are the loader's business; a collection as a key is
                // an error there, and so is a root that is a sequence.
                if anchor > 0 || tag.is_some() || self.is_key() || (is_root && !is_map) {
                    self.unsupported = true;
                    return false;
                }
                if self.stack.len() >= crate::load::MAX_DEPTH {
                    self.unsupported = true;
                    return false;
                }
                let field = if is_root { None } else { self.value_field() };
                if let Some(field) = field {
                    self.set(field, None);
                }
                self.stack.push(if !is_map {
                    Frame::Seq
                } else if is_root {
                    Frame::Map {
                        role: Role::Root,
                        pending: None,
                    }
                } else {
                    let role = match field {
                        Some(Field::Metadata) => Role::Metadata,
                        Some(Field::Annotations) => Role::Annotations,
                        _ => Role::Other,
                    };
                    Frame::Map {
                        role,
                        pending: None,
                    }
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
        }
        !self.unsupported
    }
}

/// The head of `text`, a single document read under `schema`, with the annotation
/// `annotation`; `None` when this reader cannot vouch for the answer (see the module
/// documentation): load the document instead.
pub fn read_head(text: &str, schema: Schema, annotation: &str) -> Option<Head> {
    let mut scan = Scan {
        schema,
        annotation,
        head: Head::default(),
        stack: Vec::new(),
        documents: 0,
        root_scalar: false,
        root_null: false,
        unsupported: false,
    };
    let took = crate::quick::read(text, &mut |event, _span| scan.on_event(event));
    if !took || scan.unsupported || (scan.root_scalar && !scan.root_null) {
        return None;
    }
    Some(scan.head)
}
