//! The update builder of an entity (`User::update()`): a method per change the schema
//! allows. Setters exist only for attributes an update may change: never for key fields,
//! `auto` or `version` attributes; an `immutable` attribute gets only `set_x_if_not_exists`,
//! so an upsert can write it once. A setter of a field that feeds an index key takes the
//! template's other fields as arguments (not the primary key's: those come from the update's
//! key) and records them as given values; the runtime rebuilds the key from the item's values
//! when the request is built and makes the write conditional on the given values being
//! stored. For a sparse index both key attributes are written or removed together.
//!
//! Each entity with something to check gets `XUpdate::RULES` (`singletable::UpdateRules`):
//! its required attributes and encoded defaults for upserts, and one function per group of
//! index keys building them from the item's values.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::fields::is_fixed;
use super::keys::{key_fn, param_type};
use super::values::default_expr;
use super::{Cx, base, doc, ident};
use crate::ast::Auto;
use crate::model::{Attribute, DefaultValue, Entity, Key, Template, TemplateField, Type, Value};

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

/// Index key attributes rewritten together: both of a sparse index (they appear and
/// disappear together), else one template. The runtime rebuilds a group from the item's
/// values whenever an update changes one of its fields.
struct Group<'a> {
    key: &'a Key,
    templates: Vec<&'a Template>,
    /// The generated function building the group's keys.
    build: Ident,
}

impl Group<'_> {
    fn uses(&self, name: &str) -> bool {
        self.templates.iter().any(|t| t.uses(name))
    }

    /// The fields the group is built from that are not fields of the primary key, each once.
    fn fields<'e>(&'e self, e: &'e Entity) -> Vec<&'e TemplateField> {
        let mut out: Vec<&TemplateField> = Vec::new();
        for f in self.templates.iter().flat_map(|t| t.fields()) {
            if !e.is_key_field(&f.name) && !out.iter().any(|o| o.name == f.name) {
                out.push(f);
            }
        }
        out
    }
}

/// Every group of `e`'s secondary index keys built from attributes an update can change.
fn groups(e: &Entity) -> Vec<Group<'_>> {
    let mut out = Vec::new();
    for key in e.keys.iter().filter(|k| !k.is_primary()) {
        let templates: Vec<&Template> = key.written_templates().collect();
        let changeable = |t: &&Template| t.fields().any(|f| !e.is_key_field(&f.name));
        if key.is_sparse() {
            let index = crate::names::snake(&key.index).unwrap_or_default();
            out.push(Group {
                key,
                build: format_ident!("{index}_keys"),
                templates,
            });
        } else {
            out.extend(templates.into_iter().filter(changeable).map(|t| Group {
                key,
                build: key_fn(key, t),
                templates: vec![t],
            }));
        }
    }
    out
}

/// The stored name of the attribute called `name`.
fn stored_name<'e>(e: &'e Entity, name: &'e str) -> &'e str {
    e.attribute(name).map_or(name, |a| a.stored_name.as_str())
}

/// The function building one group's keys from the item's values (`IndexRule::build`).
fn emit_group(e: &Entity, g: &Group) -> TokenStream {
    let entity = ident(&e.rust_name);
    let build = &g.build;
    // A sparse group is written only while every optional field is present.
    let mut optional: Vec<&TemplateField> = Vec::new();
    for f in g.templates.iter().flat_map(|t| t.fields()) {
        if f.optional && !optional.iter().any(|o| o.name == f.name) {
            optional.push(f);
        }
    }
    let bindings = optional.iter().map(|f| {
        let id = ident(&f.rust_name);
        let attr = stored_name(e, &f.name);
        let ty = param_type_owned(f);
        quote! { let Some(#id) = v.optional::<#ty>(#attr)? else { return Ok(()); }; }
    });
    let writes = g.templates.iter().map(|t| {
        let func = key_fn(g.key, t);
        let args = t.fields().map(|f| {
            let attr = stored_name(e, &f.name);
            let string = f.ty == Type::String;
            match (f.optional, string) {
                (true, true) => {
                    let id = ident(&f.rust_name);
                    quote! { &#id }
                }
                (true, false) => {
                    let id = ident(&f.rust_name);
                    quote! { #id }
                }
                (false, true) => quote! { &v.get::<String>(#attr)? },
                (false, false) => quote! { v.get(#attr)? },
            }
        });
        quote! { v.key(#entity::#func(#(#args),*)); }
    });
    let docs = doc(&format!(
        "Builds {} of index `{}` from the item's values.",
        g.templates
            .iter()
            .map(|t| format!("`{}` (`{}`)", t.attribute, t.text))
            .collect::<Vec<_>>()
            .join(" and "),
        g.key.index
    ));
    quote! {
        #docs
        fn #build(v: &mut IndexKeys<'_>) -> Result<()> {
            #(#bindings)*
            #(#writes)*
            Ok(())
        }
    }
}

/// The owned Rust type an index key field decodes to.
fn param_type_owned(f: &TemplateField) -> TokenStream {
    match f.ty {
        Type::String => quote! { String },
        _ => quote! { _ },
    }
}

/// `const RULES` and its functions: what the runtime checks and completes when an update
/// is sent. `None` when the entity has nothing to say (no required attribute, no default,
/// no index built from changeable attributes).
fn emit_rules(cx: &Cx, e: &Entity) -> Option<TokenStream> {
    let own = |a: &&Attribute| a.auto.is_none() && !a.version && !e.is_key_field(&a.name);
    let required: Vec<&str> = e
        .attributes
        .iter()
        .filter(own)
        .filter(|a| !a.optional && a.default.is_none())
        .map(|a| a.stored_name.as_str())
        .collect();
    let defaults: Vec<TokenStream> = e
        .attributes
        .iter()
        .filter(own)
        .filter_map(|a| a.default.as_ref().map(|d| (a, d)))
        .filter_map(|(a, d)| default_put(cx, a, d))
        .collect();
    let groups = groups(e);
    if required.is_empty() && defaults.is_empty() && groups.is_empty() {
        return None;
    }
    let (defaults_fn, defaults_ref) = if defaults.is_empty() {
        (quote! {}, quote! { Defaults::none })
    } else {
        let docs = doc("Writes the encoded default of each attribute that has one.");
        (
            quote! {
                #docs
                fn defaults(d: &mut Defaults) {
                    #(#defaults)*
                }
            },
            quote! { Self::defaults },
        )
    };
    let rules = groups.iter().map(|g| {
        let name = &g.key.index;
        let fields = g.fields(e);
        let fields = fields.iter().map(|f| stored_name(e, &f.name));
        let keys = g.templates.iter().map(|t| &t.attribute);
        let build = &g.build;
        quote! {
            IndexRule { name: #name, fields: &[#(#fields),*], keys: &[#(#keys),*], build: Self::#build }
        }
    });
    let builds = groups.iter().map(|g| emit_group(e, g));
    let docs = doc(&format!(
        "What an update of a `{}` needs: the attributes an upsert must set, the defaults it \
         fills, and how index keys are rebuilt from the item's values.",
        e.name
    ));
    Some(quote! {
        #docs
        const RULES: UpdateRules = UpdateRules {
            required: &[#(#required),*],
            defaults: #defaults_ref,
            indexes: &[#(#rules),*],
        };
        #defaults_fn
        #(#builds)*
    })
}

/// `d.put("attr", &value);` for a default an upsert fills; `None` for one that stores
/// nothing (`null`, an empty set).
fn default_put(cx: &Cx, a: &Attribute, d: &DefaultValue) -> Option<TokenStream> {
    let stored = &a.stored_name;
    match d {
        DefaultValue::Value(Value::Null) => return None,
        DefaultValue::Value(Value::Set(l)) if l.is_empty() => return None,
        _ => {}
    }
    let value = default_expr(a, d);
    Some(match (&a.ty, a.optional) {
        (Type::Ttl, false) => quote! { d.put(#stored, &Expiry(#value)); },
        (Type::Ttl, true) => quote! { d.put(#stored, &#value.map(Expiry)); },
        (ty, optional) => {
            let t = cx.rust_type(ty);
            let t = if optional {
                quote! { Option<#t> }
            } else {
                t
            };
            quote! { d.put::<#t>(#stored, &#value); }
        }
    })
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

    // The constructor: refresh `auto: updated` (the runtime rebuilds keys built from it),
    // keep `auto: created`, bump the version.
    let mut init = Vec::new();
    let mut notes = Vec::new();
    for a in &e.attributes {
        let stored = &a.stored_name;
        if a.auto == Some(Auto::Updated) {
            notes.push(format!("sets `{}` to now", a.name));
            init.push(quote! { u.set(Path::attr(#stored), &now); });
        } else if a.auto == Some(Auto::Created) {
            notes.push(format!("writes `{}` only if the item has none", a.name));
            init.push(quote! { u.set_if_not_exists(Path::attr(#stored), &now); });
        } else if a.version {
            notes.push(format!("increments `{}`", a.name));
            init.push(quote! { u.add(Path::attr(#stored), 1i64); });
        }
    }
    let rules = emit_rules(cx, e);
    let new = if rules.is_some() {
        quote! { Update::with_rules(&#update_name::RULES) }
    } else {
        quote! { Update::new() }
    };
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
            "Applies only if the stored `{}`{} is `version` (optimistic locking); otherwise \
             [`Error::ConditionFailed`](Error::ConditionFailed).",
            a.name,
            cx.at(a.line)
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
                #mut_u = #new;
                #now
                #(#init)*
                #update_name(u)
            }
        }

        impl #update_name {
            #rules
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
    let name = base(&a.rust_name);
    let stored = &a.stored_name;
    let value = ident(&a.rust_name);
    let path = quote! { Path::attr(#stored) };
    let at = cx.at(a.line);
    let groups: Vec<Group> = groups(e).into_iter().filter(|g| g.uses(&a.name)).collect();
    let feeds_index = !groups.is_empty();
    let set = format_ident!("set_{name}");
    let mut out = TokenStream::new();

    // Parameters: the value, then the other fields of the rewritten keys; the primary key's
    // fields come from the update's key and `auto: updated` from its timestamp.
    let mut extra: Vec<&TemplateField> = Vec::new();
    for f in groups.iter().flat_map(|g| g.fields(e)) {
        let is_updated = updated.iter().any(|u| u.name == f.name);
        if f.name != a.name && !is_updated && !extra.iter().any(|x| x.name == f.name) {
            extra.push(f);
        }
    }
    let extra_params: Vec<TokenStream> = extra
        .iter()
        .map(|f| {
            let arg = key_arg_of(cx, &f.rust_name, &f.ty);
            let (n, t) = (arg.name, arg.param);
            if f.optional {
                quote! { #n: Option<#t> }
            } else {
                quote! { #n: #t }
            }
        })
        .collect();
    // Each given value: the update applies only while it is stored.
    let given: Vec<TokenStream> = extra
        .iter()
        .map(|f| {
            let id = ident(&f.rust_name);
            let attr = stored_name(e, &f.name);
            let v = match (&f.ty, f.optional) {
                (Type::String, true) => quote! { &#id.map(str::to_owned) },
                (Type::String, false) => quote! { &#id.to_owned() },
                _ => quote! { &#id },
            };
            quote! { self.0.given(#attr, #v); }
        })
        .collect();

    let index_doc = if feeds_index {
        let list: Vec<String> = groups
            .iter()
            .flat_map(|g| {
                g.templates.iter().map(move |t| {
                    format!("`{}` (`{}`, index `{}`)", t.attribute, t.text, g.key.index)
                })
            })
            .collect();
        let names: Vec<String> = extra.iter().map(|f| format!("`{}`", f.name)).collect();
        let absent = if extra.iter().any(|f| f.optional) {
            " (`None`: absent)"
        } else {
            ""
        };
        let guard = match names.as_slice() {
            [] => String::new(),
            [one] => format!(
                " The other argument is the stored {one}{absent}: the update applies only \
                 while it is, else [`Error::ConditionFailed`](Error::ConditionFailed) names it."
            ),
            many => format!(
                " The other arguments are the stored {}{absent}: the update applies only \
                 while they are, else [`Error::ConditionFailed`](Error::ConditionFailed) \
                 names the ones that are not.",
                many.join(" and ")
            ),
        };
        format!(" Also rewrites {}.{guard}", list.join(", "))
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
            "Sets `{}`{at} only if it is not stored yet. It is `immutable`: an update can write \
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
    let set_doc = doc(&format!("Sets `{}`{at}.{index_doc}", a.name));
    out.extend(quote! {
        #set_doc
        pub fn #set(mut self, #param #(, #extra_params)*) -> Self {
            #bind
            self.0.set(#path, #stored_value);
            #(#given)*
            self
        }
    });

    if a.optional {
        let remove = format_ident!("remove_{name}");
        let docs = doc(&format!(
            "Removes `{}`{at}.{}",
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
    let docs = doc(&format!(
        "Sets `{}`{at} only if it is not stored yet.",
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

    match &a.ty {
        Type::Integer | Type::Float => {
            let t = cx.rust_type(&a.ty);
            let add = format_ident!("add_{name}");
            let subtract = format_ident!("subtract_{name}");
            let add_field = format_ident!("add_{name}_by_field");
            let subtract_field = format_ident!("subtract_{name}_by_field");
            let docs = [
                doc(&format!(
                    "Adds `n` to `{}`{at} (a missing value counts as 0).",
                    a.name
                )),
                doc(&format!(
                    "Subtracts `n` from `{}`{at} (a missing value counts as 0).",
                    a.name
                )),
                doc(&format!(
                    "Adds the value of another attribute of the item to `{}`{at}.",
                    a.name
                )),
                doc(&format!(
                    "Subtracts the value of another attribute of the item from `{}`{at}.",
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
                    "Appends elements to `{}`{at} (created if missing).",
                    a.name
                )),
                doc(&format!(
                    "Prepends elements to `{}`{at} (created if missing).",
                    a.name
                )),
                doc(&format!(
                    "Replaces the element at `index` of `{}`{at}.",
                    a.name
                )),
                doc(&format!(
                    "Removes the element at `index` of `{}`{at}; later elements move up.",
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
                "Adds members to the set `{}`{at} (created if missing).",
                a.name
            ));
            let d1 = doc(&format!("Deletes members from the set `{}`{at}.", a.name));
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
                "Sets the entry `key` of the map `{}`{at} (the map must exist).",
                a.name
            ));
            let d1 = doc(&format!(
                "Removes the entry `key` of the map `{}`{at}.",
                a.name
            ));
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
