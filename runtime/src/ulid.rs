//! [`Ulid`], the schema's `ulid` type: a time-ordered id whose text order is its creation order.
//!
//! A ULID is 128 bits: the creation time in milliseconds since the Unix epoch (48 bits), then 80
//! random bits. Its text is 26 characters of Crockford's base32 (`0-9`, `A-Z` without `I`, `L`,
//! `O`, `U`), most significant first, so comparing two ids' texts compares their numbers, and
//! a sort key ending in a ULID sorts by creation time.
//!
//! [`Ulid::new`] is monotonic within a process: an id made in the same millisecond as the last
//! one (or after the clock stepped back) is the last one plus one, so ids made one after another
//! always sort in the order they were made.

use std::fmt;
use std::str::FromStr;
use std::sync::Mutex;

use chrono::{DateTime, Utc};

/// The characters of Crockford's base32, by value.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The length of a ULID's text.
pub const ULID_LEN: usize = 26;

const RANDOM_BITS: u32 = 80;

/// A time-ordered id (the schema's `ulid` type), stored as its 26-character text.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ulid(u128);

/// The last id [`Ulid::new`] handed out in this process.
static LAST: Mutex<u128> = Mutex::new(0);

impl Ulid {
    /// A new id, later than every id this process made before.
    pub fn new() -> Self {
        let now = Utc::now().timestamp_millis().max(0) as u64;
        let fresh = Self::from_parts(now, random_bits()).0;
        let mut last = LAST.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        // Same millisecond (or a clock that went back): count up from the last id instead.
        let next = fresh.max(last.wrapping_add(1));
        *last = next;
        Ulid(next)
    }

    /// The id of `timestamp_ms` (its low 48 bits) and `random` (its low 80 bits).
    pub const fn from_parts(timestamp_ms: u64, random: u128) -> Self {
        let time = (timestamp_ms as u128 & ((1 << 48) - 1)) << RANDOM_BITS;
        Ulid(time | (random & ((1 << RANDOM_BITS) - 1)))
    }

    /// The id with this 128-bit value.
    pub const fn from_u128(value: u128) -> Self {
        Ulid(value)
    }

    /// The 128-bit value.
    pub const fn as_u128(&self) -> u128 {
        self.0
    }

    /// Milliseconds since the Unix epoch at creation.
    pub const fn timestamp_ms(&self) -> u64 {
        (self.0 >> RANDOM_BITS) as u64
    }

    /// The creation time, to the millisecond.
    pub fn datetime(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.timestamp_ms() as i64).unwrap_or_default()
    }

    /// The 26-character text, written into `buf`.
    pub fn encode<'b>(&self, buf: &'b mut [u8; ULID_LEN]) -> &'b str {
        for (i, c) in buf.iter_mut().enumerate() {
            let shift = 5 * (ULID_LEN - 1 - i);
            *c = ALPHABET[((self.0 >> shift) & 0x1f) as usize];
        }
        // Every byte is from the ASCII alphabet.
        std::str::from_utf8(buf).unwrap_or_default()
    }
}

impl Default for Ulid {
    /// A new id, as [`Ulid::new`].
    fn default() -> Self {
        Ulid::new()
    }
}

/// 80 bits from the operating system's random source (through a version 4 UUID, whose 122
/// random bits are the version and variant bits short of 128).
fn random_bits() -> u128 {
    let r = uuid::Uuid::new_v4().as_u128();
    // The top 48 bits and the low 32 bits of a v4 UUID are all random.
    ((r >> 80) << 32) | (r & 0xffff_ffff)
}

impl fmt::Display for Ulid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.encode(&mut [0; ULID_LEN]))
    }
}

impl fmt::Debug for Ulid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Ulid({self})")
    }
}

/// Why a text is not a ULID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UlidError {
    /// Not 26 characters.
    #[error("a ULID has 26 characters, found {0}")]
    Length(usize),
    /// A character outside Crockford's base32.
    #[error("{0:?} is not a character of Crockford's base32")]
    Character(char),
    /// The first character is above `7`: the value would not fit 128 bits.
    #[error("a ULID starts with 0 to 7; larger values do not fit 128 bits")]
    Overflow,
}

impl FromStr for Ulid {
    type Err = UlidError;

    /// Parses the text, accepting lower case and Crockford's aliases (`I`, `L` for 1, `O` for 0).
    fn from_str(s: &str) -> Result<Self, UlidError> {
        if s.len() != ULID_LEN {
            return Err(UlidError::Length(s.chars().count()));
        }
        let mut value: u128 = 0;
        for (i, c) in s.chars().enumerate() {
            let digit = match c.to_ascii_uppercase() {
                'I' | 'L' => 1,
                'O' => 0,
                c => ALPHABET
                    .iter()
                    .position(|&a| char::from(a) == c)
                    .ok_or(UlidError::Character(c))? as u128,
            };
            if i == 0 && digit > 7 {
                return Err(UlidError::Overflow);
            }
            value = (value << 5) | digit;
        }
        Ok(Ulid(value))
    }
}

impl serde::Serialize for Ulid {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.encode(&mut [0; ULID_LEN]))
    }
}

impl<'de> serde::Deserialize<'de> for Ulid {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips_and_orders_like_the_number() {
        let cases = [
            0u128,
            1,
            31,
            32,
            u128::MAX,
            0x0123_4567_89ab_cdef_0123_4567_89ab_cdef,
        ];
        for v in cases {
            let id = Ulid::from_u128(v);
            let text = id.to_string();
            assert_eq!(text.len(), ULID_LEN);
            assert_eq!(text.parse::<Ulid>(), Ok(id));
        }
        assert_eq!(Ulid::from_u128(0).to_string(), "00000000000000000000000000");
        assert_eq!(
            Ulid::from_u128(u128::MAX).to_string(),
            "7ZZZZZZZZZZZZZZZZZZZZZZZZZ"
        );
        let mut ids: Vec<Ulid> = (0..200)
            .map(|i| Ulid::from_u128(i * 0x9e37_79b9_7f4a_7c15))
            .collect();
        ids.sort();
        let texts: Vec<String> = ids.iter().map(Ulid::to_string).collect();
        let mut sorted = texts.clone();
        sorted.sort();
        assert_eq!(texts, sorted);
    }

    #[test]
    fn known_value_and_parts() {
        // 2016-07-30T23:54:10.259Z with all-zero randomness.
        let id = Ulid::from_parts(1_469_922_850_259, 0);
        assert_eq!(id.to_string(), "01ARZ3NDEK0000000000000000");
        assert_eq!(id.timestamp_ms(), 1_469_922_850_259);
        assert_eq!(id.datetime().timestamp_millis(), 1_469_922_850_259);
        assert_eq!("01arz3ndek0000000000000000".parse::<Ulid>(), Ok(id));
        assert_eq!("01ARZ3NDEKOOOOOOOOOOOOOOOO".parse::<Ulid>(), Ok(id));
    }

    #[test]
    fn bad_text_is_an_error() {
        assert_eq!("".parse::<Ulid>(), Err(UlidError::Length(0)));
        assert_eq!(
            "01ARYZ6S4K000000000000000U".parse::<Ulid>(),
            Err(UlidError::Character('U'))
        );
        assert_eq!(
            "81ARYZ6S4K0000000000000000".parse::<Ulid>(),
            Err(UlidError::Overflow)
        );
        assert!("01ARYZ6S4K00000000000000é".parse::<Ulid>().is_err());
    }

    #[test]
    fn new_ids_increase_strictly_and_carry_the_time() {
        let before = Utc::now().timestamp_millis() as u64;
        let ids: Vec<Ulid> = (0..10_000).map(|_| Ulid::new()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
        assert!(ids[0].timestamp_ms() >= before);
        let threads: Vec<_> = (0..4)
            .map(|_| std::thread::spawn(|| (0..2_000).map(|_| Ulid::new()).collect::<Vec<_>>()))
            .collect();
        let mut all: Vec<Ulid> = threads
            .into_iter()
            .flat_map(|t| t.join().unwrap())
            .collect();
        let n = all.len();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), n, "no two ids are equal");
    }
}
