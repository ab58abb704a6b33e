//! The `helmCharts` seam of kubake-kustomize ([`ChartInflater`]) implemented over
//! kubake's native `helm template`: what `kustomize build --enable-helm` gets from the
//! helm binary, kubake gets from [`kubake_helm::template`]. Charts missing from
//! `chartHome` are looked up in the chart stores, never pulled.
//!
//! Not here: kustomize's own rules for `helmCharts` (chart paths, values merging; see
//! `kubake_kustomize::helm_charts`).

use std::path::{Path, PathBuf};

use kubake_chart::ValueOptions;
use kubake_helm::pipeline::{template, TemplateOptions, UserValues};
use kubake_helm::Determinism;
use kubake_kustomize::{ChartInflater, InflateRequest};

use crate::charts::ChartStores;

/// Inflates kustomize `helmCharts` with kubake's Helm engine.
#[derive(Debug)]
pub struct KustomizeHelm {
    /// What pins random and clock functions (and `--generate-name`'s number).
    pub determinism: Determinism,
    /// Where charts not under `chartHome` are found.
    pub stores: ChartStores,
}

impl ChartInflater for KustomizeHelm {
    fn find_chart(
        &self,
        name: &str,
        version: Option<&str>,
        _repo: Option<&str>,
    ) -> Option<PathBuf> {
        let found = self.stores.resolve(name, version.unwrap_or("")).ok()?;
        Some(found.location.path().to_path_buf())
    }

    fn inflate(&self, req: &InflateRequest) -> Result<String, String> {
        // Helm reads `-f` files itself; here their bytes are already in hand, so the
        // file names stand for them.
        let values = ValueOptions {
            value_files: req
                .values_files
                .iter()
                .map(|(name, _)| PathBuf::from(name))
                .collect(),
            ..ValueOptions::default()
        };
        let merged = values
            .merge_values_with(&mut |path: &Path| {
                req.values_files
                    .iter()
                    .find(|(name, _)| Path::new(name) == path)
                    .map(|(_, bytes)| bytes.clone())
                    .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))
            })
            .map_err(|e| e.to_string())?;
        let opts = TemplateOptions {
            release_name: req.release_name.clone(),
            name_template: req.name_template.clone(),
            generate_name: req.release_name.is_none(),
            namespace: req.namespace.clone().unwrap_or_default(),
            values: UserValues::Merged(merged),
            kube_version: req.kube_version.clone(),
            api_versions: req.api_versions.clone(),
            include_crds: req.include_crds,
            no_hooks: req.skip_hooks,
            skip_tests: req.skip_tests,
            determinism: self.determinism.clone(),
            ..TemplateOptions::default()
        };
        template(&req.chart_dir, &opts)
            .map(|out| out.text())
            .map_err(|e| e.to_string())
    }
}
