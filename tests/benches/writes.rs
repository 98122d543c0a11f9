//! Round trips against DynamoDB Local through the generated API, through the raw SDK with
//! hand-written items and expressions, and through the raw SDK with serde_dynamo, in the same
//! run. Prints two tables: mean wall time per operation, and the client CPU per operation
//! (user and system time of this process, from `getrusage`, around each operation; DynamoDB
//! Local runs in a process of its own), each with ratios.
//!
//! A third table prices two schema additions against their plain counterparts in the same
//! run: a `shard(4)` fan-out query against one partition of the same items, and an insert
//! with unique attributes (a transaction with marker items) against a plain put.
//!
//! `cargo bench -p tests --bench writes` (starts DynamoDB Local unless
//! `AWS_ENDPOINT_URL_DYNAMODB` is set). The three variants of each operation run interleaved,
//! round by round, so drift of this machine hits them alike. Every variant does the same
//! DynamoDB work: the generated put and the hand-written one write the identical item (the
//! serde_dynamo one the same attributes in serde's forms); the generated update and the raw
//! one send the same changes with the same condition; the three scans read the same pages
//! with the same type filter.

mod common;

use std::collections::HashMap;
use std::future::Future;
use std::time::{Duration, Instant};

use common::{hand_from_item, hand_keys, hand_to_item, sample};
use singletable::__private::AttributeValue;
use singletable::test_util::TestTable;
use singletable::{Entity, Item, RetryPolicy};
use tests::design::{Order, OrderStatus, TABLE};

/// Sequential operations per variant of put, get and update.
const ROUNDS: usize = 2_000;
const BATCH_ROUNDS: usize = 20;
/// Distinct orders the single-item rounds cycle through (and the batches write), so the scan
/// reads the same 1,000 items however many rounds run.
const ITEMS: usize = 1_000;

/// The sample order without its TTL: serde_dynamo reads a TTL's epoch seconds as an error.
fn order(n: usize) -> Order {
    let mut o = sample();
    o.order_id = format!("order-{n:05}");
    o.expires_at = None;
    o
}

/// What one operation cost: wall time and this process's CPU time.
#[derive(Debug, Clone, Copy, Default)]
struct Cost {
    wall: Duration,
    cpu: Duration,
}

impl std::ops::AddAssign for Cost {
    fn add_assign(&mut self, other: Cost) {
        self.wall += other.wall;
        self.cpu += other.cpu;
    }
}

impl Cost {
    fn mean(self, n: usize) -> Cost {
        let n = u32::try_from(n).unwrap_or(u32::MAX);
        Cost {
            wall: self.wall / n,
            cpu: self.cpu / n,
        }
    }
}

async fn time<F: Future>(f: F) -> Cost {
    let cpu = common::process_cpu();
    let start = Instant::now();
    f.await;
    Cost {
        wall: start.elapsed(),
        cpu: common::process_cpu().saturating_sub(cpu),
    }
}

struct Row {
    name: &'static str,
    generated: Cost,
    raw: Cost,
    serde: Option<Cost>,
}

/// The summed costs of an operation's variants over its rounds.
#[derive(Default)]
struct Totals {
    generated: Cost,
    raw: Cost,
    serde: Option<Cost>,
}

impl Totals {
    /// Awaits one round of the generated and raw variants, alternating their order by round
    /// so neither always goes first.
    async fn add_two(
        &mut self,
        round: usize,
        generated: impl Future<Output = Cost>,
        raw: impl Future<Output = Cost>,
    ) {
        if round.is_multiple_of(2) {
            self.generated += generated.await;
            self.raw += raw.await;
        } else {
            self.raw += raw.await;
            self.generated += generated.await;
        }
    }

    /// The same with the serde_dynamo variant as a third, rotating the order by round so each
    /// variant runs first, second and third equally often.
    async fn add_three(
        &mut self,
        round: usize,
        generated: impl Future<Output = Cost>,
        raw: impl Future<Output = Cost>,
        serde: impl Future<Output = Cost>,
    ) {
        let mut serde_total = self.serde.unwrap_or_default();
        match round % 3 {
            0 => {
                self.generated += generated.await;
                self.raw += raw.await;
                serde_total += serde.await;
            }
            1 => {
                self.raw += raw.await;
                serde_total += serde.await;
                self.generated += generated.await;
            }
            _ => {
                serde_total += serde.await;
                self.generated += generated.await;
                self.raw += raw.await;
            }
        }
        self.serde = Some(serde_total);
    }

    /// The table row: mean costs per round.
    fn row(&self, name: &'static str, rounds: usize) -> Row {
        Row {
            name,
            generated: self.generated.mean(rounds),
            raw: self.raw.mean(rounds),
            serde: self.serde.map(|s| s.mean(rounds)),
        }
    }
}

fn serde_item(o: &Order) -> Item {
    let mut item: Item = serde_dynamo::to_item(o).expect("serde_dynamo");
    let placed = o
        .placed_at
        .to_rfc3339_opts(chrono::SecondsFormat::Nanos, true);
    hand_keys(o, placed, &mut item);
    item
}

fn main() {
    // One thread: the process's CPU time is then the operations' own work (request building,
    // signing, HTTP, decoding), without idle worker threads searching for tasks.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio");
    let rows = runtime.block_on(run());
    print_table("wall time per operation (mean)", &rows, |c| c.wall);
    print_table(
        "client CPU per operation (mean user+system time of this process)",
        &rows,
        |c| c.cpu,
    );
    let additions = runtime.block_on(additions());
    println!("\nschema additions against the plain form of the same read or write (mean)");
    println!(
        "{:<44} {:>12} {:>12} {:>7} {:>11} {:>11} {:>7}",
        "operation", "wall", "plain wall", "ratio", "cpu", "plain cpu", "ratio"
    );
    for r in &additions {
        let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
        println!(
            "{:<44} {:>12.1?} {:>12.1?} {:>7.3} {:>11.1?} {:>11.1?} {:>7.3}",
            r.name,
            r.generated.wall,
            r.raw.wall,
            ratio(r.generated.wall, r.raw.wall),
            r.generated.cpu,
            r.raw.cpu,
            ratio(r.generated.cpu, r.raw.cpu),
        );
    }
}

/// Rounds of the additions' rows.
const ADDITION_ROUNDS: usize = 300;

/// The cost of two schema additions against their plain counterparts, in one run:
/// - a `shard(4)` fan-out query (four partitions read at once and merged) against a query of
///   one partition holding the same 400 items;
/// - an insert of an entity with two unique attributes (one transaction with two marker
///   items) against a plain conditional put of the same item.
async fn additions() -> Vec<Row> {
    use tests::fixtures::{derived_keys, unique};
    let mut rows = Vec::new();

    let t = TestTable::create(&derived_keys::TABLE)
        .await
        .expect("table");
    let today = chrono::Utc::now();
    for i in 0..400 {
        let d = derived_keys::Deal::new(
            format!("deal {i}"),
            "Acme",
            derived_keys::Category::Food,
            today,
        );
        t.put(&d).await.expect("put deal");
    }
    let day = today.date_naive();
    let month = day;
    let mut totals = Totals::default();
    for round in 0..ADDITION_ROUNDS / 10 {
        let sharded = time(async {
            let n = derived_keys::Deal::deals_by_day(day)
                .fetch(&t)
                .await
                .expect("fan-out");
            assert_eq!(n.len(), 400);
        });
        let single = time(async {
            let n = derived_keys::Deal::deals_by_brand("acme", month)
                .fetch(&t)
                .await
                .expect("one partition");
            assert_eq!(n.len(), 400);
        });
        totals.add_two(round, sharded, single).await;
    }
    rows.push(totals.row(
        "Query 400: shard(4) fan-out vs 1 partition",
        ADDITION_ROUNDS / 10,
    ));

    let t = TestTable::create(&unique::TABLE).await.expect("table");
    let client = t.client().clone();
    let name = t.name().to_owned();
    let mut totals = Totals::default();
    for round in 0..ADDITION_ROUNDS {
        let account = |prefix: &str| {
            unique::Account::new(
                format!("{prefix}-{round}"),
                "acme",
                format!("{prefix}-{round}@example.com"),
                format!("{prefix}-{round}"),
                "A Name",
            )
        };
        let with_markers = account("u");
        let plain = account("p");
        let unique_insert = time(async { t.insert(&with_markers).await.expect("unique insert") });
        let plain_insert = time(async {
            client
                .put_item()
                .table_name(&name)
                .set_item(Some(plain.to_item().expect("item")))
                .condition_expression("attribute_not_exists(pk)")
                .send()
                .await
                .expect("plain insert")
        });
        totals.add_two(round, unique_insert, plain_insert).await;
    }
    rows.push(totals.row("Insert: 2 unique attributes vs plain put", ADDITION_ROUNDS));

    // A generated migration (users moved to new keys, orders renamed and backfilled) against
    // a plain batch rewrite of the same items in their new layout, per item.
    use tests::{shop_new, shop_old};
    const MIGRATED: usize = 2_000;
    let mut totals = Totals::default();
    for round in 0..3 {
        let t = TestTable::create(&shop_new::TABLE).await.expect("table");
        // Ids of their own each round: a table of an earlier round may still be there.
        let users: Vec<_> = (0..MIGRATED / 4)
            .map(|u| shop_old::User::new(format!("r{round}u{u}"), format!("u{u}@example.com")))
            .collect();
        let orders: Vec<_> = (0..MIGRATED * 3 / 4)
            .map(|o| {
                let user = format!("r{round}u{}", o % (MIGRATED / 4));
                shop_old::Order::new(user, format!("r{round}o{o}"), 10)
            })
            .collect();
        t.batch_write()
            .put_all(&users)
            .put_all(&orders)
            .send()
            .await
            .expect("seed");
        // The plain rewrite writes the same items, in the new layout, into a table of its own.
        let plain = TestTable::create(&shop_new::TABLE).await.expect("table");
        let migrate = time(async {
            let report = singletable::migrate::Runner::new(&t)
                .segments(4)
                .run(&shop_new::migration::Migrate, |_| {})
                .await
                .expect("migration");
            assert_eq!(report.changed as usize, MIGRATED);
        });
        let new_users: Vec<_> = users
            .iter()
            .map(|u| shop_new::User::new(u.user_id.clone(), u.email.clone()))
            .collect();
        let new_orders: Vec<_> = orders
            .iter()
            .map(|o| shop_new::Order::new(o.user_id.clone(), o.order_id.clone(), o.total))
            .collect();
        let rewrite = time(async {
            plain
                .batch_write()
                .put_all(&new_users)
                .put_all(&new_orders)
                .send()
                .await
                .expect("batch rewrite")
        });
        totals.add_two(round, migrate, rewrite).await;
    }
    let per_item = |c: Cost| Cost {
        wall: c.wall / MIGRATED as u32,
        cpu: c.cpu / MIGRATED as u32,
    };
    let row = totals.row("Migrate 2,000 items vs batch rewrite (/item)", 3);
    rows.push(Row {
        generated: per_item(row.generated),
        raw: per_item(row.raw),
        ..row
    });
    rows
}

fn print_table(title: &str, rows: &[Row], measure: fn(&Cost) -> Duration) {
    println!("\n{title}");
    println!(
        "{:<34} {:>12} {:>12} {:>14} {:>9} {:>11}",
        "operation", "generated", "raw SDK", "serde_dynamo", "gen/raw", "gen/serde"
    );
    for r in rows {
        let generated = measure(&r.generated);
        let ratio = |other: &Cost| generated.as_secs_f64() / measure(other).as_secs_f64();
        println!(
            "{:<34} {:>12.1?} {:>12.1?} {:>14} {:>9.3} {:>11}",
            r.name,
            generated,
            measure(&r.raw),
            r.serde
                .map(|s| format!("{:.1?}", measure(&s)))
                .unwrap_or_else(|| "-".into()),
            ratio(&r.raw),
            r.serde
                .map(|s| format!("{:.3}", ratio(&s)))
                .unwrap_or_else(|| "-".into()),
        );
    }
}

async fn run() -> Vec<Row> {
    let t = TestTable::create(&TABLE).await.expect("table");
    let client = t.client().clone();
    let name = t.name().to_owned();
    let mut rows = Vec::new();

    // Warm up the JVM and the connection pool.
    for n in 0..200 {
        t.put(&order(n)).await.expect("warm-up put");
    }

    // PutItem.
    let mut totals = Totals::default();
    for n in 0..ROUNDS {
        let o = order(n % ITEMS);
        let fg = time(async { t.put(&o).await.expect("put") });
        let fr = time(async {
            client
                .put_item()
                .table_name(&name)
                .set_item(Some(hand_to_item(&o)))
                .send()
                .await
                .expect("raw put")
        });
        let fs = time(async {
            client
                .put_item()
                .table_name(&name)
                .set_item(Some(serde_item(&o)))
                .send()
                .await
                .expect("serde put")
        });
        totals.add_three(n, fg, fr, fs).await;
    }
    rows.push(totals.row("PutItem (Order, 5 lines)", ROUNDS));
    // serde_dynamo stores timestamps in its own text form; put the items back in the
    // schema's form before reading.
    for n in 0..ITEMS {
        t.put(&order(n)).await.expect("put");
    }

    // GetItem and decode.
    let mut totals = Totals::default();
    for n in 0..ROUNDS {
        let o = order(n % ITEMS);
        let key = o.key();
        let pk = AttributeValue::S(format!("USER#{}", o.user_id));
        let sk = AttributeValue::S(format!(
            "ORDER#{}#{}",
            o.placed_at
                .to_rfc3339_opts(chrono::SecondsFormat::Nanos, true),
            o.order_id
        ));
        let raw_get = || {
            client
                .get_item()
                .table_name(&name)
                .key("pk", pk.clone())
                .key("sk", sk.clone())
                .send()
        };
        let fg = time(async { t.get(key).await.expect("get").expect("found") });
        let fr = time(async {
            let item = raw_get().await.expect("raw get").item.expect("found");
            hand_from_item(item).expect("decode")
        });
        let fs = time(async {
            let item = raw_get().await.expect("serde get").item.expect("found");
            serde_dynamo::from_item::<_, Order>(item).expect("decode")
        });
        totals.add_three(n, fg, fr, fs).await;
    }
    rows.push(totals.row("GetItem + decode", ROUNDS));

    // UpdateItem: status (rewrites gsi2pk) and total (rewrites lsi1sk), item must exist.
    let mut totals = Totals::default();
    for n in 0..ROUNDS {
        let o = order(n % ITEMS);
        let total = i64::try_from(n).unwrap_or(0);
        let fg = time(async {
            t.update(
                o.key(),
                Order::update()
                    .set_status(OrderStatus::Paid)
                    .set_total_cents(total),
            )
            .await
            .expect("update")
        });
        let fr = time(async {
            let placed = o
                .placed_at
                .to_rfc3339_opts(chrono::SecondsFormat::Nanos, true);
            client
                .update_item()
                .table_name(&name)
                .key("pk", AttributeValue::S(format!("USER#{}", o.user_id)))
                .key(
                    "sk",
                    AttributeValue::S(format!("ORDER#{placed}#{}", o.order_id)),
                )
                .update_expression("SET #s = :s, #g2 = :g2, #t = :t, #l = :l")
                .condition_expression("attribute_exists(#pk)")
                .expression_attribute_names("#s", "status")
                .expression_attribute_names("#g2", "gsi2pk")
                .expression_attribute_names("#t", "total_cents")
                .expression_attribute_names("#l", "lsi1sk")
                .expression_attribute_names("#pk", "pk")
                .expression_attribute_values(":s", AttributeValue::S("paid".into()))
                .expression_attribute_values(":g2", AttributeValue::S("STATUS#paid".into()))
                .expression_attribute_values(":t", AttributeValue::N(total.to_string()))
                .expression_attribute_values(":l", AttributeValue::S(format!("TOTAL#{total:019}")))
                .send()
                .await
                .expect("raw update")
        });
        totals.add_two(n, fg, fr).await;
    }
    rows.push(totals.row("UpdateItem (2 fields, 2 keys)", ROUNDS));

    // BatchWriteItem of 1,000 puts, one chunk at a time on both sides.
    let orders: Vec<Order> = (0..ITEMS).map(order).collect();
    let sequential = RetryPolicy {
        concurrency: 1,
        ..RetryPolicy::default()
    };
    let (mut g, mut gc, mut r) = (Cost::default(), Cost::default(), Cost::default());
    for _ in 0..BATCH_ROUNDS {
        g += time(async {
            t.batch_write()
                .put_all(&orders)
                .policy(sequential.clone())
                .send()
                .await
                .expect("batch")
        })
        .await;
        gc += time(async { t.batch_put(&orders).await.expect("batch") }).await;
        r += time(async {
            for chunk in orders.chunks(25) {
                let requests = chunk
                    .iter()
                    .map(|o| {
                        let put = aws_sdk_dynamodb::types::PutRequest::builder()
                            .set_item(Some(hand_to_item(o)))
                            .build()
                            .expect("put request");
                        aws_sdk_dynamodb::types::WriteRequest::builder()
                            .put_request(put)
                            .build()
                    })
                    .collect();
                let out = client
                    .batch_write_item()
                    .request_items(&name, requests)
                    .send()
                    .await
                    .expect("raw batch");
                assert!(out.unprocessed_items.is_none_or(|u| u.is_empty()));
            }
        })
        .await;
    }
    rows.push(Row {
        name: "BatchWriteItem 1,000 (sequential)",
        generated: g.mean(BATCH_ROUNDS),
        raw: r.mean(BATCH_ROUNDS),
        serde: None,
    });
    rows.push(Row {
        name: "BatchWriteItem 1,000 (4 at once)",
        generated: gc.mean(BATCH_ROUNDS),
        raw: r.mean(BATCH_ROUNDS),
        serde: None,
    });

    // BatchGetItem of 250 keys and decode.
    let keys: Vec<_> = orders.iter().take(250).map(Entity::key).collect();
    let raw_keys: Vec<HashMap<String, AttributeValue>> = orders
        .iter()
        .take(250)
        .map(|o| {
            let mut item = hand_to_item(o);
            item.retain(|k, _| k == "pk" || k == "sk");
            item
        })
        .collect();
    let (mut g, mut r) = (Cost::default(), Cost::default());
    for _ in 0..BATCH_ROUNDS {
        g += time(async {
            let got = t
                .batch_get(keys.clone())
                .policy(sequential.clone())
                .await
                .expect("batch get");
            assert_eq!(got.len(), 250);
        })
        .await;
        r += time(async {
            let mut decoded = Vec::new();
            for chunk in raw_keys.chunks(100) {
                let ka = aws_sdk_dynamodb::types::KeysAndAttributes::builder()
                    .set_keys(Some(chunk.to_vec()))
                    .build()
                    .expect("keys");
                let out = client
                    .batch_get_item()
                    .request_items(&name, ka)
                    .send()
                    .await
                    .expect("raw batch get");
                for item in out
                    .responses
                    .and_then(|mut r| r.remove(&name))
                    .unwrap_or_default()
                {
                    decoded.push(hand_from_item(item).expect("decode"));
                }
            }
            assert_eq!(decoded.len(), 250);
        })
        .await;
    }
    rows.push(Row {
        name: "BatchGetItem 250 + decode (seq.)",
        generated: g.mean(BATCH_ROUNDS),
        raw: r.mean(BATCH_ROUNDS),
        serde: None,
    });

    // Scan of the whole table (every page) and decode. All three filter on the type
    // attribute, as a generated scan does.
    let scan = singletable::ScanBuilder::<Order>::entity("bench_scan");
    let raw_scan = |decode: fn(Item) -> Order| {
        let client = client.clone();
        let name = name.clone();
        async move {
            let mut decoded = Vec::new();
            let mut start = None;
            loop {
                let out = client
                    .scan()
                    .table_name(&name)
                    .filter_expression("#t IN (:t)")
                    .expression_attribute_names("#t", "_type")
                    .expression_attribute_values(":t", AttributeValue::S("Order".into()))
                    .set_exclusive_start_key(start)
                    .send()
                    .await
                    .expect("raw scan");
                decoded.extend(out.items.unwrap_or_default().into_iter().map(decode));
                start = out.last_evaluated_key;
                if start.is_none() {
                    break decoded;
                }
            }
        }
    };
    let mut totals = Totals::default();
    let mut scanned = 0;
    for round in 0..BATCH_ROUNDS {
        let fg = time(async {
            scanned = scan.fetch(&t).await.expect("scan").len();
        });
        let fr = time(async {
            raw_scan(|item| hand_from_item(item).expect("decode")).await;
        });
        let fs = time(async {
            raw_scan(|item| serde_dynamo::from_item(item).expect("serde decode")).await;
        });
        totals.add_three(round, fg, fr, fs).await;
    }
    assert!(scanned > 0);
    println!("scan reads {scanned} orders per round");
    rows.push(totals.row("Scan whole table + decode", BATCH_ROUNDS));
    rows
}
