//! User values and the whole values pipeline of `helm template` v3.17: `-f` files, then
//! `--set-json`, `--set`, `--set-string`, `--set-file`, `--set-literal` (Helm's order,
//! `cli/values.Options.MergeValues`), the install checks, dependency processing, the
//! final coalescing and the schema validation (`ToRenderValuesWithSchemaValidation`).
//!
//! Not here: the parsers themselves (`strvals`), the merge rules (`coalesce`), the
//! dependency rules (`dependencies`), or the objects a renderer adds beside `.Values`
//! (`.Release`, `.Capabilities`, `.Template`, `.Files`).

use std::path::{Path, PathBuf};

use serde_json::Value as Json;

use crate::coalesce::coalesce_values;
use crate::dependencies::{check_dependencies, check_installable, process_dependencies};
use crate::error::{Error, ErrorKind, Result, Warnings};
use crate::load::{parse_values, Chart};
use crate::schema::validate_against_schema;
use crate::strvals;
use crate::value::Values;

/// What the user passed on the command line, in Helm's terms. Each list keeps the order
/// the flags were given in.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ValueOptions {
    /// `-f`/`--values`: YAML files, later ones winning.
    pub value_files: Vec<PathBuf>,
    /// `--set`.
    pub set: Vec<String>,
    /// `--set-string`.
    pub set_string: Vec<String>,
    /// `--set-json`.
    pub set_json: Vec<String>,
    /// `--set-file` (`key=path`: the value is the file's contents).
    pub set_file: Vec<String>,
    /// `--set-literal`.
    pub set_literal: Vec<String>,
    /// `--skip-schema-validation`.
    pub skip_schema_validation: bool,
}

/// Reads a file named on the command line; tests pass an in-memory one.
pub type ReadFile<'a> = &'a mut dyn FnMut(&Path) -> std::io::Result<Vec<u8>>;

impl ValueOptions {
    /// Helm's `MergeValues`: the user values alone (no chart defaults), files read from
    /// disk (paths as given, relative to the working directory).
    pub fn merge_values(&self) -> Result<Values> {
        self.merge_values_with(&mut |p: &Path| std::fs::read(p))
    }

    /// [`ValueOptions::merge_values`] reading files through `read`.
    pub fn merge_values_with(&self, read: ReadFile<'_>) -> Result<Values> {
        let mut base = Values::new();
        for path in &self.value_files {
            let shown = path.display().to_string();
            if shown.contains("://") {
                return Err(Error::new(
                    ErrorKind::Values,
                    format!("values file {shown:?} is a URL; kubake reads local files only"),
                )
                .with_help("download the file and pass its local path to -f"));
            }
            let bytes = read(path).map_err(|e| {
                Error::new(
                    ErrorKind::Values,
                    format!("open {shown}: {}", go_io_error(&e)),
                )
                .with_file(path)
            })?;
            let current = parse_values(&bytes).map_err(|e| {
                Error::new(ErrorKind::Values, format!("failed to parse {shown}: {e}"))
                    .with_file(path)
            })?;
            base = merge_maps(base, current);
        }
        for value in &self.set_json {
            strvals::parse_json(value, &mut base).map_err(|_| {
                Error::new(
                    ErrorKind::Values,
                    format!("failed parsing --set-json data {value}"),
                )
            })?;
        }
        for value in &self.set {
            strvals::parse_into(value, &mut base).map_err(|e| {
                Error::new(ErrorKind::Values, format!("failed parsing --set data: {e}"))
            })?;
        }
        for value in &self.set_string {
            strvals::parse_into_string(value, &mut base).map_err(|e| {
                Error::new(
                    ErrorKind::Values,
                    format!("failed parsing --set-string data: {e}"),
                )
            })?;
        }
        for value in &self.set_file {
            let mut reader = |p: &str| -> std::result::Result<Json, String> {
                let bytes =
                    read(Path::new(p)).map_err(|e| format!("open {p}: {}", go_io_error(&e)))?;
                Ok(Json::String(String::from_utf8_lossy(&bytes).into_owned()))
            };
            strvals::parse_into_file(value, &mut base, &mut reader).map_err(|e| {
                Error::new(
                    ErrorKind::Values,
                    format!("failed parsing --set-file data: {e}"),
                )
            })?;
        }
        for value in &self.set_literal {
            strvals::parse_literal_into(value, &mut base).map_err(|e| {
                Error::new(
                    ErrorKind::Values,
                    format!("failed parsing --set-literal data: {e}"),
                )
            })?;
        }
        Ok(base)
    }
}

/// Go's wording of the common file errors (`no such file or directory`).
fn go_io_error(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// Helm's `mergeMaps` for `-f` files: `b` over `a`, maps merged recursively, everything
/// else replaced (a `null` replaces too; coalescing deletes it later).
pub fn merge_maps(mut a: Values, b: Values) -> Values {
    for (k, v) in b {
        match (a.get_mut(&k), v) {
            (Some(Json::Object(av)), Json::Object(bv)) => {
                let merged = merge_maps(std::mem::take(av), bv);
                *av = merged;
            }
            (_, v) => {
                a.insert(k, v);
            }
        }
    }
    a
}

/// What the values pipeline hands the renderer.
#[derive(Clone, Debug, PartialEq)]
pub struct PreparedValues {
    /// The top chart's final `.Values`; a subchart's `.Values` is the map under its
    /// name (or alias), recursively.
    pub values: Values,
    /// Helm's log lines, in order, duplicates removed.
    pub warnings: Warnings,
}

/// Everything `helm template` does between loading a chart and running its templates:
/// merges the user values, refuses library charts and missing dependencies, processes
/// dependencies (which changes `chart`: aliased, disabled and import-values), coalesces
/// the values and validates them against every `values.schema.json` (unless
/// `skip_schema_validation`).
pub fn process_dependencies_and_values(
    chart: &mut Chart,
    opts: &ValueOptions,
) -> Result<PreparedValues> {
    let user = opts.merge_values()?;
    prepare_with_user_values(chart, &user, opts.skip_schema_validation)
}

/// [`process_dependencies_and_values`] for user values merged already (by
/// [`ValueOptions::merge_values_with`], or by a caller such as a Flux `HelmRelease`).
pub fn prepare_with_user_values(
    chart: &mut Chart,
    user: &Values,
    skip_schema_validation: bool,
) -> Result<PreparedValues> {
    let mut warnings = Warnings::new();
    check_installable(chart)?;
    if chart.metadata.deprecated {
        warnings.push("This chart is deprecated".into());
    }
    if chart.metadata.dependencies().next().is_some() {
        check_dependencies(chart)?;
    }
    process_dependencies(chart, user, &mut warnings)?;
    let values = coalesce_values(chart, user, &mut warnings)?;
    if !skip_schema_validation {
        validate_against_schema(chart, &values)?;
    }
    let mut seen = std::collections::HashSet::new();
    warnings.retain(|w| seen.insert(w.clone()));
    Ok(PreparedValues { values, warnings })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn flags_apply_in_helms_order() {
        let files: std::collections::HashMap<&str, &str> = [
            ("a.yaml", "x: 1\nm: {a: 1, b: 2}\n"),
            ("b.yaml", "m: {b: 3}\nl: [1]\n"),
            ("f.txt", "file body"),
        ]
        .into_iter()
        .collect();
        let opts = ValueOptions {
            value_files: vec!["a.yaml".into(), "b.yaml".into()],
            set: vec!["x=2".into()],
            set_json: vec!["x=5,j=[1]".into()],
            set_string: vec!["s=3".into()],
            set_file: vec!["f=f.txt".into()],
            set_literal: vec!["lit=a,b".into()],
            skip_schema_validation: false,
        };
        let mut read = |p: &Path| {
            files
                .get(p.to_str().unwrap_or_default())
                .map(|s| s.as_bytes().to_vec())
                .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))
        };
        let v = opts.merge_values_with(&mut read).unwrap();
        assert_eq!(
            Json::Object(v),
            json!({"x": 2, "m": {"a": 1.0, "b": 3.0}, "l": [1.0], "j": [1.0], "s": "3", "f": "file body", "lit": "a,b"})
        );
        let missing = ValueOptions {
            value_files: vec!["nope.yaml".into()],
            ..ValueOptions::default()
        };
        assert_eq!(
            missing
                .merge_values_with(&mut read)
                .unwrap_err()
                .to_string(),
            "open nope.yaml: no such file or directory"
        );
    }

    #[test]
    fn parse_errors_are_worded_like_helm() {
        let mut read = |_: &Path| Ok(b"- a\n- b\n".to_vec());
        let opts = ValueOptions {
            value_files: vec!["values.yaml".into()],
            ..ValueOptions::default()
        };
        assert_eq!(
            opts.merge_values_with(&mut read).unwrap_err().to_string(),
            "failed to parse values.yaml: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type map[string]interface {}"
        );
        let set = ValueOptions {
            set: vec!["replicaCount".into()],
            ..ValueOptions::default()
        };
        assert_eq!(
            set.merge_values_with(&mut read).unwrap_err().to_string(),
            "failed parsing --set data: key \"replicaCount\" has no value"
        );
    }
}
