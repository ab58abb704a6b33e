//! kubake's YAML layer: a typed document model that remembers where each node came from,
//! a loader for multi-document streams, and an emitter that writes what Go's
//! `sigs.k8s.io/yaml` writes, byte for byte.
//!
//! The principal types are [`Node`] (a [`Value`] with its [`Pos`]) and [`Mapping`]. Text
//! becomes nodes with [`load_stream`] under a [`Schema`] (how plain scalars are typed), and
//! nodes become text with [`to_yaml`] / [`to_yaml_stream`].
//!
//! ```
//! use kubake_yaml::{load_stream, to_yaml, Schema};
//! let docs = load_stream("kind: ConfigMap\napiVersion: v1\ndata: {on: 'yes'}\n", Schema::Core12)?;
//! assert_eq!(to_yaml(&docs[0]), "apiVersion: v1\ndata:\n  \"on\": \"yes\"\nkind: ConfigMap\n");
//! # Ok::<(), kubake_yaml::LoadError>(())
//! ```
//!
//! Not here: anything Kubernetes-specific (that is the `kustomize` crate's), and comment
//! or style preservation (kubake's outputs are canonical, so inputs' styles never matter).
#![deny(missing_docs)]

pub mod emit;
pub mod head;
pub mod json;
pub mod keyorder;
pub mod load;
pub mod node;
pub mod numfmt;
pub mod pieces;
mod quick;
pub mod resolve;

pub use emit::canonical::{canonical_document, Canonical};
pub use emit::{to_yaml, to_yaml_stream};
pub use load::{load_one, load_stream, load_stream_with, Duplicates, LoadError};
pub use node::{Entry, Mapping, Node, Pos, Value};
pub use pieces::load_stream_parallel;
pub use resolve::Schema;
