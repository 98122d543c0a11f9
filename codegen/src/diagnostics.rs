//! Diagnostics: what is wrong with a schema, where (file, line, column, YAML path), and a
//! `help:` line saying what to do. All passes collect them; nothing stops at the first.
//!
//! Rendering uses miette's graphical handler, without colour when `NO_COLOR` is set or the
//! output is not a terminal, and a JSON form for editors and CI.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

mod rule;

pub use rule::Rule;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Generation continues.
    Warning,
    /// Generation fails.
    Error,
}

/// Whether a diagnostic points at a mapping key or at its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// The key (`partiton_key:`), for unknown or misplaced fields.
    Key,
    /// The value, for everything about what was written.
    Value,
}

/// One finding about the schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Which check found it.
    pub rule: Rule,
    /// Error or warning (the rule's severity).
    pub severity: Severity,
    /// The YAML path the finding is about.
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub help: String,
    /// Key or value.
    pub anchor: Anchor,
    /// An exact location, when the YAML parser itself reported one (syntax errors).
    pub location: Option<Location>,
    /// A second place the finding involves, such as the first declaration of a duplicate.
    pub related: Option<Related>,
}

/// A labelled second place of a diagnostic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    /// The YAML path of the other node.
    pub path: String,
    /// Key or value of that node.
    pub anchor: Anchor,
    /// An exact location, when known without the path.
    pub location: Option<Location>,
    /// What the other place is (`first declared here`).
    pub label: String,
}

impl Diagnostic {
    /// A finding of `rule` about the node at `path`, with the rule's severity and help.
    pub fn new(rule: Rule, path: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            rule,
            severity: rule.severity(),
            path: path.into(),
            message: message.into(),
            help: rule.help().to_owned(),
            anchor: Anchor::Value,
            location: None,
            related: None,
        }
    }

    /// Replaces the rule's help with one specific to this finding.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = help.into();
        self
    }

    /// The rule's stable code (`unknown-field`, `ambiguous-keys`).
    pub fn code(&self) -> &'static str {
        self.rule.code()
    }

    /// Point at the mapping key rather than its value.
    pub fn at_key(mut self) -> Self {
        self.anchor = Anchor::Key;
        self
    }

    /// Pin an exact location.
    pub fn at(mut self, location: Location) -> Self {
        self.location = Some(location);
        self
    }

    /// Labels a second node, by YAML path, such as the first of two declarations.
    pub fn also(
        mut self,
        path: impl Into<String>,
        anchor: Anchor,
        label: impl Into<String>,
    ) -> Self {
        self.related = Some(Related {
            path: path.into(),
            anchor,
            location: None,
            label: label.into(),
        });
        self
    }

    /// Labels a second place, at `path`, by its exact location.
    pub fn also_at(
        mut self,
        path: impl Into<String>,
        location: Location,
        label: impl Into<String>,
    ) -> Self {
        self.related = Some(Related {
            path: path.into(),
            anchor: Anchor::Value,
            location: Some(location),
            label: label.into(),
        });
        self
    }
}

/// A position in the schema file: 1-based line and column, and the byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
    /// Byte offset into the file.
    pub offset: usize,
}

/// Where every mapping key and value of the document starts, by YAML path.
#[derive(Debug, Clone, Default)]
pub struct Positions {
    keys: BTreeMap<String, Location>,
    values: BTreeMap<String, Location>,
}

impl Positions {
    /// Records the position of the key of the entry at `path`.
    pub fn set_key(&mut self, path: &str, location: Location) {
        self.keys.entry(path.to_owned()).or_insert(location);
    }

    /// Records the position of the value at `path`.
    pub fn set_value(&mut self, path: &str, location: Location) {
        self.values.entry(path.to_owned()).or_insert(location);
    }

    /// The best location for `path`: the exact node if known, otherwise its nearest ancestor.
    pub fn find(&self, path: &str, anchor: Anchor) -> Option<Location> {
        let mut current = path;
        loop {
            let exact = match anchor {
                Anchor::Key => self.keys.get(current).or_else(|| self.values.get(current)),
                Anchor::Value => self.values.get(current).or_else(|| self.keys.get(current)),
            };
            if let Some(l) = exact {
                return Some(*l);
            }
            current = parent(current)?;
        }
    }
}

/// The YAML path one level up: `a.b[2]` → `a.b`, `a.b` → `a`.
fn parent(path: &str) -> Option<&str> {
    if path.is_empty() {
        return None;
    }
    let cut = path.rfind(['.', '[']).unwrap_or(0);
    Some(&path[..cut])
}

/// The schema source a set of diagnostics refers to.
#[derive(Debug, Clone)]
pub struct Source {
    /// The file path as given.
    pub path: PathBuf,
    /// The file's text.
    pub text: Arc<str>,
    /// Positions of its nodes.
    pub positions: Positions,
}

impl Source {
    /// A source with no positions yet.
    pub fn new(path: impl AsRef<Path>, text: impl Into<Arc<str>>) -> Self {
        Source {
            path: path.as_ref().to_path_buf(),
            text: text.into(),
            positions: Positions::default(),
        }
    }

    /// The location of a diagnostic (line 1, column 1 for an empty or unparsable file).
    pub fn locate(&self, diagnostic: &Diagnostic) -> Location {
        diagnostic
            .location
            .or_else(|| self.positions.find(&diagnostic.path, diagnostic.anchor))
            .unwrap_or(Location {
                line: 1,
                column: 1,
                offset: 0,
            })
    }

    /// The location of a diagnostic's second place, if it has one.
    pub fn locate_related(&self, diagnostic: &Diagnostic) -> Option<Location> {
        let related = diagnostic.related.as_ref()?;
        related
            .location
            .or_else(|| self.positions.find(&related.path, related.anchor))
    }

    /// Converts a 1-based line and 0-based character column into a location.
    pub fn location_at(&self, line: usize, char_column: usize) -> Location {
        let mut offset = 0;
        for (i, l) in self.text.split_inclusive('\n').enumerate() {
            if i + 1 == line {
                let in_line: usize = l.chars().take(char_column).map(char::len_utf8).sum();
                return Location {
                    line,
                    column: char_column + 1,
                    offset: offset + in_line,
                };
            }
            offset += l.len();
        }
        Location {
            line,
            column: char_column + 1,
            offset: self.text.len(),
        }
    }

    /// The location of a byte offset.
    pub fn location_of_offset(&self, offset: usize) -> Location {
        let offset = offset.min(self.text.len());
        let before = &self.text[..floor_char_boundary(&self.text, offset)];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
        Location {
            line,
            column: before[line_start..].chars().count() + 1,
            offset: before.len(),
        }
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// A miette report for one diagnostic.
struct Report<'a> {
    diagnostic: &'a Diagnostic,
    source: NamedSource<Arc<str>>,
    span: SourceSpan,
    /// The second place and its label, when it is near enough to share the snippet.
    related: Option<(SourceSpan, String)>,
    /// The second place, when it is far away: shown as a snippet of its own.
    elsewhere: Vec<Elsewhere>,
    header: String,
}

/// A second place far from the first, rendered below it with its own snippet.
struct Elsewhere {
    header: String,
    source: NamedSource<Arc<str>>,
    span: SourceSpan,
}

impl fmt::Debug for Elsewhere {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.header)
    }
}
impl fmt::Display for Elsewhere {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.header)
    }
}
impl std::error::Error for Elsewhere {}

impl miette::Diagnostic for Elsewhere {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Advice)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            Some("here".to_owned()),
            self.span,
        ))))
    }
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.header)
    }
}
impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.header)
    }
}
impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.diagnostic.code()))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(&self.diagnostic.help))
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.elsewhere.is_empty() {
            return None;
        }
        Some(Box::new(
            self.elsewhere.iter().map(|e| e as &dyn miette::Diagnostic),
        ))
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let label = if self.diagnostic.path.is_empty() {
            "here".to_owned()
        } else {
            format!("at `{}`", self.diagnostic.path)
        };
        let primary = LabeledSpan::new_with_span(Some(label), self.span);
        let related = self
            .related
            .as_ref()
            .map(|(span, label)| LabeledSpan::new_with_span(Some(label.clone()), *span));
        Some(Box::new(std::iter::once(primary).chain(related)))
    }
}

/// How to render diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Colours and Unicode box drawing, for terminals.
    Color,
    /// No colours (for `NO_COLOR`, pipes, files and snapshots).
    Plain,
}

impl Style {
    /// Plain unless stderr is a terminal and `NO_COLOR` is unset.
    pub fn detect() -> Style {
        use std::io::IsTerminal;
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        if !no_color && std::io::stderr().is_terminal() {
            Style::Color
        } else {
            Style::Plain
        }
    }
}

/// Renders one diagnostic: a `file:line:column` header, the source snippet with the YAML
/// path, and the help line.
pub fn render(source: &Source, diagnostic: &Diagnostic, style: Style) -> String {
    let location = source.locate(diagnostic);
    let file = source.path.display().to_string();
    let severity = match diagnostic.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let header = format!(
        "{file}:{}:{}: {severity}: {}",
        location.line, location.column, diagnostic.message
    );
    let named = NamedSource::new(file.clone(), source.text.clone());
    let mut related = None;
    let mut elsewhere = Vec::new();
    if let Some(r) = &diagnostic.related
        && let Some(at) = source.locate_related(diagnostic)
    {
        let label = related_label(diagnostic, r);
        if at.line.abs_diff(location.line) <= NEARBY_LINES {
            related = Some((span_at(source, at), label));
        } else {
            elsewhere.push(Elsewhere {
                header: format!("{file}:{}:{}: {label}", at.line, at.column),
                source: named.clone(),
                span: span_at(source, at),
            });
        }
    }
    let report = Report {
        diagnostic,
        source: named,
        span: span_at(source, location),
        related,
        elsewhere,
        header,
    };
    let theme = match style {
        Style::Color => GraphicalTheme::unicode(),
        Style::Plain => GraphicalTheme::unicode_nocolor(),
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100);
    let mut out = String::new();
    if handler.render_report(&mut out, &report).is_err() {
        out = format!("{report}\n  help: {}\n", diagnostic.help);
    }
    out
}

/// How far apart (in lines) two places of one diagnostic may be and still share a snippet;
/// further apart, the second gets a snippet of its own rather than everything in between.
const NEARBY_LINES: usize = 6;

/// The span of the token starting at `location`: a name, a scalar, or one character.
fn span_at(source: &Source, location: Location) -> SourceSpan {
    let offset = location.offset.min(source.text.len());
    let token_len = source.text[offset..]
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != ':' && *c != ',' && *c != '}')
        .map(char::len_utf8)
        .sum::<usize>()
        .max(1);
    let span_len = token_len.min(source.text.len().saturating_sub(offset));
    SourceSpan::new(offset.into(), span_len)
}

/// `first declared here`, with the YAML path when it differs from the diagnostic's own.
fn related_label(diagnostic: &Diagnostic, related: &Related) -> String {
    if related.path.is_empty() || related.path == diagnostic.path {
        related.label.clone()
    } else {
        format!("{} (`{}`)", related.label, related.path)
    }
}

/// Renders diagnostics as a JSON array for editors and CI.
pub fn to_json(source: &Source, diagnostics: &[Diagnostic]) -> String {
    let items: Vec<serde_json::Value> = diagnostics
        .iter()
        .map(|d| {
            let l = source.locate(d);
            let related = d.related.as_ref().map(|r| {
                let at = source.locate_related(d);
                serde_json::json!({
                    "file": source.path.display().to_string(),
                    "line": at.map(|a| a.line),
                    "column": at.map(|a| a.column),
                    "path": r.path,
                    "label": r.label,
                })
            });
            serde_json::json!({
                "file": source.path.display().to_string(),
                "line": l.line,
                "column": l.column,
                "path": d.path,
                "severity": match d.severity { Severity::Error => "error", Severity::Warning => "warning" },
                "code": d.code(),
                "message": d.message,
                "help": d.help,
                "related": related,
            })
        })
        .collect();
    serde_json::to_string_pretty(&items).unwrap_or_else(|_| "[]".to_owned())
}

/// Whether any diagnostic is an error.
pub fn has_errors(diagnostics: &[Diagnostic]) -> bool {
    diagnostics.iter().any(|d| d.severity == Severity::Error)
}

/// The edit distance between two names, for "did you mean" hints.
pub fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            let next = (row[j + 1] + 1).min(row[j] + 1).min(prev + cost);
            prev = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

/// The closest of `candidates` to `name`, if it is close enough to be a likely typo.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (distance(name, c), c))
        .filter(|(d, c)| *d <= c.len().max(name.len()).div_ceil(3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// "did you mean `x`?" or a list of what is allowed.
pub fn suggest(name: &str, candidates: &[&str]) -> String {
    match closest(name, candidates.iter().copied()) {
        Some(c) => format!("did you mean `{c}`?"),
        None if candidates.is_empty() => "remove it".to_owned(),
        None => format!(
            "expected one of {}",
            candidates
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}
