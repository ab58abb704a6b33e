//! Go's static types as far as templates can observe them: the names `%T` prints, the
//! reflect kinds Sprig's `kindOf` reports, and the parameter types a function declares.
//!
//! This is not a Go type checker: it only knows the types that reach templates in Helm
//! (basic types, slices, `map[string]T` maps, named map types such as `chartutil.Values`,
//! and opaque host types known by name). Assignability follows Go's rule for exactly those.

use std::fmt;
use std::sync::Arc;

/// A signed integer type of Go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IntKind {
    /// `int` (64 bits, as on every platform Helm ships for).
    Int,
    /// `int8`
    Int8,
    /// `int16`
    Int16,
    /// `int32` (also `rune`)
    Int32,
    /// `int64`
    Int64,
}

impl IntKind {
    /// The Go type name.
    pub fn name(self) -> &'static str {
        match self {
            IntKind::Int => "int",
            IntKind::Int8 => "int8",
            IntKind::Int16 => "int16",
            IntKind::Int32 => "int32",
            IntKind::Int64 => "int64",
        }
    }

    /// Size in bits.
    pub fn bits(self) -> u32 {
        match self {
            IntKind::Int | IntKind::Int64 => 64,
            IntKind::Int8 => 8,
            IntKind::Int16 => 16,
            IntKind::Int32 => 32,
        }
    }

    /// Whether `v` fits this type without overflow.
    pub fn fits(self, v: i64) -> bool {
        let bits = self.bits();
        bits == 64 || (v >= -(1i64 << (bits - 1)) && v < (1i64 << (bits - 1)))
    }
}

/// An unsigned integer type of Go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UintKind {
    /// `uint`
    Uint,
    /// `uint8` (also `byte`)
    Uint8,
    /// `uint16`
    Uint16,
    /// `uint32`
    Uint32,
    /// `uint64`
    Uint64,
    /// `uintptr`
    Uintptr,
}

impl UintKind {
    /// The Go type name.
    pub fn name(self) -> &'static str {
        match self {
            UintKind::Uint => "uint",
            UintKind::Uint8 => "uint8",
            UintKind::Uint16 => "uint16",
            UintKind::Uint32 => "uint32",
            UintKind::Uint64 => "uint64",
            UintKind::Uintptr => "uintptr",
        }
    }

    /// Size in bits.
    pub fn bits(self) -> u32 {
        match self {
            UintKind::Uint | UintKind::Uint64 | UintKind::Uintptr => 64,
            UintKind::Uint8 => 8,
            UintKind::Uint16 => 16,
            UintKind::Uint32 => 32,
        }
    }

    /// Whether `v` fits this type without overflow.
    pub fn fits(self, v: u64) -> bool {
        let bits = self.bits();
        bits == 64 || v < (1u64 << bits)
    }
}

/// A floating-point type of Go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FloatKind {
    /// `float32`
    Float32,
    /// `float64`: every number read from YAML or JSON values.
    Float64,
}

impl FloatKind {
    /// The Go type name.
    pub fn name(self) -> &'static str {
        match self {
            FloatKind::Float32 => "float32",
            FloatKind::Float64 => "float64",
        }
    }
}

/// Go's `reflect.Kind`, as Sprig's `kindOf`/`kindIs` print it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// The kind of an untyped nil (`reflect.ValueOf(nil)`).
    Invalid,
    /// `bool`
    Bool,
    /// A signed integer kind.
    Int(IntKind),
    /// An unsigned integer kind.
    Uint(UintKind),
    /// A float kind.
    Float(FloatKind),
    /// `complex128`
    Complex128,
    /// `string`
    String,
    /// `slice`
    Slice,
    /// `array`
    Array,
    /// `map`
    Map,
    /// `ptr`
    Ptr,
    /// `struct`
    Struct,
    /// `func`
    Func,
    /// `interface`
    Interface,
}

impl Kind {
    /// The name `reflect.Kind.String()` gives.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Invalid => "invalid",
            Kind::Bool => "bool",
            Kind::Int(k) => k.name(),
            Kind::Uint(k) => k.name(),
            Kind::Float(k) => k.name(),
            Kind::Complex128 => "complex128",
            Kind::String => "string",
            Kind::Slice => "slice",
            Kind::Array => "array",
            Kind::Map => "map",
            Kind::Ptr => "ptr",
            Kind::Struct => "struct",
            Kind::Func => "func",
            Kind::Interface => "interface",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A Go type: what a list holds, what a map holds, what a function parameter accepts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum GoType {
    /// `interface {}`: holds any value, or nil.
    Interface,
    /// `bool`
    Bool,
    /// A signed integer type.
    Int(IntKind),
    /// An unsigned integer type.
    Uint(UintKind),
    /// A float type.
    Float(FloatKind),
    /// `complex128`
    Complex128,
    /// `string`
    String,
    /// `[]T`
    Slice(Arc<GoType>),
    /// `map[string]T`, or a named type over it (`chartutil.Values` is
    /// `Map { name: Some("chartutil.Values"), elem: Interface }`).
    Map {
        /// The type's name when it is a named (defined) type.
        name: Option<Arc<str>>,
        /// The element type.
        elem: Arc<GoType>,
    },
    /// A host type known by the name `%T` prints (`*semver.Version`, `time.Time`); a value
    /// is assignable to it when its [`Object::type_name`](crate::Object::type_name) is equal.
    Object(Arc<str>),
}

impl GoType {
    /// `int`
    pub const INT: GoType = GoType::Int(IntKind::Int);
    /// `int64`
    pub const INT64: GoType = GoType::Int(IntKind::Int64);
    /// `float64`
    pub const FLOAT64: GoType = GoType::Float(FloatKind::Float64);

    /// `[]elem`
    pub fn slice(elem: GoType) -> GoType {
        GoType::Slice(Arc::new(elem))
    }

    /// `map[string]elem`
    pub fn map(elem: GoType) -> GoType {
        GoType::Map {
            name: None,
            elem: Arc::new(elem),
        }
    }

    /// `map[string]interface {}`, Sprig's `dict`.
    pub fn dict() -> GoType {
        GoType::map(GoType::Interface)
    }

    /// The reflect kind of a value of this type.
    pub fn kind(&self) -> Kind {
        match self {
            GoType::Interface => Kind::Interface,
            GoType::Bool => Kind::Bool,
            GoType::Int(k) => Kind::Int(*k),
            GoType::Uint(k) => Kind::Uint(*k),
            GoType::Float(k) => Kind::Float(*k),
            GoType::Complex128 => Kind::Complex128,
            GoType::String => Kind::String,
            GoType::Slice(_) => Kind::Slice,
            GoType::Map { .. } => Kind::Map,
            GoType::Object(name) if name.starts_with('*') => Kind::Ptr,
            GoType::Object(_) => Kind::Struct,
        }
    }

    /// Whether a nil of this type exists (Go's `canBeNil`).
    pub fn can_be_nil(&self) -> bool {
        matches!(
            self,
            GoType::Interface | GoType::Slice(_) | GoType::Map { .. }
        ) || matches!(self, GoType::Object(name) if name.starts_with('*'))
    }

    /// Go's assignability between the types this model knows: identical types, or a
    /// named and an unnamed map type over the same element type.
    pub fn assignable_to(&self, target: &GoType) -> bool {
        if *target == GoType::Interface || self == target {
            return true;
        }
        match (self, target) {
            (GoType::Map { name: n1, elem: e1 }, GoType::Map { name: n2, elem: e2 }) => {
                e1 == e2 && (n1.is_none() || n2.is_none())
            }
            _ => false,
        }
    }
}

impl fmt::Display for GoType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GoType::Interface => f.write_str("interface {}"),
            GoType::Bool => f.write_str("bool"),
            GoType::Int(k) => f.write_str(k.name()),
            GoType::Uint(k) => f.write_str(k.name()),
            GoType::Float(k) => f.write_str(k.name()),
            GoType::Complex128 => f.write_str("complex128"),
            GoType::String => f.write_str("string"),
            GoType::Slice(elem) => write!(f, "[]{elem}"),
            GoType::Map {
                name: Some(name), ..
            } => f.write_str(name),
            GoType::Map { name: None, elem } => write!(f, "map[string]{elem}"),
            GoType::Object(name) => f.write_str(name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_go() {
        assert_eq!(
            GoType::slice(GoType::Interface).to_string(),
            "[]interface {}"
        );
        assert_eq!(GoType::dict().to_string(), "map[string]interface {}");
        assert_eq!(
            GoType::slice(GoType::Uint(UintKind::Uint8)).to_string(),
            "[]uint8"
        );
        let values = GoType::Map {
            name: Some("chartutil.Values".into()),
            elem: Arc::new(GoType::Interface),
        };
        assert_eq!(values.to_string(), "chartutil.Values");
        assert!(values.assignable_to(&GoType::dict()));
        assert!(GoType::dict().assignable_to(&values));
        assert!(!GoType::INT64.assignable_to(&GoType::INT));
    }

    #[test]
    fn int_ranges() {
        assert!(IntKind::Int8.fits(-128));
        assert!(!IntKind::Int8.fits(128));
        assert!(UintKind::Uint8.fits(255));
        assert!(!UintKind::Uint8.fits(256));
    }
}
