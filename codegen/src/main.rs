//! `cargo run -p codegen -- <command>`: a thin command line over the codegen library.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Where `cargo run -p codegen` with no arguments writes the review copy of `schema.yaml`.
const REVIEW_COPY: &str = "example-app/generated.rs";

const USAGE: &str = "usage:
  codegen                                            schema.yaml -> example-app/generated.rs
  codegen check <schema.yaml> [--format text|json]   validate; exit 1 on errors
  codegen generate <schema.yaml> --out <file.rs> [--check] [--no-serde]
                                                     write the code; with --check, only
                                                     compare and exit 1 if the file differs;
                                                     --no-serde: no serde derives";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        None => generate(
            Path::new("schema.yaml"),
            Path::new(REVIEW_COPY),
            false,
            codegen::Options::default(),
        ),
        Some("check") => check(&args[1..]),
        Some("generate") => generate_command(&args[1..]),
        Some("-h" | "--help") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("unknown command `{other}`\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("{message}\n{USAGE}");
    ExitCode::from(2)
}

fn check(args: &[String]) -> ExitCode {
    let mut schema = None;
    let mut json = false;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--format" => match rest.next().map(String::as_str) {
                Some("json") => json = true,
                Some("text") => json = false,
                other => {
                    return usage_error(&format!("--format takes text or json, not {other:?}"));
                }
            },
            path if schema.is_none() => schema = Some(path.to_owned()),
            other => return usage_error(&format!("unexpected argument `{other}`")),
        }
    }
    let schema = schema.unwrap_or_else(|| "schema.yaml".to_owned());
    let checked = match codegen::check_file(&schema) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: cannot read {schema}: {e}");
            return ExitCode::FAILURE;
        }
    };
    if json {
        println!("{}", checked.to_json());
    } else {
        let rendered = checked.render(codegen::Style::detect());
        if !rendered.is_empty() {
            eprintln!("{rendered}");
        }
        eprintln!("{schema}: {}", checked.summary());
    }
    if checked.has_errors() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn generate_command(args: &[String]) -> ExitCode {
    let mut schema = None;
    let mut out = None;
    let mut check_only = false;
    let mut options = codegen::Options::default();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--out" => match rest.next() {
                Some(path) => out = Some(PathBuf::from(path)),
                None => return usage_error("--out needs a file"),
            },
            "--check" => check_only = true,
            "--no-serde" => options.serde = false,
            path if schema.is_none() => schema = Some(PathBuf::from(path)),
            other => return usage_error(&format!("unexpected argument `{other}`")),
        }
    }
    let (Some(schema), Some(out)) = (schema, out) else {
        return usage_error("generate needs a schema and --out <file>");
    };
    generate(&schema, &out, check_only, options)
}

fn generate(schema: &Path, out: &Path, check_only: bool, options: codegen::Options) -> ExitCode {
    let (code, checked) =
        match codegen::generate_file_with(schema, codegen::Style::detect(), options) {
            Ok(done) => done,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        };
    if !checked.diagnostics.is_empty() {
        eprintln!("{}", checked.render(codegen::Style::detect()));
    }
    if check_only {
        return if std::fs::read_to_string(out).is_ok_and(|old| old == code) {
            eprintln!("{} is up to date with {}", out.display(), schema.display());
            ExitCode::SUCCESS
        } else {
            eprintln!(
                "{} is out of date with {}; regenerate with `cargo run -p codegen -- generate {} --out {}`",
                out.display(),
                schema.display(),
                schema.display(),
                out.display()
            );
            ExitCode::FAILURE
        };
    }
    match codegen::write_if_changed(out, &code) {
        Ok(true) => {
            eprintln!("wrote {} from {}", out.display(), schema.display());
            ExitCode::SUCCESS
        }
        Ok(false) => {
            eprintln!("{} is already up to date", out.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", out.display());
            ExitCode::FAILURE
        }
    }
}
