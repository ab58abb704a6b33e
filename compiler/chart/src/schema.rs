//! `values.schema.json` validation as Helm v3.17 does it (`chartutil.ValidateAgainstSchema`
//! with `xeipuuv/gojsonschema`): each chart's final values against its own schema, each
//! subchart's against its own, and every violation reported in gojsonschema's words:
//!
//! ```text
//! values don't meet the specifications of the schema(s) in the following chart(s):
//! prometheus:
//! - server.extraFlags: Invalid type. Expected: array, given: string
//! ```
//!
//! Validation itself is the `jsonschema` crate's. gojsonschema knows drafts 4, 6 and 7
//! and ignores a newer `$schema`, so schemas run as draft 7 unless they name draft 4 or
//! 6. Formats are checked (gojsonschema checks them). Remote `$ref`s are never fetched:
//! such a schema fails with advice to pass `--skip-schema-validation`. The order of the
//! messages may differ from Helm's, which follows Go's map order.
//!
//! Not here: coalescing the values (`coalesce`).

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{Draft, ValidationError};
use serde_json::Value as Json;

use crate::error::{Error, ErrorKind, Result};
use crate::load::Chart;
use crate::value::Values;

/// Validates `values` (the coalesced values of `chart`) against the schemas of the chart
/// and of its subcharts, each subchart with the values under its name.
pub fn validate_against_schema(chart: &Chart, values: &Values) -> Result<()> {
    let mut report = String::new();
    collect(chart, values, &mut report);
    if report.is_empty() {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::Schema,
        format!(
            "values don't meet the specifications of the schema(s) in the following chart(s):\n{report}"
        ),
    )
    .with_file(chart.source.join("values.schema.json"))
    .with_help("fix the values named above, or pass --skip-schema-validation to skip the check"))
}

fn collect(chart: &Chart, values: &Values, report: &mut String) {
    if let Some(schema) = &chart.schema {
        if let Err(msg) = validate_single(values, schema) {
            report.push_str(&format!("{}:\n{msg}", chart.name()));
        }
    }
    for sub in &chart.dependencies {
        let empty = Values::new();
        let sub_values = values
            .get(sub.name())
            .and_then(Json::as_object)
            .unwrap_or(&empty);
        collect(sub, sub_values, report);
    }
}

/// Validates values against one schema document; the error is the list of violations
/// (`- path: message\n` lines) or why the schema could not be used.
pub fn validate_single(values: &Values, schema_bytes: &[u8]) -> std::result::Result<(), String> {
    let mut schema: Json = serde_json::from_slice(schema_bytes).map_err(|e| format!("{e}\n"))?;
    let draft = match schema.get("$schema").and_then(Json::as_str) {
        Some(s) if s.contains("draft-04") => Draft::Draft4,
        Some(s) if s.contains("draft-06") => Draft::Draft6,
        _ => Draft::Draft7,
    };
    if let Some(obj) = schema.as_object_mut() {
        obj.remove("$schema");
    }
    let validator = jsonschema::options()
        .with_draft(draft)
        .should_validate_formats(true)
        .with_retriever(Offline)
        .build(&schema)
        .map_err(|e| {
            if e.to_string().contains(OFFLINE) {
                format!(
                    "{e}; kubake does not fetch remote schemas (use --skip-schema-validation)\n"
                )
            } else {
                format!("values.schema.json is not a valid JSON schema: {e}\n")
            }
        })?;
    let instance = Json::Object(values.clone());
    let mut out = String::new();
    for error in validator.iter_errors(&instance) {
        describe(&error, &schema, &mut out);
    }
    if out.is_empty() {
        Ok(())
    } else {
        Err(out)
    }
}

const OFFLINE: &str = "remote schema references are not fetched";

/// A retriever that refuses every remote document.
struct Offline;

impl jsonschema::Retrieve for Offline {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> std::result::Result<Json, Box<dyn std::error::Error + Send + Sync>> {
        Err(format!("{OFFLINE}: {}", uri.as_str()).into())
    }
}

/// gojsonschema's `field` for a JSON pointer: `(root)` or dotted segments.
fn field(pointer: &str) -> String {
    if pointer.is_empty() || pointer == "/" {
        return "(root)".into();
    }
    pointer
        .trim_start_matches('/')
        .split('/')
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect::<Vec<_>>()
        .join(".")
}

/// gojsonschema's name for the type of a value (`integer` for whole numbers).
fn given_type(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "boolean",
        Json::Number(n) => {
            if n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0) {
                "integer"
            } else {
                "number"
            }
        }
        Json::String(_) => "string",
        Json::Array(_) => "array",
        Json::Object(_) => "object",
    }
}

fn number_text(v: &Json) -> String {
    match v.as_f64() {
        Some(f) if v.is_f64() => kubake_yaml::numfmt::format_float_g(f),
        _ => v.to_string(),
    }
}

/// Appends gojsonschema's line(s) for one error of the `jsonschema` crate.
fn describe(error: &ValidationError<'_>, schema: &Json, out: &mut String) {
    let at = field(error.instance_path().as_str());
    let instance = error.instance();
    let mut line = |msg: String| out.push_str(&format!("- {at}: {msg}\n"));
    match error.kind() {
        ValidationErrorKind::Type { kind } => {
            let expected = expected_types(kind, error.schema_path().as_str(), schema);
            line(format!(
                "Invalid type. Expected: {expected}, given: {}",
                given_type(instance)
            ));
        }
        ValidationErrorKind::Required { property } => {
            line(format!(
                "{} is required",
                property.as_str().unwrap_or_default()
            ));
        }
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            for p in unexpected {
                line(format!("Additional property {p} is not allowed"));
            }
        }
        ValidationErrorKind::Enum { options } => {
            let allowed: Vec<String> = options
                .as_array()
                .map(|a| a.iter().map(Json::to_string).collect())
                .unwrap_or_default();
            line(format!(
                "{at} must be one of the following: {}",
                allowed.join(", ")
            ));
        }
        ValidationErrorKind::Constant { expected_value } => {
            line(format!("{at} does not match: {expected_value}"));
        }
        ValidationErrorKind::Minimum { limit } => {
            line(format!(
                "Must be greater than or equal to {}",
                number_text(limit)
            ));
        }
        ValidationErrorKind::ExclusiveMinimum { limit } => {
            line(format!("Must be greater than {}", number_text(limit)));
        }
        ValidationErrorKind::Maximum { limit } => {
            line(format!(
                "Must be less than or equal to {}",
                number_text(limit)
            ));
        }
        ValidationErrorKind::ExclusiveMaximum { limit } => {
            line(format!("Must be less than {}", number_text(limit)));
        }
        ValidationErrorKind::MinLength { limit } => {
            line(format!(
                "String length must be greater than or equal to {limit}"
            ));
        }
        ValidationErrorKind::MaxLength { limit } => {
            line(format!(
                "String length must be less than or equal to {limit}"
            ));
        }
        ValidationErrorKind::Pattern { pattern } => {
            line(format!("Does not match pattern '{pattern}'"));
        }
        ValidationErrorKind::Format { format } => {
            line(format!("Does not match format '{format}'"));
        }
        ValidationErrorKind::MinItems { limit } => {
            line(format!("Array must have at least {limit} items"));
        }
        ValidationErrorKind::MaxItems { limit } => {
            line(format!("Array must have at most {limit} items"));
        }
        ValidationErrorKind::UniqueItems => {
            let (i, j) = first_duplicate(instance).unwrap_or((0, 1));
            line(format!("array items[{i},{j}] must be unique"));
        }
        ValidationErrorKind::MinProperties { limit } => {
            line(format!("Must have at least {limit} properties"));
        }
        ValidationErrorKind::MaxProperties { limit } => {
            line(format!("Must have at most {limit} properties"));
        }
        ValidationErrorKind::MultipleOf { multiple_of } => {
            line(format!("Must be a multiple of {multiple_of}"));
        }
        ValidationErrorKind::AnyOf { context } => {
            line("Must validate at least one schema (anyOf)".into());
            append_closest(context, schema, out);
        }
        ValidationErrorKind::OneOfNotValid { context } => {
            line("Must validate one and only one schema (oneOf)".into());
            append_closest(context, schema, out);
        }
        ValidationErrorKind::OneOfMultipleValid { .. } => {
            line("Must validate one and only one schema (oneOf)".into());
        }
        ValidationErrorKind::Not { .. } => line("Must not validate the schema (not)".into()),
        ValidationErrorKind::Contains => line("At least one of the items must match".into()),
        ValidationErrorKind::AdditionalItems { .. } => {
            line("No additional items allowed on array".into());
        }
        ValidationErrorKind::FalseSchema => line("False always fails validation".into()),
        ValidationErrorKind::PropertyNames { error } => {
            let name = error.instance().as_str().unwrap_or_default().to_string();
            line(format!("Property name of \"{name}\" does not match"));
        }
        _ => line(error.to_string()),
    }
}

/// gojsonschema reports, after an anyOf/oneOf failure, the errors of the alternative that
/// came closest; here that is the one with the fewest errors.
fn append_closest(context: &[Vec<ValidationError<'static>>], schema: &Json, out: &mut String) {
    if let Some(best) = context
        .iter()
        .filter(|c| !c.is_empty())
        .min_by_key(|c| c.len())
    {
        for e in best {
            describe(e, schema, out);
        }
    }
}

/// The expected types as gojsonschema prints them: one name, or `[a,b]` in schema order.
fn expected_types(kind: &TypeKind, schema_path: &str, schema: &Json) -> String {
    if let Some(Json::Array(list)) = schema.pointer(schema_path) {
        let names: Vec<&str> = list.iter().filter_map(Json::as_str).collect();
        if names.len() == 1 {
            return names[0].to_string();
        }
        if !names.is_empty() {
            return format!("[{}]", names.join(","));
        }
    }
    match kind {
        TypeKind::Single(t) => t.to_string(),
        TypeKind::Multiple(set) => {
            let names: Vec<String> = set.iter().map(|t| t.to_string()).collect();
            format!("[{}]", names.join(","))
        }
    }
}

fn first_duplicate(v: &Json) -> Option<(usize, usize)> {
    let items = v.as_array()?;
    for i in 0..items.len() {
        for j in i + 1..items.len() {
            if items[i] == items[j] {
                return Some((i, j));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(values: Json, schema: Json) -> String {
        let values = values.as_object().cloned().unwrap_or_default();
        validate_single(&values, schema.to_string().as_bytes())
            .err()
            .unwrap_or_default()
    }

    #[test]
    fn messages_are_gojsonschemas() {
        let schema = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "required": ["zz"],
            "additionalProperties": false,
            "properties": {
                "a": {"type": "string"},
                "s": {"type": ["integer", "null"]},
                "b": {"type": "array", "items": {"type": "string"}},
                "e": {"enum": ["x", "y"]},
                "m": {"minimum": 3}
            }
        });
        let out = check(
            json!({"a": 1.0, "s": "x", "b": [1.0], "e": "z", "m": 1.5, "q": 1}),
            schema,
        );
        for want in [
            "- (root): zz is required\n",
            "- (root): Additional property q is not allowed\n",
            "- a: Invalid type. Expected: string, given: integer\n",
            "- s: Invalid type. Expected: [integer,null], given: string\n",
            "- b.0: Invalid type. Expected: string, given: integer\n",
            "- e: e must be one of the following: \"x\", \"y\"\n",
            "- m: Must be greater than or equal to 3\n",
        ] {
            assert!(out.contains(want), "missing {want:?} in:\n{out}");
        }
    }

    #[test]
    fn remote_refs_are_not_fetched() {
        let out = check(json!({}), json!({"$ref": "https://example.invalid/s.json"}));
        assert!(out.contains("--skip-schema-validation"), "{out}");
    }

    #[test]
    fn valid_values_pass() {
        assert_eq!(
            check(
                json!({"a": "x"}),
                json!({"properties": {"a": {"type": "string"}}})
            ),
            ""
        );
    }
}
