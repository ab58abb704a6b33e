//! The lexer: template text to items, with Go's exact rules for delimiters, trim markers
//! (`{{- ` / ` -}}`, the space is required), comments, quoted and raw strings, character
//! constants, numbers, keywords, and Go's lexer error texts (`unclosed action`,
//! `unterminated quoted string`, `bad character U+0021 '!'`...).
//!
//! Like Go's, it is a state machine the parser pulls one item at a time; after an error
//! item it yields only EOF. Not here: unquoting strings and parsing numbers (the parser
//! does that, as Go's does, so its errors carry the parser's wording).

use crate::ast::Pos;

/// What an item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ItemKind {
    Error,
    Bool,
    Char,
    CharConstant,
    Complex,
    Assign,
    Declare,
    Eof,
    Field,
    Identifier,
    LeftDelim,
    LeftParen,
    Number,
    Pipe,
    RawString,
    RightDelim,
    RightParen,
    Space,
    String,
    Text,
    Variable,
    // Keywords (Go orders them after `itemKeyword`; `is_keyword` tells).
    Block,
    Break,
    Continue,
    Dot,
    Define,
    Else,
    End,
    If,
    Nil,
    Range,
    Template,
    With,
}

impl ItemKind {
    fn is_keyword(self) -> bool {
        matches!(
            self,
            ItemKind::Block
                | ItemKind::Break
                | ItemKind::Continue
                | ItemKind::Dot
                | ItemKind::Define
                | ItemKind::Else
                | ItemKind::End
                | ItemKind::If
                | ItemKind::Nil
                | ItemKind::Range
                | ItemKind::Template
                | ItemKind::With
        )
    }
}

/// A token: its kind, byte offset, text and starting line. An error item's text is
/// empty; its message is [`Lexer::error_message`] (kept there so that items are plain
/// copies of a slice of the source, which the parser moves around for every token).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Item<'a> {
    pub kind: ItemKind,
    pub pos: Pos,
    pub val: &'a str,
    pub line: usize,
}

impl std::fmt::Display for Item<'_> {
    /// Go's `item.String()`, used in "unexpected X in Y" messages (not for error items:
    /// their message is the lexer's).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.kind {
            ItemKind::Eof => f.write_str("EOF"),
            k if k.is_keyword() => write!(f, "<{}>", self.val),
            _ if self.val.chars().count() > 10 => {
                let head: String = self.val.chars().take(10).collect();
                write!(f, "{}...", crate::fmt::quote_go(&head))
            }
            _ => f.write_str(&crate::fmt::quote_go(self.val)),
        }
    }
}

/// A position as the tree keeps it: the parser refuses texts of 4 GiB or more, so
/// every offset fits.
fn pos32(pos: usize) -> Pos {
    Pos::try_from(pos).unwrap_or(Pos::MAX)
}

/// The line breaks in `text`.
fn count_lines(text: &str) -> usize {
    memchr::memchr_iter(b'\n', text.as_bytes()).count()
}

fn keyword(word: &str) -> Option<ItemKind> {
    // Most words are function names: rule them out before comparing strings.
    if !(1..=8).contains(&word.len())
        || !matches!(
            word.as_bytes()[0],
            b'.' | b'b' | b'c' | b'd' | b'e' | b'i' | b'r' | b'n' | b't' | b'w'
        )
    {
        return None;
    }
    Some(match word {
        "." => ItemKind::Dot,
        "block" => ItemKind::Block,
        "break" => ItemKind::Break,
        "continue" => ItemKind::Continue,
        "define" => ItemKind::Define,
        "else" => ItemKind::Else,
        "end" => ItemKind::End,
        "if" => ItemKind::If,
        "range" => ItemKind::Range,
        "nil" => ItemKind::Nil,
        "template" => ItemKind::Template,
        "with" => ItemKind::With,
        _ => return None,
    })
}

#[derive(Clone, Copy)]
enum State {
    Text,
    LeftDelim,
    Comment,
    RightDelim,
    InsideAction,
    Space,
    Identifier,
    Field,
    Variable,
    Char,
    Number,
    Quote,
    RawQuote,
}

enum Step<'a> {
    Emit(Item<'a>),
    Goto(State),
}

const LEFT_COMMENT: &str = "/*";
const RIGHT_COMMENT: &str = "*/";
/// A trim marker plus the space beside it.
const TRIM_MARKER_LEN: usize = 2;

/// The scanner over one template text.
pub(crate) struct Lexer<'a> {
    input: &'a str,
    left_delim: &'a str,
    right_delim: &'a str,
    pos: usize,
    start: usize,
    at_eof: bool,
    paren_depth: usize,
    line: usize,
    start_line: usize,
    inside_action: bool,
    done: bool,
    break_ok: bool,
    continue_ok: bool,
    /// The message of the error item, once there is one.
    error_message: String,
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

pub(crate) fn is_alphanumeric(c: char) -> bool {
    if c.is_ascii() {
        return c == '_' || c.is_ascii_alphanumeric();
    }
    c.is_alphabetic() || c.is_numeric()
}

/// `text.starts_with(prefix)` for the few-byte delimiters, without a `memcmp` call
/// (this runs at every token of every action).
fn starts_with(text: &str, prefix: &str) -> bool {
    let (text, prefix) = (text.as_bytes(), prefix.as_bytes());
    text.len() >= prefix.len() && text.iter().zip(prefix).all(|(a, b)| a == b)
}

fn has_left_trim_marker(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2 && b[0] == b'-' && is_space(b[1] as char)
}

fn has_right_trim_marker(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2 && is_space(b[0] as char) && b[1] == b'-'
}

fn right_trim_length(s: &str) -> usize {
    s.len() - s.trim_end_matches(is_space).len()
}

fn left_trim_length(s: &str) -> usize {
    s.len() - s.trim_start_matches(is_space).len()
}

/// Go's `%#U`: `U+0021 '!'`.
fn sharp_u(c: char) -> String {
    if crate::fmt::is_print(c) {
        format!("U+{:04X} '{c}'", c as u32)
    } else {
        format!("U+{:04X}", c as u32)
    }
}

impl<'a> Lexer<'a> {
    pub(crate) fn new(
        input: &'a str,
        left_delim: &'a str,
        right_delim: &'a str,
        break_ok: bool,
        continue_ok: bool,
    ) -> Lexer<'a> {
        Lexer {
            input,
            left_delim: if left_delim.is_empty() {
                "{{"
            } else {
                left_delim
            },
            right_delim: if right_delim.is_empty() {
                "}}"
            } else {
                right_delim
            },
            pos: 0,
            start: 0,
            at_eof: false,
            paren_depth: 0,
            line: 1,
            start_line: 1,
            inside_action: false,
            done: false,
            break_ok,
            continue_ok,
            error_message: String::new(),
        }
    }

    /// The message of the error item this lexer yielded (empty before one).
    pub(crate) fn error_message(&self) -> &str {
        &self.error_message
    }

    fn rest(&self) -> &'a str {
        self.input.get(self.pos..).unwrap_or("")
    }

    // `next`, `peek` and `backup` run for every character of every action: ASCII (nearly
    // all of it) skips UTF-8 decoding.
    fn next(&mut self) -> Option<char> {
        if let Some(&b) = self.input.as_bytes().get(self.pos) {
            if b.is_ascii() {
                self.pos += 1;
                if b == b'\n' {
                    self.line += 1;
                }
                return Some(char::from(b));
            }
        }
        match self.rest().chars().next() {
            None => {
                self.at_eof = true;
                None
            }
            Some(c) => {
                self.pos += c.len_utf8();
                if c == '\n' {
                    self.line += 1;
                }
                Some(c)
            }
        }
    }

    fn peek(&mut self) -> Option<char> {
        match self.input.as_bytes().get(self.pos) {
            Some(&b) if b.is_ascii() => Some(char::from(b)),
            _ => self.rest().chars().next(),
        }
    }

    fn backup(&mut self) {
        if !self.at_eof && self.pos > 0 {
            let before = self.input.as_bytes()[self.pos - 1];
            if before.is_ascii() {
                self.pos -= 1;
                if before == b'\n' {
                    self.line -= 1;
                }
            } else if let Some(c) = self.input[..self.pos].chars().next_back() {
                self.pos -= c.len_utf8();
                if c == '\n' {
                    self.line -= 1;
                }
            }
        }
        // Go's backup after reading EOF is a no-op that clears nothing; reading again
        // still yields EOF, which `next` recomputes from the position.
        self.at_eof = false;
    }

    fn this_item(&mut self, kind: ItemKind) -> Item<'a> {
        let item = Item {
            kind,
            pos: pos32(self.start),
            val: &self.input[self.start..self.pos],
            line: self.start_line,
        };
        self.start = self.pos;
        self.start_line = self.line;
        item
    }

    fn emit(&mut self, kind: ItemKind) -> Step<'a> {
        Step::Emit(self.this_item(kind))
    }

    fn ignore(&mut self) {
        self.line += count_lines(&self.input[self.start..self.pos]);
        self.start = self.pos;
        self.start_line = self.line;
    }

    fn accept(&mut self, valid: &str) -> bool {
        match self.next() {
            Some(c) if valid.contains(c) => true,
            Some(_) => {
                self.backup();
                false
            }
            None => {
                self.at_eof = false;
                false
            }
        }
    }

    fn accept_run(&mut self, valid: &str) {
        while self.accept(valid) {}
    }

    fn errorf(&mut self, msg: String) -> Step<'a> {
        let item = Item {
            kind: ItemKind::Error,
            pos: pos32(self.start),
            val: "",
            line: self.start_line,
        };
        self.error_message = msg;
        self.done = true;
        Step::Emit(item)
    }

    /// The next item; after EOF or an error, EOF forever.
    pub(crate) fn next_item(&mut self) -> Item<'a> {
        if self.done {
            return Item {
                kind: ItemKind::Eof,
                pos: pos32(self.pos),
                val: "EOF",
                line: self.start_line,
            };
        }
        let mut state = if self.inside_action {
            State::InsideAction
        } else {
            State::Text
        };
        loop {
            let step = match state {
                State::Text => self.lex_text(),
                State::LeftDelim => self.lex_left_delim(),
                State::Comment => self.lex_comment(),
                State::RightDelim => self.lex_right_delim(),
                State::InsideAction => self.lex_inside_action(),
                State::Space => self.lex_space(),
                State::Identifier => self.lex_identifier(),
                State::Field => self.lex_field_or_variable(ItemKind::Field),
                State::Variable => self.lex_variable(),
                State::Char => self.lex_quoted('\'', "unterminated character constant"),
                State::Number => self.lex_number(),
                State::Quote => self.lex_quoted('"', "unterminated quoted string"),
                State::RawQuote => self.lex_raw_quote(),
            };
            match step {
                Step::Emit(item) => {
                    if item.kind == ItemKind::Eof {
                        self.done = true;
                    }
                    return item;
                }
                Step::Goto(next) => state = next,
            }
        }
    }

    fn lex_text(&mut self) -> Step<'a> {
        if let Some(x) = find_delim(self.rest(), self.left_delim) {
            if x > 0 {
                self.pos += x;
                let delim_end = self.pos + self.left_delim.len();
                let mut trim = 0;
                if has_left_trim_marker(&self.input[delim_end..]) {
                    trim = right_trim_length(&self.input[self.start..self.pos]);
                }
                self.pos -= trim;
                self.line += count_lines(&self.input[self.start..self.pos]);
                let item = self.this_item(ItemKind::Text);
                self.pos += trim;
                self.ignore();
                if !item.val.is_empty() {
                    return Step::Emit(item);
                }
            }
            return Step::Goto(State::LeftDelim);
        }
        self.pos = self.input.len();
        if self.pos > self.start {
            self.line += count_lines(&self.input[self.start..self.pos]);
            return self.emit(ItemKind::Text);
        }
        self.emit(ItemKind::Eof)
    }

    fn at_right_delim(&self) -> (bool, bool) {
        let rest = self.rest();
        // Called at every character of an action: most are neither a blank nor the
        // delimiter's first character.
        match rest.as_bytes().first() {
            Some(&b)
                if is_space(char::from(b)) || Some(&b) == self.right_delim.as_bytes().first() => {}
            _ => return (false, false),
        }
        if has_right_trim_marker(rest)
            && rest
                .get(TRIM_MARKER_LEN..)
                .is_some_and(|r| starts_with(r, self.right_delim))
        {
            return (true, true);
        }
        (starts_with(rest, self.right_delim), false)
    }

    fn lex_left_delim(&mut self) -> Step<'a> {
        self.pos += self.left_delim.len();
        let trim = has_left_trim_marker(self.rest());
        let after_marker = if trim { TRIM_MARKER_LEN } else { 0 };
        if self
            .input
            .get(self.pos + after_marker..)
            .is_some_and(|r| r.starts_with(LEFT_COMMENT))
        {
            self.pos += after_marker;
            self.ignore();
            return Step::Goto(State::Comment);
        }
        let item = self.this_item(ItemKind::LeftDelim);
        self.inside_action = true;
        self.pos += after_marker;
        self.ignore();
        self.paren_depth = 0;
        Step::Emit(item)
    }

    fn lex_comment(&mut self) -> Step<'a> {
        self.pos += LEFT_COMMENT.len();
        let Some(x) = self.rest().find(RIGHT_COMMENT) else {
            return self.errorf("unclosed comment".into());
        };
        self.pos += x + RIGHT_COMMENT.len();
        let (delim, trim) = self.at_right_delim();
        if !delim {
            return self.errorf("comment ends before closing delimiter".into());
        }
        self.line += count_lines(&self.input[self.start..self.pos]);
        self.start = self.pos;
        self.start_line = self.line;
        if trim {
            self.pos += TRIM_MARKER_LEN;
        }
        self.pos += self.right_delim.len();
        if trim {
            self.pos += left_trim_length(self.rest());
        }
        self.ignore();
        Step::Goto(State::Text)
    }

    fn lex_right_delim(&mut self) -> Step<'a> {
        let (_, trim) = self.at_right_delim();
        if trim {
            self.pos += TRIM_MARKER_LEN;
            self.ignore();
        }
        self.pos += self.right_delim.len();
        let item = self.this_item(ItemKind::RightDelim);
        if trim {
            self.pos += left_trim_length(self.rest());
            self.ignore();
        }
        self.inside_action = false;
        Step::Emit(item)
    }

    fn lex_inside_action(&mut self) -> Step<'a> {
        let (delim, _) = self.at_right_delim();
        if delim {
            if self.paren_depth == 0 {
                return Step::Goto(State::RightDelim);
            }
            return self.errorf("unclosed left paren".into());
        }
        let Some(r) = self.next() else {
            return self.errorf("unclosed action".into());
        };
        match r {
            c if is_space(c) => {
                self.backup();
                Step::Goto(State::Space)
            }
            '=' => self.emit(ItemKind::Assign),
            ':' => {
                if self.next() != Some('=') {
                    return self.errorf("expected :=".into());
                }
                self.emit(ItemKind::Declare)
            }
            '|' => self.emit(ItemKind::Pipe),
            '"' => Step::Goto(State::Quote),
            '`' => Step::Goto(State::RawQuote),
            '$' => Step::Goto(State::Variable),
            '\'' => Step::Goto(State::Char),
            '.' if !self
                .rest()
                .as_bytes()
                .first()
                .is_some_and(u8::is_ascii_digit)
                && !self.rest().is_empty() =>
            {
                Step::Goto(State::Field)
            }
            '.' | '+' | '-' | '0'..='9' => {
                self.backup();
                Step::Goto(State::Number)
            }
            c if is_alphanumeric(c) => {
                self.backup();
                Step::Goto(State::Identifier)
            }
            '(' => {
                self.paren_depth += 1;
                self.emit(ItemKind::LeftParen)
            }
            ')' => {
                if self.paren_depth == 0 {
                    return self.errorf("unexpected right paren".into());
                }
                self.paren_depth -= 1;
                self.emit(ItemKind::RightParen)
            }
            c if c.is_ascii() && crate::fmt::is_print(c) => self.emit(ItemKind::Char),
            c => self.errorf(format!("unrecognized character in action: {}", sharp_u(c))),
        }
    }

    fn lex_space(&mut self) -> Step<'a> {
        let bytes = self.input.as_bytes();
        let mut num_spaces = 0;
        while let Some(&b) = bytes.get(self.pos).filter(|&&b| is_space(char::from(b))) {
            self.pos += 1;
            self.line += usize::from(b == b'\n');
            num_spaces += 1;
        }
        // A trim-marked right delimiter starts with a space: leave it for the delimiter.
        let before = self.pos - 1;
        if has_right_trim_marker(&self.input[before..])
            && self
                .input
                .get(before + TRIM_MARKER_LEN..)
                .is_some_and(|r| starts_with(r, self.right_delim))
        {
            self.backup();
            if num_spaces == 1 {
                return Step::Goto(State::RightDelim);
            }
        }
        self.emit(ItemKind::Space)
    }

    fn at_terminator(&mut self) -> bool {
        match self.peek() {
            None => true,
            Some(c) if is_space(c) => true,
            Some('.' | ',' | '|' | ':' | ')' | '(') => true,
            Some(_) => starts_with(self.rest(), self.right_delim),
        }
    }

    /// The character after the word, for `bad character` errors (Go prints EOF as -1,
    /// which cannot happen here since EOF terminates a word).
    fn bad_character(&mut self) -> Step<'a> {
        let c = self.peek().unwrap_or('\u{FFFD}');
        self.errorf(format!("bad character {}", sharp_u(c)))
    }

    /// Moves past letters, digits and `_` (words hold no line breaks).
    fn skip_word(&mut self) {
        let bytes = self.input.as_bytes();
        loop {
            // ASCII first, byte by byte; a non-ASCII letter takes the decoding path.
            while bytes
                .get(self.pos)
                .is_some_and(|&b| b == b'_' || b.is_ascii_alphanumeric())
            {
                self.pos += 1;
            }
            match self.peek() {
                Some(c) if !c.is_ascii() && is_alphanumeric(c) => self.pos += c.len_utf8(),
                _ => return,
            }
        }
    }

    fn lex_identifier(&mut self) -> Step<'a> {
        self.skip_word();
        if !self.at_terminator() {
            return self.bad_character();
        }
        let word = &self.input[self.start..self.pos];
        match keyword(word) {
            Some(ItemKind::Break) if !self.break_ok => self.emit(ItemKind::Identifier),
            Some(ItemKind::Continue) if !self.continue_ok => self.emit(ItemKind::Identifier),
            Some(k) => self.emit(k),
            None if word == "true" || word == "false" => self.emit(ItemKind::Bool),
            None => self.emit(ItemKind::Identifier),
        }
    }

    fn lex_variable(&mut self) -> Step<'a> {
        if self.at_terminator() {
            return self.emit(ItemKind::Variable);
        }
        self.lex_field_or_variable(ItemKind::Variable)
    }

    fn lex_field_or_variable(&mut self, kind: ItemKind) -> Step<'a> {
        if self.at_terminator() {
            return self.emit(if kind == ItemKind::Variable {
                ItemKind::Variable
            } else {
                ItemKind::Dot
            });
        }
        self.skip_word();
        if !self.at_terminator() {
            return self.bad_character();
        }
        self.emit(kind)
    }

    /// Interpreted strings and character constants: a backslash escapes the next
    /// character; a newline or EOF before the closing quote is an error.
    fn lex_quoted(&mut self, quote: char, unterminated: &str) -> Step<'a> {
        let bytes = self.input.as_bytes();
        loop {
            // Jump to the next byte that matters: all three are ASCII, so never a byte
            // inside a multi-byte character.
            let Some(i) = memchr::memchr3(quote as u8, b'\\', b'\n', &bytes[self.pos..]) else {
                self.pos = bytes.len();
                return self.errorf(unterminated.into());
            };
            self.pos += i + 1;
            match bytes[self.pos - 1] {
                b'\\' => match self.next() {
                    None | Some('\n') => return self.errorf(unterminated.into()),
                    Some(_) => {}
                },
                b'\n' => {
                    self.line += 1;
                    return self.errorf(unterminated.into());
                }
                _ => break,
            }
        }
        self.emit(if quote == '"' {
            ItemKind::String
        } else {
            ItemKind::CharConstant
        })
    }

    fn lex_raw_quote(&mut self) -> Step<'a> {
        let Some(i) = memchr::memchr(b'`', &self.input.as_bytes()[self.pos..]) else {
            self.pos = self.input.len();
            return self.errorf("unterminated raw quoted string".into());
        };
        self.line += count_lines(&self.input[self.pos..self.pos + i]);
        self.pos += i + 1;
        self.emit(ItemKind::RawString)
    }

    fn lex_number(&mut self) -> Step<'a> {
        if !self.scan_number() {
            let text = self.input[self.start..self.pos].to_string();
            return self.errorf(format!(
                "bad number syntax: {}",
                crate::fmt::quote_go(&text)
            ));
        }
        if matches!(self.peek(), Some('+' | '-')) {
            if !self.scan_number() || !self.input[..self.pos].ends_with('i') {
                let text = self.input[self.start..self.pos].to_string();
                return self.errorf(format!(
                    "bad number syntax: {}",
                    crate::fmt::quote_go(&text)
                ));
            }
            return self.emit(ItemKind::Complex);
        }
        self.emit(ItemKind::Number)
    }

    fn scan_number(&mut self) -> bool {
        self.accept("+-");
        let mut digits = "0123456789_";
        if self.accept("0") {
            if self.accept("xX") {
                digits = "0123456789abcdefABCDEF_";
            } else if self.accept("oO") {
                digits = "01234567_";
            } else if self.accept("bB") {
                digits = "01_";
            }
        }
        self.accept_run(digits);
        if self.accept(".") {
            self.accept_run(digits);
        }
        if digits.len() == 11 && self.accept("eE") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        if digits.len() == 23 && self.accept("pP") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        self.accept("i");
        if self.peek().is_some_and(is_alphanumeric) {
            self.next();
            return false;
        }
        true
    }
}

/// Where `delim` first occurs in `text`: `str::find` sets up a two-way searcher on every
/// call, which costs more than the search itself for the short texts between actions.
fn find_delim(text: &str, delim: &str) -> Option<usize> {
    let Some(&first) = delim.as_bytes().first() else {
        return Some(0);
    };
    let bytes = text.as_bytes();
    let rest = &delim.as_bytes()[1..];
    let mut from = 0;
    while let Some(i) = memchr::memchr(first, &bytes[from..]) {
        let at = from + i;
        // Byte by byte: delimiters are a few bytes, and a `{` in JSON text is common.
        if bytes.len() - at > rest.len() && rest.iter().zip(&bytes[at + 1..]).all(|(a, b)| a == b) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters_are_found_as_str_find_finds_them() {
        for (text, delim) in [
            ("a { b {{ c", "{{"),
            ("{{", "{{"),
            ("{", "{{"),
            ("x<<y", "<<"),
            ("ééé[[x", "[["),
            ("none", "{{"),
            ("abc", ""),
        ] {
            assert_eq!(
                find_delim(text, delim),
                text.find(delim),
                "{text:?} {delim:?}"
            );
        }
    }

    fn kinds(input: &str) -> Vec<(ItemKind, String)> {
        let mut l = Lexer::new(input, "", "", true, true);
        let mut out = Vec::new();
        loop {
            let item = l.next_item();
            let done = matches!(item.kind, ItemKind::Eof | ItemKind::Error);
            let val = match item.kind {
                ItemKind::Error => l.error_message().to_string(),
                _ => item.val.to_string(),
            };
            out.push((item.kind, val));
            if done {
                break;
            }
        }
        out
    }

    #[test]
    fn trims_and_actions() {
        let items = kinds("a  {{- .X -}}  b");
        assert_eq!(
            items,
            vec![
                (ItemKind::Text, "a".into()),
                (ItemKind::LeftDelim, "{{".into()),
                (ItemKind::Field, ".X".into()),
                (ItemKind::RightDelim, "}}".into()),
                (ItemKind::Text, "b".into()),
                (ItemKind::Eof, "".into()),
            ]
        );
        // No space after '-': a negative number.
        let items = kinds("{{-3}}");
        assert_eq!(items[1], (ItemKind::Number, "-3".into()));
    }

    #[test]
    fn comments_and_errors() {
        assert_eq!(kinds("x{{/* c */}}y").len(), 3);
        assert_eq!(kinds("{{/* c ")[0].1, "unclosed comment");
        assert_eq!(kinds("{{ \"abc")[2].1, "unterminated quoted string");
        assert_eq!(kinds("{{ .x!}}")[2].1, "bad character U+0021 '!'");
        assert_eq!(
            kinds("{{ ").last().map(|k| k.1.clone()).unwrap_or_default(),
            "unclosed action"
        );
        assert_eq!(
            kinds("{{ (1 }}")
                .last()
                .map(|k| k.1.clone())
                .unwrap_or_default(),
            "unclosed left paren"
        );
    }

    #[test]
    fn numbers() {
        for n in [
            "0x1F", "1_000", "0b101", "0o17", "1e3", "0x1p-2", "1.5", "'a'", "1+2i",
        ] {
            let items = kinds(&format!("{{{{{n}}}}}"));
            assert!(
                matches!(
                    items[1].0,
                    ItemKind::Number | ItemKind::CharConstant | ItemKind::Complex
                ),
                "{n}: {items:?}"
            );
        }
    }
}
