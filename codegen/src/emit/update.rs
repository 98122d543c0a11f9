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
use super::keys::{derived, key_fn, param_type};
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
            || self.key.when.as_ref().is_some_and(|w| w.field.name == name)
    }

    /// The fields the group is built from (its `when` attribute included) that are not
    /// fields of the primary key, each once.
    fn fields<'e>(&'e self, e: &'e Entity) -> Vec<&'e TemplateField> {
        let mut out: Vec<&TemplateField> = Vec::new();
        let when = self.key.when.as_ref().map(|w| &w.field);
        for f in self.templates.iter().flat_map(|t| t.fields()).chain(when) {
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
fn emit_group(cx: &Cx, e: &Entity, g: &Group) -> TokenStream {
    let entity = ident(&e.rust_name);
    let build = &g.build;
    // A conditional index is written only while its `when` holds.
    let condition = g.key.when.as_ref().map(|w| {
        let attr = stored_name(e, &w.field.name);
        let ty = cx.rust_type(&w.field.ty);
        let f = ident(&w.field.rust_name);
        let holds = super::codec::when_holds(cx, w, quote! { #f });
        quote! {
            let #f: #ty = v.get(#attr)?;
            if !#holds { return Ok(()); }
        }
    });
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
        let ty = match (f.derive, &f.ty) {
            (None, _) | (_, Type::String) => param_type_owned(f),
            (Some(_), ty) => cx.rust_type(ty),
        };
        quote! { let Some(#id) = v.optional::<#ty>(#attr)? else { return Ok(()); }; }
    });
    let writes = g.templates.iter().map(|t| {
        let func = key_fn(g.key, t);
        let args = t.fields().map(|f| {
            let attr = stored_name(e, &f.name);
            let string = f.ty == Type::String;
            let source = match (f.optional, string) {
                (true, true) => {
                    let id = ident(&f.rust_name);
                    quote! { &#id }
                }
                (true, false) => {
                    let id = ident(&f.rust_name);
                    quote! { #id }
                }
                (false, true) => quote! { &v.get::<String>(#attr)? },
                (false, false) if f.derive.is_some() => {
                    let ty = cx.rust_type(&f.ty);
                    quote! { v.get::<#ty>(#attr)? }
                }
                (false, false) => quote! { v.get(#attr)? },
            };
            derived(f, source)
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
            #condition
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
    let builds = groups.iter().map(|g| emit_group(cx, e, g));
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

        impl_update!(#update_name => #entity);
    }
}

/// One setter: `doc`, then `pub fn name(self, params) -> Self` whose body applies the
/// `changes` (calls on `u: &mut Update<E>`) in one expression.
fn setter(
    doc_text: String,
    name: Ident,
    params: TokenStream,
    changes: Vec<TokenStream>,
) -> TokenStream {
    let docs = doc(&doc_text);
    let body = match changes.as_slice() {
        [one] => quote! { #one },
        many => quote! { { #(#many;)* } },
    };
    quote! {
        #docs
        pub fn #name(self, #params) -> Self {
            self.with(|u| #body)
        }
    }
}

/// What a setter of a field feeding index keys also takes: the other fields of those keys
/// (the primary key's come from the update's key, `auto: updated` from its timestamp), as
/// parameters and as `given` statements, and the doc sentence saying so.
struct Extra {
    params: Vec<TokenStream>,
    given: Vec<TokenStream>,
    doc: String,
}

fn extra(cx: &Cx, e: &Entity, a: &Attribute, updated: &[&Attribute]) -> Extra {
    let groups: Vec<Group> = groups(e).into_iter().filter(|g| g.uses(&a.name)).collect();
    let mut fields: Vec<&TemplateField> = Vec::new();
    for f in groups.iter().flat_map(|g| g.fields(e)) {
        let is_updated = updated.iter().any(|u| u.name == f.name);
        if f.name != a.name && !is_updated && !fields.iter().any(|x| x.name == f.name) {
            fields.push(f);
        }
    }
    let params = fields
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
    let given: Vec<TokenStream> = fields
        .iter()
        .map(|f| {
            let id = ident(&f.rust_name);
            let attr = stored_name(e, &f.name);
            let v = match (&f.ty, f.optional) {
                (Type::String, true) => quote! { &#id.map(str::to_owned) },
                (Type::String, false) => quote! { &#id.to_owned() },
                _ => quote! { &#id },
            };
            quote! { u.given(#attr, #v) }
        })
        .collect();
    if groups.is_empty() {
        return Extra {
            params,
            given,
            doc: String::new(),
        };
    }
    let list: Vec<String> = groups
        .iter()
        .flat_map(|g| {
            g.templates
                .iter()
                .map(move |t| format!("`{}` (`{}`, index `{}`)", t.attribute, t.text, g.key.index))
        })
        .collect();
    let names: Vec<String> = fields.iter().map(|f| format!("`{}`", f.name)).collect();
    let absent = if fields.iter().any(|f| f.optional) {
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
    let conditions = groups
        .iter()
        .any(|g| g.key.when.as_ref().is_some_and(|w| w.field.name == a.name));
    let verb = if conditions {
        "Also writes (while the index's `when` holds) or removes"
    } else {
        "Also rewrites"
    };
    Extra {
        params,
        given,
        doc: format!(" {verb} {}.{guard}", list.join(", ")),
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
    let extra = extra(cx, e, a, updated);
    let feeds_index = !extra.doc.is_empty();
    let (param, stored_value) = match &a.ty {
        Type::String => (
            quote! { #value: impl Into<String> },
            quote! { &#value.into() },
        ),
        Type::Ttl => (quote! { #value: DateTime<Utc> }, quote! { &Expiry(#value) }),
        ty => {
            let t = cx.rust_type(ty);
            (quote! { #value: #t }, quote! { &#value })
        }
    };
    // A string value is converted where it is stored: name its type there.
    let typed = match &a.ty {
        Type::String => quote! { ::<String> },
        _ => TokenStream::new(),
    };
    let if_not_exists = setter(
        if write_once {
            format!(
                "Sets `{}`{at} only if it is not stored yet. It is `immutable`: an update can \
                 write it once (for example on an upsert) and never change it.",
                a.name
            )
        } else {
            format!("Sets `{}`{at} only if it is not stored yet.", a.name)
        },
        format_ident!("set_{name}_if_not_exists"),
        param.clone(),
        vec![quote! { u.set_if_not_exists #typed (#path, #stored_value) }],
    );
    if write_once {
        // A key built from it could not be written without the value, so none is offered.
        return if feeds_index {
            TokenStream::new()
        } else {
            if_not_exists
        };
    }
    let Extra {
        params,
        given,
        doc: index_doc,
    } = extra;
    let mut out = setter(
        format!("Sets `{}`{at}.{index_doc}", a.name),
        format_ident!("set_{name}"),
        quote! { #param #(, #params)* },
        std::iter::once(quote! { u.set #typed (#path, #stored_value) })
            .chain(given)
            .collect(),
    );
    if a.optional {
        let also = if feeds_index {
            " Also removes the keys of the sparse indexes built from it."
        } else {
            ""
        };
        out.extend(setter(
            format!("Removes `{}`{at}.{also}", a.name),
            format_ident!("remove_{name}"),
            TokenStream::new(),
            vec![quote! { u.remove(#path) }],
        ));
    }
    // Everything below changes the value in DynamoDB without the writer knowing the result,
    // so it is offered only for attributes no key is built from.
    if !feeds_index {
        out.extend(if_not_exists);
        out.extend(operations(cx, a, name, &path, &at));
    }
    out
}

/// The type-specific changes: arithmetic, list, set and map operations.
fn operations(cx: &Cx, a: &Attribute, name: &str, path: &TokenStream, at: &str) -> TokenStream {
    let n = &a.name;
    let m = |op: &str| format_ident!("{}", op.replace('*', name));
    let ops: Vec<(String, Ident, TokenStream, Vec<TokenStream>)> = match &a.ty {
        Type::Integer | Type::Float => {
            let t = cx.rust_type(&a.ty);
            vec![
                (
                    format!("Adds `n` to `{n}`{at} (a missing value counts as 0)."),
                    m("add_*"),
                    quote! { n: #t },
                    vec![quote! { u.add(#path, n) }],
                ),
                (
                    format!("Subtracts `n` from `{n}`{at} (a missing value counts as 0)."),
                    m("subtract_*"),
                    quote! { n: #t },
                    vec![quote! { u.subtract(#path, n) }],
                ),
                (
                    format!("Adds the value of another attribute of the item to `{n}`{at}."),
                    m("add_*_by_field"),
                    quote! { other: Field<#t, impl Sized> },
                    vec![quote! { u.add_field(#path, other.path().clone()) }],
                ),
                (
                    format!("Subtracts the value of another attribute of the item from `{n}`{at}."),
                    m("subtract_*_by_field"),
                    quote! { other: Field<#t, impl Sized> },
                    vec![quote! { u.subtract_field(#path, other.path().clone()) }],
                ),
            ]
        }
        Type::List(inner) => {
            let t = cx.rust_type(inner);
            let values = quote! { &values.into_iter().collect::<Vec<_>>() };
            vec![
                (
                    format!("Appends elements to `{n}`{at} (created if missing)."),
                    m("append_*"),
                    quote! { values: impl IntoIterator<Item = #t> },
                    vec![quote! { u.list_append(#path, #values, false) }],
                ),
                (
                    format!("Prepends elements to `{n}`{at} (created if missing)."),
                    m("prepend_*"),
                    quote! { values: impl IntoIterator<Item = #t> },
                    vec![quote! { u.list_append(#path, #values, true) }],
                ),
                (
                    format!("Replaces the element at `index` of `{n}`{at}."),
                    m("set_*_at"),
                    quote! { index: usize, value: #t },
                    vec![quote! { u.set(#path.index(index), &value) }],
                ),
                (
                    format!("Removes the element at `index` of `{n}`{at}; later elements move up."),
                    m("remove_*_at"),
                    quote! { index: usize },
                    vec![quote! { u.remove(#path.index(index)) }],
                ),
            ]
        }
        Type::Set(inner) => {
            let t = cx.rust_type(inner);
            let members = quote! { &members.into_iter().collect::<BTreeSet<_>>() };
            vec![
                (
                    format!("Adds members to the set `{n}`{at} (created if missing)."),
                    m("add_*"),
                    quote! { members: impl IntoIterator<Item = #t> },
                    vec![quote! { u.add_to_set(#path, #members) }],
                ),
                (
                    format!("Deletes members from the set `{n}`{at}."),
                    m("delete_*"),
                    quote! { members: impl IntoIterator<Item = #t> },
                    vec![quote! { u.delete_from_set(#path, #members) }],
                ),
            ]
        }
        Type::Map(inner) => {
            let t = cx.rust_type(inner);
            vec![
                (
                    format!("Sets the entry `key` of the map `{n}`{at} (the map must exist)."),
                    m("set_*_entry"),
                    quote! { key: &str, value: #t },
                    vec![quote! { u.set(#path.field(key), &value) }],
                ),
                (
                    format!("Removes the entry `key` of the map `{n}`{at}."),
                    m("remove_*_entry"),
                    quote! { key: &str },
                    vec![quote! { u.remove(#path.field(key)) }],
                ),
            ]
        }
        _ => Vec::new(),
    };
    ops.into_iter()
        .map(|(d, name, params, change)| setter(d, name, params, change))
        .collect()
}
