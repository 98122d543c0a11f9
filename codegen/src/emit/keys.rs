//! Key functions: one per template of each key an entity has (`User::partition_key`,
//! `Order::gsi1_sort_key`), and `key(..)`, the full primary key from its fields.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::{Cx, doc, ident};
use crate::model::{Derive, Entity, IndexKind, Key, Template, TemplateField, Type};

/// The name of the key function writing `template`, which is one of `key`'s own.
pub(super) fn key_fn(key: &Key, template: &Template) -> Ident {
    let role = if std::ptr::eq(template, &key.partition) {
        "partition_key"
    } else {
        "sort_key"
    };
    if key.is_primary() {
        format_ident!("{role}")
    } else {
        format_ident!(
            "{}_{role}",
            crate::names::snake(&key.index).unwrap_or_default()
        )
    }
}

/// A key field as a parameter of a key function or a query: its name and type (for a
/// derived segment, the derived value's: `created_at_day: NaiveDate`).
pub(super) fn param(cx: &Cx, f: &TemplateField) -> TokenStream {
    let id = ident(&f.param_name());
    let ty = field_param_type(cx, f);
    quote! { #id: #ty }
}

/// The parameter type of a key field, derived or not.
pub(super) fn field_param_type(cx: &Cx, f: &TemplateField) -> TokenStream {
    match f.derive {
        Some(Derive::Year) => quote! { i32 },
        Some(Derive::Month | Derive::Day) => quote! { NaiveDate },
        Some(Derive::Hour) => quote! { DateTime<Utc> },
        Some(Derive::Shard(_)) => quote! { u32 },
        Some(Derive::Upper | Derive::Lower) | None => param_type(cx, &f.ty),
    }
}

/// The derived value of `f` from `source`, an expression of the field's own value as a key
/// function takes it (`&str` for strings, the value otherwise); `source` itself for a field
/// that is not derived (`upper` and `lower` are applied by the key text).
pub(super) fn derived(f: &TemplateField, source: TokenStream) -> TokenStream {
    match f.derive {
        None | Some(Derive::Upper | Derive::Lower) => source,
        Some(Derive::Year) => quote! { derive::year(#source) },
        Some(Derive::Month) => quote! { derive::month(#source) },
        Some(Derive::Day) => quote! { derive::day(#source) },
        Some(Derive::Hour) => quote! { derive::hour(#source) },
        Some(Derive::Shard(n)) => {
            let value = key_value(f, source);
            quote! { derive::shard_of(#value, #n) }
        }
    }
}

/// `value` (a key field's own value as a key function takes it) as a `KeyValue`.
fn key_value(f: &TemplateField, value: TokenStream) -> TokenStream {
    match f.ty {
        Type::String | Type::Integer | Type::Bool | Type::Ulid => value,
        Type::Enum(_) => quote! { #value.as_str() },
        _ => quote! { &#value },
    }
}

/// A key function's (or narrowing method's) parameter `value` of field `f` as the
/// `KeyValue` it stands for.
pub(super) fn param_value(f: &TemplateField, value: TokenStream) -> TokenStream {
    let text = || match f.ty {
        Type::Enum(_) => quote! { #value.as_str() },
        _ => quote! { #value },
    };
    match f.derive {
        None => {
            let v = key_value(f, value.clone());
            quote! { KeyValue::from(#v) }
        }
        Some(Derive::Year) => quote! { KeyValue::Year(#value) },
        Some(Derive::Month) => quote! { KeyValue::Month(#value) },
        Some(Derive::Day) => quote! { KeyValue::from(&#value) },
        Some(Derive::Hour) => quote! { KeyValue::Hour(#value) },
        Some(Derive::Upper) => {
            let t = text();
            quote! { KeyValue::Upper(#t) }
        }
        Some(Derive::Lower) => {
            let t = text();
            quote! { KeyValue::Lower(#t) }
        }
        Some(Derive::Shard(n)) => quote! { KeyValue::Shard(#value, #n) },
    }
}

/// The parameter type of a key field (`&str` for strings, the value otherwise).
pub(super) fn param_type(cx: &Cx, ty: &Type) -> TokenStream {
    match ty {
        Type::String => quote! { &str },
        other => cx.rust_type(other),
    }
}

/// The values of a template's placeholders, in order, for `PartitionKey::format`.
fn values(t: &Template) -> TokenStream {
    let values = t.fields().map(|f| {
        let id = ident(&f.param_name());
        match (f.derive, &f.ty) {
            (None, Type::String | Type::Integer | Type::Bool | Type::Ulid) => quote! { #id.into() },
            (None, Type::Enum(_)) => quote! { #id.as_str().into() },
            (None, _) => quote! { (&#id).into() },
            (Some(_), _) => param_value(f, quote! { #id }),
        }
    });
    quote! { [#(#values),*] }
}

/// Every key function of `e`, then `key(..)`.
pub(super) fn emit(cx: &Cx, e: &Entity) -> TokenStream {
    let entity = ident(&e.rust_name);
    let mut out = TokenStream::new();
    for key in &e.keys {
        let place = if key.is_primary() {
            "the table".to_owned()
        } else {
            format!("index `{}`", key.index)
        };
        // A local index shares the table's partition key: no function of its own.
        let partition = (key.kind != IndexKind::Local).then_some(&key.partition);
        for (t, role, ty) in partition
            .map(|t| (t, "Partition", quote! { PartitionKey }))
            .into_iter()
            .chain(key.sort.as_ref().map(|t| (t, "Sort", quote! { SortKey })))
        {
            let func = key_fn(key, t);
            let params = t.fields().map(|f| param(cx, f));
            let attr = &t.attribute;
            let text = &t.text;
            let values = values(t);
            let docs = doc(&format!(
                "{role} key `{}` on `{attr}` of {place}{}.",
                t.text,
                cx.at(key.line)
            ));
            out.extend(quote! {
                #docs
                pub fn #func(#(#params),*) -> #ty<#entity> {
                    #ty::format(#attr, DELIMITER, #text, #values)
                }
            });
        }
    }
    out.extend(primary(cx, e));
    out
}

/// `key(..)`: the primary key, with what it fixes besides itself for updates that create
/// the item: the key fields' own attributes and index keys built from key fields only.
fn primary(cx: &Cx, e: &Entity) -> TokenStream {
    let entity = ident(&e.rust_name);
    let p = e.primary();
    let fields = e.primary_fields();
    let params = fields.iter().map(|f| param(cx, f));
    let args = |t: &Template| -> Vec<Ident> { t.fields().map(|f| ident(&f.rust_name)).collect() };
    let pk_args = args(&p.partition);
    let sort = match &p.sort {
        Some(s) => {
            let sk_args = args(s);
            quote! { Some(Self::sort_key(#(#sk_args),*)) }
        }
        None => quote! { None },
    };
    let identity = fields.iter().map(|f| {
        let id = ident(&f.rust_name);
        let stored = e
            .attribute(&f.name)
            .map_or(f.name.as_str(), |a| a.stored_name.as_str());
        if f.ty == Type::String {
            quote! { .with_text(#stored, #id) }
        } else {
            quote! { .with_field(#stored, &#id) }
        }
    });
    let index_keys = e
        .keys
        .iter()
        .filter(|k| !k.is_primary())
        .flat_map(|k| k.written_templates().map(move |t| (k, t)))
        .filter(|(_, t)| t.fields().all(|f| e.is_key_field(&f.name)))
        .map(|(k, t)| {
            let func = key_fn(k, t);
            let a = t.fields().map(|f| {
                let id = ident(&f.rust_name);
                derived(f, quote! { #id })
            });
            quote! { .with_index_key(Self::#func(#(#a),*)) }
        });
    let docs = doc(&format!(
        "The primary key: partition `{}`{}{}.",
        p.partition.text,
        p.sort
            .as_ref()
            .map(|s| format!(", sort `{}`", s.text))
            .unwrap_or_default(),
        cx.at(p.line)
    ));
    quote! {
        #docs
        pub fn key(#(#params),*) -> Key<#entity> {
            Key::new(Self::partition_key(#(#pk_args),*), #sort)
                #(#identity)*
                #(#index_keys)*
        }
    }
}
