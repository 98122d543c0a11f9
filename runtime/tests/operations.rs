//! Single-item operations, codecs and table management against DynamoDB Local.

mod common;

use std::collections::BTreeSet;

use common::{Account, Event, TABLE, table};
use singletable::__private::AttributeValue;
use singletable::{Entity, Error, Item, Key, KeyError, PartitionKey, SortKey};

#[tokio::test]
async fn put_then_get_round_trips_every_attribute_type() {
    let t = table().await;
    let account = Account::sample("alice");
    t.put(&account).await.unwrap();
    let got = t.get(Account::key("alice")).await.unwrap();
    assert_eq!(got, Some(account));
}

#[tokio::test]
async fn get_of_a_missing_item_is_none_and_required_is_not_found() {
    let t = table().await;
    assert_eq!(t.get(Account::key("nobody")).await.unwrap(), None);
    let err = t.get(Account::key("nobody")).required().await.unwrap_err();
    match err {
        Error::NotFound { entity, key } => {
            assert_eq!(entity, "Account");
            assert_eq!(key, "pk=\"ACCOUNT#nobody\", sk=\"PROFILE\"");
        }
        other => panic!("expected NotFound, got {other:?}"),
    }
}

#[tokio::test]
async fn consistent_get_reads_the_latest_write() {
    let t = table().await;
    let mut account = Account::sample("bob");
    t.put(&account).await.unwrap();
    account.age = 43;
    t.put(&account).await.unwrap();
    let got = t
        .get(Account::key("bob"))
        .consistent()
        .required()
        .await
        .unwrap();
    assert_eq!(got.age, 43);
}

#[tokio::test]
async fn insert_succeeds_once_then_fails_with_condition_failed() {
    let t = table().await;
    let account = Account::sample("carol");
    t.insert(&account).await.unwrap();
    let mut changed = account.clone();
    changed.age = 1;
    let err = t.insert(&changed).await.unwrap_err();
    match err {
        Error::ConditionFailed {
            entity,
            key,
            item,
            mismatched,
        } => {
            assert_eq!(entity, "Account");
            assert_eq!(key, "pk=\"ACCOUNT#carol\", sk=\"PROFILE\"");
            assert!(item.is_none());
            assert!(mismatched.is_empty());
        }
        other => panic!("expected ConditionFailed, got {other:?}"),
    }
    // Nothing was overwritten.
    assert_eq!(t.get(Account::key("carol")).await.unwrap(), Some(account));
}

#[tokio::test]
async fn replace_requires_an_existing_item() {
    let t = table().await;
    let mut account = Account::sample("dave");
    let err = t.replace(&account).await.unwrap_err();
    assert!(matches!(
        err,
        Error::ConditionFailed {
            entity: "Account",
            ..
        }
    ));
    assert_eq!(t.get(Account::key("dave")).await.unwrap(), None);
    t.put(&account).await.unwrap();
    account.email = "new@example.com".to_owned();
    t.replace(&account).await.unwrap();
    assert_eq!(
        t.get(Account::key("dave")).await.unwrap().unwrap().email,
        "new@example.com"
    );
}

#[tokio::test]
async fn failed_condition_can_return_the_current_item() {
    let t = table().await;
    let account = Account::sample("erin");
    t.put(&account).await.unwrap();
    let err = t
        .insert(&account)
        .return_current_on_failure()
        .await
        .unwrap_err();
    let Error::ConditionFailed {
        item: Some(item), ..
    } = err
    else {
        panic!("expected the current item, got {err:?}");
    };
    assert_eq!(Account::from_item(*item).unwrap(), account);
}

#[tokio::test]
async fn put_with_a_custom_condition() {
    use singletable::{Comparison, Condition, Operand, Path};
    let t = table().await;
    let mut account = Account::sample("fay");
    t.put(&account).await.unwrap();
    let older_than_50 = Condition::Compare(
        Operand::Path(Path::attr("age")),
        Comparison::Gt,
        Operand::Value(AttributeValue::N("50".into())),
    );
    account.age = 99;
    let err = t
        .put(&account)
        .condition(older_than_50.clone())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ConditionFailed { .. }));
    let younger = older_than_50.not();
    t.put(&account).condition(younger).await.unwrap();
    assert_eq!(t.get(Account::key("fay")).await.unwrap().unwrap().age, 99);
}

#[tokio::test]
async fn delete_removes_and_can_return_the_old_item() {
    let t = table().await;
    let account = Account::sample("gus");
    t.put(&account).await.unwrap();
    t.delete(Account::key("gus")).await.unwrap();
    assert_eq!(t.get(Account::key("gus")).await.unwrap(), None);
    // Deleting a missing item succeeds...
    t.delete(Account::key("gus")).await.unwrap();
    // ...unless it must exist.
    let err = t
        .delete(Account::key("gus"))
        .must_exist()
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        Error::ConditionFailed {
            entity: "Account",
            ..
        }
    ));

    t.put(&account).await.unwrap();
    let old = t.delete(Account::key("gus")).returning_old().await.unwrap();
    assert_eq!(old, Some(account));
    let none = t.delete(Account::key("gus")).returning_old().await.unwrap();
    assert_eq!(none, None);
}

#[tokio::test]
async fn empty_sets_are_not_stored_and_read_back_empty() {
    let t = table().await;
    let mut account = Account::sample("hal");
    account.tags.clear();
    account.lucky.clear();
    account.blobs.clear();
    t.put(&account).await.unwrap();
    let raw = raw_get(&t, "ACCOUNT#hal", "PROFILE").await;
    assert!(!raw.contains_key("tags"));
    assert!(!raw.contains_key("lucky"));
    assert!(!raw.contains_key("blobs"));
    let got = t.get(Account::key("hal")).await.unwrap().unwrap();
    assert_eq!(got.tags, BTreeSet::new());
    assert_eq!(got, account);
}

#[tokio::test]
async fn stored_representation_matches_the_design() {
    let t = table().await;
    let account = Account::sample("ivy");
    t.put(&account).await.unwrap();
    let raw = raw_get(&t, "ACCOUNT#ivy", "PROFILE").await;
    assert_eq!(raw["_type"], AttributeValue::S("Account".into()));
    assert_eq!(
        raw["gsi1pk"],
        AttributeValue::S("EMAIL#ivy@example.com".into())
    );
    assert_eq!(
        raw["joined"],
        AttributeValue::S("2024-03-01T12:30:45.123456789Z".into())
    );
    assert_eq!(raw["birthday"], AttributeValue::S("1990-07-14".into()));
    assert_eq!(raw["expires_at"], AttributeValue::N("4000000000".into()));
    assert_eq!(raw["tier"], AttributeValue::S("pro".into()));
    assert_eq!(raw["score"], AttributeValue::N("98.25".into()));
    assert!(matches!(raw["avatar"], AttributeValue::B(_)));
    assert!(matches!(raw["tags"], AttributeValue::Ss(_)));
    assert!(matches!(raw["lucky"], AttributeValue::Ns(_)));
    assert!(matches!(raw["blobs"], AttributeValue::Bs(_)));
    assert!(matches!(raw["history"], AttributeValue::L(_)));
    assert!(matches!(raw["prefs"], AttributeValue::M(_)));
    // `None` optionals are not stored at all.
    assert!(!raw["address"].as_m().unwrap().contains_key("zip"));
}

#[tokio::test]
async fn missing_attribute_with_a_default_decodes_to_the_default() {
    let t = table().await;
    let account = Account::sample("jo");
    let mut item = account.to_item().unwrap();
    item.remove("logins");
    raw_put(&t, item).await;
    let got = t.get(Account::key("jo")).await.unwrap().unwrap();
    assert_eq!(got.logins, 0);
}

#[tokio::test]
async fn undecodable_items_are_decode_errors_naming_the_attribute() {
    let t = table().await;
    let account = Account::sample("kim");
    let mut item = account.to_item().unwrap();
    item.insert("age".into(), AttributeValue::S("forty".into()));
    raw_put(&t, item).await;
    let err = t.get(Account::key("kim")).await.unwrap_err();
    let Error::Decode(decode) = err else {
        panic!("expected a decode error, got {err:?}");
    };
    assert_eq!(decode.entity, "Account");
    assert_eq!(decode.attribute, "age");
    assert_eq!(decode.problem, "expected N (integer), found S \"forty\"");

    let mut item = account.to_item().unwrap();
    item.insert(
        "addresses".into(),
        AttributeValue::L(vec![AttributeValue::M(Default::default())]),
    );
    raw_put(&t, item).await;
    let err = t.get(Account::key("kim")).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot decode Account: attribute `addresses[0].street` is missing"
    );

    let mut item = account.to_item().unwrap();
    item.insert("tier".into(), AttributeValue::S("gold".into()));
    raw_put(&t, item).await;
    let err = t.get(Account::key("kim")).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot decode Account: attribute `tier` expected one of free, pro, found \"gold\""
    );
}

#[tokio::test]
async fn oversized_items_are_rejected_before_sending() {
    let t = table().await;
    let mut account = Account::sample("lee");
    account.name = Some("x".repeat(410 * 1024));
    let err = t.put(&account).await.unwrap_err();
    let Error::Limit(limit) = err else {
        panic!("expected a limit error, got {err:?}");
    };
    assert_eq!(limit.limit, 400 * 1024);
    assert!(limit.actual > 410 * 1024);
    assert!(limit.what.contains("Account"));
    assert_eq!(t.get(Account::key("lee")).await.unwrap(), None);
}

#[tokio::test]
async fn invalid_keys_are_errors_before_any_request() {
    let t = table().await;
    // A negative integer is a valid key value (it sorts before the non-negative ones).
    let event = Event::new("mo", -5, "login");
    t.put(&event).await.unwrap();
    assert_eq!(t.get(event.key()).await.unwrap(), Some(event));
    let long = "x".repeat(3000);
    let err = t.get(Account::key(&long)).await.unwrap_err();
    assert!(matches!(
        err,
        Error::Key {
            source: KeyError::TooLong {
                attribute: "pk",
                limit: 2048,
                ..
            },
            ..
        }
    ));
    let empty: Key<Account> = Key::new(
        PartitionKey::new("pk", Ok("ACCOUNT#x".into())),
        Some(SortKey::new("sk", Ok(String::new()))),
    );
    let err = t.get(empty).await.unwrap_err();
    assert!(matches!(
        err,
        Error::Key {
            source: KeyError::Empty { attribute: "sk" },
            ..
        }
    ));
}

#[tokio::test]
async fn values_with_delimiters_never_collide() {
    let t = table().await;
    // Without escaping, both would be stored at pk "ACCOUNT#a#b".
    let first = Account::sample("a#b");
    let mut second = Account::sample("a");
    second.email = "a-second@example.com".into();
    t.put(&first).await.unwrap();
    t.put(&second).await.unwrap();
    assert_eq!(t.get(Account::key("a#b")).await.unwrap(), Some(first));
    assert_eq!(t.get(Account::key("a")).await.unwrap(), Some(second));
    let raw = raw_get(&t, "ACCOUNT#a\\#b", "PROFILE").await;
    assert_eq!(raw["id"], AttributeValue::S("a#b".into()));
}

#[tokio::test]
async fn create_table_builds_keys_indexes_projections_and_ttl() {
    let t = table().await;
    let out = t
        .client()
        .describe_table()
        .table_name(t.name())
        .send()
        .await
        .unwrap();
    let desc = out.table().unwrap();
    let key_names: Vec<&str> = desc
        .key_schema()
        .iter()
        .map(|k| k.attribute_name())
        .collect();
    assert_eq!(key_names, ["pk", "sk"]);
    let gsis: BTreeSet<&str> = desc
        .global_secondary_indexes()
        .iter()
        .filter_map(|g| g.index_name())
        .collect();
    assert_eq!(gsis, BTreeSet::from(["gsi1", "inverse", "by_kind"]));
    let lsis: Vec<&str> = desc
        .local_secondary_indexes()
        .iter()
        .filter_map(|l| l.index_name())
        .collect();
    assert_eq!(lsis, ["lsi1"]);
    let by_kind = desc
        .global_secondary_indexes()
        .iter()
        .find(|g| g.index_name() == Some("by_kind"))
        .unwrap();
    assert_eq!(
        by_kind.projection().unwrap().non_key_attributes(),
        ["kind".to_owned()]
    );
    assert_eq!(
        desc.billing_mode_summary().and_then(|b| b.billing_mode()),
        Some(&aws_sdk_dynamodb::types::BillingMode::PayPerRequest)
    );
    let ttl = t
        .client()
        .describe_time_to_live()
        .table_name(t.name())
        .send()
        .await
        .unwrap();
    assert_eq!(
        ttl.time_to_live_description()
            .and_then(|d| d.attribute_name()),
        Some("expires_at")
    );
}

#[tokio::test]
async fn delete_table_removes_it() {
    let client = singletable::test_util::client().unwrap();
    let t = singletable::Table::new(client, format!("runtime-delete-{}", std::process::id()));
    t.create_table(&TABLE).await.unwrap();
    t.delete_table().await.unwrap();
    let err = t.get(Account::key("x")).await.unwrap_err();
    match err {
        Error::Sdk {
            operation, message, ..
        } => {
            assert_eq!(operation, "GetItem");
            assert!(message.contains("ResourceNotFoundException"), "{message}");
        }
        other => panic!("expected an SDK error, got {other:?}"),
    }
}

#[tokio::test]
async fn with_name_points_the_same_client_at_another_table() {
    let a = table().await;
    let b = table().await;
    a.put(&Account::sample("nia")).await.unwrap();
    let other = a.with_name(b.name());
    assert_eq!(other.name(), b.name());
    assert_eq!(other.get(Account::key("nia")).await.unwrap(), None);
    assert!(a.get(Account::key("nia")).await.unwrap().is_some());
}

async fn raw_get(t: &singletable::Table, pk: &str, sk: &str) -> Item {
    t.client()
        .get_item()
        .table_name(t.name())
        .key("pk", AttributeValue::S(pk.into()))
        .key("sk", AttributeValue::S(sk.into()))
        .send()
        .await
        .unwrap()
        .item
        .expect("raw item")
}

async fn raw_put(t: &singletable::Table, item: Item) {
    t.client()
        .put_item()
        .table_name(t.name())
        .set_item(Some(item))
        .send()
        .await
        .unwrap();
}
