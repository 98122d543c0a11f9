//! Queries: a key condition on one partition, an optional sort key condition and filter,
//! pages with opaque cursors, and lazy streams. Scans, for the access patterns that ask for
//! one (`scan: true`), share the same builder, pages and cursors.
//!
//! Generated code builds one [`Query`] per access pattern; its cursor tag is the pattern's
//! name, so a cursor from one pattern is rejected by another.

use aws_sdk_dynamodb::types::{AttributeValue, Select};
use futures::{Stream, TryStreamExt, stream};
use tracing::Instrument;

use crate::Item;
use crate::entity::Entity;
use crate::error::{Error, KeyError, Result};
use crate::expr::{Condition, Path, Placeholders};
use crate::key::PartitionKey;
use crate::request::{Table, capacity, record_capacity, record_items, span};

mod cursor;
mod native;
mod shards;
pub use cursor::{Cursor, CursorKey};
pub use native::{NativeNarrowing, key_part};

/// A condition on the sort key of a query.
#[derive(Debug, Clone, PartialEq)]
pub enum SortCondition {
    /// `sk = value`
    Eq(String),
    /// `sk < value`
    Lt(String),
    /// `sk <= value`
    Le(String),
    /// `sk > value`
    Gt(String),
    /// `sk >= value`
    Ge(String),
    /// `sk BETWEEN low AND high` (inclusive)
    Between(String, String),
    /// `begins_with(sk, prefix)`
    BeginsWith(String),
}

/// A condition on one field of a sort key template, with the fields before it fixed.
///
/// Values are encoded field values (see [`crate::key::KeyText`]). Generated narrowing methods
/// build these; [`Narrow::condition`] turns one into a key condition that matches exactly the
/// keys of the template whose field compares as asked, never keys of other templates that
/// share a prefix.
#[derive(Debug, Clone, PartialEq)]
pub enum Narrow {
    /// The field equals the value.
    Eq(String),
    /// The field is less than the value.
    Lt(String),
    /// The field is at most the value.
    Le(String),
    /// The field is greater than the value.
    Gt(String),
    /// The field is at least the value.
    Ge(String),
    /// The field lies between the values, inclusive.
    Between(String, String),
    /// The field starts with the (escaped) text.
    BeginsWith(String),
}

impl Narrow {
    /// The key condition for this narrowing. `prefix` is the sort key text before the field
    /// (literals and the fixed leading fields), `tail` the literal text right after it (`None`
    /// when the field ends the template). Also returns a sort key value to drop from results,
    /// for the one case a key condition cannot exclude by itself.
    ///
    /// A field followed by a tail compares as its text and the tail, the order keys are in:
    /// `"a b"` sorts before `"a"` when a space is below the delimiter. Bounds below the field
    /// (`lt`, `gte`, the low end of `between`) therefore end in the tail too, so `lt`, `eq` and
    /// `gt` on one value split the keys between them.
    pub fn condition(self, prefix: &str, tail: Option<&str>) -> (SortCondition, Option<String>) {
        let high = crate::key::HIGH;
        let join = |v: &str| format!("{prefix}{v}");
        // Every key whose field is below `v` is below this; every other key is at or above it.
        let from = |v: &str| format!("{prefix}{v}{}", tail.unwrap_or(""));
        // Every key whose field is exactly `v` (and continues with the tail) is below this.
        let through = |v: &str| match tail {
            Some(t) => format!("{prefix}{v}{t}{high}"),
            None => format!("{prefix}{v}"),
        };
        let ceiling = format!("{prefix}{high}");
        if prefix.is_empty() {
            let cond = match self {
                Narrow::Eq(v) => match tail {
                    Some(t) => SortCondition::BeginsWith(format!("{v}{t}")),
                    None => SortCondition::Eq(v),
                },
                Narrow::Lt(v) => SortCondition::Lt(from(&v)),
                Narrow::Le(v) => SortCondition::Le(through(&v)),
                Narrow::Gt(v) => SortCondition::Gt(through(&v)),
                Narrow::Ge(v) => SortCondition::Ge(from(&v)),
                Narrow::Between(a, b) => SortCondition::Between(from(&a), through(&b)),
                Narrow::BeginsWith(v) => SortCondition::BeginsWith(v),
            };
            return (cond, None);
        }
        match self {
            Narrow::Eq(v) => match tail {
                Some(t) => (SortCondition::BeginsWith(format!("{prefix}{v}{t}")), None),
                None => (SortCondition::Eq(join(&v)), None),
            },
            Narrow::BeginsWith(v) => (SortCondition::BeginsWith(join(&v)), None),
            Narrow::Ge(v) => (SortCondition::Between(from(&v), ceiling), None),
            Narrow::Gt(v) => {
                let low = match tail {
                    Some(_) => through(&v),
                    // The smallest text above `prefix + v`.
                    None => format!("{prefix}{v}\u{0}"),
                };
                (SortCondition::Between(low, ceiling), None)
            }
            Narrow::Le(v) => (SortCondition::Between(prefix.to_owned(), through(&v)), None),
            Narrow::Lt(v) => {
                // BETWEEN is inclusive: the key that is exactly the bound (the field equal to
                // `v` and nothing after the tail) is dropped from the results.
                let bound = from(&v);
                (
                    SortCondition::Between(prefix.to_owned(), bound.clone()),
                    Some(bound),
                )
            }
            Narrow::Between(a, b) => (SortCondition::Between(from(&a), through(&b)), None),
        }
    }
}

/// One page of query results.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items of this page, in key order (or reverse key order for descending queries).
    pub items: Vec<T>,
    /// Where the next page starts; `None` on the last page.
    pub cursor: Option<Cursor>,
}

/// The expressions of a Scan request and their placeholders.
struct Expressions {
    filter: Option<String>,
    projection: Option<String>,
    names: Option<std::collections::HashMap<String, String>>,
    values: Option<Item>,
}

/// One response of a Query or Scan, before decoding.
struct RawPage {
    items: Vec<Item>,
    /// Items matched by this response (after the filter).
    count: i32,
    last: Option<Item>,
}

/// Decodes one item of a query's results. Returns `Ok(None)` for items the query skips.
pub type Decoder<T> = fn(Item) -> Result<Option<T>>;

/// A query on one partition of the table or of an index.
#[must_use = "a query does nothing until `page` or `stream` is called"]
pub struct Query<T> {
    tag: &'static str,
    entity: &'static str,
    index: Option<&'static str>,
    partition_attribute: &'static str,
    /// `None` for a scan.
    partition: Option<std::result::Result<String, KeyError>>,
    sort: Option<(&'static str, std::result::Result<SortCondition, KeyError>)>,
    segment: Option<(i32, i32)>,
    filter: Option<Condition>,
    type_attribute: Option<&'static str>,
    types: &'static [&'static str],
    descending: bool,
    limit: Option<i32>,
    consistent: bool,
    keys_only: bool,
    /// `ProjectionExpression`: the only attributes read.
    projection: Option<&'static [&'static str]>,
    /// The shards of a sharded partition, read together.
    shards: Option<shards::Shards>,
    /// The key condition of a query on a multi-attribute key.
    native: Option<native::Native>,
    exclude_sort: Option<String>,
    decode: Decoder<T>,
}

impl<T> Clone for Query<T> {
    fn clone(&self) -> Self {
        Self {
            tag: self.tag,
            entity: self.entity,
            index: self.index,
            partition_attribute: self.partition_attribute,
            partition: self.partition.clone(),
            sort: self.sort.clone(),
            segment: self.segment,
            filter: self.filter.clone(),
            type_attribute: self.type_attribute,
            types: self.types,
            descending: self.descending,
            limit: self.limit,
            consistent: self.consistent,
            keys_only: self.keys_only,
            projection: self.projection,
            shards: self.shards.clone(),
            native: self.native.clone(),
            exclude_sort: self.exclude_sort.clone(),
            decode: self.decode,
        }
    }
}

impl<T> std::fmt::Debug for Query<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Query")
            .field("tag", &self.tag)
            .field("index", &self.index)
            .field("partition", &self.partition)
            .field("sort", &self.sort)
            .field("segment", &self.segment)
            .field("filter", &self.filter)
            .field("descending", &self.descending)
            .field("limit", &self.limit)
            .field("shards", &self.shards)
            .finish_non_exhaustive()
    }
}

fn decode_entity<E: Entity>(item: Item) -> Result<Option<E>> {
    E::from_item(item).map(Some)
}

impl<E: Entity> Query<E> {
    /// A query for the items of entity `E` in one partition of the table. Items of other
    /// entities in the same partition are filtered out by the type attribute.
    pub fn entity(tag: &'static str, partition: PartitionKey<E>) -> Self {
        Query::with(
            tag,
            E::NAME,
            partition.attribute(),
            Some(partition.value().map(str::to_owned).map_err(Clone::clone)),
            Some(E::TYPE_ATTRIBUTE),
            const { &[E::NAME] },
            decode_entity::<E>,
        )
    }

    /// A query for items of entity `E` in one partition of an index that holds part of each
    /// item, decoded by `decode` into a projection type.
    pub fn projection<T>(
        tag: &'static str,
        partition: PartitionKey<E>,
        decode: Decoder<T>,
    ) -> Query<T> {
        Query::with(
            tag,
            E::NAME,
            partition.attribute(),
            Some(partition.into_value()),
            Some(E::TYPE_ATTRIBUTE),
            const { &[E::NAME] },
            decode,
        )
    }

    /// A query for the item collection `name`: the items of the entities `types` sharing the
    /// partition `partition` (built from one of them), decoded by `decode`.
    pub fn collection<T>(
        tag: &'static str,
        name: &'static str,
        partition: PartitionKey<E>,
        types: &'static [&'static str],
        decode: Decoder<T>,
    ) -> Query<T> {
        Query::with(
            tag,
            name,
            partition.attribute(),
            Some(partition.into_value()),
            Some(E::TYPE_ATTRIBUTE),
            types,
            decode,
        )
    }

    /// A scan of every item of entity `E` in the table (or, with [`Query::index`], in an
    /// index). Items of other entities are filtered out by the type attribute, but DynamoDB
    /// still reads (and bills) them: generated code offers this only for access patterns
    /// declared with `scan: true`.
    pub(crate) fn entity_scan(tag: &'static str) -> Self {
        Query::scan(
            tag,
            E::NAME,
            Some(E::TYPE_ATTRIBUTE),
            const { &[E::NAME] },
            decode_entity::<E>,
        )
    }
}

impl<T> Query<T> {
    /// A query returning items decoded by `decode`, for item collections and projections.
    /// `types` lists the entity names the query returns (filtered on `type_attribute`);
    /// an empty list returns every item.
    pub fn new(
        tag: &'static str,
        entity: &'static str,
        partition_attribute: &'static str,
        partition: std::result::Result<String, KeyError>,
        type_attribute: Option<&'static str>,
        types: &'static [&'static str],
        decode: Decoder<T>,
    ) -> Self {
        Query::with(
            tag,
            entity,
            partition_attribute,
            Some(partition),
            type_attribute,
            types,
            decode,
        )
    }

    /// A scan returning items decoded by `decode` (see [`Query::new`] for `types`).
    pub(crate) fn scan(
        tag: &'static str,
        entity: &'static str,
        type_attribute: Option<&'static str>,
        types: &'static [&'static str],
        decode: Decoder<T>,
    ) -> Self {
        Query::with(tag, entity, "", None, type_attribute, types, decode)
    }

    fn with(
        tag: &'static str,
        entity: &'static str,
        partition_attribute: &'static str,
        partition: Option<std::result::Result<String, KeyError>>,
        type_attribute: Option<&'static str>,
        types: &'static [&'static str],
        decode: Decoder<T>,
    ) -> Self {
        Query {
            tag,
            entity,
            index: None,
            partition_attribute,
            partition,
            sort: None,
            segment: None,
            filter: None,
            type_attribute,
            types,
            descending: false,
            limit: None,
            consistent: false,
            keys_only: false,
            projection: None,
            shards: None,
            native: None,
            exclude_sort: None,
            decode,
        }
    }

    /// Query a secondary index instead of the table.
    pub fn index(mut self, name: &'static str) -> Self {
        self.index = Some(name);
        self
    }

    /// Narrow by a sort key condition on `attribute`.
    pub fn sort(
        mut self,
        attribute: &'static str,
        condition: std::result::Result<SortCondition, KeyError>,
    ) -> Self {
        self.sort = Some((attribute, condition));
        self
    }

    /// Narrow by one field of the sort key template on `attribute` (see [`Narrow`]).
    pub fn narrow(
        mut self,
        attribute: &'static str,
        prefix: std::result::Result<String, KeyError>,
        tail: Option<&'static str>,
        narrow: std::result::Result<Narrow, KeyError>,
    ) -> Self {
        let built = prefix.and_then(|p| narrow.map(|n| n.condition(&p, tail)));
        match built {
            Ok((condition, exclude)) => {
                self.exclude_sort = exclude;
                self.sort = Some((attribute, Ok(condition)));
            }
            Err(e) => self.sort = Some((attribute, Err(e))),
        }
        self
    }

    pub(crate) fn set_limit(&mut self, limit: u32) {
        self.limit = Some(i32::try_from(limit).unwrap_or(i32::MAX).max(1));
    }

    pub(crate) fn set_descending(&mut self, descending: bool) {
        self.descending = descending;
    }

    pub(crate) fn set_consistent(&mut self, consistent: bool) {
        self.consistent = consistent;
    }

    pub(crate) fn set_segment(&mut self, segment: u32, total: u32) {
        let clamp = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
        self.segment = Some((clamp(segment), clamp(total)));
    }

    pub(crate) fn add_filter(&mut self, filter: Condition) {
        self.filter = Some(match self.filter.take() {
            Some(existing) => existing.and(filter),
            None => filter,
        });
    }

    /// Keep only items for which `filter` holds. Filters run after DynamoDB reads a page, so
    /// a page may hold fewer items than the limit.
    pub fn filter(mut self, filter: impl Into<Condition>) -> Self {
        let filter = filter.into();
        self.filter = Some(match self.filter.take() {
            Some(existing) => existing.and(filter),
            None => filter,
        });
        self
    }

    /// Return items in descending key order.
    pub fn descending(mut self) -> Self {
        self.descending = true;
        self
    }

    /// Return items in ascending key order (the default).
    pub fn ascending(mut self) -> Self {
        self.descending = false;
        self
    }

    /// Read at most `limit` items per page (DynamoDB's `Limit`, applied before filters).
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(i32::try_from(limit).unwrap_or(i32::MAX).max(1));
        self
    }

    /// Use strongly consistent reads (the table and local indexes only).
    pub fn consistent(mut self) -> Self {
        self.consistent = true;
        self
    }

    /// Read only the key attributes projected into an index (for `keys_only` indexes). Such
    /// an index holds no type attribute, so items are not selected by entity.
    pub fn keys_only(mut self) -> Self {
        self.keys_only = true;
        self.types = &[];
        self
    }

    /// Read only `attributes` (a pattern's `select:`, which lists the key attributes too).
    pub fn select(mut self, attributes: &'static [&'static str]) -> Self {
        self.projection = Some(attributes);
        self
    }

    /// Fetches one page, starting at `cursor` (`None` for the first page).
    pub async fn page(&self, table: &Table, cursor: Option<&Cursor>) -> Result<Page<T>> {
        let scope = self.scope();
        let signing = table.cursor_key();
        let start = cursor
            .map(|c| c.decode(self.tag, &scope, signing))
            .transpose()?;
        let (items, last) = self.fetch_page(table, start).await?;
        let cursor = last
            .map(|k| Cursor::encode(self.tag, &scope, &k, signing))
            .transpose()?;
        Ok(Page { items, cursor })
    }

    /// Every result, reading all pages.
    pub async fn fetch(&self, table: &Table) -> Result<Vec<T>>
    where
        T: Send,
    {
        self.stream(table).try_collect().await
    }

    /// The first result, if any, reading only as many pages as needed.
    pub async fn first(&self, table: &Table) -> Result<Option<T>>
    where
        T: Send,
    {
        let stream = self.stream(table);
        futures::pin_mut!(stream);
        stream.try_next().await
    }

    /// Every result, fetching pages lazily as the stream is polled.
    pub fn stream<'a>(&'a self, table: &'a Table) -> impl Stream<Item = Result<T>> + Send + 'a
    where
        T: Send + 'a,
    {
        stream::try_unfold(Some(None), move |next: Option<Option<Item>>| async move {
            let Some(start) = next else {
                return Ok::<_, Error>(None);
            };
            let (items, last) = self.fetch_page(table, start).await?;
            let following = last.map(Some);
            Ok(Some((stream::iter(items.into_iter().map(Ok)), following)))
        })
        .try_flatten()
    }

    async fn fetch_page(
        &self,
        table: &Table,
        start: Option<Item>,
    ) -> Result<(Vec<T>, Option<Item>)> {
        if let Some(shards) = &self.shards {
            return self.fetch_shards(table, shards, start).await;
        }
        let page = self.send(table, start, self.read_select()).await?;
        self.decode_page(page.items, page.last)
    }

    /// What a cursor of this query is bound to besides its pattern: the partition it reads
    /// (every partition, for a shard fan-out or a bucket walk), and a scan's segment. Each
    /// part is length-prefixed, so different scopes never give the same text.
    fn scope(&self) -> String {
        let mut out = String::new();
        let mut part = |text: &str| {
            out.push_str(&text.len().to_string());
            out.push(':');
            out.push_str(text);
        };
        if let Some(shards) = &self.shards {
            for partition in shards.buckets.iter().flatten().flatten() {
                part(partition);
            }
        } else if let Some(native) = &self.native {
            for (attribute, value) in native.partition() {
                part(attribute);
                part(&format!("{value:?}"));
            }
        } else if let Some(Ok(partition)) = &self.partition {
            part(partition);
        }
        if let Some((segment, total)) = self.segment {
            part(&format!("segment {segment} of {total}"));
        }
        out
    }

    /// The `Select` of a page read: projected attributes only for a keys-only index read
    /// without its own projection.
    fn read_select(&self) -> Option<Select> {
        (self.keys_only && self.projection.is_none()).then_some(Select::AllProjectedAttributes)
    }

    /// How many items the query (or scan) matches, over every page, without reading them
    /// (`Select=COUNT`; filters apply, nothing is decoded).
    pub async fn count(&self, table: &Table) -> Result<u64> {
        if let Some(shards) = &self.shards {
            return Box::pin(self.count_shards(table, shards)).await;
        }
        let mut total = 0u64;
        let mut start = None;
        loop {
            let page = self.send(table, start, Some(Select::Count)).await?;
            total += u64::try_from(page.count).unwrap_or_default();
            match page.last {
                Some(last) => start = Some(last),
                None => break,
            }
        }
        // A `_lt` narrowing reads up to and including its bound and drops the one key equal
        // to it from the results; a count cannot drop it, so it subtracts that key's count.
        if let (Some(exact), Some((attribute, _))) = (&self.exclude_sort, &self.sort) {
            let mut equal = self.clone();
            equal.sort = Some((attribute, Ok(SortCondition::Eq(exact.clone()))));
            equal.exclude_sort = None;
            let page = equal.send(table, None, Some(Select::Count)).await?;
            total -= u64::try_from(page.count).unwrap_or_default().min(total);
        }
        Ok(total)
    }

    /// Sends one Query (or Scan) request and returns its raw page.
    async fn send(
        &self,
        table: &Table,
        start: Option<Item>,
        select: Option<Select>,
    ) -> Result<RawPage> {
        let mut placeholders = Placeholders::default();
        let key_condition = match (&self.native, &self.partition) {
            (Some(native), _) => Some(
                native
                    .render(&mut placeholders)
                    .map_err(|e| self.key_error(e))?,
            ),
            (None, Some(partition)) => Some(self.key_condition(
                partition.clone().map_err(|e| self.key_error(e))?,
                &mut placeholders,
            )?),
            (None, None) => None,
        };
        let filter_text = self.filter_text(&mut placeholders)?;
        // A count returns no attributes, and DynamoDB refuses a projection beside it.
        let projection = self
            .projection
            .filter(|_| select != Some(Select::Count))
            .map(|attributes| {
                let names: Vec<String> = attributes.iter().map(|a| placeholders.name(a)).collect();
                names.join(", ")
            });
        let names = placeholders.take_names();
        let values = placeholders.take_values();
        let Some(key_condition) = key_condition else {
            let expressions = Expressions {
                filter: filter_text,
                projection,
                names,
                values,
            };
            return self.scan_page(table, start, expressions, select).await;
        };
        let request = table
            .client()
            .query()
            .table_name(table.name())
            .set_index_name(self.index.map(str::to_owned))
            .key_condition_expression(key_condition)
            .set_filter_expression(filter_text)
            .set_projection_expression(projection)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .scan_index_forward(!self.descending)
            .set_limit(self.limit)
            .consistent_read(self.consistent)
            .set_exclusive_start_key(start)
            .set_select(select)
            .set_return_consumed_capacity(capacity());
        async {
            let out = request
                .send()
                .await
                .map_err(|e| table.failure("Query", self.entity, || self.tag.to_owned(), e))?;
            record_capacity(out.consumed_capacity());
            record_items(usize::try_from(out.count).unwrap_or_default());
            Ok(RawPage {
                items: out.items.unwrap_or_default(),
                count: out.count,
                last: out.last_evaluated_key,
            })
        }
        .instrument(span("Query", table.name(), self.index, self.entity))
        .await
    }

    async fn scan_page(
        &self,
        table: &Table,
        start: Option<Item>,
        expressions: Expressions,
        select: Option<Select>,
    ) -> Result<RawPage> {
        let (segment, total) = match self.segment {
            Some((segment, total)) => {
                if !(1..=1_000_000).contains(&total) || !(0..total).contains(&segment) {
                    return Err(Error::Expression(format!(
                        "`{}`: scan segment {segment} of {total} is out of range \
                         (0 <= segment < total <= 1000000)",
                        self.tag
                    )));
                }
                (Some(segment), Some(total))
            }
            None => (None, None),
        };
        let request = table
            .client()
            .scan()
            .table_name(table.name())
            .set_index_name(self.index.map(str::to_owned))
            .set_filter_expression(expressions.filter)
            .set_projection_expression(expressions.projection)
            .set_expression_attribute_names(expressions.names)
            .set_expression_attribute_values(expressions.values)
            .set_limit(self.limit)
            .consistent_read(self.consistent)
            .set_exclusive_start_key(start)
            .set_segment(segment)
            .set_total_segments(total)
            .set_select(select)
            .set_return_consumed_capacity(capacity());
        async {
            let out = request
                .send()
                .await
                .map_err(|e| table.failure("Scan", self.entity, || self.tag.to_owned(), e))?;
            record_capacity(out.consumed_capacity());
            record_items(usize::try_from(out.count).unwrap_or_default());
            Ok(RawPage {
                items: out.items.unwrap_or_default(),
                count: out.count,
                last: out.last_evaluated_key,
            })
        }
        .instrument(span("Scan", table.name(), self.index, self.entity))
        .await
    }

    fn key_error(&self, source: KeyError) -> Error {
        Error::Key {
            entity: self.entity,
            source,
        }
    }

    fn key_condition(&self, partition: String, placeholders: &mut Placeholders) -> Result<String> {
        let pk = placeholders.name(self.partition_attribute);
        let pv = placeholders.value(AttributeValue::S(partition));
        let mut key_condition = format!("{pk} = {pv}");
        if let Some((attribute, condition)) = &self.sort {
            let condition = condition.clone().map_err(|e| self.key_error(e))?;
            let sk = placeholders.name(attribute);
            let mut v = |s: String| placeholders.value(AttributeValue::S(s));
            let text = match condition {
                SortCondition::Eq(a) => format!("{sk} = {}", v(a)),
                SortCondition::Lt(a) => format!("{sk} < {}", v(a)),
                SortCondition::Le(a) => format!("{sk} <= {}", v(a)),
                SortCondition::Gt(a) => format!("{sk} > {}", v(a)),
                SortCondition::Ge(a) => format!("{sk} >= {}", v(a)),
                SortCondition::Between(a, b) => {
                    let a = v(a);
                    format!("{sk} BETWEEN {a} AND {}", v(b))
                }
                SortCondition::BeginsWith(a) => format!("begins_with({sk}, {})", v(a)),
            };
            key_condition.push_str(" AND ");
            key_condition.push_str(&text);
        }
        Ok(key_condition)
    }

    fn filter_text(&self, placeholders: &mut Placeholders) -> Result<Option<String>> {
        let mut filters = Vec::new();
        if let (Some(type_attribute), false) = (self.type_attribute, self.types.is_empty()) {
            let values = self
                .types
                .iter()
                .map(|t| AttributeValue::S((*t).to_owned()))
                .collect();
            filters.push(Condition::In(Path::attr(type_attribute), values));
        }
        filters.extend(self.filter.clone());
        let filter = match filters.len() {
            0 => None,
            1 => filters.pop(),
            _ => Some(Condition::And(filters)),
        };
        filter
            .as_ref()
            .map(|f| placeholders.condition(f))
            .transpose()
    }

    fn decode_page(&self, raw: Vec<Item>, last: Option<Item>) -> Result<(Vec<T>, Option<Item>)> {
        let mut items = Vec::with_capacity(raw.len());
        for item in raw {
            if let (Some(exclude), Some((attribute, _))) = (&self.exclude_sort, &self.sort)
                && item.get(*attribute).and_then(|v| v.as_s().ok()) == Some(exclude)
            {
                continue;
            }
            if let Some(decoded) = (self.decode)(item)? {
                items.push(decoded);
            }
        }
        Ok((items, last))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::KeyText;

    /// Whether `key` satisfies `cond` (and is not the dropped key), as DynamoDB compares.
    fn holds(key: &str, (cond, dropped): &(SortCondition, Option<String>)) -> bool {
        let ok = match cond {
            SortCondition::Eq(v) => key == v,
            SortCondition::Lt(v) => key < v.as_str(),
            SortCondition::Le(v) => key <= v.as_str(),
            SortCondition::Gt(v) => key > v.as_str(),
            SortCondition::Ge(v) => key >= v.as_str(),
            SortCondition::Between(a, b) => a.as_str() <= key && key <= b.as_str(),
            SortCondition::BeginsWith(p) => key.starts_with(p.as_str()),
        };
        ok && dropped.as_deref() != Some(key)
    }

    #[test]
    fn lt_eq_and_gt_on_a_field_with_a_tail_split_the_keys_in_key_order() {
        // Names whose order as keys differs from their order as text: a space and `!` sort
        // below the delimiter, `\` (escaping `#`) above `$`.
        let names = [
            "",
            "a",
            "a b",
            "a!",
            "a#",
            "a$",
            "a\\",
            "ab",
            "b",
            "\u{10FFFF}",
        ];
        let enc = |s: &str| KeyText::new('#').value("name", s).finish().unwrap();
        for head in ["", "EV#"] {
            let key = |n: &str| format!("{head}{}#0000000000000000001", enc(n));
            let mut keys: Vec<String> = names.iter().map(|n| key(n)).collect();
            keys.sort();
            for v in names {
                let cond = |n: Narrow| n.condition(head, Some("#"));
                let lt = cond(Narrow::Lt(enc(v)));
                let le = cond(Narrow::Le(enc(v)));
                let eq = cond(Narrow::Eq(enc(v)));
                let ge = cond(Narrow::Ge(enc(v)));
                let gt = cond(Narrow::Gt(enc(v)));
                let at = keys.iter().position(|k| *k == key(v)).unwrap();
                for (i, k) in keys.iter().enumerate() {
                    let what = format!("{head:?} {v:?} {k:?}");
                    assert_eq!(holds(k, &lt), i < at, "lt {what}");
                    assert_eq!(holds(k, &le), i <= at, "le {what}");
                    assert_eq!(holds(k, &eq), i == at, "eq {what}");
                    assert_eq!(holds(k, &ge), i >= at, "ge {what}");
                    assert_eq!(holds(k, &gt), i > at, "gt {what}");
                    let between = cond(Narrow::Between(enc(v), enc(v)));
                    assert_eq!(holds(k, &between), i == at, "between {what}");
                }
            }
        }
        // `"a b"` is below `"a"` as a key, so `lt("a")` returns it.
        let lt_a = Narrow::Lt("a".into()).condition("EV#", Some("#"));
        assert!(holds("EV#a b#0000000000000000001", &lt_a));
        assert!(!holds("EV#a#0000000000000000001", &lt_a));
    }
}
