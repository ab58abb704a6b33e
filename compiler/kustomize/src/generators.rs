//! kustomize v5.6.0's builtin `ConfigMapGenerator` and `SecretGenerator`: one
//! `configMapGenerator`/`secretGenerator` entry in, one ConfigMap or Secret node out, plus
//! the content hash kustomize appends to generated names ([`hash_suffix`]).
//!
//! What this module reproduces, byte for byte: how global `generatorOptions` merge into an
//! entry's `options`; how `literals`, `files` and `envs` become key/value pairs (kustomize's
//! `api/kv` and `api/internal/generators`), including its quirks; the generated object's
//! shape (`data` vs `binaryData`, base64 wrapped at 70 columns, `type`, `immutable`); and
//! the hash (kustomize's `api/hasher`).
//!
//! What it does not do, because it needs the rest of the build:
//! - merging or replacing across overlays (`behavior: merge|replace`): the caller absorbs
//!   the returned node into its resource map;
//! - appending the suffix: the caller calls [`hash_suffix`] once per build, after every
//!   transformer has run, and then fixes name references;
//! - reading files: it goes through [`FileSource`], which owns path resolution, load
//!   restrictions and the wording of read errors.
//!
//! kustomize's validator is a stub in v5.6.0 (`ErrIfInvalidKey` and `IsEnvVarName` accept
//! everything), so no key is rejected here either: a key such as `a b` or `$x` is
//! generated, and the API server is the one that refuses it.

use std::collections::BTreeMap;

use kubake_yaml::json::to_go_json;
use kubake_yaml::{Mapping, Node, Value};
use sha2::{Digest, Sha256};

/// Which object a generator makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GeneratorKind {
    /// `configMapGenerator`.
    ConfigMap,
    /// `secretGenerator`.
    Secret,
}

impl GeneratorKind {
    /// The Kubernetes kind of the generated object.
    pub fn kind(self) -> &'static str {
        match self {
            GeneratorKind::ConfigMap => "ConfigMap",
            GeneratorKind::Secret => "Secret",
        }
    }
}

/// `generatorOptions` (global) or a generator's `options`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GeneratorOptions {
    /// Labels for the generated object.
    pub labels: Vec<(String, String)>,
    /// Annotations for the generated object.
    pub annotations: Vec<(String, String)>,
    /// `disableNameSuffixHash`; `None` and `Some(false)` mean the same (Go's `bool`).
    pub disable_name_suffix_hash: Option<bool>,
    /// `immutable`; `None` and `Some(false)` mean the same.
    pub immutable: Option<bool>,
}

/// One `configMapGenerator` or `secretGenerator` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneratorArgs {
    /// ConfigMap or Secret.
    pub kind: GeneratorKind,
    /// `name` (required, non-empty).
    pub name: String,
    /// `namespace`; an empty string is the same as none.
    pub namespace: Option<String>,
    /// `behavior` (`create`, `merge`, `replace`); the caller acts on it.
    pub behavior: Option<String>,
    /// `literals`: `key=value`.
    pub literals: Vec<String>,
    /// `files`: `path` or `key=path`.
    pub files: Vec<String>,
    /// `envs`, then the deprecated single `env` appended last (kustomize's
    /// `FixKustomization` does exactly that).
    pub envs: Vec<String>,
    /// `type`, read for Secrets only; `Opaque` when absent or empty.
    pub secret_type: Option<String>,
    /// The entry's own `options`.
    pub options: Option<GeneratorOptions>,
}

/// What [`generate`] returns.
#[derive(Clone, Debug, PartialEq)]
pub struct Generated {
    /// The ConfigMap or Secret.
    pub node: Node,
    /// Whether kustomize marks the object for a name hash suffix (its internal annotation
    /// `internal.config.kubernetes.io/needsHashSuffix: enabled`): true unless the merged
    /// options disable it.
    pub needs_hash: bool,
}

/// Reads the files a generator names.
pub trait FileSource {
    /// The content of `path`, as written in the kustomization (relative to its
    /// directory, or a URL); `Err` holds the message kustomize's loader would give.
    fn read(&self, path: &str) -> Result<Vec<u8>, String>;

    /// The value of an environment variable, for an env-file line that is a bare `KEY`
    /// (kustomize calls `os.Getenv`). kubake builds hermetically, so the default is
    /// `None`, which gives the empty string: what kustomize gives when the variable is
    /// unset.
    fn env_var(&self, _name: &str) -> Option<String> {
        None
    }
}

/// A generator failed; the message is kustomize's wording.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct GeneratorError {
    /// What went wrong.
    pub message: String,
}

impl GeneratorError {
    fn new(message: impl Into<String>) -> Self {
        GeneratorError {
            message: message.into(),
        }
    }

    /// kustomize's `errors.WrapPrefixf`: `prefix: message`.
    fn wrap(self, prefix: &str) -> Self {
        GeneratorError::new(format!("{prefix}: {}", self.message))
    }
}

/// Merges global `generatorOptions` into an entry's `options` as kustomize's
/// `MergeGlobalOptionsIntoLocal` does: labels and annotations are united with the entry's
/// values winning; the booleans are or-ed, since Go cannot tell an explicit `false` from
/// an absent one (a local `false` never overrides a global `true`).
pub fn merge_options(
    local: Option<&GeneratorOptions>,
    global: Option<&GeneratorOptions>,
) -> Option<GeneratorOptions> {
    let Some(global) = global else {
        return local.cloned();
    };
    let mut merged = local.cloned().unwrap_or_default();
    for (list, from) in [
        (&mut merged.labels, &global.labels),
        (&mut merged.annotations, &global.annotations),
    ] {
        for (k, v) in from {
            if !list.iter().any(|(lk, _)| lk == k) {
                list.push((k.clone(), v.clone()));
            }
        }
    }
    if global.disable_name_suffix_hash == Some(true) {
        merged.disable_name_suffix_hash = Some(true);
    }
    if global.immutable == Some(true) {
        merged.immutable = Some(true);
    }
    Some(merged)
}

/// Runs one generator entry. `global` is the kustomization's `generatorOptions`.
pub fn generate(
    args: &GeneratorArgs,
    global: Option<&GeneratorOptions>,
    files: &dyn FileSource,
) -> Result<Generated, GeneratorError> {
    let options = merge_options(args.options.as_ref(), global);
    // kustomize checks the name before loading anything, with this wording for both kinds.
    if args.name.is_empty() {
        return Err(GeneratorError::new("a configmap must have a name"));
    }

    let mut metadata = Mapping::new();
    metadata.insert("name", Node::str(&args.name));
    if let Some(ns) = args.namespace.as_deref().filter(|ns| !ns.is_empty()) {
        metadata.insert("namespace", Node::str(ns));
    }
    if let Some(opts) = &options {
        for (field, pairs) in [("labels", &opts.labels), ("annotations", &opts.annotations)] {
            if !pairs.is_empty() {
                let sorted: BTreeMap<&str, &str> = pairs
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                let map: Mapping = sorted
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), Node::str(v)))
                    .collect();
                metadata.insert(field, Node::new(Value::Map(map)));
            }
        }
    }

    let mut obj = Mapping::new();
    obj.insert("apiVersion", Node::str("v1"));
    obj.insert("kind", Node::str(args.kind.kind()));
    obj.insert("metadata", Node::new(Value::Map(metadata)));

    let pairs = load_data(args, files)?;
    match args.kind {
        GeneratorKind::ConfigMap => {
            // Each value goes to `data` when it is UTF-8, else base64 to `binaryData`;
            // either map exists only when it has a key.
            let mut data = Mapping::new();
            let mut binary = Mapping::new();
            for (k, v) in pairs {
                match String::from_utf8(v) {
                    Ok(s) => data.insert(k, Node::str(s)),
                    Err(e) => binary.insert(k, Node::str(encode_base64_wrapped(e.as_bytes()))),
                }
            }
            if !data.is_empty() {
                obj.insert("data", Node::new(Value::Map(data)));
            }
            if !binary.is_empty() {
                obj.insert("binaryData", Node::new(Value::Map(binary)));
            }
        }
        GeneratorKind::Secret => {
            let ty = args
                .secret_type
                .as_deref()
                .filter(|t| !t.is_empty())
                .unwrap_or("Opaque");
            obj.insert("type", Node::str(ty));
            // kyaml's LoadMapIntoSecretData creates `data` before filling it, so a Secret
            // with no pairs still has `data: {}` (and hashes it as `{}`).
            let data: Mapping = pairs
                .into_iter()
                .map(|(k, v)| (k, Node::str(encode_base64_wrapped(&v))))
                .collect();
            obj.insert("data", Node::new(Value::Map(data)));
        }
    }
    let opts = options.unwrap_or_default();
    if opts.immutable == Some(true) {
        obj.insert("immutable", Node::new(Value::Bool(true)));
    }
    Ok(Generated {
        node: Node::new(Value::Map(obj)),
        needs_hash: opts.disable_name_suffix_hash != Some(true),
    })
}

/// Loads the pairs (env files, then literals, then files, as kustomize's `kv.Load`),
/// rejects repeated keys, and returns them sorted by key (Go's `sort.Strings` is byte
/// order, as `BTreeMap<String, _>` is).
fn load_data(
    args: &GeneratorArgs,
    files: &dyn FileSource,
) -> Result<BTreeMap<String, Vec<u8>>, GeneratorError> {
    let mut pairs = Vec::new();
    pairs.extend(
        pairs_from_env_files(&args.envs, files)
            .map_err(|e| e.wrap(&format!("env source files: {}", go_list(&args.envs))))
            .map_err(|e| e.wrap("loading KV pairs"))?,
    );
    pairs.extend(
        pairs_from_literals(&args.literals)
            .map_err(|e| e.wrap(&format!("literal sources {}", go_list(&args.literals))))
            .map_err(|e| e.wrap("loading KV pairs"))?,
    );
    pairs.extend(
        pairs_from_files(&args.files, files)
            .map_err(|e| e.wrap(&format!("file sources: {}", go_list(&args.files))))
            .map_err(|e| e.wrap("loading KV pairs"))?,
    );
    let mut known = BTreeMap::new();
    for (k, v) in pairs {
        if known.contains_key(&k) {
            // "configmap" for Secrets too: kustomize shares the wording.
            return Err(GeneratorError::new(format!(
                "configmap {} illegally repeats the key `{k}`",
                args.name
            )));
        }
        known.insert(k, v);
    }
    Ok(known)
}

fn pairs_from_literals(sources: &[String]) -> Result<Vec<(String, Vec<u8>)>, GeneratorError> {
    sources
        .iter()
        .map(|s| {
            let (k, v) = parse_literal_source(s)?;
            Ok((k.to_string(), v.as_bytes().to_vec()))
        })
        .collect()
}

/// `key=value`, split at the first `=`; one pair of matching surrounding quotes is removed
/// from the value.
fn parse_literal_source(source: &str) -> Result<(&str, &str), GeneratorError> {
    match source.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k, remove_quotes(v))),
        _ => Err(GeneratorError::new(format!(
            "invalid literal source {source}, expected key=value"
        ))),
    }
}

/// Strips one `"` or `'` from both ends when both ends hold the same one. A value of a
/// single quote character stays as it is (v5.6.0 checks the length first).
fn remove_quotes(s: &str) -> &str {
    let b = s.as_bytes();
    if b.len() < 2 || b[0] != b[b.len() - 1] || !(b[0] == b'"' || b[0] == b'\'') {
        return s;
    }
    // Both ends are ASCII, so these are character boundaries.
    &s[1..s.len() - 1]
}

fn pairs_from_files(
    sources: &[String],
    files: &dyn FileSource,
) -> Result<Vec<(String, Vec<u8>)>, GeneratorError> {
    sources
        .iter()
        .map(|s| {
            let (key, path) = parse_file_source(s)?;
            let content = files.read(&path).map_err(GeneratorError::new)?;
            Ok((key, content))
        })
        .collect()
}

/// `path` (the key is the path's last element, as Go's `path.Base`) or `key=path`. Any
/// second `=` is an error, even in a URL's query.
fn parse_file_source(source: &str) -> Result<(String, String), GeneratorError> {
    let separators = source.matches('=').count();
    match source.split_once('=') {
        None => Ok((go_path_base(source), source.to_string())),
        Some((k, p)) if separators == 1 && k.is_empty() => Err(GeneratorError::new(format!(
            "missing key name for file path {} in source {}",
            go_quote(p),
            go_quote(source)
        ))),
        Some((k, p)) if separators == 1 && p.is_empty() => Err(GeneratorError::new(format!(
            "missing file path for key name {} in source {}",
            go_quote(k),
            go_quote(source)
        ))),
        Some(_) if separators > 1 => Err(GeneratorError::new(format!(
            "source {} key name or file path contains '='",
            go_quote(source)
        ))),
        Some((k, p)) => Ok((k.to_string(), p.to_string())),
    }
}

fn pairs_from_env_files(
    paths: &[String],
    files: &dyn FileSource,
) -> Result<Vec<(String, Vec<u8>)>, GeneratorError> {
    let mut out = Vec::new();
    for p in paths {
        let content = files.read(p).map_err(GeneratorError::new)?;
        out.extend(parse_env_file(&content, files)?);
    }
    Ok(out)
}

/// The longest line Go's `bufio.Scanner` returns with its default 64 KiB buffer.
const MAX_SCAN_LINE: usize = 64 * 1024 - 1;

/// Parses an env file as kustomize's `keyValuesFromLines` does.
///
/// Lines end at `\n`, with one trailing `\r` dropped. A UTF-8 BOM is dropped from the
/// first line only. Leading Unicode whitespace is trimmed, trailing whitespace is kept
/// (it belongs to the value). Blank lines and lines starting with `#` are skipped. The
/// line splits at the first `=`; a line without `=` is a key whose value comes from the
/// environment; a line with an empty key (`=x`) is skipped silently. kustomize ignores the
/// scanner's error, so a line longer than 64 KiB silently ends the file.
fn parse_env_file(
    content: &[u8],
    files: &dyn FileSource,
) -> Result<Vec<(String, Vec<u8>)>, GeneratorError> {
    let mut out = Vec::new();
    let mut rest = content;
    let mut first = true;
    while !rest.is_empty() {
        let (mut line, next) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &rest[rest.len()..]),
        };
        if line.len() > MAX_SCAN_LINE {
            break;
        }
        rest = next;
        if let Some(l) = line.strip_suffix(b"\r") {
            line = l;
        }
        let Ok(text) = std::str::from_utf8(line) else {
            // kustomize formats the line's bytes with %d, which prints the byte slice.
            let bytes: Vec<String> = line.iter().map(u8::to_string).collect();
            return Err(GeneratorError::new(format!(
                "line [{}] has invalid utf8 bytes : {}",
                bytes.join(" "),
                String::from_utf8_lossy(line)
            )));
        };
        let text = if first {
            text.strip_prefix('\u{feff}').unwrap_or(text)
        } else {
            text
        };
        first = false;
        // Go's unicode.IsSpace and Rust's char::is_whitespace are both Unicode White_Space.
        let text = text.trim_start_matches(char::is_whitespace);
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        let (key, value) = match text.split_once('=') {
            Some((k, v)) => (k, v.to_string()),
            None => (text, files.env_var(text).unwrap_or_default()),
        };
        if key.is_empty() {
            continue;
        }
        out.push((key.to_string(), value.into_bytes()));
    }
    Ok(out)
}

/// The 10-character suffix kustomize appends (as `-<suffix>`) to the name of a generated
/// ConfigMap or Secret, computed from the node as it is at the end of the build.
///
/// kustomize hashes the Go JSON of a small map: for a ConfigMap `kind`, `name`, `data`
/// and, when it is a mapping or sequence, `binaryData`; for a Secret `kind`, `name`,
/// `type`, `data` and, likewise, `stringData`. Two quirks are kept on purpose: `name` is
/// looked up as a single top-level field called `metadata/name`, so it is always `""` and
/// the name never affects the hash; and a missing field is `""`, not omitted. Mapping
/// values go through a JSON round trip into Go's `interface{}`, so numbers are written as
/// float64. The first 10 hex digits of the SHA-256 then have `0 1 3 a e` replaced by
/// `g h k m t`.
///
/// Other kinds are an error: kustomize hashes them as Go's JSON of its internal YAML node
/// struct (styles, line and column numbers), which cannot be reproduced from a [`Node`].
pub fn hash_suffix(obj: &Node) -> Result<String, GeneratorError> {
    let kind = obj.str_at(&["kind"]).unwrap_or_default();
    let mut m = Mapping::new();
    m.insert("kind", Node::str(kind));
    m.insert("name", hash_field(obj, "metadata/name"));
    let optional = match kind {
        "ConfigMap" => "binaryData",
        "Secret" => {
            m.insert("type", hash_field(obj, "type"));
            "stringData"
        }
        other => {
            return Err(GeneratorError::new(format!(
                "cannot compute kustomize's name hash for kind {other:?}: \
                 only ConfigMaps and Secrets are supported"
            )))
        }
    };
    m.insert("data", hash_field(obj, "data"));
    if let Some(Value::Map(_) | Value::Seq(_)) = obj.get(optional).map(|n| &n.value) {
        m.insert(optional, hash_field(obj, optional));
    }
    let json = to_go_json(&Node::new(Value::Map(m)));
    let digest = Sha256::digest(json.as_bytes());
    Ok(digest
        .iter()
        .flat_map(|b| [b >> 4, b & 0xf])
        .take(10)
        .map(|nibble| match nibble {
            0x0 => 'g',
            0x1 => 'h',
            0x3 => 'k',
            0xa => 'm',
            0xe => 't',
            n => char::from_digit(u32::from(n), 16).unwrap_or('?'),
        })
        .collect())
}

/// kustomize's `getNodeValues` for one top-level field: `""` when absent, the scalar's
/// text, a mapping after a JSON round trip, and `null` for a sequence (its JSON does not
/// unmarshal into the map kustomize expects).
fn hash_field(obj: &Node, field: &str) -> Node {
    match obj.get(field) {
        None => Node::str(""),
        Some(n) => match &n.value {
            Value::Map(_) => json_round_trip(n),
            Value::Seq(_) => Node::null(),
            // A null's text cannot be recovered (``, `~` or `null`); `` is the common case.
            _ => Node::str(n.scalar_text().unwrap_or_default()),
        },
    }
}

/// What `json.Unmarshal` into `interface{}` makes of a node: every number a float64.
fn json_round_trip(n: &Node) -> Node {
    Node::new(match &n.value {
        Value::Int(i) => Value::Float(*i as f64),
        Value::Seq(items) => Value::Seq(items.iter().map(json_round_trip).collect()),
        Value::Map(m) => Value::Map(
            m.iter()
                .map(|(k, v)| (k.to_string(), json_round_trip(v)))
                .collect(),
        ),
        other => other.clone(),
    })
}

/// Standard base64 with padding, broken into 70-character lines, each followed by `\n`
/// once the text is 70 characters or longer (the last line too), as kyaml's
/// `encodeBase64` does; shorter text has no newline.
fn encode_base64_wrapped(bytes: &[u8]) -> String {
    const LINE: usize = 70;
    let encoded = encode_base64(bytes);
    if encoded.len() < LINE {
        return encoded;
    }
    let mut out = String::with_capacity(encoded.len() + encoded.len() / LINE + 1);
    for chunk in encoded.as_bytes().chunks(LINE) {
        out.extend(chunk.iter().map(|&b| char::from(b)));
        out.push('\n');
    }
    out
}

fn encode_base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Go's `path.Base`.
fn go_path_base(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let trimmed = p.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/".into();
    }
    match trimmed.rfind('/') {
        Some(i) => trimmed[i + 1..].to_string(),
        None => trimmed.to_string(),
    }
}

/// Go's `%v` of a `[]string`: `[a b c]`.
fn go_list(items: &[String]) -> String {
    format!("[{}]", items.join(" "))
}

/// Go's `%q` of a string, for the characters kustomization paths contain in practice:
/// backslash escapes for quotes, backslashes and control characters.
fn go_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests;
