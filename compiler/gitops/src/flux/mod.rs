//! Flux v2: the `Kustomization` (kustomize-controller) and `HelmRelease` (helm-controller)
//! units, the kustomization generator and post-build substitution.
//!
//! Not here: the chart-rendering seam (`render`) or scheduling (`engine`).

pub mod generate;
pub mod helmrelease;
pub mod kustomization;
pub mod varsub;
