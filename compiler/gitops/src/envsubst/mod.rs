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
//! The scanner and parser are in [`parse`], Go's `path.Match` (the `#`/`%` patterns) in
//! [`pathmatch`]. Not here: which variables exist or where the text comes from
//! (`flux::varsub`).

mod parse;
pub mod pathmatch;

use std::fmt;

use parse::Parser;
use pathmatch::path_match;

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
    eval_reporting_unset(text, lookup).map(|(out, _)| out)
}

/// [`eval`], also returning the variables that were unset where no default applied
/// (`${VAR}`, `${VAR^^}`; not `${VAR:=d}`), in order of appearance, each once: what
/// Flux's strict mode (`StrictPostBuildSubstitutions`) refuses.
pub fn eval_reporting_unset(
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<(String, Vec<String>), ParseError> {
    let root = Parser::new(text).parse_any()?;
    let mut out = String::with_capacity(text.len());
    let mut unset = Vec::new();
    eval_node(&root, lookup, &mut out, &mut unset);
    Ok((out, unset))
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Ast {
    Text(String),
    Func {
        param: String,
        name: String,
        args: Vec<Ast>,
    },
    List(Vec<Ast>),
}

fn eval_node(
    node: &Ast,
    lookup: &dyn Fn(&str) -> Option<String>,
    out: &mut String,
    unset: &mut Vec<String>,
) {
    match node {
        Ast::Text(t) => out.push_str(t),
        Ast::List(items) => {
            for n in items {
                eval_node(n, lookup, out, unset);
            }
        }
        Ast::Func { param, name, args } => {
            let args: Vec<String> = args
                .iter()
                .map(|a| {
                    let mut s = String::new();
                    eval_node(a, lookup, &mut s, unset);
                    s
                })
                .collect();
            let value = lookup(param);
            if value.is_none() && !is_default(name, &args) && !unset.contains(param) {
                unset.push(param.clone());
            }
            out.push_str(&apply_func(name, &value.unwrap_or_default(), &args));
        }
    }
}

/// Whether `${VAR<name>args}` supplies a value of its own for an empty variable (the
/// `:=`, `:-`, `=`… family, which all fall through to the default case).
fn is_default(name: &str, args: &[String]) -> bool {
    !args.is_empty()
        && !matches!(
            name,
            "," | ",," | "^" | "^^" | "#" | "##" | "%" | "%%" | ":" | "/#" | "/%" | "/" | "//"
        )
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
            Err(_) => return s.to_string(),
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
            Err(_) => return s.to_string(),
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
    fn unset_variables_without_a_default_are_reported() {
        let lookup = |name: &str| (name == "SET").then(|| "v".to_string());
        let (out, unset) =
            eval_reporting_unset("${SET} ${A} ${B:=d} ${C^^} ${A} ${D:-x}", &lookup).unwrap();
        assert_eq!(out, "v  d   x");
        assert_eq!(unset, ["A", "C"]);
    }

    #[test]
    fn malformed_expressions_fail() {
        assert_eq!(run("${}"), Err(ParseError::VariableName));
        assert_eq!(run("${HOME"), Err(ParseError::MissingClosingBrace));
        assert_eq!(run("${UNSET:=abc"), Err(ParseError::FuncSubstitution));
        assert_eq!(run("${ HOME}"), Err(ParseError::VariableName));
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
        let deep = format!("{}x{}", "${A:=".repeat(100_000), "}".repeat(100_000));
        assert_eq!(run(&deep), Err(ParseError::BadSubstitution));
    }
}
