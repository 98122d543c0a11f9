//! The fixture schemas' generated code, every fixture entity's decoder and every fixture
//! table's change enum, for the hostile-input property tests in `tests/hostile.rs`.
//!
//! A package of its own so that it alone builds with optimisation (see the workspace's
//! `Cargo.toml`): those tests run hundreds of thousands of cases, and the rest of the test
//! suite keeps its quick unoptimised builds.

#![deny(warnings)]

/// Generated from each fixture schema under `codegen/tests/fixtures/`.
pub mod fixtures {
    include!(concat!(env!("OUT_DIR"), "/fixtures.rs"));
}

/// One fixture entity's decoder and what its items may hold, for the property tests that
/// feed decoders hostile items (`tests/hostile.rs`).
pub struct Decoder {
    /// `fixture::Entity`.
    pub entity: &'static str,
    /// Every attribute its items may hold (table and index keys, the type attribute, its
    /// attributes) with the shape of its stored value (see `shape` in build.rs).
    pub attributes: &'static [(&'static str, &'static str)],
    /// Decodes an item as the entity, dropping the result.
    pub decode: fn(singletable::Item) -> singletable::Result<()>,
}

/// One fixture table's change enum, for the property test that feeds hostile stream records
/// to every table's change decoding (`tests/hostile.rs`).
pub struct ChangeDecoder {
    /// The fixture's name.
    pub fixture: &'static str,
    /// The entities of the fixture (stored names).
    pub entities: &'static [&'static str],
    /// Decodes a record as the table's change enum, dropping the result.
    pub from_record:
        fn(singletable::stream::ChangeRecord) -> Result<(), singletable::stream::RecordError>,
    /// Decodes a Lambda payload as the table's change enum, dropping each result.
    #[allow(clippy::type_complexity)]
    pub from_json: fn(
        &[u8],
    ) -> Result<
        Vec<Result<(), singletable::stream::RecordError>>,
        singletable::stream::RecordError,
    >,
}

/// Every fixture entity's [`Decoder`] and every fixture table's [`ChangeDecoder`].
pub mod decoders {
    include!(concat!(env!("OUT_DIR"), "/decoders.rs"));
}
