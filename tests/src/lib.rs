//! Cross-crate integration tests: code generated from the repository's `schema.yaml` and
//! from every fixture schema, compiled here under `#![deny(warnings)]` (and clippy with
//! `-D warnings` in CI), and exercised against DynamoDB Local by the tests in `tests/`.

#![deny(warnings)]

/// Generated from the repository's `schema.yaml`: the example app's task tracker, which the
/// parity suite (`tests/parity.rs`) runs against.
pub mod app {
    singletable::include_generated!("app.rs");
}

/// The repository's `schema.yaml` generated with `codegen::Builder::serde(false)`: the same
/// API without serde derives.
pub mod app_without_serde {
    singletable::include_generated!("app_without_serde.rs");
}

/// Generated from each fixture schema under `codegen/tests/fixtures/`.
pub mod fixtures {
    include!(concat!(env!("OUT_DIR"), "/fixtures.rs"));
}

/// The DESIGN.md example (`codegen/tests/fixtures/design.yaml`): users and their orders.
pub use fixtures::design;

/// The shop of `codegen/tests/migrations/shop/` before its schema change.
pub mod shop_old {
    singletable::include_generated!("shop_old.rs");
}

/// The shop after its schema change, with the migration `codegen migration` generated for
/// it (compiled against this version's code).
pub mod shop_new {
    singletable::include_generated!("shop_new.rs");

    /// The generated migration from the old version.
    pub mod migration {
        use super::*;
        include!(concat!(env!("OUT_DIR"), "/shop_migration.rs"));
    }
}

/// Turns on `table`'s stream with new and old images, for tests that read the stream of a
/// fixture whose schema declares none.
pub async fn enable_stream(table: &singletable::Table) {
    use aws_sdk_dynamodb::types::{StreamSpecification, StreamViewType};
    let stream = StreamSpecification::builder()
        .stream_enabled(true)
        .stream_view_type(StreamViewType::NewAndOldImages)
        .build()
        .expect("a stream specification");
    table
        .client()
        .update_table()
        .table_name(table.name())
        .stream_specification(stream)
        .send()
        .await
        .expect("enable the table's stream");
}

/// Every item of `table` as stored (a consistent scan of all pages), for tests that check
/// the table's raw contents.
pub async fn scan_all(table: &singletable::Table) -> Vec<singletable::Item> {
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let out = table
            .client()
            .scan()
            .table_name(table.name())
            .consistent_read(true)
            .set_exclusive_start_key(start)
            .send()
            .await
            .expect("scan the table");
        items.extend(out.items.unwrap_or_default());
        match out.last_evaluated_key {
            Some(k) => start = Some(k),
            None => return items,
        }
    }
}
