//! The trait generated entity types implement.

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

    /// The item's primary key, built from its key template.
    fn key(&self) -> Key<Self>;

    /// The full item: attributes, table and index keys, type attribute.
    fn to_item(&self) -> Result<Item>;

    /// Decodes an item read from the table. Attributes with defaults may be missing; any
    /// other missing or mistyped attribute is [`Error::Decode`](crate::Error::Decode).
    fn from_item(item: Item) -> Result<Self>;
}
