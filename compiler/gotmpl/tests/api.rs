//! The host-facing API: functions with Go signatures, callbacks into the engine
//! (`include`/`tpl`-style), host objects with fields and methods, budgets.

use std::sync::Arc;

use kubake_gotmpl::{
    CallContext, ErrorKind, ExecOptions, FuncError, FuncMap, Function, GoType, Map, MissingKey,
    Object, Signature, Templates, UintKind, Value,
};

fn funcs() -> FuncMap {
    let mut f = FuncMap::new();
    f.insert(
        "upper",
        Function::new([GoType::String], |_ctx, args| {
            Ok(Value::from(
                args[0].as_str().unwrap_or_default().to_uppercase(),
            ))
        }),
    );
    f.insert(
        "repeat",
        Function::new([GoType::INT, GoType::String], |_ctx, args| {
            let n = usize::try_from(args[0].as_i64().unwrap_or(0)).unwrap_or(0);
            Ok(Value::from(args[1].as_str().unwrap_or_default().repeat(n)))
        }),
    );
    f.insert(
        "fail",
        Function::new([GoType::String], |_ctx, args| {
            Err(FuncError::new(args[0].as_str().unwrap_or_default()))
        }),
    );
    f.insert(
        "include",
        Function::new([GoType::String, GoType::Interface], |ctx, args| {
            let name = args[0].as_str().unwrap_or_default().to_string();
            Ok(Value::from(ctx.execute_template(&name, args[1].clone())?))
        }),
    );
    f.insert(
        "tpl",
        Function::new([GoType::String, GoType::Interface], |ctx, args| {
            let text = args[0].as_str().unwrap_or_default().to_string();
            Ok(Value::from(ctx.parse_and_execute(
                "gotpl",
                &text,
                args[1].clone(),
            )?))
        }),
    );
    f.insert(
        "depth",
        Function::new([], |ctx: &mut CallContext<'_>, _| {
            Ok(Value::int(ctx.depth() as i64))
        }),
    );
    f
}

fn render(text: &str, data: &Value) -> String {
    let mut set = Templates::new("gotpl");
    set.set_missing_key(MissingKey::Zero);
    set.add_funcs(&funcs());
    match set
        .parse("t.yaml", text)
        .and_then(|()| set.execute("t.yaml", data, &ExecOptions::default()))
    {
        Ok(out) => out,
        Err(e) => format!("error: {e}"),
    }
}

fn values() -> Value {
    Value::from_json(&serde_json::json!({"name": "x", "n": 3, "m": {"k": "v"}}))
}

#[test]
fn functions_get_typed_arguments() {
    let v = values();
    assert_eq!(render("{{upper .name}} {{repeat 2 \"ab\"}}", &v), "X abab");
    assert_eq!(render("{{.name | upper}}", &v), "X");
    assert_eq!(
        render("{{upper .n}}", &v),
        "error: template: t.yaml:1:8: executing \"t.yaml\" at <.n>: wrong type for value; expected string; got float64"
    );
    assert_eq!(
        render("{{upper .missing}}", &v),
        "error: template: t.yaml:1:8: executing \"t.yaml\" at <.missing>: wrong type for value; expected string; got interface {}"
    );
    assert_eq!(
        render("{{.missing | upper}}", &v),
        "error: template: t.yaml:1:13: executing \"t.yaml\" at <upper>: invalid value; expected string"
    );
    assert_eq!(
        render("{{repeat \"2\" \"x\"}}", &v),
        "error: template: t.yaml:1:9: executing \"t.yaml\" at <\"2\">: expected integer; found \"2\""
    );
    assert_eq!(
        render("{{repeat .n \"x\"}}", &v),
        "error: template: t.yaml:1:9: executing \"t.yaml\" at <.n>: wrong type for value; expected int; got float64"
    );
    assert_eq!(
        render("{{fail \"boom\"}}", &v),
        "error: template: t.yaml:1:2: executing \"t.yaml\" at <fail \"boom\">: error calling fail: boom"
    );
    assert_eq!(
        render("{{upper}}", &v),
        "error: template: t.yaml:1:2: executing \"t.yaml\" at <upper>: wrong number of args for upper: want 1 got 0"
    );
}

#[test]
fn callbacks_execute_and_parse() {
    let v = values();
    let text = "{{define \"a\"}}[{{.name}}]{{end}}{{include \"a\" .}} {{tpl \"{{define \\\"b\\\"}}B{{end}}{{include \\\"b\\\" .}}{{.m.k}}\" .}}";
    assert_eq!(render(text, &v), "[x] Bv");
    assert!(render("{{include \"nope\" .}}", &v).ends_with(
        "error calling include: template: no template \"nope\" associated with template \"gotpl\""
    ));
    assert!(render("{{tpl \"{{\" .}}", &v)
        .contains("error calling tpl: template: gotpl:1: unclosed action"));
    assert_eq!(
        render(
            "{{define \"d\"}}{{depth}}{{end}}{{depth}} {{include \"d\" .}}",
            &v
        ),
        "1 2"
    );
}

#[derive(Debug)]
struct Version {
    major: u64,
}

impl Object for Version {
    fn type_name(&self) -> String {
        "*semver.Version".into()
    }
    fn field(&self, name: &str) -> Option<Value> {
        (name == "Original").then(|| Value::from("v1.2.3"))
    }
    fn method(&self, name: &str) -> Option<Signature> {
        match name {
            "Major" => Some(Signature::fixed([])),
            "Is" => Some(Signature::fixed([GoType::String])),
            _ => None,
        }
    }
    fn call_method(
        &self,
        name: &str,
        _ctx: &mut CallContext<'_>,
        args: &[Value],
    ) -> Result<Value, FuncError> {
        match name {
            "Major" => Ok(Value::Uint(self.major, UintKind::Uint64)),
            _ => Ok(Value::Bool(args[0].as_str() == Some("1"))),
        }
    }
    fn display(&self, out: &mut String) {
        out.push_str("1.2.3");
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[test]
fn objects_expose_fields_and_methods() {
    let top = Map::new();
    top.insert("V", Value::object(Version { major: 1 }));
    let data = Value::Map(top);
    assert_eq!(
        render(
            "{{.V}} {{.V.Major}} {{.V.Is \"1\"}} {{.V.Original}} {{printf \"%T\" .V}}",
            &data
        ),
        "1.2.3 1 true v1.2.3 *semver.Version"
    );
    assert_eq!(
        render("{{.V.Nope}}", &data),
        "error: template: t.yaml:1:4: executing \"t.yaml\" at <.V.Nope>: can't evaluate field Nope in type interface {}"
    );
}

#[test]
fn budgets_stop_runaway_templates() {
    let mut set = Templates::new("gotpl");
    let Ok(()) = set.parse(
        "t",
        "{{define \"r\"}}x{{template \"r\" .}}{{end}}{{template \"r\" .}}",
    ) else {
        panic!("parse failed");
    };
    let opts = ExecOptions {
        max_steps: Some(1000),
        ..ExecOptions::default()
    };
    let err = set.execute("t", &Value::Nil, &opts).err();
    assert_eq!(err.map(|e| e.kind()), Some(ErrorKind::Budget));
    let opts = ExecOptions {
        max_output: Some(100),
        host_data: Some(Arc::new(7u32)),
        ..ExecOptions::default()
    };
    let err = set.execute("t", &Value::Nil, &opts).err();
    assert_eq!(err.map(|e| e.kind()), Some(ErrorKind::Budget));
}

#[test]
fn templates_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Templates>();
    check::<Value>();
    check::<FuncMap>();
}

#[test]
fn deep_nesting_runs_without_overflow() {
    let depth = 9000;
    let text = format!("{}x{}", "{{if 1}}".repeat(depth), "{{end}}".repeat(depth));
    assert_eq!(render(&text, &Value::Nil), "x");
    let text = format!("{{{{{}1{}}}}}", "(".repeat(depth), ")".repeat(depth));
    assert_eq!(render(&text, &Value::Nil), "1");
    let text = format!("{{{{{}1{}}}}}", "(".repeat(100_000), ")".repeat(100_000));
    assert!(render(&text, &Value::Nil).contains("max expression depth exceeded"));
}

#[test]
fn deep_trees_drop_after_errors() {
    let depth = 9000;
    let text = format!(
        "{}x{}{{{{end}}}}",
        "{{if 1}}".repeat(depth),
        "{{end}}".repeat(depth)
    );
    assert!(render(&text, &Value::Nil).contains("unexpected {{end}}"));
}
