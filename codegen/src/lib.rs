//! # codegen
//!
//! Turns a singletable `schema.yaml` into typed Rust. The passes are separate modules:
//! [`parse`] (the only one that knows YAML) → [`validate`] → [`model`] (the IR emitters read).
//! Every problem becomes a [`Diagnostic`] with file, line, column, YAML path and a `help:` line;
//! all of them are collected before anything fails.
//!
//! `build.rs` users call this library; `cargo run -p codegen -- …` is a thin CLI over it.

#![warn(missing_docs)]

pub mod ast;
pub mod diagnostics;
pub mod model;
pub mod names;
pub mod parse;
pub mod validate;

use std::path::Path;

pub use diagnostics::{Diagnostic, Severity, Source, Style};
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
    let parsed = parse::parse(path.as_ref(), text);
    let mut diagnostics = parsed.diagnostics;
    let mut model = None;
    if let Some(schema) = &parsed.schema {
        diagnostics.extend(validate::validate(schema));
        if !diagnostics::has_errors(&diagnostics) {
            model = model::build(schema);
            if model.is_none() {
                diagnostics.push(Diagnostic::error(
                    "internal",
                    "",
                    "the schema passed validation but could not be modelled",
                    "this is a bug in the generator's validator; please report it with the schema",
                ));
            }
        }
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
