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
