//! One invalid schema per rule under `tests/invalid/`, each with its rendered (no-colour)
//! diagnostics pinned by a snapshot. The first line of each file names the rule it breaks,
//! and the test checks that this rule is among what was reported, with a real location.

use codegen::{Rule, Severity, Style};

#[test]
fn invalid_schemas() {
    insta::glob!("invalid/*.yaml", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let name = format!("invalid/{}", path.file_name().unwrap().to_string_lossy());
        let rule = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# rule: "))
            .expect("fixture starts with `# rule: <code>`")
            .trim()
            .to_owned();
        let checked = codegen::check_str(&name, &text);
        assert!(
            checked.diagnostics.iter().any(|d| d.code() == rule),
            "{name}: expected rule `{rule}`, got {:#?}",
            checked.diagnostics
        );
        let flagged = checked
            .diagnostics
            .iter()
            .find(|d| d.code() == rule)
            .unwrap();
        if flagged.severity == Severity::Error {
            assert!(checked.has_errors());
            assert!(checked.model.is_none());
        }
        for d in &checked.diagnostics {
            assert!(!d.help.is_empty(), "{name}: `{}` has no help", d.code());
            let at = checked.source.locate(d);
            if rule != "empty-schema" {
                assert!(at.line > 1, "{name}: `{}` is not located: {d:?}", d.code());
            }
        }
        insta::assert_snapshot!(format!(
            "{}\n{}",
            checked.render(Style::Plain),
            checked.summary()
        ));
    });
}

/// Every rule has a fixture whose first line names it, so `invalid_schemas` proves each rule
/// is reported, located and rendered. `internal` is the exception: it reports a generator bug
/// and no schema can trigger it on purpose. The rules of `codegen lint` have theirs in
/// `tests/lint/` (see `tests/lint.rs`).
#[test]
fn every_rule_has_a_fixture() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/invalid");
    let mut named = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        if let Some(rule) = text.lines().next().and_then(|l| l.strip_prefix("# rule: ")) {
            named.insert(rule.trim().to_owned());
        }
    }
    let missing: Vec<&str> = Rule::ALL
        .iter()
        .filter(|r| {
            **r != Rule::Internal && !codegen::lint::RULES.contains(r) && !named.contains(r.code())
        })
        .map(|r| r.code())
        .collect();
    assert!(missing.is_empty(), "rules without a fixture: {missing:?}");
    for code in &named {
        assert!(
            Rule::ALL.iter().any(|r| r.code() == code),
            "a fixture names `{code}`, which is not a rule"
        );
    }
}

#[test]
fn design_example_and_repository_schema_pass() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    for (file, entities, patterns) in [
        ("codegen/tests/fixtures/design.yaml", 2, 5),
        ("schema.yaml", 7, 14),
    ] {
        let checked = codegen::check_file(format!("{root}/{file}")).unwrap();
        assert!(
            checked.diagnostics.is_empty(),
            "{file}: {}",
            checked.render(Style::Plain)
        );
        let model = checked.model.unwrap();
        assert_eq!(model.entities.len(), entities, "{file}");
        assert_eq!(model.access_patterns.len(), patterns, "{file}");
    }
}

#[test]
fn json_output_carries_locations() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/invalid/unknown_table_field.yaml"
    ))
    .unwrap();
    let checked = codegen::check_str("schema.yaml", &text);
    let json: serde_json::Value = serde_json::from_str(&checked.to_json()).unwrap();
    let first = &json[0];
    assert_eq!(first["code"], "unknown-field");
    assert_eq!(first["path"], "table.partiton_key");
    assert_eq!(first["line"], 5);
    assert_eq!(first["column"], 3);
    assert_eq!(first["help"], "did you mean `partition_key`?");
}

#[test]
fn json_output_carries_the_second_place() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/invalid/duplicate_yaml_key.yaml"
    ))
    .unwrap();
    let checked = codegen::check_str("schema.yaml", &text);
    let json: serde_json::Value = serde_json::from_str(&checked.to_json()).unwrap();
    let first = &json[0];
    assert_eq!(first["code"], "duplicate-name");
    assert_eq!(
        (first["line"].clone(), first["column"].clone()),
        (15.into(), 3.into())
    );
    let related = &first["related"];
    assert_eq!(related["file"], "schema.yaml");
    assert_eq!(related["line"], 8);
    assert_eq!(related["column"], 3);
    assert_eq!(related["path"], "entities.User");
    assert_eq!(related["label"], "first declared here");
}
