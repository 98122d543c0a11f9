//! The schema additions of DESIGN.md ("Schema language, additions") through generated code,
//! against DynamoDB Local.

use singletable::test_util::TestTable;
use singletable::{Entity, Error, Ulid};
use tests::fixtures;

async fn table(def: &singletable::TableDefinition) -> TestTable {
    TestTable::create(def).await.expect("create table")
}

/// Posts made one after another, in the same millisecond or not, come back newest first from
/// a descending query on a sort key ending in the id, with no timestamp attribute involved.
#[tokio::test]
async fn time_ordered_ids_list_newest_first() {
    use fixtures::time_ordered::{Post, TABLE};
    let t = table(&TABLE).await;
    let mut made = Vec::new();
    for i in 0..40 {
        let post = Post::new("news", format!("post {i}"));
        if i % 10 == 9 {
            // Some posts in later milliseconds, most in the same one.
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
        made.push(post);
    }
    // Written in shuffled order: the table, not the write order, decides.
    let mut shuffled = made.clone();
    shuffled.reverse();
    shuffled.rotate_left(13);
    for post in &shuffled {
        t.put(post).await.unwrap();
    }
    let newest_first: Vec<String> = made.iter().rev().map(|p| p.body.clone()).collect();

    let by_ulid = Post::posts_of_feed("news").fetch(&t).await.unwrap();
    let bodies: Vec<String> = by_ulid.iter().map(|p| p.body.clone()).collect();
    assert_eq!(bodies, newest_first, "ULID sort keys order by creation");

    let by_uuid7 = Post::posts_by_request("news").fetch(&t).await.unwrap();
    let bodies: Vec<String> = by_uuid7.iter().map(|p| p.body.clone()).collect();
    assert_eq!(bodies, newest_first, "UUIDv7 sort keys order by creation");

    // The ten before the newest ten, by a range on the id itself.
    let older = Post::posts_of_feed("news")
        .post_id_lte(made[29].post_id)
        .limit(10)
        .page(&t, None)
        .await
        .unwrap();
    let older: Vec<String> = older.items.iter().map(|p| p.body.clone()).collect();
    assert_eq!(older, newest_first[10..20]);

    // Stored as the 26-character text; a string attribute with `default: ulid` holds one too.
    let item = made[0].to_item().unwrap();
    let stored = item["post_id"].as_s().unwrap();
    assert_eq!(stored.len(), 26);
    assert_eq!(stored.parse::<Ulid>().unwrap(), made[0].post_id);
    assert!(made[0].trace.parse::<Ulid>().is_ok());
    assert_eq!(made[0].request_id.get_version_num(), 7);
    let first_ms = made[0].post_id.timestamp_ms() as i64;
    assert!((chrono::Utc::now().timestamp_millis() - first_ms).abs() < 60_000);
}

/// A stored id that is not a ULID is a decode error naming the attribute, not a panic.
#[tokio::test]
async fn a_malformed_ulid_is_a_decode_error() {
    use fixtures::time_ordered::Post;
    let mut item = Post::new("news", "x").to_item().unwrap();
    item.insert(
        "post_id".into(),
        aws_sdk_dynamodb::types::AttributeValue::S("not-a-ulid".into()),
    );
    match Post::from_item(item) {
        Err(Error::Decode(e)) => {
            let text = e.to_string();
            assert!(text.contains("post_id"), "{text}");
            assert!(text.contains("ULID"), "{text}");
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
}

/// Negative integers in keys sort below zero, in numeric order, and a range narrowing on an
/// enum key field selects exactly the values below or above the bound in the enum's `Ord`.
#[tokio::test]
async fn key_order_is_the_order_users_see() {
    use tests::app::{TABLE, Task, TaskStatus};
    let t = table(&TABLE).await;
    let priorities = [10, -1, 0, i64::MIN, 2, -3, i64::MAX, -1_000_000];
    for (i, p) in priorities.iter().enumerate() {
        let mut task = Task::new("p1", format!("t-{i}"), format!("task {i}"), "ann");
        task.priority = *p;
        task.assignee = Some("ann".into());
        task.status = TaskStatus::ALL[i % TaskStatus::ALL.len()];
        t.put(&task).await.unwrap();
    }
    let mut sorted = priorities.to_vec();
    sorted.sort();
    let by_priority = Task::tasks_by_priority("p1").fetch(&t).await.unwrap();
    let got: Vec<i64> = by_priority.iter().map(|t| t.priority).collect();
    assert_eq!(got, sorted);
    let below_zero = Task::tasks_by_priority("p1")
        .priority_lt(0)
        .fetch(&t)
        .await
        .unwrap();
    let got: Vec<i64> = below_zero.iter().map(|t| t.priority).collect();
    assert_eq!(got, [i64::MIN, -1_000_000, -3, -1]);
    let between = Task::tasks_by_priority("p1")
        .priority_between(-3, 2)
        .descending()
        .fetch(&t)
        .await
        .unwrap();
    let got: Vec<i64> = between.iter().map(|t| t.priority).collect();
    assert_eq!(got, [2, 0, -1, -3]);

    // Enum key fields: the index order and a range agree with `TaskStatus`'s `Ord`.
    let mut in_index = Vec::new();
    for p in Task::assigned_tasks("ann").fetch(&t).await.unwrap() {
        in_index.push(p.load(&t).await.unwrap().unwrap().status);
    }
    assert!(in_index.windows(2).all(|w| w[0] <= w[1]), "{in_index:?}");
    let statuses: Vec<TaskStatus> = by_priority.iter().map(|t| t.status).collect();
    for bound in TaskStatus::ALL {
        let below = Task::assigned_tasks("ann")
            .status_lt(bound)
            .count(&t)
            .await
            .unwrap();
        let expected = statuses.iter().filter(|s| **s < bound).count() as u64;
        assert_eq!(below, expected, "status < {bound}");
        let from = Task::assigned_tasks("ann")
            .status_gte(bound)
            .count(&t)
            .await
            .unwrap();
        assert_eq!(from + below, priorities.len() as u64, "status >= {bound}");
    }
}

/// `when: unread` and `when: { status: [open, in_progress] }`: the index keys exist exactly
/// while the condition holds, and the update that changes it writes or removes them.
#[tokio::test]
async fn conditional_indexes_follow_their_condition() {
    use fixtures::conditional_index::{Message, TABLE, Ticket, TicketStatus};
    let t = table(&TABLE).await;

    // A bool condition.
    let read = {
        let mut m = Message::new("ann", "old news");
        m.unread = false;
        m
    };
    assert!(!read.to_item().unwrap().contains_key("gsi1pk"));
    let fresh = Message::new("ann", "hello");
    t.put(&read).await.unwrap();
    t.put(&fresh).await.unwrap();
    async fn unread(t: &singletable::Table) -> Vec<String> {
        let messages = Message::unread_messages("ann").fetch(t).await.unwrap();
        messages.into_iter().map(|m| m.subject).collect()
    }
    assert_eq!(unread(&t).await, ["hello"]);
    t.update(fresh.key(), Message::update().set_unread(false))
        .await
        .unwrap();
    assert!(unread(&t).await.is_empty());
    let stored = t.get(fresh.key()).await.unwrap().unwrap();
    assert!(!stored.to_item().unwrap().contains_key("gsi1sk"));
    t.update(read.key(), Message::update().set_unread(true))
        .await
        .unwrap();
    assert_eq!(unread(&t).await, ["old news"]);
    assert_eq!(Message::messages("ann").count(&t).await.unwrap(), 2);

    // An enum condition, with a template field of its own (`priority`).
    async fn open(t: &singletable::Table) -> Vec<(String, i64)> {
        let tickets = Ticket::open_tickets("support").fetch(t).await.unwrap();
        tickets
            .into_iter()
            .map(|x| (x.ticket_id, x.priority))
            .collect()
    }
    let mut closed = Ticket::new("support", "t-1", "done already");
    closed.status = TicketStatus::Closed;
    t.put(&closed).await.unwrap();
    t.put(&Ticket::new("support", "t-2", "printer"))
        .await
        .unwrap();
    assert_eq!(open(&t).await, [("t-2".to_owned(), 3)]);
    let key = Ticket::key("support", "t-2");
    t.update(
        key.clone(),
        Ticket::update().set_status(TicketStatus::Resolved, 3),
    )
    .await
    .unwrap();
    assert!(open(&t).await.is_empty());
    // While out of the index, a priority change writes no keys.
    t.update(
        key.clone(),
        Ticket::update().set_priority(1, TicketStatus::Resolved),
    )
    .await
    .unwrap();
    assert!(open(&t).await.is_empty());
    t.update(
        key.clone(),
        Ticket::update().set_status(TicketStatus::InProgress, 1),
    )
    .await
    .unwrap();
    t.update(
        closed.key(),
        Ticket::update().set_status(TicketStatus::Open, 3),
    )
    .await
    .unwrap();
    assert_eq!(
        open(&t).await,
        [("t-2".to_owned(), 1), ("t-1".to_owned(), 3)]
    );
    // A stale condition argument is refused, naming it, and changes nothing.
    let err = t
        .update(
            key.clone(),
            Ticket::update().set_priority(5, TicketStatus::Open),
        )
        .await
        .unwrap_err();
    match err {
        Error::ConditionFailed { mismatched, .. } => assert_eq!(mismatched, ["status"]),
        other => panic!("expected a failed condition, got {other}"),
    }
    assert_eq!(
        open(&t).await,
        [("t-2".to_owned(), 1), ("t-1".to_owned(), 3)]
    );
    // An upsert creating a ticket fills the default status, and with it the index keys.
    t.update(
        Ticket::key("support", "t-3"),
        Ticket::update()
            .set_title("new")
            .set_priority(2, TicketStatus::Open),
    )
    .upsert()
    .await
    .unwrap();
    assert_eq!(
        open(&t).await,
        [
            ("t-2".to_owned(), 1),
            ("t-3".to_owned(), 2),
            ("t-1".to_owned(), 3)
        ]
    );
}

/// An index that keeps one half of its key in the table's own attribute: `UserIndex` sorts on
/// the table's `SK` (entities list only its partition), `by_org` partitions on the table's
/// `PK` (entities list only its sort).
#[tokio::test]
async fn indexes_sharing_the_tables_key_attributes() {
    use chrono::{Duration, Utc};
    use fixtures::shared_key::{Member, Org, TABLE};
    let t = table(&TABLE).await;
    let now = Utc::now();
    for org in ["acme", "globex"] {
        t.put(&Org::new(org, org.to_uppercase())).await.unwrap();
    }
    let members = [
        ("acme", "bob", 3),
        ("acme", "ann", 1),
        ("acme", "cid", 2),
        ("globex", "bob", 5),
    ];
    for (org, user, days_ago) in members {
        let m = Member::new(org, user, "member", now - Duration::days(days_ago));
        let item = m.to_item().unwrap();
        // The shared half is the primary key's attribute, written once.
        assert_eq!(item["SK"].as_s().unwrap(), &format!("MEMBER#{user}"));
        assert_eq!(item["UserIndex"].as_s().unwrap(), &format!("USER#{user}"));
        t.put(&m).await.unwrap();
    }
    // Keys only, through the table's sort key: every membership of one user.
    let bobs = Member::memberships_of_user("bob").fetch(&t).await.unwrap();
    let mut orgs = Vec::new();
    for p in &bobs {
        orgs.push(p.load(&t).await.unwrap().unwrap().org_id);
    }
    orgs.sort();
    assert_eq!(orgs, ["acme", "globex"]);
    assert_eq!(
        Member::memberships_of_user("bob")
            .user_name_eq("bob")
            .count(&t)
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        Member::memberships_of_user("ann").count(&t).await.unwrap(),
        1
    );
    // The table's partition with a sort of its own: newest members first, the org item
    // (which has no `OrgSort`) left out.
    let newest: Vec<String> = Member::members_by_joining("acme")
        .fetch(&t)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.user_name)
        .collect();
    assert_eq!(newest, ["ann", "cid", "bob"]);
    // Changing the index's own field rewrites its key; the shared half stays.
    t.update(
        Member::key("acme", "bob"),
        Member::update().set_joined_at(now),
    )
    .await
    .unwrap();
    let newest: Vec<String> = Member::members_by_joining("acme")
        .fetch(&t)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.user_name)
        .collect();
    assert_eq!(newest, ["bob", "ann", "cid"]);
}

/// `select:` reads only the listed attributes (and the keys) into a projection type, on the
/// table, an index, an `include` index and a scan; `load` reads the full item.
#[tokio::test]
async fn select_reads_only_the_listed_attributes() {
    use fixtures::select::{Product, TABLE};
    let t = table(&TABLE).await;
    for (sku, brand, price) in [("a", "acme", 300), ("b", "acme", 100), ("c", "zeta", 200)] {
        let mut p = Product::new("s1", sku, format!("product {sku}"), brand, price);
        p.description = "a long description that is not read".repeat(20);
        p.tags = ["new".to_owned()].into();
        t.put(&p).await.unwrap();
    }
    let names = Product::product_names("s1").fetch(&t).await.unwrap();
    let got: Vec<(&str, i64)> = names
        .iter()
        .map(|p| (p.name.as_str(), p.price_cents))
        .collect();
    assert_eq!(
        got,
        [("product a", 300), ("product b", 100), ("product c", 200)]
    );
    let full = names[1].load(&t).await.unwrap().unwrap();
    assert_eq!((full.sku.as_str(), full.tags.len()), ("b", 1));
    // Narrowing and paging work on a selected pattern as on any other.
    let one = Product::product_names("s1")
        .sku_eq("c")
        .fetch(&t)
        .await
        .unwrap();
    assert_eq!(one.len(), 1);
    let page = Product::product_names("s1")
        .limit(2)
        .page(&t, None)
        .await
        .unwrap();
    let rest = Product::product_names("s1")
        .limit(2)
        .page(&t, page.cursor.as_ref())
        .await
        .unwrap();
    assert_eq!(page.items.len() + rest.items.len(), 3);

    let brand: Vec<String> = Product::brand_names("acme")
        .fetch(&t)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(brand, ["product b", "product a"]);
    let cheapest: Vec<String> = Product::cheapest_names("s1")
        .price_cents_lt(250)
        .fetch(&t)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(cheapest, ["product b", "product c"]);
    let mut all: Vec<String> = Product::all_names()
        .fetch(&t)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    all.sort();
    assert_eq!(all, ["product a", "product b", "product c"]);
    // Counting a selected pattern sends no projection (DynamoDB refuses one beside COUNT).
    assert_eq!(Product::product_names("s1").count(&t).await.unwrap(), 3);
    assert_eq!(Product::all_names().count(&t).await.unwrap(), 3);
}

/// Derived segments: day buckets, case folding and write shards are computed from the
/// attributes on every write, taken as typed arguments by queries, and rewritten by the
/// setter of their source attribute. A sharded partition is read by one merged fan-out.
#[tokio::test]
async fn derived_segments_and_sharded_partitions() {
    use chrono::{DateTime, Duration, NaiveDate, Utc};
    use fixtures::derived_keys::{Category, Deal, TABLE};
    let t = table(&TABLE).await;
    let starts: DateTime<Utc> = "2026-11-29T20:41:05Z".parse().unwrap();
    let mut deals = Vec::new();
    for i in 0..30 {
        let brand = if i % 3 == 0 { "Acme" } else { "zeta" };
        let category = [Category::Food, Category::Tech, Category::Home][i % 3];
        let mut d = Deal::new(
            format!("deal {i:02}"),
            brand,
            category,
            starts + Duration::hours(i as i64),
        );
        // Half of them made "yesterday" by their stored creation time.
        if i % 2 == 1 {
            d.created_at -= Duration::days(1);
        }
        t.put(&d).await.unwrap();
        deals.push(d);
    }
    let item = deals[0].to_item().unwrap();
    let day = deals[0].created_at.date_naive();
    let shard = singletable::derive::shard_of(deals[0].deal_id, 4);
    assert_eq!(
        item["gsi1pk"].as_s().unwrap(),
        &format!("DEALS#{day}#{shard}")
    );
    assert_eq!(item["gsi2pk"].as_s().unwrap(), "BRAND#ACME#2026-11");
    assert!(
        item["gsi2sk"]
            .as_s()
            .unwrap()
            .starts_with("FOOD#2026-11-29#")
    );
    assert_eq!(item["gsi3pk"].as_s().unwrap(), "HOUR#2026");
    assert!(
        item["gsi3sk"]
            .as_s()
            .unwrap()
            .starts_with("2026-11-29T20#acme#")
    );
    // The shards of today's deals are spread (not all in one partition).
    let today: Vec<&Deal> = deals
        .iter()
        .filter(|d| d.created_at.date_naive() == day)
        .collect();
    let used: std::collections::BTreeSet<u32> = today
        .iter()
        .map(|d| singletable::derive::shard_of(d.deal_id, 4))
        .collect();
    assert!(used.len() > 1, "{used:?}");

    // The fan-out: every shard of today, merged newest first (ULIDs order by creation).
    let mut expected: Vec<String> = today.iter().map(|d| d.title.clone()).collect();
    expected.reverse();
    let titles = |v: Vec<Deal>| v.into_iter().map(|d| d.title).collect::<Vec<_>>();
    assert_eq!(
        titles(Deal::deals_by_day(day).fetch(&t).await.unwrap()),
        expected
    );
    assert_eq!(Deal::deals_by_day(day).count(&t).await.unwrap(), 15);
    // One cursor resumes every shard: pages of 4 give the same sequence.
    let mut paged = Vec::new();
    let mut cursor = None;
    let mut pages = 0;
    loop {
        let page = Deal::deals_by_day(day)
            .limit(4)
            .page(&t, cursor.as_ref())
            .await
            .unwrap();
        assert!(page.items.len() <= 4);
        paged.extend(page.items.into_iter().map(|d| d.title));
        pages += 1;
        match page.cursor {
            Some(c) => cursor = Some(c.to_string().parse().unwrap()),
            None => break,
        }
        assert!(pages < 50, "paging makes progress");
    }
    assert_eq!(paged, expected);
    // Ascending too, and narrowed by the sort key.
    let mut ascending = expected.clone();
    ascending.reverse();
    assert_eq!(
        titles(Deal::deals_by_day(day).ascending().fetch(&t).await.unwrap()),
        ascending
    );
    let after = today[2].deal_id;
    let later = Deal::deals_by_day(day)
        .deal_id_gt(after)
        .fetch(&t)
        .await
        .unwrap();
    assert_eq!(later.len(), today.len() - 3);

    // Typed derived arguments: an upper-cased brand in a month, by category and day.
    let month = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    let acme = Deal::deals_by_brand("acme", month).fetch(&t).await.unwrap();
    assert_eq!(acme.len(), 10, "the key folds the brand's case");
    let food = Deal::deals_by_brand("ACME", month)
        .category_upper_eq(Category::Food)
        .starts_at_day_eq(NaiveDate::from_ymd_opt(2026, 11, 30).unwrap())
        .fetch(&t)
        .await
        .unwrap();
    // Acme food deals are every third hour from 20:41 on the 29th: those of the 30th.
    let got: Vec<String> = food.iter().map(|d| d.title.clone()).collect();
    let expected: Vec<String> = (6..30).step_by(3).map(|i| format!("deal {i:02}")).collect();
    assert_eq!(got, expected);
    let evening = Deal::deals_by_hour(2026)
        .starts_at_hour_lt("2026-11-29T23:00:00Z".parse().unwrap())
        .fetch(&t)
        .await
        .unwrap();
    assert_eq!(evening.len(), 3);

    // A setter of the source attribute rewrites every key it feeds.
    let moved = starts + Duration::days(40);
    t.update(
        deals[0].key(),
        Deal::update().set_starts_at(moved, "Acme", Category::Food),
    )
    .await
    .unwrap();
    let stored = t
        .get(deals[0].key())
        .await
        .unwrap()
        .unwrap()
        .to_item()
        .unwrap();
    assert_eq!(stored["gsi2pk"].as_s().unwrap(), "BRAND#ACME#2027-01");
    assert!(
        stored["gsi3sk"]
            .as_s()
            .unwrap()
            .starts_with("2027-01-08T20#acme#")
    );
    assert_eq!(
        Deal::deals_by_brand("acme", month).count(&t).await.unwrap(),
        9
    );
}

/// A walk across day buckets: every bucket from `from` to `to`, in the query's order, lazily,
/// with one cursor that names the bucket and the shard positions in it.
#[tokio::test]
async fn bucket_walks_read_a_range_of_days_in_order() {
    use chrono::{Duration, NaiveDate, Utc};
    use fixtures::derived_keys::{Category, Deal, TABLE};
    let t = table(&TABLE).await;
    let today = Utc::now();
    let mut made = Vec::new();
    // Five days, three deals a day (oldest day first, ids in creation order), none on day 3.
    for day in 0..5i64 {
        if day == 3 {
            continue;
        }
        for n in 0..3 {
            let mut d = Deal::new(format!("d{day}-{n}"), "Acme", Category::Food, today);
            d.created_at = today - Duration::days(4 - day);
            t.put(&d).await.unwrap();
            made.push(d);
        }
    }
    let from: NaiveDate = (today - Duration::days(4)).date_naive();
    let to: NaiveDate = today.date_naive();
    // The pattern reads newest first: the newest day first, each day newest first.
    let newest_first: Vec<String> = made.iter().rev().map(|d| d.title.clone()).collect();
    let titles = |v: Vec<Deal>| v.into_iter().map(|d| d.title).collect::<Vec<_>>();
    assert_eq!(
        titles(Deal::deals_by_day_across(from, to).fetch(&t).await.unwrap()),
        newest_first
    );
    let mut oldest_first = newest_first.clone();
    oldest_first.reverse();
    assert_eq!(
        titles(
            Deal::deals_by_day_across(from, to)
                .ascending()
                .fetch(&t)
                .await
                .unwrap()
        ),
        oldest_first
    );
    // Pages of two, resumed by one printable cursor, give the same sequence.
    let mut paged = Vec::new();
    let mut cursor: Option<singletable::Cursor> = None;
    for _ in 0..100 {
        let page = Deal::deals_by_day_across(from, to)
            .limit(2)
            .page(&t, cursor.as_ref())
            .await
            .unwrap();
        paged.extend(page.items.into_iter().map(|d| d.title));
        match page.cursor {
            Some(c) => cursor = Some(c.to_string().parse().unwrap()),
            None => break,
        }
    }
    assert_eq!(paged, newest_first);
    assert_eq!(
        Deal::deals_by_day_across(from, to).count(&t).await.unwrap(),
        12
    );
    // A narrower range, and one with nothing in it.
    assert_eq!(
        Deal::deals_by_day_across(from, from + Duration::days(1))
            .count(&t)
            .await
            .unwrap(),
        6
    );
    assert!(
        Deal::deals_by_day_across(to, from)
            .fetch(&t)
            .await
            .unwrap()
            .is_empty()
    );
}

/// Multi-attribute index keys: a table created with them, every partition attribute by
/// equality, sort attributes left to right with a range on the last, numbers in numeric order
/// (negative ones included), other entities on the index left out, and items missing a key
/// attribute not in the index.
#[tokio::test]
async fn multi_attribute_keys() {
    use chrono::{DateTime, Duration, Utc};
    use fixtures::multi_attribute_keys::{Player, TABLE, Team};
    let t = table(&TABLE).await;
    let t0: DateTime<Utc> = "2026-11-29T12:00:00Z".parse().unwrap();
    let scores = [(1, 100), (2, -5), (3, 9), (4, 100), (5, 1000), (6, 20)];
    for (n, score) in scores {
        let mut p = Player::new(
            "acme",
            format!("p{n}"),
            "eu",
            format!("player {n}"),
            t0 + Duration::minutes(n),
        );
        p.score = Some(score);
        t.put(&p).await.unwrap();
    }
    // Another region, another tenant, an unscored player and a team on the same index.
    let mut other = Player::new("acme", "q1", "us", "elsewhere", t0);
    other.score = Some(50);
    t.put(&other).await.unwrap();
    let mut foreign = Player::new("globex", "g1", "eu", "foreign", t0);
    foreign.score = Some(500);
    t.put(&foreign).await.unwrap();
    t.put(&Player::new("acme", "u1", "eu", "unscored", t0))
        .await
        .unwrap();
    t.put(&Team::new("acme", "t1", "eu", 70, t0)).await.unwrap();

    let names = |v: Vec<Player>| v.into_iter().map(|p| p.player_id).collect::<Vec<_>>();
    // Highest score first, numerically (1000 > 100 > 20 > 9 > -5); ties by placed_at.
    assert_eq!(
        names(Player::top_in_region("acme", "eu").fetch(&t).await.unwrap()),
        ["p5", "p4", "p1", "p6", "p3", "p2"]
    );
    assert_eq!(
        names(
            Player::top_in_region("acme", "eu")
                .score_gte(20)
                .fetch(&t)
                .await
                .unwrap()
        ),
        ["p5", "p4", "p1", "p6"]
    );
    assert_eq!(
        names(
            Player::top_in_region("acme", "eu")
                .score_between(-10, 10)
                .fetch(&t)
                .await
                .unwrap()
        ),
        ["p3", "p2"]
    );
    assert_eq!(
        names(
            Player::top_in_region("acme", "eu")
                .score_eq(100)
                .placed_at_gt(t0 + Duration::minutes(2))
                .fetch(&t)
                .await
                .unwrap()
        ),
        ["p4"]
    );
    assert_eq!(
        Player::top_in_region("acme", "us").count(&t).await.unwrap(),
        1
    );
    // The team shares the index and the partition, but is another entity.
    let teams = Team::teams_in_region("acme", "eu").fetch(&t).await.unwrap();
    assert_eq!(teams.len(), 1);
    // Selected attributes, with the key to load the rest.
    let top = Player::top_names("acme", "eu")
        .limit(2)
        .page(&t, None)
        .await
        .unwrap();
    let got: Vec<(String, Option<i64>)> = top
        .items
        .iter()
        .map(|p| (p.name.clone(), p.score))
        .collect();
    assert_eq!(
        got,
        [
            ("player 5".to_owned(), Some(1000)),
            ("player 4".to_owned(), Some(100))
        ]
    );
    // Later pages resume from the cursor (the team, filtered out after the limit, may make
    // one shorter): all six players in order.
    let mut all: Vec<String> = top.items.iter().map(|p| p.name.clone()).collect();
    let mut cursor = top.cursor.clone();
    while let Some(c) = cursor {
        let page = Player::top_names("acme", "eu")
            .limit(2)
            .page(&t, Some(&c))
            .await
            .unwrap();
        all.extend(page.items.iter().map(|p| p.name.clone()));
        cursor = page.cursor;
    }
    assert_eq!(all.len(), 6, "{all:?}");
    assert_eq!(all[5], "player 2");
    assert_eq!(
        top.items[0].load(&t).await.unwrap().unwrap().player_id,
        "p5"
    );
}
