//! Stream records as AWS Lambda delivers them: the `aws_lambda_events` crate's DynamoDB
//! event, or its JSON.
//!
//! [`changes_from_json`] reads a whole invocation payload record by record, so a record that
//! is not valid JSON for a stream record is one [`RecordError`] among the others' results:
//!
//! ```ignore
//! for change in singletable::stream::lambda::changes_from_json::<TrackerChange>(payload)? {
//!     match change {
//!         Ok(TrackerChange::Task(c)) => println!("{:?} {:?}", c.kind, c.new),
//!         Ok(_) => {}
//!         Err(e) => eprintln!("skipped: {e}"),
//!     }
//! }
//! ```

use aws_lambda_events::dynamodb::EventRecord;
pub use aws_lambda_events::dynamodb::{Event, EventRecord as LambdaRecord};
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use serde_dynamo::AttributeValue as LambdaValue;

use super::{
    ChangeKind, ChangeRecord, Image, RecordError, SequenceNumber, TableChange, check_depth,
};
use crate::Item;

impl ChangeRecord {
    /// Converts one record of a Lambda event. An empty image (Lambda's shape for "no
    /// image") is `None`.
    pub fn from_lambda(record: EventRecord) -> Result<Self, RecordError> {
        let EventRecord {
            change,
            event_id,
            event_name,
            ..
        } = record;
        let Some(sequence_number) = change.sequence_number.map(SequenceNumber::new) else {
            return Err(RecordError::malformed(
                None,
                "the record has no sequence number",
            ));
        };
        let Some(kind) = ChangeKind::from_event_name(&event_name) else {
            return Err(RecordError::malformed(
                Some(sequence_number),
                format!("unknown event name {event_name:?}"),
            ));
        };
        let image = |map: serde_dynamo::Item, which: Image| -> Result<Option<Item>, RecordError> {
            if map.is_empty() {
                return Ok(None);
            }
            item(map.into_inner(), 1).map(Some).map_err(|problem| {
                RecordError::malformed(Some(sequence_number.clone()), format!("{which}: {problem}"))
            })
        };
        let keys = image(change.keys, Image::Keys)?.unwrap_or_default();
        let old_image = image(change.old_image, Image::Old)?;
        let new_image = image(change.new_image, Image::New)?;
        let time = change.approximate_creation_date_time;
        Ok(ChangeRecord {
            kind,
            shard_id: None,
            event_id: (!event_id.is_empty()).then_some(event_id),
            approximate_creation_time: (time.timestamp() != 0).then_some(time),
            keys,
            old_image,
            new_image,
            sequence_number,
        })
    }
}

/// Every record of a Lambda event, converted one by one.
pub fn records(event: Event) -> Vec<Result<ChangeRecord, RecordError>> {
    event
        .records
        .into_iter()
        .map(ChangeRecord::from_lambda)
        .collect()
}

/// Every record of a Lambda invocation payload (`{"Records": [..]}`), each read on its own:
/// a record that does not parse (not a stream record, nested too deep, an unknown event name)
/// is a [`RecordError::Malformed`] in its place. `Err` only when the payload itself is not
/// JSON with a `Records` array.
pub fn records_from_json(
    json: &[u8],
) -> Result<Vec<Result<ChangeRecord, RecordError>>, RecordError> {
    // The records are kept as raw text, which serde_json skips over without recursing, and
    // parsed one by one: serde_json refuses nesting deeper than 128 levels while parsing, so
    // a deep record is an error of its own and the tree of every other one is bounded.
    #[derive(serde::Deserialize)]
    struct Payload<'a> {
        #[serde(rename = "Records", borrow)]
        records: Vec<&'a serde_json::value::RawValue>,
    }
    let payload: Payload<'_> = serde_json::from_slice(json)
        .map_err(|e| RecordError::malformed(None, format!("not a Lambda event: {e}")))?;
    Ok(payload
        .records
        .into_iter()
        .map(|raw| match serde_json::from_str::<EventRecord>(raw.get()) {
            Ok(record) => ChangeRecord::from_lambda(record),
            Err(e) => Err(RecordError::malformed(
                sequence_number(raw.get()),
                format!("not a DynamoDB stream record: {e}"),
            )),
        })
        .collect())
}

/// The sequence number of a record that does not parse as a whole, if that much of it does.
fn sequence_number(raw: &str) -> Option<SequenceNumber> {
    #[derive(serde::Deserialize)]
    struct Record {
        dynamodb: Part,
    }
    #[derive(serde::Deserialize)]
    struct Part {
        #[serde(rename = "SequenceNumber")]
        sequence_number: String,
    }
    // Every other field is skipped without recursing.
    let record: Record = serde_json::from_str(raw).ok()?;
    Some(SequenceNumber::new(record.dynamodb.sequence_number))
}

/// Every record of a Lambda invocation payload decoded as the table's change enum, in
/// order, each on its own (see [`records_from_json`]).
pub fn changes_from_json<C: TableChange>(
    json: &[u8],
) -> Result<Vec<Result<C, RecordError>>, RecordError> {
    Ok(records_from_json(json)?
        .into_iter()
        .map(C::from_result)
        .collect())
}

fn item(map: std::collections::HashMap<String, LambdaValue>, depth: usize) -> Result<Item, String> {
    check_depth(depth)?;
    map.into_iter()
        .map(|(name, value)| Ok((name, value_of(value, depth + 1)?)))
        .collect()
}

fn value_of(value: LambdaValue, depth: usize) -> Result<AttributeValue, String> {
    check_depth(depth)?;
    Ok(match value {
        LambdaValue::S(s) => AttributeValue::S(s),
        LambdaValue::N(n) => AttributeValue::N(n),
        LambdaValue::B(b) => AttributeValue::B(Blob::new(b)),
        LambdaValue::Bool(b) => AttributeValue::Bool(b),
        LambdaValue::Null(b) => AttributeValue::Null(b),
        LambdaValue::Ss(s) => AttributeValue::Ss(s),
        LambdaValue::Ns(n) => AttributeValue::Ns(n),
        LambdaValue::Bs(b) => AttributeValue::Bs(b.into_iter().map(Blob::new).collect()),
        LambdaValue::L(l) => AttributeValue::L(
            l.into_iter()
                .map(|v| value_of(v, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        LambdaValue::M(m) => AttributeValue::M(item(m, depth)?),
    })
}
