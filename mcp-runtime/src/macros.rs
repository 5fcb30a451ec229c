//! Feature gates that also tell the docs which feature an item needs (tokio's `cfg_*!`
//! style): every gated item is `#[cfg(feature = ..)]` plus `doc(cfg(..))` on docs.rs.
//! Exported (hidden) for the facade, whose features of the same names they then test.

/// Items of the `http` feature (Streamable HTTP).
#[doc(hidden)]
#[macro_export]
macro_rules! cfg_http {
    ($($item:item)*) => {$(
        #[cfg(feature = "http")]
        #[cfg_attr(docsrs, doc(cfg(feature = "http")))]
        $item
    )*};
}

/// Items of the `testing` feature (`TestClient`).
#[doc(hidden)]
#[macro_export]
macro_rules! cfg_testing {
    ($($item:item)*) => {$(
        #[cfg(feature = "testing")]
        #[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
        $item
    )*};
}

/// Defines an extractor rejection (axum's `define_rejection!`): a documented type whose
/// [`Rejection::KIND`](crate::extract::rejection::Rejection::KIND) decides how it reaches
/// the client (a tool error the model sees, or a JSON-RPC error code), with its message
/// written once. It converts into [`Error`](crate::Error), which keeps it for
/// [`Error::rejection`](crate::Error::rejection).
macro_rules! define_rejection {
    (
        #[kind = $kind:ident]
        #[body = $body:literal]
        $(#[$attr:meta])*
        pub struct $name:ident { $( $(#[$fattr:meta])* pub $field:ident : $fty:ty ),* $(,)? }
    ) => {
        $(#[$attr])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        #[non_exhaustive]
        pub struct $name { $( $(#[$fattr])* pub $field: $fty ),* }

        impl $crate::extract::rejection::Rejection for $name {
            const KIND: $crate::error::ErrorKind = $crate::error::ErrorKind::$kind;
        }

        impl ::std::fmt::Display for $name {
            #[allow(unused_variables)]
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                let Self { $($field),* } = self;
                write!(f, $body)
            }
        }

        impl ::std::error::Error for $name {}

        impl From<$name> for $crate::error::Error {
            fn from(rejection: $name) -> Self {
                $crate::error::Error::from_rejection(rejection)
            }
        }
    };
}
