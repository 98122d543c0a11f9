//! Derived key segments, `{field:function}` in a template: the key holds a function of the
//! attribute's value, computed by generated code whenever the item (or an update of the
//! attribute) writes the key, so no hand-kept copy of the value can drift from it.
//!
//! - `year`, `month`, `day`, `hour`: UTC buckets of a timestamp (`year` and `month` of a date
//!   too), stored as `2026`, `2026-11`, `2026-11-29`, `2026-11-29T20`.
//! - `upper`, `lower`: the text in upper or lower case (the attribute keeps its own case).
//! - `shard(N)`: one of `N` write shards, stored zero-padded to the width of `N - 1`
//!   (`07` of 16). The shard is [`shard_of`]: the 64-bit FNV-1a hash of the value's key text
//!   (as the key would hold it, with `#` as the delimiter), modulo `N`. It depends on nothing
//!   but the value, so keys are the same on every platform and in every version.

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};

use crate::key::{KeyText, KeyValue};

/// A value with calendar buckets: timestamps and dates.
pub trait Bucket: Copy {
    /// The UTC calendar date.
    fn date(self) -> NaiveDate;
}

impl Bucket for DateTime<Utc> {
    fn date(self) -> NaiveDate {
        self.date_naive()
    }
}

impl Bucket for NaiveDate {
    fn date(self) -> NaiveDate {
        self
    }
}

/// `{field:year}`: the UTC year.
pub fn year(value: impl Bucket) -> i32 {
    value.date().year()
}

/// `{field:month}`: the first day of the UTC month (the key holds `YYYY-MM`).
pub fn month(value: impl Bucket) -> NaiveDate {
    let d = value.date();
    d.with_day(1).unwrap_or(d)
}

/// `{field:day}`: the UTC date.
pub fn day(value: DateTime<Utc>) -> NaiveDate {
    value.date_naive()
}

/// `{field:hour}`: the start of the UTC hour (the key holds `YYYY-MM-DDTHH`).
pub fn hour(value: DateTime<Utc>) -> DateTime<Utc> {
    value
        .with_minute(0)
        .and_then(|t| t.with_second(0))
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(value)
}

/// The day buckets from `from` to `to`, inclusive (none if `to` is before `from`).
pub fn days(from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
    from.iter_days().take_while(|d| *d <= to).collect()
}

/// The month buckets (their first days) from the month of `from` to that of `to`.
pub fn months(from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
    let (from, to) = (month(from), month(to));
    std::iter::successors(Some(from), |m| m.checked_add_months(chrono::Months::new(1)))
        .take_while(|m| *m <= to)
        .collect()
}

/// The year buckets from `from` to `to`, inclusive.
pub fn years(from: i32, to: i32) -> Vec<i32> {
    (from..=to).collect()
}

/// The hour buckets (their starts) from the hour of `from` to that of `to`.
pub fn hours(from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<DateTime<Utc>> {
    let (from, to) = (hour(from), hour(to));
    std::iter::successors(Some(from), |h| {
        h.checked_add_signed(chrono::TimeDelta::hours(1))
    })
    .take_while(|h| *h <= to)
    .collect()
}

/// `{field:shard(N)}`: the shard of `value` among `shards`, as documented at the top of
/// this module. A value that cannot be in a key (a timestamp outside years 0 to 9999) is
/// shard 0; writing its key fails anyway.
pub fn shard_of<'a>(value: impl Into<KeyValue<'a>>, shards: u32) -> u32 {
    let text = KeyText::new('#')
        .value("shard", value)
        .finish()
        .unwrap_or_default();
    (fnv1a64(text.as_bytes()) % u64::from(shards.max(1))) as u32
}

/// The 64-bit FNV-1a hash.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes
        .iter()
        .fold(OFFSET, |h, b| (h ^ u64::from(*b)).wrapping_mul(PRIME))
}

/// The digits of a shard number in a key: the width of `shards - 1`.
pub fn shard_width(shards: u32) -> usize {
    shards.saturating_sub(1).max(1).to_string().len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets() {
        let t: DateTime<Utc> = "2026-11-29T20:41:05.123Z".parse().unwrap();
        assert_eq!(year(t), 2026);
        assert_eq!(month(t), NaiveDate::from_ymd_opt(2026, 11, 1).unwrap());
        assert_eq!(day(t), NaiveDate::from_ymd_opt(2026, 11, 29).unwrap());
        assert_eq!(hour(t).to_rfc3339(), "2026-11-29T20:00:00+00:00");
        let d = NaiveDate::from_ymd_opt(1999, 2, 28).unwrap();
        assert_eq!(
            (year(d), month(d).to_string()),
            (1999, "1999-02-01".to_owned())
        );
        let e = NaiveDate::from_ymd_opt(1999, 3, 2).unwrap();
        assert_eq!(days(d, e).len(), 3);
        assert!(days(e, d).is_empty());
        assert_eq!(
            months(d, NaiveDate::from_ymd_opt(2000, 1, 9).unwrap()).len(),
            12
        );
        assert_eq!(years(2024, 2026), [2024, 2025, 2026]);
        let later: DateTime<Utc> = "2026-11-30T01:00:00Z".parse().unwrap();
        assert_eq!(hours(t, later).len(), 6);
    }

    /// The hash and shard numbers are pinned: stored keys depend on them.
    #[test]
    fn shard_test_vectors() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
        let shards: Vec<u32> = ["deal-1", "deal-2", "deal-3", "deal-4", "a#b", ""]
            .iter()
            .map(|v| shard_of(*v, 4))
            .collect();
        assert_eq!(shards, [1, 0, 3, 2, 1, 1]);
        assert_eq!(shard_of(42i64, 10), 9);
        assert_eq!(shard_of(-42i64, 10), 4);
        assert_eq!(
            (
                shard_width(2),
                shard_width(10),
                shard_width(11),
                shard_width(100)
            ),
            (1, 1, 2, 2)
        );
    }
}
