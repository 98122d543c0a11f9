//! YAML → [`ast::Schema`](crate::ast::Schema). The only module that knows YAML.
//!
//! One reading of the text: [`yaml`] builds a tree of positioned nodes from yaml-rust2's
//! events, [`yaml::index`] records where every key and value starts by YAML path (so that
//! diagnostics found later, such as unknown fields, bad templates or ambiguous keys, point at a
//! line and column) and reports repeated keys, and [`schema`] reads the tree into the AST.

mod schema;
pub(crate) mod shape;
mod yaml;

use crate::ast::{Schema, Segment, TypeExpr};
use crate::diagnostics::{Diagnostic, Source};

/// The result of parsing: the source (with node positions), the AST if the document could be
/// read at all, and every problem found on the way.
pub struct Parsed {
    /// Text and positions, for rendering diagnostics.
    pub source: Source,
    /// The schema, with invalid parts left out (and reported).
    pub schema: Option<Schema>,
    /// Problems found while parsing.
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses schema text. `path` is only used in diagnostics.
pub fn parse(path: &std::path::Path, text: &str) -> Parsed {
    let mut source = Source::new(path, text);
    let mut root = match yaml::read(&source) {
        Ok(root) => root,
        Err(d) => {
            return Parsed {
                source,
                schema: None,
                diagnostics: vec![*d],
            };
        }
    };
    let mut diagnostics = match &mut root {
        Some(node) => yaml::index(node, &mut source.positions),
        None => Vec::new(),
    };
    let schema = schema::read(root.as_ref().map(|n| &n.value), &mut diagnostics);
    Parsed {
        source,
        schema,
        diagnostics,
    }
}

/// The schema text as the JSON value its YAML denotes, read exactly as the parser reads it
/// (YAML 1.2 core scalars, aliases expanded, tags dropped; a later duplicate key wins). Keys
/// that are not text become their text; numbers JSON cannot hold (`.inf`, `.nan`) become
/// their YAML text.
pub(crate) fn to_json(path: &std::path::Path, text: &str) -> Result<serde_json::Value, String> {
    let source = Source::new(path, text);
    let root = yaml::read(&source).map_err(|d| d.message)?;
    Ok(root.map_or(serde_json::Value::Null, |n| json_of(&n.value)))
}

fn json_of(value: &yaml::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match value {
        yaml::Value::Null => J::Null,
        yaml::Value::Bool(b) => J::Bool(*b),
        yaml::Value::Int(i) => J::from(*i),
        yaml::Value::Float(f) => serde_json::Number::from_f64(*f)
            .map(J::Number)
            .unwrap_or_else(|| J::String(yaml::float_text(*f))),
        yaml::Value::String(s) => J::String(s.clone()),
        yaml::Value::Sequence(items) => J::Array(items.iter().map(|i| json_of(&i.value)).collect()),
        yaml::Value::Mapping(entries) => J::Object(
            entries
                .iter()
                .map(|(k, v)| {
                    let key = match &k.value {
                        yaml::Value::String(s) => s.clone(),
                        other => yaml::key_text(other),
                    };
                    (key, json_of(&v.value))
                })
                .collect(),
        ),
        yaml::Value::Tagged(_, inner) => json_of(&inner.value),
    }
}

fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

/// The scalar type names of the schema language (the same as [`shape::SCALAR_TYPES`], which
/// documents them; a test keeps the two equal).
pub const SCALARS: &[&str] = &[
    "string",
    "integer",
    "float",
    "bool",
    "timestamp",
    "date",
    "uuid",
    "ulid",
    "bytes",
    "ttl",
];

/// Why a type expression is invalid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeProblem {
    /// A name that is neither a scalar nor shaped like a declared type name.
    Unknown(String),
    /// Broken syntax.
    Malformed(String),
}

impl std::fmt::Display for TypeProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TypeProblem::Unknown(n) => write!(f, "`{n}` is not a type"),
            TypeProblem::Malformed(why) => f.write_str(why),
        }
    }
}

/// Parses a type expression. Names that are not scalars are kept as [`TypeExpr::Named`] for
/// the validator to resolve, but only if they are shaped like type names (`Address`).
pub fn parse_type(text: &str) -> Result<TypeExpr, TypeProblem> {
    let t = text.trim();
    if t.is_empty() {
        return Err(TypeProblem::Malformed("the type is empty".into()));
    }
    if let Some(open) = t.find('<') {
        let Some(inner) = t[open + 1..].strip_suffix('>') else {
            return Err(TypeProblem::Malformed(format!(
                "`<` is not closed by a final `>` in `{t}`"
            )));
        };
        let outer = t[..open].trim();
        if inner.trim().is_empty() {
            return Err(TypeProblem::Malformed(format!(
                "`{outer}<>` needs an element type"
            )));
        }
        let element = parse_type(inner)?;
        return match outer {
            "list" => Ok(TypeExpr::List(Box::new(element))),
            "map" => Ok(TypeExpr::Map(Box::new(element))),
            "set" => match element {
                TypeExpr::String | TypeExpr::Integer | TypeExpr::Bytes => {
                    Ok(TypeExpr::Set(Box::new(element)))
                }
                other => Err(TypeProblem::Malformed(format!(
                    "DynamoDB sets hold strings, integers or bytes, not `{other}`"
                ))),
            },
            other => Err(TypeProblem::Malformed(format!(
                "`{other}<...>` is not a container; use `list`, `map` or `set`"
            ))),
        };
    }
    if t.contains('>') {
        return Err(TypeProblem::Malformed(format!("unexpected `>` in `{t}`")));
    }
    Ok(match t {
        "string" => TypeExpr::String,
        "integer" => TypeExpr::Integer,
        "float" => TypeExpr::Float,
        "bool" => TypeExpr::Bool,
        "timestamp" => TypeExpr::Timestamp,
        "date" => TypeExpr::Date,
        "uuid" => TypeExpr::Uuid,
        "ulid" => TypeExpr::Ulid,
        "bytes" => TypeExpr::Bytes,
        "ttl" => TypeExpr::Ttl,
        "list" | "map" | "set" => {
            return Err(TypeProblem::Malformed(format!(
                "`{t}` needs an element type: `{t}<string>`"
            )));
        }
        name if name.starts_with(|c: char| c.is_ascii_uppercase())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
        {
            TypeExpr::Named(name.to_owned())
        }
        name => return Err(TypeProblem::Unknown(name.to_owned())),
    })
}

/// Parses a key template into literal text and `{field}` placeholders.
pub fn parse_template(text: &str) -> Result<Vec<Segment>, String> {
    let mut segments = Vec::new();
    let mut literal = String::new();
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '{' => {
                let mut name = String::new();
                let mut closed = false;
                for (_, c) in chars.by_ref() {
                    match c {
                        '}' => {
                            closed = true;
                            break;
                        }
                        '{' => {
                            return Err(format!(
                                "`{{` at byte {i} opens a second `{{` before closing"
                            ));
                        }
                        c => name.push(c),
                    }
                }
                if !closed {
                    return Err(format!("`{{` at byte {i} is never closed"));
                }
                let (name, function) = match name.split_once(':') {
                    Some((name, function)) => (name, Some(function.trim().to_owned())),
                    None => (name.as_str(), None),
                };
                let name = name.trim().to_owned();
                if name.is_empty() {
                    return Err(format!("`{{}}` at byte {i} names no field"));
                }
                if function.as_deref() == Some("") {
                    return Err(format!(
                        "`{{{name}:}}` at byte {i} names no function after `:`"
                    ));
                }
                if !literal.is_empty() {
                    segments.push(Segment::Literal(std::mem::take(&mut literal)));
                }
                segments.push(Segment::Field(name, function));
            }
            '}' => return Err(format!("`}}` at byte {i} closes nothing")),
            c => literal.push(c),
        }
    }
    if !literal.is_empty() {
        segments.push(Segment::Literal(literal));
    }
    if segments.is_empty() {
        return Err("the template is empty".into());
    }
    Ok(segments)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_expressions() {
        assert_eq!(
            parse_type("list<OrderLine>"),
            Ok(TypeExpr::List(Box::new(TypeExpr::Named(
                "OrderLine".into()
            ))))
        );
        assert_eq!(
            parse_type("map<list<integer>>"),
            Ok(TypeExpr::Map(Box::new(TypeExpr::List(Box::new(
                TypeExpr::Integer
            )))))
        );
        assert!(parse_type("set<float>").is_err());
        assert!(parse_type("list<string").is_err());
        assert!(parse_type("list<>").is_err());
        assert!(matches!(parse_type("strng"), Err(TypeProblem::Unknown(_))));
    }

    #[test]
    fn templates() {
        assert_eq!(
            parse_template("ORDER#{placed_at}#{order_id}").unwrap(),
            vec![
                Segment::Literal("ORDER#".into()),
                Segment::Field("placed_at".into(), None),
                Segment::Literal("#".into()),
                Segment::Field("order_id".into(), None),
            ]
        );
        assert_eq!(
            parse_template("DEALS#{ created_at : day }#{deal_id:shard(4)}").unwrap(),
            vec![
                Segment::Literal("DEALS#".into()),
                Segment::Field("created_at".into(), Some("day".into())),
                Segment::Literal("#".into()),
                Segment::Field("deal_id".into(), Some("shard(4)".into())),
            ]
        );
        assert!(parse_template("D#{created_at:}").is_err());
        assert!(parse_template("USER#{user_id").is_err());
        assert!(parse_template("USER#{}").is_err());
        assert!(parse_template("USER}").is_err());
    }

    #[test]
    fn positions_point_at_keys_and_values() {
        let text = "version: 1\nentities:\n  User:\n    attributes: { id: string }\n";
        let parsed = parse(std::path::Path::new("s.yaml"), text);
        let p = &parsed.source.positions;
        use crate::diagnostics::Anchor;
        let l = p.find("entities.User", Anchor::Key).unwrap();
        assert_eq!((l.line, l.column), (3, 3));
        let l = p
            .find("entities.User.attributes.id", Anchor::Value)
            .unwrap();
        assert_eq!((l.line, l.column), (4, 23));
    }
}
