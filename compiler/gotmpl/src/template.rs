//! The template set: Go's `*template.Template` family sharing one namespace of named
//! templates, one function map and one set of options.
//!
//! [`Templates::parse`] is Go's `t.New(name).Parse(text)`: the text's own template and
//! its `define`s join the set; a definition replaces an existing one of the same name
//! unless its body is empty (Go's `associate` rule). [`Templates::execute`] is
//! `ExecuteTemplate`. Cloning is cheap once the set is [sealed](Templates::seal): the
//! sealed trees are shared and only templates parsed into the clone are its own, which
//! is what Helm's `tpl` needs (it clones the whole set for every call). Not here: the evaluator itself (`eval`).

use std::any::Any;
use std::collections::BTreeMap;
use std::sync::Arc;

use crate::ast::{is_empty_tree, Tree};
use crate::error::Error;
use crate::func::FuncMap;
use crate::value::Value;

/// A text parsed for execution (`tpl`), with what its parse depended on.
struct TextParse {
    funcs: Arc<FuncMap>,
    delims: (String, String),
    name: String,
    text: Box<str>,
    parsed: Parsed,
}

thread_local! {
    /// See [`Templates::parse_to_execute`].
    static TEXT_PARSES: std::cell::RefCell<Vec<TextParse>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// What a missing map key yields (Go's `missingkey` option).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissingKey {
    /// `missingkey=default`/`invalid`: no value (prints `<no value>`).
    #[default]
    Invalid,
    /// `missingkey=zero`: the zero value of the map's element type (Helm's setting; for
    /// `map[string]interface {}` that is a nil interface, which also prints `<no value>`).
    Zero,
    /// `missingkey=error`: execution stops with `map has no entry for key "x"`.
    Error,
}

/// Per-execution settings.
#[derive(Default, Clone)]
pub struct ExecOptions {
    /// Stop after this many evaluation steps (nodes walked plus commands evaluated), so a
    /// host can bound runaway templates. `None`: unbounded, as in Go.
    pub max_steps: Option<u64>,
    /// Stop when one execution's output exceeds this many bytes.
    pub max_output: Option<usize>,
    /// Host state functions reach through [`CallContext::host_data`](crate::CallContext::host_data).
    pub host_data: Option<Arc<dyn Any + Send + Sync>>,
}

impl std::fmt::Debug for ExecOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExecOptions")
            .field("max_steps", &self.max_steps)
            .field("max_output", &self.max_output)
            .finish_non_exhaustive()
    }
}

/// One file's templates, parsed but not yet in a set ([`Templates::parse_detached`]).
/// Cloning shares the trees, so one parse can join several sets.
#[derive(Debug, Clone)]
pub struct Parsed {
    name: String,
    trees: Vec<Arc<Tree>>,
}

/// A set of named templates with their functions and options.
#[derive(Clone, Debug)]
pub struct Templates {
    name: String,
    /// Templates added since the last [`Templates::seal`]; they shadow `sealed`.
    trees: BTreeMap<String, Arc<Tree>>,
    /// Templates shared with every clone.
    sealed: Arc<BTreeMap<String, Arc<Tree>>>,
    funcs: Arc<FuncMap>,
    left_delim: String,
    right_delim: String,
    missing_key: MissingKey,
}

impl Templates {
    /// An empty set whose root template is `name` (Go's `template.New(name)`; the name
    /// appears in `no template "x" associated with template "NAME"`).
    pub fn new(name: &str) -> Templates {
        Templates {
            name: name.to_string(),
            trees: BTreeMap::new(),
            sealed: Arc::default(),
            funcs: Arc::new(FuncMap::new()),
            left_delim: String::new(),
            right_delim: String::new(),
            missing_key: MissingKey::Invalid,
        }
    }

    /// The root name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Go's `Delims`: empty strings mean the defaults `{{` and `}}`.
    pub fn set_delims(&mut self, left: &str, right: &str) {
        self.left_delim = left.to_string();
        self.right_delim = right.to_string();
    }

    /// Go's `Option("missingkey=...")`.
    pub fn set_missing_key(&mut self, mode: MissingKey) {
        self.missing_key = mode;
    }

    /// The `missingkey` mode.
    pub fn missing_key(&self) -> MissingKey {
        self.missing_key
    }

    /// Go's `Funcs`: adds functions (replacing same-named ones). Templates parsed later
    /// may call them; parse checks that every called function exists.
    pub fn add_funcs(&mut self, funcs: &FuncMap) {
        Arc::make_mut(&mut self.funcs).extend(funcs);
    }

    /// [`Templates::add_funcs`] for a map many sets use: a set with no functions of its
    /// own yet shares `funcs` instead of copying its entries.
    pub fn add_shared_funcs(&mut self, funcs: &Arc<FuncMap>) {
        if self.funcs.is_empty() {
            self.funcs = funcs.clone();
        } else {
            self.add_funcs(funcs);
        }
    }

    /// The function map.
    pub fn funcs(&self) -> &FuncMap {
        &self.funcs
    }

    /// Parses `text` as template `name` (Go's `t.New(name).Parse(text)`). On error the set
    /// is unchanged.
    pub fn parse(&mut self, name: &str, text: &str) -> Result<(), Error> {
        let parsed = self.parse_detached(name, text)?;
        self.add_parsed_inner(parsed, false);
        Ok(())
    }

    /// Parses `text` as template `name` to execute it right away, as Helm's `tpl` does
    /// (`t.New(name).Parse(text)` then `t.Execute`): the new `name` is what runs even when
    /// its body is empty, because Go's `Execute` runs the new template object, whose tree
    /// is set even when the set's map keeps an older non-empty one.
    pub(crate) fn parse_to_execute(&mut self, name: &str, text: &str) -> Result<(), Error> {
        let parsed = match self.parsed_before(name, text) {
            Some(parsed) => parsed,
            None => {
                let parsed = self.parse_detached(name, text)?;
                self.remember_parse(name, text, &parsed);
                parsed
            }
        };
        self.add_parsed_inner(parsed, true);
        Ok(())
    }

    /// A parse of `text` as `name` that this thread made before with the same functions
    /// and delimiters. Helm's `tpl` parses its text on every call, and charts call it
    /// with the same few texts many times (loki renders its whole configuration through
    /// it, once per template that checksums it). Only successful parses are kept; a
    /// function map is held by the entry, so its address cannot be reused by another.
    fn parsed_before(&self, name: &str, text: &str) -> Option<Parsed> {
        TEXT_PARSES.with(|kept| {
            kept.borrow()
                .iter()
                .find(|e| {
                    e.text.len() == text.len()
                        && Arc::ptr_eq(&e.funcs, &self.funcs)
                        && e.name == name
                        && e.delims.0 == self.left_delim
                        && e.delims.1 == self.right_delim
                        && *e.text == *text
                })
                .map(|e| e.parsed.clone())
        })
    }

    fn remember_parse(&self, name: &str, text: &str, parsed: &Parsed) {
        /// Entries kept per thread, and the text they may hold in all.
        const KEPT: usize = 32;
        const KEPT_BYTES: usize = 1 << 20;
        if text.len() > KEPT_BYTES / 4 {
            return;
        }
        TEXT_PARSES.with(|kept| {
            let mut kept = kept.borrow_mut();
            let bytes: usize = kept.iter().map(|e| e.text.len()).sum();
            if kept.len() >= KEPT || bytes + text.len() > KEPT_BYTES {
                kept.clear();
            }
            kept.push(TextParse {
                funcs: self.funcs.clone(),
                delims: (self.left_delim.clone(), self.right_delim.clone()),
                name: name.to_string(),
                text: text.into(),
                parsed: parsed.clone(),
            });
        });
    }

    /// Parses `text` as template `name` against this set's functions and delimiters
    /// without adding it: [`Templates::add_parsed`] adds it later. Files can so be parsed
    /// on several threads and added in order, which gives the same set as
    /// [`Templates::parse`] called file by file.
    pub fn parse_detached(&self, name: &str, text: &str) -> Result<Parsed, Error> {
        self.parse_detached_shared(name, Arc::from(text))
    }

    /// [`Templates::parse_detached`] of a text the caller already holds shared (the
    /// trees keep it for error locations), so it is not copied.
    pub fn parse_detached_shared(&self, name: &str, text: Arc<str>) -> Result<Parsed, Error> {
        let funcs = &self.funcs;
        let has_function = |f: &str| funcs.get(f).is_some() || crate::builtins::is_builtin(f);
        let trees = crate::parser::parse(
            name,
            text,
            (&self.left_delim, &self.right_delim),
            &has_function,
        )?;
        Ok(Parsed {
            name: name.to_string(),
            trees: trees.into_iter().map(Arc::new).collect(),
        })
    }

    /// Adds what [`Templates::parse_detached`] parsed, as [`Templates::parse`] would have.
    pub fn add_parsed(&mut self, parsed: Parsed) {
        self.add_parsed_inner(parsed, false);
    }

    /// Moves the templates added so far into the part every clone shares, so that
    /// cloning the set (as `tpl` does on each call) no longer copies them. Call it once
    /// the set is complete; parsing into it later still works.
    pub fn seal(&mut self) {
        if self.trees.is_empty() {
            return;
        }
        let sealed = Arc::make_mut(&mut self.sealed);
        sealed.append(&mut self.trees);
    }

    fn add_parsed_inner(&mut self, parsed: Parsed, replace_root: bool) {
        for tree in parsed.trees {
            let keep_old = is_empty_tree(&tree.root)
                && self.contains(&tree.name)
                && !(replace_root && tree.name == parsed.name);
            if !keep_old {
                self.trees.insert(tree.name.clone(), tree);
            }
        }
    }

    /// The template named `name`.
    pub(crate) fn lookup(&self, name: &str) -> Option<&Arc<Tree>> {
        self.trees.get(name).or_else(|| self.sealed.get(name))
    }

    /// The names of the templates in the set, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        let all: std::collections::BTreeSet<&str> = self
            .trees
            .keys()
            .chain(self.sealed.keys())
            .map(String::as_str)
            .collect();
        all.into_iter()
    }

    /// Whether a template named `name` exists.
    pub fn contains(&self, name: &str) -> bool {
        self.trees.contains_key(name) || self.sealed.contains_key(name)
    }

    /// Go's `ExecuteTemplate`: runs template `name` with `data` as dot and `$`.
    pub fn execute(&self, name: &str, data: &Value, opts: &ExecOptions) -> Result<String, Error> {
        let mut counters = crate::eval::Counters::default();
        crate::eval::execute(self, opts, &mut counters, name, data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::func::Function;
    use crate::value::GoType;

    fn run(set: &Templates, text: &str, data: Value) -> Result<String, Error> {
        let mut copy = set.clone();
        copy.parse_to_execute("tpl", text)?;
        copy.execute("tpl", &data, &ExecOptions::default())
    }

    #[test]
    fn texts_parsed_again_give_what_a_fresh_parse_gives() {
        let mut with_shout = Templates::new("t");
        let mut f = FuncMap::new();
        f.insert(
            "shout",
            Function::new([GoType::String], |_ctx, args| {
                Ok(Value::from(
                    args[0].as_str().unwrap_or_default().to_uppercase(),
                ))
            }),
        );
        with_shout.add_funcs(&f);
        let text = r#"{{ define "inner" }}[{{ . }}]{{ end }}{{ template "inner" (shout .) }}"#;
        // The same text twice, with other data: the kept parse serves the second call.
        assert_eq!(run(&with_shout, text, Value::from("a")).unwrap(), "[A]");
        assert_eq!(run(&with_shout, text, Value::from("b")).unwrap(), "[B]");
        // A set without the function must not be served that parse.
        let plain = Templates::new("t");
        let err = run(&plain, text, Value::from("a")).unwrap_err();
        assert!(err.to_string().contains("\"shout\" not defined"), "{err}");
        // Nor a set whose delimiters differ: there the text is plain text.
        let mut other_delims = with_shout.clone();
        other_delims.set_delims("[[", "]]");
        assert_eq!(
            run(&other_delims, "{{ . }}", Value::from("x")).unwrap(),
            "{{ . }}"
        );
        assert_eq!(run(&with_shout, "{{ . }}", Value::from("x")).unwrap(), "x");
    }
}
