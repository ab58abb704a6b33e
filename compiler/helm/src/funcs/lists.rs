//! Sprig's list functions: `list`/`tuple`, `append`/`push`, `prepend`, `first`, `rest`,
//! `last`, `initial`, `reverse`, `uniq`, `without`, `has`, `compact`, `slice`, `concat`,
//! `chunk` (each with its `must` twin), `until`, `untilStep`, `seq`.
//!
//! Sprig works on any slice through reflection and returns new `[]interface {}` slices
//! (lists are never mutated). The non-`must` variants panic where the `must` variants
//! return an error; both reach the template as `error calling NAME: MSG`, so they share
//! one implementation here. A nil list is Go's nil-pointer panic, as in Sprig.

use kubake_gotmpl::{FuncError, FuncMap, GoType, List, Value};

use super::conv::{deep_equal, int_list, is_empty, list_arg, to_int64, ListArgError, NIL_DEREF};
use super::{int_at, reg, reg_var};
use crate::objects::VersionSet;

/// Longest list `until`/`untilStep`/`seq` build; Go would try to allocate any size.
const MAX_RANGE: u64 = 1 << 24;

fn items(v: &Value, what: &str) -> Result<List, FuncError> {
    list_arg(v).map_err(|e| match e {
        ListArgError::Nil => FuncError::new(NIL_DEREF),
        ListArgError::Kind(k) => FuncError::new(format!("Cannot {what} on type {k}")),
    })
}

fn new_list(items: Vec<Value>) -> Value {
    Value::List(List::new(items))
}

/// Sprig's `untilStep start stop step`.
pub fn until_step(start: i64, stop: i64, step: i64) -> Result<Vec<i64>, FuncError> {
    let count = if stop < start {
        if step >= 0 {
            return Ok(Vec::new());
        }
        (start as i128 - stop as i128 - step as i128 - 1) / -(step as i128)
    } else {
        if step <= 0 {
            return Ok(Vec::new());
        }
        (stop as i128 - start as i128 + step as i128 - 1) / step as i128
    };
    if count > i128::from(MAX_RANGE) {
        return Err(FuncError::new(format!(
            "range of {count} numbers is too long"
        )));
    }
    Ok((0..count as i64)
        .map(|i| start.wrapping_add(i.wrapping_mul(step)))
        .collect())
}

/// Sprig's `seq`: like Unix `seq`, joined by spaces.
pub fn seq(params: &[i64]) -> Result<String, FuncError> {
    let list = match *params {
        [end] => {
            let inc = if end < 1 { -1 } else { 1 };
            until_step(1, end.wrapping_add(inc), inc)?
        }
        [start, end] => {
            let step = if end < start { -1 } else { 1 };
            until_step(start, end.wrapping_add(step), step)?
        }
        [start, step, end] => {
            let inc = if end < start {
                if step > 0 {
                    return Ok(String::new());
                }
                -1
            } else {
                1
            };
            until_step(start, end.wrapping_add(inc), step)?
        }
        _ => return Ok(String::new()),
    };
    Ok(list
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(" "))
}

/// Sprig's `chunk size list`.
fn chunk(size: i64, list: &List) -> Result<Value, FuncError> {
    if size <= 0 {
        // Go computes a negative or infinite chunk count and `make` panics.
        return Err(FuncError::new("runtime error: makeslice: len out of range"));
    }
    let chunks: Vec<Value> = list
        .items()
        .chunks(size as usize)
        .map(|c| new_list(c.to_vec()))
        .collect();
    Ok(Value::List(List::typed(
        GoType::slice(GoType::Interface),
        chunks,
    )))
}

fn slice_list(list: &List, indices: &[Value]) -> Result<Value, FuncError> {
    let l = list.len() as i64;
    if l == 0 {
        return Ok(Value::Nil);
    }
    let start = indices.first().map_or(0, to_int64);
    let end = if indices.len() < 2 {
        l
    } else {
        to_int64(&indices[1])
    };
    if start < 0 || end < start || end > l {
        return Err(FuncError::new(
            "reflect.Value.Slice: slice index out of bounds",
        ));
    }
    Ok(Value::List(List::typed(
        list.elem().clone(),
        list.items()[start as usize..end as usize].to_vec(),
    )))
}

pub(crate) fn register(map: &mut FuncMap) {
    use GoType::Interface as I;
    for name in ["list", "tuple"] {
        reg_var(map, name, [], I, |_, a| Ok(new_list(a.to_vec())));
    }
    for name in ["append", "push", "mustAppend", "mustPush"] {
        reg(map, name, [I, I], |_, a| {
            let mut v = items(&a[0], "push")?.items().to_vec();
            v.push(a[1].clone());
            Ok(new_list(v))
        });
    }
    for name in ["prepend", "mustPrepend"] {
        reg(map, name, [I, I], |_, a| {
            let mut v = vec![a[1].clone()];
            v.extend(items(&a[0], "prepend")?.items().iter().cloned());
            Ok(new_list(v))
        });
    }
    for name in ["first", "mustFirst"] {
        reg(map, name, [I], |_, a| {
            Ok(items(&a[0], "find first")?
                .get(0)
                .cloned()
                .unwrap_or(Value::Nil))
        });
    }
    for name in ["last", "mustLast"] {
        reg(map, name, [I], |_, a| {
            Ok(items(&a[0], "find last")?
                .items()
                .last()
                .cloned()
                .unwrap_or(Value::Nil))
        });
    }
    for name in ["rest", "mustRest"] {
        reg(map, name, [I], |_, a| {
            let l = items(&a[0], "find rest")?;
            Ok(new_list(l.items().iter().skip(1).cloned().collect()))
        });
    }
    for name in ["initial", "mustInitial"] {
        reg(map, name, [I], |_, a| {
            let l = items(&a[0], "find initial")?;
            let n = l.len().saturating_sub(1);
            Ok(new_list(l.items()[..n].to_vec()))
        });
    }
    for name in ["reverse", "mustReverse"] {
        reg(map, name, [I], |_, a| {
            let l = items(&a[0], "find reverse")?;
            Ok(new_list(l.items().iter().rev().cloned().collect()))
        });
    }
    for name in ["uniq", "mustUniq"] {
        reg(map, name, [I], |_, a| {
            let mut out: Vec<Value> = Vec::new();
            for item in items(&a[0], "find uniq")?.items() {
                if !out.iter().any(|o| deep_equal(item, o)) {
                    out.push(item.clone());
                }
            }
            Ok(new_list(out))
        });
    }
    for name in ["without", "mustWithout"] {
        reg_var(map, name, [I], I, |_, a| {
            let omit = &a[1..];
            let l = items(&a[0], "find without")?;
            Ok(new_list(
                l.items()
                    .iter()
                    .filter(|item| !omit.iter().any(|o| deep_equal(item, o)))
                    .cloned()
                    .collect(),
            ))
        });
    }
    for name in ["has", "mustHas"] {
        reg(map, name, [I, I], |_, a| {
            if a[1].is_nil() {
                return Ok(Value::Bool(false));
            }
            if let Some(set) = a[1]
                .as_object()
                .and_then(|o| o.as_any().downcast_ref::<VersionSet>())
            {
                // The set holds strings only: anything else is in it by no answer.
                return Ok(Value::Bool(
                    a[0].as_str().is_some_and(|v| set.has_observed(v)),
                ));
            }
            let l = items(&a[1], "find has")?;
            Ok(Value::Bool(l.items().iter().any(|x| deep_equal(&a[0], x))))
        });
    }
    for name in ["compact", "mustCompact"] {
        reg(map, name, [I], |_, a| {
            let l = items(&a[0], "compact")?;
            Ok(new_list(
                l.items().iter().filter(|x| !is_empty(x)).cloned().collect(),
            ))
        });
    }
    for name in ["slice", "mustSlice"] {
        reg_var(map, name, [I], I, |_, a| {
            let l = list_arg(&a[0]).map_err(|e| match e {
                ListArgError::Nil => FuncError::new(NIL_DEREF),
                ListArgError::Kind(k) => {
                    FuncError::new(format!("list should be type of slice or array but {k}"))
                }
            })?;
            slice_list(&l, &a[1..])
        });
    }
    reg_var(map, "concat", [], I, |_, a| {
        let mut out = Vec::new();
        for v in a {
            let l = list_arg(v).map_err(|e| match e {
                ListArgError::Nil => FuncError::new(NIL_DEREF),
                ListArgError::Kind(k) => FuncError::new(format!("Cannot concat type {k} as list")),
            })?;
            out.extend(l.items().iter().cloned());
        }
        Ok(new_list(out))
    });
    for name in ["chunk", "mustChunk"] {
        reg(map, name, [GoType::INT, I], |_, a| {
            chunk(int_at(a, 0), &items(&a[1], "chunk")?)
        });
    }
    reg(map, "until", [GoType::INT], |_, a| {
        let n = int_at(a, 0);
        Ok(Value::List(int_list(until_step(
            0,
            n,
            if n < 0 { -1 } else { 1 },
        )?)))
    });
    reg(
        map,
        "untilStep",
        [GoType::INT, GoType::INT, GoType::INT],
        |_, a| {
            Ok(Value::List(int_list(until_step(
                int_at(a, 0),
                int_at(a, 1),
                int_at(a, 2),
            )?)))
        },
    );
    reg_var(map, "seq", [], GoType::INT, |_, a| {
        let p: Vec<i64> = a.iter().filter_map(Value::as_i64).collect();
        seq(&p).map(Value::from)
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(until_step(0, 5, 2).ok(), Some(vec![0, 2, 4]));
        assert_eq!(until_step(5, 0, -2).ok(), Some(vec![5, 3, 1]));
        assert_eq!(until_step(0, 5, -1).ok(), Some(vec![]));
        assert_eq!(seq(&[3]).ok().as_deref(), Some("1 2 3"));
        assert_eq!(seq(&[0]).ok().as_deref(), Some("1 0"));
        assert_eq!(seq(&[2, 5]).ok().as_deref(), Some("2 3 4 5"));
        assert_eq!(seq(&[5, 2]).ok().as_deref(), Some("5 4 3 2"));
        assert_eq!(seq(&[0, 2, 6]).ok().as_deref(), Some("0 2 4 6"));
        assert_eq!(seq(&[6, -2, 0]).ok().as_deref(), Some("6 4 2 0"));
        assert_eq!(seq(&[6, 2, 0]).ok().as_deref(), Some(""));
        assert!(until_step(0, i64::MAX, 1).is_err());
    }

    #[test]
    fn chunks() {
        let l = List::new((1..=5).map(Value::int).collect());
        let c = chunk(2, &l).map(|v| v.to_string()).ok();
        assert_eq!(c.as_deref(), Some("[[1 2] [3 4] [5]]"));
    }
}
