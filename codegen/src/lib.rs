//! # codegen
//!
//! Turns a singletable `schema.yaml` into typed Rust. The passes are separate modules:
//! [`parse`] (the only one that knows YAML) → [`validate`] → [`model`] (the IR emitters read).
//! Every problem becomes a [`Diagnostic`] with file, line, column, YAML path and a `help:` line;
//! all of them are collected before anything fails.
//!
//! `build.rs` users call this library; `cargo run -p codegen -- …` is a thin CLI over it.

#![warn(missing_docs)]

pub(crate) mod ast;
pub mod diagnostics;
pub mod diff;
pub mod docs;
pub(crate) mod emit;
pub mod examples;
pub mod explain;
pub mod export;
pub mod json_schema;
pub mod lint;
pub mod migration;
pub mod model;
pub(crate) mod names;
pub(crate) mod parse;
pub(crate) mod validate;

use std::path::{Path, PathBuf};

pub use diagnostics::{Diagnostic, Rule, Severity, Source, Style};
pub use model::Model;

/// The outcome of reading and checking a schema.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The schema text and node positions, for rendering diagnostics.
    pub source: Source,
    /// Every error and warning, in the order found.
    pub diagnostics: Vec<Diagnostic>,
    /// The resolved model, when there were no errors.
    pub model: Option<Model>,
}

impl Checked {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        diagnostics::has_errors(&self.diagnostics)
    }

    /// All diagnostics rendered for a terminal or log, separated by blank lines.
    pub fn render(&self, style: Style) -> String {
        self.diagnostics
            .iter()
            .map(|d| diagnostics::render(&self.source, d, style))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// All diagnostics as a JSON array.
    pub fn to_json(&self) -> String {
        diagnostics::to_json(&self.source, &self.diagnostics)
    }

    /// A one-line summary: `2 errors, 1 warning`.
    pub fn summary(&self) -> String {
        let errors = self
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        let warnings = self.diagnostics.len() - errors;
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        format!(
            "{}, {}",
            plural(errors, "error"),
            plural(warnings, "warning")
        )
    }
}

/// Parses, validates and models schema text. `path` names the file in diagnostics.
pub fn check_str(path: impl AsRef<Path>, text: &str) -> Checked {
    check_with(path.as_ref(), text, None)
}

/// [`check_str`], then, given `more`, its checks on the model of a schema without errors
/// (the design warnings of [`lint`]). Warnings a `lint: { allow: [...] }` of the schema
/// allows are left out, whichever pass found them; with `more`, allowed codes that silenced
/// nothing are reported.
pub(crate) fn check_with(
    path: &Path,
    text: &str,
    more: Option<fn(&Model) -> Vec<Diagnostic>>,
) -> Checked {
    let parsed = parse::parse(path, text);
    let mut diagnostics = parsed.diagnostics;
    let mut model = None;
    let mut linted = false;
    if let Some(schema) = &parsed.schema {
        diagnostics.extend(validate::validate(schema));
        if !diagnostics::has_errors(&diagnostics) {
            match model::build(schema, &parsed.source.positions) {
                Ok(m) => {
                    if let Some(more) = more {
                        diagnostics.extend(more(&m));
                        linted = true;
                    }
                    model = Some(m);
                }
                Err(reason) => diagnostics.push(Diagnostic::new(
                    Rule::Internal,
                    "",
                    format!("the schema could not be modelled: {reason}"),
                )),
            }
        }
        diagnostics = lint::apply_allows(schema, diagnostics, linted);
    }
    Checked {
        source: parsed.source,
        diagnostics,
        model,
    }
}

/// Reads and checks a schema file.
pub fn check_file(path: impl AsRef<Path>) -> std::io::Result<Checked> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path)?;
    Ok(check_str(path, &text))
}

/// Choices about the generated code that the schema does not make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Derive serde's `Serialize` and `Deserialize` on every generated struct and enum (on by
    /// default). The derives are about a third of a clean debug build of the generated code;
    /// turn them off when nothing serializes the types, such as to JSON.
    pub serde: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options { serde: true }
    }
}

/// Renders a model as a formatted Rust file with an `@generated` header naming the schema.
pub fn render_model(model: &Model, schema_name: &str) -> Result<String, String> {
    render_model_with(model, schema_name, Options::default())
}

/// [`render_model`] with [`Options`].
pub fn render_model_with(
    model: &Model,
    schema_name: &str,
    options: Options,
) -> Result<String, String> {
    let tokens = emit::emit(model, schema_name, options);
    let file: syn::File = syn::parse2(tokens)
        .map_err(|e| format!("internal error: generated code does not parse: {e}"))?;
    Ok(format!(
        "// @generated by singletable codegen {} from {schema_name}. Do not edit by hand;\n\
         // change the schema and regenerate.\n\n{}",
        env!("CARGO_PKG_VERSION"),
        prettyplease::unparse(&file)
    ))
}

/// A failed generation: the rendered diagnostics (or I/O problem), ready to print.
#[derive(Debug, Clone)]
pub struct Error {
    message: String,
}

impl Error {
    fn new(message: impl Into<String>) -> Self {
        Error {
            message: message.into(),
        }
    }

    /// Prints the diagnostics to stderr and exits the process with status 1. Meant for
    /// `build.rs`: `codegen::compile("schema.yaml").unwrap_or_else(|e| e.exit())`.
    pub fn exit(self) -> ! {
        eprintln!("{}", self.message);
        std::process::exit(1)
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// Checks a schema file and renders its Rust source, or returns the rendered diagnostics.
/// Warnings are returned alongside the source.
pub fn generate_file(schema: &Path, style: Style) -> Result<(String, Checked), Error> {
    generate_file_with(schema, style, Options::default())
}

/// [`generate_file`] with [`Options`].
pub fn generate_file_with(
    schema: &Path,
    style: Style,
    options: Options,
) -> Result<(String, Checked), Error> {
    let checked = check_file(schema)
        .map_err(|e| Error::new(format!("error: cannot read {}: {e}", schema.display())))?;
    if checked.has_errors() {
        return Err(Error::new(format!(
            "{}\n{}: {}",
            checked.render(style),
            schema.display(),
            checked.summary()
        )));
    }
    let Some(model) = &checked.model else {
        return Err(Error::new("internal error: no model for a valid schema"));
    };
    let name = schema
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| schema.display().to_string());
    let code = render_model_with(model, &name, options).map_err(Error::new)?;
    Ok((code, checked))
}

/// Writes `contents` to `path` only if the file's bytes differ. Returns whether it wrote.
pub fn write_if_changed(path: &Path, contents: &str) -> std::io::Result<bool> {
    if std::fs::read(path).is_ok_and(|old| old == contents.as_bytes()) {
        return Ok(false);
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, contents)?;
    Ok(true)
}

/// Options for generating code from a schema; shared by `build.rs` users and the CLI.
#[derive(Debug, Clone)]
pub struct Builder {
    schema: PathBuf,
    out_file: Option<PathBuf>,
    cargo: bool,
    options: Options,
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            schema: PathBuf::from("schema.yaml"),
            out_file: None,
            cargo: std::env::var_os("OUT_DIR").is_some(),
            options: Options::default(),
        }
    }
}

impl Builder {
    /// Defaults: `schema.yaml`, written to `$OUT_DIR/singletable.rs`.
    pub fn new() -> Self {
        Self::default()
    }

    /// The schema file to read.
    pub fn schema(mut self, path: impl AsRef<Path>) -> Self {
        self.schema = path.as_ref().to_path_buf();
        self
    }

    /// Where to write the code. Relative paths are under `$OUT_DIR` when run from a build
    /// script; the default is `singletable.rs` there, which `singletable::include_generated!()`
    /// includes.
    pub fn out_file(mut self, path: impl AsRef<Path>) -> Self {
        self.out_file = Some(path.as_ref().to_path_buf());
        self
    }

    /// Whether to derive serde's `Serialize` and `Deserialize` on the generated types (on by
    /// default; see [`Options::serde`]).
    pub fn serde(mut self, on: bool) -> Self {
        self.options.serde = on;
        self
    }

    /// Whether to print `cargo::` instructions (on by default inside a build script).
    pub fn cargo_instructions(mut self, on: bool) -> Self {
        self.cargo = on;
        self
    }

    fn target(&self) -> Result<PathBuf, Error> {
        let out_dir = std::env::var_os("OUT_DIR").map(PathBuf::from);
        let file = self
            .out_file
            .clone()
            .unwrap_or_else(|| PathBuf::from("singletable.rs"));
        match out_dir {
            Some(dir) if file.is_relative() => Ok(dir.join(file)),
            _ if self.out_file.is_some() => Ok(file),
            _ => Err(Error::new(
                "error: no output file: set one with `out_file`, or run from a build script (OUT_DIR)",
            )),
        }
    }

    /// Checks the schema and writes the generated code if it changed. Returns the path
    /// written. Warnings are printed (as `cargo::warning` inside a build script).
    pub fn compile(&self) -> Result<PathBuf, Error> {
        if self.cargo {
            println!("cargo::rerun-if-changed={}", self.schema.display());
        }
        let (code, checked) = generate_file_with(&self.schema, Style::Plain, self.options)?;
        for d in &checked.diagnostics {
            let location = checked.source.locate(d);
            let line = format!(
                "{}:{}:{}: warning: {} (help: {})",
                self.schema.display(),
                location.line,
                location.column,
                d.message,
                d.help
            );
            if self.cargo {
                println!("cargo::warning={line}");
            } else {
                eprintln!("{line}");
            }
        }
        let target = self.target()?;
        write_if_changed(&target, &code)
            .map_err(|e| Error::new(format!("error: cannot write {}: {e}", target.display())))?;
        Ok(target)
    }
}

/// The `build.rs` one-liner: generates `$OUT_DIR/singletable.rs` from `schema`.
///
/// In `build.rs`:
///
/// ```no_run
/// codegen::compile("../schema.yaml").unwrap_or_else(|e| e.exit());
/// ```
pub fn compile(schema: impl AsRef<Path>) -> Result<PathBuf, Error> {
    Builder::new().schema(schema).compile()
}
