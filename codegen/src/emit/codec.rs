//! Item conversion: the `Entity` impl of each entity (`to_item`, `from_item`) and the
//! `AttributeCodec` impl of each document type. Encoding is one line per attribute and key;
//! decoding walks the stored map once, keeping each raw value in a slot named after its
//! field, then decodes every slot with the attribute's rule (required, optional, default).

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::keys::{derived, key_fn};
use super::values::or_default;
use super::{Cx, ident};
use crate::ast::Auto;
use crate::model::{Attribute, DefaultValue, Entity, Type, Value, When};

/// The one-pass decode of `attributes` from the map `__map`: slot declarations, the loop,
/// and the field initialisers, with errors in context `context` (`Self::NAME` or `Nested`).
fn decode(attributes: &[Attribute], context: TokenStream) -> (TokenStream, Vec<TokenStream>) {
    let slots: Vec<Ident> = attributes.iter().map(|a| ident(&a.rust_name)).collect();
    let stored: Vec<&String> = attributes.iter().map(|a| &a.stored_name).collect();
    let walk = quote! {
        let __cx = #context;
        #(let mut #slots = None;)*
        for (__name, __value) in __map {
            match __name.as_str() {
                #(#stored => #slots = Some(__value),)*
                _ => {}
            }
        }
    };
    let inits = attributes
        .iter()
        .zip(&slots)
        .map(|(a, slot)| {
            let stored = &a.stored_name;
            let args = quote! { (#slot, __cx, #stored) };
            let value = match (&a.ty, a.optional, &a.default) {
                (Type::Ttl, true, _) => quote! { codec::ttl::optional #args? },
                (Type::Ttl, false, _) => quote! { codec::ttl::required #args? },
                (_, _, Some(DefaultValue::Value(Value::Null))) | (_, true, None) => {
                    quote! { codec::optional #args? }
                }
                (_, true, Some(d)) => {
                    let value = super::values::default_expr(a, d);
                    quote! { codec::optional #args?.or_else(|| #value) }
                }
                (_, false, Some(d)) => {
                    let or = or_default(a, d);
                    quote! { codec::optional #args? #or }
                }
                _ if a.version => quote! { codec::optional #args?.unwrap_or(0) },
                _ => quote! { codec::required #args? },
            };
            quote! { #slot: #value }
        })
        .collect();
    (walk, inits)
}

/// `impl AttributeCodec` for a document type.
pub(super) fn emit_document(name: &Ident, fields: &[Attribute]) -> TokenStream {
    let encode = fields.iter().map(|f| {
        let field = ident(&f.rust_name);
        let stored = &f.stored_name;
        quote! { codec::put(&mut map, Nested, #stored, &self.#field)?; }
    });
    let (walk, inits) = decode(fields, quote! { Nested });
    quote! {
        impl AttributeCodec for #name {
            fn encode(&self) -> std::result::Result<Option<AttributeValue>, CodecError> {
                let mut map = Item::new();
                #(#encode)*
                Ok(Some(AttributeValue::M(map)))
            }
            fn decode(value: AttributeValue) -> std::result::Result<Self, CodecError> {
                let __map = codec::expect_map(value)?;
                #walk
                Ok(Self { #(#inits,)* })
            }
        }
        impl ListElement for #name {}
    }
}

/// The argument passing field `name` of `self` to a key function: a stamped value's local,
/// the binding of a sparse index's optional field, or the field itself.
fn key_arg(a: &Attribute, bound: bool, stamped: bool) -> TokenStream {
    let field = ident(&a.rust_name);
    let copy = !matches!(a.ty, Type::String);
    match (stamped, bound, copy) {
        (true, ..) => quote! { #field },
        (false, true, true) => quote! { *#field },
        (false, true, false) => quote! { #field },
        (false, false, true) => quote! { self.#field },
        (false, false, false) => quote! { &self.#field },
    }
}

/// Whether `value` (an expression of the attribute's type) satisfies `when`.
pub(super) fn when_holds(cx: &Cx, when: &When, value: TokenStream) -> TokenStream {
    if when.values.is_empty() {
        return value;
    }
    let ty = cx.rust_type(&when.field.ty);
    let variants = when.values.iter().map(|(_, v)| ident(v));
    quote! { matches!(#value, #(#ty::#variants)|*) }
}

/// Statements writing every index and table key of `e` from `self` into the writer `w`.
fn key_writes(cx: &Cx, e: &Entity) -> Vec<TokenStream> {
    let stamped = |name: &str| {
        e.attribute(name)
            .is_some_and(|a| a.auto == Some(Auto::Updated))
    };
    let mut out = Vec::new();
    for key in &e.keys {
        let templates: Vec<_> = key.written_templates().collect();
        if templates.is_empty() {
            continue;
        }
        let mut optional: Vec<&Attribute> = Vec::new();
        for f in templates
            .iter()
            .flat_map(|t| t.fields())
            .filter(|f| f.optional)
        {
            if let Some(a) = e.attribute(&f.name).filter(|a| !optional.contains(a)) {
                optional.push(a);
            }
        }
        let writes = templates.iter().map(|t| {
            let func = key_fn(key, t);
            let args = t.fields().filter_map(|f| {
                let a = e.attribute(&f.name)?;
                let arg = key_arg(a, optional.contains(&a), stamped(&a.name));
                Some(derived(f, arg))
            });
            quote! { w.key(Self::#func(#(#args),*)); }
        });
        let writes: Vec<TokenStream> = writes.collect();
        // A sparse index's keys are written only while every optional field is set.
        let writes = match optional.as_slice() {
            [] => quote! { #(#writes)* },
            [a] => {
                let f = ident(&a.rust_name);
                quote! { if let Some(#f) = &self.#f { #(#writes)* } }
            }
            many => {
                let fs: Vec<Ident> = many.iter().map(|a| ident(&a.rust_name)).collect();
                quote! { if let (#(Some(#fs),)*) = (#(&self.#fs,)*) { #(#writes)* } }
            }
        };
        // A conditional index's keys only while its `when` holds.
        out.push(match &key.when {
            Some(when) => {
                let f = ident(&when.field.rust_name);
                let holds = when_holds(cx, when, quote! { self.#f });
                quote! { if #holds { #writes } }
            }
            None => writes,
        });
    }
    out
}

/// `impl Entity` for an entity.
pub(super) fn emit_entity(cx: &Cx, e: &Entity) -> TokenStream {
    let name = ident(&e.rust_name);
    let entity_name = &e.name;
    let primary_args = e
        .primary_fields()
        .into_iter()
        .filter_map(|f| e.attribute(&f.name))
        .map(|a| key_arg(a, false, false));
    let puts = e.attributes.iter().map(|a| {
        let field = ident(&a.rust_name);
        let stored = &a.stored_name;
        let stamped = a.auto == Some(Auto::Updated) || a.version;
        match (&a.ty, a.optional) {
            (Type::Ttl, true) => quote! { w.put_ttl(#stored, self.#field.as_ref()); },
            (Type::Ttl, false) => quote! { w.put_ttl(#stored, Some(&self.#field)); },
            _ if stamped => quote! { w.put(#stored, &#field); },
            _ => quote! { w.put(#stored, &self.#field); },
        }
    });
    let stamps: Vec<TokenStream> = e
        .attributes
        .iter()
        .filter_map(|a| {
            let field = ident(&a.rust_name);
            if a.auto == Some(Auto::Updated) {
                Some(quote! { let #field = stamp.now.unwrap_or(self.#field); })
            } else if a.version {
                Some(quote! { let #field = stamp.version(self.#field); })
            } else {
                None
            }
        })
        .collect();
    let keys = key_writes(cx, e);
    let capacity =
        proc_macro2::Literal::usize_unsuffixed(e.attributes.len() + 2 * e.keys.len() + 1);
    let body = quote! {
        let mut w = ItemWriter::new(Self::NAME, #capacity);
        #(#puts)*
        #(#keys)*
        w.finish(TYPE_ATTRIBUTE)
    };
    let version = e.attributes.iter().find(|a| a.version).map(|a| {
        let stored = &a.stored_name;
        let field = ident(&a.rust_name);
        quote! {
            const VERSION_ATTRIBUTE: Option<&'static str> = Some(#stored);
            fn version(&self) -> i64 { self.#field }
        }
    });
    let unique: Vec<TokenStream> = e
        .attributes
        .iter()
        .filter_map(|a| {
            let scope = a.unique.as_ref()?;
            let stored = &a.stored_name;
            let scope = match scope.as_deref().and_then(|s| e.attribute(s)) {
                Some(s) => {
                    let s = &s.stored_name;
                    quote! { Some(#s) }
                }
                None => quote! { None },
            };
            Some(quote! { Unique { attribute: #stored, scope: #scope } })
        })
        .collect();
    let unique = (!unique.is_empty()).then(|| {
        quote! { const UNIQUE: &'static [Unique] = &[#(#unique),*]; }
    });
    // Entities without stamped attributes store what the struct holds.
    let stamp = if stamps.is_empty() {
        quote! { _stamp }
    } else {
        quote! { stamp }
    };
    let (walk, inits) = decode(&e.attributes, quote! { Self::NAME });
    quote! {
        impl Entity for #name {
            const NAME: &'static str = #entity_name;
            const TYPE_ATTRIBUTE: &'static str = TYPE_ATTRIBUTE;

            fn key(&self) -> Key<Self> {
                Self::key(#(#primary_args),*)
            }

            #version
            #unique

            fn to_stored_item(&self, #stamp: &WriteStamp) -> Result<Item> {
                #(#stamps)*
                #body
            }

            fn from_item(__map: Item) -> Result<Self> {
                #walk
                Ok(Self { #(#inits,)* })
            }
        }
    }
}
