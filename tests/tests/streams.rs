//! DynamoDB Streams against DynamoDB Local: writes through generated code (inserts, updates
//! that rewrite index keys, deletes) of two entities, one raw item of no entity of the schema
//! and one raw item that does not decode; the table's stream read through `StreamReader`
//! decodes to the typed changes, in order, with the bad record as one error naming entity and
//! attribute and the records after it decoded as usual. The same records written as the JSON
//! Lambda delivers decode to the same results.

mod common;
mod stream_json;

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use futures::{StreamExt, TryStreamExt};
use singletable::stream::aws_sdk_dynamodbstreams::types::{Record, ShardIteratorType};
use singletable::stream::{
    ChangeKind, ChangeRecord, Image, RecordError, StreamError, TableChange, lambda,
};
use singletable::test_util::{self, TestTable};
use singletable::{Entity, Item};
use tests::design::{AppChange, Order, OrderStatus, TABLE, User};

/// A test table with a `NEW_AND_OLD_IMAGES` stream.
async fn table_with_stream() -> TestTable {
    let t = TestTable::create(&TABLE).await.unwrap();
    tests::enable_stream(&t).await;
    t
}

/// What one change should be: kind, variant and images (`None` for a record error).
#[derive(Debug)]
enum Expected {
    User(ChangeKind, Option<User>, Option<User>),
    Order(ChangeKind, Option<Order>, Option<Order>),
    Unknown(ChangeKind, &'static str),
    /// A record error naming the image, entity and attribute.
    Error(Image, &'static str, &'static str),
}

fn check(got: &[Result<AppChange, RecordError>], expected: &[Expected]) {
    assert_eq!(got.len(), expected.len(), "{got:#?}");
    for (i, (got, want)) in got.iter().zip(expected).enumerate() {
        match (got, want) {
            (Ok(AppChange::User(c)), Expected::User(kind, old, new)) => {
                assert_eq!((&c.kind, &c.old, &c.new), (kind, old, new), "change {i}");
                assert_eq!(c.keys, User::key_item(c.item().unwrap()), "change {i}");
            }
            (Ok(AppChange::Order(c)), Expected::Order(kind, old, new)) => {
                assert_eq!((&c.kind, &c.old, &c.new), (kind, old, new), "change {i}");
                assert_eq!(c.keys, Order::key_item(c.item().unwrap()), "change {i}");
            }
            (Ok(AppChange::Unknown(r)), Expected::Unknown(kind, name)) => {
                assert_eq!(r.kind, *kind, "change {i}");
                assert_eq!(
                    r.new_image.as_ref().unwrap()["_type"],
                    AttributeValue::S((*name).into())
                );
            }
            (
                Err(RecordError::Decode {
                    sequence_number,
                    image,
                    error,
                }),
                Expected::Error(want_image, entity, attribute),
            ) => {
                assert!(sequence_number.is_some());
                assert_eq!(
                    (image, error.entity, error.attribute.as_str()),
                    (want_image, *entity, *attribute),
                    "change {i}: {error}"
                );
            }
            (got, want) => panic!("change {i}: expected {want:?}, got {got:#?}"),
        }
    }
}

trait KeyItem: Entity {
    /// The primary key attributes of an item of this entity.
    fn key_item(&self) -> Item {
        let mut item = self.to_item().unwrap();
        item.retain(|k, _| k == "pk" || k == "sk");
        item
    }
}
impl KeyItem for User {}
impl KeyItem for Order {}

/// Every raw record of the table's stream, read directly with the Streams API.
async fn raw_records(t: &TestTable) -> (Vec<Record>, String) {
    let client = test_util::streams_client().unwrap();
    let streams = client
        .list_streams()
        .table_name(t.name())
        .send()
        .await
        .unwrap();
    let arn = streams.streams()[0].stream_arn().unwrap().to_owned();
    let description = client
        .describe_stream()
        .stream_arn(&arn)
        .send()
        .await
        .unwrap()
        .stream_description
        .unwrap();
    let mut records = Vec::new();
    for shard in description.shards() {
        let mut iterator = client
            .get_shard_iterator()
            .stream_arn(&arn)
            .shard_id(shard.shard_id().unwrap())
            .shard_iterator_type(ShardIteratorType::TrimHorizon)
            .send()
            .await
            .unwrap()
            .shard_iterator;
        while let Some(it) = iterator {
            let out = client
                .get_records()
                .shard_iterator(it)
                .send()
                .await
                .unwrap();
            let page = out.records.unwrap_or_default();
            if page.is_empty() {
                break;
            }
            records.extend(page);
            iterator = out.next_shard_iterator;
        }
    }
    (records, arn)
}

#[tokio::test]
async fn typed_changes_from_the_stream_and_from_lambda_json() {
    let t = table_with_stream().await;
    let get_user = async |id: &str| t.get(User::key(id)).consistent().await.unwrap().unwrap();

    // 1. insert alice
    t.insert(&User::new("alice", "alice@example.com"))
        .await
        .unwrap();
    let alice1 = get_user("alice").await;
    // 2. insert an order
    let order = common::order("alice", 1, OrderStatus::Pending);
    t.insert(&order).await.unwrap();
    let order_key = || Order::key("alice", order.placed_at, &order.order_id);
    let order1 = t.get(order_key()).consistent().await.unwrap().unwrap();
    // 3. an update that rewrites the by_status and lsi1 index keys
    let order2 = t
        .update(
            order_key(),
            Order::update()
                .set_status(OrderStatus::Paid)
                .set_total_cents(4_200),
        )
        .returning_new()
        .await
        .unwrap();
    assert_eq!(order2.status, OrderStatus::Paid);
    // 4. an update that rewrites the gsi1 key of alice
    t.update(
        User::key("alice"),
        User::update().set_email("alice@example.org").add_logins(1),
    )
    .await
    .unwrap();
    let alice2 = get_user("alice").await;
    // 5. an item of no entity of the schema
    let raw = |pairs: &[(&str, AttributeValue)]| -> Item {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    };
    let s = |v: &str| AttributeValue::S(v.into());
    t.client()
        .put_item()
        .table_name(t.name())
        .set_item(Some(raw(&[
            ("pk", s("GADGET#1")),
            ("sk", s("GADGET")),
            ("_type", s("Gadget")),
        ])))
        .send()
        .await
        .unwrap();
    // 6. a User item whose `logins` is text: its record cannot decode
    let mut bad = alice1.to_item().unwrap();
    bad.insert("pk".into(), s("USER#mallory"));
    bad.insert("user_id".into(), s("mallory"));
    bad.insert("gsi1pk".into(), s("EMAIL#mallory@example.com"));
    bad.insert("logins".into(), s("many"));
    t.client()
        .put_item()
        .table_name(t.name())
        .set_item(Some(bad))
        .send()
        .await
        .unwrap();
    // 7. records after the bad one decode as usual
    t.insert(&User::new("bob", "bob@example.com"))
        .await
        .unwrap();
    let bob = get_user("bob").await;
    // 8. delete the order and alice
    t.delete(order_key()).await.unwrap();
    t.delete(User::key("alice")).await.unwrap();

    let expected = [
        Expected::User(ChangeKind::Insert, None, Some(alice1.clone())),
        Expected::Order(ChangeKind::Insert, None, Some(order1.clone())),
        Expected::Order(ChangeKind::Modify, Some(order1), Some(order2.clone())),
        Expected::User(ChangeKind::Modify, Some(alice1), Some(alice2.clone())),
        Expected::Unknown(ChangeKind::Insert, "Gadget"),
        Expected::Error(Image::New, "User", "logins"),
        Expected::User(ChangeKind::Insert, None, Some(bob)),
        Expected::Order(ChangeKind::Remove, Some(order2), None),
        Expected::User(ChangeKind::Remove, Some(alice2), None),
    ];
    // Through the Streams API, read by the table's reader until the shard is drained.
    let changes: Vec<Result<AppChange, StreamError>> = t
        .stream_reader()
        .unwrap()
        .drain()
        .changes::<AppChange>()
        .collect::<Vec<_>>()
        .await;
    let changes: Vec<Result<AppChange, RecordError>> = changes
        .into_iter()
        .map(|c| match c {
            Ok(c) => Ok(c),
            Err(StreamError::Record(e)) => Err(e),
            Err(StreamError::Read(e)) => panic!("reading the stream failed: {e}"),
        })
        .collect();
    check(&changes, &expected);

    // Sequence numbers increase, and every change names the shard it came from.
    let records: Vec<ChangeRecord> = t
        .stream_reader()
        .unwrap()
        .drain()
        .records()
        .map_ok(|r| r.unwrap())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(records.len(), expected.len());
    assert!(
        records
            .windows(2)
            .all(|w| w[0].sequence_number < w[1].sequence_number),
        "{:?}",
        records
            .iter()
            .map(|r| &r.sequence_number)
            .collect::<Vec<_>>()
    );
    assert!(records.iter().all(|r| r.shard_id.is_some()));
    assert!(
        records
            .iter()
            .all(|r| r.approximate_creation_time.is_some())
    );
    let error = changes[5].as_ref().unwrap_err();
    assert_eq!(error.sequence_number(), Some(&records[5].sequence_number));
    assert!(
        error.to_string().contains("User") && error.to_string().contains("logins"),
        "{error}"
    );

    // Resuming after the bad record reads only what follows it.
    let after: Vec<ChangeRecord> = t
        .stream_reader()
        .unwrap()
        .resume_after(
            records[5].shard_id.clone().unwrap(),
            &records[5].sequence_number,
        )
        .drain()
        .records()
        .map_ok(|r| r.unwrap())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(after, records[6..]);

    // The same records as Lambda delivers them decode to the same changes.
    let (raw, arn) = raw_records(&t).await;
    assert_eq!(raw.len(), expected.len());
    let json = stream_json::event(&raw, &arn);
    let from_lambda = lambda::changes_from_json::<AppChange>(&json).unwrap();
    check(&from_lambda, &expected);
    let without_shard = |c: &Result<AppChange, RecordError>| -> Result<AppChange, RecordError> {
        let mut c = c.clone();
        match &mut c {
            Ok(AppChange::User(c)) => c.shard_id = None,
            Ok(AppChange::Order(c)) => c.shard_id = None,
            Ok(AppChange::Unknown(r)) => r.shard_id = None,
            Err(_) => {}
        }
        c
    };
    assert_eq!(
        changes.iter().map(without_shard).collect::<Vec<_>>(),
        from_lambda
    );

    // One record of the payload that is not a stream record is one error in its place.
    let mut payload: serde_json::Value = serde_json::from_slice(&json).unwrap();
    payload["Records"][1]["dynamodb"]["NewImage"] = serde_json::json!({ "pk": { "Q": "?" } });
    payload["Records"][2]["eventName"] = serde_json::json!("UPSERT");
    let results =
        lambda::changes_from_json::<AppChange>(&serde_json::to_vec(&payload).unwrap()).unwrap();
    assert_eq!(results.len(), expected.len());
    for (i, result) in results.iter().enumerate() {
        match i {
            1 | 2 => {
                let Err(RecordError::Malformed {
                    sequence_number, ..
                }) = result
                else {
                    panic!("record {i}: {result:?}")
                };
                assert_eq!(sequence_number.as_ref(), Some(&records[i].sequence_number));
            }
            _ => assert_eq!(result, &from_lambda[i], "record {i}"),
        }
    }
    assert!(matches!(
        lambda::changes_from_json::<AppChange>(b"{\"Records\": 3}"),
        Err(RecordError::Malformed { .. })
    ));
}

/// A `KEYS_ONLY` record (no images) and one whose images are of two entities.
#[test]
fn records_without_images_and_with_two_entities() {
    let record = |old: Option<&str>, new: Option<&str>| {
        let image = |t: &str| -> Item {
            HashMap::from([
                ("pk".to_owned(), AttributeValue::S("X".into())),
                ("_type".to_owned(), AttributeValue::S(t.into())),
            ])
        };
        ChangeRecord {
            kind: ChangeKind::Modify,
            sequence_number: singletable::stream::SequenceNumber::new("100"),
            shard_id: None,
            event_id: None,
            approximate_creation_time: None,
            keys: HashMap::from([("pk".to_owned(), AttributeValue::S("X".into()))]),
            old_image: old.map(image),
            new_image: new.map(image),
        }
    };
    let keys_only = record(None, None);
    assert_eq!(
        AppChange::from_record(keys_only.clone()).unwrap(),
        AppChange::Unknown(keys_only)
    );
    let err = AppChange::from_record(record(Some("User"), Some("Order"))).unwrap_err();
    assert_eq!(
        err,
        RecordError::EntityChanged {
            sequence_number: Some(singletable::stream::SequenceNumber::new("100")),
            old: "User".into(),
            new: "Order".into(),
        }
    );
    // An old image alone names the entity (a REMOVE, or an OLD_IMAGE stream).
    let Err(RecordError::Decode { image, error, .. }) =
        AppChange::from_record(record(Some("Order"), None))
    else {
        panic!("an Order image without attributes does not decode")
    };
    assert_eq!((image, error.entity), (Image::Old, "Order"));
}

/// Fails GetRecords and GetShardIterator calls `burst` times in a row before letting one
/// through, alternating throttling
/// (`LimitExceededException`, 400) and an internal error (500), by replacing DynamoDB Local's
/// real answer before the SDK reads it; counts the attempts of each.
#[derive(Debug, Clone, Default)]
struct Faults(std::sync::Arc<std::sync::Mutex<FaultPlan>>);

#[derive(Debug, Default)]
struct FaultPlan {
    /// Failures in a row before one call goes through.
    burst: u32,
    streak: u32,
    injected: u32,
    attempts: HashMap<String, u32>,
}

impl aws_smithy_runtime_api::client::interceptors::Intercept for Faults {
    fn name(&self) -> &'static str {
        "Faults"
    }

    fn modify_before_deserialization(
        &self,
        context: &mut aws_smithy_runtime_api::client::interceptors::context::BeforeDeserializationInterceptorContextMut<'_>,
        _: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
        cfg: &mut aws_smithy_types::config_bag::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        let operation = cfg
            .load::<aws_smithy_runtime_api::client::orchestrator::Metadata>()
            .map(|m| m.name().to_owned())
            .unwrap_or_default();
        let mut plan = self.0.lock().unwrap();
        *plan.attempts.entry(operation.clone()).or_default() += 1;
        if !matches!(operation.as_str(), "GetRecords" | "GetShardIterator") {
            return Ok(());
        }
        if plan.streak == plan.burst {
            plan.streak = 0;
            return Ok(());
        }
        plan.streak += 1;
        plan.injected += 1;
        let (status, kind) = if plan.injected % 2 == 1 {
            (400, "LimitExceededException")
        } else {
            (500, "InternalServerError")
        };
        let response = context.response_mut();
        *response.status_mut() = status.try_into().unwrap();
        *response.body_mut() = aws_smithy_types::body::SdkBody::from(format!(
            "{{\"__type\":\"com.amazonaws.dynamodb.v20120810#{kind}\",\"message\":\"injected\"}}"
        ));
        Ok(())
    }
}

/// A Streams client for the test endpoint with `faults` and at most `attempts` attempts.
fn faulty_client(
    faults: &Faults,
    attempts: u32,
) -> singletable::stream::aws_sdk_dynamodbstreams::Client {
    use singletable::stream::aws_sdk_dynamodbstreams::config::retry::RetryConfig;
    let config = test_util::streams_client()
        .unwrap()
        .config()
        .to_builder()
        .interceptor(faults.clone())
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(attempts)
                .with_initial_backoff(std::time::Duration::from_millis(1))
                .with_max_backoff(std::time::Duration::from_millis(5)),
        )
        .build();
    singletable::stream::aws_sdk_dynamodbstreams::Client::from_conf(config)
}

#[tokio::test]
async fn stream_reads_retry_throttling_and_errors_then_fail_typed() {
    let t = table_with_stream().await;
    for id in ["a", "b", "c"] {
        t.insert(&User::new(id, format!("{id}@example.com")))
            .await
            .unwrap();
    }
    let read = async |client| -> Vec<Result<AppChange, StreamError>> {
        singletable::stream::StreamReader::new(client, t.name())
            .drain()
            .page_size(1)
            .changes::<AppChange>()
            .collect()
            .await
    };

    // Two failures in a row before each call goes through fit in four attempts: every
    // change arrives.
    let faults = Faults::default();
    faults.0.lock().unwrap().burst = 2;
    let changes = read(faulty_client(&faults, 4)).await;
    let users: Vec<String> = changes
        .iter()
        .map(|c| match c {
            Ok(AppChange::User(c)) => c.new.as_ref().unwrap().user_id.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(users, ["a", "b", "c"]);
    let (attempts, injected) = {
        let plan = faults.0.lock().unwrap();
        (plan.attempts.clone(), plan.injected)
    };
    // One iterator and four pages (three records, then the empty one), each after two
    // failures.
    assert_eq!(attempts["GetShardIterator"], 3, "{attempts:?}");
    assert_eq!(attempts["GetRecords"], 3 * 4, "{attempts:?}");
    assert_eq!(injected, 2 * 5);

    // More failures than attempts: the reader ends with a typed read error, no panic and no
    // silent end.
    let faults = Faults::default();
    faults.0.lock().unwrap().burst = u32::MAX;
    let changes = read(faulty_client(&faults, 3)).await;
    assert_eq!(changes.len(), 1, "{changes:?}");
    match &changes[0] {
        Err(StreamError::Read(singletable::Error::Throttled { operation, .. }))
        | Err(StreamError::Read(singletable::Error::Sdk { operation, .. })) => {
            assert_eq!(*operation, "GetShardIterator")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(faults.0.lock().unwrap().attempts["GetShardIterator"], 3);
}

/// A stream declared in the schema (`stream: new_image` in `custom_table.yaml`) comes with
/// the table `create_table` makes, and its records decode through the generated change enum.
/// New images only: a removal carries no image, so it is `Unknown` with the item's keys.
#[tokio::test]
async fn a_stream_declared_in_the_schema_is_created_with_the_table() {
    use tests::fixtures::custom_table::{CustomTable1Change, Note, TABLE};
    let t = TestTable::create(&TABLE).await.unwrap();
    let created = "2024-01-02T03:04:05Z".parse().unwrap();
    let note = Note::new("ann|smith", "n1", created, "hello");
    t.insert(&note).await.unwrap();
    t.delete(Note::key("ann|smith", created, "n1"))
        .await
        .unwrap();

    let changes: Vec<CustomTable1Change> = t
        .stream_reader()
        .unwrap()
        .drain()
        .changes::<CustomTable1Change>()
        .try_collect()
        .await
        .unwrap();
    let [
        CustomTable1Change::Note(insert),
        CustomTable1Change::Unknown(remove),
    ] = &changes[..]
    else {
        panic!("{changes:#?}")
    };
    assert_eq!(insert.kind, ChangeKind::Insert);
    assert_eq!((&insert.old, &insert.new), (&None, &Some(note)));
    assert_eq!(remove.kind, ChangeKind::Remove);
    assert_eq!((&remove.old_image, &remove.new_image), (&None, &None));
    assert_eq!(remove.keys, insert.keys);
    assert!(remove.sequence_number > insert.sequence_number);
}
