//! Stream records of the Streams API written as the JSON AWS Lambda delivers them, for the
//! tests that feed the same records through both paths.
//!
//! Written straight to JSON text by `Serialize` views of the records (no `serde_json::Value`
//! in between): the hostile-input tests write a hundred thousand records.

use std::collections::HashMap;

use serde::ser::{Serialize, SerializeMap, Serializer};
use singletable::stream::aws_sdk_dynamodbstreams::types::{AttributeValue, Record};

/// Standard base64 with padding, as Lambda encodes binary values.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A value in DynamoDB's JSON (`{"S": "x"}`, `{"M": {..}}`).
struct Value<'a>(&'a AttributeValue);

impl Serialize for Value<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_map(Some(1))?;
        match self.0 {
            AttributeValue::S(s) => out.serialize_entry("S", s)?,
            AttributeValue::N(n) => out.serialize_entry("N", n)?,
            AttributeValue::B(b) => out.serialize_entry("B", &base64(b.as_ref()))?,
            AttributeValue::Bool(b) => out.serialize_entry("BOOL", b)?,
            AttributeValue::Null(b) => out.serialize_entry("NULL", b)?,
            AttributeValue::Ss(s) => out.serialize_entry("SS", s)?,
            AttributeValue::Ns(n) => out.serialize_entry("NS", n)?,
            AttributeValue::Bs(b) => out.serialize_entry(
                "BS",
                &b.iter().map(|b| base64(b.as_ref())).collect::<Vec<_>>(),
            )?,
            AttributeValue::L(l) => {
                out.serialize_entry("L", &l.iter().map(Value).collect::<Vec<_>>())?
            }
            AttributeValue::M(m) => out.serialize_entry("M", &Map(m))?,
            _ => out.serialize_entry("?", &())?,
        }
        out.end()
    }
}

/// An attribute map (an image, or an `M` value).
struct Map<'a>(&'a HashMap<String, AttributeValue>);

impl Serialize for Map<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(k, v)| (k, Value(v))))
    }
}

/// One record as Lambda delivers it (`Records[i]`): a `Serialize` view of a Streams API record.
pub struct Lambda<'a> {
    record: &'a Record,
    stream_arn: &'a str,
}

/// [`Lambda`]'s view of `record`, to write with `serde_json`.
pub fn record<'a>(record: &'a Record, stream_arn: &'a str) -> Lambda<'a> {
    Lambda { record, stream_arn }
}

impl Serialize for Lambda<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let r = self.record;
        let mut out = serializer.serialize_map(None)?;
        out.serialize_entry("eventID", r.event_id.as_deref().unwrap_or_default())?;
        out.serialize_entry(
            "eventName",
            r.event_name
                .as_ref()
                .map(|n| n.as_str())
                .unwrap_or_default(),
        )?;
        out.serialize_entry("eventVersion", "1.1")?;
        out.serialize_entry("eventSource", "aws:dynamodb")?;
        out.serialize_entry("awsRegion", "us-east-1")?;
        out.serialize_entry("dynamodb", &Part(r))?;
        out.serialize_entry("eventSourceARN", self.stream_arn)?;
        out.end()
    }
}

/// A record's `dynamodb` part: `{}` when the record has none.
struct Part<'a>(&'a Record);

impl Serialize for Part<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_map(None)?;
        if let Some(d) = &self.0.dynamodb {
            if let Some(t) = d.approximate_creation_date_time {
                out.serialize_entry("ApproximateCreationDateTime", &(t.secs() as f64))?;
            }
            for (name, image) in [
                ("Keys", &d.keys),
                ("NewImage", &d.new_image),
                ("OldImage", &d.old_image),
            ] {
                if let Some(image) = image {
                    out.serialize_entry(name, &Map(image))?;
                }
            }
            if let Some(s) = &d.sequence_number {
                out.serialize_entry("SequenceNumber", s)?;
            }
            out.serialize_entry("SizeBytes", &d.size_bytes.unwrap_or(0))?;
            if let Some(v) = &d.stream_view_type {
                out.serialize_entry("StreamViewType", v.as_str())?;
            }
        }
        out.end()
    }
}

/// A whole Lambda invocation payload: `{"Records": [..]}`.
pub fn event(records: &[Record], stream_arn: &str) -> Vec<u8> {
    struct Event<'a>(&'a [Record], &'a str);
    impl Serialize for Event<'_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let mut out = serializer.serialize_map(Some(1))?;
            let records: Vec<_> = self.0.iter().map(|r| record(r, self.1)).collect();
            out.serialize_entry("Records", &records)?;
            out.end()
        }
    }
    serde_json::to_vec(&Event(records, stream_arn)).expect("JSON")
}
