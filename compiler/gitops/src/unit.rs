//! Units: the things a controller reconciles (a Flux `Kustomization` or `HelmRelease`,
//! an Argo CD `Application`, or a plain kustomization directory), how they are named, and
//! how they are recognised among the objects another unit applies.
//!
//! A unit's identity is `Kind/namespace/name` ([`UnitId`]). Its [`Unit`] record holds the
//! definition (the object as its parent applies it: after the parent's patches and
//! substitutions), where it was defined, its parent, its `dependsOn` and its sync wave.
//! Not here: expanding units (`flux`, `argo`) or scheduling them (`engine`).

use std::fmt;

use kubake_yaml::Node;

use crate::config::Flavor;
use crate::object::{self, group_of};

/// `kustomize.toolkit.fluxcd.io`
pub const FLUX_KUSTOMIZE_GROUP: &str = "kustomize.toolkit.fluxcd.io";
/// `helm.toolkit.fluxcd.io`
pub const FLUX_HELM_GROUP: &str = "helm.toolkit.fluxcd.io";
/// `source.toolkit.fluxcd.io`
pub const FLUX_SOURCE_GROUP: &str = "source.toolkit.fluxcd.io";
/// `argoproj.io`
pub const ARGO_GROUP: &str = "argoproj.io";

/// A unit's identity: `Kind/namespace/name`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnitId {
    /// `Kustomization`, `HelmRelease`, `Application` or `Kustomize`.
    pub kind: String,
    /// The unit object's namespace (`""` for a plain kustomization directory).
    pub namespace: String,
    /// The unit object's name.
    pub name: String,
}

impl UnitId {
    /// An id from its parts.
    pub fn new(kind: &str, namespace: &str, name: &str) -> UnitId {
        UnitId {
            kind: kind.into(),
            namespace: namespace.into(),
            name: name.into(),
        }
    }

    /// The id of the unit `obj` defines.
    pub fn of(obj: &Node) -> UnitId {
        UnitId::new(object::kind(obj), object::namespace(obj), object::name(obj))
    }
}

impl fmt::Display for UnitId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.kind, self.namespace, self.name)
    }
}

/// What kind of unit, and so which controller's rules expand it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum UnitKind {
    /// A Flux `Kustomization` (kustomize-controller).
    FluxKustomization,
    /// A Flux `HelmRelease` (helm-controller).
    HelmRelease,
    /// An Argo CD `Application`.
    Application,
    /// A plain kustomization directory (`kustomize build`).
    Kustomize,
}

/// The unit kind `obj` defines under `flavor`'s rules, if any: Flux discovers
/// Kustomizations and HelmReleases, Argo CD discovers Applications.
pub fn unit_kind(obj: &Node, flavor: Flavor) -> Option<UnitKind> {
    let group = group_of(object::api_version(obj));
    match (flavor, group, object::kind(obj)) {
        (Flavor::Flux, FLUX_KUSTOMIZE_GROUP, "Kustomization") => Some(UnitKind::FluxKustomization),
        (Flavor::Flux, FLUX_HELM_GROUP, "HelmRelease") => Some(UnitKind::HelmRelease),
        (Flavor::ArgoCd, ARGO_GROUP, "Application") => Some(UnitKind::Application),
        _ => None,
    }
}

/// Whether the bundle replaces `obj` (so it is listed, not written): the unit objects
/// themselves and Flux source objects.
pub fn is_compiled_away(obj: &Node, flavor: Flavor) -> bool {
    if unit_kind(obj, flavor).is_some() {
        return true;
    }
    flavor == Flavor::Flux
        && group_of(object::api_version(obj)) == FLUX_SOURCE_GROUP
        && matches!(
            object::kind(obj),
            "GitRepository" | "HelmRepository" | "OCIRepository" | "HelmChart" | "Bucket"
        )
}

/// A unit, as the build knows it.
#[derive(Clone, Debug)]
pub struct Unit {
    /// Identity.
    pub id: UnitId,
    /// Kind of unit.
    pub kind: UnitKind,
    /// The defining object, as its parent applies it.
    pub definition: Node,
    /// The file that defines it, relative to the root (when known).
    pub source: Option<String>,
    /// The unit whose output holds the definition (`None` for roots).
    pub parent: Option<UnitId>,
    /// Units this one waits for (Flux `dependsOn`).
    pub depends_on: Vec<UnitId>,
    /// Argo CD `argocd.argoproj.io/sync-wave` (0 when absent).
    pub sync_wave: i64,
}

impl Unit {
    /// A unit defined by `obj`, found in `parent`'s output (or a root when `None`).
    pub fn from_object(
        kind: UnitKind,
        obj: Node,
        source: Option<String>,
        parent: Option<UnitId>,
    ) -> Unit {
        let id = UnitId::of(&obj);
        let depends_on = match kind {
            UnitKind::FluxKustomization | UnitKind::HelmRelease => {
                object::seq(&obj, &["spec", "dependsOn"])
                    .iter()
                    .filter_map(|d| {
                        let name = d.str_at(&["name"])?;
                        let ns = d.str_at(&["namespace"]).unwrap_or(&id.namespace);
                        Some(UnitId::new(&id.kind, ns, name))
                    })
                    .collect()
            }
            UnitKind::Application | UnitKind::Kustomize => Vec::new(),
        };
        let sync_wave = object::annotation(&obj, "argocd.argoproj.io/sync-wave")
            .and_then(|w| w.trim().parse::<i64>().ok())
            .unwrap_or(0);
        Unit {
            id,
            kind,
            definition: obj,
            source,
            parent,
            depends_on,
            sync_wave,
        }
    }

    /// Whether the definition sets `spec.suspend: true` (Flux).
    pub fn is_suspended(&self) -> bool {
        matches!(
            self.kind,
            UnitKind::FluxKustomization | UnitKind::HelmRelease
        ) && object::bool_at(&self.definition, &["spec", "suspend"])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubake_yaml::{load_one, Schema};

    #[test]
    fn flux_units_and_dependencies() {
        let obj = load_one(
            "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: b, namespace: x}\nspec:\n  dependsOn: [{name: a}, {name: c, namespace: y}]\n",
            Schema::Core12,
        )
        .unwrap_or_else(|_| Node::null());
        assert_eq!(unit_kind(&obj, Flavor::Flux), Some(UnitKind::HelmRelease));
        assert_eq!(unit_kind(&obj, Flavor::ArgoCd), None);
        let u = Unit::from_object(UnitKind::HelmRelease, obj, None, None);
        assert_eq!(u.id.to_string(), "HelmRelease/x/b");
        assert_eq!(u.depends_on[0].to_string(), "HelmRelease/x/a");
        assert_eq!(u.depends_on[1].to_string(), "HelmRelease/y/c");
    }

    #[test]
    fn sync_waves_read_from_the_annotation() {
        let obj = load_one(
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: a\n  annotations: {argocd.argoproj.io/sync-wave: \"-5\"}\n",
            Schema::Core12,
        )
        .unwrap_or_else(|_| Node::null());
        let u = Unit::from_object(UnitKind::Application, obj, None, None);
        assert_eq!(u.sync_wave, -5);
    }
}
