//! [`ResMap`]: the ordered list of resources a build carries from stage to stage, with
//! kustomize's id lookups.

use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::resource::{ResId, Resource};

/// Resources in build order.
#[derive(Clone, Debug, Default)]
pub struct ResMap {
    resources: Vec<Resource>,
}

impl ResMap {
    /// An empty map.
    pub fn new() -> Self {
        ResMap::default()
    }

    /// The resources, in order.
    pub fn resources(&self) -> &[Resource] {
        &self.resources
    }

    /// The resources, mutably.
    pub fn resources_mut(&mut self) -> &mut Vec<Resource> {
        &mut self.resources
    }

    /// Takes the resources out.
    pub fn into_resources(self) -> Vec<Resource> {
        self.resources
    }

    /// Number of resources.
    pub fn len(&self) -> usize {
        self.resources.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.resources.is_empty()
    }

    /// Appends a resource; its current id must be new.
    pub fn append(&mut self, res: Resource) -> Result<()> {
        let id = res.cur_id();
        // Names must match for ids to be equal; checking them first keeps appends cheap.
        if self
            .resources
            .iter()
            .any(|r| r.name() == id.name && r.cur_id().equals(&id))
        {
            return Err(duplicate_id(&id));
        }
        self.resources.push(res);
        Ok(())
    }

    /// Appends every resource of `other`; each current id must be new.
    pub fn append_all(&mut self, other: Vec<Resource>) -> Result<()> {
        // Ids can only be equal when names are, so one index by name makes this linear
        // where appending one by one would be quadratic.
        let mut by_name: HashMap<String, Vec<ResId>> = HashMap::new();
        for r in &self.resources {
            by_name
                .entry(r.name().to_string())
                .or_default()
                .push(r.cur_id());
        }
        for r in other {
            let id = r.cur_id();
            let same_name = by_name.entry(id.name.clone()).or_default();
            if same_name.iter().any(|x| x.equals(&id)) {
                return Err(duplicate_id(&id));
            }
            same_name.push(id);
            self.resources.push(r);
        }
        Ok(())
    }

    /// Indices of resources whose current or any earlier id matches `id`.
    pub fn find_by_any_id(&self, id: &ResId) -> Vec<usize> {
        self.resources
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                (r.name() == id.name && r.cur_id().equals(id))
                    || r.prev_ids.iter().any(|p| p.equals(id))
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// The one resource matching `id` by any id, with kustomize's errors otherwise.
    pub fn get_unique_by_any_id(&self, id: &ResId, failure: &str) -> Result<usize> {
        let found = self.find_by_any_id(id);
        match found.len() {
            1 => Ok(found[0]),
            0 => Err(Error::new(format!("no matches for Id {id}; {failure}"))
                .with_help(self.nearest_hint(id))),
            _ => Err(Error::new(format!(
                "multiple matches for Id {id}; {failure}"
            ))),
        }
    }

    /// Advice for an id that matched nothing: the resource of the same kind with the
    /// closest name, or the kind's names, or that there is none of that kind.
    fn nearest_hint(&self, id: &ResId) -> String {
        let same_kind: Vec<&str> = self
            .resources
            .iter()
            .filter(|r| r.kind() == id.gvk.kind)
            .map(|r| r.name())
            .collect();
        let kind = &id.gvk.kind;
        if same_kind.is_empty() {
            return format!(
                "this kustomization has no {kind} resource: the patch must name one of its resources"
            );
        }
        match crate::suggest::closest(same_kind.iter(), |n| n.to_string(), &id.name, 0.8) {
            Some(name) => format!(
                "no {kind} is named {:?} here; did you mean {name:?}? (a patch's kind, name and namespace must match a resource of this kustomization)",
                id.name
            ),
            None => format!(
                "no {kind} is named {:?} here; the {kind} resources are: {}",
                id.name,
                same_kind.join(", ")
            ),
        }
    }

    /// Indices of resources whose current id matches `id`.
    pub fn find_by_cur_id(&self, id: &ResId) -> Vec<usize> {
        self.resources
            .iter()
            .enumerate()
            .filter(|(_, r)| r.name() == id.name && r.cur_id().equals(id))
            .map(|(i, _)| i)
            .collect()
    }
}

fn duplicate_id(id: &ResId) -> Error {
    Error::new(format!(
        "may not add resource with an already registered id: {id}"
    ))
    .with_help("two resources with the same kind, name and namespace; remove one or rename it (namePrefix/nameSuffix in one of the bases)")
}

/// The first id in `ids` equal to an earlier one, found in linear time.
pub fn first_duplicate(ids: &[ResId]) -> Option<&ResId> {
    let mut by_name: HashMap<&str, Vec<&ResId>> = HashMap::new();
    for id in ids {
        let same_name = by_name.entry(id.name.as_str()).or_default();
        if same_name.iter().any(|x| x.equals(id)) {
            return Some(id);
        }
        same_name.push(id);
    }
    None
}
