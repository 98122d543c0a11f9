//! A schema change and its generated migration, against DynamoDB Local
//! (`codegen/tests/migrations/shop/`): users move to a new primary key, orders gain `gsi1`
//! keys, have `total` renamed to `total_cents` and their status `pending` renamed `open`,
//! while writers keep changing orders.

use std::collections::BTreeMap;

use singletable::Item;
use singletable::migrate::{Report, Runner};
use singletable::test_util::TestTable;
use tests::{shop_new, shop_old};

const USERS: usize = 2_000;
const ORDERS: usize = 8_000;

async fn seeded() -> TestTable {
    // The new version's table: it has every index the old one has.
    let t = TestTable::create(&shop_new::TABLE).await.expect("table");
    let users: Vec<_> = (0..USERS)
        .map(|u| shop_old::User::new(format!("u{u:04}"), format!("u{u}@example.com")))
        .collect();
    let orders: Vec<_> = (0..ORDERS)
        .map(|o| {
            shop_old::Order::new(
                format!("u{:04}", o % USERS),
                format!("o{o:05}"),
                o as i64 * 10,
            )
        })
        .collect();
    t.batch_write()
        .put_all(&users)
        .put_all(&orders)
        .send()
        .await
        .unwrap();
    t
}

async fn raw(t: &TestTable) -> Vec<Item> {
    tests::scan_all(t).await
}

#[tokio::test]
async fn the_generated_migration_moves_renames_and_backfills() {
    let t = seeded().await;
    let migrate = shop_new::migration::Migrate;

    // A dry run counts and writes nothing.
    let dry = Runner::new(&t)
        .dry_run(true)
        .run(&migrate, |_| {})
        .await
        .unwrap();
    assert_eq!(dry.scanned as usize, USERS + ORDERS);
    assert_eq!(dry.changed as usize, USERS + ORDERS);
    assert!(
        shop_new::User::user("u0001")
            .fetch(&t)
            .await
            .unwrap()
            .is_none()
    );

    // Four writers change notes of orders (through the new code) while the migration runs.
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let table: singletable::Table = (*t).clone();
            tokio::spawn(async move {
                let mut last = BTreeMap::new();
                for round in 0..100 {
                    // Each writer owns the orders `o % 4 == w`, so its last note must stay.
                    let o = ((round * 37) % (ORDERS / 4)) * 4 + w;
                    let note = format!("writer {w} round {round}");
                    let key =
                        shop_new::Order::key(&format!("u{:04}", o % USERS), &format!("o{o:05}"));
                    table
                        .update(key, shop_new::Order::update().set_note(note.clone()))
                        .await
                        .unwrap();
                    last.insert(o, note);
                }
                last
            })
        })
        .collect();
    let checkpoint =
        std::env::temp_dir().join(format!("shop-migration-{}.json", std::process::id()));
    let _ = std::fs::remove_file(&checkpoint);
    let progress = std::sync::Mutex::new(Vec::<Report>::new());
    let report = Runner::new(&t)
        .segments(4)
        .checkpoint(&checkpoint)
        .run(&migrate, |r| progress.lock().unwrap().push(r))
        .await
        .unwrap();
    let mut notes: BTreeMap<usize, String> = BTreeMap::new();
    for w in writers {
        for (o, note) in w.await.unwrap() {
            notes.insert(o, note);
        }
    }
    assert!(report.scanned as usize >= USERS + ORDERS);
    assert!(!progress.lock().unwrap().is_empty(), "progress is reported");

    // Every user under its new key, no user under its old one.
    for u in 0..USERS {
        let user = shop_new::User::user(&format!("u{u:04}"))
            .fetch(&t)
            .await
            .unwrap();
        assert_eq!(user.unwrap().email, format!("u{u}@example.com"));
    }
    let items = raw(&t).await;
    let old_users = items
        .iter()
        .filter(|i| i["pk"].as_s().is_ok_and(|pk| pk.starts_with("USER#")))
        .count();
    assert_eq!(old_users, 0, "nothing of the old layout remains");
    assert!(items.iter().all(|i| !i.contains_key("total")));
    // Every order readable with its renamed total, found by id through the backfilled index,
    // and no writer's note lost.
    for o in 0..ORDERS {
        let order = shop_new::Order::order_by_id(&format!("o{o:05}"))
            .fetch(&t)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("order o{o:04} is in gsi1"));
        assert_eq!(order.total, o as i64 * 10);
        // Stored `pending` became `open` (`was: { pending: open }`).
        assert_eq!(order.status, shop_new::OrderStatus::Open);
        assert_eq!(
            order.note.as_ref(),
            notes.get(&o),
            "o{o:04}: the last note stays"
        );
    }
    let notes_stored = items
        .iter()
        .filter(|i| {
            i.get("_type")
                .and_then(|v| v.as_s().ok())
                .map(String::as_str)
                == Some("Order")
        })
        .filter(|i| i.contains_key("note"))
        .count();
    assert_eq!(notes_stored, notes.len(), "every written note is stored");

    // Running it again changes nothing more.
    let _ = std::fs::remove_file(&checkpoint);
    let again = Runner::new(&t).run(&migrate, |_| {}).await.unwrap();
    assert_eq!(again.changed, 0);
    assert_eq!(again.scanned as usize, USERS + ORDERS);
    let _ = std::fs::remove_file(&checkpoint);
}

#[tokio::test]
async fn a_run_resumes_from_its_checkpoint() {
    let t = seeded().await;
    let migrate = shop_new::migration::Migrate;
    let checkpoint = std::env::temp_dir().join(format!("shop-resume-{}.json", std::process::id()));
    let _ = std::fs::remove_file(&checkpoint);
    // A first run that stops after its first pages: a progress callback that panics after
    // the first page stands in for a crash (the checkpoint is written before progress).
    let first = tokio::spawn({
        let table: singletable::Table = (*t).clone();
        let checkpoint = checkpoint.clone();
        async move {
            Runner::new(&table)
                .segments(2)
                .checkpoint(&checkpoint)
                .run(&migrate, |r| assert!(r.scanned < 100, "stop here"))
                .await
        }
    });
    assert!(first.await.is_err(), "the first run stopped part-way");
    let saved = std::fs::read_to_string(&checkpoint).expect("a checkpoint was written");
    assert!(saved.contains("positions"));
    // The resumed run rewrites only what the first did not finish (it may read more than
    // the table held at first: moved items appear under their new keys and are unchanged).
    let resumed = Runner::new(&t)
        .segments(2)
        .checkpoint(&checkpoint)
        .run(&migrate, |_| {})
        .await
        .unwrap();
    assert!(
        (resumed.changed as usize) < USERS + ORDERS,
        "resumed rewrote {} items; checkpoint: {saved}",
        resumed.changed
    );
    // The end state equals an uninterrupted run's.
    for u in 0..USERS {
        assert!(
            shop_new::User::user(&format!("u{u:04}"))
                .fetch(&t)
                .await
                .unwrap()
                .is_some()
        );
    }
    for o in 0..ORDERS {
        assert!(
            shop_new::Order::order_by_id(&format!("o{o:05}"))
                .fetch(&t)
                .await
                .unwrap()
                .is_some()
        );
    }
    let again = Runner::new(&t).run(&migrate, |_| {}).await.unwrap();
    assert_eq!(again.changed, 0);
    let _ = std::fs::remove_file(&checkpoint);
}
