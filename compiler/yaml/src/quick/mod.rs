//! A fast event reader for the plain block YAML that Kubernetes tools write: block
//! mappings and sequences (compact `- k: v` and indentless ones too), plain and quoted
//! scalars (multi-line ones folded), literal and folded block scalars, `[]`, `{}` (or
//! `{ }`), flow sequences of scalars on one line, comments and `---` separators.
//!
//! It produces the same events, with the same positions, that `saphyr-parser` produces
//! for such text, several times faster (rendered charts are megabytes of this shape, and
//! every one is read at least once). Anything outside that subset (flow mappings and
//! nested flow collections, anchors and aliases, tags, block scalars with an indentation
//! indicator, empty block scalars with keep chomping (`|+`), folded lines that start with
//! a tab, escaped line breaks, complex or over-long keys, directives, tabs in
//! indentation, byte-order marks and NULs, a document that is empty or a bare scalar)
//! makes [`read`] give up on the whole stream and return `false`: the caller then reads
//! the text with `saphyr-parser`, which also reports any error. So this module never
//! decides that a text is invalid. `tests/quick_reader.rs` and `tests/quick_fuzz.rs`
//! hold the two readers to the same results.
//!
//! Not here: building nodes, typing scalars, duplicate keys (the loader does all that for
//! both readers).

use std::borrow::Cow;

use saphyr_parser::{Event, Marker, ScalarStyle, Span};

pub(crate) mod scalars;

use scalars::{
    closing_quote, continued_piece, is_key_line, plain_continuation, plain_scalar, quoted,
    split_key, unescape,
};

/// Reads `text`, handing each event to `sink` in order; `false` when the text is not
/// (entirely) in the subset or `sink` refused an event (it returns `false` to stop).
/// The events handed over until then are to be thrown away.
pub(crate) fn read<'a>(text: &'a str, sink: &mut dyn FnMut(Event<'a>, Span) -> bool) -> bool {
    // Line ends other than `\n`, byte-order marks and NULs are left to the full parser
    // (it refuses the last two inside a document).
    if has_cr_bom_or_nul(text) {
        return false;
    }
    // As `text.split('\n')` (without the empty piece after a final break), from one
    // vectorised pass over the text instead of a search per line.
    let mut lines: Vec<&str> = Vec::new();
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', text.as_bytes()) {
        lines.push(&text[start..end]);
        start = end + 1;
    }
    if start < text.len() || lines.is_empty() {
        lines.push(&text[start..]);
    }
    let leads = lines.iter().map(|line| line_lead(line)).collect();
    let mut reader = Reader {
        lines,
        leads,
        ends_with_break: text.ends_with('\n'),
        at: 0,
        virtual_start: None,
        depth: 0,
        sink,
        refused: false,
    };
    reader.stream().is_some() && !reader.refused
}

/// Whether `text` holds a `\r`, a byte-order mark or a NUL: a byte search (a `char`
/// pattern decodes every character, which cost as much as reading the YAML).
fn has_cr_bom_or_nul(text: &str) -> bool {
    let bytes = text.as_bytes();
    // 0xEF starts the mark's UTF-8 form (and other characters, which are fine).
    memchr::memchr3_iter(b'\r', b'\0', 0xEF, bytes)
        .any(|i| bytes[i] != 0xEF || bytes[i..].starts_with("\u{feff}".as_bytes()))
}

/// Deeper nesting than this is left to the full parser (and the loader's bound).
const MAX_DEPTH: usize = 400;

struct Reader<'a, 's> {
    lines: Vec<&'a str>,
    /// What each line is (worked out once: lines are looked at several times).
    leads: Vec<Lead>,
    ends_with_break: bool,
    /// The current line.
    at: usize,
    /// Where the current line's content starts when it is the rest of a `- ` line (a
    /// mapping written on the same line as its sequence entry).
    virtual_start: Option<usize>,
    depth: usize,
    sink: &'s mut dyn FnMut(Event<'a>, Span) -> bool,
    /// The sink refused an event: stop.
    refused: bool,
}

/// The content of a line: its indentation (in bytes, all spaces) and the rest.
#[derive(Clone, Copy)]
struct Content<'a> {
    indent: usize,
    rest: &'a str,
}

#[derive(Clone, Copy)]
enum Lead {
    /// A blank or comment-only line.
    Skip,
    /// Content after a tab in the indentation.
    TabIndented,
    /// A `---` or `...` line, or the end of the input.
    End,
    /// Content indented by this many spaces.
    Content(usize),
}

/// The number of spaces `text` starts with.
fn spaces(text: &str) -> usize {
    // Eight bytes at a time: CRDs indent most lines by tens of spaces, and every line
    // is measured.
    const SPACES: u64 = u64::from_le_bytes([b' '; 8]);
    let bytes = text.as_bytes();
    let mut n = 0;
    while let Some(chunk) = bytes.get(n..n + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let differs = u64::from_le_bytes(word) ^ SPACES;
        if differs != 0 {
            return n + (differs.trailing_zeros() / 8) as usize;
        }
        n += 8;
    }
    n + bytes[n..].iter().take_while(|&&b| b == b' ').count()
}

/// `text` without its leading spaces and tabs.
fn skip_blanks(text: &str) -> &str {
    let n = text
        .bytes()
        .take_while(|&b| b == b' ' || b == b'\t')
        .count();
    &text[n..]
}

/// `text` without its trailing spaces and tabs.
fn trim_blanks_end(text: &str) -> &str {
    let n = text
        .bytes()
        .rev()
        .take_while(|&b| b == b' ' || b == b'\t')
        .count();
    &text[..text.len() - n]
}

fn line_lead(line: &str) -> Lead {
    if is_document_marker(line) {
        return Lead::End;
    }
    let indent = spaces(line);
    let rest = skip_blanks(&line[indent..]);
    if rest.is_empty() || rest.starts_with('#') {
        Lead::Skip
    } else if rest.len() != line.len() - indent {
        Lead::TabIndented
    } else {
        Lead::Content(indent)
    }
}

fn is_document_marker(line: &str) -> bool {
    (line.starts_with("---") || line.starts_with("..."))
        && matches!(line.as_bytes().get(3), None | Some(b' ' | b'\t'))
}

fn is_seq_entry(rest: &str) -> bool {
    rest == "-" || rest.starts_with("- ")
}

/// The 0-based character column of byte `byte` of `line`.
fn column(line: &str, byte: usize) -> usize {
    let before = &line[..byte];
    if before.is_ascii() {
        byte
    } else {
        before.chars().count()
    }
}

fn at(line: usize, col: usize) -> Span {
    let m = Marker::new(0, line + 1, col);
    Span::new(m, m)
}

/// What follows a value on its line is nothing, or a comment after a space.
fn only_comment(after: &str) -> bool {
    let trimmed = skip_blanks(after);
    trimmed.is_empty() || (trimmed.starts_with('#') && trimmed.len() < after.len())
}

impl<'a> Reader<'a, '_> {
    fn push(&mut self, event: Event<'a>, span: Span) {
        if !self.refused {
            self.refused = !(self.sink)(event, span);
        }
    }

    fn lead(&self, i: usize) -> Lead {
        self.leads.get(i).copied().unwrap_or(Lead::End)
    }

    /// Moves past blank and comment lines (not past the rest of a `- ` line).
    fn skip_blank(&mut self) {
        if self.virtual_start.is_some() {
            return;
        }
        while matches!(self.lead(self.at), Lead::Skip) {
            self.at += 1;
        }
    }

    /// The current line's content; `None` at the end of the document. A tab in the
    /// indentation gives up.
    fn peek(&self) -> Option<Option<Content<'a>>> {
        let line = self.lines.get(self.at)?;
        if let Some(start) = self.virtual_start {
            return Some(Some(Content {
                indent: start,
                rest: &line[start..],
            }));
        }
        let indent = match self.lead(self.at) {
            Lead::Content(indent) => indent,
            Lead::TabIndented => return Some(None),
            Lead::Skip | Lead::End => return None,
        };
        Some(Some(Content {
            indent,
            rest: &line[indent..],
        }))
    }

    /// The next content line, or `None` (end of document). Gives up (outer `None`) on
    /// a line the subset does not cover.
    fn next_content(&mut self) -> Option<Option<Content<'a>>> {
        if self.refused {
            return None;
        }
        self.skip_blank();
        match self.peek() {
            None => Some(None),
            Some(None) => None,
            Some(Some(c)) => Some(Some(c)),
        }
    }

    fn advance(&mut self) {
        self.at += 1;
        self.virtual_start = None;
    }

    fn stream(&mut self) -> Option<()> {
        self.push(Event::StreamStart, at(0, 0));
        self.skip_blank();
        while self.at < self.lines.len() {
            let line = self.lines[self.at];
            let explicit = is_document_marker(line);
            if explicit {
                if !line.starts_with("---") || !only_comment(&line[3..]) {
                    return None;
                }
                self.push(Event::DocumentStart(true), at(self.at, 0));
                self.at += 1;
            } else {
                if line.starts_with('%') {
                    return None;
                }
                self.push(Event::DocumentStart(false), at(self.at, 0));
            }
            // A document that is empty or a bare scalar is left to the full parser.
            let first = self.next_content()??;
            if is_seq_entry(first.rest) {
                self.sequence(first.indent, false)?;
            } else {
                self.mapping(first.indent)?;
            }
            if self.next_content()?.is_some() {
                return None;
            }
            self.push(Event::DocumentEnd, at(self.at, 0));
            if let Some(line) = self.lines.get(self.at) {
                if !line.starts_with("---") {
                    return None;
                }
            }
        }
        self.push(Event::StreamEnd, at(self.at, 0));
        Some(())
    }

    fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    /// A block mapping whose keys sit at column `indent`.
    fn mapping(&mut self, indent: usize) -> Option<()> {
        self.enter()?;
        let mut first = true;
        while let Some(c) = self.next_content()? {
            if c.indent < indent {
                break;
            }
            if c.indent > indent || is_seq_entry(c.rest) {
                return None;
            }
            let line_no = self.at;
            let line = self.lines[line_no];
            let key_start = line.len() - c.rest.len();
            let (key, style, after_colon) = split_key(c.rest)?;
            let key_span = at(line_no, column(line, key_start));
            if first {
                self.push(Event::MappingStart(0, None), key_span);
                first = false;
            }
            self.push(Event::Scalar(key, style, 0, None), key_span);
            let colon = key_start + after_colon - 1;
            self.value(indent, colon + 1, Some(colon))?;
        }
        let end = at(self.at, 0);
        self.push(Event::MappingEnd, end);
        self.depth -= 1;
        Some(())
    }

    /// A block sequence whose entries' dashes sit at column `indent`; `indentless` when
    /// it is the value of a mapping key at that same column.
    fn sequence(&mut self, indent: usize, indentless: bool) -> Option<()> {
        self.enter()?;
        let mut first = true;
        while let Some(c) = self.next_content()? {
            if c.indent < indent || (indentless && !is_seq_entry(c.rest)) {
                break;
            }
            if c.indent > indent || !is_seq_entry(c.rest) {
                return None;
            }
            let line_no = self.at;
            let line = self.lines[line_no];
            let dash = line.len() - c.rest.len();
            let item = &line[dash + 1..];
            let item_start = dash + 1 + spaces(item);
            let item_text = &line[item_start..];
            if first {
                let col = if indentless {
                    // saphyr places an indentless sequence at its first item's token,
                    // which is only simple to find for a scalar or a mapping.
                    if item_text.is_empty()
                        || item_text.starts_with(['#', '|', '>', '['])
                        || is_seq_entry(item_text)
                    {
                        return None;
                    }
                    column(line, item_start)
                } else {
                    column(line, dash)
                };
                self.push(Event::SequenceStart(0, None), at(line_no, col));
                first = false;
            }
            // (A `#` after the dash's blank starts a comment: no key there.)
            if !is_seq_entry(item_text) && is_key_line(item_text) {
                // `- key: value`: a mapping whose keys sit at the item's column.
                self.virtual_start = Some(item_start);
                self.mapping(item_start)?;
            } else {
                self.value(indent, dash + 1, None)?;
            }
        }
        let end = at(self.at, 0);
        self.push(Event::SequenceEnd, end);
        self.depth -= 1;
        Some(())
    }

    /// The value after a key's colon (`colon` is its byte) or a sequence dash, starting
    /// at byte `from` of the current line; `parent` is the column of the key or dash.
    fn value(&mut self, parent: usize, from: usize, colon: Option<usize>) -> Option<()> {
        let line_no = self.at;
        let line = self.lines[line_no];
        let rest = &line[from..];
        let text = &rest[spaces(rest)..];
        if text.starts_with('\t') {
            return None;
        }
        let start = line.len() - text.len();
        let span = at(line_no, column(line, start));
        if text.is_empty() || (text.starts_with('#') && text.len() < rest.len()) {
            self.advance();
            let next = self.next_content()?;
            return match next {
                Some(c) if c.indent > parent => {
                    if is_seq_entry(c.rest) {
                        self.sequence(c.indent, false)
                    } else if is_key_line(c.rest) {
                        self.mapping(c.indent)
                    } else if c.rest.starts_with(['|', '>']) {
                        None
                    } else {
                        // A scalar or `{}` on the line below its key or dash.
                        self.value(parent, c.indent, None)
                    }
                }
                Some(c) if colon.is_some() && c.indent == parent && is_seq_entry(c.rest) => {
                    self.sequence(c.indent, true)
                }
                _ => {
                    // An empty value sits at the colon, or (an item) at the end of the dash's line.
                    let col = match colon {
                        Some(colon) => column(line, colon),
                        None => column(line, line.len()),
                    };
                    self.push(
                        Event::Scalar(Cow::Borrowed(""), ScalarStyle::Plain, 0, None),
                        at(line_no, col),
                    );
                    Some(())
                }
            };
        }
        match text.as_bytes()[0] {
            b'"' | b'\'' => {
                let (value, style) = match quoted(text) {
                    Some((value, style, len)) => {
                        if !only_comment(&text[len..]) {
                            return None;
                        }
                        self.advance();
                        (value, style)
                    }
                    None => self.quoted_continued(parent, text)?,
                };
                self.push(Event::Scalar(value, style, 0, None), span);
                self.no_continuation(parent)
            }
            b'|' | b'>' => self.block_scalar(parent, text),
            b'[' => {
                let len = self.flow_sequence(line_no, start)?;
                if !only_comment(&text[len..]) {
                    return None;
                }
                self.advance();
                self.no_continuation(parent)
            }
            b'{' => {
                // `{}`, or `{ }` with spaces inside.
                let inside = text[1..].trim_start_matches(' ');
                if !inside.starts_with('}') || !only_comment(&inside[1..]) {
                    return None;
                }
                self.push(Event::MappingStart(0, None), span);
                self.push(Event::MappingEnd, span);
                self.advance();
                self.no_continuation(parent)
            }
            b'&' | b'*' | b'!' | b'%' | b'@' | b'`' | b',' | b']' | b'}' | b'#' => None,
            // `-`, `?` and `:` start a plain scalar when text follows them at once.
            b'-' | b'?' | b':' if matches!(text.as_bytes().get(1), None | Some(b' ' | b'\t')) => {
                None
            }
            _ => {
                let (first, commented) = plain_scalar(text)?;
                let value = if commented {
                    self.advance();
                    Cow::Borrowed(first)
                } else {
                    self.plain_continued(parent, first)?
                };
                self.push(Event::Scalar(value, ScalarStyle::Plain, 0, None), span);
                self.no_continuation(parent)
            }
        }
    }

    /// A quoted scalar that `text` (the rest of the current line) opens and a later line
    /// closes, folded as YAML folds flow scalars: the blanks around each line break go,
    /// then [`fold`]. An escape at the end of a line (an escaped line break or blank) is
    /// left to the full parser.
    fn quoted_continued(
        &mut self,
        parent: usize,
        text: &'a str,
    ) -> Option<(Cow<'a, str>, ScalarStyle)> {
        let single = text.starts_with('\'');
        if closing_quote(single, &text[1..]).is_some() {
            // Closed on its line yet not read as a one-line scalar: a bad escape.
            return None;
        }
        let mut value = continued_piece(single, &text[1..])?;
        let mut breaks = 0;
        let mut j = self.at + 1;
        loop {
            let line = self.lines.get(j)?;
            let rest = skip_blanks(line);
            if rest.is_empty() {
                // A tab left of the indentation is an error to the full parser.
                if line.contains('\t') {
                    return None;
                }
                breaks += 1;
                j += 1;
                continue;
            }
            if spaces(line) <= parent || is_document_marker(line) {
                return None;
            }
            fold(&mut value, breaks);
            breaks = 0;
            match closing_quote(single, rest) {
                Some(k) => {
                    value.push_str(&unescape(single, &rest[..k])?);
                    if !only_comment(&rest[k + 1..]) {
                        return None;
                    }
                    break;
                }
                None => value.push_str(&continued_piece(single, rest)?),
            }
            j += 1;
        }
        self.at = j + 1;
        self.virtual_start = None;
        let style = if single {
            ScalarStyle::SingleQuoted
        } else {
            ScalarStyle::DoubleQuoted
        };
        Some((Cow::Owned(value), style))
    }

    /// A plain scalar whose first line (of the current line) holds `first`, with the
    /// lines that continue it (indented past `parent`) folded in ([`fold`]). Leaves the
    /// current line after its last line.
    fn plain_continued(&mut self, parent: usize, first: &'a str) -> Option<Cow<'a, str>> {
        let mut value = Cow::Borrowed(first);
        let mut breaks = 0;
        let mut next = self.at + 1;
        let mut j = next;
        while let Some(line) = self.lines.get(j) {
            let indent = match self.lead(j) {
                Lead::Content(indent) => indent,
                Lead::Skip if skip_blanks(line).is_empty() => {
                    breaks += 1;
                    j += 1;
                    continue;
                }
                Lead::TabIndented => return None,
                Lead::Skip | Lead::End => break,
            };
            let rest = &line[indent..];
            if indent <= parent {
                break;
            }
            if !plain_continuation(rest) {
                return None;
            }
            let (piece, commented) = plain_scalar(rest)?;
            let folded = value.to_mut();
            fold(folded, breaks);
            folded.push_str(piece);
            breaks = 0;
            j += 1;
            next = j;
            if commented {
                break;
            }
        }
        self.at = next;
        self.virtual_start = None;
        Some(value)
    }

    /// A flow sequence of scalars closed on its line (`[]`, `[a, "b"]`), starting at byte
    /// `start` of line `line_no`; returns its length in bytes.
    fn flow_sequence(&mut self, line_no: usize, start: usize) -> Option<usize> {
        let line = self.lines[line_no];
        let text = &line[start..];
        self.push(
            Event::SequenceStart(0, None),
            at(line_no, column(line, start)),
        );
        let mut i = 1;
        let skip_spaces = |i: usize| i + spaces(&text[i..]);
        i = skip_spaces(i);
        if text[i..].starts_with(']') {
            self.push(Event::SequenceEnd, at(line_no, column(line, start + i)));
            return Some(i + 1);
        }
        loop {
            let item = &text[i..];
            let (value, style, len) = match item.as_bytes().first()? {
                b'"' | b'\'' => quoted(item)?,
                _ => {
                    // A plain item: up to the next `,` or `]`, none of the characters
                    // that would make it something else.
                    let end = item.find([',', ']'])?;
                    let plain = item[..end].trim_end_matches(' ');
                    if plain.is_empty()
                        || plain.contains([':', '#', '[', '{', '}', '\t', '"', '\''])
                        || plain.contains(" -")
                        || plain.starts_with(['-', '?', '&', '*', '!', '|', '>', '%', '@', '`'])
                    {
                        return None;
                    }
                    (Cow::Borrowed(plain), ScalarStyle::Plain, plain.len())
                }
            };
            self.push(
                Event::Scalar(value, style, 0, None),
                at(line_no, column(line, start + i)),
            );
            i = skip_spaces(i + len);
            match text.as_bytes().get(i)? {
                b']' => {
                    self.push(Event::SequenceEnd, at(line_no, column(line, start + i)));
                    return Some(i + 1);
                }
                b',' => {
                    i = skip_spaces(i + 1);
                    if text[i..].starts_with([']', ',']) {
                        return None;
                    }
                }
                _ => return None,
            }
        }
    }

    /// Gives up when the next content line is indented past `parent`: it would continue
    /// a multi-line scalar (or be an error).
    fn no_continuation(&mut self, parent: usize) -> Option<()> {
        match self.next_content()? {
            Some(c) if c.indent > parent => None,
            _ => Some(()),
        }
    }

    /// A literal or folded block scalar (`|`, `>`, with `-` or `+`) whose header is
    /// `header`; its lines are indented past `parent`.
    fn block_scalar(&mut self, parent: usize, header: &str) -> Option<()> {
        let (folded, style) = match header.as_bytes()[0] {
            b'>' => (true, ScalarStyle::Folded),
            _ => (false, ScalarStyle::Literal),
        };
        let (chomp, after) = match header.as_bytes().get(1) {
            Some(b'-') => (Chomp::Strip, &header[2..]),
            Some(b'+') => (Chomp::Keep, &header[2..]),
            _ => (Chomp::Clip, &header[1..]),
        };
        if !only_comment(after) || after.starts_with('#') {
            return None;
        }
        let first_line = self.at + 1;
        // The content indentation is that of the first non-blank line.
        let mut i = first_line;
        let mut blank_before = 0;
        let indent = loop {
            let line = self.lines.get(i)?;
            let lead = spaces(line);
            if lead == line.len() {
                blank_before = blank_before.max(lead);
                i += 1;
                continue;
            }
            break lead;
        };
        if indent <= parent && blank_before == 0 && !matches!(chomp, Chomp::Keep) {
            // No line is indented past the parent: the scalar is empty (`affinity: |`
            // before the next key), placed where the next content starts.
            let next = self.lines[i];
            if is_document_marker(next) || next[indent..].starts_with('\t') {
                return None;
            }
            self.push(
                Event::Scalar(Cow::Borrowed(""), style, 0, None),
                at(i, indent),
            );
            self.at = i;
            self.virtual_start = None;
            return Some(());
        }
        if indent <= parent || blank_before > indent || is_document_marker(self.lines[i]) {
            return None;
        }
        let content_line = i;
        let mut value = String::new();
        let mut trailing_breaks = 0;
        let mut last = first_line;
        // Whether the previous text line started with a blank (folding keeps the line
        // breaks next to such "more indented" lines).
        let mut previous_spaced = false;
        for (j, line) in self.lines.iter().enumerate().skip(first_line) {
            let lead = spaces(line);
            // A line of blanks only is an empty line, unless it holds more spaces than
            // the indentation: then the rest is text.
            if lead == line.len() && lead <= indent {
                trailing_breaks += 1;
                last = j + 1;
                continue;
            }
            if lead < indent {
                break;
            }
            let text = &line[indent..];
            let spaced = text.starts_with(' ');
            if folded && text.starts_with('\t') {
                return None;
            }
            if j > content_line && folded && !previous_spaced && !spaced {
                // Folded: one line break between two text lines becomes a space; with
                // empty lines between them, only the empty lines count.
                if trailing_breaks == 0 {
                    value.push(' ');
                }
            } else if j > content_line {
                value.push('\n');
            }
            for _ in 0..trailing_breaks {
                value.push('\n');
            }
            trailing_breaks = 0;
            previous_spaced = spaced;
            value.push_str(text);
            last = j + 1;
        }
        match chomp {
            Chomp::Strip => {}
            Chomp::Clip => value.push('\n'),
            Chomp::Keep => {
                for _ in 0..=trailing_breaks {
                    value.push('\n');
                }
            }
        }
        if last == self.lines.len() && !self.ends_with_break {
            // A block scalar that ends the input without a line break has none in its
            // value (libyaml, which the loader follows for the full parser too).
            if trailing_breaks > 0 {
                return None;
            }
            if value.ends_with('\n') {
                value.pop();
            }
        }
        let span = at(content_line, indent);
        self.push(Event::Scalar(Cow::Owned(value), style, 0, None), span);
        self.at = last;
        self.virtual_start = None;
        Some(())
    }
}

/// YAML's line folding between two lines of a multi-line plain or quoted scalar, with
/// `breaks` blank lines between them: a single line break becomes a space, and each
/// blank line a line break.
fn fold(value: &mut String, breaks: usize) {
    if breaks == 0 {
        value.push(' ');
    }
    for _ in 0..breaks {
        value.push('\n');
    }
}

#[derive(Clone, Copy)]
enum Chomp {
    Clip,
    Strip,
    Keep,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces_counts_the_leading_spaces() {
        for lead in 0..20 {
            for tail in ["", "a", "\tb", "  x", "é"] {
                let line = format!("{}{tail}", " ".repeat(lead));
                let expected = line.bytes().take_while(|&b| b == b' ').count();
                assert_eq!(spaces(&line), expected, "{line:?}");
            }
        }
    }
}
