//! Sharded partitions. A pattern whose partition template has a `{field:shard(N)}` segment
//! spreads one logical partition over `N` physical ones; its query reads all of them and
//! merges their results in sort-key order (ascending or descending, as the query reads),
//! under one cursor that resumes every shard where it stopped.
//!
//! Each page asks every unfinished shard for one page from its own position. A result is
//! handed out only if no shard can still hold an earlier one: a shard with more to read
//! bounds the merge at the sort key where its page ended. The cursor records, per shard,
//! the key of the last result taken from it (or where its page ended, if all of its page
//! was taken), or that it is done.

use aws_sdk_dynamodb::types::{AttributeValue, Select};

use super::{Query, RawPage};
use crate::Item;
use crate::error::{KeyError, Result};
use crate::request::Table;

/// The shards of a query's partition.
#[derive(Debug, Clone)]
pub(crate) struct Shards {
    /// Each shard's partition key value.
    pub(crate) partitions: Vec<std::result::Result<String, KeyError>>,
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

fn positions(state: Option<Item>, shards: usize) -> Vec<Position> {
    let mut out = vec![Position::Start; shards];
    for (name, value) in state.into_iter().flatten() {
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
        mut self,
        partitions: impl IntoIterator<Item = crate::PartitionKey<E>>,
        sort_attribute: &'static str,
        key_attributes: &'static [&'static str],
    ) -> Self {
        self.shards = Some(Shards {
            partitions: partitions.into_iter().map(|p| p.into_value()).collect(),
            sort_attribute,
            key_attributes,
        });
        self
    }

    /// The query on shard `i` alone.
    fn shard(&self, i: usize, partitions: &Shards) -> Self {
        let mut one = self.clone();
        one.shards = None;
        one.partition = Some(partitions.partitions[i].clone());
        one
    }

    /// One merged page from the shards' positions in `state`, and the state after it.
    pub(super) async fn fetch_shards(
        &self,
        table: &Table,
        shards: &Shards,
        state: Option<Item>,
    ) -> Result<(Vec<T>, Option<Item>)> {
        let mut at = positions(state, shards.partitions.len());
        let select =
            (self.keys_only && self.projection.is_none()).then_some(Select::AllProjectedAttributes);
        let reads = at.iter().enumerate().filter_map(|(i, p)| {
            let start = match p {
                Position::Done => return None,
                Position::Start => None,
                Position::After(key) => Some(key.clone()),
            };
            let query = self.shard(i, shards);
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
            let key: Item = shards
                .key_attributes
                .iter()
                .filter_map(|a| item.get(*a).map(|v| ((*a).to_owned(), v.clone())))
                .collect();
            at[i] = Position::After(key);
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

    /// The number of results of every shard together.
    pub(super) async fn count_shards(&self, table: &Table, shards: &Shards) -> Result<u64> {
        let counts = (0..shards.partitions.len()).map(|i| {
            let query = self.shard(i, shards);
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
