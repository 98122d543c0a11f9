//! The `UpdateItem` operation: one update of one item, sent alone or as part of a
//! transaction.

use std::future::IntoFuture;

use aws_sdk_dynamodb::types::ReturnValue;
use tracing::Instrument;

use super::Update;
use crate::entity::Entity;
use crate::error::{Error, Result};
use crate::expr::{Condition, Path, Placeholders};
use crate::key::Key;
use crate::request::{
    BoxFuture, Table, boxed, capacity, current_on_failure, key_item, record_capacity, record_items,
    returned_item, span, write_failure,
};
use crate::rules::Guards;

/// An `UpdateItem` request's parts, shared with transactions.
pub(crate) struct UpdateParts<E> {
    pub(crate) key: Key<E>,
    pub(crate) expression: String,
    pub(crate) condition: Option<String>,
    pub(crate) placeholders: Placeholders,
    /// The given values the condition checks, to name a mismatch.
    pub(crate) guards: Guards,
}

/// A pending `UpdateItem`. By default the item must exist ([`Error::ConditionFailed`]
/// otherwise); [`UpdateItem::upsert`] creates it.
#[must_use = "an operation does nothing until it is awaited"]
pub struct UpdateItem<'a, E> {
    pub(crate) table: &'a Table,
    pub(crate) key: Key<E>,
    pub(crate) update: Update<E>,
    condition: Option<Condition>,
    pub(crate) upsert: bool,
    return_current: bool,
}

impl<'a, E: Entity> UpdateItem<'a, E> {
    pub(crate) fn new(table: &'a Table, key: Key<E>, update: Update<E>) -> Self {
        Self {
            table,
            key,
            update,
            condition: None,
            upsert: false,
            return_current: false,
        }
    }

    /// Updates only if `condition` holds on the stored item.
    pub fn condition(mut self, condition: impl Into<Condition>) -> Self {
        self.condition = Some(condition.into());
        self
    }

    /// Creates the item when it is missing. The created item gets the type attribute, the
    /// attributes its key fixes, `auto: created` timestamps, and the defaults and index keys
    /// of attributes the update does not set (all written only if missing, so an existing
    /// item keeps its values). The update must set every other required attribute (plainly
    /// or with `_if_not_exists`) so the created item can be read; otherwise nothing is sent
    /// and the result is [`Error::IncompleteUpsert`] naming the missing attributes.
    pub fn upsert(mut self) -> Self {
        self.upsert = true;
        self
    }

    /// On a failed condition, attach the stored item to [`Error::ConditionFailed`].
    pub fn return_current_on_failure(mut self) -> Self {
        self.return_current = true;
        self
    }

    /// Updates and returns the item as it was before; `None` if an upsert created it.
    pub async fn returning_old(self) -> Result<Option<E>> {
        self.send(ReturnValue::AllOld).await
    }

    /// Updates and returns the item as it is after the update.
    pub async fn returning_new(self) -> Result<E> {
        let key = self.key.to_string();
        self.send(ReturnValue::AllNew)
            .await?
            .ok_or_else(|| Error::NotFound {
                entity: E::NAME,
                key,
            })
    }

    /// The same update with `condition` added to its own.
    pub(crate) fn clone_with_condition(&self, condition: Condition) -> Self {
        Self {
            table: self.table,
            key: self.key.clone(),
            update: self.update.clone(),
            condition: Some(match &self.condition {
                Some(c) => c.clone().and(condition),
                None => condition,
            }),
            upsert: self.upsert,
            return_current: self.return_current,
        }
    }

    /// The parts of the request, shared with transactions.
    pub(crate) fn into_parts(mut self) -> Result<UpdateParts<E>> {
        let guards = self
            .update
            .prepare(E::NAME, E::TYPE_ATTRIBUTE, &self.key, self.upsert)?;
        let mut placeholders = Placeholders::default();
        let (expression, own) = self.update.render(&mut placeholders)?;
        let exists =
            (!self.upsert).then(|| Condition::Exists(Path::attr(self.key.partition.attribute())));
        let condition = [exists, own, self.condition]
            .into_iter()
            .flatten()
            .reduce(Condition::and);
        let condition = condition.map(|c| placeholders.condition(&c)).transpose()?;
        Ok(UpdateParts {
            key: self.key,
            expression,
            condition,
            placeholders,
            guards,
        })
    }

    async fn send(self, return_values: ReturnValue) -> Result<Option<E>> {
        if !E::UNIQUE.is_empty() && crate::unique::touches(&self.update) {
            let (table, key) = (self.table, self.key.clone());
            let old = crate::unique::update(self).await?;
            return match return_values {
                ReturnValue::AllOld => old.map(E::from_item).transpose(),
                ReturnValue::None => Ok(None),
                _ => table.get(key).consistent().await,
            };
        }
        let table = self.table;
        let name = table.name();
        let return_current = self.return_current;
        let UpdateParts {
            key,
            expression,
            condition,
            mut placeholders,
            guards,
        } = self.into_parts()?;
        // The item before a failed write names the given values that were not stored.
        let ask_current = return_current || !guards.is_empty();
        let request = table
            .client()
            .update_item()
            .table_name(name)
            .set_key(Some(key_item(&key)?))
            .update_expression(expression)
            .set_condition_expression(condition)
            .set_expression_attribute_names(placeholders.take_names())
            .set_expression_attribute_values(placeholders.take_values())
            .set_return_values((return_values != ReturnValue::None).then_some(return_values))
            .set_return_consumed_capacity(capacity())
            .set_return_values_on_condition_check_failure(current_on_failure(ask_current));
        async {
            match boxed(request.send()).await {
                Ok(out) => {
                    record_capacity(out.consumed_capacity());
                    record_items(1);
                    returned_item(out.attributes)
                }
                Err(e) => {
                    let mut error = write_failure("UpdateItem", table, E::NAME, || key.to_string(), e, |s| match s {
                        aws_sdk_dynamodb::operation::update_item::UpdateItemError::ConditionalCheckFailedException(c) => c.item.clone(),
                        _ => None,
                    });
                    if let Error::ConditionFailed { item, mismatched, .. } = &mut error {
                        *mismatched = guards.mismatched(item.as_deref());
                    }
                    Err(error)
                }
            }
        }
        .instrument(span("UpdateItem", name, None, E::NAME))
        .await
    }
}

impl<'a, E: Entity> IntoFuture for UpdateItem<'a, E> {
    type Output = Result<()>;
    type IntoFuture = BoxFuture<'a, Self::Output>;
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move { self.send(ReturnValue::None).await.map(|_| ()) })
    }
}
