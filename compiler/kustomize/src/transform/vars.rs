//! `vars`: `$(NAME)` references in fields listed by the varReference field specs,
//! replaced by a value read from another object (kustomize's legacy variables). Runs
//! once per build, after name references are fixed.

use kubake_yaml::{Node, Value};

use crate::config::TransformerConfig;
use crate::error::{Error, Result};
use crate::fieldspec::{self, Create};
use crate::kustfile::VarArgs;
use crate::resmap::ResMap;
use crate::resource::{Gvk, ResId};

/// The resource a var's objref names among `resmap` (by any of its ids), if exactly one.
pub fn bind(resmap: &ResMap, v: &VarArgs) -> Result<Option<usize>> {
    let gvk = Gvk::from_api_version(&v.obj_api_version, &v.obj_kind);
    let matched: Vec<usize> = resmap
        .resources()
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            let mut ids: Vec<ResId> = r.prev_ids.clone();
            ids.push(r.cur_id());
            ids.iter()
                .any(|id| id.name == v.obj_name && id.gvk.is_selected_by(&gvk))
        })
        .map(|(i, _)| i)
        .collect();
    if matched.len() > 1 {
        return Err(Error::new(format!(
            "found {} resId matches for var {} (unable to disambiguate)",
            matched.len(),
            v.name
        )));
    }
    Ok(matched.first().copied())
}

/// Resolves every var from the resource it was bound to, and substitutes it.
pub fn apply(resmap: &mut ResMap, vars: &[VarArgs], config: &TransformerConfig) -> Result<()> {
    if vars.is_empty() {
        return Ok(());
    }
    let mut values: Vec<(String, Value)> = Vec::new();
    for v in vars {
        let Some(res) = resmap
            .resources()
            .iter()
            .find(|r| r.ref_var_names.contains(&v.name))
        else {
            return Err(Error::new(format!(
                "var '{}' cannot be mapped to a field in the set of known resources",
                v.name
            ))
            .with_help("the var's objref must name a resource in this build"));
        };
        let value = field_value(&res.node, &v.field_path).ok_or_else(|| {
            Error::new(format!(
                "field specified in var '{}' not found in corresponding resource",
                v.name
            ))
        })?;
        values.push((v.name.clone(), value));
    }
    for res in resmap.resources_mut() {
        for spec in &config.var_reference {
            fieldspec::apply(&mut res.node, spec, Create::Never, &mut |n| {
                substitute(n, &values);
                Ok(())
            })?;
        }
    }
    Ok(())
}

/// Reads `a.b[0].c` style paths.
fn field_value(node: &Node, path: &str) -> Option<Value> {
    let mut cur = node;
    for part in path.split('.') {
        let (key, indexes) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            cur = cur.get(key)?;
        }
        for idx in indexes.split('[').filter(|s| !s.is_empty()) {
            let n: usize = idx.trim_end_matches(']').parse().ok()?;
            cur = cur.as_seq()?.get(n)?;
        }
    }
    match &cur.value {
        Value::Seq(_) | Value::Map(_) => None,
        v => Some(v.clone()),
    }
}

fn substitute(n: &mut Node, values: &[(String, Value)]) {
    match &mut n.value {
        Value::Str(s) => {
            if let Some(v) = expand(s, values) {
                n.value = v;
            }
        }
        Value::Map(m) => {
            for (_, v) in m.iter_mut() {
                if let Value::Str(s) = &v.value {
                    if let Some(new) = expand(s, values) {
                        v.value = new;
                    }
                }
            }
        }
        Value::Seq(items) => {
            for v in items {
                if let Value::Str(s) = &v.value {
                    if let Some(new) = expand(s, values) {
                        v.value = new;
                    }
                }
            }
        }
        _ => {}
    }
}

fn text_of(v: &Value) -> String {
    Node::new(v.clone()).scalar_text().unwrap_or_default()
}

/// Kubernetes' `$(VAR)` expansion: `$$` escapes, unknown names stay as written, and a
/// string that is exactly one reference takes the value's type. `None` when unchanged.
pub fn expand(input: &str, values: &[(String, Value)]) -> Option<Value> {
    if !input.contains('$') {
        return None;
    }
    let lookup = |name: &str| values.iter().find(|(k, _)| k == name).map(|(_, v)| v);
    let b = input.as_bytes();
    let mut out = String::new();
    let (mut checkpoint, mut cursor) = (0, 0);
    while cursor < b.len() {
        if b[cursor] == b'$' && cursor + 1 < b.len() {
            out.push_str(&input[checkpoint..cursor]);
            let rest = &input[cursor + 1..];
            let advance = match rest.as_bytes()[0] {
                b'$' => {
                    out.push('$');
                    1
                }
                b'(' => match rest.find(')') {
                    Some(end) => {
                        let name = &rest[1..end];
                        match lookup(name) {
                            Some(v) if input.len() == name.len() + 3 => return Some(v.clone()),
                            Some(v) => out.push_str(&text_of(v)),
                            None => {
                                out.push_str("$(");
                                out.push_str(name);
                                out.push(')');
                            }
                        }
                        end + 1
                    }
                    None => {
                        out.push_str("$(");
                        1
                    }
                },
                _ => {
                    let c = rest.chars().next().unwrap_or_default();
                    out.push('$');
                    out.push(c);
                    c.len_utf8()
                }
            };
            cursor += advance;
            checkpoint = cursor + 1;
        }
        cursor += 1;
    }
    out.push_str(input.get(checkpoint..).unwrap_or(""));
    (out != input).then_some(Value::Str(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expansion_follows_kubernetes_rules() {
        let vals = vec![
            ("A".to_string(), Value::Str("x".into())),
            ("N".to_string(), Value::Int(3)),
        ];
        assert_eq!(expand("$(A)-y", &vals), Some(Value::Str("x-y".into())));
        assert_eq!(expand("$(N)", &vals), Some(Value::Int(3)));
        assert_eq!(expand("n=$(N)", &vals), Some(Value::Str("n=3".into())));
        assert_eq!(expand("$$(A)", &vals), Some(Value::Str("$(A)".into())));
        assert_eq!(expand("$(B)", &vals), None);
        assert_eq!(expand("plain", &vals), None);
    }
}
