//! Helm's own template functions (engine/funcs.go and engine.go in Helm v3.17; its
//! `mustToYaml` and `mustToToml` came later and are not part of v3.17.2's map):
//! `include`, `tpl`, `required`, `fail` (Helm's override of Sprig's), `lookup`,
//! `toYaml`, `toYamlPretty`, `fromYaml`, `fromYamlArray`, `toJson`,
//! `mustToJson`, `fromJson`, `fromJsonArray`, `toToml`, `fromToml`.
//!
//! `fail` and `required` wrap their message in Helm's `HELM_ERR_START…HELM_ERR_END`
//! markers; the renderer finds them in the final error and rewrites it as Helm's
//! `execution error at (file:line:col): message` (see `render`). `include` enforces
//! Helm's nesting limit of 1000 per template name through the render environment.
//! `lookup` answers an empty map, as `helm template` does without a cluster.

use kubake_gotmpl::{ErrorKind, FuncError, FuncMap, GoType, Map, Value};

use super::json::{marshal, unmarshal, JsonStyle, Target};
use super::{reg, str_at, toml, yaml};
use crate::env::with_env;

/// Helm's marker around `fail`/`required` messages.
pub const ERR_START: &str = "HELM_ERR_START";
/// The closing marker.
pub const ERR_END: &str = "HELM_ERR_END";

/// Helm's `recursionMaxNums`.
const INCLUDE_LIMIT: usize = 1000;

/// Nested `tpl` calls allowed. Helm has no limit of its own (Go's 100 000 nested
/// templates, or the goroutine stack, stops it); but each level wraps the inner error
/// in its own text, so deep recursion builds quadratically large messages. Real
/// charts nest `tpl` a few levels.
const TPL_LIMIT: usize = 1000;

/// The key nested `tpl` calls are counted under (no template can have this name).
const TPL_KEY: &str = "\0tpl";

/// Go's `fmt.Sprintf(format)` with no arguments, which is what Helm's
/// `errors.Errorf(warnWrap(msg))` does to `required`'s message (`100%` becomes
/// `100%!(NOVERB)`).
pub fn sprintf_no_args(format: &str) -> String {
    kubake_gotmpl::fmt::sprintf(format, &[])
}

fn wrap(msg: &str) -> String {
    format!("{ERR_START}{msg}{ERR_END}")
}

/// The message between Helm's markers in an error text, if any.
pub fn marked_message(text: &str) -> Option<&str> {
    let start = text.find(ERR_START)? + ERR_START.len();
    let end = text.rfind(ERR_END)?;
    (end >= start).then(|| &text[start..end])
}

pub(crate) fn register(map: &mut FuncMap) {
    use GoType::{Interface as I, String as S};
    reg(map, "include", [S, I], |ctx, a| {
        let name = str_at(a, 0).to_string();
        if !with_env(ctx, |env| env.enter_include(&name, INCLUDE_LIMIT)) {
            return Err(FuncError::new(format!(
                "rendering template has a nested reference name: {name}: unable to execute template"
            )));
        }
        let result = ctx.execute_template(&name, a[1].clone());
        with_env(ctx, |env| env.leave_include(&name));
        Ok(Value::from(result?))
    });
    reg(map, "tpl", [S, I], |ctx, a| {
        let text = str_at(a, 0).to_string();
        if !with_env(ctx, |env| env.enter_include(TPL_KEY, TPL_LIMIT)) {
            return Err(FuncError::new(format!(
                "more than {TPL_LIMIT} nested tpl calls: unable to execute template"
            )));
        }
        let result = ctx.parse_and_execute("gotpl", &text, a[1].clone());
        with_env(ctx, |env| env.leave_include(TPL_KEY));
        let q = kubake_gotmpl::fmt::quote_go(&text);
        match result {
            Ok(out) => Ok(Value::from(out.replace("<no value>", ""))),
            Err(e) if e.kind() == ErrorKind::Syntax => {
                Err(FuncError::new(format!("cannot parse template {q}: {e}")))
            }
            Err(e) => Err(FuncError::new(format!(
                "error during tpl function execution for {q}: {e}"
            ))),
        }
    });
    reg(map, "required", [S, I], |_, a| match &a[1] {
        Value::Nil => Err(FuncError::new(sprintf_no_args(&wrap(str_at(a, 0))))),
        Value::String(s) if s.is_empty() => {
            Err(FuncError::new(sprintf_no_args(&wrap(str_at(a, 0)))))
        }
        v => Ok(v.clone()),
    });
    reg(map, "fail", [S], |_, a| {
        Err(FuncError::new(wrap(str_at(a, 0))))
    });
    reg(map, "lookup", [S, S, S, S], |_, _| {
        Ok(Value::Map(Map::new()))
    });
    reg(map, "toYaml", [I], |_, a| {
        Ok(Value::from(yaml::to_yaml(&a[0]).unwrap_or_default()))
    });
    reg(map, "toYamlPretty", [I], |_, a| {
        Ok(Value::from(yaml::to_yaml_pretty(&a[0]).unwrap_or_default()))
    });
    reg(map, "fromYaml", [S], |_, a| {
        Ok(yaml::from_yaml(str_at(a, 0)))
    });
    reg(map, "fromYamlArray", [S], |_, a| {
        Ok(yaml::from_yaml_array(str_at(a, 0)))
    });
    reg(map, "toJson", [I], |_, a| {
        Ok(Value::from(
            marshal(&a[0], JsonStyle::COMPACT).unwrap_or_default(),
        ))
    });
    reg(map, "mustToJson", [I], |_, a| {
        marshal(&a[0], JsonStyle::COMPACT)
            .map(Value::from)
            .map_err(FuncError::new)
    });
    reg(map, "fromJson", [S], |_, a| {
        Ok(match unmarshal(str_at(a, 0), Target::Map) {
            Ok(Value::Map(m)) => Value::Map(m),
            Ok(_) => Value::Map(Map::new()),
            Err(e) => Value::Map(Map::from_entries([("Error", Value::from(e))])),
        })
    });
    reg(map, "fromJsonArray", [S], |_, a| {
        Ok(match unmarshal(str_at(a, 0), Target::List) {
            Ok(Value::List(l)) => Value::List(l),
            Ok(_) => Value::List(kubake_gotmpl::List::new(vec![])),
            Err(e) => Value::List(kubake_gotmpl::List::new(vec![Value::from(e)])),
        })
    });
    reg(map, "toToml", [I], |_, a| {
        Ok(Value::from(toml::to_toml(&a[0])))
    });
    reg(map, "fromToml", [S], |_, a| {
        Ok(toml::from_toml(str_at(a, 0)))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_sprintf_without_arguments() {
        assert_eq!(sprintf_no_args("plain"), "plain");
        assert_eq!(sprintf_no_args("100%"), "100%!(NOVERB)");
        assert_eq!(
            sprintf_no_args("a %s b %5.2f %%"),
            "a %!s(MISSING) b %!f(MISSING) %"
        );
    }

    #[test]
    fn markers() {
        let text = format!(
            "template: a:1:2: executing \"a\" at <fail>: error calling fail: {}",
            wrap("boom\nx")
        );
        assert_eq!(marked_message(&text), Some("boom\nx"));
        assert_eq!(marked_message("no markers"), None);
    }
}
