//! [`ItemWriter`], which builds the item of one write of an entity; generated
//! `to_stored_item` is one line per attribute and key through it.

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};

use super::{AttributeCodec, put, ttl};
use crate::Item;

/// Builds the item of one write of an entity: attributes, keys and the type attribute.
/// Remembers the first failure and reports it from [`ItemWriter::finish`], so generated
/// `to_stored_item` is one line per attribute and key.
#[derive(Debug)]
pub struct ItemWriter {
    entity: &'static str,
    item: Item,
    error: Option<crate::Error>,
}

impl ItemWriter {
    /// An empty item of `entity`, with room for `capacity` attributes.
    pub fn new(entity: &'static str, capacity: usize) -> Self {
        ItemWriter {
            entity,
            item: Item::with_capacity(capacity),
            error: None,
        }
    }

    /// Stores one attribute (nothing for an absent optional value or an empty set).
    pub fn put<T: AttributeCodec>(&mut self, attribute: &str, value: &T) {
        if let Err(e) = put(&mut self.item, self.entity, attribute, value) {
            self.error.get_or_insert(e.into());
        }
    }

    /// Stores a `ttl` attribute as epoch seconds.
    pub fn put_ttl(&mut self, attribute: &str, value: Option<&DateTime<Utc>>) {
        ttl::put(&mut self.item, attribute, value);
    }

    /// Stores a key attribute built from a template.
    pub fn key(&mut self, key: impl crate::key::KeyAttribute) {
        let (attribute, value) = key.into_attribute();
        match value {
            Ok(text) => {
                self.item
                    .insert(attribute.to_owned(), AttributeValue::S(text));
            }
            Err(source) => {
                self.error.get_or_insert(crate::Error::Key {
                    entity: self.entity,
                    source,
                });
            }
        }
    }

    /// The finished item with `type_attribute` naming the entity, or the first failure.
    pub fn finish(mut self, type_attribute: &str) -> crate::Result<Item> {
        if let Some(e) = self.error {
            return Err(e);
        }
        self.item.insert(
            type_attribute.to_owned(),
            AttributeValue::S(self.entity.to_owned()),
        );
        Ok(self.item)
    }
}
