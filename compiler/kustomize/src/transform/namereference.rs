//! Name references: after prefixes, suffixes, namespaces and hashes have renamed objects,
//! rewrite every field that refers to an object by name (a Deployment's `configMapRef`,
//! a RoleBinding's `roleRef`, …) to the object's final name. Runs once per build.
//!
//! The referral is chosen as kustomize's `selectReferral` does: candidates whose earlier
//! names match, of the referenced kind, in a namespace the referrer can see; ties broken
//! by matching prefixes and suffixes.

use std::collections::HashMap;

use kubake_yaml::{Node, Value};

use crate::config::TransformerConfig;
use crate::error::{Error, Result};
use crate::fieldspec::{self, Create, FieldSpec};
use crate::resmap::ResMap;
use crate::resource::{Gvk, ResId, Resource};
use crate::transform::sort::KindRanking;

/// What the filter needs to know of each possible referral.
#[derive(Clone, Debug)]
struct Candidate {
    cur: ResId,
    prev: Vec<ResId>,
    prefixes: Vec<String>,
    suffixes: Vec<String>,
}

impl Candidate {
    fn of(r: &Resource) -> Self {
        Candidate {
            cur: r.cur_id(),
            prev: r.prev_ids.clone(),
            prefixes: r.prefixes.clone(),
            suffixes: r.suffixes.clone(),
        }
    }
}

/// Rewrites name references in every resource.
pub fn apply(resmap: &mut ResMap, config: &TransformerConfig) -> Result<()> {
    let ranking = KindRanking::default();
    let mut backrefs = config.name_reference.clone();
    backrefs.sort_by(|a, b| ranking.compare_gvk(&a.gvk, &b.gvk));
    let all: Vec<Candidate> = resmap.resources().iter().map(Candidate::of).collect();
    // A referral must have had the referenced name at some point, so candidates are
    // looked up by earlier names rather than scanned: builds stay linear in size.
    let mut by_prev_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, c) in all.iter().enumerate() {
        let mut names: Vec<&str> = c.prev.iter().map(|p| p.name.as_str()).collect();
        names.dedup();
        for name in names {
            by_prev_name.entry(name).or_default().push(i);
        }
    }
    for (i, res) in resmap.resources_mut().iter_mut().enumerate() {
        // The referrer's current kind decides which of its fields are references: a
        // JSON patch may have changed the kind, and the walker checks the current kind.
        let gvk = res.gvk();
        let referrer = &all[i];
        let mut visibility: Option<Visibility> = None;
        for back in &backrefs {
            for spec in &back.referrers {
                if !gvk.is_selected_by(&spec.gvk) {
                    continue;
                }
                if visibility.is_none() {
                    visibility = Some(Visibility::of(&referrer.cur, &res.node)?);
                }
                let Some(visibility) = visibility.as_ref() else {
                    continue;
                };
                let ctx = Ctx {
                    referrer,
                    target: &back.gvk,
                    role_ref: role_ref_gvk(&res.node, spec),
                    all: &all,
                    by_prev_name: &by_prev_name,
                    visibility,
                };
                let result =
                    fieldspec::apply(&mut res.node, spec, Create::Never, &mut |n| ctx.set(n));
                result.map_err(|e| {
                    Error::new(format!(
                        "updating name reference in '{}' field of '{}': {}",
                        spec.path, referrer.cur, e.message
                    ))
                })?;
            }
        }
    }
    Ok(())
}

/// Which objects a referrer can refer to: kustomize's
/// `SubsetThatCouldBeReferencedByResource`, as a test on each candidate.
struct Visibility {
    referrer: ResId,
    /// Namespaces of a RoleBinding's ServiceAccount subjects.
    binding_namespaces: Vec<String>,
}

impl Visibility {
    fn of(referrer: &ResId, node: &Node) -> Result<Visibility> {
        let mut binding_namespaces: Vec<String> = Vec::new();
        if referrer.gvk.kind == "RoleBinding" && !referrer.gvk.is_cluster_scoped() {
            for s in node
                .get("subjects")
                .and_then(Node::as_seq)
                .into_iter()
                .flatten()
            {
                let Some(ns) = s.get("namespace") else {
                    continue;
                };
                if s.str_at(&["kind"]) != Some("ServiceAccount") {
                    continue;
                }
                match ns.as_str() {
                    Some(ns) => binding_namespaces.push(ns.to_string()),
                    None => {
                        return Err(Error::new(format!(
                            "Invalid Input: namespace is blank for resource \"{referrer}\""
                        ))
                        .with_help("give the ServiceAccount subject a namespace, or remove the empty `namespace:` key"))
                    }
                }
            }
        }
        Ok(Visibility {
            referrer: referrer.clone(),
            binding_namespaces,
        })
    }

    fn sees(&self, c: &Candidate) -> bool {
        self.referrer.gvk.is_cluster_scoped()
            || c.cur.gvk.is_cluster_scoped()
            || c.cur.ns_equals(&self.referrer)
            || self.binding_namespaces.contains(&c.cur.namespace)
    }
}

fn role_ref_gvk(node: &Node, spec: &FieldSpec) -> Option<Option<Gvk>> {
    if !spec.path.ends_with("roleRef/name") {
        return None;
    }
    let role_ref = node.get("roleRef");
    let group = role_ref.and_then(|r| r.str_at(&["apiGroup"]));
    let kind = role_ref.and_then(|r| r.str_at(&["kind"]));
    Some(match (group, kind) {
        (Some(g), Some(k)) => Some(Gvk {
            group: g.to_string(),
            version: String::new(),
            kind: k.to_string(),
        }),
        _ => None,
    })
}

struct Ctx<'a> {
    referrer: &'a Candidate,
    target: &'a Gvk,
    role_ref: Option<Option<Gvk>>,
    all: &'a [Candidate],
    by_prev_name: &'a HashMap<&'a str, Vec<usize>>,
    visibility: &'a Visibility,
}

fn same_ending(a: &[String], b: &[String]) -> bool {
    if a.is_empty() && b.is_empty() {
        return true;
    }
    if a.is_empty() || b.is_empty() {
        return false;
    }
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    long[long.len() - short.len()..] == *short
}

impl<'a> Ctx<'a> {
    /// Visible candidates that once had the name `old`.
    fn named(&self, old: &str) -> impl Iterator<Item = &'a Candidate> + '_ {
        self.by_prev_name
            .get(old)
            .into_iter()
            .flatten()
            .map(|&i| &self.all[i])
            .filter(|c| self.visibility.sees(c))
    }

    fn set(&self, n: &mut Node) -> Result<(), String> {
        match &mut n.value {
            Value::Null => Ok(()),
            Value::Str(_) => self.set_scalar(n),
            Value::Map(_) => self.set_mapping(n),
            Value::Seq(items) => {
                for item in items {
                    match item.value {
                        Value::Str(_) => self.set_scalar(item)?,
                        Value::Map(_) => self.set_mapping(item)?,
                        _ => {}
                    }
                }
                Ok(())
            }
            _ => Err("node must be a scalar, sequence or map".into()),
        }
    }

    fn set_scalar(&self, n: &mut Node) -> Result<(), String> {
        let Some(old) = n.as_str().map(str::to_string) else {
            return Ok(());
        };
        let candidates: Vec<&Candidate> = self.named(&old).collect();
        if let Some(r) = self.select(&old, &candidates, false)? {
            if r.cur.name != old {
                n.value = Value::Str(r.cur.name.clone());
            }
        }
        Ok(())
    }

    fn set_mapping(&self, n: &mut Node) -> Result<(), String> {
        let map = n.as_map_mut().ok_or("expect a mapping node")?;
        let old = map
            .get("name")
            .and_then(Node::as_str)
            .ok_or("path config error; no 'name' field in node")?
            .to_string();
        let ns = map
            .get("namespace")
            .and_then(Node::as_str)
            .map(str::to_string);
        let scoped: Vec<&Candidate> = match &ns {
            None => self.named(&old).collect(),
            Some(ns) => {
                let eff = |s: &str| {
                    if s.is_empty() {
                        "default".to_string()
                    } else {
                        s.to_string()
                    }
                };
                let in_org_ns = |c: &Candidate| {
                    let org = c.prev.first().unwrap_or(&c.cur);
                    eff(&org.namespace) == eff(ns)
                };
                // kustomize narrows the whole visible set by original namespace, falling
                // back to the current namespace only when nothing was originally there.
                let any_in_org_ns = self
                    .all
                    .iter()
                    .any(|c| self.visibility.sees(c) && in_org_ns(c));
                if any_in_org_ns {
                    self.named(&old).filter(|c| in_org_ns(c)).collect()
                } else {
                    self.named(&old)
                        .filter(|c| eff(&c.cur.namespace) == eff(ns))
                        .collect()
                }
            }
        };
        let Some(r) = self.select(&old, &scoped, true)? else {
            return Ok(());
        };
        if r.cur.name == old && r.cur.namespace.is_empty() {
            return Ok(());
        }
        map.insert("name", Node::str(r.cur.name.clone()));
        if !r.cur.namespace.is_empty() {
            map.insert("namespace", Node::str(r.cur.namespace.clone()));
        }
        Ok(())
    }

    fn select<'c>(
        &self,
        old: &str,
        candidates: &[&'c Candidate],
        mapping: bool,
    ) -> Result<Option<&'c Candidate>, String> {
        let referrer = &self.referrer.cur;
        let mut c: Vec<&Candidate> = candidates
            .iter()
            .copied()
            .filter(|c| c.prev.iter().any(|p| p.name == old))
            .filter(|c| c.prev.iter().any(|p| p.gvk.is_selected_by(self.target)))
            .filter(|c| match &self.role_ref {
                Some(Some(g)) => c.prev.iter().any(|p| p.gvk.is_selected_by(g)),
                _ => true,
            })
            .filter(|c| {
                referrer.gvk.is_cluster_scoped()
                    || c.cur.gvk.is_cluster_scoped()
                    || c.cur.gvk.kind == "ServiceAccount"
                    || c.cur.ns_equals(referrer)
            })
            .collect();
        if c.len() == 1 {
            return Ok(Some(c[0]));
        }
        let me = self.referrer;
        let loose = |x: &&Candidate| {
            (me.prefixes.is_empty()
                || x.prefixes.is_empty()
                || same_ending(&me.prefixes, &x.prefixes))
                && (me.suffixes.is_empty()
                    || x.suffixes.is_empty()
                    || same_ending(&me.suffixes, &x.suffixes))
        };
        c.retain(loose);
        if c.len() > 1 {
            c.retain(|x| {
                same_ending(&me.prefixes, &x.prefixes) && same_ending(&me.suffixes, &x.suffixes)
            });
        }
        match c.len() {
            0 => Ok(None),
            1 => Ok(Some(c[0])),
            _ => {
                let first = &c[0].cur;
                let identical = c.iter().all(|x| {
                    x.cur.name == first.name && (!mapping || x.cur.namespace == first.namespace)
                });
                if identical {
                    return Ok(Some(c[0]));
                }
                let ids: Vec<String> = c.iter().map(|x| x.cur.to_string()).collect();
                Err(format!(
                    "found multiple possible referrals: {}",
                    ids.join(", ")
                ))
            }
        }
    }
}
