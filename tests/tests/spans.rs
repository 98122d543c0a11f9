//! Tracing: every DynamoDB call the runtime makes runs in an INFO span named `dynamodb` that
//! carries the operation, table, index, entity, item count and consumed capacity, and no
//! attribute value ever reaches a span or an event of the runtime.
//!
//! A small collecting subscriber (installed globally: this file holds one test, so the test
//! process has it to itself) records every span with its fields and every event.

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use common::order;
use singletable::test_util::TestTable;
use singletable::{Entity, Error};
use tests::design::{Order, OrderStatus, TABLE, User};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};
use tracing_core::span::Current;

/// One recorded span: its name, target and fields (values as text).
#[derive(Debug, Clone)]
struct SpanRecord {
    metadata: &'static Metadata<'static>,
    name: String,
    target: String,
    fields: BTreeMap<String, String>,
}

impl SpanRecord {
    fn get(&self, field: &str) -> Option<&str> {
        self.fields.get(field).map(String::as_str)
    }
}

#[derive(Default)]
struct Recorded {
    spans: Vec<SpanRecord>,
    /// Every event's target and fields (its message included), as text.
    events: Vec<(String, BTreeMap<String, String>)>,
}

/// Collects every span and event, at every level.
struct Collector {
    next: AtomicU64,
    recorded: Arc<Mutex<Recorded>>,
}

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl Subscriber for Collector {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, attributes: &Attributes<'_>) -> Id {
        let mut fields = BTreeMap::new();
        attributes.record(&mut Fields(&mut fields));
        let mut recorded = self.recorded.lock().unwrap_or_else(|e| e.into_inner());
        recorded.spans.push(SpanRecord {
            metadata: attributes.metadata(),
            name: attributes.metadata().name().to_owned(),
            target: attributes.metadata().target().to_owned(),
            fields,
        });
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        assert_eq!(id as usize, recorded.spans.len());
        Id::from_u64(id)
    }
    fn record(&self, span: &Id, values: &Record<'_>) {
        let mut recorded = self.recorded.lock().unwrap_or_else(|e| e.into_inner());
        let record = &mut recorded.spans[span.into_u64() as usize - 1];
        values.record(&mut Fields(&mut record.fields));
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        self.recorded
            .lock()
            .unwrap()
            .events
            .push((event.metadata().target().to_owned(), fields));
    }
    fn enter(&self, span: &Id) {
        ENTERED.with(|e| e.borrow_mut().push(span.clone()));
    }
    fn exit(&self, span: &Id) {
        ENTERED.with(|e| {
            let mut entered = e.borrow_mut();
            if let Some(at) = entered.iter().rposition(|id| id == span) {
                entered.remove(at);
            }
        });
    }
    /// The innermost span entered on this thread: what `Span::current()` returns, which the
    /// runtime records item counts and capacity on.
    fn current_span(&self) -> Current {
        match ENTERED.with(|e| e.borrow().last().cloned()) {
            Some(id) => {
                let metadata = self
                    .recorded
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .spans[id.into_u64() as usize - 1]
                    .metadata;
                Current::new(id, metadata)
            }
            None => Current::none(),
        }
    }
}

thread_local! {
    /// The spans entered on this thread, innermost last.
    static ENTERED: std::cell::RefCell<Vec<Id>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A value no key or item of the test shares with anything else, to search the records for.
const SECRET: &str = "s3cr3t-7f1c";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_call_has_a_span_with_its_shape_and_no_values() {
    let recorded = Arc::new(Mutex::new(Recorded::default()));
    tracing::subscriber::set_global_default(Collector {
        next: AtomicU64::new(1),
        recorded: recorded.clone(),
    })
    .expect("the only subscriber of this test process");

    let t = TestTable::create(&TABLE).await.expect("create table");
    let name = t.name().to_owned();
    let user_id = format!("{SECRET}-user");
    let email = format!("{SECRET}@example.com");

    // One of each operation, with the secret in keys, attributes and conditions.
    t.insert(&User::new(&user_id, &email)).await.unwrap();
    let read: Option<User> = t.get(User::key(&user_id)).await.unwrap();
    assert_eq!(read.map(|u| u.email), Some(email.clone()));
    let missing: Option<User> = t.get(User::key(&format!("{SECRET}-nobody"))).await.unwrap();
    assert!(missing.is_none());
    t.update(
        User::key(&user_id),
        User::update().set_name(format!("{SECRET}-name")),
    )
    .await
    .unwrap();
    let orders: Vec<Order> = (0..3)
        .map(|n| order(&user_id, n, OrderStatus::Paid))
        .collect();
    t.batch_write().put_all(&orders).send().await.unwrap();
    let found = t.batch_get(orders.iter().map(Entity::key)).await.unwrap();
    assert_eq!(found.iter().flatten().count(), 3);
    let listed = Order::orders_for_user(&user_id).fetch(&t).await.unwrap();
    assert_eq!(listed.len(), 3);
    let by_email = User::user_by_email(&email).fetch(&t).await.unwrap();
    assert!(by_email.is_some());
    t.transact_write()
        .update(User::key(&user_id), User::update().add_logins(1))
        .put(&order(&user_id, 7, OrderStatus::Pending))
        .send()
        .await
        .unwrap();
    let mut tx = t.transact_get();
    let slot = tx.get(User::key(&user_id));
    let mut results = tx.send().await.unwrap();
    assert!(results.take(slot).unwrap().is_some());
    // A failed write: its error carries the key (for the caller), the span does not.
    let err = t.insert(&User::new(&user_id, &email)).await.unwrap_err();
    assert!(matches!(err, Error::ConditionFailed { .. }), "{err}");
    t.delete(User::key(&user_id)).await.unwrap();

    let recorded = recorded.lock().unwrap_or_else(|e| e.into_inner());
    let calls: Vec<&SpanRecord> = recorded
        .spans
        .iter()
        .filter(|s| s.name == "dynamodb" && s.get("table") == Some(name.as_str()))
        .collect();
    let shape: Vec<String> = calls
        .iter()
        .filter(|s| {
            !["CreateTable", "DescribeTable", "UpdateTimeToLive"]
                .contains(&s.get("operation").unwrap())
        })
        .map(|s| {
            format!(
                "{} index={} entity={} items={}",
                s.get("operation").unwrap(),
                s.get("index").unwrap(),
                s.get("entity").unwrap(),
                s.get("items").unwrap_or("-"),
            )
        })
        .collect();
    assert_eq!(
        shape,
        [
            "PutItem index= entity=User items=1",
            "GetItem index= entity=User items=1",
            "GetItem index= entity=User items=0",
            "UpdateItem index= entity=User items=1",
            "BatchWriteItem index= entity=Order items=3",
            "BatchGetItem index= entity=Order items=3",
            "Query index= entity=Order items=3",
            "Query index=gsi1 entity=User items=1",
            "TransactWriteItems index= entity=User,Order items=2",
            "TransactGetItems index= entity=User items=1",
            // The failed insert: no item written, so no count.
            "PutItem index= entity=User items=-",
            "DeleteItem index= entity=User items=1",
        ],
        "{calls:#?}"
    );
    // Table set-up ran in spans too.
    assert!(
        calls
            .iter()
            .any(|s| s.get("operation") == Some("CreateTable"))
    );
    // Consumed capacity is recorded on every data call that succeeded (the subscriber
    // enables INFO, so the runtime asks DynamoDB for it).
    for call in calls.iter().filter(|s| s.get("items").is_some()) {
        let units: f64 = call
            .get("consumed_capacity")
            .unwrap_or_else(|| panic!("no consumed capacity on {call:?}"))
            .parse()
            .unwrap();
        assert!(units > 0.0, "{call:?}");
    }

    // No attribute value in any span or event the runtime records.
    let leaks: Vec<String> = recorded
        .spans
        .iter()
        .filter(|s| s.target.starts_with("singletable"))
        .flat_map(|s| s.fields.values())
        .chain(
            recorded
                .events
                .iter()
                .filter(|(target, _)| target.starts_with("singletable"))
                .flat_map(|(_, f)| f.values()),
        )
        .filter(|v| v.contains(SECRET))
        .cloned()
        .collect();
    assert!(leaks.is_empty(), "attribute values in traces: {leaks:?}");
    // The search would find one: the error the caller got names the key.
    assert!(err.to_string().contains(SECRET), "{err}");
}
