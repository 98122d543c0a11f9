//! The update builder of an entity (`User::update()`): a method per change the schema
//! allows. Setters exist only for attributes an update may change: never for key fields,
//! `auto` or `version` attributes; an `immutable` attribute gets only `set_x_if_not_exists`,
//! so an upsert can write it once. A setter of a field that feeds an index key rewrites that
//! key in the same request and takes the template's other fields as arguments; for a sparse
//! index it writes or removes both key attributes together.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::fields::is_fixed;
use super::keys::{key_fn, param_type};
use super::{Cx, base, doc, ident};
use crate::ast::Auto;
use crate::model::{Attribute, Entity, Key, Template, TemplateField, Type};

/// Whether the attribute is `immutable` and nothing else that fixes it: an update may write
/// it once, when it is missing (for example on an upsert), and never change it.
fn is_write_once(e: &Entity, a: &Attribute) -> bool {
    a.immutable && a.auto.is_none() && !a.version && !e.is_key_field(&a.name)
}

struct KeyArg {
    name: Ident,
    param: TokenStream,
}

fn key_arg_of(cx: &Cx, rust: &str, ty: &Type) -> KeyArg {
    KeyArg {
        name: ident(rust),
        param: param_type(cx, ty),
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
        if key.is_primary() {
            continue;
        }
        let templates: Vec<Rewrite> = key
            .written_templates()
            .map(|t| Rewrite {
                template: t,
                func: key_fn(key, t),
            })
            .collect();
        let uses = |t: &Template| t.uses(&a.name);
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

/// `X::update()` and the `XUpdate` builder.
pub(super) fn emit(cx: &Cx, e: &Entity) -> TokenStream {
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
            init.push(quote! { u.set(Path::attr(#stored), &now); });
            for (_, _, chosen) in rewrites(e, a) {
                for r in chosen.iter().filter(|r| r.template.uses(&a.name)) {
                    let func = &r.func;
                    init.push(quote! {
                        u.set_key(#entity::NAME, #entity::#func(now));
                    });
                }
            }
        } else if a.auto == Some(Auto::Created) {
            notes.push(format!("writes `{}` only if the item has none", a.name));
            init.push(quote! { u.set_if_not_exists(Path::attr(#stored), &now); });
        } else if a.version {
            notes.push(format!("increments `{}`", a.name));
            init.push(quote! { u.add(Path::attr(#stored), 1i64); });
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
             [`Error::ConditionFailed`](Error::ConditionFailed).",
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
        .map(|a| emit_setters(cx, e, a, &updated, is_write_once(e, a)));

    let docs = doc(&format!(
        "Changes to a stored `{}`: pass to `Table::update` or a transaction. Only attributes \
         an update may change have methods; nested values change through \
         [`NestedUpdate`](NestedUpdate) with paths from `{}::fields()`.",
        e.name, e.rust_name
    ));
    quote! {
        #docs
        #[derive(Debug, Clone)]
        #[must_use = "an update does nothing until it is passed to `Table::update` or a transaction"]
        pub struct #update_name(Update<#entity>);

        impl #entity {
            #ctor_doc
            pub fn update() -> #update_name {
                #mut_u = Update::new();
                #now
                #(#init)*
                #update_name(u)
            }
        }

        impl #update_name {
            #version
            #(#setters)*
        }

        impl From<#update_name> for Update<#entity> {
            fn from(update: #update_name) -> Self {
                update.0
            }
        }

        impl NestedUpdate for #update_name {
            type Entity = #entity;
            fn changes(&mut self) -> &mut Update<#entity> {
                &mut self.0
            }
        }
    }
}

/// The methods changing one attribute; for a write-once attribute only `set_x_if_not_exists`.
fn emit_setters(
    cx: &Cx,
    e: &Entity,
    a: &Attribute,
    updated: &[&Attribute],
    write_once: bool,
) -> TokenStream {
    let entity = ident(&e.rust_name);
    let name = base(&a.rust_name);
    let stored = &a.stored_name;
    let value = ident(&a.rust_name);
    let path = quote! { Path::attr(#stored) };
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
    let mut extra: Vec<&TemplateField> = Vec::new();
    for (_, _, chosen) in &rewrites {
        for r in chosen {
            for f in r.template.fields() {
                let is_updated = updated.iter().any(|u| u.name == f.name);
                if f.name != a.name && !is_updated && !extra.iter().any(|x| x.name == f.name) {
                    extra.push(f);
                }
            }
        }
    }
    let extra_params = extra.iter().map(|f| {
        let arg = key_arg_of(cx, &f.rust_name, &f.ty);
        let (n, t) = (arg.name, arg.param);
        if f.optional {
            quote! { #n: Option<#t> }
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
                    quote! { self.0.remove(Path::attr(#attr)); }
                });
                let remove_all: Vec<TokenStream> = remove_all.collect();
                if removing {
                    return quote! { #(#remove_all)* };
                }
                let writes = chosen.iter().map(|r| {
                    let func = &r.func;
                    let args = r.template.fields().map(|f| {
                        if f.name == a.name {
                            key_value.clone()
                        } else if updated.iter().any(|u| u.name == f.name) {
                            quote! { self.0.now() }
                        } else {
                            let id = ident(&f.rust_name);
                            quote! { #id }
                        }
                    });
                    quote! {
                        self.0.set_key(#entity::NAME, #entity::#func(#(#args),*));
                    }
                });
                let writes: Vec<TokenStream> = writes.collect();
                let optional: Vec<Ident> = extra
                    .iter()
                    .filter(|x| x.optional && chosen.iter().any(|r| r.template.uses(&x.name)))
                    .map(|x| ident(&x.rust_name))
                    .collect();
                if *sparse && optional.len() == 1 {
                    let o = &optional[0];
                    quote! {
                        if let Some(#o) = #o {
                            #(#writes)*
                        } else {
                            #(#remove_all)*
                        }
                    }
                } else if *sparse && !optional.is_empty() {
                    quote! {
                        if let (#(Some(#optional),)*) = (#(#optional,)*) {
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
            quote! { #value: impl Into<String> },
            quote! { let #value: String = #value.into(); },
        ),
        ty => {
            let t = cx.rust_type(ty);
            (quote! { #value: #t }, quote! {})
        }
    };
    let stored_value = match &a.ty {
        Type::Ttl => quote! { &Expiry(#value) },
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
            let t = cx.rust_type(&a.ty);
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
                pub fn #add_field<K>(mut self, other: Field<#t, K>) -> Self {
                    self.0.add_field(#path, other.path().clone());
                    self
                }
                #d3
                pub fn #subtract_field<K>(mut self, other: Field<#t, K>) -> Self {
                    self.0.subtract_field(#path, other.path().clone());
                    self
                }
            });
        }
        Type::List(inner) => {
            let t = cx.rust_type(inner);
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
                pub fn #append(mut self, values: impl IntoIterator<Item = #t>) -> Self {
                    let values: Vec<#t> = values.into_iter().collect();
                    self.0.list_append(#path, &values, false);
                    self
                }
                #d1
                pub fn #prepend(mut self, values: impl IntoIterator<Item = #t>) -> Self {
                    let values: Vec<#t> = values.into_iter().collect();
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
            let t = cx.rust_type(inner);
            let add = format_ident!("add_{name}");
            let delete = format_ident!("delete_{name}");
            let d0 = doc(&format!(
                "Adds members to the set `{}` (created if missing).",
                a.name
            ));
            let d1 = doc(&format!("Deletes members from the set `{}`.", a.name));
            out.extend(quote! {
                #d0
                pub fn #add(mut self, members: impl IntoIterator<Item = #t>) -> Self {
                    let members: BTreeSet<#t> = members.into_iter().collect();
                    self.0.add_to_set(#path, &members);
                    self
                }
                #d1
                pub fn #delete(mut self, members: impl IntoIterator<Item = #t>) -> Self {
                    let members: BTreeSet<#t> = members.into_iter().collect();
                    self.0.delete_from_set(#path, &members);
                    self
                }
            });
        }
        Type::Map(inner) => {
            let t = cx.rust_type(inner);
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
