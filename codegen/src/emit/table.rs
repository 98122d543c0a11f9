//! The table definition: `TABLE`, what `Table::create_table` creates.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Cx, doc, opt_str};
use crate::ast::Projection;
use crate::model::{IndexKind, KeyScalar};

/// `pub const TABLE: TableDefinition`.
pub(super) fn emit(cx: &Cx) -> TokenStream {
    let t = &cx.model.table;
    let name = &t.name;
    let pk = &t.partition_key;
    let sk = opt_str(t.sort_key.as_deref());
    let type_attribute = &t.type_attribute;
    let ttl = opt_str(t.ttl_attribute.as_deref());
    let stream = match t.stream {
        Some(view) => {
            let variant = quote::format_ident!("{}", view.variant());
            quote! { Some(StreamView::#variant) }
        }
        None => quote! { None },
    };
    let indexes = t.indexes.iter().map(|i| {
        let name = &i.name;
        let ipk = &i.partition_key;
        let isk = opt_str(i.sort_key.as_deref());
        let local = i.kind == IndexKind::Local;
        let projection = match &i.projection {
            Projection::All => quote! { Projection::All },
            Projection::KeysOnly => quote! { Projection::KeysOnly },
            Projection::Include(_) => {
                // The type attribute is always projected so queries can select one entity.
                let attrs = cx.model.included_attributes(i).unwrap_or_default();
                quote! { Projection::Include(&[#(#attrs),*]) }
            }
        };
        if let Some((partition, sort)) = &i.multi {
            // Each attribute's stored type, from an entity keyed on the index.
            let scalar = |attr: &String| match cx.model.key_scalar(i, attr) {
                KeyScalar::N => quote! { KeyScalar::N },
                KeyScalar::B => quote! { KeyScalar::B },
                KeyScalar::S => quote! { KeyScalar::S },
            };
            let pk = partition.iter().map(|a| {
                let s = scalar(a);
                quote! { (#a, #s) }
            });
            let sk = sort.iter().map(|a| {
                let s = scalar(a);
                quote! { (#a, #s) }
            });
            quote! {
                IndexDefinition::multi(
                    #name,
                    &MultiKey { partition: &[#(#pk),*], sort: &[#(#sk),*] },
                    #projection,
                )
            }
        } else if local {
            quote! { IndexDefinition::local(#name, #ipk, #isk, #projection) }
        } else {
            quote! { IndexDefinition::global(#name, #ipk, #isk, #projection) }
        }
    });
    let docs = doc(&format!(
        "The `{name}` table: partition key `{pk}`{}, type attribute `{type_attribute}`, {} \
         secondary index{}.\n\nPass it to `Table::create_table` to create the table, for \
         example in tests.",
        t.sort_key
            .as_ref()
            .map(|s| format!(", sort key `{s}`"))
            .unwrap_or_default(),
        t.indexes.len(),
        if t.indexes.len() == 1 { "" } else { "es" }
    ));
    let delimiter = t.delimiter;
    quote! {
        #docs
        pub const TABLE: TableDefinition = TableDefinition {
            name: #name,
            partition_key: #pk,
            sort_key: #sk,
            type_attribute: #type_attribute,
            ttl_attribute: #ttl,
            stream: #stream,
            indexes: &[#(#indexes),*],
        };

        /// The key segment delimiter.
        const DELIMITER: char = #delimiter;

        /// The attribute naming each item's entity.
        const TYPE_ATTRIBUTE: &str = #type_attribute;
    }
}
