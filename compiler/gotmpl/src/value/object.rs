//! Host objects: the Go structs, pointers and named types a host hands to templates
//! (Helm's `.Release`, `.Chart`, `.Capabilities`, `.Files`, semver versions, `time.Time`,
//! certificates).
//!
//! The engine sees an object only through this trait: its `%T` name, its fields, its
//! methods (with a declared signature, so the engine checks arguments as Go's reflection
//! does), how it prints, and optionally a map or list view for `range`, `len` and `index`.
//! It is not a reflection system: an object decides for itself which names exist.

use std::any::Any;
use std::fmt;

use super::types::Kind;
use super::{List, Map, Value};
use crate::func::{CallContext, FuncError, Signature};

/// A Go value of a host-defined type, shared as `Arc<dyn Object>` inside [`Value::Object`].
///
/// Field lookup in a template (`.X`) follows Go: a method named `X` wins over a field
/// named `X`. A niladic method is called when reached by a field chain (`.Cert`); a method
/// with parameters is called with the command's arguments (`.Files.Get "x"`).
pub trait Object: Send + Sync + fmt::Debug {
    /// The name `%T` prints (`*chart.Metadata`, `time.Time`, `*semver.Version`).
    fn type_name(&self) -> String;

    /// The reflect kind (`kindOf`): `ptr` for pointer types, `struct` for structs; a named
    /// map or slice type (Helm's `files`) says `Map` or `Slice`.
    fn kind(&self) -> Kind {
        if self.type_name().starts_with('*') {
            Kind::Ptr
        } else {
            Kind::Struct
        }
    }

    /// The value of field `name`, or `None` when the type has no such field (the engine
    /// then reports Go's `can't evaluate field NAME in type T`).
    fn field(&self, name: &str) -> Option<Value> {
        let _ = name;
        None
    }

    /// The signature of method `name`, or `None` when there is no such method.
    fn method(&self, name: &str) -> Option<Signature> {
        let _ = name;
        None
    }

    /// Calls method `name` with arguments already checked against [`Object::method`]'s
    /// signature. Errors become `error calling NAME: MSG`, as for functions.
    fn call_method(
        &self,
        name: &str,
        ctx: &mut CallContext<'_>,
        args: &[Value],
    ) -> Result<Value, FuncError> {
        let _ = (ctx, args);
        Err(FuncError::new(format!(
            "{} has no method {name}",
            self.type_name()
        )))
    }

    /// How `%v` (and `%s`, and an action) prints the object: Go's `String()` method when
    /// the type has one (`time.Time`, `*semver.Version`), else Go's struct layout
    /// (`&{a b}` for a pointer to a struct).
    fn display(&self, out: &mut String);

    /// Go's truth value of the object (a non-nil pointer or a struct is true; a named map
    /// or slice type is true when non-empty).
    fn is_true(&self) -> bool {
        true
    }

    /// Go's `==` between two objects; `None` when the type is not comparable (the
    /// engine reports `non-comparable type`). The default compares identity, as Go does
    /// for pointers.
    fn equals(&self, other: &dyn Object) -> Option<bool> {
        Some(std::ptr::addr_eq(
            self as *const Self as *const (),
            other as *const dyn Object as *const (),
        ))
    }

    /// A map view, for types whose underlying type is a map (Helm's `files` is
    /// `map[string][]byte`): then `range`, `len`, `index` and key lookup see these entries.
    fn as_map(&self) -> Option<Map> {
        None
    }

    /// A list view, for types whose underlying type is a slice (Helm's `VersionSet`).
    fn as_list(&self) -> Option<List> {
        None
    }

    /// For downcasting by host functions (`obj.as_any().downcast_ref::<MyTime>()`).
    fn as_any(&self) -> &dyn Any;
}
