//! Sprig's "defaults" family: `default`, `empty`, `coalesce`, `all`, `any`, `ternary`,
//! and Sprig's JSON functions `toPrettyJson`, `toRawJson`, `mustFromJson`,
//! `mustToPrettyJson`, `mustToRawJson` (Helm replaces `toJson`, `fromJson` and
//! `mustToJson` with its own; see `helm`).
//!
//! Emptiness is Sprig's `empty`: nil, zero numbers, `false`, and empty strings, lists
//! and maps; the string `"0"` is not empty.

use kubake_gotmpl::{FuncError, FuncMap, GoType, Value};

use super::conv::is_empty;
use super::json::{marshal, unmarshal, JsonStyle, Target};
use super::{bool_at, reg, reg_var, str_at};

pub(crate) fn register(map: &mut FuncMap) {
    use GoType::Interface as I;
    reg_var(map, "default", [I], I, |_, a| {
        Ok(match a.get(1) {
            Some(given) if !is_empty(given) => given.clone(),
            _ => a[0].clone(),
        })
    });
    reg(map, "empty", [I], |_, a| Ok(Value::Bool(is_empty(&a[0]))));
    reg_var(map, "coalesce", [], I, |_, a| {
        Ok(a.iter()
            .find(|v| !is_empty(v))
            .cloned()
            .unwrap_or(Value::Nil))
    });
    reg_var(map, "all", [], I, |_, a| {
        Ok(Value::Bool(a.iter().all(|v| !is_empty(v))))
    });
    reg_var(map, "any", [], I, |_, a| {
        Ok(Value::Bool(a.iter().any(|v| !is_empty(v))))
    });
    reg(map, "ternary", [I, I, GoType::Bool], |_, a| {
        Ok(if bool_at(a, 2) {
            a[0].clone()
        } else {
            a[1].clone()
        })
    });
    let pretty = JsonStyle {
        escape_html: true,
        indent: true,
    };
    let raw = JsonStyle {
        escape_html: false,
        indent: false,
    };
    reg(map, "toPrettyJson", [I], move |_, a| {
        Ok(Value::from(marshal(&a[0], pretty).unwrap_or_default()))
    });
    reg(map, "mustToPrettyJson", [I], move |_, a| {
        marshal(&a[0], pretty)
            .map(Value::from)
            .map_err(FuncError::new)
    });
    reg(map, "toRawJson", [I], move |_, a| {
        Ok(Value::from(marshal(&a[0], raw).unwrap_or_default()))
    });
    reg(map, "mustToRawJson", [I], move |_, a| {
        marshal(&a[0], raw).map(Value::from).map_err(FuncError::new)
    });
    reg(map, "mustFromJson", [GoType::String], |_, a| {
        unmarshal(str_at(a, 0), Target::Any).map_err(FuncError::new)
    });
}
