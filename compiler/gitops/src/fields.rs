//! The fields of a unit's definition checked against the controller's API before the
//! unit is interpreted: Flux `Kustomization` (v1, v1beta2) and `HelmRelease` (v2,
//! v2beta1, v2beta2), Argo CD `Application`, at the level of `spec`.
//!
//! A field of the wrong JSON type is an error, as the API server would refuse the
//! object (`spec.prune: "yes"`). An unknown field that is close to a known one
//! (`prunne`) is an error too, naming the field meant: the API server would silently
//! drop it, and the unit would then behave as if the field were not set at all. Any
//! other unknown field is a warning, since a newer controller may know it.
//!
//! Not here: what the fields mean (`flux`, `argo`).

use kubake_yaml::{Node, Value};

use crate::error::{Error, ErrorKind};
use crate::unit::{Unit, UnitKind};

/// A field's JSON type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Type {
    Bool,
    Str,
    Int,
    List,
    Object,
    /// Anything (free-form values, or a type kubake does not check).
    Any,
}

use Type::{Any, Bool, Int, List, Object, Str};

/// Flux `Kustomization` `spec` (v1 and v1beta2's extra fields).
const FLUX_KUSTOMIZATION: &[(&str, Type)] = &[
    ("commonMetadata", Object),
    ("components", List),
    ("decryption", Object),
    ("deletionPolicy", Str),
    ("dependsOn", List),
    ("force", Bool),
    ("healthCheckExprs", List),
    ("healthChecks", List),
    ("ignoreMissingComponents", Bool),
    ("images", List),
    ("interval", Str),
    ("kubeConfig", Object),
    ("namePrefix", Str),
    ("nameSuffix", Str),
    ("patches", List),
    ("patchesJson6902", List),
    ("patchesStrategicMerge", List),
    ("path", Str),
    ("postBuild", Object),
    ("prune", Bool),
    ("retryInterval", Str),
    ("serviceAccountName", Str),
    ("sourceRef", Object),
    ("suspend", Bool),
    ("targetNamespace", Str),
    ("timeout", Str),
    ("validation", Str),
    ("wait", Bool),
];

/// Flux `HelmRelease` `spec` (v2 and the v2beta fields).
const HELM_RELEASE: &[(&str, Type)] = &[
    ("chart", Object),
    ("chartRef", Object),
    ("commonMetadata", Object),
    ("dependsOn", List),
    ("driftDetection", Object),
    ("install", Object),
    ("interval", Str),
    ("kubeConfig", Object),
    ("maxHistory", Int),
    ("persistentClient", Bool),
    ("postRenderers", List),
    ("releaseName", Str),
    ("rollback", Object),
    ("serviceAccountName", Str),
    ("storageNamespace", Str),
    ("suspend", Bool),
    ("targetNamespace", Str),
    ("test", Object),
    ("timeout", Str),
    ("uninstall", Object),
    ("upgrade", Object),
    ("values", Any),
    ("valuesFrom", List),
];

/// Argo CD `Application` `spec`.
const APPLICATION: &[(&str, Type)] = &[
    ("destination", Object),
    ("ignoreDifferences", List),
    ("info", List),
    ("project", Str),
    ("revisionHistoryLimit", Int),
    ("source", Object),
    ("sourceHydrator", Object),
    ("sources", List),
    ("syncPolicy", Object),
];

/// How close (Jaro-Winkler) an unknown name must be to a known one to be taken as a
/// typo of it.
const TYPO_SIMILARITY: f64 = 0.88;

/// Checks `unit`'s `spec`: `Err` for a mistyped or misspelt field, else the warnings
/// (unknown fields).
pub fn check(unit: &Unit) -> Result<Vec<String>, Error> {
    let known = match unit.kind {
        UnitKind::FluxKustomization => FLUX_KUSTOMIZATION,
        UnitKind::HelmRelease => HELM_RELEASE,
        UnitKind::Application => APPLICATION,
        UnitKind::Kustomize => return Ok(Vec::new()),
    };
    let Some(spec) = unit.definition.get("spec") else {
        return Ok(Vec::new());
    };
    let file = unit.source.clone().unwrap_or_default();
    let Some(map) = spec.as_map() else {
        return Err(Error::new(
            ErrorKind::Definition,
            format!("{}: spec must be a mapping", unit.id),
        )
        .at(&file, spec.pos));
    };
    let mut warnings = Vec::new();
    for entry in map.entries() {
        let (name, value) = (entry.key.as_str(), &entry.value);
        match known.iter().find(|(k, _)| *k == name) {
            Some((_, want)) => {
                if let Some(got) = mismatch(*want, value) {
                    return Err(Error::new(
                        ErrorKind::Definition,
                        format!(
                            "{}: spec.{name} must be {}, not {got}",
                            unit.id,
                            describe(*want)
                        ),
                    )
                    .at(&file, value.pos));
                }
            }
            None => {
                let closest = kubake_kustomize::suggest::closest(
                    known.iter(),
                    |(k, _)| k.to_string(),
                    name,
                    TYPO_SIMILARITY,
                );
                match closest {
                    Some((meant, _)) => {
                        return Err(Error::new(
                            ErrorKind::Definition,
                            format!("{}: unknown field spec.{name}", unit.id),
                        )
                        .at(&file, entry_pos(entry))
                        .with_help(format!(
                            "did you mean spec.{meant}? The controller would drop spec.{name} and ignore it"
                        )));
                    }
                    None => warnings.push(format!(
                        "{}: unknown field spec.{name} in {file}; kubake ignores it",
                        unit.id
                    )),
                }
            }
        }
    }
    Ok(warnings)
}

/// Where a mapping entry is: its key's position when known, else its value's.
fn entry_pos(entry: &kubake_yaml::Entry) -> kubake_yaml::Pos {
    if entry.key_pos.is_known() {
        entry.key_pos
    } else {
        entry.value.pos
    }
}

/// What `value` is, when it is not of type `want` (`null` always passes: an empty
/// field).
fn mismatch(want: Type, value: &Node) -> Option<String> {
    let ok = matches!(
        (&value.value, want),
        (Value::Null, _)
            | (_, Any)
            | (Value::Bool(_), Bool)
            | (Value::Str(_), Str)
            | (Value::Int(_), Int)
            | (Value::Seq(_), List)
            | (Value::Map(_), Object)
    );
    if ok {
        return None;
    }
    Some(match &value.value {
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Int(i) => format!("the number {i}"),
        Value::Float(f) => format!("the number {f}"),
        Value::Str(s) => format!("the string {s:?}"),
        Value::Seq(_) => "a list".into(),
        Value::Map(_) => "a mapping".into(),
        Value::Null => "null".into(),
    })
}

fn describe(t: Type) -> &'static str {
    match t {
        Bool => "true or false",
        Str => "a string",
        Int => "an integer",
        List => "a list",
        Object => "a mapping",
        Any => "anything",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::unit::UnitId;
    use kubake_yaml::Schema;

    fn unit(kind: UnitKind, spec: &str) -> Unit {
        let definition = kubake_yaml::load_one(
            &format!("apiVersion: x/v1\nkind: K\nmetadata: {{name: a}}\nspec:\n{spec}"),
            Schema::Core12,
        )
        .expect("YAML");
        Unit {
            id: UnitId::new("Kustomization", "flux-system", "a"),
            kind,
            definition,
            source: Some("clusters/dev/a.yaml".into()),
            parent: None,
            depends_on: Vec::new(),
            sync_wave: 0,
        }
    }

    #[test]
    fn known_fields_of_the_right_type_pass() {
        let u = unit(
            UnitKind::FluxKustomization,
            "  path: ./apps\n  prune: true\n  dependsOn: [{name: b}]\n  postBuild: {substitute: {a: b}}\n  timeout: ~\n",
        );
        assert_eq!(check(&u).expect("valid"), Vec::<String>::new());
    }

    #[test]
    fn a_wrong_type_is_an_error_at_the_value() {
        let e = check(&unit(UnitKind::FluxKustomization, "  prune: \"yes\"\n")).unwrap_err();
        assert_eq!(
            e.message(),
            "Kustomization/flux-system/a: spec.prune must be true or false, not the string \"yes\""
        );
        assert_eq!((e.pos().line, e.pos().col), (5, 10));
    }

    #[test]
    fn a_typo_is_an_error_and_a_stranger_a_warning() {
        let e = check(&unit(UnitKind::HelmRelease, "  valuesFom: []\n")).unwrap_err();
        assert_eq!(
            e.message(),
            "Kustomization/flux-system/a: unknown field spec.valuesFom"
        );
        assert!(e
            .help()
            .is_some_and(|h| h.contains("did you mean spec.valuesFrom?")));
        assert_eq!((e.pos().line, e.pos().col), (5, 3));
        let w = check(&unit(
            UnitKind::Application,
            "  project: default\n  zzz: 1\n",
        ))
        .unwrap();
        assert_eq!(w.len(), 1);
        assert!(w[0].contains("unknown field spec.zzz"));
    }
}
