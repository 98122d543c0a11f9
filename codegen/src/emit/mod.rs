//! Model → Rust tokens, split by what each module generates: the table definition
//! ([`table`]), enums and documents ([`types`]), and per entity its struct and constructor
//! ([`entity`]), key functions ([`keys`]), item conversion ([`codec`]), field handles
//! ([`fields`]), update builder ([`update`]) and access patterns ([`query`], [`scan`],
//! [`collection`]), then the table's change enum ([`change`]).
//!
//! The output is one module with a single prelude import from the runtime, re-exported where
//! `include_generated!` puts it: paths stay short, and a user's own `use` cannot change what
//! a generated name means. Each entity's items sit together in schema order, and every
//! entity, key function, pattern and setter names its schema line.

mod change;
mod codec;
mod collection;
mod entity;
mod fields;
mod keys;
pub(crate) mod query;
mod scan;
mod table;
mod types;
mod update;
mod values;

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::model::{Attribute, Entity, Model, PatternTarget, Type};

/// What every emitter reads: the model and the schema file name for line references.
pub(crate) struct Cx<'m> {
    pub model: &'m Model,
    /// The schema file name, for `schema.yaml:95` references in docs.
    pub file: &'m str,
    /// Whether generated types derive serde's traits.
    pub serde: bool,
}

impl Cx<'_> {
    /// ` (schema.yaml:95)`: where an item comes from, for its doc comment.
    pub fn at(&self, line: usize) -> String {
        if line == 0 {
            String::new()
        } else {
            format!(" (`{}:{line}`)", self.file)
        }
    }

    /// The Rust name of the named type `name`.
    pub fn type_name(&self, name: &str) -> String {
        self.model
            .type_def(name)
            .map(|t| t.rust_name.clone())
            .unwrap_or_else(|| crate::names::type_name(name))
    }

    /// The derives of a generated struct: `Debug, Clone, PartialEq`, and serde's when on.
    pub fn derives(&self) -> TokenStream {
        if self.serde {
            quote! {
                #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
                #[serde(crate = "::singletable::__private::serde")]
            }
        } else {
            quote! { #[derive(Debug, Clone, PartialEq)] }
        }
    }

    /// `#[serde(rename = "..")]`, when serde is on.
    pub fn rename(&self, stored: &str) -> Option<TokenStream> {
        self.serde.then(|| quote! { #[serde(rename = #stored)] })
    }

    /// The Rust type of a model type.
    pub fn rust_type(&self, ty: &Type) -> TokenStream {
        match ty {
            Type::String => quote! { String },
            Type::Integer => quote! { i64 },
            Type::Float => quote! { f64 },
            Type::Bool => quote! { bool },
            Type::Timestamp | Type::Ttl => quote! { DateTime<Utc> },
            Type::Date => quote! { NaiveDate },
            Type::Uuid => quote! { Uuid },
            Type::Ulid => quote! { Ulid },
            Type::Bytes => quote! { Vec<u8> },
            Type::List(t) => {
                let t = self.rust_type(t);
                quote! { Vec<#t> }
            }
            Type::Map(t) => {
                let t = self.rust_type(t);
                quote! { BTreeMap<String, #t> }
            }
            Type::Set(t) => {
                let t = self.rust_type(t);
                quote! { BTreeSet<#t> }
            }
            Type::Document(n) | Type::Enum(n) => {
                let name = ident(&self.type_name(n));
                quote! { #name }
            }
        }
    }

    /// The Rust type of an attribute (`Option<T>` when optional).
    pub fn field_type(&self, a: &Attribute) -> TokenStream {
        let t = self.rust_type(&a.ty);
        if a.optional {
            quote! { Option<#t> }
        } else {
            t
        }
    }
}

/// An identifier, raw where it is a keyword (`r#type`).
pub(crate) fn ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(name, Span::call_site()),
    }
}

/// A name without its raw-identifier prefix, for building other names (`set_type`).
pub(crate) fn base(rust_name: &str) -> &str {
    rust_name.trim_start_matches("r#").trim_end_matches('_')
}

/// `#[doc]` attributes, one per line of `text`.
pub(crate) fn doc(text: &str) -> TokenStream {
    let lines: Vec<String> = text.lines().map(|l| format!(" {}", l.trim_end())).collect();
    quote! { #( #[doc = #lines] )* }
}

/// `Some("x")` or `None`.
pub(crate) fn opt_str(s: Option<&str>) -> TokenStream {
    match s {
        Some(s) => quote! { Some(#s) },
        None => quote! { None },
    }
}

/// The generated module for a whole model, re-exported at the include site.
pub fn emit(model: &Model, file: &str, options: crate::Options) -> TokenStream {
    let cx = Cx {
        model,
        file,
        serde: options.serde,
    };
    let table = table::emit(&cx);
    let types = model.types.iter().map(|t| types::emit(&cx, t));
    let entities = model.entities.iter().map(|e| emit_entity(&cx, e));
    let change = change::emit(&cx);
    let doc = doc(&format!(
        "Everything generated from `{file}`, re-exported at the top: the table definition, \
         the schema's types and entities, and one function per access pattern."
    ));
    quote! {
        pub use self::singletable_schema::*;

        #doc
        pub mod singletable_schema {
            // Constructors take every required attribute, however many the schema has, and an
            // access pattern may share its entity's name (`Session::session`).
            #![allow(clippy::too_many_arguments, clippy::self_named_constructors)]

            use ::singletable::__private::prelude::*;

            #table
            #(#types)*
            #(#entities)*
            #change
        }
    }
}

/// One entity's items in reading order: struct, constructor and keys, codec, field handles,
/// update builder, then its access patterns (an item collection after its last member).
fn emit_entity(cx: &Cx, e: &Entity) -> TokenStream {
    let definition = entity::emit(cx, e);
    let codec = codec::emit_entity(cx, e);
    let fields = fields::emit_entity(cx, e);
    let update = update::emit(cx, e);
    let patterns = cx.model.access_patterns.iter().map(|p| match &p.target {
        PatternTarget::Entity(name) if *name == e.name && p.scan => scan::emit(cx, p, e),
        PatternTarget::Entity(name) if *name == e.name => query::emit(cx, p, e),
        PatternTarget::Collection(names) if names.last() == Some(&e.name) => {
            collection::emit(cx, p, names)
        }
        _ => TokenStream::new(),
    });
    quote! {
        #definition
        #codec
        #fields
        #update
        #(#patterns)*
    }
}
