//! Access patterns on one entity: a function named after the pattern returning a
//! [`QueryBuilder`](singletable::QueryBuilder), one stage type per sort field that can be
//! fixed by equality (with that field's narrowing methods), and for `keys_only`/`include`
//! indexes a projection type with `load`.

use heck::ToUpperCamelCase;
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::keys::{field_param_type, key_fn, param, param_value};
use super::{Cx, doc, ident};
use crate::ast::{Order, Projection};
use crate::model::{
    AccessPattern, Derive, Entity, Model, PatternTarget, Template, TemplateField, TemplatePart,
    Type,
};

/// The end of a pattern doc's first paragraph: the key order it reads in.
fn order_text(p: &AccessPattern) -> &'static str {
    match p.order {
        Order::Asc => "; ascending key order.",
        Order::Desc => "; descending key order.",
    }
}

/// The pattern's doc: its `doc:` text, what it reads, and its schema line.
pub(super) fn pattern_doc(cx: &Cx, p: &AccessPattern) -> String {
    let target = if p.kind == crate::model::IndexKind::Primary {
        "the table".to_owned()
    } else {
        format!("index `{}`", p.index)
    };
    let mut text = p
        .doc
        .clone()
        .unwrap_or_else(|| format!("The `{}` access pattern.", p.name));
    if p.scan {
        text.push_str(&format!(
            "\n\nScans {target} (`scan: true`): reads every item in it, and DynamoDB bills \
             the read of all of them, although only `{}` items are returned.",
            match &p.target {
                PatternTarget::Entity(e) => e.as_str(),
                PatternTarget::Collection(_) => "the collection's",
            }
        ));
    } else if p.native {
        let list = |t: &Template| {
            t.fields()
                .map(|f| format!("`{}`", f.name))
                .collect::<Vec<_>>()
                .join(", ")
        };
        text.push_str(&format!(
            "\n\nQueries {target} on its multi-attribute key: partition {}",
            list(&p.partition)
        ));
        if let Some(sort) = p.sorts.iter().find_map(|(_, s)| s.as_ref()) {
            text.push_str(&format!(", sort {}", list(sort)));
        }
        text.push_str(order_text(p));
    } else {
        text.push_str(&format!(
            "\n\nQueries {target}: partition `{}` on `{}`",
            p.partition.text, p.partition.attribute
        ));
        let sorts: Vec<String> = p
            .sorts
            .iter()
            .filter_map(|(e, s)| s.as_ref().map(|s| format!("`{}` ({e})", s.text)))
            .collect();
        if let Some(attr) = p.sorts.iter().find_map(|(_, s)| s.as_ref()) {
            text.push_str(&format!(
                ", sort {} on `{}`",
                sorts.join(", "),
                attr.attribute
            ));
        }
        text.push_str(order_text(p));
        if let Some(n) = shard_count(p) {
            text.push_str(&format!(
                " The partition is spread over {n} write shards; the query reads all of them \
                 at once and merges their results in key order under one cursor."
            ));
        }
    }
    text.push_str(&format!(" Declared at `{}:{}`.", cx.file, p.line));
    text
}

/// `.index("x")` for a pattern on a secondary index.
pub(super) fn index_clause(p: &AccessPattern) -> Option<TokenStream> {
    (p.kind != crate::model::IndexKind::Primary).then(|| {
        let i = &p.index;
        quote! { .index(#i) }
    })
}

/// The expression building the pattern's partition key for entity `e` (of its first shard,
/// for a sharded partition).
pub(super) fn partition_call(e: &Entity, p: &AccessPattern) -> TokenStream {
    partition_of_shard(e, p, &quote! { 0 })
}

/// The expression building the pattern's partition key of shard `shard`.
fn partition_of_shard(e: &Entity, p: &AccessPattern, shard: &TokenStream) -> TokenStream {
    let entity = ident(&e.rust_name);
    let func = match e.key(&p.index) {
        Some(k) if k.kind != crate::model::IndexKind::Local => key_fn(k, &k.partition),
        _ => format_ident!("partition_key"),
    };
    let args = p.partition.fields().map(|f| match f.derive {
        Some(Derive::Shard(_)) => shard.clone(),
        _ => {
            let id = ident(&f.param_name());
            quote! { #id }
        }
    });
    quote! { #entity::#func(#(#args),*) }
}

/// The pattern function's parameters: the partition template's fields, but not a shard
/// segment (every shard is read).
pub(super) fn pattern_params(cx: &Cx, p: &AccessPattern) -> Vec<TokenStream> {
    p.partition
        .fields()
        .filter(|f| !matches!(f.derive, Some(Derive::Shard(_))))
        .map(|f| param(cx, f))
        .collect()
}

/// Every key attribute of the pattern's index, the table's first: what identifies an item's
/// position in the index.
pub(crate) fn key_attributes<'m>(model: &'m Model, p: &AccessPattern) -> Vec<&'m str> {
    let t = &model.table;
    let index = model.index(&p.index);
    let keys = [Some(&t.partition_key), t.sort_key.as_ref()]
        .into_iter()
        .chain(index.map(|i| Some(&i.partition_key)))
        .chain(index.map(|i| i.sort_key.as_ref()))
        .flatten();
    let mut out: Vec<&str> = Vec::new();
    for a in keys {
        if !out.contains(&a.as_str()) {
            out.push(a);
        }
    }
    out
}

/// The partition of a pattern on a multi-attribute key: each attribute with its value.
fn native_parts(e: &Entity, p: &AccessPattern) -> TokenStream {
    let parts = p.partition.fields().map(|f| {
        let id = ident(&f.param_name());
        let attribute = e.attribute(&f.name).map_or(&f.name, |a| &a.stored_name);
        let value = match f.ty {
            Type::String => quote! { &#id.to_owned() },
            _ => quote! { &#id },
        };
        quote! { key_part(#attribute, #value) }
    });
    quote! { [#(#parts),*] }
}

/// `{pattern}_across(.., from, to)` for a pattern whose partition template has one date
/// bucket segment (`{created_at:day}`): the same query walking every bucket from `from` to
/// `to`, one after another in the query's order. `query` is the pattern's query expression,
/// `ret` its function's return type and `wrap` the expression turning `query` into it.
fn walk(
    cx: &Cx,
    p: &AccessPattern,
    e: &Entity,
    query: &TokenStream,
    ret: &TokenStream,
    wrap: &TokenStream,
) -> Option<TokenStream> {
    let mut buckets = p.partition.fields().filter(|f| {
        matches!(
            f.derive,
            Some(Derive::Year | Derive::Month | Derive::Day | Derive::Hour)
        )
    });
    let (bucket, None) = (buckets.next()?, buckets.next()) else {
        return None;
    };
    let range = match bucket.derive? {
        Derive::Year => quote! { derive::years },
        Derive::Month => quote! { derive::months },
        Derive::Day => quote! { derive::days },
        _ => quote! { derive::hours },
    };
    let ty = field_param_type(cx, bucket);
    let name = ident(&bucket.param_name());
    let walk_fn = format_ident!("{}_across", p.rust_name.trim_start_matches("r#"));
    let params = p
        .partition
        .fields()
        .filter(|f| {
            f.derive
                .is_none_or(|d| matches!(d, Derive::Upper | Derive::Lower))
        })
        .map(|f| param(cx, f));
    let partitions = if shard_count(p).is_some() {
        shard_list(e, p)
    } else {
        let one = partition_call(e, p);
        quote! { [#one] }
    };
    let sort = index_sort_key(cx, p);
    let keys = key_attributes(cx.model, p);
    let docs = doc(&format!(
        "[`{}::{}`] over every `{}` bucket from `from` to `to` (inclusive), read one after \
         another in the query's order, lazily, under one cursor.",
        e.rust_name,
        p.rust_name.trim_start_matches("r#"),
        bucket.name
    ));
    Some(quote! {
        #docs
        pub fn #walk_fn(#(#params,)* from: #ty, to: #ty) -> #ret {
            // The first bucket gives the query its shape; `walk` lists every bucket.
            let #name = from;
            let query = #query.walk(
                #range(from, to).into_iter().map(|#name| #partitions),
                #sort,
                &[#(#keys),*],
            );
            #wrap
        }
    })
}

/// The `N` of the pattern's `{field:shard(N)}` partition segment, if it has one.
pub(crate) fn shard_count(p: &AccessPattern) -> Option<u32> {
    p.partition.fields().find_map(|f| match f.derive {
        Some(Derive::Shard(n)) => Some(n),
        _ => None,
    })
}

/// The sort key attribute of the pattern's index (empty for an index without one).
fn index_sort_key(cx: &Cx, p: &AccessPattern) -> String {
    cx.model
        .index(&p.index)
        .and_then(|i| i.sort_key.clone())
        .unwrap_or_default()
}

/// Every shard's partition key of a sharded pattern, as a `Vec`.
fn shard_list(e: &Entity, p: &AccessPattern) -> TokenStream {
    let n = shard_count(p).unwrap_or(1);
    let each = partition_of_shard(e, p, &quote! { shard });
    quote! { (0..#n).map(|shard| #each).collect::<Vec<_>>() }
}

/// `.shards(..)` for a pattern whose partition template has a `shard(N)` segment: the query
/// reads all `N` partitions and merges them in sort-key order.
pub(super) fn shards_clause(cx: &Cx, e: &Entity, p: &AccessPattern) -> Option<TokenStream> {
    let n = shard_count(p)?;
    let each = partition_of_shard(e, p, &quote! { shard });
    let sort = index_sort_key(cx, p);
    let keys = key_attributes(cx.model, p);
    Some(quote! { .shards((0..#n).map(|shard| #each), #sort, &[#(#keys),*]) })
}

/// The attributes an index holds besides keys, if it does not hold whole items.
fn partial_projection<'m>(cx: &Cx<'m>, index: &str) -> Option<&'m Projection> {
    cx.model
        .index(index)
        .map(|i| &i.projection)
        .filter(|p| **p != Projection::All)
}

/// What a pattern returns, the projection type to emit (if any), and the expression starting
/// its query (or, with no `partition`, its scan).
pub(super) fn pattern_source(
    cx: &Cx,
    p: &AccessPattern,
    e: &Entity,
    partition: Option<&TokenStream>,
) -> (TokenStream, TokenStream, TokenStream) {
    let entity = ident(&e.rust_name);
    let tag = &p.name;
    let selected = p.select.clone().map(Projection::Include);
    let index = &p.index;
    let Some(projection) = selected.as_ref().or(partial_projection(cx, &p.index)) else {
        let init = match partition {
            Some(parts) if p.native => quote! { Query::native(#tag, #index, #parts) },
            Some(partition) => quote! { Query::entity(#tag, #partition) },
            None => quote! { ScanBuilder::entity(#tag) },
        };
        return (quote! { #entity }, TokenStream::new(), init);
    };
    let (name, tokens) = emit_projection(cx, p, e, projection);
    // A keys-only index holds no type attribute to select the entity by.
    let keys_only = (*projection == Projection::KeysOnly).then(|| quote! { .keys_only() });
    // `select:` reads the selected attributes and every key attribute the results need: the
    // table's (for `key` and `load`) and the index's (for cursors and narrowing).
    let select = p.select.as_ref().map(|selected| {
        let mut attributes = key_attributes(cx.model, p);
        for a in selected {
            if !attributes.contains(&a.as_str()) {
                attributes.push(a);
            }
        }
        quote! { .select(&[#(#attributes),*]) }
    });
    let init = match partition {
        Some(parts) if p.native => quote! {
            Query::native_projection::<#entity, _>(#tag, #index, #parts, #name::decode) #keys_only #select
        },
        Some(partition) => {
            quote! { Query::projection(#tag, #partition, #name::decode) #keys_only #select }
        }
        None => {
            quote! { ScanBuilder::projection::<#entity>(#tag, #name::decode) #keys_only #select }
        }
    };
    (quote! { #name }, tokens, init)
}

/// A projection type for patterns on `keys_only` or `include` indexes: the item's primary key
/// (always projected) and the included attributes, with a way to load the full item.
fn emit_projection(
    cx: &Cx,
    p: &AccessPattern,
    e: &Entity,
    projection: &Projection,
) -> (Ident, TokenStream) {
    let entity = ident(&e.rust_name);
    let entity_name = &e.name;
    let name = format_ident!("{}Projection", p.name.to_upper_camel_case());
    let included: Vec<_> = match projection {
        Projection::Include(attrs) => e
            .attributes
            .iter()
            .filter(|a| attrs.contains(&a.stored_name))
            .cloned()
            .collect(),
        _ => Vec::new(),
    };
    let fields = super::entity::struct_fields(cx, &included);
    let takes = included.iter().map(|a| {
        let f = ident(&a.rust_name);
        let stored = &a.stored_name;
        quote! { #f: codec::take(&mut item, #entity_name, #stored)? }
    });
    let what = match projection {
        Projection::Include(a) => format!(
            "keys and {}",
            a.iter()
                .map(|x| format!("`{x}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => "keys only".to_owned(),
    };
    let docs = doc(&if p.select.is_some() {
        format!(
            "A `{}` as [`{}::{}`] selects it ({what}). [`{name}::load`] reads the full item.",
            e.name,
            e.rust_name,
            p.rust_name.trim_start_matches("r#")
        )
    } else {
        format!(
            "A `{}` as index `{}` holds it ({what}). [`{name}::load`] reads the full item.",
            e.name, p.index
        )
    });
    let tokens = quote! {
        #docs
        #[derive(Debug, Clone, PartialEq)]
        pub struct #name {
            /// The item's primary key.
            pub key: Key<#entity>,
            #(#fields,)*
        }

        impl #name {
            fn decode(mut item: Item) -> Result<Option<Self>> {
                let key = Key::take_from(&mut item, &TABLE)?;
                Ok(Some(Self { key, #(#takes,)* }))
            }

            /// Reads the full item from the table; `None` if it was deleted since.
            pub async fn load(&self, table: &Table) -> Result<Option<#entity>> {
                table.get(self.key.clone()).await
            }
        }
    };
    (name, tokens)
}

/// The key condition every query of a pattern starts with: the sort template's literal
/// prefix (`begins_with(sk, "ORDER#")`), or the whole key for a constant template, so other
/// entities' items in the partition are skipped by the key condition rather than counted
/// against the limit and filtered afterwards.
pub(super) fn default_sort_condition(sort: Option<&Template>) -> Option<TokenStream> {
    let sort = sort?;
    let attr = &sort.attribute;
    let mut prefix = String::new();
    for part in &sort.parts {
        match part {
            TemplatePart::Literal(l) => prefix.push_str(l),
            TemplatePart::Field(_) => {
                return (!prefix.is_empty()).then(|| {
                    quote! { .sort(#attr, Ok(SortCondition::BeginsWith(#prefix.to_owned()))) }
                });
            }
        }
    }
    Some(quote! { .sort(#attr, Ok(SortCondition::Eq(#prefix.to_owned()))) })
}

/// The stage type after fixing `fixed` fields (`AssignedTasksQuery`, `AssignedTasksStatus`).
fn stage_name(p: &AccessPattern, fixed: &[&TemplateField]) -> Ident {
    let mut name = p.name.to_upper_camel_case();
    for f in fixed {
        name.push_str(&f.name.to_upper_camel_case());
    }
    if fixed.is_empty() {
        name.push_str("Query");
    }
    format_ident!("{}", name)
}

/// The markers of a pattern's stages: result, fetch output and read consistency.
struct Shape {
    item: TokenStream,
    output: TokenStream,
    reads: TokenStream,
}

impl Shape {
    /// The builder after the last narrowing: `QueryBuilder<Plain<..>>`.
    fn done(&self) -> TokenStream {
        let Shape {
            item,
            output,
            reads,
        } = self;
        quote! { QueryBuilder<Plain<#item, #output, #reads>> }
    }
}

/// The start of a sort field's narrowing methods' names: `priority` (`priority_lte`),
/// `starts_at_day` for `{starts_at:day}`.
pub(crate) fn method_prefix(f: &TemplateField) -> String {
    crate::names::snake(&f.param_name()).unwrap_or_default()
}

/// Whether a sort field has a `_begins_with` narrowing: text, and values stored as text
/// (on a multi-attribute key, strings only).
pub(crate) fn offers_begins_with(f: &TemplateField, native: bool) -> bool {
    match f.derive {
        None if native => f.ty == Type::String,
        None => matches!(
            f.ty,
            Type::String | Type::Timestamp | Type::Date | Type::Uuid | Type::Ulid
        ),
        Some(d) => matches!(
            d,
            Derive::Upper | Derive::Lower | Derive::Month | Derive::Day | Derive::Hour
        ),
    }
}

/// The narrowing methods of one sort field, on the stage that fixes the fields before it.
fn narrowing(
    cx: &Cx,
    f: &TemplateField,
    next: Option<&Ident>,
    done: &TokenStream,
    native: bool,
) -> TokenStream {
    let ty = field_param_type(cx, f);
    let (value, low, high) = if native {
        // A multi-attribute key compares the attribute's own stored value.
        let own = |v: TokenStream| match f.ty {
            Type::String => quote! { &#v.to_owned() },
            _ => quote! { &#v },
        };
        (
            own(quote! { value }),
            own(quote! { low }),
            own(quote! { high }),
        )
    } else if f.derive.is_some() {
        (
            param_value(f, quote! { value }),
            param_value(f, quote! { low }),
            param_value(f, quote! { high }),
        )
    } else {
        match f.ty {
            Type::String | Type::Integer | Type::Bool | Type::Ulid => {
                (quote! { value }, quote! { low }, quote! { high })
            }
            Type::Enum(_) => (
                quote! { value.as_str() },
                quote! { low.as_str() },
                quote! { high.as_str() },
            ),
            _ => (quote! { &value }, quote! { &low }, quote! { &high }),
        }
    };
    let name = method_prefix(f);
    let m = |op: &str| format_ident!("{name}_{op}");
    let field = match f.derive {
        Some(d) => format!("{}:{}", f.name, d.name()),
        None => f.name.clone(),
    };
    let eq = m("eq");
    let eq_method = match next {
        Some(next) => {
            let d = doc(&format!(
                "Only items whose `{field}` equals `value`; narrow further by the next field."
            ));
            quote! {
                #d
                pub fn #eq(&self, value: #ty) -> QueryBuilder<#next> {
                    QueryBuilder::new(#next(self.0.fix(#value)))
                }
            }
        }
        None => {
            let d = doc(&format!("Only items whose `{field}` equals `value`."));
            quote! {
                #d
                pub fn #eq(&self, value: #ty) -> #done { self.0.eq(#value) }
            }
        }
    };
    let ops = [
        ("lt", "is less than `value`"),
        ("lte", "is at most `value`"),
        ("gt", "is greater than `value`"),
        ("gte", "is at least `value`"),
    ]
    .map(|(op, what)| {
        let method = m(op);
        let call = format_ident!("{op}");
        let d = doc(&format!("Only items whose `{field}` {what}."));
        quote! {
            #d
            pub fn #method(&self, value: #ty) -> #done { self.0.#call(#value) }
        }
    });
    let between = m("between");
    let begins = offers_begins_with(f, native).then(|| {
        let begins = m("begins_with");
        let d = doc(&format!(
            "Only items whose `{field}` starts with `prefix` (as stored text)."
        ));
        quote! {
            #d
            pub fn #begins(&self, prefix: &str) -> #done { self.0.begins_with(prefix) }
        }
    });
    let between_doc = doc(&format!(
        "Only items whose `{field}` lies between `low` and `high`, inclusive."
    ));
    quote! {
        #eq_method
        #(#ops)*
        #between_doc
        pub fn #between(&self, low: #ty, high: #ty) -> #done { self.0.between(#low, #high) }
        #begins
    }
}

/// An access pattern on one entity.
pub(super) fn emit(cx: &Cx, p: &AccessPattern, e: &Entity) -> TokenStream {
    let entity = ident(&e.rust_name);
    let pattern_fn = ident(&p.rust_name);
    let docs = doc(&pattern_doc(cx, p));
    let params = pattern_params(cx, p);
    let partition = if p.native {
        native_parts(e, p)
    } else {
        partition_call(e, p)
    };
    let index = (!p.native).then(|| index_clause(p)).flatten();
    let shards = shards_clause(cx, e, p);
    let order = (p.order == Order::Desc).then(|| quote! { .descending() });
    let (item, projection_type, init) = pattern_source(cx, p, e, Some(&partition));
    let sort = p.sorts.first().and_then(|(_, s)| s.as_ref());
    let default_sort = (!p.native).then(|| default_sort_condition(sort)).flatten();
    let shape = Shape {
        output: if p.one {
            quote! { Option<#item> }
        } else {
            quote! { Vec<#item> }
        },
        reads: if p.strong_reads() {
            quote! { Strong }
        } else {
            quote! { Eventual }
        },
        item,
    };
    let done_alias = format_ident!("{}Narrowed", p.name.to_upper_camel_case());
    let query = quote! { #init #index #shards #order #default_sort };
    // A walk lists every bucket's partitions itself (its shards included).
    let walk_query = quote! { #init #index #order #default_sort };
    let fields: Vec<&TemplateField> = sort.map(|s| s.fields().collect()).unwrap_or_default();
    let Some(sort) = sort.filter(|_| !fields.is_empty()) else {
        let done = shape.done();
        let wrap = quote! { QueryBuilder::new(Plain::new(query)) };
        let walk = walk(cx, p, e, &walk_query, &done, &wrap);
        return quote! {
            impl #entity {
                #docs
                pub fn #pattern_fn(#(#params),*) -> #done {
                    let query = #query;
                    #wrap
                }
                #walk
            }
            #projection_type
        };
    };
    let template = format_ident!("{}_SORT", p.name.to_uppercase());
    let attr = &sort.attribute;
    let parts = sort.parts.iter().map(|part| match part {
        TemplatePart::Literal(l) => quote! { Part::Lit(#l) },
        TemplatePart::Field(f) => {
            let n = &f.name;
            quote! { Part::Field(#n) }
        }
    });
    let template_doc = doc(&format!(
        "The sort key `{}` on `{attr}` that [`{}::{}`] narrows field by field.",
        sort.text,
        e.rust_name,
        p.rust_name.trim_start_matches("r#")
    ));
    let item = &shape.item;
    let narrowing_type = if p.native {
        quote! { NativeNarrowing }
    } else {
        quote! { Narrowing }
    };
    let stages = (0..fields.len()).map(|i| {
        let stage = stage_name(p, &fields[..i]);
        let next = (i + 1 < fields.len()).then(|| stage_name(p, &fields[..=i]));
        let methods = narrowing(
            cx,
            fields[i],
            next.as_ref(),
            &quote! { #done_alias },
            p.native,
        );
        let stage_doc = doc(&format!(
            "[`{}::{}`]{}: narrow by `{}` next.",
            e.rust_name,
            p.rust_name.trim_start_matches("r#"),
            if i == 0 {
                String::new()
            } else {
                format!(
                    " with {} fixed",
                    fields[..i]
                        .iter()
                        .map(|f| format!("`{}`", f.name))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            },
            fields[i].name
        ));
        quote! {
            #stage_doc
            #[derive(Debug, Clone)]
            pub struct #stage(#narrowing_type<#item>);

            impl_stage!(#stage => #done_alias);

            impl #stage { #methods }
        }
    });
    let first = stage_name(p, &[]);
    let full = shape.done();
    let alias_doc = doc(&format!(
        "[`{}::{}`] narrowed as far as it goes.",
        e.rust_name,
        p.rust_name.trim_start_matches("r#")
    ));
    let (wrap, template_static) = if p.native {
        // A multi-attribute key: its sort attributes, nothing to format.
        let names = fields
            .iter()
            .filter_map(|f| e.attribute(&f.name))
            .map(|a| &a.stored_name);
        let wrap =
            quote! { QueryBuilder::new(#first(NativeNarrowing::new(query, &[#(#names),*]))) };
        (wrap, TokenStream::new())
    } else {
        let wrap = quote! { QueryBuilder::new(#first(Narrowing::new(query, &#template))) };
        let template_static = quote! {
            #template_doc
            static #template: SortTemplate = SortTemplate {
                attribute: #attr,
                delimiter: DELIMITER,
                parts: &[#(#parts),*],
            };
        };
        (wrap, template_static)
    };
    let walk = walk(
        cx,
        p,
        e,
        &walk_query,
        &quote! { QueryBuilder<#first> },
        &wrap,
    );
    quote! {
        #alias_doc
        pub type #done_alias = #full;

        impl #entity {
            #docs
            pub fn #pattern_fn(#(#params),*) -> QueryBuilder<#first> {
                let query = #query;
                #wrap
            }
            #walk
        }

        #template_static

        #projection_type
        #(#stages)*
    }
}
