//! Queries on indexes with multi-attribute keys: up to four partition and four sort
//! attributes stored with their own types (strings, numbers, binary), no concatenated text.
//!
//! A query fixes every partition attribute by equality, then sort attributes left to right,
//! with a range operator (or `begins_with`) allowed only on the last one given; numbers
//! compare as numbers. [`NativeNarrowing`] is the stage generated narrowing methods call.

use aws_sdk_dynamodb::types::AttributeValue;

use super::Query;
use crate::builder::{Plain, QueryBuilder};
use crate::codec::AttributeCodec;
use crate::entity::Entity;
use crate::error::KeyError;
use crate::expr::Placeholders;

/// One condition on a sort attribute.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum NativeSort {
    Eq(AttributeValue),
    Lt(AttributeValue),
    Le(AttributeValue),
    Gt(AttributeValue),
    Ge(AttributeValue),
    Between(AttributeValue, AttributeValue),
    BeginsWith(AttributeValue),
}

/// The key condition of a query on a multi-attribute key.
#[derive(Debug, Clone, Default)]
pub(crate) struct Native {
    partition: Vec<(&'static str, AttributeValue)>,
    sort: Vec<(&'static str, NativeSort)>,
    /// The first value that could not be encoded; sending is then an error.
    problem: Option<KeyError>,
}

impl Native {
    /// The partition attributes and their values.
    pub(crate) fn partition(&self) -> &[(&'static str, AttributeValue)] {
        &self.partition
    }
}

/// Encodes a key attribute's value; a value that stores nothing cannot be in a key.
fn encode<T: AttributeCodec>(
    attribute: &'static str,
    value: &T,
) -> Result<AttributeValue, KeyError> {
    match value.encode() {
        Ok(Some(v)) => Ok(v),
        Ok(None) => Err(KeyError::Unencodable {
            field: attribute,
            problem: "a key attribute needs a value".to_owned(),
        }),
        Err(e) => Err(KeyError::Unencodable {
            field: attribute,
            problem: e.to_string(),
        }),
    }
}

impl Native {
    fn push_sort(&mut self, attribute: &'static str, condition: Result<NativeSort, KeyError>) {
        match condition {
            Ok(c) => self.sort.push((attribute, c)),
            Err(e) => {
                self.problem.get_or_insert(e);
            }
        }
    }

    /// `#a = :a AND … AND #s < :s`.
    pub(crate) fn render(&self, placeholders: &mut Placeholders) -> Result<String, KeyError> {
        if let Some(problem) = &self.problem {
            return Err(problem.clone());
        }
        let mut parts = Vec::new();
        for (attribute, value) in &self.partition {
            let name = placeholders.name(attribute);
            let value = placeholders.value(value.clone());
            parts.push(format!("{name} = {value}"));
        }
        for (attribute, condition) in &self.sort {
            let name = placeholders.name(attribute);
            let mut v = |value: &AttributeValue| placeholders.value(value.clone());
            parts.push(match condition {
                NativeSort::Eq(a) => format!("{name} = {}", v(a)),
                NativeSort::Lt(a) => format!("{name} < {}", v(a)),
                NativeSort::Le(a) => format!("{name} <= {}", v(a)),
                NativeSort::Gt(a) => format!("{name} > {}", v(a)),
                NativeSort::Ge(a) => format!("{name} >= {}", v(a)),
                NativeSort::Between(a, b) => {
                    let a = v(a);
                    format!("{name} BETWEEN {a} AND {}", v(b))
                }
                NativeSort::BeginsWith(a) => format!("begins_with({name}, {})", v(a)),
            });
        }
        Ok(parts.join(" AND "))
    }
}

/// One partition attribute's value for [`Query::native`].
pub fn key_part<T: AttributeCodec>(
    attribute: &'static str,
    value: &T,
) -> (&'static str, Result<AttributeValue, KeyError>) {
    (attribute, encode(attribute, value))
}

impl<E: Entity> Query<E> {
    /// A query of entity `E` on index `index`, whose multi-attribute partition key is
    /// `partition` (every attribute, in order). Items of other entities are left out by the
    /// type attribute, unless the type attribute is the key's first attribute.
    pub fn native<const N: usize>(
        tag: &'static str,
        index: &'static str,
        partition: [(&'static str, Result<AttributeValue, KeyError>); N],
    ) -> Self {
        Query::native_projection::<E, N>(tag, index, partition, super::decode_entity::<E>)
    }
}

impl<T> Query<T> {
    /// [`Query::native`] of entity `E`'s items, decoded by `decode` (a projection type's).
    pub fn native_projection<E: Entity, const N: usize>(
        tag: &'static str,
        index: &'static str,
        partition: [(&'static str, Result<AttributeValue, KeyError>); N],
        decode: super::Decoder<T>,
    ) -> Self {
        let mut native = Native::default();
        for (attribute, value) in partition {
            match value {
                Ok(v) => native.partition.push((attribute, v)),
                Err(e) => {
                    native.problem.get_or_insert(e);
                }
            }
        }
        let first = native.partition.first().map_or("", |(a, _)| *a);
        let types: &'static [&'static str] = if first == E::TYPE_ATTRIBUTE {
            &[]
        } else {
            const { &[E::NAME] }
        };
        let mut query = Query::with(
            tag,
            E::NAME,
            first,
            Some(Ok(String::new())),
            Some(E::TYPE_ATTRIBUTE),
            types,
            decode,
        )
        .index(index);
        query.native = Some(native);
        query
    }
}

/// A query on a multi-attribute key with the sort attributes before `sort[fixed]` fixed:
/// the stage generated narrowing methods work on.
#[derive(Debug)]
pub struct NativeNarrowing<T> {
    query: Query<T>,
    sort: &'static [&'static str],
    fixed: usize,
}

impl<T> Clone for NativeNarrowing<T> {
    fn clone(&self) -> Self {
        Self {
            query: self.query.clone(),
            sort: self.sort,
            fixed: self.fixed,
        }
    }
}

impl<T> NativeNarrowing<T> {
    /// The stage of `query` before its first sort attribute `sort[0]`.
    pub fn new(query: Query<T>, sort: &'static [&'static str]) -> Self {
        Self {
            query,
            sort,
            fixed: 0,
        }
    }

    /// The query so far.
    pub fn query(&self) -> &Query<T> {
        &self.query
    }

    /// The query so far, to change.
    pub fn query_mut(&mut self) -> &mut Query<T> {
        &mut self.query
    }

    fn with(
        &self,
        condition: impl FnOnce(&'static str) -> Result<NativeSort, KeyError>,
    ) -> Query<T> {
        let attribute = self.sort.get(self.fixed).copied().unwrap_or_default();
        let mut query = self.query.clone();
        if let Some(native) = query.native.as_mut() {
            native.push_sort(attribute, condition(attribute));
        }
        query
    }

    fn done<O, R>(
        &self,
        condition: impl FnOnce(&'static str) -> Result<NativeSort, KeyError>,
    ) -> QueryBuilder<Plain<T, O, R>> {
        QueryBuilder::from_stage(Plain::new(self.with(condition)))
    }

    /// Fixes the next sort attribute to `value` and moves on to the one after it.
    pub fn fix<V: AttributeCodec>(&self, value: &V) -> NativeNarrowing<T> {
        NativeNarrowing {
            query: self.with(|a| encode(a, value).map(NativeSort::Eq)),
            sort: self.sort,
            fixed: self.fixed + 1,
        }
    }

    /// Only items whose next sort attribute equals `value`.
    pub fn eq<V: AttributeCodec, O, R>(&self, value: &V) -> QueryBuilder<Plain<T, O, R>> {
        self.done(|a| encode(a, value).map(NativeSort::Eq))
    }

    /// Only items whose next sort attribute is less than `value`.
    pub fn lt<V: AttributeCodec, O, R>(&self, value: &V) -> QueryBuilder<Plain<T, O, R>> {
        self.done(|a| encode(a, value).map(NativeSort::Lt))
    }

    /// Only items whose next sort attribute is at most `value`.
    pub fn lte<V: AttributeCodec, O, R>(&self, value: &V) -> QueryBuilder<Plain<T, O, R>> {
        self.done(|a| encode(a, value).map(NativeSort::Le))
    }

    /// Only items whose next sort attribute is greater than `value`.
    pub fn gt<V: AttributeCodec, O, R>(&self, value: &V) -> QueryBuilder<Plain<T, O, R>> {
        self.done(|a| encode(a, value).map(NativeSort::Gt))
    }

    /// Only items whose next sort attribute is at least `value`.
    pub fn gte<V: AttributeCodec, O, R>(&self, value: &V) -> QueryBuilder<Plain<T, O, R>> {
        self.done(|a| encode(a, value).map(NativeSort::Ge))
    }

    /// Only items whose next sort attribute lies between `low` and `high`, inclusive.
    pub fn between<V: AttributeCodec, O, R>(
        &self,
        low: &V,
        high: &V,
    ) -> QueryBuilder<Plain<T, O, R>> {
        self.done(|a| Ok(NativeSort::Between(encode(a, low)?, encode(a, high)?)))
    }

    /// Only items whose next sort attribute (a string) starts with `prefix`.
    pub fn begins_with<O, R>(&self, prefix: &str) -> QueryBuilder<Plain<T, O, R>> {
        self.done(|_| Ok(NativeSort::BeginsWith(AttributeValue::S(prefix.to_owned()))))
    }
}
