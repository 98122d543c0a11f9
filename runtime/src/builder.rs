//! The builders generated access patterns return. What every pattern shares (limits, order,
//! consistency, filters, pages, streams, fetching) lives here once; generated code holds only
//! what the schema decides: a stage type per sort field with its narrowing methods
//! (`status_eq`, `priority_lte`), reached through [`QueryBuilder`]'s `Deref`.
//!
//! A query narrows its sort key field by field in template order ([`Narrowing`]): equality on
//! a field moves to the next field's stage; a range, `begins_with` or equality on the last
//! field ends narrowing.
//!
//! "Less" and "greater" are key order, the order DynamoDB returns items in: integers
//! numerically, timestamps and dates chronologically, enum values by stored text, and text by
//! its escaped stored form followed by the template's next literal. For text that is code
//! point order except that a value sorts before its own prefix when the next character is
//! below the delimiter (`"a b"` before `"a"` with `#`), and that the delimiter and `\` compare
//! as their escapes. So `lt`, `eq` and `gt` of one value always split the items between them.
//! `begins_with` compares the text itself.
//!
//! Scans ([`ScanBuilder`]) are a type of their own, so a descending scan or a segmented query
//! cannot be written.

use std::marker::PhantomData;
use std::ops::Deref;

use futures::{Stream, TryStreamExt};

use crate::error::KeyError;
use crate::error::Result;
use crate::expr::Condition;
use crate::key::{KeyText, KeyValue};

type KeyResult<T> = std::result::Result<T, KeyError>;
use crate::query::{Cursor, Narrow, Page, Query};
use crate::table::Table;

/// Marks a pattern on the table or a local index, which may read with strong consistency.
#[derive(Debug, Clone, Copy)]
pub struct Strong;

/// Marks a pattern on a global index, which only reads with eventual consistency.
#[derive(Debug, Clone, Copy)]
pub struct Eventual;

/// What `fetch` returns: every item (`Vec<T>`), the first one (`Option<T>`, for `one: true`),
/// or an item collection grouped by entity.
pub trait Collect<T>: Sized {
    /// Whether only the first item is needed (reads only as many pages as that takes).
    const FIRST: bool = false;

    /// Builds the result from the items read, in key order.
    fn collect(items: Vec<T>) -> Self;
}

impl<T> Collect<T> for Vec<T> {
    fn collect(items: Vec<T>) -> Self {
        items
    }
}

impl<T> Collect<T> for Option<T> {
    const FIRST: bool = true;
    fn collect(items: Vec<T>) -> Self {
        items.into_iter().next()
    }
}

/// One stage of a pattern's query: the query so far, what its results are, and (in generated
/// stage types) the narrowing methods of the next sort field.
pub trait Stage {
    /// What one result decodes to.
    type Item: Send + 'static;
    /// What [`QueryBuilder::fetch`] returns.
    type Output: Collect<Self::Item>;
    /// [`Strong`] or [`Eventual`].
    type Reads;
    /// The query so far.
    fn query(&self) -> &Query<Self::Item>;
    /// The query so far, to change.
    fn query_mut(&mut self) -> &mut Query<Self::Item>;
}

/// The [`Stage`] impl of a generated narrowing stage, a newtype over [`Narrowing`]:
/// `impl_stage!(Stage => Done)`, where `Done` is the pattern's builder after its last
/// narrowing, whose item, output and consistency the stage shares. The impl is the same for
/// every stage, so it is written once here rather than in every generated module.
#[doc(hidden)]
#[macro_export]
macro_rules! __impl_stage {
    ($stage:ident => $done:ty) => {
        impl $crate::Stage for $stage {
            type Item = <$done as $crate::__private::Finished>::Item;
            type Output = <$done as $crate::__private::Finished>::Output;
            type Reads = <$done as $crate::__private::Finished>::Reads;
            fn query(&self) -> &$crate::Query<Self::Item> {
                self.0.query()
            }
            fn query_mut(&mut self) -> &mut $crate::Query<Self::Item> {
                self.0.query_mut()
            }
        }
    };
}

/// What a pattern's finished builder reads and returns, for [`__impl_stage`].
#[doc(hidden)]
pub trait Finished {
    /// [`Stage::Item`].
    type Item: Send + 'static;
    /// [`Stage::Output`].
    type Output: Collect<Self::Item>;
    /// [`Stage::Reads`].
    type Reads;
}

impl<S: Stage> Finished for QueryBuilder<S> {
    type Item = S::Item;
    type Output = S::Output;
    type Reads = S::Reads;
}

/// A stage with nothing left to narrow: after the last sort field, or for a pattern whose
/// sort key has no fields.
pub struct Plain<T, O = Vec<T>, R = Eventual> {
    query: Query<T>,
    marker: PhantomData<fn() -> (O, R)>,
}

impl<T, O, R> Plain<T, O, R> {
    /// A stage over `query`.
    pub fn new(query: Query<T>) -> Self {
        Plain {
            query,
            marker: PhantomData,
        }
    }
}

impl<T, O, R> Clone for Plain<T, O, R> {
    fn clone(&self) -> Self {
        Plain::new(self.query.clone())
    }
}

impl<T, O, R> std::fmt::Debug for Plain<T, O, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.query.fmt(f)
    }
}

impl<T: Send + 'static, O: Collect<T>, R> Stage for Plain<T, O, R> {
    type Item = T;
    type Output = O;
    type Reads = R;
    fn query(&self) -> &Query<T> {
        &self.query
    }
    fn query_mut(&mut self) -> &mut Query<T> {
        &mut self.query
    }
}

/// A query being built. Its own methods are what every pattern shares; the pattern's
/// narrowing methods come from the stage `S` (through `Deref`).
#[derive(Debug, Clone)]
#[must_use = "a query does nothing until `page`, `stream` or `fetch` is called"]
pub struct QueryBuilder<S>(S);

impl<S> QueryBuilder<S> {
    /// A builder at `stage`, for stages whose bounds are checked where they are used.
    pub(crate) fn from_stage(stage: S) -> Self {
        QueryBuilder(stage)
    }
}

impl<S> Deref for QueryBuilder<S> {
    type Target = S;
    fn deref(&self) -> &S {
        &self.0
    }
}

impl<S: Stage> QueryBuilder<S> {
    /// A builder at stage `stage`.
    pub fn new(stage: S) -> Self {
        QueryBuilder(stage)
    }

    /// Read at most `limit` items per page (DynamoDB's `Limit`, applied before filters).
    pub fn limit(mut self, limit: u32) -> Self {
        self.0.query_mut().set_limit(limit);
        self
    }

    /// Return items in ascending key order.
    pub fn ascending(mut self) -> Self {
        self.0.query_mut().set_descending(false);
        self
    }

    /// Return items in descending key order.
    pub fn descending(mut self) -> Self {
        self.0.query_mut().set_descending(true);
        self
    }

    /// Keep only items for which `filter` holds (applied by DynamoDB after reading, so a
    /// page may hold fewer items than the limit).
    pub fn filter(mut self, filter: impl Into<Condition>) -> Self {
        self.0.query_mut().add_filter(filter.into());
        self
    }

    /// One page of results, starting at `cursor` (`None` for the first page).
    pub async fn page(&self, table: &Table, cursor: Option<&Cursor>) -> Result<Page<S::Item>> {
        self.0.query().page(table, cursor).await
    }

    /// How many items match, over every page, without reading them (`Select=COUNT`; the
    /// filter applies, nothing is decoded).
    pub async fn count(&self, table: &Table) -> Result<u64> {
        self.0.query().count(table).await
    }

    /// Every result, fetched lazily page by page.
    pub fn stream<'a>(
        &'a self,
        table: &'a Table,
    ) -> impl Stream<Item = Result<S::Item>> + Send + 'a {
        self.0.query().stream(table)
    }

    /// Every result (or, for `one: true` patterns, the first), grouped as the pattern
    /// returns it.
    pub async fn fetch(&self, table: &Table) -> Result<S::Output> {
        let query = self.0.query();
        let items = if <S::Output as Collect<S::Item>>::FIRST {
            query.first(table).await?.into_iter().collect()
        } else {
            query.stream(table).try_collect().await?
        };
        Ok(<S::Output as Collect<S::Item>>::collect(items))
    }

    /// The underlying query.
    pub fn into_query(self) -> Query<S::Item> {
        self.0.query().clone()
    }
}

impl<S: Stage<Reads = Strong>> QueryBuilder<S> {
    /// Use a strongly consistent read (the table and local indexes only).
    pub fn consistent(mut self) -> Self {
        self.0.query_mut().set_consistent(true);
        self
    }
}

/// A sort key template, as generated code describes it for narrowing: the attribute it is
/// stored in, the key delimiter, and its literal and field parts in order.
#[derive(Debug)]
pub struct SortTemplate {
    /// The sort key attribute (`sk`, `gsi2sk`).
    pub attribute: &'static str,
    /// The key segment delimiter.
    pub delimiter: char,
    /// Literal text and field names, in template order.
    pub parts: &'static [Part],
}

/// One part of a [`SortTemplate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// Literal text.
    Lit(&'static str),
    /// A field of the entity.
    Field(&'static str),
}

impl SortTemplate {
    /// The literal text right after field `index`: `Some("")` when another field follows at
    /// once, `None` when the field ends the template.
    fn after(&self, index: usize) -> Option<&'static str> {
        let position = self
            .parts
            .iter()
            .enumerate()
            .filter(|(_, p)| matches!(p, Part::Field(_)))
            .nth(index)?
            .0;
        match self.parts.get(position + 1)? {
            Part::Lit(l) => Some(l),
            Part::Field(_) => Some(""),
        }
    }

    /// The literal text before the first field.
    fn head(&self) -> &'static str {
        match self.parts.first() {
            Some(Part::Lit(l)) => l,
            _ => "",
        }
    }

    fn field(&self, index: usize) -> &'static str {
        self.parts
            .iter()
            .filter_map(|p| match p {
                Part::Field(f) => Some(*f),
                Part::Lit(_) => None,
            })
            .nth(index)
            .unwrap_or("")
    }
}

/// The query of a stage that narrows a sort key field by field: what is fixed so far, and
/// the operators on the next field. Generated stage types wrap one and name its methods
/// after the field (`priority_lte`).
pub struct Narrowing<T> {
    query: Query<T>,
    template: &'static SortTemplate,
    /// Fields fixed by equality so far.
    fixed: usize,
    /// The key text of the fixed fields and the literals around them.
    prefix: KeyText,
}

impl<T> Clone for Narrowing<T> {
    fn clone(&self) -> Self {
        Narrowing {
            query: self.query.clone(),
            template: self.template,
            fixed: self.fixed,
            prefix: self.prefix.clone(),
        }
    }
}

impl<T> std::fmt::Debug for Narrowing<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Narrowing")
            .field("query", &self.query)
            .field("fixed", &self.fixed)
            .finish_non_exhaustive()
    }
}

impl<T> Narrowing<T> {
    /// The first stage of `query` over the sort key `template`, nothing fixed yet.
    pub fn new(query: Query<T>, template: &'static SortTemplate) -> Self {
        Narrowing {
            query,
            template,
            fixed: 0,
            prefix: KeyText::new(template.delimiter).lit(template.head()),
        }
    }

    /// The query so far.
    pub fn query(&self) -> &Query<T> {
        &self.query
    }

    /// The query so far, to change.
    pub fn query_mut(&mut self) -> &mut Query<T> {
        &mut self.query
    }

    fn encode<'a>(&self, value: impl Into<KeyValue<'a>>) -> KeyResult<String> {
        KeyText::new(self.template.delimiter)
            .value(self.template.field(self.fixed), value)
            .finish()
    }

    fn narrow<O, R>(&self, narrow: KeyResult<Narrow>) -> QueryBuilder<Plain<T, O, R>> {
        let query = self.query.clone().narrow(
            self.template.attribute,
            self.prefix.clone().finish(),
            self.template.after(self.fixed),
            narrow,
        );
        QueryBuilder(Plain::new(query))
    }

    /// Fixes the next field to `value` and moves on to the field after it.
    pub fn fix<'a>(&self, value: impl Into<KeyValue<'a>>) -> Narrowing<T> {
        let segment = self.encode(value);
        let tail = self.template.after(self.fixed);
        let query = self.query.clone().narrow(
            self.template.attribute,
            self.prefix.clone().finish(),
            tail,
            segment.clone().map(Narrow::Eq),
        );
        Narrowing {
            query,
            template: self.template,
            fixed: self.fixed + 1,
            prefix: self.prefix.clone().encoded(segment).lit(tail.unwrap_or("")),
        }
    }

    /// Only items whose next field equals `value`; nothing further to narrow.
    pub fn eq<'a, O, R>(&self, value: impl Into<KeyValue<'a>>) -> QueryBuilder<Plain<T, O, R>> {
        self.narrow(self.encode(value).map(Narrow::Eq))
    }

    /// Only items whose next field is less than `value`, in key order (see the module docs).
    pub fn lt<'a, O, R>(&self, value: impl Into<KeyValue<'a>>) -> QueryBuilder<Plain<T, O, R>> {
        self.narrow(self.encode(value).map(Narrow::Lt))
    }

    /// Only items whose next field is at most `value`.
    pub fn lte<'a, O, R>(&self, value: impl Into<KeyValue<'a>>) -> QueryBuilder<Plain<T, O, R>> {
        self.narrow(self.encode(value).map(Narrow::Le))
    }

    /// Only items whose next field is greater than `value`.
    pub fn gt<'a, O, R>(&self, value: impl Into<KeyValue<'a>>) -> QueryBuilder<Plain<T, O, R>> {
        self.narrow(self.encode(value).map(Narrow::Gt))
    }

    /// Only items whose next field is at least `value`.
    pub fn gte<'a, O, R>(&self, value: impl Into<KeyValue<'a>>) -> QueryBuilder<Plain<T, O, R>> {
        self.narrow(self.encode(value).map(Narrow::Ge))
    }

    /// Only items whose next field lies between `low` and `high`, inclusive.
    pub fn between<'a, 'b, O, R>(
        &self,
        low: impl Into<KeyValue<'a>>,
        high: impl Into<KeyValue<'b>>,
    ) -> QueryBuilder<Plain<T, O, R>> {
        let low = self.encode(low);
        let high = self.encode(high);
        self.narrow(low.and_then(|low| high.map(|high| Narrow::Between(low, high))))
    }

    /// Only items whose next field starts with `prefix` (as stored text).
    pub fn begins_with<O, R>(&self, prefix: &str) -> QueryBuilder<Plain<T, O, R>> {
        self.narrow(self.encode(prefix).map(Narrow::BeginsWith))
    }
}

/// A scan of the table or an index, for access patterns declared with `scan: true`: filters,
/// limits, pages, streams and parallel segments, and no key order.
#[derive(Debug, Clone)]
#[must_use = "a scan does nothing until `page`, `stream` or `fetch` is called"]
pub struct ScanBuilder<T, R = Eventual> {
    query: Query<T>,
    reads: PhantomData<fn() -> R>,
}

impl<T: Send + 'static, R> ScanBuilder<T, R> {
    /// A scan of every item of entity `E` in the table. Items of other entities are
    /// filtered out by the type attribute, but DynamoDB still reads (and bills) them.
    pub fn entity(tag: &'static str) -> Self
    where
        T: crate::Entity,
    {
        Self::wrap(Query::entity_scan(tag))
    }

    /// A scan of the items of entity `E` in an index that holds part of each item, decoded
    /// by `decode` into a projection type.
    pub fn projection<E: crate::Entity>(
        tag: &'static str,
        decode: crate::query::Decoder<T>,
    ) -> Self {
        Self::wrap(Query::scan(
            tag,
            E::NAME,
            Some(E::TYPE_ATTRIBUTE),
            const { &[E::NAME] },
            decode,
        ))
    }

    fn wrap(query: Query<T>) -> Self {
        ScanBuilder {
            query,
            reads: PhantomData,
        }
    }

    /// Scan a secondary index instead of the table.
    pub fn index(mut self, name: &'static str) -> Self {
        self.query = self.query.index(name);
        self
    }

    /// Read only the key attributes projected into an index (for `keys_only` indexes).
    pub fn keys_only(mut self) -> Self {
        self.query = self.query.keys_only();
        self
    }

    /// Read only `attributes` (a pattern's `select:`, which lists the key attributes too).
    pub fn select(mut self, attributes: &'static [&'static str]) -> Self {
        self.query = self.query.select(attributes);
        self
    }

    /// Read only segment `segment` of `total` (a parallel scan: one reader per segment, each
    /// with its own cursor). A segment outside `0..total` is refused when sent.
    pub fn segment(mut self, segment: u32, total: u32) -> Self {
        self.query.set_segment(segment, total);
        self
    }

    /// Read at most `limit` items per page (DynamoDB's `Limit`, applied before filters).
    pub fn limit(mut self, limit: u32) -> Self {
        self.query.set_limit(limit);
        self
    }

    /// Keep only items for which `filter` holds (applied by DynamoDB after reading).
    pub fn filter(mut self, filter: impl Into<Condition>) -> Self {
        self.query.add_filter(filter.into());
        self
    }

    /// One page of results, starting at `cursor` (`None` for the first page).
    pub async fn page(&self, table: &Table, cursor: Option<&Cursor>) -> Result<Page<T>> {
        self.query.page(table, cursor).await
    }

    /// How many items match, over every page (and only this scan's segment, if it has one),
    /// without reading them (`Select=COUNT`; the filter applies, nothing is decoded).
    pub async fn count(&self, table: &Table) -> Result<u64> {
        self.query.count(table).await
    }

    /// Every result, fetched lazily page by page.
    pub fn stream<'a>(&'a self, table: &'a Table) -> impl Stream<Item = Result<T>> + Send + 'a {
        self.query.stream(table)
    }

    /// Every result, reading all pages.
    pub async fn fetch(&self, table: &Table) -> Result<Vec<T>> {
        self.query.stream(table).try_collect().await
    }
}

impl<T: Send + 'static> ScanBuilder<T, Strong> {
    /// Use a strongly consistent read (the table and local indexes only).
    pub fn consistent(mut self) -> Self {
        self.query.set_consistent(true);
        self
    }
}
