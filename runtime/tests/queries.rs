//! Queries against DynamoDB Local: sort conditions, order, limits, cursors, streams,
//! filters, type filtering on shared partitions, and secondary indexes.

mod common;

use common::{Account, Event, table};
use futures::TryStreamExt;
use singletable::__private::{AttributeValue, KeyText};
use singletable::{Comparison, Condition, Error, Operand, Path, Query, SortCondition, SortKey};

async fn seeded(account: &str, n: i64) -> singletable::test_util::TestTable {
    let t = table().await;
    t.put(&Account::sample(account)).await.unwrap();
    for seq in 0..n {
        let kind = if seq % 2 == 0 { "login" } else { "purchase" };
        t.put(&Event::new(account, seq, kind)).await.unwrap();
    }
    t
}

fn events(account: &str) -> Query<Event> {
    Query::entity("events", Event::partition(account))
}

fn seqs(events: &[Event]) -> Vec<i64> {
    events.iter().map(|e| e.seq).collect()
}

fn sort_value(seq: i64) -> String {
    let e = Event::new("x", seq, "k");
    Event::sort(&e.at, seq).value().unwrap().to_owned()
}

#[tokio::test]
async fn query_returns_only_the_entity_in_a_shared_partition() {
    let t = seeded("ann", 5).await;
    let page = events("ann").page(&t, None).await.unwrap();
    // The Account item shares the partition but is not an Event.
    assert_eq!(seqs(&page.items), [0, 1, 2, 3, 4]);
    assert!(page.cursor.is_none());
}

#[tokio::test]
async fn query_orders_ascending_and_descending() {
    let t = seeded("ben", 4).await;
    let asc = events("ben").ascending().page(&t, None).await.unwrap();
    assert_eq!(seqs(&asc.items), [0, 1, 2, 3]);
    let desc = events("ben").descending().page(&t, None).await.unwrap();
    assert_eq!(seqs(&desc.items), [3, 2, 1, 0]);
}

#[tokio::test]
async fn pages_follow_the_cursor_to_the_end() {
    let t = seeded("cat", 7).await;
    let q = events("cat").limit(3);
    let mut all = Vec::new();
    let mut cursor = None;
    let mut pages = 0;
    loop {
        let page = q.page(&t, cursor.as_ref()).await.unwrap();
        pages += 1;
        all.extend(page.items);
        match page.cursor {
            Some(c) => cursor = Some(c.to_string().parse().unwrap()),
            None => break,
        }
    }
    assert_eq!(seqs(&all), [0, 1, 2, 3, 4, 5, 6]);
    assert!(pages >= 3);
}

#[tokio::test]
async fn a_cursor_from_another_query_is_rejected() {
    let t = seeded("dan", 3).await;
    let page = events("dan").limit(1).page(&t, None).await.unwrap();
    let cursor = page.cursor.unwrap();
    let other = Query::<Event>::entity("other_pattern", Event::partition("dan"));
    let err = other.page(&t, Some(&cursor)).await.unwrap_err();
    assert!(matches!(err, Error::Cursor(_)), "{err:?}");
    let garbage: singletable::Cursor = "not-a-cursor".parse().unwrap();
    assert!(matches!(
        events("dan").page(&t, Some(&garbage)).await,
        Err(Error::Cursor(_))
    ));
}

#[tokio::test]
async fn stream_fetches_every_page_lazily() {
    let t = seeded("eve", 9).await;
    let q = events("eve").limit(2);
    let all: Vec<Event> = q.stream(&t).try_collect().await.unwrap();
    assert_eq!(seqs(&all), (0..9).collect::<Vec<_>>());
    // Taking only the first items reads only the pages needed.
    let first: Vec<Event> = q.stream(&t).take(3).try_collect().await.unwrap();
    assert_eq!(seqs(&first), [0, 1, 2]);
}

use futures::StreamExt;

#[tokio::test]
async fn each_sort_key_operator() {
    let t = seeded("fox", 6).await;
    let run = |c: SortCondition| {
        let t = &t;
        async move {
            seqs(
                &events("fox")
                    .sort("sk", Ok(c))
                    .page(t, None)
                    .await
                    .unwrap()
                    .items,
            )
        }
    };
    assert_eq!(run(SortCondition::Eq(sort_value(2))).await, [2]);
    assert_eq!(run(SortCondition::Lt(sort_value(2))).await, [0, 1]);
    assert_eq!(run(SortCondition::Le(sort_value(2))).await, [0, 1, 2]);
    assert_eq!(run(SortCondition::Gt(sort_value(3))).await, [4, 5]);
    assert_eq!(run(SortCondition::Ge(sort_value(3))).await, [3, 4, 5]);
    assert_eq!(
        run(SortCondition::Between(sort_value(1), sort_value(4))).await,
        [1, 2, 3, 4]
    );
    assert_eq!(
        run(SortCondition::BeginsWith("EVENT#".into())).await,
        [0, 1, 2, 3, 4, 5]
    );
}

#[tokio::test]
async fn prefix_queries_stop_at_segment_boundaries() {
    let t = table().await;
    // Two kinds of items whose sort keys share the text "EVENT".
    t.put(&Event::new("gil", 1, "login")).await.unwrap();
    t.client()
        .put_item()
        .table_name(t.name())
        .item("pk", AttributeValue::S("ACCOUNT#gil".into()))
        .item("sk", AttributeValue::S("EVENTLOG#1".into()))
        .item("_type", AttributeValue::S("Event".into()))
        .send()
        .await
        .unwrap();
    // The prefix for "all events" ends at the delimiter, so EVENTLOG#... is not matched.
    let prefix = KeyText::new('#').lit("EVENT#").finish();
    let q = events("gil").sort("sk", prefix.map(SortCondition::BeginsWith));
    let page = q.page(&t, None).await.unwrap();
    assert_eq!(seqs(&page.items), [1]);
}

#[tokio::test]
async fn filters_run_on_the_server() {
    let t = seeded("hub", 6).await;
    let purchases = Condition::Compare(
        Operand::Path(Path::attr("kind")),
        Comparison::Eq,
        Operand::Value(AttributeValue::S("purchase".into())),
    );
    let page = events("hub")
        .filter(purchases)
        .page(&t, None)
        .await
        .unwrap();
    assert_eq!(seqs(&page.items), [1, 3, 5]);
}

#[tokio::test]
async fn global_index_query() {
    let t = seeded("ida", 2).await;
    let q = Query::<Account>::entity("account_by_email", Account::by_email("ida@example.com"))
        .index("gsi1");
    let page = q.page(&t, None).await.unwrap();
    assert_eq!(page.items, vec![Account::sample("ida")]);
}

#[tokio::test]
async fn local_index_query_with_consistent_read() {
    let t = seeded("jan", 5).await;
    let from_seq_3: SortKey<Event> = Event::lsi_sort(3);
    let q = events("jan")
        .index("lsi1")
        .sort(
            from_seq_3.attribute(),
            from_seq_3
                .value()
                .map(|v| SortCondition::Ge(v.to_owned()))
                .map_err(Clone::clone),
        )
        .consistent()
        .descending();
    let page = q.page(&t, None).await.unwrap();
    assert_eq!(seqs(&page.items), [4, 3]);
}

#[tokio::test]
async fn keys_only_and_include_indexes_return_projected_attributes() {
    let t = seeded("kit", 3).await;
    // The inverse index is keys-only: only pk and sk come back; load the full items by key.
    fn keys(item: singletable::Item) -> singletable::Result<Option<(String, String)>> {
        let s = |name: &str| {
            item.get(name)
                .and_then(|v| v.as_s().ok())
                .cloned()
                .unwrap_or_default()
        };
        assert!(
            !item.contains_key("detail"),
            "keys_only index returned {item:?}"
        );
        Ok(Some((s("pk"), s("sk"))))
    }
    let q = Query::new(
        "by_sort_key",
        "Account",
        "sk",
        Ok("PROFILE".to_owned()),
        None,
        &[],
        keys,
    )
    .index("inverse")
    .keys_only();
    let page = q.page(&t, None).await.unwrap();
    assert_eq!(
        page.items,
        [("ACCOUNT#kit".to_owned(), "PROFILE".to_owned())]
    );
    let loaded = t.get(Account::key("kit")).required().await.unwrap();
    assert_eq!(loaded.id, "kit");

    // The by_kind index includes `kind` (and `_type`-less items: no type filter).
    fn kind(item: singletable::Item) -> singletable::Result<Option<String>> {
        assert!(!item.contains_key("detail"));
        Ok(item.get("kind").and_then(|v| v.as_s().ok()).cloned())
    }
    let q = Query::new(
        "by_kind",
        "Event",
        "gsi2pk",
        KeyText::new('#')
            .lit("KIND#")
            .value("kind", "login")
            .finish(),
        None,
        &[],
        kind,
    )
    .index("by_kind");
    let page = q.page(&t, None).await.unwrap();
    assert_eq!(page.items, ["login", "login"]);
}

#[tokio::test]
async fn invalid_partition_key_fails_before_the_request() {
    let t = table().await;
    let q = Query::<Event>::entity("events", Event::partition(""));
    // "ACCOUNT#" is not empty, so use an over-long value to trip the limit.
    assert!(q.page(&t, None).await.is_ok());
    let long = "y".repeat(2100);
    let err = events(&long).page(&t, None).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Key {
                entity: "Event",
                ..
            }
        ),
        "{err:?}"
    );
}

/// Narrowing by one field of `EVENT#{at}#{seq}`, with other sort keys in the partition that
/// share text with it, must return exactly the events whose field compares as asked.
#[tokio::test]
async fn narrowing_by_template_fields_is_exact() {
    use singletable::Narrow;
    let t = seeded("nat", 6).await;
    // Same-typed noise just outside the `EVENT#` range on both sides, which an unbounded
    // comparison would return (and fail to decode).
    for sk in ["EVENT", "EVENT\"", "EVENT$", "EVENTS#1"] {
        t.client()
            .put_item()
            .table_name(t.name())
            .item("pk", AttributeValue::S("ACCOUNT#nat".into()))
            .item("sk", AttributeValue::S(sk.into()))
            .item("_type", AttributeValue::S("Event".into()))
            .send()
            .await
            .unwrap();
    }
    let at = |seq: i64| {
        let e = Event::new("nat", seq, "k");
        KeyText::new('#').value("at", &e.at).finish().unwrap()
    };
    let prefix = || KeyText::new('#').lit("EVENT#").finish();
    let on_at = |n: Narrow| events("nat").narrow("sk", prefix(), Some("#"), Ok(n));
    let run = |q: Query<Event>| {
        let t = &t;
        async move {
            seqs(
                &q.page(t, None)
                    .await
                    .unwrap_or_else(|e| panic!("{q:?}: {e}"))
                    .items,
            )
        }
    };
    assert_eq!(run(on_at(Narrow::Eq(at(2)))).await, [2]);
    assert_eq!(run(on_at(Narrow::Lt(at(2)))).await, [0, 1]);
    assert_eq!(run(on_at(Narrow::Le(at(2)))).await, [0, 1, 2]);
    assert_eq!(run(on_at(Narrow::Gt(at(3)))).await, [4, 5]);
    assert_eq!(run(on_at(Narrow::Ge(at(3)))).await, [3, 4, 5]);
    assert_eq!(run(on_at(Narrow::Between(at(1), at(3)))).await, [1, 2, 3]);
    assert_eq!(
        run(on_at(Narrow::BeginsWith("2023-11-14T22".into()))).await,
        [0, 1, 2, 3, 4, 5]
    );

    // The last field, after equality on `at`: `lt` must drop the exact key.
    let with_at = |seq: i64| {
        let e = Event::new("nat", seq, "k");
        KeyText::new('#')
            .lit("EVENT#")
            .value("at", &e.at)
            .lit("#")
            .finish()
    };
    let seq = |n: i64| KeyText::new('#').value("seq", n).finish().unwrap();
    let on_seq = |at_of: i64, n: Narrow| events("nat").narrow("sk", with_at(at_of), None, Ok(n));
    assert_eq!(run(on_seq(3, Narrow::Eq(seq(3)))).await, [3]);
    assert_eq!(run(on_seq(3, Narrow::Lt(seq(3)))).await, Vec::<i64>::new());
    assert_eq!(run(on_seq(3, Narrow::Le(seq(3)))).await, [3]);
    assert_eq!(run(on_seq(3, Narrow::Gt(seq(2)))).await, [3]);
    assert_eq!(run(on_seq(3, Narrow::Gt(seq(3)))).await, Vec::<i64>::new());
    assert_eq!(run(on_seq(3, Narrow::Ge(seq(3)))).await, [3]);

    // `first` reads only until one item is found.
    let first = on_at(Narrow::Ge(at(0))).limit(1).first(&t).await.unwrap();
    assert_eq!(first.map(|e| e.seq), Some(0));
}
