//! Rendering one chart's template set as Helm v3.17's engine does (`engine.render`):
//! parse every template into one set (ordered by path depth, deepest first, then by
//! reverse lexical order of the full name, so a later `define` of a name wins), with
//! `missingkey=zero` and Helm's function map; execute each template whose file name does
//! not start with `_` with the top-level object; delete every `<no value>` from its
//! output; and rewrite errors in Helm's words:
//!
//! * a parse error becomes `parse error at (FILE:LINE): LAST PART OF GO'S MESSAGE`;
//! * an execution error from `fail` or `required` becomes
//!   `execution error at (FILE:LINE:COL): MESSAGE`, the location being the outermost
//!   one (the template that was being rendered);
//! * any other execution error keeps Go's text
//!   (`template: FILE:LINE:COL: executing "NAME" at <NODE>: ...`).
//!
//! Each template execution gets its own [`RenderEnv`] (random stream and clock), keyed
//! by release, namespace and template name, so adding a template never changes another
//! template's random values.
//!
//! Not here: loading charts, values coalescing, subcharts and dependencies, hooks, CRDs
//! and output ordering (the chart layer builds a [`RenderInput`] and post-processes).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use kubake_gotmpl::template::{ExecOptions, MissingKey, Parsed, Templates};
use kubake_gotmpl::{ErrorKind, Map, Value};

use crate::env::{Determinism, RandomUse, RenderEnv, StreamId};
use crate::files::Files;
use crate::objects::{
    template_value, values_map, Capabilities, ChartMetadata, ChartObject, ReleaseInfo,
};

/// Everything one chart's render needs.
#[derive(Debug, Clone)]
pub struct RenderInput {
    /// The chart's metadata; `name` prefixes template names (`NAME/templates/x.yaml`).
    pub chart: ChartMetadata,
    /// Template files by chart-relative path (`templates/deployment.yaml`,
    /// `templates/_helpers.tpl`).
    pub templates: Vec<(String, String)>,
    /// `.Values` (a `chartutil.Values` map; see `objects::values_from_json`).
    pub values: Value,
    /// `.Files`.
    pub files: Files,
    /// `.Release`.
    pub release: ReleaseInfo,
    /// `.Capabilities`.
    pub capabilities: Capabilities,
    /// What pins random and clock functions.
    pub determinism: Determinism,
}

/// The rendered chart.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rendered {
    /// Output by template name (`NAME/templates/x.yaml`), partials excluded.
    pub files: BTreeMap<String, String>,
    /// Values random or key-generating functions produced, in render order.
    pub random_uses: Vec<RandomUse>,
}

/// Which phase failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenderErrorKind {
    /// A template did not parse.
    Parse,
    /// A template failed while executing (including `fail` and `required`).
    Exec,
}

/// A render failure, worded as Helm words it.
#[derive(Debug, Clone)]
pub struct RenderError {
    kind: RenderErrorKind,
    message: String,
    template: String,
    source: kubake_gotmpl::Error,
}

impl RenderError {
    /// Parse or execution.
    pub fn kind(&self) -> RenderErrorKind {
        self.kind
    }

    /// The template being parsed or rendered.
    pub fn template(&self) -> &str {
        &self.template
    }

    /// The engine's error (file, line, column, node, Go's text).
    pub fn engine_error(&self) -> &kubake_gotmpl::Error {
        &self.source
    }
}

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RenderError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// Helm's `cleanupParseError`.
pub fn parse_error_text(filename: &str, err: &kubake_gotmpl::Error) -> String {
    let text = err.to_string();
    let tokens: Vec<&str> = text.split(": ").collect();
    if tokens.len() == 1 {
        return format!("parse error in ({filename}): {text}");
    }
    format!(
        "parse error at ({}): {}",
        tokens[1],
        tokens[tokens.len() - 1]
    )
}

/// Helm's `cleanupExecError`.
pub fn exec_error_text(filename: &str, err: &kubake_gotmpl::Error) -> String {
    let text = err.to_string();
    if !matches!(err.kind(), ErrorKind::Exec) {
        return text;
    }
    let tokens: Vec<&str> = text.splitn(3, ": ").collect();
    if tokens.len() != 3 {
        return format!("execution error in ({filename}): {text}");
    }
    match crate::funcs::helm::marked_message(tokens[2]) {
        Some(msg) => format!("execution error at ({}): {msg}", tokens[1]),
        None => text,
    }
}

/// One template on the way to an execution error: where it was and what it ran.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateFrame {
    /// The template file, as Helm names it (`demo/templates/_helpers.tpl`).
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// The action being executed (`include "demo.image" .`).
    pub action: String,
}

/// The chain of templates that led to an execution error, outermost first: Go nests
/// the error of an `include` or `tpl` inside its caller's (`template: A:1:2: executing
/// "A" at <include "b" .>: error calling include: template: B:3:4: executing "b" at
/// <required …>: …`), and Helm's headline keeps only the outermost place.
pub fn template_chain(err: &kubake_gotmpl::Error) -> Vec<TemplateFrame> {
    let text = err.to_string();
    let mut frames = Vec::new();
    for part in text.split("template: ").skip(1) {
        let Some((location, rest)) = part.split_once(": executing ") else {
            continue;
        };
        let mut loc = location.rsplitn(3, ':');
        let (Some(column), Some(line), Some(file)) = (loc.next(), loc.next(), loc.next()) else {
            continue;
        };
        let (Ok(line), Ok(column)) = (line.parse(), column.parse()) else {
            continue;
        };
        let action = rest
            .split_once(" at <")
            .and_then(|(_, a)| a.split_once(">: "))
            .map_or("", |(a, _)| a);
        frames.push(TemplateFrame {
            file: file.to_string(),
            line,
            column,
            action: action.to_string(),
        });
    }
    frames
}

/// Helm's template order: more path separators first, then reverse lexical order.
pub fn sort_templates(names: &mut [String]) {
    names.sort_by(|a, b| {
        let (ca, cb) = (a.matches('/').count(), b.matches('/').count());
        cb.cmp(&ca).then_with(|| b.cmp(a))
    });
}

/// Joins chart-relative paths the way Go's `path.Join` does.
fn join(a: &str, b: &str) -> String {
    crate::funcs::paths::clean(&format!("{a}/{b}"))
}

/// The top-level object (`.`) for a template of the chart.
pub fn top_object(input: &RenderInput, template_name: &str, base_path: &str) -> Value {
    Value::Map(values_map([
        (
            "Capabilities".to_string(),
            Value::object(input.capabilities.clone()),
        ),
        (
            "Chart".to_string(),
            Value::object(ChartObject::new(input.chart.clone(), true)),
        ),
        ("Files".to_string(), Value::object(input.files.clone())),
        ("Release".to_string(), input.release.to_value()),
        ("Subcharts".to_string(), Value::Map(Map::new())),
        (
            "Template".to_string(),
            template_value(template_name, base_path),
        ),
        ("Values".to_string(), input.values.clone()),
    ]))
}

/// Renders the chart's templates.
pub fn render(input: &RenderInput) -> Result<Rendered, RenderError> {
    let base_path = join(&input.chart.name, "templates");
    let scope = match top_object(input, "", &base_path) {
        Value::Map(m) => m,
        _ => values_map([]),
    };
    let templates = input
        .templates
        .iter()
        .map(|(path, text)| {
            (
                join(&input.chart.name, path),
                Renderable {
                    source: Arc::new(text.clone().into_bytes()),
                    scope: scope.clone(),
                    base_path: base_path.clone(),
                },
            )
        })
        .collect();
    render_set(
        &templates,
        &input.release,
        &input.determinism,
        &Budget::default(),
        None,
    )
}

/// One template of a set: its text and the top-level object of its chart.
#[derive(Debug, Clone)]
pub struct Renderable {
    /// The template's bytes, as read (made text, with Go's handling of invalid UTF-8,
    /// when the template is parsed: on all cores).
    pub source: Arc<Vec<u8>>,
    /// The chart's top-level object (`.`), shared by every template of that chart as
    /// Helm shares it: `Template` is set in it just before each execution.
    pub scope: Map,
    /// `.Template.BasePath` (`CHART PATH/templates`).
    pub base_path: String,
}

/// Bounds on one template execution, so a hostile chart (a huge `until`, runaway
/// recursion through `tpl`) ends with an error instead of running for ever. Helm has
/// none; the defaults sit far above what real charts need (the largest corpus template
/// takes well under a million steps).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Evaluation steps per template execution.
    pub max_steps: u64,
    /// Output bytes per template execution.
    pub max_output: usize,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            max_steps: 50_000_000,
            max_output: 256 << 20,
        }
    }
}

/// Templates parsed by earlier renders of one loaded chart, by name, each with the
/// bytes it was parsed from. A chart rendered again (with the API versions a GitOps
/// repository's CRDs add, or installed many times with other values, as an app
/// template is) parses only what it did not parse before: parsing is a third of a
/// render. A parse depends on the text alone (the function names and delimiters are
/// Helm's, the same for every render).
#[derive(Debug, Default)]
pub struct ParseCache {
    parsed: std::sync::Mutex<std::collections::HashMap<String, CachedParse>>,
}

/// A template's bytes and their parse.
type CachedParse = (Arc<Vec<u8>>, Parsed);

impl ParseCache {
    /// The parse of template `name` from exactly these bytes (the same shared buffer),
    /// when there is one.
    fn get(&self, name: &str, source: &Arc<Vec<u8>>) -> Option<Parsed> {
        let parsed = self.parsed.lock().ok()?;
        let (bytes, tree) = parsed.get(name)?;
        Arc::ptr_eq(bytes, source).then(|| tree.clone())
    }

    /// How many templates are kept.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.parsed.lock().map_or(0, |p| p.len())
    }

    fn put(&self, name: &str, source: &Arc<Vec<u8>>, tree: &Parsed) {
        if let Ok(mut parsed) = self.parsed.lock() {
            parsed.insert(name.to_string(), (source.clone(), tree.clone()));
        }
    }
}

/// Parses each file on its own (detached from the set), on all cores. Files parse
/// independently; they join the set afterwards in Helm's order, which decides which of
/// two same-named `define`s wins, and the first error in that order is the one reported.
/// (On [`crate::parallel`]'s threads: scoped ones, or the render pool of the CLI's
/// commands, `pipeline::with_render_pool`.)
fn parse_files(
    set: &Templates,
    names: &[String],
    templates: &BTreeMap<String, Renderable>,
    cache: Option<&ParseCache>,
) -> Vec<Result<Parsed, kubake_gotmpl::Error>> {
    // Each template is looked up once; only the ones not parsed before are spread over
    // threads (a chart parsed before is a few hundred map lookups, not worth a thread).
    let cached: Vec<Option<Parsed>> = names
        .iter()
        .map(|name| {
            let (c, r) = (cache?, templates.get(name)?);
            c.get(name, &r.source)
        })
        .collect();
    let misses = cached.iter().filter(|hit| hit.is_none()).count();
    let work: Vec<(&String, Option<Parsed>)> = names.iter().zip(cached).collect();
    let parse = |(name, hit): &(&String, Option<Parsed>)| {
        if let Some(parsed) = hit {
            return Ok(parsed.clone());
        }
        let Some(r) = templates.get(*name) else {
            return set.parse_detached(name, "");
        };
        let parsed =
            set.parse_detached_shared(name, crate::funcs::text::shared_text_of(&r.source))?;
        if let Some(c) = cache {
            c.put(name, &r.source, &parsed);
        }
        Ok(parsed)
    };
    crate::parallel::map_in_order(&work, misses / 16 + 1, parse)
}

/// Parses every template into one set (Helm's order) and executes each one that is not
/// a partial with its own chart's top-level object (`engine.render`).
pub fn render_set(
    templates: &BTreeMap<String, Renderable>,
    release: &ReleaseInfo,
    determinism: &Determinism,
    budget: &Budget,
    cache: Option<&ParseCache>,
) -> Result<Rendered, RenderError> {
    let mut set = Templates::new("gotpl");
    set.set_missing_key(MissingKey::Zero);
    set.add_shared_funcs(crate::funcs::shared_func_map());
    let mut names: Vec<String> = templates.keys().cloned().collect();
    sort_templates(&mut names);
    let parsed = parse_files(&set, &names, templates, cache);
    for (name, parsed) in names.iter().zip(parsed) {
        let parsed = parsed.map_err(|e| RenderError {
            kind: RenderErrorKind::Parse,
            message: parse_error_text(name, &e),
            template: name.clone(),
            source: e,
        })?;
        set.add_parsed(parsed);
    }
    set.seal();
    let to_execute: Vec<(&String, &Renderable)> = names
        .iter()
        .filter(|name| !crate::funcs::paths::base(name).starts_with('_'))
        .filter_map(|name| templates.get(name).map(|r| (name, r)))
        .collect();
    let run = Execution {
        set: &set,
        release,
        determinism,
        budget,
    };
    // Templates up to the first whose isolated execution was refused (or skipped)
    // executed exactly as in Helm's ordered run; from there on, run them in order.
    let mut executed = Vec::with_capacity(to_execute.len());
    for outcome in run.concurrently(&to_execute) {
        match outcome {
            Some(result) => executed.push(result?),
            None => break,
        }
    }
    for (name, renderable) in &to_execute[executed.len()..] {
        // Helm's way: one top-level object per chart, shared by its templates in
        // order, `Template` set in it before each.
        renderable
            .scope
            .insert("Template", template_value(name, &renderable.base_path));
        executed.push(run.one(name, Value::Map(renderable.scope.clone()))?);
    }
    let mut out = Rendered::default();
    for ((name, _), (text, random_uses)) in to_execute.iter().zip(executed) {
        out.files.insert((*name).clone(), text);
        out.random_uses.extend(random_uses);
    }
    drop_in_background(set);
    Ok(out)
}

/// What executing one template of a sealed set needs.
struct Execution<'a> {
    set: &'a Templates,
    release: &'a ReleaseInfo,
    determinism: &'a Determinism,
    budget: &'a Budget,
}

impl Execution<'_> {
    /// Executes template `name` with `data` as `.`: its output (`<no value>` removed, as
    /// Helm does) and the random values it drew.
    fn one(&self, name: &str, data: Value) -> Executed {
        let env = Arc::new(RenderEnv::new(
            &StreamId {
                release: self.release.name.clone(),
                namespace: self.release.namespace.clone(),
                template: name.to_string(),
            },
            self.determinism,
        ));
        let opts = ExecOptions {
            host_data: Some(env.clone()),
            max_steps: Some(self.budget.max_steps),
            max_output: Some(self.budget.max_output),
        };
        let text = self
            .set
            .execute(name, &data, &opts)
            .map_err(|e| RenderError {
                kind: RenderErrorKind::Exec,
                message: exec_error_text(name, &e),
                template: name.to_string(),
                source: e,
            })?;
        // Most outputs hold no `<no value>`: keep those as they are instead of copying.
        let text = if text.contains("<no value>") {
            text.replace("<no value>", "")
        } else {
            text
        };
        Ok((text, env.random_uses()))
    }

    /// Executes every template at once, each isolated (see [`kubake_gotmpl::isolated`])
    /// with its own copy of its chart's top-level object; in the templates' order, the
    /// result of each, or `None` for one that wrote to a map it shares with the others
    /// (`set .Values …`: its result, and those of the templates after it, cannot stand
    /// for Helm's ordered run) or that was skipped once such a write was seen. Empty
    /// (everything runs in order) on one core or for a single template.
    ///
    /// Up to the first `None`, each result is what the ordered run gives: no template
    /// before it changed anything it could read. So is the first error.
    fn concurrently(&self, templates: &[(&String, &Renderable)]) -> Vec<Option<Executed>> {
        let cores = crate::parallel::cores();
        if cores < 2 || templates.len() < 2 {
            return Vec::new();
        }
        // Once one execution cannot be used, those after it need not run.
        let abandoned = std::sync::atomic::AtomicBool::new(false);
        crate::parallel::map_in_order(templates, cores, |(name, renderable)| {
            if abandoned.load(std::sync::atomic::Ordering::Relaxed) {
                return None;
            }
            let scope = renderable.scope.shallow_copy();
            scope.insert("Template", template_value(name, &renderable.base_path));
            let (result, wrote_shared) =
                kubake_gotmpl::isolated(|| self.one(name, Value::Map(scope)));
            if wrote_shared {
                abandoned.store(true, std::sync::atomic::Ordering::Relaxed);
                return None;
            }
            Some(result)
        })
    }
}

/// One template's output and the random values it drew, or its error.
type Executed = Result<(String, Vec<RandomUse>), RenderError>;

/// Set by a process that renders once and exits (`kubake template`): see
/// [`leave_template_sets_to_exit`].
static LEAVE_TO_EXIT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Tells this process's renders not to free their parsed template sets (nor the chart
/// and its values, see `pipeline`): the process
/// exits right after, and the operating system takes the memory back at once, as
/// compilers do (clang's `-disable-free`). Freeing a big chart's hundreds of thousands
/// of tree nodes competes for the second core with writing the output: 12% of a
/// kube-prometheus-stack render. Not for long-lived processes (a GitOps build renders
/// many charts and must free each).
pub fn leave_template_sets_to_exit() {
    LEAVE_TO_EXIT.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// Drops `value`, unless the process leaves its memory to the exit
/// ([`leave_template_sets_to_exit`]): then it is not freed at all.
pub(crate) fn drop_unless_exiting<T>(value: T) {
    if LEAVE_TO_EXIT.load(std::sync::atomic::Ordering::Relaxed) {
        std::mem::forget(value);
    }
}

/// Frees a parsed template set on its own thread. A big chart's trees are hundreds of
/// thousands of small allocations; freeing them takes as long as executing them, and
/// nothing waits for it (a CLI process may even exit first, which is fine).
fn drop_in_background(set: Templates) {
    if LEAVE_TO_EXIT.load(std::sync::atomic::Ordering::Relaxed) {
        std::mem::forget(set);
        return;
    }
    let spawned = std::thread::Builder::new()
        .name("kubake-drop".into())
        .spawn(move || drop(set));
    // Without a thread (resource limits), the set was moved into the error and is
    // dropped here, on this thread.
    drop(spawned);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helm_template_order() {
        let mut names: Vec<String> = [
            "c/templates/a.yaml",
            "c/templates/_b.tpl",
            "c/charts/sub/templates/x.yaml",
            "c/templates/z.yaml",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        sort_templates(&mut names);
        assert_eq!(
            names,
            [
                "c/charts/sub/templates/x.yaml",
                "c/templates/z.yaml",
                "c/templates/a.yaml",
                "c/templates/_b.tpl"
            ]
        );
    }
}
