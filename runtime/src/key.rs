//! Key encoding and the typed key values generated code builds.
//!
//! Every key string comes from a schema template: literal text plus field values. Values are
//! escaped so that the delimiter inside a value can never be mistaken for a segment boundary,
//! integers are zero-padded so text order is numeric order, and timestamps use a fixed number
//! of fractional digits so text order is time order. The key types carry the entity they
//! belong to as a type parameter, so a `Key<Order>` cannot be passed where a `Key<User>` is
//! expected.

use std::fmt;
use std::marker::PhantomData;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Datelike, NaiveDate, SecondsFormat, Utc};

use crate::error::KeyError;

/// The character that escapes the delimiter (and itself) inside field values.
pub const ESCAPE: char = '\\';

/// A character above every character a key can contain unescaped. Used as the inclusive upper
/// bound of "every key that starts with this prefix"; values that contain it are escaped.
pub const HIGH: char = '\u{10FFFF}';

/// Width of a zero-padded integer segment: `i64::MAX` has 19 digits.
pub const INTEGER_WIDTH: usize = 19;

/// Largest partition key DynamoDB accepts, in bytes of UTF-8.
pub const MAX_PARTITION_KEY_BYTES: usize = 2048;
/// Largest sort key DynamoDB accepts, in bytes of UTF-8.
pub const MAX_SORT_KEY_BYTES: usize = 1024;

/// A field value as it appears inside a key template.
#[derive(Debug, Clone, Copy)]
pub enum KeyValue<'a> {
    /// A string (escaped).
    Str(&'a str),
    /// An integer: a non-negative one zero-padded to [`INTEGER_WIDTH`] digits, a negative one
    /// as a sign (see [`negative_sign`]) and its distance from `i64::MIN` padded the same way,
    /// so text order is numeric order across the whole range.
    Int(i64),
    /// A UTC instant in RFC 3339 with nine fractional digits.
    Timestamp(&'a DateTime<Utc>),
    /// A calendar date, `YYYY-MM-DD`.
    Date(&'a NaiveDate),
    /// A UUID, hyphenated lower case.
    Uuid(&'a uuid::Uuid),
    /// A ULID, its 26 characters (upper case).
    Ulid(crate::Ulid),
    /// `{field:year}`: a four-digit year.
    Year(i32),
    /// `{field:month}`: `YYYY-MM` of the date.
    Month(NaiveDate),
    /// `{field:hour}`: `YYYY-MM-DDTHH` of the instant (UTC).
    Hour(DateTime<Utc>),
    /// `{field:upper}`: the text in upper case (escaped).
    Upper(&'a str),
    /// `{field:lower}`: the text in lower case (escaped).
    Lower(&'a str),
    /// `{field:shard(N)}`: shard number `.0` of `.1`, zero-padded to the width of `.1 - 1`.
    Shard(u32, u32),
    /// `true` or `false`.
    Bool(bool),
}

impl<'a> From<&'a str> for KeyValue<'a> {
    fn from(v: &'a str) -> Self {
        KeyValue::Str(v)
    }
}
impl<'a> From<&'a String> for KeyValue<'a> {
    fn from(v: &'a String) -> Self {
        KeyValue::Str(v)
    }
}
impl From<i64> for KeyValue<'_> {
    fn from(v: i64) -> Self {
        KeyValue::Int(v)
    }
}
impl<'a> From<&'a i64> for KeyValue<'a> {
    fn from(v: &'a i64) -> Self {
        KeyValue::Int(*v)
    }
}
impl<'a> From<&'a DateTime<Utc>> for KeyValue<'a> {
    fn from(v: &'a DateTime<Utc>) -> Self {
        KeyValue::Timestamp(v)
    }
}
impl<'a> From<&'a NaiveDate> for KeyValue<'a> {
    fn from(v: &'a NaiveDate) -> Self {
        KeyValue::Date(v)
    }
}
impl<'a> From<&'a uuid::Uuid> for KeyValue<'a> {
    fn from(v: &'a uuid::Uuid) -> Self {
        KeyValue::Uuid(v)
    }
}
impl From<crate::Ulid> for KeyValue<'_> {
    fn from(v: crate::Ulid) -> Self {
        KeyValue::Ulid(v)
    }
}
impl<'a> From<&'a crate::Ulid> for KeyValue<'a> {
    fn from(v: &'a crate::Ulid) -> Self {
        KeyValue::Ulid(*v)
    }
}
impl From<bool> for KeyValue<'_> {
    fn from(v: bool) -> Self {
        KeyValue::Bool(v)
    }
}
impl<'a> From<&'a bool> for KeyValue<'a> {
    fn from(v: &'a bool) -> Self {
        KeyValue::Bool(*v)
    }
}

/// The character before a negative integer in a key: `-`, or `!` when `-` is the delimiter.
/// Both sort before `0`, so negative values sort before non-negative ones.
pub fn negative_sign(delimiter: char) -> char {
    if delimiter == '-' { '!' } else { '-' }
}

/// Appends `value` to `out`, escaping the delimiter, the escape character and [`HIGH`].
pub fn escape_into(out: &mut String, value: &str, delimiter: char) {
    // Most values need no escaping: copy them whole rather than char by char.
    if !value.contains([delimiter, ESCAPE, HIGH]) {
        out.push_str(value);
        return;
    }
    for c in value.chars() {
        if c == delimiter || c == ESCAPE || c == HIGH {
            out.push(ESCAPE);
        }
        out.push(c);
    }
}

/// Appends `value` in decimal, zero-padded to `width` digits (more if it needs them).
fn push_digits(out: &mut String, value: u64, width: usize) {
    let mut buf = [b'0'; 20];
    let mut v = value;
    let mut start = buf.len();
    while v > 0 {
        start -= 1;
        buf[start] = b'0' + (v % 10) as u8;
        v /= 10;
    }
    let start = start.min(buf.len() - width.min(buf.len()));
    // Every byte is an ASCII digit.
    out.push_str(std::str::from_utf8(&buf[start..]).unwrap_or_default());
}

/// Formats a timestamp the way keys and attributes store it: RFC 3339, UTC, nine fractional
/// digits, so that text order is time order for years 0000 through 9999.
pub fn format_timestamp(t: &DateTime<Utc>) -> String {
    let mut out = String::with_capacity(30);
    write_timestamp(&mut out, t);
    out
}

/// Appends the stored form of a timestamp to `out` without intermediate allocation.
pub fn write_timestamp(out: &mut String, t: &DateTime<Utc>) {
    use chrono::Timelike;
    let naive = t.naive_utc();
    let (date, time) = (naive.date(), naive.time());
    let nanos = time.nanosecond();
    if !(0..=9999).contains(&date.year()) || nanos >= 1_000_000_000 {
        // Out-of-range years and leap seconds: chrono's own formatting.
        out.push_str(&t.to_rfc3339_opts(SecondsFormat::Nanos, true));
        return;
    }
    // `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`, filled right to left in one buffer.
    let mut buf = *b"0000-00-00T00:00:00.000000000Z";
    let mut put = |end: usize, width: usize, value: u32| {
        let mut v = value;
        for slot in buf[end - width..end].iter_mut().rev() {
            *slot = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(4, 4, date.year() as u32);
    put(7, 2, date.month());
    put(10, 2, date.day());
    put(13, 2, time.hour());
    put(16, 2, time.minute());
    put(19, 2, time.second());
    put(29, 9, nanos);
    // Every byte is an ASCII digit or separator.
    out.push_str(std::str::from_utf8(&buf).unwrap_or_default());
}

/// Parses a timestamp. The stored form (`YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`) takes a fast path;
/// any other RFC 3339 text is parsed by chrono.
pub fn parse_timestamp(s: &str) -> Result<DateTime<Utc>, chrono::ParseError> {
    let b = s.as_bytes();
    let fixed = b.len() == 30
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'.'
        && b[29] == b'Z';
    if fixed {
        let num = |range: std::ops::Range<usize>| -> Option<u32> {
            b[range].iter().try_fold(0u32, |acc, c| {
                c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
            })
        };
        let parsed = (|| {
            let date = NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)?;
            let time =
                date.and_hms_nano_opt(num(11..13)?, num(14..16)?, num(17..19)?, num(20..29)?)?;
            Some(time.and_utc())
        })();
        if let Some(t) = parsed {
            return Ok(t);
        }
    }
    DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc))
}

/// Splits an encoded key back into its unescaped segments. The inverse of building a key
/// from segments joined by `delimiter`; used by tests and by tools that display keys.
pub fn split_segments(key: &str, delimiter: char) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut chars = key.chars();
    while let Some(c) = chars.next() {
        if c == ESCAPE {
            if let Some(next) = chars.next() {
                out.last_mut().expect("never empty").push(next);
            }
        } else if c == delimiter {
            out.push(String::new());
        } else {
            out.last_mut().expect("never empty").push(c);
        }
    }
    out
}

/// Builds one key string from literal text and field values.
///
/// Generated code calls [`KeyText::lit`] for each literal run of a template and
/// [`KeyText::value`] for each placeholder. The first invalid value is remembered and
/// reported by [`KeyText::finish`], so a template is always written as one chain.
#[derive(Debug, Clone)]
pub struct KeyText {
    delimiter: char,
    text: String,
    error: Option<KeyError>,
}

impl KeyText {
    /// Starts an empty key using `delimiter` between segments.
    pub fn new(delimiter: char) -> Self {
        Self {
            delimiter,
            text: String::with_capacity(64),
            error: None,
        }
    }

    /// Appends literal template text verbatim.
    pub fn lit(mut self, literal: &str) -> Self {
        self.text.push_str(literal);
        self
    }

    /// Appends one field value, encoded for keys.
    pub fn value<'a>(mut self, field: &'static str, value: impl Into<KeyValue<'a>>) -> Self {
        self.push_value(field, value.into());
        self
    }

    fn push_value(&mut self, field: &'static str, value: KeyValue<'_>) {
        if self.error.is_some() {
            return;
        }
        match value {
            KeyValue::Str(s) => escape_into(&mut self.text, s, self.delimiter),
            KeyValue::Int(i) => match u64::try_from(i) {
                Ok(v) => push_digits(&mut self.text, v, INTEGER_WIDTH),
                Err(_) => {
                    // Below every non-negative value: a sign that sorts before `0`, then the
                    // distance from `i64::MIN`, so more negative values sort first.
                    self.text.push(negative_sign(self.delimiter));
                    push_digits(&mut self.text, i.abs_diff(i64::MIN), INTEGER_WIDTH);
                }
            },
            KeyValue::Timestamp(t) => {
                if !(0..=9999).contains(&t.year()) {
                    self.error = Some(KeyError::TimestampOutOfRange {
                        field,
                        value: t.to_rfc3339(),
                    });
                } else {
                    write_timestamp(&mut self.text, t);
                }
            }
            KeyValue::Date(d) => match u32::try_from(d.year()) {
                Ok(year) if year <= 9999 => {
                    push_digits(&mut self.text, u64::from(year), 4);
                    self.text.push('-');
                    push_digits(&mut self.text, u64::from(d.month()), 2);
                    self.text.push('-');
                    push_digits(&mut self.text, u64::from(d.day()), 2);
                }
                _ => {
                    self.error = Some(KeyError::TimestampOutOfRange {
                        field,
                        value: d.to_string(),
                    })
                }
            },
            KeyValue::Uuid(u) => {
                self.text.push_str(
                    u.hyphenated()
                        .encode_lower(&mut uuid::Uuid::encode_buffer()),
                );
            }
            KeyValue::Ulid(u) => self
                .text
                .push_str(u.encode(&mut [0; crate::ulid::ULID_LEN])),
            KeyValue::Year(y) => match u32::try_from(y) {
                Ok(year) if year <= 9999 => push_digits(&mut self.text, u64::from(year), 4),
                _ => {
                    self.error = Some(KeyError::TimestampOutOfRange {
                        field,
                        value: y.to_string(),
                    })
                }
            },
            KeyValue::Month(d) => {
                self.push_value(field, KeyValue::Date(&d));
                // `YYYY-MM-DD` less its day.
                if self.error.is_none() {
                    self.text.truncate(self.text.len() - 3);
                }
            }
            KeyValue::Hour(t) => {
                self.push_value(field, KeyValue::Timestamp(&t));
                // `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ` less everything after the hour.
                if self.error.is_none() {
                    self.text.truncate(self.text.len() - 17);
                }
            }
            KeyValue::Upper(s) => escape_into(&mut self.text, &s.to_uppercase(), self.delimiter),
            KeyValue::Lower(s) => escape_into(&mut self.text, &s.to_lowercase(), self.delimiter),
            KeyValue::Shard(n, shards) => push_digits(
                &mut self.text,
                u64::from(n),
                crate::derive::shard_width(shards),
            ),
            KeyValue::Bool(b) => self.text.push_str(if b { "true" } else { "false" }),
        }
    }

    /// Appends a field value encoded before (by another [`KeyText`]), or records why it could
    /// not be encoded.
    pub fn encoded(mut self, value: Result<String, KeyError>) -> Self {
        match value {
            Ok(text) if self.error.is_none() => self.text.push_str(&text),
            Ok(_) => {}
            Err(e) => {
                self.error.get_or_insert(e);
            }
        }
        self
    }

    /// A whole key from `template`, literal text with `{field}` placeholders exactly as the
    /// schema writes it, and the placeholders' values in order. Generated key functions are
    /// this one call, so the template a reviewer reads is the one that runs.
    pub fn format<'a, const N: usize>(
        delimiter: char,
        template: &'static str,
        values: [KeyValue<'a>; N],
    ) -> Result<String, KeyError> {
        let mut key = KeyText {
            delimiter,
            text: String::with_capacity(template.len() + 32),
            error: None,
        };
        let mut values = values.into_iter();
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            key.text.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let close = after.find('}').unwrap_or(after.len());
            match values.next() {
                Some(value) => key.push_value(&after[..close], value),
                None => key.text.push_str(&rest[open..]),
            }
            rest = after.get(close + 1..).unwrap_or("");
        }
        key.text.push_str(rest);
        key.finish()
    }

    /// Returns the key text, or the first value that could not be encoded.
    pub fn finish(self) -> Result<String, KeyError> {
        match self.error {
            Some(e) => Err(e),
            None => Ok(self.text),
        }
    }
}

/// Which part of a primary or index key a value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRole {
    /// A partition (hash) key.
    Partition,
    /// A sort (range) key.
    Sort,
}

impl KeyRole {
    fn limit(self) -> usize {
        match self {
            KeyRole::Partition => MAX_PARTITION_KEY_BYTES,
            KeyRole::Sort => MAX_SORT_KEY_BYTES,
        }
    }
}

/// Checks a finished key against DynamoDB's size limit for its role.
pub fn check_length(
    attribute: &'static str,
    role: KeyRole,
    value: Result<String, KeyError>,
) -> Result<String, KeyError> {
    let value = value?;
    if value.is_empty() {
        return Err(KeyError::Empty { attribute });
    }
    if value.len() > role.limit() {
        return Err(KeyError::TooLong {
            attribute,
            bytes: value.len(),
            limit: role.limit(),
        });
    }
    Ok(value)
}

macro_rules! key_part {
    ($name:ident, $role:expr, $what:literal) => {
        #[doc = concat!("The ", $what, " of an item of entity `E`, with the attribute it is stored in.")]
        ///
        /// Built by generated code from the entity's key template. An invalid value (a negative
        /// integer, a key over DynamoDB's size limit) is kept and reported as
        /// [`Error::Key`](crate::Error::Key) before any request is sent.
        pub struct $name<E> {
            attribute: &'static str,
            value: Result<String, KeyError>,
            entity: PhantomData<fn() -> E>,
        }

        impl<E> $name<E> {
            /// A key value for `attribute`, checked against DynamoDB's size limit.
            pub fn new(attribute: &'static str, value: Result<String, KeyError>) -> Self {
                Self {
                    attribute,
                    value: check_length(attribute, $role, value),
                    entity: PhantomData,
                }
            }

            /// A key value for `attribute` from a schema template and its placeholders' values
            /// (see [`KeyText::format`]).
            pub fn format<'a, const N: usize>(
                attribute: &'static str,
                delimiter: char,
                template: &'static str,
                values: [KeyValue<'a>; N],
            ) -> Self {
                Self::new(attribute, KeyText::format(delimiter, template, values))
            }

            /// The attribute the key is stored in (`pk`, `gsi1sk`, ...).
            pub fn attribute(&self) -> &'static str {
                self.attribute
            }

            /// The encoded key text, or why it could not be built.
            pub fn value(&self) -> Result<&str, &KeyError> {
                self.value.as_deref()
            }

            /// The attribute and the encoded key text (or why it could not be built).
            pub fn into_attribute(self) -> (&'static str, Result<String, KeyError>) {
                (self.attribute, self.value)
            }

            /// The encoded key text, consuming the key.
            pub fn into_value(self) -> Result<String, KeyError> {
                self.value
            }

            /// Stores the key in `item` (as S), or reports why it is invalid as
            /// [`Error::Key`](crate::Error::Key) for `entity`.
            pub fn write_to(self, item: &mut crate::Item, entity: &'static str) -> crate::Result<()> {
                let value = self
                    .value
                    .map_err(|source| crate::Error::Key { entity, source })?;
                item.insert(
                    self.attribute.to_owned(),
                    aws_sdk_dynamodb::types::AttributeValue::S(value),
                );
                Ok(())
            }
        }

        impl<E> KeyAttribute for $name<E> {
            fn into_attribute(self) -> (&'static str, Result<String, KeyError>) {
                (self.attribute, self.value)
            }
        }

        impl<E> Clone for $name<E> {
            fn clone(&self) -> Self {
                Self {
                    attribute: self.attribute,
                    value: self.value.clone(),
                    entity: PhantomData,
                }
            }
        }

        impl<E> PartialEq for $name<E> {
            fn eq(&self, other: &Self) -> bool {
                self.attribute == other.attribute && self.value == other.value
            }
        }
        impl<E> Eq for $name<E> {}

        impl<E> fmt::Debug for $name<E> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("entity", &std::any::type_name::<E>())
                    .field("attribute", &self.attribute)
                    .field("value", &self.value)
                    .finish()
            }
        }
    };
}

/// A partition or sort key with the attribute it is stored in, as generated code writes it.
pub trait KeyAttribute {
    /// The attribute and the encoded key text (or why it could not be built).
    fn into_attribute(self) -> (&'static str, Result<String, KeyError>);
}

key_part!(PartitionKey, KeyRole::Partition, "partition key");
key_part!(SortKey, KeyRole::Sort, "sort key");

/// The full primary key of one item of entity `E`: a partition key and, on tables with a sort
/// key, a sort key.
pub struct Key<E> {
    /// The partition key.
    pub partition: PartitionKey<E>,
    /// The sort key; `None` on tables without one.
    pub sort: Option<SortKey<E>>,
    /// Attributes the key fixes besides the key itself: the key fields' own attributes and
    /// index keys built from key fields only. An update that creates the item (upsert) writes
    /// them, so the new item decodes and shows up on its indexes.
    identity: Vec<(&'static str, Result<AttributeValue, KeyError>)>,
}

impl<E> Key<E> {
    /// A key from its parts.
    pub fn new(partition: PartitionKey<E>, sort: Option<SortKey<E>>) -> Self {
        Self {
            partition,
            sort,
            identity: Vec::new(),
        }
    }

    /// Records an attribute the key fixes, or why it could not be encoded.
    pub(crate) fn push_identity(
        &mut self,
        attribute: &'static str,
        value: Result<AttributeValue, KeyError>,
    ) {
        self.identity.push((attribute, value));
    }

    /// Records a text key field's own attribute (see [`Key::with_field`]).
    pub fn with_text(mut self, attribute: &'static str, value: &str) -> Self {
        self.identity
            .push((attribute, Ok(AttributeValue::S(value.to_owned()))));
        self
    }

    /// Records an index key attribute built from key fields only.
    pub fn with_index_key(mut self, key: impl KeyAttribute) -> Self {
        let (attribute, value) = key.into_attribute();
        self.identity
            .push((attribute, value.map(AttributeValue::S)));
        self
    }

    /// The attributes recorded by [`Key::with_field`] and [`Key::with_index_key`].
    pub fn identity(&self) -> &[(&'static str, Result<AttributeValue, KeyError>)] {
        &self.identity
    }

    /// The key as `(attribute, value)` pairs, or the first reason it is invalid.
    pub fn attributes(&self) -> Result<Vec<(&'static str, String)>, KeyError> {
        let mut out = vec![(
            self.partition.attribute(),
            self.partition.value().map_err(Clone::clone)?.to_owned(),
        )];
        if let Some(sort) = &self.sort {
            out.push((
                sort.attribute(),
                sort.value().map_err(Clone::clone)?.to_owned(),
            ));
        }
        Ok(out)
    }
}

impl<E> Clone for Key<E> {
    fn clone(&self) -> Self {
        Self {
            partition: self.partition.clone(),
            sort: self.sort.clone(),
            identity: self.identity.clone(),
        }
    }
}
impl<E> PartialEq for Key<E> {
    fn eq(&self, other: &Self) -> bool {
        self.partition == other.partition && self.sort == other.sort
    }
}
impl<E> Eq for Key<E> {}

impl<E> fmt::Debug for Key<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Key")
            .field("entity", &std::any::type_name::<E>())
            .field("partition", &self.partition.value)
            .field("sort", &self.sort.as_ref().map(|s| &s.value))
            .finish()
    }
}

impl<E> fmt::Display for Key<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn part(
            f: &mut fmt::Formatter<'_>,
            attribute: &str,
            value: &Result<String, KeyError>,
        ) -> fmt::Result {
            match value {
                Ok(v) => write!(f, "{attribute}={v:?}"),
                Err(e) => write!(f, "{attribute}=<{e}>"),
            }
        }
        part(f, self.partition.attribute, &self.partition.value)?;
        if let Some(sort) = &self.sort {
            f.write_str(", ")?;
            part(f, sort.attribute, &sort.value)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_follows_the_schema_template() {
        let at = DateTime::from_timestamp(1_700_000_000, 5).unwrap();
        let chained = KeyText::new('#')
            .lit("ORDER#")
            .value("placed_at", &at)
            .lit("#")
            .value("order_id", "o#1")
            .finish();
        let formatted = KeyText::format(
            '#',
            "ORDER#{placed_at}#{order_id}",
            [(&at).into(), "o#1".into()],
        );
        assert_eq!(formatted, chained);
        assert_eq!(
            formatted.unwrap(),
            "ORDER#2023-11-14T22:13:20.000000005Z#o\\#1"
        );
        // Fields next to each other, a constant template, and errors naming the field.
        assert_eq!(
            KeyText::format('#', "{a}{b}", ["x".into(), 7.into()]).unwrap(),
            "x0000000000000000007"
        );
        assert_eq!(KeyText::format('#', "PROFILE", []).unwrap(), "PROFILE");
        let day = NaiveDate::from_ymd_opt(987, 3, 4).unwrap();
        assert_eq!(
            KeyText::format(
                '#',
                "{d}#{n}#{m}",
                [(&day).into(), 0.into(), i64::MAX.into()]
            )
            .unwrap(),
            "0987-03-04#0000000000000000000#9223372036854775807"
        );
        assert_eq!(
            KeyText::format('#', "N#{total}", [(-1).into()]).unwrap(),
            "N#-9223372036854775807"
        );
    }

    fn key(parts: &[&str]) -> String {
        let mut k = KeyText::new('#').lit("T#");
        for (i, p) in parts.iter().enumerate() {
            if i > 0 {
                k = k.lit("#");
            }
            k = k.value("f", *p);
        }
        k.finish().unwrap()
    }

    #[test]
    fn escaping_round_trips_through_split() {
        let k = key(&["a#b", "c\\", "#"]);
        assert_eq!(k, "T#a\\#b#c\\\\#\\#");
        assert_eq!(split_segments(&k, '#'), vec!["T", "a#b", "c\\", "#"]);
    }

    #[test]
    fn integers_are_padded_and_sort_numerically_across_the_sign() {
        let k = KeyText::new('#')
            .lit("N#")
            .value("n", 42i64)
            .finish()
            .unwrap();
        assert_eq!(k, "N#0000000000000000042");
        let big = KeyText::new('#').value("n", i64::MAX).finish().unwrap();
        assert_eq!(big, i64::MAX.to_string());
        let min = KeyText::new('#').value("n", i64::MIN).finish().unwrap();
        assert_eq!(min, "-0000000000000000000");
        // Text order is numeric order, negative values included, whatever the delimiter.
        let values = [
            i64::MIN,
            i64::MIN + 1,
            -1_000_000,
            -10,
            -9,
            -1,
            0,
            1,
            9,
            10,
            1_000_000,
            i64::MAX,
        ];
        for delimiter in ['#', '-', '!', '|'] {
            let keys: Vec<String> = values
                .iter()
                .map(|v| {
                    KeyText::new(delimiter)
                        .lit("N")
                        .lit(&delimiter.to_string())
                        .value("n", *v)
                        .finish()
                        .unwrap()
                })
                .collect();
            assert!(
                keys.windows(2).all(|w| w[0] < w[1]),
                "{delimiter}: {keys:?}"
            );
            assert!(
                keys.iter().all(|k| k.matches(delimiter).count() == 1),
                "{keys:?}"
            );
        }
    }

    #[test]
    fn timestamps_have_fixed_precision_and_sort_by_time() {
        let t1: DateTime<Utc> = "2024-05-01T10:00:00Z".parse().unwrap();
        let t2: DateTime<Utc> = "2024-05-01T10:00:00.5Z".parse().unwrap();
        let k1 = KeyText::new('#').value("t", &t1).finish().unwrap();
        let k2 = KeyText::new('#').value("t", &t2).finish().unwrap();
        assert_eq!(k1, "2024-05-01T10:00:00.000000000Z");
        assert_eq!(k2, "2024-05-01T10:00:00.500000000Z");
        assert!(k1 < k2);
        let far = DateTime::<Utc>::from_timestamp(300_000_000_000, 0).unwrap();
        assert!(matches!(
            KeyText::new('#').value("t", &far).finish(),
            Err(KeyError::TimestampOutOfRange { .. })
        ));
    }

    #[test]
    fn other_scalars_and_no_case_folding() {
        let d = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap();
        let u = uuid::Uuid::from_u128(0xABCDEF);
        let k = KeyText::new('#')
            .value("d", &d)
            .lit("#")
            .value("u", &u)
            .lit("#")
            .value("b", true)
            .lit("#")
            .value("s", "MiXeD")
            .finish()
            .unwrap();
        assert_eq!(
            k,
            "2024-02-29#00000000-0000-0000-0000-000000abcdef#true#MiXeD"
        );
    }

    #[test]
    fn length_limits_are_checked_in_bytes() {
        let long = "é".repeat(600); // 1200 bytes
        let sk: SortKey<()> = SortKey::new("sk", KeyText::new('#').value("s", &long).finish());
        assert!(matches!(
            sk.value(),
            Err(KeyError::TooLong {
                bytes: 1200,
                limit: 1024,
                ..
            })
        ));
        let pk: PartitionKey<()> =
            PartitionKey::new("pk", KeyText::new('#').value("s", &long).finish());
        assert!(pk.value().is_ok());
        let empty: PartitionKey<()> = PartitionKey::new("pk", Ok(String::new()));
        assert!(matches!(empty.value(), Err(KeyError::Empty { .. })));
    }

    #[test]
    fn key_display_names_attributes() {
        let k: Key<()> = Key::new(
            PartitionKey::new("pk", Ok("USER#a".into())),
            Some(SortKey::new("sk", Ok("PROFILE".into()))),
        );
        assert_eq!(k.to_string(), "pk=\"USER#a\", sk=\"PROFILE\"");
    }
}
