//! Semantic checks of a parsed schema. Reports every problem it finds, errors and warnings,
//! never panics, and never stops early. One module per part of the schema.

mod attributes;
mod keys;
mod patterns;
mod table;
mod types;

use std::collections::{BTreeMap, BTreeSet};

use crate::ast::{
    AccessPattern, Attribute, Auto, DefaultSpec, Entity, Index, KeyTemplates, Literal, Projection,
    Schema, Segment, Template, TypeDefKind, TypeExpr,
};
use crate::diagnostics::{Anchor, Diagnostic, Rule, closest, suggest};
use crate::names;

/// Checks the schema; returns every error and warning.
pub fn validate(schema: &Schema) -> Vec<Diagnostic> {
    let mut v = Validator {
        schema,
        out: Vec::new(),
    };
    v.table();
    v.type_names_and_types();
    v.entities();
    v.ambiguity();
    v.access_patterns();
    v.unused_indexes();
    v.out
}

pub use crate::model::IndexKind;

/// How an index declaration is used.
pub fn index_kind(schema: &Schema, index: &Index) -> IndexKind {
    let table = &schema.table;
    if index.local {
        IndexKind::Local
    } else if index.partition_key.as_deref() == table.sort_key.as_deref()
        && index.sort_key.as_deref() == Some(table.partition_key.as_str())
    {
        IndexKind::Inverse
    } else {
        IndexKind::Global
    }
}

/// Which halves (partition, sort) of a global index's key are the table's own key attributes
/// (a keys-only `UserIndex` sorting on the table's `SK`, say). An entity lists templates only
/// for the other half; the shared half is its primary template, written by the primary key.
pub fn shared_halves(schema: &Schema, index: &Index) -> (bool, bool) {
    if index_kind(schema, index) != IndexKind::Global {
        return (false, false);
    }
    let t = &schema.table;
    (
        index.partition_key.as_deref() == Some(t.partition_key.as_str()),
        index.sort_key.is_some() && index.sort_key.as_deref() == t.sort_key.as_deref(),
    )
}

/// Whether a type can appear in a key template.
pub fn is_key_scalar(schema: &Schema, ty: &TypeExpr) -> bool {
    match ty {
        TypeExpr::String
        | TypeExpr::Integer
        | TypeExpr::Timestamp
        | TypeExpr::Date
        | TypeExpr::Uuid
        | TypeExpr::Ulid
        | TypeExpr::Bool => true,
        TypeExpr::Named(n) => schema
            .types
            .iter()
            .any(|t| &t.name == n && matches!(t.kind, TypeDefKind::Enum(_))),
        _ => false,
    }
}

struct Validator<'s> {
    schema: &'s Schema,
    out: Vec<Diagnostic>,
}

const ESCAPE: char = '\\';

/// The label at the first of two declarations that clash.
const FIRST: &str = "first declared here";

impl<'s> Validator<'s> {
    fn push(&mut self, d: Diagnostic) {
        self.out.push(d);
    }

    fn delimiter(&self) -> char {
        let mut chars = self.schema.table.delimiter.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => c,
            _ => '#',
        }
    }

    fn index(&self, name: &str) -> Option<&'s Index> {
        self.schema.table.indexes.iter().find(|i| i.name == name)
    }

    /// The partition and sort templates `e` has on `index` (of kind `kind`), the halves it
    /// takes from its primary templates included; `None` if `e` lists nothing for the index.
    fn templates_of(
        &self,
        e: &'s Entity,
        index: &str,
        kind: IndexKind,
    ) -> Option<(Option<&'s Template>, Option<&'s Template>)> {
        let k: &KeyTemplates = e.keys_for(index)?;
        let primary = e.keys_for("primary");
        let (shared_pk, shared_sk) = self
            .index(index)
            .map_or((false, false), |i| shared_halves(self.schema, i));
        let partition = if kind == IndexKind::Local || shared_pk {
            primary.and_then(|p| p.partition.as_ref())
        } else {
            k.partition.as_ref()
        };
        let sort = if shared_sk {
            primary.and_then(|p| p.sort.as_ref())
        } else {
            k.sort.as_ref()
        };
        Some((partition, sort))
    }
}

/// Records `value` under `key` unless the key is taken; returns what took it first.
fn first_of<K: Ord, V: Clone>(map: &mut BTreeMap<K, V>, key: K, value: V) -> Option<V> {
    match map.entry(key) {
        std::collections::btree_map::Entry::Occupied(first) => Some(first.get().clone()),
        std::collections::btree_map::Entry::Vacant(slot) => {
            slot.insert(value);
            None
        }
    }
}
