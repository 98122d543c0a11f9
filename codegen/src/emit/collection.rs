//! Item collections (`entities: [..]`): entities sharing a partition, read in one query.
//! Generates an item enum, a grouped struct (`OrgOverview`) and its `query` function.

use heck::ToUpperCamelCase;
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::query::{index_clause, partition_call, pattern_doc, pattern_params, shards_clause};
use super::{Cx, doc, ident};
use crate::ast::Order;
use crate::model::{AccessPattern, Entity};

/// The field name of an entity's items in the grouped struct (`users`, `invites`).
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

/// An item collection pattern.
pub(super) fn emit(cx: &Cx, p: &AccessPattern, names: &[String]) -> TokenStream {
    let entities: Vec<&Entity> = names.iter().filter_map(|n| cx.model.entity(n)).collect();
    let Some(first) = entities.first() else {
        return TokenStream::new();
    };
    let base = p.name.to_upper_camel_case();
    let group = format_ident!("{}", base);
    let item_enum = format_ident!("{}Item", base);
    let tag = &p.name;
    let docs = doc(&pattern_doc(cx, p));
    let params = pattern_params(cx, p);
    let partition = partition_call(first, p);
    let index = index_clause(p);
    let shards = shards_clause(cx, first, p);
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
    let part_types: Vec<TokenStream> = variants
        .iter()
        .zip(&single)
        .map(|(ty, one)| {
            if *one {
                quote! { Option<#ty> }
            } else {
                quote! { Vec<#ty> }
            }
        })
        .collect();
    let group_fields = entities
        .iter()
        .zip(&single)
        .zip(&field_names)
        .zip(&part_types)
        .map(|(((e, one), f), ty)| {
            let d = doc(&format!(
                "The `{}` item{}.",
                e.name,
                if *one { ", if any" } else { "s, in key order" }
            ));
            quote! { #d pub #f: #ty }
        });
    let pushes = variants
        .iter()
        .zip(&single)
        .zip(&field_names)
        .map(|((v, one), f)| {
            if *one {
                quote! { #item_enum::#v(x) => group.#f = Some(x), }
            } else {
                quote! { #item_enum::#v(x) => group.#f.push(x), }
            }
        });
    let variant_docs = entity_names.iter().map(|n| doc(&format!("A `{n}` item.")));
    let reads = if p.strong_reads() {
        quote! { Strong }
    } else {
        quote! { Eventual }
    };
    let count = entities.len();
    let group_doc = doc(&format!(
        "The item collection `{}`: {} sharing one partition.",
        p.name,
        entity_names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", "),
    ));
    let item_doc = doc(&format!("One item of the `{}` collection.", p.name));
    quote! {
        #item_doc
        #[derive(Debug, Clone, PartialEq)]
        pub enum #item_enum {
            #( #variant_docs #variants(#variants), )*
        }

        impl #item_enum {
            fn decode(item: Item) -> Result<Option<Self>> {
                match item.get(TYPE_ATTRIBUTE).and_then(|v| v.as_s().ok()).map(String::as_str) {
                    #( Some(#entity_names) => #variants::from_item(item).map(|x| Some(Self::#variants(x))), )*
                    _ => Ok(None),
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
            pub fn query(#(#params),*) -> QueryBuilder<Plain<#item_enum, #group, #reads>> {
                static TYPES: [&str; #count] = [#(#entity_names),*];
                let query = Query::collection(#tag, #base, #partition, &TYPES, #item_enum::decode);
                QueryBuilder::new(Plain::new(query #index #shards #order))
            }

            /// The parts, in the order the collection lists its entities.
            pub fn into_parts(self) -> (#(#part_types),*) {
                (#(self.#field_names),*)
            }
        }

        impl Collect<#item_enum> for #group {
            fn collect(items: Vec<#item_enum>) -> Self {
                let mut group = Self::default();
                for item in items {
                    match item { #(#pushes)* }
                }
                group
            }
        }
    }
}
