//! Round trips through the generated code of each fixture schema, against DynamoDB Local:
//! every attribute type, sparse and inverse indexes, keys-only and include projections,
//! collections, tables without a sort key, custom attribute names and keyword fields.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use singletable::Entity;
use singletable::test_util::TestTable;
use tests::fixtures;

async fn table(def: &singletable::TableDefinition) -> TestTable {
    TestTable::create(def).await.expect("create table")
}

#[tokio::test]
async fn every_attribute_type_round_trips() {
    use fixtures::all_types::{Color, Everything, Point, Shape, TABLE};
    let t = table(&TABLE).await;
    let at: DateTime<Utc> = "2024-06-01T12:00:00.123456789Z".parse().unwrap();
    let mut thing = Everything::new(
        uuid::Uuid::new_v4(),
        at,
        vec!["a".into(), "b#c".into()],
        vec![vec![1, 2], vec![], vec![-3]],
        BTreeMap::from([("half".into(), 0.5), ("big".into(), 1e100)]),
        BTreeSet::from(["x".into()]),
        BTreeSet::from([1, 2, 3]),
        BTreeSet::from([vec![0u8], vec![255u8]]),
        Color::Green,
    );
    // Defaults from the schema.
    assert_eq!(thing.text, "hello");
    assert_eq!(thing.ratio, 0.5);
    assert_eq!(thing.day, NaiveDate::from_ymd_opt(2024, 2, 29).unwrap());
    assert_eq!(
        thing.since,
        "2024-01-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap()
    );
    assert_eq!(thing.blob, vec![1, 2, 3]);
    assert_eq!(
        thing.origin,
        Point {
            x: 0.0,
            y: 0.0,
            label: None
        }
    );
    assert_eq!(thing.version, 0);
    thing.shape = Some(Shape {
        name: "triangle".into(),
        points: vec![
            Point {
                x: 0.0,
                y: 0.0,
                label: Some("origin".into()),
            },
            Point {
                x: 1.0,
                y: 0.0,
                label: None,
            },
        ],
        color: Color::Blue,
    });
    thing.shapes.insert(
        "empty".into(),
        Shape {
            name: "none".into(),
            points: vec![],
            color: Color::Red,
        },
    );
    thing.expires_at = Some(DateTime::from_timestamp(4_000_000_000, 0).unwrap());
    thing.note = Some("note".into());
    t.put(&thing).await.unwrap();
    let got = t.get(Everything::key(thing.id, at)).await.unwrap().unwrap();
    // The write stamped `updated_at` and the next version.
    assert!(got.updated_at >= thing.updated_at);
    thing.updated_at = got.updated_at;
    thing.version += 1;
    assert_eq!(got, thing);
    let listed = Everything::things(thing.id).fetch(&t).await.unwrap();
    assert_eq!(listed, vec![thing]);
}

#[tokio::test]
async fn defaults_fill_attributes_missing_from_stored_items() {
    use fixtures::all_types::{Color, Everything};
    let at = Utc::now();
    let thing = Everything::new(
        uuid::Uuid::new_v4(),
        at,
        vec![],
        vec![],
        BTreeMap::new(),
        BTreeSet::new(),
        BTreeSet::new(),
        BTreeSet::new(),
        Color::Red,
    );
    let mut item = thing.to_item().unwrap();
    for attribute in [
        "text", "count", "ratio", "flag", "day", "blob", "shapes", "origin", "version",
    ] {
        item.remove(attribute);
    }
    let back = Everything::from_item(item).unwrap();
    assert_eq!(back.text, "hello");
    assert_eq!(back.count, 0);
    assert!(!back.flag);
    assert_eq!(back.origin, thing.origin);
    assert_eq!(back.version, 0);
    // Empty sets are not stored and come back empty.
    assert!(!thing.to_item().unwrap().contains_key("tags"));
    assert!(back.tags.is_empty());
}

#[tokio::test]
async fn sparse_index_holds_only_assigned_tickets() {
    use fixtures::sparse_index::{Priority, TABLE, Ticket};
    let t = table(&TABLE).await;
    let mut a = Ticket::new("core", 1, "crash on start");
    a.assignee = Some("ann".into());
    a.priority = Priority::Urgent;
    let b = Ticket::new("core", 2, "typo");
    assert!(!b.to_item().unwrap().contains_key("gsi1pk"));
    let mut c = Ticket::new("web", 3, "slow page");
    c.assignee = Some("ann".into());
    for ticket in [&a, &b, &c] {
        t.put(ticket).await.unwrap();
    }
    let anns = Ticket::tickets_of_assignee("ann").fetch(&t).await.unwrap();
    // Sorted by `{priority}#{number}`: "normal" < "urgent".
    let numbers: Vec<i64> = anns.iter().map(|t| t.number).collect();
    assert_eq!(numbers, [3, 1]);
    let urgent = Ticket::tickets_of_assignee("ann")
        .priority_eq(Priority::Urgent)
        .fetch(&t)
        .await
        .unwrap();
    assert_eq!(urgent, vec![a]);
    let core = Ticket::tickets_of_project("core").fetch(&t).await.unwrap();
    assert_eq!(core.len(), 2);
}

#[tokio::test]
async fn inverse_index_lists_members_of_a_group() {
    use fixtures::inverse_index::{Membership, TABLE};
    let t = table(&TABLE).await;
    for (user, group) in [
        ("ann", "rust"),
        ("bob", "rust"),
        ("ann", "go"),
        ("cy", "zig"),
    ] {
        t.put(&Membership::new(user, group, "member"))
            .await
            .unwrap();
    }
    let members = Membership::members_of_group("rust")
        .fetch(&t)
        .await
        .unwrap();
    let users: Vec<&str> = members.iter().map(|m| m.user_id.as_str()).collect();
    assert_eq!(users, ["ann", "bob"]);
    let groups = Membership::groups_of_user("ann").fetch(&t).await.unwrap();
    let names: Vec<&str> = groups.iter().map(|m| m.group_id.as_str()).collect();
    assert_eq!(names, ["go", "rust"]);
}

#[tokio::test]
async fn keys_only_and_include_projections_load_full_items() {
    use fixtures::projections::{Book, TABLE};
    let t = table(&TABLE).await;
    let mut dune = Book::new("111", "Dune", "herbert", "scifi", 600);
    dune.summary = Some("Spice.".into());
    let children = Book::new("222", "Children of Dune", "herbert", "scifi", 400);
    let emma = Book::new("333", "Emma", "austen", "classic", 300);
    for b in [&dune, &children, &emma] {
        t.put(b).await.unwrap();
    }
    let keys = Book::books_by_author("herbert").fetch(&t).await.unwrap();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0].key, Book::key("111"));
    assert_eq!(keys[0].load(&t).await.unwrap(), Some(dune.clone()));

    let scifi = Book::books_by_genre("scifi").fetch(&t).await.unwrap();
    let titles: Vec<&str> = scifi.iter().map(|p| p.title.as_str()).collect();
    assert_eq!(titles, ["Children of Dune", "Dune"]);
    assert_eq!(scifi[1].pages, 600);
    let long = Book::books_by_genre("scifi")
        .pages_gt(500)
        .page(&t, None)
        .await
        .unwrap();
    assert_eq!(long.items.len(), 1);
    assert_eq!(long.items[0].load(&t).await.unwrap(), Some(dune));
}

#[tokio::test]
async fn collections_group_items_by_entity() {
    use fixtures::collections::{Address, Customer, CustomerOverview, Purchase, TABLE};
    let t = table(&TABLE).await;
    t.put(&Customer::new("c1", "Cy")).await.unwrap();
    t.put(&Address::new("c1", "home", "Oslo")).await.unwrap();
    t.put(&Address::new("c1", "work", "Bergen")).await.unwrap();
    for id in ["p1", "p2", "p3"] {
        t.put(&Purchase::new("c1", id, 100)).await.unwrap();
    }
    t.put(&Purchase::new("c2", "p9", 1)).await.unwrap();
    let (customer, addresses, purchases) = CustomerOverview::query("c1")
        .fetch(&t)
        .await
        .unwrap()
        .into_parts();
    assert_eq!(customer.unwrap().name, "Cy");
    assert_eq!(addresses.len(), 2);
    assert_eq!(purchases.len(), 3);
    // Paging through a collection keeps items typed.
    let page = CustomerOverview::query("c1")
        .limit(2)
        .page(&t, None)
        .await
        .unwrap();
    assert_eq!(page.items.len(), 2);
    assert!(page.cursor.is_some());
    // A single-entity pattern in the same partition sees only its entity.
    let only = Purchase::purchases("c1")
        .limit(2)
        .page(&t, None)
        .await
        .unwrap();
    assert_eq!(only.items.len(), 2);
}

#[tokio::test]
async fn table_without_sort_key() {
    use fixtures::no_sort_key::{Session, TABLE};
    let t = table(&TABLE).await;
    let s = Session::new(uuid::Uuid::new_v4(), "ann");
    t.insert(&s).await.unwrap();
    assert_eq!(
        Session::session(s.token).fetch(&t).await.unwrap(),
        Some(s.clone())
    );
    assert_eq!(t.get(Session::key(s.token)).await.unwrap(), Some(s.clone()));
    assert!(matches!(
        t.insert(&s).await,
        Err(singletable::Error::ConditionFailed { .. })
    ));
}

#[tokio::test]
async fn custom_attribute_names_and_delimiter() {
    use fixtures::custom_table::{Note, TABLE};
    let t = table(&TABLE).await;
    let created: DateTime<Utc> = "2024-01-02T03:04:05Z".parse().unwrap();
    let note = Note::new("ann|smith", "n1", created, "hello");
    let item = note.to_item().unwrap();
    assert_eq!(item["PK"].as_s().unwrap(), "OWNER|ann\\|smith");
    assert_eq!(item["entity_type"].as_s().unwrap(), "Note");
    assert_eq!(item["text"].as_s().unwrap(), "hello");
    t.put(&note).await.unwrap();
    assert_eq!(
        Note::note_by_id("n1").fetch(&t).await.unwrap(),
        Some(note.clone())
    );
    assert_eq!(
        Note::notes_of_owner("ann|smith").fetch(&t).await.unwrap(),
        vec![note]
    );
    assert!(
        Note::notes_of_owner("ann")
            .fetch(&t)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn keyword_fields_keep_their_stored_names() {
    use fixtures::keyword_fields::{TABLE, Token};
    let t = table(&TABLE).await;
    let mut token = Token::new("ident", "r1");
    token.r#match = 3;
    token.self_ = true;
    token.r#async = Some("yes".into());
    let item = token.to_item().unwrap();
    for stored in ["type", "ref", "match", "self", "async"] {
        assert!(item.contains_key(stored), "{stored}");
    }
    t.put(&token).await.unwrap();
    assert_eq!(
        Token::tokens_of_type("ident").fetch(&t).await.unwrap(),
        vec![token]
    );
}

#[tokio::test]
async fn local_index_orders_by_score() {
    use fixtures::local_index::{Score, TABLE};
    let t = table(&TABLE).await;
    let day = NaiveDate::from_ymd_opt(2024, 5, 1).unwrap();
    for (player, points) in [("ann", 30), ("bob", 120), ("cy", 75)] {
        t.put(&Score::new("chess", player, points, day))
            .await
            .unwrap();
    }
    let board = Score::leaderboard("chess")
        .consistent()
        .fetch(&t)
        .await
        .unwrap();
    let players: Vec<&str> = board.iter().map(|s| s.player.as_str()).collect();
    assert_eq!(players, ["bob", "cy", "ann"]);
    let top = Score::leaderboard("chess")
        .points_gte(75)
        .page(&t, None)
        .await
        .unwrap();
    assert_eq!(top.items.len(), 2);
}

#[tokio::test]
async fn several_global_indexes() {
    use fixtures::several_gsis::{Product, TABLE};
    let t = table(&TABLE).await;
    t.put(&Product::new("s1", "acme", "tools", 500, "0001"))
        .await
        .unwrap();
    t.put(&Product::new("s2", "acme", "toys", 100, "0002"))
        .await
        .unwrap();
    t.put(&Product::new("s3", "zeta", "tools", 900, "0003"))
        .await
        .unwrap();
    let cheap = Product::products_by_brand("acme")
        .price_cents_lt(200)
        .fetch(&t)
        .await
        .unwrap();
    assert_eq!(cheap.len(), 1);
    assert_eq!(cheap[0].sku, "s2");
    let tools = Product::products_in_category("tools")
        .fetch(&t)
        .await
        .unwrap();
    assert_eq!(tools.len(), 2);
    let by_code = Product::product_by_barcode("0003").fetch(&t).await.unwrap();
    assert_eq!(by_code.unwrap().sku, "s3");
}
