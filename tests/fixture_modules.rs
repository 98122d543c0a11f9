//! Shared by the build scripts of `tests` and `tests/hostile`: generates the code of every
//! fixture schema under `codegen/tests/fixtures/`, and a `fixtures.rs` that declares one
//! module per fixture, for the crate to include as its `fixtures` module.

use std::path::{Path, PathBuf};

/// Generates each fixture's code into `out` (`OUT_DIR`) and writes `fixtures.rs` there;
/// returns each fixture's name (its file name without `.yaml`) and model, sorted. Each
/// schema is read and checked once; a fixture with any diagnostic, even a warning, fails the
/// build, since fixtures show features and should show them cleanly.
pub fn generate(root: &Path, out: &Path) -> Vec<(String, codegen::Model)> {
    let fixtures = root.join("codegen/tests/fixtures");
    println!("cargo::rerun-if-changed={}", fixtures.display());
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .map(|dir| dir.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    paths.retain(|p| p.extension().is_some_and(|e| e == "yaml"));
    paths.sort();
    let mut modules = String::new();
    let mut models = Vec::new();
    for path in &paths {
        let stem = path
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let (code, checked) =
            codegen::generate_file(path, codegen::Style::Plain).unwrap_or_else(|e| e.exit());
        if !checked.diagnostics.is_empty() {
            eprintln!("{}", checked.render(codegen::Style::Plain));
            std::process::exit(1);
        }
        write(&out.join(format!("fixture_{stem}.rs")), &code);
        modules.push_str(&format!(
            "/// Generated from `codegen/tests/fixtures/{stem}.yaml`.\n\
             pub mod {stem} {{\n    singletable::include_generated!(\"fixture_{stem}.rs\");\n}}\n"
        ));
        let model = checked.model.expect("a valid schema has a model");
        models.push((stem, model));
    }
    write(&out.join("fixtures.rs"), &modules);
    models
}

/// Writes `contents` to `path` unless it already holds them; a failure ends the build.
pub fn write(path: &Path, contents: &str) {
    if let Err(e) = codegen::write_if_changed(path, contents) {
        eprintln!("error: cannot write {}: {e}", path.display());
        std::process::exit(1);
    }
}
