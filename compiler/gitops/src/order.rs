//! Apply levels: the position of each unit in a valid apply order. A unit comes after
//! its parent, after every unit it `dependsOn`, and after its siblings of a lower Argo CD
//! sync wave; its level is the length of the longest such chain before it, so units of
//! one level never depend on each other and files named by level sort in apply order.
//!
//! Not here: naming files (the bundle's).

use std::collections::{BTreeMap, BTreeSet};

use crate::unit::UnitId;

/// What ordering needs to know of a unit.
#[derive(Clone, Debug)]
pub struct Node {
    /// The unit.
    pub id: UnitId,
    /// Its parent.
    pub parent: Option<UnitId>,
    /// Units it depends on (ids that are not units are ignored).
    pub depends_on: Vec<UnitId>,
    /// Its sync wave.
    pub sync_wave: i64,
}

/// The level of every unit, or a dependency cycle (its units, in order, the first
/// repeated at the end).
pub fn levels(nodes: &[Node]) -> Result<BTreeMap<UnitId, usize>, Vec<UnitId>> {
    let ids: BTreeSet<&UnitId> = nodes.iter().map(|n| &n.id).collect();
    let mut preds: BTreeMap<&UnitId, BTreeSet<&UnitId>> =
        nodes.iter().map(|n| (&n.id, BTreeSet::new())).collect();
    for n in nodes {
        if let Some(p) = n.parent.as_ref().filter(|p| ids.contains(p)) {
            preds.entry(&n.id).or_default().insert(p);
        }
        for d in n
            .depends_on
            .iter()
            .filter(|d| ids.contains(d) && **d != n.id)
        {
            preds.entry(&n.id).or_default().insert(d);
        }
    }
    // Siblings: every unit of a wave follows every unit of the previous wave.
    let mut groups: BTreeMap<Option<&UnitId>, BTreeMap<i64, Vec<&UnitId>>> = BTreeMap::new();
    for n in nodes {
        groups
            .entry(n.parent.as_ref())
            .or_default()
            .entry(n.sync_wave)
            .or_default()
            .push(&n.id);
    }
    for waves in groups.values() {
        let classes: Vec<&Vec<&UnitId>> = waves.values().collect();
        for pair in classes.windows(2) {
            for later in pair[1] {
                for earlier in pair[0] {
                    preds.entry(later).or_default().insert(earlier);
                }
            }
        }
    }
    // Kahn's algorithm, longest path.
    let mut succs: BTreeMap<&UnitId, Vec<&UnitId>> = BTreeMap::new();
    let mut indegree: BTreeMap<&UnitId, usize> = BTreeMap::new();
    for (u, ps) in &preds {
        indegree.insert(u, ps.len());
        for p in ps {
            succs.entry(p).or_default().push(u);
        }
    }
    let mut level: BTreeMap<UnitId, usize> = BTreeMap::new();
    let mut ready: Vec<&UnitId> = indegree
        .iter()
        .filter(|(_, d)| **d == 0)
        .map(|(u, _)| *u)
        .collect();
    while let Some(u) = ready.pop() {
        let l = preds[u]
            .iter()
            .filter_map(|p| level.get(*p))
            .map(|l| l + 1)
            .max()
            .unwrap_or(0);
        level.insert(u.clone(), l);
        for s in succs.get(u).map(Vec::as_slice).unwrap_or(&[]) {
            if let Some(d) = indegree.get_mut(s) {
                *d -= 1;
                if *d == 0 {
                    ready.push(s);
                }
            }
        }
    }
    if level.len() == nodes.len() {
        return Ok(level);
    }
    Err(find_cycle(&preds, &level))
}

fn find_cycle(
    preds: &BTreeMap<&UnitId, BTreeSet<&UnitId>>,
    done: &BTreeMap<UnitId, usize>,
) -> Vec<UnitId> {
    // Every remaining unit has a remaining predecessor: walking predecessors must loop.
    let Some(start) = preds.keys().find(|u| !done.contains_key(**u)) else {
        return Vec::new();
    };
    let mut path: Vec<&UnitId> = vec![start];
    let mut seen: BTreeMap<&UnitId, usize> = BTreeMap::from([(*start, 0)]);
    let mut cur = *start;
    loop {
        let Some(next) = preds[cur].iter().find(|p| !done.contains_key(**p)) else {
            return path.into_iter().cloned().collect();
        };
        if let Some(&i) = seen.get(next) {
            // `path` runs from a unit to what it waits for: "a waits for b waits for c".
            let mut cycle: Vec<UnitId> = path[i..].iter().map(|u| (*u).clone()).collect();
            if let Some(first) = cycle.first().cloned() {
                cycle.push(first);
            }
            return cycle;
        }
        seen.insert(next, path.len());
        path.push(next);
        cur = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(name: &str, parent: Option<&str>, deps: &[&str], wave: i64) -> Node {
        let id = |s: &str| UnitId::new("K", "ns", s);
        Node {
            id: id(name),
            parent: parent.map(id),
            depends_on: deps.iter().map(|d| id(d)).collect(),
            sync_wave: wave,
        }
    }

    #[test]
    fn parents_dependencies_and_waves() {
        let nodes = [
            n("root", None, &[], 0),
            n("infra", Some("root"), &[], 0),
            n("configs", Some("root"), &["infra"], 0),
            n("apps", Some("root"), &["configs"], 0),
            n("hr", Some("apps"), &[], 0),
            n("a", Some("root"), &[], -5),
            n("b", Some("root"), &["missing"], 5),
        ];
        let l = levels(&nodes).unwrap_or_default();
        let lv = |s: &str| l.get(&UnitId::new("K", "ns", s)).copied();
        assert_eq!(lv("root"), Some(0));
        assert_eq!(lv("a"), Some(1));
        assert_eq!(lv("infra"), Some(2));
        assert_eq!(lv("configs"), Some(3));
        assert_eq!(lv("apps"), Some(4));
        assert_eq!(lv("hr"), Some(5));
        assert_eq!(lv("b"), Some(5));
    }

    #[test]
    fn cycles_are_reported() {
        let nodes = [
            n("root", None, &[], 0),
            n("a", Some("root"), &["b"], 0),
            n("b", Some("root"), &["c"], 0),
            n("c", Some("root"), &["a"], 0),
        ];
        let cycle = levels(&nodes).err().unwrap_or_default();
        let names: Vec<&str> = cycle.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(names.len(), 4);
        assert_eq!(names, ["a", "b", "c", "a"]);
    }
}
