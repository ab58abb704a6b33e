//! The function API: how a host (the Sprig/Helm library) adds functions to templates.
//!
//! A [`Function`] is a Rust closure plus a Go [`Signature`]. The engine does what Go's
//! reflection-based `evalCall` does before calling: it checks the argument count
//! (`wrong number of args for NAME: want N got M`), types untyped constants by the
//! parameter type (`3` is an `int` for an `int` parameter, a `float64` for a `float64`
//! one), and checks each argument's type (`wrong type for value; expected string; got
//! float64`, `invalid value; expected string`). The closure therefore receives arguments
//! that already have the declared types; a parameter of type `interface {}`
//! ([`GoType::Interface`]) accepts anything, including [`Value::Nil`].
//!
//! A function returning `Err(FuncError::new(msg))` aborts execution with Go's
//! `error calling NAME: MSG`; [`FuncError::bare`] reports the message without that prefix
//! (for checks Go makes before the call). Through [`CallContext`] a function can call back
//! into the engine: execute a named template of the current set (Helm's `include`), or
//! parse and execute new text against a copy of the set (Helm's `tpl`).
//!
//! Not here: the functions themselves (Go's builtins are in `builtins`; Sprig and Helm
//! live in the helm crate).

use std::any::Any;
use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

use crate::error::Error;
use crate::value::{GoType, Value};

/// The Go signature of a function or method: fixed parameters, then optionally a variadic
/// tail (`...T`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// The fixed parameters.
    pub params: Vec<GoType>,
    /// The element type of the variadic tail, if the function is variadic.
    pub variadic: Option<GoType>,
}

impl Signature {
    /// A fixed-arity signature.
    pub fn fixed(params: impl Into<Vec<GoType>>) -> Signature {
        Signature {
            params: params.into(),
            variadic: None,
        }
    }

    /// A variadic signature: `params` then `...rest`.
    pub fn variadic(params: impl Into<Vec<GoType>>, rest: GoType) -> Signature {
        Signature {
            params: params.into(),
            variadic: Some(rest),
        }
    }

    /// Checks an argument count as Go does, with Go's message on failure.
    pub fn check_arity(&self, name: &str, got: usize) -> Result<(), FuncError> {
        let want = self.params.len();
        match self.variadic {
            None if got != want => Err(FuncError::wrong_number_of_args(name, want, got)),
            Some(_) if got < want => Err(FuncError::wrong_number_of_args_at_least(name, want, got)),
            _ => Ok(()),
        }
    }

    /// The declared type of argument `i` (the variadic element type past the fixed ones).
    pub fn param(&self, i: usize) -> Option<&GoType> {
        self.params.get(i).or(self.variadic.as_ref())
    }
}

type FuncImpl =
    dyn Fn(&mut CallContext<'_>, &[Value]) -> Result<Value, FuncError> + Send + Sync + 'static;

/// A function callable from templates. Cheap to clone.
#[derive(Clone)]
pub struct Function {
    signature: Arc<Signature>,
    imp: Arc<FuncImpl>,
}

impl Function {
    /// A function with fixed parameters.
    pub fn new<F>(params: impl Into<Vec<GoType>>, imp: F) -> Function
    where
        F: Fn(&mut CallContext<'_>, &[Value]) -> Result<Value, FuncError> + Send + Sync + 'static,
    {
        Function::with_signature(Signature::fixed(params), imp)
    }

    /// A variadic function: `params` then any number of `rest`.
    pub fn variadic<F>(params: impl Into<Vec<GoType>>, rest: GoType, imp: F) -> Function
    where
        F: Fn(&mut CallContext<'_>, &[Value]) -> Result<Value, FuncError> + Send + Sync + 'static,
    {
        Function::with_signature(Signature::variadic(params, rest), imp)
    }

    /// A function with an explicit signature.
    pub fn with_signature<F>(signature: Signature, imp: F) -> Function
    where
        F: Fn(&mut CallContext<'_>, &[Value]) -> Result<Value, FuncError> + Send + Sync + 'static,
    {
        Function {
            signature: Arc::new(signature),
            imp: Arc::new(imp),
        }
    }

    /// The declared signature.
    pub fn signature(&self) -> &Signature {
        &self.signature
    }

    /// Calls the function with arguments that already match the signature.
    pub fn call(&self, ctx: &mut CallContext<'_>, args: &[Value]) -> Result<Value, FuncError> {
        (self.imp)(ctx, args)
    }
}

impl fmt::Debug for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Function")
            .field("signature", &self.signature)
            .finish_non_exhaustive()
    }
}

/// Functions by name. Functions added here shadow Go's builtins of the same name, as
/// `Template.Funcs` does (Sprig's `slice` replaces Go's). Hashed, not ordered: the parser
/// and the evaluator look a name up at every function identifier and call.
#[derive(Clone, Debug, Default)]
pub struct FuncMap {
    funcs: foldhash::HashMap<String, Function>,
}

impl FuncMap {
    /// An empty map.
    pub fn new() -> FuncMap {
        FuncMap::default()
    }

    /// Adds or replaces a function.
    pub fn insert(&mut self, name: impl Into<String>, function: Function) {
        self.funcs.insert(name.into(), function);
    }

    /// Whether the map holds no function.
    pub fn is_empty(&self) -> bool {
        self.funcs.is_empty()
    }

    /// The function named `name`.
    pub fn get(&self, name: &str) -> Option<&Function> {
        self.funcs.get(name)
    }

    /// Adds every function of `other`, replacing same-named ones.
    pub fn extend(&mut self, other: &FuncMap) {
        // Order does not matter: each name is one entry.
        let copies = other
            .funcs
            .iter()
            .map(|(name, f)| (name.clone(), f.clone()));
        self.funcs.extend(copies);
    }

    /// The names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        let mut names: Vec<&str> = self.funcs.keys().map(String::as_str).collect();
        names.sort_unstable();
        names.into_iter()
    }
}

/// A function's failure. Displays as its message; the engine adds the location and,
/// unless the error is [`bare`](FuncError::bare), Go's `error calling NAME: ` prefix.
#[derive(Clone, Debug)]
pub struct FuncError {
    message: String,
    bare: bool,
    source: Option<Arc<dyn StdError + Send + Sync>>,
}

impl FuncError {
    /// An error the engine reports as `error calling NAME: MSG` (a Go function returning
    /// a non-nil error, or panicking).
    pub fn new(message: impl Into<String>) -> FuncError {
        FuncError {
            message: message.into(),
            bare: false,
            source: None,
        }
    }

    /// An error the engine reports as the message alone, like the argument checks Go's
    /// `evalCall` makes before calling.
    pub fn bare(message: impl Into<String>) -> FuncError {
        FuncError {
            bare: true,
            ..FuncError::new(message)
        }
    }

    /// Attaches the cause (kept as the error's `source()`).
    pub fn with_source(mut self, source: Arc<dyn StdError + Send + Sync>) -> FuncError {
        self.source = Some(source);
        self
    }

    /// Go's `wrong number of args for NAME: want N got M` (bare).
    pub fn wrong_number_of_args(name: &str, want: usize, got: usize) -> FuncError {
        FuncError::bare(format!(
            "wrong number of args for {name}: want {want} got {got}"
        ))
    }

    /// Go's `wrong number of args for NAME: want at least N got M` (bare), for variadic
    /// functions.
    pub fn wrong_number_of_args_at_least(name: &str, want: usize, got: usize) -> FuncError {
        FuncError::bare(format!(
            "wrong number of args for {name}: want at least {want} got {got}"
        ))
    }

    /// Go's `wrong type for value; expected T; got U` (bare).
    pub fn wrong_type(expected: &GoType, got: &Value) -> FuncError {
        FuncError::bare(format!(
            "wrong type for value; expected {expected}; got {}",
            got.type_name()
        ))
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Whether the engine reports the message without `error calling NAME: `.
    pub fn is_bare(&self) -> bool {
        self.bare
    }

    /// The cause, if one was attached.
    pub fn source_error(&self) -> Option<&Arc<dyn StdError + Send + Sync>> {
        self.source.as_ref()
    }
}

impl fmt::Display for FuncError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl StdError for FuncError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|s| s as &(dyn StdError + 'static))
    }
}

impl From<Error> for FuncError {
    /// An engine error (from an included template) becomes the function's error; its Go
    /// text is the message, as when a Go function returns the error of `ExecuteTemplate`.
    fn from(e: Error) -> FuncError {
        FuncError::new(e.to_string()).with_source(Arc::new(e))
    }
}

/// What the evaluator offers a running function. Implemented by the evaluator.
pub(crate) trait Callbacks {
    fn depth(&self) -> usize;
    fn template_name(&self) -> &str;
    fn execute_template(&mut self, name: &str, data: Value) -> Result<String, Error>;
    fn parse_and_execute(&mut self, name: &str, text: &str, data: Value) -> Result<String, Error>;
    fn host_data(&self) -> Option<&(dyn Any + Send + Sync)>;
}

/// The handle a function gets to the running execution.
pub struct CallContext<'a> {
    pub(crate) name: &'a str,
    pub(crate) engine: &'a mut dyn Callbacks,
}

impl CallContext<'_> {
    /// The name the function was called by.
    pub fn name(&self) -> &str {
        self.name
    }

    /// How many template invocations (`template`, and callbacks through this context)
    /// are active, counting the top-level execution as 1.
    pub fn depth(&self) -> usize {
        self.engine.depth()
    }

    /// The name of the template (or `define`) being executed.
    pub fn template_name(&self) -> &str {
        self.engine.template_name()
    }

    /// Executes template `name` of the current set with `data` as dot and `$`, returning
    /// its output: Go's `Template.ExecuteTemplate`, which is what Helm's `include` calls.
    pub fn execute_template(&mut self, name: &str, data: Value) -> Result<String, Error> {
        self.engine.execute_template(name, data)
    }

    /// Parses `text` as template `name` into a copy of the current set (its `define`s
    /// join the copy, not the original) and executes it with `data`: Helm's `tpl`. Calls
    /// made from inside see the copy.
    pub fn parse_and_execute(
        &mut self,
        name: &str,
        text: &str,
        data: Value,
    ) -> Result<String, Error> {
        self.engine.parse_and_execute(name, text, data)
    }

    /// The host's per-execution data (`ExecOptions::host_data`), downcast to `T`.
    pub fn host_data<T: Any>(&self) -> Option<&T> {
        self.engine.host_data()?.downcast_ref::<T>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arity_messages_match_go() {
        let sig = Signature::fixed([GoType::String]);
        assert_eq!(
            sig.check_arity("upper", 0).map_err(|e| e.to_string()),
            Err("wrong number of args for upper: want 1 got 0".to_string())
        );
        let sig = Signature::variadic([], GoType::Interface);
        assert!(sig.check_arity("list", 0).is_ok());
        let sig = Signature::variadic([GoType::Interface], GoType::Interface);
        assert_eq!(
            sig.check_arity("and", 0).map_err(|e| e.to_string()),
            Err("wrong number of args for and: want at least 1 got 0".to_string())
        );
        assert_eq!(
            FuncError::wrong_type(&GoType::String, &Value::float(1.0)).to_string(),
            "wrong type for value; expected string; got float64"
        );
    }
}
