//! Scan patterns (`scan: true`): a function without arguments returning the runtime's
//! [`ScanBuilder`](singletable::ScanBuilder) over the entity or its projection.

use proc_macro2::TokenStream;
use quote::quote;

use super::query::{index_clause, pattern_doc, pattern_source};
use super::{Cx, doc, ident};
use crate::model::{AccessPattern, Entity};

/// A scan pattern on one entity.
pub(super) fn emit(cx: &Cx, p: &AccessPattern, e: &Entity) -> TokenStream {
    let entity = ident(&e.rust_name);
    let pattern_fn = ident(&p.rust_name);
    let docs = doc(&pattern_doc(cx, p));
    let index = index_clause(p);
    let (item, projection_type, init) = pattern_source(cx, p, e, None);
    let reads = if p.strong_reads() {
        quote! { Strong }
    } else {
        quote! { Eventual }
    };
    quote! {
        impl #entity {
            #docs
            pub fn #pattern_fn() -> ScanBuilder<#item, #reads> {
                #init #index
            }
        }

        #projection_type
    }
}
