//! Unique attributes (`codegen/tests/fixtures/unique.yaml`) against DynamoDB Local: marker
//! items kept in the same transaction as every write, typed violations, refused batch writes,
//! and 16 concurrent writers racing for the same values.

use std::collections::{BTreeMap, BTreeSet};

use singletable::test_util::TestTable;
use singletable::{Entity, Error, Item};
use tests::fixtures::unique::{Account, TABLE};

async fn table() -> TestTable {
    TestTable::create(&TABLE).await.expect("create table")
}

fn account(id: &str, org: &str, email: &str, handle: &str) -> Account {
    Account::new(id, org, email, handle, format!("{id}'s name"))
}

fn violation(err: Error) -> (&'static str, String) {
    match err {
        Error::UniqueViolation {
            entity: "Account",
            attribute,
            value,
        } => (attribute, value),
        other => panic!("expected a unique violation, got {other}"),
    }
}

async fn raw(t: &TestTable) -> Vec<Item> {
    tests::scan_all(t).await
}

/// Checks the table: no value of a unique attribute is held by two accounts, every value
/// held has exactly one marker naming its holder, and every marker's holder holds it.
async fn check_markers(t: &TestTable) -> usize {
    let items = raw(t).await;
    let s = |i: &Item, a: &str| i.get(a).and_then(|v| v.as_s().ok()).cloned();
    let mut holders: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    let mut markers: BTreeMap<(String, String), String> = BTreeMap::new();
    for item in &items {
        match s(item, "_type").as_deref() {
            Some("Account") => {
                let owner = format!("pk={}\u{0}sk=ACCOUNT\u{0}", s(item, "pk").unwrap());
                let org = s(item, "org_id").unwrap();
                for (attribute, scope) in
                    [("email", None), ("handle", Some(&org)), ("nickname", None)]
                {
                    if let Some(v) = s(item, attribute) {
                        let value = match scope {
                            Some(org) => format!("{org}/{v}"),
                            None => v,
                        };
                        holders
                            .entry((attribute.to_owned(), value))
                            .or_default()
                            .push(owner.clone());
                    }
                }
            }
            Some("_unique") => {
                let attribute = s(item, "attribute").unwrap();
                let mut value = s(item, "value").unwrap();
                if attribute == "handle" {
                    // The scope is the segment before the value in the marker's key.
                    let pk = s(item, "pk").unwrap();
                    let org = pk.split('#').nth(3).unwrap().to_owned();
                    value = format!("{org}/{value}");
                }
                let previous = markers.insert((attribute, value), s(item, "owner").unwrap());
                assert!(previous.is_none(), "two markers for one value");
            }
            other => panic!("unexpected item type {other:?}"),
        }
    }
    for (value, owners) in &holders {
        assert_eq!(owners.len(), 1, "{value:?} is held by {owners:?}");
        assert_eq!(markers.get(value), Some(&owners[0]), "marker of {value:?}");
    }
    let held: BTreeSet<_> = holders.keys().collect();
    let marked: BTreeSet<_> = markers.keys().collect();
    assert_eq!(held, marked, "orphan markers");
    markers.len()
}

#[tokio::test]
async fn markers_follow_every_write() {
    let t = table().await;
    let ann = account("a1", "acme", "ann@example.com", "ann");
    t.insert(&ann).await.unwrap();
    assert_eq!(check_markers(&t).await, 2);

    // A taken email: nothing written.
    let copy = account("a2", "acme", "ann@example.com", "annie");
    let (attribute, value) = violation(t.insert(&copy).await.unwrap_err());
    assert_eq!((attribute, value.as_str()), ("email", "ann@example.com"));
    assert_eq!(t.get(copy.key()).await.unwrap(), None);
    // A handle is unique within its org only.
    t.insert(&account("a2", "globex", "bob@example.com", "ann"))
        .await
        .unwrap();
    let (attribute, _) = violation(
        t.insert(&account("a3", "acme", "cid@example.com", "ann"))
            .await
            .unwrap_err(),
    );
    assert_eq!(attribute, "handle");
    // Inserting an account that exists is a failed condition, not a violation.
    let err = t.insert(&ann).await.unwrap_err();
    assert!(matches!(err, Error::ConditionFailed { .. }), "{err}");
    assert_eq!(check_markers(&t).await, 4);

    // An update moves the marker; the old value is free again.
    t.update(ann.key(), Account::update().set_email("ann@new.example"))
        .await
        .unwrap();
    t.insert(&account("a3", "acme", "ann@example.com", "cid"))
        .await
        .unwrap();
    let (attribute, _) = violation(
        t.update(
            Account::key("a3"),
            Account::update().set_email("bob@example.com"),
        )
        .await
        .unwrap_err(),
    );
    assert_eq!(attribute, "email");
    let a3 = t.get(Account::key("a3")).await.unwrap().unwrap();
    assert_eq!(a3.email, "ann@example.com");
    // An update that changes no unique value is a plain update.
    t.update(Account::key("a3"), Account::update().set_name("Cid"))
        .await
        .unwrap();
    // An optional unique attribute has a marker only while it is set.
    t.update(ann.key(), Account::update().set_nickname("nan"))
        .await
        .unwrap();
    assert_eq!(check_markers(&t).await, 7);
    t.update(ann.key(), Account::update().remove_nickname())
        .await
        .unwrap();
    assert_eq!(check_markers(&t).await, 6);
    // A put replaces the item and moves what changed.
    let mut replaced = t.get(ann.key()).await.unwrap().unwrap();
    replaced.handle = "anna".into();
    t.put(&replaced).await.unwrap();
    t.insert(&account("a4", "acme", "dan@example.com", "ann"))
        .await
        .unwrap();
    assert_eq!(check_markers(&t).await, 8);
    // A delete removes the markers with the item.
    let old = t.delete(ann.key()).returning_old().await.unwrap().unwrap();
    assert_eq!(old.handle, "anna");
    t.insert(&account("a5", "acme", "ann@new.example", "anna"))
        .await
        .unwrap();
    assert_eq!(check_markers(&t).await, 8);
    // Returning the new item after a unique update.
    let new = t
        .update(
            Account::key("a5"),
            Account::update().set_email("eve@example.com"),
        )
        .returning_new()
        .await
        .unwrap();
    assert_eq!(new.email, "eve@example.com");
    assert_eq!(check_markers(&t).await, 8);
}

#[tokio::test]
async fn batch_writes_are_refused_and_transactions_insert_with_markers() {
    let t = table().await;
    let a = account("a1", "acme", "ann@example.com", "ann");
    let err = t.batch_write().put(&a).send().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::UniqueRefused {
                entity: "Account",
                ..
            }
        ),
        "{err}"
    );
    let err = t.batch_write().delete(a.key()).send().await.unwrap_err();
    assert!(matches!(err, Error::UniqueRefused { .. }), "{err}");
    let err = t.transact_write().put(&a).send().await.unwrap_err();
    assert!(matches!(err, Error::UniqueRefused { .. }), "{err}");
    let err = t.transact_write().delete(a.key()).send().await.unwrap_err();
    assert!(matches!(err, Error::UniqueRefused { .. }), "{err}");
    assert!(raw(&t).await.is_empty(), "nothing was written");
    // An insert in a hand-built transaction carries its markers along.
    t.transact_write().insert(&a).send().await.unwrap();
    assert_eq!(check_markers(&t).await, 2);
    let taken = account("a2", "acme", "ann@example.com", "bob");
    let err = t.transact_write().insert(&taken).send().await.unwrap_err();
    match err {
        Error::TransactionCanceled { reasons } => {
            let failed: Vec<_> = reasons.iter().filter(|r| r.failed()).collect();
            assert_eq!(failed.len(), 1, "{reasons:?}");
            assert!(failed[0].key.contains("ann@example.com"), "{:?}", failed[0]);
        }
        other => panic!("expected a cancelled transaction, got {other}"),
    }
    assert_eq!(check_markers(&t).await, 2);
}

/// 16 writers insert, re-email, put and delete accounts with values from small pools; in the
/// end every value has exactly one holder and one marker, and no marker is an orphan.
#[tokio::test]
async fn concurrent_writers_never_share_a_value() {
    let t = table().await;
    let emails: Vec<String> = (0..6).map(|i| format!("user{i}@example.com")).collect();
    let mut tasks = Vec::new();
    for w in 0..16u64 {
        let table: singletable::Table = (*t).clone();
        let emails = emails.clone();
        tasks.push(tokio::spawn(async move {
            let mut wins = 0;
            for round in 0..12u64 {
                let id = format!("w{w}-{}", round % 3);
                let pick = |n: u64| {
                    emails[((w * 7 + round * 3 + n) % emails.len() as u64) as usize].clone()
                };
                let handle = format!("h{}", (w + round) % 5);
                let result = match round % 4 {
                    0 => table.insert(&account(&id, "acme", &pick(0), &handle)).await,
                    1 => {
                        table
                            .update(Account::key(&id), Account::update().set_email(pick(1)))
                            .await
                    }
                    2 => table.put(&account(&id, "acme", &pick(2), &handle)).await,
                    _ => table.delete(Account::key(&id)).await,
                };
                match result {
                    Ok(()) => wins += 1,
                    Err(Error::UniqueViolation { .. } | Error::ConditionFailed { .. }) => {}
                    Err(other) => panic!("writer {w}: {other}"),
                }
            }
            wins
        }));
    }
    let mut wins = 0;
    for task in tasks {
        wins += task.await.unwrap();
    }
    assert!(wins > 0);
    let markers = check_markers(&t).await;
    let accounts = Account::accounts().fetch(&t).await.unwrap();
    let emails_held: BTreeSet<&str> = accounts.iter().map(|a| a.email.as_str()).collect();
    assert_eq!(emails_held.len(), accounts.len(), "no email held twice");
    assert_eq!(
        markers,
        accounts.len() * 2,
        "one email and one handle marker per account"
    );
}
