//! Transactions: `TransactWriteItems` with typed actions per entity, and `TransactGetItems`
//! with typed results in order.
//!
//! Limits are checked before anything is sent: at most 100 actions, no two on the same
//! item, 4 MB in total. A cancelled transaction is [`Error::TransactionCanceled`] with one
//! [`CancellationReason`] per action naming its index, entity, key and DynamoDB's code.

use std::collections::HashMap;
use std::marker::PhantomData;

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    ConditionCheck, Delete, Get, Put, ReturnValuesOnConditionCheckFailure, TransactGetItem,
    TransactWriteItem, Update as SdkUpdate,
};
use tracing::Instrument;

use crate::Item;
use crate::entity::Entity;
use crate::error::{CancellationReason, Error, LimitError, Result};
use crate::expr::{Condition, Placeholders};
use crate::key::Key;
use crate::request::{
    PutMode, Table, capacity, current_on_failure, entity_names, identity, key_item, put_condition,
    record_items, span, stored_item,
};
use crate::rules::Guards;
use crate::size::item_size;
use crate::update::{Update, UpdateItem, UpdateParts};

/// DynamoDB's limit on actions per transaction.
pub const MAX_TRANSACTION_ACTIONS: usize = 100;

/// DynamoDB's limit on the total size of a transaction, in bytes.
pub const MAX_TRANSACTION_BYTES: usize = 4 * 1024 * 1024;

/// What is known about one action besides the request: for duplicate checks and for mapping
/// cancellation reasons back.
struct Meta {
    entity: &'static str,
    key: String,
    identity: String,
    bytes: usize,
    /// An update's given values, to name the ones that made it fail.
    guards: Guards,
}

/// A pending `TransactWriteItems`: add actions, then [`TransactWrite::send`].
#[must_use = "a transaction does nothing until it is sent"]
pub struct TransactWrite<'a> {
    table: &'a Table,
    actions: Vec<TransactWriteItem>,
    meta: Vec<Meta>,
    token: Option<String>,
    return_current: bool,
    problem: Option<Error>,
}

fn condition_text(
    condition: Option<Condition>,
    placeholders: &mut Placeholders,
) -> Result<Option<String>> {
    condition.map(|c| placeholders.condition(&c)).transpose()
}

impl<'a> TransactWrite<'a> {
    pub(crate) fn new(table: &'a Table) -> Self {
        Self {
            table,
            actions: Vec::new(),
            meta: Vec::new(),
            token: None,
            return_current: false,
            problem: None,
        }
    }

    fn add(&mut self, action: Result<(TransactWriteItem, Meta)>) {
        match action {
            Ok((item, meta)) => {
                self.actions.push(item);
                self.meta.push(meta);
            }
            Err(e) => {
                if self.problem.is_none() {
                    self.problem = Some(e);
                }
            }
        }
    }

    fn put_action<E: Entity>(
        &mut self,
        entity: &E,
        mode: PutMode,
        condition: Option<Condition>,
    ) -> Result<(TransactWriteItem, Meta)> {
        if !E::UNIQUE.is_empty() {
            return Err(Error::UniqueRefused {
                entity: E::NAME,
                operation: "a put in a transaction",
            });
        }
        let key = entity.key();
        let item = stored_item(entity)?;
        let condition = put_condition(entity, || key.partition.attribute(), mode, condition);
        self.item_put(item, condition, E::NAME, &key)
    }

    /// A put of `item` (an entity's stored item, or a unique marker) under `condition`.
    fn item_put<E: Entity>(
        &self,
        item: Item,
        condition: Option<Condition>,
        entity: &'static str,
        key: &Key<E>,
    ) -> Result<(TransactWriteItem, Meta)> {
        let key_attrs = key_item(key)?;
        let mut placeholders = Placeholders::default();
        let expression = condition_text(condition, &mut placeholders)?;
        let meta = Meta {
            entity,
            key: key.to_string(),
            identity: identity(&key_attrs),
            bytes: item_size(&item),
            guards: Guards::default(),
        };
        let put = Put::builder()
            .table_name(self.table.name())
            .set_item(Some(item))
            .set_condition_expression(expression)
            .set_expression_attribute_names(placeholders.take_names())
            .set_expression_attribute_values(placeholders.take_values())
            .set_return_values_on_condition_check_failure(self.on_failure())
            .build()
            .map_err(|e| build_error(self.table, e))?;
        Ok((TransactWriteItem::builder().put(put).build(), meta))
    }

    fn on_failure(&self) -> Option<ReturnValuesOnConditionCheckFailure> {
        current_on_failure(self.return_current)
    }

    /// Attach each failed action's stored item to its [`CancellationReason`]. Call before
    /// adding actions.
    pub fn return_current_on_failure(mut self) -> Self {
        self.return_current = true;
        self
    }

    /// A client request token: retrying the same transaction with the same token within
    /// ten minutes is not applied twice.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Puts an item, replacing any item with its key (the version is checked for versioned
    /// entities).
    pub fn put<E: Entity>(mut self, entity: &E) -> Self {
        let action = self.put_action(entity, PutMode::Any, None);
        self.add(action);
        self
    }

    /// Puts an item only if `condition` holds on the stored one.
    pub fn put_if<E: Entity>(mut self, entity: &E, condition: impl Into<Condition>) -> Self {
        let action = self.put_action(entity, PutMode::Any, Some(condition.into()));
        self.add(action);
        self
    }

    /// Puts an item that must not exist yet. For an entity with unique attributes, the
    /// transaction also creates the markers of its values; a taken value cancels it (the
    /// marker's [`CancellationReason`] names the value).
    pub fn insert<E: Entity>(mut self, entity: &E) -> Self {
        if !E::UNIQUE.is_empty() {
            let actions = crate::unique::insert_actions(entity);
            return match actions {
                Ok(actions) => {
                    let key = entity.key();
                    let action = self.item_put(actions.item, actions.condition, E::NAME, &key);
                    self.add(action);
                    for (marker, free) in actions.markers {
                        self = self.marker_put(marker, free);
                    }
                    self
                }
                Err(e) => {
                    self.problem.get_or_insert(e);
                    self
                }
            };
        }
        let action = self.put_action(entity, PutMode::Absent, None);
        self.add(action);
        self
    }

    /// Puts an item that must exist already.
    pub fn replace<E: Entity>(mut self, entity: &E) -> Self {
        let action = self.put_action(entity, PutMode::Present, None);
        self.add(action);
        self
    }

    fn update_action<E: Entity>(
        &mut self,
        item: UpdateItem<'_, E>,
    ) -> Result<(TransactWriteItem, Meta)> {
        let UpdateParts {
            key,
            expression,
            condition,
            mut placeholders,
            guards,
        } = item.into_parts()?;
        let key_attrs = key_item(&key)?;
        let bytes = item_size(&key_attrs) + expression.len();
        // The item before a failed update names the given values that were not stored.
        let on_failure = current_on_failure(self.return_current || !guards.is_empty());
        let meta = Meta {
            entity: E::NAME,
            key: key.to_string(),
            identity: identity(&key_attrs),
            bytes,
            guards,
        };
        let update = SdkUpdate::builder()
            .table_name(self.table.name())
            .set_key(Some(key_attrs))
            .update_expression(expression)
            .set_condition_expression(condition)
            .set_expression_attribute_names(placeholders.take_names())
            .set_expression_attribute_values(placeholders.take_values())
            .set_return_values_on_condition_check_failure(on_failure)
            .build()
            .map_err(|e| build_error(self.table, e))?;
        Ok((TransactWriteItem::builder().update(update).build(), meta))
    }

    /// Updates an existing item (it must exist).
    pub fn update<E: Entity>(self, key: Key<E>, update: impl Into<Update<E>>) -> Self {
        self.update_with(key, update, |u| u)
    }

    /// Updates an existing item only if `condition` holds.
    pub fn update_if<E: Entity>(
        self,
        key: Key<E>,
        update: impl Into<Update<E>>,
        condition: impl Into<Condition>,
    ) -> Self {
        let condition = condition.into();
        self.update_with(key, update, |u| u.condition(condition))
    }

    /// Updates an item, creating it if missing (see [`UpdateItem::upsert`]).
    pub fn upsert<E: Entity>(self, key: Key<E>, update: impl Into<Update<E>>) -> Self {
        self.update_with(key, update, |u| u.upsert())
    }

    fn update_with<E: Entity>(
        mut self,
        key: Key<E>,
        update: impl Into<Update<E>>,
        refine: impl FnOnce(UpdateItem<'_, E>) -> UpdateItem<'_, E>,
    ) -> Self {
        if refused::<E>(&mut self.problem, "an update in a transaction") {
            return self;
        }
        let table = self.table;
        let action = self.update_action(refine(table.update(key, update)));
        self.add(action);
        self
    }

    /// The write of an entity with unique attributes, as [`crate::unique`] builds it.
    pub(crate) fn raw_update<E: Entity>(mut self, item: UpdateItem<'_, E>) -> Self {
        let action = self.update_action(item);
        self.add(action);
        self
    }

    /// See [`TransactWrite::raw_update`].
    pub(crate) fn raw_put<E: Entity>(
        mut self,
        item: Item,
        condition: Option<Condition>,
        key: &Key<E>,
    ) -> Self {
        let action = self.item_put(item, condition, E::NAME, key);
        self.add(action);
        self
    }

    /// See [`TransactWrite::raw_update`].
    pub(crate) fn raw_delete<E: Entity>(self, key: &Key<E>, condition: Condition) -> Self {
        self.delete_unchecked(key.clone(), Some(condition))
    }

    /// Creates a unique marker (`item` holds its key) under `condition`.
    pub(crate) fn marker_put(mut self, item: Item, condition: Condition) -> Self {
        let action = self.marker_action(item, condition, true);
        self.add(action);
        self
    }

    /// Deletes the unique marker at `key` under `condition`.
    pub(crate) fn marker_delete(mut self, key: Item, condition: Condition) -> Self {
        let action = self.marker_action(key, condition, false);
        self.add(action);
        self
    }

    fn marker_action(
        &self,
        item: Item,
        condition: Condition,
        put: bool,
    ) -> Result<(TransactWriteItem, Meta)> {
        let mut placeholders = Placeholders::default();
        let expression = placeholders.condition(&condition)?;
        let (names, values) = (placeholders.take_names(), placeholders.take_values());
        let meta = Meta {
            entity: crate::unique::MARKER_TYPE,
            key: identity(&item),
            identity: identity(&item),
            bytes: item_size(&item),
            guards: Guards::default(),
        };
        let action = if put {
            let put = Put::builder()
                .table_name(self.table.name())
                .set_item(Some(item))
                .condition_expression(expression)
                .set_expression_attribute_names(names)
                .set_expression_attribute_values(values)
                .build()
                .map_err(|e| build_error(self.table, e))?;
            TransactWriteItem::builder().put(put).build()
        } else {
            let delete = Delete::builder()
                .table_name(self.table.name())
                .set_key(Some(item))
                .condition_expression(expression)
                .set_expression_attribute_names(names)
                .set_expression_attribute_values(values)
                .build()
                .map_err(|e| build_error(self.table, e))?;
            TransactWriteItem::builder().delete(delete).build()
        };
        Ok((action, meta))
    }

    fn key_action<E: Entity>(
        &self,
        key: &Key<E>,
        condition: Option<Condition>,
    ) -> Result<(Item, Meta, Option<String>, Placeholders)> {
        let key_attrs = key_item(key)?;
        let mut placeholders = Placeholders::default();
        let expression = condition_text(condition, &mut placeholders)?;
        let meta = Meta {
            entity: E::NAME,
            key: key.to_string(),
            identity: identity(&key_attrs),
            bytes: item_size(&key_attrs),
            guards: Guards::default(),
        };
        Ok((key_attrs, meta, expression, placeholders))
    }

    /// Deletes an item.
    pub fn delete<E: Entity>(self, key: Key<E>) -> Self {
        self.delete_with(key, None)
    }

    /// Deletes an item only if `condition` holds (for instance its expected version).
    pub fn delete_if<E: Entity>(self, key: Key<E>, condition: impl Into<Condition>) -> Self {
        self.delete_with(key, Some(condition.into()))
    }

    fn delete_with<E: Entity>(mut self, key: Key<E>, condition: Option<Condition>) -> Self {
        if refused::<E>(&mut self.problem, "a delete in a transaction") {
            return self;
        }
        self.delete_unchecked(key, condition)
    }

    fn delete_unchecked<E: Entity>(mut self, key: Key<E>, condition: Option<Condition>) -> Self {
        let action = self.key_action(&key, condition).and_then(
            |(key, meta, expression, mut placeholders)| {
                let delete = Delete::builder()
                    .table_name(self.table.name())
                    .set_key(Some(key))
                    .set_condition_expression(expression)
                    .set_expression_attribute_names(placeholders.take_names())
                    .set_expression_attribute_values(placeholders.take_values())
                    .set_return_values_on_condition_check_failure(self.on_failure())
                    .build()
                    .map_err(|e| build_error(self.table, e))?;
                Ok((TransactWriteItem::builder().delete(delete).build(), meta))
            },
        );
        self.add(action);
        self
    }

    /// Checks `condition` on an item without changing it; the transaction fails if it does
    /// not hold.
    pub fn check<E: Entity>(mut self, key: Key<E>, condition: impl Into<Condition>) -> Self {
        let action = self.key_action(&key, Some(condition.into())).and_then(
            |(key, meta, expression, mut placeholders)| {
                let check = ConditionCheck::builder()
                    .table_name(self.table.name())
                    .set_key(Some(key))
                    .set_condition_expression(expression)
                    .set_expression_attribute_names(placeholders.take_names())
                    .set_expression_attribute_values(placeholders.take_values())
                    .set_return_values_on_condition_check_failure(self.on_failure())
                    .build()
                    .map_err(|e| build_error(self.table, e))?;
                Ok((
                    TransactWriteItem::builder().condition_check(check).build(),
                    meta,
                ))
            },
        );
        self.add(action);
        self
    }

    /// The number of actions so far.
    pub fn len(&self) -> usize {
        self.actions.len()
    }

    /// Whether there are no actions.
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }

    /// Sends the transaction: all actions apply, or none does.
    pub async fn send(self) -> Result<()> {
        if let Some(problem) = self.problem {
            return Err(problem);
        }
        check_actions("TransactWriteItems", &self.meta)?;
        let bytes: usize = self.meta.iter().map(|m| m.bytes).sum();
        if bytes > MAX_TRANSACTION_BYTES {
            return Err(Error::Limit(LimitError {
                what: "transaction size in bytes".to_owned(),
                actual: bytes,
                limit: MAX_TRANSACTION_BYTES,
            }));
        }
        let table = self.table.name();
        let meta = self.meta;
        let entities = entity_names(meta.iter().map(|m| m.entity));
        async {
            let result = self
                .table
                .client()
                .transact_write_items()
                .set_transact_items(Some(self.actions))
                .set_client_request_token(self.token)
                .set_return_consumed_capacity(capacity())
                .send()
                .await;
            match result {
                Ok(out) => {
                    let units: f64 = out
                        .consumed_capacity()
                        .iter()
                        .filter_map(|c| c.capacity_units())
                        .sum();
                    tracing::Span::current().record("consumed_capacity", units);
                    record_items(meta.len());
                    Ok(())
                }
                Err(e) => {
                    if let Some(TransactWriteItemsError::TransactionCanceledException(c)) =
                        e.as_service_error()
                    {
                        return Err(Error::TransactionCanceled {
                            reasons: reasons(&meta, c.cancellation_reasons()),
                        });
                    }
                    Err(self
                        .table
                        .failure("TransactWriteItems", "transaction", String::new, e))
                }
            }
        }
        .instrument(span("TransactWriteItems", table, None, &entities))
        .await
    }
}

/// Records [`Error::UniqueRefused`] for `operation` on an entity with unique attributes.
pub(crate) fn refused<E: Entity>(problem: &mut Option<Error>, operation: &'static str) -> bool {
    if E::UNIQUE.is_empty() {
        return false;
    }
    problem.get_or_insert(Error::UniqueRefused {
        entity: E::NAME,
        operation,
    });
    true
}

fn reasons(
    meta: &[Meta],
    sdk: &[aws_sdk_dynamodb::types::CancellationReason],
) -> Vec<CancellationReason> {
    meta.iter()
        .enumerate()
        .map(|(index, m)| {
            let reason = sdk.get(index);
            let code = reason.and_then(|r| r.code()).unwrap_or("None").to_owned();
            let item = reason
                .and_then(|r| r.item.clone())
                .filter(|i| !i.is_empty())
                .map(Box::new);
            let mismatched = if code == "ConditionalCheckFailed" {
                m.guards.mismatched(item.as_deref())
            } else {
                Vec::new()
            };
            CancellationReason {
                index,
                entity: m.entity,
                key: m.key.clone(),
                code,
                message: reason.and_then(|r| r.message()).map(str::to_owned),
                item,
                mismatched,
            }
        })
        .collect()
}

/// At most 100 actions, none on the same item twice.
fn check_actions(operation: &'static str, meta: &[Meta]) -> Result<()> {
    if meta.len() > MAX_TRANSACTION_ACTIONS {
        return Err(Error::Limit(LimitError {
            what: format!("number of {operation} actions"),
            actual: meta.len(),
            limit: MAX_TRANSACTION_ACTIONS,
        }));
    }
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(meta.len());
    for (i, m) in meta.iter().enumerate() {
        if let Some(first) = seen.insert(&m.identity, i) {
            return Err(Error::DuplicateItem {
                operation,
                entity: m.entity,
                key: m.key.clone(),
                first,
                second: i,
            });
        }
    }
    Ok(())
}

fn build_error(table: &Table, e: aws_sdk_dynamodb::error::BuildError) -> Error {
    Error::Sdk {
        operation: "TransactWriteItems",
        table: table.name().to_owned(),
        message: e.to_string(),
        source: Box::new(e),
    }
}

/// A typed handle on one read of a [`TransactGet`]; redeem it with
/// [`TransactGetResults::take`].
#[derive(Debug)]
pub struct Slot<E> {
    index: usize,
    entity: PhantomData<fn() -> E>,
}

/// A pending `TransactGetItems`: a consistent snapshot of up to 100 items.
#[must_use = "a transaction does nothing until it is sent"]
pub struct TransactGet<'a> {
    table: &'a Table,
    gets: Vec<TransactGetItem>,
    meta: Vec<Meta>,
    problem: Option<Error>,
}

impl<'a> TransactGet<'a> {
    pub(crate) fn new(table: &'a Table) -> Self {
        Self {
            table,
            gets: Vec::new(),
            meta: Vec::new(),
            problem: None,
        }
    }

    /// Adds a read; the returned slot gives its typed result.
    pub fn get<E: Entity>(&mut self, key: Key<E>) -> Slot<E> {
        let index = self.gets.len();
        let get = key_item(&key).and_then(|attrs| {
            let meta = Meta {
                entity: E::NAME,
                key: key.to_string(),
                identity: identity(&attrs),
                bytes: 0,
                guards: Guards::default(),
            };
            let get = Get::builder()
                .table_name(self.table.name())
                .set_key(Some(attrs))
                .build()
                .map_err(|e| build_error(self.table, e))?;
            Ok((get, meta))
        });
        match get {
            Ok((get, meta)) => {
                self.gets.push(TransactGetItem::builder().get(get).build());
                self.meta.push(meta);
            }
            Err(e) => {
                if self.problem.is_none() {
                    self.problem = Some(e);
                }
                // Keep slot indexes aligned; the send fails before anything is read.
                self.gets.push(TransactGetItem::builder().build());
                self.meta.push(Meta {
                    entity: E::NAME,
                    key: String::new(),
                    identity: format!("invalid {index}"),
                    bytes: 0,
                    guards: Guards::default(),
                });
            }
        }
        Slot {
            index,
            entity: PhantomData,
        }
    }

    /// Reads all items in one snapshot.
    pub async fn send(self) -> Result<TransactGetResults> {
        if let Some(problem) = self.problem {
            return Err(problem);
        }
        check_actions("TransactGetItems", &self.meta)?;
        let table = self.table.name();
        let count = self.gets.len();
        let entities = entity_names(self.meta.iter().map(|m| m.entity));
        async {
            let out = self
                .table
                .client()
                .transact_get_items()
                .set_transact_items(Some(self.gets))
                .set_return_consumed_capacity(capacity())
                .send()
                .await
                .map_err(|e| {
                    if let Some(
                        aws_sdk_dynamodb::operation::transact_get_items::TransactGetItemsError::TransactionCanceledException(c),
                    ) = e.as_service_error()
                    {
                        return Error::TransactionCanceled {
                            reasons: reasons(&self.meta, c.cancellation_reasons()),
                        };
                    }
                    self.table.failure("TransactGetItems", "transaction", String::new, e)
                })?;
            let units: f64 = out
                .consumed_capacity()
                .iter()
                .filter_map(|c| c.capacity_units())
                .sum();
            tracing::Span::current().record("consumed_capacity", units);
            let mut items: Vec<Option<Item>> = out
                .responses
                .unwrap_or_default()
                .into_iter()
                .map(|r| r.item.filter(|i| !i.is_empty()))
                .collect();
            items.resize(count, None);
            record_items(items.iter().flatten().count());
            Ok(TransactGetResults { items })
        }
        .instrument(span("TransactGetItems", table, None, &entities))
        .await
    }
}

/// The items of a [`TransactGet`], in the order they were added.
#[derive(Debug)]
pub struct TransactGetResults {
    items: Vec<Option<Item>>,
}

impl TransactGetResults {
    /// The typed result of one read: `None` if the item does not exist.
    pub fn take<E: Entity>(&mut self, slot: Slot<E>) -> Result<Option<E>> {
        self.items
            .get_mut(slot.index)
            .and_then(Option::take)
            .map(E::from_item)
            .transpose()
    }
}

impl Table {
    /// A write transaction on this table.
    pub fn transact_write(&self) -> TransactWrite<'_> {
        TransactWrite::new(self)
    }

    /// A read transaction on this table, for items of several entities.
    pub fn transact_get(&self) -> TransactGet<'_> {
        TransactGet::new(self)
    }

    /// Reads up to 100 items of one entity in one consistent snapshot, in the order of
    /// `keys`; `None` for missing items.
    pub async fn transact_get_all<E: Entity>(
        &self,
        keys: impl IntoIterator<Item = Key<E>>,
    ) -> Result<Vec<Option<E>>> {
        let mut tx = self.transact_get();
        let slots: Vec<Slot<E>> = keys.into_iter().map(|k| tx.get(k)).collect();
        let mut results = tx.send().await?;
        slots.into_iter().map(|s| results.take(s)).collect()
    }
}
