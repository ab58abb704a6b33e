//! [`ResMap`]: the ordered list of resources a build carries from stage to stage, with
//! kustomize's id lookups.

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
        if self.resources.iter().any(|r| r.cur_id().equals(&id)) {
            return Err(Error::new(format!(
                "may not add resource with an already registered id: {id}"
            ))
            .with_help("two resources with the same kind, name and namespace; remove one or rename it (namePrefix/nameSuffix in one of the bases)"));
        }
        self.resources.push(res);
        Ok(())
    }

    /// Appends every resource of `other`.
    pub fn append_all(&mut self, other: Vec<Resource>) -> Result<()> {
        for r in other {
            self.append(r)?;
        }
        Ok(())
    }

    /// Indices of resources whose current or any earlier id matches `id`.
    pub fn find_by_any_id(&self, id: &ResId) -> Vec<usize> {
        self.resources
            .iter()
            .enumerate()
            .filter(|(_, r)| r.cur_id().equals(id) || r.prev_ids.iter().any(|p| p.equals(id)))
            .map(|(i, _)| i)
            .collect()
    }

    /// The one resource matching `id` by any id, with kustomize's errors otherwise.
    pub fn get_unique_by_any_id(&self, id: &ResId, failure: &str) -> Result<usize> {
        let found = self.find_by_any_id(id);
        match found.len() {
            1 => Ok(found[0]),
            0 => Err(Error::new(format!("no matches for Id {id}; {failure}"))),
            _ => Err(Error::new(format!(
                "multiple matches for Id {id}; {failure}"
            ))),
        }
    }

    /// Indices of resources whose current id matches `id`.
    pub fn find_by_cur_id(&self, id: &ResId) -> Vec<usize> {
        self.resources
            .iter()
            .enumerate()
            .filter(|(_, r)| r.cur_id().equals(id))
            .map(|(i, _)| i)
            .collect()
    }
}
