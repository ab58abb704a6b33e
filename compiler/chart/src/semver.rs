//! Semantic versions and ranges as `github.com/Masterminds/semver/v3` (what Helm v3.17
//! uses) parses and checks them: lenient versions (`v1.2`, `1`), ranges with `=`, `!=`,
//! `>`, `<`, `>=`, `<=`, `~`, `^`, wildcards (`1.x`, `*`), hyphen ranges (`1 - 2`), `,`
//! or space for "and", `||` for "or", and the rule that a prerelease version only
//! satisfies a constraint that names a prerelease.
//!
//! Helm uses it for `Chart.yaml` validation, to link a subchart to its dependency entry
//! (`IsCompatibleRange`) and for `kubeVersion`. Not here: Sprig's `semver` template
//! functions (the helm crate's).

use std::cmp::Ordering;
use std::sync::OnceLock;

use regex_lite::Regex;

/// A parsed version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    /// Major number.
    pub major: u64,
    /// Minor number.
    pub minor: u64,
    /// Patch number.
    pub patch: u64,
    /// Prerelease (without the `-`), empty when none.
    pub pre: String,
    /// Build metadata (without the `+`), empty when none.
    pub metadata: String,
}

/// Why a version or range did not parse; the text is Masterminds'.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SemverError(String);

const CV: &str = r"v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?";
const OPS: &str = r"=|!=|>|<|>=|=>|<=|=<|~|~>|\^";
/// Go's `\s`: without the vertical tab that `\s` also matches in Rust.
const WS: &str = r"[\t\n\f\r ]";

fn constraint_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        ascii_regex(&format!(r"^{WS}*({OPS})?{WS}*({CV}){WS}*$"))
            .unwrap_or_else(|_| unreachable_regex())
    })
}

/// Masterminds' pattern for one constraint found in a list.
fn find_constraint_pattern() -> String {
    format!(r"({OPS})?{WS}*({CV})")
}

/// Masterminds' pattern for a valid list of constraints.
fn valid_constraint_pattern() -> String {
    format!(r"^({WS}*({OPS})?{WS}*({CV}){WS}*)((?:{WS}+|,{WS}*)({WS}*({OPS})?{WS}*({CV}){WS}*))*$")
}

/// Used for match bounds only: no capture groups (see [`without_captures`]).
fn find_constraint_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        ascii_regex(&without_captures(&find_constraint_pattern()))
            .unwrap_or_else(|_| unreachable_regex())
    })
}

/// Used for `is_match` only: no capture groups (see [`without_captures`]).
fn valid_constraint_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        ascii_regex(&without_captures(&valid_constraint_pattern()))
            .unwrap_or_else(|_| unreachable_regex())
    })
}

/// `pattern` with every group non-capturing: the same matches, but a search keeps no
/// slots for groups (`regex_lite` sizes its per-search tables by states times groups,
/// and the validity pattern's 19 groups made every process touch ~300 KB to check a
/// chart's `kubeVersion`). For Masterminds' patterns, which hold no `(` inside a class
/// or escaped.
pub fn without_captures(pattern: &str) -> String {
    pattern.replace("(?:", "(").replace('(', "(?:")
}

fn range_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        ascii_regex(&format!(r"{WS}*({CV}){WS}+-{WS}+({CV}){WS}*"))
            .unwrap_or_else(|_| unreachable_regex())
    })
}

/// These patterns are ASCII; `regex_lite` has no Unicode classes, and compiles them in
/// a fraction of the time the full engine takes, which every process paid once.
fn ascii_regex(pattern: &str) -> Result<Regex, regex_lite::Error> {
    Regex::new(pattern)
}

/// The patterns above are constants known to compile; a regex that matches nothing
/// keeps this path panic-free all the same.
fn unreachable_regex() -> Regex {
    Regex::new(r"[^\s\S]").unwrap_or_else(|_| unreachable_regex())
}

impl Version {
    /// Parses a version as Masterminds' `NewVersion` (coercing mode) does. Its pattern,
    /// `^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-(IDENTS))?(\+(IDENTS))?$` with IDENTS dot-separated
    /// runs of `[0-9A-Za-z-]`, is read by hand: it has one way to match, and compiling
    /// it as a regex cost every render a fifth of a millisecond.
    pub fn parse(text: &str) -> Result<Version, SemverError> {
        let invalid = || SemverError("Invalid Semantic Version".into());
        let body = text.strip_prefix('v').unwrap_or(text);
        // Identifiers hold no `+`, and numbers no `-`: the first of each starts its part.
        let (body, metadata) = match body.split_once('+') {
            Some((body, metadata)) if dotted_identifiers(metadata) => (body, metadata),
            Some(_) => return Err(invalid()),
            None => (body, ""),
        };
        let (numbers, pre) = match body.split_once('-') {
            Some((numbers, pre)) if dotted_identifiers(pre) => (numbers, pre),
            Some(_) => return Err(invalid()),
            None => (body, ""),
        };
        // The whole text matches before any number is converted, as with the pattern.
        let digits: Vec<&str> = numbers.split('.').collect();
        if digits.len() > 3
            || digits
                .iter()
                .any(|d| d.is_empty() || !d.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(invalid());
        }
        let mut segments = [0u64; 3];
        for (segment, digits) in segments.iter_mut().zip(digits) {
            *segment = digits.parse().map_err(|_| {
                SemverError(format!(
                    "Error parsing version segment: strconv.ParseUint: parsing \"{digits}\": value out of range"
                ))
            })?;
        }
        for seg in pre.split('.').filter(|_| !pre.is_empty()) {
            if seg.len() > 1 && seg.starts_with('0') && seg.bytes().all(|b| b.is_ascii_digit()) {
                return Err(SemverError("Version segment starts with 0".into()));
            }
        }
        Ok(Version {
            major: segments[0],
            minor: segments[1],
            patch: segments[2],
            pre: pre.to_string(),
            metadata: metadata.to_string(),
        })
    }

    /// Masterminds' `Compare`: numbers, then prerelease (a release sorts after its
    /// prereleases); build metadata is ignored.
    pub fn compare(&self, other: &Version) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| compare_prerelease(&self.pre, &other.pre))
    }
}

fn compare_prerelease(a: &str, b: &str) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        _ => {}
    }
    let (pa, pb): (Vec<&str>, Vec<&str>) = (a.split('.').collect(), b.split('.').collect());
    for i in 0..pa.len().max(pb.len()) {
        let (x, y) = (pa.get(i).copied(), pb.get(i).copied());
        let ord = match (x, y) {
            (Some(x), Some(y)) => compare_part(x, y),
            // Masterminds: a missing part counts as an empty string ("" vs numeric sorts
            // before, vs alphanumeric it sorts before as well).
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

fn compare_part(a: &str, b: &str) -> Ordering {
    match (a.parse::<u64>(), b.parse::<u64>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        (Ok(_), Err(_)) => Ordering::Less,
        (Err(_), Ok(_)) => Ordering::Greater,
        (Err(_), Err(_)) => a.cmp(b),
    }
}

#[derive(Clone, Debug)]
struct Constraint {
    op: String,
    con: Version,
    minor_dirty: bool,
    patch_dirty: bool,
    dirty: bool,
}

/// A parsed range: alternatives (`||`) of conjunctions.
#[derive(Clone, Debug)]
pub struct Constraints {
    alternatives: Vec<Vec<Constraint>>,
}

/// `[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*`.
fn dotted_identifiers(text: &str) -> bool {
    text.split('.').all(|part| {
        !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    })
}

fn is_x(s: &str) -> bool {
    matches!(s, "x" | "X" | "*")
}

impl Constraints {
    /// Parses a range as Masterminds' `NewConstraint` does; the empty string is refused.
    pub fn parse(text: &str) -> Result<Constraints, SemverError> {
        let rewritten = range_regex().replace_all(text, ">= ${1}, <= ${11}");
        let mut alternatives = Vec::new();
        for alt in rewritten.split("||") {
            if !valid_constraint_regex().is_match(alt) {
                return Err(SemverError(format!("improper constraint: {alt}")));
            }
            let mut all = Vec::new();
            for m in find_constraint_regex().find_iter(alt) {
                all.push(parse_constraint(m.as_str())?);
            }
            alternatives.push(all);
        }
        Ok(Constraints { alternatives })
    }

    /// Whether `v` satisfies the range.
    pub fn check(&self, v: &Version) -> bool {
        self.alternatives
            .iter()
            .any(|all| all.iter().all(|c| c.check(v)))
    }
}

fn parse_constraint(text: &str) -> Result<Constraint, SemverError> {
    let caps = constraint_regex()
        .captures(text)
        .ok_or_else(|| SemverError(format!("improper constraint: {text}")))?;
    let op = caps.get(1).map_or("", |m| m.as_str()).to_string();
    let major = caps.get(3).map_or("", |m| m.as_str());
    let minor = caps.get(4).map_or("", |m| m.as_str());
    let patch = caps.get(5).map_or("", |m| m.as_str());
    let pre = caps.get(6).map_or("", |m| m.as_str());
    let (mut minor_dirty, mut patch_dirty, mut dirty) = (false, false, false);
    let ver = if is_x(major) || major.is_empty() {
        dirty = true;
        format!("0.0.0{pre}")
    } else if is_x(minor.trim_start_matches('.')) || minor.is_empty() {
        minor_dirty = true;
        dirty = true;
        format!("{major}.0.0{pre}")
    } else if is_x(patch.trim_start_matches('.')) || patch.is_empty() {
        patch_dirty = true;
        dirty = true;
        format!("{major}{minor}.0{pre}")
    } else {
        caps.get(2).map_or("", |m| m.as_str()).to_string()
    };
    let con = Version::parse(&ver)?;
    Ok(Constraint {
        op,
        con,
        minor_dirty,
        patch_dirty,
        dirty,
    })
}

impl Constraint {
    fn check(&self, v: &Version) -> bool {
        let c = &self.con;
        // A prerelease version never satisfies a constraint without a prerelease.
        if !v.pre.is_empty() && c.pre.is_empty() {
            return false;
        }
        let cmp = v.compare(c);
        match self.op.as_str() {
            "" | "=" => {
                if self.dirty {
                    self.tilde(v)
                } else {
                    cmp == Ordering::Equal
                }
            }
            "!=" => {
                if self.dirty {
                    if c.major != v.major {
                        return true;
                    }
                    if c.minor != v.minor && !self.minor_dirty {
                        return true;
                    } else if self.minor_dirty {
                        return false;
                    } else if c.patch != v.patch && !self.patch_dirty {
                        return true;
                    } else if self.patch_dirty {
                        return false;
                    }
                }
                cmp != Ordering::Equal
            }
            ">" => {
                if !self.dirty {
                    return cmp == Ordering::Greater;
                }
                match v.major.cmp(&c.major) {
                    Ordering::Greater => true,
                    Ordering::Less => false,
                    Ordering::Equal if self.minor_dirty => false,
                    Ordering::Equal if self.patch_dirty => v.minor > c.minor,
                    Ordering::Equal => cmp == Ordering::Greater,
                }
            }
            "<" => cmp == Ordering::Less,
            ">=" | "=>" => cmp != Ordering::Less,
            "<=" | "=<" => {
                if !self.dirty {
                    return cmp != Ordering::Greater;
                }
                if v.major > c.major {
                    return false;
                }
                !(v.major == c.major && v.minor > c.minor && !self.minor_dirty)
            }
            "~" | "~>" => self.tilde(v),
            "^" => {
                if cmp == Ordering::Less {
                    return false;
                }
                if c.major > 0 || self.minor_dirty {
                    return v.major == c.major;
                }
                if v.major > 0 {
                    return false;
                }
                if c.minor > 0 || self.patch_dirty {
                    return v.minor == c.minor;
                }
                if v.minor > 0 {
                    return false;
                }
                c.patch == v.patch
            }
            _ => false,
        }
    }

    fn tilde(&self, v: &Version) -> bool {
        let c = &self.con;
        if v.compare(c) == Ordering::Less {
            return false;
        }
        if c.major == 0 && c.minor == 0 && c.patch == 0 && !self.minor_dirty && !self.patch_dirty {
            return true;
        }
        if v.major != c.major {
            return false;
        }
        v.minor == c.minor || self.minor_dirty
    }
}

/// Helm's `chartutil.IsCompatibleRange`: whether `version` parses and satisfies the
/// range `constraint` (false when either does not parse, so an empty range is false).
pub fn is_compatible_range(constraint: &str, version: &str) -> bool {
    let Ok(v) = Version::parse(version) else {
        return false;
    };
    Constraints::parse(constraint).is_ok_and(|c| c.check(&v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_versions() {
        for ok in ["1", "v1.2", "1.2.3-beta.1+build", "01.2.3"] {
            assert!(Version::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "1.2.3.4",
            " 1.0.0",
            "1.2.3-01",
            "notsemver",
            "",
            "v",
            "vv1",
            "1.",
            "1..2",
            "1.2-",
            "1.2.3-a..b",
            "1.2.3+",
            "1.2.3+a+b",
            "1.2.3-é",
            "-1",
        ] {
            assert!(Version::parse(bad).is_err(), "{bad}");
        }
        // Not a version at all, however big its numbers.
        for bad in [
            "99999999999999999999.x",
            "99999999999999999999.1.2.3",
            "1.99999999999999999999.a",
        ] {
            assert_eq!(
                Version::parse(bad).unwrap_err().to_string(),
                "Invalid Semantic Version"
            );
        }
        let v = Version::parse("v01.2-rc-1.0+build-7.x").unwrap();
        assert_eq!((v.major, v.minor, v.patch), (1, 2, 0));
        assert_eq!(
            (v.pre.as_str(), v.metadata.as_str()),
            ("rc-1.0", "build-7.x")
        );
        assert_eq!(
            Version::parse("99999999999999999999").unwrap_err().to_string(),
            "Error parsing version segment: strconv.ParseUint: parsing \"99999999999999999999\": value out of range"
        );
    }

    #[test]
    fn patterns_without_captures_match_the_same() {
        let valid_with = Regex::new(&valid_constraint_pattern()).unwrap();
        let find_with = Regex::new(&find_constraint_pattern()).unwrap();
        let tokens = [
            "",
            " ",
            ",",
            ">=",
            "<",
            "!=",
            "~>",
            "^",
            "=",
            "1",
            "1.2",
            "v1.2.x",
            "*",
            "1.2.3-rc.1",
            "1.2.3+b",
            "-",
            "x",
            "1..2",
            "\t",
            "a",
        ];
        let mut texts = Vec::new();
        for a in tokens {
            for b in tokens {
                for c in tokens {
                    texts.push(format!("{a}{b}{c}"));
                    texts.push(format!("{a} {b}, {c}"));
                }
            }
        }
        for t in &texts {
            assert_eq!(
                valid_constraint_regex().is_match(t),
                valid_with.is_match(t),
                "{t:?}"
            );
            let bounds = |re: &Regex| re.find_iter(t).map(|m| m.range()).collect::<Vec<_>>();
            assert_eq!(bounds(find_constraint_regex()), bounds(&find_with), "{t:?}");
        }
    }

    #[test]
    fn ranges() {
        let cases = [
            (">=1.25.0-0", "1.23.0", false),
            (">=1.25.0-0", "1.32.0", true),
            (">= 1.19.0-0", "1.32.0", true),
            ("^1.2.3", "1.9.0", true),
            ("^1.2.3", "2.0.0", false),
            ("^0.2.3", "0.2.9", true),
            ("^0.2.3", "0.3.0", false),
            ("~1.2.3", "1.2.9", true),
            ("~1.2.3", "1.3.0", false),
            ("1.x", "1.9.9", true),
            ("1.x", "2.0.0", false),
            ("*", "4.5.6", true),
            ("*", "4.5.6-rc1", false),
            ("2.x.x", "2.31.8", true),
            ("0.12.*", "0.12.8", true),
            ("1.2 - 1.4.5", "1.4.5", true),
            ("1.2 - 1.4.5", "1.4.6", false),
            (">1.0, <2.0", "1.5.0", true),
            (">1.0 <2.0", "2.0.0", false),
            ("<1.0 || >=3", "3.1.0", true),
            ("!=1.2.3", "1.2.3", false),
            ("", "1.0.0", false),
            ("0.0", "0.0.5", true),
            ("> 1.4.0-0", "1.5.0", true),
            // Go's `\s` is not Rust's: a vertical tab is no white space there.
            ("\u{b}>= 1.0", "1.5.0", false),
            ("\t>= 1.0", "1.5.0", true),
        ];
        for (range, version, want) in cases {
            assert_eq!(
                is_compatible_range(range, version),
                want,
                "{range} {version}"
            );
        }
    }
}
