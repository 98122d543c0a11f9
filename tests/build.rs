//! Generates code from the repository's schema and from every fixture schema under
//! `codegen/tests/fixtures/`, so the test suite compiles each of them under
//! `#![deny(warnings)]` and clippy, and exercises them against DynamoDB Local.

fn main() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    codegen::Builder::new()
        .schema(root.join("schema.yaml"))
        .out_file("design.rs")
        .compile()
        .unwrap_or_else(|e| e.exit());
    let fixtures = root.join("codegen/tests/fixtures");
    println!("cargo::rerun-if-changed={}", fixtures.display());
    let mut names: Vec<_> = std::fs::read_dir(&fixtures)
        .map(|dir| dir.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    names.sort();
    for path in names {
        if path.extension().is_some_and(|e| e == "yaml") {
            let stem = path
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            codegen::Builder::new()
                .schema(&path)
                .out_file(format!("fixture_{stem}.rs"))
                .compile()
                .unwrap_or_else(|e| e.exit());
        }
    }
}
