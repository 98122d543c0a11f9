//! `schema.json` against the schemas of this repository: every valid schema is valid JSON
//! Schema-wise, every invalid fixture that breaks a shape rule is rejected by it too, and the
//! checked-in file is the generated one.

use std::path::{Path, PathBuf};

use codegen::Style;

/// The rules about the shape of the file, which `schema.json` checks as well as the parser
/// (and, for a few, the validator): keys, kinds of values, required keys, words, and the
/// syntax of templates, types, the table name and the delimiter. The other rules need the
/// whole schema (a template naming an attribute, a type declared elsewhere) or are not about
/// the YAML value at all (syntax, duplicate keys, which JSON cannot hold).
const SHAPE_RULES: &[&str] = &[
    "empty-schema",
    "unknown-field",
    "missing-field",
    "wrong-type",
    "unsupported-version",
    "no-entities",
    "empty-entity",
    "empty-type",
    "empty-enum",
    "duplicate-enum-value",
    "type-kind",
    "pattern-entity",
    "invalid-auto",
    "invalid-order",
    "invalid-projection",
    "invalid-allow",
    "malformed-type",
    "template-syntax",
    "template-escape",
    "invalid-table-name",
    "invalid-delimiter",
    "empty-name",
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn validator() -> jsonschema::Validator {
    let schema: serde_json::Value =
        serde_json::from_str(&codegen::json_schema::json_schema()).expect("schema.json is JSON");
    assert!(
        jsonschema::meta::is_valid(&schema),
        "schema.json is not a valid JSON Schema: {:?}",
        jsonschema::meta::validate(&schema).err()
    );
    jsonschema::draft202012::new(&schema).expect("schema.json compiles")
}

/// The `.yaml` files in `dir` and, with `deep`, in its subdirectories, sorted.
fn yaml_files(dir: &Path, deep: bool) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() && deep {
            out.extend(yaml_files(&path, true));
        } else if path.extension().is_some_and(|e| e == "yaml") {
            out.push(path);
        }
    }
    out.sort();
    out
}

fn errors(validator: &jsonschema::Validator, instance: &serde_json::Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at `{}`", e, e.instance_path()))
        .collect()
}

#[test]
fn every_valid_schema_of_the_repository_is_valid() {
    let validator = validator();
    let root = root();
    let mut files = vec![root.join("schema.yaml")];
    for (dir, deep) in [
        ("codegen/tests/fixtures", false),
        ("codegen/tests/lint", false),
        ("example-app/schema-history", false),
        ("codegen/tests/changes", true),
        ("codegen/tests/migrations", true),
    ] {
        files.extend(yaml_files(&root.join(dir), deep));
    }
    assert!(files.len() >= 60, "only {} schemas found", files.len());
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let checked = codegen::check_str(file, &text);
        assert!(
            !checked.has_errors(),
            "{} does not check: {}",
            file.display(),
            checked.render(Style::Plain)
        );
        let json = codegen::json_schema::yaml_to_json(file, &text).unwrap();
        let problems = errors(&validator, &json);
        assert!(
            problems.is_empty(),
            "{} is valid but schema.json rejects it:\n{}",
            file.display(),
            problems.join("\n")
        );
    }
}

#[test]
fn invalid_fixtures_of_shape_rules_are_rejected() {
    let validator = validator();
    let mut rejected = std::collections::BTreeSet::new();
    for file in yaml_files(&root().join("codegen/tests/invalid"), false) {
        let text = std::fs::read_to_string(&file).unwrap();
        let rule = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# rule: "))
            .expect("fixture starts with `# rule: <code>`")
            .trim()
            .to_owned();
        if !SHAPE_RULES.contains(&rule.as_str()) {
            continue;
        }
        let json = codegen::json_schema::yaml_to_json(&file, &text).unwrap();
        assert!(
            !validator.is_valid(&json),
            "{} breaks `{rule}`, but schema.json accepts it",
            file.display()
        );
        rejected.insert(rule);
    }
    // Every shape rule has a fixture that was tried here.
    let untried: Vec<&&str> = SHAPE_RULES
        .iter()
        .filter(|r| !rejected.contains(**r))
        .collect();
    assert!(
        untried.is_empty(),
        "shape rules without a fixture: {untried:?}"
    );
}

#[test]
fn rejections_point_at_the_offending_place() {
    let validator = validator();
    let text =
        std::fs::read_to_string(root().join("codegen/tests/invalid/unknown_table_field.yaml"))
            .unwrap();
    let json = codegen::json_schema::yaml_to_json("unknown_table_field.yaml", &text).unwrap();
    let problems = errors(&validator, &json);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("partiton_key") && p.contains("`/table`")),
        "{problems:#?}"
    );
    // A word outside the list, and an allow naming an error.
    let text = "version: 1\nentities:\n  User:\n    attributes: { id: string }\n    keys: { primary: { partition: \"U#{id}\", sort: U } }\naccess_patterns:\n  users: { entity: User, order: newest, lint: { allow: [ambiguous-keys] } }\n";
    let json = codegen::json_schema::yaml_to_json("s.yaml", text).unwrap();
    let problems = errors(&validator, &json);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("/access_patterns/users/order")),
        "{problems:#?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("/access_patterns/users/lint/allow/0")),
        "{problems:#?}"
    );
}

#[test]
fn yaml_is_read_as_the_parser_reads_it() {
    let json = codegen::json_schema::yaml_to_json(
        "s.yaml",
        "a: &x { b: 1.5, c: ~, d: [yes, true, 0x10] }\ne: *x\n3: three\n",
    )
    .unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "a": { "b": 1.5, "c": null, "d": ["yes", true, 16] },
            "e": { "b": 1.5, "c": null, "d": ["yes", true, 16] },
            "3": "three",
        })
    );
}

#[test]
fn the_checked_in_schema_json_is_the_generated_one() {
    let checked_in = std::fs::read_to_string(root().join("schema.json")).unwrap();
    assert!(
        checked_in == codegen::json_schema::json_schema(),
        "schema.json is stale: run `cargo run -p codegen -- json-schema --out schema.json`"
    );
}

/// The patterns for type expressions and key templates accept what the parser and validator
/// accept, and reject what they reject, on examples of each kind.
#[test]
fn type_and_template_patterns_agree_with_the_generator() {
    let validator = validator();
    let with_type = |ty: &str| {
        format!(
            "version: 1\ntypes:\n  Address: {{ fields: {{ city: string }} }}\nentities:\n  User:\n    attributes:\n      user_id: string\n      x: {{ type: {} }}\n    keys: {{ primary: {{ partition: \"U#{{user_id}}\", sort: U }} }}\n",
            serde_json::to_string(ty).unwrap()
        )
    };
    let with_template = |template: &str| {
        format!(
            "version: 1\ntable:\n  indexes: {{ gsi1: {{ partition_key: gsi1pk, sort_key: gsi1sk }} }}\nentities:\n  User:\n    attributes: {{ user_id: string, created_at: timestamp }}\n    keys:\n      primary: {{ partition: \"U#{{user_id}}\", sort: U }}\n      gsi1: {{ partition: \"USERS#{{user_id}}\", sort: {} }}\naccess_patterns:\n  p: {{ entity: User, index: gsi1 }}\n",
            serde_json::to_string(template).unwrap()
        )
    };
    let cases: Vec<(String, bool)> = [
        ("string", true),
        ("ulid", true),
        (" list< map<integer> > ", true),
        ("map<list<set<string>>>", true),
        ("set<bytes>", true),
        ("Address", true),
        ("list<Address>", true),
        ("strng", false),
        ("list<string", false),
        ("set<float>", false),
        ("list", false),
        ("list<>", false),
        ("List<string>", false),
        ("string>", false),
    ]
    .into_iter()
    .map(|(t, ok)| (with_type(t), ok))
    .chain(
        [
            ("USER#{user_id}", true),
            ("{created_at}#{user_id}", true),
            ("DAY#{ created_at : day }#{user_id:shard(4)}", true),
            ("USER", true),
            ("USER#{user_id", false),
            ("USER#{}", false),
            ("USER}", false),
            ("US\\ER", false),
            ("", false),
            ("D#{created_at:}", false),
            ("D#{{user_id}}", false),
        ]
        .into_iter()
        .map(|(t, ok)| (with_template(t), ok)),
    )
    .collect();
    for (text, ok) in cases {
        let checked = codegen::check_str("s.yaml", &text);
        assert_eq!(
            !checked.has_errors(),
            ok,
            "the generator on:\n{text}\n{}",
            checked.render(Style::Plain)
        );
        let json = codegen::json_schema::yaml_to_json("s.yaml", &text).unwrap();
        assert_eq!(
            validator.is_valid(&json),
            ok,
            "schema.json on:\n{text}\n{:#?}",
            errors(&validator, &json)
        );
    }
}

/// The mappings of `instance` that `schema` (a node of schema.json) describes as one of its
/// definitions, recorded as (definition, key) pairs for every key they use.
fn used_keys(
    defs: &serde_json::Map<String, serde_json::Value>,
    schema: &serde_json::Value,
    def: Option<&str>,
    instance: &serde_json::Value,
    out: &mut std::collections::BTreeSet<(String, String)>,
) {
    if let Some(reference) = schema.get("$ref").and_then(|r| r.as_str()) {
        let id = reference.trim_start_matches("#/$defs/");
        used_keys(defs, &defs[id], Some(id), instance, out);
        return;
    }
    if let Some(branches) = schema.get("anyOf").and_then(|b| b.as_array()) {
        // The branch for this kind of value: a mapping goes to the mapping branch.
        let object = instance.is_object();
        for branch in branches {
            let is_mapping = branch.get("$ref").is_some()
                || branch.get("type").and_then(|t| t.as_str()) == Some("object");
            if is_mapping == object {
                used_keys(defs, branch, def, instance, out);
            }
        }
        return;
    }
    match instance {
        serde_json::Value::Object(map) => {
            let properties = schema.get("properties").and_then(|p| p.as_object());
            for (key, value) in map {
                if let Some(properties) = properties {
                    out.insert((def.unwrap_or("schema").to_owned(), key.clone()));
                    if let Some(s) = properties.get(key) {
                        used_keys(defs, s, None, value, out);
                    }
                } else if let Some(s) = schema.get("additionalProperties") {
                    used_keys(defs, s, None, value, out);
                }
            }
        }
        serde_json::Value::Array(items) => {
            if let Some(s) = schema.get("items") {
                for item in items {
                    used_keys(defs, s, None, item, out);
                }
            }
        }
        _ => {}
    }
}

/// Every key schema.json declares is used by some valid schema of the repository. Reading
/// those schemas (in a debug build) then proves the parser reads every declared key: it
/// asserts that it reads only declared keys, and that it read every declared key present.
#[test]
fn every_declared_key_is_used_by_some_valid_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(&codegen::json_schema::json_schema()).unwrap();
    let defs = schema["$defs"].as_object().unwrap();
    let mut declared = std::collections::BTreeSet::new();
    for (id, def) in
        std::iter::once(("schema", &schema)).chain(defs.iter().map(|(k, v)| (k.as_str(), v)))
    {
        for key in def
            .get("properties")
            .and_then(|p| p.as_object())
            .into_iter()
            .flatten()
        {
            declared.insert((id.to_owned(), key.0.clone()));
        }
    }
    let root = root();
    let mut files = vec![root.join("schema.yaml")];
    for (dir, deep) in [
        ("codegen/tests/fixtures", false),
        ("codegen/tests/lint", false),
        ("example-app/schema-history", false),
        ("codegen/tests/changes", true),
        ("codegen/tests/migrations", true),
    ] {
        files.extend(yaml_files(&root.join(dir), deep));
    }
    let mut used = std::collections::BTreeSet::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let json = codegen::json_schema::yaml_to_json(file, &text).unwrap();
        used_keys(defs, &schema, None, &json, &mut used);
    }
    assert!(
        used.is_subset(&declared),
        "{:?}",
        used.difference(&declared).collect::<Vec<_>>()
    );
    let unused: Vec<_> = declared.difference(&used).collect();
    assert!(
        unused.is_empty(),
        "declared keys no valid schema uses: {unused:?}"
    );
}
