//! Two tools with one name (in a binary of their own: the registry is process-wide)
//! make `build()` fail, naming both definitions.

use mcpserve::prelude::*;

const FIRST: u32 = line!() + 3;
/// One.
#[tool(name = "same")]
async fn first() -> &'static str {
    "first"
}

const SECOND: u32 = line!() + 3;
/// Two.
#[tool(name = "same")]
async fn second() -> &'static str {
    "second"
}

#[test]
fn duplicate_names_fail_the_build_naming_both_places() {
    let err = Server::from_registry()
        .build()
        .err()
        .expect("build must fail");
    assert_eq!(err.kind(), mcpserve::ErrorKind::Startup);
    assert_eq!(
        err.message(),
        format!(
            "duplicate tool name `same`: defined at tests/duplicate_tools.rs:{FIRST} and at tests/duplicate_tools.rs:{SECOND}"
        )
    );
}
