//! Flux post-build variable substitution on one object, as
//! `fluxcd/pkg/kustomize/kustomize_varsub.go` does it: the object's YAML as kustomize
//! serialises it (`sigs.k8s.io/yaml.JSONToYAML`, which [`kubake_yaml::to_yaml`] is) goes
//! through [`envsubst`](crate::envsubst), and the text is read back with `YAMLToJSON`'s
//! rules (yaml.v2: YAML 1.1 scalars, so `yes` becomes `true` and `#…` a comment).
//!
//! Not here: where the variables come from (the Kustomization's `substituteFrom`
//! objects, looked up by the engine) — see [`Variables`].

use std::collections::BTreeMap;

use kubake_yaml::{Duplicates, Node, Schema};

use crate::envsubst;
use crate::object;

/// The label or annotation that opts an object out of substitution.
pub const SUBSTITUTE_KEY: &str = "kustomize.toolkit.fluxcd.io/substitute";

/// Post-build variables, later sources winning, newlines already removed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Variables {
    vars: BTreeMap<String, String>,
}

impl Variables {
    /// No variables.
    pub fn new() -> Self {
        Variables::default()
    }

    /// Sets a variable; newlines are removed from the value, as Flux removes them.
    pub fn set(&mut self, name: &str, value: &str) {
        self.vars.insert(name.to_string(), value.replace('\n', ""));
    }

    /// Whether there is no variable at all (then Flux leaves objects untouched).
    pub fn is_empty(&self) -> bool {
        self.vars.is_empty()
    }

    /// A variable's value.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// The first variable name that Flux refuses (`^[_[:alpha:]][_[:alpha:][:digit:]]*$`).
    pub fn invalid_name(&self) -> Option<&str> {
        self.vars
            .keys()
            .find(|k| {
                let mut chars = k.chars();
                let first_ok = chars
                    .next()
                    .is_some_and(|c| c == '_' || c.is_ascii_alphabetic());
                !(first_ok && chars.all(|c| c == '_' || c.is_ascii_alphanumeric()))
            })
            .map(String::as_str)
    }
}

/// Whether `obj` opted out of substitution by label or annotation.
pub fn is_disabled(obj: &Node) -> bool {
    object::label(obj, SUBSTITUTE_KEY) == Some("disabled")
        || object::annotation(obj, SUBSTITUTE_KEY) == Some("disabled")
}

/// Why substitution failed for one object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SubstituteError {
    /// The expression syntax is wrong (`variable substitution failed: …`).
    Parse(envsubst::ParseError),
    /// The substituted text is not YAML any more.
    Yaml(String),
}

/// Substitutes `vars` into `obj`, returning the new object.
pub fn substitute(obj: &Node, vars: &Variables) -> Result<Node, SubstituteError> {
    substitute_reporting_unset(obj, vars).map(|(node, _)| node)
}

/// [`substitute`], also naming the variables the object uses without a default that
/// are not set (they became empty, as in Flux unless its strict mode is on).
pub fn substitute_reporting_unset(
    obj: &Node,
    vars: &Variables,
) -> Result<(Node, Vec<String>), SubstituteError> {
    let text = kubake_yaml::to_yaml(obj);
    let (out, unset) =
        envsubst::eval_reporting_unset(&text, &|name| vars.get(name).map(str::to_string))
            .map_err(SubstituteError::Parse)?;
    if out == text {
        return Ok((obj.clone(), unset));
    }
    let docs = kubake_yaml::load_stream_with(&out, Schema::Yaml11, Duplicates::LastWins)
        .map_err(|e| SubstituteError::Yaml(e.message))?;
    let doc = docs.into_iter().find(|d| !d.is_null());
    match doc {
        Some(mut d) if d.as_map().is_some() => {
            // Positions of the re-read text are in no file: keep the original's.
            d.take_positions_from(obj);
            Ok((d, unset))
        }
        Some(_) => Err(SubstituteError::Yaml(
            "the substituted text is not an object any more".into(),
        )),
        None => Err(SubstituteError::Yaml(
            "the substituted text is empty".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubake_yaml::load_one;

    fn obj(text: &str) -> Node {
        load_one(text, Schema::Core12).unwrap_or_else(|_| Node::null())
    }

    fn vars(pairs: &[(&str, &str)]) -> Variables {
        let mut v = Variables::new();
        for (k, val) in pairs {
            v.set(k, val);
        }
        v
    }

    #[test]
    fn quotes_are_gone_before_substitution() {
        let o = obj("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  n: \"${N}\"\n  c: \"${C}\"\n");
        let out = substitute(&o, &vars(&[("N", "3"), ("C", "#alerts\n")]));
        let out = out.unwrap_or_else(|_| Node::null());
        assert_eq!(
            out.get_path(&["data", "n"]).map(|n| n.value.clone()),
            Some(kubake_yaml::Value::Int(3))
        );
        assert!(out.get_path(&["data", "c"]).is_some_and(Node::is_null));
    }

    #[test]
    fn escapes_and_defaults() {
        let o = obj("kind: X\nmetadata: {name: a}\nspec: {a: \"$${DS}\", b: \"${M:=eth0}\", c: \"${UNSET}x\"}\n");
        let out = substitute(&o, &vars(&[("Z", "1")])).unwrap_or_else(|_| Node::null());
        assert_eq!(out.str_at(&["spec", "a"]), Some("${DS}"));
        assert_eq!(out.str_at(&["spec", "b"]), Some("eth0"));
        assert_eq!(out.str_at(&["spec", "c"]), Some("x"));
    }

    #[test]
    fn names_are_validated() {
        assert_eq!(
            vars(&[("OK_1", ""), ("1BAD", "")]).invalid_name(),
            Some("1BAD")
        );
        assert_eq!(vars(&[("_a", "")]).invalid_name(), None);
    }

    #[test]
    fn opt_out() {
        let o = obj("metadata:\n  name: a\n  annotations: {kustomize.toolkit.fluxcd.io/substitute: disabled}\n");
        assert!(is_disabled(&o));
    }
}
