//! The `ttl` type: an instant stored as N epoch seconds, the form DynamoDB's time-to-live
//! reads. Sub-second precision is dropped on storage.

use super::*;

/// An expiry instant as a value of its own, so conditions and updates on a `ttl`
/// attribute compare and store epoch seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Expiry(pub DateTime<Utc>);

impl From<DateTime<Utc>> for Expiry {
    fn from(value: DateTime<Utc>) -> Self {
        Expiry(value)
    }
}

impl AttributeCodec for Expiry {
    fn encode(&self) -> Result<Option<AttributeValue>, CodecError> {
        Ok(Some(encode(&self.0)))
    }
    fn decode(value: AttributeValue) -> Result<Self, CodecError> {
        decode(value).map(Expiry)
    }
}

/// Encodes an expiry instant as epoch seconds.
pub fn encode(value: &DateTime<Utc>) -> AttributeValue {
    AttributeValue::N(value.timestamp().to_string())
}

/// Decodes epoch seconds into an instant.
pub fn decode(value: AttributeValue) -> Result<DateTime<Utc>, CodecError> {
    let n = expect_number(value, "N (epoch seconds)")?;
    n.parse::<i64>()
        .ok()
        .and_then(|s| DateTime::from_timestamp(s, 0))
        .ok_or_else(|| CodecError::new(format!("expected epoch seconds, found N {n}")))
}

/// Decodes a required ttl attribute (see [`super::required`]).
pub fn required<C: Context>(
    slot: Option<AttributeValue>,
    cx: C,
    attribute: &str,
) -> Result<DateTime<Utc>, C::DecodeError> {
    super::required(slot, cx, attribute).map(|e: Expiry| e.0)
}

/// Decodes an optional ttl attribute; missing or NULL is `None`.
pub fn optional<C: Context>(
    slot: Option<AttributeValue>,
    cx: C,
    attribute: &str,
) -> Result<Option<DateTime<Utc>>, C::DecodeError> {
    super::optional(slot, cx, attribute).map(|e: Option<Expiry>| e.map(|e| e.0))
}

/// Stores an optional expiry under `attribute`.
pub fn put(item: &mut Item, attribute: &str, value: Option<&DateTime<Utc>>) {
    if let Some(v) = value {
        item.insert(attribute.to_owned(), encode(v));
    }
}

/// Removes and decodes an optional expiry; missing or NULL is `None`.
pub fn take<C: Context>(
    item: &mut Item,
    cx: C,
    attribute: &str,
) -> Result<Option<DateTime<Utc>>, C::DecodeError> {
    optional(item.remove(attribute), cx, attribute)
}
