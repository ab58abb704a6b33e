//! The value model: the Go values a template sees, with the Go types that `%T`,
//! comparisons, `printf` and Sprig's `typeOf`/`kindOf` observe.
//!
//! A [`Value`] is an untyped nil, a bool, a sized integer or float, a string, a [`List`]
//! (a slice with its element type: `[]interface {}`, `[]string`, `[]uint8`...), a [`Map`]
//! (`map[string]T` in sorted key order, optionally a named type such as
//! `chartutil.Values`), or a host [`Object`].
//!
//! Sharing and threads: values are `Send + Sync` and cheap to clone (`Arc`). Go maps are
//! reference types that Sprig mutates in place (`set`, `unset`, `merge`), and every holder
//! must see the change, so a [`Map`] is an `Arc` around a lock; lists are immutable
//! (Sprig's list functions all copy). `Arc` over `Rc` costs a few atomic increments per
//! render but lets a host share parsed values, function maps and template sets across
//! rayon workers (one render per thread), which is how Helm charts are rendered.
//!
//! Not here: how values print (`fmt`), how they compare (`builtins`), or conversions
//! specific to Helm or Sprig.

mod isolation;
mod json;
mod object;
mod types;

pub use isolation::isolated;
pub(crate) use isolation::refused as isolation_refused;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, OnceLock, RwLock, RwLockReadGuard, RwLockWriteGuard};

pub use object::Object;
pub use types::{FloatKind, GoType, IntKind, Kind, UintKind};

/// A Go value as a template sees it.
#[derive(Clone, Debug)]
pub enum Value {
    /// A nil `interface {}` value: a missing map key under `missingkey=zero`, `null` in
    /// values, a nil returned by a function. Prints `<nil>` inside containers and with
    /// `print`; an action printing it alone shows `<no value>`.
    Nil,
    /// `bool`
    Bool(bool),
    /// A signed integer with its Go type (`int` vs `int64` matter to `%T` and Sprig).
    Int(i64, IntKind),
    /// An unsigned integer with its Go type.
    Uint(u64, UintKind),
    /// A float with its Go type; numbers from values are always `float64`.
    Float(f64, FloatKind),
    /// A `complex128` (real, imaginary): only from template constants such as `1+2i`.
    Complex(f64, f64),
    /// `string` (arbitrary bytes in Go; valid UTF-8 here).
    String(Arc<str>),
    /// A slice.
    List(List),
    /// A `map[string]T`.
    Map(Map),
    /// A host value (struct, pointer, named type).
    Object(Arc<dyn Object>),
}

impl Value {
    /// Go `int`.
    pub fn int(v: i64) -> Value {
        Value::Int(v, IntKind::Int)
    }

    /// Go `int64`.
    pub fn int64(v: i64) -> Value {
        Value::Int(v, IntKind::Int64)
    }

    /// Go `float64`.
    pub fn float(v: f64) -> Value {
        Value::Float(v, FloatKind::Float64)
    }

    /// Go `string`.
    pub fn string(s: impl Into<Arc<str>>) -> Value {
        Value::String(s.into())
    }

    /// A host object.
    pub fn object(obj: impl Object + 'static) -> Value {
        Value::Object(Arc::new(obj))
    }

    /// Whether this is the untyped nil.
    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }

    /// The Go type of the value (`None` for nil, whose `%T` is `<nil>`).
    pub fn go_type(&self) -> Option<GoType> {
        Some(match self {
            Value::Nil => return None,
            Value::Bool(_) => GoType::Bool,
            Value::Int(_, k) => GoType::Int(*k),
            Value::Uint(_, k) => GoType::Uint(*k),
            Value::Float(_, k) => GoType::Float(*k),
            Value::Complex(..) => GoType::Complex128,
            Value::String(_) => GoType::String,
            Value::List(l) => GoType::Slice(Arc::new(l.elem().clone())),
            Value::Map(m) => GoType::Map {
                name: m.type_name_override(),
                elem: Arc::new(m.elem().clone()),
            },
            Value::Object(o) => GoType::Object(o.type_name().into()),
        })
    }

    /// What `%T` prints: `int`, `float64`, `[]interface {}`, `chartutil.Values`, `<nil>`.
    pub fn type_name(&self) -> String {
        match self {
            Value::Object(o) => o.type_name(),
            other => other
                .go_type()
                .map_or_else(|| "<nil>".to_string(), |t| t.to_string()),
        }
    }

    /// The reflect kind (`kindOf`): `invalid` for nil.
    pub fn kind(&self) -> Kind {
        match self {
            Value::Nil => Kind::Invalid,
            Value::Object(o) => o.kind(),
            other => other.go_type().map_or(Kind::Invalid, |t| t.kind()),
        }
    }

    /// Go's truth for `if`, `with`, `and`, `or`, `not`: false for nil, `false`, zero
    /// numbers, empty strings, lists and maps.
    pub fn is_true(&self) -> bool {
        match self {
            Value::Nil => false,
            Value::Bool(b) => *b,
            Value::Int(i, _) => *i != 0,
            Value::Uint(u, _) => *u != 0,
            Value::Float(f, _) => *f != 0.0,
            Value::Complex(re, im) => *re != 0.0 || *im != 0.0,
            Value::String(s) => !s.is_empty(),
            Value::List(l) => !l.is_empty(),
            Value::Map(m) => !m.is_empty(),
            Value::Object(o) => o.is_true(),
        }
    }

    /// The string, when this is a `string`.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The bool, when this is a `bool`.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The integer, when this is a signed integer, or an unsigned one that fits `i64`.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i, _) => Some(*i),
            Value::Uint(u, _) => i64::try_from(*u).ok(),
            _ => None,
        }
    }

    /// The float, when this is a float.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Float(f, _) => Some(*f),
            _ => None,
        }
    }

    /// The list, when this is a slice (or an object with a list view).
    pub fn as_list(&self) -> Option<List> {
        match self {
            Value::List(l) => Some(l.clone()),
            Value::Object(o) => o.as_list(),
            _ => None,
        }
    }

    /// The map, when this is a map (or an object with a map view).
    pub fn as_map(&self) -> Option<Map> {
        match self {
            Value::Map(m) => Some(m.clone()),
            Value::Object(o) => o.as_map(),
            _ => None,
        }
    }

    /// The host object, when this is one.
    pub fn as_object(&self) -> Option<&Arc<dyn Object>> {
        match self {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }

    /// The host object downcast to its concrete type.
    pub fn downcast_object<T: 'static>(&self) -> Option<&T> {
        self.as_object()?.as_any().downcast_ref::<T>()
    }

    /// Converts JSON as Go's `encoding/json` decodes into `interface {}` (and as Helm's
    /// values arrive): every number is `float64`, objects are `map[string]interface {}`,
    /// arrays `[]interface {}`, `null` is nil.
    pub fn from_json(json: &serde_json::Value) -> Value {
        json::from_json(json)
    }
}

impl fmt::Display for Value {
    /// Go's `%v`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::fmt::sprint_v(self))
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.into())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s.into())
    }
}

impl From<Arc<str>> for Value {
    fn from(s: Arc<str>) -> Value {
        Value::String(s)
    }
}

impl From<f64> for Value {
    fn from(f: f64) -> Value {
        Value::float(f)
    }
}

impl From<List> for Value {
    fn from(l: List) -> Value {
        Value::List(l)
    }
}

impl From<Map> for Value {
    fn from(m: Map) -> Value {
        Value::Map(m)
    }
}

/// A Go slice: immutable items with the element type (`[]interface {}` unless made with
/// [`List::typed`]).
#[derive(Clone, Debug)]
pub struct List(Arc<ListData>);

#[derive(Debug)]
struct ListData {
    elem: GoType,
    /// The items; for a packed `[]uint8`, made from `packed` on first use.
    items: OnceLock<Vec<Value>>,
    /// A `[]uint8`'s bytes, kept packed: a chart's files reach templates as `[]byte`
    /// (`.Files.GetBytes`, ranging over `.Files.Glob`), and one `Value` per byte would
    /// cost 24 times the file's size for what is mostly only encoded or printed.
    packed: Option<Arc<Vec<u8>>>,
}

impl List {
    /// A `[]interface {}`.
    pub fn new(items: Vec<Value>) -> List {
        List::typed(GoType::Interface, items)
    }

    /// A slice of the given element type; the caller keeps items of that type.
    pub fn typed(elem: GoType, items: Vec<Value>) -> List {
        List(Arc::new(ListData {
            elem,
            items: OnceLock::from(items),
            packed: None,
        }))
    }

    /// A `[]string`.
    pub fn strings<S: Into<Arc<str>>>(items: impl IntoIterator<Item = S>) -> List {
        let items = items.into_iter().map(|s| Value::String(s.into())).collect();
        List::typed(GoType::String, items)
    }

    /// A `[]uint8` (Go's `[]byte`).
    pub fn bytes(bytes: &[u8]) -> List {
        List::shared_bytes(Arc::new(bytes.to_vec()))
    }

    /// A `[]uint8` over shared bytes, without copying them.
    pub fn shared_bytes(bytes: Arc<Vec<u8>>) -> List {
        List(Arc::new(ListData {
            elem: GoType::Uint(UintKind::Uint8),
            items: OnceLock::new(),
            packed: Some(bytes),
        }))
    }

    /// The element type.
    pub fn elem(&self) -> &GoType {
        &self.0.elem
    }

    /// The items.
    pub fn items(&self) -> &[Value] {
        self.0.items.get_or_init(|| match &self.0.packed {
            Some(bytes) => bytes
                .iter()
                .map(|&b| Value::Uint(u64::from(b), UintKind::Uint8))
                .collect(),
            None => Vec::new(),
        })
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        match &self.0.packed {
            Some(bytes) => bytes.len(),
            None => self.items().len(),
        }
    }

    /// Whether there are no items.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Item `i`.
    pub fn get(&self, i: usize) -> Option<&Value> {
        self.items().get(i)
    }

    /// The bytes of a `[]uint8` (`None` for other element types).
    pub fn to_bytes(&self) -> Option<Vec<u8>> {
        if self.0.elem != GoType::Uint(UintKind::Uint8) {
            return None;
        }
        if let Some(bytes) = &self.0.packed {
            return Some(bytes.to_vec());
        }
        self.items()
            .iter()
            .map(|v| match v {
                Value::Uint(b, _) => u8::try_from(*b).ok(),
                _ => None,
            })
            .collect()
    }

    /// Whether two lists are the same Go slice (same backing storage).
    pub fn ptr_eq(&self, other: &List) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// A Go `map[string]T`: a shared, mutable reference (as in Go), iterated in sorted key
/// order (as Go's `fmt`, `range` and encoders do).
#[derive(Clone, Debug)]
pub struct Map(Arc<MapData>);

#[derive(Debug)]
struct MapData {
    name: Option<Arc<str>>,
    elem: GoType,
    entries: RwLock<BTreeMap<Arc<str>, Value>>,
    /// The isolation the map was made in (see [`isolated`]).
    born: u64,
}

impl Default for Map {
    fn default() -> Self {
        Map::new()
    }
}

impl Map {
    /// An empty `map[string]interface {}`.
    pub fn new() -> Map {
        Map::typed(None, GoType::Interface)
    }

    /// An empty map of element type `elem`, named `name` when it is a defined type
    /// (`chartutil.Values`).
    pub fn typed(name: Option<&str>, elem: GoType) -> Map {
        Map(Arc::new(MapData {
            name: name.map(Arc::from),
            elem,
            entries: RwLock::new(BTreeMap::new()),
            born: isolation::current(),
        }))
    }

    /// A `map[string]interface {}` holding `entries`.
    pub fn from_entries<K: Into<Arc<str>>>(entries: impl IntoIterator<Item = (K, Value)>) -> Map {
        let map = Map::new();
        {
            let mut w = map.write();
            for (k, v) in entries {
                w.insert(k.into(), v);
            }
        }
        map
    }

    /// A new map of the same type holding the same entries (a shallow copy).
    pub fn shallow_copy(&self) -> Map {
        let copy = Map(Arc::new(MapData {
            name: self.0.name.clone(),
            elem: self.0.elem.clone(),
            entries: RwLock::new(self.read().clone()),
            born: isolation::current(),
        }));
        copy
    }

    fn read(&self) -> RwLockReadGuard<'_, BTreeMap<Arc<str>, Value>> {
        // A poisoned lock means a host function panicked mid-write; the map is still a
        // valid BTreeMap, so keep going rather than panic again.
        self.0.entries.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, BTreeMap<Arc<str>, Value>> {
        self.0.entries.write().unwrap_or_else(|e| e.into_inner())
    }

    fn type_name_override(&self) -> Option<Arc<str>> {
        self.0.name.clone()
    }

    /// The defined type's name (`chartutil.Values`), if any.
    pub fn type_name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }

    /// The element type.
    pub fn elem(&self) -> &GoType {
        &self.0.elem
    }

    /// The value at `key`.
    pub fn get(&self, key: &str) -> Option<Value> {
        self.read().get(key).cloned()
    }

    /// `f` of the value at `key`, under the map's read lock: for a lookup that goes on
    /// into the value without keeping it (no reference counted on it).
    pub fn with_value<R>(&self, key: &str, f: impl FnOnce(Option<&Value>) -> R) -> R {
        f(self.read().get(key))
    }

    /// Whether `key` is present (even with a nil value).
    pub fn contains_key(&self, key: &str) -> bool {
        self.read().contains_key(key)
    }

    /// Sets `key` (visible through every clone of this map, as in Go).
    /// Inside [`isolated`], a map made outside it is left as it is.
    pub fn insert(&self, key: impl Into<Arc<str>>, value: Value) {
        if isolation::may_write(self.0.born) {
            self.write().insert(key.into(), value);
        }
    }

    /// Removes `key`, returning its value. Inside [`isolated`], a map made outside it is
    /// left as it is (and `None` returned).
    pub fn remove(&self, key: &str) -> Option<Value> {
        if !isolation::may_write(self.0.born) {
            return None;
        }
        self.write().remove(key)
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.read().len()
    }

    /// Whether the map is empty.
    pub fn is_empty(&self) -> bool {
        self.read().is_empty()
    }

    /// The keys in sorted order.
    pub fn keys(&self) -> Vec<Arc<str>> {
        self.read().keys().cloned().collect()
    }

    /// A snapshot of the entries in sorted key order.
    pub fn entries(&self) -> Vec<(Arc<str>, Value)> {
        self.read()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// Whether two maps are the same Go map.
    pub fn ptr_eq(&self, other: &Map) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_is_small() {
        assert!(std::mem::size_of::<Value>() <= 24);
    }

    #[test]
    fn values_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Value>();
    }

    #[test]
    fn type_names() {
        assert_eq!(Value::int(1).type_name(), "int");
        assert_eq!(Value::int64(1).type_name(), "int64");
        assert_eq!(Value::float(1.0).type_name(), "float64");
        assert_eq!(Value::Nil.type_name(), "<nil>");
        assert_eq!(Value::from(List::new(vec![])).type_name(), "[]interface {}");
        assert_eq!(Value::from(List::bytes(b"x")).type_name(), "[]uint8");
        let values = Map::typed(Some("chartutil.Values"), GoType::Interface);
        assert_eq!(Value::from(values).type_name(), "chartutil.Values");
        assert_eq!(Value::Nil.kind().name(), "invalid");
        assert_eq!(Value::from(Map::new()).kind().name(), "map");
    }

    #[test]
    fn packed_bytes_behave_as_a_uint8_slice() {
        let packed = List::shared_bytes(Arc::new(b"hi\xff".to_vec()));
        assert_eq!(packed.len(), 3);
        assert_eq!(packed.to_bytes(), Some(b"hi\xff".to_vec()));
        assert!(matches!(
            packed.get(2),
            Some(Value::Uint(255, UintKind::Uint8))
        ));
        assert_eq!(packed.items().len(), 3);
        assert_eq!(Value::from(packed).to_string(), "[104 105 255]");
        assert!(List::shared_bytes(Arc::new(Vec::new())).is_empty());
    }

    #[test]
    fn maps_are_shared_references() {
        let a = Map::new();
        let b = a.clone();
        b.insert("k", Value::int(1));
        assert_eq!(a.len(), 1);
        let c = a.shallow_copy();
        c.insert("j", Value::Nil);
        assert_eq!(a.len(), 1);
        assert_eq!(a.keys(), vec![Arc::from("k")]);
    }

    #[test]
    fn truth() {
        assert!(!Value::Nil.is_true());
        assert!(!Value::float(0.0).is_true());
        assert!(Value::from("0").is_true());
        assert!(!Value::from(Map::new()).is_true());
    }
}
