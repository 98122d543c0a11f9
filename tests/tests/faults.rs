//! Faults against DynamoDB Local: throttling, server errors, timeouts and a killed server,
//! through generated code.
//!
//! The retry policy and timeouts under test are the SDK client's own (`RetryConfig`,
//! `TimeoutConfig` on the config the `Table` is built from). Faults are injected by an SDK
//! interceptor (`Faults`) on that client, per attempt: an injected throttling or server error
//! is sent to DynamoDB Local as a harmless `DescribeLimits` (so nothing is written) and its
//! answer is replaced by the error; or a real, applied answer is replaced by a 500, so the SDK
//! sends the same request again. Timeouts come from a loopback TCP proxy (`Proxy`) in front of
//! DynamoDB Local that can stop forwarding requests, and the last test kills a DynamoDB Local
//! of its own while tasks are using it.

mod common;

use std::future::Future;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::config::retry::{RetryConfig, RetryPartition};
use aws_sdk_dynamodb::config::timeout::TimeoutConfig;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeDeserializationInterceptorContextMut, BeforeTransmitInterceptorContextMut,
};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::{Response, StatusCode};
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};
use common::order;
use singletable::test_util::{DynamoDbLocal, TestTable};
use singletable::{Entity, Error, Table, Transient};
use tests::design::{Order, OrderStatus, TABLE, User};

/// The client's retry policy in these tests.
const MAX_ATTEMPTS: u32 = 3;

// ---- fault injection ----

/// A fault the interceptor answers an attempt with.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Fault {
    /// HTTP 400 with this throttling error code.
    Throttle(&'static str),
    /// HTTP 500 `InternalServerError`.
    ServerError,
}

/// What the interceptor does to the next attempts, and what it saw.
#[derive(Debug, Default)]
struct Plan {
    /// The next attempts answered with `fault` instead of reaching DynamoDB.
    inject: u32,
    fault: Option<Fault>,
    /// Turn the next successful answer (of a request DynamoDB applied) into a 500.
    lose_next_success: bool,
    /// Give every attempt of a transaction a client token of its own, as if each attempt
    /// were a new request.
    new_token_per_attempt: bool,
    /// Attempts sent (injected ones included).
    attempts: u32,
}

#[derive(Debug, Clone, Default)]
struct Faults(Arc<Mutex<Plan>>);

impl Faults {
    /// The next `n` attempts fail with `fault`; the attempt count starts again.
    fn inject(&self, n: u32, fault: Fault) {
        let mut plan = self.0.lock().unwrap();
        plan.inject = n;
        plan.fault = Some(fault);
        plan.attempts = 0;
    }

    fn attempts(&self) -> u32 {
        self.0.lock().unwrap().attempts
    }

    fn with<T>(&self, f: impl FnOnce(&mut Plan) -> T) -> T {
        f(&mut self.0.lock().unwrap())
    }
}

/// The fault an attempt is answered with, kept from transmit to deserialization.
#[derive(Debug, Clone)]
struct Injected(Option<Fault>);

impl Storable for Injected {
    type Storer = StoreReplace<Self>;
}

fn error_response(status: u16, code: &str) -> Response {
    let body = format!(
        r#"{{"__type":"com.amazonaws.dynamodb.v20120810#{code}","message":"injected {code}"}}"#
    );
    let mut response = Response::new(StatusCode::try_from(status).unwrap(), SdkBody::from(body));
    response
        .headers_mut()
        .insert("content-type", "application/x-amz-json-1.0");
    response
}

impl Intercept for Faults {
    fn name(&self) -> &'static str {
        "Faults"
    }

    fn modify_before_transmit(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let mut plan = self.0.lock().unwrap();
        plan.attempts += 1;
        let request = context.request_mut();
        let fault = if plan.inject > 0 {
            plan.inject -= 1;
            // The request still goes out, as a read that changes nothing.
            request
                .headers_mut()
                .insert("x-amz-target", "DynamoDB_20120810.DescribeLimits");
            plan.fault
        } else {
            None
        };
        if plan.new_token_per_attempt
            && let Some(body) = request.body().bytes()
        {
            let mut json: serde_json::Value = serde_json::from_slice(body)?;
            if json.get("ClientRequestToken").is_some() {
                json["ClientRequestToken"] = uuid::Uuid::new_v4().to_string().into();
                let body = serde_json::to_vec(&json)?;
                request
                    .headers_mut()
                    .insert("content-length", body.len().to_string());
                *request.body_mut() = SdkBody::from(body);
            }
        }
        cfg.interceptor_state().store_put(Injected(fault));
        Ok(())
    }

    fn modify_before_deserialization(
        &self,
        context: &mut BeforeDeserializationInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let injected = cfg.load::<Injected>().and_then(|i| i.0);
        let response = context.response_mut();
        match injected {
            Some(Fault::Throttle(code)) => *response = error_response(400, code),
            Some(Fault::ServerError) => *response = error_response(500, "InternalServerError"),
            None => {
                let mut plan = self.0.lock().unwrap();
                if plan.lose_next_success && response.status().is_success() {
                    plan.lose_next_success = false;
                    *response = error_response(500, "InternalServerError");
                }
            }
        }
        Ok(())
    }
}

static PARTITION: AtomicU32 = AtomicU32::new(0);

/// `config` with the interceptor, the tests' retry policy (fast backoff) and a retry
/// partition of its own, so no other test's retries spend its retry quota.
fn faulty_client(config: aws_sdk_dynamodb::Config, faults: &Faults) -> aws_sdk_dynamodb::Client {
    let config = config
        .to_builder()
        .interceptor(faults.clone())
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(MAX_ATTEMPTS)
                .with_initial_backoff(Duration::from_millis(5))
                .with_max_backoff(Duration::from_millis(20)),
        )
        .retry_partition(RetryPartition::new(format!(
            "faults-{}",
            PARTITION.fetch_add(1, Ordering::Relaxed)
        )))
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

/// The test table through a client with the interceptor.
fn faulty(t: &TestTable) -> (Table, Faults) {
    let faults = Faults::default();
    let client = faulty_client(t.client().config().clone(), &faults);
    (Table::new(client, t.name()), faults)
}

// ---- retries and exhaustion per operation ----

/// Runs `op` under each fault plan: fewer faults than attempts succeed after exactly one
/// attempt more than faults; as many or more are the typed error after exactly
/// `MAX_ATTEMPTS` attempts, naming `operation`, the entity and `key`. `check` runs after
/// every call, with whether it succeeded, to look at the table.
async fn retries_and_gives_up<T, F, Fut, C, CFut>(
    faults: &Faults,
    operation: &str,
    entity: &str,
    key: &str,
    mut op: F,
    mut check: C,
) where
    F: FnMut() -> Fut,
    Fut: Future<Output = singletable::Result<T>>,
    C: FnMut(bool) -> CFut,
    CFut: Future<Output = ()>,
{
    let plans = [
        (2, Fault::Throttle("ProvisionedThroughputExceededException")),
        (1, Fault::Throttle("ThrottlingException")),
        (2, Fault::ServerError),
        (3, Fault::Throttle("ProvisionedThroughputExceededException")),
        (5, Fault::Throttle("ThrottlingException")),
        (3, Fault::ServerError),
    ];
    for (n, fault) in plans {
        faults.inject(n, fault);
        let result = op().await;
        let attempts = faults.attempts();
        if n < MAX_ATTEMPTS {
            assert!(
                result.is_ok(),
                "{operation} with {n} x {fault:?}: {:?}",
                result.err()
            );
            assert_eq!(attempts, n + 1, "{operation} with {n} x {fault:?}");
            check(true).await;
            continue;
        }
        let err = result.err().expect("attempts ran out");
        assert_eq!(attempts, MAX_ATTEMPTS, "{operation} with {n} x {fault:?}");
        match (fault, &err) {
            (
                Fault::Throttle(_),
                Error::Throttled {
                    operation: op,
                    entity: e,
                    key: k,
                    max_attempts,
                    ..
                },
            )
            | (
                Fault::ServerError,
                Error::Unavailable {
                    operation: op,
                    entity: e,
                    key: k,
                    max_attempts,
                    kind: Transient::ServerError { status: 500 },
                    ..
                },
            ) => {
                assert_eq!((*op, *e, k.as_str()), (operation, entity, key), "{err}");
                assert_eq!(*max_attempts, Some(MAX_ATTEMPTS), "{err}");
            }
            _ => panic!("{operation} with {n} x {fault:?}: {err:?}"),
        }
        check(false).await;
    }
}

#[tokio::test]
async fn single_item_writes_retry_under_the_clients_policy_and_then_fail_typed() {
    let t = TestTable::create(&TABLE).await.unwrap();
    let (faulty, faults) = faulty(&t);

    // insert: each success stores its order once (a second write would fail insert's
    // condition); an exhausted one stores nothing. The three that succeed insert orders 0, 1
    // and 2, the three that run out of attempts order 9, which the error names.
    let next = AtomicU32::new(0);
    let stored = AtomicU32::new(0);
    retries_and_gives_up(
        &faults,
        "PutItem",
        "Order",
        &order("ann", 9, OrderStatus::Paid).key().to_string(),
        || {
            let n = next.fetch_add(1, Ordering::Relaxed);
            let o = order(
                "ann",
                i64::from(if n < 3 { n } else { 9 }),
                OrderStatus::Paid,
            );
            let faulty = &faulty;
            async move {
                faulty.insert(&o).await?;
                Ok(())
            }
        },
        |ok| {
            if ok {
                stored.fetch_add(1, Ordering::Relaxed);
            }
            let expected = stored.load(Ordering::Relaxed) as usize;
            let t = &t;
            async move {
                let orders = Order::orders_for_user("ann").fetch(t).await.unwrap();
                assert_eq!(orders.len(), expected, "each insert stored once");
            }
        },
    )
    .await;

    // update: each success adds 1 exactly once.
    let updated = AtomicU32::new(0);
    t.insert(&User::new("bea", "bea@example.com"))
        .await
        .unwrap();
    retries_and_gives_up(
        &faults,
        "UpdateItem",
        "User",
        &User::key("bea").to_string(),
        || async {
            faulty
                .update(User::key("bea"), User::update().add_logins(1))
                .await
        },
        |ok| {
            if ok {
                updated.fetch_add(1, Ordering::Relaxed);
            }
            let expected = i64::from(updated.load(Ordering::Relaxed));
            let t = &t;
            async move {
                let user = t.get(User::key("bea")).await.unwrap().unwrap();
                assert_eq!(user.logins, expected);
            }
        },
    )
    .await;

    // delete: a failed delete leaves the item; a successful one removes it.
    let o = order("cid", 1, OrderStatus::Paid);
    retries_and_gives_up(
        &faults,
        "DeleteItem",
        "Order",
        &o.key().to_string(),
        || {
            let (faulty, t, o) = (&faulty, &t, o.clone());
            async move {
                // Put back with the test's own client, then delete through the faulty one.
                t.put(&o).await.unwrap();
                faulty.delete(o.key()).await
            }
        },
        |ok| {
            let (t, key) = (&t, o.key());
            async move {
                assert_eq!(t.get(key).await.unwrap().is_none(), ok);
            }
        },
    )
    .await;
}

#[tokio::test]
async fn reads_and_query_pages_retry_under_the_clients_policy_and_then_fail_typed() {
    let t = TestTable::create(&TABLE).await.unwrap();
    let (faulty, faults) = faulty(&t);
    let orders: Vec<Order> = (0..5).map(|n| order("dee", n, OrderStatus::Paid)).collect();
    t.batch_put(&orders).await.unwrap();

    retries_and_gives_up(
        &faults,
        "GetItem",
        "Order",
        &orders[2].key().to_string(),
        || async {
            let got = faulty.get(orders[2].key()).await?;
            assert_eq!(got.as_ref(), Some(&orders[2]));
            Ok(())
        },
        |_| async {},
    )
    .await;

    // A query names its access pattern where a single-item call names the key.
    let query = Order::orders_for_user("dee").ascending().limit(2);
    retries_and_gives_up(
        &faults,
        "Query",
        "Order",
        "orders_for_user",
        || async {
            let page = query.page(&faulty, None).await?;
            assert_eq!(page.items, orders[..2]);
            assert!(page.cursor.is_some());
            Ok(())
        },
        |_| async {},
    )
    .await;
}

#[tokio::test]
async fn transactions_retry_under_the_clients_policy_and_then_fail_typed() {
    let t = TestTable::create(&TABLE).await.unwrap();
    let (faulty, faults) = faulty(&t);
    t.insert(&User::new("eli", "eli@example.com"))
        .await
        .unwrap();
    let next = AtomicU32::new(0);
    let done = AtomicU32::new(0);
    retries_and_gives_up(
        &faults,
        "TransactWriteItems",
        "transaction",
        "",
        || {
            let n = next.fetch_add(1, Ordering::Relaxed);
            let o = order("eli", i64::from(n), OrderStatus::Pending);
            let faulty = &faulty;
            async move {
                faulty
                    .transact_write()
                    .insert(&o)
                    .update(User::key("eli"), User::update().add_logins(1))
                    .send()
                    .await
            }
        },
        |ok| {
            if ok {
                done.fetch_add(1, Ordering::Relaxed);
            }
            let expected = done.load(Ordering::Relaxed);
            let t = &t;
            async move {
                let user = t.get(User::key("eli")).await.unwrap().unwrap();
                let orders = Order::orders_for_user("eli").fetch(t).await.unwrap();
                assert_eq!(user.logins, i64::from(expected));
                assert_eq!(orders.len(), expected as usize);
            }
        },
    )
    .await;
}

// ---- client request tokens ----

#[tokio::test]
async fn a_transaction_whose_answer_is_lost_is_applied_once_on_the_sdks_retry() {
    let t = TestTable::create(&TABLE).await.unwrap();
    let (faulty, faults) = faulty(&t);
    t.insert(&User::new("fin", "fin@example.com"))
        .await
        .unwrap();
    let logins = || async { t.get(User::key("fin")).await.unwrap().unwrap().logins };

    // The first attempt is applied and its answer becomes a 500; the SDK sends the same
    // request again, with the same token, and DynamoDB answers it without applying it.
    let transaction = |n: i64| {
        faulty
            .transact_write()
            .insert(&order("fin", n, OrderStatus::Pending))
            .update(User::key("fin"), User::update().add_logins(1))
    };
    faults.with(|p| {
        p.lose_next_success = true;
        p.attempts = 0;
    });
    transaction(1).token("fin-1").send().await.unwrap();
    assert_eq!(faults.attempts(), 2, "the lost answer was retried");
    assert_eq!(logins().await, 1, "applied once with an explicit token");

    // Without `.token()` the SDK fills one in once per call, so every attempt carries it.
    faults.with(|p| {
        p.lose_next_success = true;
        p.attempts = 0;
    });
    transaction(2).send().await.unwrap();
    assert_eq!(faults.attempts(), 2);
    assert_eq!(logins().await, 2, "applied once with the SDK's token");

    // Control: with a new token on every attempt, the retry is a new transaction. The
    // insert's condition now fails on the retry, though the first attempt was applied...
    faults.with(|p| {
        p.lose_next_success = true;
        p.new_token_per_attempt = true;
        p.attempts = 0;
    });
    let err = transaction(3).token("fin-3").send().await.unwrap_err();
    let Error::TransactionCanceled { reasons } = &err else {
        panic!("{err}");
    };
    assert_eq!(reasons[0].code, "ConditionalCheckFailed", "{err}");
    assert_eq!(logins().await, 3, "the first attempt was applied");
    // ...and an unconditional one is applied twice.
    faults.with(|p| {
        p.lose_next_success = true;
        p.attempts = 0;
    });
    faulty
        .transact_write()
        .update(User::key("fin"), User::update().add_logins(1))
        .token("fin-4")
        .send()
        .await
        .unwrap();
    assert_eq!(faults.attempts(), 2);
    assert_eq!(logins().await, 5, "applied twice without one token");
}

// ---- timeouts ----

/// A loopback TCP proxy in front of DynamoDB Local that forwards both ways until `stall` is
/// set; then it swallows what clients send, so requests on new and open connections alike
/// get no answer.
struct Proxy {
    address: SocketAddr,
    stall: Arc<AtomicBool>,
}

impl Proxy {
    fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let stall = Arc::new(AtomicBool::new(false));
        let flag = stall.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let stall = flag.clone();
                std::thread::spawn(move || forward(client, upstream, &stall));
            }
        });
        Proxy { address, stall }
    }

    fn endpoint(&self) -> String {
        format!("http://{}", self.address)
    }
}

fn forward(mut client: TcpStream, upstream: SocketAddr, stall: &AtomicBool) {
    let Ok(mut server) = TcpStream::connect(upstream) else {
        return;
    };
    let (Ok(mut server_out), Ok(mut client_in)) = (server.try_clone(), client.try_clone()) else {
        return;
    };
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut server_out, &mut client_in);
        let _ = client_in.shutdown(Shutdown::Both);
    });
    let mut buffer = [0u8; 16 * 1024];
    loop {
        match client.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(_) if stall.load(Ordering::Relaxed) => {}
            Ok(n) => {
                if server.write_all(&buffer[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = server.shutdown(Shutdown::Both);
}

fn upstream(endpoint: &str) -> SocketAddr {
    endpoint
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .unwrap_or_else(|_| panic!("a loopback endpoint: {endpoint}"))
}

/// The test table through the proxy, with the interceptor (to count attempts) and `timeouts`.
fn through(proxy: &Proxy, t: &TestTable, timeouts: TimeoutConfig) -> (Table, Faults) {
    let faults = Faults::default();
    let config = t
        .client()
        .config()
        .to_builder()
        .endpoint_url(proxy.endpoint())
        .timeout_config(timeouts)
        .build();
    let client = faulty_client(config, &faults);
    (Table::new(client, t.name()), faults)
}

fn timed_out(err: &Error, operation: &str) -> bool {
    matches!(
        err,
        Error::Unavailable { operation: op, kind: Transient::Timeout, max_attempts: Some(MAX_ATTEMPTS), .. }
            if *op == operation
    )
}

#[tokio::test]
async fn an_unanswered_request_is_a_typed_timeout_within_the_configured_bound() {
    let t = TestTable::create(&TABLE).await.unwrap();
    let proxy = Proxy::start(upstream(&singletable::test_util::endpoint().unwrap()));
    let o = order("gil", 1, OrderStatus::Paid);

    // Attempt timeout: each of the 3 attempts waits 300 ms, with up to 20 ms of backoff
    // between them.
    let attempt = Duration::from_millis(300);
    let (table, faults) = through(
        &proxy,
        &t,
        TimeoutConfig::builder()
            .operation_attempt_timeout(attempt)
            .build(),
    );
    t.insert(&o).await.unwrap();
    assert_eq!(
        table.get(o.key()).await.unwrap().as_ref(),
        Some(&o),
        "the proxy forwards while not stalled"
    );
    proxy.stall.store(true, Ordering::Relaxed);
    for op in ["GetItem", "UpdateItem"] {
        faults.with(|p| p.attempts = 0);
        let started = Instant::now();
        let err = if op == "GetItem" {
            table.get(o.key()).await.map(|_| ()).unwrap_err()
        } else {
            table
                .update(o.key(), Order::update().set_total_cents(5))
                .await
                .unwrap_err()
        };
        let elapsed = started.elapsed();
        eprintln!("{op}, attempt timeout 300 ms x 3: {elapsed:?}: {err}");
        assert!(timed_out(&err, op), "{err:?}");
        assert_eq!(faults.attempts(), MAX_ATTEMPTS);
        assert!(elapsed >= attempt * MAX_ATTEMPTS, "{elapsed:?}");
        assert!(
            elapsed < attempt * MAX_ATTEMPTS + Duration::from_millis(500),
            "{elapsed:?}"
        );
    }

    // Operation timeout: 700 ms for the whole call, whatever the attempts.
    let operation = Duration::from_millis(700);
    let (table, faults) = through(
        &proxy,
        &t,
        TimeoutConfig::builder()
            .operation_timeout(operation)
            .operation_attempt_timeout(Duration::from_secs(10))
            .build(),
    );
    let started = Instant::now();
    let err = Order::orders_for_user("gil")
        .page(&table, None)
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    eprintln!("Query, operation timeout 700 ms: {elapsed:?}: {err}");
    assert!(timed_out(&err, "Query"), "{err:?}");
    assert_eq!(
        faults.attempts(),
        1,
        "one attempt, cut off by the operation timeout"
    );
    assert!(elapsed >= operation, "{elapsed:?}");
    assert!(
        elapsed < operation + Duration::from_millis(500),
        "{elapsed:?}"
    );

    // Once the proxy forwards again, the same handle works: nothing was left broken.
    proxy.stall.store(false, Ordering::Relaxed);
    let page = Order::orders_for_user("gil")
        .page(&table, None)
        .await
        .unwrap();
    assert_eq!(page.items, vec![o.clone()]);
    assert_eq!(
        t.get(o.key()).await.unwrap().unwrap().total_cents,
        o.total_cents,
        "the timed-out update never reached DynamoDB"
    );
}

// ---- a killed DynamoDB Local ----

/// How one call of the kill test ended.
#[derive(Debug)]
struct Call {
    started: Instant,
    elapsed: Duration,
    result: Result<(), String>,
    typed: bool,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_dynamodb_local_mid_run_gives_typed_errors_within_the_timeout() {
    let mut local = DynamoDbLocal::start().unwrap();
    let name = format!("faults-kill-{}", std::process::id());
    Table::new(local.client(), name.clone())
        .create_table(&TABLE)
        .await
        .unwrap();
    let operation = Duration::from_secs(2);
    let config = local
        .client()
        .config()
        .to_builder()
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_millis(500))
                .operation_attempt_timeout(Duration::from_millis(800))
                .operation_timeout(operation)
                .build(),
        )
        .build();
    let faults = Faults::default();
    let table = Table::new(faulty_client(config, &faults), name);
    let killed_at: Arc<Mutex<Option<Instant>>> = Arc::default();
    let succeeded: Arc<AtomicU32> = Arc::default();
    let mut kill_started = Instant::now();

    let run = async {
        let tasks: Vec<_> = (0..6)
            .map(|task| {
                let (table, killed_at, succeeded) =
                    (table.clone(), killed_at.clone(), succeeded.clone());
                tokio::spawn(async move {
                    let mut calls = Vec::new();
                    let mut after_kill = 0;
                    for n in 0i64.. {
                        let o = order(&format!("k{task}"), n % 50, OrderStatus::Paid);
                        let started = Instant::now();
                        let result = match n % 3 {
                            0 => table.put(&o).await,
                            1 => table.get(o.key()).await.map(|_| ()),
                            _ => Order::orders_for_user(&o.user_id)
                                .limit(5)
                                .page(&table, None)
                                .await
                                .map(|_| ()),
                        };
                        let typed = matches!(
                            &result,
                            Err(Error::Unavailable {
                                kind: Transient::Connection | Transient::Timeout,
                                ..
                            })
                        );
                        if result.is_ok() {
                            succeeded.fetch_add(1, Ordering::Relaxed);
                        }
                        calls.push(Call {
                            started,
                            elapsed: started.elapsed(),
                            result: result.map_err(|e| e.to_string()),
                            typed,
                        });
                        if killed_at.lock().unwrap().is_some() {
                            after_kill += 1;
                            if after_kill > 5 {
                                break;
                            }
                        }
                    }
                    calls
                })
            })
            .collect();
        // Kill once every task is well under way.
        while succeeded.load(Ordering::Relaxed) < 30 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        kill_started = Instant::now();
        local.kill().unwrap();
        *killed_at.lock().unwrap() = Some(Instant::now());
        let mut calls = Vec::new();
        for task in tasks {
            calls.extend(task.await.expect("no task panicked"));
        }
        calls
    };
    let calls = tokio::time::timeout(Duration::from_secs(30), run)
        .await
        .expect("every call ended: nothing hung");

    let killed_at = killed_at.lock().unwrap().expect("killed");
    let before = calls.iter().filter(|c| c.result.is_ok()).count();
    let failed: Vec<&Call> = calls.iter().filter(|c| c.result.is_err()).collect();
    let slowest = failed.iter().map(|c| c.elapsed).max().unwrap_or_default();
    let in_flight: Vec<&Call> = calls
        .iter()
        .filter(|c| c.started < kill_started && c.started + c.elapsed > kill_started)
        .collect();
    eprintln!(
        "{} calls: {before} succeeded, {} failed, slowest failure {slowest:?}; {} in flight \
         at the kill, of which {} failed",
        calls.len(),
        failed.len(),
        in_flight.len(),
        in_flight.iter().filter(|c| c.result.is_err()).count()
    );
    for c in &failed {
        eprintln!("  {:?}: {}", c.elapsed, c.result.as_ref().unwrap_err());
    }
    assert!(before >= 30, "calls were running before the kill: {before}");
    assert!(
        !in_flight.is_empty(),
        "some calls were in flight at the kill"
    );
    assert!(failed.len() >= 6 * 5, "every task failed after the kill");
    for c in &calls {
        if c.started > killed_at {
            assert!(c.result.is_err(), "a call after the kill succeeded");
        }
        if c.result.is_err() {
            assert!(c.typed, "untyped: {:?}", c.result);
            assert!(c.elapsed < operation + Duration::from_millis(500), "{c:?}");
        }
    }
}
