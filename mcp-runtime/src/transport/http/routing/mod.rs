//! Which era and which handler a request goes to.

pub(super) mod era;
pub(super) mod meta;
