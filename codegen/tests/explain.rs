//! `codegen explain`: the requests of a few patterns as text and JSON, and the error for an
//! unknown pattern. `tests/tests/explain.rs` (the tests crate) checks them against the
//! requests the generated code really sends to DynamoDB Local.

use std::path::Path;

fn model(file: &str) -> codegen::Model {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(file);
    codegen::check_file(path).unwrap().model.unwrap()
}

#[test]
fn an_unknown_pattern_names_the_close_one() {
    let err = codegen::explain::explain(&model("schema.yaml"), "assigned_task").unwrap_err();
    assert_eq!(
        err,
        "no access pattern `assigned_task` in the schema; did you mean `assigned_tasks`?"
    );
    let err =
        codegen::explain::explain(&model("codegen/tests/fixtures/select.yaml"), "zzz").unwrap_err();
    assert!(
        err.contains("expected one of `products`, `product_names`"),
        "{err}"
    );
}

#[test]
fn every_narrowing_of_every_field_is_a_stage() {
    let x = codegen::explain::explain(&model("schema.yaml"), "assigned_tasks").unwrap();
    let methods: Vec<&str> = x.stages.iter().map(|s| s.method.as_str()).collect();
    // The partition, then status and priority (an enum and an integer: no begins_with) and
    // task_id.
    assert_eq!(methods.len(), 1 + 6 + 6 + 7);
    assert_eq!(&methods[..3], ["partition", "status_eq", "status_lt"]);
    assert!(methods.contains(&"task_id_begins_with"));
    assert!(!methods.contains(&"priority_begins_with"));
    assert!(!methods.contains(&"status_begins_with"));
    // `priority_lt` after `status_eq`: reads up to its bound, the value and the delimiter after
    // it (a key holding a smaller value sorts below that whatever follows the value), and
    // drops the one key that could equal the bound.
    let lt = x.stages.iter().find(|s| s.method == "priority_lt").unwrap();
    assert_eq!(
        lt.call,
        "Task::assigned_tasks(\"assignee-1\").status_eq(TaskStatus::Blocked).priority_lt(1)"
    );
    assert_eq!(
        lt.requests[0].key_condition.as_deref(),
        Some("#n0 = :v0 AND #n1 BETWEEN :v1 AND :v2")
    );
    assert_eq!(lt.dropped.as_deref(), Some("blocked#0000000000000000001#"));
    // On the last field a `_lt` drops the key equal to its bound.
    let last = x.stages.iter().find(|s| s.method == "task_id_lt").unwrap();
    assert_eq!(
        last.dropped.as_deref(),
        Some("blocked#0000000000000000001#task-1")
    );
}

#[test]
fn explain_snapshots() {
    for (file, pattern) in [
        ("schema.yaml", "org_overview"),
        ("schema.yaml", "tasks_by_priority"),
        ("codegen/tests/fixtures/select.yaml", "all_names"),
        ("codegen/tests/fixtures/derived_keys.yaml", "deals_by_day"),
        (
            "codegen/tests/fixtures/multi_attribute_keys.yaml",
            "top_names",
        ),
        ("codegen/tests/fixtures/projections.yaml", "books_by_author"),
    ] {
        let x = codegen::explain::explain(&model(file), pattern).unwrap();
        insta::assert_snapshot!(
            format!("explain_{pattern}"),
            codegen::explain::render_text(&x)
        );
    }
    let x = codegen::explain::explain(&model("schema.yaml"), "user_by_email").unwrap();
    insta::assert_snapshot!(
        "explain_user_by_email_json",
        format!("{:#}", codegen::explain::to_json(&x))
    );
}
