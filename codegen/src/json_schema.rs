//! `schema.json`: a JSON Schema (draft 2020-12) for `schema.yaml`, generated from the shape
//! the parser reads through ([`crate::parse`]'s `shape` module), so that editors (through
//! `# yaml-language-server: $schema=./schema.json`) offer the keys, words and documentation
//! the generator accepts, and reject what it rejects as malformed.
//!
//! It checks the shape of the file: which keys each mapping has (no others), the kinds of
//! their values, the required keys, the words of `projection`, `order`, `auto` and
//! `lint.allow`, and the syntax of key templates, type expressions, the table name and the
//! delimiter. What needs the whole schema (a template naming an attribute the entity does not
//! have, a type nobody declared) is left to `codegen check`.

use crate::parse::shape::{self, Kind, Mapping, Required, Word};
use std::path::Path;

/// The JSON Schema, as the text of `schema.json` (ending with a newline).
pub fn json_schema() -> String {
    let mut root = vec![
        (
            "$schema".to_owned(),
            J::text("https://json-schema.org/draft/2020-12/schema"),
        ),
        ("title".to_owned(), J::text("singletable schema.yaml")),
    ];
    root.extend(mapping(&shape::SCHEMA));
    let mut defs: Vec<(String, J)> = shape::MAPPINGS
        .iter()
        .map(|m| (m.id.to_owned(), J::Obj(mapping(m))))
        .collect();
    defs.push(("template".to_owned(), J::Obj(template())));
    defs.push(("type_expression".to_owned(), J::Obj(type_expression())));
    defs.push(("warning".to_owned(), J::Obj(warning())));
    root.push(("$defs".to_owned(), J::Obj(defs)));
    let mut out = String::new();
    J::Obj(root).write(&mut out, 0);
    out.push('\n');
    out
}

/// A YAML schema's text as the JSON value its YAML denotes, read as the parser reads it, for
/// validating it against [`json_schema`]. `path` names the file in the error.
pub fn yaml_to_json(path: impl AsRef<Path>, text: &str) -> Result<serde_json::Value, String> {
    crate::parse::to_json(path.as_ref(), text)
}

/// A JSON value, with object keys in the order they were built (so the file reads top-down:
/// `$schema`, the root, then the definitions), whatever features `serde_json` has.
enum J {
    Obj(Vec<(String, J)>),
    Arr(Vec<J>),
    Str(String),
    Int(i64),
    Bool(bool),
}

impl J {
    fn text(s: &str) -> J {
        J::Str(s.to_owned())
    }

    fn texts<'a>(items: impl IntoIterator<Item = &'a str>) -> J {
        J::Arr(items.into_iter().map(J::text).collect())
    }

    fn is_scalar(&self) -> bool {
        !matches!(self, J::Obj(_) | J::Arr(_))
    }

    fn write(&self, out: &mut String, indent: usize) {
        let pad = |n: usize| "  ".repeat(n);
        match self {
            J::Str(s) => out.push_str(&serde_json::to_string(s).unwrap_or_default()),
            J::Int(i) => out.push_str(&i.to_string()),
            J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            J::Arr(items) if items.iter().all(J::is_scalar) => {
                let mut line = String::new();
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        line.push_str(", ");
                    }
                    item.write(&mut line, 0);
                }
                out.push('[');
                out.push_str(&line);
                out.push(']');
            }
            J::Arr(items) => {
                out.push_str("[\n");
                for (i, item) in items.iter().enumerate() {
                    out.push_str(&pad(indent + 1));
                    item.write(out, indent + 1);
                    out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
                }
                out.push_str(&pad(indent));
                out.push(']');
            }
            J::Obj(entries) if entries.is_empty() => out.push_str("{}"),
            J::Obj(entries) => {
                out.push_str("{\n");
                for (i, (key, value)) in entries.iter().enumerate() {
                    out.push_str(&pad(indent + 1));
                    out.push_str(&serde_json::to_string(key).unwrap_or_default());
                    out.push_str(": ");
                    value.write(out, indent + 1);
                    out.push_str(if i + 1 < entries.len() { ",\n" } else { "\n" });
                }
                out.push_str(&pad(indent));
                out.push('}');
            }
        }
    }
}

fn entry(key: &str, value: J) -> (String, J) {
    (key.to_owned(), value)
}

/// The schema of a mapping with fixed keys.
fn mapping(m: &Mapping) -> Vec<(String, J)> {
    let properties = m
        .keys
        .iter()
        .map(|k| {
            let mut description = k.doc.to_owned();
            for words in word_lists(&k.kind) {
                description.push_str("\n\n");
                description.push_str(&word_docs(words));
            }
            let mut schema = vec![entry("description", J::Str(description))];
            schema.extend(kind(&k.kind));
            (k.name.to_owned(), J::Obj(schema))
        })
        .collect();
    let mut out = vec![
        entry("description", J::text(m.doc)),
        entry("type", J::text("object")),
        entry("properties", J::Obj(properties)),
    ];
    let required: Vec<&str> = m
        .keys
        .iter()
        .filter(|k| matches!(k.required, Required::Yes(_)))
        .map(|k| k.name)
        .collect();
    if !required.is_empty() {
        out.push(entry("required", J::texts(required)));
    }
    out.push(entry("additionalProperties", J::Bool(false)));
    let mut all_of = Vec::new();
    // Keys required depending on a bool key: `if` it is true, `then` some, `else` others.
    let mut flags: Vec<&str> = Vec::new();
    for k in m.keys {
        if let Required::UnlessTrue(flag) | Required::IfTrue(flag) = k.required
            && !flags.contains(&flag)
        {
            flags.push(flag);
        }
    }
    for flag in flags {
        let when = |yes: bool| -> Vec<&str> {
            m.keys
                .iter()
                .filter(|k| match k.required {
                    Required::IfTrue(f) => yes && f == flag,
                    Required::UnlessTrue(f) => !yes && f == flag,
                    _ => false,
                })
                .map(|k| k.name)
                .collect()
        };
        let require = |keys: Vec<&str>| J::Obj(vec![entry("required", J::texts(keys))]);
        all_of.push(J::Obj(vec![
            entry(
                "if",
                J::Obj(vec![
                    entry(
                        "properties",
                        J::Obj(vec![entry(
                            flag,
                            J::Obj(vec![entry("const", J::Bool(true))]),
                        )]),
                    ),
                    entry("required", J::texts([flag])),
                ]),
            ),
            entry("then", require(when(true))),
            entry("else", require(when(false))),
        ]));
    }
    if !m.exactly_one.is_empty() {
        all_of.push(J::Obj(vec![entry(
            "oneOf",
            J::Arr(
                m.exactly_one
                    .iter()
                    .map(|k| J::Obj(vec![entry("required", J::texts([*k]))]))
                    .collect(),
            ),
        )]));
    }
    match all_of.len() {
        0 => {}
        1 => {
            if let Some(J::Obj(only)) = all_of.pop() {
                out.extend(only);
            }
        }
        _ => out.push(entry("allOf", J::Arr(all_of))),
    }
    out
}

/// The schema of a value of `kind` (without a description).
fn kind(kind: &Kind) -> Vec<(String, J)> {
    let reference = |id: &str| vec![entry("$ref", J::Str(format!("#/$defs/{id}")))];
    let string = || entry("type", J::text("string"));
    match kind {
        Kind::Text => vec![string()],
        Kind::Name => vec![string(), entry("minLength", J::Int(1))],
        Kind::NameOrNull => vec![
            entry("type", J::texts(["string", "null"])),
            entry("minLength", J::Int(1)),
        ],
        Kind::Bool => vec![entry("type", J::text("boolean"))],
        Kind::True => vec![entry("const", J::Bool(true))],
        Kind::Version => vec![entry("const", J::Int(1))],
        Kind::Words(words) => vec![entry("enum", J::texts(words.iter().map(|w| w.word)))],
        Kind::Template => reference("template"),
        Kind::TypeExpr => reference("type_expression"),
        Kind::Warning => reference("warning"),
        Kind::TableName => vec![
            string(),
            entry("pattern", J::text("^[A-Za-z0-9_.-]{3,255}$")),
        ],
        // One character that is not the escape character, a brace, a letter, a digit or
        // white space. (The generator also refuses non-ASCII letters and digits.)
        Kind::Delimiter => vec![
            string(),
            entry("pattern", J::text("^[^\\\\{}A-Za-z0-9\\s]$")),
        ],
        Kind::EnumValue => vec![entry("type", J::texts(["string", "number", "boolean"]))],
        Kind::Default(words) => vec![entry(
            "anyOf",
            J::Arr(vec![
                J::Obj(vec![entry("enum", J::texts(words.iter().map(|w| w.word)))]),
                J::Bool(true),
            ]),
        )],
        Kind::List {
            of,
            min,
            max,
            unique,
        } => {
            let mut out = vec![
                entry("type", J::text("array")),
                entry("items", J::Obj(self::kind(of))),
            ];
            if *min > 0 {
                out.push(entry("minItems", J::Int(*min as i64)));
            }
            if *max > 0 {
                out.push(entry("maxItems", J::Int(*max as i64)));
            }
            if *unique {
                out.push(entry("uniqueItems", J::Bool(true)));
            }
            out
        }
        Kind::Entries { of, min } => {
            let mut out = vec![
                entry("type", J::text("object")),
                entry("additionalProperties", J::Obj(self::kind(of))),
            ];
            if *min > 0 {
                out.push(entry("minProperties", J::Int(*min as i64)));
            }
            out
        }
        Kind::OneEntry(of) => vec![
            entry("type", J::text("object")),
            entry("minProperties", J::Int(1)),
            entry("maxProperties", J::Int(1)),
            entry("additionalProperties", J::Obj(self::kind(of))),
        ],
        Kind::Mapping(m) => reference(m.id),
        Kind::AnyOf(kinds) => vec![entry(
            "anyOf",
            J::Arr(kinds.iter().map(|k| J::Obj(self::kind(k))).collect()),
        )],
    }
}

/// The word lists a key's value may take, for its description.
fn word_lists(kind: &Kind) -> Vec<&'static [Word]> {
    match kind {
        Kind::Words(words) | Kind::Default(words) => vec![words],
        Kind::AnyOf(kinds) => kinds.iter().flat_map(word_lists).collect(),
        _ => Vec::new(),
    }
}

fn word_docs(words: &[Word]) -> String {
    words
        .iter()
        .map(|w| format!("`{}`: {}", w.word, w.doc))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Key templates: literal text (no `{`, `}` or backslash) and `{field}` or
/// `{field:function}` placeholders, at least one piece.
fn template() -> Vec<(String, J)> {
    let field = r"\{[^{}:]*[^{}:\s][^{}:]*(?::[^{}]*[^{}\s][^{}]*)?\}";
    vec![
        entry(
            "description",
            J::text(
                "A key template: literal text and `{field}` placeholders naming scalar attributes of the entity, such as `ORDER#{placed_at}#{order_id}`; `{field:function}` derives a segment (`day`, `month`, `year`, `hour`, `upper`, `lower`, `shard(N)`) in index templates.",
            ),
        ),
        entry("type", J::text("string")),
        entry("pattern", J::Str(format!(r"^(?:[^{{}}\\]|{field})+$"))),
    ]
}

/// How many `list<...>`/`map<...>` levels the type expression pattern accepts; a regular
/// expression cannot count brackets, so it spells out each depth.
const TYPE_DEPTH: usize = 5;

/// Type expressions: scalars, names of declared types, sets of strings, integers or bytes,
/// and lists and maps of any of these.
fn type_expression() -> Vec<(String, J)> {
    let scalars: Vec<&str> = shape::SCALAR_TYPES.iter().map(|w| w.word).collect();
    let base = format!(
        r"(?:{}|[A-Z][A-Za-z0-9_]*|set\s*<\s*(?:{})\s*>)",
        scalars.join("|"),
        shape::SET_ELEMENTS.join("|")
    );
    let mut level = base.clone();
    for _ in 0..TYPE_DEPTH {
        level = format!(r"(?:(?:list|map)\s*<\s*{level}\s*>|{base})");
    }
    let mut description = format!(
        "A type: a scalar, `list<T>` (L), `map<T>` (M with string keys), `set<string>`, `set<integer>` or `set<bytes>`, or a name declared under `types:`.\n\n{}",
        word_docs(shape::SCALAR_TYPES)
    );
    description.push_str(&format!(
        "\n\n(Lists and maps nest up to {TYPE_DEPTH} levels here.)"
    ));
    vec![
        entry("description", J::Str(description)),
        entry("type", J::text("string")),
        entry("pattern", J::Str(format!(r"^\s*{level}\s*$"))),
    ]
}

/// The codes `lint.allow` may name.
fn warning() -> Vec<(String, J)> {
    let rules: Vec<crate::Rule> = shape::allowable().collect();
    let description = rules
        .iter()
        .map(|r| format!("`{}`: {}", r.code(), r.help()))
        .collect::<Vec<_>>()
        .join("\n");
    vec![
        entry(
            "description",
            J::Str(format!("The code of a warning.\n\n{description}")),
        ),
        entry("enum", J::texts(rules.iter().map(|r| r.code()))),
    ]
}
