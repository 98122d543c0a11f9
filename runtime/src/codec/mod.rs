//! Direct conversion between Rust values and DynamoDB `AttributeValue`s.
//!
//! Generated `to_item` goes through [`ItemWriter`] and `from_item` through [`required`] and
//! [`optional`], one line per attribute; nested documents and enums implement [`AttributeCodec`] themselves. There is no
//! intermediate tree: each value is converted straight into the SDK's type. Errors carry a path into nested
//! values so a decode failure names `lines[2].sku`, not just `lines`.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, NaiveDate, Utc};

use crate::Item;
use crate::error::KeyError;
use crate::error::{DecodeError, EncodeError};
use crate::key::{Key, PartitionKey, SortKey, format_timestamp};

mod item;
pub use item::ItemWriter;

/// A conversion failure inside one attribute, before the entity is known.
#[derive(Debug, Clone, PartialEq)]
pub struct CodecError {
    /// Path segments from the innermost outwards (`["sku", "[2]"]`).
    path: Vec<String>,
    /// What was wrong.
    problem: String,
}

impl CodecError {
    /// A value of the wrong DynamoDB type.
    pub fn mismatch(expected: &str, found: &AttributeValue) -> Self {
        Self::new(format!("expected {expected}, found {}", describe(found)))
    }

    /// Any other problem, in words.
    pub fn new(problem: impl Into<String>) -> Self {
        Self {
            path: Vec::new(),
            problem: problem.into(),
        }
    }

    /// Adds the map field the failure happened in.
    pub fn in_field(mut self, field: &str) -> Self {
        self.path.push(format!(".{field}"));
        self
    }

    /// Adds the list index the failure happened at.
    pub fn at_index(mut self, index: usize) -> Self {
        self.path.push(format!("[{index}]"));
        self
    }

    fn path_under(&self, attribute: &str) -> String {
        let mut out = attribute.to_owned();
        for seg in self.path.iter().rev() {
            out.push_str(seg);
        }
        out
    }

    /// Attaches the entity and top-level attribute for a decode failure.
    pub fn decoding(self, entity: &'static str, attribute: &str) -> DecodeError {
        DecodeError {
            entity,
            attribute: self.path_under(attribute),
            problem: self.problem,
        }
    }

    /// Attaches the entity and top-level attribute for an encode failure.
    pub fn encoding(self, entity: &'static str, attribute: &str) -> EncodeError {
        EncodeError {
            entity,
            attribute: self.path_under(attribute),
            problem: self.problem,
        }
    }
}

impl std::fmt::Display for CodecError {
    /// The problem, with the nested path it happened at (`at [2].sku: expected N`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.problem)
        } else {
            write!(f, "at {}: {}", self.path_under(""), self.problem)
        }
    }
}

/// A short description of a stored value for error messages: its DynamoDB type and a preview.
pub fn describe(value: &AttributeValue) -> String {
    fn preview(s: &str) -> String {
        let mut out: String = s.chars().take(40).collect();
        if out.len() < s.len() {
            out.push('…');
        }
        format!("{out:?}")
    }
    match value {
        AttributeValue::S(s) => format!("S {}", preview(s)),
        AttributeValue::N(n) => format!("N {}", preview(n)),
        AttributeValue::B(b) => format!("B ({} bytes)", b.as_ref().len()),
        AttributeValue::Bool(b) => format!("BOOL {b}"),
        AttributeValue::Null(_) => "NULL".to_owned(),
        AttributeValue::L(l) => format!("L ({} items)", l.len()),
        AttributeValue::M(m) => format!("M ({} entries)", m.len()),
        AttributeValue::Ss(s) => format!("SS ({} strings)", s.len()),
        AttributeValue::Ns(s) => format!("NS ({} numbers)", s.len()),
        AttributeValue::Bs(s) => format!("BS ({} binaries)", s.len()),
        _ => "an unknown attribute type".to_owned(),
    }
}

/// Conversion of one schema type to and from an `AttributeValue`.
///
/// Implemented here for every scalar and container of the schema language, and by generated
/// code for nested document types and enums.
pub trait AttributeCodec: Sized {
    /// Encodes the value. `None` means "store nothing": an empty set (DynamoDB cannot store
    /// one) or an absent optional value.
    fn encode(&self) -> Result<Option<AttributeValue>, CodecError>;

    /// Decodes a stored value.
    fn decode(value: AttributeValue) -> Result<Self, CodecError>;

    /// The value of an attribute that is not stored at all, if the type has one (empty sets,
    /// `None` for optionals). `None` here makes a missing attribute a decode error.
    fn missing() -> Option<Self> {
        None
    }
}

/// Where a value is converted, for error messages: an entity's top-level attribute (the
/// entity's name, `&'static str`) or a field of a nested document ([`Nested`]). Every codec
/// function takes one, so entities and documents share one family of functions.
pub trait Context: Copy {
    /// The error a failed decode becomes.
    type DecodeError;
    /// The error a failed encode becomes.
    type EncodeError;
    /// Names `attribute` in a decode failure.
    fn decoding(self, error: CodecError, attribute: &str) -> Self::DecodeError;
    /// Names `attribute` in an encode failure.
    fn encoding(self, error: CodecError, attribute: &str) -> Self::EncodeError;
}

impl Context for &'static str {
    type DecodeError = DecodeError;
    type EncodeError = EncodeError;
    fn decoding(self, error: CodecError, attribute: &str) -> DecodeError {
        error.decoding(self, attribute)
    }
    fn encoding(self, error: CodecError, attribute: &str) -> EncodeError {
        error.encoding(self, attribute)
    }
}

/// The [`Context`] of a field of a nested document: errors stay [`CodecError`]s with the
/// field added to their path, and the enclosing attribute names the entity.
#[derive(Debug, Clone, Copy)]
pub struct Nested;

impl Context for Nested {
    type DecodeError = CodecError;
    type EncodeError = CodecError;
    fn decoding(self, error: CodecError, attribute: &str) -> CodecError {
        error.in_field(attribute)
    }
    fn encoding(self, error: CodecError, attribute: &str) -> CodecError {
        error.in_field(attribute)
    }
}

/// An enum of the schema, stored as the string of its value. Generated enums implement it;
/// their codec, list and path behaviour comes from the blanket impls here and in
/// [`crate::field`].
pub trait EnumValue: Sized + Copy + 'static {
    /// The enum's name in the schema.
    const NAME: &'static str;
    /// Every stored value, in schema order.
    const VALUES: &'static [&'static str];
    /// Every value, in schema order (the same order as [`EnumValue::VALUES`]).
    const MEMBERS: &'static [Self];

    /// The stored string of this value.
    fn stored(&self) -> &'static str;

    /// The value stored as `s`, for `FromStr`.
    fn from_stored(s: &str) -> Result<Self, crate::UnknownEnumValue> {
        match Self::VALUES.iter().position(|v| *v == s) {
            Some(i) => Ok(Self::MEMBERS[i]),
            None => Err(crate::UnknownEnumValue {
                type_name: Self::NAME,
                value: s.to_owned(),
            }),
        }
    }
}

impl<T: EnumValue> AttributeCodec for T {
    fn encode(&self) -> Result<Option<AttributeValue>, CodecError> {
        Ok(Some(AttributeValue::S(self.stored().to_owned())))
    }

    fn decode(value: AttributeValue) -> Result<Self, CodecError> {
        let s = expect_string(value)?;
        T::from_stored(&s).map_err(|_| {
            CodecError::new(format!(
                "expected one of {}, found {s:?}",
                T::VALUES.join(", ")
            ))
        })
    }
}

impl<T: EnumValue> ListElement for T {}

/// Encodes `value` into `map` under `attribute`, storing nothing when it encodes to nothing.
pub fn put<T: AttributeCodec, C: Context>(
    map: &mut Item,
    cx: C,
    attribute: &str,
    value: &T,
) -> Result<(), C::EncodeError> {
    if let Some(av) = value.encode().map_err(|e| cx.encoding(e, attribute))? {
        map.insert(attribute.to_owned(), av);
    }
    Ok(())
}

/// Decodes the stored value of an attribute that must be present: a missing attribute is
/// its type's natural empty value (an empty set) or an error naming it.
pub fn required<T: AttributeCodec, C: Context>(
    slot: Option<AttributeValue>,
    cx: C,
    attribute: &str,
) -> Result<T, C::DecodeError> {
    match slot {
        Some(value) => T::decode(value).map_err(|e| cx.decoding(e, attribute)),
        None => T::missing().ok_or_else(|| cx.decoding(CodecError::new("is missing"), attribute)),
    }
}

/// Decodes the stored value of an optional attribute or one with a default: missing or NULL
/// is `None`.
pub fn optional<T: AttributeCodec, C: Context>(
    slot: Option<AttributeValue>,
    cx: C,
    attribute: &str,
) -> Result<Option<T>, C::DecodeError> {
    match slot {
        None | Some(AttributeValue::Null(_)) => Ok(None),
        Some(value) => T::decode(value)
            .map(Some)
            .map_err(|e| cx.decoding(e, attribute)),
    }
}

/// Removes `attribute` from `map` and decodes it as [`required`] does.
pub fn take<T: AttributeCodec, C: Context>(
    map: &mut Item,
    cx: C,
    attribute: &str,
) -> Result<T, C::DecodeError> {
    required(map.remove(attribute), cx, attribute)
}

/// Removes `attribute` from `map` and decodes it as [`optional`] does, `default()` when it
/// is missing. This is what makes adding an attribute with a default a safe schema change.
pub fn take_or<T: AttributeCodec, C: Context>(
    map: &mut Item,
    cx: C,
    attribute: &str,
    default: impl FnOnce() -> T,
) -> Result<T, C::DecodeError> {
    Ok(optional(map.remove(attribute), cx, attribute)?
        .or_else(T::missing)
        .unwrap_or_else(default))
}

/// Reads the `M` of a nested document, for generated document types.
pub fn expect_map(
    value: AttributeValue,
) -> Result<std::collections::HashMap<String, AttributeValue>, CodecError> {
    match value {
        AttributeValue::M(m) => Ok(m),
        other => Err(CodecError::mismatch("M (document)", &other)),
    }
}

/// Reads the `S` of an enum, for generated enum types.
pub fn expect_string(value: AttributeValue) -> Result<String, CodecError> {
    match value {
        AttributeValue::S(s) => Ok(s),
        other => Err(CodecError::mismatch("S (string)", &other)),
    }
}

impl AttributeCodec for String {
    fn encode(&self) -> Result<Option<AttributeValue>, CodecError> {
        Ok(Some(AttributeValue::S(self.clone())))
    }
    fn decode(value: AttributeValue) -> Result<Self, CodecError> {
        expect_string(value)
    }
}

fn expect_number(value: AttributeValue, expected: &str) -> Result<String, CodecError> {
    match value {
        AttributeValue::N(n) => Ok(n),
        other => Err(CodecError::mismatch(expected, &other)),
    }
}

impl AttributeCodec for i64 {
    fn encode(&self) -> Result<Option<AttributeValue>, CodecError> {
        Ok(Some(AttributeValue::N(self.to_string())))
    }
    fn decode(value: AttributeValue) -> Result<Self, CodecError> {
        let n = expect_number(value, "N (integer)")?;
        n.parse()
            .map_err(|_| CodecError::new(format!("expected an integer, found N {n}")))
    }
}

/// Formats a float as a DynamoDB number, rejecting what DynamoDB cannot store.
pub fn format_float(f: f64) -> Result<String, CodecError> {
    if !f.is_finite() {
        return Err(CodecError::new(format!(
            "is {f}; DynamoDB numbers must be finite"
        )));
    }
    let magnitude = f.abs();
    if magnitude != 0.0 && !(1e-130..1e126).contains(&magnitude) {
        return Err(CodecError::new(format!(
            "is {f:e}; DynamoDB numbers must lie between 1e-130 and 1e126 in magnitude"
        )));
    }
    // Debug gives the shortest text that parses back to the same f64, using an exponent
    // for very large and small values, which DynamoDB accepts.
    Ok(format!("{f:?}"))
}

impl AttributeCodec for f64 {
    fn encode(&self) -> Result<Option<AttributeValue>, CodecError> {
        Ok(Some(AttributeValue::N(format_float(*self)?)))
    }
    fn decode(value: AttributeValue) -> Result<Self, CodecError> {
        let n = expect_number(value, "N (float)")?;
        n.parse()
            .map_err(|_| CodecError::new(format!("expected a number, found N {n}")))
    }
}

impl AttributeCodec for bool {
    fn encode(&self) -> Result<Option<AttributeValue>, CodecError> {
        Ok(Some(AttributeValue::Bool(*self)))
    }
    fn decode(value: AttributeValue) -> Result<Self, CodecError> {
        match value {
            AttributeValue::Bool(b) => Ok(b),
            other => Err(CodecError::mismatch("BOOL", &other)),
        }
    }
}

impl AttributeCodec for DateTime<Utc> {
    fn encode(&self) -> Result<Option<AttributeValue>, CodecError> {
        Ok(Some(AttributeValue::S(format_timestamp(self))))
    }
    fn decode(value: AttributeValue) -> Result<Self, CodecError> {
        let s = expect_string(value)?;
        crate::key::parse_timestamp(&s).map_err(|e| {
            CodecError::new(format!("expected an RFC 3339 timestamp, found {s:?} ({e})"))
        })
    }
}

impl AttributeCodec for NaiveDate {
    fn encode(&self) -> Result<Option<AttributeValue>, CodecError> {
        Ok(Some(AttributeValue::S(self.format("%Y-%m-%d").to_string())))
    }
    fn decode(value: AttributeValue) -> Result<Self, CodecError> {
        let s = expect_string(value)?;
        NaiveDate::parse_from_str(&s, "%Y-%m-%d")
            .map_err(|e| CodecError::new(format!("expected a YYYY-MM-DD date, found {s:?} ({e})")))
    }
}

impl AttributeCodec for uuid::Uuid {
    fn encode(&self) -> Result<Option<AttributeValue>, CodecError> {
        Ok(Some(AttributeValue::S(self.hyphenated().to_string())))
    }
    fn decode(value: AttributeValue) -> Result<Self, CodecError> {
        let s = expect_string(value)?;
        uuid::Uuid::parse_str(&s)
            .map_err(|e| CodecError::new(format!("expected a UUID, found {s:?} ({e})")))
    }
}

impl AttributeCodec for crate::Ulid {
    fn encode(&self) -> Result<Option<AttributeValue>, CodecError> {
        Ok(Some(AttributeValue::S(self.to_string())))
    }
    fn decode(value: AttributeValue) -> Result<Self, CodecError> {
        let s = expect_string(value)?;
        s.parse()
            .map_err(|e| CodecError::new(format!("expected a ULID, found {s:?} ({e})")))
    }
}

/// `bytes`: stored as B.
impl AttributeCodec for Vec<u8> {
    fn encode(&self) -> Result<Option<AttributeValue>, CodecError> {
        Ok(Some(AttributeValue::B(Blob::new(self.clone()))))
    }
    fn decode(value: AttributeValue) -> Result<Self, CodecError> {
        match value {
            AttributeValue::B(b) => Ok(b.into_inner()),
            other => Err(CodecError::mismatch("B (bytes)", &other)),
        }
    }
}

/// `list<T>`: stored as L. An element that encodes to nothing (an empty set) is stored as
/// NULL so positions are kept.
impl<T: ListElement> AttributeCodec for Vec<T> {
    fn encode(&self) -> Result<Option<AttributeValue>, CodecError> {
        let mut out = Vec::with_capacity(self.len());
        for (i, v) in self.iter().enumerate() {
            out.push(
                v.encode()
                    .map_err(|e| e.at_index(i))?
                    .unwrap_or(AttributeValue::Null(true)),
            );
        }
        Ok(Some(AttributeValue::L(out)))
    }
    fn decode(value: AttributeValue) -> Result<Self, CodecError> {
        match value {
            AttributeValue::L(list) => list
                .into_iter()
                .enumerate()
                .map(|(i, v)| decode_nullable(v).map_err(|e| e.at_index(i)))
                .collect(),
            other => Err(CodecError::mismatch("L (list)", &other)),
        }
    }
}

/// Marker for types that may be list elements: every codec type except `u8`, so that
/// `Vec<u8>` stays `bytes`.
pub trait ListElement: AttributeCodec {}
impl ListElement for String {}
impl ListElement for i64 {}
impl ListElement for f64 {}
impl ListElement for bool {}
impl ListElement for DateTime<Utc> {}
impl ListElement for NaiveDate {}
impl ListElement for uuid::Uuid {}
impl ListElement for crate::Ulid {}
impl ListElement for Vec<u8> {}
impl<T: ListElement> ListElement for Vec<T> {}
impl<T: AttributeCodec> ListElement for BTreeMap<String, T> {}
impl ListElement for BTreeSet<String> {}
impl ListElement for BTreeSet<i64> {}
impl ListElement for BTreeSet<Vec<u8>> {}
impl<T: AttributeCodec> ListElement for Option<T> {}

/// Decodes a value where NULL stands for "nothing stored" (a list slot or map entry).
fn decode_nullable<T: AttributeCodec>(value: AttributeValue) -> Result<T, CodecError> {
    if let AttributeValue::Null(_) = value
        && let Some(empty) = T::missing()
    {
        return Ok(empty);
    }
    T::decode(value)
}

/// `map<T>`: stored as M with string keys, kept in key order in Rust.
impl<T: AttributeCodec> AttributeCodec for BTreeMap<String, T> {
    fn encode(&self) -> Result<Option<AttributeValue>, CodecError> {
        let mut out = std::collections::HashMap::with_capacity(self.len());
        for (k, v) in self {
            if let Some(av) = v.encode().map_err(|e| e.in_field(k))? {
                out.insert(k.clone(), av);
            }
        }
        Ok(Some(AttributeValue::M(out)))
    }
    fn decode(value: AttributeValue) -> Result<Self, CodecError> {
        // Entries are decoded in key order, so an item with several bad entries always
        // names the same one (the smallest key), whatever order the stored map iterates in.
        let entries: BTreeMap<String, AttributeValue> = expect_map(value)?.into_iter().collect();
        entries
            .into_iter()
            .map(|(k, v)| {
                let decoded = decode_nullable(v).map_err(|e| e.in_field(&k))?;
                Ok((k, decoded))
            })
            .collect()
    }
}

impl AttributeCodec for BTreeSet<String> {
    fn encode(&self) -> Result<Option<AttributeValue>, CodecError> {
        Ok((!self.is_empty()).then(|| AttributeValue::Ss(self.iter().cloned().collect())))
    }
    fn decode(value: AttributeValue) -> Result<Self, CodecError> {
        match value {
            AttributeValue::Ss(s) => Ok(s.into_iter().collect()),
            AttributeValue::Null(_) => Ok(BTreeSet::new()),
            other => Err(CodecError::mismatch("SS (string set)", &other)),
        }
    }
    fn missing() -> Option<Self> {
        Some(BTreeSet::new())
    }
}

impl AttributeCodec for BTreeSet<i64> {
    fn encode(&self) -> Result<Option<AttributeValue>, CodecError> {
        Ok((!self.is_empty())
            .then(|| AttributeValue::Ns(self.iter().map(i64::to_string).collect())))
    }
    fn decode(value: AttributeValue) -> Result<Self, CodecError> {
        match value {
            AttributeValue::Ns(s) => s
                .into_iter()
                .map(|n| {
                    n.parse().map_err(|_| {
                        CodecError::new(format!("expected integers, found NS member {n}"))
                    })
                })
                .collect(),
            AttributeValue::Null(_) => Ok(BTreeSet::new()),
            other => Err(CodecError::mismatch("NS (number set)", &other)),
        }
    }
    fn missing() -> Option<Self> {
        Some(BTreeSet::new())
    }
}

impl AttributeCodec for BTreeSet<Vec<u8>> {
    fn encode(&self) -> Result<Option<AttributeValue>, CodecError> {
        Ok((!self.is_empty())
            .then(|| AttributeValue::Bs(self.iter().map(|b| Blob::new(b.clone())).collect())))
    }
    fn decode(value: AttributeValue) -> Result<Self, CodecError> {
        match value {
            AttributeValue::Bs(s) => Ok(s.into_iter().map(Blob::into_inner).collect()),
            AttributeValue::Null(_) => Ok(BTreeSet::new()),
            other => Err(CodecError::mismatch("BS (binary set)", &other)),
        }
    }
    fn missing() -> Option<Self> {
        Some(BTreeSet::new())
    }
}

/// Optional values: `None` is not stored; a missing attribute or NULL decodes to `None`.
impl<T: AttributeCodec> AttributeCodec for Option<T> {
    fn encode(&self) -> Result<Option<AttributeValue>, CodecError> {
        match self {
            Some(v) => v.encode(),
            None => Ok(None),
        }
    }
    fn decode(value: AttributeValue) -> Result<Self, CodecError> {
        match value {
            AttributeValue::Null(_) => Ok(None),
            other => T::decode(other).map(Some),
        }
    }
    fn missing() -> Option<Self> {
        Some(None)
    }
}

/// The `ttl` type: an instant stored as N epoch seconds, the form DynamoDB's time-to-live
/// reads. Sub-second precision is dropped on storage.
pub mod ttl;

// Keys record their fields' stored values and are read back from index items through the
// codec; these live here so the key module does not depend on the codec.
impl<E> Key<E> {
    /// Records an attribute that the key's fields fix (a key field's own attribute).
    pub fn with_field<T: AttributeCodec>(mut self, attribute: &'static str, value: &T) -> Self {
        match value.encode() {
            Ok(Some(value)) => self.push_identity(attribute, Ok(value)),
            Ok(None) => {}
            Err(e) => self.push_identity(
                attribute,
                Err(KeyError::Unencodable {
                    field: attribute,
                    problem: e.to_string(),
                }),
            ),
        }
        self
    }
}

impl<E: crate::Entity> Key<E> {
    /// Takes the primary key attributes of `table` out of an item read from an index, for
    /// projection types.
    pub fn take_from(
        item: &mut crate::Item,
        table: &crate::TableDefinition,
    ) -> crate::Result<Self> {
        let pk = table.partition_key;
        let partition = PartitionKey::new(pk, Ok(take(item, E::NAME, pk)?));
        let sort = match table.sort_key {
            Some(sk) => Some(SortKey::new(sk, Ok(take(item, E::NAME, sk)?))),
            None => None,
        };
        Ok(Key::new(partition, sort))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<T: AttributeCodec + PartialEq + std::fmt::Debug>(v: T) {
        let mut item = Item::new();
        put(&mut item, "E", "a", &v).unwrap();
        let back: T = take(&mut item, "E", "a").unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn scalars_round_trip() {
        round_trip("héllo#\\".to_owned());
        round_trip(i64::MIN);
        round_trip(i64::MAX);
        round_trip(0.1f64);
        round_trip(-1.5e100f64);
        round_trip(1e-100f64);
        round_trip(true);
        round_trip(
            "2024-02-29T23:59:59.123456789Z"
                .parse::<DateTime<Utc>>()
                .unwrap(),
        );
        round_trip(NaiveDate::from_ymd_opt(1999, 12, 31).unwrap());
        round_trip(uuid::Uuid::new_v4());
        round_trip(crate::Ulid::new());
        round_trip(vec![0u8, 255, 7]);
    }

    #[test]
    fn containers_round_trip() {
        round_trip(vec![vec![1i64, 2], vec![]]);
        round_trip(BTreeMap::from([
            ("a".to_owned(), 1.5f64),
            ("b".to_owned(), 2.0),
        ]));
        round_trip(BTreeSet::from(["x".to_owned(), "y".to_owned()]));
        round_trip(BTreeSet::from([-3i64, 4]));
        round_trip(BTreeSet::from([vec![1u8], vec![2u8, 3]]));
        round_trip(vec![
            BTreeSet::<String>::new(),
            BTreeSet::from(["z".to_owned()]),
        ]);
        round_trip(Some(5i64));
        round_trip(None::<String>);
    }

    #[test]
    fn a_map_with_several_bad_entries_always_names_the_smallest_key() {
        // Every fresh HashMap iterates in its own order; the error must not depend on it.
        for _ in 0..64 {
            let stored: Item = ["d", "b", "a", "c", "e"]
                .into_iter()
                .map(|k| (k.to_owned(), AttributeValue::S(k.to_owned())))
                .chain([("0".to_owned(), AttributeValue::N("1".into()))])
                .collect();
            let err = BTreeMap::<String, i64>::decode(AttributeValue::M(stored)).unwrap_err();
            assert_eq!(err.path_under("m"), "m.a");
        }
    }

    #[test]
    fn empty_sets_are_not_stored_and_decode_from_missing() {
        let mut item = Item::new();
        put(&mut item, "E", "tags", &BTreeSet::<String>::new()).unwrap();
        assert!(item.is_empty());
        let tags: BTreeSet<String> = take(&mut item, "E", "tags").unwrap();
        assert!(tags.is_empty());
    }

    #[test]
    fn decode_errors_name_attribute_path_and_what_was_found() {
        let mut item = Item::new();
        item.insert(
            "lines".into(),
            AttributeValue::L(vec![
                AttributeValue::N("1".into()),
                AttributeValue::S("x".into()),
            ]),
        );
        let err = take::<Vec<i64>, _>(&mut item, "Order", "lines").unwrap_err();
        assert_eq!(err.attribute, "lines[1]");
        assert_eq!(err.problem, "expected N (integer), found S \"x\"");
        assert_eq!(
            err.to_string(),
            "cannot decode Order: attribute `lines[1]` expected N (integer), found S \"x\""
        );

        let err = take::<String, _>(&mut Item::new(), "User", "email").unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot decode User: attribute `email` is missing"
        );

        item.insert("n".into(), AttributeValue::N("1.5".into()));
        let err = take::<i64, _>(&mut item, "E", "n").unwrap_err();
        assert_eq!(err.problem, "expected an integer, found N 1.5");
    }

    #[test]
    fn floats_that_dynamodb_cannot_store_are_encode_errors() {
        let mut item = Item::new();
        for bad in [f64::NAN, f64::INFINITY, 1e200, 1e-200] {
            let err = put(&mut item, "E", "f", &bad).unwrap_err();
            assert_eq!(err.attribute, "f");
        }
    }

    #[test]
    fn defaults_fill_missing_attributes() {
        let mut item = Item::new();
        let n: i64 = take_or(&mut item, "E", "logins", || 7).unwrap();
        assert_eq!(n, 7);
    }

    #[test]
    fn ttl_is_epoch_seconds() {
        let t = DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap();
        let mut item = Item::new();
        ttl::put(&mut item, "expires_at", Some(&t));
        assert_eq!(item["expires_at"], AttributeValue::N("1700000000".into()));
        assert_eq!(ttl::take(&mut item, "E", "expires_at").unwrap(), Some(t));
        assert_eq!(ttl::take(&mut item, "E", "expires_at").unwrap(), None);
    }
}
