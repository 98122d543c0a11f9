//! Rust expressions for `default:` values, from the typed values the model resolved.

use proc_macro2::{Literal as Lit, TokenStream};
use quote::quote;

use super::ident;
use crate::model::{Attribute, DefaultValue, Type, Value};

/// A Rust expression for an attribute's default value.
pub(super) fn default_expr(a: &Attribute, d: &DefaultValue) -> TokenStream {
    default_of(&a.ty, a.optional, d)
}

fn default_of(ty: &Type, optional: bool, d: &DefaultValue) -> TokenStream {
    let value = match d {
        DefaultValue::Now => match ty {
            Type::Date => quote! { Utc::now().date_naive() },
            _ => quote! { Utc::now() },
        },
        DefaultValue::Uuid => match ty {
            Type::String => quote! { Uuid::new_v4().to_string() },
            _ => quote! { Uuid::new_v4() },
        },
        DefaultValue::Uuid7 => match ty {
            Type::String => quote! { Uuid::now_v7().to_string() },
            _ => quote! { Uuid::now_v7() },
        },
        DefaultValue::Ulid => match ty {
            Type::String => quote! { Ulid::new().to_string() },
            _ => quote! { Ulid::new() },
        },
        DefaultValue::Value(Value::Null) => return quote! { None },
        DefaultValue::Value(v) => value(v),
    };
    if optional {
        quote! { Some(#value) }
    } else {
        value
    }
}

/// What follows a decoded `Option` to fill in the default: `.unwrap_or(..)` for constants,
/// `.unwrap_or_default()` for empty collections, `.unwrap_or_else(..)` for the rest.
pub(super) fn or_default(a: &Attribute, d: &DefaultValue) -> TokenStream {
    if !a.optional {
        match d {
            DefaultValue::Value(Value::List(v) | Value::Set(v)) if v.is_empty() => {
                return quote! { .unwrap_or_default() };
            }
            DefaultValue::Value(Value::Map(m)) if m.is_empty() => {
                return quote! { .unwrap_or_default() };
            }
            DefaultValue::Value(v) if is_constant(v) => {
                let value = default_expr(a, d);
                return quote! { .unwrap_or(#value) };
            }
            _ => {}
        }
    }
    let f = match (d, &a.ty, a.optional) {
        (DefaultValue::Now, Type::Timestamp | Type::Ttl, false) => quote! { Utc::now },
        (DefaultValue::Uuid, Type::Uuid, false) => quote! { Uuid::new_v4 },
        (DefaultValue::Uuid7, Type::Uuid, false) => quote! { Uuid::now_v7 },
        (DefaultValue::Ulid, Type::Ulid, false) => quote! { Ulid::new },
        _ => {
            let value = default_expr(a, d);
            quote! { || #value }
        }
    };
    quote! { .unwrap_or_else(#f) }
}

/// Whether a value's Rust expression is a constant (no calls, no allocation), for which an
/// eager `unwrap_or` is right and a closure would be needless.
fn is_constant(v: &Value) -> bool {
    match v {
        Value::Integer(_) | Value::Float(_) | Value::Bool(_) | Value::Enum { .. } => true,
        Value::Document { fields, .. } => fields.iter().all(|f| match &f.value {
            Some(DefaultValue::Value(v)) => !f.optional && is_constant(v),
            Some(_) => false,
            None => true,
        }),
        _ => false,
    }
}

/// A Rust expression for a typed value.
fn value(v: &Value) -> TokenStream {
    match v {
        Value::Null => quote! { None },
        Value::String(s) => quote! { String::from(#s) },
        Value::Integer(i) => {
            let v = Lit::i64_suffixed(*i);
            quote! { #v }
        }
        Value::Float(f) => {
            let v = Lit::f64_suffixed(*f);
            quote! { #v }
        }
        Value::Bool(b) => quote! { #b },
        Value::Timestamp { seconds, nanos } => {
            quote! { DateTime::from_timestamp(#seconds, #nanos).unwrap_or_default() }
        }
        Value::Date { year, month, day } => {
            quote! { NaiveDate::from_ymd_opt(#year, #month, #day).unwrap_or_default() }
        }
        Value::Uuid(u) => {
            let v = Lit::u128_suffixed(*u);
            quote! { Uuid::from_u128(#v) }
        }
        Value::Bytes(bytes) => {
            let bytes = bytes.iter().map(|b| Lit::u8_suffixed(*b));
            quote! { vec![#(#bytes),*] }
        }
        Value::List(items) if items.is_empty() => quote! { Vec::new() },
        Value::Set(items) if items.is_empty() => quote! { BTreeSet::new() },
        Value::Map(entries) if entries.is_empty() => quote! { BTreeMap::new() },
        Value::List(items) => {
            let items = items.iter().map(value);
            quote! { vec![#(#items),*] }
        }
        Value::Set(items) => {
            let items = items.iter().map(value);
            quote! { BTreeSet::from([#(#items),*]) }
        }
        Value::Map(entries) => {
            let entries = entries.iter().map(|(k, v)| {
                let v = value(v);
                quote! { (String::from(#k), #v) }
            });
            quote! { BTreeMap::from([#(#entries),*]) }
        }
        Value::Enum { type_name, variant } => {
            let (ty, variant) = (ident(type_name), ident(variant));
            quote! { #ty::#variant }
        }
        Value::Document { type_name, fields } => {
            let ty = ident(type_name);
            let inits = fields.iter().map(|f| {
                let name = ident(&f.rust_name);
                let value = match &f.value {
                    Some(d) => default_of(&f.ty, f.optional, d),
                    None => quote! { None },
                };
                quote! { #name: #value }
            });
            quote! { #ty { #(#inits),* } }
        }
    }
}
