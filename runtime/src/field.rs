//! Typed attribute paths: the handles generated code hands out for conditions, filters and
//! updates of nested values.
//!
//! A [`Field<T, K>`] names one attribute (or a value nested in one) whose Rust type is `T`.
//! Its methods only accept values of that type, and only exist where DynamoDB's functions
//! make sense for it (`begins_with` on strings, `contains` on strings, sets and lists, ordering
//! on ordered scalars). The kind `K` says what an update may do with the path:
//!
//! - [`kind::Attribute`]: a top-level attribute. Conditions only; updates go through the
//!   entity's generated setters, which also rewrite index keys and refuse key fields.
//! - [`kind::Fixed`]: a top-level attribute that can never be updated (a key field or an
//!   `immutable` one). Conditions only, and nothing nested in it can be reached.
//! - [`kind::Nested`] / [`kind::NestedOptional`]: a value inside a document, list or map
//!   attribute that may be updated. Only optional ones may be removed.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::marker::PhantomData;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, NaiveDate, Utc};

use crate::codec::{AttributeCodec, ListElement, ttl::Expiry};
use crate::expr::{Comparison, Condition, Operand, Path};

/// What an update may do with a [`Field`].
pub mod kind {
    /// A top-level attribute: conditions only; the generated setters update it.
    #[derive(Debug, Clone, Copy)]
    pub struct Attribute;
    /// A top-level attribute that never changes (key field or `immutable`).
    #[derive(Debug, Clone, Copy)]
    pub struct Fixed;
    /// A required value nested in an updatable attribute.
    #[derive(Debug, Clone, Copy)]
    pub struct Nested;
    /// An optional value nested in an updatable attribute; it may be removed.
    #[derive(Debug, Clone, Copy)]
    pub struct NestedOptional;

    /// Kinds an update may write to.
    pub trait Writable {}
    impl Writable for Nested {}
    impl Writable for NestedOptional {}

    /// Kinds whose nested values may be reached (and so updated).
    pub trait Reachable {}
    impl Reachable for Attribute {}
    impl Reachable for Nested {}
    impl Reachable for NestedOptional {}
}

/// A typed path to an attribute or a value nested in one.
pub struct Field<T, K = kind::Attribute> {
    path: Path,
    _type: PhantomData<fn() -> (T, K)>,
}

impl<T, K> Clone for Field<T, K> {
    fn clone(&self) -> Self {
        Self::new(self.path.clone())
    }
}

impl<T, K> fmt::Debug for Field<T, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Field({})", self.path)
    }
}

/// Encodes a value for an expression, or says why it cannot be one.
pub(crate) fn expression_value<T: AttributeCodec>(
    path: &Path,
    value: &T,
) -> Result<AttributeValue, String> {
    match value.encode() {
        Ok(Some(v)) => Ok(v),
        Ok(None) => Err(format!(
            "the value for `{path}` stores nothing (an empty set or `None`); use `not_exists`/`remove` instead"
        )),
        Err(e) => Err(format!("the value for `{path}` cannot be stored: {e}")),
    }
}

impl<T, K> Field<T, K> {
    /// A field at `path`. Generated code builds these; the types are the schema's.
    pub fn new(path: Path) -> Self {
        Self {
            path,
            _type: PhantomData,
        }
    }

    /// The path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `attribute_exists(path)`.
    pub fn exists(&self) -> Condition {
        Condition::Exists(self.path.clone())
    }

    /// `attribute_not_exists(path)`.
    pub fn not_exists(&self) -> Condition {
        Condition::NotExists(self.path.clone())
    }

    /// `attribute_type(path, type)`: whether the stored value has this DynamoDB type.
    pub fn attribute_type(&self, ty: AttributeType) -> Condition {
        Condition::AttributeType(self.path.clone(), ty.code())
    }

    /// `size(path)`, to compare: the length of a string or bytes, the number of elements of a
    /// list, map or set.
    pub fn size(&self) -> Size {
        Size(self.path.clone())
    }

    fn compare(&self, op: Comparison, value: &impl AttributeCodec) -> Condition {
        match expression_value(&self.path, value) {
            Ok(v) => Condition::Compare(Operand::Path(self.path.clone()), op, Operand::Value(v)),
            Err(e) => Condition::Invalid(e),
        }
    }

    fn compare_field<K2>(&self, op: Comparison, other: &Field<T, K2>) -> Condition {
        Condition::Compare(
            Operand::Path(self.path.clone()),
            op,
            Operand::Path(other.path.clone()),
        )
    }
}

impl<T: AttributeCodec, K> Field<T, K> {
    /// `path = value`.
    pub fn eq(&self, value: impl Into<T>) -> Condition {
        self.compare(Comparison::Eq, &value.into())
    }

    /// `path <> value` (also true when the attribute is missing).
    pub fn ne(&self, value: impl Into<T>) -> Condition {
        self.compare(Comparison::Ne, &value.into())
    }

    /// `path IN (values...)`; DynamoDB allows at most 100 values.
    pub fn is_in<V: Into<T>>(&self, values: impl IntoIterator<Item = V>) -> Condition {
        let mut out = Vec::new();
        for v in values {
            match expression_value(&self.path, &v.into()) {
                Ok(v) => out.push(v),
                Err(e) => return Condition::Invalid(e),
            }
        }
        if out.is_empty() {
            return Condition::Invalid(format!("`{}` IN needs at least one value", self.path));
        }
        Condition::In(self.path.clone(), out)
    }

    /// `path = other_path`: both attributes of the same item.
    pub fn eq_field<K2>(&self, other: &Field<T, K2>) -> Condition {
        self.compare_field(Comparison::Eq, other)
    }

    /// `path <> other_path`.
    pub fn ne_field<K2>(&self, other: &Field<T, K2>) -> Condition {
        self.compare_field(Comparison::Ne, other)
    }
}

/// Types whose stored form sorts in value order, so `<`, `between` etc. mean what they say.
pub trait Ordered {}
impl Ordered for String {}
impl Ordered for i64 {}
impl Ordered for f64 {}
impl Ordered for DateTime<Utc> {}
impl Ordered for NaiveDate {}
impl Ordered for uuid::Uuid {}
impl Ordered for crate::Ulid {}
impl Ordered for Vec<u8> {}
impl Ordered for Expiry {}

impl<T: AttributeCodec + Ordered, K> Field<T, K> {
    /// `path < value`.
    pub fn lt(&self, value: impl Into<T>) -> Condition {
        self.compare(Comparison::Lt, &value.into())
    }

    /// `path <= value`.
    pub fn lte(&self, value: impl Into<T>) -> Condition {
        self.compare(Comparison::Le, &value.into())
    }

    /// `path > value`.
    pub fn gt(&self, value: impl Into<T>) -> Condition {
        self.compare(Comparison::Gt, &value.into())
    }

    /// `path >= value`.
    pub fn gte(&self, value: impl Into<T>) -> Condition {
        self.compare(Comparison::Ge, &value.into())
    }

    /// `path BETWEEN low AND high`, both inclusive.
    pub fn between(&self, low: impl Into<T>, high: impl Into<T>) -> Condition {
        match (
            expression_value(&self.path, &low.into()),
            expression_value(&self.path, &high.into()),
        ) {
            (Ok(l), Ok(h)) => Condition::Between(self.path.clone(), l, h),
            (Err(e), _) | (_, Err(e)) => Condition::Invalid(e),
        }
    }

    /// `path < other_path`.
    pub fn lt_field<K2>(&self, other: &Field<T, K2>) -> Condition {
        self.compare_field(Comparison::Lt, other)
    }

    /// `path > other_path`.
    pub fn gt_field<K2>(&self, other: &Field<T, K2>) -> Condition {
        self.compare_field(Comparison::Gt, other)
    }
}

impl<K> Field<String, K> {
    /// `begins_with(path, prefix)`.
    pub fn begins_with(&self, prefix: &str) -> Condition {
        Condition::BeginsWith(self.path.clone(), AttributeValue::S(prefix.to_owned()))
    }

    /// `contains(path, text)`: `text` is a substring.
    pub fn contains(&self, text: &str) -> Condition {
        Condition::Contains(self.path.clone(), AttributeValue::S(text.to_owned()))
    }
}

impl<T: AttributeCodec, K> Field<BTreeSet<T>, K>
where
    BTreeSet<T>: AttributeCodec,
{
    /// `contains(path, member)`: the set holds `member`.
    pub fn contains(&self, member: impl Into<T>) -> Condition {
        match expression_value(&self.path, &member.into()) {
            Ok(v) => Condition::Contains(self.path.clone(), v),
            Err(e) => Condition::Invalid(e),
        }
    }
}

impl<T: ListElement, K> Field<Vec<T>, K> {
    /// `contains(path, element)`: the list holds `element`.
    pub fn contains(&self, element: impl Into<T>) -> Condition {
        match expression_value(&self.path, &element.into()) {
            Ok(v) => Condition::Contains(self.path.clone(), v),
            Err(e) => Condition::Invalid(e),
        }
    }
}

impl<T: ListElement + Reach, K: kind::Reachable> Field<Vec<T>, K> {
    /// The element at `index` (`path[index]`).
    pub fn at(&self, index: usize) -> T::Path {
        T::reach(self.path.clone().index(index))
    }
}

impl<T: AttributeCodec + Reach, K: kind::Reachable> Field<BTreeMap<String, T>, K> {
    /// The entry under `key` (`path.key`).
    pub fn entry(&self, key: &str) -> T::Path {
        T::reach(self.path.clone().field(key))
    }
}

/// Types whose nested values can be addressed: scalars and enums give a [`Field`],
/// generated document types give their generated path type with one method per field.
pub trait Reach {
    /// The handle on a value of this type at some path.
    type Path;
    /// The handle at `path`.
    fn reach(path: Path) -> Self::Path;
}

impl<T: crate::codec::EnumValue> Reach for T {
    type Path = Field<T, kind::Nested>;
    fn reach(path: Path) -> Self::Path {
        Field::new(path)
    }
}

macro_rules! reach_as_field {
    ($($t:ty),* $(,)?) => {
        $(impl Reach for $t {
            type Path = Field<$t, kind::Nested>;
            fn reach(path: Path) -> Self::Path {
                Field::new(path)
            }
        })*
    };
}
reach_as_field!(
    String,
    i64,
    f64,
    bool,
    DateTime<Utc>,
    NaiveDate,
    uuid::Uuid,
    crate::Ulid,
    Vec<u8>,
    BTreeSet<String>,
    BTreeSet<i64>,
    BTreeSet<Vec<u8>>,
);

impl<T: ListElement> Reach for Vec<T> {
    type Path = Field<Vec<T>, kind::Nested>;
    fn reach(path: Path) -> Self::Path {
        Field::new(path)
    }
}

impl<T: AttributeCodec> Reach for BTreeMap<String, T> {
    type Path = Field<BTreeMap<String, T>, kind::Nested>;
    fn reach(path: Path) -> Self::Path {
        Field::new(path)
    }
}

/// `size(path)`, compared with a number.
#[derive(Debug, Clone)]
pub struct Size(Path);

impl Size {
    fn compare(&self, op: Comparison, n: i64) -> Condition {
        Condition::Compare(
            Operand::Size(self.0.clone()),
            op,
            Operand::Value(AttributeValue::N(n.to_string())),
        )
    }

    /// `size(path) = n`.
    pub fn eq(&self, n: i64) -> Condition {
        self.compare(Comparison::Eq, n)
    }

    /// `size(path) <> n`.
    pub fn ne(&self, n: i64) -> Condition {
        self.compare(Comparison::Ne, n)
    }

    /// `size(path) < n`.
    pub fn lt(&self, n: i64) -> Condition {
        self.compare(Comparison::Lt, n)
    }

    /// `size(path) <= n`.
    pub fn lte(&self, n: i64) -> Condition {
        self.compare(Comparison::Le, n)
    }

    /// `size(path) > n`.
    pub fn gt(&self, n: i64) -> Condition {
        self.compare(Comparison::Gt, n)
    }

    /// `size(path) >= n`.
    pub fn gte(&self, n: i64) -> Condition {
        self.compare(Comparison::Ge, n)
    }

    /// `size(path) BETWEEN low AND high`.
    pub fn between(&self, low: i64, high: i64) -> Condition {
        self.gte(low).and(self.lte(high))
    }
}

/// DynamoDB's attribute types, for [`Field::attribute_type`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttributeType {
    /// `S`
    String,
    /// `N`
    Number,
    /// `B`
    Binary,
    /// `BOOL`
    Bool,
    /// `NULL`
    Null,
    /// `L`
    List,
    /// `M`
    Map,
    /// `SS`
    StringSet,
    /// `NS`
    NumberSet,
    /// `BS`
    BinarySet,
}

impl AttributeType {
    /// DynamoDB's code for the type.
    pub fn code(self) -> &'static str {
        match self {
            AttributeType::String => "S",
            AttributeType::Number => "N",
            AttributeType::Binary => "B",
            AttributeType::Bool => "BOOL",
            AttributeType::Null => "NULL",
            AttributeType::List => "L",
            AttributeType::Map => "M",
            AttributeType::StringSet => "SS",
            AttributeType::NumberSet => "NS",
            AttributeType::BinarySet => "BS",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::Placeholders;

    #[test]
    fn typed_fields_render_through_placeholders() {
        let status: Field<String> = Field::new(Path::attr("status"));
        let lines: Field<Vec<BTreeMap<String, i64>>> = Field::new(Path::attr("lines"));
        let c = status
            .is_in(["paid", "shipped"])
            .and(lines.at(2).entry("qty").gt(3))
            .and(lines.size().between(1, 5));
        let mut p = Placeholders::default();
        let text = p.condition(&c).unwrap();
        assert_eq!(
            text,
            "(#n0 IN (:v0, :v1)) AND (#n1[2].#n2 > :v2) AND ((size(#n1) >= :v3) AND (size(#n1) <= :v4))"
        );
    }

    #[test]
    fn unstorable_values_are_errors_not_panics() {
        let score: Field<f64> = Field::new(Path::attr("score"));
        let mut p = Placeholders::default();
        let err = p.condition(&score.lt(f64::NAN)).unwrap_err();
        assert!(err.to_string().contains("score"), "{err}");
        let roles: Field<BTreeSet<String>> = Field::new(Path::attr("roles"));
        assert!(p.condition(&roles.eq(BTreeSet::new())).is_err());
    }
}
