//! The plumbing every request shares: the [`Table`] handle requests go through, the span and
//! consumed capacity of a call, key items, size-checked stored items, the conditions writes
//! add on their own, and the mapping of failed writes onto [`Error`].
//!
//! The operation modules and `table` build on this one; it imports none of them.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnConsumedCapacity};
use tracing::Instrument;

use crate::Item;
use crate::entity::{Entity, WriteStamp};
use crate::error::{Error, KeyError, LimitError, Result, from_sdk};
use crate::expr::{Condition, Path};
use crate::field::Field;
use crate::key::Key;
use crate::query::CursorKey;
use crate::size::{MAX_ITEM_BYTES, item_size};

/// A boxed future, as returned by the operation builders' `IntoFuture`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A handle on one physical DynamoDB table. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Table {
    client: Client,
    name: Arc<str>,
    /// Signs and checks this handle's query cursors, when set.
    cursor_key: Option<Arc<CursorKey>>,
    /// The client of this table's DynamoDB stream, when given one.
    #[cfg(feature = "streams")]
    streams: Option<aws_sdk_dynamodbstreams::Client>,
}

impl Table {
    /// A table handle over an existing SDK client.
    pub fn new(client: Client, name: impl Into<String>) -> Self {
        Self {
            client,
            name: Arc::from(name.into()),
            cursor_key: None,
            #[cfg(feature = "streams")]
            streams: None,
        }
    }

    /// A table handle configured from the environment through aws-config: `AWS_REGION`,
    /// `AWS_ENDPOINT_URL_DYNAMODB`, profiles and the standard credentials chain. With the
    /// `streams` feature it also gets a Streams client ([`Table::stream_reader`]) from the same
    /// configuration, at `AWS_ENDPOINT_URL_DYNAMODB_STREAMS`, else `AWS_ENDPOINT_URL_DYNAMODB`.
    pub async fn from_env(name: impl Into<String>) -> Self {
        let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let table = Self::new(Client::new(&config), name);
        #[cfg(feature = "streams")]
        let table = table.with_streams_client(crate::stream::streams_client(&config));
        table
    }

    /// The same client pointed at another table name (for example one chosen at run time).
    pub fn with_name(&self, name: impl Into<String>) -> Self {
        Self {
            name: Arc::from(name.into()),
            ..self.clone()
        }
    }

    /// Signs every query cursor this handle hands out with `key` (HMAC-SHA256) and accepts
    /// only cursors it signed: a changed cursor, one from another partition of the same
    /// pattern, or an unsigned one is [`Error::Cursor`]. For cursors that travel through a
    /// public API, where a plain cursor is just the encoded key and can be edited.
    pub fn with_cursor_key(mut self, key: CursorKey) -> Self {
        self.cursor_key = Some(Arc::new(key));
        self
    }

    /// Reads this table's stream ([`Table::stream_reader`]) through `client`, for example one
    /// with the same endpoint as this handle's DynamoDB client.
    #[cfg(feature = "streams")]
    pub fn with_streams_client(mut self, client: aws_sdk_dynamodbstreams::Client) -> Self {
        self.streams = Some(client);
        self
    }

    /// The client given by [`Table::with_streams_client`], if any.
    #[cfg(feature = "streams")]
    pub fn streams_client(&self) -> Option<&aws_sdk_dynamodbstreams::Client> {
        self.streams.as_ref()
    }

    /// The key that signs this handle's cursors, if any.
    pub(crate) fn cursor_key(&self) -> Option<&CursorKey> {
        self.cursor_key.as_deref()
    }

    /// The physical table name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The SDK client, for anything the runtime does not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The most attempts the client's retry policy allows, if its config sets one.
    pub(crate) fn max_attempts(&self) -> Option<u32> {
        self.client
            .config()
            .retry_config()
            .map(|retry| retry.max_attempts())
    }

    /// Maps a failed SDK call of this table onto [`Error`] (see [`from_sdk`]).
    pub(crate) fn failure<E>(
        &self,
        operation: &'static str,
        entity: &'static str,
        key: impl FnOnce() -> String,
        err: aws_sdk_dynamodb::error::SdkError<E, aws_sdk_dynamodb::config::http::HttpResponse>,
    ) -> Error
    where
        E: aws_sdk_dynamodb::error::ProvideErrorMetadata
            + std::error::Error
            + Send
            + Sync
            + 'static,
    {
        from_sdk(
            operation,
            self.name(),
            self.max_attempts(),
            entity,
            key,
            err,
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PutMode {
    Any,
    Absent,
    Present,
}

/// The condition a put adds on its own: insert's "absent", replace's "present", and the
/// expected version of a versioned entity. `partition` names the partition key attribute; a
/// plain put does not ask for it.
pub(crate) fn put_condition<E: Entity>(
    entity: &E,
    partition: impl FnOnce() -> &'static str,
    mode: PutMode,
    extra: Option<Condition>,
) -> Option<Condition> {
    let mode = match mode {
        PutMode::Any => None,
        PutMode::Absent => Some(Condition::NotExists(Path::attr(partition()))),
        PutMode::Present => Some(Condition::Exists(Path::attr(partition()))),
    };
    let version = E::VERSION_ATTRIBUTE.map(|a| version_condition(a, entity.version()));
    [mode, version, extra]
        .into_iter()
        .flatten()
        .reduce(Condition::and)
}

/// The item a put stores, size-checked. The item holds the key attributes, and the key itself
/// is built only to name an oversized item.
pub(crate) fn stored_item<E: Entity>(entity: &E) -> Result<Item> {
    let item = entity.to_stored_item(&WriteStamp::now())?;
    check_item_size(&item, || entity.key())?;
    Ok(item)
}

/// Maps a failed write onto [`Error`]; a failed condition carries the stored item that
/// DynamoDB attached (when the request asked for it), as `current` extracts it.
pub(crate) fn write_failure<SE>(
    operation: &'static str,
    table: &Table,
    entity: &'static str,
    key: impl FnOnce() -> String,
    error: aws_sdk_dynamodb::error::SdkError<SE, aws_sdk_dynamodb::config::http::HttpResponse>,
    current: impl FnOnce(&SE) -> Option<Item>,
) -> Error
where
    SE: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let item = error.as_service_error().and_then(current);
    match table.failure(operation, entity, key, error) {
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
    let invalid = |source: &KeyError| Error::Key {
        entity: E::NAME,
        source: source.clone(),
    };
    let mut item = Item::with_capacity(2);
    let partition = key.partition.value().map_err(invalid)?;
    item.insert(
        key.partition.attribute().to_owned(),
        AttributeValue::S(partition.to_owned()),
    );
    if let Some(sort) = &key.sort {
        let value = sort.value().map_err(invalid)?;
        item.insert(
            sort.attribute().to_owned(),
            AttributeValue::S(value.to_owned()),
        );
    }
    Ok(item)
}

/// An SDK request's future, boxed where it is created. Its state is several kilobytes; boxed,
/// the futures wrapping it (span, error mapping, `IntoFuture`) stay small, instead of each
/// holding and copying the whole of it whenever one is moved.
pub(crate) fn boxed<F: Future>(future: F) -> Pin<Box<F>> {
    Box::pin(future)
}

/// The span every call runs in: operation, table, index, the entity (or entities) it is for
/// and, once known, the number of items it read or wrote and the capacity it consumed. No
/// attribute value is ever recorded on it: keys and items hold user data.
pub(crate) fn span(
    operation: &'static str,
    table: &str,
    index: Option<&str>,
    entity: &str,
) -> tracing::Span {
    tracing::info_span!(
        "dynamodb",
        operation,
        table,
        index = index.unwrap_or(""),
        entity,
        items = tracing::field::Empty,
        consumed_capacity = tracing::field::Empty
    )
}

/// Records on the current span how many items the call read or wrote.
pub(crate) fn record_items(count: usize) {
    tracing::Span::current().record("items", count);
}

/// The distinct entity names of a batch or transaction, in first-seen order, for its span.
pub(crate) fn entity_names<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for name in names {
        if !seen.contains(&name) {
            seen.push(name);
        }
    }
    seen.join(",")
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

/// The condition of an optimistic-locking check: version `expected` is stored.
pub(crate) fn version_condition(attribute: &'static str, expected: i64) -> Condition {
    if expected == 0 {
        Condition::NotExists(Path::attr(attribute))
    } else {
        Field::<i64>::new(Path::attr(attribute)).eq(expected)
    }
}

/// The item at `key` as stored, read consistently; `None` if there is none. For the runtime's
/// own read-then-write operations (unique markers, migrations), which work on raw items.
pub(crate) async fn get_raw(
    table: &Table,
    key: Item,
    entity: &'static str,
) -> Result<Option<Item>> {
    let out = table
        .client()
        .get_item()
        .table_name(table.name())
        .set_key(Some(key))
        .consistent_read(true)
        .send()
        .instrument(span("GetItem", table.name(), None, entity))
        .await
        .map_err(|e| table.failure("GetItem", entity, String::new, e))?;
    Ok(out.item.filter(|i| !i.is_empty()))
}

/// The attributes of `item` named in `attributes` (its key, say).
pub(crate) fn project<'a>(item: &Item, attributes: impl IntoIterator<Item = &'a str>) -> Item {
    attributes
        .into_iter()
        .filter_map(|a| item.get(a).map(|v| (a.to_owned(), v.clone())))
        .collect()
}

/// A canonical text for the key of an item, to find two actions on the same item.
pub(crate) fn identity(key: &Item) -> String {
    let mut pairs: Vec<_> = key.iter().collect();
    pairs.sort_by(|a, b| a.0.cmp(b.0));
    let mut out = String::new();
    for (name, value) in pairs {
        out.push_str(name);
        out.push('=');
        // Key values are strings; anything else still gets a unique text.
        match value.as_s() {
            Ok(s) => out.push_str(s),
            Err(_) => out.push_str(&format!("{value:?}")),
        }
        out.push('\u{0}');
    }
    out
}

/// Rejects items over DynamoDB's 400 KB limit before sending them; `key` names the item in
/// the error.
pub(crate) fn check_item_size<E: Entity>(item: &Item, key: impl FnOnce() -> Key<E>) -> Result<()> {
    let size = item_size(item);
    if size > MAX_ITEM_BYTES {
        return Err(Error::Limit(LimitError {
            what: format!("item size in bytes of {} at {}", E::NAME, key()),
            actual: size,
            limit: MAX_ITEM_BYTES,
        }));
    }
    Ok(())
}
