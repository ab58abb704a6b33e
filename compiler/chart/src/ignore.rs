//! `.helmignore`: Helm's `pkg/ignore` rules, and Go's `filepath.Match` glob they use.
//!
//! Rules are read top to bottom; the first rule that decides wins. A rule without `/`
//! matches the base name only, one with `/` the whole path relative to the chart root,
//! a leading `/` anchors at the root, a trailing `/` matches directories only, `!`
//! negates (with Helm's quirk: a negated rule that does *not* match ignores the path).
//! `**` is refused, as Helm refuses it. `templates/.?*` is always added.
//!
//! Not here: walking directories (the loader calls [`Rules::ignore`] per entry).

use crate::error::{Error, ErrorKind, Result};

/// The file name Helm reads ignore rules from.
pub const HELM_IGNORE: &str = ".helmignore";

#[derive(Clone, Debug)]
struct Pattern {
    glob: Vec<Token>,
    /// What `glob` is when it is simple enough to match without the general matcher.
    shape: Shape,
    negate: bool,
    must_dir: bool,
    /// Match the base name only (the rule had no `/`).
    base_only: bool,
}

/// A parsed `.helmignore`.
#[derive(Clone, Debug, Default)]
pub struct Rules {
    patterns: Vec<Pattern>,
}

impl Rules {
    /// No rules.
    pub fn empty() -> Rules {
        Rules::default()
    }

    /// Parses the text of a `.helmignore` file, with Helm's error words.
    pub fn parse(text: &str) -> Result<Rules> {
        let mut rules = Rules::default();
        for line in text.lines() {
            rules.add(line)?;
        }
        Ok(rules)
    }

    /// Adds Helm's default rule: hidden files under `templates/` are ignored.
    pub fn add_defaults(&mut self) {
        // A constant rule that parses; an error here cannot happen.
        let _ = self.add("templates/.?*");
    }

    fn add(&mut self, rule: &str) -> Result<()> {
        let rule = rule.trim();
        if rule.is_empty() || rule.starts_with('#') {
            return Ok(());
        }
        if rule.contains("**") {
            return Err(Error::new(
                ErrorKind::ChartFile,
                "double-star (**) syntax is not supported",
            ));
        }
        if parse_glob(rule).is_none() {
            return Err(Error::new(ErrorKind::ChartFile, "syntax error in pattern"));
        }
        let mut rest = rule;
        let negate = rest.starts_with('!');
        if negate {
            rest = &rest[1..];
        }
        let must_dir = rest.ends_with('/');
        if must_dir {
            rest = &rest[..rest.len() - 1];
        }
        let (body, base_only) = if let Some(anchored) = rest.strip_prefix('/') {
            (anchored, false)
        } else {
            (rest, !rest.contains('/'))
        };
        // A pattern that fails to parse matches nothing (Helm logs and returns false).
        let glob = parse_glob(body).unwrap_or_else(|| vec![Token::Never]);
        self.patterns.push(Pattern {
            shape: Shape::of(&glob),
            glob,
            negate,
            must_dir,
            base_only,
        });
        Ok(())
    }

    /// Whether `path` (relative to the chart root, `/`-separated) is ignored.
    pub fn ignore(&self, path: &str, is_dir: bool) -> bool {
        if path.is_empty() || path == "." || path == "./" {
            return false;
        }
        for p in &self.patterns {
            let subject = if p.base_only {
                path.rsplit('/').next().unwrap_or(path)
            } else {
                path
            };
            if p.negate {
                if p.must_dir && !is_dir {
                    return true;
                }
                if !p.matches(subject) {
                    return true;
                }
                continue;
            }
            if p.must_dir && !is_dir {
                continue;
            }
            if p.matches(subject) {
                return true;
            }
        }
        false
    }
}

/// Most rules are a plain name (`OWNERS`) or `*` and a suffix (`*.swp`); every file of
/// a chart is checked against every rule, so those skip the general matcher.
#[derive(Clone, Debug)]
enum Shape {
    Literal(String),
    StarSuffix(String),
    /// Anything else; a name must start with the text before the first wildcard.
    General {
        prefix: String,
    },
}

impl Shape {
    fn of(glob: &[Token]) -> Shape {
        let literal = |tokens: &[Token]| -> Option<String> {
            tokens
                .iter()
                .map(|t| match t {
                    Token::Char(c) => Some(*c),
                    _ => None,
                })
                .collect()
        };
        let general = || Shape::General {
            prefix: glob
                .iter()
                .map_while(|t| match t {
                    Token::Char(c) => Some(*c),
                    _ => None,
                })
                .collect(),
        };
        match glob.split_first() {
            Some((Token::Star, rest)) => literal(rest).map_or_else(general, Shape::StarSuffix),
            _ => literal(glob).map_or_else(general, Shape::Literal),
        }
    }
}

impl Pattern {
    fn matches(&self, name: &str) -> bool {
        match &self.shape {
            Shape::Literal(whole) => whole == name,
            Shape::StarSuffix(suffix) => name
                .strip_suffix(suffix.as_str())
                .is_some_and(|head| !head.contains('/')),
            Shape::General { prefix } => {
                name.starts_with(prefix.as_str()) && glob_match(&self.glob, name)
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Char(char),
    AnyOne,
    Star,
    Class {
        negate: bool,
        ranges: Vec<(char, char)>,
    },
    Never,
}

/// Parses a `filepath.Match` pattern; `None` is Go's `ErrBadPattern`.
fn parse_glob(pattern: &str) -> Option<Vec<Token>> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '*' => {
                out.push(Token::Star);
                i += 1;
            }
            '?' => {
                out.push(Token::AnyOne);
                i += 1;
            }
            '\\' => {
                let c = *chars.get(i + 1)?;
                out.push(Token::Char(c));
                i += 2;
            }
            '[' => {
                i += 1;
                let negate = chars.get(i) == Some(&'^');
                if negate {
                    i += 1;
                }
                let mut ranges = Vec::new();
                loop {
                    let c = *chars.get(i)?;
                    if c == ']' && !ranges.is_empty() {
                        i += 1;
                        break;
                    }
                    let lo = class_char(&chars, &mut i)?;
                    let mut hi = lo;
                    if chars.get(i) == Some(&'-') {
                        i += 1;
                        hi = class_char(&chars, &mut i)?;
                        if hi < lo {
                            return None;
                        }
                    }
                    ranges.push((lo, hi));
                }
                out.push(Token::Class { negate, ranges });
            }
            c => {
                out.push(Token::Char(c));
                i += 1;
            }
        }
    }
    Some(out)
}

fn class_char(chars: &[char], i: &mut usize) -> Option<char> {
    let c = *chars.get(*i)?;
    match c {
        '-' | ']' => None,
        '\\' => {
            let e = *chars.get(*i + 1)?;
            *i += 2;
            Some(e)
        }
        _ => {
            *i += 1;
            Some(c)
        }
    }
}

/// `filepath.Match` on a parsed pattern: `*` and `?` never match `/`. Dynamic
/// programming over (pattern, name) positions keeps hostile patterns linear-time.
fn glob_match(glob: &[Token], name: &str) -> bool {
    let name: Vec<char> = name.chars().collect();
    // reach[j]: the pattern prefix consumed so far can match name[..j].
    let mut reach = vec![false; name.len() + 1];
    reach[0] = true;
    for tok in glob {
        let mut next = vec![false; name.len() + 1];
        match tok {
            Token::Star => {
                let mut on = false;
                for j in 0..=name.len() {
                    if reach[j] {
                        on = true;
                    }
                    next[j] = on;
                    if j < name.len() && name[j] == '/' {
                        on = false;
                    }
                }
            }
            Token::Never => return false,
            single => {
                for j in 0..name.len() {
                    if reach[j] && single_matches(single, name[j]) {
                        next[j + 1] = true;
                    }
                }
            }
        }
        reach = next;
    }
    reach[name.len()]
}

fn single_matches(tok: &Token, c: char) -> bool {
    match tok {
        Token::Char(p) => *p == c,
        Token::AnyOne => c != '/',
        Token::Class { negate, ranges } => {
            c != '/' && ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *negate
        }
        Token::Star | Token::Never => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(text: &str) -> Rules {
        let mut r = Rules::parse(text).unwrap();
        r.add_defaults();
        r
    }

    #[test]
    fn simple_shapes_match_as_the_general_matcher_does() {
        let globs = [
            "OWNERS",
            "*.swp",
            "*",
            "",
            "a\\*",
            "*~",
            "d/*.txt",
            "a*b",
            "templates/.?*",
        ];
        let names = [
            "OWNERS", "x.swp", "d/x.swp", ".swp", "", "a*", "ab~", "d/a.txt", "a/b",
        ];
        for g in globs {
            let glob = parse_glob(g).unwrap();
            let p = Pattern {
                shape: Shape::of(&glob),
                glob: glob.clone(),
                negate: false,
                must_dir: false,
                base_only: false,
            };
            for n in names {
                assert_eq!(p.matches(n), glob_match(&glob, n), "{g:?} on {n:?}");
            }
        }
    }

    #[test]
    fn go_glob() {
        let m = |p: &str, n: &str| glob_match(&parse_glob(p).unwrap(), n);
        assert!(m("*.txt", "a.txt"));
        assert!(!m("*.txt", "d/a.txt"));
        assert!(m("d/*.txt", "d/a.txt"));
        assert!(m("[a-c]x", "bx"));
        assert!(!m("[^a-c]x", "bx"));
        assert!(m("a\\*", "a*"));
        assert!(m("a?c", "abc"));
        assert!(!m("a?c", "a/c"));
        assert!(parse_glob("[").is_none());
        assert!(parse_glob("a\\").is_none());
        assert!(m(&"*a".repeat(50), &"a".repeat(200)));
    }

    #[test]
    fn helm_rules() {
        let r = rules("# comment\n*.bak\n/top.txt\nci/\ndocs/*.md\n");
        assert!(r.ignore("x/y.bak", false));
        assert!(r.ignore("top.txt", false));
        assert!(!r.ignore("sub/top.txt", false));
        assert!(r.ignore("ci", true));
        assert!(!r.ignore("ci", false));
        assert!(r.ignore("docs/a.md", false));
        assert!(r.ignore("templates/.hidden", false));
        assert!(!r.ignore("templates/visible.yaml", false));
        assert!(!r.ignore(".", true));
    }

    #[test]
    fn negation_quirk_and_errors() {
        // Helm: a negated rule that does not match ignores the path.
        let r = rules("!keep.txt\n");
        assert!(!r.ignore("keep.txt", false));
        assert!(r.ignore("other.txt", false));
        assert_eq!(
            Rules::parse("a/**/b").unwrap_err().to_string(),
            "double-star (**) syntax is not supported"
        );
        assert_eq!(
            Rules::parse("[").unwrap_err().to_string(),
            "syntax error in pattern"
        );
    }
}
