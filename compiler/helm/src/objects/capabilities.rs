//! `.Capabilities`: `*chartutil.Capabilities` with the Kubernetes version (printing as
//! `v1.32.0`), the API versions (`.Has`), and Helm's build info; plus the default API
//! version list `helm template` reports.

use std::any::Any;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use kubake_gotmpl::{CallContext, FuncError, GoType, Kind, List, Object, Signature, Value};

use super::chart::struct_display;
use crate::funcs::semver::Version;

/// `chartutil.KubeVersion`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KubeVersion {
    /// `v1.32.0`
    pub version: String,
    /// `1`
    pub major: String,
    /// `32`
    pub minor: String,
}

impl KubeVersion {
    /// Helm's `ParseKubeVersion` (`1.32` → `v1.32.0`), or the semver error.
    pub fn parse(v: &str) -> Result<KubeVersion, String> {
        let sv = Version::parse(v)?;
        let text = sv.to_string_plain();
        Ok(KubeVersion {
            version: format!("v{text}"),
            major: sv.major().to_string(),
            minor: sv.minor().to_string(),
        })
    }
}

impl Object for KubeVersion {
    fn type_name(&self) -> String {
        "chartutil.KubeVersion".into()
    }

    fn field(&self, name: &str) -> Option<Value> {
        Some(Value::from(match name {
            "Version" => self.version.as_str(),
            "Major" => self.major.as_str(),
            "Minor" => self.minor.as_str(),
            _ => return None,
        }))
    }

    fn method(&self, name: &str) -> Option<Signature> {
        matches!(name, "String" | "GitVersion").then(|| Signature::fixed([]))
    }

    fn call_method(
        &self,
        _: &str,
        _: &mut CallContext<'_>,
        _: &[Value],
    ) -> Result<Value, FuncError> {
        Ok(Value::from(self.version.as_str()))
    }

    fn display(&self, out: &mut String) {
        out.push_str(&self.version);
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// `chartutil.VersionSet`: the cluster's API group/versions, with `.Has`.
#[derive(Debug, Clone, Default)]
pub struct VersionSet {
    /// The API versions (`v1`, `apps/v1`, `monitoring.coreos.com/v1/ServiceMonitor`…).
    pub versions: Vec<String>,
    /// Where reads of the set are written down, when someone asked.
    pub observed: Option<Arc<ApiQueries>>,
}

impl VersionSet {
    /// The set of `versions`, not observed.
    pub fn new(versions: Vec<String>) -> VersionSet {
        VersionSet {
            versions,
            observed: None,
        }
    }

    /// Whether `version` is in the set, written down as a `.Has` would be: Sprig's
    /// `has "x/v1" .Capabilities.APIVersions` asks exactly that, and recording it as a
    /// read of the whole set made a GitOps build render such a chart again whenever the
    /// repository's API versions grew.
    pub fn has_observed(&self, version: &str) -> bool {
        let answer = self.versions.iter().any(|v| v == version);
        if let Some(o) = &self.observed {
            o.record(version, answer);
        }
        answer
    }

    fn read_whole(&self) {
        if let Some(o) = &self.observed {
            o.whole.store(true, Ordering::Relaxed);
        }
    }
}

impl PartialEq for VersionSet {
    fn eq(&self, other: &Self) -> bool {
        self.versions == other.versions
    }
}

impl Eq for VersionSet {}

/// What templates learned about `.Capabilities.APIVersions` during a render: the
/// answers of each `.Has` asked, and whether anything read the set as a whole (printed
/// it, ranged over it, took its length). When every answer is the same under another
/// set and nothing read it whole, rendering with that set gives the same output, so a
/// caller that discovers more API versions later need not render again.
#[derive(Debug, Default)]
pub struct ApiQueries {
    /// The versions every render has (Helm's defaults), before any extra ones.
    base: Vec<String>,
    has: Mutex<BTreeMap<String, bool>>,
    whole: AtomicBool,
}

impl ApiQueries {
    /// Observations of a set made of `base` plus extra versions.
    pub fn new(base: Vec<String>) -> ApiQueries {
        ApiQueries {
            base,
            ..ApiQueries::default()
        }
    }

    fn record(&self, version: &str, answer: bool) {
        if let Ok(mut has) = self.has.lock() {
            has.insert(version.to_string(), answer);
        }
    }

    /// The answers to `.Has` for versions outside the base set (base versions are
    /// always there), or `None` when something read the set as a whole.
    pub fn answers_outside_base(&self) -> Option<BTreeMap<String, bool>> {
        if self.whole.load(Ordering::Relaxed) {
            return None;
        }
        let has = self.has.lock().ok()?;
        Some(
            has.iter()
                .filter(|(v, _)| !self.base.contains(v))
                .map(|(v, a)| (v.clone(), *a))
                .collect(),
        )
    }

    /// Whether a render observed this way would come out the same with `extra` as the
    /// versions added to the base set.
    pub fn same_with_extra(&self, extra: &[String]) -> bool {
        if self.whole.load(Ordering::Relaxed) {
            return false;
        }
        let holds = |v: &String| self.base.contains(v) || extra.contains(v);
        match self.has.lock() {
            Ok(has) => has.iter().all(|(v, answer)| holds(v) == *answer),
            Err(_) => false,
        }
    }
}

impl Object for VersionSet {
    fn type_name(&self) -> String {
        "chartutil.VersionSet".into()
    }

    fn kind(&self) -> Kind {
        Kind::Slice
    }

    fn method(&self, name: &str) -> Option<Signature> {
        (name == "Has").then(|| Signature::fixed([GoType::String]))
    }

    fn call_method(
        &self,
        _: &str,
        _: &mut CallContext<'_>,
        args: &[Value],
    ) -> Result<Value, FuncError> {
        let want = args.first().and_then(Value::as_str).unwrap_or("");
        Ok(Value::Bool(self.has_observed(want)))
    }

    fn display(&self, out: &mut String) {
        self.read_whole();
        out.push_str(
            &Value::List(List::strings(self.versions.iter().map(String::as_str))).to_string(),
        );
    }

    fn is_true(&self) -> bool {
        !self.versions.is_empty()
    }

    fn equals(&self, _other: &dyn Object) -> Option<bool> {
        None
    }

    fn as_list(&self) -> Option<List> {
        self.read_whole();
        Some(List::strings(self.versions.iter().map(String::as_str)))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Helm's `version.BuildInfo` (`.Capabilities.HelmVersion`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelmVersion {
    /// `v3.17.2`
    pub version: String,
    /// The release's git commit.
    pub git_commit: String,
    /// `clean`
    pub git_tree_state: String,
    /// `go1.23.7`
    pub go_version: String,
}

impl Default for HelmVersion {
    /// Helm v3.17.2's build info.
    fn default() -> Self {
        HelmVersion {
            version: "v3.17.2".into(),
            git_commit: "cc0bbbd6d6276b83880042c1ecb34087e84d41eb".into(),
            git_tree_state: "clean".into(),
            go_version: "go1.23.7".into(),
        }
    }
}

impl HelmVersion {
    pub(crate) fn fields(&self) -> [(&'static str, &'static str, &str); 4] {
        [
            ("Version", "version", &self.version),
            ("GitCommit", "git_commit", &self.git_commit),
            ("GitTreeState", "git_tree_state", &self.git_tree_state),
            ("GoVersion", "go_version", &self.go_version),
        ]
    }
}

impl Object for HelmVersion {
    fn type_name(&self) -> String {
        "version.BuildInfo".into()
    }

    fn field(&self, name: &str) -> Option<Value> {
        self.fields()
            .into_iter()
            .find(|(n, ..)| *n == name)
            .map(|(.., v)| Value::from(v))
    }

    fn display(&self, out: &mut String) {
        let values: Vec<Value> = self
            .fields()
            .into_iter()
            .map(|(.., v)| Value::from(v))
            .collect();
        struct_display(out, &values);
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// `*chartutil.Capabilities`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capabilities {
    /// `.KubeVersion`
    pub kube_version: KubeVersion,
    /// `.APIVersions`
    pub api_versions: VersionSet,
    /// `.HelmVersion`
    pub helm_version: HelmVersion,
}

impl Capabilities {
    /// `helm template --kube-version V` with Helm's default API versions.
    pub fn for_kube_version(v: &str) -> Result<Capabilities, String> {
        Ok(Capabilities {
            kube_version: KubeVersion::parse(v)?,
            api_versions: VersionSet::new(
                DEFAULT_API_VERSIONS.iter().map(|s| s.to_string()).collect(),
            ),
            helm_version: HelmVersion::default(),
        })
    }
}

impl Default for Capabilities {
    /// Helm's defaults: Kubernetes v1.20.0 and the built-in API versions.
    fn default() -> Self {
        Capabilities::for_kube_version("1.20.0").unwrap_or_else(|_| Capabilities {
            kube_version: KubeVersion {
                version: "v1.20.0".into(),
                major: "1".into(),
                minor: "20".into(),
            },
            api_versions: VersionSet::new(Vec::new()),
            helm_version: HelmVersion::default(),
        })
    }
}

impl Object for Capabilities {
    fn type_name(&self) -> String {
        "*chartutil.Capabilities".into()
    }

    fn field(&self, name: &str) -> Option<Value> {
        Some(match name {
            "KubeVersion" => Value::object(self.kube_version.clone()),
            "APIVersions" => Value::object(self.api_versions.clone()),
            "HelmVersion" => Value::object(self.helm_version.clone()),
            _ => return None,
        })
    }

    fn display(&self, out: &mut String) {
        out.push_str("&{");
        let k = &self.kube_version;
        struct_display(
            out,
            &[
                k.version.as_str().into(),
                k.major.as_str().into(),
                k.minor.as_str().into(),
            ],
        );
        out.push(' ');
        self.api_versions.display(out);
        out.push(' ');
        self.helm_version.display(out);
        out.push('}');
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The API group/versions `helm template` reports by default: client-go v0.32's
/// scheme plus apiextensions v1 and v1beta1 (Helm's `allKnownVersions`). Go builds
/// the list from a map, so its order varies between runs; sorted here.
pub const DEFAULT_API_VERSIONS: &[&str] = &[
    "admissionregistration.k8s.io/v1",
    "admissionregistration.k8s.io/v1alpha1",
    "admissionregistration.k8s.io/v1beta1",
    "apiextensions.k8s.io/v1",
    "apiextensions.k8s.io/v1beta1",
    "apps/v1",
    "apps/v1beta1",
    "apps/v1beta2",
    "authentication.k8s.io/v1",
    "authentication.k8s.io/v1alpha1",
    "authentication.k8s.io/v1beta1",
    "authorization.k8s.io/v1",
    "authorization.k8s.io/v1beta1",
    "autoscaling/v1",
    "autoscaling/v2",
    "autoscaling/v2beta1",
    "autoscaling/v2beta2",
    "batch/v1",
    "batch/v1beta1",
    "certificates.k8s.io/v1",
    "certificates.k8s.io/v1alpha1",
    "certificates.k8s.io/v1beta1",
    "coordination.k8s.io/v1",
    "coordination.k8s.io/v1alpha2",
    "coordination.k8s.io/v1beta1",
    "discovery.k8s.io/v1",
    "discovery.k8s.io/v1beta1",
    "events.k8s.io/v1",
    "events.k8s.io/v1beta1",
    "extensions/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1beta2",
    "flowcontrol.apiserver.k8s.io/v1beta3",
    "internal.apiserver.k8s.io/v1alpha1",
    "networking.k8s.io/v1",
    "networking.k8s.io/v1alpha1",
    "networking.k8s.io/v1beta1",
    "node.k8s.io/v1",
    "node.k8s.io/v1alpha1",
    "node.k8s.io/v1beta1",
    "policy/v1",
    "policy/v1beta1",
    "rbac.authorization.k8s.io/v1",
    "rbac.authorization.k8s.io/v1alpha1",
    "rbac.authorization.k8s.io/v1beta1",
    "resource.k8s.io/v1alpha3",
    "resource.k8s.io/v1beta1",
    "scheduling.k8s.io/v1",
    "scheduling.k8s.io/v1alpha1",
    "scheduling.k8s.io/v1beta1",
    "storage.k8s.io/v1",
    "storage.k8s.io/v1alpha1",
    "storage.k8s.io/v1beta1",
    "storagemigration.k8s.io/v1alpha1",
    "v1",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kube_version_parses_like_helm() {
        let k = KubeVersion::parse("1.32.0").unwrap();
        assert_eq!(
            (k.version.as_str(), k.major.as_str(), k.minor.as_str()),
            ("v1.32.0", "1", "32")
        );
        assert_eq!(KubeVersion::parse("v1.29").unwrap().version, "v1.29.0");
    }

    #[test]
    fn default_api_versions() {
        let caps = Capabilities::for_kube_version("1.32.0").unwrap();
        let has = |v: &str| caps.api_versions.versions.iter().any(|x| x == v);
        assert!(has("v1") && has("apps/v1") && has("policy/v1beta1") && has("autoscaling/v2beta2"));
        assert!(!has("apps/v1/Deployment"));
        let mut sorted = DEFAULT_API_VERSIONS.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, DEFAULT_API_VERSIONS);
    }
}

#[cfg(test)]
mod observation_tests {
    use super::*;

    fn observed(extra: &[&str]) -> (VersionSet, Arc<ApiQueries>) {
        let base = vec!["v1".to_string()];
        let queries = Arc::new(ApiQueries::new(base.clone()));
        let mut versions = base;
        versions.extend(extra.iter().map(|s| s.to_string()));
        let set = VersionSet {
            versions,
            observed: Some(queries.clone()),
        };
        (set, queries)
    }

    fn run(set: &VersionSet, template: &str) -> String {
        let mut t = kubake_gotmpl::template::Templates::new("t");
        t.parse("t", template).expect("parses");
        let data = Value::object(set.clone());
        t.execute("t", &data, &Default::default()).expect("runs")
    }

    fn has(set: &VersionSet, v: &str) -> bool {
        run(set, &format!("{{{{ .Has {v:?} }}}}")) == "true"
    }

    #[test]
    fn answers_decide_whether_another_set_renders_the_same() {
        let (set, q) = observed(&[]);
        assert!(!has(&set, "monitoring.coreos.com/v1"));
        assert!(has(&set, "v1"));
        assert!(q.same_with_extra(&["other/v1".into()]));
        assert!(!q.same_with_extra(&["monitoring.coreos.com/v1".into()]));
    }

    #[test]
    fn sprig_has_over_the_set_is_a_has_query() {
        let (set, q) = observed(&["a/v1"]);
        let mut t = kubake_gotmpl::template::Templates::new("t");
        t.add_shared_funcs(crate::funcs::shared_func_map());
        t.parse(
            "t",
            r#"{{ has "a/v1" . }} {{ has "b/v1" . }} {{ has 1 . }}"#,
        )
        .expect("parses");
        let out = t
            .execute("t", &Value::object(set), &Default::default())
            .expect("runs");
        assert_eq!(out, "true false false");
        assert!(q.same_with_extra(&["a/v1".into(), "c/v1".into()]));
        assert!(!q.same_with_extra(&["b/v1".into()]));
        assert!(!q.same_with_extra(&[]));
    }

    #[test]
    fn reading_the_whole_set_always_needs_a_new_render() {
        let (set, q) = observed(&["a/v1"]);
        assert_eq!(run(&set, "{{ len . }}"), "2");
        assert!(!q.same_with_extra(&["a/v1".into()]));
    }
}
