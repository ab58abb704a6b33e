//! Recognising a document that is already written exactly as [`crate::to_yaml`] would
//! write it, without building its tree.
//!
//! A chart's CRDs are megabytes of YAML that controller-gen wrote in this very form, and
//! reading them into trees only to write the same bytes out again was the largest cost
//! of building a repository that installs them. [`canonical_document`] reads the text
//! once, driving the emitter with what it reads, as [`crate::to_yaml`] would drive it
//! over the tree, and compares what the emitter writes with the text. When the two are
//! the same, the text *is* the emitter's output for some tree `T`; and since what the
//! emitter writes reads back as the tree it was written from, loading the text gives
//! `T`, and emitting that gives the text again. That argument is the whole safety of
//! the shortcut: the reading here may be as simple as it likes (a misread scalar only
//! makes the comparison fail), because acceptance rests on the emitter's own output.
//!
//! What it takes: a document (after comment lines, blank lines and one `---`) whose root
//! is a block mapping, with keys that are plain words in the emitter's order (each
//! before the next, and pair by pair in a mapping with digits in its keys: yaml.v2's
//! order is not transitive there, and the emitter sorts), and any scalars. Anything else (keys that need quotes, folded `>` scalars, block scalars with
//! an indentation indicator, a second document) answers `None`, and the caller loads
//! the text as usual.
//!
//! It can also leave chosen entries out (a CRD's `spec.versions[].schema`): their lines
//! are reported, so that the caller can load the rest alone ([`Canonical::skeleton`]).
//! An entry that starts on a sequence item's line, follows a block scalar that keeps
//! its trailing line breaks, or is its mapping's only key is not left out (the rest
//! would not load as the document without it).
//!
//! Not here: building nodes (the loader), or deciding which documents are worth it (the
//! GitOps layer).

use std::cmp::Ordering;
use std::ops::Range;

use super::{is_plain_word, is_string_word, Ctx, Emitter};
use crate::keyorder::compare_keys;
use crate::node::Value;
use crate::quick::scalars::{closing_quote, continued_piece, unescape};
use crate::resolve::{is_base60_float, resolve_plain, to_value, Resolved, Schema};

/// A document found in the emitter's form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Canonical {
    /// Where the document starts in the text (after leading comment lines, blank lines
    /// and one `---`); from there to the end, the text is what the emitter writes.
    pub start: usize,
    /// The lines of each entry left out, in order: from the start of the key's line to
    /// the end of the value's last line, its line break included.
    pub omitted: Vec<Range<usize>>,
}

impl Canonical {
    /// `text` with each line of the omitted entries made a bare `#` comment, so that what
    /// is left loads with the positions it has in `text`.
    pub fn skeleton(&self, text: &str) -> String {
        let kept: usize = text.len() - self.omitted.iter().map(|r| r.len()).sum::<usize>();
        let mut out = String::with_capacity(kept + 2 * (text.len() - kept) / 40);
        let mut from = 0;
        for r in &self.omitted {
            out.push_str(&text[from..r.start]);
            // Each line a bare comment: blank lines could be read as part of a block
            // scalar just before (one that keeps its trailing breaks).
            let breaks = memchr::memchr_iter(b'\n', &text.as_bytes()[r.clone()]).count();
            for _ in 0..breaks {
                out.push_str("#\n");
            }
            from = r.end;
        }
        out.push_str(&text[from..]);
        out
    }
}

/// Whether `text` holds one document that [`crate::to_yaml`] writes byte for byte as
/// it stands (read under YAML 1.1, as manifests are). `omit` lists key paths whose
/// entries to report in [`Canonical::omitted`] (`"-"` stands for any item of a
/// sequence): `&["spec", "versions", "-", "schema"]`.
pub fn canonical_document(text: &str, omit: &[&[&str]]) -> Option<Canonical> {
    let start = preamble_end(text.as_bytes())?;
    let mut checker = Checker {
        text,
        src: text.as_bytes(),
        matched: start,
        e: Emitter::new(),
        path: Vec::new(),
        keys: Vec::new(),
        omit,
        omitting: false,
        omitted: Vec::new(),
    };
    checker.document()?;
    Some(Canonical {
        start,
        omitted: checker.omitted,
    })
}

/// What the emitter writes is compared with the text once it holds this much.
const COMPARE_EVERY: usize = 16 * 1024;

/// Deeper nesting is left to the loader (and its bounds).
const MAX_DEPTH: usize = 200;

/// The end of the comment lines, blank lines and (at most one) `---` line before a
/// document, or `None` when something else comes first.
fn preamble_end(src: &[u8]) -> Option<usize> {
    let mut at = 0;
    let mut marker = false;
    loop {
        let end = memchr::memchr(b'\n', &src[at..]).map(|i| at + i)?;
        let line = &src[at..end];
        if line == b"---" && !marker {
            marker = true;
        } else if !(line.is_empty() || line.starts_with(b"#")) {
            return Some(at);
        }
        at = end + 1;
    }
}

struct Checker<'t> {
    text: &'t str,
    src: &'t [u8],
    /// How much of the text has been compared with the emitter's output (all of it
    /// before what `e.out` holds now).
    matched: usize,
    e: Emitter<'static>,
    /// The keys (and `"-"` for sequence items) down to the node being read.
    path: Vec<&'t str>,
    /// The keys read so far of the mappings being read, each mapping's above its
    /// parent's.
    keys: Vec<&'t str>,
    omit: &'t [&'t [&'t str]],
    /// Inside an omitted entry (nothing under it is reported again).
    omitting: bool,
    omitted: Vec<Range<usize>>,
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'/' | b'_' | b'-')
}

impl<'t> Checker<'t> {
    /// Where in the text the next byte the emitter writes belongs.
    fn at(&self) -> usize {
        self.matched + self.e.out.len()
    }

    fn byte(&self, i: usize) -> Option<u8> {
        self.src.get(i).copied()
    }

    /// Compares what the emitter has written since the last call with the text.
    fn compare(&mut self) -> Option<()> {
        let n = self.e.out.len();
        let same = self.src.get(self.matched..self.matched + n) == Some(self.e.out.as_bytes());
        self.matched += n;
        self.e.out.clear();
        same.then_some(())
    }

    fn compare_now_and_then(&mut self) -> Option<()> {
        if self.e.out.len() >= COMPARE_EVERY {
            self.compare()
        } else {
            Some(())
        }
    }

    fn document(&mut self) -> Option<()> {
        // `to_yaml`: the root node, then a last line break.
        self.word_key(self.at())?;
        self.block_mapping(0)?;
        self.e.write_indent();
        self.compare()?;
        (self.matched == self.src.len()).then_some(())
    }

    /// A key that is a plain word followed by `:` and a blank or the line's end, at `i`.
    fn word_key(&self, i: usize) -> Option<&'t str> {
        let first = self.byte(i)?;
        if !(first.is_ascii_alphanumeric() || first == b'_') {
            return None;
        }
        let len = self.src[i..].iter().position(|&b| !is_word_byte(b))?;
        let end = i + len;
        (self.byte(end) == Some(b':') && matches!(self.byte(end + 1), Some(b' ' | b'\n')))
            .then(|| &self.text[i..end])
    }

    /// Where the line after the one `i` is on starts (or `i` itself when it starts a
    /// line: a block scalar ends with its line break).
    fn next_line(&self, i: usize) -> Option<usize> {
        if i == 0 || self.byte(i - 1) == Some(b'\n') {
            Some(i)
        } else if self.byte(i) == Some(b'\n') {
            Some(i + 1)
        } else {
            None
        }
    }

    /// Whether line `line` starts with exactly `n` spaces (compared a slice at a time:
    /// counting a CRD's deep indentation byte by byte was a third of the work).
    fn indented_by(&self, line: usize, n: usize) -> bool {
        self.spaces_at(line, n) && self.byte(line + n) != Some(b' ')
    }

    /// Whether the `n` bytes at `i` are spaces.
    fn spaces_at(&self, i: usize, n: usize) -> bool {
        const SPACES: &[u8; 128] = &[b' '; 128];
        match self.src.get(i..i + n) {
            Some(s) if n <= SPACES.len() => s == &SPACES[..n],
            Some(s) => s.iter().all(|&b| b == b' '),
            None => false,
        }
    }

    /// Whether the next line holds, at exactly `indent`, a key (`sequence` false) or a
    /// sequence item (`sequence` true).
    fn continues_at(&self, indent: i32, sequence: bool) -> bool {
        let Some(line) = self.next_line(self.at()) else {
            return false;
        };
        let Ok(n) = usize::try_from(indent) else {
            return false;
        };
        if !self.indented_by(line, n) {
            return false;
        }
        if sequence {
            self.byte(line + n) == Some(b'-') && self.byte(line + n + 1) == Some(b' ')
        } else {
            self.word_key(line + n).is_some()
        }
    }

    /// `Emitter::emit_block_mapping`, its keys read from the text.
    fn block_mapping(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.e.increase_indent(false, false);
        let mut previous: Option<&'t str> = None;
        let keys_base = self.keys.len();
        let mut numbered = false;
        loop {
            self.e.write_indent();
            let key_at = self.at();
            let key = self.word_key(key_at)?;
            if key.len() > 128 || !is_string_word(key) {
                return None;
            }
            if previous.is_some_and(|p| compare_keys(p, key) != Ordering::Less) {
                return None;
            }
            numbered |= key.bytes().any(|b| b.is_ascii_digit());
            self.keys.push(key);
            self.e.write_word(key);
            self.e.write_indicator(":", false, false, false);
            self.path.push(key);
            let omit = !self.omitting && self.omit.contains(&self.path.as_slice());
            // (Only a key that starts its line: its lines are the entry's alone.)
            let indent = usize::try_from(self.e.indent).unwrap_or(0);
            let line_start = key_at.saturating_sub(indent);
            let omit = omit
                && self.spaces_at(line_start, indent)
                && (line_start == 0 || self.byte(line_start - 1) == Some(b'\n'));
            // Nor one after a `|+` block: its emptied lines would join the block's kept
            // trailing lines.
            let omit = omit && !self.after_kept_breaks(line_start);
            self.omitting |= omit;
            self.node(Ctx::MAP_VALUE, depth + 1)?;
            self.path.pop();
            previous = Some(key);
            let more = self.continues_at(self.e.indent, false);
            if omit {
                self.omitting = false;
                // Nor the only key of its mapping, which would read as null without it.
                if more || self.keys.len() - keys_base > 1 {
                    let end = self.next_line(self.at())?;
                    self.omitted.push(line_start..end);
                }
            }
            self.compare_now_and_then()?;
            if !more {
                break;
            }
        }
        // The emitter sorts a mapping's keys, and yaml.v2's order is not transitive
        // where digits are involved (`x2 < x10 < x1a < x2`): only keys that are in order
        // pair by pair are sure to be distinct and to stay where they are.
        let keys = &self.keys[keys_base..];
        let in_order = !numbered
            || keys.iter().enumerate().all(|(i, a)| {
                keys[i + 1..]
                    .iter()
                    .all(|b| compare_keys(a, b) == Ordering::Less)
            });
        self.keys.truncate(keys_base);
        if !in_order {
            return None;
        }
        self.e.pop_indent();
        Some(())
    }

    /// Whether the line before `line` is empty or a `|+` block's header (a block that
    /// keeps its trailing line breaks may end there).
    fn after_kept_breaks(&self, line: usize) -> bool {
        let before = &self.src[..line.saturating_sub(1)];
        let start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
        let previous = &before[start..];
        line > 0 && (previous.is_empty() || previous.ends_with(b"|+"))
    }

    /// `Emitter::emit_block_sequence`.
    fn block_sequence(&mut self, ctx: Ctx, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        let indentless = ctx.mapping && !self.e.indention;
        self.e.increase_indent(false, indentless);
        loop {
            self.e.write_indent();
            self.e.write_indicator("-", true, false, true);
            self.path.push("-");
            self.node(Ctx::SEQ_ITEM, depth + 1)?;
            self.path.pop();
            self.compare_now_and_then()?;
            if !self.continues_at(self.e.indent, true) {
                break;
            }
        }
        self.e.pop_indent();
        Some(())
    }

    /// `Emitter::emit_node` for the value after a key's `:` or an item's `-`.
    fn node(&mut self, ctx: Ctx, depth: usize) -> Option<()> {
        let at = self.at();
        match (self.byte(at)?, self.byte(at + 1)) {
            // A collection on the lines below.
            (b'\n', _) if ctx.mapping => {
                // (A sequence here is not indented: its `-` is where the key is.)
                let line = at + 1;
                let n = usize::try_from(self.e.indent).ok()?;
                if self.indented_by(line, n)
                    && self.byte(line + n) == Some(b'-')
                    && self.byte(line + n + 1) == Some(b' ')
                {
                    self.block_sequence(ctx, depth)
                } else {
                    self.block_mapping(depth)
                }
            }
            (b' ', Some(b'{')) if self.byte(at + 2) == Some(b'}') => {
                self.e.emit_empty("{", "}");
                Some(())
            }
            (b' ', Some(b'[')) if self.byte(at + 2) == Some(b']') => {
                self.e.emit_empty("[", "]");
                Some(())
            }
            // An item that is a sequence or a mapping starts on the item's line.
            (b' ', Some(b'-')) if !ctx.mapping && self.byte(at + 2) == Some(b' ') => {
                self.block_sequence(ctx, depth)
            }
            (b' ', Some(_)) if !ctx.mapping && self.word_key(at + 1).is_some() => {
                self.block_mapping(depth)
            }
            (b' ', Some(_)) => self.scalar(at + 1, ctx),
            _ => None,
        }
    }

    /// The lines after the one ending at `line_end` that a scalar written under the
    /// collection indented by `indent` goes on over: the more indented ones (and, for
    /// block scalars, empty ones). Gives the end of the last.
    fn continuation_end(&self, line_end: usize, indent: usize, block: bool) -> usize {
        let mut end = line_end;
        loop {
            let line = end + 1;
            let Some(next_end) =
                memchr::memchr(b'\n', self.src.get(line..).unwrap_or(&[])).map(|i| line + i)
            else {
                return end;
            };
            let empty = line == next_end;
            if (block && empty) || self.spaces_at(line, indent + 1) {
                end = next_end;
            } else {
                return end;
            }
        }
    }

    /// A scalar starting at `start`: read from the text, then written by the emitter.
    fn scalar(&mut self, start: usize, ctx: Ctx) -> Option<()> {
        let line_end = start + memchr::memchr(b'\n', &self.src[start..])?;
        let indent = usize::try_from(self.e.indent).ok()?;
        let value = match self.src[start] {
            b'|' => {
                let end = self.continuation_end(line_end, indent, true);
                literal(
                    &self.text[start..line_end],
                    &self.text[line_end..end],
                    indent + 2,
                )?
            }
            b'>' => return None,
            quote @ (b'"' | b'\'') => {
                let end = self.continuation_end(line_end, indent, false);
                Value::Str(quoted(quote == b'\'', &self.text[start + 1..end])?)
            }
            _ => {
                let end = self.continuation_end(line_end, indent, false);
                if end == line_end {
                    // The common case, written without a copy: a word that reads as
                    // the string it is.
                    let token = &self.text[start..line_end];
                    let resolved = resolve_plain(token, Schema::Yaml11);
                    // `is_string_word`, with the resolution made once.
                    if resolved == Resolved::Str && is_plain_word(token) && !is_base60_float(token)
                    {
                        self.e.write_word(token);
                        return Some(());
                    }
                    to_value(resolved, token)
                } else {
                    let folded = plain(&self.text[start..end])?;
                    to_value(resolve_plain(&folded, Schema::Yaml11), &folded)
                }
            }
        };
        self.e.emit_scalar_value(&value, ctx);
        Some(())
    }
}

/// `text.split('\n')`, found with `memchr` (std's search was a tenth of the checking).
fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut from = 0;
    memchr::memchr_iter(b'\n', text.as_bytes())
        .chain(std::iter::once(text.len()))
        .map(move |end| {
            let line = &text[from..end];
            from = end + 1;
            line
        })
}

/// A multi-line plain scalar's value: its lines joined by spaces, as YAML folds them
/// (an empty line would stand for a line break, which the emitter never writes in a
/// plain scalar: `None`).
fn plain(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    for (i, line) in lines(text).enumerate() {
        let line = line.trim_matches(' ');
        if line.is_empty() {
            return None;
        }
        if i > 0 {
            out.push(' ');
        }
        out.push_str(line);
    }
    Some(out)
}

/// A quoted scalar's value from the text after its opening quote, which must end with
/// the closing one: lines folded as YAML folds them (a line break between two lines is
/// a space, each empty line a line break).
fn quoted(single: bool, text: &str) -> Option<String> {
    let mut lines = text.split('\n').peekable();
    let mut out = String::new();
    let mut breaks = 0;
    let mut first = true;
    while let Some(raw) = lines.next() {
        let raw = if first {
            raw
        } else {
            raw.trim_start_matches([' ', '\t'])
        };
        let last = lines.peek().is_none();
        if last {
            let close = closing_quote(single, raw)?;
            if close + 1 != raw.len() {
                return None;
            }
            let piece = unescape(single, &raw[..close])?;
            join_piece(&mut out, &piece, first, breaks);
            return Some(out);
        }
        if closing_quote(single, raw).is_some() {
            return None;
        }
        if !first && raw.is_empty() {
            breaks += 1;
            continue;
        }
        let piece = continued_piece(single, raw)?;
        join_piece(&mut out, &piece, first, breaks);
        breaks = 0;
        first = false;
    }
    None
}

fn join_piece(out: &mut String, piece: &str, first: bool, breaks: usize) {
    if !first {
        if breaks == 0 {
            out.push(' ');
        } else {
            out.extend(std::iter::repeat_n('\n', breaks));
        }
    }
    out.push_str(piece);
}

/// A literal block scalar's value from its header (`|`, `|-` or `|+`) and its lines
/// (`body` starts with the header line's break), written `indent` spaces in.
fn literal(header: &str, body: &str, indent: usize) -> Option<Value> {
    let chomp = match header {
        "|" => "",
        "|-" => "-",
        "|+" => "+",
        _ => return None,
    };
    let mut content = String::with_capacity(body.len());
    for line in lines(body).skip(1) {
        if !line.is_empty() {
            let text = line.get(indent..)?;
            if !line[..indent].bytes().all(|b| b == b' ') {
                return None;
            }
            content.push_str(text);
        }
        content.push('\n');
    }
    match chomp {
        "-" => content.truncate(content.trim_end_matches('\n').len()),
        "" => {
            content.truncate(content.trim_end_matches('\n').len());
            if !content.is_empty() {
                content.push('\n');
            }
        }
        _ => {}
    }
    Some(Value::Str(content))
}

#[cfg(test)]
mod tests;
