//! The emitter: [`Node`]s to text exactly as Go's `sigs.k8s.io/yaml` (yaml.v2) writes them.
//!
//! kustomize prints every resource through `yaml.JSONToYAML`, and Helm's `toYaml` goes the
//! same way, so one emitter serves both. Its rules are yaml.v2's, and this module follows
//! libyaml's emitter closely, because byte-identical output depends on details:
//!
//! * keys sorted by [`crate::keyorder`], two-space indentation, sequences inside a mapping
//!   not indented (`- ` under the key), empty collections as `{}` / `[]`;
//! * a string is written plain when a YAML 1.1 reader would read it back as the same
//!   string; otherwise double-quoted; strings with a line break as literal blocks (`|`,
//!   `|-`, `|+`) unless they cannot be (trailing spaces, tabs…), then double-quoted;
//!   a plain string that is syntactically unsafe (`*x`, `: x`, `- x`) is single-quoted;
//! * plain and quoted scalars fold at the first space past column 80;
//! * numbers are printed after a JSON round trip, as `JSONToYAML` does: `3.0` prints `3`.
//!
//! The emitter writes block style only; it never produces flow collections other than
//! the empty ones, and it writes no comments, anchors or tags.

use crate::keyorder::compare_keys;
use crate::node::{Node, Value};
use crate::numfmt::{format_float_g, format_float_json};
use crate::resolve::plain_means_string_v2;

mod analyze;
pub mod canonical;

use analyze::{analyze, is_break, is_plain_word, is_printable};

const BEST_INDENT: i32 = 2;
const BEST_WIDTH: usize = 80;

/// Appends `n` spaces (a slice at a time: indenting is a good part of emitting, and
/// pushing characters one by one showed in profiles).
fn push_spaces(out: &mut String, mut n: usize) {
    const SPACES: &str = "                                                                ";
    while n > 0 {
        let step = n.min(SPACES.len());
        out.push_str(&SPACES[..step]);
        n -= step;
    }
}

/// Writes one document the way `sigs.k8s.io/yaml.Marshal` does (no `---`).
///
/// The text is written into a buffer kept per thread and then copied once into a string
/// of its exact size: growing a fresh string by doubling copied each document about
/// once more and left freshly touched memory behind (a tenth of emitting a chart's
/// CRDs).
pub fn to_yaml(node: &Node) -> String {
    /// A buffer past this size is given back after use (one huge document should not
    /// pin its memory for the rest of the run).
    const KEPT: usize = 4 << 20;
    thread_local! {
        static BUFFER: std::cell::Cell<String> = const { std::cell::Cell::new(String::new()) };
    }
    let mut e = Emitter::new();
    e.out = BUFFER.with(std::cell::Cell::take);
    e.out.clear();
    e.emit_node(node, Ctx::ROOT);
    e.write_indent();
    let text = e.out.as_str().to_owned();
    if e.out.capacity() <= KEPT {
        BUFFER.with(|b| b.set(e.out));
    }
    text
}

/// Writes documents as kustomize does: each through [`to_yaml`], joined by `---\n`.
pub fn to_yaml_stream<'a>(docs: impl IntoIterator<Item = &'a Node>) -> String {
    let mut out = String::new();
    for (i, doc) in docs.into_iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        out.push_str(&to_yaml(doc));
    }
    out
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

#[derive(Clone, Copy)]
struct Ctx {
    root: bool,
    mapping: bool,
    simple_key: bool,
}

impl Ctx {
    const ROOT: Ctx = Ctx {
        root: true,
        mapping: false,
        simple_key: false,
    };
    const SEQ_ITEM: Ctx = Ctx {
        root: false,
        mapping: false,
        simple_key: false,
    };
    const MAP_VALUE: Ctx = Ctx {
        root: false,
        mapping: true,
        simple_key: false,
    };
    const SIMPLE_KEY: Ctx = Ctx {
        root: false,
        mapping: true,
        simple_key: true,
    };
    const COMPLEX_KEY: Ctx = Ctx {
        root: false,
        mapping: true,
        simple_key: false,
    };
}

/// A plain word (see [`analyze::is_plain_word`]) that a YAML 1.1 reader reads back as
/// this string: what [`Emitter::write_word`] writes.
fn is_string_word(s: &str) -> bool {
    is_plain_word(s) && plain_means_string_v2(s)
}

/// Printable ASCII only (no tab, no line break): what [`Emitter::write_words`] takes.
fn is_single_line_ascii(value: &str) -> bool {
    value.bytes().all(|b| (0x20..=0x7E).contains(&b))
}

/// Which scalar writer [`Emitter::write_words`] stands for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Quoting {
    Plain,
    Single,
    Double,
}

/// Appends `text` (ASCII) to `out` escaped as `quoting` needs: plain text as it is, in
/// single quotes `'` doubled, in double quotes `"` and `\` after a backslash.
fn push_escaping(out: &mut String, text: &str, quoting: Quoting) {
    let escape = match quoting {
        Quoting::Plain => return out.push_str(text),
        Quoting::Single => '\'',
        Quoting::Double => '\\',
    };
    let special = |b: &[u8]| match quoting {
        Quoting::Double => memchr::memchr2(b'"', b'\\', b),
        _ => memchr::memchr(b'\'', b),
    };
    let mut rest = text;
    while let Some(i) = special(rest.as_bytes()) {
        out.push_str(&rest[..i]);
        out.push(escape);
        out.push_str(&rest[i..=i]);
        rest = &rest[i + 1..];
    }
    out.push_str(rest);
}

struct Emitter<'n> {
    /// Never take [`Emitter::write_words`] (tests compare it with the loops it replaces).
    by_char: bool,
    out: String,
    /// The entries of the mappings being written, each mapping's sorted in a slice on
    /// top of its parents' (one vector for the document instead of one per mapping:
    /// a CRD's schema is tens of thousands of small mappings).
    entries: Vec<(&'n str, &'n Node)>,
    column: usize,
    indent: i32,
    indents: Vec<i32>,
    whitespace: bool,
    indention: bool,
}

impl<'n> Emitter<'n> {
    fn new() -> Self {
        Emitter {
            by_char: false,
            out: String::new(),
            entries: Vec::new(),
            column: 0,
            indent: -1,
            indents: Vec::new(),
            whitespace: true,
            indention: true,
        }
    }

    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
        }
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { BEST_INDENT } else { 0 };
        } else if !indentless {
            self.indent += BEST_INDENT;
        }
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(-1);
    }

    fn write_indent(&mut self) {
        let indent = self.indent.max(0) as usize;
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        if self.column < indent {
            push_spaces(&mut self.out, indent - self.column);
            self.column = indent;
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(
        &mut self,
        s: &str,
        need_whitespace: bool,
        is_whitespace: bool,
        is_indention: bool,
    ) {
        if need_whitespace && !self.whitespace {
            self.put(' ');
        }
        for c in s.chars() {
            self.put(c);
        }
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
    }

    fn emit_node(&mut self, node: &'n Node, ctx: Ctx) {
        match &node.value {
            Value::Map(m) if m.is_empty() => self.emit_empty("{", "}"),
            Value::Seq(s) if s.is_empty() => self.emit_empty("[", "]"),
            Value::Map(m) => {
                let base = self.entries.len();
                self.entries.extend(m.iter());
                self.entries[base..].sort_by(|a, b| compare_keys(a.0, b.0));
                self.emit_block_mapping(base);
                self.entries.truncate(base);
            }
            Value::Seq(items) => self.emit_block_sequence(items, ctx),
            scalar => self.emit_scalar_value(scalar, ctx),
        }
    }

    /// Writes a scalar value (a collection writes nothing: [`Self::emit_node`] takes
    /// those).
    fn emit_scalar_value(&mut self, value: &Value, ctx: Ctx) {
        match value {
            Value::Map(_) | Value::Seq(_) => {}
            // Most strings are names, numbers-as-text and paths: written as they are.
            Value::Str(s) if is_string_word(s) => self.write_word(s),
            Value::Str(s) => {
                let requested = if s.contains('\n') {
                    Style::Literal
                } else if plain_means_string_v2(s) {
                    Style::Plain
                } else {
                    Style::Double
                };
                self.emit_scalar(s, requested, ctx);
            }
            Value::Null => self.emit_scalar("null", Style::Plain, ctx),
            Value::Bool(b) => {
                self.emit_scalar(if *b { "true" } else { "false" }, Style::Plain, ctx)
            }
            Value::Int(i) => self.emit_scalar(&i.to_string(), Style::Plain, ctx),
            Value::Float(f) => self.emit_scalar(&float_text(*f), Style::Plain, ctx),
        }
    }

    fn emit_empty(&mut self, open: &str, close: &str) {
        self.write_indicator(open, true, true, false);
        self.increase_indent(true, false);
        self.pop_indent();
        self.write_indicator(close, false, false, false);
    }

    /// Writes the mapping whose sorted entries are `self.entries[base..]`.
    fn emit_block_mapping(&mut self, base: usize) {
        self.increase_indent(false, false);
        for i in base..self.entries.len() {
            // (Entries pushed by the values written here are above this mapping's, and
            // gone again before the next key.)
            let (key, value) = self.entries[i];
            self.write_indent();
            if key.len() <= 128 && is_string_word(key) {
                self.write_word(key);
                self.write_indicator(":", false, false, false);
            } else {
                self.emit_key(key);
            }
            self.emit_node(value, Ctx::MAP_VALUE);
        }
        self.pop_indent();
    }

    /// A mapping key and its `:` (libyaml's simple key, or `? KEY` past 128 bytes or
    /// with a line break).
    fn emit_key(&mut self, key: &str) {
        let requested = if plain_means_string_v2(key) {
            Style::Plain
        } else {
            Style::Double
        };
        if key.len() <= 128 && !key.chars().any(is_break) {
            self.emit_scalar(key, requested, Ctx::SIMPLE_KEY);
            self.write_indicator(":", false, false, false);
        } else {
            self.write_indicator("?", true, false, true);
            let requested = if key.contains('\n') {
                Style::Literal
            } else {
                requested
            };
            self.emit_scalar(key, requested, Ctx::COMPLEX_KEY);
            self.write_indent();
            self.write_indicator(":", true, false, true);
        }
    }

    fn emit_block_sequence(&mut self, items: &'n [Node], ctx: Ctx) {
        let indentless = ctx.mapping && !self.indention;
        self.increase_indent(false, indentless);
        for item in items {
            self.write_indent();
            self.write_indicator("-", true, false, true);
            self.emit_node(item, Ctx::SEQ_ITEM);
        }
        self.pop_indent();
    }

    fn emit_scalar(&mut self, value: &str, requested: Style, ctx: Ctx) {
        let a = analyze(value);
        let mut style = requested;
        if ctx.simple_key && a.multiline {
            style = Style::Double;
        }
        if style == Style::Plain && (!a.block_plain_allowed || (value.is_empty() && ctx.simple_key))
        {
            style = Style::Single;
        }
        if style == Style::Single && !a.single_quoted_allowed {
            style = Style::Double;
        }
        if style == Style::Literal && (!a.block_allowed || ctx.simple_key) {
            style = Style::Double;
        }
        self.increase_indent(true, false);
        let allow_breaks = !ctx.simple_key;
        match style {
            Style::Plain => self.write_plain(value, allow_breaks),
            Style::Single => self.write_single_quoted(value, allow_breaks),
            Style::Double => self.write_double_quoted(value, allow_breaks),
            Style::Literal => self.write_literal(value),
        }
        let _ = ctx.root;
        self.pop_indent();
    }

    /// What [`Self::emit_scalar`] writes for a plain word (see
    /// [`analyze::is_plain_word`]) that reads back as a string, in any context: the text
    /// itself, nothing to fold or escape.
    fn write_word(&mut self, word: &str) {
        if !self.whitespace {
            self.put(' ');
        }
        self.out.push_str(word);
        self.column += word.len();
        self.whitespace = false;
        self.indention = false;
    }

    fn write_plain(&mut self, value: &str, allow_breaks: bool) {
        if !self.whitespace {
            self.put(' ');
        }
        let folds = if value.is_ascii() {
            memchr::memchr3(b' ', b'\n', b'\r', value.as_bytes()).is_some()
        } else {
            value.contains([' ', '\n', '\r', '\u{85}', '\u{2028}', '\u{2029}'])
        };
        if !folds {
            // Nothing to fold or break: the text as it is.
            self.out.push_str(value);
            self.column += value.chars().count();
            self.whitespace = false;
            self.indention = false;
            return;
        }
        if self.by_words(value) {
            self.write_words(value, allow_breaks, Quoting::Plain);
            self.whitespace = false;
            self.indention = false;
            return;
        }
        let chars: Vec<char> = value.chars().collect();
        let (mut spaces, mut breaks) = (false, false);
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                let next_space = chars.get(i + 1) == Some(&' ');
                if allow_breaks && !spaces && self.column > BEST_WIDTH && !next_space {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.whitespace = false;
        self.indention = false;
    }

    fn write_single_quoted(&mut self, value: &str, allow_breaks: bool) {
        self.write_indicator("'", true, false, false);
        if self.by_words(value) {
            self.write_words(value, allow_breaks, Quoting::Single);
            self.write_indicator("'", false, false, false);
            return;
        }
        let chars: Vec<char> = value.chars().collect();
        let (mut spaces, mut breaks) = (false, false);
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                let next_space = chars.get(i + 1) == Some(&' ');
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i > 0
                    && i + 1 < chars.len()
                    && !next_space
                {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.write_indicator("'", false, false, false);
    }

    fn write_double_quoted(&mut self, value: &str, allow_breaks: bool) {
        self.write_indicator("\"", true, false, false);
        if self.by_words(value) {
            self.write_words(value, allow_breaks, Quoting::Double);
            self.write_indicator("\"", false, false, false);
            return;
        }
        let chars: Vec<char> = value.chars().collect();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if !is_printable(c) || c == '\u{FEFF}' || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                match c {
                    '\0' => self.put('0'),
                    '\u{7}' => self.put('a'),
                    '\u{8}' => self.put('b'),
                    '\t' => self.put('t'),
                    '\n' => self.put('n'),
                    '\u{b}' => self.put('v'),
                    '\u{c}' => self.put('f'),
                    '\r' => self.put('r'),
                    '\u{1b}' => self.put('e'),
                    '"' => self.put('"'),
                    '\\' => self.put('\\'),
                    '\u{85}' => self.put('N'),
                    '\u{a0}' => self.put('_'),
                    '\u{2028}' => self.put('L'),
                    '\u{2029}' => self.put('P'),
                    _ => {
                        let u = c as u32;
                        let (prefix, width) = if u <= 0xFF {
                            ('x', 2)
                        } else if u <= 0xFFFF {
                            ('u', 4)
                        } else {
                            ('U', 8)
                        };
                        self.put(prefix);
                        for ch in format!("{u:0width$X}").chars() {
                            self.put(ch);
                        }
                    }
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i > 0
                    && i + 1 < chars.len()
                {
                    self.write_indent();
                    if chars.get(i + 1) == Some(&' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.write_indicator("\"", false, false, false);
    }

    fn by_words(&self, value: &str) -> bool {
        !self.by_char && is_single_line_ascii(value)
    }

    /// The character loops of [`Self::write_plain`], [`Self::write_single_quoted`] and
    /// [`Self::write_double_quoted`] for text that [`is_single_line_ascii`] (long
    /// descriptions in CRDs, most of a big bundle's bytes): the same output, written a
    /// word at a time, folding at the same spaces.
    fn write_words(&mut self, value: &str, allow_breaks: bool, quoting: Quoting) {
        let bytes = value.as_bytes();
        let mut spaces = false;
        let mut at = 0;
        while at < bytes.len() {
            let end = memchr::memchr(b' ', &bytes[at..]).map_or(bytes.len(), |i| at + i);
            if end > at {
                let word = &value[at..end];
                let before = self.out.len();
                push_escaping(&mut self.out, word, quoting);
                // ASCII: one column per byte.
                self.column += self.out.len() - before;
                if quoting != Quoting::Double {
                    self.indention = false;
                }
                spaces = false;
            }
            if end == bytes.len() {
                break;
            }
            let next_space = bytes.get(end + 1) == Some(&b' ');
            let inside = end > 0 && end + 1 < bytes.len();
            let fold = allow_breaks
                && !spaces
                && self.column > BEST_WIDTH
                && match quoting {
                    Quoting::Plain => !next_space,
                    Quoting::Single => inside && !next_space,
                    Quoting::Double => inside,
                };
            if fold {
                self.write_indent();
                if quoting == Quoting::Double && next_space {
                    self.put('\\');
                }
            } else {
                self.put(' ');
            }
            spaces = true;
            at = end + 1;
        }
    }

    fn write_literal(&mut self, value: &str) {
        self.write_indicator("|", true, false, false);
        let first = value.chars().next();
        if first.is_some_and(|c| c == ' ' || is_break(c)) {
            self.write_indicator(&BEST_INDENT.to_string(), false, false, false);
        }
        let mut rev = value.chars().rev();
        let chomp = match rev.next() {
            None => Some("-"),
            Some(last) if !is_break(last) => Some("-"),
            Some(_) => match rev.next() {
                None => Some("+"),
                Some(prev) if is_break(prev) => Some("+"),
                Some(_) => None,
            },
        };
        if let Some(chomp) = chomp {
            self.write_indicator(chomp, false, false, false);
        }
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        let only_newlines = if value.is_ascii() {
            memchr::memchr(b'\r', value.as_bytes()).is_none()
        } else {
            !value.contains(['\r', '\u{85}', '\u{2028}', '\u{2029}'])
        };
        if only_newlines {
            // Line by line: the same output as the loop below, without a call per
            // character (literal blocks hold whole config files and dashboards).
            for (i, line) in value.split('\n').enumerate() {
                if i > 0 {
                    self.write_break('\n');
                    self.indention = true;
                    breaks = true;
                }
                if !line.is_empty() {
                    if breaks {
                        self.write_indent();
                    }
                    self.out.push_str(line);
                    self.column += if line.is_ascii() {
                        line.len()
                    } else {
                        line.chars().count()
                    };
                    self.indention = false;
                    breaks = false;
                }
            }
            return;
        }
        for c in value.chars() {
            if is_break(c) {
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                breaks = false;
            }
        }
    }
}

/// A float as `JSONToYAML` prints it: Go's JSON text of it, read back by yaml.v2 (so
/// integral values become integers) and printed with `%g`.
fn float_text(f: f64) -> String {
    match format_float_json(f) {
        Some(json) if !json.contains(['.', 'e']) => {
            if let Ok(i) = json.parse::<i64>() {
                i.to_string()
            } else if let Ok(u) = json.parse::<u64>() {
                u.to_string()
            } else {
                format_float_g(f)
            }
        }
        Some(_) => format_float_g(f),
        None if f.is_nan() => ".nan".into(),
        None if f > 0.0 => ".inf".into(),
        None => "-.inf".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::load_one;
    use crate::resolve::Schema;

    fn roundtrip(input: &str) -> String {
        to_yaml(&load_one(input, Schema::Core12).unwrap())
    }

    #[test]
    fn sorts_keys_and_leaves_sequences_unindented() {
        let out = roundtrip(
            "kind: A\napiVersion: v1\nspec:\n  items:\n  - b: 1\n    a: 2\n  - - x\n    - z\n",
        );
        assert_eq!(
            out,
            "apiVersion: v1\nkind: A\nspec:\n  items:\n  - a: 2\n    b: 1\n  - - x\n    - z\n"
        );
    }

    #[test]
    fn each_document_gets_only_its_own_text_and_the_exact_room() {
        // The buffer kept per thread must neither leak a longer document's text into a
        // shorter one nor hand its spare room to the result.
        let long = roundtrip(&format!("a: {}\nb: [1, 2, 3]\n", "x".repeat(5000)));
        let short = roundtrip("c: 1\n");
        assert!(long.starts_with("a: xxx") && long.ends_with("- 3\n"));
        assert_eq!(short, "c: 1\n");
        assert_eq!(short.capacity(), short.len());
        let kept_past_the_limit = roundtrip(&format!("d: {}\n", "y".repeat(5 << 20)));
        assert_eq!(kept_past_the_limit.len(), (5 << 20) + 4);
        assert_eq!(roundtrip("e: 2\n"), "e: 2\n");
    }

    #[test]
    fn every_mapping_is_sorted_after_its_nested_ones() {
        // The entries of nested mappings are stacked above their parent's: a parent's
        // later keys must come out after its values, each level in order.
        let out = roundtrip(
            "b:\n  z: 1\n  w:\n    q: 1\n    p:\n      s: 1\n      r: 2\n  x: 3\nc:\n- k: 1\n  m: 2\na: 0\n",
        );
        assert_eq!(
            out,
            "a: 0\nb:\n  w:\n    p:\n      r: 2\n      s: 1\n    q: 1\n  x: 3\n  z: 1\nc:\n- k: 1\n  m: 2\n"
        );
    }

    #[test]
    fn quotes_what_yaml11_would_misread() {
        let out = roundtrip("a: 'yes'\nb: '123'\nc: '2020-01-01'\nd: ''\ne: '* * * * *'\nf: ': x'\ng: plain text\nh: \"it's\"\n");
        assert_eq!(
            out,
            "a: \"yes\"\nb: \"123\"\nc: \"2020-01-01\"\nd: \"\"\ne: '* * * * *'\nf: ': x'\ng: plain text\nh: it's\n"
        );
    }

    #[test]
    fn literal_blocks_and_their_chomping() {
        let out = roundtrip("a: \"x\\ny\\n\"\nb: \"x\\ny\"\nc: \"x\\n\\n\"\nd: \"x \\ny\"\n");
        assert_eq!(
            out,
            "a: |\n  x\n  y\nb: |-\n  x\n  y\nc: |+\n  x\n\nd: \"x \\ny\"\n"
        );
    }

    #[test]
    fn empty_collections_numbers_and_escapes() {
        let out = roundtrip("a: {}\nb: []\nc: 1.0\nd: 1.5\ne: 0777\nf: \"tab\\there\"\ng: null\n");
        assert_eq!(
            out,
            "a: {}\nb: []\nc: 1\nd: 1.5\ne: 511\nf: \"tab\\there\"\ng: null\n"
        );
    }

    #[test]
    fn long_plain_strings_fold_past_column_80() {
        let long = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. Maecenas suscipit ex non molestie varius.";
        let out = roundtrip(&format!("spec:\n  value: {long}\n"));
        assert_eq!(
            out,
            "spec:\n  value: Lorem ipsum dolor sit amet, consectetur adipiscing elit. Maecenas suscipit\n    ex non molestie varius.\n"
        );
    }

    #[test]
    fn plain_words_are_written_as_the_scalar_writer_writes_them() {
        let words = [
            "a",
            "v1",
            "_x",
            "app.kubernetes.io/name",
            "0.93.1",
            "a-b_c",
            "9x",
        ];
        for word in words {
            assert!(is_string_word(word), "{word}");
            for ctx in [Ctx::ROOT, Ctx::SEQ_ITEM, Ctx::MAP_VALUE, Ctx::SIMPLE_KEY] {
                for (column, whitespace) in [(0, true), (4, false), (90, false)] {
                    let run = |fast: bool| {
                        let mut e = Emitter::new();
                        e.increase_indent(false, false);
                        e.out.push_str(&"k".repeat(column));
                        e.column = column;
                        e.whitespace = whitespace;
                        if fast {
                            e.write_word(word);
                        } else {
                            e.emit_scalar(word, Style::Plain, ctx);
                        }
                        (e.out, e.column, e.whitespace, e.indention, e.indent)
                    };
                    assert_eq!(run(true), run(false), "{word:?} at {column}");
                }
            }
        }
        // Words that read back as something else are not plain words for the emitter.
        for word in ["true", "123", "null", "1.5", "0x1f", "y"] {
            assert!(!is_string_word(word), "{word}");
        }
    }

    #[test]
    fn word_writers_match_the_character_loops() {
        let words = ["a", "bb", "'q'", "x\"y", "p\\q", "0123456789"];
        let mut texts = Vec::new();
        for n in 1..=4 {
            for gap in [" ", "  ", "   "] {
                for w in words {
                    let body = vec![w; n * 9].join(gap);
                    texts.extend([body.clone(), format!(" {body}"), format!("{body} ")]);
                }
            }
        }
        for text in &texts {
            for column in [0, 40, 79, 81] {
                for allow_breaks in [true, false] {
                    type Writer = fn(&mut Emitter<'static>, &str, bool);
                    let writers: [Writer; 3] = [
                        Emitter::write_plain,
                        Emitter::write_single_quoted,
                        Emitter::write_double_quoted,
                    ];
                    for write in writers {
                        let run = |by_char: bool| {
                            let mut e = Emitter::new();
                            e.by_char = by_char;
                            e.increase_indent(false, false);
                            e.increase_indent(false, false);
                            e.out.push_str(&"k".repeat(column));
                            e.column = column;
                            e.whitespace = false;
                            write(&mut e, text, allow_breaks);
                            (e.out, e.column, e.whitespace, e.indention)
                        };
                        assert_eq!(run(false), run(true), "{text:?} at {column}");
                    }
                }
            }
        }
    }
}
