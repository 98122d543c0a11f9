//! Model → Rust tokens. Emits, for every schema item, code that reads like careful
//! hand-written code: structs in schema order, direct `AttributeValue` conversion, one key
//! function per template, one query builder per access pattern, and the table definition.
//!
//! Generated code names no crate but `::singletable` and reaches serde, chrono, uuid and the
//! SDK through `::singletable::__private`, with fully qualified paths so a user's `use` cannot
//! change what it means.

use heck::ToUpperCamelCase;
use proc_macro2::{Ident, Literal as Lit, Span, TokenStream};
use quote::{format_ident, quote};

use crate::ast::{Auto, Literal, Order, Projection};
use crate::model::{
    AccessPattern, Attribute, DefaultValue, Entity, Key, Model, PatternTarget, Template,
    TemplatePart, Type, TypeDef, TypeKind,
};
use crate::validate::IndexKind;

mod writes;

/// An identifier, raw where it is a keyword (`r#type`).
fn ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(name, Span::call_site()),
    }
}

fn doc(text: &str) -> TokenStream {
    let lines: Vec<String> = text.lines().map(|l| format!(" {}", l.trim_end())).collect();
    quote! { #( #[doc = #lines] )* }
}

fn p() -> TokenStream {
    quote! { ::singletable::__private }
}

/// The Rust type of a model type.
fn rust_type(model: &Model, ty: &Type) -> TokenStream {
    let p = p();
    match ty {
        Type::String => quote! { ::std::string::String },
        Type::Integer => quote! { i64 },
        Type::Float => quote! { f64 },
        Type::Bool => quote! { bool },
        Type::Timestamp | Type::Ttl => {
            quote! { #p::chrono::DateTime<#p::chrono::Utc> }
        }
        Type::Date => quote! { #p::chrono::NaiveDate },
        Type::Uuid => quote! { #p::uuid::Uuid },
        Type::Bytes => quote! { ::std::vec::Vec<u8> },
        Type::List(t) => {
            let t = rust_type(model, t);
            quote! { ::std::vec::Vec<#t> }
        }
        Type::Map(t) => {
            let t = rust_type(model, t);
            quote! { ::std::collections::BTreeMap<::std::string::String, #t> }
        }
        Type::Set(t) => {
            let t = rust_type(model, t);
            quote! { ::std::collections::BTreeSet<#t> }
        }
        Type::Document(n) | Type::Enum(n) => {
            let name = ident(&type_rust_name(model, n));
            quote! { #name }
        }
    }
}

fn type_rust_name(model: &Model, name: &str) -> String {
    model
        .types
        .iter()
        .find(|t| t.name == name)
        .map(|t| t.rust_name.clone())
        .unwrap_or_else(|| crate::names::type_name(name))
}

fn field_type(model: &Model, a: &Attribute) -> TokenStream {
    let t = rust_type(model, &a.ty);
    if a.optional {
        quote! { ::std::option::Option<#t> }
    } else {
        t
    }
}

/// Emits the whole file's items.
pub fn emit(model: &Model) -> TokenStream {
    let types = model.types.iter().map(|t| {
        let def = emit_type(model, t);
        let fields = writes::emit_type_fields(model, t);
        quote! { #def #fields }
    });
    let entities = model.entities.iter().map(|e| {
        let def = emit_entity(model, e);
        let writes = writes::emit_entity_writes(model, e);
        quote! { #def #writes }
    });
    let patterns = model.access_patterns.iter().map(|p| emit_pattern(model, p));
    let table = emit_table(model);
    quote! {
        #table
        #(#types)*
        #(#entities)*
        #(#patterns)*
    }
}

fn emit_table(model: &Model) -> TokenStream {
    let t = &model.table;
    let name = &t.name;
    let pk = &t.partition_key;
    let sk = opt_str(t.sort_key.as_deref());
    let type_attribute = &t.type_attribute;
    let ttl = opt_str(t.ttl_attribute.as_deref());
    let indexes = t.indexes.iter().map(|i| {
        let name = &i.name;
        let ipk = &i.partition_key;
        let isk = opt_str(i.sort_key.as_deref());
        let local = i.kind == IndexKind::Local;
        let projection = match &i.projection {
            Projection::All => quote! { ::singletable::Projection::All },
            Projection::KeysOnly => quote! { ::singletable::Projection::KeysOnly },
            Projection::Include(attrs) => {
                // The type attribute is always projected so queries can select one entity.
                let mut attrs: Vec<&str> = attrs.iter().map(String::as_str).collect();
                if !attrs.contains(&t.type_attribute.as_str()) {
                    attrs.push(&t.type_attribute);
                }
                quote! { ::singletable::Projection::Include(&[#(#attrs),*]) }
            }
        };
        quote! {
            ::singletable::IndexDefinition {
                name: #name,
                partition_key: #ipk,
                sort_key: #isk,
                local: #local,
                projection: #projection,
            }
        }
    });
    let summary = format!(
        "The `{name}` table: partition key `{pk}`{}, type attribute `{type_attribute}`, {} secondary index{}.",
        t.sort_key
            .as_ref()
            .map(|s| format!(", sort key `{s}`"))
            .unwrap_or_default(),
        t.indexes.len(),
        if t.indexes.len() == 1 { "" } else { "es" }
    );
    let docs = doc(&format!(
        "{summary}\n\nPass it to `Table::create_table` to create the table, for example in tests."
    ));
    quote! {
        #docs
        pub const TABLE: ::singletable::TableDefinition = ::singletable::TableDefinition {
            name: #name,
            partition_key: #pk,
            sort_key: #sk,
            type_attribute: #type_attribute,
            ttl_attribute: #ttl,
            indexes: &[#(#indexes),*],
        };
    }
}

fn opt_str(s: Option<&str>) -> TokenStream {
    match s {
        Some(s) => quote! { ::std::option::Option::Some(#s) },
        None => quote! { ::std::option::Option::None },
    }
}

fn serde_derives() -> TokenStream {
    let p = p();
    quote! {
        #[derive(Debug, Clone, PartialEq, #p::serde::Serialize, #p::serde::Deserialize)]
        #[serde(crate = "::singletable::__private::serde")]
    }
}

fn struct_fields(model: &Model, attributes: &[Attribute]) -> Vec<TokenStream> {
    attributes
        .iter()
        .map(|a| {
            let name = ident(&a.rust_name);
            let ty = field_type(model, a);
            let docs = doc(&attribute_doc(a));
            let rename = (a.stored_name != a.name
                || a.rust_name.trim_start_matches("r#") != a.name)
                .then(|| {
                    let stored = &a.stored_name;
                    quote! { #[serde(rename = #stored)] }
                });
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

fn emit_type(model: &Model, t: &TypeDef) -> TokenStream {
    let name = ident(&t.rust_name);
    let p = p();
    let type_name = &t.name;
    match &t.kind {
        TypeKind::Document(fields) => {
            let docs = doc(t
                .doc
                .as_deref()
                .unwrap_or(&format!("The `{}` document type.", t.name)));
            let derives = serde_derives();
            let defs = struct_fields(model, fields);
            let encode = fields.iter().map(|f| {
                let field = ident(&f.rust_name);
                let stored = &f.stored_name;
                quote! { #p::codec::put_field(&mut map, #stored, &self.#field)?; }
            });
            let slots = fields.iter().map(|f| {
                let field = ident(&f.rust_name);
                let ty = field_type(model, f);
                quote! { let mut #field: ::std::option::Option<#ty> = ::std::option::Option::None; }
            });
            let arms = fields.iter().map(|f| {
                let field = ident(&f.rust_name);
                let stored = &f.stored_name;
                if f.default.is_some() {
                    quote! { #stored => #field = #p::codec::decode_field_or_null(__value, #stored)?, }
                } else {
                    quote! { #stored => #field = ::std::option::Option::Some(#p::codec::decode_field(__value, #stored)?), }
                }
            });
            let finish = fields.iter().map(|f| {
                let field = ident(&f.rust_name);
                let stored = &f.stored_name;
                match &f.default {
                    Some(d) => {
                        let value = or_default(model, f, d, &field);
                        quote! { #field: #value }
                    }
                    None => quote! { #field: #p::codec::required_field(#field, #stored)? },
                }
            });
            let decode_body = quote! {
                #(#slots)*
                for (__name, __value) in #p::codec::expect_map(__document)? {
                    match __name.as_str() {
                        #(#arms)*
                        _ => {}
                    }
                }
                ::std::result::Result::Ok(Self { #(#finish,)* })
            };
            quote! {
                #docs
                #derives
                pub struct #name { #(#defs,)* }

                impl #p::AttributeCodec for #name {
                    fn encode(&self) -> ::std::result::Result<::std::option::Option<#p::AttributeValue>, #p::CodecError> {
                        let mut map = ::std::collections::HashMap::new();
                        #(#encode)*
                        ::std::result::Result::Ok(::std::option::Option::Some(#p::AttributeValue::M(map)))
                    }
                    fn decode(__document: #p::AttributeValue) -> ::std::result::Result<Self, #p::CodecError> {
                        #decode_body
                    }
                }
                impl #p::ListElement for #name {}
            }
        }
        TypeKind::Enum(values) => {
            let docs = doc(t
                .doc
                .as_deref()
                .unwrap_or(&format!("The `{}` enum, stored as a string.", t.name)));
            let variants: Vec<Ident> = values.iter().map(|(_, v)| ident(v)).collect();
            let stored: Vec<&String> = values.iter().map(|(s, _)| s).collect();
            let variant_docs = stored.iter().map(|s| doc(&format!("Stored as `{s}`.")));
            let count = values.len();
            let expected = format!(
                "expected one of {}",
                stored
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            quote! {
                #docs
                #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, #p::serde::Serialize, #p::serde::Deserialize)]
                #[serde(crate = "::singletable::__private::serde")]
                pub enum #name {
                    #( #variant_docs #[serde(rename = #stored)] #variants, )*
                }

                impl #name {
                    /// Every value, in schema order.
                    pub const ALL: [Self; #count] = [#(Self::#variants),*];

                    /// The stored string.
                    pub fn as_str(&self) -> &'static str {
                        match self { #(Self::#variants => #stored,)* }
                    }
                }

                impl ::std::fmt::Display for #name {
                    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(self.as_str())
                    }
                }

                impl ::std::str::FromStr for #name {
                    type Err = ::singletable::UnknownEnumValue;
                    fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
                        match s {
                            #(#stored => ::std::result::Result::Ok(Self::#variants),)*
                            other => ::std::result::Result::Err(::singletable::UnknownEnumValue {
                                type_name: #type_name,
                                value: other.to_owned(),
                            }),
                        }
                    }
                }

                impl #p::AttributeCodec for #name {
                    fn encode(&self) -> ::std::result::Result<::std::option::Option<#p::AttributeValue>, #p::CodecError> {
                        ::std::result::Result::Ok(::std::option::Option::Some(#p::AttributeValue::S(self.as_str().to_owned())))
                    }
                    fn decode(value: #p::AttributeValue) -> ::std::result::Result<Self, #p::CodecError> {
                        let s = #p::codec::expect_string(value)?;
                        s.parse().map_err(|_| #p::CodecError::new(::std::format!("{}, found {:?}", #expected, s)))
                    }
                }
                impl #p::ListElement for #name {}
            }
        }
    }
}

/// A Rust expression for a default value.
fn default_expr(model: &Model, a: &Attribute, d: &DefaultValue) -> TokenStream {
    let p = p();
    let value = match d {
        DefaultValue::Now => match a.ty {
            Type::Date => quote! { #p::chrono::Utc::now().date_naive() },
            _ => quote! { #p::chrono::Utc::now() },
        },
        DefaultValue::Uuid => match a.ty {
            Type::String => quote! { #p::uuid::Uuid::new_v4().to_string() },
            _ => quote! { #p::uuid::Uuid::new_v4() },
        },
        DefaultValue::Literal(Literal::Null) => return quote! { ::std::option::Option::None },
        DefaultValue::Literal(l) => literal_expr(model, &a.ty, l),
    };
    if a.optional {
        quote! { ::std::option::Option::Some(#value) }
    } else {
        value
    }
}

/// `slot.unwrap_or(..)` for constant defaults, `slot.unwrap_or_else(..)` for computed ones.
fn or_default(model: &Model, a: &Attribute, d: &DefaultValue, slot: &Ident) -> TokenStream {
    let cheap =
        !a.optional && matches!(d, DefaultValue::Literal(l) if is_constant(model, &a.ty, l));
    if cheap {
        let value = default_expr(model, a, d);
        quote! { #slot.unwrap_or(#value) }
    } else {
        let default = default_fn(model, a, d);
        quote! { #slot.unwrap_or_else(#default) }
    }
}

/// Whether a literal's Rust expression is a constant (no calls, no allocation), for which an
/// eager `unwrap_or` is right and a closure would be needless.
fn is_constant(model: &Model, ty: &Type, l: &Literal) -> bool {
    match (ty, l) {
        (Type::Integer | Type::Float | Type::Bool, _) => true,
        (Type::Enum(_), Literal::String(_)) => true,
        (Type::Document(n), Literal::Map(entries)) => {
            let Some(TypeKind::Document(fields)) =
                model.types.iter().find(|t| &t.name == n).map(|t| &t.kind)
            else {
                return false;
            };
            fields
                .iter()
                .all(|f| match entries.iter().find(|(k, _)| k == &f.name) {
                    Some((_, v)) => !f.optional && is_constant(model, &f.ty, v),
                    None => match &f.default {
                        Some(DefaultValue::Literal(v)) => {
                            !f.optional && is_constant(model, &f.ty, v)
                        }
                        Some(_) => false,
                        None => true,
                    },
                })
        }
        _ => false,
    }
}

/// A function producing a default: the constructor itself where one exists (`Utc::now`),
/// else a closure.
fn default_fn(model: &Model, a: &Attribute, d: &DefaultValue) -> TokenStream {
    let p = p();
    match (d, &a.ty, a.optional) {
        (DefaultValue::Now, Type::Timestamp | Type::Ttl, false) => quote! { #p::chrono::Utc::now },
        (DefaultValue::Uuid, Type::Uuid, false) => quote! { #p::uuid::Uuid::new_v4 },
        _ => {
            let value = default_expr(model, a, d);
            quote! { || #value }
        }
    }
}

fn literal_expr(model: &Model, ty: &Type, l: &Literal) -> TokenStream {
    let p = p();
    match (ty, l) {
        (Type::String, Literal::String(s)) => quote! { ::std::string::String::from(#s) },
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
            quote! { #p::chrono::DateTime::from_timestamp(#secs, #nanos).unwrap_or_default() }
        }
        (Type::Date, Literal::String(s)) => {
            use chrono::Datelike;
            let d = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default();
            let (y, m, day) = (d.year(), d.month(), d.day());
            quote! { #p::chrono::NaiveDate::from_ymd_opt(#y, #m, #day).unwrap_or_default() }
        }
        (Type::Uuid, Literal::String(s)) => {
            let v = Lit::u128_suffixed(uuid::Uuid::parse_str(s).map(|u| u.as_u128()).unwrap_or(0));
            quote! { #p::uuid::Uuid::from_u128(#v) }
        }
        (Type::Bytes, Literal::List(items)) => {
            let bytes = items.iter().map(|i| match i {
                Literal::Int(b) => Lit::u8_suffixed(u8::try_from(*b).unwrap_or(0)),
                _ => Lit::u8_suffixed(0),
            });
            quote! { ::std::vec![#(#bytes),*] }
        }
        (Type::List(t), Literal::List(items)) => {
            let items = items.iter().map(|i| literal_expr(model, t, i));
            quote! { ::std::vec![#(#items),*] }
        }
        (Type::Set(t), Literal::List(items)) => {
            let items = items.iter().map(|i| literal_expr(model, t, i));
            quote! { ::std::collections::BTreeSet::from([#(#items),*]) }
        }
        (Type::Map(t), Literal::Map(entries)) => {
            let entries = entries.iter().map(|(k, v)| {
                let v = literal_expr(model, t, v);
                quote! { (::std::string::String::from(#k), #v) }
            });
            quote! { ::std::collections::BTreeMap::from([#(#entries),*]) }
        }
        (Type::Enum(n), Literal::String(s)) => {
            let ty = ident(&type_rust_name(model, n));
            let variant = ident(&crate::names::type_name(s));
            quote! { #ty::#variant }
        }
        (Type::Document(n), Literal::Map(entries)) => {
            let ty = ident(&type_rust_name(model, n));
            let Some(TypeKind::Document(fields)) =
                model.types.iter().find(|t| &t.name == n).map(|t| &t.kind)
            else {
                return quote! { ::std::default::Default::default() };
            };
            let inits = fields.iter().map(|f| {
                let name = ident(&f.rust_name);
                let value = match entries.iter().find(|(k, _)| k == &f.name) {
                    Some((_, v)) => {
                        let v = literal_expr(model, &f.ty, v);
                        if f.optional {
                            quote! { ::std::option::Option::Some(#v) }
                        } else {
                            v
                        }
                    }
                    None => match &f.default {
                        Some(d) => default_expr(model, f, d),
                        None => quote! { ::std::option::Option::None },
                    },
                };
                quote! { #name: #value }
            });
            quote! { #ty { #(#inits),* } }
        }
        // The validator only lets matching literals through.
        _ => quote! { ::std::default::Default::default() },
    }
}

/// How a template field is passed to a key function and written into a key.
struct KeyArg {
    name: Ident,
    /// The parameter type.
    param: TokenStream,
    /// The expression `KeyText::value` takes.
    value: TokenStream,
}

fn key_arg(model: &Model, rust_name: &str, ty: &Type) -> KeyArg {
    let id = ident(rust_name);
    let p = p();
    let (param, value) = match ty {
        Type::String => (quote! { &str }, quote! { #id }),
        Type::Integer => (quote! { i64 }, quote! { #id }),
        Type::Bool => (quote! { bool }, quote! { #id }),
        Type::Timestamp | Type::Ttl => (
            quote! { #p::chrono::DateTime<#p::chrono::Utc> },
            quote! { &#id },
        ),
        Type::Date => (quote! { #p::chrono::NaiveDate }, quote! { &#id }),
        Type::Uuid => (quote! { #p::uuid::Uuid }, quote! { &#id }),
        Type::Enum(_) => {
            let t = rust_type(model, ty);
            (t, quote! { #id.as_str() })
        }
        // Not allowed in keys by the validator.
        _ => (quote! { &str }, quote! { #id }),
    };
    KeyArg {
        name: id,
        param,
        value,
    }
}

/// `name: Type` parameters for key arguments.
fn param_list(args: &[KeyArg]) -> Vec<TokenStream> {
    args.iter()
        .map(|a| {
            let (n, t) = (&a.name, &a.param);
            quote! { #n: #t }
        })
        .collect()
}

fn template_args(model: &Model, t: &Template) -> Vec<KeyArg> {
    t.fields()
        .map(|(_, rust, ty, _)| key_arg(model, rust, ty))
        .collect()
}

/// `KeyText::new(d).lit(..).value(..)...` for a whole template.
fn key_text(model: &Model, t: &Template, delimiter: char) -> TokenStream {
    let p = p();
    let steps = t.parts.iter().map(|part| match part {
        TemplatePart::Literal(l) => quote! { .lit(#l) },
        TemplatePart::Field {
            name,
            rust_name,
            ty,
            ..
        } => {
            let arg = key_arg(model, rust_name, ty);
            let value = arg.value;
            quote! { .value(#name, #value) }
        }
    });
    quote! { #p::KeyText::new(#delimiter) #(#steps)* .finish() }
}

/// Names of the key functions for an entity's key on an index.
fn key_fn_names(key: &Key) -> (Ident, Ident) {
    if key.index == "primary" {
        (format_ident!("partition_key"), format_ident!("sort_key"))
    } else {
        (
            format_ident!(
                "{}_partition_key",
                crate::names::snake(&key.index).unwrap_or_default()
            ),
            format_ident!(
                "{}_sort_key",
                crate::names::snake(&key.index).unwrap_or_default()
            ),
        )
    }
}

fn emit_key_fns(model: &Model, e: &Entity) -> TokenStream {
    let entity = ident(&e.rust_name);
    let delimiter = model.table.delimiter;
    let mut out = TokenStream::new();
    for key in &e.keys {
        let (pk_fn, sk_fn) = key_fn_names(key);
        let where_ = if key.index == "primary" {
            "the table".to_owned()
        } else {
            format!("index `{}`", key.index)
        };
        // A local index shares the table's partition key: no separate function.
        if key.kind != IndexKind::Local {
            let args = template_args(model, &key.partition);
            let params = param_list(&args);
            let text = key_text(model, &key.partition, delimiter);
            let attr = &key.partition.attribute;
            let docs = doc(&format!(
                "Partition key `{}` on `{attr}` of {where_}.",
                key.partition.text
            ));
            out.extend(quote! {
                #docs
                pub fn #pk_fn(#(#params),*) -> ::singletable::PartitionKey<#entity> {
                    ::singletable::PartitionKey::new(#attr, #text)
                }
            });
        }
        if let Some(sort) = &key.sort {
            let args = template_args(model, sort);
            let params = param_list(&args);
            let text = key_text(model, sort, delimiter);
            let attr = &sort.attribute;
            let docs = doc(&format!(
                "Sort key `{}` on `{attr}` of {where_}.",
                sort.text
            ));
            out.extend(quote! {
                #docs
                pub fn #sk_fn(#(#params),*) -> ::singletable::SortKey<#entity> {
                    ::singletable::SortKey::new(#attr, #text)
                }
            });
        }
    }
    // The full primary key.
    let primary = e.primary();
    let mut args: Vec<KeyArg> = template_args(model, &primary.partition);
    let pk_names: Vec<Ident> = args.iter().map(|a| a.name.clone()).collect();
    let mut sk_names = Vec::new();
    if let Some(sort) = &primary.sort {
        for a in template_args(model, sort) {
            sk_names.push(a.name.clone());
            if !args.iter().any(|x| x.name == a.name) {
                args.push(a);
            }
        }
    }
    let params = param_list(&args);
    let sort = if primary.sort.is_some() {
        quote! { ::std::option::Option::Some(Self::sort_key(#(#sk_names),*)) }
    } else {
        quote! { ::std::option::Option::None }
    };
    let docs = doc(&format!(
        "The primary key: partition `{}`{}.",
        primary.partition.text,
        primary
            .sort
            .as_ref()
            .map(|s| format!(", sort `{}`", s.text))
            .unwrap_or_default()
    ));
    // What the key fixes besides itself, for updates that create the item.
    let p = p();
    let key_fields: Vec<(&str, &str, &Type)> = std::iter::once(&primary.partition)
        .chain(primary.sort.as_ref())
        .flat_map(|t| t.fields().map(|(n, r, ty, _)| (n, r, ty)))
        .fold(Vec::new(), |mut acc, f| {
            if !acc.iter().any(|x: &(&str, &str, &Type)| x.0 == f.0) {
                acc.push(f);
            }
            acc
        });
    let fields = key_fields.iter().map(|(name, rust, ty)| {
        let id = ident(rust);
        let stored = e
            .attributes
            .iter()
            .find(|a| a.name == *name)
            .map_or(*name, |a| a.stored_name.as_str());
        let value = match ty {
            Type::String => {
                quote! { ::std::option::Option::Some(#p::AttributeValue::S(#id.to_owned())) }
            }
            _ => quote! { #p::codec::field_value(&#id) },
        };
        quote! { .with_field(#stored, #value) }
    });
    let mut index_keys = Vec::new();
    for key in e
        .keys
        .iter()
        .filter(|k| k.index != "primary" && k.kind != IndexKind::Inverse)
    {
        let (pk_fn, sk_fn) = key_fn_names(key);
        let templates = (key.kind != IndexKind::Local)
            .then_some((&key.partition, pk_fn))
            .into_iter()
            .chain(key.sort.as_ref().map(|s| (s, sk_fn)));
        for (t, f) in templates {
            if t.fields()
                .all(|(n, ..)| key_fields.iter().any(|k| k.0 == n))
            {
                let args = t.fields().map(|(_, r, ..)| ident(r));
                index_keys.push(quote! { .with_index_key(Self::#f(#(#args),*).into_attribute()) });
            }
        }
    }
    out.extend(quote! {
        #docs
        pub fn key(#(#params),*) -> ::singletable::Key<#entity> {
            ::singletable::Key::new(Self::partition_key(#(#pk_names),*), #sort)
                #(#fields)*
                #(#index_keys)*
        }
    });
    out
}

/// The argument expression for `self.field` passed to a key function.
fn self_arg(ty: &Type, field: &Ident, bound: Option<&Ident>) -> TokenStream {
    let by_ref = matches!(ty, Type::String);
    match (bound, by_ref) {
        (Some(b), true) => quote! { #b },
        (Some(b), false) => quote! { *#b },
        (None, true) => quote! { &self.#field },
        (None, false) => quote! { self.#field },
    }
}

/// Statements writing one key template into `item` from `self`.
fn write_key(template: &Template, func: &Ident, bound: &[(String, Ident)]) -> TokenStream {
    let args = template.fields().map(|(name, rust, ty, _)| {
        let field = ident(rust);
        let b = bound.iter().find(|(n, _)| n == name).map(|(_, i)| i);
        self_arg(ty, &field, b)
    });
    quote! { Self::#func(#(#args),*).write_to(&mut item, Self::NAME)?; }
}

fn emit_entity(model: &Model, e: &Entity) -> TokenStream {
    let p = p();
    let name = ident(&e.rust_name);
    let entity_name = &e.name;
    let type_attribute = &model.table.type_attribute;
    let docs = doc(&e
        .doc
        .clone()
        .unwrap_or_else(|| format!("The `{}` entity.", e.name)));
    let key_doc = doc(&format!(
        "\nPrimary key: partition `{}`{}.",
        e.primary().partition.text,
        e.primary()
            .sort
            .as_ref()
            .map(|s| format!(", sort `{}`", s.text))
            .unwrap_or_default()
    ));
    let derives = serde_derives();
    let fields = struct_fields(model, &e.attributes);

    // Constructor: required fields are arguments; the rest get defaults.
    let required: Vec<&Attribute> = e
        .attributes
        .iter()
        .filter(|a| !a.optional && a.default.is_none() && a.auto.is_none() && !a.version)
        .collect();
    let params = required.iter().map(|a| {
        let n = ident(&a.rust_name);
        match a.ty {
            Type::String => quote! { #n: impl ::std::convert::Into<::std::string::String> },
            _ => {
                let t = field_type(model, a);
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
            default_expr(model, a, d)
        } else {
            quote! { ::std::option::Option::None }
        };
        quote! { #n: #value }
    });
    let uses_now = e.attributes.iter().any(|a| a.auto.is_some());
    let now = uses_now.then(|| quote! { let now = #p::chrono::Utc::now(); });
    let new_doc = doc(&format!(
        "A new `{}` from its required attributes; defaults fill the rest{}.",
        e.name,
        if uses_now {
            " and `auto` timestamps are set to now"
        } else {
            ""
        }
    ));
    let too_many = (required.len() > 7).then(|| quote! { #[allow(clippy::too_many_arguments)] });

    let key_fns = emit_key_fns(model, e);

    // to_item
    // `auto: updated` and `version` take their values from the write's stamp.
    let stamped: Vec<(String, Ident)> = e
        .attributes
        .iter()
        .filter(|a| a.auto == Some(Auto::Updated) || a.version)
        .map(|a| (a.name.clone(), ident(&a.rust_name)))
        .collect();
    let stamp_bindings = e.attributes.iter().filter_map(|a| {
        let field = ident(&a.rust_name);
        if a.auto == Some(Auto::Updated) {
            Some(quote! { let #field = stamp.now.as_ref().unwrap_or(&self.#field); })
        } else if a.version {
            Some(quote! {
                let #field = &if stamp.next_version { self.#field.saturating_add(1) } else { self.#field };
            })
        } else {
            None
        }
    });
    let stamp_bindings: Vec<TokenStream> = stamp_bindings.collect();
    let puts = e.attributes.iter().map(|a| {
        let field = ident(&a.rust_name);
        let stored = &a.stored_name;
        if stamped.iter().any(|(n, _)| *n == a.name) {
            return quote! { #p::codec::put(&mut item, Self::NAME, #stored, #field)?; };
        }
        if a.ty == Type::Ttl {
            if a.optional {
                quote! { #p::codec::ttl::put(&mut item, #stored, self.#field.as_ref()); }
            } else {
                quote! { #p::codec::ttl::put(&mut item, #stored, ::std::option::Option::Some(&self.#field)); }
            }
        } else {
            quote! { #p::codec::put(&mut item, Self::NAME, #stored, &self.#field)?; }
        }
    });
    let mut key_writes = Vec::new();
    for key in &e.keys {
        if key.kind == IndexKind::Inverse {
            continue; // the table's own attributes
        }
        let (pk_fn, sk_fn) = key_fn_names(key);
        let mut writes = Vec::new();
        if key.kind != IndexKind::Local {
            writes.push((&key.partition, pk_fn));
        }
        if let Some(s) = &key.sort {
            writes.push((s, sk_fn));
        }
        let optional: Vec<(String, String)> = writes
            .iter()
            .flat_map(|(t, _)| {
                t.fields()
                    .filter(|f| f.3)
                    .map(|f| (f.0.to_owned(), f.1.to_owned()))
            })
            .fold(Vec::new(), |mut acc, f| {
                if !acc.contains(&f) {
                    acc.push(f);
                }
                acc
            });
        let bound: Vec<(String, Ident)> = optional
            .iter()
            .map(|(n, rust)| {
                (
                    n.clone(),
                    format_ident!("{}", rust.trim_start_matches("r#").to_owned() + "_value"),
                )
            })
            .collect();
        let all_bound: Vec<(String, Ident)> = bound.iter().chain(&stamped).cloned().collect();
        let stmts: Vec<TokenStream> = writes
            .iter()
            .map(|(t, f)| write_key(t, f, &all_bound))
            .collect();
        if bound.is_empty() {
            key_writes.push(quote! { #(#stmts)* });
        } else {
            // Sparse index: its keys are written only while every optional field is set.
            let pats: Vec<TokenStream> = bound
                .iter()
                .map(|(_, b)| quote! { ::std::option::Option::Some(#b) })
                .collect();
            let exprs: Vec<TokenStream> = optional
                .iter()
                .map(|(_, rust)| {
                    let f = ident(rust);
                    quote! { &self.#f }
                })
                .collect();
            key_writes.push(if pats.len() == 1 {
                let (pat, expr) = (&pats[0], &exprs[0]);
                quote! { if let #pat = #expr { #(#stmts)* } }
            } else {
                quote! { if let (#(#pats,)*) = (#(#exprs,)*) { #(#stmts)* } }
            });
        }
    }
    let capacity = e.attributes.len() + 2 * e.keys.len() + 1;

    // from_item: one pass over the item, matching attribute names.
    let slots = e.attributes.iter().map(|a| {
        let field = ident(&a.rust_name);
        let ty = if a.ty == Type::Ttl {
            rust_type(model, &a.ty)
        } else {
            field_type(model, a)
        };
        quote! { let mut #field: ::std::option::Option<#ty> = ::std::option::Option::None; }
    });
    let arms = e.attributes.iter().map(|a| {
        let field = ident(&a.rust_name);
        let stored = &a.stored_name;
        if a.ty == Type::Ttl {
            quote! { #stored => #field = #p::codec::ttl::decode_attribute(__value, Self::NAME, #stored)?, }
        } else if a.default.is_some() || a.version {
            quote! { #stored => #field = #p::codec::decode_or_null(__value, Self::NAME, #stored)?, }
        } else {
            quote! { #stored => #field = ::std::option::Option::Some(#p::codec::decode_attribute(__value, Self::NAME, #stored)?), }
        }
    });
    let takes = e.attributes.iter().map(|a| {
        let field = ident(&a.rust_name);
        let stored = &a.stored_name;
        if a.ty == Type::Ttl && a.optional {
            quote! { #field }
        } else if let Some(d) = &a.default {
            let value = or_default(model, a, d, &field);
            quote! { #field: #value }
        } else if a.version {
            quote! { #field: #field.unwrap_or(0) }
        } else {
            quote! { #field: #p::codec::required(#field, Self::NAME, #stored)? }
        }
    });
    let self_key_args = {
        let primary = e.primary();
        let mut seen: Vec<String> = Vec::new();
        let mut args = Vec::new();
        for t in std::iter::once(&primary.partition).chain(primary.sort.as_ref()) {
            for (name, rust, ty, _) in t.fields() {
                if !seen.iter().any(|s| s == name) {
                    seen.push(name.to_owned());
                    args.push(self_arg(ty, &ident(rust), None));
                }
            }
        }
        args
    };

    let body = quote! {
        let mut item = ::singletable::Item::with_capacity(#capacity);
        #(#puts)*
        #(#key_writes)*
        item.insert(#type_attribute.to_owned(), #p::AttributeValue::S(Self::NAME.to_owned()));
        ::std::result::Result::Ok(item)
    };
    let write_fns = if stamped.is_empty() {
        quote! {
            fn to_item(&self) -> ::singletable::Result<::singletable::Item> { #body }
        }
    } else {
        let version = e.attributes.iter().find(|a| a.version).map(|a| {
            let stored = &a.stored_name;
            let field = ident(&a.rust_name);
            quote! {
                const VERSION_ATTRIBUTE: ::std::option::Option<&'static str> = ::std::option::Option::Some(#stored);
                fn version(&self) -> i64 { self.#field }
            }
        });
        quote! {
            #version
            fn to_item(&self) -> ::singletable::Result<::singletable::Item> {
                self.to_stored_item(&::singletable::WriteStamp::KEEP)
            }
            fn to_stored_item(&self, stamp: &::singletable::WriteStamp) -> ::singletable::Result<::singletable::Item> {
                #(#stamp_bindings)*
                #body
            }
        }
    };

    quote! {
        #docs
        #key_doc
        #derives
        pub struct #name { #(#fields,)* }

        impl #name {
            #new_doc
            #too_many
            pub fn new(#(#params),*) -> Self {
                #now
                Self { #(#inits,)* }
            }

            #key_fns
        }

        impl ::singletable::Entity for #name {
            const NAME: &'static str = #entity_name;
            const TYPE_ATTRIBUTE: &'static str = #type_attribute;

            fn key(&self) -> ::singletable::Key<Self> {
                Self::key(#(#self_key_args),*)
            }

            #write_fns

            fn from_item(__item: ::singletable::Item) -> ::singletable::Result<Self> {
                #(#slots)*
                for (__name, __value) in __item {
                    match __name.as_str() {
                        #(#arms)*
                        _ => {}
                    }
                }
                ::std::result::Result::Ok(Self { #(#takes,)* })
            }
        }
    }
}

/// The builder type name of an access pattern, and of its stage after fixing `n` fields.
fn stage_name(p: &AccessPattern, fixed: &[&str]) -> Ident {
    let mut name = p.name.to_upper_camel_case();
    for f in fixed {
        name.push_str(&f.to_upper_camel_case());
    }
    if fixed.is_empty() {
        name.push_str("Query");
    }
    format_ident!("{}", name)
}

fn pattern_doc(p: &AccessPattern) -> String {
    let target = if p.index == "primary" {
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
        return text;
    }
    text.push_str(&format!(
        "\n\nQueries {target}: partition `{}` on `{}`",
        p.partition.text, p.partition.attribute
    ));
    let sorts: Vec<String> = p
        .sorts
        .iter()
        .filter_map(|(e, s)| s.as_ref().map(|s| format!("`{}` ({e})", s.text)))
        .collect();
    if !sorts.is_empty() {
        let attr = p
            .sorts
            .iter()
            .find_map(|(_, s)| s.as_ref())
            .map(|s| s.attribute.clone())
            .unwrap_or_default();
        text.push_str(&format!(", sort {} on `{attr}`", sorts.join(", ")));
    }
    text.push_str(match p.order {
        Order::Asc => "; ascending key order.",
        Order::Desc => "; descending key order.",
    });
    text
}

/// Common builder methods shared by every stage of a pattern's query (and, without the
/// ordering methods, by scans).
fn common_methods(
    p: &AccessPattern,
    item: &TokenStream,
    consistent_ok: bool,
    with_fetch: bool,
) -> TokenStream {
    let ordering = (!p.scan).then(|| {
        quote! {
            /// Return items in ascending key order.
            pub fn ascending(mut self) -> Self {
                self.query = self.query.ascending();
                self
            }

            /// Return items in descending key order.
            pub fn descending(mut self) -> Self {
                self.query = self.query.descending();
                self
            }
        }
    });
    let consistent = consistent_ok.then(|| {
        quote! {
            /// Use a strongly consistent read.
            pub fn consistent(mut self) -> Self {
                self.query = self.query.consistent();
                self
            }
        }
    });
    let fetch = if !with_fetch {
        TokenStream::new()
    } else if p.one {
        quote! {
            /// The matching item, if there is one.
            pub async fn fetch(&self, table: &::singletable::Table) -> ::singletable::Result<::std::option::Option<#item>> {
                self.query.first(table).await
            }
        }
    } else {
        quote! {
            /// Every matching item, reading all pages.
            pub async fn fetch(&self, table: &::singletable::Table) -> ::singletable::Result<::std::vec::Vec<#item>> {
                use ::singletable::__private::futures::TryStreamExt as _;
                self.query.stream(table).try_collect().await
            }
        }
    };
    quote! {
        /// Read at most `limit` items per page.
        pub fn limit(mut self, limit: u32) -> Self {
            self.query = self.query.limit(limit);
            self
        }

        #ordering

        #consistent

        /// Keep only items for which `filter` holds (applied by DynamoDB after reading).
        pub fn filter(mut self, filter: impl ::std::convert::Into<::singletable::Condition>) -> Self {
            self.query = self.query.filter(filter);
            self
        }

        /// One page of results, starting at `cursor` (`None` for the first page).
        pub async fn page(&self, table: &::singletable::Table, cursor: ::std::option::Option<&::singletable::Cursor>) -> ::singletable::Result<::singletable::Page<#item>> {
            self.query.page(table, cursor).await
        }

        /// Every result, fetched lazily page by page.
        pub fn stream<'a>(&'a self, table: &'a ::singletable::Table) -> impl ::singletable::__private::futures::Stream<Item = ::singletable::Result<#item>> + Send + 'a {
            self.query.stream(table)
        }

        #fetch

        /// The underlying query.
        pub fn into_query(self) -> ::singletable::Query<#item> {
            self.query
        }
    }
}

fn emit_pattern(model: &Model, p: &AccessPattern) -> TokenStream {
    match &p.target {
        PatternTarget::Entity(name) => match model.entity(name) {
            Some(e) if p.scan => emit_scan(model, p, e),
            Some(e) => emit_entity_pattern(model, p, e),
            None => TokenStream::new(),
        },
        PatternTarget::Collection(names) => emit_collection(model, p, names),
    }
}

/// The expression building the pattern's partition key value for `entity`.
fn partition_call(model: &Model, e: &Entity, p: &AccessPattern) -> TokenStream {
    let entity = ident(&e.rust_name);
    let key = e.key(&p.index);
    let func = match key {
        Some(k) if k.kind != IndexKind::Local && k.index != "primary" => key_fn_names(k).0,
        _ => format_ident!("partition_key"),
    };
    let args = template_args(model, &p.partition)
        .into_iter()
        .map(|a| a.name);
    quote! { #entity::#func(#(#args),*) }
}

/// The attributes an index holds besides keys, if it does not hold whole items.
fn partial_projection<'m>(model: &'m Model, index: &str) -> Option<&'m Projection> {
    model
        .table
        .indexes
        .iter()
        .find(|i| i.name == index)
        .map(|i| &i.projection)
        .filter(|p| **p != Projection::All)
}

/// A projection type for queries on `keys_only` or `include` indexes: the item's primary key
/// (always projected) and the included attributes, with a way to load the full item.
fn emit_projection(
    model: &Model,
    p: &AccessPattern,
    e: &Entity,
    projection: &Projection,
) -> (Ident, TokenStream) {
    let pp = self::p();
    let entity = ident(&e.rust_name);
    let entity_name = &e.name;
    let name = format_ident!("{}Projection", p.name.to_upper_camel_case());
    let included: Vec<Attribute> = match projection {
        Projection::Include(attrs) => e
            .attributes
            .iter()
            .filter(|a| attrs.contains(&a.stored_name))
            .cloned()
            .collect(),
        _ => Vec::new(),
    };
    let fields = struct_fields(model, &included);
    let takes = included.iter().map(|a| {
        let f = ident(&a.rust_name);
        let stored = &a.stored_name;
        quote! { #f: #pp::codec::take(&mut item, #entity_name, #stored)? }
    });
    let pk = &model.table.partition_key;
    let sort_take = match &model.table.sort_key {
        Some(sk) => quote! {
            let sort: ::std::string::String = #pp::codec::take(&mut item, #entity_name, #sk)?;
            let sort = ::std::option::Option::Some(::singletable::SortKey::new(#sk, ::std::result::Result::Ok(sort)));
        },
        None => quote! { let sort = ::std::option::Option::None; },
    };
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
    let docs = doc(&format!(
        "A `{}` as index `{}` holds it ({what}). [`{name}::load`] reads the full item.",
        e.name, p.index
    ));
    let tokens = quote! {
        #docs
        #[derive(Debug, Clone, PartialEq)]
        pub struct #name {
            /// The item's primary key.
            pub key: ::singletable::Key<#entity>,
            #(#fields,)*
        }

        impl #name {
            fn decode(mut item: ::singletable::Item) -> ::singletable::Result<::std::option::Option<Self>> {
                let partition: ::std::string::String = #pp::codec::take(&mut item, #entity_name, #pk)?;
                #sort_take
                ::std::result::Result::Ok(::std::option::Option::Some(Self {
                    key: ::singletable::Key::new(::singletable::PartitionKey::new(#pk, ::std::result::Result::Ok(partition)), sort),
                    #(#takes,)*
                }))
            }

            /// Reads the full item from the table; `None` if it was deleted since.
            pub async fn load(&self, table: &::singletable::Table) -> ::singletable::Result<::std::option::Option<#entity>> {
                table.get(self.key.clone()).await
            }
        }
    };
    (name, tokens)
}

/// What a pattern returns and the expression starting its query (or, with no `partition`,
/// its scan): the entity itself, or on a `keys_only`/`include` index a projection type
/// (returned second, to be emitted) decoded from what the index holds.
fn pattern_source(
    model: &Model,
    p: &AccessPattern,
    e: &Entity,
    partition: Option<&TokenStream>,
) -> (TokenStream, TokenStream, TokenStream) {
    let entity = ident(&e.rust_name);
    let tag = &p.name;
    let Some(projection) = partial_projection(model, &p.index) else {
        let init = match partition {
            Some(partition) => quote! { ::singletable::Query::entity(#tag, #partition) },
            None => quote! { ::singletable::Query::entity_scan(#tag) },
        };
        return (quote! { #entity }, TokenStream::new(), init);
    };
    let (name, tokens) = emit_projection(model, p, e, projection);
    let entity_name = &e.name;
    let type_attribute = &model.table.type_attribute;
    // A keys-only index holds no type attribute to select the entity by.
    let (types, keys_only) = if *projection == Projection::KeysOnly {
        (quote! { &[] }, quote! { .keys_only() })
    } else {
        (quote! { &[#entity_name] }, TokenStream::new())
    };
    let init = match partition {
        Some(partition) => quote! {
            {
                let partition = #partition;
                ::singletable::Query::new(
                    #tag,
                    #entity_name,
                    partition.attribute(),
                    partition.into_value(),
                    ::std::option::Option::Some(#type_attribute),
                    #types,
                    #name::decode,
                ) #keys_only
            }
        },
        None => quote! {
            ::singletable::Query::scan(
                #tag,
                #entity_name,
                ::std::option::Option::Some(#type_attribute),
                #types,
                #name::decode,
            ) #keys_only
        },
    };
    (quote! { #name }, tokens, init)
}

/// A scan pattern: a function without arguments returning a builder over
/// [`singletable::Query::scan`], with filters, limits, pages, streams and segments.
fn emit_scan(model: &Model, p: &AccessPattern, e: &Entity) -> TokenStream {
    let entity = ident(&e.rust_name);
    let pattern_fn = ident(&p.rust_name);
    let docs = doc(&pattern_doc(p));
    let builder = format_ident!("{}Scan", p.name.to_upper_camel_case());
    let builder_doc = doc(&format!(
        "Scan builder for [`{}::{}`].",
        e.rust_name,
        p.rust_name.trim_start_matches("r#")
    ));
    let index = (p.index != "primary").then(|| {
        let i = &p.index;
        quote! { .index(#i) }
    });
    let (item, projection_type, init) = pattern_source(model, p, e, None);
    let consistent_ok = matches!(p.kind, IndexKind::Primary | IndexKind::Local);
    let common = common_methods(p, &item, consistent_ok, true);
    quote! {
        impl #entity {
            #docs
            pub fn #pattern_fn() -> #builder {
                #builder { query: #init #index }
            }
        }

        #projection_type

        #builder_doc
        #[derive(Debug, Clone)]
        #[must_use = "a scan does nothing until `page`, `stream` or `fetch` is called"]
        pub struct #builder {
            query: ::singletable::Query<#item>,
        }

        impl #builder {
            /// Read only segment `segment` of `total` (a parallel scan: one reader per
            /// segment, each with its own cursor).
            pub fn segment(mut self, segment: u32, total: u32) -> Self {
                self.query = self.query.segment(segment, total);
                self
            }

            #common
        }
    }
}

fn emit_entity_pattern(model: &Model, p: &AccessPattern, e: &Entity) -> TokenStream {
    let entity = ident(&e.rust_name);
    let pattern_fn = ident(&p.rust_name);
    let docs = doc(&pattern_doc(p));
    let args = template_args(model, &p.partition);
    let params = param_list(&args);
    let partition = partition_call(model, e, p);
    let index = (p.index != "primary").then(|| {
        let i = &p.index;
        quote! { .index(#i) }
    });
    let order = (p.order == Order::Desc).then(|| quote! { .descending() });
    let (item, projection_type, query_init) = pattern_source(model, p, e, Some(&partition));
    let consistent_ok = matches!(p.kind, IndexKind::Primary | IndexKind::Local);
    let sort = p.sorts.first().and_then(|(_, s)| s.clone());
    let delimiter = model.table.delimiter;
    let pp = self::p();

    // Stages: one per sort field that can be fixed by equality.
    let mut stages = Vec::new();
    let fields: Vec<(String, String, Type)> = sort
        .as_ref()
        .map(|s| {
            s.fields()
                .map(|(n, r, t, _)| (n.to_owned(), r.to_owned(), t.clone()))
                .collect()
        })
        .unwrap_or_default();
    let sort_attr = sort
        .as_ref()
        .map(|s| s.attribute.clone())
        .unwrap_or_default();
    // Literal text before each field, and after the last one.
    let mut literals_before: Vec<String> = Vec::new();
    let mut tail_after: Vec<Option<String>> = Vec::new();
    if let Some(s) = &sort {
        let mut pending = String::new();
        let mut seen_field = false;
        for part in &s.parts {
            match part {
                TemplatePart::Literal(l) => pending.push_str(l),
                TemplatePart::Field { .. } => {
                    let literal = std::mem::take(&mut pending);
                    if seen_field {
                        tail_after.push(Some(literal.clone()));
                    }
                    seen_field = true;
                    literals_before.push(literal);
                }
            }
        }
        if seen_field {
            tail_after.push((!pending.is_empty()).then_some(pending));
        }
    }
    for i in 0..fields.len().max(1) {
        let fixed: Vec<&str> = fields[..i].iter().map(|f| f.0.as_str()).collect();
        let stage = stage_name(p, &fixed);
        let stage_doc = if i == 0 {
            doc(&format!(
                "Query builder for [`{}::{}`].",
                e.rust_name,
                p.rust_name.trim_start_matches("r#")
            ))
        } else {
            doc(&format!(
                "[`{}`] with {} fixed.",
                stage_name(p, &[]),
                fixed
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        };
        let common = common_methods(p, &item, consistent_ok, true);
        let narrowing = if i < fields.len() {
            let (fname, frust, fty) = &fields[i];
            let arg = key_arg(model, frust, fty);
            let param_ty = &arg.param;
            let value_expr = match fty {
                Type::String => quote! { value },
                Type::Integer | Type::Bool => quote! { value },
                Type::Enum(_) => quote! { value.as_str() },
                _ => quote! { &value },
            };
            let encode = |expr: TokenStream| quote! { #pp::KeyText::new(#delimiter).value(#fname, #expr).finish() };
            let enc_value = encode(value_expr.clone());
            let enc_low = encode(match fty {
                Type::String | Type::Integer | Type::Bool => quote! { low },
                Type::Enum(_) => quote! { low.as_str() },
                _ => quote! { &low },
            });
            let enc_high = encode(match fty {
                Type::String | Type::Integer | Type::Bool => quote! { high },
                Type::Enum(_) => quote! { high.as_str() },
                _ => quote! { &high },
            });
            let tail = match &tail_after[i] {
                Some(t) => quote! { ::std::option::Option::Some(#t) },
                None => quote! { ::std::option::Option::None },
            };
            let base = fname.as_str();
            let m = |op: &str| {
                format_ident!("{}_{}", crate::names::snake(base).unwrap_or_default(), op)
            };
            let (eq, lt, lte, gt, gte, between, begins) = (
                m("eq"),
                m("lt"),
                m("lte"),
                m("gt"),
                m("gte"),
                m("between"),
                m("begins_with"),
            );
            let narrow = |variant: TokenStream, enc: TokenStream| {
                quote! {
                    self.query.narrow(#sort_attr, self.prefix.finish(), #tail, #enc.map(::singletable::Narrow::#variant))
                }
            };
            let lt_body = narrow(quote! { Lt }, enc_value.clone());
            let lte_body = narrow(quote! { Le }, enc_value.clone());
            let gt_body = narrow(quote! { Gt }, enc_value.clone());
            let gte_body = narrow(quote! { Ge }, enc_value.clone());
            let eq_method = if i + 1 < fields.len() {
                let next = stage_name(
                    p,
                    &fields[..=i]
                        .iter()
                        .map(|f| f.0.as_str())
                        .collect::<Vec<_>>(),
                );
                let lit = tail_after[i].clone().unwrap_or_default();
                let eq_body = narrow(quote! { Eq }, enc_value.clone());
                quote! {
                    #[doc = concat!("Only items whose `", #fname, "` equals `value`; narrow further by the next field.")]
                    pub fn #eq(self, value: #param_ty) -> #next {
                        let prefix = self.prefix.clone().value(#fname, #value_expr).lit(#lit);
                        #next { query: #eq_body, prefix }
                    }
                }
            } else {
                let body = narrow(quote! { Eq }, enc_value.clone());
                quote! {
                    #[doc = concat!("Only items whose `", #fname, "` equals `value`.")]
                    pub fn #eq(self, value: #param_ty) -> ::singletable::Query<#item> { #body }
                }
            };
            let begins_method = matches!(fty, Type::String | Type::Timestamp | Type::Date | Type::Uuid).then(|| {
                let body = narrow(quote! { BeginsWith }, encode(quote! { prefix }));
                quote! {
                    #[doc = concat!("Only items whose `", #fname, "` starts with `prefix` (as stored text).")]
                    pub fn #begins(self, prefix: &str) -> ::singletable::Query<#item> { #body }
                }
            });
            quote! {
                #eq_method
                #[doc = concat!("Only items whose `", #fname, "` is less than `value`.")]
                pub fn #lt(self, value: #param_ty) -> ::singletable::Query<#item> { #lt_body }
                #[doc = concat!("Only items whose `", #fname, "` is at most `value`.")]
                pub fn #lte(self, value: #param_ty) -> ::singletable::Query<#item> { #lte_body }
                #[doc = concat!("Only items whose `", #fname, "` is greater than `value`.")]
                pub fn #gt(self, value: #param_ty) -> ::singletable::Query<#item> { #gt_body }
                #[doc = concat!("Only items whose `", #fname, "` is at least `value`.")]
                pub fn #gte(self, value: #param_ty) -> ::singletable::Query<#item> { #gte_body }
                #[doc = concat!("Only items whose `", #fname, "` lies between `low` and `high`, inclusive.")]
                pub fn #between(self, low: #param_ty, high: #param_ty) -> ::singletable::Query<#item> {
                    self.query.narrow(#sort_attr, self.prefix.finish(), #tail,
                        #enc_low.and_then(|low| #enc_high.map(|high| ::singletable::Narrow::Between(low, high))))
                }
                #begins_method
            }
        } else {
            TokenStream::new()
        };
        let prefix_field = (!fields.is_empty()).then(|| quote! { prefix: #pp::KeyText, });
        stages.push(quote! {
            #stage_doc
            #[derive(Debug, Clone)]
            #[must_use = "a query does nothing until `page`, `stream` or `fetch` is called"]
            pub struct #stage {
                query: ::singletable::Query<#item>,
                #prefix_field
            }

            impl #stage {
                #narrowing
                #common
            }
        });
    }
    let first_stage = stage_name(p, &[]);
    let default_sort = default_sort_condition(sort.as_ref());
    let prefix_init = (!fields.is_empty()).then(|| {
        let lit = literals_before.first().cloned().unwrap_or_default();
        quote! { prefix: #pp::KeyText::new(#delimiter).lit(#lit), }
    });
    quote! {
        impl #entity {
            #docs
            pub fn #pattern_fn(#(#params),*) -> #first_stage {
                #first_stage {
                    query: #query_init #index #order #default_sort,
                    #prefix_init
                }
            }
        }

        #projection_type
        #(#stages)*
    }
}

/// The key condition every query of a pattern starts with: the sort template's literal
/// prefix (`begins_with(sk, "ORDER#")`), or the whole key for a constant template, so other
/// entities' items in the partition are skipped by the key condition rather than counted
/// against the limit and filtered afterwards.
fn default_sort_condition(sort: Option<&Template>) -> Option<TokenStream> {
    let sort = sort?;
    let attr = &sort.attribute;
    let mut prefix = String::new();
    for part in &sort.parts {
        match part {
            TemplatePart::Literal(l) => prefix.push_str(l),
            TemplatePart::Field { .. } => {
                return (!prefix.is_empty()).then(|| {
                    quote! { .sort(#attr, ::std::result::Result::Ok(::singletable::SortCondition::BeginsWith(#prefix.to_owned()))) }
                });
            }
        }
    }
    Some(
        quote! { .sort(#attr, ::std::result::Result::Ok(::singletable::SortCondition::Eq(#prefix.to_owned()))) },
    )
}

fn plural(name: &str) -> String {
    let s = crate::names::snake(name).unwrap_or_default();
    if s.ends_with('s') || s.ends_with('x') || s.ends_with("ch") || s.ends_with("sh") {
        format!("{s}es")
    } else if let Some(stem) = s
        .strip_suffix('y')
        .filter(|st| !st.ends_with(['a', 'e', 'i', 'o', 'u']))
    {
        format!("{stem}ies")
    } else {
        format!("{s}s")
    }
}

fn emit_collection(model: &Model, p: &AccessPattern, names: &[String]) -> TokenStream {
    let entities: Vec<&Entity> = names.iter().filter_map(|n| model.entity(n)).collect();
    let Some(first) = entities.first() else {
        return TokenStream::new();
    };
    let base = p.name.to_upper_camel_case();
    let group = format_ident!("{}", base);
    let item_enum = format_ident!("{}Item", base);
    let builder = format_ident!("{}Query", base);
    let tag = &p.name;
    let type_attribute = &model.table.type_attribute;
    let docs = doc(&pattern_doc(p));
    let args = template_args(model, &p.partition);
    let params = param_list(&args);
    let partition = partition_call(model, first, p);
    let partition_attr = &p.partition.attribute;
    let index = (p.index != "primary").then(|| {
        let i = &p.index;
        quote! { .index(#i) }
    });
    let order = (p.order == Order::Desc).then(|| quote! { .descending() });
    let variants: Vec<Ident> = entities.iter().map(|e| ident(&e.rust_name)).collect();
    let entity_names: Vec<&String> = entities.iter().map(|e| &e.name).collect();
    // An entity whose sort template has no fields is a singleton in the partition.
    let single: Vec<bool> = p
        .sorts
        .iter()
        .map(|(_, s)| s.as_ref().is_none_or(|s| s.fields().next().is_none()))
        .collect();
    let field_names: Vec<Ident> = entities
        .iter()
        .zip(&single)
        .map(|(e, one)| {
            if *one {
                ident(&crate::names::field(&e.name))
            } else {
                ident(&plural(&e.name))
            }
        })
        .collect();
    let group_fields = entities
        .iter()
        .zip(&single)
        .zip(&field_names)
        .map(|((e, one), f)| {
            let ty = ident(&e.rust_name);
            let d = doc(&format!(
                "The `{}` item{}.",
                e.name,
                if *one { ", if any" } else { "s, in key order" }
            ));
            if *one {
                quote! { #d pub #f: ::std::option::Option<#ty> }
            } else {
                quote! { #d pub #f: ::std::vec::Vec<#ty> }
            }
        });
    let pushes = variants
        .iter()
        .zip(&single)
        .zip(&field_names)
        .map(|((v, one), f)| {
            if *one {
                quote! { #item_enum::#v(x) => group.#f = ::std::option::Option::Some(x), }
            } else {
                quote! { #item_enum::#v(x) => group.#f.push(x), }
            }
        });
    let part_types = entities.iter().zip(&single).map(|(e, one)| {
        let ty = ident(&e.rust_name);
        if *one {
            quote! { ::std::option::Option<#ty> }
        } else {
            quote! { ::std::vec::Vec<#ty> }
        }
    });
    let variant_docs = entity_names.iter().map(|n| doc(&format!("A `{n}` item.")));
    let item = quote! { #item_enum };
    let consistent_ok = matches!(p.kind, IndexKind::Primary | IndexKind::Local);
    let common = common_methods(p, &item, consistent_ok, false);
    let count = entities.len();
    let group_doc = doc(&format!(
        "The item collection `{}`: {} sharing one partition.\n\n{}",
        p.name,
        entity_names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", "),
        pattern_doc(p)
    ));
    let item_doc = doc(&format!("One item of the `{}` collection.", p.name));
    let builder_doc = doc(&format!("Query builder for [`{base}::query`]."));
    quote! {
        #item_doc
        #[derive(Debug, Clone, PartialEq)]
        pub enum #item_enum {
            #( #variant_docs #variants(#variants), )*
        }

        impl #item_enum {
            fn decode(item: ::singletable::Item) -> ::singletable::Result<::std::option::Option<Self>> {
                let kind = item.get(#type_attribute).and_then(|v| v.as_s().ok()).map(::std::string::String::as_str);
                match kind {
                    #( ::std::option::Option::Some(#entity_names) =>
                        <#variants as ::singletable::Entity>::from_item(item).map(|x| ::std::option::Option::Some(Self::#variants(x))), )*
                    _ => ::std::result::Result::Ok(::std::option::Option::None),
                }
            }
        }

        #group_doc
        #[derive(Debug, Clone, PartialEq, Default)]
        pub struct #group {
            #(#group_fields,)*
        }

        impl #group {
            #docs
            pub fn query(#(#params),*) -> #builder {
                static TYPES: [&str; #count] = [#(#entity_names),*];
                #builder {
                    query: ::singletable::Query::new(
                        #tag,
                        #base,
                        #partition_attr,
                        #partition.into_value(),
                        ::std::option::Option::Some(#type_attribute),
                        &TYPES,
                        #item_enum::decode,
                    ) #index #order,
                }
            }

            /// The parts, in the order the collection lists its entities.
            pub fn into_parts(self) -> (#(#part_types),*) {
                (#(self.#field_names),*)
            }

            fn collect(items: ::std::vec::Vec<#item_enum>) -> Self {
                let mut group = Self::default();
                for item in items {
                    match item { #(#pushes)* }
                }
                group
            }
        }

        #builder_doc
        #[derive(Debug, Clone)]
        #[must_use = "a query does nothing until `page`, `stream` or `fetch` is called"]
        pub struct #builder {
            query: ::singletable::Query<#item_enum>,
        }

        impl #builder {
            #common

            /// The whole collection, reading all pages, grouped by entity.
            pub async fn fetch(&self, table: &::singletable::Table) -> ::singletable::Result<#group> {
                use ::singletable::__private::futures::TryStreamExt as _;
                let items: ::std::vec::Vec<#item_enum> = self.query.stream(table).try_collect().await?;
                ::std::result::Result::Ok(#group::collect(items))
            }
        }
    }
}
