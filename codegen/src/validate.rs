//! Semantic checks of a parsed schema. Reports every problem it finds, errors and warnings,
//! never panics, and never stops early.
//!
//! The key-ambiguity check reasons about segments: a key template is split at the delimiter
//! (field values are escaped, so they never add segments), and two templates can only produce
//! the same key if they have the same number of segments and every pair of segments can
//! produce the same text, judged by their literals and the value formats of their fields.

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

/// The role of an index, as far as templates are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexKind {
    /// The table itself.
    Primary,
    /// A global secondary index with its own key attributes.
    Global,
    /// A local secondary index (the table's partition key, its own sort key).
    Local,
    /// A global index over the table's keys swapped; holds every item, no templates.
    Inverse,
}

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

    fn table(&mut self) {
        let t = &self.schema.table;
        if let Some(name) = &t.name {
            let ok = (3..=255).contains(&name.len())
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
            if !ok {
                self.push(Diagnostic::new(
                    Rule::InvalidTableName,
                    "table.name",
                    format!("`{name}` is not a valid DynamoDB table name"),
                ));
            }
        }
        let d = &t.delimiter;
        if d.chars().count() != 1 {
            self.push(Diagnostic::new(
                Rule::InvalidDelimiter,
                "table.delimiter",
                format!("the delimiter `{d}` is not exactly one character"),
            ));
        } else if d.starts_with(|c: char| {
            c == ESCAPE || c == '{' || c == '}' || c.is_alphanumeric() || c.is_whitespace()
        }) {
            self.push(Diagnostic::new(Rule::InvalidDelimiter, "table.delimiter", format!("`{d}` cannot be the delimiter")).with_help("`\\` escapes delimiters inside values, braces mark template fields, and letters, digits or spaces occur in values; use `#`, `|` or `:`"));
        }
        for (what, attr) in [
            ("partition_key", Some(&t.partition_key)),
            ("sort_key", t.sort_key.as_ref()),
            ("type_attribute", Some(&t.type_attribute)),
        ] {
            if let Some(a) = attr
                && a.is_empty()
            {
                self.push(Diagnostic::new(
                    Rule::EmptyName,
                    format!("table.{what}"),
                    format!("`table.{what}` is empty"),
                ));
            }
        }
        let globals = t.indexes.iter().filter(|i| !i.local).count();
        let locals = t.indexes.iter().filter(|i| i.local).count();
        if globals > 20 {
            self.push(Diagnostic::new(Rule::TooManyIndexes, "table.indexes", format!("{globals} global secondary indexes; DynamoDB allows at most 20 per table")).with_help("overload fewer indexes with generic key attributes (`gsi1pk`/`gsi1sk`) shared by several entities"));
        }
        if locals > 5 {
            self.push(
                Diagnostic::new(
                    Rule::TooManyIndexes,
                    "table.indexes",
                    format!(
                        "{locals} local secondary indexes; DynamoDB allows at most 5 per table"
                    ),
                )
                .with_help("share local index sort keys between entities, or use global indexes"),
            );
        }
        for index in &t.indexes {
            let p = &index.path;
            if names::snake(&index.name).is_none() {
                self.push(
                    Diagnostic::new(
                        Rule::InvalidName,
                        p.clone(),
                        format!(
                            "index name `{}` cannot become a Rust identifier",
                            index.name
                        ),
                    )
                    .at_key(),
                );
            }
            if index.local {
                if let Some(pk) = &index.partition_key
                    && pk != &t.partition_key
                {
                    self.push(Diagnostic::new(Rule::LocalIndexPartition, format!("{p}.partition_key"), format!(
                            "local index `{}` has partition key `{pk}`, but a local index shares the table's partition key `{}`",
                            index.name, t.partition_key
                        )).with_help("remove `partition_key` from the local index, or make it a global index"));
                }
                if t.sort_key.is_none() {
                    self.push(Diagnostic::new(
                        Rule::LocalIndexWithoutTableSortKey,
                        p.clone(),
                        format!("local index `{}` on a table without a sort key", index.name),
                    ));
                }
                if index.sort_key.is_none() {
                    self.push(Diagnostic::new(Rule::MissingField, p.clone(), format!("local index `{}` has no `sort_key`", index.name)).with_help("a local index differs from the table only by its sort key; add `sort_key: lsi1sk`"));
                }
            } else if index.partition_key.is_none() {
                self.push(
                    Diagnostic::new(
                        Rule::MissingField,
                        p.clone(),
                        format!("global index `{}` has no `partition_key`", index.name),
                    )
                    .with_help("add `partition_key: gsi1pk` (or `local: true` for a local index)"),
                );
            }
            for attr in [&index.partition_key, &index.sort_key]
                .into_iter()
                .flatten()
            {
                if attr == &t.type_attribute {
                    self.push(
                        Diagnostic::new(
                            Rule::AttributeClash,
                            p.clone(),
                            format!(
                                "index `{}` uses the type attribute `{attr}` as a key",
                                index.name
                            ),
                        )
                        .with_help("give the index its own key attributes"),
                    );
                }
            }
        }
    }

    fn type_names_and_types(&mut self) {
        // Entity and type names share the Rust type namespace.
        let mut seen: BTreeMap<String, (&str, &str)> = BTreeMap::new();
        let named = self
            .schema
            .types
            .iter()
            .map(|t| (&t.name, &t.path, "type"))
            .chain(
                self.schema
                    .entities
                    .iter()
                    .map(|e| (&e.name, &e.path, "entity")),
            );
        for (name, path, what) in named {
            match names::camel(name) {
                None => self.push(
                    Diagnostic::new(
                        Rule::InvalidName,
                        path.clone(),
                        format!("{what} name `{name}` cannot become a Rust type name"),
                    )
                    .with_help("use letters, digits and `_`, starting with a letter (`OrderLine`)")
                    .at_key(),
                ),
                Some(rust) => {
                    if names::PRELUDE.contains(&rust.as_str()) {
                        self.push(
                            Diagnostic::new(
                                Rule::ShadowsPrelude,
                                path.clone(),
                                format!("{what} name `{name}` would shadow Rust's `{rust}`"),
                            )
                            .with_help(format!("choose a more specific name, such as `App{rust}`"))
                            .at_key(),
                        );
                    }
                    if let Some((first, first_path)) =
                        first_of(&mut seen, rust.clone(), (name, path))
                    {
                        self.push(
                            Diagnostic::new(
                                Rule::NameCollision,
                                path.clone(),
                                format!(
                                    "{what} `{name}` and `{first}` both become the Rust type `{rust}`"
                                ),
                            )
                            .at_key()
                            .also(first_path, Anchor::Key, FIRST),
                        );
                    }
                }
            }
        }
        for t in &self.schema.types {
            match &t.kind {
                TypeDefKind::Enum(values) => self.enum_values(&t.name, &t.path, values),
                TypeDefKind::Document(fields) => {
                    if fields.is_empty() {
                        self.push(Diagnostic::new(
                            Rule::EmptyType,
                            format!("{}.fields", t.path),
                            format!("type `{}` has no fields", t.name),
                        ));
                    }
                    self.attribute_list(fields, false);
                }
            }
        }
        self.recursion();
    }

    fn enum_values(&mut self, name: &str, path: &str, values: &[String]) {
        let vp = format!("{path}.enum");
        if values.is_empty() {
            self.push(Diagnostic::new(
                Rule::EmptyEnum,
                vp.clone(),
                format!("enum `{name}` has no values"),
            ));
        }
        let mut seen = BTreeMap::new();
        let mut variants = BTreeMap::new();
        for (i, v) in values.iter().enumerate() {
            let ip = format!("{vp}[{i}]");
            if let Some(first) = first_of(&mut seen, v.clone(), i) {
                self.push(
                    Diagnostic::new(
                        Rule::DuplicateEnumValue,
                        ip.clone(),
                        format!("enum `{name}` lists `{v}` twice"),
                    )
                    .also(format!("{vp}[{first}]"), Anchor::Value, FIRST),
                );
                continue;
            }
            match names::camel(v) {
                None => self.push(
                    Diagnostic::new(
                        Rule::InvalidName,
                        ip.clone(),
                        format!("enum value `{v}` cannot become a Rust variant name"),
                    )
                    .with_help("use letters, digits, `_` or `-`, starting with a letter"),
                ),
                Some(variant) => {
                    if let Some((first, first_path)) =
                        first_of(&mut variants, variant.clone(), (v.clone(), ip.clone()))
                    {
                        self.push(
                            Diagnostic::new(
                                Rule::NameCollision,
                                ip,
                                format!("enum values `{v}` and `{first}` both become the variant `{variant}`"),
                            )
                            .also(first_path, Anchor::Value, FIRST),
                        );
                    }
                }
            }
        }
    }

    /// Direct (unboxed) self-reference through document fields would make an infinite type.
    fn recursion(&mut self) {
        let docs: BTreeMap<&str, &Vec<Attribute>> = self
            .schema
            .types
            .iter()
            .filter_map(|t| match &t.kind {
                TypeDefKind::Document(f) => Some((t.name.as_str(), f)),
                TypeDefKind::Enum(_) => None,
            })
            .collect();
        for (&start, _) in docs.iter() {
            let mut stack = vec![(start, Vec::<&str>::new())];
            let mut visited = BTreeSet::new();
            while let Some((current, trail)) = stack.pop() {
                if !visited.insert(current) {
                    continue;
                }
                let Some(fields) = docs.get(current) else {
                    continue;
                };
                for f in fields.iter() {
                    if let Some(TypeExpr::Named(n)) = &f.ty {
                        let mut t = trail.clone();
                        t.push(f.path.as_str());
                        let type_path = format!("{}.type", f.path);
                        if n == start {
                            let path = if t.len() == 1 {
                                type_path
                            } else {
                                t[0].to_owned()
                            };
                            self.push(Diagnostic::new(Rule::RecursiveType, path, format!("type `{start}` contains itself without a list or map in between")));
                        } else {
                            stack.push((n.as_str(), t));
                        }
                    }
                }
            }
        }
    }

    fn resolve_named(&mut self, name: &str, path: &str) -> bool {
        if self.schema.types.iter().any(|t| t.name == name) {
            return true;
        }
        let help = if self.schema.entities.iter().any(|e| e.name == name) {
            format!(
                "`{name}` is an entity; entities cannot be nested. Declare a document type under `types:` instead"
            )
        } else {
            match closest(
                name,
                self.schema
                    .types
                    .iter()
                    .map(|t| t.name.as_str())
                    .chain(crate::parse::SCALARS.iter().copied()),
            ) {
                Some(c) => format!("did you mean `{c}`?"),
                None => format!("declare `{name}` under `types:`"),
            }
        };
        self.push(
            Diagnostic::new(Rule::UnknownType, path, format!("unknown type `{name}`"))
                .with_help(help),
        );
        false
    }

    fn check_type(&mut self, ty: &TypeExpr, path: &str, top_level: bool) {
        match ty {
            TypeExpr::Named(n) => {
                self.resolve_named(n, path);
            }
            TypeExpr::Ttl if !top_level => self.push(Diagnostic::new(
                Rule::NestedTtl,
                path,
                "`ttl` is only valid as an entity attribute",
            )),
            TypeExpr::List(t) | TypeExpr::Map(t) | TypeExpr::Set(t) => {
                self.check_type(t, path, false)
            }
            _ => {}
        }
    }

    /// Checks names, types, defaults and options of a list of attributes or fields.
    fn attribute_list(&mut self, attributes: &[Attribute], entity: bool) {
        let mut rust_names: BTreeMap<String, &Attribute> = BTreeMap::new();
        let mut stored: BTreeMap<&str, &Attribute> = BTreeMap::new();
        let mut versions = 0;
        for a in attributes {
            match names::snake(&a.name) {
                None => self.push(
                    Diagnostic::new(Rule::InvalidName, a.path.clone(), format!("attribute name `{}` cannot become a Rust field name", a.name)).with_help("use letters, digits and `_`, starting with a letter; keep the stored name with `rename:`")
                    .at_key(),
                ),
                Some(s) => {
                    // The generated `<Entity>Fields`/`<Type>Fields` types have these methods
                    // besides one per attribute.
                    let reserved: &[&str] = if entity {
                        &["exists", "not_exists"]
                    } else {
                        &["exists", "not_exists", "whole"]
                    };
                    if reserved.contains(&s.as_str()) {
                        self.push(
                            Diagnostic::new(Rule::ReservedName, a.path.clone(), format!("attribute `{}` would clash with the generated condition method `{s}()`", a.name))
                            .at_key(),
                        );
                    }
                    if let Some(first) = first_of(&mut rust_names, s.clone(), a) {
                        self.push(
                            Diagnostic::new(
                                Rule::NameCollision,
                                a.path.clone(),
                                format!(
                                    "attributes `{}` and `{}` both become the Rust field `{s}`",
                                    a.name, first.name
                                ),
                            )
                            .with_help("rename one of them (use `rename:` to keep the stored name)")
                            .at_key()
                            .also(first.path.clone(), Anchor::Key, FIRST),
                        );
                    }
                }
            }
            if let Some(first) = first_of(&mut stored, a.stored_name(), a) {
                self.push(
                    Diagnostic::new(
                        Rule::NameCollision,
                        a.path.clone(),
                        format!(
                            "attributes `{}` and `{}` are both stored as `{}`",
                            a.name,
                            first.name,
                            a.stored_name()
                        ),
                    )
                    .with_help("give each attribute its own stored name")
                    .also(first.path.clone(), Anchor::Key, FIRST),
                );
            }
            let Some(ty) = &a.ty else { continue };
            self.check_type(ty, &format!("{}.type", a.path), entity);
            if let Some(auto) = a.auto
                && *ty != TypeExpr::Timestamp
            {
                self.push(Diagnostic::new(
                    Rule::AutoType,
                    format!("{}.auto", a.path),
                    format!(
                        "`auto: {}` needs a `timestamp` attribute, but `{}` is `{ty}`",
                        if auto == Auto::Created {
                            "created"
                        } else {
                            "updated"
                        },
                        a.name
                    ),
                ));
            }
            if a.auto.is_some() && a.default.is_some() {
                self.push(Diagnostic::new(
                    Rule::AutoWithDefault,
                    format!("{}.default", a.path),
                    format!("`{}` has both `auto` and `default`", a.name),
                ));
            }
            if a.version {
                versions += 1;
                if *ty != TypeExpr::Integer || a.optional {
                    self.push(Diagnostic::new(
                        Rule::VersionType,
                        format!("{}.version", a.path),
                        format!(
                            "version attribute `{}` must be a required `integer`",
                            a.name
                        ),
                    ));
                }
                if !entity {
                    self.push(Diagnostic::new(
                        Rule::VersionInType,
                        format!("{}.version", a.path),
                        "`version` belongs on an entity attribute, not inside a document type",
                    ));
                }
                if versions == 2 {
                    self.push(Diagnostic::new(
                        Rule::DuplicateVersion,
                        format!("{}.version", a.path),
                        "an entity can have only one `version` attribute",
                    ));
                }
            }
            if let Some(default) = &a.default {
                self.default(a, ty, default);
            }
        }
    }

    fn default(&mut self, a: &Attribute, ty: &TypeExpr, default: &DefaultSpec) {
        let path = format!("{}.default", a.path);
        let problem = match default {
            DefaultSpec::Now => {
                (!matches!(ty, TypeExpr::Timestamp | TypeExpr::Date | TypeExpr::Ttl))
                    .then(|| format!("`now` is not a value of `{ty}`"))
            }
            DefaultSpec::Uuid => (!matches!(ty, TypeExpr::Uuid | TypeExpr::String))
                .then(|| format!("`uuid` is not a value of `{ty}`")),
            DefaultSpec::Literal(Literal::Null) if a.optional => None,
            DefaultSpec::Literal(l) => self.literal_problem(ty, l),
        };
        if let Some(problem) = problem {
            self.push(
                Diagnostic::new(
                    Rule::InvalidDefault,
                    path,
                    format!("the default of `{}` is invalid: {problem}", a.name),
                )
                .with_help(format!(
                    "write a value of type `{ty}`{}",
                    match ty {
                        TypeExpr::Timestamp =>
                            " (RFC 3339, such as `2024-01-01T00:00:00Z`) or `now`",
                        TypeExpr::Date => " (`YYYY-MM-DD`) or `now`",
                        TypeExpr::Uuid => " or `uuid`",
                        _ => "",
                    }
                )),
            );
        }
    }

    fn literal_problem(&self, ty: &TypeExpr, l: &Literal) -> Option<String> {
        let found = || match l {
            Literal::Null => "null".to_owned(),
            Literal::Bool(b) => b.to_string(),
            Literal::Int(i) => i.to_string(),
            Literal::Float(f) => f.to_string(),
            Literal::String(s) => format!("{s:?}"),
            Literal::List(_) => "a list".to_owned(),
            Literal::Map(_) => "a mapping".to_owned(),
        };
        let mismatch = || Some(format!("{} is not of type `{ty}`", found()));
        match (ty, l) {
            (TypeExpr::String, Literal::String(_)) => None,
            (TypeExpr::Integer, Literal::Int(_)) => None,
            (TypeExpr::Float, Literal::Int(_)) => None,
            (TypeExpr::Float, Literal::Float(f)) => {
                let m = f.abs();
                (!f.is_finite() || (m != 0.0 && !(1e-130..1e126).contains(&m)))
                    .then(|| format!("{f} cannot be stored: DynamoDB numbers are finite, between 1e-130 and 1e126 in magnitude"))
            }
            (TypeExpr::Bool, Literal::Bool(_)) => None,
            (TypeExpr::Timestamp | TypeExpr::Ttl, Literal::String(s)) => {
                chrono::DateTime::parse_from_rfc3339(s)
                    .is_err()
                    .then(|| format!("{s:?} is not an RFC 3339 timestamp"))
            }
            (TypeExpr::Date, Literal::String(s)) => {
                chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                    .is_err()
                    .then(|| format!("{s:?} is not a YYYY-MM-DD date"))
            }
            (TypeExpr::Uuid, Literal::String(s)) => uuid::Uuid::parse_str(s)
                .is_err()
                .then(|| format!("{s:?} is not a UUID")),
            (TypeExpr::Bytes, Literal::List(items)) => items
                .iter()
                .any(|i| !matches!(i, Literal::Int(0..=255)))
                .then(|| "bytes are a list of numbers from 0 to 255".to_owned()),
            (TypeExpr::List(t) | TypeExpr::Set(t), Literal::List(items)) => {
                items.iter().find_map(|i| self.literal_problem(t, i))
            }
            (TypeExpr::Map(t), Literal::Map(entries)) => {
                entries.iter().find_map(|(_, v)| self.literal_problem(t, v))
            }
            (TypeExpr::Named(n), _) => {
                let def = self.schema.types.iter().find(|t| &t.name == n)?;
                match (&def.kind, l) {
                    (TypeDefKind::Enum(values), Literal::String(s)) => (!values.contains(s))
                        .then(|| format!("{s:?} is not one of {}", values.join(", "))),
                    (TypeDefKind::Document(fields), Literal::Map(entries)) => {
                        for (k, v) in entries {
                            match fields.iter().find(|f| &f.name == k) {
                                None => return Some(format!("`{n}` has no field `{k}`")),
                                Some(f) => {
                                    if let Some(p) =
                                        f.ty.as_ref().and_then(|t| self.literal_problem(t, v))
                                    {
                                        return Some(p);
                                    }
                                }
                            }
                        }
                        fields
                            .iter()
                            .find(|f| {
                                !f.optional
                                    && f.default.is_none()
                                    && !entries.iter().any(|(k, _)| k == &f.name)
                            })
                            .map(|f| format!("field `{}` of `{n}` is missing", f.name))
                    }
                    _ => mismatch(),
                }
            }
            _ => mismatch(),
        }
    }

    fn entities(&mut self) {
        let t = &self.schema.table;
        let mut reserved: BTreeMap<&str, String> = BTreeMap::new();
        reserved.insert(&t.partition_key, "the table's partition key".into());
        if let Some(sk) = &t.sort_key {
            reserved.insert(sk, "the table's sort key".into());
        }
        reserved.insert(&t.type_attribute, "the type attribute".into());
        for i in &t.indexes {
            for a in [&i.partition_key, &i.sort_key].into_iter().flatten() {
                reserved
                    .entry(a)
                    .or_insert_with(|| format!("a key attribute of index `{}`", i.name));
            }
        }
        for e in &self.schema.entities {
            if e.attributes.is_empty() {
                self.push(Diagnostic::new(
                    Rule::EmptyEntity,
                    format!("{}.attributes", e.path),
                    format!("entity `{}` has no attributes", e.name),
                ));
            }
            self.attribute_list(&e.attributes, true);
            for a in &e.attributes {
                if let Some(what) = reserved.get(a.stored_name()) {
                    self.push(
                        Diagnostic::new(
                            Rule::AttributeClash,
                            a.path.clone(),
                            format!(
                                "attribute `{}` is stored as `{}`, which is {what}",
                                a.name,
                                a.stored_name()
                            ),
                        )
                        .at_key(),
                    );
                }
                if let (Some(ttl), Some(ty)) = (&t.ttl_attribute, &a.ty)
                    && a.stored_name() == ttl
                    && *ty != TypeExpr::Ttl
                {
                    self.push(Diagnostic::new(
                        Rule::TtlType,
                        format!("{}.type", a.path),
                        format!(
                            "`{}` is the table's ttl_attribute but has type `{ty}`",
                            a.name
                        ),
                    ));
                }
            }
            self.keys(e);
        }
    }

    fn keys(&mut self, e: &'s Entity) {
        let t = &self.schema.table;
        if e.keys_for("primary").is_none() {
            self.push(Diagnostic::new(
                Rule::MissingPrimaryKey,
                format!("{}.keys", e.path),
                format!("entity `{}` has no primary key templates", e.name),
            ));
        }
        for k in &e.keys {
            let (kind, index_sort) =
                if k.index == "primary" {
                    (IndexKind::Primary, t.sort_key.clone())
                } else {
                    match self.index(&k.index) {
                        Some(i) => (index_kind(self.schema, i), i.sort_key.clone()),
                        None => {
                            let declared: Vec<&str> = std::iter::once("primary")
                                .chain(t.indexes.iter().map(|i| i.name.as_str()))
                                .collect();
                            self.push(
                            Diagnostic::new(Rule::UndeclaredIndex, k.path.clone(), format!(
                                    "entity `{}` has keys for index `{}`, which is not declared",
                                    e.name, k.index
                                )).with_help(format!(
                                    "{} Indexes are declared under `table.indexes`",
                                    suggest(&k.index, &declared)
                                ))
                            .at_key(),
                        );
                            continue;
                        }
                    }
                };
            match kind {
                IndexKind::Inverse => {
                    self.push(
                        Diagnostic::new(Rule::InverseIndexTemplate, k.path.clone(), format!("index `{}` is the inverse of the table's keys; entities list no templates for it", k.index))
                        .at_key(),
                    );
                    continue;
                }
                IndexKind::Local => {
                    if let Some(p) = &k.partition {
                        self.push(Diagnostic::new(Rule::LocalIndexPartition, p.path.clone(), format!("local index `{}` shares the table's partition key; it takes no partition template", k.index)).with_help("remove `partition:`; only `sort:` is given for a local index").at_key());
                    }
                }
                IndexKind::Primary | IndexKind::Global => {
                    if k.partition.is_none() {
                        self.push(
                            Diagnostic::new(
                                Rule::MissingTemplate,
                                k.path.clone(),
                                format!(
                                    "entity `{}` has no partition template for `{}`",
                                    e.name, k.index
                                ),
                            )
                            .with_help("add `partition: \"PREFIX#{field}\"`"),
                        );
                    }
                }
            }
            match (&k.sort, &index_sort) {
                (Some(s), None) => self.push(
                    Diagnostic::new(
                        Rule::SortWithoutSortKey,
                        s.path.clone(),
                        format!(
                            "`{}` has a sort template, but {} has no sort key",
                            k.index,
                            if kind == IndexKind::Primary {
                                "the table".to_owned()
                            } else {
                                format!("index `{}`", k.index)
                            }
                        ),
                    )
                    .at_key(),
                ),
                (None, Some(_)) => self.push(
                    Diagnostic::new(
                        Rule::MissingTemplate,
                        k.path.clone(),
                        format!(
                            "entity `{}` has no sort template for `{}`, which has a sort key",
                            e.name, k.index
                        ),
                    )
                    .with_help("add `sort: \"...\"` (a constant such as `PROFILE` is fine)"),
                ),
                _ => {}
            }
            for template in [&k.partition, &k.sort].into_iter().flatten() {
                self.template(e, template, kind);
            }
            if kind == IndexKind::Global
                && let Some(p) = &k.partition
                && p.fields().next().is_none()
            {
                self.push(Diagnostic::new(
                    Rule::HotPartition,
                    p.path.clone(),
                    format!(
                        "every `{}` item goes to the one partition `{}` of index `{}`",
                        e.name, p.text, k.index
                    ),
                ));
            }
        }
    }

    fn template(&mut self, e: &Entity, template: &Template, kind: IndexKind) {
        for seg in &template.segments {
            match seg {
                Segment::Literal(lit) => {
                    if lit.contains(ESCAPE) {
                        self.push(Diagnostic::new(
                            Rule::TemplateEscape,
                            template.path.clone(),
                            format!(
                                "template `{}` contains `\\`, the escape character of key values",
                                template.text
                            ),
                        ));
                    }
                }
                Segment::Field(f) => {
                    let Some(a) = e.attribute(f) else {
                        let names: Vec<&str> =
                            e.attributes.iter().map(|a| a.name.as_str()).collect();
                        self.push(
                            Diagnostic::new(
                                Rule::TemplateUnknownField,
                                template.path.clone(),
                                format!(
                                    "template `{}` names `{f}`, which is not an attribute of `{}`",
                                    template.text, e.name
                                ),
                            )
                            .with_help(suggest(f, &names)),
                        );
                        continue;
                    };
                    if let Some(ty) = &a.ty
                        && !is_key_scalar(self.schema, ty)
                    {
                        self.push(Diagnostic::new(Rule::TemplateNonScalar, template.path.clone(), format!("template `{}` uses `{f}` of type `{ty}`, which cannot be part of a key", template.text)));
                    }
                    if a.optional && kind == IndexKind::Primary {
                        self.push(Diagnostic::new(
                            Rule::OptionalKeyField,
                            template.path.clone(),
                            format!(
                                "primary key template `{}` uses optional attribute `{f}`",
                                template.text
                            ),
                        ));
                    }
                    if kind == IndexKind::Primary && (a.version || a.auto == Some(Auto::Updated)) {
                        self.push(Diagnostic::new(Rule::MutableKeyField, template.path.clone(), format!("primary key template `{}` uses `{f}`, which changes on every write", template.text)));
                    } else if a.version {
                        self.push(Diagnostic::new(
                            Rule::VersionInKey,
                            template.path.clone(),
                            format!(
                                "template `{}` uses the version attribute `{f}`",
                                template.text
                            ),
                        ));
                    } else if a.auto == Some(Auto::Updated)
                        && template
                            .segments
                            .iter()
                            .filter(|s| matches!(s, Segment::Field(_)))
                            .count()
                            > 1
                    {
                        self.push(Diagnostic::new(
                            Rule::UpdatedInCompositeKey,
                            template.path.clone(),
                            format!(
                                "template `{}` combines `{f}` (auto: updated) with other fields",
                                template.text
                            ),
                        ));
                    }
                }
            }
        }
    }

    /// The index templates `(partition, sort)` of every entity on `index`, resolving local
    /// indexes to the primary partition template.
    fn templates_on(
        &self,
        index: &str,
        kind: IndexKind,
    ) -> Vec<(&'s Entity, Option<&'s Template>, Option<&'s Template>)> {
        self.schema
            .entities
            .iter()
            .filter_map(|e| {
                let k: &KeyTemplates = e.keys_for(index)?;
                let partition = match kind {
                    IndexKind::Local => e.keys_for("primary").and_then(|p| p.partition.as_ref()),
                    _ => k.partition.as_ref(),
                };
                Some((e, partition, k.sort.as_ref()))
            })
            .collect()
    }

    fn ambiguity(&mut self) {
        let mut indexes: Vec<(String, IndexKind)> = vec![("primary".into(), IndexKind::Primary)];
        for i in &self.schema.table.indexes {
            let kind = index_kind(self.schema, i);
            if kind != IndexKind::Inverse {
                indexes.push((i.name.clone(), kind));
            }
        }
        let delimiter = self.delimiter();
        for (index, kind) in indexes {
            let entries = self.templates_on(&index, kind);
            for (i, (a, ap, asort)) in entries.iter().enumerate() {
                for (b, bp, bsort) in entries.iter().skip(i + 1) {
                    let (Some(ap), Some(bp)) = (ap, bp) else {
                        continue;
                    };
                    let pk = could_collide(self.schema, delimiter, a, ap, b, bp);
                    let sk = match (asort, bsort) {
                        (Some(x), Some(y)) => could_collide(self.schema, delimiter, a, x, b, y),
                        (None, None) => true,
                        _ => false,
                    };
                    if pk && sk {
                        let show = |p: &Template, s: &Option<&Template>| match s {
                            Some(s) => format!("`{}` / `{}`", p.text, s.text),
                            None => format!("`{}`", p.text),
                        };
                        let first = asort.map_or(&ap.path, |s| &s.path);
                        let second = bsort.map_or(&bp.path, |s| &s.path);
                        self.push(
                            Diagnostic::new(
                                Rule::AmbiguousKeys,
                                second.as_str(),
                                format!(
                                    "on `{index}`, `{}` keys {} can equal `{}` keys {}",
                                    b.name,
                                    show(bp, bsort),
                                    a.name,
                                    show(ap, asort)
                                ),
                            )
                            .with_help(format!(
                                "start one of them with a literal the other cannot produce, such as `{}{delimiter}`",
                                b.name.to_uppercase()
                            ))
                            .also(first.as_str(), Anchor::Value, format!("`{}` keys it can equal", a.name)),
                        );
                    }
                }
            }
        }
    }

    fn access_patterns(&mut self) {
        let mut rust_names: BTreeMap<String, &AccessPattern> = BTreeMap::new();
        for p in &self.schema.access_patterns {
            match names::snake(&p.name) {
                None => self.push(
                    Diagnostic::new(
                        Rule::InvalidName,
                        p.path.clone(),
                        format!(
                            "access pattern name `{}` cannot become a Rust function name",
                            p.name
                        ),
                    )
                    .at_key(),
                ),
                Some(s) => {
                    if let Some(first) = first_of(&mut rust_names, s.clone(), p) {
                        self.push(
                            Diagnostic::new(
                                Rule::NameCollision,
                                p.path.clone(),
                                format!(
                                    "access patterns `{}` and `{}` both become `{s}`",
                                    p.name, first.name
                                ),
                            )
                            .at_key()
                            .also(
                                first.path.clone(),
                                Anchor::Key,
                                FIRST,
                            ),
                        );
                    }
                }
            }
            self.pattern(p);
        }
    }

    fn entity_named(&mut self, name: &str, path: &str) -> Option<&'s Entity> {
        let found = self.schema.entities.iter().find(|e| e.name == name);
        if found.is_none() {
            let names: Vec<&str> = self
                .schema
                .entities
                .iter()
                .map(|e| e.name.as_str())
                .collect();
            self.push(
                Diagnostic::new(
                    Rule::UnknownEntity,
                    path,
                    format!("unknown entity `{name}`"),
                )
                .with_help(suggest(name, &names)),
            );
        }
        found
    }

    fn pattern(&mut self, p: &'s AccessPattern) {
        if p.scan && p.one {
            self.push(Diagnostic::new(
                Rule::ScanOne,
                format!("{}.one", p.path),
                format!("`one: true` on the scan `{}`", p.name),
            ));
        }
        if p.scan && p.order.is_some() {
            self.push(Diagnostic::new(
                Rule::ScanOrder,
                format!("{}.order", p.path),
                format!("`order` on the scan `{}`", p.name),
            ));
        }
        let index = p.index.as_deref().unwrap_or("primary");
        let kind = if index == "primary" {
            Some(IndexKind::Primary)
        } else {
            match self.index(index) {
                Some(i) => Some(index_kind(self.schema, i)),
                None => {
                    let declared: Vec<&str> = std::iter::once("primary")
                        .chain(self.schema.table.indexes.iter().map(|i| i.name.as_str()))
                        .collect();
                    self.push(
                        Diagnostic::new(
                            Rule::UnknownIndex,
                            format!("{}.index", p.path),
                            format!(
                                "access pattern `{}` uses index `{index}`, which is not declared",
                                p.name
                            ),
                        )
                        .with_help(suggest(index, &declared)),
                    );
                    None
                }
            }
        };
        let entities: Vec<&'s Entity> = match (&p.entity, &p.entities) {
            (Some(_), Some(_)) => {
                self.push(
                    Diagnostic::new(
                        Rule::PatternEntity,
                        p.path.clone(),
                        format!(
                            "access pattern `{}` has both `entity` and `entities`",
                            p.name
                        ),
                    )
                    .at_key(),
                );
                return;
            }
            (None, None) => {
                self.push(
                    Diagnostic::new(
                        Rule::PatternEntity,
                        p.path.clone(),
                        format!("access pattern `{}` names no entity", p.name),
                    )
                    .with_help("add `entity: X`, or `entities: [X, Y]` for an item collection")
                    .at_key(),
                );
                return;
            }
            (Some(e), None) => self
                .entity_named(e, &format!("{}.entity", p.path))
                .into_iter()
                .collect(),
            (None, Some(list)) => {
                if p.scan {
                    self.push(Diagnostic::new(
                        Rule::ScanCollection,
                        format!("{}.scan", p.path),
                        format!("`scan: true` on the item collection `{}`", p.name),
                    ));
                }
                if p.one {
                    self.push(Diagnostic::new(
                        Rule::OneCollection,
                        format!("{}.one", p.path),
                        format!("`one: true` on the item collection `{}`", p.name),
                    ));
                }
                if list.len() < 2 {
                    self.push(Diagnostic::new(
                        Rule::SmallCollection,
                        format!("{}.entities", p.path),
                        format!(
                            "item collection `{}` lists {} entit{}",
                            p.name,
                            list.len(),
                            if list.len() == 1 { "y" } else { "ies" }
                        ),
                    ));
                }
                let mut seen = BTreeMap::new();
                let mut out = Vec::new();
                for (i, name) in list.iter().enumerate() {
                    let ip = format!("{}.entities[{i}]", p.path);
                    if let Some(first) = first_of(&mut seen, name, i) {
                        self.push(
                            Diagnostic::new(
                                Rule::DuplicateName,
                                ip,
                                format!("`{name}` is listed twice"),
                            )
                            .with_help("remove the duplicate")
                            .also(
                                format!("{}.entities[{first}]", p.path),
                                Anchor::Value,
                                FIRST,
                            ),
                        );
                        continue;
                    }
                    out.extend(self.entity_named(name, &ip));
                }
                out
            }
        };
        let Some(kind) = kind else { return };
        if kind == IndexKind::Inverse {
            for e in &entities {
                if e.keys_for("primary")
                    .and_then(|k| k.sort.as_ref())
                    .is_none()
                {
                    self.push(Diagnostic::new(Rule::PatternWithoutTemplate, format!("{}.index", p.path), format!("`{}` has no primary sort template, so it is not in the inverse index `{index}`", e.name)));
                }
            }
            return;
        }
        let mut partitions = Vec::new();
        for e in &entities {
            let Some(k) = e.keys_for(index) else {
                self.push(Diagnostic::new(Rule::PatternWithoutTemplate, format!("{}.index", p.path), format!("access pattern `{}` queries `{}` on `{index}`, but `{}` has no templates for `{index}`", p.name, e.name, e.name)).with_help(format!("add `{index}: {{ ... }}` under `entities.{}.keys`, or query another index", e.name)));
                continue;
            };
            let partition = if kind == IndexKind::Local {
                e.keys_for("primary").and_then(|p| p.partition.as_ref())
            } else {
                k.partition.as_ref()
            };
            if let Some(t) = partition {
                partitions.push((e, t));
            }
        }
        if let Some(((first, ft), rest)) = partitions.split_first() {
            for (e, t) in rest {
                if !same_partition(self.schema, first, ft, e, t) {
                    self.push(Diagnostic::new(Rule::CollectionPartitionMismatch, format!("{}.entities", p.path), format!(
                            "item collection `{}` mixes partition templates `{}` ({}) and `{}` ({})",
                            p.name, ft.text, first.name, t.text, e.name
                        )));
                }
            }
        }
    }

    fn unused_indexes(&mut self) {
        for i in &self.schema.table.indexes {
            let kind = index_kind(self.schema, i);
            let in_keys = self
                .schema
                .entities
                .iter()
                .any(|e| e.keys_for(&i.name).is_some());
            let in_patterns = self
                .schema
                .access_patterns
                .iter()
                .any(|p| p.index.as_deref() == Some(&i.name));
            let used = if kind == IndexKind::Inverse {
                in_patterns
            } else {
                in_keys
            };
            if !used {
                self.push(
                    Diagnostic::new(
                        Rule::UnusedIndex,
                        i.path.clone(),
                        format!(
                            "index `{}` is declared but no {} uses it",
                            i.name,
                            if kind == IndexKind::Inverse {
                                "access pattern"
                            } else {
                                "entity"
                            }
                        ),
                    )
                    .at_key(),
                );
            }
            if let Projection::Include(attrs) = &i.projection {
                for (n, a) in attrs.iter().enumerate() {
                    let known = self
                        .schema
                        .entities
                        .iter()
                        .any(|e| e.attributes.iter().any(|x| x.stored_name() == a));
                    if !known {
                        self.push(Diagnostic::new(
                            Rule::UnknownProjectionAttribute,
                            format!("{}.projection[{n}]", i.path),
                            format!("index `{}` projects `{a}`, which no entity stores", i.name),
                        ));
                    }
                }
            }
        }
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

/// The value format of a key field, for deciding whether two templates can collide.
#[derive(Debug, Clone, PartialEq)]
enum Format {
    Any,
    Enum(Vec<String>),
    Integer,
    Timestamp,
    Date,
    Uuid,
    Bool,
}

fn format_of(schema: &Schema, e: &Entity, field: &str) -> Format {
    match e.attribute(field).and_then(|a| a.ty.as_ref()) {
        Some(TypeExpr::Integer) => Format::Integer,
        Some(TypeExpr::Timestamp) => Format::Timestamp,
        Some(TypeExpr::Date) => Format::Date,
        Some(TypeExpr::Uuid) => Format::Uuid,
        Some(TypeExpr::Bool) => Format::Bool,
        Some(TypeExpr::Named(n)) => {
            match schema.types.iter().find(|t| &t.name == n).map(|t| &t.kind) {
                Some(TypeDefKind::Enum(values)) => Format::Enum(values.clone()),
                _ => Format::Any,
            }
        }
        _ => Format::Any,
    }
}

fn matches_format(format: &Format, text: &str) -> bool {
    let shape = |pattern: &str| {
        text.len() == pattern.len()
            && text.chars().zip(pattern.chars()).all(|(c, p)| match p {
                'd' => c.is_ascii_digit(),
                'h' => c.is_ascii_hexdigit(),
                other => c == other,
            })
    };
    match format {
        Format::Any => true,
        Format::Enum(values) => values.iter().any(|v| v == text),
        Format::Integer => text.len() == 19 && text.chars().all(|c| c.is_ascii_digit()),
        Format::Timestamp => shape("dddd-dd-ddTdd:dd:dd.dddddddddZ"),
        Format::Date => shape("dddd-dd-dd"),
        Format::Uuid => shape("hhhhhhhh-hhhh-hhhh-hhhh-hhhhhhhhhhhh"),
        Format::Bool => text == "true" || text == "false",
    }
}

fn formats_overlap(a: &Format, b: &Format) -> bool {
    match (a, b) {
        (Format::Any, _) | (_, Format::Any) => true,
        (Format::Enum(x), Format::Enum(y)) => x.iter().any(|v| y.contains(v)),
        (Format::Enum(x), other) | (other, Format::Enum(x)) => {
            x.iter().any(|v| matches_format(other, v))
        }
        (x, y) => x == y,
    }
}

/// One delimiter-separated segment of a template.
#[derive(Debug, Clone)]
enum Part {
    Literal(String),
    Field(Format),
}

fn split_segments(schema: &Schema, delimiter: char, e: &Entity, t: &Template) -> Vec<Vec<Part>> {
    let mut out = vec![Vec::new()];
    for seg in &t.segments {
        match seg {
            Segment::Literal(text) => {
                for (i, piece) in text.split(delimiter).enumerate() {
                    if i > 0 {
                        out.push(Vec::new());
                    }
                    if !piece.is_empty() {
                        out.last_mut()
                            .expect("never empty")
                            .push(Part::Literal(piece.to_owned()));
                    }
                }
            }
            Segment::Field(f) => out
                .last_mut()
                .expect("never empty")
                .push(Part::Field(format_of(schema, e, f))),
        }
    }
    out
}

fn segment_overlap(a: &[Part], b: &[Part]) -> bool {
    let literal = |parts: &[Part]| -> Option<String> {
        parts
            .iter()
            .map(|p| match p {
                Part::Literal(s) => Some(s.as_str()),
                Part::Field(_) => None,
            })
            .collect::<Option<String>>()
    };
    match (a, b, literal(a), literal(b)) {
        (_, _, Some(x), Some(y)) => x == y,
        ([Part::Field(f)], _, _, Some(text)) | (_, [Part::Field(f)], Some(text), _) => {
            matches_format(f, &text)
        }
        ([Part::Field(f)], [Part::Field(g)], _, _) => formats_overlap(f, g),
        _ => {
            // Mixed literal and field text: compare the literal prefixes and suffixes.
            let prefix = |parts: &[Part]| match parts.first() {
                Some(Part::Literal(s)) => s.clone(),
                _ => String::new(),
            };
            let suffix = |parts: &[Part]| match parts.last() {
                Some(Part::Literal(s)) => s.clone(),
                _ => String::new(),
            };
            let (pa, pb) = (prefix(a), prefix(b));
            let (sa, sb) = (suffix(a), suffix(b));
            (pa.starts_with(&pb) || pb.starts_with(&pa)) && (sa.ends_with(&sb) || sb.ends_with(&sa))
        }
    }
}

/// Whether two entities' templates can produce the same key text.
fn could_collide(
    schema: &Schema,
    delimiter: char,
    a: &Entity,
    at: &Template,
    b: &Entity,
    bt: &Template,
) -> bool {
    let x = split_segments(schema, delimiter, a, at);
    let y = split_segments(schema, delimiter, b, bt);
    x.len() == y.len() && x.iter().zip(&y).all(|(p, q)| segment_overlap(p, q))
}

/// Whether two partition templates are the same: equal literals and fields of equal names
/// and types, so one query argument list serves both.
fn same_partition(schema: &Schema, a: &Entity, at: &Template, b: &Entity, bt: &Template) -> bool {
    at.segments.len() == bt.segments.len()
        && at
            .segments
            .iter()
            .zip(&bt.segments)
            .all(|(x, y)| match (x, y) {
                (Segment::Literal(p), Segment::Literal(q)) => p == q,
                (Segment::Field(p), Segment::Field(q)) => {
                    p == q
                        && a.attribute(p).and_then(|f| f.ty.as_ref())
                            == b.attribute(q).and_then(|f| f.ty.as_ref())
                        && format_of(schema, a, p) == format_of(schema, b, q)
                }
                _ => false,
            })
}
