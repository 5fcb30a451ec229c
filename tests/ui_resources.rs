//! Compile-time checks of `#[resource]` and `#[prompt]` (trybuild).

#[test]
fn resource_and_prompt_errors() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/resource/*.rs");
    t.compile_fail("tests/ui/prompt/*.rs");
}
