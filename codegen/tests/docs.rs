//! `codegen docs`: the catalogue of every fixture schema and of the example app's schema, with
//! every Mermaid diagram rendered by the real renderer (`scripts/mermaid`: mermaid-cli and a
//! headless Chromium), and snapshots of a few fixtures' catalogues.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The example schema and every fixture schema, sorted.
fn schemas() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root().join("codegen/tests/fixtures"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    paths.push(root().join("schema.yaml"));
    paths
}

fn model(path: &Path) -> codegen::Model {
    let checked = codegen::check_file(path).unwrap();
    checked
        .model
        .unwrap_or_else(|| panic!("{} does not check", path.display()))
}

fn docs(path: &Path) -> String {
    let name = path.file_name().unwrap().to_string_lossy();
    codegen::docs::render(&model(path), &name)
}

/// Runs `scripts/mermaid render` over `files`; its success and what it printed.
fn render(files: &[PathBuf]) -> (bool, String) {
    let out = Command::new(root().join("scripts/mermaid"))
        .arg("render")
        .args(files)
        .output()
        .expect("run scripts/mermaid");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn every_schema_gets_a_catalogue_whose_diagrams_all_render() {
    let dir = scratch("docs-render");
    let mut files = Vec::new();
    let mut diagrams = 0;
    for path in schemas() {
        let m = model(&path);
        let text = docs(&path);
        // Deterministic, and everything in the schema is in it.
        assert_eq!(text, docs(&path), "{}", path.display());
        for p in &m.access_patterns {
            assert!(
                text.contains(&format!("\n### {}\n", p.name)),
                "{}: no section for pattern {}",
                path.display(),
                p.name
            );
        }
        for e in &m.entities {
            assert!(text.contains(&format!("\n### {}\n", e.name)));
            assert!(
                text.contains(&format!("  {} {{\n", e.rust_name)),
                "{}",
                e.name
            );
            for a in &e.attributes {
                assert!(text.contains(&format!("| `{}` |", a.name)), "{}", a.name);
            }
        }
        let blocks = text.matches("```mermaid\n").count();
        assert!(blocks >= 2, "{}: {blocks} diagrams", path.display());
        diagrams += blocks;
        let file = dir.join(format!(
            "{}.md",
            path.file_stem().unwrap().to_string_lossy()
        ));
        std::fs::write(&file, text).unwrap();
        files.push(file);
    }
    // One renderer run (one browser) over all of them.
    let (ok, log) = render(&files);
    assert!(ok, "a diagram did not render:\n{log}");
    assert!(
        log.contains(&format!(
            "rendered {diagrams} diagrams from {} file(s)",
            files.len()
        )),
        "{log}"
    );
}

#[test]
fn a_broken_diagram_fails_the_renderer() {
    let dir = scratch("docs-broken");
    let good = docs(&root().join("codegen/tests/fixtures/collections.yaml"));
    // An erDiagram attribute named like a key marker, then an arrow to nowhere.
    let broken = good.replacen(
        "```mermaid\nflowchart LR\n",
        "```mermaid\nflowchart LR\n  a --> \n  b -->|\"x\"\n",
        1,
    );
    assert_ne!(good, broken);
    let file = dir.join("broken.md");
    std::fs::write(&file, broken).unwrap();
    let (ok, log) = render(std::slice::from_ref(&file));
    assert!(!ok, "the renderer accepted a broken diagram:\n{log}");
    assert!(log.contains("Parse error"), "{log}");
}

#[test]
fn the_example_apps_checked_in_catalogue_is_fresh() {
    let checked_in = std::fs::read_to_string(root().join("docs/schema.md")).unwrap();
    assert_eq!(
        checked_in,
        docs(&root().join("schema.yaml")),
        "docs/schema.md is stale: cargo run -p codegen -- docs schema.yaml --out docs/schema.md"
    );
}

#[test]
fn catalogue_snapshots() {
    for name in [
        "collections",
        "derived_keys",
        "multi_attribute_keys",
        "select",
    ] {
        let text = docs(&root().join(format!("codegen/tests/fixtures/{name}.yaml")));
        insta::assert_snapshot!(format!("docs_{name}"), text);
    }
}
