//! Schema changes and what they do to stored data. In single-table design key templates,
//! stored type names and attribute names are data: changing them compiles fine and hides or
//! breaks every item already in the table. [`diff`] compares two versions of a schema and
//! classifies every change as safe, needing a backfill of existing items, or breaking.

use std::fmt::Write as _;

use crate::model::{Attribute, Entity, Key, Model, Projection, Type, TypeKind};

/// What a change does to items already stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Class {
    /// Existing items stay readable and correct.
    Safe,
    /// Existing items stay readable but miss something the new schema writes (index keys,
    /// markers) until a migration rewrites them.
    Backfill,
    /// Existing items become unreadable, unreachable or wrong.
    Breaking,
}

impl Class {
    /// `safe`, `needs-backfill` or `breaking`.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Safe => "safe",
            Class::Backfill => "needs-backfill",
            Class::Breaking => "breaking",
        }
    }
}

/// Declares [`Kind`] with each kind's code and class on one line.
macro_rules! kinds {
    ($($(#[doc = $doc:literal])* $variant:ident = $code:literal, $class:ident;)*) => {
        /// A kind of schema change.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Kind {
            $($(#[doc = $doc])* $variant,)*
        }

        impl Kind {
            /// Every kind.
            pub const ALL: &'static [Kind] = &[$(Kind::$variant),*];

            /// The stable code, such as `key-changed`.
            pub fn code(self) -> &'static str {
                match self { $(Kind::$variant => $code,)* }
            }

            /// What the change does to stored items.
            pub fn class(self) -> Class {
                match self { $(Kind::$variant => Class::$class,)* }
            }
        }
    };
}

kinds! {
    /// The delimiter, a table key attribute or the type attribute changed.
    TableChanged = "table-changed", Breaking;
    /// An entity is gone (or renamed: its stored type name changed).
    EntityRemoved = "entity-removed", Breaking;
    /// A new entity.
    EntityAdded = "entity-added", Safe;
    /// A key template of an index the entity is in changed.
    KeyChanged = "key-changed", Breaking;
    /// The entity left an index.
    KeyRemoved = "key-removed", Breaking;
    /// The entity joined an index: existing items have no keys for it yet.
    KeyAdded = "key-added", Backfill;
    /// A conditional index's `when` changed: existing items' keys follow the old one.
    WhenChanged = "when-changed", Backfill;
    /// An attribute's stored name changed.
    AttributeRenamed = "attribute-renamed", Breaking;
    /// An attribute's type changed.
    AttributeTypeChanged = "attribute-type-changed", Breaking;
    /// An attribute every item must now have, with no default for items without it.
    AttributeRequired = "attribute-required", Breaking;
    /// A new optional or defaulted attribute.
    AttributeAdded = "attribute-added", Safe;
    /// An attribute is gone; stored values stay and are ignored.
    AttributeRemoved = "attribute-removed", Safe;
    /// An attribute became unique: existing values have no markers yet.
    UniqueAdded = "unique-added", Backfill;
    /// An enum lost a value stored items may hold.
    EnumValueRemoved = "enum-value-removed", Breaking;
    /// An enum value was renamed (`was: { old: new }`): a migration rewrites stored ones.
    EnumValueRenamed = "enum-value-renamed", Breaking;
    /// An enum gained a value.
    EnumValueAdded = "enum-value-added", Safe;
    /// An index projects fewer attributes.
    ProjectionNarrowed = "projection-narrowed", Breaking;
    /// An access pattern was added or removed.
    PatternChanged = "pattern-changed", Safe;
}

/// One change between two versions of a schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// What kind of change.
    pub kind: Kind,
    /// Where, as a YAML path (in the new schema, or the old one for something removed).
    pub path: String,
    /// The line in the old schema, when the change is about something it has.
    pub old_line: Option<usize>,
    /// The line in the new schema, when the change is about something it has.
    pub new_line: Option<usize>,
    /// What changed.
    pub message: String,
    /// What to do about it.
    pub help: String,
}

/// Every change from `old` to `new`, breaking ones first.
pub fn diff(old: &Model, new: &Model) -> Vec<Change> {
    let mut d = Differ::default();
    d.table(old, new);
    d.types(old, new);
    for o in &old.entities {
        match new.entity(&o.name) {
            Some(n) => d.entity(old, new, o, n),
            None => d.push(
                Kind::EntityRemoved,
                format!("entities.{}", o.name),
                Some(o.line),
                None,
                format!("entity `{}` is gone; its stored items (type `{}`) are no longer read", o.name, o.name),
                "keep the entity, or write a migration that moves or deletes its items; a rename changes the stored type name",
            ),
        }
    }
    for n in new
        .entities
        .iter()
        .filter(|n| old.entity(&n.name).is_none())
    {
        d.push(
            Kind::EntityAdded,
            format!("entities.{}", n.name),
            None,
            Some(n.line),
            format!("entity `{}` is new", n.name),
            "nothing to do",
        );
    }
    for o in &old.access_patterns {
        if !new.access_patterns.iter().any(|n| n.name == o.name) {
            d.push(
                Kind::PatternChanged,
                format!("access_patterns.{}", o.name),
                Some(o.line),
                None,
                format!("access pattern `{}` is gone", o.name),
                "nothing stored changes; callers of the generated function stop compiling",
            );
        }
    }
    for n in &new.access_patterns {
        if !old.access_patterns.iter().any(|o| o.name == n.name) {
            d.push(
                Kind::PatternChanged,
                format!("access_patterns.{}", n.name),
                None,
                Some(n.line),
                format!("access pattern `{}` is new", n.name),
                "nothing to do",
            );
        }
    }
    d.changes.sort_by_key(|c| std::cmp::Reverse(c.kind.class()));
    d.changes
}

#[derive(Default)]
struct Differ {
    changes: Vec<Change>,
}

impl Differ {
    fn push(
        &mut self,
        kind: Kind,
        path: String,
        old_line: Option<usize>,
        new_line: Option<usize>,
        message: String,
        help: &str,
    ) {
        self.changes.push(Change {
            kind,
            path,
            old_line,
            new_line,
            message,
            help: help.to_owned(),
        });
    }

    fn table(&mut self, old: &Model, new: &Model) {
        let (o, n) = (&old.table, &new.table);
        let pairs = [
            (
                "delimiter",
                o.delimiter.to_string(),
                n.delimiter.to_string(),
            ),
            (
                "partition_key",
                o.partition_key.clone(),
                n.partition_key.clone(),
            ),
            (
                "sort_key",
                o.sort_key.clone().unwrap_or_default(),
                n.sort_key.clone().unwrap_or_default(),
            ),
            (
                "type_attribute",
                o.type_attribute.clone(),
                n.type_attribute.clone(),
            ),
        ];
        for (what, before, after) in pairs {
            if before != after {
                self.push(
                    Kind::TableChanged,
                    format!("table.{what}"),
                    None,
                    None,
                    format!("`table.{what}` changed from `{before}` to `{after}`; every stored key and item uses the old one"),
                    "keep the old value; changing it needs a new table and a copy of every item",
                );
            }
        }
        for oi in &o.indexes {
            let Some(ni) = n.indexes.iter().find(|i| i.name == oi.name) else {
                continue;
            };
            if narrower(&oi.projection, &ni.projection) {
                self.push(
                    Kind::ProjectionNarrowed,
                    format!("table.indexes.{}.projection", oi.name),
                    None,
                    None,
                    format!("index `{}` projects fewer attributes than before", oi.name),
                    "DynamoDB cannot narrow an index in place: create a new index and move the patterns to it",
                );
            }
            if (&oi.partition_key, &oi.sort_key) != (&ni.partition_key, &ni.sort_key) {
                self.push(
                    Kind::TableChanged,
                    format!("table.indexes.{}", oi.name),
                    None,
                    None,
                    format!(
                        "index `{}` is keyed on other attributes than before",
                        oi.name
                    ),
                    "an index's key attributes cannot change in place: add a new index instead",
                );
            }
        }
    }

    fn types(&mut self, old: &Model, new: &Model) {
        for ot in &old.types {
            let (TypeKind::Enum(ov), Some(nt)) =
                (&ot.kind, new.types.iter().find(|t| t.name == ot.name))
            else {
                continue;
            };
            let TypeKind::Enum(nv) = &nt.kind else {
                continue;
            };
            for (stored, _) in ov.iter().filter(|(s, _)| !nv.iter().any(|(n, _)| n == s)) {
                match nt.was.iter().find(|(old, _)| old == stored) {
                    Some((_, new)) => self.push(
                        Kind::EnumValueRenamed,
                        format!("types.{}.was", ot.name),
                        Some(ot.line),
                        Some(nt.line),
                        format!("enum `{}` renamed `{stored}` to `{new}`; stored `{stored}` values no longer decode until migrated", ot.name),
                        "declare the generated migration (it rewrites the stored values) and run it before deploying",
                    ),
                    None => self.push(
                        Kind::EnumValueRemoved,
                        format!("types.{}.enum", ot.name),
                        Some(ot.line),
                        Some(nt.line),
                        format!("enum `{}` lost the value `{stored}`; items holding it no longer decode", ot.name),
                        "keep the value, or map it to another with `was: { old: new }`",
                    ),
                }
            }
            for (stored, _) in nv.iter().filter(|(s, _)| !ov.iter().any(|(o, _)| o == s)) {
                self.push(
                    Kind::EnumValueAdded,
                    format!("types.{}.enum", ot.name),
                    Some(ot.line),
                    Some(nt.line),
                    format!("enum `{}` gained the value `{stored}`", ot.name),
                    "nothing to do",
                );
            }
        }
    }

    fn entity(&mut self, old: &Model, new: &Model, o: &Entity, n: &Entity) {
        for ok in &o.keys {
            match n.keys.iter().find(|k| k.index == ok.index) {
                Some(nk) => self.key(o, ok, nk),
                None => self.push(
                    Kind::KeyRemoved,
                    format!("entities.{}.keys.{}", o.name, ok.index),
                    Some(ok.line),
                    Some(n.line),
                    format!(
                        "`{}` left index `{}`; its stored items keep stale keys there",
                        o.name, ok.index
                    ),
                    "keep the templates, or write a migration that removes the keys",
                ),
            }
        }
        for nk in n
            .keys
            .iter()
            .filter(|nk| !o.keys.iter().any(|k| k.index == nk.index))
        {
            self.push(
                Kind::KeyAdded,
                format!("entities.{}.keys.{}", n.name, nk.index),
                None,
                Some(nk.line),
                format!(
                    "`{}` joined index `{}`; items written before have no keys there",
                    n.name, nk.index
                ),
                "write a migration that backfills the index keys from each item",
            );
        }
        for oa in &o.attributes {
            match n.attributes.iter().find(|a| a.name == oa.name) {
                Some(na) => self.attribute((old, new), o, oa, na),
                None => self.push(
                    Kind::AttributeRemoved,
                    format!("entities.{}.attributes.{}", o.name, oa.name),
                    Some(oa.line),
                    Some(n.line),
                    format!(
                        "attribute `{}` of `{}` is gone; stored values are ignored",
                        oa.name, o.name
                    ),
                    "nothing to do; a migration can delete the stored values",
                ),
            }
        }
        for na in n
            .attributes
            .iter()
            .filter(|na| !o.attributes.iter().any(|a| a.name == na.name))
        {
            let required = !na.optional && na.default.is_none() && na.auto.is_none() && !na.version;
            let (kind, message, help) = if required {
                (
                    Kind::AttributeRequired,
                    format!(
                        "attribute `{}` of `{}` is new and required; items written before lack it and no longer decode",
                        na.name, n.name
                    ),
                    "give it a default, make it optional, or write a migration that sets it",
                )
            } else {
                (
                    Kind::AttributeAdded,
                    format!("attribute `{}` of `{}` is new", na.name, n.name),
                    "nothing to do",
                )
            };
            self.push(
                kind,
                format!("entities.{}.attributes.{}", n.name, na.name),
                None,
                Some(na.line),
                message,
                help,
            );
        }
    }

    fn key(&mut self, e: &Entity, o: &Key, n: &Key) {
        let path = format!("entities.{}.keys.{}", e.name, o.index);
        let text = |k: &Key| {
            let mut out = k.partition.text.clone();
            if let Some(s) = &k.sort {
                let _ = write!(out, " / {}", s.text);
            }
            out
        };
        if text(o) != text(n) {
            self.push(
                Kind::KeyChanged,
                path.clone(),
                Some(o.line),
                Some(n.line),
                format!(
                    "the keys of `{}` on {} changed from `{}` to `{}`; stored items keep the old keys and are no longer found",
                    e.name,
                    if o.is_primary() { "the table".to_owned() } else { format!("index `{}`", o.index) },
                    text(o),
                    text(n)
                ),
                if o.is_primary() {
                    "keep the old template, or write a migration that moves every item (put new, delete old)"
                } else {
                    "keep the old template, or write a migration that rewrites the index keys"
                },
            );
        }
        if o.when != n.when {
            self.push(
                Kind::WhenChanged,
                format!("{path}.when"),
                Some(o.line),
                Some(n.line),
                format!(
                    "the condition of `{}` on index `{}` changed; stored items follow the old one",
                    e.name, o.index
                ),
                "write a migration that writes or removes the index keys of existing items",
            );
        }
    }

    fn attribute(&mut self, models: (&Model, &Model), e: &Entity, o: &Attribute, n: &Attribute) {
        let path = format!("entities.{}.attributes.{}", e.name, o.name);
        let lines = (Some(o.line), Some(n.line));
        if o.stored_name != n.stored_name {
            self.push(
                Kind::AttributeRenamed,
                path.clone(),
                lines.0,
                lines.1,
                format!("`{}` is stored as `{}` instead of `{}`; stored values are no longer read", o.name, n.stored_name, o.stored_name),
                "keep `rename:` pointing at the old name, or write a migration that renames the stored attribute",
            );
        }
        if !compatible(models.0, &o.ty, models.1, &n.ty) {
            self.push(
                Kind::AttributeTypeChanged,
                path.clone(),
                lines.0,
                lines.1,
                format!(
                    "`{}` of `{}` changed type; stored values of the old type no longer decode",
                    o.name, e.name
                ),
                "add a new attribute instead, or write a migration that converts the stored values",
            );
        }
        if o.optional && !n.optional && n.default.is_none() {
            self.push(
                Kind::AttributeRequired,
                path.clone(),
                lines.0,
                lines.1,
                format!("`{}` of `{}` became required without a default; items without it no longer decode", o.name, e.name),
                "give it a default, or write a migration that sets it on every item",
            );
        }
        if o.unique.is_none() && n.unique.is_some() {
            self.push(
                Kind::UniqueAdded,
                path,
                lines.0,
                lines.1,
                format!("`{}` of `{}` became unique; stored values have no markers, and may already repeat", o.name, e.name),
                "write a migration that creates the markers (and reports duplicates) before deploying",
            );
        }
    }
}

/// Whether stored values of type `old` (in `old_model`) decode as `new` (in `new_model`):
/// the same type, or an enum renamed (or replaced) by one that keeps every stored value.
fn compatible(old_model: &Model, old: &Type, new_model: &Model, new: &Type) -> bool {
    let values = |m: &Model, name: &str| -> Option<Vec<String>> {
        match &m.types.iter().find(|t| t.name == name)?.kind {
            TypeKind::Enum(v) => Some(v.iter().map(|(s, _)| s.clone()).collect()),
            TypeKind::Document(_) => None,
        }
    };
    match (old, new) {
        // Every old value is still a value, or is renamed (`was:`) and reported as such.
        (Type::Enum(a), Type::Enum(b)) => match (values(old_model, a), values(new_model, b)) {
            (Some(o), Some(n)) => {
                let renamed = new_model
                    .types
                    .iter()
                    .find(|t| &t.name == b)
                    .map(|t| &t.was);
                o.iter().all(|v| {
                    n.contains(v) || renamed.is_some_and(|was| was.iter().any(|(old, _)| old == v))
                })
            }
            _ => false,
        },
        _ => old == new,
    }
}

/// Whether `new` holds fewer attributes than `old`.
fn narrower(old: &Projection, new: &Projection) -> bool {
    match (old, new) {
        (_, Projection::All) => false,
        (Projection::All, _) => true,
        (Projection::Include(o), Projection::Include(n)) => o.iter().any(|a| !n.contains(a)),
        (Projection::Include(o), Projection::KeysOnly) => !o.is_empty(),
        (Projection::KeysOnly, _) => false,
    }
}

/// The changes as text: one line each, `file:line: class [code] message`, then the help.
pub fn render(changes: &[Change], old_file: &str, new_file: &str) -> String {
    let mut out = String::new();
    for c in changes {
        let place = match (c.new_line, c.old_line) {
            (Some(n), _) => format!("{new_file}:{n}"),
            (None, Some(o)) => format!("{old_file}:{o}"),
            (None, None) => new_file.to_owned(),
        };
        let was = match (c.old_line, c.new_line) {
            (Some(o), Some(_)) => format!(" (was {old_file}:{o})"),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "{place}: {} [{}] {}: {}{was}\n  help: {}",
            c.kind.class().as_str(),
            c.kind.code(),
            c.path,
            c.message,
            c.help
        );
    }
    out
}

/// The changes as a JSON array.
pub fn to_json(changes: &[Change], old_file: &str, new_file: &str) -> String {
    let items: Vec<serde_json::Value> = changes
        .iter()
        .map(|c| {
            serde_json::json!({
                "class": c.kind.class().as_str(),
                "code": c.kind.code(),
                "path": c.path,
                "message": c.message,
                "help": c.help,
                "old": c.old_line.map(|l| serde_json::json!({ "file": old_file, "line": l })),
                "new": c.new_line.map(|l| serde_json::json!({ "file": new_file, "line": l })),
            })
        })
        .collect();
    serde_json::to_string_pretty(&items).unwrap_or_else(|_| "[]".to_owned())
}
