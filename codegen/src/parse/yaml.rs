//! The schema text → a tree of YAML nodes, each with the line and column it starts at.
//!
//! One reading: yaml-rust2's marked events are assembled into [`Node`]s here, plain scalars
//! are resolved to null, booleans, numbers or strings (YAML 1.2 core schema, as the schema
//! language documents), aliases are expanded to copies of their anchored node, and the
//! problems a value tree cannot express (more than one document, nesting too deep, aliases
//! that expand without bound) become diagnostics. Duplicate keys are kept in the tree and
//! found by [`index`], which also records every node's position by YAML path.

use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use crate::diagnostics::{Diagnostic, Location, Positions, Rule, Source};

/// Deeper nesting than any schema needs; it bounds the work and the recursion that reads
/// the tree.
const MAX_DEPTH: usize = 128;

/// Node count (after alias expansion) beyond which a document is refused, so a few lines of
/// nested aliases cannot expand into millions of nodes.
const MAX_NODES: usize = 200_000;

/// One YAML node and where it starts.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub value: Value,
    pub at: Location,
    /// Written as an alias (`*name`): the nodes inside are copies, positioned at the anchor.
    pub alias: bool,
}

/// What a node holds.
#[derive(Debug, Clone)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    Sequence(Vec<Node>),
    /// Entries in document order, duplicate keys included until [`index`] removes them.
    Mapping(Vec<(Node, Node)>),
    /// A node with an application tag (`!thing value`).
    Tagged(String, Box<Node>),
}

impl Value {
    /// Whether this is `null`, `~` or an empty value.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Whether this is a mapping.
    pub fn is_mapping(&self) -> bool {
        matches!(self, Value::Mapping(_))
    }

    /// How a diagnostic names this value: `the string "x"`, `a list`.
    pub fn describe(&self) -> String {
        match self {
            Value::Null => "null".to_owned(),
            Value::Bool(b) => format!("the boolean {b}"),
            Value::Int(i) => format!("the number {i}"),
            Value::Float(f) => format!("the number {}", float_text(*f)),
            Value::String(s) => format!("the string {s:?}"),
            Value::Sequence(_) => "a list".to_owned(),
            Value::Mapping(_) => "a mapping".to_owned(),
            Value::Tagged(tag, _) => format!("a value tagged {tag}"),
        }
    }

    /// A scalar's identity as a mapping key, for finding duplicates; `None` for lists and
    /// mappings used as keys (which the schema reader rejects anyway).
    fn key_identity(&self) -> Option<String> {
        match self {
            Value::Null => Some("null".to_owned()),
            Value::Bool(b) => Some(format!("bool {b}")),
            Value::Int(i) => Some(format!("int {i}")),
            Value::Float(f) => Some(format!("float {}", float_text(*f))),
            Value::String(s) => Some(format!("string {s}")),
            Value::Tagged(tag, inner) => Some(format!("{tag} {}", inner.value.key_identity()?)),
            Value::Sequence(_) | Value::Mapping(_) => None,
        }
    }
}

/// A float as YAML writes it: `1.0`, `0.5`, `.inf`, `.nan`.
pub(crate) fn float_text(f: f64) -> String {
    if f.is_nan() {
        ".nan".to_owned()
    } else if f.is_infinite() {
        if f > 0.0 { ".inf" } else { "-.inf" }.to_owned()
    } else if f.fract() == 0.0 && f.abs() < 1e16 {
        format!("{f:.1}")
    } else {
        f.to_string()
    }
}

/// Reads the text into its one document's root node. `Ok(None)` for a stream with no
/// document (an empty file, or only comments). The error is a `yaml-syntax` diagnostic with
/// an exact location.
pub(crate) fn read(source: &Source) -> Result<Option<Node>, Box<Diagnostic>> {
    let mut builder = Builder {
        lines: Lines::new(&source.text),
        stack: Vec::new(),
        anchors: Vec::new(),
        root: None,
        documents: 0,
        nodes: 0,
    };
    let mut parser = Parser::new_from_str(&source.text);
    loop {
        let (event, mark) = match parser.next_token() {
            Ok(next) => next,
            Err(e) => {
                let at = source.location_at(e.marker().line(), e.marker().col());
                return Err(syntax(e.info(), at));
            }
        };
        if event == Event::StreamEnd {
            return Ok(builder.root);
        }
        builder.event(event, mark)?;
    }
}

/// Line starts of the text, so each event's position is found without rescanning the file.
struct Lines<'s> {
    text: &'s str,
    starts: Vec<usize>,
}

impl<'s> Lines<'s> {
    fn new(text: &'s str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Lines { text, starts }
    }

    /// The location of a 1-based line and 0-based character column.
    fn at(&self, line: usize, column: usize) -> Location {
        let start = line
            .checked_sub(1)
            .and_then(|i| self.starts.get(i))
            .copied()
            .unwrap_or(self.text.len());
        let in_line: usize = self.text[start..]
            .chars()
            .take(column)
            .map(char::len_utf8)
            .sum();
        Location {
            line,
            column: column + 1,
            offset: start + in_line,
        }
    }
}

fn syntax(problem: &str, at: Location) -> Box<Diagnostic> {
    Box::new(
        Diagnostic::new(
            Rule::YamlSyntax,
            "",
            format!("the schema is not valid YAML: {problem}"),
        )
        .at(at),
    )
}

/// A mapping or sequence being assembled.
struct Open {
    at: Location,
    anchor: usize,
    tag: Option<String>,
    kind: OpenKind,
}

enum OpenKind {
    Sequence(Vec<Node>),
    /// Completed entries, and a key waiting for its value.
    Mapping(Vec<(Node, Node)>, Option<Node>),
}

struct Builder<'s> {
    lines: Lines<'s>,
    stack: Vec<Open>,
    /// Anchor id → the completed node it names.
    anchors: Vec<(usize, Node)>,
    root: Option<Node>,
    documents: usize,
    nodes: usize,
}

impl Builder<'_> {
    fn event(&mut self, event: Event, mark: Marker) -> Result<(), Box<Diagnostic>> {
        let sequence = matches!(event, Event::SequenceStart(..));
        let at = self.lines.at(mark.line(), mark.col());
        match event {
            Event::DocumentStart => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(syntax(
                        "the file holds more than one document (a second `---`)",
                        at,
                    ));
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                let value = scalar(text, style, tag.as_ref());
                let value = wrap(value, application_tag(tag.as_ref()), at);
                self.complete(
                    Node {
                        value,
                        at,
                        alias: false,
                    },
                    anchor,
                )?;
            }
            Event::Alias(id) => {
                let Some((_, node)) = self.anchors.iter().rev().find(|(a, _)| *a == id) else {
                    return Err(syntax(
                        "this alias refers to a node that contains it, or to no anchor",
                        at,
                    ));
                };
                let mut copy = node.clone();
                self.count(count_nodes(&copy), at)?;
                copy.at = at;
                copy.alias = true;
                self.complete(copy, 0)?;
            }
            Event::SequenceStart(anchor, tag) | Event::MappingStart(anchor, tag) => {
                if self.stack.len() >= MAX_DEPTH {
                    return Err(syntax(
                        &format!("the document nests more than {MAX_DEPTH} levels deep"),
                        at,
                    ));
                }
                let kind = if sequence {
                    OpenKind::Sequence(Vec::new())
                } else {
                    OpenKind::Mapping(Vec::new(), None)
                };
                self.stack.push(Open {
                    at,
                    anchor,
                    tag: application_tag(tag.as_ref()),
                    kind,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some(open) = self.stack.pop() {
                    let value = match open.kind {
                        OpenKind::Sequence(items) => Value::Sequence(items),
                        OpenKind::Mapping(entries, _) => Value::Mapping(entries),
                    };
                    let node = Node {
                        value: wrap(value, open.tag, open.at),
                        at: open.at,
                        alias: false,
                    };
                    self.complete(node, open.anchor)?;
                }
            }
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => {}
        }
        Ok(())
    }

    fn count(&mut self, n: usize, at: Location) -> Result<(), Box<Diagnostic>> {
        self.nodes += n;
        if self.nodes > MAX_NODES {
            return Err(syntax(
                &format!("the document expands to more than {MAX_NODES} nodes through its aliases"),
                at,
            ));
        }
        Ok(())
    }

    /// Places a finished node in its parent (or as the root) and remembers its anchor.
    fn complete(&mut self, node: Node, anchor: usize) -> Result<(), Box<Diagnostic>> {
        self.count(1, node.at)?;
        if anchor != 0 {
            self.anchors.push((anchor, node.clone()));
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Open {
                kind: OpenKind::Sequence(items),
                ..
            }) => items.push(node),
            Some(Open {
                kind: OpenKind::Mapping(entries, pending),
                ..
            }) => match pending.take() {
                None => *pending = Some(node),
                Some(key) => entries.push((key, node)),
            },
        }
        Ok(())
    }
}

fn count_nodes(node: &Node) -> usize {
    1 + match &node.value {
        Value::Sequence(items) => items.iter().map(count_nodes).sum(),
        Value::Mapping(entries) => entries
            .iter()
            .map(|(k, v)| count_nodes(k) + count_nodes(v))
            .sum(),
        Value::Tagged(_, inner) => count_nodes(inner),
        _ => 0,
    }
}

fn wrap(value: Value, tag: Option<String>, at: Location) -> Value {
    match tag {
        None => value,
        Some(tag) => Value::Tagged(
            tag,
            Box::new(Node {
                value,
                at,
                alias: false,
            }),
        ),
    }
}

/// Whether a tag is one of YAML's own (`!!str`), which only steer scalar resolution.
fn is_core(tag: &Tag) -> bool {
    tag.handle == "tag:yaml.org,2002:" || tag.handle == "!!"
}

/// An application tag (`!thing`), kept so a diagnostic can say the value is tagged.
fn application_tag(tag: Option<&Tag>) -> Option<String> {
    tag.filter(|t| !is_core(t))
        .map(|t| format!("{}{}", t.handle, t.suffix))
}

/// Resolves a scalar: quoted text (and `!!str`) is a string; plain text may be null, a
/// boolean or a number.
fn scalar(text: String, style: TScalarStyle, tag: Option<&Tag>) -> Value {
    let forced_string = tag.is_some_and(|t| is_core(t) && t.suffix == "str");
    if style != TScalarStyle::Plain || forced_string {
        return Value::String(text);
    }
    match text.as_str() {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    if let Some(n) = integer(&text) {
        return n;
    }
    if looks_like_float(&text)
        && let Ok(f) = text.parse::<f64>()
        && f.is_finite()
    {
        return Value::Float(f);
    }
    Value::String(text)
}

/// `12`, `-3`, `+4`, `0x1F`, `0o17`, `0b101`. Leading zeros (`007`) make a string, as in
/// YAML 1.2. Integers beyond `i64` become floats.
fn integer(text: &str) -> Option<Value> {
    let (negative, unsigned) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (radix, digits) = if let Some(d) = unsigned.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = unsigned.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = unsigned.strip_prefix("0b") {
        (2, d)
    } else {
        if unsigned.len() > 1 && unsigned.starts_with('0') {
            return None;
        }
        (10, unsigned)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u128::from_str_radix(digits, radix).ok()?;
    let signed = if negative {
        -(i128::try_from(magnitude).ok()?)
    } else {
        i128::try_from(magnitude).ok()?
    };
    Some(match i64::try_from(signed) {
        Ok(i) => Value::Int(i),
        Err(_) => Value::Float(signed as f64),
    })
}

/// Digits with an optional sign, point and exponent (what YAML 1.2 calls a float); rules out
/// words Rust's parser would accept (`inf`, `NaN`).
fn looks_like_float(text: &str) -> bool {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let zero_padded =
        body.len() > 1 && body.starts_with('0') && body.bytes().all(|b| b.is_ascii_digit());
    !zero_padded
        && body.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && body.chars().any(|c| c.is_ascii_digit())
        && body
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '-' | '+'))
}

/// Records where every key and value starts, by YAML path, and reports (and removes) a
/// mapping's repeated keys, pointing at the repeat with a label at the first.
pub(crate) fn index(root: &mut Node, positions: &mut Positions) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    walk(root, "", true, positions, &mut out);
    out
}

fn walk(
    node: &mut Node,
    path: &str,
    record: bool,
    positions: &mut Positions,
    out: &mut Vec<Diagnostic>,
) {
    if record {
        positions.set_value(path, node.at);
    }
    // Inside an alias the nodes are copies: they were reported and positioned at the anchor.
    let record = record && !node.alias;
    match &mut node.value {
        Value::Tagged(_, inner) => walk(inner, path, record, positions, out),
        Value::Sequence(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                walk(item, &format!("{path}[{i}]"), record, positions, out);
            }
        }
        Value::Mapping(entries) => {
            let mut seen: Vec<(String, Location)> = Vec::new();
            entries.retain(|(key, _)| {
                let Some(id) = key.value.key_identity() else {
                    return true;
                };
                match seen.iter().find(|(s, _)| *s == id) {
                    None => {
                        seen.push((id, key.at));
                        true
                    }
                    Some((_, first)) => {
                        if record {
                            out.push(duplicate_key(path, key, *first));
                        }
                        false
                    }
                }
            });
            for (key, value) in entries.iter_mut() {
                let child = super::join(path, &key_text(&key.value));
                if record {
                    positions.set_key(&child, key.at);
                }
                walk(value, &child, record, positions, out);
            }
        }
        _ => {}
    }
}

fn duplicate_key(path: &str, key: &Node, first: Location) -> Diagnostic {
    let name = key_text(&key.value);
    let what = if path.is_empty() {
        "the schema".to_owned()
    } else {
        format!("`{path}`")
    };
    let path = super::join(path, &name);
    Diagnostic::new(
        Rule::DuplicateName,
        path.as_str(),
        format!("`{name}` is declared twice in {what}"),
    )
    .with_help("each name may appear once in a mapping; rename or merge the two entries")
    .at(key.at)
    .at_key()
    .also_at(path, first, "first declared here")
}

/// The text a key contributes to a YAML path.
pub(crate) fn key_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => float_text(*f),
        Value::Tagged(_, inner) => key_text(&inner.value),
        Value::Sequence(_) | Value::Mapping(_) => "?".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(text: &str) -> Value {
        read(&Source::new("s.yaml", text)).unwrap().unwrap().value
    }

    #[test]
    fn plain_scalars_resolve_like_yaml_1_2() {
        let Value::Sequence(items) =
            root("[~, null, true, 12, -3, 0x1F, 007, 1.5, .inf, yes, '12', 1e400]")
        else {
            panic!("a list")
        };
        let got: Vec<String> = items.iter().map(|n| n.value.describe()).collect();
        assert_eq!(
            got,
            [
                "null",
                "null",
                "the boolean true",
                "the number 12",
                "the number -3",
                "the number 31",
                "the string \"007\"",
                "the number 1.5",
                "the number .inf",
                "the string \"yes\"",
                "the string \"12\"",
                "the string \"1e400\"",
            ]
        );
    }

    #[test]
    fn aliases_expand_and_documents_are_counted() {
        let Value::Mapping(entries) = root("a: &x [1, 2]\nb: *x\n") else {
            panic!("a mapping")
        };
        assert!(entries[1].1.alias);
        assert!(matches!(&entries[1].1.value, Value::Sequence(items) if items.len() == 2));
        let two = read(&Source::new("s.yaml", "a: 1\n---\nb: 2\n")).unwrap_err();
        assert_eq!(two.location.map(|l| l.line), Some(2));
        assert!(
            read(&Source::new("s.yaml", "# nothing\n"))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn alias_bombs_and_deep_nesting_are_refused() {
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..8 {
            let p = i - 1;
            bomb.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        assert!(read(&Source::new("s.yaml", bomb.as_str())).is_err());
        let deep = format!("a: {}{}", "[".repeat(500), "]".repeat(500));
        assert!(read(&Source::new("s.yaml", deep.as_str())).is_err());
    }
}
