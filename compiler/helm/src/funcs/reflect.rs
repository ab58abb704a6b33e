//! Sprig's reflection functions: `typeOf` (Go's `%T`), `typeIs`, `typeIsLike`, `kindOf`,
//! `kindIs`, `deepEqual`.
//!
//! Type names come from gotmpl's value model, so they are Go's spellings
//! (`[]interface {}`, `map[string]interface {}`, `chartutil.Values`, `<nil>`).

use kubake_gotmpl::{FuncMap, GoType, Value};

use super::conv::{deep_equal, kind_name};
use super::{reg, str_at};

pub(crate) fn register(map: &mut FuncMap) {
    use GoType::{Interface as I, String as S};
    reg(map, "typeOf", [I], |_, a| Ok(Value::from(a[0].type_name())));
    reg(map, "typeIs", [S, I], |_, a| {
        Ok(Value::Bool(str_at(a, 0) == a[1].type_name()))
    });
    reg(map, "typeIsLike", [S, I], |_, a| {
        let t = a[1].type_name();
        let target = str_at(a, 0);
        Ok(Value::Bool(target == t || format!("*{target}") == t))
    });
    reg(map, "kindOf", [I], |_, a| Ok(Value::from(kind_name(&a[0]))));
    reg(map, "kindIs", [S, I], |_, a| {
        Ok(Value::Bool(str_at(a, 0) == kind_name(&a[1])))
    });
    reg(map, "deepEqual", [I, I], |_, a| {
        Ok(Value::Bool(deep_equal(&a[0], &a[1])))
    });
}
