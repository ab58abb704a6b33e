//! Go's `text/template`, as Helm v3.17 (Go 1.23) runs it: the same syntax, the same
//! printing, truthiness and comparison rules, and the same error texts.
//!
//! The principal types:
//! - [`Value`]: a Go value with its Go type (`int` vs `int64` vs `float64`, `[]string` vs
//!   `[]interface {}`, `map[string]interface {}` vs `chartutil.Values`), plus [`List`],
//!   [`Map`] and host [`Object`]s;
//! - [`Function`] and [`FuncMap`]: host functions with Go signatures, called with a
//!   [`CallContext`] that can call back into the engine (`include`, `tpl`);
//! - [`Error`]: Go's message and location, displayed exactly as Go prints it.
//!
//! - [`Templates`]: a set of named templates (Go's `*template.Template`), parsed with
//!   [`Templates::parse`] and run with [`Templates::execute`].
//!
//! The engine knows nothing of Sprig or Helm: a host registers its functions in a
//! [`FuncMap`]. See `API.md` beside this crate's manifest for a walkthrough.
//!
//! ```
//! use kubake_gotmpl::{ExecOptions, FuncMap, Function, GoType, MissingKey, Templates, Value};
//!
//! let mut funcs = FuncMap::new();
//! funcs.insert("upper", Function::new([GoType::String], |_ctx, args| {
//!     Ok(Value::from(args[0].as_str().unwrap_or_default().to_uppercase()))
//! }));
//! let mut set = Templates::new("gotpl");
//! set.set_missing_key(MissingKey::Zero);
//! set.add_funcs(&funcs);
//! set.parse("a.yaml", "{{ .name | upper }} {{ .n }} {{ .missing }}")?;
//! let data = Value::from_json(&serde_json::json!({"name": "web", "n": 1000000}));
//! let out = set.execute("a.yaml", &data, &ExecOptions::default())?;
//! assert_eq!(out, "WEB 1e+06 <no value>");
//! # Ok::<(), kubake_gotmpl::Error>(())
//! ```

#![deny(missing_docs)]

pub mod ast;
mod builtins;
pub mod error;
mod eval;
pub mod fmt;
pub mod func;
mod lexer;
mod number;
mod parser;
pub mod template;
pub mod value;

pub use builtins::{html_escape, js_escape, query_escape};
pub use error::{Error, ErrorKind};
pub use func::{CallContext, FuncError, FuncMap, Function, Signature};
pub use template::{ExecOptions, MissingKey, Templates};
pub use value::{isolated, FloatKind, GoType, IntKind, Kind, List, Map, Object, UintKind, Value};
