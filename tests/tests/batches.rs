//! Batches against DynamoDB Local, including the retry and give-up paths.
//!
//! DynamoDB Local always processes a whole batch, so the unprocessed and throttled paths are
//! driven by an SDK interceptor (`Faults`) on the client: it withholds part of a batch from
//! the request before it is sent (so that part is really not written or read) and reports
//! exactly that part back as `UnprocessedItems`/`UnprocessedKeys`, or it sends a request to a
//! missing table and turns the answer into a throttling error. Everything else is the real
//! DynamoDB Local.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::error::ErrorMetadata;
use aws_sdk_dynamodb::operation::batch_get_item::{
    BatchGetItemError, BatchGetItemInput, BatchGetItemOutput,
};
use aws_sdk_dynamodb::operation::batch_write_item::{
    BatchWriteItemError, BatchWriteItemInput, BatchWriteItemOutput,
};
use aws_sdk_dynamodb::operation::get_item::{GetItemError, GetItemInput};
use aws_sdk_dynamodb::types::error::ProvisionedThroughputExceededException;
use aws_sdk_dynamodb::types::{KeysAndAttributes, WriteRequest};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextMut, Error as InterceptorError,
    FinalizerInterceptorContextMut,
};
use aws_smithy_runtime_api::client::orchestrator::OrchestratorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};
use chrono::{DateTime, Utc};
use singletable::test_util::TestTable;
use singletable::{Entity, Error, Item, RetryPolicy, Table, UnprocessedRequest};
use tests::design::{Order, OrderStatus, TABLE, User};

fn at(n: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_714_550_400 + n, 0).unwrap()
}

fn order(user: &str, n: i64) -> Order {
    Order::new(
        user,
        format!("o-{n:04}"),
        OrderStatus::Paid,
        at(n),
        n,
        vec![],
    )
}

fn quick(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
        concurrency: 4,
    }
}

#[tokio::test]
async fn a_mixed_batch_of_1000_puts_and_deletes_lands_completely() {
    let t = TestTable::create(&TABLE).await.unwrap();
    let old: Vec<Order> = (0..600).map(|n| order("alice", n)).collect();
    t.batch_put(&old).await.unwrap();
    let new: Vec<Order> = (600..1000).map(|n| order("alice", n)).collect();
    let batch = t
        .batch_write()
        .put_all(&new)
        .delete_all(old.iter().map(Entity::key));
    assert_eq!(batch.len(), 1000);
    batch.send().await.unwrap();
    let stored = Order::orders_for_user("alice")
        .ascending()
        .fetch(&t)
        .await
        .unwrap();
    assert_eq!(stored, new);
}

#[tokio::test]
async fn batch_get_of_250_keys_with_30_missing_keeps_input_order() {
    let t = TestTable::create(&TABLE).await.unwrap();
    let orders: Vec<Order> = (0..220).map(|n| order("bob", n)).collect();
    t.batch_put(&orders).await.unwrap();
    // Reversed, with 30 missing keys spread through.
    let mut keys = Vec::new();
    let mut expected = Vec::new();
    for n in (0..250).rev() {
        keys.push(order("bob", n).key());
        expected.push((n < 220).then(|| order("bob", n)));
    }
    let got = t.batch_get(keys).await.unwrap();
    assert_eq!(got.len(), 250);
    assert_eq!(got.iter().filter(|o| o.is_none()).count(), 30);
    assert_eq!(got, expected);
    // A key given twice is read once and answered twice.
    let got = t
        .batch_get([order("bob", 1).key(), order("bob", 1).key()])
        .consistent()
        .await
        .unwrap();
    assert_eq!(got, vec![Some(order("bob", 1)), Some(order("bob", 1))]);
}

#[tokio::test]
async fn batches_refuse_what_they_cannot_do_safely() {
    let t = TestTable::create(&TABLE).await.unwrap();
    let o = order("carl", 1);
    let err = t
        .batch_write()
        .put(&o)
        .put(&order("carl", 2))
        .delete(o.key())
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::DuplicateItem {
                first: 0,
                second: 2,
                ..
            }
        ),
        "{err}"
    );
    // A versioned entity's version cannot be checked in a batch.
    let err = t
        .batch_put(&[User::new("u", "u@example.com")])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Expression(_)), "{err}");
    assert!(t.get(o.key()).await.unwrap().is_none(), "nothing was sent");
}

// ---- fault injection ----

/// What the interceptor does to the next calls.
#[derive(Debug, Default)]
struct Plan {
    /// Calls (executions) that still withhold every third request of a batch.
    withhold: u32,
    /// Calls that are still answered with a throttling error.
    throttle: u32,
    /// Batch calls seen.
    calls: u32,
    /// Requests withheld so far.
    withheld: usize,
}

#[derive(Debug, Clone, Default)]
struct Faults(Arc<Mutex<Plan>>);

#[derive(Debug, Clone)]
enum Withheld {
    Writes(String, Vec<WriteRequest>),
    Keys(String, Vec<Item>),
    Throttled(Operation),
}

#[derive(Debug, Clone, Copy)]
enum Operation {
    BatchWrite,
    BatchGet,
    Get,
}

impl Storable for Withheld {
    type Storer = StoreReplace<Self>;
}

/// Every third element, removed from `v` and returned; at least one stays, as DynamoDB
/// never receives an empty batch.
fn every_third<T>(v: &mut Vec<T>) -> Vec<T> {
    if v.len() < 2 {
        return Vec::new();
    }
    let mut kept = Vec::new();
    let mut taken = Vec::new();
    for (i, x) in v.drain(..).enumerate() {
        if i % 3 == 0 {
            taken.push(x);
        } else {
            kept.push(x);
        }
    }
    *v = kept;
    taken
}

fn throttled_meta() -> ErrorMetadata {
    ErrorMetadata::builder()
        .code("ProvisionedThroughputExceededException")
        .message("simulated throttling")
        .build()
}

fn throttled() -> ProvisionedThroughputExceededException {
    ProvisionedThroughputExceededException::builder()
        .message("simulated throttling")
        .meta(throttled_meta())
        .build()
}

impl Intercept for Faults {
    fn name(&self) -> &'static str {
        "Faults"
    }

    fn modify_before_serialization(
        &self,
        context: &mut BeforeSerializationInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let mut plan = self.0.lock().unwrap();
        let input = context.input_mut();
        let is_batch = input.downcast_ref::<BatchWriteItemInput>().is_some()
            || input.downcast_ref::<BatchGetItemInput>().is_some();
        if is_batch {
            plan.calls += 1;
        }
        if plan.throttle > 0 {
            plan.throttle -= 1;
            // A request for a missing table changes nothing; its answer becomes throttling.
            let missing = || "missing-table".to_owned();
            let operation = if let Some(i) = input.downcast_mut::<BatchWriteItemInput>() {
                let items = i.request_items.take().unwrap_or_default();
                i.request_items = Some(items.into_values().map(|v| (missing(), v)).collect());
                Operation::BatchWrite
            } else if let Some(i) = input.downcast_mut::<BatchGetItemInput>() {
                let items = i.request_items.take().unwrap_or_default();
                i.request_items = Some(items.into_values().map(|v| (missing(), v)).collect());
                Operation::BatchGet
            } else if let Some(i) = input.downcast_mut::<GetItemInput>() {
                i.table_name = Some(missing());
                Operation::Get
            } else {
                return Ok(());
            };
            cfg.interceptor_state()
                .store_put(Withheld::Throttled(operation));
            return Ok(());
        }
        if plan.withhold == 0 || !is_batch {
            return Ok(());
        }
        plan.withhold -= 1;
        if let Some(i) = input.downcast_mut::<BatchWriteItemInput>() {
            if let Some((table, requests)) =
                i.request_items.as_mut().and_then(|m| m.iter_mut().next())
            {
                let taken = every_third(requests);
                plan.withheld += taken.len();
                cfg.interceptor_state()
                    .store_put(Withheld::Writes(table.clone(), taken));
            }
        } else if let Some(i) = input.downcast_mut::<BatchGetItemInput>()
            && let Some((table, keys)) = i.request_items.as_mut().and_then(|m| m.iter_mut().next())
        {
            let taken = every_third(&mut keys.keys);
            plan.withheld += taken.len();
            cfg.interceptor_state()
                .store_put(Withheld::Keys(table.clone(), taken));
        }
        Ok(())
    }

    fn modify_before_attempt_completion(
        &self,
        context: &mut FinalizerInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(withheld) = cfg.load::<Withheld>().cloned() else {
            return Ok(());
        };
        let Some(result) = context.output_or_error_mut() else {
            return Ok(());
        };
        match withheld {
            Withheld::Throttled(operation) => {
                // DynamoDB Local answered "no such table"; report throttling instead.
                let error = match operation {
                    Operation::BatchWrite => InterceptorError::erase(
                        BatchWriteItemError::ProvisionedThroughputExceededException(throttled()),
                    ),
                    Operation::BatchGet => InterceptorError::erase(
                        BatchGetItemError::ProvisionedThroughputExceededException(throttled()),
                    ),
                    Operation::Get => InterceptorError::erase(
                        GetItemError::ProvisionedThroughputExceededException(throttled()),
                    ),
                };
                *result = Err(OrchestratorError::operation(error));
            }
            Withheld::Writes(table, requests) => {
                if let Ok(output) = result
                    && let Some(out) = output.downcast_mut::<BatchWriteItemOutput>()
                {
                    out.unprocessed_items
                        .get_or_insert_with(HashMap::new)
                        .entry(table)
                        .or_default()
                        .extend(requests);
                }
            }
            Withheld::Keys(table, keys) => {
                if let Ok(output) = result
                    && let Some(out) = output.downcast_mut::<BatchGetItemOutput>()
                {
                    let entry = out.unprocessed_keys.get_or_insert_with(HashMap::new);
                    let mut all = entry.remove(&table).map(|k| k.keys).unwrap_or_default();
                    all.extend(keys);
                    entry.insert(
                        table,
                        KeysAndAttributes::builder()
                            .set_keys(Some(all))
                            .build()
                            .unwrap(),
                    );
                }
            }
        }
        Ok(())
    }
}

/// The test table seen through a client with the fault interceptor and no SDK retries, so
/// the runtime's own retry loop is what is tested.
fn faulty(t: &TestTable) -> (Table, Faults) {
    let faults = Faults::default();
    let config = t
        .client()
        .config()
        .to_builder()
        .interceptor(faults.clone())
        .retry_config(RetryConfig::disabled())
        .build();
    let client = aws_sdk_dynamodb::Client::from_conf(config);
    (Table::new(client, t.name()), faults)
}

#[tokio::test]
async fn unprocessed_writes_are_retried_until_done() {
    let t = TestTable::create(&TABLE).await.unwrap();
    let (faulty, faults) = faulty(&t);
    faults.0.lock().unwrap().withhold = 5;
    let orders: Vec<Order> = (0..100).map(|n| order("dan", n)).collect();
    faulty
        .batch_write()
        .put_all(&orders)
        .policy(quick(10))
        .send()
        .await
        .unwrap();
    let (withheld, calls) = {
        let plan = faults.0.lock().unwrap();
        (plan.withheld, plan.calls)
    };
    assert!(withheld > 0);
    assert!(calls > 4, "retries happened: {calls} calls");
    let stored = Order::orders_for_user("dan").fetch(&t).await.unwrap();
    assert_eq!(stored.len(), 100);
}

#[tokio::test]
async fn a_batch_write_that_runs_out_of_attempts_reports_exactly_what_was_not_written() {
    let t = TestTable::create(&TABLE).await.unwrap();
    let (faulty, faults) = faulty(&t);
    faults.0.lock().unwrap().withhold = u32::MAX;
    let orders: Vec<Order> = (0..30).map(|n| order("eve", n)).collect();
    let err = faulty
        .batch_write()
        .put_all(&orders)
        .policy(quick(3))
        .send()
        .await
        .unwrap_err();
    let Error::Unprocessed {
        operation,
        unprocessed,
        cause,
        ..
    } = &err
    else {
        panic!("{err}");
    };
    assert_eq!(*operation, "BatchWriteItem");
    assert!(cause.is_none(), "attempts ran out; no other error: {err}");
    // Stored now: exactly the orders not listed as unprocessed.
    let stored = Order::orders_for_user("eve").fetch(&t).await.unwrap();
    let missing: Vec<usize> = unprocessed.iter().map(|u| u.index).collect();
    assert!(!missing.is_empty());
    assert_eq!(stored.len() + missing.len(), 30);
    for u in unprocessed {
        assert_eq!(u.entity, "Order");
        let UnprocessedRequest::Put(item) = &u.request else {
            panic!("a put");
        };
        let o = Order::from_item(item.clone()).unwrap();
        assert_eq!(o.key(), orders[u.index].key());
        assert!(!stored.contains(&o), "{} was reported but written", u.key);
    }
    // Sending the reported items again completes the batch.
    let rest: Vec<Order> = missing.iter().map(|i| orders[*i].clone()).collect();
    t.batch_put(&rest).await.unwrap();
    assert_eq!(
        Order::orders_for_user("eve").fetch(&t).await.unwrap().len(),
        30
    );
}

#[tokio::test]
async fn unprocessed_keys_are_retried_and_given_up_precisely() {
    let t = TestTable::create(&TABLE).await.unwrap();
    let orders: Vec<Order> = (0..150).map(|n| order("fay", n)).collect();
    t.batch_put(&orders).await.unwrap();
    let keys: Vec<_> = orders.iter().map(Entity::key).collect();

    let (faulty, faults) = faulty(&t);
    faults.0.lock().unwrap().withhold = 4;
    let got = faulty
        .batch_get(keys.clone())
        .policy(quick(10))
        .await
        .unwrap();
    assert_eq!(got, orders.iter().cloned().map(Some).collect::<Vec<_>>());

    faults.0.lock().unwrap().withhold = u32::MAX;
    let err = faulty.batch_get(keys).policy(quick(2)).await.unwrap_err();
    let Error::Unprocessed { unprocessed, .. } = &err else {
        panic!("{err}");
    };
    // Two attempts withholding a third each time: 150 → 100 → 67 left... exactly the keys
    // never read, each with its input position.
    assert!(!unprocessed.is_empty() && unprocessed.len() < 150);
    for u in unprocessed {
        let UnprocessedRequest::Get(key) = &u.request else {
            panic!("a get");
        };
        let expected = orders[u.index].key();
        assert_eq!(u.key, expected.to_string());
        assert!(
            key.values()
                .any(|v| format!("{v:?}").contains(&orders[u.index].order_id))
        );
    }
}

#[tokio::test]
async fn throttled_batches_are_retried_and_single_calls_report_throttling() {
    let t = TestTable::create(&TABLE).await.unwrap();
    let (faulty, faults) = faulty(&t);
    faults.0.lock().unwrap().throttle = 2;
    let orders: Vec<Order> = (0..10).map(|n| order("gus", n)).collect();
    faulty
        .batch_write()
        .put_all(&orders)
        .policy(quick(5))
        .send()
        .await
        .unwrap();
    assert_eq!(
        Order::orders_for_user("gus").fetch(&t).await.unwrap().len(),
        10
    );

    // Throttled on every attempt: all of it is reported, with the throttling as the cause.
    faults.0.lock().unwrap().throttle = u32::MAX;
    let more: Vec<Order> = (10..15).map(|n| order("gus", n)).collect();
    let err = faulty
        .batch_write()
        .put_all(&more)
        .policy(quick(3))
        .send()
        .await
        .unwrap_err();
    match &err {
        Error::Unprocessed {
            unprocessed, cause, ..
        } => {
            assert_eq!(unprocessed.len(), 5);
            assert!(
                matches!(cause.as_deref(), Some(Error::Throttled { .. })),
                "{err}"
            );
        }
        other => panic!("{other}"),
    }
    assert_eq!(
        Order::orders_for_user("gus").fetch(&t).await.unwrap().len(),
        10
    );

    // A single read that is throttled is `Error::Throttled`.
    let err = faulty.get(orders[0].key()).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Throttled {
                operation: "GetItem",
                ..
            }
        ),
        "{err}"
    );
}
