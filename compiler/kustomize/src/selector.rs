//! Selecting resources: patch and replacement targets (`group`, `version`, `kind`,
//! `name`, `namespace` as anchored regular expressions; `labelSelector` and
//! `annotationSelector` in Kubernetes' selector syntax).

use std::path::Path;

use regex::Regex;

use kubake_yaml::Node;

use crate::decode::Fields;
use crate::error::{Error, Result};
use crate::resource::Resource;

/// A target selector.
#[derive(Clone, Debug, Default)]
pub struct Selector {
    /// API group.
    pub group: Option<String>,
    /// API version.
    pub version: Option<String>,
    /// Kind.
    pub kind: Option<String>,
    /// Name (a regular expression, anchored).
    pub name: Option<String>,
    /// Namespace (a regular expression, anchored).
    pub namespace: Option<String>,
    /// A label selector.
    pub label_selector: Option<String>,
    /// An annotation selector.
    pub annotation_selector: Option<String>,
}

impl Selector {
    /// Decodes a target mapping.
    pub fn decode(node: &Node, file: &Path) -> Result<Selector> {
        let f = Fields::new(node, file, "Selector")?;
        f.deny_unknown(&[
            "group",
            "version",
            "kind",
            "name",
            "namespace",
            "labelSelector",
            "annotationSelector",
        ])?;
        Ok(Selector {
            group: f.string("group")?,
            version: f.string("version")?,
            kind: f.string("kind")?,
            name: f.string("name")?,
            namespace: f.string("namespace")?,
            label_selector: f.string("labelSelector")?,
            annotation_selector: f.string("annotationSelector")?,
        })
    }

    /// Compiles the selector for matching.
    pub fn compile(&self) -> Result<CompiledSelector> {
        let re = |s: &Option<String>| -> Result<Option<Pattern>> {
            match s.as_deref() {
                None | Some("") => Ok(None),
                Some(p) => Pattern::new(p).map(Some),
            }
        };
        Ok(CompiledSelector {
            group: re(&self.group)?,
            version: re(&self.version)?,
            kind: re(&self.kind)?,
            name: re(&self.name)?,
            namespace: re(&self.namespace)?,
            labels: match self.label_selector.as_deref() {
                Some(s) if !s.is_empty() => Some(LabelSelector::parse(s)?),
                _ => None,
            },
            annotations: match self.annotation_selector.as_deref() {
                Some(s) if !s.is_empty() => Some(LabelSelector::parse(s)?),
                _ => None,
            },
        })
    }
}

/// A selector ready to match resources.
#[derive(Clone, Debug)]
pub struct CompiledSelector {
    group: Option<Pattern>,
    version: Option<Pattern>,
    kind: Option<Pattern>,
    name: Option<Pattern>,
    namespace: Option<Pattern>,
    labels: Option<LabelSelector>,
    annotations: Option<LabelSelector>,
}

/// A selector field: a regular expression matched against the whole value, as
/// kustomize anchors it (`^(?:p)$`). Most are plain names (`Deployment`, `web`), which
/// are compared as text: compiling a regular expression for each costs more than the
/// rest of a small kustomization's build.
#[derive(Clone, Debug)]
enum Pattern {
    Literal(String),
    Regex(Regex),
}

impl Pattern {
    fn new(p: &str) -> Result<Pattern> {
        // Letters, digits and these marks mean themselves in Go's (and Rust's) regular
        // expressions outside a character class: such a pattern matches exactly its text.
        let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/' | ':' | '@');
        if p.chars().all(plain) {
            return Ok(Pattern::Literal(p.to_string()));
        }
        Regex::new(&format!("^(?:{p})$"))
            .map(Pattern::Regex)
            .map_err(|e| Error::new(format!("invalid regular expression {p:?}: {e}")))
    }

    fn is_match(&self, s: &str) -> bool {
        match self {
            Pattern::Literal(l) => l == s,
            Pattern::Regex(r) => r.is_match(s),
        }
    }
}

fn matches(re: &Option<Pattern>, s: &str) -> bool {
    re.as_ref().is_none_or(|r| r.is_match(s))
}

impl CompiledSelector {
    /// Whether a resource is selected: name and namespace may match the original or the
    /// current values, as in kustomize's `ResMap.Select`.
    pub fn matches(&self, res: &Resource) -> bool {
        let cur = res.cur_id();
        let org = res.org_id();
        let eff = |ns: &str| {
            if ns.is_empty() {
                "default".to_string()
            } else {
                ns.to_string()
            }
        };
        if self.namespace.is_some()
            && !matches(&self.namespace, &eff(&org.namespace))
            && !matches(&self.namespace, &eff(&cur.namespace))
        {
            return false;
        }
        if !matches(&self.name, &org.name) && !matches(&self.name, &cur.name) {
            return false;
        }
        if !matches(&self.group, &cur.gvk.group)
            || !matches(&self.version, &cur.gvk.version)
            || !matches(&self.kind, &cur.gvk.kind)
        {
            return false;
        }
        if let Some(l) = &self.labels {
            if !l.matches(&res.string_map("labels")) {
                return false;
            }
        }
        if let Some(a) = &self.annotations {
            if !a.matches(&res.string_map("annotations")) {
                return false;
            }
        }
        true
    }
}

#[derive(Clone, Debug)]
enum Requirement {
    Eq(String, String),
    NotEq(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    NotExists(String),
}

/// A Kubernetes label selector: `a=b,c!=d,e in (f,g),!h,i`.
#[derive(Clone, Debug)]
pub struct LabelSelector {
    reqs: Vec<Requirement>,
}

impl LabelSelector {
    /// Parses the selector syntax.
    pub fn parse(s: &str) -> Result<LabelSelector> {
        let bad = || {
            Error::new(format!(
                "unable to parse requirement: invalid label selector {s:?}"
            ))
        };
        let mut reqs = Vec::new();
        for part in split_top_level(s) {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let words: Vec<&str> = part.split_whitespace().collect();
            let req = if let Some(k) = part.strip_prefix('!') {
                Requirement::NotExists(k.trim().to_string())
            } else if let Some((k, v)) = part.split_once("!=") {
                Requirement::NotEq(k.trim().into(), v.trim().into())
            } else if let Some((k, v)) = part.split_once("==") {
                Requirement::Eq(k.trim().into(), v.trim().into())
            } else if let Some((k, v)) = part.split_once('=') {
                Requirement::Eq(k.trim().into(), v.trim().into())
            } else if words.len() >= 2 && (words[1] == "in" || words[1] == "notin") {
                let rest = part[part.find('(').ok_or_else(bad)? + 1..]
                    .trim_end()
                    .strip_suffix(')')
                    .ok_or_else(bad)?;
                let values = rest.split(',').map(|v| v.trim().to_string()).collect();
                if words[1] == "in" {
                    Requirement::In(words[0].into(), values)
                } else {
                    Requirement::NotIn(words[0].into(), values)
                }
            } else if words.len() == 1 {
                Requirement::Exists(part.to_string())
            } else {
                return Err(bad());
            };
            reqs.push(req);
        }
        Ok(LabelSelector { reqs })
    }

    /// Whether the labels satisfy every requirement.
    pub fn matches(&self, labels: &[(String, String)]) -> bool {
        let get = |k: &str| {
            labels
                .iter()
                .find(|(lk, _)| lk == k)
                .map(|(_, v)| v.as_str())
        };
        self.reqs.iter().all(|r| match r {
            Requirement::Eq(k, v) => get(k) == Some(v.as_str()),
            Requirement::NotEq(k, v) => get(k) != Some(v.as_str()),
            Requirement::In(k, vs) => get(k).is_some_and(|x| vs.iter().any(|v| v == x)),
            Requirement::NotIn(k, vs) => get(k).is_none_or(|x| !vs.iter().any(|v| v == x)),
            Requirement::Exists(k) => get(k).is_some(),
            Requirement::NotExists(k) => get(k).is_none(),
        })
    }
}

/// Splits at commas outside parentheses.
fn split_top_level(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_match_whole_values_and_patterns_stay_regular_expressions() {
        let p = |s: &str| Pattern::new(s).unwrap();
        assert!(matches!(p("Deployment"), Pattern::Literal(_)));
        assert!(matches!(p("my-app_2"), Pattern::Literal(_)));
        assert!(p("web").is_match("web") && !p("web").is_match("web2"));
        // A dot is a metacharacter: `apps.example.com` is a regular expression.
        assert!(matches!(p("a.b"), Pattern::Regex(_)));
        assert!(p("a.b").is_match("aXb") && !p("a.b").is_match("aXbc"));
        assert!(p("web|api").is_match("api") && !p("web|api").is_match("webapi"));
        assert!(Pattern::new("(").is_err());
    }

    fn labels(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn label_selectors() {
        let l = labels(&[("app", "web"), ("tier", "front")]);
        assert!(LabelSelector::parse("app=web").unwrap().matches(&l));
        assert!(LabelSelector::parse("app=web,tier!=back")
            .unwrap()
            .matches(&l));
        assert!(LabelSelector::parse("tier in (front, mid)")
            .unwrap()
            .matches(&l));
        assert!(!LabelSelector::parse("tier notin (front)")
            .unwrap()
            .matches(&l));
        assert!(LabelSelector::parse("!env,app").unwrap().matches(&l));
        assert!(!LabelSelector::parse("app=db").unwrap().matches(&l));
    }
}
