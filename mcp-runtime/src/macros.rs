//! Feature gates that also tell the docs which feature an item needs (tokio's `cfg_*!`
//! style): every gated item is `#[cfg(feature = ..)]` plus `doc(cfg(..))` on docs.rs.

/// Items of the `http` feature (Streamable HTTP).
macro_rules! cfg_http {
    ($($item:item)*) => {$(
        #[cfg(feature = "http")]
        #[cfg_attr(docsrs, doc(cfg(feature = "http")))]
        $item
    )*};
}

/// Items of the `testing` feature (`TestClient`).
macro_rules! cfg_testing {
    ($($item:item)*) => {$(
        #[cfg(feature = "testing")]
        #[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
        $item
    )*};
}
