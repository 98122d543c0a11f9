//! Typed handles on attributes (`User::fields()`) and on fields of documents
//! (`AddressFields`), for conditions, filters and nested updates.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::{Cx, doc, ident};
use crate::model::{Attribute, Entity, Type, TypeDef};

/// The type a `Field` handle on values of `ty` carries.
fn value_type(cx: &Cx, ty: &Type) -> TokenStream {
    match ty {
        Type::Ttl => quote! { Expiry },
        other => cx.rust_type(other),
    }
}

fn document_fields_name(cx: &Cx, name: &str) -> Ident {
    format_ident!("{}Fields", cx.type_name(name))
}

/// Whether an update may never change the attribute: key fields, `auto`, `version` and
/// `immutable` attributes.
pub(super) fn is_fixed(e: &Entity, a: &Attribute) -> bool {
    a.immutable || a.auto.is_some() || a.version || e.is_key_field(&a.name)
}

/// One handle method: `path` is the expression of the attribute's `Path`.
fn handle(cx: &Cx, a: &Attribute, path: TokenStream, kind: TokenStream, note: &str) -> TokenStream {
    let method = ident(&a.rust_name);
    let docs = doc(&format!("`{}`{note}.", a.name));
    match &a.ty {
        Type::Document(d) if note.is_empty() => {
            let ty = ident(&cx.type_name(d));
            let ret = document_fields_name(cx, d);
            quote! {
                #docs
                pub fn #method(&self) -> #ret {
                    <#ty as Reach>::reach(#path)
                }
            }
        }
        ty => {
            let value = value_type(cx, ty);
            quote! {
                #docs
                pub fn #method(&self) -> Field<#value, #kind> {
                    Field::new(#path)
                }
            }
        }
    }
}

/// `XFields` for an entity, and `X::fields()`.
pub(super) fn emit_entity(cx: &Cx, e: &Entity) -> TokenStream {
    let entity = ident(&e.rust_name);
    let fields_name = format_ident!("{}Fields", e.rust_name);
    let pk = &e.primary().partition.attribute;
    let methods = e.attributes.iter().map(|a| {
        let stored = &a.stored_name;
        let path = quote! { Path::attr(#stored) };
        if is_fixed(e, a) {
            handle(cx, a, path, quote! { kind::Fixed }, " (never updated)")
        } else {
            handle(cx, a, path, quote! { kind::Attribute }, "")
        }
    });
    let docs = doc(&format!(
        "Typed handles on the attributes of `{}`, for conditions (`table.update(..).condition(..)`), \
         query filters, transaction checks and nested updates.",
        e.name
    ));
    quote! {
        #docs
        #[derive(Debug, Clone, Copy, Default)]
        pub struct #fields_name;

        impl #entity {
            /// Typed handles on this entity's attributes, for conditions, filters and nested updates.
            pub fn fields() -> #fields_name {
                #fields_name
            }
        }

        impl #fields_name {
            /// The item exists.
            pub fn exists(&self) -> Condition {
                Condition::Exists(Path::attr(#pk))
            }
            /// No item with this key exists.
            pub fn not_exists(&self) -> Condition {
                Condition::NotExists(Path::attr(#pk))
            }
            #(#methods)*
        }
    }
}

/// `XFields` for a document type, and its `Reach` impl.
pub(super) fn emit_document(cx: &Cx, t: &TypeDef, fields: &[Attribute]) -> TokenStream {
    let name = ident(&t.rust_name);
    let fields_name = document_fields_name(cx, &t.name);
    let docs = doc(&format!(
        "Paths into a stored `{}`, for conditions, filters and nested updates.",
        t.name
    ));
    let methods = fields.iter().map(|f| {
        let stored = &f.stored_name;
        let path = quote! { self.0.clone().field(#stored) };
        let kind = if f.optional {
            quote! { kind::NestedOptional }
        } else {
            quote! { kind::Nested }
        };
        handle(cx, f, path, kind, "")
    });
    quote! {
        #docs
        #[derive(Debug, Clone)]
        pub struct #fields_name(Path);

        impl #fields_name {
            /// The whole value, to compare or to replace in a nested update.
            pub fn whole(&self) -> Field<#name, kind::Nested> {
                Field::new(self.0.clone())
            }
            /// The value is stored.
            pub fn exists(&self) -> Condition {
                Condition::Exists(self.0.clone())
            }
            /// The value is not stored.
            pub fn not_exists(&self) -> Condition {
                Condition::NotExists(self.0.clone())
            }
            #(#methods)*
        }

        impl Reach for #name {
            type Path = #fields_name;
            fn reach(path: Path) -> Self::Path {
                #fields_name(path)
            }
        }
    }
}
