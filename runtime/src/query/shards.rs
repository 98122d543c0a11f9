//! Sharded partitions and bucket walks. A pattern whose partition template has a
//! `{field:shard(N)}` segment spreads one logical partition over `N` physical ones; its query
//! reads all of them and merges their results in sort-key order (ascending or descending, as
//! the query reads), under one cursor that resumes every shard where it stopped. A pattern
//! whose partition has a date bucket (`{created_at:day}`) can also walk a range of buckets,
//! one after another in the query's order, lazily, under one cursor that names the bucket
//! and the positions in it.
//!
//! Each page asks every unfinished shard for one page from its own position. A result is
//! handed out only if no shard can still hold an earlier one: a shard with more to read
//! bounds the merge at the sort key where its page ended. The cursor records, per shard,
//! the key of the last result taken from it (or where its page ended, if all of its page
//! was taken), or that it is done.

use aws_sdk_dynamodb::types::AttributeValue;

use super::{Query, RawPage};
use crate::Item;
use crate::error::{KeyError, Result};
use crate::request::{Table, project};

/// The partitions a query reads: buckets in ascending order, each one partition or its shards.
#[derive(Debug, Clone)]
pub(crate) struct Shards {
    /// Each bucket's shards' partition key values.
    pub(crate) buckets: Vec<Vec<std::result::Result<String, KeyError>>>,
    /// The sort key attribute of the index read, which orders the merge.
    pub(crate) sort_attribute: &'static str,
    /// Every key attribute of the index read (table keys included): a position to resume at.
    pub(crate) key_attributes: &'static [&'static str],
}

/// Where one shard stands.
#[derive(Debug, Clone, PartialEq)]
enum Position {
    Start,
    After(Item),
    Done,
}

/// The state attribute of shard `i` that is done.
const DONE: &str = "done";

/// The state attribute naming the bucket a walk is in (its position in the walk's order).
const BUCKET: &str = "bucket";

fn positions(state: Option<Item>, shards: usize) -> Vec<Position> {
    let mut out = vec![Position::Start; shards];
    for (name, value) in state.into_iter().flatten() {
        if name == BUCKET {
            continue;
        }
        let (shard, attribute) = match name.split_once('/') {
            Some((shard, attribute)) => (shard, Some(attribute)),
            None => (name.as_str(), None),
        };
        let Some(slot) = shard.parse::<usize>().ok().and_then(|i| out.get_mut(i)) else {
            continue;
        };
        match attribute {
            None => *slot = Position::Done,
            Some(attribute) => {
                if let Position::Start = slot {
                    *slot = Position::After(Item::new());
                }
                if let Position::After(key) = slot {
                    key.insert(attribute.to_owned(), value);
                }
            }
        }
    }
    out
}

fn encode_positions(positions: &[Position]) -> Option<Item> {
    if positions.iter().all(|p| *p == Position::Done) {
        return None;
    }
    let mut state = Item::new();
    for (i, p) in positions.iter().enumerate() {
        match p {
            Position::Start => {}
            Position::Done => {
                state.insert(i.to_string(), AttributeValue::S(DONE.to_owned()));
            }
            Position::After(key) => {
                for (attribute, value) in key {
                    state.insert(format!("{i}/{attribute}"), value.clone());
                }
            }
        }
    }
    Some(state)
}

impl<T> Query<T> {
    /// This query over every shard of a sharded partition (the shard segment's `N`
    /// partitions), merged in sort-key order.
    pub fn shards<E>(
        self,
        partitions: impl IntoIterator<Item = crate::PartitionKey<E>>,
        sort_attribute: &'static str,
        key_attributes: &'static [&'static str],
    ) -> Self {
        self.walk(std::iter::once(partitions), sort_attribute, key_attributes)
    }

    /// This query over a range of date buckets, given in ascending order (each one partition,
    /// or the shards of one): read one bucket after another in the query's order.
    pub fn walk<E, P: IntoIterator<Item = crate::PartitionKey<E>>>(
        mut self,
        buckets: impl IntoIterator<Item = P>,
        sort_attribute: &'static str,
        key_attributes: &'static [&'static str],
    ) -> Self {
        let buckets = buckets
            .into_iter()
            .map(|b| b.into_iter().map(|p| p.into_value()).collect())
            .collect();
        self.shards = Some(Shards {
            buckets,
            sort_attribute,
            key_attributes,
        });
        self
    }

    /// The query on one partition alone.
    fn shard(&self, partition: &std::result::Result<String, KeyError>) -> Self {
        let mut one = self.clone();
        one.shards = None;
        one.partition = Some(partition.clone());
        one
    }

    /// One page of the walk from `state`: the next merged page of the bucket it is in, then
    /// the next bucket once that one is done.
    pub(super) async fn fetch_shards(
        &self,
        table: &Table,
        shards: &Shards,
        state: Option<Item>,
    ) -> Result<(Vec<T>, Option<Item>)> {
        let bucket = state
            .as_ref()
            .and_then(|s| s.get(BUCKET))
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(0);
        let count = shards.buckets.len();
        // The walk's order follows the query's.
        let index = if self.descending {
            count.checked_sub(bucket + 1)
        } else {
            Some(bucket)
        };
        let Some(partitions) = index.and_then(|i| shards.buckets.get(i)) else {
            return Ok((Vec::new(), None));
        };
        let (items, inner) = self.fetch_bucket(table, shards, partitions, state).await?;
        let next = match inner {
            Some(mut inner) => {
                inner.insert(BUCKET.to_owned(), AttributeValue::N(bucket.to_string()));
                Some(inner)
            }
            None if bucket + 1 < count => Some(Item::from([(
                BUCKET.to_owned(),
                AttributeValue::N((bucket + 1).to_string()),
            )])),
            None => None,
        };
        Ok((items, next))
    }

    /// One merged page from the shards' positions in `state`, and the state after it.
    async fn fetch_bucket(
        &self,
        table: &Table,
        shards: &Shards,
        partitions: &[std::result::Result<String, KeyError>],
        state: Option<Item>,
    ) -> Result<(Vec<T>, Option<Item>)> {
        let mut at = positions(state, partitions.len());
        let select = self.read_select();
        let reads = at.iter().enumerate().filter_map(|(i, p)| {
            let start = match p {
                Position::Done => return None,
                Position::Start => None,
                Position::After(key) => Some(key.clone()),
            };
            let query = self.shard(&partitions[i]);
            let select = select.clone();
            Some(async move { query.send(table, start, select).await.map(|page| (i, page)) })
        });
        let pages: Vec<(usize, RawPage)> = futures::future::try_join_all(reads).await?;

        let sort_of = |item: &Item| -> Option<String> {
            item.get(shards.sort_attribute)
                .and_then(|v| v.as_s().ok())
                .cloned()
        };
        let before = |a: &str, b: &str| if self.descending { a > b } else { a < b };
        // No result past the point where a shard with more to read stopped can be handed
        // out: that shard may still hold an earlier one.
        let mut bound: Option<String> = None;
        for (_, page) in &pages {
            if let Some(end) = page.last.as_ref().and_then(sort_of)
                && bound.as_deref().is_none_or(|b| before(&end, b))
            {
                bound = Some(end);
            }
        }
        let mut merged: Vec<(String, usize, Item)> = Vec::new();
        let mut fetched = vec![0usize; at.len()];
        let mut ends: Vec<Option<Item>> = vec![None; at.len()];
        for (i, page) in pages {
            fetched[i] = page.items.len();
            ends[i] = page.last;
            for item in page.items {
                merged.push((sort_of(&item).unwrap_or_default(), i, item));
            }
        }
        merged.sort_by(|a, b| {
            let order = a.0.cmp(&b.0);
            let order = if self.descending {
                order.reverse()
            } else {
                order
            };
            order.then(a.1.cmp(&b.1))
        });
        let limit = self.limit.map_or(usize::MAX, |l| l.max(1) as usize);
        let mut taken = vec![0usize; at.len()];
        let mut items = Vec::new();
        for (sort, i, item) in merged {
            if items.len() >= limit || bound.as_deref().is_some_and(|b| before(b, &sort)) {
                break;
            }
            at[i] = Position::After(project(&item, shards.key_attributes.iter().copied()));
            taken[i] += 1;
            items.push(item);
        }
        for (i, p) in at.iter_mut().enumerate() {
            if *p == Position::Done || taken[i] < fetched[i] {
                continue;
            }
            // Everything this shard returned was taken: resume where its page ended.
            *p = match ends[i].take() {
                Some(end) => Position::After(end),
                None => Position::Done,
            };
        }
        let (items, _) = self.decode_page(items, None)?;
        Ok((items, encode_positions(&at)))
    }

    /// The number of results of every bucket and shard together.
    pub(super) async fn count_shards(&self, table: &Table, shards: &Shards) -> Result<u64> {
        let counts = shards.buckets.iter().flatten().map(|partition| {
            let query = self.shard(partition);
            async move { query.count(table).await }
        });
        Ok(futures::future::try_join_all(counts)
            .await?
            .into_iter()
            .sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_round_trip_through_the_state() {
        let key = Item::from([
            ("pk".to_owned(), AttributeValue::S("P#1".into())),
            ("sk".to_owned(), AttributeValue::S("S#2".into())),
        ]);
        let at = vec![Position::Done, Position::Start, Position::After(key)];
        let state = encode_positions(&at).unwrap();
        assert_eq!(positions(Some(state), 3), at);
        assert_eq!(state_all_done(), None);
        assert_eq!(positions(None, 2), vec![Position::Start, Position::Start]);
    }

    fn state_all_done() -> Option<Item> {
        encode_positions(&[Position::Done, Position::Done])
    }
}
