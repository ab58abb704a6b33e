//! An Argo CD kustomize source: the Application's overrides written into the
//! kustomization as Argo CD's `kustomize edit` commands write them
//! (`argo-cd/util/kustomize/kustomize.go`, in its order: `namePrefix`, `nameSuffix`,
//! `images`, `replicas`, `commonLabels`, `commonAnnotations`, `namespace`, `patches`,
//! `components`), then `kustomize build` with the default load restrictions.
//!
//! `kustomize edit set image` replaces an entry of the same name (a `*` field keeps the
//! old value) and sorts the list by name; `edit add label/annotation` refuses an existing
//! key unless forced. Not here: the other source types (`directory`, `helm`).

use std::path::Path;

use kubake_kustomize::LoadRestrictor;
use kubake_yaml::{Mapping, Node, Value};

use crate::error::{Error, ErrorKind, Result};
use crate::fs::OverlayFs;
use crate::kfile::{self, BuildCache, Built, KustFile};
use crate::object;

/// Builds the kustomize source in `dir` with the Application's `kustomize` overrides
/// (`app_file` defines the Application, for errors in what the overrides wrote).
pub fn build(
    cache: &BuildCache,
    dir: &Path,
    overrides: Option<&Node>,
    repo_root: &Path,
    root: &Path,
    app_file: Option<&str>,
) -> Result<Vec<Built>> {
    let mut k = match KustFile::load(dir, root)? {
        Some(k) => k,
        None => {
            return Err(Error::new(
                ErrorKind::Kustomize,
                format!(
                    "kustomization file not found in the path {}",
                    crate::fs::rel_string(root, dir)
                ),
            )
            .with_help(
                "add a kustomization.yaml, or use a directory source (spec.source.directory)",
            ))
        }
    };
    if let Some(o) = overrides.filter(|o| !o.is_null()) {
        apply(&mut k, dir, o)?;
    }
    let fs = OverlayFs::new().confined_to(repo_root);
    let kpath = crate::fs::rel_string(root, &k.path);
    kfile::build(cache, &fs, &k, LoadRestrictor::RootOnly, root).map_err(|e| {
        if k.is_rewritten() && e.file() == Some(Path::new(&kpath)) {
            // kustomize read the kustomization as the Application's overrides edited it
            let pos = overrides.map_or(kubake_yaml::Pos::NONE, |o| o.pos);
            e.moved_to(app_file.unwrap_or(&kpath), pos)
                .context(format!("in {kpath} as spec.source.kustomize edits it"))
        } else {
            e
        }
    })
}

/// Applies the overrides in Argo CD's order.
pub fn apply(k: &mut KustFile, dir: &Path, o: &Node) -> Result<()> {
    let text = |key: &str| o.str_at(&[key]).filter(|s| !s.is_empty());
    if let Some(p) = text("namePrefix") {
        k.set_string("namePrefix", p);
    }
    if let Some(s) = text("nameSuffix") {
        k.set_string("nameSuffix", s);
    }
    let images: Vec<&str> = object::seq(o, &["images"])
        .iter()
        .filter_map(Node::as_str)
        .collect();
    if !images.is_empty() {
        set_images(k, &images)?;
    }
    let replicas = object::seq(o, &["replicas"]);
    if !replicas.is_empty() {
        set_replicas(k, replicas)?;
    }
    let labels = object::string_map(o.get("commonLabels"));
    if !labels.is_empty() {
        if object::bool_at(o, &["labelWithoutSelector"]) {
            add_labels_without_selector(
                k,
                &labels,
                object::bool_at(o, &["labelIncludeTemplates"]),
                object::bool_at(o, &["forceCommonLabels"]),
            )?;
        } else {
            add_to_map(
                k,
                "commonLabels",
                "label",
                &labels,
                object::bool_at(o, &["forceCommonLabels"]),
            )?;
        }
    }
    let annotations = object::string_map(o.get("commonAnnotations"));
    if !annotations.is_empty() {
        add_to_map(
            k,
            "commonAnnotations",
            "annotation",
            &annotations,
            object::bool_at(o, &["forceCommonAnnotations"]),
        )?;
    }
    if let Some(ns) = text("namespace") {
        k.set_string("namespace", ns);
    }
    let patches = object::seq(o, &["patches"]).to_vec();
    k.append("patches", patches);
    let ignore_missing = object::bool_at(o, &["ignoreMissingComponents"]);
    for c in object::seq(o, &["components"])
        .iter()
        .filter_map(Node::as_str)
    {
        if ignore_missing && !dir.join(c).exists() {
            continue;
        }
        let present = k
            .map()
            .get("components")
            .and_then(Node::as_seq)
            .is_some_and(|s| s.iter().any(|n| n.as_str() == Some(c)));
        if !present {
            k.append("components", vec![Node::str(c)]);
        }
    }
    Ok(())
}

/// One parsed `kustomize edit set image` argument.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct ImageArg {
    name: String,
    new_name: String,
    new_tag: String,
    digest: String,
}

const IMAGE_FORMAT_HELP: &str = "use one of <image>=<newimage>:<newtag>, <image>=<newimage>@<digest>, <image>=<newimage>, <image>:<newtag>, <image>@<digest>";

fn parse_image(arg: &str) -> Result<ImageArg> {
    let parts: Vec<&str> = arg.split('=').collect();
    if parts.len() == 2 {
        let (name, tag, digest) = parse_overwrite(parts[1], true).ok_or_else(|| bad_image(arg))?;
        return Ok(ImageArg {
            name: parts[0].to_string(),
            new_name: name,
            new_tag: tag,
            digest,
        });
    }
    let (name, tag, digest) = parse_overwrite(arg, false).ok_or_else(|| bad_image(arg))?;
    Ok(ImageArg {
        name,
        new_tag: tag,
        digest,
        ..ImageArg::default()
    })
}

fn bad_image(arg: &str) -> Error {
    Error::new(
        ErrorKind::Definition,
        format!("invalid format of image {arg:?} in spec.source.kustomize.images"),
    )
    .with_help(IMAGE_FORMAT_HELP)
}

fn parse_overwrite(arg: &str, overwrite_image: bool) -> Option<(String, String, String)> {
    let d: Vec<&str> = arg.split('@').collect();
    if d.len() > 1 {
        return Some((d[0].to_string(), String::new(), d[1].to_string()));
    }
    if let Some((name, tag)) = arg.rsplit_once(':') {
        let tag_ok = tag == "*"
            || tag
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if tag_ok {
            return Some((name.to_string(), tag.to_string(), String::new()));
        }
    }
    (!arg.is_empty() && overwrite_image).then(|| (arg.to_string(), String::new(), String::new()))
}

fn set_images(k: &mut KustFile, args: &[&str]) -> Result<()> {
    let mut wanted: Vec<ImageArg> = Vec::new();
    for a in args {
        let img = parse_image(a)?;
        wanted.retain(|w| w.name != img.name);
        wanted.push(img);
    }
    let existing: Vec<ImageArg> = k
        .map()
        .get("images")
        .and_then(Node::as_seq)
        .map(|s| {
            s.iter()
                .map(|n| ImageArg {
                    name: n.str_at(&["name"]).unwrap_or("").to_string(),
                    new_name: n.str_at(&["newName"]).unwrap_or("").to_string(),
                    new_tag: n.str_at(&["newTag"]).unwrap_or("").to_string(),
                    digest: n.str_at(&["digest"]).unwrap_or("").to_string(),
                })
                .collect()
        })
        .unwrap_or_default();
    let mut merged: Vec<ImageArg> = Vec::new();
    for old in existing {
        if let Some(pos) = wanted.iter().position(|w| w.name == old.name) {
            let mut arg = wanted.remove(pos);
            if arg.new_name == "*" {
                arg.new_name = old.new_name.clone();
            }
            if arg.new_tag == "*" {
                arg.new_tag = old.new_tag.clone();
            }
            if arg.digest == "*" {
                arg.digest = old.digest.clone();
            }
            merged.retain(|m| m.name != arg.name);
            merged.push(arg);
        } else {
            merged.retain(|m| m.name != old.name);
            merged.push(old);
        }
    }
    merged.extend(wanted);
    for m in &mut merged {
        for f in [&mut m.new_name, &mut m.new_tag, &mut m.digest] {
            if f == "*" {
                f.clear();
            }
        }
    }
    merged.sort_by(|a, b| a.name.cmp(&b.name));
    let nodes: Vec<Node> = merged
        .into_iter()
        .map(|i| {
            let mut m = Mapping::new();
            m.insert("name", Node::str(i.name));
            for (key, v) in [
                ("newName", i.new_name),
                ("newTag", i.new_tag),
                ("digest", i.digest),
            ] {
                if !v.is_empty() {
                    m.insert(key, Node::str(v));
                }
            }
            Node::new(Value::Map(m))
        })
        .collect();
    k.map_mut().insert("images", Node::new(Value::Seq(nodes)));
    Ok(())
}

fn set_replicas(k: &mut KustFile, replicas: &[Node]) -> Result<()> {
    for r in replicas {
        let name = r.str_at(&["name"]).unwrap_or("");
        let count = match r.get("count").map(|c| &c.value) {
            Some(Value::Int(i)) => *i,
            Some(Value::Str(s)) => s.trim().parse::<i64>().map_err(|_| {
                Error::new(
                    ErrorKind::Definition,
                    format!("replicas count {s:?} for {name:?} is not an integer"),
                )
            })?,
            _ => {
                return Err(Error::new(
                    ErrorKind::Definition,
                    format!("replicas entry {name:?} has no integer count"),
                ))
            }
        };
        let mut entry = Mapping::new();
        entry.insert("name", Node::str(name));
        entry.insert("count", Node::new(Value::Int(count)));
        let m = k.map_mut();
        let list = m.get_or_insert_with("replicas", || Node::new(Value::Seq(Vec::new())));
        if list.as_seq().is_none() {
            *list = Node::new(Value::Seq(Vec::new()));
        }
        if let Some(seq) = list.as_seq_mut() {
            if let Some(e) = seq.iter_mut().find(|e| e.str_at(&["name"]) == Some(name)) {
                *e = Node::new(Value::Map(entry));
            } else {
                seq.push(Node::new(Value::Map(entry)));
            }
        }
    }
    Ok(())
}

fn add_to_map(
    k: &mut KustFile,
    field: &str,
    what: &str,
    pairs: &[(String, String)],
    force: bool,
) -> Result<()> {
    let m = k.map_mut();
    let target = m.get_or_insert_with(field, object::empty_map);
    if target.as_map().is_none() {
        *target = object::empty_map();
    }
    if let Some(map) = target.as_map_mut() {
        for (key, v) in pairs {
            if map.contains_key(key) && !force {
                return Err(Error::new(
                    ErrorKind::Kustomize,
                    format!("{what} {key} already in kustomization file"),
                )
                .with_help(format!(
                    "set force{}s: true in spec.source.kustomize to override it",
                    if what == "label" {
                        "CommonLabel"
                    } else {
                        "CommonAnnotation"
                    }
                )));
            }
            map.insert(key.clone(), Node::str(v.clone()));
        }
    }
    Ok(())
}

fn add_labels_without_selector(
    k: &mut KustFile,
    pairs: &[(String, String)],
    include_templates: bool,
    force: bool,
) -> Result<()> {
    let m = k.map_mut();
    let list = m.get_or_insert_with("labels", || Node::new(Value::Seq(Vec::new())));
    if list.as_seq().is_none() {
        *list = Node::new(Value::Seq(Vec::new()));
    }
    let Some(seq) = list.as_seq_mut() else {
        return Ok(());
    };
    let matching = seq.iter().position(|l| {
        !object::bool_at(l, &["includeSelectors"])
            && object::bool_at(l, &["includeTemplates"]) == include_templates
    });
    let idx = match matching {
        Some(i) => i,
        None => {
            let mut e = Mapping::new();
            e.insert("pairs", object::empty_map());
            if include_templates {
                e.insert("includeTemplates", Node::new(Value::Bool(true)));
            }
            seq.push(Node::new(Value::Map(e)));
            seq.len() - 1
        }
    };
    let Some(entry) = seq.get_mut(idx).and_then(Node::as_map_mut) else {
        return Ok(());
    };
    let p = entry.get_or_insert_with("pairs", object::empty_map);
    if p.as_map().is_none() {
        *p = object::empty_map();
    }
    if let Some(map) = p.as_map_mut() {
        for (key, v) in pairs {
            if map.contains_key(key) && !force {
                return Err(Error::new(
                    ErrorKind::Kustomize,
                    format!("label {key} already in kustomization file"),
                ));
            }
            map.insert(key.clone(), Node::str(v.clone()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubake_yaml::{load_one, Schema};

    fn node(text: &str) -> Node {
        load_one(text, Schema::Core12).unwrap_or_else(|_| Node::null())
    }

    #[test]
    fn images_parse_like_kustomize_edit() {
        let p = |a: &str| parse_image(a).unwrap_or_default();
        assert_eq!(p("nginx:1.2").new_tag, "1.2");
        assert_eq!(p("nginx=mirror/nginx:1.2").new_name, "mirror/nginx");
        assert_eq!(p("alpine@sha256:aa").digest, "sha256:aa");
        assert_eq!(p("a=b").new_name, "b");
        assert!(parse_image("justname").is_err());
    }

    #[test]
    fn overrides_edit_the_kustomization() {
        let mut k = KustFile::generated(Path::new("/x"), &[]);
        k.map_mut().insert(
            "images",
            node("- {name: b, newTag: '1'}\n- {name: a, newName: m}\n"),
        );
        k.map_mut().insert("commonLabels", node("{app: x}"));
        let o = node("namePrefix: p-\nimages: ['a:2', 'c@sha256:ff']\nreplicas: [{name: web, count: 3}]\ncommonLabels: {team: t}\nnamespace: ns\n");
        assert!(apply(&mut k, Path::new("/x"), &o).is_ok());
        let m = k.map();
        let names: Vec<&str> = m
            .get("images")
            .and_then(Node::as_seq)
            .map(|s| s.iter().filter_map(|n| n.str_at(&["name"])).collect())
            .unwrap_or_default();
        assert_eq!(names, ["a", "b", "c"]);
        let a = m
            .get("images")
            .and_then(Node::as_seq)
            .map(|s| s[0].clone())
            .unwrap_or_else(Node::null);
        assert_eq!(a.str_at(&["newTag"]), Some("2"));
        assert_eq!(a.str_at(&["newName"]), None);
        assert_eq!(m.get("namespace").and_then(Node::as_str), Some("ns"));
        let clash = node("commonLabels: {app: y}\n");
        assert!(apply(&mut k, Path::new("/x"), &clash).is_err());
    }
}
