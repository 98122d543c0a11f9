//! `codegen lint`: one schema per rule under `tests/lint/`, named after the rule and starting
//! with `# rule: <code>`. Each reports the rule somewhere and allows it somewhere else (or,
//! for rules about the whole table, allows its only finding) with a `lint:` line. The output
//! as written and with the `lint:` lines removed are both pinned, so each snapshot shows the
//! warning and that the allow silences it. (`unused-allow` is about `lint:` lines, so its
//! fixture reports it only as written.)

use codegen::{Rule, Severity, Style};

fn lint(name: &str, text: &str) -> codegen::Checked {
    codegen::lint::lint_str(name, text)
}

fn count(checked: &codegen::Checked, rule: &str) -> usize {
    checked
        .diagnostics
        .iter()
        .filter(|d| d.code() == rule)
        .count()
}

fn rendered(checked: &codegen::Checked) -> String {
    format!("{}\n{}", checked.render(Style::Plain), checked.summary())
}

#[test]
fn lint_fixtures() {
    insta::glob!("lint/*.yaml", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let rule = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# rule: "))
            .expect("fixture starts with `# rule: <code>`")
            .trim()
            .to_owned();
        assert_eq!(
            file,
            format!("{rule}.yaml"),
            "a fixture is named after its rule"
        );
        let name = format!("lint/{file}");
        let allowed = lint(&name, &text);
        let stripped_text: String = text
            .lines()
            .filter(|l| !l.trim_start().starts_with("lint:"))
            .map(|l| format!("{l}\n"))
            .collect();
        assert_ne!(stripped_text, text, "{name} allows nothing");
        let reported = lint(&name, &stripped_text);
        for checked in [&allowed, &reported] {
            assert!(!checked.has_errors(), "{name}: {}", rendered(checked));
            assert!(checked.model.is_some());
            for d in &checked.diagnostics {
                assert_eq!(d.severity, Severity::Warning);
                assert!(!d.help.is_empty());
                assert!(
                    checked.source.locate(d).line > 1,
                    "{name}: {d:?} is not located"
                );
            }
        }
        if rule == "unused-allow" {
            // Reported about the `lint:` lines themselves: one of the two is silenced by the
            // other's `allow: [unused-allow]`.
            assert_eq!(count(&allowed, &rule), 1, "{name}");
            assert_eq!(count(&reported, &rule), 0, "{name}");
        } else {
            assert!(
                count(&reported, &rule) >= 1,
                "{name} does not report `{rule}`"
            );
            assert!(
                count(&allowed, &rule) < count(&reported, &rule),
                "{name}: the allow silences nothing"
            );
            // Other rules stay as they were: an allow silences only the warnings it names.
            for d in &reported.diagnostics {
                if d.code() != rule {
                    assert!(allowed.diagnostics.contains(d), "{name}: {d:?} went away");
                }
            }
        }
        insta::assert_snapshot!(format!(
            "--- as written ---\n{}\n\n--- without its `lint:` lines ---\n{}",
            rendered(&allowed),
            rendered(&reported)
        ));
    });
}

/// Every rule of `codegen lint` has a fixture, and every fixture names one of them.
#[test]
fn every_lint_rule_has_a_fixture() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/lint");
    for rule in codegen::lint::RULES {
        assert_eq!(rule.severity(), Severity::Warning, "{rule}");
        let file = format!("{dir}/{}.yaml", rule.code());
        assert!(std::path::Path::new(&file).exists(), "no fixture {file}");
    }
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        assert!(
            codegen::lint::RULES.iter().any(|r| r.code() == stem),
            "{} names no lint rule",
            path.display()
        );
    }
}

/// The example schema is clean: its warnings are all allowed, with reasons.
#[test]
fn the_example_schema_is_clean() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let checked = codegen::lint::lint_file(format!("{root}/schema.yaml")).unwrap();
    assert!(
        checked.diagnostics.is_empty(),
        "{}",
        checked.render(Style::Plain)
    );
}

/// An allow covers the node it sits on and everything inside it, nothing beside it; on the
/// schema it covers everything. The validator's warnings are allowed the same way, in
/// `check` too.
#[test]
fn allows_cover_their_node_and_what_is_inside() {
    let schema = |entity_lint: &str, root_lint: &str| {
        format!(
            "version: 1\n{root_lint}table:\n  name: app\n  indexes:\n    spare: {{ partition_key: gsi9pk, sort_key: gsi9sk }}\nentities:\n  A:\n{entity_lint}    attributes: {{ id: string }}\n    keys: {{ primary: {{ partition: AS, sort: \"A#{{id}}\" }} }}\n  B:\n    attributes: {{ id: string }}\n    keys: {{ primary: {{ partition: BS, sort: \"B#{{id}}\" }} }}\naccess_patterns:\n  a: {{ entity: A }}\n  b: {{ entity: B }}\n"
        )
    };
    let hot = |checked: &codegen::Checked| -> Vec<String> {
        checked
            .diagnostics
            .iter()
            .filter(|d| d.rule == Rule::HotPartition)
            .map(|d| d.path.clone())
            .collect()
    };
    let none = lint("s.yaml", &schema("", ""));
    assert_eq!(
        hot(&none),
        [
            "entities.A.keys.primary.partition",
            "entities.B.keys.primary.partition"
        ]
    );
    assert_eq!(count(&none, "unused-index"), 1);
    let on_a = lint(
        "s.yaml",
        &schema("    lint: { allow: [hot-partition] }\n", ""),
    );
    assert_eq!(hot(&on_a), ["entities.B.keys.primary.partition"]);
    let everywhere = lint(
        "s.yaml",
        &schema(
            "",
            "lint: { allow: [hot-partition, unused-index], reason: a sketch }\n",
        ),
    );
    assert!(
        everywhere.diagnostics.is_empty(),
        "{}",
        rendered(&everywhere)
    );
    let checked = codegen::check_str("s.yaml", &schema("", "lint: { allow: [unused-index] }\n"));
    assert!(checked.diagnostics.is_empty(), "{}", rendered(&checked));
}

#[test]
fn json_output_names_rule_place_and_help() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/lint/full-scan.yaml"
    ))
    .unwrap();
    let checked = lint("full-scan.yaml", &text);
    let json: serde_json::Value = serde_json::from_str(&checked.to_json()).unwrap();
    let items = json.as_array().unwrap();
    assert_eq!(items.len(), 1, "{json:#}");
    assert_eq!(items[0]["code"], "full-scan");
    assert_eq!(items[0]["severity"], "warning");
    assert_eq!(items[0]["path"], "access_patterns.all_orders.scan");
    assert_eq!(items[0]["line"], 16);
    assert!(
        items[0]["help"]
            .as_str()
            .unwrap()
            .contains("query a partition")
    );
}

/// The command: exit 0 with warnings, 1 with `--deny warnings`, JSON with `--format json`.
#[test]
fn the_command_exits_by_what_it_found() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/lint");
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_codegen"))
            .arg("lint")
            .args(args)
            .current_dir(dir)
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    };
    let scan = "full-scan.yaml";
    let out = run(&[scan]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("full-scan.yaml:16:38: warning: `all_orders` reads the whole table"),
        "{text}"
    );
    assert!(text.contains("0 errors, 1 warning"), "{text}");
    assert_eq!(run(&[scan, "--deny", "warnings"]).status.code(), Some(1));
    let out = run(&[scan, "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json[0]["code"], "full-scan");
    let clean = concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.yaml");
    assert_eq!(run(&[clean, "--deny", "warnings"]).status.code(), Some(0));
    assert_eq!(run(&[clean, "--deny", "errors"]).status.code(), Some(2));
}
