//! # singletable
//!
//! The runtime that code generated from a `schema.yaml` single-table design compiles
//! against: a [`Table`] handle with typed single-item operations, the [`Entity`] trait,
//! typed keys ([`PartitionKey`], [`SortKey`], [`Key`]), attribute codecs, expressions,
//! queries with opaque cursors and lazy streams, table definitions, and one [`Error`] type.
//!
//! Generated code reaches every dependency through [`__private`], so an application depends on
//! `singletable` alone (and on `codegen` as a build dependency).
//!
//! Modules depend in one direction, each only on those listed before it:
//!
//! 1. values: `error`, `key`, `codec`, `size`, `expr`, `entity`, `field`;
//! 2. `request`: the [`Table`] handle and the plumbing every request shares (spans, consumed
//!    capacity, key items, size-checked items, write conditions, failure mapping);
//! 3. operations: `update`, `query`, `batch`, `transact`, `definition`;
//! 4. `table` (the single-item operations and `Table`'s entry points to them) and `builder`
//!    (the builders generated access patterns return);
//! 5. `test_util`.

#![warn(missing_docs)]

pub mod batch;
pub mod builder;
pub mod codec;
pub mod definition;
pub mod derive;
pub mod entity;
pub mod error;
pub mod expr;
pub mod field;
pub mod key;
pub mod migrate;
pub mod query;
mod request;
pub mod rules;
pub mod size;
pub mod stream;
pub mod table;
#[cfg(feature = "test-util")]
pub mod test_util;
pub mod transact;
pub mod ulid;
pub mod unique;
pub mod update;

/// An item as the SDK represents it.
pub type Item = std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>;

pub use batch::{BatchGet, BatchWrite, RetryPolicy};
pub use builder::{
    Collect, Eventual, Narrowing, Plain, QueryBuilder, ScanBuilder, SortTemplate, Stage, Strong,
};
pub use definition::{
    IndexDefinition, KeyScalar, MultiKey, Projection, StreamView, TableDefinition,
};
pub use entity::{Entity, WriteStamp};
pub use error::{
    CancellationReason, DecodeError, EncodeError, Error, KeyError, LimitError, Result, Transient,
    UnknownEnumValue, Unprocessed, UnprocessedRequest,
};
pub use expr::{Comparison, Condition, Operand, Path};
pub use field::{AttributeType, Field, Size, kind};
pub use key::{Key, KeyAttribute, PartitionKey, SortKey};
pub use query::{Cursor, CursorKey, Narrow, Page, Query, SortCondition};
pub use rules::{Defaults, IndexKeys, IndexRule, UpdateRules};
pub use table::Table;
pub use transact::{Slot, TransactGet, TransactGetResults, TransactWrite};
pub use ulid::Ulid;
pub use update::{NestedUpdate, Update, UpdateItem};

/// Re-exports for generated code. Not a stable API: generated code and this crate move in
/// lockstep.
#[doc(hidden)]
pub mod __private {
    pub use aws_sdk_dynamodb;
    pub use aws_sdk_dynamodb::types::AttributeValue;
    pub use chrono;
    pub use futures;
    pub use serde;
    pub use uuid;

    pub use crate::builder::Finished;
    pub use crate::codec::{self, AttributeCodec, CodecError, ListElement};
    pub use crate::key::{KeyText, KeyValue};

    /// The one import of a generated module: every name generated code uses unqualified.
    /// The validator rejects schema type names that would clash with these.
    pub mod prelude {
        pub use std::collections::{BTreeMap, BTreeSet};

        pub use aws_sdk_dynamodb::types::AttributeValue;
        pub use chrono::{DateTime, NaiveDate, Utc};
        pub use serde::{Deserialize, Serialize};
        pub use uuid::Uuid;

        pub use crate::builder::{
            Collect, Eventual, Narrowing, Part, Plain, QueryBuilder, ScanBuilder, SortTemplate,
            Stage, Strong,
        };
        pub use crate::codec::ttl::Expiry;
        pub use crate::codec::{
            self, AttributeCodec, CodecError, EnumValue, ItemWriter, ListElement, Nested,
        };
        pub use crate::derive;
        pub use crate::field::{Reach, kind};
        pub use crate::key::{KeyText, KeyValue};
        pub use crate::query::{NativeNarrowing, key_part};
        pub use crate::stream;
        pub use crate::unique::Unique;
        pub use crate::{__impl_stage as impl_stage, __impl_update as impl_update};
        pub use crate::{
            Condition, Defaults, Entity, Field, IndexDefinition, IndexKeys, IndexRule, Item, Key,
            KeyScalar, MultiKey, NestedUpdate, PartitionKey, Path, Projection, Query, Result,
            SortCondition, SortKey, StreamView, Table, TableDefinition, Ulid, UnknownEnumValue,
            Update, UpdateRules, WriteStamp,
        };
    }
}

/// Includes the code that `codegen` wrote from `build.rs` into `OUT_DIR/singletable.rs`.
///
/// ```ignore
/// singletable::include_generated!();
/// ```
#[macro_export]
macro_rules! include_generated {
    () => {
        include!(concat!(env!("OUT_DIR"), "/singletable.rs"));
    };
    ($file:literal) => {
        include!(concat!(env!("OUT_DIR"), "/", $file));
    };
}
