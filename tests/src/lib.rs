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
