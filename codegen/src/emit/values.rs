//! Rust expressions for schema values: literals and `default:` values.

use proc_macro2::{Literal as Lit, TokenStream};
use quote::quote;

use super::{Cx, ident};
use crate::ast::Literal;
use crate::model::{Attribute, DefaultValue, Type, TypeKind};

/// A Rust expression for an attribute's default value.
pub(super) fn default_expr(cx: &Cx, a: &Attribute, d: &DefaultValue) -> TokenStream {
    let value = match d {
        DefaultValue::Now => match a.ty {
            Type::Date => quote! { Utc::now().date_naive() },
            _ => quote! { Utc::now() },
        },
        DefaultValue::Uuid => match a.ty {
            Type::String => quote! { Uuid::new_v4().to_string() },
            _ => quote! { Uuid::new_v4() },
        },
        DefaultValue::Literal(Literal::Null) => return quote! { None },
        DefaultValue::Literal(l) => literal(cx, &a.ty, l),
    };
    if a.optional {
        quote! { Some(#value) }
    } else {
        value
    }
}

/// `slot.unwrap_or(..)` for constant defaults, `slot.unwrap_or_else(..)` for computed ones.
pub(super) fn or_default(cx: &Cx, a: &Attribute, d: &DefaultValue) -> TokenStream {
    let empty = matches!(d, DefaultValue::Literal(Literal::List(l)) if l.is_empty())
        || matches!(d, DefaultValue::Literal(Literal::Map(m)) if m.is_empty());
    if empty && !a.optional {
        return quote! { .unwrap_or_default() };
    }
    let cheap = !a.optional && matches!(d, DefaultValue::Literal(l) if is_constant(cx, &a.ty, l));
    if cheap {
        let value = default_expr(cx, a, d);
        return quote! { .unwrap_or(#value) };
    }
    let f = match (d, &a.ty, a.optional) {
        (DefaultValue::Now, Type::Timestamp | Type::Ttl, false) => quote! { Utc::now },
        (DefaultValue::Uuid, Type::Uuid, false) => quote! { Uuid::new_v4 },
        _ => {
            let value = default_expr(cx, a, d);
            quote! { || #value }
        }
    };
    quote! { .unwrap_or_else(#f) }
}

/// Whether a literal's Rust expression is a constant (no calls, no allocation), for which an
/// eager `unwrap_or` is right and a closure would be needless.
fn is_constant(cx: &Cx, ty: &Type, l: &Literal) -> bool {
    match (ty, l) {
        (Type::Integer | Type::Float | Type::Bool, _) => true,
        (Type::Enum(_), Literal::String(_)) => true,
        (Type::Document(n), Literal::Map(entries)) => {
            let Some(TypeKind::Document(fields)) = cx.model.type_def(n).map(|t| &t.kind) else {
                return false;
            };
            fields
                .iter()
                .all(|f| match entries.iter().find(|(k, _)| k == &f.name) {
                    Some((_, v)) => !f.optional && is_constant(cx, &f.ty, v),
                    None => match &f.default {
                        Some(DefaultValue::Literal(v)) => !f.optional && is_constant(cx, &f.ty, v),
                        Some(_) => false,
                        None => true,
                    },
                })
        }
        _ => false,
    }
}

/// A Rust expression for a literal of type `ty`. The validator has checked that the literal
/// fits the type (timestamps, dates and uuids parse), so the fallbacks here are unreachable.
pub(super) fn literal(cx: &Cx, ty: &Type, l: &Literal) -> TokenStream {
    match (ty, l) {
        (Type::String, Literal::String(s)) => quote! { String::from(#s) },
        (Type::Integer, Literal::Int(i)) => {
            let v = Lit::i64_suffixed(*i);
            quote! { #v }
        }
        (Type::Float, Literal::Int(i)) => {
            let v = Lit::f64_suffixed(*i as f64);
            quote! { #v }
        }
        (Type::Float, Literal::Float(f)) => {
            let v = Lit::f64_suffixed(*f);
            quote! { #v }
        }
        (Type::Bool, Literal::Bool(b)) => quote! { #b },
        (Type::Timestamp | Type::Ttl, Literal::String(s)) => {
            let t = chrono::DateTime::parse_from_rfc3339(s)
                .map(|t| t.to_utc())
                .unwrap_or_default();
            let secs = t.timestamp();
            let nanos = t.timestamp_subsec_nanos();
            quote! { DateTime::from_timestamp(#secs, #nanos).unwrap_or_default() }
        }
        (Type::Date, Literal::String(s)) => {
            use chrono::Datelike;
            let d = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default();
            let (y, m, day) = (d.year(), d.month(), d.day());
            quote! { NaiveDate::from_ymd_opt(#y, #m, #day).unwrap_or_default() }
        }
        (Type::Uuid, Literal::String(s)) => {
            let v = Lit::u128_suffixed(uuid::Uuid::parse_str(s).map(|u| u.as_u128()).unwrap_or(0));
            quote! { Uuid::from_u128(#v) }
        }
        (Type::Bytes, Literal::List(items)) => {
            let bytes = items.iter().map(|i| match i {
                Literal::Int(b) => Lit::u8_suffixed(u8::try_from(*b).unwrap_or(0)),
                _ => Lit::u8_suffixed(0),
            });
            quote! { vec![#(#bytes),*] }
        }
        (Type::List(_), Literal::List(items)) if items.is_empty() => quote! { Vec::new() },
        (Type::Set(_), Literal::List(items)) if items.is_empty() => quote! { BTreeSet::new() },
        (Type::Map(_), Literal::Map(entries)) if entries.is_empty() => quote! { BTreeMap::new() },
        (Type::List(t), Literal::List(items)) => {
            let items = items.iter().map(|i| literal(cx, t, i));
            quote! { vec![#(#items),*] }
        }
        (Type::Set(t), Literal::List(items)) => {
            let items = items.iter().map(|i| literal(cx, t, i));
            quote! { BTreeSet::from([#(#items),*]) }
        }
        (Type::Map(t), Literal::Map(entries)) => {
            let entries = entries.iter().map(|(k, v)| {
                let v = literal(cx, t, v);
                quote! { (String::from(#k), #v) }
            });
            quote! { BTreeMap::from([#(#entries),*]) }
        }
        (Type::Enum(n), Literal::String(s)) => {
            let ty = ident(&cx.type_name(n));
            let variant = ident(&crate::names::type_name(s));
            quote! { #ty::#variant }
        }
        (Type::Document(n), Literal::Map(entries)) => document(cx, n, entries),
        _ => quote! { Default::default() },
    }
}

fn document(cx: &Cx, name: &str, entries: &[(String, Literal)]) -> TokenStream {
    let ty = ident(&cx.type_name(name));
    let Some(TypeKind::Document(fields)) = cx.model.type_def(name).map(|t| &t.kind) else {
        return quote! { Default::default() };
    };
    let inits = fields.iter().map(|f| {
        let name = ident(&f.rust_name);
        let value = match entries.iter().find(|(k, _)| k == &f.name) {
            Some((_, v)) => {
                let v = literal(cx, &f.ty, v);
                if f.optional {
                    quote! { Some(#v) }
                } else {
                    v
                }
            }
            None => match &f.default {
                Some(d) => default_expr(cx, f, d),
                None => quote! { None },
            },
        };
        quote! { #name: #value }
    });
    quote! { #ty { #(#inits),* } }
}
