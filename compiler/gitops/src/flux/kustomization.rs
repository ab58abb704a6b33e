//! A Flux `Kustomization` (kustomize-controller, v1; v1beta2 reads the same): resolve
//! `sourceRef` and `path`, generate or amend the kustomization, build it with
//! `LoadRestrictionsNone` inside the source root, substitute post-build variables, then
//! apply `commonMetadata`.
//!
//! Encrypted objects (SOPS) are passed through as written: Flux would decrypt them before
//! substituting, kubake never decrypts, so it does not substitute into ciphertext either.
//! Not here: the namespace check (the engine runs it once every CRD is known).

use kubake_kustomize::LoadRestrictor;
use kubake_yaml::Node;

use crate::error::ErrorKind;
use crate::expand::{Ctx, Halt, Outcome, Step, UnitOutput};
use crate::flux::generate;
use crate::flux::varsub::{self, SubstituteError, Variables};
use crate::fs::{join_in_root, rel_string, OverlayFs};
use crate::kfile::{self, Built};
use crate::object::{self, ObjectKey};
use crate::unit::Unit;

/// Expands a Flux Kustomization unit.
pub fn expand(ctx: &Ctx<'_>, unit: &Unit) -> Outcome {
    run(ctx, unit).into()
}

fn run(ctx: &Ctx<'_>, unit: &Unit) -> Step<Outcome> {
    let def = &unit.definition;
    let spec = def.get("spec").cloned().unwrap_or_else(object::empty_map);
    let ns = unit.id.namespace.as_str();
    let file = unit.source.clone().unwrap_or_default();

    let src_kind = spec
        .str_at(&["sourceRef", "kind"])
        .unwrap_or("GitRepository");
    let src_name = spec.str_at(&["sourceRef", "name"]).unwrap_or("");
    let src_ns = spec
        .str_at(&["sourceRef", "namespace"])
        .filter(|s| !s.is_empty())
        .unwrap_or(ns);
    if src_name.is_empty() {
        return Err(ctx
            .error(ErrorKind::Definition, "spec.sourceRef.name is required")
            .in_file(&file)
            .into());
    }
    let source = ctx.flux_source(unit, src_kind, src_ns, src_name)?;
    let source_root = source.dir;
    let path = spec.str_at(&["path"]).unwrap_or("");
    // An error about spec.path, pointing at it.
    let path_error = |message: String| {
        ctx.error(ErrorKind::Definition, message)
            .at(&file, spec.get("path").map_or(def.pos, |n| n.pos))
    };
    let Some(dir) = join_in_root(&source_root, path) else {
        return Err(path_error(format!("spec.path {path:?} climbs out of the source")).into());
    };
    if !dir.is_dir() {
        return Err(path_error(format!(
            "kustomization path not found: {} does not exist in the source",
            rel_string(&ctx.cfg.root, &dir)
        ))
        .with_help(format!(
            "spec.path is relative to the root of the source, taken to be {}; pass --root if the repository is elsewhere",
            source_root.display()
        ))
        .into());
    }

    let artifact = generate::ArtifactFilter::new(&source_root, source.ignore.as_deref())
        .map_err(|e| e.in_units(&ctx.chain))?;
    if artifact
        .excludes(&dir, true)
        .map_err(|e| e.in_units(&ctx.chain))?
    {
        return Err(path_error(format!(
            "kustomization path not found: the source's artifact leaves {} out",
            rel_string(&ctx.cfg.root, &dir)
        ))
        .with_help(
            "source-controller leaves out what .sourceignore files and the GitRepository's spec.ignore exclude; change those rules or spec.path",
        )
        .into());
    }
    let kfile = generate::prepare(&dir, &spec, &ctx.cfg.root, &artifact)
        .map_err(|e| e.in_units(&ctx.chain))?;
    // What the artifact leaves out is not there for kustomize either (a resource naming
    // such a file fails as in Flux).
    let fs = OverlayFs::new()
        .confined_to(&source_root)
        .hiding(artifact.key(), {
            let artifact = artifact.clone();
            move |path, is_dir| artifact.hides(path, is_dir)
        });
    let kpath = rel_string(&ctx.cfg.root, &kfile.path);
    let built =
        kfile::build(ctx.cache, &fs, &kfile, LoadRestrictor::None, &ctx.cfg.root).map_err(|e| {
            let rewritten = kfile.is_rewritten() && e.file() == Some(std::path::Path::new(&kpath));
            let e = match rewritten.then(|| kfile.original_position(e.pos())) {
                // a line of the file on disk, which kubake re-wrote with Flux's fields
                Some(Some(pos)) => e.moved_to(&kpath, pos),
                // a line kubake wrote from this definition
                Some(None) => {
                    let pos = ["patches", "images", "components", "targetNamespace"]
                        .iter()
                        .find_map(|k| spec.get(k).map(|n| n.pos))
                        .unwrap_or(def.pos);
                    e.moved_to(&file, pos).context(format!(
                        "in the kustomization Flux {} for {kpath} from {}'s spec",
                        if kfile.generated {
                            "generates"
                        } else {
                            "amends"
                        },
                        unit.id
                    ))
                }
                None => e,
            };
            let e = e.in_units(&ctx.chain).context(format!(
                "building {} for {}",
                rel_string(&ctx.cfg.root, &dir),
                unit.id
            ));
            match artifact.hidden_files_on_disk().first() {
                Some(path) => e.with_help(format!(
                    "{} is on disk, but the source's artifact leaves it out (.sourceignore or the GitRepository's spec.ignore), so Flux cannot read it either",
                    rel_string(&ctx.cfg.root, path)
                )),
                None => e,
            }
        })?;

    let mut objects = built;
    let mut warnings = Vec::new();
    if spec.get("postBuild").is_some_and(|p| !p.is_null()) {
        let vars = variables(ctx, unit, &spec)?;
        // `substituteStrategy: Always` substitutes even without variables (defaults apply,
        // unset variables become empty); otherwise no variable means no substitution.
        let always = spec.str_at(&["postBuild", "substituteStrategy"]) == Some("Always");
        if always || !vars.is_empty() {
            objects = substitute_all(ctx, unit, objects, &vars, &mut warnings)?;
        }
    }
    common_metadata(&spec, &mut objects);
    Ok(Outcome::Done(UnitOutput {
        objects,
        warnings,
        ..UnitOutput::default()
    }))
}

/// The post-build variables: configured extras, then each `substituteFrom` object in
/// order (later wins; Secret `data` decoded, `stringData` on top), then
/// `postBuild.substitute`.
fn variables(ctx: &Ctx<'_>, unit: &Unit, spec: &Node) -> Step<Variables> {
    let ns = unit.id.namespace.as_str();
    let file = unit.source.clone().unwrap_or_default();
    let mut vars = Variables::new();
    for (k, v) in &ctx.cfg.variables {
        vars.set(k, v);
    }
    for reference in object::seq(spec, &["postBuild", "substituteFrom"]) {
        let kind = reference.str_at(&["kind"]).unwrap_or("");
        let name = reference.str_at(&["name"]).unwrap_or("");
        let optional = object::bool_at(reference, &["optional"]);
        if kind != "ConfigMap" && kind != "Secret" {
            return Err(ctx
                .error(
                    ErrorKind::Definition,
                    format!("substituteFrom kind {kind:?} is not supported (ConfigMap or Secret)"),
                )
                .at(&file, reference.pos)
                .into());
        }
        let key = ObjectKey::new("", kind, ns, name);
        match ctx.lookup(&key, &unit.id)? {
            Some(obj) => {
                for (k, v) in data_of(obj).map_err(|m| {
                    ctx.error(ErrorKind::Substitution, format!("substitute from '{kind}/{name}': {m}"))
                        .at(&file, reference.pos)
                })? {
                    vars.set(&k, &v);
                }
            }
            None if optional => {}
            None => {
                return Err(ctx
                    .error(
                        ErrorKind::Substitution,
                        format!(
                            "substitute from '{kind}/{name}' error: {kind} {ns}/{name} not found: no unit of this repository produces it"
                        ),
                    )
                    .at(&file, reference.pos)
                    .with_help(format!(
                        "add the {kind} to the repository, mark the reference `optional: true`, or give the variables in kubake.yaml `variables:`"
                    ))
                    .into())
            }
        }
    }
    for (k, v) in object::string_map(spec.get_path(&["postBuild", "substitute"])) {
        vars.set(&k, &v);
    }
    if let Some(bad) = vars.invalid_name() {
        return Err(ctx
            .error(
                ErrorKind::Substitution,
                format!(
                    "'{bad}' var name is invalid, must match '^[_[:alpha:]][_[:alpha:][:digit:]]*$'"
                ),
            )
            .in_file(&file)
            .into());
    }
    Ok(vars)
}

/// The data of a ConfigMap or Secret as the API server holds it: a Secret's `data`
/// base64-decoded, with `stringData` merged on top.
pub fn data_of(obj: &Node) -> std::result::Result<Vec<(String, String)>, String> {
    use base64::Engine;
    let mut out: Vec<(String, String)> = Vec::new();
    let mut put = |k: String, v: String| {
        if let Some(e) = out.iter_mut().find(|(ek, _)| *ek == k) {
            e.1 = v;
        } else {
            out.push((k, v));
        }
    };
    if object::kind(obj) == "Secret" {
        for (k, v) in object::string_map(obj.get("data")) {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(v.trim())
                .map_err(|e| format!("data key {k:?} is not valid base64: {e}"))?;
            put(k, String::from_utf8_lossy(&bytes).into_owned());
        }
        for (k, v) in object::string_map(obj.get("stringData")) {
            put(k, v);
        }
    } else {
        for (k, v) in object::string_map(obj.get("data")) {
            put(k, v);
        }
    }
    Ok(out)
}

/// Whether an object is SOPS-encrypted (it carries SOPS's metadata).
pub fn is_sops_encrypted(obj: &Node) -> bool {
    obj.get("sops")
        .is_some_and(|s| s.get("mac").is_some() || s.get("lastmodified").is_some())
}

fn substitute_all(
    ctx: &Ctx<'_>,
    unit: &Unit,
    objects: Vec<Built>,
    vars: &Variables,
    warnings: &mut Vec<String>,
) -> Step<Vec<Built>> {
    let mut out = Vec::with_capacity(objects.len());
    for b in objects {
        // Substitution reads every string, schemas included.
        let b = crate::verbatim::whole(b).map_err(Halt::Failed)?;
        if varsub::is_disabled(&b.node) || is_sops_encrypted(&b.node) {
            out.push(b);
            continue;
        }
        match varsub::substitute_reporting_unset(&b.node, vars) {
            Ok((node, unset)) if !unset.is_empty() => {
                let key = ObjectKey::of(&b.node);
                let names: Vec<String> = unset.iter().map(|n| format!("${{{n}}}")).collect();
                if ctx.cfg.strict_substitution {
                    let mut err = ctx.error(
                        ErrorKind::Substitution,
                        format!(
                            "{key}: variable substitution failed: variable not set (strict mode): {:?}",
                            unset[0]
                        ),
                    );
                    if let Some(src) = &b.source {
                        let needle = format!("${{{}", unset[0]);
                        err = err.at(src, position_of(&ctx.cfg.root.join(src), &needle));
                    }
                    return Err(Halt::Failed(err.with_help(format!(
                        "set {} in {}'s postBuild.substitute or substituteFrom, or give a default (${{{}:=value}})",
                        names.join(", "),
                        unit.id,
                        unset[0]
                    ))));
                }
                warnings.push(format!(
                    "{}: {key} uses {} without a default; unset, so empty (as in Flux; --strict-substitution makes this an error)",
                    unit.id,
                    names.join(", ")
                ));
                out.push(Built { node, ..b });
            }
            Ok((node, _)) => out.push(Built { node, ..b }),
            Err(e) => {
                let what = match e {
                    SubstituteError::Parse(p) => format!("variable substitution failed: {p}"),
                    SubstituteError::Yaml(m) => format!("YAMLToJSON: {m}"),
                };
                let mut err = ctx.error(
                    ErrorKind::Substitution,
                    format!("{}: {what}", ObjectKey::of(&b.node)),
                );
                if let Some(src) = &b.source {
                    err = err.in_file(src);
                }
                return Err(Halt::Failed(err.with_help(
                    "check the ${...} expressions; write $${VAR} for a literal ${VAR}, or opt the object out with the label kustomize.toolkit.fluxcd.io/substitute: disabled",
                )));
            }
        }
    }
    Ok(out)
}

/// Where `needle` first appears in the file at `path` (unknown when it does not).
fn position_of(path: &std::path::Path, needle: &str) -> kubake_yaml::Pos {
    let Ok(text) = std::fs::read_to_string(path) else {
        return kubake_yaml::Pos::NONE;
    };
    text.lines()
        .enumerate()
        .find_map(|(i, line)| {
            line.find(needle).map(|at| kubake_yaml::Pos {
                line: i as u32 + 1,
                col: line[..at].chars().count() as u32 + 1,
            })
        })
        .unwrap_or(kubake_yaml::Pos::NONE)
}

/// `spec.commonMetadata`: labels and annotations set on every object.
fn common_metadata(spec: &Node, objects: &mut [Built]) {
    let labels = object::string_map(spec.get_path(&["commonMetadata", "labels"]));
    let annotations = object::string_map(spec.get_path(&["commonMetadata", "annotations"]));
    if labels.is_empty() && annotations.is_empty() {
        return;
    }
    for b in objects {
        object::merge_metadata_map(&mut b.node, "labels", &labels);
        object::merge_metadata_map(&mut b.node, "annotations", &annotations);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubake_yaml::{load_one, Schema};

    fn node(text: &str) -> Node {
        load_one(text, Schema::Core12).unwrap_or_else(|_| Node::null())
    }

    #[test]
    fn secret_data_is_decoded_and_string_data_wins() {
        let s = node("kind: Secret\ndata: {a: aGVsbG8=, b: eA==}\nstringData: {b: y}\n");
        let d = data_of(&s).unwrap_or_default();
        assert_eq!(
            d,
            vec![("a".into(), "hello".into()), ("b".into(), "y".into())]
        );
        assert!(data_of(&node("kind: Secret\ndata: {a: '!!'}\n")).is_err());
    }

    #[test]
    fn sops_objects_are_recognised() {
        assert!(is_sops_encrypted(&node("kind: Secret\nsops: {mac: x}\n")));
        assert!(!is_sops_encrypted(&node("kind: Secret\n")));
    }
}
