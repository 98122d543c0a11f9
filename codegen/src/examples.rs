//! Example values for key fields, shared by `codegen docs` and `codegen explain`: for a key
//! field, the Rust expression a caller passes to the generated code, the text it becomes
//! inside a formatted key, and the attribute value it is stored as in a multi-attribute key.
//!
//! The key text follows the runtime's key encoding (`singletable::key`): integers zero-padded
//! to 19 digits, timestamps in RFC 3339 with nine fractional digits, the delimiter and the
//! escape character escaped inside text. The `tests` crate runs the generated code with these
//! values against DynamoDB Local and compares the requests it sends with `explain`'s.

use crate::model::{Derive, Model, Template, TemplateField, TemplatePart, Type, TypeKind};

/// Width of a zero-padded integer segment (the runtime's `INTEGER_WIDTH`).
const INTEGER_WIDTH: usize = 19;

/// The escape character inside key text values (the runtime's `ESCAPE`).
const ESCAPE: char = '\\';

/// A character above every character a key can hold unescaped (the runtime's `HIGH`): the
/// upper bound of "every key starting with this prefix".
pub const HIGH: char = '\u{10FFFF}';

/// A DynamoDB attribute value as a request carries it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum AttrValue {
    /// A string (`S`).
    S(String),
    /// A number (`N`), in its decimal text.
    N(String),
}

impl AttrValue {
    /// `{"S": "…"}` / `{"N": "…"}`, as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            AttrValue::S(s) => serde_json::json!({ "S": s }),
            AttrValue::N(n) => serde_json::json!({ "N": n }),
        }
    }
}

/// One example value of a key field.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// The Rust expression passed to the generated code (`"project-1"`, `TaskStatus::Todo`).
    pub rust: String,
    /// The value's text inside a formatted key (escaped, zero-padded, derived).
    pub key: String,
    /// The value as stored in a multi-attribute key attribute (not derived, not escaped).
    pub attribute: AttrValue,
}

/// The calendar date of example `n` (1 or 2): `(year, month, day)`.
fn date(n: u8) -> (i32, u32, u32) {
    if n == 1 { (2026, 1, 15) } else { (2027, 2, 16) }
}

/// The time of day of example `n`: `(hour, minute)`.
fn time(n: u8) -> (u32, u32) {
    if n == 1 { (9, 30) } else { (10, 45) }
}

fn rfc3339(n: u8) -> String {
    let (y, mo, d) = date(n);
    let (h, mi) = time(n);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:00Z")
}

/// The stored text of a timestamp (nine fractional digits).
fn stored_timestamp(n: u8) -> String {
    let (y, mo, d) = date(n);
    let (h, mi) = time(n);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:00.000000000Z")
}

fn stored_date(n: u8) -> String {
    let (y, mo, d) = date(n);
    format!("{y:04}-{mo:02}-{d:02}")
}

fn date_expr(n: u8) -> String {
    let (y, mo, d) = date(n);
    format!("NaiveDate::from_ymd_opt({y}, {mo}, {d}).unwrap()")
}

fn timestamp_expr(n: u8) -> String {
    format!("\"{}\".parse::<DateTime<Utc>>().unwrap()", rfc3339(n))
}

/// `org_id` → `org-1`: the field name without an `_id` suffix, then the example's number.
fn text(field: &str, n: u8) -> String {
    let base = field.trim_start_matches("r#");
    let base = base.strip_suffix("_id").unwrap_or(base);
    format!("{}-{n}", base.replace('_', "-"))
}

/// Appends `value` to `out`, escaping the delimiter, the escape character and [`HIGH`].
pub fn escape(value: &str, delimiter: char) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if c == delimiter || c == ESCAPE || c == HIGH {
            out.push(ESCAPE);
        }
        out.push(c);
    }
    out
}

/// Zero-pads a non-negative integer the way integer key segments are written.
fn padded(v: u64, width: usize) -> String {
    format!("{v:0width$}")
}

/// The width of a shard number of `n` shards (the runtime's `shard_width`).
pub fn shard_width(n: u32) -> usize {
    n.saturating_sub(1).max(1).to_string().len()
}

/// The text of shard `i` in a key.
pub fn shard_text(i: u32, n: u32) -> String {
    padded(u64::from(i), shard_width(n))
}

/// The enum's Rust name and its `i`-th value in stored-text order (stored, Rust variant), the
/// last if fewer.
fn enum_value(model: &Model, name: &str, i: usize) -> (String, String, String) {
    let Some(def) = model.type_def(name) else {
        return (name.to_owned(), String::new(), String::new());
    };
    let mut values = match &def.kind {
        TypeKind::Enum(values) => values.clone(),
        TypeKind::Document(_) => Vec::new(),
    };
    // In stored-text order, so example 2 sorts after example 1 in a key.
    values.sort();
    let (stored, variant) = values
        .get(i.min(values.len().saturating_sub(1)))
        .cloned()
        .unwrap_or_default();
    (def.rust_name.clone(), stored, variant)
}

/// Example `n` (1 or 2) of the key field `f`, for a key with `delimiter`. Example 2 is greater
/// than example 1 (for a range's upper bound).
pub fn example(model: &Model, f: &TemplateField, n: u8, delimiter: char) -> Example {
    let n = n.clamp(1, 2);
    // The field's own value, before any derivation: Rust expression, stored text, attribute.
    let (rust, own_text, attribute) = match &f.ty {
        Type::Integer => {
            let v = i64::from(n);
            (
                v.to_string(),
                padded(n.into(), INTEGER_WIDTH),
                AttrValue::N(v.to_string()),
            )
        }
        Type::Bool => {
            let v = n == 2;
            (v.to_string(), v.to_string(), AttrValue::S(v.to_string()))
        }
        Type::Timestamp | Type::Ttl => (
            timestamp_expr(n),
            stored_timestamp(n),
            AttrValue::S(stored_timestamp(n)),
        ),
        Type::Date => (date_expr(n), stored_date(n), AttrValue::S(stored_date(n))),
        Type::Uuid => {
            let v = format!("0190c3a8-5b2e-7c4d-8e9f-0a1b2c3d4e5{n}");
            (
                format!("Uuid::parse_str(\"{v}\").unwrap()"),
                v.clone(),
                AttrValue::S(v),
            )
        }
        Type::Ulid => {
            let v = format!(
                "01JHXW1R2Y3Z4A5B6C7D8E9F0{}",
                if n == 1 { 'G' } else { 'H' }
            );
            (
                format!("\"{v}\".parse::<Ulid>().unwrap()"),
                v.clone(),
                AttrValue::S(v),
            )
        }
        Type::Enum(name) => {
            let (ty, stored, variant) = enum_value(model, name, usize::from(n - 1));
            (
                format!("{ty}::{variant}"),
                stored.clone(),
                AttrValue::S(stored),
            )
        }
        _ => {
            let v = text(&f.name, n);
            (format!("\"{v}\""), v.clone(), AttrValue::S(v))
        }
    };
    let textual = |s: &str| escape(s, delimiter);
    let (y, mo, d) = date(n);
    let (h, _) = time(n);
    let (rust, key) = match f.derive {
        None => {
            let key = match f.ty {
                Type::Integer
                | Type::Bool
                | Type::Timestamp
                | Type::Ttl
                | Type::Date
                | Type::Uuid
                | Type::Ulid => own_text,
                _ => textual(&own_text),
            };
            (rust, key)
        }
        Some(Derive::Year) => (y.to_string(), format!("{y:04}")),
        Some(Derive::Month) => (date_expr(n), format!("{y:04}-{mo:02}")),
        Some(Derive::Day) => (date_expr(n), format!("{y:04}-{mo:02}-{d:02}")),
        Some(Derive::Hour) => (timestamp_expr(n), format!("{y:04}-{mo:02}-{d:02}T{h:02}")),
        Some(Derive::Upper) => (rust, textual(&own_text.to_uppercase())),
        Some(Derive::Lower) => (rust, textual(&own_text.to_lowercase())),
        Some(Derive::Shard(shards)) => {
            let i = u32::from(n - 1).min(shards - 1);
            (i.to_string(), shard_text(i, shards))
        }
    };
    Example {
        rust,
        key,
        attribute,
    }
}

/// A `begins_with` prefix of an example's key text, passed as written (the stored text):
/// the text up to and including its last `-`, or its first three characters.
pub fn prefix_of(key: &str) -> String {
    match key.rfind('-') {
        Some(i) if i > 0 => key[..=i].to_owned(),
        _ => key.chars().take(3).collect(),
    }
}

/// A template formatted with example 1 of each field, a date bucket (`{at:day}`) with example
/// `bucket` and a shard segment as shard `shard`.
pub fn format(model: &Model, t: &Template, shard: u32, bucket: u8) -> String {
    let delimiter = model.table.delimiter;
    t.parts
        .iter()
        .map(|part| match part {
            TemplatePart::Literal(l) => l.clone(),
            TemplatePart::Field(f) => match f.derive {
                Some(Derive::Shard(n)) => shard_text(shard.min(n - 1), n),
                Some(d) if is_bucket(d) => example(model, f, bucket, delimiter).key,
                _ => example(model, f, 1, delimiter).key,
            },
        })
        .collect()
}

/// Whether a derived segment is a date bucket a pattern can walk (`year` to `hour`).
pub fn is_bucket(d: Derive) -> bool {
    matches!(d, Derive::Year | Derive::Month | Derive::Day | Derive::Hour)
}

/// The literal text a template starts with, before its first field (all of it for a
/// template without fields).
pub fn literal_head(t: &Template) -> String {
    let mut out = String::new();
    for part in &t.parts {
        match part {
            TemplatePart::Literal(l) => out.push_str(l),
            TemplatePart::Field(_) => break,
        }
    }
    out
}

/// A value's text for people: the two characters no key shows plainly spelled out.
pub fn visible(text: &str) -> String {
    text.replace(HIGH, "\\u{10FFFF}").replace('\0', "\\u{0}")
}
