//! `codegen docs`: a Markdown catalogue of a schema for reviewers — every access pattern with
//! its index, key condition (with example values), the generated function's signature, order,
//! projection and how it reads; every entity with its attributes and the keys it writes; and
//! Mermaid diagrams of the item collections (which entities share a partition on which index)
//! and of the entities.
//!
//! Everything comes from the resolved model; signatures are read from the generated code
//! itself, key conditions from [`crate::explain`], example values from [`crate::examples`].

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::emit::query::{method_prefix, offers_begins_with};
use crate::examples::{AttrValue, visible};
use crate::explain::{self, Request, Shape, sort_template};
use crate::model::{
    AccessPattern, Attribute, DefaultValue, Entity, IndexKind, Key, Model, Order, PatternTarget,
    Projection, Type, Value,
};

/// The schema's type as written: `string`, `list<ChecklistItem>`.
fn type_text(ty: &Type) -> String {
    match ty {
        Type::String => "string".into(),
        Type::Integer => "integer".into(),
        Type::Float => "float".into(),
        Type::Bool => "bool".into(),
        Type::Timestamp => "timestamp".into(),
        Type::Date => "date".into(),
        Type::Uuid => "uuid".into(),
        Type::Ulid => "ulid".into(),
        Type::Bytes => "bytes".into(),
        Type::Ttl => "ttl".into(),
        Type::List(t) => format!("list<{}>", type_text(t)),
        Type::Map(t) => format!("map<{}>", type_text(t)),
        Type::Set(t) => format!("set<{}>", type_text(t)),
        Type::Document(n) | Type::Enum(n) => n.clone(),
    }
}

fn value_text(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::String(s) => format!("{s:?}"),
        Value::Integer(i) => i.to_string(),
        Value::Float(f) => format!("{f:?}"),
        Value::Bool(b) => b.to_string(),
        Value::Timestamp { seconds, nanos } => chrono::DateTime::from_timestamp(*seconds, *nanos)
            .map_or_else(|| seconds.to_string(), |t| t.to_rfc3339()),
        Value::Date { year, month, day } => format!("{year:04}-{month:02}-{day:02}"),
        Value::Uuid(u) => uuid::Uuid::from_u128(*u).to_string(),
        Value::Bytes(b) => format!("{} bytes", b.len()),
        Value::List(items) | Value::Set(items) => format!(
            "[{}]",
            items.iter().map(value_text).collect::<Vec<_>>().join(", ")
        ),
        Value::Map(entries) => format!(
            "{{{}}}",
            entries
                .iter()
                .map(|(k, v)| format!("{k}: {}", value_text(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Enum { variant, .. } => variant.clone(),
        Value::Document { type_name, .. } => format!("{type_name} {{..}}"),
    }
}

fn default_text(d: &DefaultValue) -> String {
    match d {
        DefaultValue::Now => "now".into(),
        DefaultValue::Uuid => "uuid".into(),
        DefaultValue::Uuid7 => "uuid7".into(),
        DefaultValue::Ulid => "ulid".into(),
        DefaultValue::Value(v) => value_text(v),
    }
}

/// The enum value a default names, as stored (the schema's spelling).
fn stored_enum(model: &Model, ty: &Type, d: &DefaultValue) -> Option<String> {
    let (Type::Enum(name), DefaultValue::Value(Value::Enum { variant, .. })) = (ty, d) else {
        return None;
    };
    match &model.type_def(name)?.kind {
        crate::model::TypeKind::Enum(values) => values
            .iter()
            .find(|(_, v)| v == variant)
            .map(|(s, _)| s.clone()),
        crate::model::TypeKind::Document(_) => None,
    }
}

/// Text for a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn code(text: &str) -> String {
    if text.contains('`') {
        format!("`` {text} ``")
    } else {
        format!("`{text}`")
    }
}

/// The modifiers of an attribute: optional, default, unique, immutable, auto, version.
fn modifiers(model: &Model, a: &Attribute) -> String {
    let mut out = Vec::new();
    if a.optional {
        out.push("optional".to_owned());
    }
    if let Some(d) = &a.default {
        let text = stored_enum(model, &a.ty, d).unwrap_or_else(|| default_text(d));
        out.push(format!("default {}", code(&text)));
    }
    match &a.unique {
        Some(None) => out.push("unique".to_owned()),
        Some(Some(scope)) => out.push(format!("unique per {}", code(scope))),
        None => {}
    }
    if a.immutable {
        out.push("immutable".to_owned());
    }
    match a.auto {
        Some(crate::model::Auto::Created) => out.push("set on create".to_owned()),
        Some(crate::model::Auto::Updated) => out.push("set on every write".to_owned()),
        None => {}
    }
    if a.version {
        out.push("version (optimistic locking)".to_owned());
    }
    out.join(", ")
}

/// Every public function's signature in the generated code, by `(type, function)`.
fn signatures(model: &Model, schema_file: &str) -> BTreeMap<(String, String), String> {
    let tokens = crate::emit::emit(model, schema_file, crate::Options::default());
    let mut out = BTreeMap::new();
    let Ok(file) = syn::parse2::<syn::File>(tokens) else {
        return out;
    };
    fn walk(items: &[syn::Item], out: &mut BTreeMap<(String, String), String>) {
        for item in items {
            match item {
                syn::Item::Mod(m) => {
                    if let Some((_, inner)) = &m.content {
                        walk(inner, out);
                    }
                }
                syn::Item::Impl(i) if i.trait_.is_none() => {
                    let syn::Type::Path(ty) = i.self_ty.as_ref() else {
                        continue;
                    };
                    let Some(ty) = ty.path.segments.last() else {
                        continue;
                    };
                    for f in &i.items {
                        let syn::ImplItem::Fn(f) = f else { continue };
                        if !matches!(f.vis, syn::Visibility::Public(_)) {
                            continue;
                        }
                        let (vis, sig) = (&f.vis, &f.sig);
                        let Ok(file) = syn::parse2::<syn::File>(quote::quote! { #vis #sig {} })
                        else {
                            continue;
                        };
                        let text = prettyplease::unparse(&file);
                        let text = text.trim_end().trim_end_matches("{}").trim_end();
                        out.insert(
                            (ty.ident.to_string(), f.sig.ident.to_string()),
                            text.to_owned(),
                        );
                    }
                }
                _ => {}
            }
        }
    }
    walk(&file.items, &mut out);
    out
}

/// A request's key condition with its placeholders replaced by names and example values.
pub fn readable(r: &Request) -> Option<String> {
    r.key_condition.as_deref().map(|k| inline(r, k))
}

/// An expression of `r` with its placeholders replaced by names and example values.
fn inline(r: &Request, expression: &str) -> String {
    let mut text = expression.to_owned();
    // Longest placeholders first, so `:v1` does not eat into `:v10`.
    let mut values: Vec<(&String, &AttrValue)> = r.values.iter().collect();
    values.sort_by_key(|(k, _)| std::cmp::Reverse(k.len()));
    for (k, v) in values {
        let shown = match v {
            AttrValue::S(s) => format!("{:?}", visible(s)).replace("\\\\u{", "\\u{"),
            AttrValue::N(n) => n.clone(),
        };
        text = text.replace(k.as_str(), &shown);
    }
    let mut names: Vec<(&String, &String)> = r.names.iter().collect();
    names.sort_by_key(|(k, _)| std::cmp::Reverse(k.len()));
    for (k, v) in names {
        text = text.replace(k.as_str(), v);
    }
    text
}

/// The partition's example for a fan-out: `shard 0 of 4` beside the key condition.
fn shards_note(shape: Shape) -> String {
    match shape {
        Shape::FanOut { shards } => {
            format!(" (shard 0; the same query runs on each of the {shards} shards)")
        }
        _ => String::new(),
    }
}

/// Where a pattern or key lives: `table` or `index \`x\` (global)`.
fn place(index: &str, kind: IndexKind) -> String {
    match kind {
        IndexKind::Primary => "table".to_owned(),
        IndexKind::Global => format!("index `{index}` (global)"),
        IndexKind::Local => format!("index `{index}` (local)"),
        IndexKind::Inverse => format!("index `{index}` (inverse: the table's keys swapped)"),
    }
}

fn targets(p: &AccessPattern) -> String {
    match &p.target {
        PatternTarget::Entity(e) => format!("`{e}`"),
        PatternTarget::Collection(names) => format!(
            "item collection of {}",
            names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// How a pattern reads, for people.
fn reads(p: &AccessPattern, walk: bool) -> String {
    let mut text = match explain::shape(p) {
        Shape::Query => "Query (one partition)".to_owned(),
        Shape::FanOut { shards } => format!(
            "shard fan-out: one Query on each of {shards} write shards, merged in key order"
        ),
        Shape::Native => "native multi-attribute key Query".to_owned(),
        Shape::Scan => "Scan (reads and bills every item of the table or index)".to_owned(),
    };
    if walk {
        text.push_str("; bucket walk over a range of date buckets with `_across`");
    }
    text
}

fn what_is_read(model: &Model, p: &AccessPattern) -> String {
    if let Some(select) = &p.select {
        return format!(
            "`select:` {} (and the key attributes)",
            select
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    match model.index(&p.index).map(|i| &i.projection) {
        Some(Projection::KeysOnly) => "keys only (the index's projection)".to_owned(),
        Some(Projection::Include(a)) => format!(
            "keys and {} (the index's projection)",
            a.iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => "whole items".to_owned(),
    }
}

/// Mermaid-safe label text inside double quotes.
fn label(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '#' => out.push_str("#35;"),
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            _ => out.push(c),
        }
    }
    out
}

/// An identifier for an erDiagram: letters, digits and underscores.
fn er_ident(text: &str) -> String {
    let mut out: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !out.starts_with(|c: char| c.is_ascii_alphabetic()) {
        out.insert(0, 'a');
    }
    out
}

/// An erDiagram attribute type: `set_string` for `set<string>` (a word, as Mermaid wants).
fn er_type(ty: &Type) -> String {
    er_ident(&type_text(ty)).trim_end_matches('_').to_owned()
}

/// Every index's keys: which entities write a partition of which template.
fn collections_diagrams(model: &Model, out: &mut String) {
    let mut indexes: Vec<(String, IndexKind)> = vec![("primary".to_owned(), IndexKind::Primary)];
    indexes.extend(model.table.indexes.iter().map(|i| (i.name.clone(), i.kind)));
    for (index, kind) in indexes {
        let keys: Vec<(&Entity, &Key)> = model
            .entities
            .iter()
            .filter_map(|e| e.key(&index).map(|k| (e, k)))
            .collect();
        if keys.is_empty() {
            continue;
        }
        let (pk, sk) = if index == "primary" {
            (
                model.table.partition_key.clone(),
                model.table.sort_key.clone(),
            )
        } else {
            model
                .index(&index)
                .map(|i| (i.partition_key.clone(), i.sort_key.clone()))
                .unwrap_or_default()
        };
        let _ = writeln!(
            out,
            "\n### {}\n\nPartition key `{pk}`{}.\n",
            if index == "primary" {
                "Table".to_owned()
            } else {
                format!("Index `{index}`")
            },
            sk.map(|s| format!(", sort key `{s}`")).unwrap_or_default()
        );
        let _ = writeln!(out, "```mermaid\nflowchart LR");
        let mut partitions: Vec<String> = Vec::new();
        for (_, k) in &keys {
            let text = k.partition.text.clone();
            if !partitions.contains(&text) {
                partitions.push(text);
            }
        }
        for (i, text) in partitions.iter().enumerate() {
            let _ = writeln!(out, "  p{i}[\"{}\"]", label(text));
        }
        for (n, (e, _)) in keys.iter().enumerate() {
            let _ = writeln!(out, "  e{n}([\"{}\"])", label(&e.name));
        }
        for (n, (_, k)) in keys.iter().enumerate() {
            let i = partitions
                .iter()
                .position(|t| *t == k.partition.text)
                .unwrap_or(0);
            let mut edge = k.sort.as_ref().map(|s| s.text.clone()).unwrap_or_default();
            if let Some(w) = &k.when {
                let cond = if w.values.is_empty() {
                    w.field.name.clone()
                } else {
                    format!(
                        "{} in {}",
                        w.field.name,
                        w.values
                            .iter()
                            .map(|(s, _)| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                edge.push_str(&format!(" (when {cond})"));
            }
            if edge.is_empty() {
                let _ = writeln!(out, "  p{i} --> e{n}");
            } else {
                let _ = writeln!(out, "  p{i} -->|\"{}\"| e{n}", label(&edge));
            }
        }
        let _ = writeln!(out, "```");
        let _ = kind;
    }
}

/// The entities with their attributes and key templates.
fn entities_diagram(model: &Model, out: &mut String) {
    let _ = writeln!(out, "```mermaid\nerDiagram");
    for e in &model.entities {
        let _ = writeln!(out, "  {} {{", er_ident(&e.rust_name));
        for a in &e.attributes {
            let marker = if e.is_key_field(&a.name) {
                " PK"
            } else if a.unique.is_some() {
                " UK"
            } else {
                ""
            };
            let note = if a.stored_name != a.name {
                format!(" \"stored as {}\"", a.stored_name.replace('"', "'"))
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "    {} {}{marker}{note}",
                er_type(&a.ty),
                er_ident(&a.name)
            );
        }
        for k in &e.keys {
            for t in k.written_templates() {
                let _ = writeln!(
                    out,
                    "    key {}_key \"{}{}\"",
                    er_ident(&t.attribute),
                    if k.is_primary() {
                        String::new()
                    } else {
                        format!("{}: ", k.index)
                    },
                    t.text.replace('"', "'")
                );
            }
        }
        let _ = writeln!(out, "  }}");
    }
    let _ = writeln!(out, "```");
}

/// Renders the catalogue of `model`, read from `schema_file` (named in the text).
pub fn render(model: &Model, schema_file: &str) -> String {
    let sigs = signatures(model, schema_file);
    let t = &model.table;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<!-- @generated by `codegen docs` from {schema_file}. Do not edit by hand; change the \
         schema and regenerate. -->\n\n# Table `{}`: access patterns and entities\n",
        t.name
    );
    let _ = writeln!(
        out,
        "Partition key `{}`{}, type attribute `{}`, key delimiter `{}`{}{}.\n",
        t.partition_key,
        t.sort_key
            .as_ref()
            .map(|s| format!(", sort key `{s}`"))
            .unwrap_or_default(),
        t.type_attribute,
        t.delimiter,
        t.ttl_attribute
            .as_ref()
            .map(|a| format!(", TTL attribute `{a}`"))
            .unwrap_or_default(),
        t.stream
            .map(|v| format!(", stream of `{}`", v.dynamodb_name()))
            .unwrap_or_default()
    );
    if !t.indexes.is_empty() {
        let _ = writeln!(
            out,
            "| Index | Kind | Partition key | Sort key | Projection |\n|---|---|---|---|---|"
        );
        for i in &t.indexes {
            let kind = match i.kind {
                IndexKind::Primary => "table",
                IndexKind::Global => "global",
                IndexKind::Local => "local",
                IndexKind::Inverse => "inverse",
            };
            let (pk, sk) = match &i.multi {
                Some((p, s)) => (p.join(", "), s.join(", ")),
                None => (
                    i.partition_key.clone(),
                    i.sort_key.clone().unwrap_or_default(),
                ),
            };
            let projection = match &i.projection {
                Projection::All => "all".to_owned(),
                Projection::KeysOnly => "keys only".to_owned(),
                Projection::Include(a) => a.join(", "),
            };
            let _ = writeln!(
                out,
                "| `{}` | {kind} | {} | {} | {} |",
                i.name,
                cell(&pk),
                cell(&sk),
                cell(&projection)
            );
        }
        out.push('\n');
    }

    // Access patterns.
    let _ = writeln!(out, "## Access patterns\n");
    let _ = writeln!(
        out,
        "| Pattern | Returns | Reads | How |\n|---|---|---|---|"
    );
    for p in &model.access_patterns {
        let how = match explain::shape(p) {
            Shape::Query => "Query",
            Shape::FanOut { .. } => "shard fan-out",
            Shape::Native => "multi-attribute Query",
            Shape::Scan => "Scan",
        };
        let _ = writeln!(
            out,
            "| [`{}`](#{}) | {} | {} | {how} |",
            p.name,
            p.name.to_lowercase(),
            targets(p),
            place(&p.index, p.kind)
        );
    }
    for p in &model.access_patterns {
        pattern_section(model, p, &sigs, &mut out);
    }

    // Entities.
    let _ = writeln!(out, "\n## Entities");
    for e in &model.entities {
        let _ = writeln!(out, "\n### {}\n", e.name);
        if let Some(doc) = &e.doc {
            let _ = writeln!(out, "{doc}\n");
        }
        let _ = writeln!(
            out,
            "| Attribute | Stored as | Type | Modifiers | Doc |\n|---|---|---|---|---|"
        );
        for a in &e.attributes {
            let stored = if a.stored_name != a.name {
                format!("`{}`", a.stored_name)
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "| `{}` | {stored} | {} | {} | {} |",
                a.name,
                code(&type_text(&a.ty)),
                cell(&modifiers(model, a)),
                cell(a.doc.as_deref().unwrap_or(""))
            );
        }
        let _ = writeln!(
            out,
            "\nKeys it writes:\n\n| Index | Partition | Sort | Written when |\n|---|---|---|---|"
        );
        for k in &e.keys {
            let template = |t: Option<&crate::model::Template>| {
                t.map(|t| format!("{} = {}", code(&t.attribute), code(&t.text)))
                    .unwrap_or_default()
            };
            let written: Vec<&str> = k
                .written_templates()
                .map(|t| t.attribute.as_str())
                .collect();
            let partition = if written.contains(&k.partition.attribute.as_str()) {
                template(Some(&k.partition))
            } else {
                format!("{} (the table's)", template(Some(&k.partition)))
            };
            let sort = match &k.sort {
                Some(s) if written.contains(&s.attribute.as_str()) => template(Some(s)),
                Some(s) => format!("{} (the table's)", template(Some(s))),
                None => String::new(),
            };
            let mut when = Vec::new();
            if let Some(w) = &k.when {
                when.push(if w.values.is_empty() {
                    format!("`{}` is true", w.field.name)
                } else {
                    format!(
                        "`{}` is {}",
                        w.field.name,
                        w.values
                            .iter()
                            .map(|(s, _)| format!("`{s}`"))
                            .collect::<Vec<_>>()
                            .join(" or ")
                    )
                });
            }
            let optional: Vec<String> = k
                .written_templates()
                .flat_map(|t| t.fields())
                .filter(|f| f.optional)
                .map(|f| format!("`{}` is set", f.name))
                .collect();
            when.extend(optional);
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                if k.is_primary() {
                    "table".to_owned()
                } else {
                    format!("`{}`", k.index)
                },
                cell(&partition),
                cell(&sort),
                if when.is_empty() {
                    "always".to_owned()
                } else {
                    when.join(", ")
                }
            );
        }
    }

    // Diagrams.
    let _ = writeln!(
        out,
        "\n## Item collections\n\nWhich entities share partitions, per index: each box is a \
         partition template, and an arrow leads to an entity whose items live in such \
         partitions, labelled with their sort template."
    );
    collections_diagrams(model, &mut out);
    let _ = writeln!(
        out,
        "\n## Entity diagram\n\nAttributes (`PK`: part of the primary key, `UK`: unique) and \
         the key attributes each entity writes, with their templates.\n"
    );
    entities_diagram(model, &mut out);
    out
}

fn pattern_section(
    model: &Model,
    p: &AccessPattern,
    sigs: &BTreeMap<(String, String), String>,
    out: &mut String,
) {
    let _ = writeln!(out, "\n### {}\n", p.name);
    if let Some(doc) = &p.doc {
        let _ = writeln!(out, "{doc}\n");
    }
    let owner = match &p.target {
        PatternTarget::Entity(e) => model
            .entity(e)
            .map(|e| (e.rust_name.clone(), p.rust_name.clone())),
        PatternTarget::Collection(_) => Some((
            heck::ToUpperCamelCase::to_upper_camel_case(p.name.as_str()),
            "query".to_owned(),
        )),
    };
    let walk_name = format!("{}_across", p.rust_name.trim_start_matches("r#"));
    let walk = owner
        .as_ref()
        .and_then(|(ty, _)| sigs.get(&(ty.clone(), walk_name)));
    let explained = explain::explain(model, &p.name).ok();
    let _ = writeln!(
        out,
        "- Returns: {}{}",
        targets(p),
        if p.one {
            " (the first match only: `one: true`)"
        } else {
            ""
        }
    );
    let _ = writeln!(out, "- Reads: {}", place(&p.index, p.kind));
    let _ = writeln!(out, "- How: {}", reads(p, walk.is_some()));
    if let Some(x) = &explained
        && let Some(r) = x.stages.first().and_then(|s| s.requests.first())
        && let Some(k) = readable(r)
    {
        let _ = writeln!(out, "- Key condition: {}{}", code(&k), shards_note(x.shape));
    }
    if let Some(x) = &explained
        && let Some(r) = x.stages.first().and_then(|s| s.requests.first())
    {
        let none = if r.select.is_some() {
            "none (a keys-only index holds no type attribute)"
        } else {
            "none (the type attribute leads the key)"
        };
        let filter = r.filter.as_deref().map_or_else(
            || none.to_owned(),
            |f| format!("{} (applied after reading)", code(&inline(r, f))),
        );
        let _ = writeln!(out, "- Type filter: {filter}");
    }
    let order = match p.order {
        Order::Asc => "ascending",
        Order::Desc => "descending",
    };
    if !p.scan {
        let _ = writeln!(out, "- Order: {order} sort key");
    }
    let _ = writeln!(out, "- Attributes read: {}", what_is_read(model, p));
    let _ = writeln!(
        out,
        "- Consistency: {}",
        if p.strong_reads() {
            "eventual by default; `.consistent()` reads strongly"
        } else {
            "eventual (a global index has no strong reads)"
        }
    );
    if let Some((ty, func)) = &owner
        && let Some(sig) = sigs.get(&(ty.clone(), func.clone()))
    {
        let _ = writeln!(out, "\n```rust\nimpl {ty} {{\n{}", indent(sig));
        if let Some(w) = walk {
            let _ = writeln!(out, "{}", indent(w));
        }
        let _ = writeln!(out, "}}\n```");
    }
    // Narrowing by the sort key, field by field.
    let fields: Vec<_> = match (&p.target, p.scan) {
        (PatternTarget::Entity(_), false) => sort_template(p)
            .map(|s| s.fields().collect())
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    if !fields.is_empty()
        && let Some(x) = &explained
    {
        let _ = writeln!(
            out,
            "\nNarrowing (each field after equality on the ones before it):\n\n\
             | Field | Methods | Example | Key condition |\n|---|---|---|---|"
        );
        for f in &fields {
            let base = method_prefix(f);
            let mut methods: Vec<String> = ["eq", "lt", "lte", "gt", "gte", "between"]
                .iter()
                .map(|op| format!("`{base}_{op}`"))
                .collect();
            if offers_begins_with(f, p.native) {
                methods.push(format!("`{base}_begins_with`"));
            }
            let eq = format!("{base}_eq");
            if let Some(stage) = x.stages.iter().find(|s| s.method == eq) {
                let condition = stage
                    .requests
                    .first()
                    .and_then(readable)
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "| `{}` | {} | {} | {} |",
                    f.name,
                    methods.join(" "),
                    cell(&code(&stage.call)),
                    cell(&code(&condition))
                );
            }
        }
    }
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
