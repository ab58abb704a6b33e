//! `Masterminds/semver` v3.3.0 as Sprig's `semver` and `semverCompare` expose it.
//!
//! The `semver` crate implements Cargo's rules, which differ in syntax and meaning, so
//! Masterminds' rules are reimplemented here: loose versions (`v1.2`, `1`, leading
//! zeros), constraints joined with spaces or commas (AND) and `||` (OR), hyphen ranges
//! (`1.2 - 2.3`), wildcards (`1.x`, `*`), `~`/`~>`/`^` ranges, and the pre-release rule
//! (a pre-release version satisfies a comparison only when that comparison's own version
//! has a pre-release: `>=1.19-0` admits `1.20.0-rc1`, `>=1.19` does not). The
//! constraint grammar is matched with Masterminds' own regular expressions, whose
//! leftmost-first semantics the `regex` crate shares.
//!
//! Error texts are v3.3.0's (`Invalid Semantic Version`, `improper constraint: x`).

use std::any::Any;
use std::cmp::Ordering;
use std::sync::OnceLock;

use kubake_chart::semver::without_captures;
use kubake_gotmpl::{CallContext, FuncError, FuncMap, GoType, Object, Signature, UintKind, Value};
use regex_lite::Regex;

use super::{reg, str_at};

/// A parsed version (`*semver.Version`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    pre: String,
    metadata: String,
    original: String,
    /// `true` for the `semver.Version` values `IncPatch` and friends return (not pointers).
    by_value: bool,
}

const INVALID: &str = "Invalid Semantic Version";

fn only(s: &str, allowed: impl Fn(u8) -> bool) -> bool {
    s.bytes().all(allowed)
}

fn ident_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-'
}

fn validate_prerelease(p: &str) -> Result<(), String> {
    for part in p.split('.') {
        if only(part, |c| c.is_ascii_digit()) {
            if part.len() > 1 && part.starts_with('0') {
                return Err("Version segment starts with 0".into());
            }
        } else if !only(part, ident_char) {
            return Err("Invalid Prerelease string".into());
        }
    }
    Ok(())
}

fn segment(s: &str) -> Result<u64, String> {
    s.parse::<u64>().map_err(|_| {
        format!(
            "Error parsing version segment: strconv.ParseUint: parsing {}: value out of range",
            kubake_gotmpl::fmt::quote_go(s)
        )
    })
}

fn dotted_idents(s: &str) -> bool {
    !s.is_empty() && s.split('.').all(|p| !p.is_empty() && only(p, ident_char))
}

impl Version {
    /// `semver.NewVersion`.
    pub fn parse(v: &str) -> Result<Version, String> {
        let body = v.strip_prefix('v').unwrap_or(v);
        let (body, metadata) = match body.split_once('+') {
            Some((b, m)) => {
                if !dotted_idents(m) {
                    return Err(INVALID.into());
                }
                (b, m)
            }
            None => (body, ""),
        };
        let (nums, pre) = match body.split_once('-') {
            Some((n, p)) => {
                if !dotted_idents(p) {
                    return Err(INVALID.into());
                }
                (n, p)
            }
            None => (body, ""),
        };
        let parts: Vec<&str> = nums.split('.').collect();
        if parts.is_empty()
            || parts.len() > 3
            || parts
                .iter()
                .any(|p| p.is_empty() || !only(p, |c| c.is_ascii_digit()))
        {
            return Err(INVALID.into());
        }
        let major = segment(parts[0])?;
        let minor = parts.get(1).map_or(Ok(0), |p| segment(p))?;
        let patch = parts.get(2).map_or(Ok(0), |p| segment(p))?;
        if !pre.is_empty() {
            validate_prerelease(pre)?;
        }
        Ok(Version {
            major,
            minor,
            patch,
            pre: pre.to_string(),
            metadata: metadata.to_string(),
            original: v.to_string(),
            by_value: false,
        })
    }

    /// The major number.
    pub fn major(&self) -> u64 {
        self.major
    }

    /// The minor number.
    pub fn minor(&self) -> u64 {
        self.minor
    }

    /// Go's `String()`: `1.2.3-pre+meta`, without a `v`.
    pub fn to_string_plain(&self) -> String {
        self.string()
    }

    fn string(&self) -> String {
        let mut s = format!("{}.{}.{}", self.major, self.minor, self.patch);
        if !self.pre.is_empty() {
            s.push('-');
            s.push_str(&self.pre);
        }
        if !self.metadata.is_empty() {
            s.push('+');
            s.push_str(&self.metadata);
        }
        s
    }

    /// `Compare`: -1, 0 or 1 (metadata ignored).
    pub fn compare(&self, o: &Version) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(o.major, o.minor, o.patch))
            .then_with(|| match (self.pre.is_empty(), o.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => compare_prerelease(&self.pre, &o.pre),
            })
    }

    fn incremented(&self, which: u8) -> Version {
        let mut n = self.clone();
        n.metadata.clear();
        match which {
            0 if !self.pre.is_empty() => {}
            0 => n.patch += 1,
            1 => {
                n.patch = 0;
                n.minor += 1;
            }
            _ => {
                n.patch = 0;
                n.minor = 0;
                n.major += 1;
            }
        }
        n.pre.clear();
        let prefix = if self.original.starts_with('v') {
            "v"
        } else {
            ""
        };
        n.original = format!("{prefix}{}", n.string());
        n.by_value = true;
        n
    }
}

fn compare_prerelease(a: &str, b: &str) -> Ordering {
    let (sa, sb): (Vec<&str>, Vec<&str>) = (a.split('.').collect(), b.split('.').collect());
    for i in 0..sa.len().max(sb.len()) {
        let d = compare_pre_part(
            sa.get(i).copied().unwrap_or(""),
            sb.get(i).copied().unwrap_or(""),
        );
        if d != Ordering::Equal {
            return d;
        }
    }
    Ordering::Equal
}

fn compare_pre_part(s: &str, o: &str) -> Ordering {
    if s == o {
        return Ordering::Equal;
    }
    if s.is_empty() {
        return Ordering::Less;
    }
    if o.is_empty() {
        return Ordering::Greater;
    }
    match (s.parse::<u64>(), o.parse::<u64>()) {
        (Err(_), Err(_)) => {
            if s > o {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
        (Ok(_), Err(_)) => Ordering::Less,
        (Err(_), Ok(_)) => Ordering::Greater,
        (Ok(a), Ok(b)) => {
            if a > b {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
    }
}

#[derive(Debug, Clone)]
struct Constraint {
    op: String,
    con: Version,
    dirty: bool,
    minor_dirty: bool,
    patch_dirty: bool,
}

const CV: &str = r"v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?";
const OPS: &str = r"=||!=|>|<|>=|=>|<=|=<|~|~>|\^";
const WS: &str = r"[\t\n\f\r ]";

struct Regexes {
    constraint: Regex,
    range: Regex,
    find: Regex,
    valid: Regex,
}

fn regexes() -> Option<&'static Regexes> {
    static R: OnceLock<Option<Regexes>> = OnceLock::new();
    R.get_or_init(|| {
        Some(Regexes {
            constraint: ascii_regex(&format!(r"^{WS}*({OPS}){WS}*({CV}){WS}*$")).ok()?,
            range: ascii_regex(&format!(r"{WS}*({CV}){WS}+-{WS}+({CV}){WS}*")).ok()?,
            // Bounds and `is_match` only: no capture groups to keep slots for.
            find: ascii_regex(&without_captures(&format!(r"({OPS}){WS}*({CV})"))).ok()?,
            valid: ascii_regex(&without_captures(&format!(
                r"^({WS}*({OPS}){WS}*({CV}){WS}*)((?:{WS}+|,{WS}*)({OPS}){WS}*({CV}){WS}*)*$"
            )))
            .ok()?,
        })
    })
    .as_ref()
}

/// Masterminds' patterns are ASCII: `regex_lite`, without Unicode classes, compiles
/// them in a tenth of the time the full engine takes (every render that calls
/// `semverCompare` paid that); the ranges they parse are remembered
/// ([`parse_constraints`]), so its slower matching hardly runs.
fn ascii_regex(pattern: &str) -> Result<Regex, regex_lite::Error> {
    Regex::new(pattern)
}

fn is_x(s: &str) -> bool {
    matches!(s, "x" | "X" | "*")
}

fn parse_constraint(c: &str, r: &Regexes) -> Result<Constraint, String> {
    let m = r
        .constraint
        .captures(c)
        .ok_or_else(|| format!("improper constraint: {c}"))?;
    let g = |i: usize| m.get(i).map_or("", |x| x.as_str());
    let (op, orig) = (g(1), g(2));
    let (mut dirty, mut minor_dirty, mut patch_dirty) = (false, false, false);
    let ver = if is_x(g(3)) || g(3).is_empty() {
        dirty = true;
        format!("0.0.0{}", g(6))
    } else if is_x(g(4).trim_start_matches('.')) || g(4).is_empty() {
        dirty = true;
        minor_dirty = true;
        format!("{}.0.0{}", g(3), g(6))
    } else if is_x(g(5).trim_start_matches('.')) || g(5).is_empty() {
        dirty = true;
        patch_dirty = true;
        format!("{}{}.0{}", g(3), g(4), g(6))
    } else {
        orig.to_string()
    };
    let con = Version::parse(&ver).map_err(|_| "constraint Parser Error".to_string())?;
    Ok(Constraint {
        op: op.to_string(),
        con,
        dirty,
        minor_dirty,
        patch_dirty,
    })
}

/// OR groups of AND constraints.
type Groups = Vec<Vec<Constraint>>;

/// [`new_constraint`], remembered per thread: a chart's templates ask the same few
/// ranges (`>=1.21-0`) again and again.
fn parse_constraints(c: &str) -> Result<std::rc::Rc<Groups>, String> {
    use std::cell::RefCell;
    use std::collections::HashMap;
    use std::rc::Rc;
    const MAX_REMEMBERED: usize = 256;
    thread_local! {
        static PARSED: RefCell<HashMap<String, Result<Rc<Groups>, String>>> =
            RefCell::new(HashMap::new());
    }
    if let Some(known) = PARSED.with(|p| p.borrow().get(c).cloned()) {
        return known;
    }
    let parsed = new_constraint(c).map(Rc::new);
    PARSED.with(|p| {
        let mut remembered = p.borrow_mut();
        if remembered.len() >= MAX_REMEMBERED {
            remembered.clear();
        }
        remembered.insert(c.to_string(), parsed.clone());
    });
    parsed
}

/// Masterminds' `NewConstraint`.
fn new_constraint(c: &str) -> Result<Groups, String> {
    let r = regexes().ok_or("constraint Parser Error")?;
    // Rewrite `a - b` ranges as `>= a, <= b`.
    let mut text = c.to_string();
    for caps in r.range.captures_iter(c) {
        let whole = caps.get(0).map_or("", |m| m.as_str());
        let a = caps.get(1).map_or("", |m| m.as_str());
        let b = caps.get(11).map_or("", |m| m.as_str());
        text = text.replacen(whole, &format!(">= {a}, <= {b}"), 1);
    }
    let mut groups = Vec::new();
    for part in text.split("||") {
        if !r.valid.is_match(part) {
            return Err(format!("improper constraint: {part}"));
        }
        let found: Vec<&str> = r.find.find_iter(part).map(|m| m.as_str()).collect();
        let items = if found.is_empty() { vec![part] } else { found };
        groups.push(
            items
                .into_iter()
                .map(|s| parse_constraint(s, r))
                .collect::<Result<Vec<_>, _>>()?,
        );
    }
    Ok(groups)
}

fn check(v: &Version, c: &Constraint) -> bool {
    let pre_blocked = !v.pre.is_empty() && c.con.pre.is_empty();
    let cmp = v.compare(&c.con);
    let tilde = || {
        if cmp == Ordering::Less {
            return false;
        }
        if c.con.major == 0
            && c.con.minor == 0
            && c.con.patch == 0
            && !c.minor_dirty
            && !c.patch_dirty
        {
            return true;
        }
        v.major == c.con.major && (v.minor == c.con.minor || c.minor_dirty)
    };
    match c.op.as_str() {
        "!=" => {
            if c.dirty {
                if pre_blocked {
                    return false;
                }
                if c.con.major != v.major {
                    return true;
                }
                if c.con.minor != v.minor && !c.minor_dirty {
                    return true;
                } else if c.minor_dirty {
                    return false;
                } else if c.con.patch != v.patch && !c.patch_dirty {
                    return true;
                } else if c.patch_dirty {
                    if !v.pre.is_empty() || !c.con.pre.is_empty() {
                        return compare_prerelease(&v.pre, &c.con.pre) != Ordering::Equal;
                    }
                    return false;
                }
            }
            cmp != Ordering::Equal
        }
        _ if pre_blocked => false,
        ">" => {
            if !c.dirty {
                return cmp == Ordering::Greater;
            }
            if v.major != c.con.major {
                return v.major > c.con.major;
            }
            if c.minor_dirty {
                return false;
            }
            if c.patch_dirty {
                return v.minor > c.con.minor;
            }
            cmp == Ordering::Greater
        }
        "<" => cmp == Ordering::Less,
        ">=" | "=>" => cmp != Ordering::Less,
        "<=" | "=<" => {
            if !c.dirty {
                return cmp != Ordering::Greater;
            }
            if v.major > c.con.major {
                return false;
            }
            !(v.major == c.con.major && v.minor > c.con.minor && !c.minor_dirty)
        }
        "~" | "~>" => tilde(),
        "" | "=" => {
            if c.dirty {
                tilde()
            } else {
                cmp == Ordering::Equal
            }
        }
        "^" => {
            if cmp == Ordering::Less {
                return false;
            }
            if c.con.major > 0 || c.minor_dirty {
                return v.major == c.con.major;
            }
            if v.major > 0 {
                return false;
            }
            if c.con.minor > 0 || c.patch_dirty {
                return v.minor == c.con.minor;
            }
            if v.minor > 0 {
                return false;
            }
            c.con.patch == v.patch
        }
        _ => false,
    }
}

/// Sprig's `semverCompare constraint version`.
pub fn semver_compare(constraint: &str, version: &str) -> Result<bool, String> {
    let groups = parse_constraints(constraint)?;
    let v = Version::parse(version)?;
    Ok(groups.iter().any(|g| g.iter().all(|c| check(&v, c))))
}

fn version_type() -> GoType {
    GoType::Object("*semver.Version".into())
}

impl Object for Version {
    fn type_name(&self) -> String {
        if self.by_value {
            "semver.Version"
        } else {
            "*semver.Version"
        }
        .into()
    }

    fn method(&self, name: &str) -> Option<Signature> {
        Some(match name {
            "Major" | "Minor" | "Patch" | "Prerelease" | "Metadata" | "Original" | "String"
            | "IncPatch" | "IncMinor" | "IncMajor" => Signature::fixed([]),
            "LessThan" | "LessThanEqual" | "GreaterThan" | "GreaterThanEqual" | "Equal"
            | "Compare" => Signature::fixed([version_type()]),
            _ => return None,
        })
    }

    fn call_method(
        &self,
        name: &str,
        _ctx: &mut CallContext<'_>,
        args: &[Value],
    ) -> Result<Value, FuncError> {
        let other = || {
            args.first()
                .and_then(|a| a.downcast_object::<Version>())
                .ok_or_else(|| FuncError::new(crate::funcs::conv::NIL_DEREF))
        };
        let u = |n: u64| Value::Uint(n, UintKind::Uint64);
        Ok(match name {
            "Major" => u(self.major),
            "Minor" => u(self.minor),
            "Patch" => u(self.patch),
            "Prerelease" => Value::from(self.pre.as_str()),
            "Metadata" => Value::from(self.metadata.as_str()),
            "Original" => Value::from(self.original.as_str()),
            "String" => Value::from(self.string()),
            "IncPatch" => Value::object(self.incremented(0)),
            "IncMinor" => Value::object(self.incremented(1)),
            "IncMajor" => Value::object(self.incremented(2)),
            "LessThan" => Value::Bool(self.compare(other()?) == Ordering::Less),
            "LessThanEqual" => Value::Bool(self.compare(other()?) != Ordering::Greater),
            "GreaterThan" => Value::Bool(self.compare(other()?) == Ordering::Greater),
            "GreaterThanEqual" => Value::Bool(self.compare(other()?) != Ordering::Less),
            "Equal" => Value::Bool(self.compare(other()?) == Ordering::Equal),
            "Compare" => Value::int(match self.compare(other()?) {
                Ordering::Less => -1,
                Ordering::Equal => 0,
                Ordering::Greater => 1,
            }),
            _ => {
                return Err(FuncError::new(format!(
                    "semver.Version has no method {name}"
                )))
            }
        })
    }

    fn display(&self, out: &mut String) {
        out.push_str(&self.string());
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The JSON form (`MarshalJSON`: the version string).
pub(crate) fn json_string(v: &Version) -> String {
    v.string()
}

pub(crate) fn register(map: &mut FuncMap) {
    use GoType::String as S;
    reg(map, "semver", [S], |_, a| {
        Version::parse(str_at(a, 0))
            .map(Value::object)
            .map_err(FuncError::new)
    });
    reg(map, "semverCompare", [S, S], |_, a| {
        semver_compare(str_at(a, 0), str_at(a, 1))
            .map(Value::Bool)
            .map_err(FuncError::new)
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sc(c: &str, v: &str) -> String {
        match semver_compare(c, v) {
            Ok(b) => b.to_string(),
            Err(e) => e,
        }
    }

    #[test]
    fn versions() {
        let v = Version::parse("v2.0").unwrap();
        assert_eq!((v.major, v.minor, v.string()), (2, 0, "2.0.0".to_string()));
        assert_eq!(
            Version::parse("1.2.3-alpha.1+build.5").unwrap().string(),
            "1.2.3-alpha.1+build.5"
        );
        assert_eq!(Version::parse("not-a-version"), Err(INVALID.to_string()));
        assert_eq!(
            Version::parse("1.2.3-01"),
            Err("Version segment starts with 0".to_string())
        );
        assert!(Version::parse("01.2.3").is_ok());
        let a = Version::parse("1.0.0-alpha").unwrap();
        let b = Version::parse("1.0.0-alpha.1").unwrap();
        let c = Version::parse("1.0.0-beta.11").unwrap();
        let d = Version::parse("1.0.0-beta.2").unwrap();
        assert_eq!(a.compare(&b), Ordering::Less);
        assert_eq!(d.compare(&c), Ordering::Less);
        assert_eq!(
            Version::parse("1.0.0").unwrap().compare(&c),
            Ordering::Greater
        );
    }

    #[test]
    fn constraints() {
        assert_eq!(sc(">=1.2.0", "1.2.3"), "true");
        assert_eq!(sc("<1.0.0", "1.2.3"), "false");
        assert_eq!(sc("^1.2", "1.9.0"), "true");
        assert_eq!(sc("^1.2", "2.0.0"), "false");
        assert_eq!(sc("^0.2.3", "0.2.9"), "true");
        assert_eq!(sc("^0.2.3", "0.3.0"), "false");
        assert_eq!(sc("^0.0.3", "0.0.4"), "false");
        assert_eq!(sc("~1.2.3", "1.2.9"), "true");
        assert_eq!(sc("~1.2.3", "1.3.0"), "false");
        assert_eq!(sc("~1", "1.9.0"), "true");
        assert_eq!(sc(">1.0 <2.0", "1.5.0"), "true");
        assert_eq!(sc(">1.0, <2.0", "2.5.0"), "false");
        assert_eq!(sc("1.x", "1.9.9"), "true");
        assert_eq!(sc("1.0 - 2.0", "1.7"), "true");
        assert_eq!(
            sc("1.0 - 2.0", "2.0.1"),
            "true",
            "<= 2.0 is dirty: any 2.0.x"
        );
        assert_eq!(sc("<1 || >=3", "3.1"), "true");
        assert_eq!(sc(">=v1.20.0", "v1.32.0"), "true");
        assert_eq!(sc("*", "0.0.1"), "true");
        assert_eq!(sc("!=1.2.x", "1.2.5"), "false");
        assert_eq!(sc("!=1.2.x", "1.3.0"), "true");
        assert_eq!(sc(">11", "11.1.0"), "false");
        assert_eq!(sc(">11.1", "11.2.0"), "true");
    }

    #[test]
    fn prerelease_rules() {
        assert_eq!(sc(">=1.2.0", "1.3.0-rc1"), "false");
        assert_eq!(sc(">=1.2.0-0", "1.3.0-rc1"), "true");
        assert_eq!(sc(">=1.19-0", "v1.32.0"), "true");
        assert_eq!(sc("<1.19-0", "v1.32.0"), "false");
    }

    #[test]
    fn errors() {
        assert_eq!(
            sc("badConstraint", "1.2.3"),
            "improper constraint: badConstraint"
        );
        assert_eq!(sc("1.2.0", "badVersion"), INVALID);
        assert_eq!(sc("", "1.0.0"), "improper constraint: ");
    }
}
