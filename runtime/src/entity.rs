//! The trait generated entity types implement.

use chrono::{DateTime, Utc};

use crate::Item;
use crate::error::Result;
use crate::key::Key;

/// One item type of a single-table design.
///
/// Generated code implements this for every entity of the schema with direct
/// `AttributeValue` conversion; hand-written implementations are possible but rarely needed.
pub trait Entity: Sized + Send + Sync + 'static {
    /// The entity's name, written to the table's type attribute and used in errors.
    const NAME: &'static str;

    /// The attribute that holds [`Entity::NAME`] on every item (`_type` by default).
    const TYPE_ATTRIBUTE: &'static str;

    /// The optimistic-locking attribute (`version: true`), if the entity has one. Every put
    /// then checks the stored version equals [`Entity::version`] and writes the next one.
    const VERSION_ATTRIBUTE: Option<&'static str> = None;

    /// The unique attributes, whose values [`crate::Table`]'s writes keep marker items for
    /// (see [`crate::unique`]).
    const UNIQUE: &'static [crate::unique::Unique] = &[];

    /// The item's primary key, built from its key template.
    fn key(&self) -> Key<Self>;

    /// The full item: attributes, table and index keys, type attribute, exactly as the
    /// struct holds them.
    fn to_item(&self) -> Result<Item> {
        self.to_stored_item(&WriteStamp::KEEP)
    }

    /// The item as a write stores it: like [`Entity::to_item`], but `auto: updated`
    /// timestamps (and the index keys built from them) take `stamp.now`, and a `version`
    /// attribute holds the next version. Entities without such attributes ignore `stamp`.
    fn to_stored_item(&self, stamp: &WriteStamp) -> Result<Item>;

    /// The version this value was read at (0 for a value never stored), for entities with a
    /// [`Entity::VERSION_ATTRIBUTE`].
    fn version(&self) -> i64 {
        0
    }

    /// Decodes an item read from the table. Attributes with defaults may be missing; any
    /// other missing or mistyped attribute is [`Error::Decode`](crate::Error::Decode).
    fn from_item(item: Item) -> Result<Self>;
}

/// What a write changes on its own: the time of `auto: updated` attributes and the version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteStamp {
    /// The instant written to `auto: updated` attributes; `None` keeps the struct's values.
    pub now: Option<DateTime<Utc>>,
    /// Whether a `version` attribute holds the next version instead of the struct's.
    pub next_version: bool,
}

impl WriteStamp {
    /// Keeps every value as the struct holds it ([`Entity::to_item`]).
    pub const KEEP: WriteStamp = WriteStamp {
        now: None,
        next_version: false,
    };

    /// The version a write stores for a value read at `current`.
    pub fn version(&self, current: i64) -> i64 {
        if self.next_version {
            current.saturating_add(1)
        } else {
            current
        }
    }

    /// A stamp for a write happening now.
    pub fn now() -> Self {
        Self {
            now: Some(Utc::now()),
            next_version: true,
        }
    }
}
