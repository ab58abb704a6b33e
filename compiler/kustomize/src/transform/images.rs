//! `images`: rewrite container image names, tags and digests (ImageTagTransformer).
//!
//! As kustomize does, it updates every `containers`/`initContainers` list found anywhere
//! in an object (so custom resources with pod-like specs are covered), and then the
//! configured image field specs.

use kubake_yaml::{Node, Value};
use regex::Regex;

use crate::error::{Error, Result};
use crate::fieldspec::{self, Create, FieldSpec};
use crate::kustfile::ImageArgs;
use crate::resmap::ResMap;

/// Splits `[host[:port]/]path[:tag][@digest]` into name, tag and digest.
pub fn split_image(image: &str) -> (String, String, String) {
    let slash = image.find('/').filter(|&i| i > 0).unwrap_or(0);
    let search = &image[slash..];
    let at = search.find('@').map(|i| i + slash);
    let colon = search.find(':').map(|i| i + slash);
    match (colon, at) {
        (None, None) => (image.to_string(), String::new(), String::new()),
        (c, Some(a)) if c.is_none_or(|c| a < c) => (
            image[..a].to_string(),
            String::new(),
            image[a + 1..].to_string(),
        ),
        (Some(c), Some(a)) => (
            image[..c].to_string(),
            image[c + 1..a].to_string(),
            image[a + 1..].to_string(),
        ),
        (Some(c), None) => (
            image[..c].to_string(),
            image[c + 1..].to_string(),
            String::new(),
        ),
        (None, Some(_)) => (image.to_string(), String::new(), String::new()),
    }
}

struct Updater<'a> {
    args: &'a ImageArgs,
    pattern: Regex,
}

impl Updater<'_> {
    fn update(&self, value: &str) -> Option<String> {
        if !self.pattern.is_match(value) {
            return None;
        }
        let (mut name, mut tag, mut digest) = split_image(value);
        let a = self.args;
        if let Some(n) = a.new_name.as_deref().filter(|n| !n.is_empty()) {
            name = n.to_string();
        }
        let new_tag = a.new_tag.as_deref().filter(|t| !t.is_empty());
        let new_digest = a.digest.as_deref().filter(|d| !d.is_empty());
        match (new_tag, new_digest) {
            (Some(t), Some(d)) => {
                tag = t.to_string();
                digest = d.to_string();
            }
            (Some(t), None) => {
                tag = t.to_string();
                digest.clear();
            }
            (None, Some(d)) => {
                tag.clear();
                digest = d.to_string();
            }
            (None, None) => {}
        }
        if !tag.is_empty() {
            name = format!("{name}:{tag}");
        }
        if !digest.is_empty() {
            name = format!("{name}@{digest}");
        }
        Some(name)
    }

    fn set(&self, n: &mut Node) {
        if let Value::Str(s) = &n.value {
            if let Some(v) = self.update(s) {
                n.value = Value::Str(v);
            }
        }
    }

    fn walk_containers(&self, n: &mut Node) {
        match &mut n.value {
            Value::Map(m) => {
                for (k, v) in m.iter_mut() {
                    if k == "containers" || k == "initContainers" {
                        if let Some(items) = v.as_seq_mut() {
                            for item in items {
                                if let Some(img) =
                                    item.as_map_mut().and_then(|m| m.get_mut("image"))
                                {
                                    self.set(img);
                                }
                            }
                        }
                    }
                    self.walk_containers(v);
                }
            }
            Value::Seq(items) => items.iter_mut().for_each(|i| self.walk_containers(i)),
            _ => {}
        }
    }
}

/// Applies one `images` entry.
pub fn apply(resmap: &mut ResMap, args: &ImageArgs, specs: &[FieldSpec]) -> Result<()> {
    // kustomize's `IsImageMatched`: the name (a regular expression), an optional tag and
    // an optional sha256 digest, with a permissive character set (templated tags pass).
    let pattern = Regex::new(&format!(
        "^{}(:[a-zA-Z0-9_.{{}}-]*)?(@sha256:[a-zA-Z0-9_.{{}}-]*)?$",
        args.name
    ))
    .map_err(|e| Error::new(format!("invalid image name {:?}: {e}", args.name)))?;
    let u = Updater { args, pattern };
    for res in resmap.resources_mut() {
        u.walk_containers(&mut res.node);
        for spec in specs {
            fieldspec::apply(&mut res.node, spec, Create::Never, &mut |n| {
                u.set(n);
                Ok(())
            })?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_images() {
        let s = |i| split_image(i);
        assert_eq!(s("nginx"), ("nginx".into(), "".into(), "".into()));
        assert_eq!(s("nginx:1.2"), ("nginx".into(), "1.2".into(), "".into()));
        assert_eq!(
            s("reg:5000/app:v1"),
            ("reg:5000/app".into(), "v1".into(), "".into())
        );
        assert_eq!(
            s("app@sha256:ab"),
            ("app".into(), "".into(), "sha256:ab".into())
        );
        assert_eq!(
            s("app:v1@sha256:ab"),
            ("app".into(), "v1".into(), "sha256:ab".into())
        );
    }
}
