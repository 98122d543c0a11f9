//! The entity struct, its constructor and its key functions.

use proc_macro2::TokenStream;
use quote::quote;

use super::values::default_expr;
use super::{Cx, doc, ident, keys};
use crate::ast::Auto;
use crate::model::{Attribute, Entity, Type};

/// Struct field declarations, documented, in schema order.
pub(super) fn struct_fields(cx: &Cx, attributes: &[Attribute]) -> Vec<TokenStream> {
    attributes
        .iter()
        .map(|a| {
            let name = ident(&a.rust_name);
            let ty = cx.field_type(a);
            let docs = doc(&attribute_doc(a));
            let rename = (a.stored_name != a.name
                || a.rust_name.trim_start_matches("r#") != a.name)
                .then(|| cx.rename(&a.stored_name))
                .flatten();
            quote! { #docs #rename pub #name: #ty }
        })
        .collect()
}

fn attribute_doc(a: &Attribute) -> String {
    let mut text = a.doc.clone().unwrap_or_else(|| format!("`{}`.", a.name));
    let mut notes = Vec::new();
    if a.stored_name != a.name {
        notes.push(format!("stored as `{}`", a.stored_name));
    }
    match a.auto {
        Some(Auto::Created) => notes.push("set when the item is created".into()),
        Some(Auto::Updated) => notes.push("set on every write".into()),
        None => {}
    }
    if a.version {
        notes.push("optimistic-locking version".into());
    }
    if a.immutable {
        notes.push("immutable".into());
    }
    if !notes.is_empty() {
        text.push_str(&format!(" ({})", notes.join("; ")));
    }
    text
}

/// The attributes a new value must be given: required, with no default, not set by writes.
pub(super) fn required(e: &Entity) -> Vec<&Attribute> {
    e.attributes
        .iter()
        .filter(|a| !a.optional && a.default.is_none() && a.auto.is_none() && !a.version)
        .collect()
}

/// The struct, `new`, and the key functions.
pub(super) fn emit(cx: &Cx, e: &Entity) -> TokenStream {
    let name = ident(&e.rust_name);
    let primary = e.primary();
    let docs = doc(&format!(
        "{}\n\nPrimary key: partition `{}`{}. Declared at `{}:{}`.",
        e.doc
            .clone()
            .unwrap_or_else(|| format!("The `{}` entity.", e.name)),
        primary.partition.text,
        primary
            .sort
            .as_ref()
            .map(|s| format!(", sort `{}`", s.text))
            .unwrap_or_default(),
        cx.file,
        e.line
    ));
    let derives = cx.derives();
    let fields = struct_fields(cx, &e.attributes);

    let required = required(e);
    let params = required.iter().map(|a| {
        let n = ident(&a.rust_name);
        match a.ty {
            Type::String => quote! { #n: impl Into<String> },
            _ => {
                let t = cx.field_type(a);
                quote! { #n: #t }
            }
        }
    });
    let inits = e.attributes.iter().map(|a| {
        let n = ident(&a.rust_name);
        let value = if required.iter().any(|r| r.name == a.name) {
            match a.ty {
                Type::String => quote! { #n.into() },
                _ => return quote! { #n },
            }
        } else if a.auto.is_some() {
            quote! { now }
        } else if a.version {
            quote! { 0 }
        } else if let Some(d) = &a.default {
            default_expr(a, d)
        } else {
            quote! { None }
        };
        quote! { #n: #value }
    });
    let uses_now = e.attributes.iter().any(|a| a.auto.is_some());
    let now = uses_now.then(|| quote! { let now = Utc::now(); });
    let new_doc = doc(&format!(
        "A new `{}` from its required attributes; defaults fill the rest{}.",
        e.name,
        if uses_now {
            " and `auto` timestamps are set to now"
        } else {
            ""
        }
    ));
    let key_fns = keys::emit(cx, e);
    quote! {
        #docs
        #derives
        pub struct #name { #(#fields,)* }

        impl #name {
            #new_doc
            pub fn new(#(#params),*) -> Self {
                #now
                Self { #(#inits,)* }
            }

            #key_fns
        }
    }
}
