//! Cursors: opaque positions in a query's results, tied to the query (access pattern) and the
//! partition that made them, and HMAC-signed when the table carries a [`CursorKey`].
//!
//! Layout (URL-safe base64 without padding of):
//!
//! ```text
//! 'p' | fields                      a plain cursor
//! 's' | fields | HMAC-SHA256(32)    a signed one; the MAC covers everything before it
//! fields = tag, scope digest (8 bytes of SHA-256 of the query's scope),
//!          then per key attribute (sorted by name): name, type (S, N or B), value
//! ```
//!
//! Every field is `<decimal length>:<bytes>`. A plain cursor is only as trustworthy as its
//! holder: anyone can write one. A cursor that travels through a public API should be signed,
//! so a client can neither change the position nor move it to another partition.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use crate::Item;
use crate::error::{Error, Result};

const PLAIN: u8 = b'p';
const SIGNED: u8 = b's';
const MAC_BYTES: usize = 32;
const SCOPE_BYTES: usize = 8;

/// The shortest secret a [`CursorKey`] takes: 32 bytes, HMAC-SHA256's output size.
pub const MIN_CURSOR_SECRET: usize = 32;

/// The secret that signs a table's cursors (see [`Table::with_cursor_key`]).
///
/// [`Table::with_cursor_key`]: crate::Table::with_cursor_key
#[derive(Clone)]
pub struct CursorKey {
    current: Vec<u8>,
    /// Earlier secrets whose cursors are still accepted (during a rotation).
    previous: Vec<Vec<u8>>,
}

impl CursorKey {
    /// A key from a secret of at least [`MIN_CURSOR_SECRET`] bytes (random bytes from a
    /// secret store, not a password).
    pub fn new(secret: impl AsRef<[u8]>) -> Result<Self> {
        Ok(Self {
            current: checked(secret.as_ref())?,
            previous: Vec::new(),
        })
    }

    /// Also accepts cursors signed with `secret`, an earlier key, so cursors handed out before
    /// a key rotation stay valid. New cursors are always signed with the current key.
    pub fn accepting(mut self, secret: impl AsRef<[u8]>) -> Result<Self> {
        self.previous.push(checked(secret.as_ref())?);
        Ok(self)
    }

    fn mac(secret: &[u8], payload: &[u8]) -> Hmac<Sha256> {
        // HMAC takes keys of any length; the length was checked when the key was made.
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret)
            .expect("HMAC accepts keys of every length");
        mac.update(payload);
        mac
    }

    fn sign(&self, payload: &[u8]) -> Vec<u8> {
        Self::mac(&self.current, payload)
            .finalize()
            .into_bytes()
            .to_vec()
    }

    fn verify(&self, payload: &[u8], tag: &[u8]) -> bool {
        std::iter::once(&self.current)
            .chain(&self.previous)
            .any(|secret| Self::mac(secret, payload).verify_slice(tag).is_ok())
    }
}

fn checked(secret: &[u8]) -> Result<Vec<u8>> {
    if secret.len() < MIN_CURSOR_SECRET {
        return Err(Error::Config(format!(
            "a cursor key needs at least {MIN_CURSOR_SECRET} bytes of secret, got {}",
            secret.len()
        )));
    }
    Ok(secret.to_vec())
}

impl std::fmt::Debug for CursorKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "CursorKey(<redacted>, {} earlier accepted)",
            self.previous.len()
        )
    }
}

/// An opaque position in a query's results, tied to the query (access pattern) and the
/// partition that made it; signed when the table has a [`CursorKey`].
///
/// Printable and parseable (`to_string`/`parse`), so it can travel through an HTTP API.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cursor(String);

fn scope_digest(scope: &str) -> [u8; SCOPE_BYTES] {
    let digest = Sha256::digest(scope.as_bytes());
    let mut out = [0; SCOPE_BYTES];
    out.copy_from_slice(&digest[..SCOPE_BYTES]);
    out
}

impl Cursor {
    /// The cursor at `key` of the query `tag` reading `scope`, signed with `signing` if given.
    pub(crate) fn encode(
        tag: &str,
        scope: &str,
        key: &Item,
        signing: Option<&CursorKey>,
    ) -> Result<Cursor> {
        let mut out = vec![if signing.is_some() { SIGNED } else { PLAIN }];
        let mut field = |bytes: &[u8]| {
            out.extend_from_slice(bytes.len().to_string().as_bytes());
            out.push(b':');
            out.extend_from_slice(bytes);
        };
        field(tag.as_bytes());
        field(&scope_digest(scope));
        // Sorted, so equal keys give equal cursors.
        let sorted: BTreeMap<&String, &AttributeValue> = key.iter().collect();
        for (name, value) in sorted {
            field(name.as_bytes());
            match value {
                AttributeValue::S(s) => {
                    field(b"S");
                    field(s.as_bytes());
                }
                AttributeValue::N(n) => {
                    field(b"N");
                    field(n.as_bytes());
                }
                AttributeValue::B(b) => {
                    field(b"B");
                    field(b.as_ref());
                }
                other => {
                    return Err(Error::Cursor(format!(
                        "key attribute {name} has unsupported type {}",
                        crate::codec::describe(other)
                    )));
                }
            }
        }
        if let Some(key) = signing {
            let mac = key.sign(&out);
            out.extend_from_slice(&mac);
        }
        Ok(Cursor(
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(out),
        ))
    }

    /// The key this cursor resumes at, if it was made by the query `tag` reading `scope` and,
    /// when the table signs cursors, carries a valid signature.
    pub(crate) fn decode(
        &self,
        tag: &str,
        scope: &str,
        signing: Option<&CursorKey>,
    ) -> Result<Item> {
        let bad = |why: &str| Error::Cursor(why.to_owned());
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(&self.0)
            .map_err(|_| bad("not a cursor produced by this library"))?;
        let (kind, body) = bytes.split_first().ok_or_else(|| bad("empty"))?;
        let body = match (*kind, signing) {
            (PLAIN, None) => body,
            (SIGNED, Some(key)) => {
                let at = body
                    .len()
                    .checked_sub(MAC_BYTES)
                    .ok_or_else(|| bad("truncated"))?;
                let (payload, mac) = body.split_at(at);
                // The MAC covers the kind byte too.
                if !key.verify(&bytes[..1 + at], mac) {
                    return Err(bad(
                        "the signature does not match: the cursor was changed, or signed with \
                         another key",
                    ));
                }
                payload
            }
            (PLAIN, Some(_)) => {
                return Err(bad(
                    "this cursor is not signed, and this table accepts signed cursors only",
                ));
            }
            (SIGNED, None) => {
                return Err(bad(
                    "this cursor is signed, and this table has no cursor key to check it with",
                ));
            }
            _ => return Err(bad("not a cursor produced by this library")),
        };
        let mut rest = body;
        fn next<'b>(rest: &mut &'b [u8]) -> Result<&'b [u8]> {
            let bad = |why: &str| Error::Cursor(why.to_owned());
            let colon = rest
                .iter()
                .position(|b| *b == b':')
                .ok_or_else(|| bad("truncated"))?;
            let len: usize = std::str::from_utf8(&rest[..colon])
                .ok()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| bad("malformed length"))?;
            let start = colon + 1;
            let end = start.checked_add(len).filter(|e| *e <= rest.len());
            let end = end.ok_or_else(|| bad("truncated"))?;
            let field = &rest[start..end];
            *rest = &rest[end..];
            Ok(field)
        }
        let text = |b: &[u8]| {
            std::str::from_utf8(b)
                .map(str::to_owned)
                .map_err(|_| bad("not UTF-8"))
        };
        let found = text(next(&mut rest)?)?;
        if found != tag {
            return Err(Error::Cursor(format!(
                "this cursor belongs to `{found}`, not `{tag}`"
            )));
        }
        if next(&mut rest)? != scope_digest(scope) {
            return Err(Error::Cursor(format!(
                "this cursor belongs to another partition of `{tag}`"
            )));
        }
        let mut item = Item::new();
        while !rest.is_empty() {
            let name = text(next(&mut rest)?)?;
            let kind = next(&mut rest)?;
            let value = next(&mut rest)?;
            let value = match kind {
                b"S" => AttributeValue::S(text(value)?),
                b"N" => AttributeValue::N(text(value)?),
                b"B" => AttributeValue::B(Blob::new(value)),
                _ => return Err(bad("unknown value type")),
            };
            item.insert(name, value);
        }
        Ok(item)
    }

    /// The cursor as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Cursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for Cursor {
    type Err = Error;
    /// Accepts any text; whether it is a valid cursor for a query is checked when it is used.
    fn from_str(s: &str) -> Result<Self> {
        Ok(Cursor(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> Item {
        let mut key = Item::new();
        key.insert("pk".into(), AttributeValue::S("USER#a:b".into()));
        key.insert("sk".into(), AttributeValue::S("ORDER#1".into()));
        key.insert("n".into(), AttributeValue::N("12".into()));
        key.insert("b".into(), AttributeValue::B(Blob::new(vec![0, 58, 255])));
        key
    }

    #[test]
    fn cursors_round_trip_and_are_tied_to_their_query_and_partition() {
        let key = key();
        let cursor = Cursor::encode("orders_for_user", "USER#a", &key, None).unwrap();
        assert_eq!(
            cursor.decode("orders_for_user", "USER#a", None).unwrap(),
            key
        );
        let parsed: Cursor = cursor.to_string().parse().unwrap();
        assert_eq!(
            parsed.decode("orders_for_user", "USER#a", None).unwrap(),
            key
        );
        let err = cursor.decode("user_by_email", "USER#a", None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid cursor: this cursor belongs to `orders_for_user`, not `user_by_email`"
        );
        let err = cursor
            .decode("orders_for_user", "USER#b", None)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid cursor: this cursor belongs to another partition of `orders_for_user`"
        );
        for garbage in [
            "",
            "!!!",
            "MTA6YWJj",
            "OTk5OTk5OTk5OTk5OTk5OTk5OTk5Og",
            "cA",
            "cw",
        ] {
            let c: Cursor = garbage.parse().unwrap();
            assert!(
                matches!(c.decode("x", "", None), Err(Error::Cursor(_))),
                "{garbage}"
            );
        }
    }

    #[test]
    fn signed_cursors_reject_every_changed_byte_and_other_keys() {
        let signing = CursorKey::new([7u8; 32]).unwrap();
        let key = key();
        let cursor = Cursor::encode("orders_for_user", "USER#a", &key, Some(&signing)).unwrap();
        assert_eq!(
            cursor
                .decode("orders_for_user", "USER#a", Some(&signing))
                .unwrap(),
            key
        );
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(cursor.as_str())
            .unwrap();
        for at in 0..bytes.len() {
            for flip in [1u8, 0x80] {
                let mut changed = bytes.clone();
                changed[at] ^= flip;
                let c = Cursor(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&changed));
                assert!(
                    matches!(
                        c.decode("orders_for_user", "USER#a", Some(&signing)),
                        Err(Error::Cursor(_))
                    ),
                    "byte {at} ^ {flip} accepted"
                );
            }
        }
        // Truncated anywhere.
        for len in 0..bytes.len() {
            let c = Cursor(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes[..len]));
            assert!(
                c.decode("orders_for_user", "USER#a", Some(&signing))
                    .is_err()
            );
        }
        // Another key, a plain cursor, a signed cursor on a table without a key.
        let other = CursorKey::new([8u8; 32]).unwrap();
        let err = cursor
            .decode("orders_for_user", "USER#a", Some(&other))
            .unwrap_err();
        assert!(
            err.to_string().contains("signature does not match"),
            "{err}"
        );
        let plain = Cursor::encode("orders_for_user", "USER#a", &key, None).unwrap();
        let err = plain
            .decode("orders_for_user", "USER#a", Some(&signing))
            .unwrap_err();
        assert!(err.to_string().contains("not signed"), "{err}");
        let err = cursor
            .decode("orders_for_user", "USER#a", None)
            .unwrap_err();
        assert!(err.to_string().contains("no cursor key"), "{err}");
        // A rotation: the new key accepts the old key's cursors, and signs with itself.
        let rotated = CursorKey::new([8u8; 32])
            .unwrap()
            .accepting([7u8; 32])
            .unwrap();
        assert_eq!(
            cursor
                .decode("orders_for_user", "USER#a", Some(&rotated))
                .unwrap(),
            key
        );
        // Short secrets are refused, and the secret never prints.
        assert!(matches!(CursorKey::new(b"short"), Err(Error::Config(_))));
        assert!(!format!("{signing:?}").contains('7'));
    }

    /// Hostile cursors: whatever text a client sends, decoding returns the key or
    /// `Error::Cursor`, never panics, and a signing table accepts only what it signed for the
    /// same query and partition. 100,000 cases per property.
    mod hostile {
        use proptest::prelude::*;

        use super::*;

        const TAG: &str = "orders_for_user";
        const SCOPE: &str = "USER#a";

        fn signing() -> CursorKey {
            CursorKey::new([7u8; 32]).unwrap()
        }

        fn encoded(bytes: &[u8]) -> Cursor {
            Cursor(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
        }

        /// A key attribute value of any supported type, with the field separator, digits and
        /// non-ASCII in it.
        fn value() -> impl Strategy<Value = AttributeValue> {
            prop_oneof![
                ".{0,40}".prop_map(AttributeValue::S),
                "[0-9:]{0,30}".prop_map(AttributeValue::S),
                "-?[0-9]{1,38}(\\.[0-9]{1,10})?".prop_map(AttributeValue::N),
                proptest::collection::vec(any::<u8>(), 0..40)
                    .prop_map(|b| AttributeValue::B(Blob::new(b))),
            ]
        }

        fn key() -> impl Strategy<Value = Item> {
            proptest::collection::hash_map(".{0,12}", value(), 0..5)
        }

        /// Bytes that look like a cursor: a kind byte, then well-formed, malformed and
        /// overlong length-prefixed fields.
        fn cursor_like() -> impl Strategy<Value = Vec<u8>> {
            let field = prop_oneof![
                proptest::collection::vec(any::<u8>(), 0..20).prop_map(|b| {
                    let mut f = format!("{}:", b.len()).into_bytes();
                    f.extend(b);
                    f
                }),
                "[0-9]{1,25}:".prop_map(String::into_bytes),
                "[+-]?[0-9]{0,3}".prop_map(String::into_bytes),
                Just(b"S".to_vec()),
                Just(b"1:N".to_vec()),
            ];
            (
                prop_oneof![Just(PLAIN), Just(SIGNED), any::<u8>()],
                any::<bool>(),
                proptest::collection::vec(field, 0..10),
            )
                .prop_map(|(kind, header, fields)| {
                    let mut out = vec![kind];
                    // Half of them carry this query's tag and scope, so the key fields are
                    // what gets parsed.
                    if header {
                        out.extend(format!("{}:{TAG}8:", TAG.len()).into_bytes());
                        out.extend(scope_digest(SCOPE));
                    }
                    out.extend(fields.concat());
                    out
                })
        }

        /// Decoding never panics; what a plain table accepts re-encodes to the same key.
        fn check_any(cursor: &Cursor) -> std::result::Result<(), TestCaseError> {
            match cursor.decode(TAG, SCOPE, None) {
                Ok(item) => {
                    let again = Cursor::encode(TAG, SCOPE, &item, None)
                        .map_err(|e| TestCaseError::fail(format!("re-encode: {e}")))?;
                    prop_assert_eq!(again.decode(TAG, SCOPE, None).ok(), Some(item));
                }
                Err(Error::Cursor(_)) => {}
                Err(other) => return Err(TestCaseError::fail(format!("{other:?}"))),
            }
            // Nothing a client makes up passes a signing table.
            prop_assert!(matches!(
                cursor.decode(TAG, SCOPE, Some(&signing())),
                Err(Error::Cursor(_))
            ));
            Ok(())
        }

        proptest! {
            #![proptest_config(ProptestConfig {
                cases: 100_000,
                failure_persistence: None,
                ..ProptestConfig::default()
            })]

            #[test]
            fn any_text_is_a_key_or_a_cursor_error(text in prop_oneof![
                ".{0,80}",
                "[A-Za-z0-9_-]{0,120}",
                "[cps][A-Za-z0-9_-]{0,60}",
            ]) {
                check_any(&text.parse().unwrap())?;
            }

            #[test]
            fn any_bytes_are_a_key_or_a_cursor_error(bytes in prop_oneof![
                proptest::collection::vec(any::<u8>(), 0..120),
                cursor_like(),
            ]) {
                check_any(&encoded(&bytes))?;
            }

            #[test]
            fn signed_cursors_round_trip_and_refuse_any_change(
                key in key(),
                cut in any::<prop::sample::Index>(),
                flip in any::<prop::sample::Index>(),
                mask in 1u8..,
                suffix in proptest::collection::vec(any::<u8>(), 1..8),
            ) {
                let signing = signing();
                let cursor = Cursor::encode(TAG, SCOPE, &key, Some(&signing)).unwrap();
                prop_assert_eq!(&cursor.decode(TAG, SCOPE, Some(&signing)).unwrap(), &key);
                let plain = Cursor::encode(TAG, SCOPE, &key, None).unwrap();
                prop_assert_eq!(&plain.decode(TAG, SCOPE, None).unwrap(), &key);
                let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(cursor.as_str())
                    .unwrap();
                let refused = |c: &Cursor| {
                    matches!(c.decode(TAG, SCOPE, Some(&signing)), Err(Error::Cursor(_)))
                };
                // Truncated, extended, or one byte changed.
                prop_assert!(refused(&encoded(&bytes[..cut.index(bytes.len())])));
                prop_assert!(refused(&encoded(&[bytes.as_slice(), &suffix].concat())));
                let mut changed = bytes.clone();
                changed[flip.index(bytes.len())] ^= mask;
                prop_assert!(refused(&encoded(&changed)));
            }

            #[test]
            fn foreign_cursors_are_refused(
                key in key(),
                tag in "[a-z_]{1,12}",
                scope in ".{0,20}",
                other_secret in proptest::collection::vec(any::<u8>(), 32..40),
            ) {
                let signing = signing();
                for signed in [None, Some(&signing)] {
                    let cursor = Cursor::encode(&tag, &scope, &key, signed).unwrap();
                    if tag != TAG {
                        prop_assert!(matches!(
                            cursor.decode(TAG, &scope, signed),
                            Err(Error::Cursor(_))
                        ));
                    }
                    if scope != SCOPE {
                        prop_assert!(matches!(
                            cursor.decode(&tag, SCOPE, signed),
                            Err(Error::Cursor(_))
                        ));
                    }
                }
                let other = CursorKey::new(&other_secret).unwrap();
                if other_secret != [7u8; 32] {
                    let cursor = Cursor::encode(&tag, &scope, &key, Some(&other)).unwrap();
                    prop_assert!(matches!(
                        cursor.decode(&tag, &scope, Some(&signing)),
                        Err(Error::Cursor(_))
                    ));
                }
            }
        }
    }
}
