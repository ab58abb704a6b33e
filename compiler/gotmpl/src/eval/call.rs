//! Calls: Go's `evalFunction`, `evalCall`, `evalArg` and `validateType`: argument count
//! checks, typing of constants by parameter type, type checks with Go's messages, the
//! short-circuit `and`/`or`, and the [`CallContext`] through which host functions call
//! back into the engine.
//!
//! Not here: what the builtins compute (`builtins`).

use std::any::Any;
use std::sync::Arc;

use super::{At, State, Val, R};
use crate::ast::Arg;
use crate::builtins::{self, Builtin, Param, Params};
use crate::error::Error;
use crate::func::{CallContext, Callbacks, Function, Signature};
use crate::template::Templates;
use crate::value::{GoType, Object, Value};

/// Counters shared by an execution and the executions it starts through callbacks.
#[derive(Default, Debug)]
pub(crate) struct Counters {
    /// Active template invocations (top-level, `template`, callbacks).
    pub nesting: usize,
    /// Evaluation steps so far.
    pub steps: u64,
}

/// What is being called.
pub(crate) enum Callee<'f> {
    Func(&'f Function),
    Builtin(Builtin),
    Method(Arc<dyn Object>, Signature),
}

impl Callee<'_> {
    /// The parameter types (builtins take `reflect.Value`s for most).
    fn params(&self) -> (Params<'_>, Option<Param<'_>>) {
        fn from_sig(s: &Signature) -> (Params<'_>, Option<Param<'_>>) {
            (
                Params::Signature(&s.params),
                s.variadic.as_ref().map(Param::Go),
            )
        }
        match self {
            Callee::Func(f) => from_sig(f.signature()),
            Callee::Method(_, s) => from_sig(s),
            Callee::Builtin(b) => b.params(),
        }
    }
}

impl<'t> State<'t, '_> {
    pub(super) fn eval_function(
        &mut self,
        dot: &Val,
        ident: &'t Arg,
        name: &str,
        node: At<'t>,
        args: Option<&'t [Arg]>,
        last: Option<Val>,
    ) -> R<Val> {
        self.at(At::Arg(ident));
        let set = self.set;
        if let Some(f) = set.funcs().get(name) {
            return self.eval_call(dot, Callee::Func(f), false, node, name, args, last);
        }
        match Builtin::from_name(name) {
            Some(b) => self.eval_call(dot, Callee::Builtin(b), true, node, name, args, last),
            None => self.errorf(format!(
                "{} is not a defined function",
                crate::fmt::quote_go(name)
            )),
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn eval_call(
        &mut self,
        dot: &Val,
        callee: Callee<'_>,
        is_builtin: bool,
        node: At<'t>,
        name: &str,
        args: Option<&'t [Arg]>,
        last: Option<Val>,
    ) -> R<Val> {
        let args: &'t [Arg] = match args {
            Some(a) if !a.is_empty() => &a[1..],
            _ => &[],
        };
        let (params, variadic) = callee.params();
        let num_in = args.len() + usize::from(last.is_some());
        let mut num_fixed = args.len();
        if variadic.is_some() {
            num_fixed = params.len();
            if num_in < num_fixed {
                return self.errorf(format!(
                    "wrong number of args for {name}: want at least {} got {}",
                    params.len(),
                    args.len()
                ));
            }
        } else if num_in != params.len() {
            return self.errorf(format!(
                "wrong number of args for {name}: want {} got {num_in}",
                params.len()
            ));
        }

        if is_builtin && matches!(name, "and" | "or") {
            let want = name == "or";
            let mut v = Val::Invalid;
            for arg in args {
                v = self.eval_arg(dot, Some(Param::Reflect), arg)?;
                if v.truth() == want {
                    return Ok(v);
                }
            }
            if let Some(last) = last {
                v = self.validate_type(last, Some(Param::Reflect))?;
            }
            return Ok(v);
        }

        let mut argv: Vec<Val> = Vec::with_capacity(num_in);
        let mut i = 0;
        while i < num_fixed && i < args.len() {
            let v = self.eval_arg(dot, Some(params.get(i)), &args[i])?;
            argv.push(v);
            i += 1;
        }
        if let Some(rest) = variadic {
            while i < args.len() {
                let v = self.eval_arg(dot, Some(rest), &args[i])?;
                argv.push(v);
                i += 1;
            }
        }
        if let Some(last) = last {
            let t = match variadic {
                Some(rest) if num_in > num_fixed => rest,
                Some(_) => params.get(num_in - 1),
                None => params.get(params.len() - 1),
            };
            let v = self.validate_type(last, Some(t))?;
            argv.push(v);
        }

        let result = match &callee {
            // The first argument's source text is for `call`'s error only.
            Callee::Builtin(b) => builtins::call(*b, &argv, args.first()),
            Callee::Func(f) => {
                let values: Vec<Value> = argv.into_iter().map(Val::into_value).collect();
                let mut cb = self.callbacks();
                let mut ctx = CallContext {
                    name,
                    engine: &mut cb,
                };
                f.call(&mut ctx, &values).map(Val::from_result)
            }
            Callee::Method(obj, _) => {
                let values: Vec<Value> = argv.into_iter().map(Val::into_value).collect();
                let mut cb = self.callbacks();
                let mut ctx = CallContext {
                    name,
                    engine: &mut cb,
                };
                obj.call_method(name, &mut ctx, &values)
                    .map(Val::from_result)
            }
        };
        match result {
            Ok(v) => Ok(v),
            Err(e) => {
                self.at(node);
                let msg = if e.is_bare() {
                    e.message().to_string()
                } else {
                    format!("error calling {name}: {}", e.message())
                };
                let err = self.error(msg);
                Err(match e.source_error() {
                    Some(src) => err.with_source(src.clone()),
                    None => err.with_source(Arc::new(e)),
                })
            }
        }
    }

    fn callbacks(&mut self) -> EngineCallbacks<'_> {
        EngineCallbacks {
            set: self.set,
            opts: self.opts,
            counters: &mut *self.counters,
            template_name: &self.tree.name,
        }
    }

    /// Go's `validateType`; `typ` `None` is Go's nil type (chain receivers).
    pub(super) fn validate_type(&mut self, value: Val, typ: Option<Param<'_>>) -> R<Val> {
        let Some(typ) = typ else {
            return Ok(value);
        };
        let go = match typ {
            Param::Reflect => return Ok(value),
            Param::Go(t) => t,
        };
        let inner = match &value {
            Val::Invalid => {
                if go.can_be_nil() {
                    return Ok(nil_of(go));
                }
                return self.errorf(format!("invalid value; expected {go}"));
            }
            Val::Iface(v) | Val::Direct(v) => v,
        };
        if matches!(value, Val::Iface(_)) {
            if *go == GoType::Interface {
                return Ok(value);
            }
            if inner.is_nil() {
                return self.errorf(format!(
                    "wrong type for value; expected {go}; got interface {{}}"
                ));
            }
        }
        let assignable = inner.go_type().is_some_and(|t| t.assignable_to(go));
        if assignable {
            return Ok(Val::Direct(inner.clone()));
        }
        self.errorf(format!(
            "wrong type for value; expected {go}; got {}",
            inner.type_name()
        ))
    }

    /// Go's `evalArg`.
    pub(super) fn eval_arg(&mut self, dot: &Val, typ: Option<Param<'_>>, n: &'t Arg) -> R<Val> {
        self.at(At::Arg(n));
        match n {
            Arg::Dot { .. } => return self.validate_type(dot.clone(), typ),
            Arg::Nil { .. } => {
                return match typ {
                    Some(Param::Reflect) | None => Ok(Val::Invalid),
                    Some(Param::Go(t)) if t.can_be_nil() => Ok(nil_of(t)),
                    Some(Param::Go(t)) => self.errorf(format!("cannot assign nil to {t}")),
                };
            }
            Arg::Field { idents, .. } => {
                let v = self.eval_field_chain(
                    dot,
                    dot,
                    n,
                    idents,
                    Some(std::slice::from_ref(n)),
                    None,
                )?;
                return self.validate_type(v, typ);
            }
            Arg::Variable { .. } => {
                let v = self.eval_variable_node(dot, n, None, None)?;
                return self.validate_type(v, typ);
            }
            Arg::Pipe(p) => {
                let v = self.eval_pipeline(dot, Some(p))?;
                return self.validate_type(v, typ);
            }
            Arg::Identifier { name, .. } => {
                let v = self.eval_function(dot, n, name, At::Arg(n), None, None)?;
                return self.validate_type(v, typ);
            }
            Arg::Chain { .. } => {
                let v = self.eval_chain_node(dot, n, None, None)?;
                return self.validate_type(v, typ);
            }
            _ => {}
        }
        let go = match typ {
            None | Some(Param::Reflect) => return self.eval_empty_interface(dot, n),
            Some(Param::Go(t)) => t,
        };
        match (go, n) {
            (GoType::Interface, _) => self.eval_empty_interface(dot, n),
            (GoType::Bool, Arg::Bool { value, .. }) => Ok(Val::Direct(Value::Bool(*value))),
            (GoType::Bool, _) => self.errorf(format!("expected bool; found {n}")),
            (GoType::String, Arg::String { text, .. }) => {
                Ok(Val::Direct(Value::String(text.clone())))
            }
            (GoType::String, _) => self.errorf(format!("expected string; found {n}")),
            (GoType::Int(k), Arg::Number(num)) if num.is_int => Ok(Val::Direct(Value::Int(
                truncate_int(num.int64, k.bits()),
                *k,
            ))),
            (GoType::Int(_), _) => self.errorf(format!("expected integer; found {n}")),
            (GoType::Uint(k), Arg::Number(num)) if num.is_uint => {
                let v = if k.bits() == 64 {
                    num.uint64
                } else {
                    num.uint64 & ((1u64 << k.bits()) - 1)
                };
                Ok(Val::Direct(Value::Uint(v, *k)))
            }
            (GoType::Uint(_), _) => self.errorf(format!("expected unsigned integer; found {n}")),
            (GoType::Float(k), Arg::Number(num)) if num.is_float => {
                Ok(Val::Direct(Value::Float(num.float64, *k)))
            }
            (GoType::Float(_), _) => self.errorf(format!("expected float; found {n}")),
            _ => self.errorf(format!("can't handle {n} for arg of type {go}")),
        }
    }

    fn eval_empty_interface(&mut self, dot: &Val, n: &'t Arg) -> R<Val> {
        self.at(At::Arg(n));
        match n {
            Arg::Bool { value, .. } => Ok(Val::Direct(Value::Bool(*value))),
            Arg::Dot { .. } => Ok(dot.clone()),
            Arg::Field { idents, .. } => self.eval_field_chain(dot, dot, n, idents, None, None),
            Arg::Identifier { name, .. } => {
                self.eval_function(dot, n, name, At::Arg(n), None, None)
            }
            Arg::Nil { .. } => self.errorf("evalEmptyInterface: nil (can't happen)"),
            Arg::Number(num) => self.ideal_constant(n, num),
            Arg::String { text, .. } => Ok(Val::Direct(Value::String(text.clone()))),
            Arg::Variable { .. } => self.eval_variable_node(dot, n, None, None),
            Arg::Pipe(p) => self.eval_pipeline(dot, Some(p)),
            Arg::Chain { .. } => self.errorf(format!(
                "can't handle assignment of {n} to empty interface argument"
            )),
        }
    }
}

/// Go's `reflect.SetInt` on a narrower type wraps.
fn truncate_int(v: i64, bits: u32) -> i64 {
    if bits >= 64 {
        v
    } else {
        let shift = 64 - bits;
        (v << shift) >> shift
    }
}

/// The nil of a nillable type: a nil interface, or Go's typed nil (functions see
/// [`Value::Nil`] for both).
fn nil_of(t: &GoType) -> Val {
    if *t == GoType::Interface {
        Val::Iface(Value::Nil)
    } else {
        Val::Direct(Value::Nil)
    }
}

/// The evaluator's side of [`CallContext`].
struct EngineCallbacks<'a> {
    set: &'a Templates,
    opts: &'a crate::template::ExecOptions,
    counters: &'a mut Counters,
    template_name: &'a str,
}

impl Callbacks for EngineCallbacks<'_> {
    fn depth(&self) -> usize {
        self.counters.nesting
    }

    fn template_name(&self) -> &str {
        self.template_name
    }

    fn execute_template(&mut self, name: &str, data: Value) -> Result<String, Error> {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
            super::execute(self.set, self.opts, self.counters, name, &data)
        })
    }

    fn parse_and_execute(&mut self, name: &str, text: &str, data: Value) -> Result<String, Error> {
        let mut copy = self.set.clone();
        copy.parse_to_execute(name, text)?;
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
            super::execute(&copy, self.opts, self.counters, name, &data)
        })
    }

    fn host_data(&self) -> Option<&(dyn Any + Send + Sync)> {
        self.opts.host_data.as_deref()
    }
}
