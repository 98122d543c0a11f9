//! Unique attributes (`unique: true` or `unique: { scope: attr }` in the schema).
//!
//! Each stored value of a unique attribute has a marker item of its own, keyed by the entity,
//! the attribute, the scope's value and the value (`_unique#User#email#acme#ann@example.com`),
//! and naming its owner. Every write of such an entity through [`Table`] is one transaction
//! with the markers it changes: an insert creates them (failing on a taken value), a put,
//! replace or update moves the markers of values it changes, and a delete removes them. The
//! write is conditional on the unique values it read being still stored, and every marker
//! change on the marker still naming its owner, so no sequence of writes, concurrent or
//! failed, leaves a duplicate value or a marker without its item. A conflicting concurrent
//! write makes the operation read again and retry.
//!
//! Batch writes cannot carry the markers and are refused ([`Error::UniqueRefused`]), as are
//! transactions built by hand, which would have to include them.

use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::Item;
use crate::entity::Entity;
use crate::error::{Error, Result};
use crate::expr::{Condition, Path};
use crate::key::{Key, escape_into};
use crate::request::{PutMode, Table, identity, key_item, put_condition, stored_item};
use crate::rules::Change;
use crate::transact::TransactWrite;
use crate::update::UpdateItem;

/// A unique attribute of an entity, as generated from the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unique {
    /// The stored attribute name.
    pub attribute: &'static str,
    /// The attribute whose value scopes the uniqueness (`unique: { scope: org_id }`).
    pub scope: Option<&'static str>,
}

/// The type attribute's value on marker items.
pub const MARKER_TYPE: &str = "_unique";

/// How often a write is tried again after a concurrent write changed what it read.
const ATTEMPTS: u32 = 20;

/// The marker of one unique value.
#[derive(Debug, Clone, PartialEq)]
struct Marker {
    unique: Unique,
    /// The partition key attribute of the marker (the table's).
    partition: &'static str,
    /// The marker's key attributes.
    key: Item,
    /// The value, as text for errors.
    text: String,
    value: AttributeValue,
}

fn value_text(value: &AttributeValue) -> Option<String> {
    match value {
        AttributeValue::S(s) | AttributeValue::N(s) => Some(s.clone()),
        AttributeValue::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The markers of the unique values in `item` (a stored item, or what one becomes).
fn markers<E: Entity>(key: &Key<E>, item: &Item) -> Vec<Marker> {
    E::UNIQUE
        .iter()
        .filter_map(|u| {
            let value = item.get(u.attribute)?;
            let text = value_text(value)?;
            let mut pk = format!("{MARKER_TYPE}#{}#{}#", E::NAME, u.attribute);
            if let Some(scope) = u.scope {
                escape_into(&mut pk, &value_text(item.get(scope)?)?, '#');
                pk.push('#');
            }
            escape_into(&mut pk, &text, '#');
            let mut marker_key =
                Item::from([(key.partition.attribute().to_owned(), AttributeValue::S(pk))]);
            if let Some(sort) = &key.sort {
                marker_key.insert(
                    sort.attribute().to_owned(),
                    AttributeValue::S(MARKER_TYPE.to_owned()),
                );
            }
            Some(Marker {
                unique: *u,
                partition: key.partition.attribute(),
                key: marker_key,
                text,
                value: value.clone(),
            })
        })
        .collect()
}

/// What a write does to the markers: the ones to create and the ones to remove.
struct Moves {
    create: Vec<Marker>,
    remove: Vec<Marker>,
}

fn moves(old: Vec<Marker>, new: Vec<Marker>) -> Moves {
    Moves {
        create: new.iter().filter(|m| !old.contains(m)).cloned().collect(),
        remove: old.into_iter().filter(|m| !new.contains(m)).collect(),
    }
}

/// The condition that the unique attributes (and their scopes) of the item are as `current`
/// holds them, and that the item exists exactly when `current` does.
fn unchanged<E: Entity>(key: &Key<E>, current: Option<&Item>) -> Condition {
    let pk = Path::attr(key.partition.attribute());
    let Some(current) = current else {
        return Condition::NotExists(pk);
    };
    let mut conditions = vec![Condition::Exists(pk)];
    let attributes = E::UNIQUE
        .iter()
        .flat_map(|u| std::iter::once(u.attribute).chain(u.scope));
    for attribute in attributes {
        conditions.push(match current.get(attribute) {
            Some(v) => Condition::Compare(
                crate::expr::Operand::Path(Path::attr(attribute)),
                crate::expr::Comparison::Eq,
                crate::expr::Operand::Value(v.clone()),
            ),
            None => Condition::NotExists(Path::attr(attribute)),
        });
    }
    Condition::And(conditions)
}

/// Adds the marker moves to a transaction whose first action writes the item.
fn with_moves<'a>(
    mut tx: TransactWrite<'a>,
    owner: &str,
    entity: &'static str,
    type_attribute: &'static str,
    moves: &Moves,
) -> TransactWrite<'a> {
    let owned = || {
        Condition::Compare(
            crate::expr::Operand::Path(Path::attr("owner")),
            crate::expr::Comparison::Eq,
            crate::expr::Operand::Value(AttributeValue::S(owner.to_owned())),
        )
    };
    for m in &moves.create {
        let item = marker_item(m, owner, entity, type_attribute);
        let free = Condition::NotExists(Path::attr(m.partition));
        tx = tx.marker_put(item, free.or(owned()));
    }
    for m in &moves.remove {
        tx = tx.marker_delete(m.key.clone(), owned());
    }
    tx
}

/// The consistent stored item at `key`, undecoded.
async fn current<E: Entity>(table: &Table, key: &Key<E>) -> Result<Option<Item>> {
    crate::request::get_raw(table, key_item(key)?, E::NAME).await
}

/// How one attempt ended.
enum Outcome {
    Done,
    /// Something changed between the read and the write: read again.
    Retry,
}

/// Maps a failed transaction: a taken value is [`Error::UniqueViolation`], a concurrent
/// change of what was read is a retry, and a failed condition of the write itself (the
/// caller's, insert's or a version) is [`Error::ConditionFailed`].
async fn settle<E: Entity>(
    table: &Table,
    key: &Key<E>,
    read: Option<&Item>,
    guarded: bool,
    moves: &Moves,
    sent: Result<()>,
) -> Result<Outcome> {
    let reasons = match sent {
        Ok(()) => return Ok(Outcome::Done),
        Err(Error::TransactionCanceled { reasons }) => reasons,
        Err(e) => return Err(e),
    };
    if reasons.iter().any(|r| r.code == "TransactionConflict") {
        return Ok(Outcome::Retry);
    }
    // Actions: the item, then the created markers, then the removed ones.
    let Some(r) = reasons.iter().find(|r| r.code == "ConditionalCheckFailed") else {
        return Err(Error::TransactionCanceled { reasons });
    };
    if r.index == 0 {
        // Was it what was read that changed (for a write guarded by it), or the write's own
        // condition?
        let now = current(table, key).await?;
        let read_markers = read.map(|i| markers(key, i)).unwrap_or_default();
        let now_markers = now.as_ref().map(|i| markers(key, i)).unwrap_or_default();
        if guarded && (now.is_some() != read.is_some() || now_markers != read_markers) {
            return Ok(Outcome::Retry);
        }
        return Err(Error::ConditionFailed {
            entity: E::NAME,
            key: key.to_string(),
            item: now.map(Box::new),
            mismatched: Vec::new(),
        });
    }
    match moves.create.get(r.index - 1) {
        Some(m) => Err(Error::UniqueViolation {
            entity: E::NAME,
            attribute: m.unique.attribute,
            value: m.text.clone(),
        }),
        // A removed marker no longer names this item: someone moved it; read again.
        None => Ok(Outcome::Retry),
    }
}

async fn pause(attempt: u32) {
    let jitter = u64::from(fastrand::u8(..)) % 10;
    tokio::time::sleep(Duration::from_millis(u64::from(attempt) * 5 + jitter)).await;
}

fn exhausted<E: Entity>(key: &Key<E>) -> Error {
    Error::UniqueContended {
        entity: E::NAME,
        key: key.to_string(),
        attempts: ATTEMPTS,
    }
}

/// An insert's actions for a hand-built transaction: the item with its condition, and each
/// marker with the condition that its value is free.
pub(crate) struct InsertActions {
    pub(crate) item: Item,
    pub(crate) condition: Option<Condition>,
    pub(crate) markers: Vec<(Item, Condition)>,
}

/// See [`InsertActions`].
pub(crate) fn insert_actions<E: Entity>(entity: &E) -> Result<InsertActions> {
    let key = entity.key();
    let owner = identity(&key_item(&key)?);
    let item = stored_item(entity)?;
    let condition = put_condition(entity, || key.partition.attribute(), PutMode::Absent, None);
    let markers = markers(&key, &item)
        .into_iter()
        .map(|m| {
            let free = Condition::NotExists(Path::attr(m.partition));
            (marker_item(&m, &owner, E::NAME, E::TYPE_ATTRIBUTE), free)
        })
        .collect();
    Ok(InsertActions {
        item,
        condition,
        markers,
    })
}

/// The stored marker of `m`, owned by `owner`.
fn marker_item(
    m: &Marker,
    owner: &str,
    entity: &'static str,
    type_attribute: &'static str,
) -> Item {
    let mut item = m.key.clone();
    item.insert(
        type_attribute.to_owned(),
        AttributeValue::S(MARKER_TYPE.to_owned()),
    );
    item.insert("owner".to_owned(), AttributeValue::S(owner.to_owned()));
    item.insert("entity".to_owned(), AttributeValue::S(entity.to_owned()));
    item.insert(
        "attribute".to_owned(),
        AttributeValue::S(m.unique.attribute.to_owned()),
    );
    item.insert("value".to_owned(), m.value.clone());
    item
}

/// `put`, `insert` or `replace` of an entity with unique attributes.
pub(crate) async fn put<E: Entity>(
    table: &Table,
    entity: &E,
    mode: PutMode,
    condition: Option<Condition>,
) -> Result<()> {
    let key = entity.key();
    let owner = identity(&key_item(&key)?);
    let item = stored_item(entity)?;
    for attempt in 0..ATTEMPTS {
        let read = match mode {
            PutMode::Absent => None,
            _ => current(table, &key).await?,
        };
        if mode == PutMode::Present && read.is_none() {
            return Err(Error::ConditionFailed {
                entity: E::NAME,
                key: key.to_string(),
                item: None,
                mismatched: Vec::new(),
            });
        }
        let guard = (mode != PutMode::Absent).then(|| unchanged(&key, read.as_ref()));
        let own = put_condition(
            entity,
            || key.partition.attribute(),
            mode,
            condition.clone(),
        );
        let write = [own, guard].into_iter().flatten().reduce(Condition::and);
        let moves = moves(
            read.as_ref().map(|r| markers(&key, r)).unwrap_or_default(),
            markers(&key, &item),
        );
        let tx = TransactWrite::new(table).raw_put::<E>(item.clone(), write, &key);
        let tx = with_moves(tx, &owner, E::NAME, E::TYPE_ATTRIBUTE, &moves);
        match settle(
            table,
            &key,
            read.as_ref(),
            mode != PutMode::Absent,
            &moves,
            tx.send().await,
        )
        .await?
        {
            Outcome::Done => return Ok(()),
            Outcome::Retry => pause(attempt).await,
        }
    }
    Err(exhausted(&key))
}

/// `delete` of an entity with unique attributes; returns the item as it was.
pub(crate) async fn delete<E: Entity>(
    table: &Table,
    key: &Key<E>,
    condition: Option<Condition>,
) -> Result<Option<Item>> {
    let owner = identity(&key_item(key)?);
    for attempt in 0..ATTEMPTS {
        let read = current(table, key).await?;
        let guard = unchanged(key, read.as_ref());
        let write = match condition.clone() {
            Some(c) => guard.and(c),
            None => guard,
        };
        let moves = moves(
            read.as_ref().map(|r| markers(key, r)).unwrap_or_default(),
            Vec::new(),
        );
        let tx = TransactWrite::new(table).raw_delete::<E>(key, write);
        let tx = with_moves(tx, &owner, E::NAME, E::TYPE_ATTRIBUTE, &moves);
        match settle(table, key, read.as_ref(), true, &moves, tx.send().await).await? {
            Outcome::Done => return Ok(read),
            Outcome::Retry => pause(attempt).await,
        }
    }
    Err(exhausted(key))
}

/// Whether an update changes a unique attribute (or its scope).
pub(crate) fn touches<E: Entity>(update: &crate::Update<E>) -> bool {
    E::UNIQUE.iter().any(|u| {
        update.change_of(u.attribute).is_some()
            || u.scope.is_some_and(|s| update.change_of(s).is_some())
    })
}

/// An update of an entity with unique attributes that changes one of them; returns the item
/// as it was.
pub(crate) async fn update<E: Entity>(item: UpdateItem<'_, E>) -> Result<Option<Item>> {
    let table = item.table;
    let key = item.key.clone();
    let owner = identity(&key_item(&key)?);
    for attempt in 0..ATTEMPTS {
        let read = current(table, &key).await?;
        if read.is_none() && !item.upsert {
            return Err(Error::ConditionFailed {
                entity: E::NAME,
                key: key.to_string(),
                item: None,
                mismatched: Vec::new(),
            });
        }
        // The unique values as the update leaves them.
        let mut after = read.clone().unwrap_or_default();
        for attribute in E::UNIQUE
            .iter()
            .flat_map(|u| std::iter::once(u.attribute).chain(u.scope))
        {
            match item.update.change_of(attribute) {
                None => {}
                Some(Change::Set(v)) => {
                    after.insert(attribute.to_owned(), v.clone());
                }
                Some(Change::SetIfMissing(v)) => {
                    after
                        .entry(attribute.to_owned())
                        .or_insert_with(|| v.clone());
                }
                Some(Change::Remove) => {
                    after.remove(attribute);
                }
                Some(Change::Computed) => {
                    return Err(Error::Expression(format!(
                        "{}: the unique attribute `{attribute}` can only be set to a value, not computed",
                        E::NAME
                    )));
                }
            }
        }
        let moves = moves(
            read.as_ref().map(|r| markers(&key, r)).unwrap_or_default(),
            markers(&key, &after),
        );
        let guard = unchanged(&key, read.as_ref());
        let attempt_item = item.clone_with_condition(guard);
        let tx = TransactWrite::new(table).raw_update(attempt_item);
        let tx = with_moves(tx, &owner, E::NAME, E::TYPE_ATTRIBUTE, &moves);
        match settle(table, &key, read.as_ref(), true, &moves, tx.send().await).await? {
            Outcome::Done => return Ok(read),
            Outcome::Retry => pause(attempt).await,
        }
    }
    Err(exhausted(&key))
}
