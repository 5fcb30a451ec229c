//! Collects every error of an expansion so users see them all at once.

use std::cell::RefCell;
use std::fmt::Display;

use quote::ToTokens;

pub(crate) struct Errors(RefCell<Option<Vec<syn::Error>>>);

impl Errors {
    pub(crate) fn new() -> Self {
        Errors(RefCell::new(Some(Vec::new())))
    }

    /// Records an error spanning `tokens`.
    pub(crate) fn at(&self, tokens: impl ToTokens, msg: impl Display) {
        self.push(syn::Error::new_spanned(tokens.into_token_stream(), msg));
    }

    pub(crate) fn push(&self, e: syn::Error) {
        self.0
            .borrow_mut()
            .as_mut()
            .expect("Errors used after finish")
            .push(e);
    }

    /// All errors combined, or `Ok` when there were none.
    pub(crate) fn finish(self) -> syn::Result<()> {
        let errors = self.0.borrow_mut().take().expect("finish called twice");
        let mut it = errors.into_iter();
        match it.next() {
            None => Ok(()),
            Some(mut first) => {
                it.for_each(|e| first.combine(e));
                Err(first)
            }
        }
    }
}

impl Drop for Errors {
    fn drop(&mut self) {
        if !std::thread::panicking() && self.0.borrow().is_some() {
            panic!("Errors dropped without finish()");
        }
    }
}
