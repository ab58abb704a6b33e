//! Go's builtin template functions (`funcs.go`): `and or not len index slice print
//! printf println eq ne lt le gt ge html js urlquery call`, with Go's semantics and error
//! texts (`incompatible types for comparison`, `index out of range: 5`, `len of nil
//! pointer`...). Host functions of the same name shadow these (Sprig's `slice`).
//!
//! Not here: `and`/`or` short-circuiting (the evaluator does it, as Go's does) and
//! printing itself (`fmt`).

use crate::eval::{zero_of, Val};
use crate::func::FuncError;
use crate::value::{GoType, Kind, List, UintKind, Value};

/// A parameter type: a Go type, or `reflect.Value` (the builtin sees the value with its
/// reflection state, including "no value").
///
/// Borrowed from the callee's signature: a call looks its parameters up, never copies
/// them (a signature's types are shared by every call, on every core).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Param<'a> {
    Go(&'a GoType),
    Reflect,
}

/// A callee's fixed parameters: a builtin's, or a function's or method's signature.
#[derive(Clone, Copy)]
pub(crate) enum Params<'a> {
    Builtin(&'static [Param<'static>]),
    Signature(&'a [GoType]),
}

impl<'a> Params<'a> {
    pub(crate) fn len(self) -> usize {
        match self {
            Params::Builtin(p) => p.len(),
            Params::Signature(p) => p.len(),
        }
    }

    /// Parameter `i` (`i < len`).
    pub(crate) fn get(self, i: usize) -> Param<'a> {
        match self {
            Params::Builtin(p) => p[i],
            Params::Signature(p) => Param::Go(&p[i]),
        }
    }
}

static INTERFACE: GoType = GoType::Interface;
static STRING: GoType = GoType::String;
static ONE_REFLECT: [Param<'static>; 1] = [Param::Reflect];
static TWO_REFLECT: [Param<'static>; 2] = [Param::Reflect, Param::Reflect];
static FORMAT: [Param<'static>; 1] = [Param::Go(&STRING)];

/// Go's builtins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Builtin {
    And,
    Or,
    Not,
    Call,
    Html,
    Js,
    UrlQuery,
    Index,
    Slice,
    Len,
    Print,
    Printf,
    Println,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

const NAMES: &[(&str, Builtin)] = &[
    ("and", Builtin::And),
    ("call", Builtin::Call),
    ("eq", Builtin::Eq),
    ("ge", Builtin::Ge),
    ("gt", Builtin::Gt),
    ("html", Builtin::Html),
    ("index", Builtin::Index),
    ("js", Builtin::Js),
    ("le", Builtin::Le),
    ("len", Builtin::Len),
    ("lt", Builtin::Lt),
    ("ne", Builtin::Ne),
    ("not", Builtin::Not),
    ("or", Builtin::Or),
    ("print", Builtin::Print),
    ("printf", Builtin::Printf),
    ("println", Builtin::Println),
    ("slice", Builtin::Slice),
    ("urlquery", Builtin::UrlQuery),
];

/// Whether `name` is a Go builtin.
pub(crate) fn is_builtin(name: &str) -> bool {
    Builtin::from_name(name).is_some()
}

impl Builtin {
    pub(crate) fn from_name(name: &str) -> Option<Builtin> {
        NAMES.iter().find(|(n, _)| *n == name).map(|(_, b)| *b)
    }

    pub(crate) fn params(self) -> (Params<'static>, Option<Param<'static>>) {
        use Builtin::*;
        let any = Param::Go(&INTERFACE);
        let (fixed, variadic): (&'static [Param<'static>], _) = match self {
            And | Or | Call | Index | Slice | Eq => (&ONE_REFLECT, Some(Param::Reflect)),
            Not | Len => (&ONE_REFLECT, None),
            Ne | Lt | Le | Gt | Ge => (&TWO_REFLECT, None),
            Html | Js | UrlQuery | Print | Println => (&[], Some(any)),
            Printf => (&FORMAT, Some(any)),
        };
        (Params::Builtin(fixed), variadic)
    }
}

type FResult = Result<Val, FuncError>;

fn bool_val(b: bool) -> Val {
    Val::Direct(Value::Bool(b))
}

/// Calls builtin `b` with checked arguments; `callee` is the first argument as written
/// (printed in `call`'s messages).
pub(crate) fn call(b: Builtin, argv: &[Val], callee: Option<&crate::ast::Arg>) -> FResult {
    let values = || -> Vec<Value> { argv.iter().cloned().map(Val::into_value).collect() };
    match b {
        // Handled by the evaluator; reached only through a pipeline final value.
        Builtin::And | Builtin::Or => Ok(argv.last().cloned().unwrap_or(Val::Invalid)),
        Builtin::Not => Ok(bool_val(!argv[0].truth())),
        Builtin::Len => length(&argv[0]),
        Builtin::Index => index(&argv[0], &argv[1..]),
        Builtin::Slice => slice(&argv[0], &argv[1..]),
        Builtin::Call => match argv[0].clone().indirect_interface() {
            Val::Invalid => Err(FuncError::new("call of nil")),
            v => Err(FuncError::new(format!(
                "non-function {} of type {}",
                callee.map(ToString::to_string).unwrap_or_default(),
                v.type_name()
            ))),
        },
        Builtin::Print => Ok(Val::Direct(Value::from(crate::fmt::sprint(&values())))),
        Builtin::Println => Ok(Val::Direct(Value::from(crate::fmt::sprintln(&values())))),
        Builtin::Printf => {
            let vs = values();
            let format = vs[0].as_str().unwrap_or_default().to_string();
            Ok(Val::Direct(Value::from(crate::fmt::sprintf(
                &format,
                &vs[1..],
            ))))
        }
        Builtin::Html => Ok(Val::Direct(Value::from(html_escape(&eval_args(&values()))))),
        Builtin::Js => Ok(Val::Direct(Value::from(js_escape(&eval_args(&values()))))),
        Builtin::UrlQuery => Ok(Val::Direct(Value::from(query_escape(
            &eval_args(&values()),
        )))),
        Builtin::Eq => eq(&argv[0], &argv[1..]).map(bool_val),
        Builtin::Ne => eq(&argv[0], &argv[1..2]).map(|e| bool_val(!e)),
        Builtin::Lt => lt(&argv[0], &argv[1]).map(bool_val),
        Builtin::Le => le(&argv[0], &argv[1]).map(bool_val),
        Builtin::Gt => le(&argv[0], &argv[1]).map(|b| bool_val(!b)),
        Builtin::Ge => lt(&argv[0], &argv[1]).map(|b| bool_val(!b)),
    }
}

fn length(item: &Val) -> FResult {
    let v = match item {
        Val::Iface(Value::Nil) => return Err(FuncError::new("len of nil pointer")),
        Val::Invalid => {
            return Err(FuncError::new(
                "reflect: call of reflect.Value.Type on zero Value",
            ))
        }
        Val::Iface(v) | Val::Direct(v) => v,
    };
    let n = match v {
        Value::String(s) => s.len(),
        Value::List(l) => l.len(),
        Value::Map(m) => m.len(),
        other => match (other.as_list(), other.as_map()) {
            (Some(l), _) => l.len(),
            (None, Some(m)) => m.len(),
            _ => return Err(FuncError::new(format!("len of type {}", other.type_name()))),
        },
    };
    Ok(Val::Direct(Value::int(n as i64)))
}

/// Go's `indexArg`.
fn index_arg(index: &Val, cap: usize) -> Result<usize, FuncError> {
    let x: i64 = match index.clone().indirect_interface() {
        Val::Invalid => return Err(FuncError::new("cannot index slice/array with nil")),
        Val::Direct(Value::Int(i, _)) => i,
        Val::Direct(Value::Uint(u, _)) => u as i64,
        other => {
            return Err(FuncError::new(format!(
                "cannot index slice/array with type {}",
                other.type_name()
            )))
        }
    };
    if x < 0 || x as u64 > cap as u64 {
        return Err(FuncError::new(format!("index out of range: {x}")));
    }
    Ok(x as usize)
}

fn index(item: &Val, indexes: &[Val]) -> FResult {
    let mut item = item.clone().indirect_interface();
    if matches!(item, Val::Invalid) {
        return Err(FuncError::new("index of untyped nil"));
    }
    for index in indexes {
        let index = index.clone().indirect_interface();
        let v = match item {
            Val::Iface(Value::Nil) | Val::Invalid => {
                return Err(FuncError::new("index of nil pointer"))
            }
            Val::Iface(v) | Val::Direct(v) => v,
        };
        item = match &v {
            Value::String(s) => {
                let x = index_arg(&index, s.len())?;
                let b = s
                    .as_bytes()
                    .get(x)
                    .copied()
                    .ok_or_else(|| FuncError::new("reflect: string index out of range"))?;
                Val::Direct(Value::Uint(u64::from(b), UintKind::Uint8))
            }
            other => {
                if let Some(list) = other.as_list() {
                    let x = index_arg(&index, list.len())?;
                    let elem = list
                        .get(x)
                        .cloned()
                        .ok_or_else(|| FuncError::new("reflect: slice index out of range"))?;
                    Val::of_elem(list.elem(), elem)
                } else if let Some(map) = other.as_map() {
                    let key = match &index {
                        Val::Invalid => {
                            return Err(FuncError::new("value is nil; should be of type string"))
                        }
                        Val::Direct(Value::String(s)) | Val::Iface(Value::String(s)) => s.clone(),
                        other => {
                            return Err(FuncError::new(format!(
                                "value has type {}; should be string",
                                other.type_name()
                            )))
                        }
                    };
                    match map.get(&key) {
                        Some(v) => Val::of_elem(map.elem(), v),
                        None => zero_of(map.elem()),
                    }
                } else {
                    return Err(FuncError::new(format!(
                        "can't index item of type {}",
                        other.type_name()
                    )));
                }
            }
        };
    }
    Ok(item)
}

fn slice(item: &Val, indexes: &[Val]) -> FResult {
    let item = item.clone().indirect_interface();
    let Some(v) = item.value() else {
        return Err(FuncError::new("slice of untyped nil"));
    };
    if indexes.len() > 3 {
        return Err(FuncError::new(format!(
            "too many slice indexes: {}",
            indexes.len()
        )));
    }
    let (len, list) = match v {
        Value::String(s) => {
            if indexes.len() == 3 {
                return Err(FuncError::new("cannot 3-index slice a string"));
            }
            (s.len(), None)
        }
        other => match other.as_list() {
            Some(l) => (l.len(), Some(l)),
            None => {
                return Err(FuncError::new(format!(
                    "can't slice item of type {}",
                    other.type_name()
                )))
            }
        },
    };
    let mut idx = [0, len, len];
    for (i, index) in indexes.iter().enumerate() {
        idx[i] = index_arg(index, len)?;
    }
    if idx[0] > idx[1] {
        return Err(FuncError::new(format!(
            "invalid slice index: {} > {}",
            idx[0], idx[1]
        )));
    }
    if indexes.len() == 3 && idx[1] > idx[2] {
        return Err(FuncError::new(format!(
            "invalid slice index: {} > {}",
            idx[1], idx[2]
        )));
    }
    Ok(Val::Direct(match (v, list) {
        (Value::String(s), _) => {
            Value::from(String::from_utf8_lossy(&s.as_bytes()[idx[0]..idx[1]]).into_owned())
        }
        (_, Some(l)) => Value::List(List::typed(
            l.elem().clone(),
            l.items()[idx[0]..idx[1]].to_vec(),
        )),
        _ => Value::Nil,
    }))
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum BasicKind {
    Invalid,
    Bool,
    Complex,
    Int,
    Float,
    String,
    Uint,
}

fn basic_kind(v: &Val) -> BasicKind {
    match v.value() {
        Some(Value::Bool(_)) => BasicKind::Bool,
        Some(Value::Int(..)) => BasicKind::Int,
        Some(Value::Uint(..)) => BasicKind::Uint,
        Some(Value::Float(..)) => BasicKind::Float,
        Some(Value::Complex(..)) => BasicKind::Complex,
        Some(Value::String(_)) => BasicKind::String,
        _ => BasicKind::Invalid,
    }
}

fn int_of(v: &Val) -> i64 {
    match v.value() {
        Some(Value::Int(i, _)) => *i,
        _ => 0,
    }
}

fn uint_of(v: &Val) -> u64 {
    match v.value() {
        Some(Value::Uint(u, _)) => *u,
        _ => 0,
    }
}

fn reflect_kind(v: &Val) -> Kind {
    v.value().map_or(Kind::Invalid, Value::kind)
}

fn eq(arg1: &Val, rest: &[Val]) -> Result<bool, FuncError> {
    let arg1 = arg1.clone().indirect_interface();
    if rest.is_empty() {
        return Err(FuncError::new("missing argument for comparison"));
    }
    let k1 = basic_kind(&arg1);
    for arg in rest {
        let arg = arg.clone().indirect_interface();
        let k2 = basic_kind(&arg);
        let truth = if k1 != k2 {
            match (k1, k2) {
                (BasicKind::Int, BasicKind::Uint) => {
                    int_of(&arg1) >= 0 && int_of(&arg1) as u64 == uint_of(&arg)
                }
                (BasicKind::Uint, BasicKind::Int) => {
                    int_of(&arg) >= 0 && uint_of(&arg1) == int_of(&arg) as u64
                }
                _ => {
                    if arg1.value().is_some() && arg.value().is_some() {
                        return Err(FuncError::new("incompatible types for comparison"));
                    }
                    false
                }
            }
        } else {
            match (arg1.value(), arg.value()) {
                (Some(Value::Bool(a)), Some(Value::Bool(b))) => a == b,
                (Some(Value::Complex(ar, ai)), Some(Value::Complex(br, bi))) => {
                    ar == br && ai == bi
                }
                (Some(Value::Float(a, _)), Some(Value::Float(b, _))) => a == b,
                (Some(Value::Int(a, _)), Some(Value::Int(b, _))) => a == b,
                (Some(Value::String(a)), Some(Value::String(b))) => a == b,
                (Some(Value::Uint(a, _)), Some(Value::Uint(b, _))) => a == b,
                _ => compare_other(&arg1, &arg)?,
            }
        };
        if truth {
            return Ok(true);
        }
    }
    Ok(false)
}

/// `==` for non-basic kinds: nil checks, then Go's comparability rule.
fn compare_other(a: &Val, b: &Val) -> Result<bool, FuncError> {
    let (ka, kb) = (reflect_kind(a), reflect_kind(b));
    if ka != kb && ka != Kind::Invalid && kb != Kind::Invalid {
        return Err(FuncError::new(format!(
            "non-comparable types {}: {}, {}: {}",
            fmt_s(a),
            a.type_name(),
            b.type_name(),
            fmt_v(b)
        )));
    }
    let is_nil = |v: &Val| matches!(v.value(), None | Some(Value::Nil));
    if is_nil(a) || is_nil(b) {
        return Ok(is_nil(a) == is_nil(b));
    }
    match (a.value(), b.value()) {
        (Some(Value::Object(x)), Some(Value::Object(y))) => match x.equals(y.as_ref()) {
            Some(t) => Ok(t),
            None => Err(FuncError::new(format!(
                "non-comparable type {}: {}",
                fmt_s(b),
                b.type_name()
            ))),
        },
        _ => Err(FuncError::new(format!(
            "non-comparable type {}: {}",
            fmt_s(b),
            b.type_name()
        ))),
    }
}

fn fmt_s(v: &Val) -> String {
    crate::fmt::sprintf("%s", &[v.clone().into_value()])
}

fn fmt_v(v: &Val) -> String {
    crate::fmt::sprintf("%v", &[v.clone().into_value()])
}

fn lt(arg1: &Val, arg2: &Val) -> Result<bool, FuncError> {
    let bad = || FuncError::new("invalid type for comparison");
    let arg1 = arg1.clone().indirect_interface();
    let k1 = basic_kind(&arg1);
    if k1 == BasicKind::Invalid {
        return Err(bad());
    }
    let arg2 = arg2.clone().indirect_interface();
    let k2 = basic_kind(&arg2);
    if k2 == BasicKind::Invalid {
        return Err(bad());
    }
    if k1 != k2 {
        return match (k1, k2) {
            (BasicKind::Int, BasicKind::Uint) => {
                Ok(int_of(&arg1) < 0 || (int_of(&arg1) as u64) < uint_of(&arg2))
            }
            (BasicKind::Uint, BasicKind::Int) => {
                Ok(int_of(&arg2) >= 0 && uint_of(&arg1) < int_of(&arg2) as u64)
            }
            _ => Err(FuncError::new("incompatible types for comparison")),
        };
    }
    match (arg1.value(), arg2.value()) {
        (Some(Value::Float(a, _)), Some(Value::Float(b, _))) => Ok(a < b),
        (Some(Value::Int(a, _)), Some(Value::Int(b, _))) => Ok(a < b),
        (Some(Value::String(a)), Some(Value::String(b))) => Ok(a < b),
        (Some(Value::Uint(a, _)), Some(Value::Uint(b, _))) => Ok(a < b),
        _ => Err(bad()),
    }
}

fn le(arg1: &Val, arg2: &Val) -> Result<bool, FuncError> {
    if lt(arg1, arg2)? {
        return Ok(true);
    }
    eq(arg1, std::slice::from_ref(arg2))
}

/// Go's `evalArgs`: one string as is, else `fmt.Sprint` with nils shown as `<no value>`.
fn eval_args(args: &[Value]) -> String {
    if let [Value::String(s)] = args {
        return s.to_string();
    }
    let shown: Vec<Value> = args
        .iter()
        .map(|a| match a {
            Value::Nil => Value::from("<no value>"),
            other => other.clone(),
        })
        .collect();
    crate::fmt::sprint(&shown)
}

/// Go's `HTMLEscapeString`.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\0' => out.push('\u{FFFD}'),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// Go's `JSEscapeString`.
pub fn js_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '<' => out.push_str("\\u003C"),
            '>' => out.push_str("\\u003E"),
            '&' => out.push_str("\\u0026"),
            '=' => out.push_str("\\u003D"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04X}", c as u32)),
            c if (c as u32) < 0x80 => out.push(c),
            c if crate::fmt::is_print(c) => out.push(c),
            c => out.push_str(&format!("\\u{:04X}", c as u32)),
        }
    }
    out
}

/// Go's `url.QueryEscape`.
pub fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char);
            }
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(v: Value) -> Val {
        Val::Direct(v)
    }

    #[test]
    fn comparisons_follow_go() {
        assert_eq!(
            eq(&d(Value::int(1)), &[d(Value::int64(1))]).ok(),
            Some(true)
        );
        assert_eq!(
            eq(&d(Value::int(1)), &[d(Value::float(1.0))]).map_err(|e| e.to_string()),
            Err("incompatible types for comparison".to_string())
        );
        assert_eq!(eq(&Val::Invalid, &[d(Value::int(1))]).ok(), Some(false));
        assert_eq!(
            eq(&Val::Iface(Value::Nil), &[Val::Invalid]).ok(),
            Some(true)
        );
        assert_eq!(
            lt(&d(Value::Bool(true)), &d(Value::Bool(false))).map_err(|e| e.to_string()),
            Err("invalid type for comparison".to_string())
        );
        assert_eq!(
            lt(&d(Value::int(-1)), &d(Value::Uint(0, UintKind::Uint))).ok(),
            Some(true)
        );
        let m = d(Value::Map(crate::value::Map::new()));
        assert_eq!(
            eq(&m, std::slice::from_ref(&m)).map_err(|e| e.to_string()),
            Err("non-comparable type map[]: map[string]interface {}".to_string())
        );
    }

    #[test]
    fn escapes() {
        assert_eq!(
            html_escape("<a href='x'>&\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&#34;&lt;/a&gt;"
        );
        assert_eq!(js_escape("a'b=\n"), "a\\'b\\u003D\\u000A");
        assert_eq!(query_escape("a b&c/é"), "a+b%26c%2F%C3%A9");
    }
}
