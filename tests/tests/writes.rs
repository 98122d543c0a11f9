//! Writes through generated code against DynamoDB Local: every update operation, every
//! condition function, return values, upserts, index key rewrites, optimistic locking.

mod common;

use common::{at, order};
use std::collections::{BTreeMap, BTreeSet};

use singletable::test_util::TestTable;
use singletable::{AttributeType, Condition, Entity, Error, NestedUpdate};
use tests::design::{Address, Order, OrderStatus, User};
use tests::fixtures::all_types::{self, Color, Everything, Point, Shape};
use tests::fixtures::sparse_index::{self, Priority, Ticket};

async fn design() -> TestTable {
    TestTable::create(&tests::design::TABLE).await.unwrap()
}

fn everything() -> Everything {
    let mut e = Everything::new(
        uuid::Uuid::from_u128(7),
        at(0),
        vec!["a".into(), "b".into(), "c".into()],
        vec![vec![1, 2], vec![3]],
        BTreeMap::from([("k".to_owned(), 1.5), ("j".to_owned(), 2.5)]),
        BTreeSet::from(["red".to_owned(), "blue".to_owned()]),
        BTreeSet::from([1, 2, 3]),
        BTreeSet::from([vec![1u8], vec![2u8]]),
        Color::Green,
    );
    e.count = 10;
    e.ratio = 1.0;
    e.shape = Some(Shape {
        name: "triangle".into(),
        points: vec![Point {
            x: 0.0,
            y: 0.0,
            label: Some("origin".into()),
        }],
        color: Color::Red,
    });
    e.origin = Point {
        x: 2.0,
        y: 3.0,
        label: Some("o".into()),
    };
    e
}

fn is_condition_failed(e: &Error, entity: &str) -> bool {
    matches!(e, Error::ConditionFailed { entity: en, .. } if *en == entity)
}

#[tokio::test]
async fn every_update_operation_on_top_level_attributes() {
    let t = TestTable::create(&all_types::TABLE).await.unwrap();
    let e = everything();
    t.insert(&e).await.unwrap();
    let key = e.key();
    let f = Everything::fields();
    let update = Everything::update()
        .set_text("changed")
        .set_note("a note")
        .add_count(5)
        .add_ratio_by_field(f.origin().x())
        .append_words(["d".to_owned()])
        .set_matrix_at(1, vec![9, 9])
        .add_tags(["green".to_owned()])
        .add_numbers([4])
        .delete_blobs([vec![1u8]])
        .set_scores_entry("new", 9.0)
        .remove_scores_entry("j")
        .set_color(Color::Blue)
        .set_expires_at(at(60 * 24))
        .set_flag_if_not_exists(true);
    let new = t.update(key.clone(), update).returning_new().await.unwrap();
    assert_eq!(new.text, "changed");
    assert_eq!(new.note.as_deref(), Some("a note"));
    assert_eq!(new.count, 15);
    assert_eq!(new.ratio, 1.0 + 2.0);
    assert_eq!(new.words, ["a", "b", "c", "d"]);
    assert_eq!(new.matrix, vec![vec![1, 2], vec![9, 9]]);
    assert_eq!(
        new.tags,
        BTreeSet::from(["blue".to_owned(), "green".to_owned(), "red".to_owned()])
    );
    assert_eq!(new.numbers, BTreeSet::from([1, 2, 3, 4]));
    assert_eq!(new.blobs, BTreeSet::from([vec![2u8]]));
    assert_eq!(
        new.scores,
        BTreeMap::from([("k".to_owned(), 1.5), ("new".to_owned(), 9.0)])
    );
    assert_eq!(new.color, Color::Blue);
    assert_eq!(new.expires_at, Some(at(60 * 24)));
    assert!(!new.flag, "set_if_not_exists keeps the stored value");
    // auto and version attributes
    assert_eq!(new.created_at, e.created_at);
    assert!(new.updated_at > e.updated_at);
    assert_eq!(new.version, e.version + 2, "insert wrote 1, the update 2");

    // Subtracting, removing.
    let update = Everything::update()
        .subtract_count(20)
        .subtract_ratio(0.5)
        .subtract_count_by_field(f.count()) // replaces the first change of `count`
        .remove_note()
        .remove_expires_at()
        .remove_words_at(0)
        .delete_tags(["red".to_owned(), "green".to_owned()])
        .remove_shape();
    let new = t.update(key.clone(), update).returning_new().await.unwrap();
    assert_eq!(new.count, 0, "15 - 15");
    assert_eq!(new.ratio, 2.5);
    assert_eq!(new.note, None);
    assert_eq!(new.expires_at, None);
    assert_eq!(new.words, ["b", "c", "d"]);
    assert_eq!(new.tags, BTreeSet::from(["blue".to_owned()]));
    assert_eq!(new.shape, None);

    // set_if_not_exists on a missing attribute; an empty set removes the attribute, which
    // decodes as the empty set.
    let new = t
        .update(
            key,
            Everything::update()
                .set_note_if_not_exists("only if missing")
                .prepend_words(["z".to_owned()])
                .set_tags(BTreeSet::new()),
        )
        .returning_new()
        .await
        .unwrap();
    assert!(new.tags.is_empty());
    assert_eq!(new.note.as_deref(), Some("only if missing"));
    assert_eq!(new.words, ["z", "b", "c", "d"]);
}

#[tokio::test]
async fn nested_updates_through_typed_paths() {
    let t = TestTable::create(&all_types::TABLE).await.unwrap();
    let mut e = everything();
    e.shapes = BTreeMap::from([(
        "sq".to_owned(),
        Shape {
            name: "square".into(),
            points: vec![],
            color: Color::Blue,
        },
    )]);
    t.insert(&e).await.unwrap();
    let f = Everything::fields();
    let p = Point {
        x: 1.0,
        y: 1.0,
        label: None,
    };
    let update = Everything::update()
        .set_at(f.origin().x(), 7.5)
        .remove_at(f.origin().label())
        .add_at(f.origin().y(), 1.0)
        .set_at(f.shape().name(), "renamed")
        .set_at(f.shape().points().at(0).y(), 4.0)
        .append_at(f.shapes().entry("sq").points(), [p.clone()])
        .set_at(f.shapes().entry("sq").color(), Color::Green)
        .remove_element(f.matrix(), 0)
        .remove_entry(f.scores(), "k");
    let new = t.update(e.key(), update).returning_new().await.unwrap();
    assert_eq!(
        new.origin,
        Point {
            x: 7.5,
            y: 4.0,
            label: None
        }
    );
    let shape = new.shape.unwrap();
    assert_eq!(shape.name, "renamed");
    assert_eq!(shape.points[0].y, 4.0);
    assert_eq!(new.shapes["sq"].points, vec![p]);
    assert_eq!(new.shapes["sq"].color, Color::Green);
    assert_eq!(new.matrix, vec![vec![3]]);
    assert_eq!(new.scores, BTreeMap::from([("j".to_owned(), 2.5)]));

    // Overlapping paths are refused before sending.
    let err = t
        .update(
            e.key(),
            Everything::update()
                .set_origin(Point {
                    x: 0.0,
                    y: 0.0,
                    label: None,
                })
                .set_at(f.origin().x(), 1.0),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Expression(_)), "{err}");
}

#[tokio::test]
async fn return_values_none_old_and_new() {
    let t = design().await;
    let user = User::new("alice", "alice@example.com");
    t.insert(&user).await.unwrap();
    let key = User::key("alice");

    // Awaited directly, an update returns nothing.
    t.update(key.clone(), User::update().add_logins(1))
        .await
        .unwrap();
    let old = t
        .update(key.clone(), User::update().add_logins(1))
        .returning_old()
        .await
        .unwrap()
        .expect("old item");
    assert_eq!(old.logins, 1);
    let new = t
        .update(key.clone(), User::update().add_logins(1))
        .returning_new()
        .await
        .unwrap();
    assert_eq!(new.logins, 3);
    assert_eq!(new.version, 4, "insert + three updates");
}

#[tokio::test]
async fn update_of_a_missing_item_fails_unless_upsert_and_upserts_keep_created() {
    let t = design().await;
    let err = t
        .update(
            User::key("carol"),
            User::update().set_email("c@example.com"),
        )
        .await
        .unwrap_err();
    assert!(is_condition_failed(&err, "User"), "{err}");
    assert!(t.get(User::key("carol")).await.unwrap().is_none());

    // An upsert creates a complete, decodable item that shows up on its indexes.
    let created = t
        .update(
            User::key("carol"),
            User::update().set_email("c@example.com"),
        )
        .upsert()
        .returning_new()
        .await
        .unwrap();
    assert_eq!(created.user_id, "carol");
    assert_eq!(created.version, 1);
    let found = User::user_by_email("c@example.com")
        .fetch(&t)
        .await
        .unwrap();
    assert_eq!(found.map(|u| u.user_id).as_deref(), Some("carol"));

    // A second upsert changes the item but never `created_at`. It sets `email` too: an
    // upsert must set every required attribute, since it could create the item.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let again = t
        .update(
            User::key("carol"),
            User::update().set_email("c@example.com").add_logins(1),
        )
        .upsert()
        .returning_new()
        .await
        .unwrap();
    assert_eq!(again.created_at, created.created_at);
    assert!(again.updated_at > created.updated_at);
    assert_eq!(again.logins, 1);
    assert_eq!(again.version, 2);

    // Upserting an Order writes the key fields and the gsi1 keys built from them.
    let placed = at(5);
    let upserted = t
        .update(
            Order::key("dave", placed, "o-9"),
            Order::update()
                .set_status(OrderStatus::Paid)
                .set_total_cents(500)
                .set_lines(vec![]),
        )
        .upsert()
        .returning_new()
        .await
        .unwrap();
    assert_eq!(upserted.order_id, "o-9");
    assert_eq!(upserted.placed_at, placed);
    let by_status = Order::orders_by_status(OrderStatus::Paid)
        .fetch(&t)
        .await
        .unwrap();
    assert_eq!(by_status.len(), 1);
}

#[tokio::test]
async fn updating_an_index_field_rewrites_its_keys() {
    let t = design().await;
    let o = order("alice", 1, OrderStatus::Pending);
    t.insert(&o).await.unwrap();
    t.update(
        o.key(),
        Order::update()
            .set_status(OrderStatus::Shipped)
            .set_total_cents(99_000),
    )
    .await
    .unwrap();
    let pending = Order::orders_by_status(OrderStatus::Pending)
        .fetch(&t)
        .await
        .unwrap();
    assert!(pending.is_empty());
    let shipped = Order::orders_by_status(OrderStatus::Shipped)
        .fetch(&t)
        .await
        .unwrap();
    assert_eq!(shipped.len(), 1);
    let big = Order::big_orders("alice")
        .total_cents_gte(50_000)
        .fetch(&t)
        .await
        .unwrap();
    assert_eq!(big.len(), 1);

    // The email feeds gsi1: the user moves to the new address.
    t.insert(&User::new("bob", "bob@example.com"))
        .await
        .unwrap();
    t.update(
        User::key("bob"),
        User::update().set_email("robert@example.com"),
    )
    .await
    .unwrap();
    assert!(
        User::user_by_email("bob@example.com")
            .fetch(&t)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        User::user_by_email("robert@example.com")
            .fetch(&t)
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn sparse_index_keys_appear_and_disappear_with_their_field() {
    let t = TestTable::create(&sparse_index::TABLE).await.unwrap();
    let ticket = Ticket::new("p", 1, "first");
    t.insert(&ticket).await.unwrap();
    let of = async |who: &str| Ticket::tickets_of_assignee(who).fetch(&t).await;
    assert!(of("ann").await.unwrap().is_empty());

    t.update(
        ticket.key(),
        Ticket::update().set_assignee("ann", Priority::Normal),
    )
    .await
    .unwrap();
    assert_eq!(of("ann").await.unwrap().len(), 1);

    // The priority feeds the sort key; with an assignee both keys are written.
    t.update(
        ticket.key(),
        Ticket::update().set_priority(Priority::Urgent, Some("ann")),
    )
    .await
    .unwrap();
    let urgent = Ticket::tickets_of_assignee("ann")
        .priority_eq(Priority::Urgent)
        .fetch(&t)
        .await
        .unwrap();
    assert_eq!(urgent.len(), 1);

    t.update(ticket.key(), Ticket::update().remove_assignee())
        .await
        .unwrap();
    assert!(of("ann").await.unwrap().is_empty());
    let stored = t.get(ticket.key()).await.unwrap().unwrap();
    assert_eq!(stored.assignee, None);
    assert_eq!(stored.priority, Priority::Urgent);

    // Without an assignee, a priority change keeps the ticket out of the index.
    t.update(
        ticket.key(),
        Ticket::update().set_priority(Priority::Low, None),
    )
    .await
    .unwrap();
    assert!(of("ann").await.unwrap().is_empty());
}

/// Each condition function, once holding and once failing, on an update.
#[tokio::test]
async fn every_condition_function() {
    let t = TestTable::create(&all_types::TABLE).await.unwrap();
    let e = everything();
    t.insert(&e).await.unwrap();
    let f = Everything::fields();
    let cases: Vec<(&str, Condition, Condition)> = vec![
        ("eq", f.count().eq(10), f.count().eq(11)),
        ("ne", f.count().ne(11), f.count().ne(10)),
        ("lt", f.count().lt(11), f.count().lt(10)),
        ("lte", f.count().lte(10), f.count().lte(9)),
        ("gt", f.count().gt(9), f.count().gt(10)),
        ("gte", f.count().gte(10), f.count().gte(11)),
        (
            "between",
            f.count().between(5, 10),
            f.count().between(11, 20),
        ),
        (
            "in",
            f.color().is_in([Color::Red, Color::Green]),
            f.color().is_in([Color::Blue]),
        ),
        (
            "begins_with",
            f.text().begins_with("hel"),
            f.text().begins_with("xyz"),
        ),
        (
            "contains (string)",
            f.text().contains("ell"),
            f.text().contains("xyz"),
        ),
        (
            "contains (set)",
            f.tags().contains("red"),
            f.tags().contains("green"),
        ),
        (
            "contains (list)",
            f.words().contains("b"),
            f.words().contains("q"),
        ),
        ("exists", f.shape().exists(), f.note().exists()),
        ("not_exists", f.note().not_exists(), f.shape().not_exists()),
        ("size", f.words().size().eq(3), f.words().size().gt(3)),
        (
            "attribute_type",
            f.scores().attribute_type(AttributeType::Map),
            f.scores().attribute_type(AttributeType::List),
        ),
        (
            "nested",
            f.origin().x().gt(1.0),
            f.shape().points().at(0).label().eq("elsewhere"),
        ),
        (
            "compare attributes",
            f.at().lt_field(&f.seen()),
            f.at().eq_field(&f.seen()),
        ),
        ("ttl", f.expires_at().not_exists(), f.expires_at().exists()),
        (
            "and",
            f.count().eq(10).and(f.flag().eq(false)),
            f.count().eq(10).and(f.flag().eq(true)),
        ),
        (
            "or",
            f.count().eq(1).or(f.flag().eq(false)),
            f.count().eq(1).or(f.flag().eq(true)),
        ),
        ("not", f.count().eq(1).not(), f.count().eq(10).not()),
        ("item exists", f.exists(), f.not_exists()),
    ];
    for (name, holds, fails) in cases {
        // A no-op change keeps the item as it is between cases.
        t.update(e.key(), Everything::update().set_text("hello"))
            .condition(holds)
            .await
            .unwrap_or_else(|err| panic!("{name}: holding condition failed: {err}"));
        let err = t
            .update(e.key(), Everything::update().set_text("changed"))
            .condition(fails)
            .await
            .expect_err(name);
        assert!(is_condition_failed(&err, "Everything"), "{name}: {err}");
        assert!(err.to_string().contains("THING#"), "{name}: key in {err}");
    }
    let stored = t.get(e.key()).await.unwrap().unwrap();
    assert_eq!(stored.text, "hello", "no failed update changed anything");
}

#[tokio::test]
async fn conditions_on_put_insert_replace_delete_and_the_current_item() {
    let t = design().await;
    let o = order("alice", 1, OrderStatus::Pending);
    let fields = Order::fields();
    // insert fails on an existing item; replace on a missing one.
    let err = t.replace(&o).await.unwrap_err();
    assert!(is_condition_failed(&err, "Order"), "{err}");
    t.insert(&o).await.unwrap();
    let err = t.insert(&o).await.unwrap_err();
    assert!(is_condition_failed(&err, "Order"), "{err}");
    // A put whose condition fails can return the stored item.
    let mut changed = o.clone();
    changed.total_cents = 1;
    let err = t
        .put(&changed)
        .condition(fields.status().eq(OrderStatus::Paid))
        .return_current_on_failure()
        .await
        .unwrap_err();
    match err {
        Error::ConditionFailed {
            entity, key, item, ..
        } => {
            assert_eq!(entity, "Order");
            assert!(key.contains("USER#alice"), "{key}");
            let stored = Order::from_item(*item.expect("current item")).unwrap();
            assert_eq!(stored, o);
        }
        other => panic!("{other}"),
    }
    t.replace(&changed)
        .condition(fields.status().eq(OrderStatus::Pending))
        .await
        .unwrap();
    // Delete with a condition, and an update's failure with the current item.
    let err = t
        .delete(o.key())
        .condition(fields.total_cents().gt(100))
        .await
        .unwrap_err();
    assert!(is_condition_failed(&err, "Order"), "{err}");
    let err = t
        .update(o.key(), Order::update().set_total_cents(5))
        .condition(fields.total_cents().gt(100))
        .return_current_on_failure()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ConditionFailed { item: Some(_), .. }));
    t.delete(o.key())
        .condition(fields.total_cents().eq(1))
        .await
        .unwrap();
    assert!(t.get(o.key()).await.unwrap().is_none());
}

#[tokio::test]
async fn typed_conditions_filter_queries() {
    let t = design().await;
    for (n, s) in [
        (1, OrderStatus::Paid),
        (2, OrderStatus::Pending),
        (3, OrderStatus::Paid),
    ] {
        t.insert(&order("alice", n, s)).await.unwrap();
    }
    let fields = Order::fields();
    let paid = Order::orders_for_user("alice")
        .filter(
            fields
                .status()
                .eq(OrderStatus::Paid)
                .and(fields.total_cents().gte(2000)),
        )
        .fetch(&t)
        .await
        .unwrap();
    assert_eq!(paid.len(), 1);
    assert_eq!(paid[0].order_id, "o-003");
    let without_expiry = Order::orders_for_user("alice")
        .filter(fields.expires_at().not_exists())
        .fetch(&t)
        .await
        .unwrap();
    assert_eq!(without_expiry.len(), 3);
}

#[tokio::test]
async fn optimistic_locking_rejects_stale_writers() {
    let t = design().await;
    let user = User::new("alice", "alice@example.com");
    t.insert(&user).await.unwrap();
    let v1 = t.get(User::key("alice")).await.unwrap().unwrap();
    assert_eq!(v1.version, 1);

    // A put checks the version it was read at and writes the next.
    let mut a = v1.clone();
    a.logins = 5;
    t.put(&a).await.unwrap();
    let err = t.put(&v1).await.unwrap_err();
    assert!(is_condition_failed(&err, "User"), "{err}");
    let v2 = t.get(User::key("alice")).await.unwrap().unwrap();
    assert_eq!((v2.version, v2.logins), (2, 5));

    // An update with an expected version.
    let err = t
        .update(
            User::key("alice"),
            User::update().expected_version(1).add_logins(1),
        )
        .await
        .unwrap_err();
    assert!(is_condition_failed(&err, "User"), "{err}");
    let v3 = t
        .update(
            User::key("alice"),
            User::update().expected_version(2).add_logins(1),
        )
        .returning_new()
        .await
        .unwrap();
    assert_eq!((v3.version, v3.logins), (3, 6));

    // A delete with a stale version fails; with the current one it deletes.
    let err = t
        .delete(User::key("alice"))
        .expected_version(2)
        .await
        .unwrap_err();
    assert!(is_condition_failed(&err, "User"), "{err}");
    t.delete(User::key("alice"))
        .expected_version(3)
        .await
        .unwrap();
    assert!(t.get(User::key("alice")).await.unwrap().is_none());

    // An unversioned entity has no version to expect.
    let err = t
        .delete(Order::key("alice", at(0), "o-1"))
        .expected_version(1)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Expression(_)), "{err}");
}

/// 16 tasks increment one counter by read-modify-write; optimistic locking makes every
/// increment count exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_concurrent_read_modify_write_tasks_count_exactly() {
    let t = std::sync::Arc::new(design().await);
    t.insert(&User::new("counter", "counter@example.com"))
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let t = t.clone();
        tasks.push(tokio::spawn(async move {
            let mut conflicts = 0u32;
            loop {
                let mut user = t
                    .get(User::key("counter"))
                    .consistent()
                    .required()
                    .await
                    .unwrap();
                user.logins += 1;
                match t.put(&user).await {
                    Ok(()) => return conflicts,
                    Err(Error::ConditionFailed { .. }) => {
                        conflicts += 1;
                        tokio::time::sleep(std::time::Duration::from_millis(jitter_ms())).await;
                    }
                    Err(e) => panic!("{e}"),
                }
            }
        }));
    }
    let mut conflicts = 0;
    for task in tasks {
        conflicts += task.await.unwrap();
    }
    let user = t
        .get(User::key("counter"))
        .consistent()
        .required()
        .await
        .unwrap();
    assert_eq!(user.logins, 16);
    assert_eq!(user.version, 17);
    eprintln!("16 increments landed after {conflicts} version conflicts");
}

fn jitter_ms() -> u64 {
    (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos()
        % 10) as u64
}

#[tokio::test]
async fn unstorable_values_and_long_expressions_fail_before_sending() {
    let t = design().await;
    let o = order("alice", 1, OrderStatus::Paid);
    t.insert(&o).await.unwrap();
    let fields = Order::fields();
    // An expression over 4 KB.
    let long = (0..400)
        .map(|n| fields.total_cents().ne(n))
        .reduce(Condition::and)
        .unwrap();
    let err = t
        .update(o.key(), Order::update().set_total_cents(1))
        .condition(long)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Limit(_)), "{err}");
    assert!(err.to_string().contains("expression"), "{err}");
    // More than 100 IN values.
    let err = t
        .delete(o.key())
        .condition(fields.total_cents().is_in(0..101))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Limit(_)), "{err}");
    // An item over 400 KB.
    let mut big = User::new("big", "big@example.com");
    big.name = Some("x".repeat(410 * 1024));
    let err = t.put(&big).await.unwrap_err();
    assert!(matches!(err, Error::Limit(_)), "{err}");
    // A nested address on a user.
    let mut u = User::new("erin", "erin@example.com");
    u.address = Some(Address {
        street: "s".into(),
        city: "c".into(),
        zip: None,
    });
    t.insert(&u).await.unwrap();
    let new = t
        .update(
            User::key("erin"),
            User::update()
                .set_at(User::fields().address().zip(), "12345")
                .add_roles(["admin".to_owned()]),
        )
        .returning_new()
        .await
        .unwrap();
    assert_eq!(new.address.unwrap().zip.as_deref(), Some("12345"));
    assert!(new.roles.contains("admin"));
}

// ---- Setters that rewrite index keys: the given fields must be the stored ones ----------

use singletable::Table;
use tests::app::{self, Task, TaskStatus};

async fn tracker() -> TestTable {
    TestTable::create(&app::TABLE).await.unwrap()
}

/// Task `id` of project `web`: todo, priority `priority`, assigned to `assignee`.
fn tracked(id: &str, priority: i64, assignee: Option<&str>) -> Task {
    let mut task = Task::new("web", id, format!("Task {id}"), "carol");
    task.priority = priority;
    task.assignee = assignee.map(str::to_owned);
    task
}

/// The stored item of task `id` of project `web`, read raw with the SDK.
async fn raw_task(t: &Table, id: &str) -> singletable::Item {
    t.client()
        .get_item()
        .table_name(t.name())
        .key(
            "pk",
            aws_sdk_dynamodb::types::AttributeValue::S("PROJECT#web".into()),
        )
        .key(
            "sk",
            aws_sdk_dynamodb::types::AttributeValue::S(format!("TASK#{id}")),
        )
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
        .unwrap_or_default()
}

/// A stored string attribute, or `None`.
fn text(item: &singletable::Item, attribute: &str) -> Option<String> {
    item.get(attribute).map(|v| v.as_s().unwrap().clone())
}

/// The index key attributes a task's values call for: (`gsi2pk`, `gsi2sk`, `lsi1sk`).
fn expected_keys(task: &Task) -> (Option<String>, Option<String>, Option<String>) {
    let (pk, sk) = match &task.assignee {
        Some(a) => (
            Task::by_assignee_partition_key(a).into_value().ok(),
            Task::by_assignee_sort_key(task.status, task.priority, &task.task_id)
                .into_value()
                .ok(),
        ),
        None => (None, None),
    };
    let lsi = Task::by_priority_sort_key(task.priority, &task.task_id)
        .into_value()
        .ok();
    (pk, sk, lsi)
}

/// The index key attributes stored on a task's item.
fn stored_keys(item: &singletable::Item) -> (Option<String>, Option<String>, Option<String>) {
    (
        text(item, "gsi2pk"),
        text(item, "gsi2sk"),
        text(item, "lsi1sk"),
    )
}

/// The attributes a failed condition names as not stored as given.
fn mismatched(e: &Error) -> Vec<&'static str> {
    match e {
        Error::ConditionFailed { mismatched, .. } => mismatched.clone(),
        other => panic!("expected ConditionFailed, got {other:?}"),
    }
}

#[tokio::test]
async fn sparse_index_setters_apply_only_with_the_stored_assignee() {
    let t = tracker().await;
    let task = tracked("t-1", 2, Some("alice"));
    t.insert(&task).await.unwrap();
    let before = raw_task(&t, "t-1").await;

    // `None` for a task assigned to alice, then the wrong user: refused, nothing written.
    for assignee in [None, Some("bob")] {
        let err = t
            .update(
                task.key(),
                Task::update().set_status(TaskStatus::Done, assignee, 2),
            )
            .await
            .unwrap_err();
        assert_eq!(mismatched(&err), ["assignee"], "{err}");
        assert!(err.to_string().contains("`assignee`"), "{err}");
        assert_eq!(raw_task(&t, "t-1").await, before);
    }
    let alice = Task::assigned_tasks("alice").fetch(&t).await.unwrap();
    assert_eq!(alice.len(), 1);

    // The right assignee: the task moves to `done` within alice's list.
    t.update(
        task.key(),
        Task::update().set_status(TaskStatus::Done, Some("alice"), 2),
    )
    .await
    .unwrap();
    let stored: Task = t.get(task.key()).await.unwrap().unwrap();
    assert_eq!(stored.status, TaskStatus::Done);
    assert_eq!(
        stored_keys(&raw_task(&t, "t-1").await),
        expected_keys(&stored)
    );
    let done = Task::assigned_tasks("alice")
        .status_eq(TaskStatus::Done)
        .fetch(&t)
        .await
        .unwrap();
    assert_eq!(done.len(), 1);

    // An unassigned task: `None` is right and writes no index keys; an assignee is wrong.
    let free = tracked("t-2", 3, None);
    t.insert(&free).await.unwrap();
    let err = t
        .update(
            free.key(),
            Task::update().set_status(TaskStatus::Blocked, Some("alice"), 3),
        )
        .await
        .unwrap_err();
    assert_eq!(mismatched(&err), ["assignee"], "{err}");
    t.update(
        free.key(),
        Task::update().set_status(TaskStatus::Blocked, None, 3),
    )
    .await
    .unwrap();
    let item = raw_task(&t, "t-2").await;
    assert_eq!(text(&item, "status").as_deref(), Some("blocked"));
    assert_eq!(text(&item, "gsi2pk"), None);
    assert_eq!(text(&item, "gsi2sk"), None);

    // Assigning it writes both keys; removing the assignee removes both.
    t.update(
        free.key(),
        Task::update().set_assignee("dan", TaskStatus::Blocked, 3),
    )
    .await
    .unwrap();
    let dan: Task = t.get(free.key()).await.unwrap().unwrap();
    assert_eq!(stored_keys(&raw_task(&t, "t-2").await), expected_keys(&dan));
    t.update(free.key(), Task::update().remove_assignee())
        .await
        .unwrap();
    let item = raw_task(&t, "t-2").await;
    assert_eq!((text(&item, "gsi2pk"), text(&item, "gsi2sk")), (None, None));
}

#[tokio::test]
async fn composite_sort_key_setters_apply_only_with_the_stored_fields() {
    let t = tracker().await;
    let task = tracked("t-1", 2, Some("alice"));
    t.insert(&task).await.unwrap();
    let before = raw_task(&t, "t-1").await;

    // The example from the issue: priority 9 would have been written into `gsi2sk`.
    let err = t
        .update(
            task.key(),
            Task::update().set_status(TaskStatus::Done, Some("alice"), 9),
        )
        .await
        .unwrap_err();
    assert_eq!(mismatched(&err), ["priority"], "{err}");
    let err = t
        .update(
            task.key(),
            Task::update().set_status(TaskStatus::Done, None, 9),
        )
        .await
        .unwrap_err();
    assert_eq!(mismatched(&err), ["assignee", "priority"], "{err}");
    // `set_assignee` is given the status and priority of the sort key.
    let err = t
        .update(
            task.key(),
            Task::update().set_assignee("bob", TaskStatus::Blocked, 2),
        )
        .await
        .unwrap_err();
    assert_eq!(mismatched(&err), ["status"], "{err}");
    assert_eq!(raw_task(&t, "t-1").await, before);

    t.update(
        task.key(),
        Task::update().set_assignee("bob", TaskStatus::Todo, 2),
    )
    .await
    .unwrap();
    let stored: Task = t.get(task.key()).await.unwrap().unwrap();
    assert_eq!(stored.assignee.as_deref(), Some("bob"));
    assert_eq!(
        stored_keys(&raw_task(&t, "t-1").await),
        expected_keys(&stored)
    );
    assert!(
        Task::assigned_tasks("alice")
            .fetch(&t)
            .await
            .unwrap()
            .is_empty()
    );

    // Changing two fields of one template in one update: each setter's given value for
    // the other is the new one, which the update writes, so only the assignee is checked.
    t.update(
        task.key(),
        Task::update()
            .set_status(TaskStatus::InProgress, Some("bob"), 1)
            .set_priority(1, Some("bob"), TaskStatus::InProgress),
    )
    .await
    .unwrap();
    let stored: Task = t.get(task.key()).await.unwrap().unwrap();
    assert_eq!(
        (stored.status, stored.priority),
        (TaskStatus::InProgress, 1)
    );
    assert_eq!(
        stored_keys(&raw_task(&t, "t-1").await),
        expected_keys(&stored)
    );
}

#[tokio::test]
async fn local_index_setters_apply_only_with_the_stored_fields() {
    let t = tracker().await;
    let task = tracked("t-1", 2, Some("alice"));
    t.insert(&task).await.unwrap();
    let before = raw_task(&t, "t-1").await;

    // `set_priority` rewrites `lsi1sk` and, for an assigned task, `gsi2sk`.
    for (assignee, status, wrong) in [
        (None, TaskStatus::Todo, "assignee"),
        (Some("bob"), TaskStatus::Todo, "assignee"),
        (Some("alice"), TaskStatus::Done, "status"),
    ] {
        let err = t
            .update(task.key(), Task::update().set_priority(7, assignee, status))
            .await
            .unwrap_err();
        assert_eq!(mismatched(&err), [wrong], "{err}");
        assert_eq!(raw_task(&t, "t-1").await, before);
    }

    t.update(
        task.key(),
        Task::update().set_priority(7, Some("alice"), TaskStatus::Todo),
    )
    .await
    .unwrap();
    let stored: Task = t.get(task.key()).await.unwrap().unwrap();
    assert_eq!(stored.priority, 7);
    assert_eq!(
        stored_keys(&raw_task(&t, "t-1").await),
        expected_keys(&stored)
    );
    let by_priority = Task::tasks_by_priority("web")
        .priority_eq(7)
        .fetch(&t)
        .await
        .unwrap();
    assert_eq!(by_priority.len(), 1);

    // An unassigned task: only the local index key is written.
    let free = tracked("t-2", 4, None);
    t.insert(&free).await.unwrap();
    t.update(
        free.key(),
        Task::update().set_priority(1, None, TaskStatus::Todo),
    )
    .await
    .unwrap();
    let item = raw_task(&t, "t-2").await;
    let stored: Task = t.get(free.key()).await.unwrap().unwrap();
    assert_eq!(stored_keys(&item), expected_keys(&stored));
    assert_eq!(text(&item, "gsi2pk"), None);
}

#[tokio::test]
async fn given_fields_combine_with_conditions_versions_and_transactions() {
    let t = tracker().await;
    let task = tracked("t-1", 2, Some("alice"));
    t.insert(&task).await.unwrap();
    let before = raw_task(&t, "t-1").await;
    let right = || Task::update().set_status(TaskStatus::Done, Some("alice"), 2);
    let wrong = || Task::update().set_status(TaskStatus::Done, Some("alice"), 3);

    // Right arguments, but the caller's own condition or version fails: nothing is named.
    let f = Task::fields();
    let err = t
        .update(task.key(), right())
        .condition(f.title().eq("something else"))
        .await
        .unwrap_err();
    assert_eq!(mismatched(&err), Vec::<&str>::new(), "{err}");
    let err = t
        .update(task.key(), right().expected_version(7))
        .await
        .unwrap_err();
    assert_eq!(mismatched(&err), Vec::<&str>::new(), "{err}");
    // Wrong arguments with a holding condition and version: named.
    let err = t
        .update(task.key(), wrong().expected_version(1))
        .condition(f.title().eq("Task t-1"))
        .await
        .unwrap_err();
    assert_eq!(mismatched(&err), ["priority"], "{err}");
    assert_eq!(raw_task(&t, "t-1").await, before);

    // In a transaction the wrong arguments cancel it, and the reason names the attribute.
    let other = tracked("t-2", 1, None);
    let err = t
        .transact_write()
        .insert(&other)
        .update(task.key(), wrong())
        .send()
        .await
        .unwrap_err();
    let Error::TransactionCanceled { reasons } = &err else {
        panic!("expected TransactionCanceled, got {err:?}");
    };
    assert_eq!(reasons[1].code, "ConditionalCheckFailed");
    assert_eq!(reasons[1].mismatched, ["priority"]);
    assert!(reasons[0].mismatched.is_empty());
    assert_eq!(raw_task(&t, "t-1").await, before);
    assert!(raw_task(&t, "t-2").await.is_empty());

    t.transact_write()
        .insert(&other)
        .update(task.key(), right().expected_version(1))
        .send()
        .await
        .unwrap();
    let stored: Task = t.get(task.key()).await.unwrap().unwrap();
    assert_eq!((stored.status, stored.version), (TaskStatus::Done, 2));
    assert_eq!(
        stored_keys(&raw_task(&t, "t-1").await),
        expected_keys(&stored)
    );
}

/// Eight writers change the status, priority and assignee of the same tasks at once, each
/// reading the task and giving what it read; a write that lost a race fails its condition
/// and is retried from a fresh read. Afterwards every task's index keys match its values.
#[tokio::test]
async fn concurrent_setters_never_leave_an_index_contradicting_its_item() {
    const TASKS: usize = 3;
    const WRITES: usize = 12;
    let t = std::sync::Arc::new(tracker().await);
    for i in 0..TASKS {
        t.insert(&tracked(&format!("t-{i}"), 2, Some("alice")))
            .await
            .unwrap();
    }
    let writers = (0..8u64).map(|w| {
        let t = t.clone();
        tokio::spawn(async move {
            let mut seed = w
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let mut next = move |n: u64| {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (seed >> 33) % n
            };
            let (mut done, mut retries) = (0, 0);
            while done < WRITES {
                let id = format!("t-{}", next(TASKS as u64));
                let key = Task::key("web", &id);
                let now: Task = t.get(key.clone()).consistent().required().await.unwrap();
                let who = now.assignee.as_deref();
                let update = match next(4) {
                    0 => Task::update().set_status(
                        TaskStatus::ALL[next(4) as usize],
                        who,
                        now.priority,
                    ),
                    1 => Task::update().set_priority(next(9) as i64, who, now.status),
                    2 => Task::update().set_assignee(
                        ["alice", "bob", "carol"][next(3) as usize],
                        now.status,
                        now.priority,
                    ),
                    _ => Task::update().remove_assignee(),
                };
                match t.update(key, update).await {
                    Ok(()) => done += 1,
                    Err(Error::ConditionFailed { .. }) => retries += 1,
                    Err(e) => panic!("writer {w}: {e}"),
                }
            }
            retries
        })
    });
    let retries: Vec<u32> = futures::future::try_join_all(writers).await.unwrap();
    let mut writes = 0;
    for i in 0..TASKS {
        let id = format!("t-{i}");
        let stored: Task = t.get(Task::key("web", &id)).required().await.unwrap();
        writes += stored.version - 1;
        assert_eq!(
            stored_keys(&raw_task(&t, &id).await),
            expected_keys(&stored),
            "task {id}"
        );
    }
    assert_eq!(
        writes,
        8 * WRITES as i64,
        "every successful write counted once"
    );
    eprintln!("conditions failed and retried: {retries:?}");
}

// ---- Upserts never create an item that cannot be read -----------------------------------

#[tokio::test]
async fn an_upsert_without_a_required_attribute_is_refused_before_sending() {
    let t = tracker().await;
    let err = t
        .update(Task::key("web", "t-9"), Task::update().set_title("x"))
        .upsert()
        .await
        .unwrap_err();
    let Error::IncompleteUpsert {
        entity, missing, ..
    } = &err
    else {
        panic!("expected IncompleteUpsert, got {err:?}");
    };
    assert_eq!((*entity, missing.as_slice()), ("Task", &["created_by"][..]));
    assert!(err.to_string().contains("`created_by`"), "{err}");
    assert!(raw_task(&t, "t-9").await.is_empty());

    // Both missing, and the same refusal inside a transaction.
    let err = t
        .transact_write()
        .upsert(
            Task::key("web", "t-9"),
            Task::update().set_status(TaskStatus::Done, None, 3),
        )
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::IncompleteUpsert { missing, .. } if missing == &["title", "created_by"]),
        "{err}"
    );
    assert!(raw_task(&t, "t-9").await.is_empty());
}

#[tokio::test]
async fn an_upsert_setting_every_required_attribute_creates_a_readable_item() {
    let t = tracker().await;
    let created = t
        .update(
            Task::key("web", "t-9"),
            Task::update()
                .set_title("Made by an upsert")
                .set_created_by_if_not_exists("erin"),
        )
        .upsert()
        .returning_new()
        .await
        .unwrap();
    assert_eq!(created.title, "Made by an upsert");
    assert_eq!(created.created_by, "erin");
    // Defaults were written, not only decoded: the item carries them and its local index key.
    let item = raw_task(&t, "t-9").await;
    assert_eq!(text(&item, "status").as_deref(), Some("todo"));
    assert_eq!(
        item.get("priority")
            .and_then(|v| v.as_n().ok())
            .map(String::as_str),
        Some("3")
    );
    assert!(item.contains_key("checklist") && item.contains_key("links"));
    assert_eq!(stored_keys(&item), expected_keys(&created));
    let by_priority = Task::tasks_by_priority("web").fetch(&t).await.unwrap();
    assert_eq!(by_priority.len(), 1);

    // A setter's given value may be the default of a missing attribute, and the created
    // item's other index keys come from the defaults.
    let second = t
        .update(
            Task::key("web", "t-10"),
            Task::update()
                .set_title("Second")
                .set_created_by_if_not_exists("erin")
                .set_assignee("erin", TaskStatus::Todo, 3),
        )
        .upsert()
        .returning_new()
        .await
        .unwrap();
    assert_eq!(second.assignee.as_deref(), Some("erin"));
    assert_eq!(
        stored_keys(&raw_task(&t, "t-10").await),
        expected_keys(&second)
    );
    assert_eq!(
        Task::assigned_tasks("erin").fetch(&t).await.unwrap().len(),
        1
    );
}

#[tokio::test]
async fn an_upsert_of_an_existing_item_keeps_its_stored_values() {
    let t = tracker().await;
    let mut task = tracked("t-1", 1, Some("alice"));
    task.status = TaskStatus::Blocked;
    task.spent_hours = 2.5;
    task.checklist = vec![app::ChecklistItem {
        text: "step".into(),
        done: false,
    }];
    task.links = BTreeMap::from([("spec".to_owned(), "https://example.com".to_owned())]);
    t.insert(&task).await.unwrap();
    let keys = stored_keys(&raw_task(&t, "t-1").await);

    let got = t
        .update(
            task.key(),
            Task::update()
                .set_title("Renamed")
                .set_created_by_if_not_exists("mallory"),
        )
        .upsert()
        .returning_new()
        .await
        .unwrap();
    assert_eq!(got.title, "Renamed");
    assert_eq!(got.created_by, "carol");
    assert_eq!((got.status, got.priority), (TaskStatus::Blocked, 1));
    assert_eq!(got.spent_hours, 2.5);
    assert_eq!(got.checklist, task.checklist);
    assert_eq!(got.links, task.links);
    assert_eq!(stored_keys(&raw_task(&t, "t-1").await), keys);
    assert_eq!(keys, expected_keys(&got));
}
