//! `Table`: a handle on one physical table, and the single-item operations on it.
//!
//! Each operation is a small builder that is awaited directly (`table.get(key).await`) or
//! refined first (`table.get(key).consistent().await`).

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnConsumedCapacity, ReturnValue};
use tracing::Instrument;

use crate::Item;
use crate::entity::{Entity, WriteStamp};
use crate::error::{Error, LimitError, Result, from_sdk};
use crate::expr::{Condition, Path, Placeholders};
use crate::key::Key;
use crate::size::{MAX_ITEM_BYTES, item_size};
use crate::update::{Update, UpdateItem, version_condition};

/// A boxed future, as returned by the operation builders' `IntoFuture`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A handle on one physical DynamoDB table. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Table {
    client: Client,
    name: Arc<str>,
}

impl Table {
    /// A table handle over an existing SDK client.
    pub fn new(client: Client, name: impl Into<String>) -> Self {
        Self {
            client,
            name: Arc::from(name.into()),
        }
    }

    /// A table handle configured from the environment through aws-config: `AWS_REGION`,
    /// `AWS_ENDPOINT_URL_DYNAMODB`, profiles and the standard credentials chain.
    pub async fn from_env(name: impl Into<String>) -> Self {
        let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        Self::new(Client::new(&config), name)
    }

    /// The same client pointed at another table name (for example one chosen at run time).
    pub fn with_name(&self, name: impl Into<String>) -> Self {
        Self::new(self.client.clone(), name)
    }

    /// The physical table name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The SDK client, for anything the runtime does not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

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

/// The condition a put adds on its own: insert's "absent", replace's "present", and the
/// expected version of a versioned entity.
pub(crate) fn put_condition<E: Entity>(
    entity: &E,
    partition: &'static str,
    mode: PutMode,
    extra: Option<Condition>,
) -> Option<Condition> {
    let mode = match mode {
        PutMode::Any => None,
        PutMode::Absent => Some(Condition::NotExists(Path::attr(partition))),
        PutMode::Present => Some(Condition::Exists(Path::attr(partition))),
    };
    let version = E::VERSION_ATTRIBUTE.map(|a| version_condition(a, entity.version()));
    [mode, version, extra]
        .into_iter()
        .flatten()
        .reduce(Condition::and)
}

/// The item a put stores, size-checked.
pub(crate) fn stored_item<E: Entity>(entity: &E, key: &Key<E>) -> Result<Item> {
    let item = entity.to_stored_item(&WriteStamp::now())?;
    check_item_size::<E>(&item, key)?;
    Ok(item)
}

/// Maps a failed write onto [`Error`]; a failed condition carries the stored item that
/// DynamoDB attached (when the request asked for it), as `current` extracts it.
pub(crate) fn write_failure<SE, R>(
    operation: &'static str,
    table: &str,
    entity: &'static str,
    key: impl FnOnce() -> String,
    error: aws_sdk_dynamodb::error::SdkError<SE, R>,
    current: impl FnOnce(&SE) -> Option<Item>,
) -> Error
where
    SE: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let item = error.as_service_error().and_then(current);
    match from_sdk(operation, table, entity, key, error) {
        Error::ConditionFailed {
            entity,
            key,
            mismatched,
            ..
        } => Error::ConditionFailed {
            entity,
            key,
            item: item.map(Box::new),
            mismatched,
        },
        other => other,
    }
}

/// The key of `key` as an SDK item, or [`Error::Key`].
pub(crate) fn key_item<E: Entity>(key: &Key<E>) -> Result<Item> {
    let pairs = key.attributes().map_err(|source| Error::Key {
        entity: E::NAME,
        source,
    })?;
    Ok(pairs
        .into_iter()
        .map(|(k, v)| (k.to_owned(), AttributeValue::S(v)))
        .collect())
}

/// The span every call runs in: operation, table, index and, once known, consumed capacity.
pub(crate) fn span(operation: &'static str, table: &str, index: Option<&str>) -> tracing::Span {
    tracing::info_span!(
        "dynamodb",
        operation,
        table,
        index = index.unwrap_or(""),
        consumed_capacity = tracing::field::Empty
    )
}

/// Whether to ask DynamoDB for consumed capacity: only when the call's span is recorded, as
/// computing it costs DynamoDB time (about 15% of a round trip on DynamoDB Local).
pub(crate) fn capacity() -> Option<ReturnConsumedCapacity> {
    tracing::enabled!(tracing::Level::INFO).then_some(ReturnConsumedCapacity::Total)
}

/// `ReturnValuesOnConditionCheckFailure` for a write that asked for the current item.
pub(crate) fn current_on_failure(
    asked: bool,
) -> Option<aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure> {
    asked.then_some(aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure::AllOld)
}

/// The item a write returned (`ReturnValues`), decoded; DynamoDB sends an empty map for none.
pub(crate) fn returned_item<E: Entity>(attributes: Option<Item>) -> Result<Option<E>> {
    attributes
        .filter(|a| !a.is_empty())
        .map(E::from_item)
        .transpose()
}

/// Records consumed capacity on the current span.
pub(crate) fn record_capacity(capacity: Option<&aws_sdk_dynamodb::types::ConsumedCapacity>) {
    if let Some(units) = capacity.and_then(|c| c.capacity_units()) {
        tracing::Span::current().record("consumed_capacity", units);
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
                .client
                .get_item()
                .table_name(table)
                .set_key(Some(key_item(&self.key)?))
                .consistent_read(self.consistent)
                .set_return_consumed_capacity(capacity())
                .send()
                .await
                .map_err(|e| from_sdk("GetItem", table, E::NAME, || self.key.to_string(), e))?;
            record_capacity(out.consumed_capacity());
            out.item.map(E::from_item).transpose()
        }
        .instrument(span("GetItem", table, None))
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PutMode {
    Any,
    Absent,
    Present,
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
        let table = self.table.name();
        let key = self.entity.key();
        let item = stored_item(self.entity, &key)?;
        let condition = put_condition(
            self.entity,
            key.partition.attribute(),
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
            .client
            .put_item()
            .table_name(table)
            .set_item(Some(item))
            .set_condition_expression(expression)
            .set_expression_attribute_names(placeholders.take_names())
            .set_expression_attribute_values(placeholders.take_values())
            .set_return_consumed_capacity(capacity())
            .set_return_values_on_condition_check_failure(current_on_failure(self.return_current));
        async {
            match request.send().await {
                Ok(out) => {
                    record_capacity(out.consumed_capacity());
                    Ok(())
                }
                Err(e) => {
                    Err(write_failure("PutItem", table, E::NAME, || key.to_string(), e, |s| match s {
                        aws_sdk_dynamodb::operation::put_item::PutItemError::ConditionalCheckFailedException(c) => c.item.clone(),
                        _ => None,
                    }))
                }
            }
        }
        .instrument(span("PutItem", table, None))
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
        let table = self.table.name();
        let mut placeholders = Placeholders::default();
        let expression = self
            .condition
            .as_ref()
            .map(|c| placeholders.condition(c))
            .transpose()?;
        let request = self
            .table
            .client
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
            match request.send().await {
                Ok(out) => {
                    record_capacity(out.consumed_capacity());
                    returned_item(out.attributes)
                }
                Err(e) => {
                    Err(write_failure("DeleteItem", table, E::NAME, || key.to_string(), e, |s| match s {
                        aws_sdk_dynamodb::operation::delete_item::DeleteItemError::ConditionalCheckFailedException(c) => c.item.clone(),
                        _ => None,
                    }))
                }
            }
        }
        .instrument(span("DeleteItem", table, None))
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

/// Rejects items over DynamoDB's 400 KB limit before sending them.
pub(crate) fn check_item_size<E: Entity>(item: &Item, key: &Key<E>) -> Result<()> {
    let size = item_size(item);
    if size > MAX_ITEM_BYTES {
        return Err(Error::Limit(LimitError {
            what: format!("item size in bytes of {} at {key}", E::NAME),
            actual: size,
            limit: MAX_ITEM_BYTES,
        }));
    }
    Ok(())
}
