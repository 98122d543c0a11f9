//! Typed DynamoDB Streams change records.
//!
//! A stream record arrives in one of two shapes: from the Streams API
//! (`aws_sdk_dynamodbstreams::types::Record`, read by [`StreamReader`] with the `streams`
//! feature) or as the JSON AWS Lambda delivers ([`lambda`], with the `lambda` feature). Both
//! become one neutral [`ChangeRecord`]: the kind of change, its sequence number, the item's
//! key and its old and new images as SDK items. Each schema then gets a generated change enum
//! (`TrackerChange { User(Change<User>), .., Unknown(ChangeRecord) }`) implementing
//! [`TableChange`], which decodes a record into typed old and new images of one entity.
//!
//! Every record stands alone: a record that cannot be converted or decoded is a
//! [`RecordError`] naming its sequence number (and the entity and attribute when an image
//! does not decode), and the records around it decode as usual.
//!
//! How records that do not fit one entity are read:
//! - no image at all (a `KEYS_ONLY` stream) or an image without the type attribute, or whose
//!   type is none of the schema's entities: the `Unknown` variant, with the raw record;
//! - old and new images of different entities (an item replaced by one of another type at
//!   the same key): [`RecordError::EntityChanged`], naming both;
//! - a `NEW_IMAGE` or `OLD_IMAGE` stream: the missing image is `None` in the [`Change`];
//! - nesting deeper than [`MAX_DEPTH`] levels (DynamoDB stores at most 32):
//!   [`RecordError::Malformed`], so no conversion recurses without bound.

use std::fmt;

use chrono::{DateTime, Utc};

use crate::Item;
use crate::entity::Entity;
use crate::error::{DecodeError, Error};

#[cfg(feature = "lambda")]
pub mod lambda;
#[cfg(feature = "streams")]
mod reader;
#[cfg(feature = "streams")]
mod sdk;

/// The DynamoDB Streams SDK, for configuring the client a [`StreamReader`] uses.
#[cfg(feature = "streams")]
pub use aws_sdk_dynamodbstreams;
#[cfg(feature = "streams")]
pub(crate) use reader::streams_client;
#[cfg(feature = "streams")]
pub use reader::{StreamError, StreamReader};

/// How deep a record's values may nest before its conversion is refused. DynamoDB itself
/// stores at most 32 levels; the margin only keeps hostile input from recursing without
/// bound.
pub const MAX_DEPTH: usize = 64;

/// What happened to the item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeKind {
    /// The item was created (`INSERT`): only a new image.
    Insert,
    /// The item was changed (`MODIFY`): old and new images.
    Modify,
    /// The item was deleted (`REMOVE`), by a delete or by TTL: only an old image.
    Remove,
}

impl ChangeKind {
    /// The kind of an event name (`INSERT`, `MODIFY`, `REMOVE`).
    pub fn from_event_name(name: &str) -> Option<Self> {
        match name {
            "INSERT" => Some(Self::Insert),
            "MODIFY" => Some(Self::Modify),
            "REMOVE" => Some(Self::Remove),
            _ => None,
        }
    }

    /// The event name of this kind.
    pub fn event_name(self) -> &'static str {
        match self {
            Self::Insert => "INSERT",
            Self::Modify => "MODIFY",
            Self::Remove => "REMOVE",
        }
    }
}

/// A stream record's sequence number: a string of up to 40 digits, ordered by its value
/// (records of one shard come in increasing order).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SequenceNumber(String);

impl SequenceNumber {
    /// A sequence number as the stream spells it.
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// The sequence number as the stream spells it, for `AFTER_SEQUENCE_NUMBER` checkpoints.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn digits(&self) -> &str {
        self.0.trim_start_matches('0')
    }
}

impl Ord for SequenceNumber {
    /// Numeric order for digit strings (a longer number is larger), then text order.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let (a, b) = (self.digits(), other.digits());
        a.len()
            .cmp(&b.len())
            .then_with(|| a.cmp(b))
            .then_with(|| self.0.cmp(&other.0))
    }
}

impl PartialOrd for SequenceNumber {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for SequenceNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One stream record, whatever delivered it: the same for every table and entity.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeRecord {
    /// What happened to the item.
    pub kind: ChangeKind,
    /// The record's position in its shard.
    pub sequence_number: SequenceNumber,
    /// The shard the record was read from, when the Streams API delivered it.
    pub shard_id: Option<String>,
    /// The event's unique id (`eventID`), when given.
    pub event_id: Option<String>,
    /// When the change was made, to the second, when given.
    pub approximate_creation_time: Option<DateTime<Utc>>,
    /// The item's primary key attributes.
    pub keys: Item,
    /// The item before the change (`OLD_IMAGE`, `NEW_AND_OLD_IMAGES` streams).
    pub old_image: Option<Item>,
    /// The item after the change (`NEW_IMAGE`, `NEW_AND_OLD_IMAGES` streams).
    pub new_image: Option<Item>,
}

impl ChangeRecord {
    /// The entity named by the images' type attribute `type_attribute`: the new image's, else
    /// the old image's. `Ok(None)` when neither image names one;
    /// [`RecordError::EntityChanged`] when the two images name different entities.
    pub fn entity_type(&self, type_attribute: &str) -> Result<Option<&str>, RecordError> {
        fn name<'a>(image: &'a Option<Item>, type_attribute: &str) -> Option<&'a str> {
            image
                .as_ref()?
                .get(type_attribute)?
                .as_s()
                .ok()
                .map(String::as_str)
        }
        let name = |image| name(image, type_attribute);
        match (name(&self.old_image), name(&self.new_image)) {
            (Some(old), Some(new)) if old != new => Err(RecordError::EntityChanged {
                sequence_number: Some(self.sequence_number.clone()),
                old: old.to_owned(),
                new: new.to_owned(),
            }),
            (old, new) => Ok(new.or(old)),
        }
    }
}

/// A change to one item of entity `E`: typed old and new images.
#[derive(Debug, Clone, PartialEq)]
pub struct Change<E> {
    /// What happened to the item.
    pub kind: ChangeKind,
    /// The record's position in its shard.
    pub sequence_number: SequenceNumber,
    /// The shard the record was read from, when the Streams API delivered it.
    pub shard_id: Option<String>,
    /// When the change was made, to the second, when given.
    pub approximate_creation_time: Option<DateTime<Utc>>,
    /// The item's primary key attributes.
    pub keys: Item,
    /// The item before the change, when the stream carries old images and there was one.
    pub old: Option<E>,
    /// The item after the change, when the stream carries new images and there is one.
    pub new: Option<E>,
}

impl<E: Entity> Change<E> {
    /// Decodes both images of `record` as `E`. An image that does not decode is
    /// [`RecordError::Decode`] naming the image, the entity and the attribute.
    pub fn decode(record: ChangeRecord) -> Result<Self, RecordError> {
        let ChangeRecord {
            kind,
            sequence_number,
            shard_id,
            event_id: _,
            approximate_creation_time,
            keys,
            old_image,
            new_image,
        } = record;
        let decode = |image: Option<Item>, which: Image| -> Result<Option<E>, RecordError> {
            image
                .map(|item| {
                    E::from_item(item).map_err(|error| RecordError::Decode {
                        sequence_number: Some(sequence_number.clone()),
                        image: which,
                        error: match error {
                            Error::Decode(e) => e,
                            other => DecodeError {
                                entity: E::NAME,
                                attribute: String::new(),
                                problem: other.to_string(),
                            },
                        },
                    })
                })
                .transpose()
        };
        let old = decode(old_image, Image::Old)?;
        let new = decode(new_image, Image::New)?;
        Ok(Change {
            kind,
            sequence_number,
            shard_id,
            approximate_creation_time,
            keys,
            old,
            new,
        })
    }

    /// The image after the change, else the one before: the item this change is about.
    pub fn item(&self) -> Option<&E> {
        self.new.as_ref().or(self.old.as_ref())
    }
}

/// Which image of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Image {
    /// `OldImage`.
    Old,
    /// `NewImage`.
    New,
    /// `Keys`.
    Keys,
}

impl fmt::Display for Image {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Image::Old => "old image",
            Image::New => "new image",
            Image::Keys => "keys",
        })
    }
}

fn at(sequence_number: &Option<SequenceNumber>) -> String {
    match sequence_number {
        Some(s) => format!("stream record {s}"),
        None => "stream record (no sequence number)".to_owned(),
    }
}

/// One stream record that could not be read; the records around it are not affected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    /// An image does not decode as the entity its type attribute names.
    #[error("{}: {image}: {error}", at(.sequence_number))]
    Decode {
        /// The record's sequence number.
        sequence_number: Option<SequenceNumber>,
        /// The image that failed.
        image: Image,
        /// The entity, the attribute (with its path) and what was wrong.
        error: DecodeError,
    },

    /// The old and new images are items of different entities.
    #[error("{}: the old image is a {old} and the new image a {new}", at(.sequence_number))]
    EntityChanged {
        /// The record's sequence number.
        sequence_number: Option<SequenceNumber>,
        /// The old image's entity.
        old: String,
        /// The new image's entity.
        new: String,
    },

    /// The record itself is not a stream record: an unknown event name, no sequence number,
    /// a value nested too deep, JSON that is not a Lambda record.
    #[error("{}: {problem}", at(.sequence_number))]
    Malformed {
        /// The record's sequence number, when it has one.
        sequence_number: Option<SequenceNumber>,
        /// What is wrong.
        problem: String,
    },
}

impl RecordError {
    /// The sequence number of the record, when it has one.
    pub fn sequence_number(&self) -> Option<&SequenceNumber> {
        match self {
            RecordError::Decode {
                sequence_number, ..
            }
            | RecordError::EntityChanged {
                sequence_number, ..
            }
            | RecordError::Malformed {
                sequence_number, ..
            } => sequence_number.as_ref(),
        }
    }

    #[cfg(any(feature = "streams", feature = "lambda"))]
    pub(crate) fn malformed(
        sequence_number: Option<SequenceNumber>,
        problem: impl Into<String>,
    ) -> Self {
        RecordError::Malformed {
            sequence_number,
            problem: problem.into(),
        }
    }
}

/// The change enum generated for a table: one variant per entity and `Unknown`.
///
/// Generated code implements [`TableChange::decode_as`] with one match arm per entity; the
/// rest is the same for every table.
pub trait TableChange: Sized {
    /// The attribute naming each item's entity.
    const TYPE_ATTRIBUTE: &'static str;

    /// Decodes `record` as the entity called `entity`, or makes it the `Unknown` variant
    /// when the table has no such entity (or `entity` is `None`).
    fn decode_as(entity: Option<&str>, record: ChangeRecord) -> Result<Self, RecordError>;

    /// Decodes one record: the entity its images name, typed old and new images.
    fn from_record(record: ChangeRecord) -> Result<Self, RecordError> {
        let entity = record.entity_type(Self::TYPE_ATTRIBUTE)?.map(str::to_owned);
        Self::decode_as(entity.as_deref(), record)
    }

    /// Decodes a record that may not have converted, as [`StreamReader`] and [`lambda`] hand
    /// them out.
    fn from_result(record: Result<ChangeRecord, RecordError>) -> Result<Self, RecordError> {
        record.and_then(Self::from_record)
    }
}

/// A JSON-like tree with at most [`MAX_DEPTH`] levels: `Err` past it, without recursing
/// further. Conversions of both record shapes use it.
#[cfg(any(feature = "streams", feature = "lambda"))]
pub(crate) fn check_depth(depth: usize) -> Result<(), String> {
    if depth > MAX_DEPTH {
        Err(format!(
            "a value is nested more than {MAX_DEPTH} levels deep"
        ))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_numbers_order_by_value() {
        let s = |t: &str| SequenceNumber::new(t);
        assert!(s("9") < s("10"));
        assert!(s("000000000000000000009") < s("100000000000000000000"));
        assert!(s("100") > s("099"));
        let mut v = vec![s("300"), s("21"), s("1000")];
        v.sort();
        assert_eq!(v, [s("21"), s("300"), s("1000")]);
    }

    #[test]
    fn event_names() {
        for kind in [ChangeKind::Insert, ChangeKind::Modify, ChangeKind::Remove] {
            assert_eq!(ChangeKind::from_event_name(kind.event_name()), Some(kind));
        }
        assert_eq!(ChangeKind::from_event_name("insert"), None);
    }
}
