//! The write side of an entity: typed field handles (`User::fields()`) for conditions,
//! filters and nested updates, and the update builder (`User::update()`).
//!
//! Setters exist only for attributes an update may change: never for key fields, `auto` or
//! `version` attributes; an `immutable` attribute gets only `set_x_if_not_exists`, so an
//! upsert can write it once. A setter of a field that feeds an index key rewrites that
//! key in the same request and takes the template's other fields as arguments; for a sparse
//! index it writes or removes both key attributes together.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::{doc, ident, key_arg, key_fn_names, p, rust_type, type_rust_name};
use crate::ast::Auto;
use crate::model::{Attribute, Entity, Key, Model, Template, Type, TypeDef, TypeKind};
use crate::validate::IndexKind;

/// The name without a raw-identifier prefix, for building method names.
fn base(rust_name: &str) -> &str {
    rust_name.trim_start_matches("r#").trim_end_matches('_')
}

/// The names of the fields of the primary key templates.
fn key_fields(e: &Entity) -> Vec<&str> {
    let primary = e.primary();
    std::iter::once(&primary.partition)
        .chain(primary.sort.as_ref())
        .flat_map(|t| t.fields().map(|f| f.0))
        .collect()
}

/// Whether an update may never change the attribute.
fn is_fixed(e: &Entity, a: &Attribute) -> bool {
    a.immutable || a.auto.is_some() || a.version || key_fields(e).contains(&a.name.as_str())
}

/// Whether the attribute is `immutable` and nothing else that fixes it: an update may write
/// it once, when it is missing (for example on an upsert), and never change it.
fn is_write_once(e: &Entity, a: &Attribute) -> bool {
    a.immutable && a.auto.is_none() && !a.version && !key_fields(e).contains(&a.name.as_str())
}

/// The type a `Field` handle on values of `ty` carries.
fn field_value_type(model: &Model, ty: &Type) -> TokenStream {
    let p = p();
    match ty {
        Type::Ttl => quote! { #p::codec::ttl::Expiry },
        other => rust_type(model, other),
    }
}

fn doc_fields_name(model: &Model, name: &str) -> Ident {
    format_ident!("{}Fields", type_rust_name(model, name))
}

/// `XFields` for a document type, and its `Reach` impl; `Reach` for enums.
pub(super) fn emit_type_fields(model: &Model, t: &TypeDef) -> TokenStream {
    let name = ident(&t.rust_name);
    match &t.kind {
        TypeKind::Enum(_) => quote! {
            impl ::singletable::field::Reach for #name {
                type Path = ::singletable::Field<#name, ::singletable::kind::Nested>;
                fn reach(path: ::singletable::Path) -> Self::Path {
                    ::singletable::Field::new(path)
                }
            }
        },
        TypeKind::Document(fields) => {
            let fields_name = doc_fields_name(model, &t.name);
            let docs = doc(&format!(
                "Paths into a stored `{}`, for conditions, filters and nested updates.",
                t.name
            ));
            let methods = fields.iter().map(|f| {
                let method = ident(&f.rust_name);
                let stored = &f.stored_name;
                let docs = doc(&format!("`{}`.", f.name));
                match &f.ty {
                    Type::Document(d) => {
                        let ty = ident(&type_rust_name(model, d));
                        let ret = doc_fields_name(model, d);
                        quote! {
                            #docs
                            pub fn #method(&self) -> #ret {
                                <#ty as ::singletable::field::Reach>::reach(self.0.clone().field(#stored))
                            }
                        }
                    }
                    ty => {
                        let value = field_value_type(model, ty);
                        let kind = if f.optional {
                            quote! { ::singletable::kind::NestedOptional }
                        } else {
                            quote! { ::singletable::kind::Nested }
                        };
                        quote! {
                            #docs
                            pub fn #method(&self) -> ::singletable::Field<#value, #kind> {
                                ::singletable::Field::new(self.0.clone().field(#stored))
                            }
                        }
                    }
                }
            });
            quote! {
                #docs
                #[derive(Debug, Clone)]
                pub struct #fields_name(::singletable::Path);

                impl #fields_name {
                    /// The whole value, to compare or to replace in a nested update.
                    pub fn whole(&self) -> ::singletable::Field<#name, ::singletable::kind::Nested> {
                        ::singletable::Field::new(self.0.clone())
                    }
                    /// The value is stored.
                    pub fn exists(&self) -> ::singletable::Condition {
                        ::singletable::Condition::Exists(self.0.clone())
                    }
                    /// The value is not stored.
                    pub fn not_exists(&self) -> ::singletable::Condition {
                        ::singletable::Condition::NotExists(self.0.clone())
                    }
                    #(#methods)*
                }

                impl ::singletable::field::Reach for #name {
                    type Path = #fields_name;
                    fn reach(path: ::singletable::Path) -> Self::Path {
                        #fields_name(path)
                    }
                }
            }
        }
    }
}

/// `User::fields()`, `User::update()` and their types.
pub(super) fn emit_entity_writes(model: &Model, e: &Entity) -> TokenStream {
    let fields = emit_fields(model, e);
    let update = emit_update(model, e);
    quote! { #fields #update }
}

fn emit_fields(model: &Model, e: &Entity) -> TokenStream {
    let entity = ident(&e.rust_name);
    let fields_name = format_ident!("{}Fields", e.rust_name);
    let pk = &e.primary().partition.attribute;
    let methods = e.attributes.iter().map(|a| {
        let method = ident(&a.rust_name);
        let stored = &a.stored_name;
        let fixed = is_fixed(e, a);
        let docs = doc(&format!(
            "`{}`{}.",
            a.name,
            if fixed { " (never updated)" } else { "" }
        ));
        match &a.ty {
            Type::Document(d) if !fixed => {
                let ty = ident(&type_rust_name(model, d));
                let ret = doc_fields_name(model, d);
                quote! {
                    #docs
                    pub fn #method(&self) -> #ret {
                        <#ty as ::singletable::field::Reach>::reach(::singletable::Path::attr(#stored))
                    }
                }
            }
            ty => {
                let value = field_value_type(model, ty);
                let kind = if fixed {
                    quote! { ::singletable::kind::Fixed }
                } else {
                    quote! { ::singletable::kind::Attribute }
                };
                quote! {
                    #docs
                    pub fn #method(&self) -> ::singletable::Field<#value, #kind> {
                        ::singletable::Field::new(::singletable::Path::attr(#stored))
                    }
                }
            }
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
            pub fn exists(&self) -> ::singletable::Condition {
                ::singletable::Condition::Exists(::singletable::Path::attr(#pk))
            }
            /// No item with this key exists.
            pub fn not_exists(&self) -> ::singletable::Condition {
                ::singletable::Condition::NotExists(::singletable::Path::attr(#pk))
            }
            #(#methods)*
        }
    }
}

/// An index key attribute a setter rewrites.
struct Rewrite<'a> {
    template: &'a Template,
    func: Ident,
}

/// The index keys an update of `a` rewrites, grouped per index with whether it is sparse.
fn rewrites<'a>(e: &'a Entity, a: &Attribute) -> Vec<(&'a Key, bool, Vec<Rewrite<'a>>)> {
    let mut out = Vec::new();
    for key in &e.keys {
        if key.index == "primary" || key.kind == IndexKind::Inverse {
            continue;
        }
        let (pk_fn, sk_fn) = key_fn_names(key);
        let templates: Vec<Rewrite> = (key.kind != IndexKind::Local)
            .then_some(Rewrite {
                template: &key.partition,
                func: pk_fn,
            })
            .into_iter()
            .chain(key.sort.as_ref().map(|s| Rewrite {
                template: s,
                func: sk_fn,
            }))
            .collect();
        let uses = |t: &Template| t.fields().any(|f| f.0 == a.name);
        if !templates.iter().any(|r| uses(r.template)) {
            continue;
        }
        let sparse = key.is_sparse();
        // A sparse index's two attributes appear and disappear together; otherwise only the
        // attributes built from `a` change.
        let chosen = templates
            .into_iter()
            .filter(|r| sparse || uses(r.template))
            .collect();
        out.push((key, sparse, chosen));
    }
    out
}

fn emit_update(model: &Model, e: &Entity) -> TokenStream {
    let entity = ident(&e.rust_name);
    let update_name = format_ident!("{}Update", e.rust_name);
    let updated: Vec<&Attribute> = e
        .attributes
        .iter()
        .filter(|a| a.auto == Some(Auto::Updated))
        .collect();

    // The constructor: refresh `auto: updated` (and keys built from it), keep `auto: created`,
    // bump the version.
    let mut init = Vec::new();
    let mut notes = Vec::new();
    for a in &e.attributes {
        let stored = &a.stored_name;
        if a.auto == Some(Auto::Updated) {
            notes.push(format!("sets `{}` to now", a.name));
            init.push(quote! { u.set(::singletable::Path::attr(#stored), &now); });
            for (_, _, chosen) in rewrites(e, a) {
                for r in chosen
                    .iter()
                    .filter(|r| r.template.fields().any(|f| f.0 == a.name))
                {
                    let func = &r.func;
                    init.push(quote! {
                        u.set_key(<#entity as ::singletable::Entity>::NAME, #entity::#func(now).into_attribute());
                    });
                }
            }
        } else if a.auto == Some(Auto::Created) {
            notes.push(format!("writes `{}` only if the item has none", a.name));
            init.push(quote! { u.set_if_not_exists(::singletable::Path::attr(#stored), &now); });
        } else if a.version {
            notes.push(format!("increments `{}`", a.name));
            init.push(quote! { u.add(::singletable::Path::attr(#stored), 1i64); });
        }
    }
    let needs_now = e.attributes.iter().any(|a| a.auto.is_some());
    let now = needs_now.then(|| quote! { let now = u.now(); });
    let mut_u = if init.is_empty() {
        quote! { let u }
    } else {
        quote! { let mut u }
    };
    let ctor_doc = doc(&format!(
        "Starts an update of a stored `{}`. Every update {}.",
        e.name,
        if notes.is_empty() {
            "changes only what its methods say".to_owned()
        } else {
            notes.join(", ")
        }
    ));

    let version = e.attributes.iter().find(|a| a.version).map(|a| {
        let stored = &a.stored_name;
        let docs = doc(&format!(
            "Applies only if the stored `{}` is `version` (optimistic locking); otherwise \
             [`Error::ConditionFailed`](::singletable::Error::ConditionFailed).",
            a.name
        ));
        quote! {
            #docs
            pub fn expected_version(mut self, version: i64) -> Self {
                self.0.expect_version(#stored, version);
                self
            }
        }
    });

    let setters = e
        .attributes
        .iter()
        .filter(|a| !is_fixed(e, a) || is_write_once(e, a))
        .map(|a| emit_setters(model, e, a, &updated, is_write_once(e, a)));

    let docs = doc(&format!(
        "Changes to a stored `{}`: pass to `Table::update` or a transaction. Only attributes \
         an update may change have methods; nested values change through \
         [`NestedUpdate`](::singletable::NestedUpdate) with paths from `{}::fields()`.",
        e.name, e.rust_name
    ));
    quote! {
        #docs
        #[derive(Debug, Clone)]
        #[must_use = "an update does nothing until it is passed to `Table::update` or a transaction"]
        pub struct #update_name(::singletable::Update<#entity>);

        impl #entity {
            #ctor_doc
            pub fn update() -> #update_name {
                #mut_u = ::singletable::Update::new();
                #now
                #(#init)*
                #update_name(u)
            }
        }

        impl #update_name {
            #version
            #(#setters)*
        }

        impl ::std::convert::From<#update_name> for ::singletable::Update<#entity> {
            fn from(update: #update_name) -> Self {
                update.0
            }
        }

        impl ::singletable::NestedUpdate for #update_name {
            type Entity = #entity;
            fn changes(&mut self) -> &mut ::singletable::Update<#entity> {
                &mut self.0
            }
        }
    }
}

/// The methods changing one attribute; for a write-once attribute only `set_x_if_not_exists`.
fn emit_setters(
    model: &Model,
    e: &Entity,
    a: &Attribute,
    updated: &[&Attribute],
    write_once: bool,
) -> TokenStream {
    let p = p();
    let entity = ident(&e.rust_name);
    let name = base(&a.rust_name);
    let stored = &a.stored_name;
    let value = ident(&a.rust_name);
    let path = quote! { ::singletable::Path::attr(#stored) };
    let rewrites = rewrites(e, a);
    let feeds_index = !rewrites.is_empty();
    let set = format_ident!("set_{name}");
    let mut out = TokenStream::new();

    // The value as a key function takes it.
    let key_value = match &a.ty {
        Type::String => quote! { &#value },
        _ => quote! { #value },
    };

    // Parameters: the value, then the other fields of the rewritten templates.
    let mut extra: Vec<(String, String, Type, bool)> = Vec::new();
    for (_, _, chosen) in &rewrites {
        for r in chosen {
            for (n, rust, ty, optional) in r.template.fields() {
                let is_updated = updated.iter().any(|u| u.name == n);
                if n != a.name && !is_updated && !extra.iter().any(|x| x.0 == n) {
                    extra.push((n.to_owned(), rust.to_owned(), ty.clone(), optional));
                }
            }
        }
    }
    let extra_params = extra.iter().map(|(_, rust, ty, optional)| {
        let arg = key_arg(model, rust, ty);
        let (n, t) = (arg.name, arg.param);
        if *optional {
            quote! { #n: ::std::option::Option<#t> }
        } else {
            quote! { #n: #t }
        }
    });
    let extra_params: Vec<TokenStream> = extra_params.collect();

    // Rewriting the keys once the value is bound.
    let key_stmts = |removing: bool| -> Vec<TokenStream> {
        rewrites
            .iter()
            .map(|(_, sparse, chosen)| {
                let remove_all = chosen.iter().map(|r| {
                    let attr = &r.template.attribute;
                    quote! { self.0.remove(::singletable::Path::attr(#attr)); }
                });
                let remove_all: Vec<TokenStream> = remove_all.collect();
                if removing {
                    return quote! { #(#remove_all)* };
                }
                let writes = chosen.iter().map(|r| {
                    let func = &r.func;
                    let args = r.template.fields().map(|(n, rust, ..)| {
                        if n == a.name {
                            key_value.clone()
                        } else if updated.iter().any(|u| u.name == n) {
                            quote! { self.0.now() }
                        } else {
                            let id = ident(rust);
                            quote! { #id }
                        }
                    });
                    quote! {
                        self.0.set_key(<#entity as ::singletable::Entity>::NAME, #entity::#func(#(#args),*).into_attribute());
                    }
                });
                let writes: Vec<TokenStream> = writes.collect();
                let optional: Vec<Ident> = extra
                    .iter()
                    .filter(|x| x.3 && chosen.iter().any(|r| r.template.fields().any(|f| f.0 == x.0)))
                    .map(|x| ident(&x.1))
                    .collect();
                if *sparse && optional.len() == 1 {
                    let o = &optional[0];
                    quote! {
                        if let ::std::option::Option::Some(#o) = #o {
                            #(#writes)*
                        } else {
                            #(#remove_all)*
                        }
                    }
                } else if *sparse && !optional.is_empty() {
                    quote! {
                        if let (#(::std::option::Option::Some(#optional),)*) = (#(#optional,)*) {
                            #(#writes)*
                        } else {
                            #(#remove_all)*
                        }
                    }
                } else {
                    quote! { #(#writes)* }
                }
            })
            .collect()
    };

    let index_doc = if feeds_index {
        let list: Vec<String> = rewrites
            .iter()
            .flat_map(|(key, _, chosen)| {
                chosen.iter().map(move |r| {
                    format!(
                        "`{}` (`{}`, index `{}`)",
                        r.template.attribute, r.template.text, key.index
                    )
                })
            })
            .collect();
        format!(" Also rewrites {}.", list.join(", "))
    } else {
        String::new()
    };

    // `set_x`
    let (param, bind) = match &a.ty {
        Type::String => (
            quote! { #value: impl ::std::convert::Into<::std::string::String> },
            quote! { let #value: ::std::string::String = #value.into(); },
        ),
        ty => {
            let t = rust_type(model, ty);
            (quote! { #value: #t }, quote! {})
        }
    };
    let stored_value = match &a.ty {
        Type::Ttl => quote! { &#p::codec::ttl::Expiry(#value) },
        _ => quote! { &#value },
    };
    if write_once {
        // A key built from it could not be written without the value, so none is offered.
        if feeds_index {
            return out;
        }
        let if_not_exists = format_ident!("set_{name}_if_not_exists");
        let docs = doc(&format!(
            "Sets `{}` only if it is not stored yet. It is `immutable`: an update can write \
             it once (for example on an upsert) and never change it.",
            a.name
        ));
        out.extend(quote! {
            #docs
            pub fn #if_not_exists(mut self, #param) -> Self {
                #bind
                self.0.set_if_not_exists(#path, #stored_value);
                self
            }
        });
        return out;
    }
    let set_doc = doc(&format!("Sets `{}`.{index_doc}", a.name));
    let keys = key_stmts(false);
    out.extend(quote! {
        #set_doc
        pub fn #set(mut self, #param #(, #extra_params)*) -> Self {
            #bind
            self.0.set(#path, #stored_value);
            #(#keys)*
            self
        }
    });

    if a.optional {
        let remove = format_ident!("remove_{name}");
        let keys = key_stmts(true);
        let docs = doc(&format!(
            "Removes `{}`.{}",
            a.name,
            if feeds_index {
                " Also removes the keys of the sparse indexes built from it."
            } else {
                ""
            }
        ));
        out.extend(quote! {
            #docs
            pub fn #remove(mut self) -> Self {
                self.0.remove(#path);
                #(#keys)*
                self
            }
        });
    }

    // Everything below changes the value in DynamoDB without the writer knowing the result,
    // so it is offered only for attributes no key is built from.
    if feeds_index {
        return out;
    }

    let if_not_exists = format_ident!("set_{name}_if_not_exists");
    let docs = doc(&format!("Sets `{}` only if it is not stored yet.", a.name));
    out.extend(quote! {
        #docs
        pub fn #if_not_exists(mut self, #param) -> Self {
            #bind
            self.0.set_if_not_exists(#path, #stored_value);
            self
        }
    });

    match &a.ty {
        Type::Integer | Type::Float => {
            let t = rust_type(model, &a.ty);
            let add = format_ident!("add_{name}");
            let subtract = format_ident!("subtract_{name}");
            let add_field = format_ident!("add_{name}_by_field");
            let subtract_field = format_ident!("subtract_{name}_by_field");
            let docs = [
                doc(&format!(
                    "Adds `n` to `{}` (a missing value counts as 0).",
                    a.name
                )),
                doc(&format!(
                    "Subtracts `n` from `{}` (a missing value counts as 0).",
                    a.name
                )),
                doc(&format!(
                    "Adds the value of another attribute of the item to `{}`.",
                    a.name
                )),
                doc(&format!(
                    "Subtracts the value of another attribute of the item from `{}`.",
                    a.name
                )),
            ];
            let [d0, d1, d2, d3] = docs;
            out.extend(quote! {
                #d0
                pub fn #add(mut self, n: #t) -> Self {
                    self.0.add(#path, n);
                    self
                }
                #d1
                pub fn #subtract(mut self, n: #t) -> Self {
                    self.0.subtract(#path, n);
                    self
                }
                #d2
                pub fn #add_field<K>(mut self, other: ::singletable::Field<#t, K>) -> Self {
                    self.0.add_field(#path, other.path().clone());
                    self
                }
                #d3
                pub fn #subtract_field<K>(mut self, other: ::singletable::Field<#t, K>) -> Self {
                    self.0.subtract_field(#path, other.path().clone());
                    self
                }
            });
        }
        Type::List(inner) => {
            let t = rust_type(model, inner);
            let append = format_ident!("append_{name}");
            let prepend = format_ident!("prepend_{name}");
            let set_at = format_ident!("set_{name}_at");
            let remove_at = format_ident!("remove_{name}_at");
            let d = [
                doc(&format!(
                    "Appends elements to `{}` (created if missing).",
                    a.name
                )),
                doc(&format!(
                    "Prepends elements to `{}` (created if missing).",
                    a.name
                )),
                doc(&format!("Replaces the element at `index` of `{}`.", a.name)),
                doc(&format!(
                    "Removes the element at `index` of `{}`; later elements move up.",
                    a.name
                )),
            ];
            let [d0, d1, d2, d3] = d;
            out.extend(quote! {
                #d0
                pub fn #append(mut self, values: impl ::std::iter::IntoIterator<Item = #t>) -> Self {
                    let values: ::std::vec::Vec<#t> = values.into_iter().collect();
                    self.0.list_append(#path, &values, false);
                    self
                }
                #d1
                pub fn #prepend(mut self, values: impl ::std::iter::IntoIterator<Item = #t>) -> Self {
                    let values: ::std::vec::Vec<#t> = values.into_iter().collect();
                    self.0.list_append(#path, &values, true);
                    self
                }
                #d2
                pub fn #set_at(mut self, index: usize, value: #t) -> Self {
                    self.0.set(#path.index(index), &value);
                    self
                }
                #d3
                pub fn #remove_at(mut self, index: usize) -> Self {
                    self.0.remove(#path.index(index));
                    self
                }
            });
        }
        Type::Set(inner) => {
            let t = rust_type(model, inner);
            let add = format_ident!("add_{name}");
            let delete = format_ident!("delete_{name}");
            let d0 = doc(&format!(
                "Adds members to the set `{}` (created if missing).",
                a.name
            ));
            let d1 = doc(&format!("Deletes members from the set `{}`.", a.name));
            out.extend(quote! {
                #d0
                pub fn #add(mut self, members: impl ::std::iter::IntoIterator<Item = #t>) -> Self {
                    let members: ::std::collections::BTreeSet<#t> = members.into_iter().collect();
                    self.0.add_to_set(#path, &members);
                    self
                }
                #d1
                pub fn #delete(mut self, members: impl ::std::iter::IntoIterator<Item = #t>) -> Self {
                    let members: ::std::collections::BTreeSet<#t> = members.into_iter().collect();
                    self.0.delete_from_set(#path, &members);
                    self
                }
            });
        }
        Type::Map(inner) => {
            let t = rust_type(model, inner);
            let set_entry = format_ident!("set_{name}_entry");
            let remove_entry = format_ident!("remove_{name}_entry");
            let d0 = doc(&format!(
                "Sets the entry `key` of the map `{}` (the map must exist).",
                a.name
            ));
            let d1 = doc(&format!("Removes the entry `key` of the map `{}`.", a.name));
            out.extend(quote! {
                #d0
                pub fn #set_entry(mut self, key: &str, value: #t) -> Self {
                    self.0.set(#path.field(key), &value);
                    self
                }
                #d1
                pub fn #remove_entry(mut self, key: &str) -> Self {
                    self.0.remove(#path.field(key));
                    self
                }
            });
        }
        _ => {}
    }
    out
}
