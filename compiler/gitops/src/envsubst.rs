//! Shell-style variable expansion exactly as Flux does it: a port of
//! `github.com/fluxcd/pkg/envsubst` (itself forked from `drone/envsubst`), scanner,
//! parser and functions, quirks included.
//!
//! - `${VAR}` expands; `$VAR` without braces is left alone.
//! - `$$` is an escape for `$` outside `${…}`: `$${VAR}` yields `${VAR}`, `$$HOME`
//!   yields `$HOME`.
//! - `${VAR:=d}`, `${VAR:-d}`, `${VAR=d}` (and `:+`, `:?`, which Flux treats the same
//!   way) use `d` when the value is empty; defaults may nest `${…}`.
//! - `${#VAR}`, `${VAR:2:3}`, `${VAR^^}`, `${VAR,}`, `${VAR/a/b}`, `${VAR//a/b}`,
//!   `${VAR/#a/b}`, `${VAR/%a/b}`, `${VAR#pat}`, `${VAR##pat}`, `${VAR%pat}`,
//!   `${VAR%%pat}` (patterns are Go `path.Match` globs).
//! - Malformed expressions fail (`${VAR-d}` is one: only `=` may follow a name directly).
//!
//! Not here: which variables exist or where the text comes from (`flux::varsub`).

use std::fmt;

/// Why an expression could not be parsed, worded as envsubst words it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseError {
    /// `bad substitution`
    BadSubstitution,
    /// `missing closing brace`
    MissingClosingBrace,
    /// `unable to parse variable name`
    VariableName,
    /// `unable to parse substitution within function`
    FuncSubstitution,
    /// `unable to parse default function`
    DefaultFunction,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ParseError::BadSubstitution => "bad substitution",
            ParseError::MissingClosingBrace => "missing closing brace",
            ParseError::VariableName => "unable to parse variable name",
            ParseError::FuncSubstitution => "unable to parse substitution within function",
            ParseError::DefaultFunction => "unable to parse default function",
        })
    }
}

impl std::error::Error for ParseError {}

/// Expands `text`, looking variables up with `lookup` (unset variables expand to the
/// empty string, as in Flux's non-strict mode).
pub fn eval(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<String, ParseError> {
    let root = Parser::new(text).parse_any()?;
    let mut out = String::with_capacity(text.len());
    eval_node(&root, lookup, &mut out);
    Ok(out)
}

#[derive(Clone, Debug, PartialEq)]
enum Ast {
    Text(String),
    Func {
        param: String,
        name: String,
        args: Vec<Ast>,
    },
    List(Vec<Ast>),
}

fn eval_node(node: &Ast, lookup: &dyn Fn(&str) -> Option<String>, out: &mut String) {
    match node {
        Ast::Text(t) => out.push_str(t),
        Ast::List(items) => {
            for n in items {
                eval_node(n, lookup, out);
            }
        }
        Ast::Func { param, name, args } => {
            let args: Vec<String> = args
                .iter()
                .map(|a| {
                    let mut s = String::new();
                    eval_node(a, lookup, &mut s);
                    s
                })
                .collect();
            let value = lookup(param).unwrap_or_default();
            out.push_str(&apply_func(name, &value, &args));
        }
    }
}

fn apply_func(name: &str, s: &str, args: &[String]) -> String {
    match name {
        "," => first_char(s, |c| c.to_lowercase().collect()),
        ",," => s.to_lowercase(),
        "^" => first_char(s, |c| c.to_uppercase().collect()),
        "^^" => s.to_uppercase(),
        "#" if args.is_empty() => s.len().to_string(),
        "#" => trim_shortest_prefix(s, &args[0]),
        "##" => args
            .first()
            .map_or(s.to_string(), |a| trim_longest_prefix(s, a)),
        "%" => args
            .first()
            .map_or(s.to_string(), |a| trim_shortest_suffix(s, a)),
        "%%" => args
            .first()
            .map_or(s.to_string(), |a| trim_longest_suffix(s, a)),
        ":" => substr(s, args),
        "/#" => {
            if args.len() == 2 && s.starts_with(args[0].as_str()) {
                s.replacen(args[0].as_str(), &args[1], 1)
            } else {
                s.to_string()
            }
        }
        "/%" => {
            if args.len() == 2 && s.ends_with(args[0].as_str()) {
                format!("{}{}", &s[..s.len() - args[0].len()], args[1])
            } else {
                s.to_string()
            }
        }
        "/" => replace(s, args, 1),
        "//" => replace(s, args, usize::MAX),
        _ => {
            if s.is_empty() && !args.is_empty() {
                args.concat()
            } else {
                s.to_string()
            }
        }
    }
}

fn first_char(s: &str, f: impl Fn(char) -> String) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => f(c) + chars.as_str(),
        None => String::new(),
    }
}

/// Go's `strings.Replace(s, old, new, n)`, including its rule for an empty `old`
/// (matches before every rune and at the end).
fn replace(s: &str, args: &[String], n: usize) -> String {
    let (old, new) = match args {
        [] => return s.to_string(),
        [old] => (old.as_str(), ""),
        [old, new, ..] => (old.as_str(), new.as_str()),
    };
    if old.is_empty() {
        let mut out = String::new();
        let mut done = 0;
        for c in s.chars() {
            if done < n {
                out.push_str(new);
                done += 1;
            }
            out.push(c);
        }
        if done < n {
            out.push_str(new);
        }
        return out;
    }
    if n == usize::MAX {
        s.replace(old, new)
    } else {
        s.replacen(old, new, n)
    }
}

/// Go's `strconv.Atoi`: optional sign, decimal digits only.
fn atoi(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// `${VAR:pos}` and `${VAR:pos:len}` on bytes, as Go slices strings.
fn substr(s: &str, args: &[String]) -> String {
    let bytes = s.as_bytes();
    let len = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    let Some(first) = args.first() else {
        return s.to_string();
    };
    let Some(mut pos) = atoi(first) else {
        return s.to_string();
    };
    if pos < 0 {
        pos = (len + pos).max(0);
    }
    let slice = |a: i64, b: i64| -> String {
        let a = usize::try_from(a).unwrap_or(0);
        let b = usize::try_from(b).unwrap_or(0);
        String::from_utf8_lossy(bytes.get(a..b).unwrap_or(&[])).into_owned()
    };
    if args.len() == 1 {
        return if pos < len {
            slice(pos, len)
        } else {
            String::new()
        };
    }
    let Some(length) = atoi(&args[1]) else {
        return s.to_string();
    };
    if length < 0 {
        let end = len + length;
        if end < pos {
            return String::new();
        }
        return slice(pos, end);
    }
    if pos.saturating_add(length) >= len {
        if pos < len {
            return slice(pos, len);
        }
        return String::new();
    }
    slice(pos, pos + length)
}

fn prefixes_longest_first(s: &str) -> impl Iterator<Item = &[u8]> {
    let b = s.as_bytes();
    (0..b.len()).map(move |i| &b[..b.len() - i])
}

fn trim_shortest(s: &str, pattern: &str) -> String {
    let mut shortest: Option<&[u8]> = None;
    for p in prefixes_longest_first(s) {
        match path_match(pattern.as_bytes(), p) {
            Err(()) => return s.to_string(),
            Ok(true) => shortest = Some(p),
            Ok(false) => {}
        }
    }
    match shortest {
        Some(p) if !p.is_empty() => String::from_utf8_lossy(&s.as_bytes()[p.len()..]).into_owned(),
        _ => s.to_string(),
    }
}

fn trim_longest(s: &str, pattern: &str) -> String {
    for p in prefixes_longest_first(s) {
        match path_match(pattern.as_bytes(), p) {
            Err(()) => return s.to_string(),
            Ok(true) => return String::from_utf8_lossy(&s.as_bytes()[p.len()..]).into_owned(),
            Ok(false) => {}
        }
    }
    s.to_string()
}

fn reverse(s: &str) -> String {
    s.chars().rev().collect()
}

fn trim_shortest_prefix(s: &str, pattern: &str) -> String {
    trim_shortest(s, pattern)
}

fn trim_longest_prefix(s: &str, pattern: &str) -> String {
    trim_longest(s, pattern)
}

fn trim_shortest_suffix(s: &str, pattern: &str) -> String {
    reverse(&trim_shortest(&reverse(s), &reverse(pattern)))
}

fn trim_longest_suffix(s: &str, pattern: &str) -> String {
    reverse(&trim_longest(&reverse(s), &reverse(pattern)))
}

/// Decodes one UTF-8 character (U+FFFD and one byte for invalid input), as Go's
/// `utf8.DecodeRune` does.
fn decode(b: &[u8]) -> (char, usize) {
    let len = match b.first() {
        None => return ('\u{FFFD}', 0),
        Some(x) if *x < 0x80 => 1,
        Some(x) if *x >> 5 == 0b110 => 2,
        Some(x) if *x >> 4 == 0b1110 => 3,
        Some(x) if *x >> 3 == 0b11110 => 4,
        Some(_) => 1,
    };
    match b.get(..len).and_then(|s| std::str::from_utf8(s).ok()) {
        Some(s) => (s.chars().next().unwrap_or('\u{FFFD}'), len),
        None => ('\u{FFFD}', 1),
    }
}

/// Go's `path.Match`: `*` (not `/`), `?`, `[...]` classes with ranges and `^`, `\`
/// escapes; `Err` for a malformed pattern.
fn path_match(mut pattern: &[u8], mut name: &[u8]) -> Result<bool, ()> {
    'pattern: while !pattern.is_empty() {
        let (star, chunk, rest) = scan_chunk(pattern);
        pattern = rest;
        if star && chunk.is_empty() {
            return Ok(!name.contains(&b'/'));
        }
        let (t, ok) = match_chunk(chunk, name)?;
        if ok && (t.is_empty() || !pattern.is_empty()) {
            name = t;
            continue;
        }
        if star {
            let mut i = 0;
            while i < name.len() && name[i] != b'/' {
                let (t, ok) = match_chunk(chunk, &name[i + 1..])?;
                if ok {
                    if pattern.is_empty() && !t.is_empty() {
                        i += 1;
                        continue;
                    }
                    name = t;
                    continue 'pattern;
                }
                i += 1;
            }
        }
        // Go checks the rest of the pattern for syntax errors before returning false.
        while !pattern.is_empty() {
            let (_, chunk, rest) = scan_chunk(pattern);
            pattern = rest;
            match_chunk(chunk, b"")?;
        }
        return Ok(false);
    }
    Ok(name.is_empty())
}

fn scan_chunk(mut pattern: &[u8]) -> (bool, &[u8], &[u8]) {
    let mut star = false;
    while pattern.first() == Some(&b'*') {
        pattern = &pattern[1..];
        star = true;
    }
    let mut in_range = false;
    let mut i = 0;
    while i < pattern.len() {
        match pattern[i] {
            b'\\' if i + 1 < pattern.len() => i += 1,
            b'[' => in_range = true,
            b']' => in_range = false,
            b'*' if !in_range => return (star, &pattern[..i], &pattern[i..]),
            _ => {}
        }
        i += 1;
    }
    (star, pattern, &[])
}

fn match_chunk<'a>(mut chunk: &[u8], mut s: &'a [u8]) -> Result<(&'a [u8], bool), ()> {
    let mut failed = false;
    while !chunk.is_empty() {
        if !failed && s.is_empty() {
            failed = true;
        }
        match chunk[0] {
            b'[' => {
                let mut r = '\0';
                if !failed {
                    let (c, n) = decode(s);
                    r = c;
                    s = &s[n..];
                }
                chunk = &chunk[1..];
                let negated = chunk.first() == Some(&b'^');
                if negated {
                    chunk = &chunk[1..];
                }
                let mut matched = false;
                let mut nrange = 0;
                loop {
                    if !chunk.is_empty() && chunk[0] == b']' && nrange > 0 {
                        chunk = &chunk[1..];
                        break;
                    }
                    let (lo, rest) = get_esc(chunk)?;
                    chunk = rest;
                    let mut hi = lo;
                    if chunk.first() == Some(&b'-') {
                        let (h, rest) = get_esc(&chunk[1..])?;
                        hi = h;
                        chunk = rest;
                    }
                    if lo <= r && r <= hi {
                        matched = true;
                    }
                    nrange += 1;
                }
                if matched == negated {
                    failed = true;
                }
            }
            b'?' => {
                if !failed {
                    if s.first() == Some(&b'/') {
                        failed = true;
                    }
                    let (_, n) = decode(s);
                    s = &s[n.min(s.len())..];
                }
                chunk = &chunk[1..];
            }
            b'\\' => {
                chunk = &chunk[1..];
                if chunk.is_empty() {
                    return Err(());
                }
                if !failed {
                    if chunk[0] != s.first().copied().unwrap_or(0) || s.is_empty() {
                        failed = true;
                    } else {
                        s = &s[1..];
                    }
                }
                chunk = &chunk[1..];
            }
            c => {
                if !failed {
                    if s.first() != Some(&c) {
                        failed = true;
                    } else {
                        s = &s[1..];
                    }
                }
                chunk = &chunk[1..];
            }
        }
    }
    if failed {
        return Ok((&[], false));
    }
    Ok((s, true))
}

fn get_esc(chunk: &[u8]) -> Result<(char, &[u8]), ()> {
    if chunk.is_empty() || chunk[0] == b'-' || chunk[0] == b']' {
        return Err(());
    }
    let mut chunk = chunk;
    if chunk[0] == b'\\' {
        chunk = &chunk[1..];
        if chunk.is_empty() {
            return Err(());
        }
    }
    let (r, n) = decode(chunk);
    if r == '\u{FFFD}' && n == 1 && chunk[0] >= 0x80 {
        return Err(());
    }
    let rest = &chunk[n..];
    if rest.is_empty() {
        return Err(());
    }
    Ok((r, rest))
}

// ---- scanner -------------------------------------------------------------------------

const SCAN_IDENT: u8 = 1;
const SCAN_LBRACK: u8 = 2;
const SCAN_RBRACK: u8 = 4;
const SCAN_ESCAPE: u8 = 8;

const ESC_DOLLAR: u8 = 1;
const ESC_BACKSLASH: u8 = 2;
const ESC_ALL: u8 = ESC_DOLLAR | ESC_BACKSLASH;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Token {
    Illegal,
    Eof,
    Ident,
    Lbrack,
    Rbrack,
}

#[derive(Clone, Copy)]
enum Accept {
    Rune,
    Ident,
    Colon,
    OneHash,
    NotClosing,
    HashFunc,
    PercentFunc,
    DefaultFunc,
    ReplaceFunc,
    OneEqual,
    OneColon,
    RejectColonClose,
    Slash,
    NotSlash,
    CasingFunc,
}

fn accepts(a: Accept, r: char, i: usize) -> bool {
    match a {
        Accept::Rune => true,
        Accept::Ident => r.is_alphabetic() || r.is_numeric() || r == '_',
        Accept::Colon => r == ':',
        Accept::OneHash => r == '#' && i == 1,
        Accept::NotClosing => r != '}',
        Accept::HashFunc => r == '#' && i < 3,
        Accept::PercentFunc => r == '%' && i < 3,
        Accept::DefaultFunc => {
            (i == 1 && r == ':') || (i == 2 && matches!(r, '=' | '-' | '?' | '+'))
        }
        Accept::ReplaceFunc => (i == 1 && r == '/') || (i == 2 && matches!(r, '/' | '#' | '%')),
        Accept::OneEqual => i == 1 && r == '=',
        Accept::OneColon => i == 1 && r == ':',
        Accept::RejectColonClose => r != ':' && r != '}',
        Accept::Slash => r == '/',
        Accept::NotSlash => r != '/',
        Accept::CasingFunc => (r == ',' || r == '^') && i < 3,
    }
}

/// The scanner works on characters; `pos` and `start` are character indexes, and `skip`
/// drops the character before `pos` from the buffer, as the Go scanner does with bytes
/// (only ASCII `$` and `\` are ever skipped, so the two agree).
struct Parser {
    buf: Vec<char>,
    pos: usize,
    start: usize,
    width: usize,
    mode: u8,
    escape_chars: u8,
    accept: Accept,
}

const EOF: char = '\0';

impl Parser {
    fn new(text: &str) -> Parser {
        Parser {
            buf: text.chars().collect(),
            pos: 0,
            start: 0,
            width: 0,
            mode: 0,
            escape_chars: 0,
            accept: Accept::Rune,
        }
    }

    fn read(&mut self) -> char {
        match self.buf.get(self.pos) {
            None => {
                self.width = 0;
                EOF
            }
            Some(c) => {
                self.width = 1;
                self.pos += 1;
                *c
            }
        }
    }

    fn unread(&mut self) {
        self.pos -= self.width.min(self.pos);
    }

    fn skip(&mut self) {
        if self.pos >= 1 && self.pos - 1 < self.buf.len() {
            self.buf.remove(self.pos - 1);
        }
    }

    fn peek(&mut self) -> char {
        let r = self.read();
        self.unread();
        r
    }

    fn string(&self) -> String {
        self.buf
            .get(self.start..self.pos.min(self.buf.len()))
            .map(|s| s.iter().collect())
            .unwrap_or_default()
    }

    fn scan(&mut self) -> Token {
        self.start = self.pos;
        let r = self.read();
        if r == EOF && self.width == 0 {
            return Token::Eof;
        }
        if self.scan_lbrack(r) {
            return Token::Lbrack;
        }
        if self.scan_rbrack(r) {
            return Token::Rbrack;
        }
        if self.scan_ident(r) {
            return Token::Ident;
        }
        Token::Illegal
    }

    fn scan_ident(&mut self, r: char) -> bool {
        if self.mode & SCAN_IDENT == 0 {
            return false;
        }
        if self.scan_escaped(r) {
            self.skip();
        } else if !accepts(self.accept, r, self.pos - self.start) {
            return false;
        }
        loop {
            let r = self.read();
            if r == EOF && self.width == 0 {
                self.unread();
                break;
            }
            if self.scan_lbrack(r) {
                self.unread();
                self.unread();
                break;
            }
            if self.scan_escaped(r) {
                self.skip();
                continue;
            }
            if !accepts(self.accept, r, self.pos - self.start) {
                self.unread();
                break;
            }
        }
        true
    }

    fn scan_lbrack(&mut self, r: char) -> bool {
        if self.mode & SCAN_LBRACK == 0 {
            return false;
        }
        if r == '$' {
            if self.read() == '{' {
                return true;
            }
            self.unread();
        }
        false
    }

    fn scan_rbrack(&self, r: char) -> bool {
        self.mode & SCAN_RBRACK != 0 && r == '}'
    }

    fn scan_escaped(&mut self, r: char) -> bool {
        if self.mode & SCAN_ESCAPE == 0 {
            return false;
        }
        if r == '$' && self.escape_chars & ESC_DOLLAR != 0 && self.peek() == '$' {
            return true;
        }
        if r == '\\' && self.escape_chars & ESC_BACKSLASH != 0 {
            return matches!(self.peek(), '/' | '\\');
        }
        false
    }

    // ---- parser ----------------------------------------------------------------------

    fn parse_any(&mut self) -> Result<Ast, ParseError> {
        let mut nodes = Vec::new();
        loop {
            self.accept = Accept::Rune;
            self.mode = SCAN_IDENT | SCAN_LBRACK | SCAN_ESCAPE;
            self.escape_chars = ESC_DOLLAR;
            match self.scan() {
                Token::Ident => nodes.push(Ast::Text(self.string())),
                Token::Eof => break,
                Token::Lbrack => nodes.push(self.parse_func()?),
                Token::Illegal | Token::Rbrack => return Err(ParseError::BadSubstitution),
            }
        }
        Ok(match nodes.len() {
            0 => Ast::Text(String::new()),
            1 => nodes.pop().unwrap_or(Ast::Text(String::new())),
            _ => Ast::List(nodes),
        })
    }

    fn parse_func(&mut self) -> Result<Ast, ParseError> {
        self.escape_chars = ESC_ALL;
        if self.peek() == '#' {
            return self.parse_len_func();
        }
        self.accept = Accept::Ident;
        self.mode = SCAN_IDENT;
        let name = match self.scan() {
            Token::Ident => self.string(),
            _ => return Err(ParseError::VariableName),
        };
        match self.peek() {
            ':' => return self.parse_default_or_substr(name),
            '=' => return self.parse_default_func(name),
            ',' | '^' => return self.parse_casing_func(name),
            '/' => return self.parse_replace_func(name),
            '#' => return self.parse_remove_func(name, Accept::HashFunc),
            '%' => return self.parse_remove_func(name, Accept::PercentFunc),
            _ => {}
        }
        self.accept = Accept::Ident;
        self.mode = SCAN_RBRACK;
        match self.scan() {
            Token::Rbrack => Ok(Ast::Func {
                param: name,
                name: String::new(),
                args: Vec::new(),
            }),
            _ => Err(ParseError::MissingClosingBrace),
        }
    }

    fn parse_param(&mut self, accept: Accept, mode: u8) -> Result<Ast, ParseError> {
        self.accept = accept;
        self.mode = mode | SCAN_LBRACK;
        match self.scan() {
            Token::Lbrack => self.parse_func(),
            Token::Ident | Token::Rbrack => Ok(Ast::Text(self.string())),
            Token::Eof | Token::Illegal => Err(ParseError::FuncSubstitution),
        }
    }

    fn parse_default_or_substr(&mut self, name: String) -> Result<Ast, ParseError> {
        self.read();
        let r = self.peek();
        self.unread();
        match r {
            '=' | '-' | '?' | '+' => self.parse_default_func(name),
            _ => self.parse_substr_func(name),
        }
    }

    fn parse_substr_func(&mut self, param: String) -> Result<Ast, ParseError> {
        self.accept = Accept::OneColon;
        self.mode = SCAN_IDENT;
        let name = match self.scan() {
            Token::Ident => self.string(),
            _ => return Err(ParseError::BadSubstitution),
        };
        let mut args = vec![self.parse_param(Accept::RejectColonClose, SCAN_IDENT)?];
        self.accept = Accept::Colon;
        self.mode = SCAN_IDENT | SCAN_RBRACK;
        match self.scan() {
            Token::Rbrack => return Ok(Ast::Func { param, name, args }),
            Token::Ident => {}
            _ => return Err(ParseError::BadSubstitution),
        }
        args.push(self.parse_param(Accept::NotClosing, SCAN_IDENT)?);
        self.consume_rbrack()?;
        Ok(Ast::Func { param, name, args })
    }

    fn parse_remove_func(&mut self, param: String, accept: Accept) -> Result<Ast, ParseError> {
        self.accept = accept;
        self.mode = SCAN_IDENT;
        let name = match self.scan() {
            Token::Ident => self.string(),
            _ => return Err(ParseError::BadSubstitution),
        };
        let args = vec![self.parse_param(Accept::NotClosing, SCAN_IDENT)?];
        self.consume_rbrack()?;
        Ok(Ast::Func { param, name, args })
    }

    fn parse_replace_func(&mut self, param: String) -> Result<Ast, ParseError> {
        self.accept = Accept::ReplaceFunc;
        self.mode = SCAN_IDENT;
        let name = match self.scan() {
            Token::Ident => self.string(),
            _ => return Err(ParseError::BadSubstitution),
        };
        let mut args = Vec::new();
        if self.peek() == '/' {
            args.push(Ast::Text(String::new()));
        } else {
            args.push(self.parse_param(Accept::NotSlash, SCAN_IDENT | SCAN_ESCAPE)?);
        }
        self.accept = Accept::Slash;
        self.mode = SCAN_IDENT;
        match self.scan() {
            Token::Ident => {}
            _ => return Err(ParseError::BadSubstitution),
        }
        if self.peek() == '}' {
            self.consume_rbrack()?;
            return Ok(Ast::Func { param, name, args });
        }
        args.push(self.parse_param(Accept::NotClosing, SCAN_IDENT | SCAN_ESCAPE)?);
        self.consume_rbrack()?;
        Ok(Ast::Func { param, name, args })
    }

    fn parse_default_func(&mut self, param: String) -> Result<Ast, ParseError> {
        self.accept = if self.peek() == '=' {
            Accept::OneEqual
        } else {
            Accept::DefaultFunc
        };
        self.mode = SCAN_IDENT;
        let name = match self.scan() {
            Token::Ident => self.string(),
            _ => return Err(ParseError::DefaultFunction),
        };
        let mut args = Vec::new();
        loop {
            if self.peek() == '}' {
                self.consume_rbrack()?;
                return Ok(Ast::Func { param, name, args });
            }
            args.push(self.parse_param(Accept::NotClosing, SCAN_IDENT)?);
        }
    }

    fn parse_casing_func(&mut self, param: String) -> Result<Ast, ParseError> {
        self.accept = Accept::CasingFunc;
        self.mode = SCAN_IDENT;
        let name = match self.scan() {
            Token::Ident => self.string(),
            _ => return Err(ParseError::BadSubstitution),
        };
        self.consume_rbrack()?;
        Ok(Ast::Func {
            param,
            name,
            args: Vec::new(),
        })
    }

    fn parse_len_func(&mut self) -> Result<Ast, ParseError> {
        self.accept = Accept::OneHash;
        self.mode = SCAN_IDENT;
        let name = match self.scan() {
            Token::Ident => self.string(),
            _ => return Err(ParseError::BadSubstitution),
        };
        self.accept = Accept::Ident;
        self.mode = SCAN_IDENT;
        let param = match self.scan() {
            Token::Ident => self.string(),
            _ => return Err(ParseError::BadSubstitution),
        };
        self.consume_rbrack()?;
        Ok(Ast::Func {
            param,
            name,
            args: Vec::new(),
        })
    }

    fn consume_rbrack(&mut self) -> Result<(), ParseError> {
        self.mode = SCAN_RBRACK;
        if self.scan() != Token::Rbrack {
            return Err(ParseError::BadSubstitution);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> Result<String, ParseError> {
        eval(text, &|name: &str| match name {
            "HOME" => Some("/home/u".into()),
            "EMPTY" => Some(String::new()),
            "NAME" => Some("hello world".into()),
            "FILE" => Some("a/b/c.tar.gz".into()),
            _ => None,
        })
    }

    #[test]
    fn braces_expand_and_dollar_names_stay() {
        assert_eq!(run("${HOME}/x $HOME").as_deref(), Ok("/home/u/x $HOME"));
        assert_eq!(run("a ${UNSET} b").as_deref(), Ok("a  b"));
        assert_eq!(run("$$").as_deref(), Ok("$"));
        assert_eq!(run("$${HOME}").as_deref(), Ok("${HOME}"));
        assert_eq!(
            run("x $${HOME} y ${HOME}").as_deref(),
            Ok("x ${HOME} y /home/u")
        );
        assert_eq!(run("cost $").as_deref(), Ok("cost $"));
        assert_eq!(run("{{ .x }} $x").as_deref(), Ok("{{ .x }} $x"));
    }

    #[test]
    fn defaults() {
        assert_eq!(run("${UNSET:=d}").as_deref(), Ok("d"));
        assert_eq!(run("${EMPTY:-d e}").as_deref(), Ok("d e"));
        assert_eq!(run("${HOME:=d}").as_deref(), Ok("/home/u"));
        assert_eq!(run("${UNSET=d}").as_deref(), Ok("d"));
        assert_eq!(run("${UNSET:=${HOME}/x}").as_deref(), Ok("/home/u/x"));
        assert_eq!(run("${UNSET:=}").as_deref(), Ok(""));
        assert_eq!(run("${UNSET-d}"), Err(ParseError::MissingClosingBrace));
    }

    #[test]
    fn functions() {
        assert_eq!(run("${#NAME}").as_deref(), Ok("11"));
        assert_eq!(run("${NAME:6}").as_deref(), Ok("world"));
        assert_eq!(run("${NAME:0:5}").as_deref(), Ok("hello"));
        assert_eq!(run("${NAME:1:-1}").as_deref(), Ok("ello worl"));
        assert_eq!(run("${NAME^}").as_deref(), Ok("Hello world"));
        assert_eq!(run("${NAME^^}").as_deref(), Ok("HELLO WORLD"));
        assert_eq!(run("${NAME/o/0}").as_deref(), Ok("hell0 world"));
        assert_eq!(run("${NAME//o/0}").as_deref(), Ok("hell0 w0rld"));
        assert_eq!(run("${NAME/#hello/bye}").as_deref(), Ok("bye world"));
        assert_eq!(run("${NAME/%world/all}").as_deref(), Ok("hello all"));
        assert_eq!(run("${FILE#*/}").as_deref(), Ok("b/c.tar.gz"));
        assert_eq!(run("${FILE%.*}").as_deref(), Ok("a/b/c.tar"));
        assert_eq!(run("${FILE%%.*}").as_deref(), Ok("a/b/c"));
    }

    #[test]
    fn malformed_expressions_fail() {
        assert_eq!(run("${}"), Err(ParseError::VariableName));
        assert_eq!(run("${HOME"), Err(ParseError::MissingClosingBrace));
        assert_eq!(run("${UNSET:=abc"), Err(ParseError::FuncSubstitution));
        assert_eq!(run("${ HOME}"), Err(ParseError::VariableName));
    }

    #[test]
    fn path_match_follows_go() {
        assert_eq!(path_match(b"*.go", b"a.go"), Ok(true));
        assert_eq!(path_match(b"*", b"a/b"), Ok(false));
        assert_eq!(path_match(b"a?c", b"abc"), Ok(true));
        assert_eq!(path_match(b"[a-c]x", b"bx"), Ok(true));
        assert_eq!(path_match(b"[^a-c]x", b"bx"), Ok(false));
        assert_eq!(path_match(b"[", b"a"), Err(()));
        assert_eq!(path_match(b"\\*", b"*"), Ok(true));
    }

    #[test]
    fn no_panic_on_odd_input() {
        for t in [
            "${",
            "$",
            "${#}",
            "${A:",
            "${A/",
            "${A//}",
            "${A:1:",
            "é${NAME:3:1}é",
            "${A%%",
            "\\",
        ] {
            let _ = run(t);
        }
        assert_eq!(run("${NAME:100}").as_deref(), Ok(""));
        assert_eq!(run("${NAME:-100:2}").as_deref(), Ok("hello world"));
    }
}
