//! `codegen migration OLD NEW`: a Rust module performing the stored-data part of a schema
//! change, compiled against the new schema's generated code and run by
//! `singletable::migrate::Runner`.
//!
//! Every entity whose keys, index conditions or stored attribute names changed is rewritten
//! from its stored items: attributes renamed, then decoded and encoded again with the new
//! schema, which recomputes every key and derived segment (backfills included) and moves
//! items whose primary key changed. Changes a migration cannot decide by itself (a removed
//! enum value, a changed type) are listed in the module's doc for a hand-written step.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::diff::{Change, Kind, diff};
use crate::model::{Model, Type, TypeKind};

/// Whether a generated migration performs changes of `kind` (the others need a step of
/// their own).
pub fn performs(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::KeyChanged
            | Kind::KeyAdded
            | Kind::WhenChanged
            | Kind::AttributeRenamed
            | Kind::EnumValueRenamed
    )
}

/// The enum value renames the change performs: per enum type, `(old, new)` stored values.
fn value_renames<'m>(old: &Model, new: &'m Model) -> Vec<(&'m str, Vec<(&'m str, &'m str)>)> {
    new.types
        .iter()
        .filter_map(|t| {
            let before = old.types.iter().find(|o| o.name == t.name)?;
            let TypeKind::Enum(had) = &before.kind else {
                return None;
            };
            let renames: Vec<(&str, &str)> = t
                .was
                .iter()
                .filter(|(o, _)| had.iter().any(|(s, _)| s == o))
                .map(|(o, n)| (o.as_str(), n.as_str()))
                .collect();
            (!renames.is_empty()).then_some((t.name.as_str(), renames))
        })
        .collect()
}

/// The migration module from `old` (named `old_name`) to `new` (named `new_name`).
pub fn migration(
    old: &Model,
    new: &Model,
    old_name: &str,
    new_name: &str,
) -> Result<String, String> {
    let changes = diff(old, new);
    let renamed_values = value_renames(old, new);
    // Each entity's attributes holding a renamed enum value, with the renames.
    let value_maps = |e: &crate::model::Entity| -> Vec<TokenStream> {
        e.attributes
            .iter()
            .filter_map(|a| {
                let Type::Enum(name) = &a.ty else {
                    return None;
                };
                let (_, renames) = renamed_values.iter().find(|(t, _)| t == name)?;
                let stored = &a.stored_name;
                let pairs = renames.iter().map(|(o, n)| quote! { (#o, #n) });
                Some(quote! { (#stored, &[#(#pairs),*]) })
            })
            .collect()
    };
    let rewritten = |e: &crate::model::Entity| {
        !value_maps(e).is_empty()
            || changes
                .iter()
                .any(|c| performs(c.kind) && c.path.starts_with(&format!("entities.{}.", e.name)))
    };
    let mut rewrites = Vec::new();
    let arms = new.entities.iter().filter(|e| rewritten(e)).map(|e| {
        let name = &e.name;
        let ty = format_ident!("{}", e.rust_name);
        let renames = e.attributes.iter().filter_map(|a| {
            let before = old.entity(&e.name)?.attribute(&a.name)?;
            (before.stored_name != a.stored_name).then(|| {
                let (from, to) = (&before.stored_name, &a.stored_name);
                quote! { (#from, #to) }
            })
        });
        let values = value_maps(e);
        // Stored names in both versions: a writer of either may set them during the run.
        let mut attributes: Vec<&str> = e
            .attributes
            .iter()
            .map(|a| a.stored_name.as_str())
            .collect();
        for a in old.entity(&e.name).into_iter().flat_map(|o| &o.attributes) {
            if !attributes.contains(&a.stored_name.as_str()) {
                attributes.push(&a.stored_name);
            }
        }
        let mut what: Vec<String> = changes
            .iter()
            .filter(|c| c.path.starts_with(&format!("entities.{name}.")))
            .map(|c| format!("{} ({})", c.path, c.kind.code()))
            .collect();
        if !values.is_empty() {
            what.push("renamed enum values (enum-value-renamed)".to_owned());
        }
        rewrites.push(format!(" - `{name}`: {}", what.join(", ")));
        quote! {
            Some(#name) => rewrite::<#ty>(
                item,
                &[#(#attributes),*],
                &[#(#renames),*],
                &[#(#values),*],
                Self::KEY,
            ),
        }
    });
    let arms: Vec<TokenStream> = arms.collect();
    let manual: Vec<&Change> = changes
        .iter()
        .filter(|c| {
            matches!(
                c.kind,
                Kind::EnumValueRemoved
                    | Kind::AttributeTypeChanged
                    | Kind::AttributeRequired
                    | Kind::EntityRemoved
                    | Kind::UniqueAdded
                    | Kind::TableChanged
                    | Kind::ProjectionNarrowed
            )
        })
        .collect();
    let mut docs = vec![
        format!(" The stored-data migration from `{old_name}` to `{new_name}`."),
        String::new(),
        " Run it with `singletable::migrate::Runner`. Items of the entities below are read, \
         rewritten in the new layout and written back only if unchanged since they were read:"
            .to_owned(),
    ];
    docs.extend(rewrites);
    if !manual.is_empty() {
        docs.push(String::new());
        docs.push(" Not done here (each needs a decision or a step of its own):".to_owned());
        docs.extend(
            manual
                .iter()
                .map(|c| format!(" - {} ({}): {}", c.path, c.kind.code(), c.help)),
        );
    }
    let t = &new.table;
    let type_attribute = &t.type_attribute;
    let pk = &t.partition_key;
    let sk = match &t.sort_key {
        Some(s) => quote! { Some(#s) },
        None => quote! { None },
    };
    let label = format!("{old_name} -> {new_name}");
    let tokens: TokenStream = quote! {
        #(#[doc = #docs])*
        #[derive(Debug, Clone, Copy, Default)]
        pub struct Migrate;

        impl ::singletable::migrate::Migration for Migrate {
            const NAME: &'static str = #label;
            const KEY: (&'static str, Option<&'static str>) = (#pk, #sk);

            fn step(
                &self,
                item: &::singletable::Item,
            ) -> ::singletable::Result<::singletable::migrate::Step> {
                use ::singletable::migrate::{Step, rewrite};
                match item.get(#type_attribute).and_then(|v| v.as_s().ok()).map(String::as_str) {
                    #(#arms)*
                    _ => Ok(Step::Unchanged),
                }
            }
        }
    };
    let file = syn::parse2::<syn::File>(tokens).map_err(|e| format!("migration code: {e}"))?;
    Ok(format!(
        "// @generated by singletable codegen {}: the migration from {old_name} to {new_name}.\n\
         // Do not edit by hand; regenerate with `codegen migration`.\n\n{}",
        env!("CARGO_PKG_VERSION"),
        prettyplease::unparse(&file)
    ))
}
