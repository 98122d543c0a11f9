//! `codegen lint`: design warnings about a schema that checks without errors. Each names a
//! rule, the place in the schema, and what to do; each can be allowed where it is reported
//! (or around it) with `lint: { allow: [code], reason: ... }` on the table, an index, an
//! entity, an entity's key templates, an access pattern or the whole schema.
//!
//! The rules:
//! - `hot-partition`: an entity of many items (its primary key has a field) with a constant
//!   partition template on the table, a global index, or the inverse index (whose partition
//!   is the primary sort template): every item of the entity shares one partition.
//! - `full-scan`: a pattern with `scan: true`. The schema language declares no filter or
//!   segments for a scan (they are chosen at the call), so every scan pattern is reported.
//! - `unprojected-attributes`: a pattern without `select:` on a `keys_only` or `include`
//!   index that lacks attributes of the entities it returns: callers get a projection and
//!   pay a read per whole item (`load`). (Patterns declare no filters; a `select:` naming
//!   attributes the index lacks is already an error.)
//! - `unqueried-index`: an index that entities write and no access pattern reads.
//! - `low-cardinality-partition`: a global index partition built only from enum and bool
//!   fields (without a `shard`): its items spread over a handful of partitions.
//! - `ttl-unused`: `ttl_attribute` that no entity stores, so nothing ever expires.
//! - `ttl-everywhere`: `ttl_attribute` required on every entity, so every item of the table
//!   expires.
//! - `stray-ttl`: a `ttl` attribute that is not the table's `ttl_attribute`, which DynamoDB
//!   never expires items by.
//! - `unused-allow`: a code in `lint.allow` that silences nothing where it is (a stale allow,
//!   or one on another node than the warning, such as `full-scan` on an entity rather than
//!   its pattern). Only `lint` reports it: `check` does not look for the design warnings.
//!
//! The validator's own warnings (`unused-index`, `unknown-projection-attribute`) are reported
//! too, and allowed the same way.

use std::path::Path;

use crate::ast::Schema;
use crate::diagnostics::{Anchor, Diagnostic};
use crate::model::{Derive, Entity, IndexKind, Model, PatternTarget, Projection, Type, TypeKind};
use crate::{Checked, Rule};

/// The rules only `codegen lint` checks.
pub const RULES: &[Rule] = &[
    Rule::HotPartition,
    Rule::FullScan,
    Rule::UnprojectedAttributes,
    Rule::UnqueriedIndex,
    Rule::LowCardinalityPartition,
    Rule::TtlUnused,
    Rule::TtlEverywhere,
    Rule::StrayTtl,
    Rule::UnusedAllow,
];

/// Checks schema text and, if it has no errors, lints it: every diagnostic of `check` and
/// every design warning, less the allowed ones, in the order of the file.
pub fn lint_str(path: impl AsRef<Path>, text: &str) -> Checked {
    let mut checked = crate::check_with(path.as_ref(), text, Some(lint));
    let source = &checked.source;
    checked.diagnostics.sort_by_key(|d| {
        let at = source.locate(d);
        (at.line, at.column)
    });
    checked
}

/// Reads and lints a schema file.
pub fn lint_file(path: impl AsRef<Path>) -> std::io::Result<Checked> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path)?;
    Ok(lint_str(path, &text))
}

/// `diagnostics` less the warnings `schema` allows; with `unused`, plus an `unused-allow`
/// warning for each allowed code that silenced nothing (itself allowed like any warning).
pub(crate) fn apply_allows(
    schema: &Schema,
    diagnostics: Vec<Diagnostic>,
    unused: bool,
) -> Vec<Diagnostic> {
    let mut used = std::collections::BTreeSet::new();
    let mut out: Vec<Diagnostic> = diagnostics
        .into_iter()
        .filter(|d| {
            let by = schema.allowing(d);
            used.extend(by.iter().copied());
            by.is_empty()
        })
        .collect();
    if unused {
        for (i, allow) in schema.allows.iter().enumerate() {
            for (j, (rule, path)) in allow.rules.iter().enumerate() {
                if used.contains(&(i, j)) || *rule == Rule::UnusedAllow {
                    continue;
                }
                let place = if allow.path.is_empty() {
                    "the schema".to_owned()
                } else {
                    format!("`{}`", allow.path)
                };
                let d = Diagnostic::new(
                    Rule::UnusedAllow,
                    path.clone(),
                    format!("`{rule}` is allowed on {place}, but nothing there reports it"),
                );
                if !schema.allows(&d) {
                    out.push(d);
                }
            }
        }
    }
    out
}

/// The design warnings of a model.
fn lint(model: &Model) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    hot_partitions(model, &mut out);
    scans(model, &mut out);
    unprojected(model, &mut out);
    unqueried(model, &mut out);
    low_cardinality(model, &mut out);
    ttl(model, &mut out);
    out
}

fn key_path(e: &Entity, index: &str, part: &str) -> String {
    format!("entities.{}.keys.{index}.{part}", e.name)
}

/// Whether the partition of `e`'s key on `index` is written by another template (the primary
/// one, for an index sharing the table's partition key).
fn shared_partition(e: &Entity, index: &str) -> bool {
    e.key(index)
        .is_some_and(|k| k.shared.contains(&k.partition.attribute))
}

fn hot_partitions(model: &Model, out: &mut Vec<Diagnostic>) {
    for e in &model.entities {
        // A constant primary key is one item (a singleton such as settings): nothing to spread.
        if e.primary_fields().is_empty() {
            continue;
        }
        for k in &e.keys {
            if k.partition.fields().next().is_some() {
                continue;
            }
            let text = &k.partition.text;
            let d = match k.kind {
                IndexKind::Primary => Diagnostic::new(
                    Rule::HotPartition,
                    key_path(e, "primary", "partition"),
                    format!(
                        "every `{}` item goes to the one table partition `{text}`",
                        e.name
                    ),
                ),
                IndexKind::Global if !shared_partition(e, &k.index) => Diagnostic::new(
                    Rule::HotPartition,
                    key_path(e, &k.index, "partition"),
                    format!(
                        "every `{}` item goes to the one partition `{text}` of index `{}`",
                        e.name, k.index
                    ),
                ),
                IndexKind::Inverse => Diagnostic::new(
                    Rule::HotPartition,
                    key_path(e, "primary", "sort"),
                    format!(
                        "index `{}` swaps the table's keys, so every `{}` item goes to its one partition `{text}`",
                        k.index, e.name
                    ),
                )
                .with_help(
                    "the inverse index partitions items by their primary sort key; give the sort template a field, or allow it if the entity stays small",
                ),
                _ => continue,
            };
            out.push(d);
        }
    }
}

fn scans(model: &Model, out: &mut Vec<Diagnostic>) {
    for p in model.access_patterns.iter().filter(|p| p.scan) {
        let what = if p.index == "primary" {
            "the whole table".to_owned()
        } else {
            format!("the whole index `{}`", p.index)
        };
        let entity = match &p.target {
            PatternTarget::Entity(e) => e.clone(),
            PatternTarget::Collection(es) => es.join("`, `"),
        };
        out.push(Diagnostic::new(
            Rule::FullScan,
            format!("access_patterns.{}.scan", p.name),
            format!("`{}` reads {what} to return its `{entity}` items", p.name),
        ));
    }
}

/// The stored attribute names an index holds besides its keys, `None` for all.
fn projected(model: &Model, index: &str) -> Option<Vec<String>> {
    let i = model.table.indexes.iter().find(|i| i.name == index)?;
    match &i.projection {
        Projection::All => None,
        Projection::KeysOnly => Some(Vec::new()),
        Projection::Include(names) => Some(names.clone()),
    }
}

fn unprojected(model: &Model, out: &mut Vec<Diagnostic>) {
    for p in model.access_patterns.iter().filter(|p| p.select.is_none()) {
        let Some(held) = projected(model, &p.index) else {
            continue;
        };
        let Some(index) = model.table.indexes.iter().find(|i| i.name == p.index) else {
            continue;
        };
        let keys: Vec<&str> = [
            Some(model.table.partition_key.as_str()),
            model.table.sort_key.as_deref(),
            Some(index.partition_key.as_str()),
            index.sort_key.as_deref(),
        ]
        .into_iter()
        .flatten()
        .chain(
            index
                .multi
                .iter()
                .flat_map(|(p, s)| p.iter().chain(s))
                .map(String::as_str),
        )
        .collect();
        let entities: Vec<&str> = match &p.target {
            PatternTarget::Entity(e) => vec![e.as_str()],
            PatternTarget::Collection(es) => es.iter().map(String::as_str).collect(),
        };
        for name in entities {
            let Some(e) = model.entities.iter().find(|e| e.name == name) else {
                continue;
            };
            let missing: Vec<&str> = e
                .attributes
                .iter()
                .map(|a| a.stored_name.as_str())
                .filter(|a| !held.iter().any(|h| h == a) && !keys.contains(a))
                .collect();
            if missing.is_empty() {
                continue;
            }
            const SHOWN: usize = 4;
            let mut list = missing
                .iter()
                .take(SHOWN)
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ");
            if missing.len() > SHOWN {
                list.push_str(&format!(" and {} more", missing.len() - SHOWN));
            }
            let holds = if held.is_empty() {
                "only keys".to_owned()
            } else {
                let names: Vec<String> = held.iter().map(|h| format!("`{h}`")).collect();
                format!("only {} besides the keys", names.join(", "))
            };
            out.push(
                Diagnostic::new(
                    Rule::UnprojectedAttributes,
                    format!("access_patterns.{}", p.name),
                    format!(
                        "`{}` reads `{}` items from index `{}`, which lacks {list}: callers get a projection and pay one more read per whole item (`load`)",
                        p.name, e.name, p.index
                    ),
                )
                .at_key()
                .also(
                    format!("table.indexes.{}", p.index),
                    Anchor::Key,
                    format!("index `{}` holds {holds}", p.index),
                ),
            );
        }
    }
}

fn unqueried(model: &Model, out: &mut Vec<Diagnostic>) {
    for index in &model.table.indexes {
        // The validator reports an inverse index no pattern reads (`unused-index`).
        if index.kind == IndexKind::Inverse {
            continue;
        }
        let writers: Vec<&str> = model
            .entities
            .iter()
            .filter(|e| e.key(&index.name).is_some() || e.native.contains(&index.name))
            .map(|e| e.name.as_str())
            .collect();
        let read = model.access_patterns.iter().any(|p| p.index == index.name);
        // An index no entity writes is the validator's `unused-index`.
        if writers.is_empty() || read {
            continue;
        }
        out.push(
            Diagnostic::new(
                Rule::UnqueriedIndex,
                format!("table.indexes.{}", index.name),
                format!(
                    "index `{}` is written by `{}` but no access pattern reads it",
                    index.name,
                    writers.join("`, `")
                ),
            )
            .at_key(),
        );
    }
}

/// How many values a key field can take, if few: an enum's values, a bool's two.
fn few_values(model: &Model, ty: &Type) -> Option<usize> {
    match ty {
        Type::Bool => Some(2),
        Type::Enum(name) => model.types.iter().find_map(|t| match &t.kind {
            TypeKind::Enum(values) if &t.name == name => Some(values.len()),
            _ => None,
        }),
        _ => None,
    }
}

fn low_cardinality(model: &Model, out: &mut Vec<Diagnostic>) {
    for e in &model.entities {
        // Templated keys: every field (none a shard) has few values.
        for k in &e.keys {
            if k.kind != IndexKind::Global || shared_partition(e, &k.index) {
                continue;
            }
            let fields: Vec<_> = k.partition.fields().collect();
            if fields.is_empty()
                || fields
                    .iter()
                    .any(|f| matches!(f.derive, Some(Derive::Shard(_))))
            {
                continue;
            }
            let counts: Option<Vec<(String, usize)>> = fields
                .iter()
                .map(|f| few_values(model, &f.ty).map(|n| (f.name.clone(), n)))
                .collect();
            if let Some(counts) = counts {
                out.push(low(
                    e,
                    &k.index,
                    key_path(e, &k.index, "partition"),
                    &counts,
                ));
            }
        }
        // Multi-attribute keys: every partition attribute has few values.
        for index in &e.native {
            let Some((partition, _)) = model
                .table
                .indexes
                .iter()
                .find(|i| &i.name == index)
                .and_then(|i| i.multi.as_ref())
            else {
                continue;
            };
            let counts: Option<Vec<(String, usize)>> = partition
                .iter()
                .map(|name| {
                    let a = e.attributes.iter().find(|a| &a.stored_name == name)?;
                    few_values(model, &a.ty).map(|n| (a.name.clone(), n))
                })
                .collect();
            if let Some(counts) = counts.filter(|c| !c.is_empty()) {
                let path = format!("entities.{}.keys.{index}", e.name);
                out.push(low(e, index, path, &counts));
            }
        }
    }
}

fn low(e: &Entity, index: &str, path: String, counts: &[(String, usize)]) -> Diagnostic {
    let total: usize = counts.iter().map(|(_, n)| n).product();
    let fields = counts
        .iter()
        .map(|(name, n)| format!("`{name}` has {n} values"))
        .collect::<Vec<_>>()
        .join(", ");
    Diagnostic::new(
        Rule::LowCardinalityPartition,
        path,
        format!(
            "`{}` items spread over at most {total} partitions of index `{index}` ({fields})",
            e.name
        ),
    )
}

fn ttl(model: &Model, out: &mut Vec<Diagnostic>) {
    let table_ttl = model.table.ttl_attribute.as_deref();
    if let Some(ttl) = table_ttl {
        let holders: Vec<_> = model
            .entities
            .iter()
            .filter_map(|e| e.attributes.iter().find(|a| a.stored_name == ttl))
            .collect();
        if holders.is_empty() {
            out.push(Diagnostic::new(
                Rule::TtlUnused,
                "table.ttl_attribute",
                format!(
                    "no entity stores the time-to-live attribute `{ttl}`, so no item ever expires"
                ),
            ));
        } else if holders.len() == model.entities.len() && holders.iter().all(|a| !a.optional) {
            out.push(Diagnostic::new(
                Rule::TtlEverywhere,
                "table.ttl_attribute",
                format!(
                    "every entity requires the time-to-live attribute `{ttl}`, so every item of the table expires"
                ),
            ));
        }
    }
    for e in &model.entities {
        for a in &e.attributes {
            if a.ty == Type::Ttl && Some(a.stored_name.as_str()) != table_ttl {
                let table = match table_ttl {
                    Some(t) => format!("the table's `ttl_attribute` is `{t}`"),
                    None => "the table declares no `ttl_attribute`".to_owned(),
                };
                out.push(Diagnostic::new(
                    Rule::StrayTtl,
                    format!("entities.{}.attributes.{}", e.name, a.name),
                    format!(
                        "`{}.{}` is a `ttl`, but {table}: DynamoDB never expires items by it",
                        e.name, a.name
                    ),
                ));
            }
        }
    }
}
