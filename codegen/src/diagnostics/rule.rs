//! The rules a schema is checked against. Each rule has a stable kebab-case code (shown in
//! reports and JSON, and named by the first line of its fixture in `tests/invalid/`), a
//! severity, and a help line used when the finding has nothing more specific to say.

use super::Severity;

/// Declares [`Rule`] and its tables from one list, so a rule's code, severity and help sit
/// on one line and cannot drift apart.
macro_rules! rules {
    ($($(#[doc = $doc:literal])* $variant:ident = $code:literal, $severity:ident, $help:literal;)*) => {
        /// A check the schema can fail.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Rule {
            $($(#[doc = $doc])* $variant,)*
        }

        impl Rule {
            /// Every rule, in the order the passes check them.
            pub const ALL: &'static [Rule] = &[$(Rule::$variant),*];

            /// The stable code, such as `ambiguous-keys`.
            pub fn code(self) -> &'static str {
                match self {
                    $(Rule::$variant => $code,)*
                }
            }

            /// Whether a finding of this rule fails generation.
            pub fn severity(self) -> Severity {
                match self {
                    $(Rule::$variant => Severity::$severity,)*
                }
            }

            /// What to do about a finding, when the finding itself has nothing more specific.
            pub fn help(self) -> &'static str {
                match self {
                    $(Rule::$variant => $help,)*
                }
            }
        }
    };
}

rules! {
    /// The file is not valid YAML, or holds more than one document.
    YamlSyntax = "yaml-syntax", Error,
        "fix the YAML syntax at this position (indentation, quotes, brackets)";
    /// The file holds no YAML value at all.
    EmptySchema = "empty-schema", Error,
        "start with `version: 1`, a `table:` and at least one entity";
    /// `entities:` is present but declares no entity.
    NoEntities = "no-entities", Error,
        "declare at least one entity under `entities:`";
    /// A name is declared twice in one mapping or list.
    DuplicateName = "duplicate-name", Error,
        "each name may appear once; rename or merge the two entries";
    /// A key the schema language does not know (often a typo).
    UnknownField = "unknown-field", Error,
        "remove the field, or check its spelling";
    /// A required field is absent.
    MissingField = "missing-field", Error,
        "add the missing field";
    /// A value of the wrong YAML kind (a list where a name belongs, ...).
    WrongType = "wrong-type", Error,
        "write the value in the form the field expects";
    /// A schema `version` this generator does not read.
    UnsupportedVersion = "unsupported-version", Error,
        "this generator reads schema version 1; write `version: 1`";
    /// A type name that is neither a scalar nor declared under `types:`.
    UnknownType = "unknown-type", Error,
        "use a scalar type or a name declared under `types:`";
    /// A type expression with broken syntax (`list<`, `set<float>`).
    MalformedType = "malformed-type", Error,
        "write `list<T>`, `map<T>`, `set<string>`, `set<integer>` or `set<bytes>`";
    /// A type with both or neither of `fields` and `enum`.
    TypeKind = "type-kind", Error,
        "a type is either a document (`fields:`) or an enum (`enum:`)";
    /// `auto:` other than `created` or `updated`.
    InvalidAuto = "invalid-auto", Error,
        "`created` is set once when the item is created; `updated` on every write";
    /// `order:` other than `asc` or `desc`.
    InvalidOrder = "invalid-order", Error,
        "`asc` returns items in key order (the default), `desc` in reverse";
    /// An index projection that is not `all`, `keys_only` or a list.
    InvalidProjection = "invalid-projection", Error,
        "write `all`, `keys_only`, or a list of attribute names";
    /// A `table.stream` that is not a stream view type.
    InvalidStreamView = "invalid-stream-view", Error,
        "write `new_and_old_images` (what the change enum decodes fully), `new_image`, `old_image` or `keys_only`";
    /// A key template with unbalanced or empty braces.
    TemplateSyntax = "template-syntax", Error,
        "a template is literal text with `{field}` placeholders; write `{` and `}` only around a field name";
    /// A table name DynamoDB would reject.
    InvalidTableName = "invalid-table-name", Error,
        "use 3 to 255 characters from letters, digits, `_`, `-` and `.`";
    /// A delimiter that is not one usable character.
    InvalidDelimiter = "invalid-delimiter", Error,
        "use a single character such as `#`, `|` or `:`";
    /// An empty key or type attribute name on the table.
    EmptyName = "empty-name", Error,
        "name the attribute";
    /// More global or local indexes than DynamoDB allows.
    TooManyIndexes = "too-many-indexes", Error,
        "DynamoDB allows 20 global and 5 local secondary indexes per table";
    /// A name that cannot become a Rust identifier.
    InvalidName = "invalid-name", Error,
        "use letters, digits and `_`, starting with a letter";
    /// An entity or type name that would shadow a Rust prelude type.
    ShadowsPrelude = "shadows-prelude", Error,
        "choose a more specific name";
    /// Two names that become the same Rust or stored name.
    NameCollision = "name-collision", Error,
        "rename one of them";
    /// An attribute name that clashes with a generated method.
    ReservedName = "reserved-name", Error,
        "choose another name and keep the stored one with `rename:`";
    /// A local index with a partition key or template of its own.
    LocalIndexPartition = "local-index-partition", Error,
        "a local index shares the table's partition key; give it only a sort key";
    /// A local index on a table without a sort key.
    LocalIndexWithoutTableSortKey = "local-index-without-table-sort-key", Error,
        "DynamoDB allows local indexes only on tables with a sort key; use a global index";
    /// An attribute stored under a table, index or type attribute name.
    AttributeClash = "attribute-clash", Error,
        "rename the attribute, or store it under another name with `rename:`";
    /// An enum that lists a value twice.
    DuplicateEnumValue = "duplicate-enum-value", Error,
        "remove the duplicate";
    /// An enum without values.
    EmptyEnum = "empty-enum", Error,
        "list its values: `enum: [pending, paid]`";
    /// A document type without fields.
    EmptyType = "empty-type", Error,
        "add at least one field";
    /// An entity without attributes.
    EmptyEntity = "empty-entity", Error,
        "list at least the attributes its primary key is built from";
    /// A document type that contains itself without a list or map between.
    RecursiveType = "recursive-type", Error,
        "hold the nested value in a `list<T>` or `map<T>`, which gives it a place on the heap";
    /// A `ttl` inside a list, map or document type.
    NestedTtl = "nested-ttl", Error,
        "DynamoDB reads time-to-live from a top-level number; use `timestamp` inside lists, maps and documents";
    /// `auto:` on an attribute that is not a timestamp.
    AutoType = "auto-type", Error,
        "make the attribute `type: timestamp`, or remove `auto`";
    /// An attribute with both `auto` and `default`.
    AutoWithDefault = "auto-with-default", Error,
        "`auto` already decides the value; remove `default`";
    /// A `version` attribute that is not a required integer.
    VersionType = "version-type", Error,
        "optimistic locking counts writes; declare `{ type: integer, version: true }`";
    /// A `version` attribute inside a document type.
    VersionInType = "version-in-type", Error,
        "move the version attribute to the entity";
    /// An entity with two `version` attributes.
    DuplicateVersion = "duplicate-version", Error,
        "keep one version attribute";
    /// A default that is not a value of the attribute's type.
    InvalidDefault = "invalid-default", Error,
        "write a value of the attribute's type";
    /// The table's `ttl_attribute` declared with another type than `ttl`.
    TtlType = "ttl-type", Error,
        "DynamoDB expires items by a number of epoch seconds; declare it `type: ttl`";
    /// An entity without primary key templates.
    MissingPrimaryKey = "missing-primary-key", Error,
        "add `primary: { partition: \"...\", sort: \"...\" }` under `keys`";
    /// Key templates for an index that `table.indexes` does not declare.
    UndeclaredIndex = "undeclared-index", Error,
        "declare the index under `table.indexes`, or remove the templates";
    /// Templates for the inverse index, which takes none.
    InverseIndexTemplate = "inverse-index-template", Error,
        "remove these templates: every item is in the inverse index with its primary templates swapped";
    /// An index key (partition or sort) without a template.
    MissingTemplate = "missing-template", Error,
        "add the missing template";
    /// A sort template on a table or index without a sort key.
    SortWithoutSortKey = "sort-without-sort-key", Error,
        "remove the sort template, or declare a sort key";
    /// A backslash in a template's literal text.
    TemplateEscape = "template-escape", Error,
        "remove the backslash from the literal text";
    /// A template naming a field the entity does not have.
    TemplateUnknownField = "template-unknown-field", Error,
        "name one of the entity's attributes";
    /// A template naming a list, map, set, document, float or bytes field.
    TemplateNonScalar = "template-non-scalar", Error,
        "key fields are string, integer, timestamp, date, uuid, bool or enum attributes";
    /// An optional attribute in a primary key template.
    OptionalKeyField = "optional-key-field", Error,
        "every item needs a primary key; make the attribute required (optional fields are fine in index templates, which makes them sparse)";
    /// A primary key template using a field that changes on every write.
    MutableKeyField = "mutable-key-field", Error,
        "a primary key cannot change; build it from fields that are fixed when the item is created";
    /// A `when:` that does not name a required bool attribute, or an enum attribute with some
    /// of its values.
    InvalidWhen = "invalid-when", Error,
        "write `when: <bool attribute>` or `when: { <enum attribute>: [value, ...] }` naming a required attribute of the entity";
    /// A template for the half of an index key that is the table's own key attribute.
    SharedKeyTemplate = "shared-key-template", Error,
        "remove the template: the entity's primary template writes that attribute";
    /// A `select:` naming an unknown or unprojected attribute, or on an item collection.
    InvalidSelect = "invalid-select", Error,
        "name attributes of the pattern's entity that its index holds";
    /// A derived segment `{field:function}` with an unknown function, a function of another
    /// type, a shard count out of range, or in a primary key.
    InvalidDerivation = "invalid-derivation", Error,
        "use a known function on a field of its type, in an index template";
    /// `unique:` on a non-scalar attribute or in a document type, or scoped by an attribute
    /// that is missing, optional or not a scalar.
    InvalidUnique = "invalid-unique", Error,
        "make a scalar attribute of an entity unique, scoped by a required scalar attribute";
    /// An index with more than four partition or sort attributes, or an entity that does not
    /// have them, or templates for (or `true` of) the wrong kind of index.
    InvalidMultiKey = "invalid-multi-key", Error,
        "declare `partition_key: [a, b]` (1 to 4) and `sort_key: [c, d]` (up to 4), and give entities `index_name: true` and those attributes";
    /// `was:` naming a value the enum still has, mapping to a value it does not have, or on
    /// a document type.
    InvalidWas = "invalid-was", Error,
        "`was: { old: new }` maps values an enum no longer has to values it has";
    /// `lint.allow` naming a code that is not a warning's.
    InvalidAllow = "invalid-allow", Error,
        "name warnings by their codes, as `codegen lint` prints them";
    /// An index template using the version attribute.
    VersionInKey = "version-in-key", Error,
        "an update increments the version inside DynamoDB, so the writer cannot rebuild this key; use another field";
    /// An `auto: updated` field combined with other fields in one template.
    UpdatedInCompositeKey = "updated-in-composite-key", Error,
        "every update rewrites this key, so it may only hold the timestamp and literal text; move the other fields to the other key attribute of the index";
    /// Two entities whose templates on one index can produce the same key.
    AmbiguousKeys = "ambiguous-keys", Error,
        "start one of the templates with a literal the other cannot produce";
    /// `one: true` on a scan.
    ScanOne = "scan-one", Error,
        "a scan reads the whole table or index; use a query pattern for a single item";
    /// `order` on a scan.
    ScanOrder = "scan-order", Error,
        "a scan returns items in no particular order; remove `order`";
    /// An access pattern on an index that is not declared.
    UnknownIndex = "unknown-index", Error,
        "name an index declared under `table.indexes`, or `primary`";
    /// An access pattern with both or neither of `entity` and `entities`.
    PatternEntity = "pattern-entity", Error,
        "use `entity: X` for one entity or `entities: [X, Y]` for an item collection";
    /// `scan: true` on an item collection.
    ScanCollection = "scan-collection", Error,
        "a scan reads one entity's items; declare one scan pattern per entity";
    /// `one: true` on an item collection.
    OneCollection = "one-collection", Error,
        "a collection returns several entities' items; remove `one` or query a single entity";
    /// An item collection of fewer than two entities.
    SmallCollection = "small-collection", Error,
        "a collection needs two or more entities; use `entity: X` for one";
    /// An access pattern naming an entity that is not declared.
    UnknownEntity = "unknown-entity", Error,
        "name an entity declared under `entities:`";
    /// An access pattern on an index its entity has no templates for.
    PatternWithoutTemplate = "pattern-without-template", Error,
        "query the entity on an index it has templates for";
    /// An item collection whose entities' partition templates differ.
    CollectionPartitionMismatch = "collection-partition-mismatch", Error,
        "a collection reads one partition; its entities need the same partition template on the index (same literals and field names and types)";
    /// An index declared and never used.
    UnusedIndex = "unused-index", Warning,
        "remove it to save its storage and write cost, or add templates and an access pattern for it";
    /// An index projection naming an attribute no entity stores.
    UnknownProjectionAttribute = "unknown-projection-attribute", Warning,
        "projection lists stored attribute names; check the spelling";
    /// A constant partition template for an entity of many items (`codegen lint`).
    HotPartition = "hot-partition", Warning,
        "a constant partition key puts every item of the entity in one partition, whose throughput is capped; include a field such as `{tenant_id}`, or allow it if the entity stays small";
    /// A scan pattern (`codegen lint`).
    FullScan = "full-scan", Warning,
        "a scan reads and bills every item of the table or index on each call; query a partition instead (an index whose partition template names what the callers know), or allow it where reading everything is the point";
    /// A pattern on a `keys_only` or `include` index that returns the entity without
    /// `select:`, so whole items cost a `load` each (`codegen lint`).
    UnprojectedAttributes = "unprojected-attributes", Warning,
        "project the attributes the pattern's callers read (`projection: all`, or list them), or declare `select: [...]` with the projected attributes it needs";
    /// An index entities write that no access pattern reads (`codegen lint`).
    UnqueriedIndex = "unqueried-index", Warning,
        "every write of its entities also writes the index (storage and write capacity); declare an access pattern that reads it, or remove the index and its templates";
    /// A global index partition built only from enum or bool fields (`codegen lint`).
    LowCardinalityPartition = "low-cardinality-partition", Warning,
        "a partition key with few values concentrates traffic on few partitions; add a field with many values (an id, or a `shard(N)` of one), or move the enum to the sort template";
    /// `ttl_attribute` that no entity stores (`codegen lint`).
    TtlUnused = "ttl-unused", Warning,
        "declare an attribute of that name with `type: ttl` on the entities that should expire, or remove `ttl_attribute`";
    /// `ttl_attribute` required on every entity: every item of the table expires
    /// (`codegen lint`).
    TtlEverywhere = "ttl-everywhere", Warning,
        "make the attribute optional where items should be kept, or allow this if the table is a cache";
    /// A `ttl` attribute that is not the table's `ttl_attribute` (`codegen lint`).
    StrayTtl = "stray-ttl", Warning,
        "DynamoDB expires items only by the table's `ttl_attribute`; name this attribute there (one per table), or make it a `timestamp`";
    /// A code in `lint.allow` that silences nothing there (`codegen lint`).
    UnusedAllow = "unused-allow", Warning,
        "remove the code from `allow`, or move the allow to the node the warning is about (or one around it)";
    /// The generator failed on a schema that passed validation (a bug).
    Internal = "internal", Error,
        "this is a bug in the generator's validator; please report it with the schema";
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_kebab_case_and_every_rule_has_help() {
        let mut seen = std::collections::BTreeSet::new();
        for rule in Rule::ALL {
            let code = rule.code();
            assert!(seen.insert(code), "`{code}` is used twice");
            assert!(
                code.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "`{code}` is not kebab-case"
            );
            assert!(!rule.help().is_empty(), "`{code}` has no help");
        }
    }
}
