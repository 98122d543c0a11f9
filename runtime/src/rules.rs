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

/// What one change of an update does to a top-level attribute, for [`values`].
#[derive(Debug, Clone, Copy)]
pub(crate) enum Change<'a> {
    /// Stores this value.
    Set(&'a AttributeValue),
    /// Removes the attribute.
    Remove,
    /// Stores this value only if the attribute is missing.
    SetIfMissing(&'a AttributeValue),
    /// Stores what DynamoDB computes (`ADD`, arithmetic, `list_append`, ...).
    Computed,
}

/// What an update leaves stored, as far as the request knows: its own changes, the values
/// it was given, the key's fields, and for an item it creates (`defaults` given) values set
/// only if missing and the defaults.
pub(crate) fn values<'a>(
    changes: impl Iterator<Item = (&'a str, Change<'a>)>,
    given: &'a [(&'static str, Option<AttributeValue>)],
    identity: &'a [(&'static str, std::result::Result<AttributeValue, KeyError>)],
    defaults: Option<&'a Defaults>,
) -> Values<'a> {
    let mut values = match defaults {
        Some(_) => Values::complete(),
        None => Values::default(),
    };
    for (name, change) in changes {
        let known = match change {
            Change::Set(v) => Known::Value(Some(v)),
            Change::Remove => Known::Value(None),
            Change::SetIfMissing(v) if defaults.is_some() => Known::Value(Some(v)),
            Change::SetIfMissing(_) => continue,
            Change::Computed => Known::Unknowable,
        };
        values.offer(name, known);
    }
    for (attribute, value) in given {
        values.offer(attribute, Known::Value(value.as_ref()));
    }
    for (attribute, value) in identity {
        if let Ok(v) = value {
            values.offer(attribute, Known::Value(Some(v)));
        }
    }
    for (attribute, value) in defaults.into_iter().flat_map(Defaults::iter) {
        values.offer(attribute, Known::Value(Some(value)));
    }
    values
}

/// The keys `rule` builds from `values`.
pub(crate) fn build(
    entity: &'static str,
    rule: &IndexRule,
    values: &Values<'_>,
) -> Result<Vec<(&'static str, std::result::Result<String, KeyError>)>> {
    let mut keys = IndexKeys::new(entity, rule.name, values);
    (rule.build)(&mut keys)?;
    Ok(keys.written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::{Condition, Path, Placeholders};
    use crate::key::{Key, KeyText};
    use crate::update::Update;

    fn n(v: i64) -> AttributeValue {
        AttributeValue::N(v.to_string())
    }

    fn guards(upsert: bool) -> Guards {
        Guards {
            guards: vec![
                Guard {
                    attribute: "assignee",
                    expected: None,
                    default: None,
                },
                Guard {
                    attribute: "priority",
                    expected: Some(n(3)),
                    default: Some(n(3)),
                },
            ],
            upsert,
        }
    }

    #[test]
    fn mismatched_names_given_values_that_are_not_stored() {
        let item = Item::from([
            ("assignee".to_owned(), AttributeValue::S("alice".into())),
            ("priority".to_owned(), n(3)),
        ]);
        assert_eq!(guards(false).mismatched(Some(&item)), ["assignee"]);
        let item = Item::from([("priority".to_owned(), n(9))]);
        assert_eq!(guards(false).mismatched(Some(&item)), ["priority"]);
        // A missing attribute reads as its default.
        assert!(guards(false).mismatched(Some(&Item::new())).is_empty());
        // No item: nothing to name, unless an upsert would have created it.
        assert!(guards(false).mismatched(None).is_empty());
        let mut wrong_default = guards(true);
        wrong_default.guards[1].expected = Some(n(1));
        assert_eq!(wrong_default.mismatched(None), ["priority"]);
    }

    #[test]
    fn index_keys_read_known_values_and_report_unknown_ones() {
        let three = n(3);
        let mut values = Values::default();
        values.offer("priority", Known::Value(Some(&three)));
        values.offer("priority", Known::Value(None)); // the first offer wins
        values.offer("spent", Known::Unknowable);
        let keys = IndexKeys::new("Task", "by_priority", &values);
        assert_eq!(keys.get::<i64>("priority").unwrap(), 3);
        assert!(matches!(
            keys.get::<i64>("spent"),
            Err(Error::Expression(_))
        ));
        assert!(matches!(
            keys.get::<i64>("title"),
            Err(Error::Expression(_))
        ));
        let created = Values::complete();
        let keys = IndexKeys::new("Task", "by_assignee", &created);
        assert_eq!(keys.optional::<String>("assignee").unwrap(), None);
        assert!(matches!(keys.get::<String>("title"), Err(Error::Decode(_))));
    }

    struct Thing;

    fn status_key(v: &mut IndexKeys<'_>) -> Result<()> {
        let status = v.get::<String>("status")?;
        let key = KeyText::new('#')
            .lit("S#")
            .value("status", &status)
            .finish();
        v.key(crate::key::PartitionKey::<Thing>::new("gsipk", key));
        Ok(())
    }

    fn status_default(d: &mut Defaults) {
        d.put("status", &"todo".to_owned());
    }

    static RULES: UpdateRules = UpdateRules {
        required: &["title"],
        defaults: status_default,
        indexes: &[IndexRule {
            name: "by_status",
            fields: &["status"],
            keys: &["gsipk"],
            build: status_key,
        }],
    };

    fn thing_key() -> Key<Thing> {
        Key::new(crate::key::PartitionKey::new("pk", Ok("T#1".into())), None).with_text("id", "1")
    }

    /// The update expression, its condition and the values it writes.
    fn rendered(u: &Update<Thing>) -> (String, Option<Condition>, Vec<AttributeValue>) {
        let mut p = Placeholders::default();
        let (text, condition) = u.render(&mut p).unwrap();
        let values = p.take_values().unwrap_or_default().into_values().collect();
        (text, condition, values)
    }

    #[test]
    fn changed_index_fields_rebuild_keys_and_given_values_become_conditions() {
        let mut u: Update<Thing> = Update::with_rules(&RULES);
        u.set(Path::attr("status"), &"done".to_owned());
        u.given("owner", &Some("ann".to_owned()));
        let guards = u.prepare("Thing", "_type", &thing_key(), false).unwrap();
        assert_eq!(guards.guards.len(), 1);
        let (text, condition, values) = rendered(&u);
        assert_eq!(text, "SET #n0 = :v0, #n1 = :v1");
        assert!(values.contains(&AttributeValue::S("S#done".into())));
        assert!(condition.is_some());

        // A value given for an attribute the update also sets is no condition.
        let mut u: Update<Thing> = Update::with_rules(&RULES);
        u.set(Path::attr("status"), &"done".to_owned());
        u.given("status", &"todo".to_owned());
        assert!(
            u.prepare("Thing", "_type", &thing_key(), false)
                .unwrap()
                .is_empty()
        );
        assert!(rendered(&u).1.is_none());
        assert!(rendered(&u).2.contains(&AttributeValue::S("S#done".into())));
    }

    #[test]
    fn upserts_need_required_attributes_and_fill_defaults_if_missing() {
        let mut u: Update<Thing> = Update::with_rules(&RULES);
        u.set(Path::attr("note"), &"x".to_owned());
        let err = u.prepare("Thing", "_type", &thing_key(), true).unwrap_err();
        assert!(matches!(err, Error::IncompleteUpsert { missing, .. } if missing == ["title"]));

        let mut u: Update<Thing> = Update::with_rules(&RULES);
        u.set_if_not_exists(Path::attr("title"), &"t".to_owned());
        u.prepare("Thing", "_type", &thing_key(), true).unwrap();
        let (text, _, values) = rendered(&u);
        // title, type attribute, key field, then the default and the index key built from it.
        assert_eq!(
            text,
            "SET #n0 = if_not_exists(#n0, :v0), #n1 = :v1, #n2 = :v2, \
             #n3 = if_not_exists(#n3, :v3), #n4 = if_not_exists(#n4, :v4)"
        );
        for v in ["todo", "S#todo", "1", "Thing"] {
            assert!(values.contains(&AttributeValue::S(v.into())), "{v}");
        }
    }
}
