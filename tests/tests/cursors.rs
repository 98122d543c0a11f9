//! Cursors against DynamoDB Local: plain cursors page through a partition and stay tied to
//! their pattern and partition; a table with a cursor key hands out signed cursors and rejects
//! changed ones, ones from another partition of the same pattern, and unsigned ones.

mod common;

use common::order;
use singletable::test_util::TestTable;
use singletable::{Cursor, CursorKey, Error, Table};
use tests::design::{Order, OrderStatus, TABLE};

async fn seeded() -> TestTable {
    let t = TestTable::create(&TABLE).await.expect("create table");
    for n in 0..6 {
        t.insert(&order("alice", n, OrderStatus::Paid))
            .await
            .unwrap();
    }
    for n in 10..12 {
        t.insert(&order("bob", n, OrderStatus::Paid)).await.unwrap();
    }
    t
}

/// Every order of `user`, two per page, and the cursors that led there.
async fn pages(table: &Table, user: &str) -> (Vec<String>, Vec<Cursor>) {
    let query = Order::orders_for_user(user).limit(2);
    let (mut ids, mut cursors, mut cursor) = (Vec::new(), Vec::new(), None);
    loop {
        let page = query.page(table, cursor.as_ref()).await.unwrap();
        ids.extend(page.items.into_iter().map(|o| o.order_id));
        match page.cursor {
            Some(next) => {
                cursors.push(next.clone());
                cursor = Some(next);
            }
            None => return (ids, cursors),
        }
    }
}

fn cursor_error(result: singletable::Result<singletable::Page<Order>>) -> String {
    match result {
        Err(Error::Cursor(why)) => why,
        other => panic!("expected a cursor error, got {other:?}"),
    }
}

#[tokio::test]
async fn signed_cursors_page_and_reject_tampering_and_other_partitions() {
    let t = seeded().await;
    let key = CursorKey::new(b"0123456789abcdef0123456789abcdef").unwrap();
    let signed = t.table().clone().with_cursor_key(key);

    let (plain_ids, plain_cursors) = pages(&t, "alice").await;
    let (signed_ids, signed_cursors) = pages(&signed, "alice").await;
    assert_eq!(plain_ids.len(), 6);
    assert_eq!(signed_ids, plain_ids);
    assert_ne!(signed_cursors[0], plain_cursors[0]);

    let alice = Order::orders_for_user("alice").limit(2);
    let bob = Order::orders_for_user("bob").limit(2);
    let first = &signed_cursors[0];

    // Every changed character of the cursor text is caught (the text is base64; a character
    // swapped for another valid one changes a byte).
    let text = first.to_string();
    for at in 0..text.len() {
        let mut changed: Vec<char> = text.chars().collect();
        changed[at] = if changed[at] == 'A' { 'B' } else { 'A' };
        let changed: Cursor = changed.into_iter().collect::<String>().parse().unwrap();
        cursor_error(alice.page(&signed, Some(&changed)).await);
    }
    // A valid cursor of alice's partition on bob's: refused, signed or not.
    let why = cursor_error(bob.page(&signed, Some(first)).await);
    assert_eq!(
        why,
        "this cursor belongs to another partition of `orders_for_user`"
    );
    let why = cursor_error(bob.page(&t, Some(&plain_cursors[0])).await);
    assert_eq!(
        why,
        "this cursor belongs to another partition of `orders_for_user`"
    );
    // Unsigned cursors on the signing table, and signed ones on a plain table.
    let why = cursor_error(alice.page(&signed, Some(&plain_cursors[0])).await);
    assert!(why.contains("not signed"), "{why}");
    let why = cursor_error(alice.page(&t, Some(first)).await);
    assert!(why.contains("no cursor key"), "{why}");
    // Another key (a different deployment) is refused; a rotated key still reads old ones.
    let other = t
        .table()
        .clone()
        .with_cursor_key(CursorKey::new([9u8; 40]).unwrap());
    let why = cursor_error(alice.page(&other, Some(first)).await);
    assert!(why.contains("signature does not match"), "{why}");
    let rotated = t.table().clone().with_cursor_key(
        CursorKey::new([9u8; 40])
            .unwrap()
            .accepting(b"0123456789abcdef0123456789abcdef")
            .unwrap(),
    );
    let page = alice.page(&rotated, Some(first)).await.unwrap();
    assert_eq!(
        page.items
            .iter()
            .map(|o| o.order_id.clone())
            .collect::<Vec<_>>(),
        plain_ids[2..4]
    );
}
