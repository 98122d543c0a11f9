//! A bounded soak test against DynamoDB Local, printing its figures as tables.
//!
//! Load: 32 tasks on a multi-threaded runtime each loop over a put, a conditional update (one
//! in five is built to fail its condition), a query page, a batch write of four items and a
//! two-action transaction, first through the generated API, then through the raw SDK with
//! hand-written items and expressions, for `SINGLETABLE_SOAK_SECS` seconds each (default 5).
//! Any error other than the designed condition failures fails the test. Every acknowledged
//! write is logged with the state it must have at the end, and the table is read back and
//! compared item by item. Printed: operations per second and p50/p99 latency per operation
//! kind, client CPU per operation (user+system time of this process from `getrusage` over the
//! phase, divided by its operations) with the generated/raw ratio, and resident memory.
//!
//! Streams: `SINGLETABLE_SOAK_STREAM_ITEMS` purchases (default 100,000) in one partition are
//! read with the generated query's lazy `stream`, then as the table's change stream (the
//! same writes as typed inserts through the Streams API), counting without collecting;
//! resident memory is sampled throughout, and its growth after the first 10,000 items must
//! stay under a bound that collecting the items would exceed several times over.
//!
//! `scripts/test -p tests --test soak` (a longer run: `SINGLETABLE_SOAK_SECS=300`).

#[allow(dead_code)]
#[path = "../benches/common/mod.rs"]
mod hand;

use std::collections::HashMap;
use std::future::{Future, IntoFuture};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{Put, PutRequest, TransactWriteItem, Update, WriteRequest};
use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use singletable::__private::AttributeValue;
use singletable::test_util::TestTable;
use singletable::{Entity, Error, Item, RetryPolicy, Table};
use tests::design::{Order, OrderLine, OrderStatus, User};

/// Concurrent tasks of the load phases.
const TASKS: usize = 32;
/// Orders per batch write of the load phases.
const BATCH: usize = 4;
/// Every how many iterations a conditional update is built to fail.
const FAIL_EVERY: u64 = 5;

fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("{name} must be a whole number, not {v:?}")),
        Err(_) => default,
    }
}

// ---------------------------------------------------------------------------------------
// Measuring: CPU time and resident memory of this process.

/// A field of `/proc/self/status` in KiB (`VmRSS`, `VmHWM`).
fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/self/status"))
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// Samples `VmRSS` every 5 ms on a thread of its own and keeps the largest value since the
/// last [`Sampler::reset`].
struct Sampler {
    peak: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Sampler {
    fn start() -> Sampler {
        let peak = Arc::new(AtomicU64::new(status_kib("VmRSS")));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (peak, stop) = (peak.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    peak.fetch_max(status_kib("VmRSS"), Ordering::Relaxed);
                    std::thread::sleep(Duration::from_millis(5));
                }
            })
        };
        Sampler {
            peak,
            stop,
            thread: Some(thread),
        }
    }

    /// Starts a new peak at the current resident size, which it returns.
    fn reset(&self) -> u64 {
        let now = status_kib("VmRSS");
        self.peak.store(now, Ordering::Relaxed);
        now
    }

    /// The largest resident size seen since the last reset (sampling once more now).
    fn peak(&self) -> u64 {
        self.peak.fetch_max(status_kib("VmRSS"), Ordering::Relaxed);
        self.peak.load(Ordering::Relaxed)
    }
}

impl Drop for Sampler {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

// ---------------------------------------------------------------------------------------
// The load phases.

#[derive(Clone, Copy)]
enum Kind {
    Put,
    Update,
    Query,
    Batch,
    Transact,
}

const KINDS: [(Kind, &str); 5] = [
    (Kind::Put, "put"),
    (Kind::Update, "conditional update"),
    (Kind::Query, "query page (25)"),
    (Kind::Batch, "batch write (4 puts)"),
    (Kind::Transact, "transaction (2 actions)"),
];

/// What one task did: its latencies per operation kind, the designed condition failures it
/// saw, and every write DynamoDB acknowledged with the state the item must have at the end.
#[derive(Default)]
struct TaskLog {
    latencies: [Vec<Duration>; 5],
    expected_failures: u64,
    orders: Vec<Order>,
    user: String,
    logins: i64,
}

impl TaskLog {
    async fn timed<T>(&mut self, kind: Kind, f: impl IntoFuture<Output = T>) -> T {
        let start = Instant::now();
        let out = f.await;
        self.latencies[kind as usize].push(start.elapsed());
        out
    }
}

/// The state shared by both variants of a task: its user, and a clock that gives each of its
/// orders a distinct, increasing `placed_at`, so a user's newest order is its last write.
struct Orders {
    task: usize,
    user: String,
    base: DateTime<Utc>,
    seq: i64,
}

impl Orders {
    fn new(task: usize) -> Orders {
        Orders {
            task,
            user: user_id(task),
            base: DateTime::from_timestamp(1_714_550_400, 0).expect("instant"),
            seq: 0,
        }
    }

    fn next(&mut self, tag: &str) -> Order {
        self.seq += 1;
        Order::new(
            &self.user,
            format!("{tag}-{:02}-{:07}", self.task, self.seq),
            OrderStatus::Pending,
            self.base + chrono::Duration::milliseconds(self.seq),
            self.seq,
            vec![OrderLine {
                sku: format!("SKU-{}", self.seq % 97),
                quantity: 1 + self.seq % 3,
                price_cents: 250,
            }],
        )
    }
}

fn user_id(task: usize) -> String {
    format!("soak-user-{task:02}")
}

/// One task through the generated API until `until`.
async fn generated_task(t: Table, task: usize, until: Instant) -> TaskLog {
    let mut orders = Orders::new(task);
    let mut log = TaskLog {
        user: orders.user.clone(),
        ..TaskLog::default()
    };
    let f = Order::fields();
    let mut n = 0u64;
    while Instant::now() < until {
        n += 1;
        let mut o = orders.next("g");
        log.timed(Kind::Put, t.put(&o))
            .await
            .unwrap_or_else(|e| panic!("put {}: {e}", o.order_id));
        let fail = n.is_multiple_of(FAIL_EVERY);
        let condition = match fail {
            true => f.status().eq(OrderStatus::Shipped),
            false => f.status().eq(OrderStatus::Pending),
        };
        let update = t
            .update(o.key(), Order::update().set_status(OrderStatus::Paid))
            .condition(condition);
        match log.timed(Kind::Update, update).await {
            Ok(()) if !fail => o.status = OrderStatus::Paid,
            Err(Error::ConditionFailed {
                entity: "Order", ..
            }) if fail => {
                log.expected_failures += 1;
            }
            other => panic!(
                "update of {} (built to fail: {fail}): {other:?}",
                o.order_id
            ),
        }
        let query = Order::orders_for_user(&orders.user).limit(25).consistent();
        let page = log
            .timed(Kind::Query, query.page(&t, None))
            .await
            .unwrap_or_else(|e| panic!("query: {e}"));
        assert_eq!(page.items.first(), Some(&o), "the newest order comes first");
        log.orders.push(o);

        let batch: Vec<Order> = (0..BATCH).map(|_| orders.next("gb")).collect();
        log.timed(Kind::Batch, t.batch_write().put_all(&batch).send())
            .await
            .unwrap_or_else(|e| panic!("batch write: {e}"));
        log.orders.extend(batch);

        let inserted = orders.next("gt");
        let tx = t
            .transact_write()
            .insert(&inserted)
            .update(User::key(&orders.user), User::update().add_logins(1))
            .send();
        log.timed(Kind::Transact, tx)
            .await
            .unwrap_or_else(|e| panic!("transaction: {e}"));
        log.logins += 1;
        log.orders.push(inserted);
    }
    log
}

/// The key of an order's item, by hand.
fn raw_key(o: &Order) -> Item {
    let mut item = hand::hand_to_item(o);
    item.retain(|k, _| k == "pk" || k == "sk");
    item
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

/// One task through the raw SDK, with hand-written items and expressions, until `until`.
async fn raw_task(client: Client, table: String, task: usize, until: Instant) -> TaskLog {
    let mut orders = Orders::new(task);
    let mut log = TaskLog {
        user: orders.user.clone(),
        ..TaskLog::default()
    };
    let user_key: Item = HashMap::from([
        ("pk".to_owned(), s(format!("USER#{}", orders.user))),
        ("sk".to_owned(), s("PROFILE")),
    ]);
    let mut n = 0u64;
    while Instant::now() < until {
        n += 1;
        let mut o = orders.next("r");
        let put = client
            .put_item()
            .table_name(&table)
            .set_item(Some(hand::hand_to_item(&o)))
            .send();
        log.timed(Kind::Put, put)
            .await
            .unwrap_or_else(|e| panic!("raw put {}: {e:?}", o.order_id));
        let fail = n.is_multiple_of(FAIL_EVERY);
        let expected = if fail { "shipped" } else { "pending" };
        let update = client
            .update_item()
            .table_name(&table)
            .set_key(Some(raw_key(&o)))
            .update_expression("SET #s = :s, #g = :g")
            .condition_expression("#s = :c")
            .expression_attribute_names("#s", "status")
            .expression_attribute_names("#g", "gsi2pk")
            .expression_attribute_values(":s", s("paid"))
            .expression_attribute_values(":g", s("STATUS#paid"))
            .expression_attribute_values(":c", s(expected))
            .send();
        match log.timed(Kind::Update, update).await {
            Ok(_) if !fail => o.status = OrderStatus::Paid,
            Err(e)
                if fail
                    && e.as_service_error()
                        .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                log.expected_failures += 1;
            }
            other => panic!(
                "raw update of {} (built to fail: {fail}): {other:?}",
                o.order_id
            ),
        }
        let query = client
            .query()
            .table_name(&table)
            .key_condition_expression("#p = :p AND begins_with(#k, :k)")
            .filter_expression("#t IN (:t)")
            .expression_attribute_names("#p", "pk")
            .expression_attribute_names("#k", "sk")
            .expression_attribute_names("#t", "_type")
            .expression_attribute_values(":p", s(format!("USER#{}", orders.user)))
            .expression_attribute_values(":k", s("ORDER#"))
            .expression_attribute_values(":t", s("Order"))
            .scan_index_forward(false)
            .limit(25)
            .consistent_read(true)
            .send();
        let page = log
            .timed(Kind::Query, async {
                let out = query.await.unwrap_or_else(|e| panic!("raw query: {e:?}"));
                out.items
                    .unwrap_or_default()
                    .into_iter()
                    .map(|i| hand::hand_from_item(i).expect("decode"))
                    .collect::<Vec<_>>()
            })
            .await;
        assert_eq!(page.first(), Some(&o), "the newest order comes first");
        log.orders.push(o);

        let batch: Vec<Order> = (0..BATCH).map(|_| orders.next("rb")).collect();
        let send_batch = async {
            let mut requests: Vec<WriteRequest> = batch
                .iter()
                .map(|o| {
                    let put = PutRequest::builder()
                        .set_item(Some(hand::hand_to_item(o)))
                        .build()
                        .expect("put request");
                    WriteRequest::builder().put_request(put).build()
                })
                .collect();
            while !requests.is_empty() {
                let out = client
                    .batch_write_item()
                    .request_items(&table, requests)
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("raw batch write: {e:?}"));
                requests = out
                    .unprocessed_items
                    .and_then(|mut u| u.remove(&table))
                    .unwrap_or_default();
            }
        };
        log.timed(Kind::Batch, send_batch).await;
        log.orders.extend(batch);

        let inserted = orders.next("rt");
        let put = Put::builder()
            .table_name(&table)
            .set_item(Some(hand::hand_to_item(&inserted)))
            .condition_expression("attribute_not_exists(#p)")
            .expression_attribute_names("#p", "pk")
            .build()
            .expect("put");
        let now = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true);
        let update = Update::builder()
            .table_name(&table)
            .set_key(Some(user_key.clone()))
            .update_expression("SET #l = #l + :one, #v = #v + :one, #u = :now")
            .condition_expression("attribute_exists(#p)")
            .expression_attribute_names("#l", "logins")
            .expression_attribute_names("#v", "version")
            .expression_attribute_names("#u", "updated_at")
            .expression_attribute_names("#p", "pk")
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_values(":now", s(now))
            .build()
            .expect("update");
        let tx = client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().put(put).build())
            .transact_items(TransactWriteItem::builder().update(update).build())
            .send();
        log.timed(Kind::Transact, tx)
            .await
            .unwrap_or_else(|e| panic!("raw transaction: {e:?}"));
        log.logins += 1;
        log.orders.push(inserted);
    }
    log
}

/// A load phase's figures.
struct Phase {
    wall: Duration,
    cpu: Duration,
    latencies: [Vec<Duration>; 5],
    expected_failures: u64,
    acknowledged: usize,
    rss_before: u64,
    rss_peak: u64,
    rss_after: u64,
    /// The largest growth of resident memory within one run of the phase (peak minus the
    /// size at its start): memory the allocator keeps from an earlier run's read-back
    /// counts in `rss_before` of the next, not here.
    rss_growth: u64,
}

impl Phase {
    /// The figures of two runs of the same variant taken together.
    fn merge(mut self, other: Phase) -> Phase {
        for (mine, theirs) in self.latencies.iter_mut().zip(other.latencies) {
            mine.extend(theirs);
            mine.sort_unstable();
        }
        Phase {
            wall: self.wall + other.wall,
            cpu: self.cpu + other.cpu,
            latencies: self.latencies,
            expected_failures: self.expected_failures + other.expected_failures,
            acknowledged: self.acknowledged + other.acknowledged,
            rss_before: self.rss_before.min(other.rss_before),
            rss_peak: self.rss_peak.max(other.rss_peak),
            rss_after: self.rss_after.max(other.rss_after),
            rss_growth: self.rss_growth.max(other.rss_growth),
        }
    }

    fn ops(&self) -> usize {
        self.latencies.iter().map(Vec::len).sum()
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// Runs `TASKS` copies of `task` for `secs` seconds on a fresh table, then checks that every
/// acknowledged write is stored with its final state.
async fn load_phase<F, Fut>(sampler: &Sampler, length: Duration, task: F) -> Phase
where
    F: Fn(Table, usize, Instant) -> Fut,
    Fut: Future<Output = TaskLog> + Send + 'static,
{
    let t = TestTable::create(&tests::design::TABLE)
        .await
        .expect("table");
    for task in 0..TASKS {
        let u = User::new(user_id(task), format!("{}@example.com", user_id(task)));
        t.insert(&u).await.expect("insert user");
    }
    let rss_before = sampler.reset();
    let cpu = hand::process_cpu();
    let start = Instant::now();
    let until = start + length;
    let handles: Vec<_> = (0..TASKS)
        .map(|i| tokio::spawn(task(t.table().clone(), i, until)))
        .collect();
    let mut logs = Vec::with_capacity(TASKS);
    for h in handles {
        logs.push(
            h.await
                .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic())),
        );
    }
    let wall = start.elapsed();
    let cpu = hand::process_cpu().saturating_sub(cpu);
    let rss_peak = sampler.peak();

    let mut latencies: [Vec<Duration>; 5] = Default::default();
    let mut expected_failures = 0;
    let mut acknowledged = 0;
    for log in &mut logs {
        for (all, mine) in latencies.iter_mut().zip(&mut log.latencies) {
            all.append(mine);
        }
        expected_failures += log.expected_failures;
        acknowledged += log.orders.len() + log.logins as usize;
    }
    for l in &mut latencies {
        l.sort_unstable();
    }
    verify(&t, &logs).await;
    let rss_after = status_kib("VmRSS");
    Phase {
        wall,
        cpu,
        latencies,
        expected_failures,
        acknowledged,
        rss_before,
        rss_peak,
        rss_after,
        rss_growth: rss_peak.saturating_sub(rss_before),
    }
}

/// Every acknowledged write is stored with its final state, and nothing else is: each
/// logged order equals the stored one (status included), each user's login counter and
/// version count its committed transactions, and the table holds no other orders.
async fn verify(t: &Table, logs: &[TaskLog]) {
    let expected: Vec<&Order> = logs.iter().flat_map(|l| &l.orders).collect();
    let keys = expected.iter().map(|o| o.key());
    let stored = t
        .batch_get(keys)
        .consistent()
        .await
        .expect("read the orders back");
    let missing: Vec<String> = expected
        .iter()
        .zip(&stored)
        .filter(|(e, s)| s.as_ref() != Some(**e))
        .map(|(e, s)| match s {
            None => format!("{} missing", e.order_id),
            Some(s) => format!("{} stored as {s:?}, expected {e:?}", e.order_id),
        })
        .collect();
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged orders are not stored as written, for example: {:?}",
        missing.len(),
        expected.len(),
        &missing[..missing.len().min(3)]
    );
    let users = t
        .batch_get(logs.iter().map(|l| User::key(&l.user)))
        .consistent()
        .await
        .expect("read the users back");
    for (log, user) in logs.iter().zip(users) {
        let user = user.unwrap_or_else(|| panic!("user {} missing", log.user));
        assert_eq!(
            (user.logins, user.version),
            (log.logins, 1 + log.logins),
            "user {}: logins and version after {} transactions",
            log.user,
            log.logins
        );
    }
    let stored_orders = tests::scan_all(t)
        .await
        .iter()
        .filter(|i| i.get("_type") == Some(&s("Order")))
        .count();
    assert_eq!(stored_orders, expected.len(), "orders in the table");
}

fn print_load(secs: u64, generated: &Phase, raw: &Phase) {
    println!(
        "\nload: {TASKS} tasks for {secs} s per phase (SINGLETABLE_SOAK_SECS), DynamoDB Local, {} worker threads",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "{:<26} {:>9} {:>9} {:>9} | {:>9} {:>9} {:>9}",
        "operation", "gen op/s", "gen p50", "gen p99", "raw op/s", "raw p50", "raw p99"
    );
    let rate = |n: usize, p: &Phase| n as f64 / p.wall.as_secs_f64();
    for (kind, name) in KINDS {
        let (g, r) = (
            &generated.latencies[kind as usize],
            &raw.latencies[kind as usize],
        );
        println!(
            "{:<26} {:>9.0} {:>9.1?} {:>9.1?} | {:>9.0} {:>9.1?} {:>9.1?}",
            name,
            rate(g.len(), generated),
            percentile(g, 0.5),
            percentile(g, 0.99),
            rate(r.len(), raw),
            percentile(r, 0.5),
            percentile(r, 0.99),
        );
    }
    let all = |p: &Phase| {
        let mut v: Vec<Duration> = p.latencies.iter().flatten().copied().collect();
        v.sort_unstable();
        v
    };
    let (ga, ra) = (all(generated), all(raw));
    println!(
        "{:<26} {:>9.0} {:>9.1?} {:>9.1?} | {:>9.0} {:>9.1?} {:>9.1?}",
        "all",
        rate(ga.len(), generated),
        percentile(&ga, 0.5),
        percentile(&ga, 0.99),
        rate(ra.len(), raw),
        percentile(&ra, 0.5),
        percentile(&ra, 0.99),
    );
    let per_op = |p: &Phase| p.cpu / u32::try_from(p.ops()).unwrap_or(u32::MAX).max(1);
    println!(
        "client CPU per operation: generated {:.1?}, raw SDK {:.1?}, generated/raw {:.3}",
        per_op(generated),
        per_op(raw),
        per_op(generated).as_secs_f64() / per_op(raw).as_secs_f64()
    );
    for (name, p) in [("generated", generated), ("raw SDK", raw)] {
        println!(
            "{name:<9}: {} operations in {:.1?}, {} expected condition failures, {} acknowledged writes all read back; RSS {:.1} MiB before, {:.1} MiB peak, {:.1} MiB after, at most {:.1} MiB growth within a run",
            p.ops(),
            p.wall,
            p.expected_failures,
            p.acknowledged,
            mib(p.rss_before),
            mib(p.rss_peak),
            mib(p.rss_after),
            mib(p.rss_growth),
        );
    }
}

// ---------------------------------------------------------------------------------------
// The stream.

/// Resident memory may grow by at most this much between the 10,000th streamed item and the
/// end of the stream. A page is at most 1 MB of stored data (about 8,000 of these purchases),
/// and the stream holds one page at a time: its working set (one response read and decoded,
/// one page of purchases) is in place by item 10,000, and nothing after that may grow with N.
/// Collecting the items instead needs at least `size_of::<Purchase>()` (56 bytes) plus two
/// strings per item: measured, keeping them in a Vec grows memory by 9.4 MiB over the last
/// 90,000 items, against 0.1 to 1.1 MiB for the lazy stream. The change stream's pages are
/// 1,000 records (each at most two images of a purchase, far less than 1 MB), so the same
/// bound holds for it; it grew 0.0 MiB.
const STREAM_GROWTH_BOUND_KIB: u64 = 4 * 1024;

/// What reading a stream of purchases lazily cost.
struct LazyRead {
    count: usize,
    /// The purchases' `total_cents`, summed: each purchase was read once.
    sum: i64,
    time: Duration,
    cpu: Duration,
    /// Resident memory before the read, at its peak by item 10,000, at its peak overall and
    /// after it (KiB).
    before: u64,
    at_10k: u64,
    peak: u64,
    after: u64,
}

impl LazyRead {
    fn growth_after_10k(&self) -> u64 {
        self.peak.saturating_sub(self.at_10k)
    }

    /// Prints the figures and checks every purchase came once and memory stayed flat.
    fn report(&self, what: &str, n: usize) {
        println!(
            "{what} in {:.1?} ({:.0} items/s, client CPU {:.1?}), counted without collecting\n\
             RSS {:.1} MiB before, {:.1} MiB peak at item 10,000, {:.1} MiB peak overall, {:.1} MiB after; \
             growth after item 10,000: {:.1} MiB (bound {:.1} MiB)",
            self.time,
            n as f64 / self.time.as_secs_f64(),
            self.cpu,
            mib(self.before),
            mib(self.at_10k),
            mib(self.peak),
            mib(self.after),
            mib(self.growth_after_10k()),
            mib(STREAM_GROWTH_BOUND_KIB),
        );
        let expected_sum = (0..n as i64).sum::<i64>();
        assert_eq!(
            (self.count, self.sum),
            (n, expected_sum),
            "{what}: every purchase once"
        );
        assert!(
            self.growth_after_10k() < STREAM_GROWTH_BOUND_KIB,
            "{what}: reading {n} items grew resident memory by {:.1} MiB after the first 10,000: the stream holds on to items",
            mib(self.growth_after_10k())
        );
    }
}

/// Reads `stream` to its end, counting its purchases' cents without keeping them.
async fn read_lazily<T, E: std::fmt::Debug>(
    sampler: &Sampler,
    stream: impl futures::Stream<Item = Result<T, E>>,
    cents: impl Fn(T) -> i64,
) -> LazyRead {
    let before = sampler.reset();
    let cpu = hand::process_cpu();
    let start = Instant::now();
    let (mut count, mut sum) = (0usize, 0i64);
    let mut at_10k = None;
    futures::pin_mut!(stream);
    while let Some(item) = stream.try_next().await.expect("read the stream") {
        count += 1;
        sum += cents(item);
        if count == 10_000 {
            at_10k = Some(sampler.peak());
        }
    }
    let time = start.elapsed();
    let cpu = hand::process_cpu().saturating_sub(cpu);
    let peak = sampler.peak();
    LazyRead {
        count,
        sum,
        time,
        cpu,
        before,
        at_10k: at_10k.unwrap_or(peak),
        peak,
        after: status_kib("VmRSS"),
    }
}

async fn stream_phase(sampler: &Sampler, n: usize) {
    use singletable::stream::{Change, ChangeKind};
    use tests::fixtures::collections::{Purchase, ShopChange, TABLE};
    let t = TestTable::create(&TABLE).await.expect("table");
    // The table's change stream records every write below, for the second read.
    tests::enable_stream(&t).await;
    let customer = "stream-customer";
    let purchase = |i: usize| Purchase::new(customer, format!("p-{i:07}"), i as i64);
    // Written in slices of 5,000 (so the requests of all N items are never in memory at
    // once), each as concurrent batch writes of 25.
    let policy = RetryPolicy {
        concurrency: 16,
        ..RetryPolicy::default()
    };
    let write_cpu = hand::process_cpu();
    let start = Instant::now();
    for from in (0..n).step_by(5_000) {
        let slice: Vec<Purchase> = (from..(from + 5_000).min(n)).map(purchase).collect();
        t.batch_write()
            .put_all(&slice)
            .policy(policy.clone())
            .send()
            .await
            .expect("batch write the stream's items");
    }
    let written = start.elapsed();
    let write_cpu = hand::process_cpu().saturating_sub(write_cpu);
    let item_bytes = purchase(n / 2)
        .to_item()
        .expect("item")
        .iter()
        .map(|(k, v)| k.len() + stored_len(v))
        .sum::<usize>();
    println!(
        "\nstream: {n} purchases (about {item_bytes} bytes each) in one partition\n\
         written in {written:.1?} ({:.0} items/s, batch writes of 25, 16 at once, client CPU {write_cpu:.1?})",
        n as f64 / written.as_secs_f64(),
    );

    // The partition through the generated query's lazy stream, a page at a time.
    let query = Purchase::purchases(customer);
    read_lazily(sampler, query.stream(&t), |p| p.total_cents)
        .await
        .report("read by query", n);

    // The same writes as the table's change stream: N typed inserts through the Streams API,
    // 1,000 records a page.
    let changes = t
        .stream_reader()
        .expect("the test table has a Streams client")
        .drain()
        .changes::<ShopChange>();
    read_lazily(sampler, changes, |change| match change {
        ShopChange::Purchase(Change {
            kind: ChangeKind::Insert,
            new: Some(p),
            ..
        }) => p.total_cents,
        other => panic!("not a purchase's insert: {other:?}"),
    })
    .await
    .report("read from the change stream", n);
}

/// The stored size of a value as DynamoDB counts it, near enough for a printed figure.
fn stored_len(v: &AttributeValue) -> usize {
    match v {
        AttributeValue::S(s) | AttributeValue::N(s) => s.len(),
        AttributeValue::L(l) => 3 + l.iter().map(|v| 1 + stored_len(v)).sum::<usize>(),
        AttributeValue::M(m) => {
            3 + m
                .iter()
                .map(|(k, v)| 1 + k.len() + stored_len(v))
                .sum::<usize>()
        }
        _ => 1,
    }
}

// ---------------------------------------------------------------------------------------

/// Whether the command line (as `cargo test` passes it) selects this test: no name filter,
/// or a filter that "soak" contains, and no `--ignored`. `--list` lists it.
fn selected() -> bool {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--list") {
        println!("soak: test");
        std::process::exit(0);
    }
    // Not an ignored test: `--ignored` runs only those.
    if args.iter().any(|a| a == "--ignored") {
        return false;
    }
    let mut filters = Vec::new();
    let mut args = args.iter();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--skip" | "--test-threads" | "--format" | "--color" | "-Z" | "--logfile" => {
                args.next();
            }
            a if a.starts_with('-') => {}
            a => filters.push(a),
        }
    }
    filters.is_empty() || filters.iter().any(|f| "soak".contains(f))
}

fn main() {
    if !selected() {
        println!("soak: not selected by the command line's filters");
        return;
    }
    let secs = env_number("SINGLETABLE_SOAK_SECS", 5);
    let stream_items = env_number("SINGLETABLE_SOAK_STREAM_ITEMS", 100_000) as usize;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio");
    let sampler = Sampler::start();
    let start_rss = (status_kib("VmRSS"), status_kib("VmHWM"));
    runtime.block_on(async {
        // DynamoDB Local's JIT and the connection pool warm up first (figures discarded);
        // then each variant runs twice for half the time, in the order generated, raw, raw,
        // generated, so drift of this machine hits both alike.
        let half = Duration::from_millis(secs * 500);
        let raw_task =
            |t: Table, task, until| raw_task(t.client().clone(), t.name().to_owned(), task, until);
        load_phase(&sampler, Duration::from_secs(1), generated_task).await;
        let g1 = load_phase(&sampler, half, generated_task).await;
        let r1 = load_phase(&sampler, half, raw_task).await;
        let r2 = load_phase(&sampler, half, raw_task).await;
        let g2 = load_phase(&sampler, half, generated_task).await;
        let (generated, raw) = (g1.merge(g2), r1.merge(r2));
        print_load(secs, &generated, &raw);
        stream_phase(&sampler, stream_items).await;
    });
    println!(
        "\nprocess: VmRSS {:.1} MiB at start, {:.1} MiB at the end; VmHWM {:.1} MiB at start, {:.1} MiB at the end",
        mib(start_rss.0),
        mib(status_kib("VmRSS")),
        mib(start_rss.1),
        mib(status_kib("VmHWM")),
    );
    println!("soak: ok");
}
