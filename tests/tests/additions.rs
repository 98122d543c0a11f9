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
