//! Sprig's regex functions over Go's `regexp` (RE2 syntax): `regexMatch`, `regexFind`,
//! `regexFindAll`, `regexReplaceAll`, `regexReplaceAllLiteral`, `regexSplit` (each with a
//! `must` twin) and `regexQuoteMeta`.
//!
//! The `regex` crate implements nearly the same language, but not quite: Go's `\d`,
//! `\w`, `\s` and `\b` are ASCII-only where Rust's are Unicode, Go has `\Q…\E` and octal
//! escapes, Go reads a `{` that starts no repetition as a literal, and inside a class Go
//! has no `&&`/`--`/`~~` set operators. [`translate`] rewrites a Go pattern into an
//! equivalent Rust one and, on the way, reports Go's syntax errors with Go's wording
//! (`error parsing regexp: missing closing ): `(``), which templates can observe.
//! Replacement templates (`$1`, `${name}`) follow the same rules in both libraries.

use kubake_gotmpl::{FuncError, FuncMap, GoType, List, Value};
use regex::Regex;

use super::{int_at, reg, str_at};

/// A Go regexp syntax error: Go's code text and the offending expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoRegexError {
    code: &'static str,
    expr: String,
}

impl std::fmt::Display for GoRegexError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "error parsing regexp: {}: `{}`", self.code, self.expr)
    }
}

fn err(code: &'static str, expr: impl Into<String>) -> GoRegexError {
    GoRegexError {
        code,
        expr: expr.into(),
    }
}

const DIGIT: &str = "0-9";
const SPACE: &str = "\\t\\n\\f\\r ";
const WORD: &str = "0-9A-Za-z_";

fn perl_class(c: char) -> Option<(&'static str, bool)> {
    match c {
        'd' => Some((DIGIT, false)),
        'D' => Some((DIGIT, true)),
        's' => Some((SPACE, false)),
        'S' => Some((SPACE, true)),
        'w' => Some((WORD, false)),
        'W' => Some((WORD, true)),
        _ => None,
    }
}

/// Escapes a literal character for a Rust pattern (inside or outside a class).
fn push_literal(out: &mut String, c: char) {
    if c.is_ascii_punctuation() || c == ' ' || c == '#' {
        out.push('\\');
    }
    out.push(c);
}

struct Scanner<'a> {
    src: &'a str,
    chars: Vec<(usize, char)>,
    i: usize,
    out: String,
}

impl Scanner<'_> {
    fn peek(&self, k: usize) -> Option<char> {
        self.chars.get(self.i + k).map(|&(_, c)| c)
    }

    fn pos(&self) -> usize {
        self.chars.get(self.i).map_or(self.src.len(), |&(p, _)| p)
    }

    /// An escape (after the backslash at `self.i - 1`); `in_class` changes what Perl
    /// classes become.
    fn escape(&mut self, in_class: bool) -> Result<(), GoRegexError> {
        let start = self.pos() - 1;
        let Some(c) = self.peek(0) else {
            return Err(err("trailing backslash at end of expression", ""));
        };
        self.i += 1;
        if let Some((set, negated)) = perl_class(c) {
            match (in_class, negated) {
                (false, false) => self.out.push_str(&format!("[{set}]")),
                (false, true) => self.out.push_str(&format!("[^{set}]")),
                (true, false) => self.out.push_str(set),
                (true, true) => self.out.push_str(&format!("[^{set}]")),
            }
            return Ok(());
        }
        match c {
            'b' | 'B' if !in_class => {
                self.out
                    .push_str(if c == 'b' { "(?-u:\\b)" } else { "(?-u:\\B)" })
            }
            'A' | 'z' if !in_class => {
                self.out.push('\\');
                self.out.push(c);
            }
            'a' | 'f' | 't' | 'n' | 'r' | 'v' => {
                self.out.push('\\');
                self.out.push(c);
            }
            'Q' if !in_class => {
                let rest = &self.src[self.pos()..];
                let (lit, consumed) = match rest.find("\\E") {
                    Some(e) => (&rest[..e], e + 2),
                    None => (rest, rest.len()),
                };
                for ch in lit.chars() {
                    push_literal(&mut self.out, ch);
                }
                let target = self.pos() + consumed;
                while self.pos() < target {
                    self.i += 1;
                }
            }
            'p' | 'P' => {
                self.out.push('\\');
                self.out.push(c);
                match self.peek(0) {
                    Some('{') => {
                        let from = self.pos();
                        let Some(close) = self.src[from..].find('}') else {
                            return Err(err("invalid character class range", &self.src[start..]));
                        };
                        let target = from + close + 1;
                        self.out.push_str(&self.src[from..target]);
                        while self.pos() < target {
                            self.i += 1;
                        }
                    }
                    Some(l) => {
                        self.out.push(l);
                        self.i += 1;
                    }
                    None => return Err(err("invalid character class range", &self.src[start..])),
                }
            }
            'x' => {
                self.out.push_str("\\x");
                match self.peek(0) {
                    Some('{') => {
                        let from = self.pos();
                        let close = self.src[from..]
                            .find('}')
                            .ok_or_else(|| err("invalid escape sequence", &self.src[start..]))?;
                        let target = from + close + 1;
                        self.out.push_str(&self.src[from..target]);
                        while self.pos() < target {
                            self.i += 1;
                        }
                    }
                    _ => {
                        for _ in 0..2 {
                            match self.peek(0) {
                                Some(h) if h.is_ascii_hexdigit() => {
                                    self.out.push(h);
                                    self.i += 1;
                                }
                                _ => {
                                    return Err(err(
                                        "invalid escape sequence",
                                        &self.src[start..self.pos()],
                                    ))
                                }
                            }
                        }
                    }
                }
            }
            '0'..='7' => {
                // Go reads up to three octal digits; `\1`..`\9` alone are backreferences,
                // which RE2 rejects.
                if c != '0' && !matches!(self.peek(0), Some('0'..='7')) {
                    return Err(err("invalid escape sequence", &self.src[start..self.pos()]));
                }
                let mut v = c.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match self.peek(0).and_then(|d| d.to_digit(8)) {
                        Some(d) => {
                            v = v * 8 + d;
                            self.i += 1;
                        }
                        None => break,
                    }
                }
                self.out.push_str(&format!("\\x{{{v:x}}}"));
            }
            c if c.is_ascii_punctuation() => push_literal(&mut self.out, c),
            _ => return Err(err("invalid escape sequence", &self.src[start..self.pos()])),
        }
        Ok(())
    }

    fn class(&mut self) -> Result<(), GoRegexError> {
        let start = self.pos();
        self.i += 1; // '['
        self.out.push('[');
        if self.peek(0) == Some('^') {
            self.out.push('^');
            self.i += 1;
        }
        let mut first = true;
        loop {
            let Some(c) = self.peek(0) else {
                return Err(err("missing closing ]", &self.src[start..]));
            };
            if c == ']' && !first {
                self.i += 1;
                self.out.push(']');
                return Ok(());
            }
            first = false;
            if c == '[' && self.peek(1) == Some(':') {
                let from = self.pos();
                if let Some(end) = self.src[from + 2..].find(":]") {
                    let target = from + 2 + end + 2;
                    self.out.push_str(&self.src[from..target]);
                    while self.pos() < target {
                        self.i += 1;
                    }
                    continue;
                }
            }
            let lo_start = self.pos();
            // Go's parser takes a Perl or Unicode class escape (`\w`, `\pL`) as a whole
            // member and never as a range end, so `[\w-.]` is `\w`, `-` and `.`.
            let is_class_escape = self.peek(0) == Some('\\')
                && self
                    .peek(1)
                    .is_some_and(|n| perl_class(n).is_some() || n == 'p' || n == 'P');
            let lo = self.class_char()?;
            if is_class_escape {
                continue;
            }
            if self.peek(0) == Some('-') && self.peek(1).is_some_and(|n| n != ']') {
                self.i += 1;
                self.out.push('-');
                let hi = self.class_char()?;
                if let (Some(l), Some(h)) = (lo, hi) {
                    if l > h {
                        return Err(err(
                            "invalid character class range",
                            &self.src[lo_start..self.pos()],
                        ));
                    }
                }
            }
        }
    }

    /// One class member; returns the literal char when it is one (for range checks).
    fn class_char(&mut self) -> Result<Option<char>, GoRegexError> {
        let Some(c) = self.peek(0) else {
            return Ok(None);
        };
        self.i += 1;
        if c == '\\' {
            let before = self.out.len();
            self.escape(true)?;
            let lit = &self.out[before..];
            return Ok(match lit.strip_prefix('\\') {
                Some(l) if l.chars().count() == 1 => l.chars().next(),
                _ => None,
            });
        }
        push_literal(&mut self.out, c);
        Ok(Some(c))
    }

    /// A `{n}`, `{n,}` or `{n,m}` repetition at the cursor: its end, or `None` when the
    /// brace is a literal (Go's rule).
    fn repeat_end(&self) -> Option<(usize, u32, Option<u32>)> {
        let rest = &self.src[self.pos()..];
        let close = rest.find('}')?;
        let body = &rest[1..close];
        let (lo, hi) = match body.split_once(',') {
            Some((l, h)) => (l, Some(h)),
            None => (body, None),
        };
        if lo.is_empty() || !lo.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let hi = match hi {
            None => Some(lo),
            Some("") => None,
            Some(h) if h.bytes().all(|c| c.is_ascii_digit()) => Some(h),
            Some(_) => return None,
        };
        let lo: u32 = lo.parse().unwrap_or(u32::MAX);
        let hi = hi.map(|h| h.parse().unwrap_or(u32::MAX));
        Some((close + 1, lo, hi))
    }
}

/// What a `(?` opens.
enum GroupPrefix {
    /// `(?flags)`: this many bytes, no group.
    Flags(usize),
    /// `(?flags:`, `(?P<name>`, `(?<name>`: a group whose prefix is this many bytes.
    Open(usize),
}

/// Reads the `(?...` prefix starting at byte `at`, with Go's errors.
fn group_prefix(pattern: &str, at: usize) -> Result<GroupPrefix, GoRegexError> {
    let rest = &pattern[at + 1..]; // after '('
    if let Some(after) = rest.strip_prefix("?P<").or_else(|| rest.strip_prefix("?<")) {
        let Some(end) = after.find('>') else {
            return Err(err("invalid named capture", &pattern[at..]));
        };
        let name = &after[..end];
        let len = 1 + (rest.len() - after.len()) + end + 1;
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(err("invalid named capture", &pattern[at..at + len]));
        }
        return Ok(GroupPrefix::Open(len));
    }
    let body = &rest[1..];
    let end = body.find([')', ':']);
    let valid = end.is_some_and(|e| {
        let flags = &body[..e];
        flags
            .chars()
            .all(|f| matches!(f, 'i' | 'm' | 's' | 'U' | '-'))
            && !flags.ends_with('-')
            && flags.matches('-').count() <= 1
            && (!flags.is_empty() || body[e..].starts_with(':'))
    });
    match end {
        Some(e) if valid => {
            let len = 2 + e + 1;
            Ok(if body[e..].starts_with(')') {
                GroupPrefix::Flags(len)
            } else {
                GroupPrefix::Open(len)
            })
        }
        _ => {
            let shown: String = pattern[at..].chars().take(3).collect();
            Err(err("invalid or unsupported Perl syntax", shown))
        }
    }
}

/// Rewrites a Go (RE2) pattern as a Rust `regex` pattern, or reports Go's error.
pub fn translate(pattern: &str) -> Result<String, GoRegexError> {
    let mut s = Scanner {
        src: pattern,
        chars: pattern.char_indices().collect(),
        i: 0,
        out: String::with_capacity(pattern.len() + 8),
    };
    let mut depth = 0usize;
    // Whether the last item can take a repetition, and the last repetition operator.
    let mut atom = false;
    let mut last_rep: Option<usize> = None;
    while let Some(c) = s.peek(0) {
        let here = s.pos();
        match c {
            '\\' => {
                s.i += 1;
                s.escape(false)?;
                atom = true;
                last_rep = None;
            }
            '[' => {
                s.class()?;
                atom = true;
                last_rep = None;
            }
            '(' => {
                s.i += 1;
                let prefix_len = if s.peek(0) == Some('?') {
                    match group_prefix(pattern, here)? {
                        GroupPrefix::Flags(len) => {
                            // `(?i)`: flags only, no group and nothing to repeat.
                            s.out.push_str(&pattern[here..here + len]);
                            while s.pos() < here + len {
                                s.i += 1;
                            }
                            atom = false;
                            last_rep = None;
                            continue;
                        }
                        GroupPrefix::Open(len) => len,
                    }
                } else {
                    1
                };
                s.out.push_str(&pattern[here..here + prefix_len]);
                while s.pos() < here + prefix_len {
                    s.i += 1;
                }
                depth += 1;
                atom = false;
                last_rep = None;
                continue;
            }
            ')' => {
                if depth == 0 {
                    return Err(err("unexpected )", pattern));
                }
                depth -= 1;
                s.i += 1;
                s.out.push(')');
                atom = true;
                last_rep = None;
            }
            '|' => {
                s.i += 1;
                s.out.push('|');
                atom = false;
                last_rep = None;
            }
            '*' | '+' | '?' | '{' => {
                let (len, bounds) = if c == '{' {
                    match s.repeat_end() {
                        Some((len, lo, hi)) => (len, Some((lo, hi))),
                        None => {
                            s.i += 1;
                            s.out.push_str("\\{");
                            atom = true;
                            last_rep = None;
                            continue;
                        }
                    }
                } else {
                    (1, None)
                };
                let op_end = here + len;
                if let Some(prev) = last_rep {
                    return Err(err(
                        "invalid nested repetition operator",
                        &pattern[prev..op_end],
                    ));
                }
                if !atom {
                    return Err(err(
                        "missing argument to repetition operator",
                        &pattern[here..op_end],
                    ));
                }
                if let Some((lo, hi)) = bounds {
                    if lo > 1000 || hi.is_some_and(|h| h > 1000 || h < lo) {
                        return Err(err("invalid repeat count", &pattern[here..op_end]));
                    }
                }
                s.out.push_str(&pattern[here..op_end]);
                while s.pos() < op_end {
                    s.i += 1;
                }
                // A lazy `?` belongs to the operator.
                if s.peek(0) == Some('?') {
                    s.i += 1;
                    s.out.push('?');
                }
                last_rep = Some(here);
                continue;
            }
            c => {
                s.i += 1;
                match c {
                    '^' | '$' | '.' => s.out.push(c),
                    c if c.is_ascii_punctuation() || c == ' ' => push_literal(&mut s.out, c),
                    c => s.out.push(c),
                }
                // Go lets anchors take a repetition too (`^*` parses).
                atom = true;
                last_rep = None;
            }
        }
    }
    if depth > 0 {
        return Err(err("missing closing )", pattern));
    }
    Ok(s.out)
}

/// Go's `regexp.Compile`. Compiled patterns are remembered for the whole process:
/// charts call `regexReplaceAll` and friends with the same few patterns in loops, and
/// compiling costs far more than matching (Bitnami's `common` library compiles a
/// semver pattern in every chart that uses it: about 0.3 ms). A thread first looks in
/// its own copy of the table, so a hit takes no lock; a pattern another thread
/// compiled is shared (templates execute on every core). A `Regex` clone shares the
/// compiled program.
pub fn compile(pattern: &str) -> Result<Regex, GoRegexError> {
    use std::cell::RefCell;
    use std::collections::HashMap;
    use std::sync::Mutex;
    const MAX_CACHED: usize = 256;
    thread_local! {
        static SEEN: RefCell<HashMap<String, Regex>> = RefCell::new(HashMap::new());
    }
    static SHARED: Mutex<Option<HashMap<String, Regex>>> = Mutex::new(None);
    if let Some(re) = SEEN.with(|c| c.borrow().get(pattern).cloned()) {
        return Ok(re);
    }
    let remember = |table: &mut HashMap<String, Regex>, re: &Regex| {
        if table.len() >= MAX_CACHED {
            table.clear();
        }
        table.insert(pattern.to_string(), re.clone());
    };
    let shared = SHARED
        .lock()
        .ok()
        .and_then(|table| table.as_ref()?.get(pattern).cloned());
    let re = match shared {
        Some(re) => re,
        None => {
            let rust = translate(pattern)?;
            let re = Regex::new(&rust)
                .map_err(|_| err("invalid or unsupported Perl syntax", pattern))?;
            if let Ok(mut table) = SHARED.lock() {
                remember(table.get_or_insert_with(HashMap::new), &re);
            }
            re
        }
    };
    SEEN.with(|c| remember(&mut c.borrow_mut(), &re));
    Ok(re)
}

/// `regexp.MustCompile`'s panic text.
fn must_compile(pattern: &str) -> Result<Regex, FuncError> {
    compile(pattern).map_err(|e| {
        let q = if !pattern.contains('`') && !pattern.chars().any(|c| c.is_control() && c != '\t') {
            format!("`{pattern}`")
        } else {
            kubake_gotmpl::fmt::quote_go(pattern)
        };
        FuncError::new(format!("regexp: Compile({q}): {e}"))
    })
}

fn compile_err(pattern: &str) -> Result<Regex, FuncError> {
    compile(pattern).map_err(|e| FuncError::new(e.to_string()))
}

/// Go's `FindAllString(s, n)`.
pub fn find_all(re: &Regex, s: &str, n: i64) -> Vec<String> {
    if n == 0 {
        return Vec::new();
    }
    let limit = if n < 0 { usize::MAX } else { n as usize };
    re.find_iter(s)
        .take(limit)
        .map(|m| m.as_str().to_string())
        .collect()
}

/// Go's `Regexp.Split(s, n)`.
pub fn split(re: &Regex, pattern: &str, s: &str, n: i64) -> Vec<String> {
    if n == 0 {
        return Vec::new();
    }
    if !pattern.is_empty() && s.is_empty() {
        return vec![String::new()];
    }
    let limit = if n < 0 { usize::MAX } else { n as usize };
    let mut out = Vec::new();
    let (mut beg, mut end) = (0, 0);
    for m in re.find_iter(s).take(limit) {
        if n > 0 && out.len() == limit - 1 {
            break;
        }
        end = m.start();
        if m.end() != 0 {
            out.push(s[beg..end].to_string());
        }
        beg = m.end();
    }
    if end != s.len() {
        out.push(s[beg..].to_string());
    }
    out
}

/// Go's `regexp.QuoteMeta`.
pub fn quote_meta(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn strings(v: Vec<String>) -> Value {
    Value::List(List::strings(v))
}

pub(crate) fn register(map: &mut FuncMap) {
    use GoType::String as S;
    let int = GoType::INT;
    reg(map, "regexMatch", [S, S], |_, a| {
        Ok(Value::Bool(
            compile(str_at(a, 0)).is_ok_and(|re| re.is_match(str_at(a, 1))),
        ))
    });
    reg(map, "mustRegexMatch", [S, S], |_, a| {
        Ok(Value::Bool(
            compile_err(str_at(a, 0))?.is_match(str_at(a, 1)),
        ))
    });
    for (name, must) in [("regexFind", false), ("mustRegexFind", true)] {
        reg(map, name, [S, S], move |_, a| {
            let re = if must {
                compile_err(str_at(a, 0))?
            } else {
                must_compile(str_at(a, 0))?
            };
            Ok(Value::from(
                re.find(str_at(a, 1)).map_or("", |m| m.as_str()),
            ))
        });
    }
    for (name, must) in [("regexFindAll", false), ("mustRegexFindAll", true)] {
        reg(map, name, [S, S, int.clone()], move |_, a| {
            let re = if must {
                compile_err(str_at(a, 0))?
            } else {
                must_compile(str_at(a, 0))?
            };
            Ok(strings(find_all(&re, str_at(a, 1), int_at(a, 2))))
        });
    }
    for (name, must) in [("regexReplaceAll", false), ("mustRegexReplaceAll", true)] {
        reg(map, name, [S, S, S], move |_, a| {
            let re = if must {
                compile_err(str_at(a, 0))?
            } else {
                must_compile(str_at(a, 0))?
            };
            Ok(Value::from(
                re.replace_all(str_at(a, 1), str_at(a, 2)).into_owned(),
            ))
        });
    }
    for (name, must) in [
        ("regexReplaceAllLiteral", false),
        ("mustRegexReplaceAllLiteral", true),
    ] {
        reg(map, name, [S, S, S], move |_, a| {
            let re = if must {
                compile_err(str_at(a, 0))?
            } else {
                must_compile(str_at(a, 0))?
            };
            Ok(Value::from(
                re.replace_all(str_at(a, 1), regex::NoExpand(str_at(a, 2)))
                    .into_owned(),
            ))
        });
    }
    for (name, must) in [("regexSplit", false), ("mustRegexSplit", true)] {
        reg(map, name, [S, S, int.clone()], move |_, a| {
            let re = if must {
                compile_err(str_at(a, 0))?
            } else {
                must_compile(str_at(a, 0))?
            };
            Ok(strings(split(
                &re,
                str_at(a, 0),
                str_at(a, 1),
                int_at(a, 2),
            )))
        });
    }
    reg(map, "regexQuoteMeta", [S], |_, a| {
        Ok(Value::from(quote_meta(str_at(a, 0))))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(p: &str) -> String {
        compile(p)
            .map(|_| "ok".to_string())
            .unwrap_or_else(|e| e.to_string())
    }

    #[test]
    fn go_errors() {
        assert_eq!(e("("), "error parsing regexp: missing closing ): `(`");
        assert_eq!(e("["), "error parsing regexp: missing closing ]: `[`");
        assert_eq!(e("a)"), "error parsing regexp: unexpected ): `a)`");
        assert_eq!(
            e("*a"),
            "error parsing regexp: missing argument to repetition operator: `*`"
        );
        assert_eq!(
            e("a**"),
            "error parsing regexp: invalid nested repetition operator: `**`"
        );
        assert_eq!(
            e("[z-a]"),
            "error parsing regexp: invalid character class range: `z-a`"
        );
        assert_eq!(
            e("a{1001}"),
            "error parsing regexp: invalid repeat count: `{1001}`"
        );
        assert_eq!(
            e("\\q"),
            "error parsing regexp: invalid escape sequence: `\\q`"
        );
        assert_eq!(
            e("a\\"),
            "error parsing regexp: trailing backslash at end of expression: ``"
        );
        assert_eq!(
            e("(?=x)"),
            "error parsing regexp: invalid or unsupported Perl syntax: `(?=`"
        );
        assert_eq!(e("a*?"), "ok");
        assert_eq!(e("(?i)^HELLO"), "ok");
        assert_eq!(
            e("(?i)*"),
            "error parsing regexp: missing argument to repetition operator: `*`"
        );
        assert_eq!(
            e("(?z)"),
            "error parsing regexp: invalid or unsupported Perl syntax: `(?z`"
        );
        assert_eq!(e("(?P<n>x)(?<m>y)"), "ok");
    }

    #[test]
    fn flags_and_groups() {
        let m = |p: &str, s: &str| compile(p).map(|r| r.is_match(s)).map_err(|e| e.to_string());
        assert_eq!(m("(?i)^HELLO", "hello world"), Ok(true));
        assert_eq!(m("a(?i:B)c", "abc"), Ok(true));
        assert_eq!(m("a(?i:B)c", "abC"), Ok(false));
        assert_eq!(m("(?P<x>a)(?<y>b)+", "abb"), Ok(true));
    }

    #[test]
    fn class_escape_then_dash_is_literal() {
        let re = compile(r"^[\w-\.]+$").expect("Go accepts it");
        assert!(re.is_match("my-master.x"));
        assert!(!re.is_match("a b"));
    }

    #[test]
    fn ascii_classes_and_literals() {
        let re = compile("^\\d+$").map_err(|e| e.to_string());
        assert_eq!(re.map(|r| r.is_match("١٢")), Ok(false));
        let re = compile("a{,3}\\Q.*\\E[&&]").map_err(|e| e.to_string());
        assert_eq!(re.map(|r| r.is_match("a{,3}.*&")), Ok(true));
        let re = compile("\\bfoo\\b").map_err(|e| e.to_string());
        assert_eq!(re.map(|r| r.is_match("a foo b")), Ok(true));
        let re = compile("[\\d\\s]+").map_err(|e| e.to_string());
        assert_eq!(
            re.map(|r| r.find("x1 2y").map(|m| m.as_str().to_string())),
            Ok(Some("1 2".into()))
        );
    }

    #[test]
    fn split_and_find_like_go() {
        let re = compile("z+").unwrap();
        assert_eq!(split(&re, "z+", "pizza", -1), vec!["pi", "a"]);
        let comma = compile(",").unwrap();
        assert_eq!(split(&comma, ",", "a,b,c", 2), vec!["a", "b,c"]);
        let digit = compile("[0-9]").unwrap();
        assert_eq!(find_all(&digit, "a1b2", 0), Vec::<String>::new());
        assert_eq!(quote_meta("1.2.3+[a]"), "1\\.2\\.3\\+\\[a\\]");
    }
}
