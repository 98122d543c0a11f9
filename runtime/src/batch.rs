//! Batches: `BatchGetItem` over any number of keys and `BatchWriteItem` over any number of
//! puts and deletes of any entities.
//!
//! Work is split into DynamoDB's chunks (100 keys, 25 writes), chunks run concurrently up to
//! [`RetryPolicy::concurrency`], and whatever DynamoDB answers as unprocessed (or a throttled
//! chunk as a whole) is sent again after an exponential backoff with full jitter. When the
//! attempts run out the error is [`Error::Unprocessed`], listing exactly what was not done.

use std::collections::{HashMap, HashSet};
use std::future::{Future, IntoFuture};
use std::time::Duration;

use aws_sdk_dynamodb::types::{DeleteRequest, KeysAndAttributes, PutRequest, WriteRequest};
use futures::{StreamExt, stream};
use tracing::Instrument;

use crate::Item;
use crate::entity::Entity;
use crate::error::{Error, Result, Unprocessed, UnprocessedRequest};
use crate::key::Key;
use crate::request::{
    BoxFuture, Table, capacity, entity_names, identity, key_item, span, stored_item,
};

/// DynamoDB's limit on keys per `BatchGetItem`.
pub const MAX_BATCH_GET: usize = 100;

/// DynamoDB's limit on requests per `BatchWriteItem`.
pub const MAX_BATCH_WRITE: usize = 25;

/// How batches retry unprocessed work and how many chunks run at once.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Requests per chunk, including the first (at least 1).
    pub max_attempts: u32,
    /// The backoff before the first retry; it doubles with every retry.
    pub base_delay: Duration,
    /// The longest backoff.
    pub max_delay: Duration,
    /// Chunks in flight at once (at least 1).
    pub concurrency: usize,
}

impl Default for RetryPolicy {
    /// 10 attempts, 25 ms doubling up to 2 s, 4 chunks at once.
    fn default() -> Self {
        Self {
            max_attempts: 10,
            base_delay: Duration::from_millis(25),
            max_delay: Duration::from_secs(2),
            concurrency: 4,
        }
    }
}

impl RetryPolicy {
    /// The backoff before retry number `retry` (1 for the first): a random duration up to
    /// `base_delay * 2^(retry-1)`, capped at `max_delay` ("full jitter").
    pub fn delay(&self, retry: u32) -> Duration {
        let factor = 1u32
            .checked_shl(retry.saturating_sub(1))
            .unwrap_or(u32::MAX);
        let cap = self
            .base_delay
            .checked_mul(factor)
            .unwrap_or(self.max_delay)
            .min(self.max_delay);
        let nanos = u64::try_from(cap.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(fastrand::u64(0..=nanos))
    }
}

/// What one chunk left undone.
struct ChunkOutcome {
    found: Vec<Item>,
    left: Vec<usize>,
    cause: Option<Error>,
    /// Capacity units consumed over all attempts.
    units: f64,
}

/// What one attempt returned: the items read, the indexes left unprocessed, capacity units.
type Attempt = (Vec<Item>, Vec<usize>, f64);

/// The capacity units of a batch response.
fn units(capacity: &[aws_sdk_dynamodb::types::ConsumedCapacity]) -> f64 {
    capacity.iter().filter_map(|c| c.capacity_units()).sum()
}

/// Sends one chunk until everything is processed or the attempts run out. `attempt` sends
/// the given request indexes and returns the items it read and the indexes left unprocessed.
async fn run_chunk<F, Fut>(policy: &RetryPolicy, chunk: Vec<usize>, mut attempt: F) -> ChunkOutcome
where
    F: FnMut(Vec<usize>) -> Fut,
    Fut: Future<Output = Result<Attempt>>,
{
    let mut pending = chunk;
    let mut found = Vec::new();
    let mut cause = None;
    let mut consumed = 0.0;
    for n in 0..policy.max_attempts.max(1) {
        if n > 0 {
            tokio::time::sleep(policy.delay(n)).await;
        }
        match attempt(pending.clone()).await {
            Ok((items, left, units)) => {
                found.extend(items);
                consumed += units;
                cause = None;
                pending = left;
                if pending.is_empty() {
                    break;
                }
                tracing::debug!(unprocessed = pending.len(), "retrying unprocessed requests");
            }
            Err(e @ Error::Throttled { .. }) => {
                tracing::debug!(error = %e, "chunk throttled; retrying");
                cause = Some(e);
            }
            Err(e) => {
                cause = Some(e);
                break;
            }
        }
    }
    ChunkOutcome {
        found,
        left: pending,
        cause,
        units: consumed,
    }
}

/// Runs `chunks` concurrently under `policy`, recording the consumed capacity of all of them
/// on the current span.
async fn run_chunks<F, Fut>(
    policy: &RetryPolicy,
    chunks: Vec<Vec<usize>>,
    attempt: F,
) -> Vec<ChunkOutcome>
where
    F: Fn(Vec<usize>) -> Fut + Clone,
    Fut: Future<Output = Result<Attempt>>,
{
    let outcomes: Vec<ChunkOutcome> = stream::iter(chunks)
        .map(|chunk| run_chunk(policy, chunk, attempt.clone()))
        .buffer_unordered(policy.concurrency.max(1))
        .collect()
        .await;
    let consumed: f64 = outcomes.iter().map(|o| o.units).sum();
    if consumed > 0.0 {
        tracing::Span::current().record("consumed_capacity", consumed);
    }
    outcomes
}

/// The key attributes of `item` (named by `names`) as a canonical identity.
fn key_identity(item: &Item, names: &[String]) -> String {
    let key: Item = names
        .iter()
        .filter_map(|n| item.get(n).map(|v| (n.clone(), v.clone())))
        .collect();
    identity(&key)
}

fn chunked(count: usize, size: usize) -> Vec<Vec<usize>> {
    (0..count)
        .collect::<Vec<_>>()
        .chunks(size)
        .map(<[usize]>::to_vec)
        .collect()
}

/// A pending `BatchGetItem` of one entity's items.
#[must_use = "an operation does nothing until it is awaited"]
pub struct BatchGet<'a, E> {
    table: &'a Table,
    keys: Vec<Key<E>>,
    consistent: bool,
    policy: RetryPolicy,
}

impl<'a, E: Entity> BatchGet<'a, E> {
    /// Use strongly consistent reads.
    pub fn consistent(mut self) -> Self {
        self.consistent = true;
        self
    }

    /// Retry and concurrency settings.
    pub fn policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    async fn send(self) -> Result<Vec<Option<E>>> {
        let table = self.table;
        let name = table.name();
        // Reads are idempotent: each distinct key is read once, whatever the input repeats.
        let mut unique: Vec<Item> = Vec::new();
        let mut ids: HashMap<String, usize> = HashMap::new();
        let mut position = Vec::with_capacity(self.keys.len());
        for key in &self.keys {
            let item = key_item(key)?;
            let id = identity(&item);
            let next = unique.len();
            let u = *ids.entry(id).or_insert(next);
            if u == next {
                unique.push(item);
            }
            position.push(u);
        }
        let Some(first) = unique.first() else {
            return Ok(Vec::new());
        };
        let names: Vec<String> = first.keys().cloned().collect();
        let (unique, ids, names) = (&unique, &ids, &names);
        let consistent = self.consistent;
        let attempt = move |pending: Vec<usize>| async move {
            let keys = KeysAndAttributes::builder()
                .set_keys(Some(pending.iter().map(|u| unique[*u].clone()).collect()))
                .consistent_read(consistent)
                .build()
                .map_err(|e| Error::Config(e.to_string()))?;
            let out = table
                .client()
                .batch_get_item()
                .request_items(name, keys)
                .set_return_consumed_capacity(capacity())
                .send()
                .await
                .map_err(|e| table.failure("BatchGetItem", E::NAME, String::new, e))?;
            let units = units(out.consumed_capacity());
            let found = out
                .responses
                .and_then(|mut r| r.remove(name))
                .unwrap_or_default();
            let left = out
                .unprocessed_keys
                .and_then(|mut u| u.remove(name))
                .map(|k| k.keys)
                .unwrap_or_default()
                .iter()
                .filter_map(|k| ids.get(&key_identity(k, names)).copied())
                .collect();
            Ok((found, left, units))
        };
        let span = span("BatchGetItem", name, None, E::NAME);
        let outcomes = run_chunks(&self.policy, chunked(unique.len(), MAX_BATCH_GET), attempt)
            .instrument(span.clone())
            .await;

        let mut left = HashSet::new();
        let mut cause = None;
        let mut found: HashMap<usize, Item> = HashMap::new();
        for outcome in outcomes {
            left.extend(outcome.left);
            cause = cause.or(outcome.cause);
            for item in outcome.found {
                if let Some(u) = ids.get(&key_identity(&item, names)) {
                    found.insert(*u, item);
                }
            }
        }
        span.record("items", found.len());
        if !left.is_empty() {
            let unprocessed = position
                .iter()
                .enumerate()
                .filter(|(_, u)| left.contains(*u))
                .map(|(index, u)| Unprocessed {
                    index,
                    entity: E::NAME,
                    key: self.keys[index].to_string(),
                    request: UnprocessedRequest::Get(unique[*u].clone()),
                })
                .collect();
            return Err(Error::Unprocessed {
                operation: "BatchGetItem",
                table: name.to_owned(),
                unprocessed,
                cause: cause.map(Box::new),
            });
        }
        position
            .iter()
            .map(|u| found.get(u).cloned().map(E::from_item).transpose())
            .collect()
    }
}

impl<'a, E: Entity> IntoFuture for BatchGet<'a, E> {
    type Output = Result<Vec<Option<E>>>;
    type IntoFuture = BoxFuture<'a, Self::Output>;
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

struct WriteMeta {
    entity: &'static str,
    key: String,
    identity: String,
    /// The table's key attribute names.
    names: Vec<String>,
}

impl WriteMeta {
    fn new<E: Entity>(key: &Key<E>, attrs: &Item) -> Self {
        Self {
            entity: E::NAME,
            key: key.to_string(),
            identity: identity(attrs),
            names: attrs.keys().cloned().collect(),
        }
    }
}

/// A pending `BatchWriteItem` of puts and deletes of any entities.
///
/// Batch writes cannot carry conditions: use [`Table::transact_write`] or single writes where
/// a condition matters. For the same reason entities with a `version` attribute cannot be put
/// in a batch (the version could not be checked).
#[must_use = "a batch does nothing until it is sent"]
pub struct BatchWrite<'a> {
    table: &'a Table,
    requests: Vec<WriteRequest>,
    meta: Vec<WriteMeta>,
    policy: RetryPolicy,
    problem: Option<Error>,
}

impl<'a> BatchWrite<'a> {
    fn push(&mut self, request: Result<(WriteRequest, WriteMeta)>) {
        match request {
            Ok((r, m)) => {
                self.requests.push(r);
                self.meta.push(m);
            }
            Err(e) => {
                if self.problem.is_none() {
                    self.problem = Some(e);
                }
            }
        }
    }

    /// Puts an item, replacing any item with its key.
    pub fn put<E: Entity>(mut self, entity: &E) -> Self {
        if crate::transact::refused::<E>(&mut self.problem, "a batch put") {
            return self;
        }
        let request = (|| {
            if let Some(attribute) = E::VERSION_ATTRIBUTE {
                return Err(Error::Expression(format!(
                    "{} has a version attribute `{attribute}`, which a batch write cannot check; use `put` or `transact_write`",
                    E::NAME
                )));
            }
            let key = entity.key();
            let item = stored_item(entity)?;
            let meta = WriteMeta::new(&key, &key_item(&key)?);
            let put = PutRequest::builder()
                .set_item(Some(item))
                .build()
                .map_err(|e| Error::Config(e.to_string()))?;
            Ok((WriteRequest::builder().put_request(put).build(), meta))
        })();
        self.push(request);
        self
    }

    /// Puts every item of `entities`.
    pub fn put_all<'e, E: Entity>(self, entities: impl IntoIterator<Item = &'e E>) -> Self {
        entities.into_iter().fold(self, |batch, e| batch.put(e))
    }

    /// Deletes an item (deleting a missing item succeeds).
    pub fn delete<E: Entity>(mut self, key: Key<E>) -> Self {
        if crate::transact::refused::<E>(&mut self.problem, "a batch delete") {
            return self;
        }
        let request = key_item(&key).and_then(|attrs| {
            let meta = WriteMeta::new(&key, &attrs);
            let delete = DeleteRequest::builder()
                .set_key(Some(attrs))
                .build()
                .map_err(|e| Error::Config(e.to_string()))?;
            Ok((WriteRequest::builder().delete_request(delete).build(), meta))
        });
        self.push(request);
        self
    }

    /// Deletes every key of `keys`.
    pub fn delete_all<E: Entity>(self, keys: impl IntoIterator<Item = Key<E>>) -> Self {
        keys.into_iter().fold(self, |batch, k| batch.delete(k))
    }

    /// Retry and concurrency settings.
    pub fn policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The number of requests so far.
    pub fn len(&self) -> usize {
        self.requests.len()
    }

    /// Whether there are no requests.
    pub fn is_empty(&self) -> bool {
        self.requests.is_empty()
    }

    /// Sends every request, in chunks of 25. Two requests on the same item are refused
    /// before anything is sent: chunks run concurrently, so their order would be undefined.
    pub async fn send(self) -> Result<()> {
        if let Some(problem) = self.problem {
            return Err(problem);
        }
        let table = self.table;
        let name = table.name();
        let mut ids: HashMap<&str, usize> = HashMap::with_capacity(self.meta.len());
        for (i, m) in self.meta.iter().enumerate() {
            if let Some(first) = ids.insert(&m.identity, i) {
                return Err(Error::DuplicateItem {
                    operation: "BatchWriteItem",
                    entity: m.entity,
                    key: m.key.clone(),
                    first,
                    second: i,
                });
            }
        }
        let Some(names) = self.meta.first().map(|m| m.names.clone()) else {
            return Ok(());
        };
        let (requests, ids, names) = (&self.requests, &ids, &names);
        let attempt = move |pending: Vec<usize>| async move {
            let out = table
                .client()
                .batch_write_item()
                .request_items(name, pending.iter().map(|i| requests[*i].clone()).collect())
                .set_return_consumed_capacity(capacity())
                .send()
                .await
                .map_err(|e| table.failure("BatchWriteItem", "batch", String::new, e))?;
            let units = units(out.consumed_capacity());
            let left = out
                .unprocessed_items
                .and_then(|mut u| u.remove(name))
                .unwrap_or_default()
                .iter()
                .filter_map(|r| {
                    let item = r
                        .put_request()
                        .map(|p| &p.item)
                        .or_else(|| r.delete_request().map(|d| &d.key))?;
                    ids.get(key_identity(item, names).as_str()).copied()
                })
                .collect();
            Ok((Vec::new(), left, units))
        };
        let span = span(
            "BatchWriteItem",
            name,
            None,
            &entity_names(self.meta.iter().map(|m| m.entity)),
        );
        let outcomes = run_chunks(
            &self.policy,
            chunked(requests.len(), MAX_BATCH_WRITE),
            attempt,
        )
        .instrument(span.clone())
        .await;
        let mut left: Vec<usize> = Vec::new();
        let mut cause = None;
        for outcome in outcomes {
            left.extend(outcome.left);
            cause = cause.or(outcome.cause);
        }
        left.sort_unstable();
        left.dedup();
        span.record("items", requests.len() - left.len());
        if left.is_empty() {
            return Ok(());
        }
        let unprocessed = left
            .into_iter()
            .map(|index| {
                let r = &requests[index];
                let request = match (r.put_request(), r.delete_request()) {
                    (Some(p), _) => UnprocessedRequest::Put(p.item.clone()),
                    (None, Some(d)) => UnprocessedRequest::Delete(d.key.clone()),
                    (None, None) => UnprocessedRequest::Delete(Item::new()),
                };
                Unprocessed {
                    index,
                    entity: self.meta[index].entity,
                    key: self.meta[index].key.clone(),
                    request,
                }
            })
            .collect();
        Err(Error::Unprocessed {
            operation: "BatchWriteItem",
            table: name.to_owned(),
            unprocessed,
            cause: cause.map(Box::new),
        })
    }
}

impl Table {
    /// Reads any number of items of one entity; results come in the order of `keys`, `None`
    /// for missing items.
    pub fn batch_get<E: Entity>(&self, keys: impl IntoIterator<Item = Key<E>>) -> BatchGet<'_, E> {
        BatchGet {
            table: self,
            keys: keys.into_iter().collect(),
            consistent: false,
            policy: RetryPolicy::default(),
        }
    }

    /// A batch of puts and deletes of any entities.
    pub fn batch_write(&self) -> BatchWrite<'_> {
        BatchWrite {
            table: self,
            requests: Vec::new(),
            meta: Vec::new(),
            policy: RetryPolicy::default(),
            problem: None,
        }
    }

    /// Puts every item of `entities` in batches.
    pub async fn batch_put<'e, E: Entity>(
        &self,
        entities: impl IntoIterator<Item = &'e E>,
    ) -> Result<()> {
        self.batch_write().put_all(entities).send().await
    }

    /// Deletes every key of `keys` in batches.
    pub async fn batch_delete<E: Entity>(
        &self,
        keys: impl IntoIterator<Item = Key<E>>,
    ) -> Result<()> {
        self.batch_write().delete_all(keys).send().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_with_jitter() {
        let policy = RetryPolicy {
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(100),
            ..RetryPolicy::default()
        };
        for _ in 0..200 {
            assert!(policy.delay(1) <= Duration::from_millis(10));
            assert!(policy.delay(3) <= Duration::from_millis(40));
            assert!(policy.delay(40) <= Duration::from_millis(100));
        }
        assert_eq!(
            chunked(60, 25),
            vec![
                (0..25).collect::<Vec<_>>(),
                (25..50).collect(),
                (50..60).collect()
            ]
        );
    }
}
