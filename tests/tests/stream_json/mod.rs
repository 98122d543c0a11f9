//! Stream records of the Streams API written as the JSON AWS Lambda delivers them, for the
//! tests that feed the same records through both paths.

use serde_json::{Value, json};
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
pub fn value(v: &AttributeValue) -> Value {
    match v {
        AttributeValue::S(s) => json!({ "S": s }),
        AttributeValue::N(n) => json!({ "N": n }),
        AttributeValue::B(b) => json!({ "B": base64(b.as_ref()) }),
        AttributeValue::Bool(b) => json!({ "BOOL": b }),
        AttributeValue::Null(b) => json!({ "NULL": b }),
        AttributeValue::Ss(s) => json!({ "SS": s }),
        AttributeValue::Ns(n) => json!({ "NS": n }),
        AttributeValue::Bs(b) => {
            json!({ "BS": b.iter().map(|b| base64(b.as_ref())).collect::<Vec<_>>() })
        }
        AttributeValue::L(l) => json!({ "L": l.iter().map(value).collect::<Vec<_>>() }),
        AttributeValue::M(m) => json!({ "M": map(m) }),
        _ => json!({ "?": null }),
    }
}

fn map(m: &std::collections::HashMap<String, AttributeValue>) -> Value {
    Value::Object(m.iter().map(|(k, v)| (k.clone(), value(v))).collect())
}

/// One record as Lambda delivers it (`Records[i]`).
pub fn record(r: &Record, stream_arn: &str) -> Value {
    let mut dynamodb = serde_json::Map::new();
    if let Some(d) = &r.dynamodb {
        if let Some(t) = d.approximate_creation_date_time {
            dynamodb.insert("ApproximateCreationDateTime".into(), json!(t.secs() as f64));
        }
        for (name, image) in [
            ("Keys", &d.keys),
            ("NewImage", &d.new_image),
            ("OldImage", &d.old_image),
        ] {
            if let Some(image) = image {
                dynamodb.insert(name.into(), map(image));
            }
        }
        if let Some(s) = &d.sequence_number {
            dynamodb.insert("SequenceNumber".into(), json!(s));
        }
        dynamodb.insert("SizeBytes".into(), json!(d.size_bytes.unwrap_or(0)));
        if let Some(v) = &d.stream_view_type {
            dynamodb.insert("StreamViewType".into(), json!(v.as_str()));
        }
    }
    json!({
        "eventID": r.event_id.clone().unwrap_or_default(),
        "eventName": r.event_name.as_ref().map(|n| n.as_str()).unwrap_or_default(),
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": dynamodb,
        "eventSourceARN": stream_arn,
    })
}

/// A whole Lambda invocation payload: `{"Records": [..]}`.
pub fn event(records: &[Record], stream_arn: &str) -> Vec<u8> {
    let records: Vec<Value> = records.iter().map(|r| record(r, stream_arn)).collect();
    serde_json::to_vec(&json!({ "Records": records })).expect("JSON")
}
