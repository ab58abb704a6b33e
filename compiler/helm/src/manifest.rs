//! From rendered template files to `helm template`'s standard output: splitting each file
//! into YAML documents, telling hooks from plain manifests, ordering both by Helm's kind
//! install order, and writing them with `# Source:` comments (Helm's
//! `releaseutil.SortManifests`, `action.renderResources` and `cmd/helm/template.go`).
//!
//! Not here: rendering the templates (the renderer hands over `(path, text)` pairs with
//! `<no value>` already removed) and reading CRD files from a chart's `crds/` directory
//! (the caller passes them in, already in Helm's order).

use std::fmt;

use kubake_yaml::{Duplicates, Node, Schema, Value};

/// Helm v3.17's `releaseutil.InstallOrder`: kinds earlier in the list are installed first;
/// kinds not in it come after, ordered by kind name. (v3.17 does not list the webhook
/// configurations; later versions do.)
pub const INSTALL_ORDER: &[&str] = &[
    "PriorityClass",
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
];

/// The hook events Helm knows (`helm.sh/hook` values, lower-cased).
const HOOK_EVENTS: &[&str] = &[
    "pre-install",
    "post-install",
    "pre-delete",
    "post-delete",
    "pre-upgrade",
    "post-upgrade",
    "pre-rollback",
    "post-rollback",
    "test",
    "test-success",
];

/// One YAML document of a rendered template file.
#[derive(Clone, Debug, PartialEq)]
pub struct Manifest {
    /// The template's path (`chart/templates/deployment.yaml`), shown as `# Source:`.
    pub source: String,
    /// The document text, trimmed.
    pub content: String,
    /// Its `kind` (empty when it has none).
    pub kind: String,
    /// Its `metadata.name` (empty when it has none).
    pub name: String,
    /// The hook events of a hook (`helm.sh/hook`), empty for a plain manifest.
    pub hook_events: Vec<String>,
    /// The document as read to find its head, YAML 1.1 with the last of duplicate keys
    /// winning (as sigs.k8s.io/yaml reads it), kept by [`sort_manifests_keeping_trees`]
    /// for a caller that reads the objects next; `None` otherwise, and for a document
    /// that read only after libyaml's leniency (see [`read_head`]). Without the CRD's
    /// schemas when [`Manifest::canonical`] is set.
    pub parsed: Option<Vec<Node>>,
    /// Kept for a CRD whose text (`content` and a line break) is already written the way
    /// `kubake_yaml::to_yaml` writes it, from this byte on: `parsed` then holds it read
    /// without its schemas ([`CRD_SCHEMAS`]), which is what a GitOps build reads of it.
    pub canonical: Option<usize>,
}

/// The entries of a CustomResourceDefinition that hold its schemas: most of its bytes,
/// and nothing a build reads.
pub const CRD_SCHEMAS: &[&[&str]] = &[
    &["spec", "versions", "-", "schema"],
    &["spec", "validation"],
];

impl Manifest {
    /// Whether the manifest is a hook.
    pub fn is_hook(&self) -> bool {
        !self.hook_events.is_empty()
    }

    /// Whether it is a test hook (`helm template --skip-tests` drops those).
    pub fn is_test_hook(&self) -> bool {
        self.hook_events
            .iter()
            .any(|e| e == "test" || e == "test-success")
    }
}

/// A rendered document that is not a YAML mapping Helm can read.
#[derive(Clone, Debug, PartialEq)]
pub struct ManifestError {
    /// The template's path.
    pub source: String,
    /// What went wrong, in Helm's words after `YAML parse error on PATH: `.
    pub message: String,
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "YAML parse error on {}: {}", self.source, self.message)
    }
}

impl std::error::Error for ManifestError {}

/// Splits a rendered file into documents as Helm's `SplitManifests` does: on `---` lines
/// (with any surrounding white space), dropping empty documents, trimming each.
pub fn split_manifests(text: &str) -> Vec<String> {
    let text = text.trim();
    let mut docs = Vec::new();
    let mut rest = text;
    // Helm's separator is the regex `(?:^|\s*\n)---\s*`: a `---` at the very start, or
    // after a newline (and the white space before it), swallowing the white space after.
    let mut at_start = true;
    loop {
        let found = if at_start && rest.starts_with("---") {
            Some((0, 3))
        } else {
            find_separator(rest)
        };
        at_start = false;
        match found {
            Some((start, end)) => {
                push_doc(&mut docs, &rest[..start]);
                let after = &rest[end..];
                rest = after.trim_start();
            }
            None => {
                push_doc(&mut docs, rest);
                break;
            }
        }
    }
    docs
}

/// [`split_manifests`] of a template's output that it may take: most templates write
/// one document, which is then the output itself, trimmed where it lies, instead of a
/// copy (a chart's manifests are megabytes, and a copy is as many fresh pages).
fn split_manifests_owned(mut text: String) -> Vec<String> {
    let trimmed = text.trim();
    if trimmed.starts_with("---") || find_separator(trimmed).is_some() {
        return split_manifests(&text);
    }
    if trimmed.is_empty() {
        return Vec::new();
    }
    text.truncate(text.trim_end().len());
    let leading = text.len() - text.trim_start().len();
    text.drain(..leading);
    vec![text]
}

/// The first `\s*\n---` in `text`: the byte range from the white space before the newline
/// to the end of the dashes.
fn find_separator(text: &str) -> Option<(usize, usize)> {
    // memchr's SIMD search: the standard library's substring search showed in profiles
    // of charts with megabytes of output.
    let nl = memchr::memmem::find(text.as_bytes(), b"\n---")?;
    let start = text[..nl].trim_end().len();
    Some((start, nl + 4))
}

fn push_doc(docs: &mut Vec<String>, doc: &str) {
    let doc = doc.trim();
    if !doc.is_empty() {
        // Room for the newline a document gets when it is printed or handed on alone.
        let mut owned = String::with_capacity(doc.len() + 1);
        owned.push_str(doc);
        docs.push(owned);
    }
}

/// Reads the head of every document of every file (files in path order, partials and
/// blank files skipped) and sorts hooks and plain manifests apart, each by install order.
/// Hooks with an unknown event are dropped, as Helm does (it logs them).
pub fn sort_manifests(
    files: Vec<(String, String)>,
) -> Result<(Vec<Manifest>, Vec<Manifest>), ManifestError> {
    sort_manifests_with(files, false)
}

/// [`sort_manifests`], each manifest keeping the tree its head was read from
/// ([`Manifest::parsed`]): a caller that turns the documents into objects (the GitOps
/// build) then reads each one once, not twice (reading a head checks the whole document,
/// so it costs most of a full read).
pub fn sort_manifests_keeping_trees(
    files: Vec<(String, String)>,
) -> Result<(Vec<Manifest>, Vec<Manifest>), ManifestError> {
    sort_manifests_with(files, true)
}

fn sort_manifests_with(
    mut files: Vec<(String, String)>,
    keep_trees: bool,
) -> Result<(Vec<Manifest>, Vec<Manifest>), ManifestError> {
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let mut docs: Vec<(String, String)> = Vec::new();
    for (path, text) in files {
        let base = path.rsplit('/').next().unwrap_or(&path);
        if base.starts_with('_') || text.trim().is_empty() {
            continue;
        }
        docs.extend(
            split_manifests_owned(text)
                .into_iter()
                .map(|doc| (path.clone(), doc)),
        );
    }
    // A kept tree is read from the document as it is handed on, with its final line
    // break (a block scalar at the end keeps it); `push_doc` left room for it, and a
    // template's own output taken whole mostly has room to spare.
    if keep_trees {
        docs.iter_mut().for_each(|(_, doc)| doc.push('\n'));
    }
    let heads = read_heads(&docs, keep_trees);
    if keep_trees {
        docs.iter_mut().for_each(|(_, doc)| {
            doc.pop();
        });
    }
    let mut hooks = Vec::new();
    let mut generic = Vec::new();
    for ((path, doc), head) in docs.into_iter().zip(heads) {
        // The first document (in file order) that does not parse is the error.
        let (head, parsed, canonical) = head?;
        let manifest = Manifest {
            source: path,
            content: doc,
            kind: head.kind,
            name: head.name,
            hook_events: Vec::new(),
            parsed,
            canonical,
        };
        match head.hook {
            None => generic.push(manifest),
            Some(events) => {
                let events: Vec<String> = events
                    .split(',')
                    .map(|e| e.trim().to_ascii_lowercase())
                    .collect();
                if events.iter().all(|e| HOOK_EVENTS.contains(&e.as_str())) {
                    hooks.push(Manifest {
                        hook_events: events,
                        ..manifest
                    });
                }
            }
        }
    }
    sort_by_kind(&mut hooks);
    sort_by_kind(&mut generic);
    Ok((hooks, generic))
}

/// Helm's `lessByKind`, stable: known kinds by install order, then unknown kinds by name.
fn sort_by_kind(manifests: &mut [Manifest]) {
    let rank = |kind: &str| INSTALL_ORDER.iter().position(|k| *k == kind);
    manifests.sort_by(|a, b| match (rank(&a.kind), rank(&b.kind)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.kind.cmp(&b.kind),
    });
}

/// How many threads a parallel step over `bytes` of text is worth: one per 256 KB
/// (starting a thread costs about what reading that much YAML does).
pub(crate) fn threads_for_bytes(bytes: usize) -> usize {
    const MIN_BYTES_PER_THREAD: usize = 256 * 1024;
    bytes / MIN_BYTES_PER_THREAD + 1
}

/// [`read_head`] of every document, in order. Reading a head parses the whole document
/// (Helm rejects a rendered document that is not YAML), which for a big chart costs as
/// much as executing its templates; the documents are independent, so they are read on
/// as many threads as there are cores.
fn read_heads(
    docs: &[(String, String)],
    keep_trees: bool,
) -> Vec<Result<HeadAndTree, ManifestError>> {
    let bytes: usize = docs.iter().map(|(_, d)| d.len()).sum();
    crate::parallel::map_in_order(docs, threads_for_bytes(bytes), |(path, doc)| {
        read_head(path, doc, keep_trees)
    })
}

/// A document's head, and with `keep_trees` the documents it was read from (and for a
/// CRD in the emitter's form, where that form starts: [`Manifest::canonical`]).
type HeadAndTree = (Head, Option<Vec<Node>>, Option<usize>);

struct Head {
    kind: String,
    name: String,
    hook: Option<String>,
}

/// What Helm's `SimpleHead` unmarshalling reads of a document, and with `keep_trees`
/// the document's tree (when it read without the flow-closer retry below).
fn read_head(path: &str, doc: &str, keep_trees: bool) -> Result<HeadAndTree, ManifestError> {
    let err = |message: String| ManifestError {
        source: path.to_string(),
        message,
    };
    // Most documents are plain YAML whose head can be read without building the tree
    // (the same answer: `kubake_yaml::head`); the rest are loaded.
    if !keep_trees {
        if let Some(head) = kubake_yaml::head::read_head(doc, Schema::Yaml11, "helm.sh/hook") {
            let head = Head {
                kind: head.kind.unwrap_or_default(),
                name: head.name.unwrap_or_default(),
                hook: head.annotation,
            };
            return Ok((head, None, None));
        }
    }
    if keep_trees {
        if let Some((crd, start)) = read_canonical_crd(doc) {
            let head = head_of(Some(&crd), &err)?;
            return Ok((head, Some(vec![crd]), Some(start)));
        }
    }
    // sigs.k8s.io/yaml reads with yaml.v2, which lets a later duplicate key win.
    let load =
        |text: &str| kubake_yaml::load_stream_with(text, Schema::Yaml11, Duplicates::LastWins);
    let (docs, as_written) = match load(doc) {
        Ok(docs) => (docs, true),
        // libyaml ignores indentation inside flow collections, so a closing bracket may
        // sit at its key's column (`command: [` ... `]`); our parser refuses that. Only
        // the head is read here (the text printed is untouched), so retry with such
        // closers joined to the line before.
        Err(e) => (
            load(&join_flow_closers(doc)).map_err(|_| {
                err(format!(
                    "error converting YAML to JSON: {}",
                    crate::funcs::yaml::libyaml_error(&e)
                ))
            })?,
            false,
        ),
    };
    let head = head_of(docs.first(), &err)?;
    Ok((head, (keep_trees && as_written).then_some(docs), None))
}

/// A CRD (`apiextensions.k8s.io`) in the emitter's form, read without its schemas (see
/// `kubake_yaml::canonical_document`): its tree, and the byte its text in that form
/// starts at (after comment lines and a `---`). `None` for any other document. The
/// renderer keeps templates' CRDs so; the GitOps layer a chart's `crds/` files.
pub fn read_canonical_crd(doc: &str) -> Option<(Node, usize)> {
    // A quick look first: a failed check costs little, but most documents are no CRDs.
    memchr::memmem::find(doc.as_bytes(), b"kind: CustomResourceDefinition\n")?;
    let canonical = kubake_yaml::canonical_document(doc, CRD_SCHEMAS)?;
    if canonical.omitted.is_empty() {
        return None;
    }
    let skeleton = canonical.skeleton(doc);
    let mut docs = kubake_yaml::load_stream_with(&skeleton, Schema::Yaml11, Duplicates::LastWins)
        .ok()?
        .into_iter()
        .filter(|d| !d.is_null());
    let crd = docs.next()?;
    let api_version = crd.str_at(&["apiVersion"]).unwrap_or_default();
    if docs.next().is_some()
        || crd.str_at(&["kind"]) != Some("CustomResourceDefinition")
        || !api_version.starts_with("apiextensions.k8s.io/")
    {
        return None;
    }
    Some((crd, canonical.start))
}

/// The head of a document's tree (`None`: an empty document).
fn head_of(
    node: Option<&Node>,
    err: &dyn Fn(String) -> ManifestError,
) -> Result<Head, ManifestError> {
    let null = Node::null();
    let node = node.unwrap_or(&null);
    let map = match &node.value {
        Value::Map(m) => m,
        Value::Null => {
            return Ok(Head {
                kind: String::new(),
                name: String::new(),
                hook: None,
            })
        }
        other => {
            return Err(err(format!(
                "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type releaseutil.SimpleHead",
                json_type(other)
            )))
        }
    };
    let text = |n: Option<&Node>| n.and_then(Node::as_str).unwrap_or_default().to_string();
    let metadata = map.get("metadata");
    let hook = metadata
        .and_then(|m| m.get("annotations"))
        .and_then(|a| a.get("helm.sh/hook"))
        .and_then(Node::as_str)
        .map(str::to_string);
    Ok(Head {
        kind: text(map.get("kind")),
        name: text(metadata.and_then(|m| m.get("name"))),
        hook,
    })
}

/// `doc` with every line that starts (after indentation) with `]` or `}` appended to
/// the line before it.
fn join_flow_closers(doc: &str) -> String {
    let mut out = String::with_capacity(doc.len());
    for line in doc.lines() {
        let rest = line.trim_start();
        if !out.is_empty() && (rest.starts_with(']') || rest.starts_with('}')) {
            out.pop();
            out.push(' ');
            out.push_str(rest);
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Seq(_) => "array",
        Value::Str(_) => "string",
        Value::Bool(_) => "bool",
        Value::Int(_) | Value::Float(_) => "number",
        Value::Null | Value::Map(_) => "object",
    }
}

/// What `helm template` prints besides the templates themselves.
#[derive(Clone, Debug, Default)]
pub struct OutputOptions {
    /// `--include-crds`: the chart's (and subcharts') `crds/` files, as `(path, text)`,
    /// printed first and verbatim.
    pub crds: Vec<(String, String)>,
    /// `--no-hooks`.
    pub no_hooks: bool,
    /// `--skip-tests`.
    pub skip_tests: bool,
    /// `--show-only` globs on template paths without the chart name
    /// (`templates/deployment.yaml`).
    pub show_only: Vec<String>,
}

/// `helm template`'s standard output for rendered files.
pub fn template_output(
    files: &[(String, String)],
    opts: &OutputOptions,
) -> Result<String, OutputError> {
    let (hooks, manifests) = sort_manifests(files.to_vec()).map_err(OutputError::Yaml)?;
    let sorted = SortedOutput::new(opts.crds.clone(), manifests, hooks, opts);
    if opts.show_only.is_empty() {
        Ok(sorted.text())
    } else {
        show_only(&sorted.text(), &opts.show_only)
    }
}

/// The documents `helm template` prints, in its order: the `crds/` files (with
/// `--include-crds`), the manifests, then the hooks that `--no-hooks` and `--skip-tests`
/// leave. Kept apart rather than joined so that a caller wanting objects (the GitOps
/// build) does not copy megabytes of CRDs into one text and split them out again.
#[derive(Clone, Debug, Default)]
pub struct SortedOutput {
    /// `(path, text)` of each `crds/` file, verbatim.
    pub crds: Vec<(String, String)>,
    /// The templates' documents, in install order.
    pub manifests: Vec<Manifest>,
    /// The hooks, in install order.
    pub hooks: Vec<Manifest>,
}

impl SortedOutput {
    /// Sorted manifests and hooks (from [`sort_manifests`]) with the hooks `opts` drops
    /// left out (`opts.crds` and `opts.show_only` are not read: `crds` is given).
    pub fn new(
        crds: Vec<(String, String)>,
        manifests: Vec<Manifest>,
        hooks: Vec<Manifest>,
        opts: &OutputOptions,
    ) -> Self {
        let hooks = if opts.no_hooks {
            Vec::new()
        } else {
            hooks
                .into_iter()
                .filter(|h| !(opts.skip_tests && h.is_test_hook()))
                .collect()
        };
        SortedOutput {
            crds,
            manifests,
            hooks,
        }
    }

    /// The documents as `helm template` prints them (before `--show-only`).
    pub fn text(&self) -> String {
        let pieces = self.pieces();
        let mut out = String::with_capacity(pieces.iter().map(|p| p.len()).sum());
        for piece in pieces {
            out.push_str(piece);
        }
        out
    }

    /// Writes [`SortedOutput::text`] to `w` a piece at a time: the documents are not
    /// first copied into one string (for a chart with megabytes of CRDs, that string was
    /// as many fresh pages, each a page fault, as the output itself).
    pub fn write_to(&self, w: &mut (impl std::io::Write + ?Sized)) -> std::io::Result<()> {
        self.pieces()
            .into_iter()
            .try_for_each(|piece| w.write_all(piece.as_bytes()))
    }

    /// The text of [`SortedOutput::text`] as the pieces it is made of, in order.
    fn pieces(&self) -> Vec<&str> {
        let mut pieces =
            Vec::with_capacity(5 * (self.crds.len() + self.manifests.len() + self.hooks.len()) + 1);
        documents(
            &mut pieces,
            self.crds
                .iter()
                .map(|(path, text)| (path.as_str(), text.as_str()))
                .chain(
                    self.manifests
                        .iter()
                        .map(|m| (m.source.as_str(), m.content.as_str())),
                ),
        );
        // Helm trims the CRDs and manifests as one string, then ends it with a newline.
        while let Some(last) = pieces.pop() {
            let kept = last.trim_end();
            if !kept.is_empty() {
                pieces.push(kept);
                break;
            }
        }
        pieces.push("\n");
        documents(
            &mut pieces,
            self.hooks
                .iter()
                .map(|h| (h.source.as_str(), h.content.as_str())),
        );
        pieces
    }
}

/// Appends the pieces that print each `(source, content)` document as Helm does.
fn documents<'a>(pieces: &mut Vec<&'a str>, docs: impl Iterator<Item = (&'a str, &'a str)>) {
    for (source, content) in docs {
        pieces.extend(["---\n# Source: ", source, "\n", content, "\n"]);
    }
}

/// `--show-only`: the documents whose `# Source:` path (without the chart name) matches
/// each glob, in the order of the globs.
pub(crate) fn show_only(out: &str, globs: &[String]) -> Result<String, OutputError> {
    let docs = split_manifests(out);
    let mut shown = String::new();
    for glob in globs {
        let mut found = false;
        for doc in &docs {
            let Some(path) = source_without_chart(doc) else {
                continue;
            };
            if glob_match(glob, path) {
                shown.push_str(&format!("---\n{doc}\n"));
                found = true;
            }
        }
        if !found {
            return Err(OutputError::NotFound(glob.clone()));
        }
    }
    Ok(shown)
}

/// The part after the chart name of the first `# Source: CHART/PATH` in a document.
fn source_without_chart(doc: &str) -> Option<&str> {
    let at = doc.find("# Source: ")?;
    let rest = &doc[at + "# Source: ".len()..];
    let rest = &rest[..rest.find('\n').unwrap_or(rest.len())];
    let slash = rest.find('/')?;
    (slash > 0).then(|| &rest[slash + 1..])
}

/// Go's `filepath.Match` on `/`-separated paths: `*` and `?` do not cross `/`, `[...]`
/// classes, `\` escapes.
pub fn glob_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    glob_at(&p, &n)
}

fn glob_at(p: &[char], n: &[char]) -> bool {
    match p.first() {
        None => n.is_empty(),
        Some('*') => (0..=n.len())
            .take_while(|&i| i == 0 || n[i - 1] != '/')
            .any(|i| glob_at(&p[1..], &n[i..])),
        Some('?') => n.first().is_some_and(|&c| c != '/') && glob_at(&p[1..], &n[1..]),
        Some('[') => {
            let Some(close) = p.iter().skip(1).position(|&c| c == ']').map(|i| i + 1) else {
                return false;
            };
            let Some(&c) = n.first() else {
                return false;
            };
            let class = &p[1..close];
            let (negate, class) = match class.first() {
                Some('^') => (true, &class[1..]),
                _ => (false, class),
            };
            let mut hit = false;
            let mut i = 0;
            while i < class.len() {
                if i + 2 < class.len() && class[i + 1] == '-' {
                    hit |= class[i] <= c && c <= class[i + 2];
                    i += 3;
                } else {
                    hit |= class[i] == c;
                    i += 1;
                }
            }
            hit != negate && c != '/' && glob_at(&p[close + 1..], &n[1..])
        }
        Some('\\') if p.len() > 1 => n.first() == Some(&p[1]) && glob_at(&p[2..], &n[1..]),
        Some(&c) => n.first() == Some(&c) && glob_at(&p[1..], &n[1..]),
    }
}

/// Why `helm template` output could not be assembled.
#[derive(Clone, Debug, PartialEq)]
pub enum OutputError {
    /// A rendered document is not YAML Helm can read.
    Yaml(ManifestError),
    /// A `--show-only` glob matched no template.
    NotFound(String),
}

impl fmt::Display for OutputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OutputError::Yaml(e) => e.fmt(f),
            OutputError::NotFound(glob) => write!(f, "could not find template {glob} in chart"),
        }
    }
}

impl std::error::Error for OutputError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(p, t)| (p.to_string(), t.to_string()))
            .collect()
    }

    #[test]
    fn a_crd_in_the_emitters_form_is_kept_without_its_schemas() {
        let crd = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  annotations:\n    helm.sh/hook: pre-install\n  name: ws.example.com\nspec:\n  group: example.com\n  versions:\n  - name: v1\n    schema:\n      openAPIV3Schema:\n        type: object\n    served: true\n";
        // The same CRD with its keys out of the emitter's order.
        let unsorted = crd.replacen(
            "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n",
            "kind: CustomResourceDefinition\napiVersion: apiextensions.k8s.io/v1\n",
            1,
        );
        let f = files(&[
            ("c/templates/a.yaml", crd),
            ("c/templates/b.yaml", &unsorted),
        ]);
        let (hooks, _) = sort_manifests_keeping_trees(f.clone()).unwrap();
        assert_eq!(
            hooks.len(),
            2,
            "the head (a hook) is read from the tree kept"
        );
        let kept = &hooks[0];
        assert_eq!(
            (kept.name.as_str(), kept.canonical),
            ("ws.example.com", Some(0))
        );
        let tree = &kept.parsed.as_ref().unwrap()[0];
        let full = kubake_yaml::load_one(crd, Schema::Yaml11).unwrap();
        let has_schema = |n: &Node| {
            n.get_path(&["spec", "versions"])
                .and_then(Node::as_seq)
                .and_then(|vs| vs.first())
                .is_some_and(|v| v.get("schema").is_some())
        };
        assert!(has_schema(&full));
        assert!(!has_schema(tree));
        assert_eq!(tree.str_at(&["spec", "group"]), Some("example.com"));
        // Out of order, it is read whole.
        assert_eq!(hooks[1].canonical, None);
        assert_eq!(
            hooks[1].parsed.as_ref().unwrap()[0],
            kubake_yaml::load_one(&unsorted, Schema::Yaml11).unwrap()
        );
        // Another kind that names CRDs and has a `spec.validation` is read whole.
        let other = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: k\nspec:\n  patches:\n  - target:\n      kind: CustomResourceDefinition\n  validation: client\n";
        let (_, generic) =
            sort_manifests_keeping_trees(files(&[("c/templates/k.yaml", other)])).unwrap();
        assert_eq!(generic[0].canonical, None);
        assert_eq!(
            generic[0].parsed.as_ref().unwrap()[0].str_at(&["spec", "validation"]),
            Some("client")
        );
        // Without kept trees nothing changes.
        let (plain_hooks, _) = sort_manifests(f).unwrap();
        assert!(plain_hooks
            .iter()
            .all(|m| m.canonical.is_none() && m.parsed.is_none()));
    }

    #[test]
    fn splits_on_separator_lines() {
        assert_eq!(
            split_manifests("---\na: 1\n---   \nb: 2\n\n---\nc: 3\n"),
            vec!["a: 1", "b: 2", "c: 3"]
        );
        // As with Helm's regex, white space after a separator is swallowed, so a `---`
        // right after it is not a separator, and nor is an indented one.
        assert_eq!(
            split_manifests("a: 1\n---\n  \n---\nb: 2\n  ---\nc: 3"),
            vec!["a: 1", "---\nb: 2\n  ---\nc: 3"]
        );
        assert_eq!(
            split_manifests("a: 1\n--- # x\nb: 2"),
            vec!["a: 1", "# x\nb: 2"]
        );
        assert!(split_manifests("  \n---\n").is_empty());
    }

    #[test]
    fn orders_by_install_order_then_unknown_kinds_by_name() {
        let out = template_output(
            &files(&[
                (
                    "c/templates/z.yaml",
                    "kind: Deployment\nmetadata: {name: d}\n---\nkind: Zeta\n---\nkind: Alpha",
                ),
                ("c/templates/a.yaml", "kind: Service\n---\nkind: Namespace"),
                ("c/templates/_helpers.tpl", "kind: Secret"),
                ("c/templates/empty.yaml", "  \n"),
            ]),
            &OutputOptions::default(),
        )
        .expect("output");
        let kinds: Vec<&str> = out
            .lines()
            .filter_map(|l| l.strip_prefix("kind: "))
            .collect();
        assert_eq!(
            kinds,
            ["Namespace", "Service", "Deployment", "Alpha", "Zeta"]
        );
        assert!(out.starts_with("---\n# Source: c/templates/a.yaml\nkind: Namespace\n"));
        assert!(out.ends_with("kind: Zeta\n"));
    }

    #[test]
    fn hooks_follow_manifests_and_tests_can_be_skipped() {
        let f = files(&[(
            "c/templates/h.yaml",
            "kind: Pod\nmetadata:\n  name: t\n  annotations:\n    helm.sh/hook: test\n---\nkind: Job\nmetadata:\n  name: j\n  annotations:\n    helm.sh/hook: pre-install, post-upgrade\n---\nkind: Job\nmetadata:\n  name: odd\n  annotations:\n    helm.sh/hook: sometime\n---\nkind: ConfigMap\n",
        )]);
        let out = template_output(&f, &OutputOptions::default()).expect("output");
        let names: Vec<&str> = out
            .lines()
            .filter_map(|l| l.strip_prefix("  name: "))
            .collect();
        assert_eq!(
            names,
            ["t", "j"],
            "Pod before Job by kind; unknown hook dropped"
        );
        assert!(out.starts_with("---\n# Source: c/templates/h.yaml\nkind: ConfigMap\n---"));
        let skipped = template_output(
            &f,
            &OutputOptions {
                skip_tests: true,
                ..OutputOptions::default()
            },
        )
        .expect("output");
        assert!(!skipped.contains("name: t\n"));
        let none = template_output(
            &f,
            &OutputOptions {
                no_hooks: true,
                ..OutputOptions::default()
            },
        )
        .expect("output");
        assert_eq!(none, "---\n# Source: c/templates/h.yaml\nkind: ConfigMap\n");
    }

    #[test]
    fn crds_come_first_and_empty_output_is_a_newline() {
        let out = template_output(
            &files(&[("c/templates/cm.yaml", "kind: ConfigMap")]),
            &OutputOptions {
                crds: vec![(
                    "c/crds/crd.yaml".into(),
                    "kind: CustomResourceDefinition\n".into(),
                )],
                ..OutputOptions::default()
            },
        )
        .expect("output");
        assert!(out
            .starts_with("---\n# Source: c/crds/crd.yaml\nkind: CustomResourceDefinition\n\n---"));
        assert_eq!(
            template_output(&[], &OutputOptions::default()).expect("empty"),
            "\n"
        );
    }

    #[test]
    fn show_only_filters_by_template_path() {
        let f = files(&[
            ("c/templates/a.yaml", "kind: ConfigMap"),
            ("c/templates/b.yaml", "kind: Secret"),
        ]);
        let opts = OutputOptions {
            show_only: vec!["templates/a.yaml".into()],
            ..OutputOptions::default()
        };
        assert_eq!(
            template_output(&f, &opts).expect("show-only"),
            "---\n# Source: c/templates/a.yaml\nkind: ConfigMap\n"
        );
        let missing = OutputOptions {
            show_only: vec!["templates/x.yaml".into()],
            ..OutputOptions::default()
        };
        assert_eq!(
            template_output(&f, &missing).unwrap_err().to_string(),
            "could not find template templates/x.yaml in chart"
        );
    }

    #[test]
    fn non_mapping_documents_are_errors() {
        let err = sort_manifests(files(&[("c/templates/l.yaml", "- a\n- b")])).unwrap_err();
        assert!(err
            .to_string()
            .starts_with("YAML parse error on c/templates/l.yaml: "));
        assert!(err.to_string().contains("cannot unmarshal array"));
    }

    #[test]
    fn heads_read_like_yaml_v2() {
        let doc = "kind: StatefulSet\nmetadata:\n  name: a\n  name: b\nspec:\n  command: [\n    \"sh\"\n  ]\n";
        for keep_trees in [false, true] {
            let (head, tree, _) =
                read_head("c/templates/s.yaml", doc, keep_trees).expect("libyaml reads it");
            assert_eq!(
                (head.kind.as_str(), head.name.as_str()),
                ("StatefulSet", "b")
            );
            // Read only after joining the closer to its line: no tree is handed on (the
            // caller reads the text, and reports what it refuses).
            assert!(tree.is_none());
        }
    }

    #[test]
    fn kept_trees_are_the_documents_read_whole_and_heads_do_not_change() {
        let f = files(&[
            (
                "c/templates/a.yaml",
                "kind: ConfigMap\nmetadata:\n  name: first\n  name: second\ndata:\n  on: yes\n---\n# empty\n",
            ),
            (
                "c/templates/hook.yaml",
                "kind: Job\nmetadata:\n  name: j\n  annotations:\n    helm.sh/hook: pre-install\n",
            ),
            // A block scalar at the end keeps its line break, as in the full output.
            ("c/templates/s.yaml", "kind: Secret\nstringData:\n  key: |\n    text\n\n"),
        ]);
        let (hooks, manifests) = sort_manifests(f.clone()).unwrap();
        let (kept_hooks, kept_manifests) = sort_manifests_keeping_trees(f).unwrap();
        let without = |ms: &[Manifest]| -> Vec<Manifest> {
            ms.iter()
                .map(|m| Manifest {
                    parsed: None,
                    canonical: None,
                    ..m.clone()
                })
                .collect()
        };
        assert_eq!(without(&kept_hooks), hooks);
        assert_eq!(without(&kept_manifests), manifests);
        for m in kept_manifests.iter().chain(&kept_hooks) {
            let handed_on = format!("{}\n", m.content);
            let read =
                kubake_yaml::load_stream_with(&handed_on, Schema::Yaml11, Duplicates::LastWins)
                    .unwrap();
            assert_eq!(m.parsed.as_ref(), Some(&read), "{}", m.content);
        }
        assert!(manifests.iter().chain(&hooks).all(|m| m.parsed.is_none()));
        // YAML 1.1 with the last duplicate winning, as the objects are read.
        let cm = kept_manifests
            .iter()
            .find(|m| m.kind == "ConfigMap")
            .unwrap();
        let cm = &cm.parsed.as_ref().unwrap()[0];
        assert_eq!(cm.str_at(&["metadata", "name"]), Some("second"));
        assert_eq!(
            cm.get_path(&["data", "true"]).map(|n| &n.value),
            Some(&Value::Bool(true))
        );
        let secret = kept_manifests.iter().find(|m| m.kind == "Secret").unwrap();
        let secret = &secret.parsed.as_ref().unwrap()[0];
        assert_eq!(secret.str_at(&["stringData", "key"]), Some("text\n"));
    }

    #[test]
    fn globs_match_like_go() {
        assert!(glob_match("templates/*.yaml", "templates/a.yaml"));
        assert!(!glob_match("templates/*", "templates/sub/a.yaml"));
        assert!(glob_match("templates/[ab].yaml", "templates/b.yaml"));
        assert!(glob_match("t?mplates/a.yaml", "templates/a.yaml"));
    }

    #[test]
    fn printed_output_trims_crds_and_manifests_as_one_text_and_streams_the_same_bytes() {
        let manifest = |source: &str, content: &str| Manifest {
            source: source.into(),
            content: content.into(),
            kind: String::new(),
            name: String::new(),
            hook_events: vec!["pre-install".into()],
            parsed: None,
            canonical: None,
        };
        let printed = |crds: &[(&str, &str)], manifests: Vec<Manifest>, hooks: Vec<Manifest>| {
            let sorted = SortedOutput {
                crds: crds
                    .iter()
                    .map(|(p, t)| (p.to_string(), t.to_string()))
                    .collect(),
                manifests,
                hooks,
            };
            let mut streamed = Vec::new();
            sorted.write_to(&mut streamed).unwrap();
            assert_eq!(String::from_utf8(streamed).unwrap(), sorted.text());
            sorted.text()
        };
        // The last CRD file loses all its trailing white space when no manifest follows.
        assert_eq!(
            printed(
                &[
                    ("c/crds/a.yaml", "a: 1\n"),
                    ("c/crds/b.yaml", "b: 2\n\n  \n")
                ],
                vec![],
                vec![]
            ),
            "---\n# Source: c/crds/a.yaml\na: 1\n\n---\n# Source: c/crds/b.yaml\nb: 2\n"
        );
        // Hooks come after the trimmed part, each ending in one line break.
        assert_eq!(
            printed(
                &[],
                vec![manifest("c/templates/m.yaml", "kind: A")],
                vec![manifest("c/templates/h.yaml", "kind: Job")]
            ),
            "---\n# Source: c/templates/m.yaml\nkind: A\n---\n# Source: c/templates/h.yaml\nkind: Job\n"
        );
        // Nothing at all prints one empty line, as Helm's trimmed empty string does.
        assert_eq!(printed(&[], vec![], vec![]), "\n");
    }

    #[test]
    fn a_template_output_taken_whole_splits_as_its_copy_does() {
        for text in [
            "kind: A\n",
            "  \n\nkind: A\nmetadata:\n  name: a\n\n  \n",
            "\t kind: A",
            "---\nkind: A\n",
            "--- \nkind: A\n---\nkind: B\n",
            "kind: A\n---\n\n---\nkind: B\n",
            "kind: A\n  ---\nkind: B",
            "kind: A\n----\nkind: B\n",
            "a: |\n  text ---\n",
            "",
            " \n\t\n",
            "---",
            "\u{3000}kind: A\u{3000}",
        ] {
            let owned = split_manifests_owned(text.to_string());
            assert_eq!(owned, split_manifests(text), "{text:?}");
        }
    }
}
