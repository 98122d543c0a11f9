//! Records of the Streams API (`aws_sdk_dynamodbstreams`) as [`ChangeRecord`]s.

use std::collections::HashMap;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodbstreams::types::{
    AttributeValue as StreamValue, OperationType, Record, StreamRecord,
};
use chrono::{DateTime, Utc};

use super::{ChangeKind, ChangeRecord, Image, RecordError, SequenceNumber, check_depth};
use crate::Item;

impl ChangeRecord {
    /// Converts a record read from the Streams API, remembering the shard it came from.
    pub fn from_stream(record: Record, shard_id: Option<&str>) -> Result<Self, RecordError> {
        let Record {
            event_id,
            event_name,
            dynamodb,
            ..
        } = record;
        let Some(StreamRecord {
            approximate_creation_date_time,
            keys,
            new_image,
            old_image,
            sequence_number,
            ..
        }) = dynamodb
        else {
            return Err(RecordError::malformed(
                None,
                "the record has no `dynamodb` part",
            ));
        };
        let Some(sequence_number) = sequence_number.map(SequenceNumber::new) else {
            return Err(RecordError::malformed(
                None,
                "the record has no sequence number",
            ));
        };
        let kind = match &event_name {
            Some(OperationType::Insert) => ChangeKind::Insert,
            Some(OperationType::Modify) => ChangeKind::Modify,
            Some(OperationType::Remove) => ChangeKind::Remove,
            Some(other) => {
                return Err(RecordError::malformed(
                    Some(sequence_number),
                    format!("unknown event name {:?}", other.as_str()),
                ));
            }
            None => {
                return Err(RecordError::malformed(
                    Some(sequence_number),
                    "the record has no event name",
                ));
            }
        };
        let image = |map: Option<HashMap<String, StreamValue>>, which: Image| {
            map.map(|m| item(m, 1)).transpose().map_err(|problem| {
                RecordError::malformed(Some(sequence_number.clone()), format!("{which}: {problem}"))
            })
        };
        let keys = image(keys, Image::Keys)?.unwrap_or_default();
        let old_image = image(old_image, Image::Old)?;
        let new_image = image(new_image, Image::New)?;
        Ok(ChangeRecord {
            kind,
            shard_id: shard_id.map(str::to_owned),
            event_id,
            approximate_creation_time: approximate_creation_date_time
                .and_then(|t| DateTime::<Utc>::from_timestamp(t.secs(), t.subsec_nanos())),
            keys,
            old_image,
            new_image,
            sequence_number,
        })
    }
}

fn item(map: HashMap<String, StreamValue>, depth: usize) -> Result<Item, String> {
    check_depth(depth)?;
    map.into_iter()
        .map(|(name, value)| Ok((name, value_of(value, depth + 1)?)))
        .collect()
}

/// The Streams SDK's value as the DynamoDB SDK's, refusing values nested deeper than
/// [`super::MAX_DEPTH`].
fn value_of(value: StreamValue, depth: usize) -> Result<AttributeValue, String> {
    check_depth(depth)?;
    Ok(match value {
        StreamValue::S(s) => AttributeValue::S(s),
        StreamValue::N(n) => AttributeValue::N(n),
        StreamValue::B(b) => AttributeValue::B(Blob::new(b.into_inner())),
        StreamValue::Bool(b) => AttributeValue::Bool(b),
        StreamValue::Null(b) => AttributeValue::Null(b),
        StreamValue::Ss(s) => AttributeValue::Ss(s),
        StreamValue::Ns(n) => AttributeValue::Ns(n),
        StreamValue::Bs(b) => {
            AttributeValue::Bs(b.into_iter().map(|b| Blob::new(b.into_inner())).collect())
        }
        StreamValue::L(l) => AttributeValue::L(
            l.into_iter()
                .map(|v| value_of(v, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        StreamValue::M(m) => AttributeValue::M(item(m, depth)?),
        _ => return Err("a value of a type this SDK does not know".to_owned()),
    })
}
