//! `#[derive(Elicit)]`: a flat form schema for elicitation, checked at compile time.
//!
//! Structs with named fields become forms; unit-variant enums become selects usable as
//! fields (single select) or inside `Vec` (multi select). Field types are checked with the
//! runtime's `ElicitField` trait, so a nested struct or a map fails with an error on the
//! field's type.

mod emit;
mod parse;

use proc_macro2::TokenStream;

use crate::ctxt::Errors;

pub(crate) fn expand(input: &syn::DeriveInput) -> TokenStream {
    let errors = Errors::new();
    let model = parse::input(input, &errors);
    match (errors.finish(), model) {
        (Ok(()), Some(model)) => emit::expand(&model),
        (Err(e), _) => e.into_compile_error(),
        (Ok(()), None) => TokenStream::new(),
    }
}
