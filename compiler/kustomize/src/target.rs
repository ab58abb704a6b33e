//! One kustomization directory and how it accumulates resources: its `resources` (files
//! and child kustomizations, each built with a fresh accumulator), configurations,
//! generators, `components` (run on this accumulator), then its transformers, in
//! kustomize's order (`api/internal/target/kusttarget.go`).
//!
//! The steps that run once for the whole build (hash suffixes, name references, vars,
//! sorting) are in [`crate::build`].

use std::path::{Path, PathBuf};

use kubake_yaml::{load_stream_parallel, Duplicates, Node, Schema, Value};

use crate::config::TransformerConfig;
use crate::error::{Error, Result};
use crate::fs::{clean, FileSystem};
use crate::generators::{self, FileSource, GeneratorKind};
use crate::kustfile::{self, KustKind, Kustomization, VarArgs};
use crate::resmap::ResMap;
use crate::resource::{ConfiguredBy, Origin, Resource};
use crate::transform;

/// Whether files may be read from outside a kustomization's directory.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LoadRestrictor {
    /// Only files in or below the kustomization's directory (kustomize's default).
    #[default]
    RootOnly,
    /// Any file.
    None,
}

/// What a (partial) build has gathered so far.
#[derive(Clone, Debug, Default)]
pub struct Accumulator {
    /// The resources.
    pub resmap: ResMap,
    /// Field specs gathered from `configurations` and `crds`.
    pub config: std::sync::Arc<TransformerConfig>,
    /// `vars` gathered so far.
    pub vars: Vec<VarArgs>,
}

impl Accumulator {
    /// A fresh, empty accumulator (each kustomization merges its configuration in).
    pub fn new() -> Self {
        Accumulator::default()
    }

    /// Adds vars declared by a kustomization: each is bound now to the one resource its
    /// objref matches in this accumulator (kustomize's `MergeVars`).
    fn declare_vars(&mut self, vars: &[VarArgs]) -> Result<()> {
        for v in vars {
            if let Some(i) = crate::transform::vars::bind(&self.resmap, v)? {
                self.resmap.resources_mut()[i]
                    .ref_var_names
                    .push(v.name.clone());
            }
        }
        self.merge_vars(vars)
    }

    /// Adds vars already bound in a child accumulator.
    fn merge_vars(&mut self, vars: &[VarArgs]) -> Result<()> {
        for v in vars {
            if self.vars.iter().any(|x| x.name == v.name) {
                return Err(Error::new(format!("var '{}' already encountered", v.name))
                    .with_help("each var name may be declared once in the whole build"));
            }
            self.vars.push(v.clone());
        }
        Ok(())
    }
}

/// Settings shared by every kustomization of one build.
pub struct BuildContext<'a> {
    /// Where files come from.
    pub fs: &'a dyn FileSystem,
    /// The load restrictor.
    pub restrictor: LoadRestrictor,
    /// `--enable-helm`'s chart inflater, if enabled.
    pub helm: Option<&'a crate::helm_charts::HelmSupport>,
    /// The top kustomization's directory (origin paths are relative to it).
    pub top_dir: PathBuf,
    /// The top kustomization's `buildMetadata`.
    pub build_metadata: Vec<String>,
    /// Merge keys and strategies for strategic-merge patches: set by the first
    /// kustomization (top first, then in load order) whose `openapi` field names one, and
    /// kept for the rest of the build, as kyaml's global schema is. Unset means builtin.
    pub schema: std::sync::OnceLock<crate::openapi::Schema>,
    /// Whether kyaml would have parsed its builtin schema by now (a patch was merged, or a
    /// resource was loaded and its scope looked up), which decides whether a custom schema
    /// set later adds to the builtin one or stands alone.
    pub schema_used: std::sync::atomic::AtomicBool,
}

impl BuildContext<'_> {
    /// The merge schema in force now.
    pub fn schema(&self) -> &crate::openapi::Schema {
        self.note_schema_used();
        self.schema
            .get()
            .unwrap_or_else(|| crate::openapi::Schema::builtin_ref())
    }

    /// Records that the schema in force has been consulted.
    pub fn note_schema_used(&self) {
        self.schema_used
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Adopts `kust`'s `openapi` schema unless an earlier kustomization already set one.
    pub fn adopt_schema(&self, kust: &Kustomization) -> Result<()> {
        if self.schema.get().is_some() {
            return Ok(());
        }
        if let Some(schema) = crate::build::merge_schema(
            self.fs,
            kust,
            self.schema_used.load(std::sync::atomic::Ordering::Relaxed),
        )? {
            // Only this thread builds, so the cell is still empty here.
            let _ = self.schema.set(schema);
        }
        Ok(())
    }
}

/// A loaded kustomization, ready to accumulate.
pub struct Target<'c, 'a> {
    ctx: &'c BuildContext<'a>,
    /// The kustomization.
    pub kust: Kustomization,
    stack: Vec<PathBuf>,
}

impl<'c, 'a> Target<'c, 'a> {
    /// Loads the kustomization in `dir`.
    pub fn load(ctx: &'c BuildContext<'a>, dir: &Path, stack: Vec<PathBuf>) -> Result<Self> {
        let kust = kustfile::load(ctx.fs, dir)?;
        Ok(Target { ctx, kust, stack })
    }

    fn dir(&self) -> &Path {
        &self.kust.dir
    }

    /// Resolves a path from the kustomization, enforcing the load restrictor for files.
    fn resolve_file(&self, rel: &str) -> Result<PathBuf> {
        let path = clean(&self.dir().join(rel));
        if self.ctx.restrictor == LoadRestrictor::RootOnly && !path.starts_with(self.dir()) {
            return Err(Error::new(format!(
                "security; file '{}' is not in or below '{}'",
                path.display(),
                self.dir().display()
            ))
            .with_help("move the file under the kustomization's directory, or build with --load-restrictor LoadRestrictionsNone"));
        }
        Ok(path)
    }

    /// Reads a file named in the kustomization, as bytes.
    pub fn read_bytes(&self, rel: &str) -> Result<Vec<u8>> {
        let path = self.resolve_file(rel)?;
        self.ctx.fs.read(&path).map_err(|_| {
            Error::new(format!(
                "evalsymlink failure on '{}' : lstat {}: no such file or directory",
                path.display(),
                path.display()
            ))
        })
    }

    /// Reads a text file named in the kustomization.
    pub fn read_file(&self, rel: &str) -> Result<String> {
        Ok(String::from_utf8_lossy(&self.read_bytes(rel)?).into_owned())
    }

    /// Builds this kustomization on a fresh accumulator (a top-level or child build).
    pub fn accumulate(&self) -> Result<Accumulator> {
        self.accumulate_into(Accumulator::new())
    }

    /// kustomize's `accumulateTarget`: everything this kustomization does, on `ra`.
    pub fn accumulate_into(&self, mut ra: Accumulator) -> Result<Accumulator> {
        let k = &self.kust;
        for r in &k.resources {
            ra = self
                .accumulate_resource(ra, &r.value)
                .map_err(|e| e.or_at(&k.file, r.pos).context("accumulating resources"))?;
        }
        let mut config = TransformerConfig::default();
        for c in &k.configurations {
            let text = self
                .read_file(&c.value)
                .map_err(|e| e.or_at(&k.file, c.pos))?;
            let path = self.dir().join(&c.value);
            let node = kubake_yaml::load_one(&text, Schema::Core12)
                .map_err(|e| Error::at(e.message, &path, e.pos))?;
            config.merge(&TransformerConfig::decode(&node, &path)?);
        }
        TransformerConfig::merge_shared(&mut ra.config, &config.with_builtin());
        for c in &k.crds {
            let text = self
                .read_file(&c.value)
                .map_err(|e| e.or_at(&k.file, c.pos))?;
            let path = self.dir().join(&c.value);
            let crd_config = transform::crds::config_from_crd(&text, &path)?;
            std::sync::Arc::make_mut(&mut ra.config).merge(&crd_config);
        }
        self.run_generators(&mut ra)?;
        for c in &k.components {
            ra = self
                .accumulate_component(ra, &c.value)
                .map_err(|e| e.or_at(&k.file, c.pos).context("accumulating components"))?;
        }
        transform::run_transformers(self, &mut ra)?;
        ra.declare_vars(&k.vars)?;
        Ok(ra)
    }

    fn child_dir(&self, rel: &str) -> Result<Option<PathBuf>> {
        if is_remote(rel) {
            return Err(Error::new(format!(
                "remote resource '{rel}': kubake builds offline and does not fetch bases"
            ))
            .with_help("vendor the base into the repository (for example under vendor/) and list its local path instead"));
        }
        let path = clean(&self.dir().join(rel));
        Ok(self.ctx.fs.is_dir(&path).then_some(path))
    }

    fn accumulate_resource(&self, mut ra: Accumulator, rel: &str) -> Result<Accumulator> {
        if let Some(dir) = self.child_dir(rel)? {
            let sub = self.child(&dir)?;
            if sub.kust.kind == KustKind::Component {
                return Err(Error::new(format!(
                    "expected kind != 'Component' for path '{}'",
                    dir.display()
                )));
            }
            let sub_ra = sub
                .accumulate()
                .map_err(|e| e.context(format!("accumulating resources from '{rel}'")))?;
            ra.resmap
                .append_all(sub_ra.resmap.into_resources())
                .map_err(|e| {
                    e.context(format!("recursed merging from path '{}'", dir.display()))
                })?;
            ra.merge_vars(&sub_ra.vars).map_err(|e| {
                e.context(format!("recursed merging from path '{}'", dir.display()))
            })?;
            TransformerConfig::merge_shared(&mut ra.config, &sub_ra.config);
            return Ok(ra);
        }
        let text = self
            .read_file(rel)
            .map_err(|e| e.context(format!("accumulating resources from '{rel}'")))?;
        let path = clean(&self.dir().join(rel));
        let resources = parse_resources(&text, &path)?;
        if !resources.is_empty() {
            self.ctx.note_schema_used();
        }
        let origin_path = self.origin_path(&path);
        for mut res in resources {
            if let Some(p) = &origin_path {
                res.origin = Some(Origin {
                    path: Some(p.clone()),
                    ..Origin::default()
                });
            }
            ra.resmap
                .append(res)
                .map_err(|e| e.context(format!("merging resources from '{rel}'")))?;
        }
        Ok(ra)
    }

    fn accumulate_component(&self, ra: Accumulator, rel: &str) -> Result<Accumulator> {
        let Some(dir) = self.child_dir(rel)? else {
            let path = clean(&self.dir().join(rel));
            return Err(Error::new(format!(
                "loader.New \"must build at directory: '{}': file is not directory\"",
                path.display()
            )));
        };
        let sub = self.child(&dir)?;
        if sub.kust.kind != KustKind::Component {
            return Err(Error::new(format!(
                "accumulateDirectory: \"expected kind 'Component' for path '{}' but got 'Kustomization'\"",
                dir.display()
            )));
        }
        sub.accumulate_into(ra)
            .map_err(|e| e.context(format!("recursed accumulation of path '{}'", dir.display())))
    }

    fn child(&self, dir: &Path) -> Result<Target<'c, 'a>> {
        if self.stack.iter().any(|d| d == dir) || dir == self.dir() {
            return Err(Error::new(format!(
                "cycle detected: '{}' includes itself through its resources or components",
                dir.display()
            )));
        }
        let mut stack = self.stack.clone();
        stack.push(self.dir().to_path_buf());
        let sub = Target::load(self.ctx, dir, stack)
            .map_err(|e| e.context(format!("couldn't make target for path '{}'", dir.display())))?;
        self.ctx.adopt_schema(&sub.kust)?;
        Ok(sub)
    }

    fn origin_path(&self, path: &Path) -> Option<String> {
        if !self.origin_enabled() {
            return None;
        }
        Some(relative_to(path, &self.ctx.top_dir))
    }

    /// Whether origins and transformations are being tracked (any `buildMetadata`).
    pub fn origin_enabled(&self) -> bool {
        !self.ctx.build_metadata.is_empty()
    }

    /// The kustomization file's path relative to the top directory.
    pub fn configured_in(&self) -> String {
        self.relative(&self.kust.file)
    }

    /// A path relative to the top directory.
    pub fn relative(&self, path: &Path) -> String {
        relative_to(path, &self.ctx.top_dir)
    }

    /// Records, on every resource, that a transformer ran (when tracking is on).
    pub fn record_transformation(
        &self,
        ra: &mut Accumulator,
        by: ConfiguredBy,
        configured_in: Option<String>,
    ) {
        if !self.origin_enabled() {
            return;
        }
        let origin = Origin {
            path: None,
            configured_in: Some(configured_in.unwrap_or_else(|| self.configured_in())),
            configured_by: Some(by),
        };
        for r in ra.resmap.resources_mut() {
            if r.origin.is_none() {
                r.origin = Some(origin.clone());
            } else {
                r.transformations.push(origin.clone());
            }
        }
    }

    fn run_generators(&self, ra: &mut Accumulator) -> Result<()> {
        let k = &self.kust;
        let files = DirFiles { target: self };
        for args in &k.generators_builtin {
            let generated = generators::generate(args, k.generator_options.as_ref(), &files)
                .map_err(|e| Error::at(e.to_string(), &k.file, kubake_yaml::Pos::NONE))?;
            let mut res = transform::generated::resource(generated, args.behavior.as_deref());
            if self.origin_enabled() {
                let kind = match args.kind {
                    GeneratorKind::ConfigMap => "ConfigMapGenerator",
                    GeneratorKind::Secret => "SecretGenerator",
                };
                res.origin = Some(Origin {
                    path: None,
                    configured_in: Some(self.configured_in()),
                    configured_by: Some(ConfiguredBy {
                        api_version: "builtin".into(),
                        kind: kind.into(),
                        ..ConfiguredBy::default()
                    }),
                });
            }
            transform::generated::absorb(&mut ra.resmap, res)?;
        }
        for chart in &k.helm_charts {
            self.inflate_chart(chart, ra)
                .map_err(|e| e.or_at(&k.file, chart.pos))?;
        }
        transform::plugins::run_generator_plugins(self, ra)?;
        Ok(())
    }

    /// kustomize's HelmChartInflationGenerator for one `helmCharts` entry: the chart's
    /// objects join the resources as generated ones (an id clash is an error).
    fn inflate_chart(
        &self,
        chart: &crate::helm_charts::HelmChartArgs,
        ra: &mut Accumulator,
    ) -> Result<()> {
        let Some(support) = self.ctx.helm else {
            return Err(crate::helm_charts::config_error(
                chart,
                &self.kust.helm_globals,
                "must specify --enable-helm",
            )
            .with_help("build with --enable-helm (Argo CD: kustomize.buildOptions: --enable-helm); Flux's kustomize-controller never inflates charts, use a HelmRelease there"));
        };
        let text = crate::helm_charts::inflate(
            chart,
            &self.kust.helm_globals,
            self.dir(),
            support,
            &DirFiles { target: self },
        )?;
        let source = self.dir().join(format!("{}.helm-output.yaml", chart.name));
        for mut res in parse_resources(&text, &source)? {
            if self.origin_enabled() {
                res.origin = Some(Origin {
                    path: None,
                    configured_in: Some(self.configured_in()),
                    configured_by: Some(ConfiguredBy {
                        api_version: "builtin".into(),
                        kind: "HelmChartInflationGenerator".into(),
                        ..ConfiguredBy::default()
                    }),
                });
            }
            transform::generated::absorb(&mut ra.resmap, res)?;
        }
        Ok(())
    }

    /// The build context.
    pub fn ctx(&self) -> &BuildContext<'a> {
        self.ctx
    }
}

struct DirFiles<'t, 'c, 'a> {
    target: &'t Target<'c, 'a>,
}

impl FileSource for DirFiles<'_, '_, '_> {
    fn read(&self, path: &str) -> std::result::Result<Vec<u8>, String> {
        self.target.read_bytes(path).map_err(|e| e.message)
    }
}

impl crate::helm_charts::ValuesSource for DirFiles<'_, '_, '_> {
    fn read(&self, rel: &str) -> Result<Vec<u8>> {
        self.target.read_bytes(rel)
    }

    fn is_dir(&self, path: &Path) -> bool {
        self.target.ctx.fs.is_dir(path)
    }

    fn read_abs(&self, path: &Path) -> Option<Vec<u8>> {
        self.target.ctx.fs.read(path).ok()
    }
}

/// Whether a resource entry names something remote (a URL or a git address).
pub fn is_remote(s: &str) -> bool {
    s.contains("://")
        || s.starts_with("git@")
        || s.starts_with("github.com/")
        || s.starts_with("gitlab.com/")
        || s.starts_with("bitbucket.org/")
}

/// `path` relative to `base`, with `..` where needed.
pub fn relative_to(path: &Path, base: &Path) -> String {
    let p: Vec<_> = path.components().collect();
    let b: Vec<_> = base.components().collect();
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = Vec::new();
    for _ in common..b.len() {
        parts.push("..".into());
    }
    for c in &p[common..] {
        parts.push(c.as_os_str().to_string_lossy().into_owned());
    }
    parts.join("/")
}

/// What to do about a YAML syntax error, by what the parser said.
fn yaml_syntax_help(message: &str) -> String {
    let common = "YAML nests by indentation: a key must line up with its siblings, and a value that holds \": \" or starts with a special character ([ { * & ! | > % @ `) must be quoted";
    if message.contains("mapping values are not allowed") {
        format!(
            "this line is indented deeper than the key above it, or a value holds \": \"; {common}"
        )
    } else if message.contains("did not find expected '-' indicator") {
        format!("this line does not line up with the list items above it; {common}")
    } else if message.contains("did not find expected key") {
        format!("this line does not line up with the keys of its mapping; {common}")
    } else if message.contains("tab") {
        "YAML indentation must use spaces, not tabs".to_string()
    } else {
        common.to_string()
    }
}

/// Reads the objects of a resource file: every non-empty document, with `List` kinds
/// expanded into their items.
pub fn parse_resources(text: &str, path: &Path) -> Result<Vec<Resource>> {
    // A resource file can be megabytes of CRDs, or a chart's whole output in a
    // post-renderer: its documents are read on all cores.
    let docs = load_stream_parallel(text, Schema::Core12, Duplicates::Error).map_err(|e| {
        Error::at(
            format!(
                "MalformedYAMLError: yaml: line {}: {} in File: {}",
                e.pos.line,
                e.message,
                path.file_name()
                    .map(|f| f.to_string_lossy())
                    .unwrap_or_default()
            ),
            path,
            e.pos,
        )
        .with_help(yaml_syntax_help(&e.message))
    })?;
    let mut out = Vec::new();
    for mut doc in docs {
        match &doc.value {
            Value::Null => continue,
            Value::Map(m) if m.is_empty() => continue,
            Value::Map(_) => {}
            _ => {
                return Err(Error::at(
                    format!(
                        "expected a mapping (a Kubernetes object), found a {}",
                        doc.type_name()
                    ),
                    path,
                    doc.pos,
                ))
            }
        }
        let is_list = doc.str_at(&["kind"]).is_some_and(|k| k.ends_with("List"))
            && doc
                .get("items")
                .is_some_and(|i| matches!(i.value, Value::Seq(_)));
        if is_list {
            if let Some(items) = doc.get("items").and_then(Node::as_seq) {
                for item in items {
                    if item.as_map().is_some_and(|m| !m.is_empty()) {
                        let mut item = item.clone();
                        stringify_annotations(&mut item, text);
                        out.push(check_object(item, path)?);
                    }
                }
            }
            continue;
        }
        stringify_annotations(&mut doc, text);
        out.push(check_object(doc, path)?);
    }
    Ok(out)
}

/// kustomize reads `metadata.annotations` as strings, keeping a scalar's source text
/// (`1.50` stays `"1.50"`, `~` stays `"~"`) and turning collections into `""`.
fn stringify_annotations(node: &mut Node, text: &str) {
    let Some(annotations) = node
        .as_map_mut()
        .and_then(|m| m.get_mut("metadata"))
        .and_then(|m| m.as_map_mut())
        .and_then(|m| m.get_mut("annotations"))
        .and_then(Node::as_map_mut)
    else {
        return;
    };
    for (_, v) in annotations.iter_mut() {
        let raw = match &v.value {
            Value::Str(_) => continue,
            Value::Seq(_) | Value::Map(_) => String::new(),
            _ => raw_scalar_text(text, v.pos),
        };
        v.value = Value::Str(raw);
    }
}

/// The source text of a plain scalar starting at `pos`: up to the end of the line, a
/// comment, or (in flow context) a `,`, `]` or `}`.
fn raw_scalar_text(text: &str, pos: kubake_yaml::Pos) -> String {
    let Some(start) = pos.byte_offset(text) else {
        return String::new();
    };
    let rest = &text[start..];
    let line = rest.split(['\n', '\r']).next().unwrap_or("");
    let mut end = line.len();
    if let Some(i) = line.find(" #") {
        end = end.min(i);
    }
    if let Some(i) = line.find([',', ']', '}']) {
        end = end.min(i);
    }
    line[..end].trim_end().to_string()
}

fn check_object(node: Node, path: &Path) -> Result<Resource> {
    if node.str_at(&["kind"]).is_none_or(str::is_empty) {
        return Err(Error::at("missing kind in object", path, node.pos)
            .with_help("every Kubernetes object needs apiVersion, kind and metadata.name"));
    }
    Ok(Resource::new(node))
}
