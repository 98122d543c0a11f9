//! Schema names → Rust identifiers: case conversion, keywords, prelude names.
//!
//! The validator uses these to reject names that cannot become identifiers or that collide
//! after conversion; the emitters use the same functions, so what was checked is what is
//! generated.

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Rust keywords (strict and reserved, 2024 edition).
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try",
];

/// Keywords that cannot be raw identifiers (`r#self` is not allowed).
const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "_"];

/// Names a generated module imports from the runtime's prelude: an entity or type called
/// so would change what generated code means.
pub const RUNTIME: &[&str] = &[
    "BTreeMap",
    "BTreeSet",
    "AttributeValue",
    "DateTime",
    "NaiveDate",
    "Utc",
    "Serialize",
    "Deserialize",
    "Uuid",
    "Ulid",
    "Unique",
    "NativeNarrowing",
    "KeyScalar",
    "MultiKey",
    "Collect",
    "Eventual",
    "Narrowing",
    "Part",
    "Plain",
    "QueryBuilder",
    "ScanBuilder",
    "SortTemplate",
    "Stage",
    "Strong",
    "Expiry",
    "AttributeCodec",
    "CodecError",
    "EnumValue",
    "ItemWriter",
    "ListElement",
    "Nested",
    "Reach",
    "KeyText",
    "Condition",
    "Entity",
    "Field",
    "IndexDefinition",
    "Item",
    "Key",
    "NestedUpdate",
    "PartitionKey",
    "Path",
    "Projection",
    "StreamView",
    "Query",
    "SortKey",
    "SortCondition",
    "Table",
    "TableDefinition",
    "UnknownEnumValue",
    "Update",
    "WriteStamp",
];

/// Names in the std prelude (and its common types) that an entity or type must not shadow.
pub const PRELUDE: &[&str] = &[
    "Option",
    "Some",
    "None",
    "Result",
    "Ok",
    "Err",
    "String",
    "Vec",
    "Box",
    "ToString",
    "ToOwned",
    "Clone",
    "Copy",
    "Send",
    "Sync",
    "Sized",
    "Unpin",
    "Drop",
    "Fn",
    "FnMut",
    "FnOnce",
    "Iterator",
    "IntoIterator",
    "DoubleEndedIterator",
    "ExactSizeIterator",
    "Extend",
    "Default",
    "Eq",
    "PartialEq",
    "Ord",
    "PartialOrd",
    "From",
    "Into",
    "TryFrom",
    "TryInto",
    "AsRef",
    "AsMut",
    "FromIterator",
    "Debug",
    "Hash",
    "Self",
];

/// Whether `name` is a Rust keyword.
pub fn is_keyword(name: &str) -> bool {
    KEYWORDS.contains(&name)
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {}
        _ => return false,
    }
    s != "_" && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The snake_case form of a schema name, before keyword escaping; `None` if it is no valid
/// identifier (starts with a digit, holds symbols, is empty).
pub fn snake(name: &str) -> Option<String> {
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == ' ')
    {
        return None;
    }
    let s = name.to_snake_case();
    is_identifier(&s).then_some(s)
}

/// The UpperCamelCase form of a schema name; `None` if it is no valid identifier.
pub fn camel(name: &str) -> Option<String> {
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == ' ')
    {
        return None;
    }
    let s = name.to_upper_camel_case();
    is_identifier(&s).then_some(s)
}

/// A field or function name as it appears in Rust source: snake_case, keywords escaped
/// as raw identifiers (`r#type`) or, where that is impossible, suffixed (`self_`).
pub fn field(name: &str) -> String {
    let s = snake(name).unwrap_or_else(|| "invalid_name".to_owned());
    if NOT_RAW.contains(&s.as_str()) {
        format!("{s}_")
    } else if is_keyword(&s) {
        format!("r#{s}")
    } else {
        s
    }
}

/// The name of a table's generated change enum: `{Table}Change`. A table name may hold `.`
/// and `-` (`custom.table-1`), which separate words here (`CustomTable1Change`); a name
/// that starts with a digit gets `Table` in front.
pub fn change_enum(table: &str) -> String {
    let mut words = table.replace(|c: char| !c.is_ascii_alphanumeric(), "_");
    if !words.starts_with(|c: char| c.is_ascii_alphabetic()) {
        words.insert_str(0, "table_");
    }
    format!("{}Change", camel(&words).unwrap_or_else(|| "Table".into()))
}

/// A type or variant name as it appears in Rust source.
pub fn type_name(name: &str) -> String {
    let s = camel(name).unwrap_or_else(|| "InvalidName".to_owned());
    if NOT_RAW.contains(&s.as_str()) {
        format!("{s}_")
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions() {
        assert_eq!(field("userId"), "user_id");
        assert_eq!(field("type"), "r#type");
        assert_eq!(field("self"), "self_");
        assert_eq!(type_name("order_line"), "OrderLine");
        assert_eq!(snake("9lives"), None);
        assert_eq!(snake("naïve"), None);
        assert_eq!(camel("in_stock"), Some("InStock".into()));
    }

    #[test]
    fn change_enum_names_are_identifiers_for_any_table_name() {
        assert_eq!(change_enum("app"), "AppChange");
        assert_eq!(change_enum("custom.table-1"), "CustomTable1Change");
        assert_eq!(change_enum("my_table"), "MyTableChange");
        assert_eq!(change_enum("2024.events"), "Table2024EventsChange");
        assert_eq!(change_enum("..."), "TableChange");
    }
}
