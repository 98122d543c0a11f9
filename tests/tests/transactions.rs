//! Transactions through generated code against DynamoDB Local.

mod common;

use common::order;
use singletable::test_util::TestTable;
use singletable::{Entity, Error};
use tests::design::{Order, OrderStatus, TABLE, User};

async fn table() -> TestTable {
    TestTable::create(&TABLE).await.unwrap()
}

#[tokio::test]
async fn every_action_kind_applies_together() {
    let t = table().await;
    t.insert(&User::new("alice", "alice@example.com"))
        .await
        .unwrap();
    t.insert(&User::new("bob", "bob@example.com"))
        .await
        .unwrap();
    let old = order("alice", 1, OrderStatus::Pending);
    t.insert(&old).await.unwrap();
    let replaced = {
        let mut o = order("alice", 2, OrderStatus::Pending);
        t.insert(&o).await.unwrap();
        o.total_cents = 7;
        o
    };
    let new = order("alice", 3, OrderStatus::Pending);
    t.transact_write()
        .insert(&new)
        .replace(&replaced)
        .put(&order("bob", 4, OrderStatus::Pending))
        .update(User::key("alice"), User::update().add_logins(1))
        .upsert(
            User::key("carol"),
            User::update().set_email("carol@example.com"),
        )
        .check(User::key("bob"), User::fields().exists())
        .delete(old.key())
        .token("every-action-kind")
        .send()
        .await
        .unwrap();
    assert!(t.get(old.key()).await.unwrap().is_none());
    assert_eq!(t.get(new.key()).await.unwrap(), Some(new));
    assert_eq!(t.get(replaced.key()).await.unwrap().unwrap().total_cents, 7);
    let alice = t.get(User::key("alice")).await.unwrap().unwrap();
    assert_eq!((alice.logins, alice.version), (1, 2));
    let carol = t.get(User::key("carol")).await.unwrap().unwrap();
    assert_eq!(carol.email, "carol@example.com");
}

/// The third action's condition fails: nothing changes, and the error names action 3.
#[tokio::test]
async fn a_failed_third_action_changes_nothing_and_is_reported() {
    let t = table().await;
    t.insert(&User::new("alice", "alice@example.com"))
        .await
        .unwrap();
    let existing = order("alice", 1, OrderStatus::Pending);
    t.insert(&existing).await.unwrap();
    let err = t
        .transact_write()
        .return_current_on_failure()
        .update(User::key("alice"), User::update().add_logins(10))
        .insert(&order("alice", 2, OrderStatus::Pending))
        .update_if(
            existing.key(),
            Order::update().set_status(OrderStatus::Shipped),
            Order::fields().status().eq(OrderStatus::Paid),
        )
        .delete(User::key("bob"))
        .send()
        .await
        .unwrap_err();
    let Error::TransactionCanceled { reasons } = &err else {
        panic!("{err}");
    };
    assert_eq!(reasons.len(), 4);
    let failed: Vec<_> = reasons.iter().filter(|r| r.failed()).collect();
    assert_eq!(failed.len(), 1);
    let third = failed[0];
    assert_eq!(third.index, 2, "the third action");
    assert_eq!(third.entity, "Order");
    assert_eq!(third.code, "ConditionalCheckFailed");
    assert!(third.key.contains("ORDER#"), "{}", third.key);
    let current = Order::from_item(*third.item.clone().expect("current item")).unwrap();
    assert_eq!(current, existing);
    assert!(err.to_string().contains("action 3 (Order"), "{err}");
    // Nothing was applied.
    let alice = t.get(User::key("alice")).await.unwrap().unwrap();
    assert_eq!(alice.logins, 0);
    assert!(
        t.get(order("alice", 2, OrderStatus::Pending).key())
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        t.get(existing.key()).await.unwrap().unwrap().status,
        OrderStatus::Pending
    );
}

#[tokio::test]
async fn versions_are_checked_inside_transactions() {
    let t = table().await;
    t.insert(&User::new("alice", "alice@example.com"))
        .await
        .unwrap();
    let v1 = t.get(User::key("alice")).await.unwrap().unwrap();
    t.transact_write().put(&v1).send().await.unwrap();
    // `v1` is stale now.
    let err = t.transact_write().put(&v1).send().await.unwrap_err();
    assert!(matches!(err, Error::TransactionCanceled { .. }), "{err}");
    let err = t
        .transact_write()
        .update(
            User::key("alice"),
            User::update().expected_version(1).add_logins(1),
        )
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::TransactionCanceled { .. }), "{err}");
    t.transact_write()
        .delete_if(User::key("alice"), User::fields().version().eq(2))
        .send()
        .await
        .unwrap();
    assert!(t.get(User::key("alice")).await.unwrap().is_none());
}

#[tokio::test]
async fn limits_and_duplicates_are_checked_before_sending() {
    let t = table().await;
    // 101 actions.
    let tx = (0..101).fold(t.transact_write(), |tx, n| {
        tx.check(User::key(&format!("u{n}")), User::fields().not_exists())
    });
    assert_eq!(tx.len(), 101);
    let err = tx.send().await.unwrap_err();
    assert!(matches!(err, Error::Limit(_)), "{err}");
    // Two actions on one item.
    let err = t
        .transact_write()
        .insert(&User::new("alice", "a@example.com"))
        .update(User::key("bob"), User::update().add_logins(1))
        .delete(User::key("alice"))
        .send()
        .await
        .unwrap_err();
    match err {
        Error::DuplicateItem {
            entity,
            first,
            second,
            ..
        } => assert_eq!((entity, first, second), ("User", 0, 2)),
        other => panic!("{other}"),
    }
    // Over 4 MB in total: 11 items of 390 KB.
    let users: Vec<User> = (0..11)
        .map(|n| {
            let mut u = User::new(format!("big{n}"), format!("big{n}@example.com"));
            u.name = Some("x".repeat(390 * 1024));
            u
        })
        .collect();
    let err = users
        .iter()
        .fold(t.transact_write(), |tx, u| tx.put(u))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Limit(_)), "{err}");
    assert!(err.to_string().contains("transaction size"), "{err}");
    assert!(t.get(User::key("big0")).await.unwrap().is_none());
}

#[tokio::test]
async fn a_client_request_token_applies_a_transaction_once() {
    let t = table().await;
    t.insert(&User::new("alice", "alice@example.com"))
        .await
        .unwrap();
    // One update value, so a retry is the identical request (same `updated_at`).
    let update = User::update().add_logins(1);
    let send = || {
        t.transact_write()
            .update(User::key("alice"), update.clone())
            .token("retry-safe-token")
            .send()
    };
    send().await.unwrap();
    send().await.unwrap();
    let alice = t.get(User::key("alice")).await.unwrap().unwrap();
    assert_eq!(alice.logins, 1);
}

#[tokio::test]
async fn transact_get_returns_typed_results_in_order() {
    let t = table().await;
    let o = order("alice", 1, OrderStatus::Pending);
    t.insert(&User::new("alice", "alice@example.com"))
        .await
        .unwrap();
    t.insert(&o).await.unwrap();
    let mut tx = t.transact_get();
    let missing = tx.get(User::key("nobody"));
    let order_slot = tx.get(o.key());
    let alice = tx.get(User::key("alice"));
    let mut results = tx.send().await.unwrap();
    assert_eq!(results.take(alice).unwrap().unwrap().user_id, "alice");
    assert_eq!(results.take(order_slot).unwrap(), Some(o));
    assert!(results.take(missing).unwrap().is_none());

    let users = t
        .transact_get_all([User::key("alice"), User::key("nobody"), User::key("alice2")])
        .await;
    // The same item twice is refused; distinct ones come back in order.
    let users = users.unwrap();
    assert_eq!(users.len(), 3);
    assert!(users[0].is_some() && users[1].is_none() && users[2].is_none());
    let err = t
        .transact_get_all([User::key("alice"), User::key("alice")])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::DuplicateItem { .. }), "{err}");
}
