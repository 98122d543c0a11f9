//! What a generated update builder tells the runtime about its entity, so that no update
//! leaves an index key contradicting its item and no upsert creates an item that cannot be
//! read: how each secondary index key is built from attributes, which attributes an item
//! must have, and the defaults of the others.
//!
//! A generated setter only records what it knows: the new value (an ordinary change) and
//! the values it was given for the other fields of the templates it feeds
//! ([`Update::given`](crate::Update::given)). When the request is built, the runtime takes
//! the values of the item's own key fields from its [`Key`](crate::Key), rewrites every
//! index key whose attributes the update changes from the item's values after the update,
//! and makes the write conditional on each given value still being stored, so a wrong or
//! stale argument is [`Error::ConditionFailed`] naming the attribute instead of a silently
//! corrupted index.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::Item;
use crate::codec::AttributeCodec;
use crate::error::{Error, KeyError, Result};
use crate::key::KeyAttribute;

/// An entity's rules for updates, generated once per entity.
#[derive(Debug)]
pub struct UpdateRules {
    /// Stored names of the attributes every item must have and that have no default (key
    /// fields, `auto` and `version` attributes excluded): an upsert must set each of them.
    pub required: &'static [&'static str],
    /// Writes the encoded default of each attribute that has one.
    pub defaults: fn(&mut Defaults),
    /// The secondary indexes whose keys are built from attributes an update can change.
    pub indexes: &'static [IndexRule],
}

/// How one secondary index's keys are built.
#[derive(Debug)]
pub struct IndexRule {
    /// The index name.
    pub name: &'static str,
    /// Stored names of the attributes (other than key fields) its templates read.
    pub fields: &'static [&'static str],
    /// The key attributes it writes; the ones `build` does not write (a sparse index while
    /// its optional field is absent) are removed.
    pub keys: &'static [&'static str],
    /// Builds the keys from the item's values.
    pub build: fn(&mut IndexKeys<'_>) -> Result<()>,
}

/// The encoded defaults of an entity, collected by [`UpdateRules::defaults`].
#[derive(Debug, Default)]
pub struct Defaults {
    values: Vec<(&'static str, AttributeValue)>,
}

impl Defaults {
    /// The defaults of an entity that has none.
    pub fn none(_: &mut Defaults) {}

    /// Records the default of `attribute`. A default that stores nothing (an empty set) or
    /// cannot be encoded is left out: a missing attribute decodes to its default anyway.
    pub fn put<T: AttributeCodec>(&mut self, attribute: &'static str, value: &T) {
        if let Ok(Some(v)) = value.encode() {
            self.values.push((attribute, v));
        }
    }

    pub(crate) fn get(&self, attribute: &str) -> Option<&AttributeValue> {
        self.values
            .iter()
            .find(|(a, _)| *a == attribute)
            .map(|(_, v)| v)
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &(&'static str, AttributeValue)> {
        self.values.iter()
    }
}

/// What is known of one attribute of the item as an update leaves it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Known<'a> {
    /// Stored with this value (`None`: absent).
    Value(Option<&'a AttributeValue>),
    /// Changed in a way whose result only DynamoDB knows (`ADD`, `if_not_exists`, ...).
    Unknowable,
}

/// The attribute values an index key is built from.
#[derive(Debug, Default)]
pub(crate) struct Values<'a> {
    known: Vec<(&'a str, Known<'a>)>,
    /// Whether an attribute not listed is absent (the values of an item an upsert creates)
    /// rather than unknown.
    complete: bool,
}

impl<'a> Values<'a> {
    /// Values of an item being created: anything not listed is absent.
    pub(crate) fn complete() -> Self {
        Self {
            known: Vec::new(),
            complete: true,
        }
    }

    /// Records `attribute` unless something is known of it already.
    pub(crate) fn offer(&mut self, attribute: &'a str, known: Known<'a>) {
        if !self.known.iter().any(|(a, _)| *a == attribute) {
            self.known.push((attribute, known));
        }
    }

    fn get(&self, attribute: &str) -> Option<Known<'a>> {
        let found = self.known.iter().find(|(a, _)| *a == attribute);
        match found {
            Some((_, k)) => Some(*k),
            None => self.complete.then_some(Known::Value(None)),
        }
    }
}

/// The values a generated [`IndexRule::build`] reads and the keys it writes.
#[derive(Debug)]
pub struct IndexKeys<'a> {
    entity: &'static str,
    index: &'static str,
    values: &'a Values<'a>,
    pub(crate) written: Vec<(&'static str, std::result::Result<String, KeyError>)>,
}

impl<'a> IndexKeys<'a> {
    pub(crate) fn new(entity: &'static str, index: &'static str, values: &'a Values<'a>) -> Self {
        Self {
            entity,
            index,
            values,
            written: Vec::new(),
        }
    }

    fn raw(&self, attribute: &'static str) -> Result<Option<&'a AttributeValue>> {
        match self.values.get(attribute) {
            Some(Known::Value(v)) => Ok(v),
            Some(Known::Unknowable) => Err(Error::Expression(format!(
                "index `{}` of {} is built from `{attribute}`, whose new value this update \
                 cannot know: set it to a value instead",
                self.index, self.entity
            ))),
            None => Err(Error::Expression(format!(
                "index `{}` of {} is built from `{attribute}`, which this update neither \
                 sets nor was given",
                self.index, self.entity
            ))),
        }
    }

    /// The value of a required attribute.
    pub fn get<T: AttributeCodec>(&self, attribute: &'static str) -> Result<T> {
        match self.optional(attribute)? {
            Some(v) => Ok(v),
            None => T::missing().ok_or_else(|| {
                Error::Decode(
                    crate::codec::CodecError::new("is missing").decoding(self.entity, attribute),
                )
            }),
        }
    }

    /// The value of an optional attribute (`None` while it is absent).
    pub fn optional<T: AttributeCodec>(&self, attribute: &'static str) -> Result<Option<T>> {
        self.raw(attribute)?
            .map(|v| T::decode(v.clone()).map_err(|e| e.decoding(self.entity, attribute).into()))
            .transpose()
    }

    /// Writes one key attribute of the index.
    pub fn key(&mut self, key: impl KeyAttribute) {
        self.written.push(key.into_attribute());
    }
}

/// A value an update was given for an attribute it does not change: the write applies only
/// while the item stores it (or, for `None`, stores nothing).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Guard {
    pub(crate) attribute: &'static str,
    pub(crate) expected: Option<AttributeValue>,
    /// The attribute's default: a missing attribute reads as it.
    pub(crate) default: Option<AttributeValue>,
}

/// The guards of one request, to name the attributes that made its condition fail.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Guards {
    pub(crate) guards: Vec<Guard>,
    pub(crate) upsert: bool,
}

impl Guards {
    /// Whether the request has no guards.
    pub fn is_empty(&self) -> bool {
        self.guards.is_empty()
    }

    /// The guarded attributes whose stored value (in `item`, the item before the failed
    /// write; `None` if there was none) is not the one the update was given. Nothing is
    /// named for a missing item unless the update was an upsert.
    pub fn mismatched(&self, item: Option<&Item>) -> Vec<&'static str> {
        let item = match item {
            Some(item) if !item.is_empty() => Some(item),
            _ if self.upsert => None,
            _ => return Vec::new(),
        };
        self.guards
            .iter()
            .filter(|g| {
                let stored = item.and_then(|i| i.get(g.attribute));
                let holds = match (&g.expected, stored) {
                    (None, stored) => stored.is_none(),
                    (Some(e), Some(s)) => e == s,
                    (Some(e), None) => g.default.as_ref() == Some(e),
                };
                !holds
            })
            .map(|g| g.attribute)
            .collect()
    }
}
