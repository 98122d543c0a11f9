//! One pair of schema versions per kind of change under `tests/changes/<code>/`
//! (`old.yaml`, `new.yaml`), each with its rendered comparison pinned by a snapshot. The
//! test checks that the pair reports its own kind, and that every kind has a pair.

use codegen::diff::{Class, Kind, diff, render, to_json};

fn model(path: &std::path::Path, name: &str) -> codegen::Model {
    let text = std::fs::read_to_string(path).unwrap();
    let checked = codegen::check_str(name, &text);
    assert!(
        !checked.has_errors(),
        "{name}: {}",
        checked.render(codegen::Style::Plain)
    );
    checked.model.unwrap()
}

#[test]
fn change_pairs() {
    insta::glob!("changes/*/old.yaml", |old_path| {
        let dir = old_path.parent().unwrap();
        let code = dir.file_name().unwrap().to_string_lossy().into_owned();
        let old = model(old_path, "old.yaml");
        let new = model(&dir.join("new.yaml"), "new.yaml");
        let changes = diff(&old, &new);
        let own = changes.iter().find(|c| c.kind.code() == code);
        let own = own.unwrap_or_else(|| panic!("{code}: not reported in {changes:#?}"));
        assert!(!own.help.is_empty());
        // Every change is located in at least one of the files, except table-wide ones.
        for c in &changes {
            assert!(
                c.old_line.is_some() || c.new_line.is_some() || c.path.starts_with("table."),
                "{code}: {c:?} has no location"
            );
        }
        // The JSON form carries the same findings.
        let json: serde_json::Value =
            serde_json::from_str(&to_json(&changes, "old.yaml", "new.yaml")).unwrap();
        assert_eq!(json.as_array().unwrap().len(), changes.len());
        insta::assert_snapshot!(render(&changes, "old.yaml", "new.yaml"));
    });
}

#[test]
fn every_kind_has_a_pair() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/changes");
    for kind in Kind::ALL {
        let pair = std::path::Path::new(dir).join(kind.code());
        assert!(
            pair.join("old.yaml").exists() && pair.join("new.yaml").exists(),
            "no fixture pair for `{}`",
            kind.code()
        );
    }
}

#[test]
fn the_same_schema_has_no_changes_and_breaking_ones_come_first() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let schema = model(
        std::path::Path::new(&format!("{root}/schema.yaml")),
        "schema.yaml",
    );
    assert!(diff(&schema, &schema).is_empty());
    let dir = std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/changes/entity-removed"
    ));
    let changes = diff(
        &model(&dir.join("old.yaml"), "old.yaml"),
        &model(&dir.join("new.yaml"), "new.yaml"),
    );
    let classes: Vec<Class> = changes.iter().map(|c| c.kind.class()).collect();
    let mut sorted = classes.clone();
    sorted.sort_by_key(|c| std::cmp::Reverse(*c));
    assert_eq!(classes, sorted);
}

/// The command line: exit 1 on a breaking change, 0 otherwise; JSON on request; an old
/// version read from git.
#[test]
fn diff_and_check_against_on_the_command_line() {
    let bin = env!("CARGO_BIN_EXE_codegen");
    let pair = |code: &str| {
        let dir = format!("{}/tests/changes/{code}", env!("CARGO_MANIFEST_DIR"));
        (format!("{dir}/old.yaml"), format!("{dir}/new.yaml"))
    };
    let run = |args: &[&str]| std::process::Command::new(bin).args(args).output().unwrap();

    let (old, new) = pair("key-changed");
    let out = run(&["diff", &old, &new]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("[key-changed]"));
    let out = run(&["check", &new, "--against", &old, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json[0]["class"], "breaking");
    assert_eq!(json[0]["new"]["line"], 19);

    let (old, new) = pair("attribute-added");
    let out = run(&["diff", &old, &new]);
    assert_eq!(out.status.code(), Some(0));
    // `check --against` leaves safe changes out.
    let out = run(&["check", &new, "--against", &old, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "[]");

    // A declared migration that performs the breaking change lets the check pass; a file that
    // is not that migration fails it.
    let (old, new) = pair("key-changed");
    let file = std::env::temp_dir().join(format!("key-changed-{}.rs", std::process::id()));
    let file = file.to_string_lossy().into_owned();
    assert!(
        run(&["migration", &old, &new, "--out", &file])
            .status
            .success()
    );
    let out = run(&["check", &new, "--against", &old, "--migration", &file]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(&file, "// not the migration").unwrap();
    let out = run(&["check", &new, "--against", &old, "--migration", &file]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not the migration"));
    let _ = std::fs::remove_file(&file);
    // A breaking change no generated migration performs still fails with one declared.
    let (old, new) = pair("enum-value-removed");
    let file = std::env::temp_dir().join(format!("enum-{}.rs", std::process::id()));
    let file = file.to_string_lossy().into_owned();
    assert!(
        run(&["migration", &old, &new, "--out", &file])
            .status
            .success()
    );
    let out = run(&["check", &new, "--against", &old, "--migration", &file]);
    assert_eq!(out.status.code(), Some(1));
    let _ = std::fs::remove_file(&file);

    // The repository's schema against itself at HEAD, read through git.
    let schema = format!("{}/../schema.yaml", env!("CARGO_MANIFEST_DIR"));
    let out = run(&["check", &schema, "--against", "git:HEAD"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&["diff", "git:no-such-revision", &schema]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("git show"));
}
