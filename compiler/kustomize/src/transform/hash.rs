//! Content-hash suffixes for generated ConfigMaps and Secrets, added once for the whole
//! build after every transformer has run, so the hash covers the final data.

use crate::error::{Error, Result};
use crate::generators::hash_suffix;
use crate::resmap::ResMap;

/// Appends `-<hash>` to the name of every resource that awaits one.
pub fn apply(resmap: &mut ResMap) -> Result<()> {
    for res in resmap.resources_mut() {
        if !res.needs_hash {
            continue;
        }
        let suffix = hash_suffix(&res.node).map_err(|e| Error::new(e.to_string()))?;
        res.store_previous_id();
        let name = format!("{}-{suffix}", res.name());
        res.set_name(&name);
        res.needs_hash = false;
    }
    Ok(())
}
