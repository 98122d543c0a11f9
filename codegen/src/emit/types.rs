//! Named types from `types:`: enums (stored as S) and nested documents (stored as M), with
//! their codecs and, for documents, typed paths into them (`AddressFields`).

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::{Cx, codec, doc, fields, ident};
use crate::model::{TypeDef, TypeKind};

/// An enum or a document type with everything it implements.
pub(super) fn emit(cx: &Cx, t: &TypeDef) -> TokenStream {
    match &t.kind {
        TypeKind::Enum(values) => emit_enum(cx, t, values),
        TypeKind::Document(fields) => {
            let name = ident(&t.rust_name);
            let docs = doc(&format!(
                "{}{}",
                t.doc
                    .clone()
                    .unwrap_or_else(|| format!("The `{}` document type.", t.name)),
                cx.at(t.line)
            ));
            let derives = cx.derives();
            let defs = super::entity::struct_fields(cx, fields);
            let codec = codec::emit_document(&name, fields);
            let paths = fields::emit_document(cx, t, fields);
            quote! {
                #docs
                #derives
                pub struct #name { #(#defs,)* }
                #codec
                #paths
            }
        }
    }
}

fn emit_enum(cx: &Cx, t: &TypeDef, values: &[(String, String)]) -> TokenStream {
    let name = ident(&t.rust_name);
    let type_name = &t.name;
    // Variants are declared in the order of their stored text, so the derived `Ord` is the
    // order DynamoDB gives keys holding them, and a range narrowing means what `<` means.
    let mut declared: Vec<&(String, String)> = values.iter().collect();
    declared.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let reordered = declared.iter().zip(values).any(|(a, b)| a.0 != b.0);
    let docs = doc(&format!(
        "{}{}{}",
        t.doc
            .clone()
            .unwrap_or_else(|| format!("The `{}` enum, stored as a string.", t.name)),
        cx.at(t.line),
        if reordered {
            "\n\nVariants are in the order of their stored text, the order of keys holding them, which `Ord` follows; `ALL` is in schema order."
        } else {
            ""
        }
    ));
    let variants: Vec<Ident> = values.iter().map(|(_, v)| ident(v)).collect();
    let stored: Vec<&String> = values.iter().map(|(s, _)| s).collect();
    let declared_variants = declared.iter().map(|(_, v)| ident(v));
    let declared_stored: Vec<&String> = declared.iter().map(|(s, _)| s).collect();
    let variant_docs = declared_stored
        .iter()
        .map(|s| doc(&format!("Stored as `{s}`.")));
    let count = values.len();
    let derives = if cx.serde {
        quote! {
            #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
            #[serde(crate = "::singletable::__private::serde")]
        }
    } else {
        quote! { #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)] }
    };
    let renames = declared_stored.iter().map(|s| cx.rename(s));
    quote! {
        #docs
        #derives
        pub enum #name {
            #( #variant_docs #renames #declared_variants, )*
        }

        impl #name {
            /// Every value, in schema order.
            pub const ALL: [Self; #count] = [#(Self::#variants),*];

            /// The stored string.
            pub fn as_str(&self) -> &'static str {
                match self { #(Self::#variants => #stored,)* }
            }
        }

        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for #name {
            type Err = UnknownEnumValue;
            fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
                Self::from_stored(s)
            }
        }

        impl EnumValue for #name {
            const NAME: &'static str = #type_name;
            const VALUES: &'static [&'static str] = &[#(#stored),*];
            const MEMBERS: &'static [Self] = &Self::ALL;
            fn stored(&self) -> &'static str {
                self.as_str()
            }
        }
    }
}
