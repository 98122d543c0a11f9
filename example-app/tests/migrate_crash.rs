//! `example-app migrate` killed part-way (a real kill of the child process) and run again
//! from its checkpoint ends in the same state as an uninterrupted run.

use std::process::{Command, Stdio};
use std::time::Duration;

fn app(table: &str, endpoint: &str, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_example-app"));
    command
        .arg("migrate")
        .args(["--table", table])
        .args(args)
        .env(singletable::test_util::ENDPOINT_VARIABLE, endpoint)
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ACCESS_KEY_ID");
    command
}

#[test]
fn a_killed_migration_resumes_from_its_checkpoint() {
    let endpoint = singletable::test_util::endpoint().expect("a DynamoDB Local to run against");
    let table = format!("migrate-crash-{}", std::process::id());
    let checkpoint = std::env::temp_dir().join(format!("{table}.json"));
    let _ = std::fs::remove_file(&checkpoint);
    let checkpoint_arg = checkpoint.to_string_lossy().into_owned();

    let seeded = app(&table, &endpoint, &["--seed", "1500", "--seed-only"])
        .output()
        .expect("the app runs");
    assert!(
        seeded.status.success(),
        "{}",
        String::from_utf8_lossy(&seeded.stderr)
    );

    // A slow run (300 items a second over 1,500), killed after its first pages.
    let mut slow = app(
        &table,
        &endpoint,
        &["--checkpoint", &checkpoint_arg, "--items-per-second", "300"],
    )
    .stdout(Stdio::null())
    .spawn()
    .expect("the app starts");
    let mut waited = Duration::ZERO;
    while !checkpoint.exists() && waited < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(50));
        waited += Duration::from_millis(50);
    }
    std::thread::sleep(Duration::from_millis(500));
    slow.kill().expect("kill the migration");
    let _ = slow.wait();
    let saved = std::fs::read_to_string(&checkpoint).expect("a checkpoint was written");
    assert!(saved.contains("positions"), "{saved}");

    // Run again: it resumes, finishes, and a second dry run finds nothing left to do.
    let resumed = app(&table, &endpoint, &["--checkpoint", &checkpoint_arg])
        .output()
        .expect("the app runs");
    let stdout = String::from_utf8_lossy(&resumed.stdout);
    assert!(
        resumed.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    assert!(
        stdout.contains("a second dry run would rewrite 0 items"),
        "{stdout}"
    );

    // The end state of an uninterrupted run: every unfinished task (two of three) is in the
    // `open` index, under its project.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = singletable::test_util::client().unwrap();
    let t = singletable::Table::new(client, table);
    let open: u64 = runtime.block_on(async {
        let mut total = 0;
        for p in 0..10 {
            total += example_app::Task::open_tasks(&format!("proj-{p}"))
                .count(&t)
                .await
                .unwrap();
        }
        total
    });
    assert_eq!(open, 1000);
    runtime.block_on(t.delete_table()).unwrap();
    let _ = std::fs::remove_file(&checkpoint);
}
