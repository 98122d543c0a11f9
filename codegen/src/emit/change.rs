//! The table's change enum: one variant per entity for its DynamoDB Streams records.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Cx, doc, ident};

/// `pub enum TrackerChange { User(Change<User>), .., Unknown(ChangeRecord) }` and its
/// `TableChange` impl: one variant, one doc line and one match arm per entity; the decoding
/// itself is the runtime's.
pub(super) fn emit(cx: &Cx) -> TokenStream {
    let model = cx.model;
    let name = ident(&model.change_type_name());
    let table = &model.table.name;
    let variants = model.entities.iter().map(|e| {
        let variant = ident(&e.rust_name);
        let docs = doc(&format!("A change to a `{}` item.", e.name));
        quote! { #docs #variant(stream::Change<#variant>), }
    });
    let arms = model.entities.iter().map(|e| {
        let variant = ident(&e.rust_name);
        let stored = &e.name;
        quote! { Some(#stored) => stream::Change::decode(record).map(Self::#variant), }
    });
    let docs = doc(&format!(
        "One DynamoDB Streams record of the `{table}` table, decoded: the entity its images' \
         type attribute names, with typed old and new images.\n\nRead them with \
         `StreamReader::changes::<{name}>()` or `stream::lambda::changes_from_json`. A record \
         of no entity of this schema, or without images (a `KEYS_ONLY` stream), is `Unknown`."
    ));
    quote! {
        #docs
        // An entity's variant holds two values of it; a change is moved once per record, so
        // it is not boxed.
        #[allow(clippy::large_enum_variant)]
        #[derive(Debug, Clone, PartialEq)]
        pub enum #name {
            #(#variants)*
            /// A record of no entity of this schema, as read.
            Unknown(stream::ChangeRecord),
        }
        impl stream::TableChange for #name {
            const TYPE_ATTRIBUTE: &'static str = TYPE_ATTRIBUTE;
            fn decode_as(
                entity: Option<&str>,
                record: stream::ChangeRecord,
            ) -> ::core::result::Result<Self, stream::RecordError> {
                match entity {
                    #(#arms)*
                    _ => Ok(Self::Unknown(record)),
                }
            }
        }
    }
}
