//! The DynamoDB Book's deals design (`codegen/tests/fixtures/deals.yaml`) written with the
//! schema additions, against DynamoDB Local: every access pattern of the design, with no
//! attribute copied by hand (day buckets, upper-cased brands and categories, shards and the
//! unread flag's index keys are all derived by the generated code).

use chrono::{Duration, Utc};
use singletable::test_util::TestTable;
use singletable::{Entity, Error};
use tests::fixtures::deals::{Brand, BrandLike, BrandWatch, Category, Deal, Message, TABLE, User};

async fn table() -> TestTable {
    TestTable::create(&TABLE).await.expect("create table")
}

fn deal(n: usize, brand: &str, category: Category, days_ago: i64) -> Deal {
    let mut d = Deal::new(
        format!("deal {n}"),
        format!("https://example.com/{n}"),
        100 * n as i64,
        brand,
        category,
    );
    d.created_at -= Duration::days(days_ago);
    d
}

#[tokio::test]
async fn deals_by_day_brand_and_category() {
    let t = table().await;
    let today = Utc::now().date_naive();
    // Three days of deals, made oldest first so their ids sort by creation.
    let mut made = Vec::new();
    for (n, (brand, category, days_ago)) in [
        ("Amazon", Category::Tech, 2),
        ("Nike", Category::Travel, 2),
        ("amazon", Category::Home, 1),
        ("Amazon", Category::Tech, 0),
        ("Nike", Category::Food, 0),
        ("Amazon", Category::Tech, 0),
    ]
    .into_iter()
    .enumerate()
    {
        let d = deal(n, brand, category, days_ago);
        t.insert(&d).await.unwrap();
        made.push(d);
    }
    let titles = |v: Vec<Deal>| v.into_iter().map(|d| d.title).collect::<Vec<_>>();

    // Fetch one deal.
    let first = Deal::deal(made[0].deal_id)
        .fetch(&t)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first, made[0]);
    // Today's deals, newest first, over all four shards.
    assert_eq!(
        titles(Deal::deals_by_day(today).fetch(&t).await.unwrap()),
        ["deal 5", "deal 4", "deal 3"]
    );
    // Walking back across days: the front page's "older deals" link.
    assert_eq!(
        titles(
            Deal::deals_by_day_across(today - Duration::days(2), today)
                .fetch(&t)
                .await
                .unwrap()
        ),
        ["deal 5", "deal 4", "deal 3", "deal 2", "deal 1", "deal 0"]
    );
    let page = Deal::deals_by_day_across(today - Duration::days(2), today)
        .limit(2)
        .page(&t, None)
        .await
        .unwrap();
    assert!(page.cursor.is_some());
    // A brand's deals, whatever case they were written in.
    assert_eq!(
        titles(Deal::brand_deals("AMAZON", today).fetch(&t).await.unwrap()),
        ["deal 5", "deal 3"]
    );
    assert_eq!(
        titles(
            Deal::brand_deals_across("amazon", today - Duration::days(2), today)
                .fetch(&t)
                .await
                .unwrap()
        ),
        ["deal 5", "deal 3", "deal 2", "deal 0"]
    );
    // A category's deals.
    assert_eq!(
        titles(
            Deal::category_deals(Category::Tech, today)
                .fetch(&t)
                .await
                .unwrap()
        ),
        ["deal 5", "deal 3"]
    );
    assert_eq!(
        Deal::category_deals_across(Category::Travel, today - Duration::days(7), today)
            .count(&t)
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn brand_likes_and_watches() {
    let t = table().await;
    t.insert(&Brand::new("Nike", "https://example.com/nike.png"))
        .await
        .unwrap();
    // Like a brand: the like item and the counter in one transaction; a second like by the
    // same user fails and changes nothing.
    let like = |user: &str| {
        t.transact_write()
            .insert(&BrandLike::new("Nike", user))
            .update(Brand::key("Nike"), Brand::update().add_likes(1))
    };
    like("ann").send().await.unwrap();
    like("bob").send().await.unwrap();
    let err = like("ann").send().await.unwrap_err();
    assert!(matches!(err, Error::TransactionCanceled { .. }), "{err}");
    let brand = Brand::brand("Nike").fetch(&t).await.unwrap().unwrap();
    assert_eq!(brand.likes, 2);
    assert!(
        BrandLike::brand_like("Nike", "ann")
            .fetch(&t)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        BrandLike::brand_like("Nike", "cid")
            .fetch(&t)
            .await
            .unwrap()
            .is_none()
    );
    // Watch a brand: the watchers are listed from the brand's watch partition.
    for user in ["ann", "cid"] {
        t.transact_write()
            .insert(&BrandWatch::new("Nike", user))
            .update(Brand::key("Nike"), Brand::update().add_watchers(1))
            .send()
            .await
            .unwrap();
    }
    let watchers: Vec<String> = BrandWatch::brand_watchers("Nike")
        .fetch(&t)
        .await
        .unwrap()
        .into_iter()
        .map(|w| w.user_name)
        .collect();
    assert_eq!(watchers, ["ann", "cid"]);
    assert_eq!(
        Brand::brand("Nike")
            .fetch(&t)
            .await
            .unwrap()
            .unwrap()
            .watchers,
        2
    );
}

#[tokio::test]
async fn users_and_messages() {
    let t = table().await;
    for name in ["ann", "bob", "cid"] {
        t.insert(&User::new(name, format!("{name}@example.com")))
            .await
            .unwrap();
    }
    // Emails are unique.
    let err = t
        .insert(&User::new("dan", "ann@example.com"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::UniqueViolation { .. }), "{err}");
    // Every user, through the keys-only index that shares the table's sort key.
    let mut users = Vec::new();
    for p in User::all_users().fetch(&t).await.unwrap() {
        users.push(p.load(&t).await.unwrap().unwrap().user_name);
    }
    users.sort();
    assert_eq!(users, ["ann", "bob", "cid"]);
    assert!(User::user("bob").fetch(&t).await.unwrap().is_some());

    // Messages: all newest first; the unread ones from the conditional index.
    let mut sent = Vec::new();
    for n in 0..4 {
        let m = Message::new("ann", format!("hello {n}"));
        t.insert(&m).await.unwrap();
        sent.push(m);
    }
    let subjects = |v: Vec<Message>| v.into_iter().map(|m| m.subject).collect::<Vec<_>>();
    assert_eq!(
        subjects(Message::messages("ann").fetch(&t).await.unwrap()),
        ["hello 3", "hello 2", "hello 1", "hello 0"]
    );
    // Reading a message takes it out of the unread index in the same request.
    t.update(sent[2].key(), Message::update().set_unread(false))
        .await
        .unwrap();
    assert_eq!(
        subjects(Message::unread_messages("ann").fetch(&t).await.unwrap()),
        ["hello 3", "hello 1", "hello 0"]
    );
    let stored = t.get(sent[2].key()).await.unwrap().unwrap();
    assert!(!stored.unread);
    assert!(!stored.to_item().unwrap().contains_key("GSI1PK"));
}
