//! The evaluator: walks a [`Tree`] with a dot value, as Go's `exec.go` does, statement
//! for statement, so output and error texts match (`nil pointer evaluating interface
//! {}.x`, `can't evaluate field X in type T`, `range can't iterate over 3`...).
//!
//! Go's reflection distinguishes three states a template value can be in, and errors
//! depend on which: no value at all (an invalid `reflect.Value`), a value held in an
//! `interface {}` slot (what map lookups and `[]interface {}` elements give), and a
//! value of its concrete type. [`Val`] keeps that distinction; plain [`Value`]s are what
//! host functions see.
//!
//! Recursion is bounded by Go's template depth (100000) and runs on a growable stack
//! (`stacker`), so deep but legal templates neither overflow nor need a big thread.
//! Not here: argument conversion and calls (`call`), builtins (`builtins`), printing
//! (`fmt`).

mod call;

use crate::ast::{Arg, Branch, Command, Node, Pipe, Pos, Tree};
use crate::error::{Error, ErrorKind};
use crate::template::{ExecOptions, MissingKey, Templates};
use crate::value::{GoType, IntKind, List, Value};

pub(crate) use call::Counters;

/// Go's `maxExecDepth`.
const MAX_EXEC_DEPTH: usize = 100_000;

/// A template value with Go's reflection state.
#[derive(Clone, Debug)]
pub(crate) enum Val {
    /// No value (the zero `reflect.Value`).
    Invalid,
    /// A value of its concrete type.
    Direct(Value),
    /// A value in an `interface {}` slot; `Iface(Value::Nil)` is a nil interface.
    Iface(Value),
}

impl Val {
    /// A value read from a container whose element type is `elem`.
    pub(crate) fn of_elem(elem: &GoType, v: Value) -> Val {
        if *elem == GoType::Interface {
            Val::Iface(v)
        } else {
            Val::Direct(v)
        }
    }

    /// A host function's result: a nil is a nil interface.
    pub(crate) fn from_result(v: Value) -> Val {
        match v {
            Value::Nil => Val::Iface(Value::Nil),
            v => Val::Direct(v),
        }
    }

    /// Data handed to an execution (`reflect.ValueOf(data)`).
    pub(crate) fn from_data(v: &Value) -> Val {
        match v {
            Value::Nil => Val::Invalid,
            v => Val::Direct(v.clone()),
        }
    }

    /// Go's `indirectInterface`: the concrete value inside an interface, or no value.
    pub(crate) fn indirect_interface(self) -> Val {
        match self {
            Val::Iface(Value::Nil) => Val::Invalid,
            Val::Iface(v) => Val::Direct(v),
            v => v,
        }
    }

    /// The value a host function receives for this (no value and nil interface are nil).
    pub(crate) fn into_value(self) -> Value {
        match self {
            Val::Invalid => Value::Nil,
            Val::Direct(v) | Val::Iface(v) => v,
        }
    }

    pub(crate) fn value(&self) -> Option<&Value> {
        match self {
            Val::Invalid => None,
            Val::Direct(v) | Val::Iface(v) => Some(v),
        }
    }

    /// The static Go type's name (`interface {}` for interface slots).
    pub(crate) fn type_name(&self) -> String {
        match self {
            Val::Invalid => "<nil>".into(),
            Val::Iface(_) => "interface {}".into(),
            Val::Direct(v) => v.type_name(),
        }
    }

    /// Go's `isTrue` after `indirectInterface`.
    pub(crate) fn truth(&self) -> bool {
        self.value().is_some_and(Value::is_true)
    }
}

/// The zero value of `elem` (for `missingkey=zero` and `index` misses).
pub(crate) fn zero_of(elem: &GoType) -> Val {
    match elem {
        GoType::Interface => Val::Iface(Value::Nil),
        GoType::Bool => Val::Direct(Value::Bool(false)),
        GoType::Int(k) => Val::Direct(Value::Int(0, *k)),
        GoType::Uint(k) => Val::Direct(Value::Uint(0, *k)),
        GoType::Float(k) => Val::Direct(Value::Float(0.0, *k)),
        GoType::Complex128 => Val::Direct(Value::Complex(0.0, 0.0)),
        GoType::String => Val::Direct(Value::from("")),
        GoType::Slice(e) => Val::Direct(Value::List(List::typed((**e).clone(), vec![]))),
        GoType::Map { name, elem } => Val::Direct(Value::Map(crate::value::Map::typed(
            name.as_deref(),
            (**elem).clone(),
        ))),
        GoType::Object(_) => Val::Iface(Value::Nil),
    }
}

/// Where execution is, for error context (Go's `state.node`).
#[derive(Clone, Copy)]
pub(crate) enum At<'t> {
    Nothing,
    Node(&'t Node, Pos),
    Arg(&'t Arg),
    Cmd(&'t Command),
    Pipe(&'t Pipe),
}

/// How a walk ended: normally, or by `{{break}}`/`{{continue}}`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Flow {
    Normal,
    Break,
    Continue,
}

type R<T> = Result<T, Error>;

/// One running template (Go's `state`).
pub(crate) struct State<'t, 'x> {
    set: &'x Templates,
    opts: &'x ExecOptions,
    counters: &'x mut Counters,
    out: &'x mut String,
    tree: &'t Tree,
    vars: Vec<(&'t str, Val)>,
    depth: usize,
    at: At<'t>,
}

/// The leading steps of a field chain (`.Values.a.b`) that go through present keys of
/// plain maps, taken under the maps' read locks: the value reached is cloned once, where
/// stepping field by field clones (and drops) every map on the way, counting references
/// on maps that every core reads. Returns the value as [`State::eval_field`] would have
/// it and the number of fields taken, or `None` when the first is not a key of `map`;
/// the general path takes over from there (objects, missing keys, errors).
fn descend(map: &crate::Map, idents: &[crate::ast::Name]) -> Option<(Val, usize)> {
    map.with_value(&idents[0], |value| {
        let value = value?;
        if let (Value::Map(inner), true) = (value, idents.len() > 1) {
            if let Some((reached, steps)) = descend(inner, &idents[1..]) {
                return Some((reached, steps + 1));
            }
        }
        Some((Val::of_elem(map.elem(), value.clone()), 1))
    })
}

/// Runs template `name` of `set` with `data` (Go's `ExecuteTemplate`).
pub(crate) fn execute(
    set: &Templates,
    opts: &ExecOptions,
    counters: &mut Counters,
    name: &str,
    data: &Value,
) -> R<String> {
    let Some(tree) = set.lookup(name) else {
        return Err(Error::usage(format!(
            "template: no template {} associated with template {}",
            crate::fmt::quote_go(name),
            crate::fmt::quote_go(set.name())
        )));
    };
    let mut out = String::new();
    let dot = Val::from_data(data);
    let mut state = State {
        set,
        opts,
        counters,
        out: &mut out,
        tree,
        vars: vec![("$", dot.clone())],
        depth: 0,
        at: At::Nothing,
    };
    state.enter()?;
    let r = state.walk_list(&dot, &tree.root);
    state.counters.nesting -= 1;
    r?;
    Ok(out)
}

impl<'t, 'x> State<'t, 'x> {
    /// Counts one more active template invocation (for `depth()` and stack safety).
    fn enter(&mut self) -> R<()> {
        if self.counters.nesting >= MAX_EXEC_DEPTH {
            return self.errorf(format!(
                "exceeded maximum template depth ({MAX_EXEC_DEPTH})"
            ));
        }
        self.counters.nesting += 1;
        Ok(())
    }

    fn at(&mut self, at: At<'t>) {
        self.at = at;
    }

    /// Go's `state.errorf`: the message with the current node's location and text.
    pub(crate) fn errorf<T>(&self, msg: impl Into<String>) -> R<T> {
        Err(self.error(msg.into()))
    }

    fn error(&self, msg: String) -> Error {
        let (pos, text) = match self.at {
            At::Nothing => return Error::exec_in(&self.tree.name, msg),
            At::Node(n, pos) => (pos, n.to_string()),
            At::Arg(a) => (a.pos(), a.to_string()),
            At::Cmd(c) => (c.pos, c.to_string()),
            At::Pipe(p) => (p.pos, p.to_string()),
        };
        let (line, col) = self.tree.location(pos);
        Error::exec_at(
            &self.tree.parse_name,
            line,
            col,
            &self.tree.name,
            &text,
            msg,
        )
    }

    fn step(&mut self) -> R<()> {
        self.counters.steps += 1;
        let over_steps = self
            .opts
            .max_steps
            .is_some_and(|max| self.counters.steps > max);
        let over_output = self.opts.max_output.is_some_and(|max| self.out.len() > max);
        if crate::value::isolation_refused() {
            // An isolated execution whose result will be thrown away: stop early.
            let e = self.error("isolated execution wrote to a shared map".into());
            return Err(e.into_kind(ErrorKind::Budget));
        }
        if over_steps || over_output {
            let what = if over_steps { "steps" } else { "output bytes" };
            let e = self.error(format!("execution budget exceeded ({what})"));
            return Err(e.into_kind(ErrorKind::Budget));
        }
        Ok(())
    }

    fn walk_list(&mut self, dot: &Val, list: &'t [Node]) -> R<Flow> {
        for node in list {
            let flow = self.walk(dot, node)?;
            if flow != Flow::Normal {
                return Ok(flow);
            }
        }
        Ok(Flow::Normal)
    }

    fn walk(&mut self, dot: &Val, node: &'t Node) -> R<Flow> {
        self.step()?;
        match node {
            Node::Text(t) => {
                self.out.push_str(t);
                Ok(Flow::Normal)
            }
            Node::Action { pos, pipe } => {
                self.at(At::Node(node, *pos));
                let val = self.eval_pipeline(dot, Some(pipe))?;
                if pipe.decl.is_empty() {
                    self.at(At::Node(node, *pos));
                    self.print_value(val);
                }
                Ok(Flow::Normal)
            }
            Node::Break => Ok(Flow::Break),
            Node::Continue => Ok(Flow::Continue),
            Node::If(b) | Node::With(b) => {
                self.at(At::Node(node, b.pos));
                let with = matches!(node, Node::With(_));
                stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
                    self.walk_if_or_with(with, dot, b)
                })
            }
            Node::Range(b) => {
                self.at(At::Node(node, b.pos));
                stacker::maybe_grow(64 * 1024, 1024 * 1024, || self.walk_range(dot, node, b))
            }
            Node::Template { pos, name, pipe } => {
                self.at(At::Node(node, *pos));
                stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
                    self.walk_template(dot, node, *pos, name, pipe.as_deref())
                })?;
                Ok(Flow::Normal)
            }
        }
    }

    fn print_value(&mut self, val: Val) {
        match val {
            Val::Invalid => self.out.push_str("<no value>"),
            Val::Direct(v) | Val::Iface(v) => {
                crate::fmt::write_v(self.out, &v, 0);
            }
        }
    }

    fn walk_if_or_with(&mut self, with: bool, dot: &Val, b: &'t Branch) -> R<Flow> {
        let mark = self.vars.len();
        let r = (|| {
            let val = self.eval_pipeline(dot, Some(&b.pipe))?;
            if val.truth() {
                if with {
                    self.walk_list(&val, &b.list)
                } else {
                    self.walk_list(dot, &b.list)
                }
            } else if let Some(else_list) = &b.else_list {
                self.walk_list(dot, else_list)
            } else {
                Ok(Flow::Normal)
            }
        })();
        self.vars.truncate(mark);
        r
    }

    fn walk_range(&mut self, dot: &Val, node: &'t Node, r: &'t Branch) -> R<Flow> {
        let mark0 = self.vars.len();
        let result = self.walk_range_inner(dot, node, r);
        self.vars.truncate(mark0);
        result.map(|()| Flow::Normal)
    }

    fn walk_range_inner(&mut self, dot: &Val, node: &'t Node, r: &'t Branch) -> R<()> {
        let val = self.eval_pipeline(dot, Some(&r.pipe))?.indirect_interface();
        let mark = self.vars.len();
        let items: Vec<(Val, Val)> = match val.value() {
            None => Vec::new(),
            Some(v) => match (v.as_list(), v.as_map()) {
                (Some(list), _) => list
                    .items()
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        (
                            Val::Direct(Value::Int(i as i64, IntKind::Int)),
                            Val::of_elem(list.elem(), item.clone()),
                        )
                    })
                    .collect(),
                (None, Some(map)) => map
                    .entries()
                    .into_iter()
                    .map(|(k, item)| {
                        (
                            Val::Direct(Value::String(k)),
                            Val::of_elem(map.elem(), item),
                        )
                    })
                    .collect(),
                (None, None) => {
                    let shown = crate::fmt::sprint_v(v);
                    return self.errorf(format!("range can't iterate over {shown}"));
                }
            },
        };
        if items.is_empty() {
            if let Some(else_list) = &r.else_list {
                self.at(At::Node(node, r.pos));
                self.walk_list(dot, else_list)?;
            }
            return Ok(());
        }
        for (index, elem) in items {
            // Each iteration is a step even with an empty body, so a budget bounds
            // `range` over huge lists too.
            self.step()?;
            let decl = &r.pipe.decl;
            if !decl.is_empty() {
                if r.pipe.is_assign {
                    let first = if decl.len() > 1 { &index } else { &elem };
                    self.set_var(&decl[0], first.clone())?;
                } else {
                    let n = self.vars.len();
                    self.vars[n - 1].1 = elem.clone();
                }
            }
            if decl.len() > 1 {
                if r.pipe.is_assign {
                    self.set_var(&decl[1], elem.clone())?;
                } else {
                    let n = self.vars.len();
                    self.vars[n - 2].1 = index.clone();
                }
            }
            let flow = self.walk_list(&elem, &r.list);
            self.vars.truncate(mark);
            if flow? == Flow::Break {
                break;
            }
        }
        Ok(())
    }

    fn walk_template(
        &mut self,
        dot: &Val,
        node: &'t Node,
        pos: Pos,
        name: &str,
        pipe: Option<&'t Pipe>,
    ) -> R<()> {
        // Borrowed from the set, not cloned: both cores execute the same helpers, and
        // counting references on a shared tree made them wait on each other.
        let Some(tree) = self.set.lookup(name) else {
            return self.errorf(format!(
                "template {} not defined",
                crate::fmt::quote_go(name)
            ));
        };
        if self.depth == MAX_EXEC_DEPTH {
            return self.errorf(format!(
                "exceeded maximum template depth ({MAX_EXEC_DEPTH})"
            ));
        }
        let new_dot = self.eval_pipeline(dot, pipe)?;
        self.at(At::Node(node, pos));
        self.enter()?;
        let mut inner = State {
            set: self.set,
            opts: self.opts,
            counters: &mut *self.counters,
            out: &mut *self.out,
            tree,
            vars: vec![("$", new_dot.clone())],
            depth: self.depth + 1,
            at: At::Nothing,
        };
        let r = inner.walk_list(&new_dot, &tree.root);
        inner.counters.nesting -= 1;
        r.map(|_| ())
    }

    fn set_var(&mut self, name: &str, value: Val) -> R<()> {
        for v in self.vars.iter_mut().rev() {
            if v.0 == name {
                v.1 = value;
                return Ok(());
            }
        }
        self.errorf(format!("undefined variable: {name}"))
    }

    fn var_value(&self, name: &str) -> R<Val> {
        for v in self.vars.iter().rev() {
            if v.0 == name {
                return Ok(v.1.clone());
            }
        }
        self.errorf(format!("undefined variable: {name}"))
    }

    pub(crate) fn eval_pipeline(&mut self, dot: &Val, pipe: Option<&'t Pipe>) -> R<Val> {
        let Some(pipe) = pipe else {
            return Ok(Val::Invalid);
        };
        self.at(At::Pipe(pipe));
        let mut value: Option<Val> = None;
        for cmd in &pipe.cmds {
            self.step()?;
            let v = stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
                self.eval_command(dot, cmd, value.take())
            })?;
            value = Some(v.indirect_interface());
        }
        let value = value.unwrap_or(Val::Invalid);
        for name in &pipe.decl {
            if pipe.is_assign {
                self.set_var(name, value.clone())?;
            } else {
                self.vars.push((name, value.clone()));
            }
        }
        Ok(value)
    }

    fn not_a_function(&self, args: &[Arg], has_final: bool) -> R<()> {
        if args.len() > 1 || has_final {
            return self.errorf(format!("can't give argument to non-function {}", args[0]));
        }
        Ok(())
    }

    fn eval_command(&mut self, dot: &Val, cmd: &'t Command, last: Option<Val>) -> R<Val> {
        let first = &cmd.args[0];
        match first {
            Arg::Field { idents, .. } => {
                self.at(At::Arg(first));
                return self.eval_field_chain(dot, dot, first, idents, Some(&cmd.args), last);
            }
            Arg::Chain { .. } => return self.eval_chain_node(dot, first, Some(&cmd.args), last),
            Arg::Identifier { name, .. } => {
                return self.eval_function(dot, first, name, At::Cmd(cmd), Some(&cmd.args), last);
            }
            Arg::Pipe(p) => {
                self.not_a_function(&cmd.args, last.is_some())?;
                return self.eval_pipeline(dot, Some(p));
            }
            Arg::Variable { .. } => {
                return self.eval_variable_node(dot, first, Some(&cmd.args), last)
            }
            _ => {}
        }
        self.at(At::Arg(first));
        self.not_a_function(&cmd.args, last.is_some())?;
        match first {
            Arg::Bool { value, .. } => Ok(Val::Direct(Value::Bool(*value))),
            Arg::Dot { .. } => Ok(dot.clone()),
            Arg::Nil { .. } => self.errorf("nil is not a command"),
            Arg::Number(n) => self.ideal_constant(first, n),
            Arg::String { text, .. } => Ok(Val::Direct(Value::String(text.clone()))),
            _ => self.errorf(format!("can't evaluate command {first}")),
        }
    }

    fn ideal_constant(&mut self, node: &'t Arg, n: &crate::ast::Number) -> R<Val> {
        self.at(At::Arg(node));
        let t = &n.text;
        let hex_int =
            t.len() > 2 && (t.starts_with("0x") || t.starts_with("0X")) && !t.contains(['p', 'P']);
        let rune_int = t.starts_with('\'');
        if n.is_complex {
            return Ok(Val::Direct(Value::Complex(n.complex.0, n.complex.1)));
        }
        if n.is_float && !hex_int && !rune_int && t.contains(['.', 'e', 'E', 'p', 'P']) {
            return Ok(Val::Direct(Value::float(n.float64)));
        }
        if n.is_int {
            return Ok(Val::Direct(Value::int(n.int64)));
        }
        if n.is_uint {
            return self.errorf(format!("{t} overflows int"));
        }
        Ok(Val::Invalid)
    }

    fn eval_chain_node(
        &mut self,
        dot: &Val,
        chain: &'t Arg,
        args: Option<&'t [Arg]>,
        last: Option<Val>,
    ) -> R<Val> {
        self.at(At::Arg(chain));
        let Arg::Chain { node, fields, .. } = chain else {
            return self.errorf("internal error: not a chain");
        };
        if matches!(node.as_ref(), Arg::Nil { .. }) {
            return self.errorf(format!("indirection through explicit nil in {chain}"));
        }
        let pipe = self.eval_arg(dot, None, node)?;
        self.eval_field_chain(dot, &pipe, chain, fields, args, last)
    }

    fn eval_variable_node(
        &mut self,
        dot: &Val,
        var: &'t Arg,
        args: Option<&'t [Arg]>,
        last: Option<Val>,
    ) -> R<Val> {
        self.at(At::Arg(var));
        let Arg::Variable { idents, .. } = var else {
            return self.errorf("internal error: not a variable");
        };
        let value = self.var_value(&idents[0])?;
        if idents.len() == 1 {
            if let Some(args) = args {
                self.not_a_function(args, last.is_some())?;
            } else if last.is_some() {
                self.not_a_function(std::slice::from_ref(var), true)?;
            }
            return Ok(value);
        }
        self.eval_field_chain(dot, &value, var, &idents[1..], args, last)
    }

    /// The fields `idents` of `receiver` (borrowed: most chains start at dot, which is
    /// copied only when the chain does not start through a map, see [`descend`]).
    fn eval_field_chain(
        &mut self,
        dot: &Val,
        receiver: &Val,
        node: &'t Arg,
        idents: &'t [crate::ast::Name],
        args: Option<&'t [Arg]>,
        last: Option<Val>,
    ) -> R<Val> {
        let n = idents.len();
        let through_maps = match (receiver.value(), n > 1) {
            (Some(Value::Map(map)), true) => descend(map, &idents[..n - 1]),
            _ => None,
        };
        let (mut receiver, done) = through_maps.unwrap_or_else(|| (receiver.clone(), 0));
        for ident in &idents[done..n - 1] {
            receiver = self.eval_field(dot, ident, node, None, None, receiver)?;
        }
        self.eval_field(dot, &idents[n - 1], node, args, last, receiver)
    }

    fn eval_field(
        &mut self,
        dot: &Val,
        name: &str,
        node: &'t Arg,
        args: Option<&'t [Arg]>,
        last: Option<Val>,
        receiver: Val,
    ) -> R<Val> {
        if matches!(receiver, Val::Invalid) {
            if self.set.missing_key() == MissingKey::Error {
                return self.errorf(format!(
                    "nil data; no entry for key {}",
                    crate::fmt::quote_go(name)
                ));
            }
            return Ok(Val::Invalid);
        }
        // The receiver's type name is only for errors: made there, not on every step
        // of every field chain.
        let value = match &receiver {
            Val::Iface(Value::Nil) => {
                let typ = receiver.type_name();
                return self.errorf(format!("nil pointer evaluating {typ}.{name}"));
            }
            Val::Iface(v) | Val::Direct(v) => v,
            Val::Invalid => return Ok(Val::Invalid),
        };
        if let Value::Object(obj) = value {
            if let Some(sig) = obj.method(name) {
                let callee = call::Callee::Method(obj.clone(), sig);
                return self.eval_call(dot, callee, false, At::Arg(node), name, args, last);
            }
        }
        let has_args = args.is_some_and(|a| a.len() > 1) || last.is_some();
        // Borrowed when it is a map: a clone would count a reference on a map both
        // cores read (`.Values` and everything under it).
        let object_map;
        let map = match value {
            Value::Map(m) => Some(m),
            Value::Object(o) => {
                object_map = o.as_map();
                object_map.as_ref()
            }
            _ => None,
        };
        if let Some(map) = map {
            if has_args {
                return self.errorf(format!("{name} is not a method but has arguments"));
            }
            return match map.get(name) {
                Some(v) => Ok(Val::of_elem(map.elem(), v)),
                None => match self.set.missing_key() {
                    MissingKey::Invalid => Ok(Val::Invalid),
                    MissingKey::Zero => Ok(zero_of(map.elem())),
                    MissingKey::Error => self.errorf(format!(
                        "map has no entry for key {}",
                        crate::fmt::quote_go(name)
                    )),
                },
            };
        }
        if let Value::Object(obj) = value {
            if let Some(field) = obj.field(name) {
                if has_args {
                    return self.errorf(format!(
                        "{name} has arguments but cannot be invoked as function"
                    ));
                }
                return Ok(Val::from_result(field));
            }
        }
        let typ = receiver.type_name();
        self.errorf(format!("can't evaluate field {name} in type {typ}"))
    }
}
