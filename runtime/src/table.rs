//! `Table`: a handle on one physical table, and the single-item operations on it.
//!
//! Each operation is a small builder that is awaited directly (`table.get(key).await`) or
//! refined first (`table.get(key).consistent().await`).

use std::future::IntoFuture;

use aws_sdk_dynamodb::types::ReturnValue;
use tracing::Instrument;

use crate::entity::Entity;
use crate::error::{Error, Result};
use crate::expr::{Condition, Path, Placeholders};
use crate::key::Key;
pub use crate::request::{BoxFuture, Table};
use crate::request::{
    PutMode, boxed, capacity, current_on_failure, key_item, put_condition, record_capacity,
    record_items, returned_item, span, stored_item, version_condition, write_failure,
};
use crate::update::{Update, UpdateItem};

impl Table {
    /// Reads one item; `None` if it does not exist.
    pub fn get<E: Entity>(&self, key: Key<E>) -> GetItem<'_, E> {
        GetItem {
            table: self,
            key,
            consistent: false,
        }
    }

    /// Writes an item, replacing any item with the same key.
    pub fn put<'a, E: Entity>(&'a self, entity: &'a E) -> PutItem<'a, E> {
        PutItem {
            table: self,
            entity,
            mode: PutMode::Any,
            condition: None,
            return_current: false,
        }
    }

    /// Writes an item only if no item with its key exists; otherwise
    /// [`Error::ConditionFailed`].
    pub fn insert<'a, E: Entity>(&'a self, entity: &'a E) -> PutItem<'a, E> {
        PutItem {
            mode: PutMode::Absent,
            ..self.put(entity)
        }
    }

    /// Writes an item only if an item with its key exists; otherwise
    /// [`Error::ConditionFailed`].
    pub fn replace<'a, E: Entity>(&'a self, entity: &'a E) -> PutItem<'a, E> {
        PutItem {
            mode: PutMode::Present,
            ..self.put(entity)
        }
    }

    /// Deletes an item. Deleting an item that does not exist succeeds unless a condition
    /// says otherwise.
    pub fn delete<E: Entity>(&self, key: Key<E>) -> DeleteItem<'_, E> {
        DeleteItem {
            table: self,
            key,
            condition: None,
            return_current: false,
        }
    }

    /// Changes attributes of an existing item ([`Error::ConditionFailed`] if it is missing,
    /// unless [`UpdateItem::upsert`]). `update` comes from the entity's generated builder:
    /// `User::update().set_email("b@example.com").add_logins(1)`.
    pub fn update<E: Entity>(
        &self,
        key: Key<E>,
        update: impl Into<Update<E>>,
    ) -> UpdateItem<'_, E> {
        UpdateItem::new(self, key, update.into())
    }
}

/// A pending `GetItem`.
#[must_use = "an operation does nothing until it is awaited"]
pub struct GetItem<'a, E> {
    table: &'a Table,
    key: Key<E>,
    consistent: bool,
}

impl<'a, E: Entity> GetItem<'a, E> {
    /// Use a strongly consistent read.
    pub fn consistent(mut self) -> Self {
        self.consistent = true;
        self
    }

    /// The item, or [`Error::NotFound`] if it does not exist.
    pub async fn required(self) -> Result<E> {
        match self.send().await? {
            Some(entity) => Ok(entity),
            None => Err(Error::NotFound {
                entity: E::NAME,
                key: self.key.to_string(),
            }),
        }
    }

    async fn send(&self) -> Result<Option<E>> {
        let table = self.table.name();
        async {
            let out = self
                .table
                .client()
                .get_item()
                .table_name(table)
                .set_key(Some(key_item(&self.key)?))
                .consistent_read(self.consistent)
                .set_return_consumed_capacity(capacity())
                .send()
                .await
                .map_err(|e| {
                    self.table
                        .failure("GetItem", E::NAME, || self.key.to_string(), e)
                })?;
            record_capacity(out.consumed_capacity());
            record_items(usize::from(out.item.is_some()));
            out.item.map(E::from_item).transpose()
        }
        .instrument(span("GetItem", table, None, E::NAME))
        .await
    }
}

impl<'a, E: Entity> IntoFuture for GetItem<'a, E> {
    type Output = Result<Option<E>>;
    type IntoFuture = BoxFuture<'a, Self::Output>;
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move { self.send().await })
    }
}

/// A pending `PutItem` (put, insert or replace).
#[must_use = "an operation does nothing until it is awaited"]
pub struct PutItem<'a, E> {
    table: &'a Table,
    entity: &'a E,
    mode: PutMode,
    condition: Option<Condition>,
    return_current: bool,
}

impl<'a, E: Entity> PutItem<'a, E> {
    /// Writes only if `condition` holds on the stored item (combined with insert's or
    /// replace's own condition).
    pub fn condition(mut self, condition: impl Into<Condition>) -> Self {
        self.condition = Some(condition.into());
        self
    }

    /// On a failed condition, attach the stored item to [`Error::ConditionFailed`].
    pub fn return_current_on_failure(mut self) -> Self {
        self.return_current = true;
        self
    }

    async fn send(self) -> Result<()> {
        if !E::UNIQUE.is_empty() {
            return crate::unique::put(self.table, self.entity, self.mode, self.condition).await;
        }
        let table = self.table.name();
        let entity = self.entity;
        // The item carries the key attributes; the key itself is built only for what needs it
        // (insert's and replace's conditions, errors).
        let item = stored_item(entity)?;
        let condition = put_condition(
            entity,
            || entity.key().partition.attribute(),
            self.mode,
            self.condition,
        );
        let mut placeholders = Placeholders::default();
        let expression = condition
            .as_ref()
            .map(|c| placeholders.condition(c))
            .transpose()?;
        let request = self
            .table
            .client()
            .put_item()
            .table_name(table)
            .set_item(Some(item))
            .set_condition_expression(expression)
            .set_expression_attribute_names(placeholders.take_names())
            .set_expression_attribute_values(placeholders.take_values())
            .set_return_consumed_capacity(capacity())
            .set_return_values_on_condition_check_failure(current_on_failure(self.return_current));
        async {
            match boxed(request.send()).await {
                Ok(out) => {
                    record_capacity(out.consumed_capacity());
                    record_items(1);
                    Ok(())
                }
                Err(e) => {
                    Err(write_failure("PutItem", self.table, E::NAME, || entity.key().to_string(), e, |s| match s {
                        aws_sdk_dynamodb::operation::put_item::PutItemError::ConditionalCheckFailedException(c) => c.item.clone(),
                        _ => None,
                    }))
                }
            }
        }
        .instrument(span("PutItem", table, None, E::NAME))
        .await
    }
}

impl<'a, E: Entity> IntoFuture for PutItem<'a, E> {
    type Output = Result<()>;
    type IntoFuture = BoxFuture<'a, Self::Output>;
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// A pending `DeleteItem`.
#[must_use = "an operation does nothing until it is awaited"]
pub struct DeleteItem<'a, E> {
    table: &'a Table,
    key: Key<E>,
    condition: Option<Condition>,
    return_current: bool,
}

impl<'a, E: Entity> DeleteItem<'a, E> {
    /// Deletes only if `condition` holds on the stored item.
    pub fn condition(mut self, condition: impl Into<Condition>) -> Self {
        self.condition = Some(condition.into());
        self
    }

    /// Deletes only if the item exists; otherwise [`Error::ConditionFailed`].
    pub fn must_exist(self) -> Self {
        let partition = self.key.partition.attribute();
        let exists = Condition::Exists(Path::attr(partition));
        let condition = match self.condition.clone() {
            Some(c) => exists.and(c),
            None => exists,
        };
        self.condition(condition)
    }

    /// Deletes only if the stored item has version `expected` (optimistic locking, for
    /// entities with a `version` attribute; others get [`Error::Expression`]).
    pub fn expected_version(self, expected: i64) -> Self {
        let check = match E::VERSION_ATTRIBUTE {
            Some(attribute) => version_condition(attribute, expected),
            None => Condition::Invalid(format!("{} has no version attribute", E::NAME)),
        };
        let condition = match self.condition.clone() {
            Some(c) => c.and(check),
            None => check,
        };
        self.condition(condition)
    }

    /// On a failed condition, attach the stored item to [`Error::ConditionFailed`].
    pub fn return_current_on_failure(mut self) -> Self {
        self.return_current = true;
        self
    }

    /// Deletes and returns the item as it was, `None` if there was none.
    pub async fn returning_old(self) -> Result<Option<E>> {
        self.send(true).await
    }

    async fn send(self, return_old: bool) -> Result<Option<E>> {
        if !E::UNIQUE.is_empty() {
            let old = crate::unique::delete(self.table, &self.key, self.condition).await?;
            return match return_old {
                true => old.map(E::from_item).transpose(),
                false => Ok(None),
            };
        }
        let table = self.table.name();
        let mut placeholders = Placeholders::default();
        let expression = self
            .condition
            .as_ref()
            .map(|c| placeholders.condition(c))
            .transpose()?;
        let request = self
            .table
            .client()
            .delete_item()
            .table_name(table)
            .set_key(Some(key_item(&self.key)?))
            .set_condition_expression(expression)
            .set_expression_attribute_names(placeholders.take_names())
            .set_expression_attribute_values(placeholders.take_values())
            .set_return_values(return_old.then_some(ReturnValue::AllOld))
            .set_return_consumed_capacity(capacity())
            .set_return_values_on_condition_check_failure(current_on_failure(self.return_current));
        let key = &self.key;
        async {
            match boxed(request.send()).await {
                Ok(out) => {
                    record_capacity(out.consumed_capacity());
                    record_items(1);
                    returned_item(out.attributes)
                }
                Err(e) => {
                    Err(write_failure("DeleteItem", self.table, E::NAME, || key.to_string(), e, |s| match s {
                        aws_sdk_dynamodb::operation::delete_item::DeleteItemError::ConditionalCheckFailedException(c) => c.item.clone(),
                        _ => None,
                    }))
                }
            }
        }
        .instrument(span("DeleteItem", table, None, E::NAME))
        .await
    }
}

impl<'a, E: Entity> IntoFuture for DeleteItem<'a, E> {
    type Output = Result<()>;
    type IntoFuture = BoxFuture<'a, Self::Output>;
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move { self.send(false).await.map(|_| ()) })
    }
}
