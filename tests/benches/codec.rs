//! Generated `to_item`/`from_item` against a hand-written conversion producing the same item
//! and against serde_dynamo, for a realistic entity (`Order` from the repository schema: a
//! nested list of documents, an enum, a timestamp, an optional TTL, four index keys).
//!
//! `cargo bench -p tests --bench codec`. serde_dynamo converts the attributes only (no key
//! attributes, no type attribute), so it does less work than the other two.

#[allow(dead_code)] // the writes bench uses all of it
mod common;

use common::{hand_from_item, hand_to_item, sample};
use criterion::{Criterion, criterion_group, criterion_main};
use singletable::{Entity, Item};
use tests::design::Order;

fn bench(c: &mut Criterion) {
    let order = sample();
    let generated_item = order.to_item().unwrap();
    let hand_item = hand_to_item(&order);
    assert_eq!(
        generated_item, hand_item,
        "the hand-written item must match"
    );
    assert_eq!(hand_from_item(hand_item.clone()).unwrap(), order);
    let serde_item: Item = serde_dynamo::to_item(&order).unwrap();
    let back: Order = serde_dynamo::from_item(serde_item.clone()).unwrap();
    assert_eq!(back, order);

    let mut to = c.benchmark_group("to_item");
    to.bench_function("generated", |b| {
        b.iter(|| std::hint::black_box(&order).to_item().unwrap())
    });
    to.bench_function("hand_written", |b| {
        b.iter(|| hand_to_item(std::hint::black_box(&order)))
    });
    to.bench_function("serde_dynamo", |b| {
        b.iter(|| serde_dynamo::to_item::<_, Item>(std::hint::black_box(&order)).unwrap())
    });
    to.finish();

    let mut from = c.benchmark_group("from_item");
    from.bench_function("generated", |b| {
        b.iter_batched(
            || generated_item.clone(),
            |i| Order::from_item(i).unwrap(),
            criterion::BatchSize::SmallInput,
        )
    });
    from.bench_function("hand_written", |b| {
        b.iter_batched(
            || generated_item.clone(),
            |i| hand_from_item(i).unwrap(),
            criterion::BatchSize::SmallInput,
        )
    });
    from.bench_function("serde_dynamo", |b| {
        b.iter_batched(
            || serde_item.clone(),
            |i| serde_dynamo::from_item::<_, Order>(i).unwrap(),
            criterion::BatchSize::SmallInput,
        )
    });
    from.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
