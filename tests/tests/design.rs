//! DESIGN.md's example schema end to end: generated code against DynamoDB Local, every
//! access pattern returning exactly the right items.

mod common;

use chrono::{DateTime, Utc};
use common::{at, order};
use futures::TryStreamExt;
use singletable::test_util::TestTable;
use singletable::{Entity, Error};
use tests::design::{
    Address, Order, OrderStatus, OrdersForUserNarrowed, TABLE, User, UserWithOrders,
    UserWithOrdersItem,
};

async fn table() -> TestTable {
    TestTable::create(&TABLE).await.expect("create table")
}

/// alice: a profile and 6 orders; bob: a profile and 2 orders.
async fn seeded() -> TestTable {
    let t = table().await;
    let mut alice = User::new("alice", "alice@example.com");
    alice.address = Some(Address {
        street: "1 Main St".into(),
        city: "Springfield".into(),
        zip: None,
    });
    t.insert(&alice).await.unwrap();
    t.insert(&User::new("bob", "bob@example.com"))
        .await
        .unwrap();
    let statuses = [
        OrderStatus::Pending,
        OrderStatus::Paid,
        OrderStatus::Shipped,
        OrderStatus::Paid,
        OrderStatus::Cancelled,
        OrderStatus::Paid,
    ];
    for (n, status) in statuses.into_iter().enumerate() {
        t.insert(&order("alice", n as i64, status)).await.unwrap();
    }
    t.insert(&order("bob", 10, OrderStatus::Paid))
        .await
        .unwrap();
    t.insert(&order("bob", 11, OrderStatus::Pending))
        .await
        .unwrap();
    t
}

fn ids(orders: &[Order]) -> Vec<&str> {
    orders.iter().map(|o| o.order_id.as_str()).collect()
}

#[tokio::test]
async fn entities_round_trip_with_defaults_and_auto_fields() {
    let t = table().await;
    let before = Utc::now();
    let user = User::new("carol", "carol@example.com");
    assert_eq!(user.logins, 0);
    assert!(user.roles.is_empty());
    assert!(user.created_at >= before && user.created_at == user.updated_at);
    t.put(&user).await.unwrap();
    // A write refreshes `updated_at` and stores the next version; the rest is as it was.
    let stored = t.get(User::key("carol")).await.unwrap().unwrap();
    assert_eq!(stored.version, 1);
    assert!(stored.updated_at >= user.updated_at);
    assert_eq!(stored.created_at, user.created_at);
    assert_eq!(
        User {
            updated_at: user.updated_at,
            version: 0,
            ..stored
        },
        user
    );

    let mut o = order("carol", 1, OrderStatus::Shipped);
    o.expires_at = Some(DateTime::from_timestamp(4_000_000_000, 0).unwrap());
    t.put(&o).await.unwrap();
    let key = Order::key("carol", at(1), "o-001");
    assert_eq!(t.get(key).await.unwrap(), Some(o));
}

#[tokio::test]
async fn items_carry_index_keys_and_type() {
    let o = order("dan", 3, OrderStatus::Paid);
    let item = o.to_item().unwrap();
    let s = |k: &str| item[k].as_s().unwrap().clone();
    assert_eq!(s("pk"), "USER#dan");
    assert_eq!(s("sk"), "ORDER#2024-05-01T08:03:00.000000000Z#o-003");
    assert_eq!(s("gsi1pk"), "ORDER#o-003");
    assert_eq!(s("gsi1sk"), "ORDER");
    assert_eq!(s("gsi2pk"), "STATUS#paid");
    assert_eq!(s("gsi2sk"), "2024-05-01T08:03:00.000000000Z");
    assert_eq!(s("lsi1sk"), "TOTAL#0000000000000003000");
    assert_eq!(s("_type"), "Order");
    assert!(!item.contains_key("expires_at"));
}

#[tokio::test]
async fn user_by_email_finds_one_user_or_none() {
    let t = seeded().await;
    let found = User::user_by_email("alice@example.com")
        .fetch(&t)
        .await
        .unwrap();
    assert_eq!(found.map(|u| u.user_id), Some("alice".to_owned()));
    let none = User::user_by_email("nobody@example.com")
        .fetch(&t)
        .await
        .unwrap();
    assert_eq!(none, None);
}

#[tokio::test]
async fn orders_for_user_newest_first_and_only_orders() {
    let t = seeded().await;
    let orders = Order::orders_for_user("alice").fetch(&t).await.unwrap();
    // The profile item shares the partition but is not an order.
    assert_eq!(
        ids(&orders),
        ["o-005", "o-004", "o-003", "o-002", "o-001", "o-000"]
    );
    let asc = Order::orders_for_user("alice")
        .ascending()
        .fetch(&t)
        .await
        .unwrap();
    assert_eq!(ids(&asc)[0], "o-000");
}

#[tokio::test]
async fn orders_for_user_narrowing_by_each_operator() {
    let t = seeded().await;
    let q = || Order::orders_for_user("alice");
    let run = |q: OrdersForUserNarrowed| {
        let t = &t;
        async move {
            let page = q.ascending().page(t, None).await.unwrap();
            page.items
                .into_iter()
                .map(|o| o.order_id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(run(q().placed_at_lt(at(2))).await, ["o-000", "o-001"]);
    assert_eq!(
        run(q().placed_at_lte(at(2))).await,
        ["o-000", "o-001", "o-002"]
    );
    assert_eq!(run(q().placed_at_gt(at(3))).await, ["o-004", "o-005"]);
    assert_eq!(
        run(q().placed_at_gte(at(3))).await,
        ["o-003", "o-004", "o-005"]
    );
    assert_eq!(
        run(q().placed_at_between(at(1), at(3))).await,
        ["o-001", "o-002", "o-003"]
    );
    assert_eq!(
        run(q().placed_at_begins_with("2024-05-01T08:0"))
            .await
            .len(),
        6
    );
    // Equality on the leading field, then an operator on the next.
    assert_eq!(
        run(q().placed_at_eq(at(2)).order_id_eq("o-002")).await,
        ["o-002"]
    );
    assert_eq!(
        run(q().placed_at_eq(at(2)).order_id_lt("o-002")).await,
        Vec::<String>::new()
    );
    assert_eq!(
        run(q().placed_at_eq(at(2)).order_id_begins_with("o-0")).await,
        ["o-002"]
    );
    let fixed = q().placed_at_eq(at(4)).fetch(&t).await.unwrap();
    assert_eq!(ids(&fixed), ["o-004"]);
}

#[tokio::test]
async fn pages_and_streams_follow_cursors() {
    let t = seeded().await;
    let q = Order::orders_for_user("alice").limit(4);
    let first = q.page(&t, None).await.unwrap();
    assert_eq!(ids(&first.items), ["o-005", "o-004", "o-003", "o-002"]);
    let cursor = first.cursor.expect("more pages");
    let second = q.page(&t, Some(&cursor)).await.unwrap();
    assert_eq!(ids(&second.items), ["o-001", "o-000"]);
    // A cursor from this pattern is rejected by another.
    let err = Order::orders_by_status(OrderStatus::Paid)
        .page(&t, Some(&cursor))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Cursor(_)));
    let streamed: Vec<Order> = Order::orders_for_user("alice")
        .limit(2)
        .stream(&t)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(streamed.len(), 6);
}

#[tokio::test]
async fn orders_by_status_returns_projections_that_load_full_orders() {
    let t = seeded().await;
    // `by_status` projects only status and total_cents: the query returns projections.
    let paid = Order::orders_by_status(OrderStatus::Paid)
        .fetch(&t)
        .await
        .unwrap();
    assert!(paid.iter().all(|p| p.status == OrderStatus::Paid));
    let totals: Vec<i64> = paid.iter().map(|p| p.total_cents).collect();
    assert_eq!(totals, [1000, 3000, 5000, 10000]);
    let full = paid[0].load(&t).await.unwrap().unwrap();
    assert_eq!(full.order_id, "o-001");
    assert_eq!(paid[0].key, Order::key("alice", at(1), "o-001"));

    let since = Order::orders_by_status(OrderStatus::Paid)
        .placed_at_gte(at(3))
        .page(&t, None)
        .await
        .unwrap();
    let totals: Vec<i64> = since.items.iter().map(|p| p.total_cents).collect();
    assert_eq!(totals, [3000, 5000, 10000]);
    let before = Order::orders_by_status(OrderStatus::Paid)
        .placed_at_lt(at(3))
        .page(&t, None)
        .await
        .unwrap();
    assert_eq!(before.items.len(), 1);
}

#[tokio::test]
async fn big_orders_uses_the_local_index() {
    let t = seeded().await;
    let big = Order::big_orders("alice")
        .consistent()
        .fetch(&t)
        .await
        .unwrap();
    let totals: Vec<i64> = big.iter().map(|o| o.total_cents).collect();
    assert_eq!(totals, [5000, 4000, 3000, 2000, 1000, 0]);
    let over = Order::big_orders("alice")
        .total_cents_gt(3000)
        .page(&t, None)
        .await
        .unwrap();
    let totals: Vec<i64> = over.items.iter().map(|o| o.total_cents).collect();
    assert_eq!(totals, [5000, 4000]);
}

#[tokio::test]
async fn user_with_orders_reads_the_collection() {
    let t = seeded().await;
    let (user, orders) = UserWithOrders::query("alice")
        .fetch(&t)
        .await
        .unwrap()
        .into_parts();
    assert_eq!(user.unwrap().email, "alice@example.com");
    assert_eq!(orders.len(), 6);
    let bob = UserWithOrders::query("bob").fetch(&t).await.unwrap();
    assert_eq!(bob.orders.len(), 2);
    let page = UserWithOrders::query("bob")
        .limit(10)
        .page(&t, None)
        .await
        .unwrap();
    assert!(matches!(page.items[0], UserWithOrdersItem::Order(_)));
    assert!(matches!(
        page.items.last(),
        Some(UserWithOrdersItem::User(_))
    ));
    let nobody = UserWithOrders::query("nobody").fetch(&t).await.unwrap();
    assert_eq!(nobody, UserWithOrders::default());
}

#[tokio::test]
async fn enums_convert_to_and_from_strings() {
    assert_eq!(OrderStatus::Shipped.to_string(), "shipped");
    assert_eq!("paid".parse::<OrderStatus>().unwrap(), OrderStatus::Paid);
    let err = "lost".parse::<OrderStatus>().unwrap_err();
    assert_eq!(err.to_string(), "`lost` is not a value of OrderStatus");
    assert_eq!(OrderStatus::ALL.len(), 4);
}

#[tokio::test]
async fn mistyped_stored_attributes_are_decode_errors() {
    let t = seeded().await;
    let mut item = order("eve", 1, OrderStatus::Paid).to_item().unwrap();
    item.insert(
        "status".into(),
        singletable::__private::AttributeValue::S("lost".into()),
    );
    t.client()
        .put_item()
        .table_name(t.name())
        .set_item(Some(item))
        .send()
        .await
        .unwrap();
    let err = Order::orders_for_user("eve").fetch(&t).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot decode Order: attribute `status` expected one of pending, paid, shipped, cancelled, found \"lost\""
    );
}

#[test]
fn query_and_scan_futures_and_streams_can_move_to_other_tasks() {
    // Checked by the compiler: a builder's stream and fetch future are `Send`, so they can
    // be spawned or driven from another task.
    fn send<T: Send>(_: &T) {}
    fn check(table: &singletable::Table) {
        let query = Order::orders_for_user("alice");
        send(&query.stream(table));
        send(&query.fetch(table));
        send(&query.placed_at_gte(at(1)).page(table, None));
        send(&UserWithOrders::query("alice").fetch(table));
    }
    let _ = check;
}

#[tokio::test]
async fn count_reads_no_items_and_agrees_with_fetch() {
    let t = seeded().await;
    assert_eq!(Order::orders_for_user("alice").count(&t).await.unwrap(), 6);
    assert_eq!(Order::orders_for_user("nobody").count(&t).await.unwrap(), 0);
    // Over several pages, and with a filter applied by DynamoDB.
    let paid = Order::orders_for_user("alice")
        .limit(2)
        .filter(Order::fields().status().eq(OrderStatus::Paid));
    assert_eq!(paid.count(&t).await.unwrap(), 3);
    assert_eq!(paid.fetch(&t).await.unwrap().len(), 3);
    // Narrowed: `_lt` leaves out the key equal to its bound in counts as in results.
    let fixed = || Order::orders_for_user("alice").placed_at_eq(at(2));
    assert_eq!(fixed().order_id_lt("o-002").count(&t).await.unwrap(), 0);
    assert_eq!(fixed().order_id_lt("o-003").count(&t).await.unwrap(), 1);
    assert_eq!(fixed().order_id_lte("o-002").count(&t).await.unwrap(), 1);
    assert_eq!(
        Order::orders_for_user("alice")
            .placed_at_lt(at(2))
            .count(&t)
            .await
            .unwrap(),
        2
    );
    // A collection counts every member entity's items; a scan counts the table.
    assert_eq!(UserWithOrders::query("alice").count(&t).await.unwrap(), 7);
    assert_eq!(
        Order::orders_by_status(OrderStatus::Paid)
            .count(&t)
            .await
            .unwrap(),
        4
    );
}
