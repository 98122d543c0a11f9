//! The shape of `schema.yaml`, declared once: for every kind of mapping, the keys it accepts,
//! the kind of value each holds, which are required, and the words a key may take.
//!
//! The reader ([`super::schema`]) reads through it: the keys it reports as unknown, the
//! required keys it reports as missing and the words it accepts (projections, orders, `auto`,
//! the warnings `lint.allow` may name) all come from here, and in debug builds reading a key
//! that is not declared here panics. [`crate::json_schema`] turns the same description into
//! `schema.json`, so editors and the generator accept the same shape.

use crate::diagnostics::{Rule, Severity};

/// A mapping with fixed keys (the table, an index, an attribute, ...).
pub(crate) struct Mapping {
    /// Its name under `$defs` in the JSON Schema.
    pub id: &'static str,
    /// How an unknown-field diagnostic names it: `an index`.
    pub what: &'static str,
    /// How a missing-field diagnostic names it, before its name: `entity` (`entity `User``),
    /// or the whole phrase for mappings without a name (`the table`).
    pub noun: &'static str,
    /// What it is, for editors.
    pub doc: &'static str,
    /// Its keys, in the order the documentation lists them.
    pub keys: &'static [Key],
    /// Keys of which exactly one must be given (the reader or the validator reports both and
    /// neither with its own rule).
    pub exactly_one: &'static [&'static str],
}

impl Mapping {
    /// The declared key called `name`.
    pub fn key(&self, name: &str) -> Option<&'static Key> {
        self.keys.iter().find(|k| k.name == name)
    }

    /// Every key name, for "did you mean" suggestions.
    pub fn names(&self) -> Vec<&'static str> {
        self.keys.iter().map(|k| k.name).collect()
    }
}

/// One key of a mapping.
pub(crate) struct Key {
    /// The key as written.
    pub name: &'static str,
    /// What its value may be.
    pub kind: Kind,
    /// What it means, for editors.
    pub doc: &'static str,
    /// Whether it must be given.
    pub required: Required,
}

/// Whether a key must be given.
pub(crate) enum Required {
    /// It may be left out.
    No,
    /// The reader reports its absence (`missing-field`) with this help line.
    Yes(&'static str),
    /// Required unless the named bool key is `true` (the validator reports its absence).
    UnlessTrue(&'static str),
    /// Required when the named bool key is `true` (the validator reports its absence).
    IfTrue(&'static str),
}

/// A word a key may take, with what it means.
pub(crate) struct Word {
    /// The word.
    pub word: &'static str,
    /// What it means.
    pub doc: &'static str,
}

/// The kind of value a key (or a list item, or a named entry) holds.
pub(crate) enum Kind {
    /// Any text.
    Text,
    /// A non-empty name (an attribute, an entity, an index).
    Name,
    /// A name, or `null` for none.
    NameOrNull,
    /// `true` or `false`.
    Bool,
    /// Only `true`.
    True,
    /// The schema language version: `1`.
    Version,
    /// One of these words.
    Words(&'static [Word]),
    /// A key template: literal text and `{field}` placeholders.
    Template,
    /// A type expression: `string`, `list<OrderLine>`, `Address`.
    TypeExpr,
    /// A DynamoDB table name.
    TableName,
    /// The one-character key delimiter.
    Delimiter,
    /// The code of a warning (`lint.allow`).
    Warning,
    /// An enum value (text; numbers and booleans are read as their text).
    EnumValue,
    /// A default value: any YAML value, or one of these words.
    Default(&'static [Word]),
    /// A list of values of a kind, at least `min` and at most `max` of them (0: no limit),
    /// each different from the others when `unique`.
    List {
        /// The items.
        of: &'static Kind,
        /// Fewest items.
        min: usize,
        /// Most items; 0 for no limit.
        max: usize,
        /// Whether items must differ.
        unique: bool,
    },
    /// A mapping from names the schema author chooses to values of a kind, with at least
    /// `min` entries.
    Entries {
        /// The values.
        of: &'static Kind,
        /// Fewest entries.
        min: usize,
    },
    /// A mapping with exactly one entry, from a name to a value of a kind.
    OneEntry(&'static Kind),
    /// A mapping with fixed keys.
    Mapping(&'static Mapping),
    /// Any of these kinds.
    AnyOf(&'static [Kind]),
}

/// Projections of an index.
pub(crate) static PROJECTIONS: &[Word] = &[
    Word {
        word: "all",
        doc: "every attribute of every item (the default)",
    },
    Word {
        word: "keys_only",
        doc: "only the table's and the index's key attributes; patterns on it return a projection type with `load`",
    },
];

/// What each record of a table's stream carries.
pub(crate) static STREAM_VIEWS: &[Word] = &[
    Word {
        word: "new_and_old_images",
        doc: "the item before and after each change: the change enum decodes both",
    },
    Word {
        word: "new_image",
        doc: "the item after each change",
    },
    Word {
        word: "old_image",
        doc: "the item before each change",
    },
    Word {
        word: "keys_only",
        doc: "only the item's key attributes: every change decodes as `Unknown`",
    },
];

/// Orders of an access pattern.
pub(crate) static ORDERS: &[Word] = &[
    Word {
        word: "asc",
        doc: "key order (the default)",
    },
    Word {
        word: "desc",
        doc: "reverse key order",
    },
];

/// Values of `auto:`.
pub(crate) static AUTOS: &[Word] = &[
    Word {
        word: "created",
        doc: "set once, when the item is created",
    },
    Word {
        word: "updated",
        doc: "set on every write",
    },
];

/// The generated defaults `default:` may name instead of a literal.
pub(crate) static DEFAULTS: &[Word] = &[
    Word {
        word: "now",
        doc: "the current instant or date (timestamp, date, ttl)",
    },
    Word {
        word: "uuid",
        doc: "a fresh random UUID (uuid, string)",
    },
    Word {
        word: "uuid7",
        doc: "a fresh time-ordered UUID, version 7 (uuid, string)",
    },
    Word {
        word: "ulid",
        doc: "a fresh time-ordered ULID (ulid, string)",
    },
];

/// The scalar types of the schema language, with what they are stored as.
pub(crate) static SCALAR_TYPES: &[Word] = &[
    Word {
        word: "string",
        doc: "text (S)",
    },
    Word {
        word: "integer",
        doc: "i64 (N)",
    },
    Word {
        word: "float",
        doc: "f64 (N)",
    },
    Word {
        word: "bool",
        doc: "true or false (BOOL)",
    },
    Word {
        word: "timestamp",
        doc: "a UTC instant, RFC 3339 text whose order is time order (S)",
    },
    Word {
        word: "date",
        doc: "a calendar date, YYYY-MM-DD (S)",
    },
    Word {
        word: "uuid",
        doc: "a UUID (S)",
    },
    Word {
        word: "ulid",
        doc: "a time-ordered id, 26 characters whose order is creation order (S)",
    },
    Word {
        word: "bytes",
        doc: "binary data (B)",
    },
    Word {
        word: "ttl",
        doc: "an instant stored as epoch seconds, for DynamoDB's time to live (N)",
    },
];

/// The element types a set may hold.
pub(crate) static SET_ELEMENTS: &[&str] = &["string", "integer", "bytes"];

/// The warnings `lint.allow` may name: every rule whose findings are warnings. Errors cannot
/// be allowed.
pub(crate) fn allowable() -> impl Iterator<Item = Rule> {
    Rule::ALL
        .iter()
        .copied()
        .filter(|r| r.severity() == Severity::Warning)
}

const fn key(name: &'static str, kind: Kind, doc: &'static str) -> Key {
    Key {
        name,
        kind,
        doc,
        required: Required::No,
    }
}

const fn required(name: &'static str, kind: Kind, doc: &'static str, help: &'static str) -> Key {
    Key {
        name,
        kind,
        doc,
        required: Required::Yes(help),
    }
}

const DOC: Key = key(
    "doc",
    Kind::Text,
    "Documentation, copied into the generated code.",
);

const LINT_KEY: Key = key(
    "lint",
    Kind::Mapping(&LINT),
    "Design warnings allowed here and in everything below (`codegen lint`).",
);

/// `lint: { allow: [...], reason: ... }`.
pub(crate) static LINT: Mapping = Mapping {
    id: "lint",
    what: "`lint`",
    noun: "`lint`",
    doc: "Warnings allowed at this place of the schema and everything inside it, with the reason.",
    keys: &[
        required(
            "allow",
            Kind::List {
                of: &Kind::Warning,
                min: 0,
                max: 0,
                unique: false,
            },
            "The codes of the warnings to allow here (`codegen lint` lists them).",
            "list the warnings to allow: `allow: [full-scan]`",
        ),
        key(
            "reason",
            Kind::Text,
            "Why the warnings are acceptable here.",
        ),
    ],
    exactly_one: &[],
};

/// The whole file.
pub(crate) static SCHEMA: Mapping = Mapping {
    id: "schema",
    what: "the schema",
    noun: "the schema",
    doc: "A singletable schema: one DynamoDB table, its entities and the access patterns that read them.",
    keys: &[
        required(
            "version",
            Kind::Version,
            "The schema language version; only 1 exists.",
            "add `version: 1` as the first line",
        ),
        key("table", Kind::Mapping(&TABLE), "The physical table."),
        key(
            "types",
            Kind::Entries {
                of: &Kind::Mapping(&TYPE),
                min: 0,
            },
            "Nested document types (stored as maps) and enums (stored as strings), by name.",
        ),
        required(
            "entities",
            Kind::Entries {
                of: &Kind::Mapping(&ENTITY),
                min: 1,
            },
            "The entities stored in the table, by name.",
            "declare at least one entity under `entities:`",
        ),
        key(
            "access_patterns",
            Kind::Entries {
                of: &Kind::Mapping(&PATTERN),
                min: 0,
            },
            "The queries and scans the application makes, by name; each becomes a typed function.",
        ),
        LINT_KEY,
    ],
    exactly_one: &[],
};

/// `table:`.
pub(crate) static TABLE: Mapping = Mapping {
    id: "table",
    what: "the table",
    noun: "the table",
    doc: "The physical table: its key attributes, type attribute, delimiter, time to live and indexes.",
    keys: &[
        key(
            "name",
            Kind::TableName,
            "The default physical table name; a Table handle can override it.",
        ),
        key(
            "partition_key",
            Kind::Name,
            "The partition key attribute (default `pk`).",
        ),
        key(
            "sort_key",
            Kind::NameOrNull,
            "The sort key attribute (default `sk`); `null` for a table without one.",
        ),
        key(
            "type_attribute",
            Kind::Name,
            "The entity discriminator written on every item (default `_type`).",
        ),
        key(
            "delimiter",
            Kind::Delimiter,
            "The key segment delimiter (default `#`).",
        ),
        key(
            "ttl_attribute",
            Kind::Name,
            "The attribute DynamoDB's time to live reads (declare it `type: ttl` on the entities that expire).",
        ),
        key(
            "stream",
            Kind::Words(STREAM_VIEWS),
            "Enables the table's DynamoDB stream, whose records carry this view (in `create_table` and the exported CloudFormation and Terraform); the generated change enum reads it.",
        ),
        key(
            "indexes",
            Kind::Entries {
                of: &Kind::Mapping(&INDEX),
                min: 0,
            },
            "Secondary indexes, by name.",
        ),
        LINT_KEY,
    ],
    exactly_one: &[],
};

const KEY_ATTRIBUTES: Kind = Kind::AnyOf(&[
    Kind::Name,
    Kind::List {
        of: &Kind::Name,
        min: 0,
        max: 4,
        unique: false,
    },
]);

/// One entry of `table.indexes`.
pub(crate) static INDEX: Mapping = Mapping {
    id: "index",
    what: "an index",
    noun: "index",
    doc: "A secondary index: global (its own partition key) or local (`local: true`, the table's partition key).",
    keys: &[
        Key {
            name: "partition_key",
            kind: KEY_ATTRIBUTES,
            doc: "The partition key attribute, or a list of up to 4 attributes for a multi-attribute key. Required unless the index is local.",
            required: Required::UnlessTrue("local"),
        },
        Key {
            name: "sort_key",
            kind: KEY_ATTRIBUTES,
            doc: "The sort key attribute, or a list of up to 4 attributes for a multi-attribute key. Required for a local index.",
            required: Required::IfTrue("local"),
        },
        key(
            "local",
            Kind::Bool,
            "A local secondary index: it shares the table's partition key.",
        ),
        key(
            "projection",
            Kind::AnyOf(&[
                Kind::Words(PROJECTIONS),
                Kind::List {
                    of: &Kind::Name,
                    min: 0,
                    max: 0,
                    unique: false,
                },
            ]),
            "What the index holds besides the keys: `all` (default), `keys_only`, or a list of stored attribute names.",
        ),
        LINT_KEY,
    ],
    exactly_one: &[],
};

/// One entry of `types:`.
pub(crate) static TYPE: Mapping = Mapping {
    id: "type",
    what: "a type",
    noun: "type",
    doc: "A document type (`fields:`, stored as a map) or an enum (`enum:`, stored as a string).",
    keys: &[
        DOC,
        key(
            "fields",
            Kind::Entries {
                of: &ATTRIBUTE_VALUE,
                min: 1,
            },
            "The fields of a document type, by name, in the generated struct's order.",
        ),
        key(
            "enum",
            Kind::List {
                of: &Kind::EnumValue,
                min: 1,
                max: 0,
                unique: true,
            },
            "The values of an enum, in the generated enum's order (which is also its sort order).",
        ),
        key(
            "was",
            Kind::Entries {
                of: &Kind::Text,
                min: 0,
            },
            "Renamed enum values: `{ old: new }`; the generated migration rewrites stored old values.",
        ),
    ],
    exactly_one: &["fields", "enum"],
};

const ATTRIBUTE_VALUE: Kind = Kind::AnyOf(&[Kind::TypeExpr, Kind::Mapping(&ATTRIBUTE)]);

/// An attribute (or a document field) written as a mapping of options.
pub(crate) static ATTRIBUTE: Mapping = Mapping {
    id: "attribute",
    what: "an attribute",
    noun: "attribute",
    doc: "An attribute with options; `name: string` is short for `name: { type: string }`.",
    keys: &[
        required(
            "type",
            Kind::TypeExpr,
            "The attribute's type.",
            "add `type: string` (or another type)",
        ),
        key(
            "optional",
            Kind::Bool,
            "The attribute may be absent (an `Option` in Rust).",
        ),
        key(
            "default",
            Kind::Default(DEFAULTS),
            "The value of a new item, and of a stored item that lacks the attribute: a literal of the attribute's type, or `now`, `uuid`, `uuid7`, `ulid`.",
        ),
        DOC,
        key(
            "immutable",
            Kind::Bool,
            "Set when the item is created; no update setter.",
        ),
        key("auto", Kind::Words(AUTOS), "A timestamp the runtime sets."),
        key(
            "version",
            Kind::Bool,
            "The optimistic-locking counter (a required integer), checked and incremented on every write.",
        ),
        key(
            "rename",
            Kind::Name,
            "The stored attribute name, when it differs from the schema name.",
        ),
        key(
            "unique",
            Kind::AnyOf(&[Kind::Bool, Kind::Mapping(&UNIQUE_SCOPE)]),
            "No two items of the entity share a value: `true`, or `{ scope: attribute }` for values unique within the scope.",
        ),
    ],
    exactly_one: &[],
};

/// `unique: { scope: attribute }`.
pub(crate) static UNIQUE_SCOPE: Mapping = Mapping {
    id: "unique_scope",
    what: "a uniqueness scope",
    noun: "the uniqueness scope",
    doc: "Values are unique among the items that share the scope attribute's value.",
    keys: &[key(
        "scope",
        Kind::Name,
        "The attribute whose value scopes the uniqueness.",
    )],
    exactly_one: &[],
};

/// One entry of `entities:`.
pub(crate) static ENTITY: Mapping = Mapping {
    id: "entity",
    what: "an entity",
    noun: "entity",
    doc: "An entity: a Rust struct stored as items of the table.",
    keys: &[
        DOC,
        required(
            "attributes",
            Kind::Entries {
                of: &ATTRIBUTE_VALUE,
                min: 1,
            },
            "The attributes, by name, in the generated struct's order.",
            "list the entity's attributes under `attributes:`",
        ),
        required(
            "keys",
            Kind::Entries {
                of: &Kind::AnyOf(&[Kind::True, Kind::Mapping(&KEY_TEMPLATES)]),
                min: 0,
            },
            "Key templates per index: `primary` for the table, then each index the entity belongs to; `true` for an index with multi-attribute keys.",
            "add `keys: { primary: { partition: \"...\", sort: \"...\" } }`",
        ),
        LINT_KEY,
    ],
    exactly_one: &[],
};

/// An entity's templates for one index.
pub(crate) static KEY_TEMPLATES: Mapping = Mapping {
    id: "key_templates",
    what: "key templates",
    noun: "the key templates",
    doc: "The templates an entity's items write for one index's key attributes.",
    keys: &[
        key(
            "partition",
            Kind::Template,
            "The partition key template (none for a local index).",
        ),
        key("sort", Kind::Template, "The sort key template."),
        key(
            "when",
            Kind::AnyOf(&[
                Kind::Name,
                Kind::OneEntry(&Kind::List {
                    of: &Kind::Text,
                    min: 0,
                    max: 0,
                    unique: false,
                }),
            ]),
            "Write the keys only while a bool attribute is true (`when: unread`) or an enum attribute holds one of the values (`when: { status: [open] }`).",
        ),
        LINT_KEY,
    ],
    exactly_one: &[],
};

/// One entry of `access_patterns:`.
pub(crate) static PATTERN: Mapping = Mapping {
    id: "access_pattern",
    what: "an access pattern",
    noun: "access pattern",
    doc: "A query (one partition of the table or an index) or a scan, generated as a typed function.",
    keys: &[
        key("entity", Kind::Name, "The entity it returns."),
        key(
            "entities",
            Kind::List {
                of: &Kind::Name,
                min: 0,
                max: 0,
                unique: false,
            },
            "An item collection: the entities whose items share the partition it reads.",
        ),
        key(
            "index",
            Kind::Name,
            "The index it reads (default: the table, `primary`).",
        ),
        key("order", Kind::Words(ORDERS), "The order of the results."),
        key("one", Kind::Bool, "Return at most one item (`Option<T>`)."),
        key(
            "scan",
            Kind::Bool,
            "Read the whole table or index instead of one partition.",
        ),
        key(
            "select",
            Kind::List {
                of: &Kind::Name,
                min: 0,
                max: 0,
                unique: false,
            },
            "Read only these attributes (and the keys), into a projection type.",
        ),
        DOC,
        LINT_KEY,
    ],
    exactly_one: &["entity", "entities"],
};

/// Every mapping kind, for the JSON Schema's `$defs` (the schema itself is the root).
pub(crate) static MAPPINGS: &[&Mapping] = &[
    &TABLE,
    &INDEX,
    &TYPE,
    &ATTRIBUTE,
    &UNIQUE_SCOPE,
    &ENTITY,
    &KEY_TEMPLATES,
    &PATTERN,
    &LINT,
];

/// The word among `words` equal to `text`.
pub(crate) fn word(words: &[Word], text: &str) -> Option<&'static str> {
    words.iter().find(|w| w.word == text).map(|w| w.word)
}

/// `` `a`, `b` or `c` ``.
pub(crate) fn alternatives(words: &[Word]) -> String {
    let quoted: Vec<String> = words.iter().map(|w| format!("`{}`", w.word)).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => quoted.join(""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_declared_once_and_documented() {
        for m in std::iter::once(&SCHEMA).chain(MAPPINGS.iter().copied()) {
            let mut seen = std::collections::BTreeSet::new();
            for k in m.keys {
                assert!(seen.insert(k.name), "{}: `{}` twice", m.id, k.name);
                assert!(!k.doc.is_empty(), "{}: `{}` has no doc", m.id, k.name);
            }
            for one in m.exactly_one {
                assert!(m.key(one).is_some(), "{}: `{one}` is not a key", m.id);
            }
        }
    }

    #[test]
    fn scalar_types_are_the_parsers() {
        for w in SCALAR_TYPES {
            assert!(super::super::parse_type(w.word).is_ok(), "{}", w.word);
        }
        let words: Vec<&str> = SCALAR_TYPES.iter().map(|w| w.word).collect();
        assert_eq!(words, super::super::SCALARS);
        assert_eq!(alternatives(ORDERS), "`asc` or `desc`");
        assert_eq!(alternatives(PROJECTIONS), "`all` or `keys_only`");
    }
}
