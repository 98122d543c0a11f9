//! How generated code and its compile cost grow with the schema: for synthetic schemas of 10,
//! 30 and 100 entities, the generated lines, the time the debug `codegen` binary (the one a
//! `build.rs` runs) takes to generate them, and the time and peak memory of a clean debug
//! build of a crate holding the generated code. Prints a table.
//!
//! `cargo bench -p codegen --bench scaling [-- --sizes 10,30] [-- --against CHECKOUT]`.
//! With `--against`, a second checkout of this repository (its own `codegen` and `runtime`)
//! is measured in the same run as "before", this one as "after", interleaved, with ratios.
//!
//! Everything lives under this repository's `target/scaling/`: the schemas, one scratch crate
//! per side and size (its own `[workspace]`, `singletable` by path, the generated file
//! `include!`d), and one target directory they share, so the AWS SDK is built once and kept
//! between runs. Before timing, a warm-up crate with the same dependencies builds them; each
//! timed build then compiles the scratch crate alone, after `cargo clean -p` removed it.

mod schema;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

const USAGE: &str = "usage: cargo bench -p codegen --bench scaling -- [options]
  --sizes 10,30,100    entity counts to measure (also SCALING_SIZES); default 10,30,100
  --against CHECKOUT   also measure another checkout of this repository as \"before\"
  --runs N             generation runs per side and size, best taken; default 5
  --build-runs N       clean builds per side and size, best taken; default 1";

struct Options {
    sizes: Vec<usize>,
    against: Option<PathBuf>,
    runs: usize,
    build_runs: usize,
}

/// One checkout being measured.
struct Side {
    label: &'static str,
    root: PathBuf,
    /// This side's debug `codegen`, copied out of its target directory so that two
    /// checkouts sharing one `CARGO_TARGET_DIR` cannot overwrite each other's binary.
    codegen: PathBuf,
    /// `target/scaling/<label>/`: this side's scratch crates.
    dir: PathBuf,
}

/// What one side measured for one size.
struct Row {
    lines: usize,
    generate: Duration,
    build: Duration,
    build_cpu: Duration,
    peak_kib: u64,
}

fn main() {
    let options = match parse_args() {
        Ok(o) => o,
        Err(message) => {
            eprintln!("{message}\n{USAGE}");
            std::process::exit(2);
        }
    };
    if let Err(message) = run(&options) {
        eprintln!("scaling bench failed: {message}");
        std::process::exit(1);
    }
}

fn parse_args() -> Result<Options, String> {
    let mut options = Options {
        sizes: vec![10, 30, 100],
        against: None,
        runs: 5,
        build_runs: 1,
    };
    if let Ok(sizes) = std::env::var("SCALING_SIZES") {
        options.sizes = parse_sizes(&sizes)?;
    }
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            // `cargo bench` passes `--bench` to every bench binary.
            "--bench" => {}
            "--sizes" => options.sizes = parse_sizes(&value("--sizes")?)?,
            "--against" => options.against = Some(PathBuf::from(value("--against")?)),
            "--runs" => options.runs = parse_count("--runs", &value("--runs")?)?,
            "--build-runs" => {
                options.build_runs = parse_count("--build-runs", &value("--build-runs")?)?;
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unexpected argument `{other}`")),
        }
    }
    Ok(options)
}

fn parse_sizes(text: &str) -> Result<Vec<usize>, String> {
    text.split(',')
        .map(|s| parse_count("--sizes", s.trim()))
        .collect()
}

fn parse_count(name: &str, text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("{name} takes positive whole numbers, not `{text}`")),
    }
}

fn run(options: &Options) -> Result<(), String> {
    let repo = canonical(&Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))?;
    let work = repo.join("target/scaling");
    let shared_target = work.join("target");
    let mut checkouts = Vec::new();
    if let Some(against) = &options.against {
        checkouts.push(("before", canonical(against)?));
    }
    checkouts.push(("after", repo.clone()));

    let mut sides = Vec::new();
    for (label, root) in checkouts {
        for needed in ["Cargo.toml", "codegen", "runtime"] {
            if !root.join(needed).exists() {
                return Err(format!(
                    "{} has no {needed}: not a checkout of this repository",
                    root.display()
                ));
            }
        }
        let dir = work.join(label);
        create_dir(&dir)?;
        eprintln!("== building the debug codegen of {}", root.display());
        let codegen = build_codegen(&root, &dir)?;
        eprintln!("== building the dependencies of the generated code for {label}");
        let side = Side {
            label,
            root,
            codegen,
            dir,
        };
        warm_up(&side, &shared_target)?;
        sides.push(side);
    }

    let mut results = Vec::new();
    for &entities in &options.sizes {
        let schema_path = work.join(format!("schema-{entities}.yaml"));
        write(&schema_path, &schema::synthetic_schema(entities))?;
        let rows = measure_size(options, &sides, entities, &schema_path, &shared_target)?;
        results.push((entities, rows));
    }
    print_table(options, &sides, &results);
    Ok(())
}

/// Generates and builds one size on every side, interleaving the sides run by run (and
/// alternating which goes first) so that drift of a busy machine hits them alike.
fn measure_size(
    options: &Options,
    sides: &[Side],
    entities: usize,
    schema_path: &Path,
    shared_target: &Path,
) -> Result<Vec<Row>, String> {
    eprintln!("== {entities} entities");
    let mut generate = vec![Vec::new(); sides.len()];
    let mut lines = vec![0; sides.len()];
    for run in 0..options.runs {
        for i in order(sides.len(), run) {
            let side = &sides[i];
            let out = scratch_dir(side, entities).join("generated.rs");
            let (time, n) = generate_once(side, schema_path, &out)?;
            generate[i].push(time);
            lines[i] = n;
        }
    }
    let mut builds: Vec<Vec<(Duration, Duration, u64)>> = vec![Vec::new(); sides.len()];
    for side in sides {
        write_scratch_crate(side, entities)?;
    }
    for run in 0..options.build_runs {
        for i in order(sides.len(), run) {
            let side = &sides[i];
            let measured = clean_build(side, entities, shared_target)?;
            eprintln!(
                "   {}: clean build {:.1} s, peak {}",
                side.label,
                measured.0.as_secs_f64(),
                memory(measured.2)
            );
            builds[i].push(measured);
        }
    }
    Ok((0..sides.len())
        .map(|i| {
            let best = builds[i]
                .iter()
                .min_by_key(|b| b.0)
                .copied()
                .unwrap_or_default();
            Row {
                lines: lines[i],
                generate: generate[i].iter().min().copied().unwrap_or_default(),
                build: best.0,
                build_cpu: best.1,
                // Memory barely varies between runs; the largest seen is reported.
                peak_kib: builds[i].iter().map(|b| b.2).max().unwrap_or_default(),
            }
        })
        .collect())
}

/// Side indices for one run: in order on even runs, reversed on odd ones.
fn order(sides: usize, run: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..sides).collect();
    if !run.is_multiple_of(2) {
        order.reverse();
    }
    order
}

/// Builds a checkout's debug `codegen` with cargo (in that checkout's own target directory,
/// or `CARGO_TARGET_DIR`) and copies the binary into `dir`.
fn build_codegen(root: &Path, dir: &Path) -> Result<PathBuf, String> {
    let output = cargo()
        .args(["build", "-p", "codegen", "--bin", "codegen"])
        .args([
            "--message-format",
            "json-render-diagnostics",
            "--manifest-path",
        ])
        .arg(root.join("Cargo.toml"))
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !output.status.success() {
        return Err(format!("building codegen in {} failed", root.display()));
    }
    let built = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "codegen")
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .ok_or_else(|| format!("cargo reported no codegen binary for {}", root.display()))?;
    let copy = dir.join("codegen");
    fs::copy(&built, &copy).map_err(|e| format!("cannot copy {}: {e}", built.display()))?;
    Ok(copy)
}

/// Runs the side's `codegen generate` once, from scratch (the output file removed first,
/// so every run writes it), and returns the wall time and the generated line count.
fn generate_once(side: &Side, schema: &Path, out: &Path) -> Result<(Duration, usize), String> {
    create_dir(
        out.parent()
            .expect("the output sits in a scratch directory"),
    )?;
    let _ = fs::remove_file(out);
    let start = Instant::now();
    let output = Command::new(&side.codegen)
        .arg("generate")
        .arg(schema)
        .arg("--out")
        .arg(out)
        .env("NO_COLOR", "1")
        .output()
        .map_err(|e| format!("cannot run {}: {e}", side.codegen.display()))?;
    let elapsed = start.elapsed();
    if !output.status.success() {
        return Err(format!(
            "{} codegen rejected {}:\n{}",
            side.label,
            schema.display(),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let code =
        fs::read_to_string(out).map_err(|e| format!("cannot read {}: {e}", out.display()))?;
    Ok((elapsed, code.lines().count()))
}

fn scratch_dir(side: &Side, entities: usize) -> PathBuf {
    side.dir.join(format!("e{entities}"))
}

/// The package name of a side's scratch crate; distinct per side and size, so that
/// `cargo clean -p` in the shared target directory removes only the crate about to be built.
fn package_name(side: &Side, entities: usize) -> String {
    format!("scaling-{}-e{entities}", side.label)
}

/// Writes a scratch crate: its own workspace, `singletable` from the side's checkout, the
/// checkout's lock file (so dependency versions match what the checkout builds with) and its
/// `[profile.dev.package."*"]` settings (so the prebuilt dependencies are the same artifacts).
fn write_crate(side: &Side, dir: &Path, name: &str, lib: &str) -> Result<(), String> {
    create_dir(&dir.join("src"))?;
    let runtime = side.root.join("runtime");
    let manifest = format!(
        "# Written by the scaling bench (codegen/benches/scaling).\n\
         [package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\nsingletable = {{ path = {runtime:?} }}\n\n\
         [workspace]\n\n{}",
        dependency_profile(&side.root)?
    );
    write(&dir.join("Cargo.toml"), &manifest)?;
    write(&dir.join("src/lib.rs"), lib)?;
    let lock = side.root.join("Cargo.lock");
    if lock.exists() {
        fs::copy(&lock, dir.join("Cargo.lock"))
            .map_err(|e| format!("cannot copy {}: {e}", lock.display()))?;
    }
    Ok(())
}

fn write_scratch_crate(side: &Side, entities: usize) -> Result<(), String> {
    let lib = format!(
        "//! The code generated for the scaling bench's {entities}-entity schema.\n\
         include!(\"../generated.rs\");\n"
    );
    let name = package_name(side, entities);
    write_crate(side, &scratch_dir(side, entities), &name, &lib)
}

/// The `[profile.dev.package."*"]` section of a checkout's root manifest, verbatim.
fn dependency_profile(root: &Path) -> Result<String, String> {
    let manifest = read(&root.join("Cargo.toml"))?;
    let mut section = String::new();
    let mut inside = false;
    for line in manifest.lines() {
        if line.trim_start().starts_with('[') {
            inside = line.trim() == "[profile.dev.package.\"*\"]";
        }
        if inside {
            section.push_str(line);
            section.push('\n');
        }
    }
    Ok(section)
}

/// Builds the dependencies of the generated code (the side's runtime, the AWS SDK) through
/// a crate with an empty library and the same dependencies, untimed.
fn warm_up(side: &Side, shared_target: &Path) -> Result<(), String> {
    let dir = side.dir.join("warm-up");
    let name = format!("scaling-{}-warm-up", side.label);
    write_crate(side, &dir, &name, "//! Builds the dependencies only.\n")?;
    let status = cargo()
        .arg("build")
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", shared_target)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!("the warm-up build in {} failed", dir.display()));
    }
    Ok(())
}

/// Removes the scratch crate's artifacts and builds it again, timed. Returns the wall time,
/// the CPU time (user + system) and the peak resident memory in KiB of the build, rustc
/// included: `wait4` reports the largest of the process tree cargo waited for.
fn clean_build(
    side: &Side,
    entities: usize,
    shared_target: &Path,
) -> Result<(Duration, Duration, u64), String> {
    let dir = scratch_dir(side, entities);
    let name = package_name(side, entities);
    let clean = cargo()
        .args(["clean", "--quiet", "-p", &name])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", shared_target)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !clean.success() {
        return Err(format!("`cargo clean -p {name}` failed"));
    }
    let log_path = dir.join("build.log");
    let log = fs::File::create(&log_path)
        .map_err(|e| format!("cannot create {}: {e}", log_path.display()))?;
    let start = Instant::now();
    let child = cargo()
        .arg("build")
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", shared_target)
        .env("CARGO_TERM_COLOR", "never")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    let (status, cpu, peak_kib) = wait_with_usage(child.id())?;
    let elapsed = start.elapsed();
    let log = read(&log_path)?;
    if !status.success() {
        return Err(format!(
            "the {} build of the {entities}-entity code failed:\n{log}",
            side.label
        ));
    }
    // A timed build that compiled anything besides the scratch crate measured the wrong thing.
    let others: Vec<&str> = log
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("Compiling ") && !l.contains(&format!("Compiling {name} ")))
        .collect();
    if !others.is_empty() {
        return Err(format!(
            "the timed build of {name} also compiled dependencies:\n{}",
            others.join("\n")
        ));
    }
    Ok((elapsed, cpu, peak_kib))
}

/// Waits for a child with `wait4`, which (unlike `std::process::Child::wait`) returns the
/// child's resource usage: its CPU time and the largest resident set of it and every
/// descendant it waited for.
fn wait_with_usage(pid: u32) -> Result<(ExitStatus, Duration, u64), String> {
    use std::os::unix::process::ExitStatusExt as _;
    let pid = libc::pid_t::try_from(pid).map_err(|_| "child pid out of range".to_owned())?;
    let mut status = 0;
    // SAFETY: an all-zero `rusage` is a valid value of the plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `pid` is our own unreaped child; both pointers are to live locals.
        let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if reaped == pid {
            break;
        }
        let error = io::Error::last_os_error();
        if error.kind() != io::ErrorKind::Interrupted {
            return Err(format!("wait4 failed: {error}"));
        }
    }
    let time = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    let cpu = time(usage.ru_utime) + time(usage.ru_stime);
    // Linux reports ru_maxrss in KiB.
    Ok((
        ExitStatus::from_raw(status),
        cpu,
        u64::try_from(usage.ru_maxrss).unwrap_or(0),
    ))
}

fn print_table(options: &Options, sides: &[Side], results: &[(usize, Vec<Row>)]) {
    println!();
    println!(
        "scaling: generated code and its clean debug build (best of {} generation run{} and {} build run{})",
        options.runs,
        plural(options.runs),
        options.build_runs,
        plural(options.build_runs)
    );
    for side in sides {
        println!("  {:<6} = {}", side.label, side.root.display());
    }
    println!(
        "  machine: {} CPUs, load average {}",
        cpus(),
        load_average()
    );
    println!();
    println!(
        "{:>8}  {:<12}  {:>9}  {:>8}  {:>9}  {:>9}  {:>9}  {:>9}",
        "entities", "side", "lines", "/entity", "generate", "build", "build cpu", "peak mem"
    );
    for (entities, rows) in results {
        for (side, row) in sides.iter().zip(rows) {
            println!(
                "{:>8}  {:<12}  {:>9}  {:>8}  {:>9}  {:>9}  {:>9}  {:>9}",
                entities,
                side.label,
                thousands(row.lines),
                thousands(row.lines / entities),
                seconds(row.generate),
                seconds(row.build),
                seconds(row.build_cpu),
                memory(row.peak_kib)
            );
        }
        if let [before, after] = rows.as_slice() {
            let ratio = |a: f64, b: f64| {
                if b > 0.0 {
                    format!("{:.2}x", a / b)
                } else {
                    "-".to_owned()
                }
            };
            let secs = |a: Duration, b: Duration| ratio(a.as_secs_f64(), b.as_secs_f64());
            println!(
                "{:>8}  {:<12}  {:>9}  {:>8}  {:>9}  {:>9}  {:>9}  {:>9}",
                entities,
                "after/before",
                ratio(after.lines as f64, before.lines as f64),
                "",
                secs(after.generate, before.generate),
                secs(after.build, before.build),
                secs(after.build_cpu, before.build_cpu),
                ratio(after.peak_kib as f64, before.peak_kib as f64)
            );
        }
    }
}

fn cargo() -> Command {
    // `cargo bench` tells its bench binaries which cargo runs them.
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

fn cpus() -> String {
    std::thread::available_parallelism().map_or("?".to_owned(), |n| n.to_string())
}

fn load_average() -> String {
    fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_owned())
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn seconds(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn memory(kib: u64) -> String {
    if kib >= 1024 * 1024 {
        format!("{:.2} GB", kib as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} MB", kib / 1024)
    }
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn canonical(path: &Path) -> Result<PathBuf, String> {
    path.canonicalize()
        .map_err(|e| format!("cannot find {}: {e}", path.display()))
}

fn create_dir(dir: &Path) -> Result<(), String> {
    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))
}

fn read(path: &Path) -> Result<String, String> {
    fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
