//! Shared by the build scripts of `tests` and `tests/hostile`: generates the code of every
//! fixture schema under `codegen/tests/fixtures/`, and a `fixtures.rs` that declares one
//! module per fixture, for the crate to include as its `fixtures` module.

use std::path::{Path, PathBuf};

/// Generates each fixture's code into `out` (`OUT_DIR`) and writes `fixtures.rs` there;
/// returns each fixture's name (its file name without `.yaml`) and path, sorted.
pub fn generate(root: &Path, out: &Path) -> Vec<(String, PathBuf)> {
    let fixtures = root.join("codegen/tests/fixtures");
    println!("cargo::rerun-if-changed={}", fixtures.display());
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .map(|dir| dir.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    paths.retain(|p| p.extension().is_some_and(|e| e == "yaml"));
    paths.sort();
    let mut modules = String::new();
    for path in &paths {
        let stem = path.file_stem().unwrap_or_default().to_string_lossy();
        codegen::Builder::new()
            .schema(path)
            .out_file(format!("fixture_{stem}.rs"))
            .compile()
            .unwrap_or_else(|e| e.exit());
        modules.push_str(&format!(
            "/// Generated from `codegen/tests/fixtures/{stem}.yaml`.\n\
             pub mod {stem} {{\n    singletable::include_generated!(\"fixture_{stem}.rs\");\n}}\n"
        ));
    }
    if let Err(e) = codegen::write_if_changed(&out.join("fixtures.rs"), &modules) {
        eprintln!("error: cannot write fixtures.rs: {e}");
        std::process::exit(1);
    }
    paths
        .into_iter()
        .map(|path| {
            let stem = path.file_stem().unwrap_or_default().to_string_lossy();
            (stem.into_owned(), path)
        })
        .collect()
}
