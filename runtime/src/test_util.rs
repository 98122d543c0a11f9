//! Test harness: DynamoDB Local for tests and examples, and uniquely named tables.
//!
//! If `AWS_ENDPOINT_URL_DYNAMODB` is set, that endpoint is used (the project's test command
//! starts one DynamoDB Local for the whole run and exports it). Otherwise the first call
//! starts one DynamoDB Local for this process on a free loopback port, installing it through
//! `scripts/dynamodb-local` when needed, and the JVM is stopped when the process exits: it is
//! started under a small shell watchdog that kills it as soon as this process's end of a pipe
//! closes, which the OS does on any exit, including a panic or a kill.

use std::io::Read;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};

use crate::definition::TableDefinition;
use crate::error::{Error, Result};
use crate::table::Table;

/// The environment variable that points the harness at a running DynamoDB (Local).
pub const ENDPOINT_VARIABLE: &str = "AWS_ENDPOINT_URL_DYNAMODB";
/// Overrides where DynamoDB Local is installed (default: `.dynamodb-local` in the workspace).
pub const DIR_VARIABLE: &str = "SINGLETABLE_DYNAMODB_LOCAL_DIR";

const WORKSPACE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// Where DynamoDB Local's jar is (or will be) installed.
pub fn install_dir() -> PathBuf {
    std::env::var_os(DIR_VARIABLE)
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(WORKSPACE).join(".dynamodb-local"))
}

/// A DynamoDB Local this process started; kept alive until the process exits.
struct LocalServer {
    endpoint: String,
    // Never read: holding the write end of the watchdog's pipe keeps the JVM alive. The OS
    // closes it when the process exits, and the watchdog then stops the JVM.
    _watchdog: ChildStdin,
    _child: Child,
}

static LOCAL: OnceLock<std::result::Result<LocalServer, String>> = OnceLock::new();

/// The endpoint tests should use: `AWS_ENDPOINT_URL_DYNAMODB` if set, otherwise a DynamoDB
/// Local started for this process.
pub fn endpoint() -> Result<String> {
    if let Some(url) = std::env::var(ENDPOINT_VARIABLE)
        .ok()
        .filter(|v| !v.trim().is_empty())
    {
        return Ok(url);
    }
    match LOCAL.get_or_init(start_local) {
        Ok(server) => Ok(server.endpoint.clone()),
        Err(message) => Err(Error::Config(message.clone())),
    }
}

fn require_java() -> std::result::Result<(), String> {
    match Command::new("java")
        .arg("-version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
    {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(format!(
            "`java -version` failed ({status}); DynamoDB Local needs a working Java 17 or newer \
             (for example `apt-get install openjdk-17-jre-headless`)"
        )),
        Err(e) => Err(format!(
            "cannot run `java` ({e}); DynamoDB Local needs Java 17 or newer on PATH \
             (for example `apt-get install openjdk-17-jre-headless`)"
        )),
    }
}

/// Makes sure DynamoDB Local is installed, running the project's install script if needed.
pub fn ensure_installed() -> std::result::Result<PathBuf, String> {
    let dir = install_dir();
    let jar = dir.join("DynamoDBLocal.jar");
    if jar.is_file() {
        return Ok(dir);
    }
    let script = Path::new(WORKSPACE).join("scripts/dynamodb-local");
    if !script.is_file() {
        return Err(format!(
            "DynamoDB Local is not installed at {} and the install script {} is missing; \
             set {ENDPOINT_VARIABLE} to a running DynamoDB or {DIR_VARIABLE} to a folder \
             holding DynamoDBLocal.jar",
            dir.display(),
            script.display()
        ));
    }
    let output = Command::new("bash")
        .arg(&script)
        .arg("install")
        .env(DIR_VARIABLE, &dir)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
    if !output.status.success() || !jar.is_file() {
        return Err(format!(
            "installing DynamoDB Local failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(dir)
}

fn free_port() -> std::result::Result<u16, String> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("cannot find a free loopback port: {e}"))
}

const WATCHDOG: &str = r#"
exec 3<&0
java -Djava.library.path="$1/DynamoDBLocal_lib" -jar "$1/DynamoDBLocal.jar" \
  -inMemory -disableTelemetry -port "$2" </dev/null >"$3" 2>&1 &
pid=$!
{ read -r _ <&3; kill "$pid" 2>/dev/null; } &
wait "$pid"
"#;

fn start_local() -> std::result::Result<LocalServer, String> {
    require_java()?;
    let dir = ensure_installed()?;
    let port = free_port()?;
    let log = std::env::temp_dir().join(format!(
        "singletable-dynamodb-local-{}-{port}.log",
        std::process::id()
    ));
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(WATCHDOG)
        .arg("dynamodb-local-watchdog")
        .arg(&dir)
        .arg(port.to_string())
        .arg(&log)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start DynamoDB Local: {e}"))?;
    let watchdog = child.stdin.take().expect("stdin was piped");
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
            break;
        }
        if let Ok(Some(status)) = child.try_wait() {
            let mut text = String::new();
            let _ = std::fs::File::open(&log).and_then(|mut f| f.read_to_string(&mut text));
            return Err(format!(
                "DynamoDB Local exited ({status}) before accepting connections:\n{text}"
            ));
        }
        if Instant::now() > deadline {
            drop(watchdog);
            return Err(format!(
                "DynamoDB Local did not accept connections on {address} within 90 s; \
                 see {}",
                log.display()
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(LocalServer {
        endpoint: format!("http://{address}"),
        _watchdog: watchdog,
        _child: child,
    })
}

/// An SDK client for the test endpoint, with fixed local credentials and region.
pub fn client() -> Result<Client> {
    let endpoint = endpoint()?;
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new(
            "local",
            "local",
            None,
            None,
            "singletable-test",
        ))
        .build();
    Ok(Client::from_conf(config))
}

/// A uniquely named table created from a definition, deleted again when dropped.
#[derive(Debug)]
pub struct TestTable {
    table: Table,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl TestTable {
    /// Creates a fresh table shaped like `def`, named `<def.name>-<pid>-<n>-<random>`.
    pub async fn create(def: &TableDefinition) -> Result<TestTable> {
        let name = format!(
            "{}-{}-{}-{:08x}",
            def.name,
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            fastrand::u32(..)
        );
        let table = Table::new(client()?, name);
        table.create_table(def).await?;
        Ok(TestTable { table })
    }

    /// The table handle.
    pub fn table(&self) -> &Table {
        &self.table
    }
}

impl std::ops::Deref for TestTable {
    type Target = Table;
    fn deref(&self) -> &Table {
        &self.table
    }
}

impl Drop for TestTable {
    fn drop(&mut self) {
        // Drop cannot await; delete on a separate thread with its own small runtime so this
        // works inside and outside of an async context.
        // A fresh client too: the original's connections belong to the test's runtime.
        let name = self.table.name().to_owned();
        let deleted = std::thread::spawn(move || -> Result<()> {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| Error::Config(e.to_string()))?;
            runtime.block_on(Table::new(client()?, name).delete_table())
        })
        .join();
        if let Ok(Err(e)) = deleted {
            eprintln!("warning: could not delete test table: {e}");
        }
    }
}
