//! Sprig's dictionary functions: `dict`, `get`, `set`, `unset`, `hasKey`, `pluck`,
//! `dig`, `keys`, `values`, `pick`, `omit`, `merge`/`mergeOverwrite` (+ `must`),
//! `deepCopy` (+ `must`).
//!
//! Go maps are shared references: `set`, `unset` and `merge` change the map they are
//! given, and every holder sees the change (gotmpl's `Map` is shared the same way).
//! `merge` follows `dario.cat/mergo` v1 as Sprig calls it, including its rules for
//! empty values: a destination value is replaced only when it is missing or empty
//! (`""`, `0`, `false`, nil, empty list or map), nested maps merge in place, lists
//! never merge, and a nil source value is skipped (unless overwriting).
//!
//! `keys` and `values` return Go's map iteration order, which is random in Go; here it
//! is sorted, one of the orders Go may produce, and deterministic.

use kubake_gotmpl::{FuncError, FuncMap, GoType, List, Map, Value};

use super::conv::{is_empty, strval};
use super::{reg, reg_var, str_at};

/// Deepest nesting `merge` and `deepCopy` follow (a map that contains itself, built with
/// `set`, would otherwise recurse forever; Go overflows its stack).
const MAX_DEPTH: usize = 1000;

/// `mergo.Merge(&dst, src)` (`overwrite` false) or `mergo.MergeWithOverwrite`.
pub fn merge_into(dst: &Map, src: &Map, overwrite: bool) {
    merge_at(dst, src, overwrite, 0);
}

fn merge_at(dst: &Map, src: &Map, overwrite: bool, depth: usize) {
    if depth > MAX_DEPTH || dst.ptr_eq(src) && !overwrite {
        return;
    }
    for (key, s) in src.entries() {
        if s.is_nil() {
            if overwrite {
                dst.insert(key, Value::Nil);
            }
            continue;
        }
        let d = dst.get(&key);
        if let (Value::Map(sm), Some(Value::Map(dm))) = (&s, &d) {
            merge_at(dm, sm, overwrite, depth + 1);
            if !dm.is_empty() {
                continue;
            }
        }
        let keep = d.as_ref().is_some_and(|d| !is_empty(d));
        if overwrite || !keep {
            dst.insert(key, s);
        }
    }
}

/// `copystructure.Copy`: maps and lists copied all the way down (map types kept).
pub fn deep_copy(v: &Value) -> Result<Value, FuncError> {
    if v.is_nil() {
        return Err(FuncError::new(
            "reflect: call of reflect.Value.Type on zero Value",
        ));
    }
    copy_at(v, 0)
}

fn copy_at(v: &Value, depth: usize) -> Result<Value, FuncError> {
    if depth > MAX_DEPTH {
        return Err(FuncError::new("deepCopy: structure is nested too deeply"));
    }
    Ok(match v {
        Value::List(l) => Value::List(List::typed(
            l.elem().clone(),
            l.items()
                .iter()
                .map(|x| copy_at(x, depth + 1))
                .collect::<Result<_, _>>()?,
        )),
        Value::Map(m) => {
            let out = Map::typed(m.type_name(), m.elem().clone());
            for (k, x) in m.entries() {
                out.insert(k, copy_at(&x, depth + 1)?);
            }
            Value::Map(out)
        }
        other => other.clone(),
    })
}

fn map_at(args: &[Value], i: usize) -> Map {
    args.get(i).and_then(Value::as_map).unwrap_or_default()
}

/// Go's message for a failed `x.(map[string]interface {})` type assertion.
fn not_a_dict(v: &Value) -> FuncError {
    let got = if v.is_nil() {
        "nil".to_string()
    } else {
        v.type_name()
    };
    FuncError::new(format!(
        "interface conversion: interface {{}} is {got}, not map[string]interface {{}}"
    ))
}

/// A plain `map[string]interface {}` (not a named map type such as `chartutil.Values`),
/// as Sprig's `dig` asserts.
fn plain_dict(v: &Value) -> Result<Map, FuncError> {
    match v {
        Value::Map(m) if m.type_name().is_none() && *m.elem() == GoType::Interface => Ok(m.clone()),
        other => Err(not_a_dict(other)),
    }
}

fn dig(args: &[Value]) -> Result<Value, FuncError> {
    if args.len() < 3 {
        return Err(FuncError::new("dig needs at least three arguments"));
    }
    let mut dict = plain_dict(&args[args.len() - 1])?;
    let default = args[args.len() - 2].clone();
    let mut keys = Vec::new();
    for k in &args[..args.len() - 2] {
        match k {
            Value::String(s) => keys.push(s.clone()),
            other => {
                let got = if other.is_nil() {
                    "nil".to_string()
                } else {
                    other.type_name()
                };
                return Err(FuncError::new(format!(
                    "interface conversion: interface {{}} is {got}, not string"
                )));
            }
        }
    }
    for (i, k) in keys.iter().enumerate() {
        if !dict.contains_key(k) {
            return Ok(default);
        }
        let step = dict.get(k).unwrap_or(Value::Nil);
        if i + 1 == keys.len() {
            return Ok(step);
        }
        dict = plain_dict(&step)?;
    }
    Ok(default)
}

pub(crate) fn register(map: &mut FuncMap) {
    use GoType::{Interface as I, String as S};
    let d = GoType::dict;
    reg_var(map, "dict", [], I, |_, a| {
        let m = Map::new();
        for pair in a.chunks(2) {
            let v = pair.get(1).cloned().unwrap_or_else(|| Value::from(""));
            m.insert(strval(&pair[0]), v);
        }
        Ok(Value::Map(m))
    });
    reg(map, "get", [d(), S], |_, a| {
        Ok(map_at(a, 0)
            .get(str_at(a, 1))
            .unwrap_or_else(|| Value::from("")))
    });
    reg(map, "set", [d(), S, I], |_, a| {
        let m = map_at(a, 0);
        m.insert(str_at(a, 1), a[2].clone());
        Ok(a[0].clone())
    });
    reg(map, "unset", [d(), S], |_, a| {
        map_at(a, 0).remove(str_at(a, 1));
        Ok(a[0].clone())
    });
    reg(map, "hasKey", [d(), S], |_, a| {
        Ok(Value::Bool(map_at(a, 0).contains_key(str_at(a, 1))))
    });
    reg_var(map, "pluck", [S], d(), |_, a| {
        let key = str_at(a, 0);
        let out = a[1..]
            .iter()
            .filter_map(|m| {
                m.as_map()
                    .filter(|m| m.contains_key(key))
                    .and_then(|m| m.get(key))
            })
            .collect();
        Ok(Value::List(List::new(out)))
    });
    reg_var(map, "keys", [], d(), |_, a| {
        let keys: Vec<String> = a
            .iter()
            .filter_map(Value::as_map)
            .flat_map(|m| m.keys().into_iter().map(|k| k.to_string()))
            .collect();
        Ok(Value::List(List::strings(keys)))
    });
    reg(map, "values", [d()], |_, a| {
        Ok(Value::List(List::new(
            map_at(a, 0).entries().into_iter().map(|(_, v)| v).collect(),
        )))
    });
    reg_var(map, "pick", [d()], S, |_, a| {
        let src = map_at(a, 0);
        let out = Map::new();
        for k in a[1..].iter().filter_map(Value::as_str) {
            if let Some(v) = src.contains_key(k).then(|| src.get(k)).flatten() {
                out.insert(k, v);
            }
        }
        Ok(Value::Map(out))
    });
    reg_var(map, "omit", [d()], S, |_, a| {
        let omit: Vec<&str> = a[1..].iter().filter_map(Value::as_str).collect();
        let out = Map::new();
        for (k, v) in map_at(a, 0).entries() {
            if !omit.contains(&&*k) {
                out.insert(k, v);
            }
        }
        Ok(Value::Map(out))
    });
    for (name, overwrite) in [
        ("merge", false),
        ("mustMerge", false),
        ("mergeOverwrite", true),
        ("mustMergeOverwrite", true),
    ] {
        reg_var(map, name, [d()], d(), move |_, a| {
            let dst = map_at(a, 0);
            for src in a[1..].iter().filter_map(Value::as_map) {
                merge_into(&dst, &src, overwrite);
            }
            Ok(a[0].clone())
        });
    }
    reg_var(map, "dig", [], I, |_, a| dig(a));
    for name in ["deepCopy", "mustDeepCopy"] {
        reg(map, name, [I], |_, a| deep_copy(&a[0]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(entries: &[(&str, Value)]) -> Map {
        Map::from_entries(entries.iter().map(|(k, v)| (*k, v.clone())))
    }

    #[test]
    fn merge_keeps_non_empty_destination_values() {
        let dst = m(&[
            ("a", Value::from("")),
            ("b", Value::int(0)),
            ("l", Value::List(List::new(vec![Value::int(1)]))),
        ]);
        let src = m(&[
            ("a", Value::from("x")),
            ("b", Value::int(5)),
            ("l", Value::List(List::new(vec![]))),
        ]);
        merge_into(&dst, &src, false);
        assert_eq!(Value::Map(dst).to_string(), "map[a:x b:5 l:[1]]");
    }

    #[test]
    fn merge_nested_maps_in_place() {
        let inner = m(&[("x", Value::int(1))]);
        let dst = m(&[("a", Value::Map(inner.clone()))]);
        let src = m(&[(
            "a",
            Value::Map(m(&[("x", Value::int(2)), ("y", Value::int(3))])),
        )]);
        merge_into(&dst, &src, false);
        assert_eq!(Value::Map(inner.clone()).to_string(), "map[x:1 y:3]");
        merge_into(&dst, &src, true);
        assert_eq!(Value::Map(inner).to_string(), "map[x:2 y:3]");
    }

    #[test]
    fn merge_overwrite_takes_empty_and_nil() {
        let dst = m(&[("a", Value::Bool(true)), ("n", Value::int(1))]);
        let src = m(&[("a", Value::Bool(false)), ("n", Value::Nil)]);
        merge_into(&dst, &src, true);
        assert_eq!(Value::Map(dst).to_string(), "map[a:false n:<nil>]");
        let dst = Map::new();
        merge_into(&dst, &m(&[("n", Value::Nil)]), false);
        assert!(dst.is_empty(), "merge skips nil sources");
    }

    #[test]
    fn dig_asserts_plain_maps() {
        let values = Map::typed(Some("chartutil.Values"), GoType::Interface);
        let err = dig(&[Value::from("a"), Value::from("d"), Value::Map(values)])
            .map(|v| v.to_string())
            .map_err(|e| e.to_string());
        assert_eq!(
            err,
            Err("interface conversion: interface {} is chartutil.Values, not map[string]interface {}".into())
        );
        let inner = m(&[("b", Value::from("deep"))]);
        let top = m(&[("a", Value::Map(inner))]);
        let got = dig(&[
            Value::from("a"),
            Value::from("b"),
            Value::from("d"),
            Value::Map(top),
        ]);
        assert_eq!(got.map(|v| v.to_string()).ok().as_deref(), Some("deep"));
    }
}
