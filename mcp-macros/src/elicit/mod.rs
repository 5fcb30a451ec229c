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
    let (krate, model) = parse::input(input, &errors);
    match (errors.finish(), model) {
        (Ok(()), Some(model)) => emit::expand(&model),
        // The errors plus a stub impl, so code that uses the type as a form or a field
        // does not add "Elicit is not implemented" on top: one mistake, one error.
        (Err(e), _) => {
            let mut out = e.into_compile_error();
            out.extend(emit::stub(input, &krate));
            out
        }
        (Ok(()), None) => TokenStream::new(),
    }
}
