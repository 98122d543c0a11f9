//! The type-safety claims, proven by code that must not compile.

#[test]
fn type_safety() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/*.rs");
}
