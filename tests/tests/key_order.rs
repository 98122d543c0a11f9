//! Key order against an oracle: random events with hostile key values (the delimiter and `\`
//! inside strings, control, unicode and astral characters, empty strings, `i64::MIN`/`MAX`,
//! timestamps from year 1 to 9999 with nanoseconds, every enum value) are written through
//! generated code to one partition of DynamoDB Local per case; random narrowings of the
//! fixture's sort key `EV#{name}#{seq}#{at}#{kind}` (every operator on every field, both
//! orders, random limits, paging through cursors) are run through the generated query API,
//! and the items and their order are compared with an in-memory model.
//!
//! The model knows nothing of the runtime's encoder. It orders events by their typed values,
//! as the README's "Runtime guarantees" promise: integers numerically, timestamps
//! chronologically, enum values by their stored text, and a string field followed by the
//! delimiter by its text with `\` put before `#`, `\` and U+10FFFF, then `#`, compared in
//! code point order. That last rule is what makes `"a b"` sort before `"a"` (a space is below
//! `#`) and `"a#"` after `"a$"` (`\` is above `$`): key order, which every narrowing follows.

use std::cell::Cell;
use std::cmp::Ordering;
use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use singletable::Table;
use singletable::test_util::TestTable;
use tests::fixtures::key_order::{Event, Kind, TABLE};

/// The key fields of one event: `(name, seq, at, kind)`.
type Tuple = (String, i64, DateTime<Utc>, Kind);

/// Every enum value's stored text, in the order the model expects keys to sort.
const KIND_ORDER: [&str; 6] = ["A-1", "Zed", "closed", "open", "open-late", "z_9"];

fn kind_text(k: Kind) -> &'static str {
    match k {
        Kind::Open => "open",
        Kind::OpenLate => "open-late",
        Kind::Closed => "closed",
        Kind::Zed => "Zed",
        Kind::Z9 => "z_9",
        Kind::A1 => "A-1",
    }
}

fn kind_rank(k: Kind) -> usize {
    KIND_ORDER
        .iter()
        .position(|t| *t == kind_text(k))
        .expect("every kind is ranked")
}

/// A string field's place in key order: its text with `\` before `#`, `\` and U+10FFFF, and
/// the delimiter that ends the field.
fn string_rank(s: &str) -> Vec<char> {
    let mut out = Vec::with_capacity(s.len() + 2);
    for c in s.chars() {
        if matches!(c, '#' | '\\' | '\u{10FFFF}') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('#');
    out
}

fn cmp_name(a: &str, b: &str) -> Ordering {
    string_rank(a).cmp(&string_rank(b))
}

fn cmp_tuple(a: &Tuple, b: &Tuple) -> Ordering {
    cmp_name(&a.0, &b.0)
        .then(a.1.cmp(&b.1))
        .then(a.2.cmp(&b.2))
        .then(kind_rank(a.3).cmp(&kind_rank(b.3)))
}

/// A timestamp as RFC 3339 UTC with nine fractional digits, for `begins_with` on `at`.
fn timestamp_text(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.9fZ").to_string()
}

/// One operand of a narrowing, of the field's type.
#[derive(Debug, Clone)]
enum Value {
    Name(String),
    Seq(i64),
    At(DateTime<Utc>),
    Kind(Kind),
}

#[derive(Debug, Clone)]
enum Op {
    /// No narrowing of the next field.
    All,
    Eq(Value),
    Lt(Value),
    Le(Value),
    Gt(Value),
    Ge(Value),
    Between(Value, Value),
    /// On `name` and `at` only (the fields the generated API offers it on).
    BeginsWith(String),
}

#[derive(Debug, Clone)]
struct QuerySpec {
    /// How many leading fields are fixed by equality, taken from `fixed_from`.
    depth: usize,
    fixed_from: Tuple,
    op: Op,
    descending: bool,
    /// Run through `events_newest_first` (declared `order: desc`) rather than `events`.
    newest_first_pattern: bool,
    limit: Option<u32>,
}

/// Compares field `depth` of `t` with `v`.
fn cmp_field(t: &Tuple, v: &Value) -> Ordering {
    match v {
        Value::Name(n) => cmp_name(&t.0, n),
        Value::Seq(s) => t.1.cmp(s),
        Value::At(a) => t.2.cmp(a),
        Value::Kind(k) => kind_rank(t.3).cmp(&kind_rank(*k)),
    }
}

fn field_eq(t: &Tuple, depth: usize, from: &Tuple) -> bool {
    match depth {
        0 => t.0 == from.0,
        1 => t.1 == from.1,
        2 => t.2 == from.2,
        _ => t.3 == from.3,
    }
}

/// What the model says the query returns, in order.
fn expected(items: &BTreeSet<TupleKey>, q: &QuerySpec) -> Vec<Tuple> {
    let mut out: Vec<Tuple> = items
        .iter()
        .map(|k| k.0.clone())
        .filter(|t| (0..q.depth).all(|d| field_eq(t, d, &q.fixed_from)))
        .filter(|t| match &q.op {
            Op::All => true,
            Op::Eq(v) => cmp_field(t, v) == Ordering::Equal,
            Op::Lt(v) => cmp_field(t, v) == Ordering::Less,
            Op::Le(v) => cmp_field(t, v) != Ordering::Greater,
            Op::Gt(v) => cmp_field(t, v) == Ordering::Greater,
            Op::Ge(v) => cmp_field(t, v) != Ordering::Less,
            Op::Between(a, b) => {
                cmp_field(t, a) != Ordering::Less && cmp_field(t, b) != Ordering::Greater
            }
            Op::BeginsWith(p) => match q.depth {
                0 => t.0.starts_with(p.as_str()),
                _ => timestamp_text(&t.2).starts_with(p.as_str()),
            },
        })
        .collect();
    if q.descending {
        out.reverse();
    }
    out
}

/// A tuple ordered by the model's key order (distinct tuples never compare equal).
#[derive(Debug, Clone, PartialEq, Eq)]
struct TupleKey(Tuple);

impl Ord for TupleKey {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_tuple(&self.0, &other.0)
    }
}
impl PartialOrd for TupleKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

// ---- strategies -------------------------------------------------------------------------

fn hostile_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => prop::sample::select(vec![
            '#', '\\', ' ', '!', '"', '$', 'a', 'b', 'A', '0', '\u{1}', '\u{7f}', 'é', '\u{FFFD}',
            '\u{E000}', '\u{FFFF}', '😀', '\u{10FFFF}', '\u{10000}',
        ]),
        1 => any::<char>(),
    ]
}

fn hostile_string() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => Just(String::new()),
        1 => prop::sample::select(vec!["a", "a b", "a!", "a#", "a\\", "ab", "a$", "#", "\\"])
            .prop_map(str::to_owned),
        4 => prop::collection::vec(hostile_char(), 1..5).prop_map(String::from_iter),
    ]
}

fn hostile_int() -> impl Strategy<Value = i64> {
    prop_oneof![
        prop::sample::select(vec![
            i64::MIN,
            i64::MIN + 1,
            -1_000_000_000_000,
            -10,
            -9,
            -1,
            0,
            1,
            9,
            10,
            1_000_000_000_000,
            i64::MAX - 1,
            i64::MAX,
        ]),
        any::<i64>(),
        -100i64..100,
    ]
}

/// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z in seconds since the epoch.
const FIRST_SECOND: i64 = -62_135_596_800;
const LAST_SECOND: i64 = 253_402_300_799;

fn hostile_timestamp() -> impl Strategy<Value = DateTime<Utc>> {
    let secs = prop_oneof![
        Just(FIRST_SECOND),
        Just(LAST_SECOND),
        Just(0i64),
        FIRST_SECOND..=LAST_SECOND,
        // Near one another, so one prefix or range holds several.
        1_700_000_000i64..1_700_000_100,
    ];
    let nanos = prop_oneof![Just(0u32), Just(999_999_999u32), 0u32..1_000_000_000];
    (secs, nanos).prop_map(|(s, n)| DateTime::from_timestamp(s, n).expect("in range"))
}

fn any_kind() -> impl Strategy<Value = Kind> {
    prop::sample::select(Kind::ALL.to_vec())
}

/// Per case: small pools of values per field, so items share fields and narrowings that fix
/// leading fields find several items; the items are drawn from the pools.
#[derive(Debug, Clone)]
struct Case {
    items: Vec<Tuple>,
    queries: Vec<QuerySpec>,
}

fn case(max_items: usize, queries: usize) -> impl Strategy<Value = Case> {
    let pools = (
        prop::collection::vec(hostile_string(), 1..5),
        prop::collection::vec(hostile_int(), 1..4),
        prop::collection::vec(hostile_timestamp(), 1..4),
    );
    pools.prop_flat_map(move |(names, seqs, ats)| {
        let tuple = (
            prop::sample::select(names.clone()),
            prop::sample::select(seqs.clone()),
            prop::sample::select(ats.clone()),
            any_kind(),
        );
        let items = prop::collection::vec(tuple, 1..max_items);
        (items, Just((names, seqs, ats)))
            .prop_flat_map(move |(items, (names, seqs, ats))| {
                let q = query(items.clone(), names.clone(), seqs.clone(), ats.clone());
                (Just(items), prop::collection::vec(q, queries))
            })
            .prop_map(|(items, queries)| Case { items, queries })
    })
}

/// An operand for field `depth`: often a value an item has, sometimes a near or random one.
fn operand(
    depth: usize,
    names: Vec<String>,
    seqs: Vec<i64>,
    ats: Vec<DateTime<Utc>>,
) -> BoxedStrategy<Value> {
    match depth {
        0 => prop_oneof![
            2 => prop::sample::select(names.clone()).prop_map(Value::Name),
            1 => (prop::sample::select(names), hostile_char())
                .prop_map(|(n, c)| Value::Name(format!("{n}{c}"))),
            1 => hostile_string().prop_map(Value::Name),
        ]
        .boxed(),
        1 => prop_oneof![
            2 => prop::sample::select(seqs.clone()).prop_map(Value::Seq),
            1 => (prop::sample::select(seqs), -1i64..=1)
                .prop_map(|(s, d)| Value::Seq(s.saturating_add(d))),
            1 => hostile_int().prop_map(Value::Seq),
        ]
        .boxed(),
        2 => prop_oneof![
            2 => prop::sample::select(ats.clone()).prop_map(Value::At),
            1 => (prop::sample::select(ats), -1i64..=1).prop_map(|(a, d)| {
                Value::At(a + chrono::Duration::nanoseconds(d))
            }),
            1 => hostile_timestamp().prop_map(Value::At),
        ]
        .boxed(),
        _ => any_kind().prop_map(Value::Kind).boxed(),
    }
}

fn query(
    items: Vec<Tuple>,
    names: Vec<String>,
    seqs: Vec<i64>,
    ats: Vec<DateTime<Utc>>,
) -> impl Strategy<Value = QuerySpec> {
    let fixed = prop::sample::select(items);
    (0usize..4, fixed).prop_flat_map(move |(depth, fixed_from)| {
        let v = || operand(depth, names.clone(), seqs.clone(), ats.clone());
        let prefixes = {
            // A prefix of the field's text as an item has it, or a random one.
            let own = match depth {
                0 => fixed_from.0.clone(),
                _ => timestamp_text(&fixed_from.2),
            };
            let cut = own.chars().count();
            (0..=cut, hostile_string()).prop_map(move |(n, random)| {
                if n == cut && !random.is_empty() && depth == 0 {
                    random
                } else {
                    own.chars().take(n).collect()
                }
            })
        };
        let mut ops: Vec<(u32, BoxedStrategy<Op>)> = vec![
            (1, Just(Op::All).boxed()),
            (2, v().prop_map(Op::Eq).boxed()),
            (2, v().prop_map(Op::Lt).boxed()),
            (2, v().prop_map(Op::Le).boxed()),
            (2, v().prop_map(Op::Gt).boxed()),
            (2, v().prop_map(Op::Ge).boxed()),
            (3, (v(), v()).prop_map(|(a, b)| Op::Between(a, b)).boxed()),
        ];
        if depth == 0 || depth == 2 {
            ops.push((2, prefixes.prop_map(Op::BeginsWith).boxed()));
        }
        (
            prop::strategy::Union::new_weighted(ops),
            any::<bool>(),
            prop::bool::weighted(0.2),
            prop::option::weighted(0.6, 1u32..8),
        )
            .prop_map(
                move |(op, descending, newest_first_pattern, limit)| QuerySpec {
                    depth,
                    fixed_from: fixed_from.clone(),
                    op,
                    descending,
                    newest_first_pattern,
                    limit,
                },
            )
    })
}

// ---- running a query through the generated API -----------------------------------------

fn tuple_of(e: &Event) -> Tuple {
    (e.name.clone(), e.seq, e.at, e.kind)
}

/// Whether the operand is a timestamp no key can hold (after year 9999): an error, not a query.
fn out_of_range(op: &Op) -> bool {
    let late = |v: &Value| matches!(v, Value::At(t) if t.timestamp() > LAST_SECOND);
    match op {
        Op::Eq(v) | Op::Lt(v) | Op::Le(v) | Op::Gt(v) | Op::Ge(v) => late(v),
        Op::Between(a, b) => late(a) || late(b),
        Op::All | Op::BeginsWith(_) => false,
    }
}

/// Between with the bounds in key order: the model's reading of a reversed `between`.
fn bounds_reversed(a: &Value, b: &Value) -> bool {
    let probe = match a {
        Value::Name(n) => (n.clone(), 0, DateTime::UNIX_EPOCH, Kind::Open),
        Value::Seq(s) => (String::new(), *s, DateTime::UNIX_EPOCH, Kind::Open),
        Value::At(t) => (String::new(), 0, *t, Kind::Open),
        Value::Kind(k) => (String::new(), 0, DateTime::UNIX_EPOCH, *k),
    };
    cmp_field(&probe, b) == Ordering::Greater
}

/// Runs `q` through the generated API, every page, and returns the items in the order read.
async fn run(table: &Table, stream: &str, q: &QuerySpec) -> singletable::Result<Vec<Tuple>> {
    macro_rules! finish {
        ($builder:expr) => {{
            let mut b = $builder;
            match (q.newest_first_pattern, q.descending) {
                // `events` is ascending and `events_newest_first` descending by default.
                (false, true) => b = b.descending(),
                (true, false) => b = b.ascending(),
                _ => {}
            }
            if let Some(limit) = q.limit {
                b = b.limit(limit);
            }
            read_pages(table, &b, q.limit).await
        }};
    }
    macro_rules! narrow {
        ($start:expr) => {{
            let start = $start;
            let f = &q.fixed_from;
            match (q.depth, &q.op) {
                (0, Op::All) => finish!(start),
                (0, Op::Eq(Value::Name(v))) => finish!(start.name_eq(v)),
                (0, Op::Lt(Value::Name(v))) => finish!(start.name_lt(v)),
                (0, Op::Le(Value::Name(v))) => finish!(start.name_lte(v)),
                (0, Op::Gt(Value::Name(v))) => finish!(start.name_gt(v)),
                (0, Op::Ge(Value::Name(v))) => finish!(start.name_gte(v)),
                (0, Op::Between(Value::Name(a), Value::Name(b))) => {
                    finish!(start.name_between(a, b))
                }
                (0, Op::BeginsWith(p)) => finish!(start.name_begins_with(p)),
                (1, op) => {
                    let s = start.name_eq(&f.0);
                    match op {
                        Op::All => finish!(s),
                        Op::Eq(Value::Seq(v)) => finish!(s.seq_eq(*v)),
                        Op::Lt(Value::Seq(v)) => finish!(s.seq_lt(*v)),
                        Op::Le(Value::Seq(v)) => finish!(s.seq_lte(*v)),
                        Op::Gt(Value::Seq(v)) => finish!(s.seq_gt(*v)),
                        Op::Ge(Value::Seq(v)) => finish!(s.seq_gte(*v)),
                        Op::Between(Value::Seq(a), Value::Seq(b)) => {
                            finish!(s.seq_between(*a, *b))
                        }
                        other => unreachable!("{other:?} on seq"),
                    }
                }
                (2, op) => {
                    let s = start.name_eq(&f.0).seq_eq(f.1);
                    match op {
                        Op::All => finish!(s),
                        Op::Eq(Value::At(v)) => finish!(s.at_eq(*v)),
                        Op::Lt(Value::At(v)) => finish!(s.at_lt(*v)),
                        Op::Le(Value::At(v)) => finish!(s.at_lte(*v)),
                        Op::Gt(Value::At(v)) => finish!(s.at_gt(*v)),
                        Op::Ge(Value::At(v)) => finish!(s.at_gte(*v)),
                        Op::Between(Value::At(a), Value::At(b)) => finish!(s.at_between(*a, *b)),
                        Op::BeginsWith(p) => finish!(s.at_begins_with(p)),
                        other => unreachable!("{other:?} on at"),
                    }
                }
                (3, op) => {
                    let s = start.name_eq(&f.0).seq_eq(f.1).at_eq(f.2);
                    match op {
                        Op::All => finish!(s),
                        Op::Eq(Value::Kind(v)) => finish!(s.kind_eq(*v)),
                        Op::Lt(Value::Kind(v)) => finish!(s.kind_lt(*v)),
                        Op::Le(Value::Kind(v)) => finish!(s.kind_lte(*v)),
                        Op::Gt(Value::Kind(v)) => finish!(s.kind_gt(*v)),
                        Op::Ge(Value::Kind(v)) => finish!(s.kind_gte(*v)),
                        Op::Between(Value::Kind(a), Value::Kind(b)) => {
                            finish!(s.kind_between(*a, *b))
                        }
                        other => unreachable!("{other:?} on kind"),
                    }
                }
                other => unreachable!("{other:?}"),
            }
        }};
    }
    if q.newest_first_pattern {
        narrow!(Event::events_newest_first(stream))
    } else {
        narrow!(Event::events(stream))
    }
}

async fn read_pages<S: singletable::Stage<Item = Event>>(
    table: &Table,
    query: &singletable::QueryBuilder<S>,
    limit: Option<u32>,
) -> singletable::Result<Vec<Tuple>> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = query.page(table, cursor.as_ref()).await?;
        if let Some(limit) = limit {
            assert!(page.items.len() <= limit as usize, "a page over its limit");
        }
        out.extend(page.items.iter().map(tuple_of));
        match page.cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(out),
        }
    }
}

// ---- the property ------------------------------------------------------------------------

/// Cases (one partition each), items per case at most, queries per case.
const CASES: u32 = 256;
const MAX_ITEMS: usize = 40;
const QUERIES: usize = 25;

#[test]
fn narrowings_return_what_the_model_says_in_key_order() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let t = rt
        .block_on(TestTable::create(&TABLE))
        .expect("create table");
    let started = std::time::Instant::now();
    let counter = Cell::new(0u32);
    let (items_written, queries_run) = (Cell::new(0usize), Cell::new(0usize));
    let (items_returned, refused) = (Cell::new(0usize), Cell::new(0usize));
    let mut runner = TestRunner::new(Config {
        cases: CASES,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&case(MAX_ITEMS, QUERIES), |c| {
        counter.set(counter.get() + 1);
        let stream = format!("s{}", counter.get());
        let model: BTreeSet<TupleKey> = c.items.iter().cloned().map(TupleKey).collect();
        rt.block_on(async {
            let events: Vec<Event> = model
                .iter()
                .map(|k| {
                    let (name, seq, at, kind) = k.0.clone();
                    Event::new(stream.clone(), name, seq, at, kind)
                })
                .collect();
            t.batch_write()
                .put_all(&events)
                .send()
                .await
                .map_err(|e| TestCaseError::fail(format!("write: {e}")))?;
            items_written.set(items_written.get() + events.len());
            for q in &c.queries {
                queries_run.set(queries_run.get() + 1);
                let want = expected(&model, q);
                let reversed = matches!(&q.op, Op::Between(a, b) if bounds_reversed(a, b));
                match run(&t, &stream, q).await {
                    Err(singletable::Error::Key { .. }) if out_of_range(&q.op) => {}
                    Ok(_) if out_of_range(&q.op) => {
                        return Err(TestCaseError::fail(format!("{q:?} is no key")));
                    }
                    Ok(got) => {
                        items_returned.set(items_returned.get() + got.len());
                        prop_assert_eq!(&got, &want, "query {:?}", q);
                    }
                    Err(e) if reversed => {
                        // DynamoDB refuses BETWEEN with bounds out of order.
                        refused.set(refused.get() + 1);
                        prop_assert!(want.is_empty(), "{e}");
                    }
                    Err(e) => return Err(TestCaseError::fail(format!("{q:?}: {e}"))),
                }
            }
            Ok(())
        })
    });
    let elapsed = started.elapsed();
    eprintln!(
        "key order: {} cases, {} items written, {} queries returning {} items \
         ({} reversed betweens refused), {:.1} s",
        counter.get(),
        items_written.get(),
        queries_run.get(),
        items_returned.get(),
        refused.get(),
        elapsed.as_secs_f64()
    );
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// The model's enum order is the generated `Ord` (variants declared in stored-text order).
#[test]
fn enum_order_is_the_models() {
    let mut kinds = Kind::ALL.to_vec();
    kinds.sort();
    let texts: Vec<&str> = kinds.iter().map(|k| kind_text(*k)).collect();
    assert_eq!(texts, KIND_ORDER);
    assert!(Kind::ALL.iter().all(|k| k.as_str() == kind_text(*k)));
}
