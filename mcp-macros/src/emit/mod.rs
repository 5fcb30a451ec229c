//! Emission: the only place that writes tokens. `item` holds what all three registered
//! kinds share, `wire` the string-valued parameters of resources and prompts, `wrap` the
//! `const _` block around generated items and `fallback` what is emitted on error.

pub(crate) mod fallback;
pub(crate) mod item;
pub(crate) mod prompt;
pub(crate) mod resource;
pub(crate) mod tool;
pub(crate) mod wire;
pub(crate) mod wrap;
