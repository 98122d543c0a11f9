//! Generates code from the repository's schema (the example app's) and from every fixture
//! schema under `codegen/tests/fixtures/`, so the test suite compiles each of them under
//! `#![deny(warnings)]` and clippy, and exercises them against DynamoDB Local.

use std::path::{Path, PathBuf};

#[path = "fixture_modules.rs"]
mod fixture_modules;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    codegen::Builder::new()
        .schema(root.join("schema.yaml"))
        .out_file("app.rs")
        .compile()
        .unwrap_or_else(|e| e.exit());
    // The same schema without serde derives, so that option is compiled and linted too.
    codegen::Builder::new()
        .schema(root.join("schema.yaml"))
        .out_file("app_without_serde.rs")
        .serde(false)
        .cargo_instructions(false)
        .compile()
        .unwrap_or_else(|e| e.exit());

    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    fixture_modules::generate(&root, &out);

    // A schema change and its generated migration: both versions' code, and the migration
    // compiled against the new one.
    let shop = root.join("codegen/tests/migrations/shop");
    println!("cargo::rerun-if-changed={}", shop.display());
    let mut models = Vec::new();
    for version in ["old", "new"] {
        let path = shop.join(format!("{version}.yaml"));
        codegen::Builder::new()
            .schema(&path)
            .out_file(format!("shop_{version}.rs"))
            .cargo_instructions(false)
            .compile()
            .unwrap_or_else(|e| e.exit());
        let checked = codegen::check_file(&path).expect("readable schema");
        models.push(checked.model.expect("a valid schema"));
    }
    let migration = codegen::migration::migration(&models[0], &models[1], "old.yaml", "new.yaml")
        .unwrap_or_else(|e| {
            eprintln!("error: {e}");
            std::process::exit(1);
        });
    fixture_modules::write(&out.join("shop_migration.rs"), &migration);
}
