//! `cargo run -p codegen -- <command>`: a thin command line over the codegen library.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Where `cargo run -p codegen` with no arguments writes the review copy of `schema.yaml`.
const REVIEW_COPY: &str = "example-app/generated.rs";

const USAGE: &str = "usage:
  codegen                                            schema.yaml -> example-app/generated.rs
  codegen check <schema.yaml> [--format text|json] [--against OLD]
                                                     validate; exit 1 on errors, and with
                                                     --against on breaking changes from OLD
  codegen diff <OLD> <schema.yaml> [--format text|json]
                                                     every change from OLD: safe, needs a
                                                     backfill, or breaking (exit 1)
                                                     OLD is a file or git:<rev> (the same
                                                     file at that revision)
  codegen migration <OLD> <schema.yaml> --out <file.rs> [--check]
                                                     write the stored-data migration from OLD
                                                     (--check: exit 1 if the file differs)
  codegen generate <schema.yaml> --out <file.rs> [--check] [--no-serde]
                                                     write the code; with --check, only
                                                     compare and exit 1 if the file differs;
                                                     --no-serde: no serde derives
  codegen export cloudformation|terraform <schema.yaml> [--out <file>]
          [--billing on-demand|provisioned --read N --write N]
          [--table-name NAME] [--no-pitr] [--no-deletion-protection]
                                                     the table as a CloudFormation template
                                                     (JSON) or a Terraform resource (HCL):
                                                     on-demand, point-in-time recovery and
                                                     deletion protection by default; the
                                                     capacity applies to each global index
  codegen lint <schema.yaml> [--format text|json] [--deny warnings]
                                                     design warnings (exit 1 on errors, and
                                                     with --deny warnings on any warning)
  codegen json-schema --out <schema.json> [--check]  write the JSON Schema of schema.yaml
  codegen docs <schema.yaml> --out <file.md> [--check]
                                                     write the Markdown catalogue of access
                                                     patterns and entities, with diagrams
  codegen explain <schema.yaml> <pattern> [--format text|json]
                                                     the exact requests a pattern sends, for
                                                     each narrowing, with example values";

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
        Some("diff") => diff_command(&args[1..]),
        Some("migration") => migration_command(&args[1..]),
        Some("generate") => generate_command(&args[1..]),
        Some("export") => export_command(&args[1..]),
        Some("lint") => lint_command(&args[1..]),
        Some("json-schema") => json_schema_command(&args[1..]),
        Some("docs") => docs_command(&args[1..]),
        Some("explain") => explain_command(&args[1..]),
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

/// The value of `--format`: whether it asks for JSON.
fn format(value: Option<&String>) -> Result<bool, ExitCode> {
    match value.map(String::as_str) {
        Some("json") => Ok(true),
        Some("text") => Ok(false),
        other => Err(usage_error(&format!(
            "--format takes text or json, not {other:?}"
        ))),
    }
}

/// A command's plain arguments and whether `--format json` was given.
fn positional_and_format(args: &[String]) -> Result<(Vec<String>, bool), ExitCode> {
    let mut positional = Vec::new();
    let mut json = false;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--format" => json = format(rest.next())?,
            other => positional.push(other.to_owned()),
        }
    }
    Ok((positional, json))
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("{message}\n{USAGE}");
    ExitCode::from(2)
}

fn check(args: &[String]) -> ExitCode {
    let mut schema = None;
    let mut json = false;
    let mut against = None;
    let mut migration = None;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--against" => match rest.next() {
                Some(old) => against = Some(old.clone()),
                None => return usage_error("--against needs a file or git:<rev>"),
            },
            "--migration" => match rest.next() {
                Some(file) => migration = Some(file.clone()),
                None => return usage_error("--migration needs the migration's file"),
            },
            "--format" => match format(rest.next()) {
                Ok(is_json) => json = is_json,
                Err(code) => return code,
            },
            path if schema.is_none() => schema = Some(path.to_owned()),
            other => return usage_error(&format!("unexpected argument `{other}`")),
        }
    }
    let schema = schema.unwrap_or_else(|| "schema.yaml".to_owned());
    if let Some(old) = against {
        return diff(&old, &schema, json, Some(migration.as_deref()));
    }
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

fn diff_command(args: &[String]) -> ExitCode {
    let (files, json) = match positional_and_format(args) {
        Ok(parsed) => parsed,
        Err(code) => return code,
    };
    let [old, new] = files.as_slice() else {
        return usage_error("diff needs the old schema (a file or git:<rev>) and the new one");
    };
    diff(old, new, json, None)
}

fn migration_command(args: &[String]) -> ExitCode {
    let mut files = Vec::new();
    let mut out = None;
    let mut check_only = false;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--out" => match rest.next() {
                Some(path) => out = Some(PathBuf::from(path)),
                None => return usage_error("--out needs a file"),
            },
            "--check" => check_only = true,
            path => files.push(path.to_owned()),
        }
    }
    let ([old_spec, new_path], Some(out)) = (files.as_slice(), out) else {
        return usage_error("migration needs the old schema, the new one and --out <file.rs>");
    };
    let (old_label, old_model, new_model) = match versions(old_spec, new_path) {
        Ok(versions) => versions,
        Err(code) => return code,
    };
    let code = match codegen::migration::migration(&old_model, &new_model, &old_label, new_path) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    write_output(
        &out,
        &code,
        check_only,
        &format!("{old_label} -> {new_path}"),
        &format!("migration {old_spec} {new_path} --out {}", out.display()),
    )
}

/// Both versions of a schema, checked and modelled, with the old one's label; the errors of
/// either are printed.
fn versions(
    old_spec: &str,
    new_path: &str,
) -> Result<(String, codegen::Model, codegen::Model), ExitCode> {
    let (old_label, old_text) = read_old(old_spec, Path::new(new_path)).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::FAILURE
    })?;
    let old = codegen::check_str(&old_label, &old_text);
    let new = codegen::check_file(new_path).map_err(|e| {
        eprintln!("error: cannot read {new_path}: {e}");
        ExitCode::FAILURE
    })?;
    match (old.model.clone(), new.model.clone()) {
        (Some(o), Some(n)) => Ok((old_label, o, n)),
        _ => {
            for checked in [&old, &new].into_iter().filter(|c| c.model.is_none()) {
                eprintln!("{}", checked.render(codegen::Style::detect()));
            }
            eprintln!("error: both schemas must check without errors to be compared");
            Err(ExitCode::FAILURE)
        }
    }
}

/// The text of the old schema: a file, or `git:<rev>` for `schema` at that revision.
fn read_old(spec: &str, schema: &Path) -> Result<(String, String), String> {
    let Some(rev) = spec.strip_prefix("git:") else {
        return std::fs::read_to_string(spec)
            .map(|text| (spec.to_owned(), text))
            .map_err(|e| format!("cannot read {spec}: {e}"));
    };
    let dir = schema
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = schema.file_name().ok_or("the schema path names no file")?;
    let object = format!("{rev}:./{}", name.to_string_lossy());
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["show", &object])
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "git show {object} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let text = String::from_utf8(out.stdout).map_err(|_| format!("{object} is not UTF-8"))?;
    Ok((format!("{}@{rev}", schema.display()), text))
}

/// Compares two schema versions; exit 1 on a breaking change (or a schema that does not
/// check). `check` is `Some` for `check --against`, which leaves safe changes out, holding
/// the migration file declared for the change, if any: the changes its generated migration
/// performs then do not fail the check, provided the file is that migration.
fn diff(old_spec: &str, new_path: &str, json: bool, check: Option<Option<&str>>) -> ExitCode {
    let (old_label, old_model, new_model) = match versions(old_spec, new_path) {
        Ok(versions) => versions,
        Err(code) => return code,
    };
    let (old_model, new_model) = (&old_model, &new_model);
    let mut changes = codegen::diff::diff(old_model, new_model);
    if check.is_some() {
        changes.retain(|c| c.kind.class() != codegen::diff::Class::Safe);
    }
    let declared = check.flatten();
    if let Some(file) = declared {
        let expected = codegen::migration::migration(old_model, new_model, &old_label, new_path);
        let current = std::fs::read_to_string(file).ok();
        if expected.ok() != current {
            eprintln!(
                "error: {file} is not the migration from {old_label} to {new_path}; regenerate it with `codegen migration {old_spec} {new_path} --out {file}`"
            );
            return ExitCode::FAILURE;
        }
    }
    let handled =
        |c: &codegen::diff::Change| declared.is_some() && codegen::migration::performs(c.kind);
    if json {
        println!("{}", codegen::diff::to_json(&changes, &old_label, new_path));
    } else {
        eprint!("{}", codegen::diff::render(&changes, &old_label, new_path));
        let count = |class| changes.iter().filter(|c| c.kind.class() == class).count();
        eprintln!(
            "{new_path} against {old_label}: {} breaking, {} needing a backfill, {} safe",
            count(codegen::diff::Class::Breaking),
            count(codegen::diff::Class::Backfill),
            count(codegen::diff::Class::Safe)
        );
    }
    if let Some(file) = declared {
        let n = changes.iter().filter(|c| handled(c)).count();
        eprintln!("{n} of these changes are performed by the declared migration {file}");
    }
    if changes
        .iter()
        .any(|c| c.kind.class() == codegen::diff::Class::Breaking && !handled(c))
    {
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
    write_output(
        out,
        &code,
        check_only,
        &schema.display().to_string(),
        &format!("generate {} --out {}", schema.display(), out.display()),
    )
}

fn export_command(args: &[String]) -> ExitCode {
    let args = match codegen::export::Args::parse(args) {
        Ok(args) => args,
        Err(e) => return usage_error(&e),
    };
    let model = match load_model(&args.schema) {
        Ok(model) => model,
        Err(code) => return code,
    };
    let file = Path::new(&args.schema)
        .file_name()
        .map_or_else(|| args.schema.clone(), |n| n.to_string_lossy().into_owned());
    let text = match codegen::export::export(&model, args.format, &args.options, &file) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let Some(out) = args.out else {
        print!("{text}");
        return ExitCode::SUCCESS;
    };
    write_output(Path::new(&out), &text, false, &args.schema, "")
}

fn lint_command(args: &[String]) -> ExitCode {
    let mut schema = None;
    let mut json = false;
    let mut deny = false;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--format" => match format(rest.next()) {
                Ok(is_json) => json = is_json,
                Err(code) => return code,
            },
            "--deny" => match rest.next().map(String::as_str) {
                Some("warnings") => deny = true,
                other => return usage_error(&format!("--deny takes warnings, not {other:?}")),
            },
            path if schema.is_none() => schema = Some(path.to_owned()),
            other => return usage_error(&format!("unexpected argument `{other}`")),
        }
    }
    let schema = schema.unwrap_or_else(|| "schema.yaml".to_owned());
    let linted = match codegen::lint::lint_file(&schema) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: cannot read {schema}: {e}");
            return ExitCode::FAILURE;
        }
    };
    if json {
        println!("{}", linted.to_json());
    } else {
        let rendered = linted.render(codegen::Style::detect());
        if !rendered.is_empty() {
            eprintln!("{rendered}");
        }
        eprintln!("{schema}: {}", linted.summary());
    }
    if linted.has_errors() || (deny && !linted.diagnostics.is_empty()) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn json_schema_command(args: &[String]) -> ExitCode {
    let mut out = None;
    let mut check_only = false;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--out" => match rest.next() {
                Some(path) => out = Some(PathBuf::from(path)),
                None => return usage_error("--out needs a file"),
            },
            "--check" => check_only = true,
            other => return usage_error(&format!("unexpected argument `{other}`")),
        }
    }
    let Some(out) = out else {
        return usage_error("json-schema needs --out <schema.json>");
    };
    let text = codegen::json_schema::json_schema();
    write_output(
        &out,
        &text,
        check_only,
        "the parser's schema shape",
        &format!("json-schema --out {}", out.display()),
    )
}

/// A schema's model, or the rendered diagnostics printed and exit status 1.
fn load_model(schema: &str) -> Result<codegen::Model, ExitCode> {
    let checked = codegen::check_file(schema).map_err(|e| {
        eprintln!("error: cannot read {schema}: {e}");
        ExitCode::FAILURE
    })?;
    match checked.model {
        Some(model) if !checked.has_errors() => Ok(model),
        _ => {
            eprintln!("{}", checked.render(codegen::Style::detect()));
            eprintln!("{schema}: {}", checked.summary());
            Err(ExitCode::FAILURE)
        }
    }
}

fn docs_command(args: &[String]) -> ExitCode {
    let mut schema = None;
    let mut out = None;
    let mut check_only = false;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--out" => match rest.next() {
                Some(path) => out = Some(PathBuf::from(path)),
                None => return usage_error("--out needs a file"),
            },
            "--check" => check_only = true,
            path if schema.is_none() => schema = Some(path.to_owned()),
            other => return usage_error(&format!("unexpected argument `{other}`")),
        }
    }
    let (Some(schema), Some(out)) = (schema, out) else {
        return usage_error("docs needs a schema and --out <file.md>");
    };
    let model = match load_model(&schema) {
        Ok(model) => model,
        Err(code) => return code,
    };
    let name = Path::new(&schema)
        .file_name()
        .map_or_else(|| schema.clone(), |n| n.to_string_lossy().into_owned());
    let text = codegen::docs::render(&model, &name);
    write_output(
        &out,
        &text,
        check_only,
        &schema,
        &format!("docs {schema} --out {}", out.display()),
    )
}

fn explain_command(args: &[String]) -> ExitCode {
    let (positional, json) = match positional_and_format(args) {
        Ok(parsed) => parsed,
        Err(code) => return code,
    };
    let [schema, pattern] = positional.as_slice() else {
        return usage_error("explain needs a schema and an access pattern's name");
    };
    let model = match load_model(schema) {
        Ok(model) => model,
        Err(code) => return code,
    };
    match codegen::explain::explain(&model, pattern) {
        Ok(x) if json => {
            println!("{:#}", codegen::explain::to_json(&x));
            ExitCode::SUCCESS
        }
        Ok(x) => {
            print!("{}", codegen::explain::render_text(&x));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Writes `text` to `out`, or with `check_only` only compares: exit 1 if the file differs,
/// naming the command that regenerates it.
fn write_output(
    out: &Path,
    text: &str,
    check_only: bool,
    from: &str,
    regenerate: &str,
) -> ExitCode {
    if check_only {
        return if std::fs::read_to_string(out).is_ok_and(|old| old == text) {
            eprintln!("{} is up to date with {from}", out.display());
            ExitCode::SUCCESS
        } else {
            eprintln!(
                "{} is out of date with {from}; regenerate it with `cargo run -p codegen -- {regenerate}`",
                out.display()
            );
            ExitCode::FAILURE
        };
    }
    match codegen::write_if_changed(out, text) {
        Ok(true) => {
            eprintln!("wrote {} from {from}", out.display());
            ExitCode::SUCCESS
        }
        Ok(false) => {
            eprintln!("{} is already up to date with {from}", out.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", out.display());
            ExitCode::FAILURE
        }
    }
}
