//! Runs the example app end to end, the way a newcomer does, against the test run's
//! DynamoDB Local (or one the harness starts), and checks that it shows every access
//! pattern of the schema and finishes cleanly.

use std::process::Command;

/// The access patterns declared in `schema.yaml`, read through the generator's model so a
/// new pattern the app does not walk through fails this test.
fn declared_patterns() -> Vec<String> {
    let checked = codegen::check_file(concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.yaml"))
        .expect("schema.yaml is readable");
    let model = checked.model.expect("schema.yaml is valid");
    model.access_patterns.into_iter().map(|p| p.name).collect()
}

#[test]
fn the_app_walks_through_every_access_pattern() {
    let endpoint = singletable::test_util::endpoint().expect("a DynamoDB Local to run against");
    let table = format!("walkthrough-{}-{:08x}", std::process::id(), clock_nanos());
    let output = Command::new(env!("CARGO_BIN_EXE_example-app"))
        .args(["--table", &table])
        .env(singletable::test_util::ENDPOINT_VARIABLE, &endpoint)
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ACCESS_KEY_ID")
        .output()
        .expect("the app runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");

    let patterns = declared_patterns();
    assert_eq!(patterns.len(), 14, "{patterns:?}");
    for pattern in &patterns {
        assert!(
            stdout.contains(&format!("-- {pattern}:")),
            "the app does not show `{pattern}`:\n{stdout}"
        );
    }
    for section in [
        "== Updates ==",
        "== A transaction",
        "insert alice again: condition failed",
        "stale update of t-1: condition failed",
        "transaction cancelled: action 2 (Project)",
        "insert mallory: User: `email`",
        "carl took her old one",
        "open tasks left",
        "activity_feed_across the last 7 days: 3 activities",
        "== Batches ==",
        "batch_delete them again: 2 projects left",
        "== Done ==",
    ] {
        assert!(stdout.contains(section), "missing `{section}`:\n{stdout}");
    }

    // Drop the table the app created.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = singletable::test_util::client().unwrap();
    runtime
        .block_on(singletable::Table::new(client, table).delete_table())
        .unwrap();
}

/// A little randomness for the table name, from the clock.
fn clock_nanos() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default()
}

#[test]
fn bad_arguments_are_refused_with_usage() {
    let output = Command::new(env!("CARGO_BIN_EXE_example-app"))
        .arg("--tabel")
        .output()
        .expect("the app runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("unknown argument `--tabel`"), "{stderr}");
    assert!(
        stderr.contains("usage: example-app [--table NAME]"),
        "{stderr}"
    );
}
