//! The schema as written: what the parser produces and the validator checks.
//!
//! Every node keeps its YAML path (`entities.Order.keys.gsi1`), which diagnostics resolve to a
//! line and column. Nothing here knows YAML; the parser fills these types, the validator
//! checks them, and the model resolves them into the IR the emitters read.

/// A YAML path such as `entities.Order.attributes.status`.
pub type YamlPath = String;

/// A whole schema file.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    /// The schema language version (only 1 exists).
    pub version: u64,
    /// The physical table.
    pub table: Table,
    /// Nested document types and enums, in schema order.
    pub types: Vec<TypeDef>,
    /// Entities, in schema order.
    pub entities: Vec<Entity>,
    /// Access patterns, in schema order.
    pub access_patterns: Vec<AccessPattern>,
    /// Every `lint: { allow: [...] }`, in schema order.
    pub allows: Vec<Allow>,
}

impl Schema {
    /// The `lint: { allow: [...] }` entries that silence the warning `d`, as (allow, code)
    /// indexes: those on the node it is about or on any node around it (the entity around
    /// its key templates, the schema around everything), or around the second place it names.
    pub fn allowing(&self, d: &crate::diagnostics::Diagnostic) -> Vec<(usize, usize)> {
        if d.severity != crate::diagnostics::Severity::Warning {
            return Vec::new();
        }
        let places: Vec<&str> = std::iter::once(d.path.as_str())
            .chain(d.related.as_ref().map(|r| r.path.as_str()))
            .collect();
        let mut out = Vec::new();
        for (i, a) in self.allows.iter().enumerate() {
            if !places.iter().any(|place| within(place, &a.path)) {
                continue;
            }
            for (j, (rule, _)) in a.rules.iter().enumerate() {
                if *rule == d.rule {
                    out.push((i, j));
                }
            }
        }
        out
    }

    /// Whether a `lint: { allow: [...] }` silences the warning `d` (see [`Schema::allowing`]).
    pub fn allows(&self, d: &crate::diagnostics::Diagnostic) -> bool {
        !self.allowing(d).is_empty()
    }
}

/// Whether the YAML path `path` is `outer` or inside it (`a.b[0]` and `a.b.c` are inside
/// `a.b`; `a.bc` is not).
pub fn within(path: &str, outer: &str) -> bool {
    outer.is_empty()
        || path == outer
        || path
            .strip_prefix(outer)
            .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
}

/// `lint: { allow: [...], reason: ... }` on a node of the schema.
#[derive(Debug, Clone)]
pub struct Allow {
    /// The YAML path of the node that carries it (`""` for the whole schema).
    pub path: YamlPath,
    /// The warnings it allows, each with the YAML path of its code in the list.
    pub rules: Vec<(crate::diagnostics::Rule, YamlPath)>,
    /// `reason:`.
    pub reason: Option<String>,
}

/// `table:`.
#[derive(Debug, Clone)]
pub struct Table {
    /// Default physical table name.
    pub name: Option<String>,
    /// Partition key attribute.
    pub partition_key: String,
    /// Sort key attribute; `None` for `sort_key: null`.
    pub sort_key: Option<String>,
    /// Entity discriminator attribute.
    pub type_attribute: String,
    /// Key segment delimiter, as written (validated to one character).
    pub delimiter: String,
    /// Time-to-live attribute.
    pub ttl_attribute: Option<String>,
    /// The table's DynamoDB stream, when enabled: what each record carries.
    pub stream: Option<StreamView>,
    /// Declared indexes, in schema order.
    pub indexes: Vec<Index>,
}

/// `table.stream:`, what each record of the table's stream carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamView {
    /// The item before and after the change.
    NewAndOldImages,
    /// The item after the change.
    NewImage,
    /// The item before the change.
    OldImage,
    /// Only the item's key attributes.
    KeysOnly,
}

impl StreamView {
    /// From its schema spelling (`new_and_old_images`).
    pub fn from_word(word: &str) -> Option<StreamView> {
        Some(match word {
            "new_and_old_images" => StreamView::NewAndOldImages,
            "new_image" => StreamView::NewImage,
            "old_image" => StreamView::OldImage,
            "keys_only" => StreamView::KeysOnly,
            _ => return None,
        })
    }

    /// DynamoDB's name for it (`StreamViewType`): `NEW_AND_OLD_IMAGES`.
    pub fn dynamodb_name(self) -> &'static str {
        match self {
            StreamView::NewAndOldImages => "NEW_AND_OLD_IMAGES",
            StreamView::NewImage => "NEW_IMAGE",
            StreamView::OldImage => "OLD_IMAGE",
            StreamView::KeysOnly => "KEYS_ONLY",
        }
    }

    /// The runtime's `StreamView` variant naming it.
    pub fn variant(self) -> &'static str {
        match self {
            StreamView::NewAndOldImages => "NewAndOldImages",
            StreamView::NewImage => "NewImage",
            StreamView::OldImage => "OldImage",
            StreamView::KeysOnly => "KeysOnly",
        }
    }
}

impl Default for Table {
    fn default() -> Self {
        Table {
            name: None,
            partition_key: "pk".into(),
            sort_key: Some("sk".into()),
            type_attribute: "_type".into(),
            delimiter: "#".into(),
            ttl_attribute: None,
            stream: None,
            indexes: Vec::new(),
        }
    }
}

/// One index under `table.indexes`.
#[derive(Debug, Clone)]
pub struct Index {
    /// Index name.
    pub name: String,
    /// YAML path of the index.
    pub path: YamlPath,
    /// Partition key attribute (required for global indexes, the table's for local ones).
    pub partition_key: Option<String>,
    /// Sort key attribute.
    pub sort_key: Option<String>,
    /// `local: true`.
    pub local: bool,
    /// Projected attributes.
    pub projection: Projection,
    /// Multi-attribute keys (`partition_key: [a, b]`, `sort_key: [c, d]`): every attribute in
    /// order; `partition_key` and `sort_key` then name the first of each.
    pub multi: Option<(Vec<String>, Vec<String>)>,
}

/// `projection:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Projection {
    /// `all` (the default).
    All,
    /// `keys_only`.
    KeysOnly,
    /// A list of attribute names.
    Include(Vec<String>),
}

/// A type expression: `string`, `list<OrderLine>`, `map<integer>`, `set<string>`, `Address`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeExpr {
    /// `string`
    String,
    /// `integer`
    Integer,
    /// `float`
    Float,
    /// `bool`
    Bool,
    /// `timestamp`
    Timestamp,
    /// `date`
    Date,
    /// `uuid`
    Uuid,
    /// `ulid`: a time-ordered id, stored as its 26-character text.
    Ulid,
    /// `bytes`
    Bytes,
    /// `ttl`
    Ttl,
    /// `list<T>`
    List(Box<TypeExpr>),
    /// `map<T>`
    Map(Box<TypeExpr>),
    /// `set<T>` for string, integer or bytes.
    Set(Box<TypeExpr>),
    /// A name from `types:`.
    Named(String),
}

impl std::fmt::Display for TypeExpr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TypeExpr::String => f.write_str("string"),
            TypeExpr::Integer => f.write_str("integer"),
            TypeExpr::Float => f.write_str("float"),
            TypeExpr::Bool => f.write_str("bool"),
            TypeExpr::Timestamp => f.write_str("timestamp"),
            TypeExpr::Date => f.write_str("date"),
            TypeExpr::Uuid => f.write_str("uuid"),
            TypeExpr::Ulid => f.write_str("ulid"),
            TypeExpr::Bytes => f.write_str("bytes"),
            TypeExpr::Ttl => f.write_str("ttl"),
            TypeExpr::List(t) => write!(f, "list<{t}>"),
            TypeExpr::Map(t) => write!(f, "map<{t}>"),
            TypeExpr::Set(t) => write!(f, "set<{t}>"),
            TypeExpr::Named(n) => f.write_str(n),
        }
    }
}

/// A literal value from the YAML (for defaults).
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `null` / `~`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string.
    String(String),
    /// A sequence.
    List(Vec<Literal>),
    /// A mapping with string keys, in schema order.
    Map(Vec<(String, Literal)>),
}

/// `default:`.
#[derive(Debug, Clone, PartialEq)]
pub enum DefaultSpec {
    /// `now`: the current instant (timestamps, dates, ttl).
    Now,
    /// `uuid`: a fresh random UUID (uuid and string attributes).
    Uuid,
    /// `uuid7`: a fresh time-ordered UUID, version 7 (uuid and string attributes).
    Uuid7,
    /// `ulid`: a fresh time-ordered ULID (ulid and string attributes).
    Ulid,
    /// Any other literal.
    Literal(Literal),
}

/// `auto:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auto {
    /// Set when the item is created, never updated.
    Created,
    /// Set on every write.
    Updated,
}

/// One attribute of an entity or field of a document type.
#[derive(Debug, Clone)]
pub struct Attribute {
    /// The name as written (also the stored name unless renamed).
    pub name: String,
    /// YAML path of the attribute.
    pub path: YamlPath,
    /// Its type; `None` if the type expression was invalid (already reported).
    pub ty: Option<TypeExpr>,
    /// `optional: true`.
    pub optional: bool,
    /// `default:`.
    pub default: Option<DefaultSpec>,
    /// `doc:`.
    pub doc: Option<String>,
    /// `immutable: true`.
    pub immutable: bool,
    /// `auto:`.
    pub auto: Option<Auto>,
    /// `version: true`.
    pub version: bool,
    /// `rename:` (the stored attribute name).
    pub rename: Option<String>,
    /// `unique: true` (`None` scope) or `unique: { scope: attr }`, with the YAML path.
    pub unique: Option<(Option<String>, YamlPath)>,
}

impl Attribute {
    /// The attribute name as stored in DynamoDB.
    pub fn stored_name(&self) -> &str {
        self.rename.as_deref().unwrap_or(&self.name)
    }
}

/// One entry of `types:`.
#[derive(Debug, Clone)]
pub struct TypeDef {
    /// Type name.
    pub name: String,
    /// YAML path.
    pub path: YamlPath,
    /// `doc:`.
    pub doc: Option<String>,
    /// Document or enum.
    pub kind: TypeDefKind,
    /// `was: { old: new }` of an enum: stored values an earlier version had, and the value
    /// each became (a generated migration rewrites them).
    pub was: Vec<(String, String)>,
}

/// What a named type is.
#[derive(Debug, Clone)]
pub enum TypeDefKind {
    /// A nested document with fields.
    Document(Vec<Attribute>),
    /// An enum stored as one of these strings.
    Enum(Vec<String>),
}

/// A piece of a key template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// Literal text.
    Literal(String),
    /// A `{field}` placeholder, or `{field:function}` with the function's text (`day`,
    /// `upper`, `shard(4)`, ...).
    Field(String, Option<String>),
}

/// A key template such as `ORDER#{placed_at}#{order_id}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// The text as written.
    pub text: String,
    /// YAML path of the template.
    pub path: YamlPath,
    /// Literal text and placeholders, in order.
    pub segments: Vec<Segment>,
}

impl Template {
    /// The placeholder names, in order.
    pub fn fields(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().filter_map(|s| match s {
            Segment::Field(f, _) => Some(f.as_str()),
            Segment::Literal(_) => None,
        })
    }
}

/// An entity's templates for one index (or `primary`).
#[derive(Debug, Clone)]
pub struct KeyTemplates {
    /// `primary` or an index name.
    pub index: String,
    /// YAML path (`entities.Order.keys.gsi1`).
    pub path: YamlPath,
    /// `partition:` (absent for local indexes).
    pub partition: Option<Template>,
    /// `sort:`.
    pub sort: Option<Template>,
    /// `when:`: the condition under which the keys are written (a conditional sparse index).
    pub when: Option<When>,
    /// `index: true` for an index with multi-attribute keys: the entity's own attributes are
    /// the key, so it lists no templates.
    pub native: bool,
}

/// `when:` of an index's templates.
#[derive(Debug, Clone, PartialEq)]
pub struct When {
    /// The attribute the condition reads.
    pub attribute: String,
    /// `None` for a bool attribute (the keys exist while it is `true`); the listed values of
    /// an enum attribute otherwise.
    pub values: Option<Vec<String>>,
    /// YAML path of `when`.
    pub path: YamlPath,
}

/// One entry of `entities:`.
#[derive(Debug, Clone)]
pub struct Entity {
    /// Entity name.
    pub name: String,
    /// YAML path.
    pub path: YamlPath,
    /// `doc:`.
    pub doc: Option<String>,
    /// Attributes in schema order.
    pub attributes: Vec<Attribute>,
    /// Key templates per index, in schema order.
    pub keys: Vec<KeyTemplates>,
}

impl Entity {
    /// The attribute called `name`.
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// The templates for `index`.
    pub fn keys_for(&self, index: &str) -> Option<&KeyTemplates> {
        self.keys.iter().find(|k| k.index == index)
    }
}

/// `order:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Ascending key order.
    Asc,
    /// Descending key order.
    Desc,
}

/// One entry of `access_patterns:`.
#[derive(Debug, Clone)]
pub struct AccessPattern {
    /// Pattern name.
    pub name: String,
    /// YAML path.
    pub path: YamlPath,
    /// `entity:`.
    pub entity: Option<String>,
    /// `entities:` (an item collection).
    pub entities: Option<Vec<String>>,
    /// `index:`; `None` means `primary`.
    pub index: Option<String>,
    /// `order:`; `None` when not given (ascending).
    pub order: Option<Order>,
    /// `one: true`.
    pub one: bool,
    /// `scan: true`: read the whole table or index instead of one partition.
    pub scan: bool,
    /// `select: [a, b]`: read only these attributes (and the keys), into a projection type.
    pub select: Option<(Vec<String>, YamlPath)>,
    /// `doc:`.
    pub doc: Option<String>,
}
