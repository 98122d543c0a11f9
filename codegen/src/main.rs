//! `cargo run -p codegen -- <command>`: a thin command line over the codegen library.

use std::process::ExitCode;

const USAGE: &str = "usage:
  codegen check <schema.yaml> [--format text|json]   validate; exit 1 on errors";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("check") => check(&args[1..]),
        Some("-h" | "--help") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
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
                    eprintln!("--format takes `text` or `json`, not {other:?}");
                    return ExitCode::from(2);
                }
            },
            path if schema.is_none() => schema = Some(path.to_owned()),
            other => {
                eprintln!("unexpected argument `{other}`\n{USAGE}");
                return ExitCode::from(2);
            }
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
