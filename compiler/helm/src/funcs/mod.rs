//! Helm v3.17.2's template function map on top of kubake-gotmpl: all of Sprig v3.3.0
//! that Helm exposes (everything except `env` and `expandenv`) plus Helm's own
//! functions (`include`, `tpl`, `required`, `toYaml`, `fromYaml`, `toToml`, `lookup`...).
//!
//! [`func_map`] builds the whole map. Each submodule registers one family of
//! functions, with Go's exact signature (the engine checks arity and argument types
//! against it, so `{{ upper }}` fails with Go's `wrong number of args for upper: want 1
//! got 0`) and Sprig's behaviour, including its error texts and its quirks (a panic in a
//! Sprig function is Go's `error calling NAME: <panic text>`).
//!
//! The function bodies are kept apart from registration wherever the logic is more
//! than a line, so they can be unit-tested without an engine.
//!
//! Randomness and the clock come from the render environment (`crate::env`), never
//! from the operating system.

pub(crate) mod certs;
pub mod conv;
pub(crate) mod crypto;
pub(crate) mod dates;
pub(crate) mod decimal;
pub(crate) mod defaults;
pub(crate) mod dicts;
pub(crate) mod encoding;
pub(crate) mod helm;
pub mod json;
pub(crate) mod lists;
pub(crate) mod math;
pub(crate) mod paths;
pub(crate) mod primes;
pub(crate) mod random;
pub(crate) mod reflect;
pub mod regex;
pub(crate) mod rsa_keygen;
pub mod semver;
pub(crate) mod strings;
pub(crate) mod text;
pub mod time;
pub(crate) mod toml;
pub(crate) mod yaml;

use kubake_gotmpl::{CallContext, FuncError, FuncMap, Function, GoType, Value};

/// Helm v3.17.2's function map: Sprig v3.3.0 without `env`/`expandenv`, plus Helm's
/// functions. Go's builtins (`and`, `printf`, `index`...) are the engine's; Sprig's
/// `slice` replaces Go's.
pub fn func_map() -> FuncMap {
    let mut map = FuncMap::new();
    strings::register(&mut map);
    text::register(&mut map);
    lists::register(&mut map);
    dicts::register(&mut map);
    math::register(&mut map);
    defaults::register(&mut map);
    reflect::register(&mut map);
    regex::register(&mut map);
    semver::register(&mut map);
    dates::register(&mut map);
    encoding::register(&mut map);
    crypto::register(&mut map);
    random::register(&mut map);
    paths::register(&mut map);
    helm::register(&mut map);
    map
}

/// [`func_map`], made once per process and shared by every render's template set (the
/// functions keep no state of their own: a render's is in its host data).
pub fn shared_func_map() -> &'static std::sync::Arc<FuncMap> {
    static FUNCS: std::sync::OnceLock<std::sync::Arc<FuncMap>> = std::sync::OnceLock::new();
    FUNCS.get_or_init(|| std::sync::Arc::new(func_map()))
}

/// The names [`func_map`] defines, sorted: 220, which with Go's 19 builtins (Sprig's
/// `slice` replacing Go's) make Helm v3.17.2's 238.
pub fn names() -> Vec<String> {
    func_map().names().map(str::to_string).collect()
}

/// Registers a fixed-arity function.
pub(crate) fn reg<F>(map: &mut FuncMap, name: &str, params: impl Into<Vec<GoType>>, f: F)
where
    F: Fn(&mut CallContext<'_>, &[Value]) -> Result<Value, FuncError> + Send + Sync + 'static,
{
    map.insert(name, Function::new(params, f));
}

/// Registers a variadic function (`params` then `...rest`).
pub(crate) fn reg_var<F>(
    map: &mut FuncMap,
    name: &str,
    params: impl Into<Vec<GoType>>,
    rest: GoType,
    f: F,
) where
    F: Fn(&mut CallContext<'_>, &[Value]) -> Result<Value, FuncError> + Send + Sync + 'static,
{
    map.insert(name, Function::variadic(params, rest, f));
}

/// Argument `i` as a string (the engine has checked the type; `""` if absent).
pub(crate) fn str_at(args: &[Value], i: usize) -> &str {
    args.get(i).and_then(Value::as_str).unwrap_or("")
}

/// Argument `i` as an integer (the engine has checked the type; 0 if absent).
pub(crate) fn int_at(args: &[Value], i: usize) -> i64 {
    args.get(i).and_then(Value::as_i64).unwrap_or(0)
}

/// Argument `i` as a bool.
pub(crate) fn bool_at(args: &[Value], i: usize) -> bool {
    args.get(i).and_then(Value::as_bool).unwrap_or(false)
}

/// Go's `strings.Repeat` panic for a negative count.
pub(crate) fn repeat(s: &str, n: i64) -> Result<String, FuncError> {
    if n < 0 {
        return Err(FuncError::new("strings: negative Repeat count"));
    }
    let n = usize::try_from(n).unwrap_or(usize::MAX);
    if s.len().checked_mul(n).is_none_or(|l| l > MAX_STRING) {
        return Err(FuncError::new("strings: Repeat output length overflow"));
    }
    Ok(s.repeat(n))
}

/// Largest string a function builds (Go would run out of memory well before `usize`);
/// guards `repeat`, `indent` and friends against hostile counts.
pub(crate) const MAX_STRING: usize = 1 << 28;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helm_removes_env_functions() {
        let names = names();
        assert!(!names.iter().any(|n| n == "env" || n == "expandenv"));
        for n in [
            "include",
            "tpl",
            "required",
            "toYaml",
            "lookup",
            "sha512sum",
            "mustToDate",
        ] {
            assert!(names.iter().any(|m| m == n), "{n} missing");
        }
        assert_eq!(names.len(), 220);
    }
}
