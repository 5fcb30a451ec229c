//! Wire types. Free of tokio so they can be used from any context.

pub(crate) mod encode;
pub mod jsonrpc;
pub mod meta;
pub(crate) mod params;
pub mod resource_types;
pub(crate) mod scan;
pub mod types;
pub mod version;

pub use jsonrpc::{code, ErrorObject, Message, RequestId};
pub use resource_types::*;
pub use types::*;
pub use version::{Era, ProtocolVersion};
