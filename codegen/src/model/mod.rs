//! The resolved model the emitters read: entities with typed attributes, key templates
//! parsed into typed parts, indexes with their kind and projection, and access patterns with
//! their partition and sort fields. Built only from a schema that validated without errors;
//! emitters never see the raw YAML types.

use crate::ast;
pub use crate::ast::{Auto, Literal, Order, Projection};

mod build;
pub use build::build;

/// The role of an index, as far as templates are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexKind {
    /// The table itself.
    Primary,
    /// A global secondary index with its own key attributes.
    Global,
    /// A local secondary index (the table's partition key, its own sort key).
    Local,
    /// A global index over the table's keys swapped; holds every item, no templates.
    Inverse,
}

/// A resolved type.
#[derive(Debug, Clone, PartialEq)]
pub enum Type {
    /// `string` → `String`
    String,
    /// `integer` → `i64`
    Integer,
    /// `float` → `f64`
    Float,
    /// `bool` → `bool`
    Bool,
    /// `timestamp` → `DateTime<Utc>`, stored as RFC 3339 text
    Timestamp,
    /// `date` → `NaiveDate`
    Date,
    /// `uuid` → `Uuid`
    Uuid,
    /// `ulid` → `Ulid`, stored as its 26-character text
    Ulid,
    /// `bytes` → `Vec<u8>`
    Bytes,
    /// `ttl` → `DateTime<Utc>`, stored as epoch seconds
    Ttl,
    /// `list<T>` → `Vec<T>`
    List(Box<Type>),
    /// `map<T>` → `BTreeMap<String, T>`
    Map(Box<Type>),
    /// `set<T>` → `BTreeSet<T>`
    Set(Box<Type>),
    /// A document type from `types:`
    Document(String),
    /// An enum from `types:`
    Enum(String),
}

/// A resolved default value.
#[derive(Debug, Clone, PartialEq)]
pub enum DefaultValue {
    /// The current instant or date.
    Now,
    /// A fresh random UUID.
    Uuid,
    /// A fresh time-ordered UUID (version 7).
    Uuid7,
    /// A fresh time-ordered ULID.
    Ulid,
    /// A literal of the attribute's type, resolved to a typed value.
    Value(Value),
}

/// A literal resolved against the type it is a value of: text is parsed into instants,
/// dates and UUIDs here, once, so emitters never parse and never guess.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`: no value (for optional attributes).
    Null,
    /// A `string`.
    String(String),
    /// An `integer`.
    Integer(i64),
    /// A `float`.
    Float(f64),
    /// A `bool`.
    Bool(bool),
    /// A `timestamp` or `ttl`: seconds and nanoseconds since the Unix epoch.
    Timestamp {
        /// Whole seconds.
        seconds: i64,
        /// Nanoseconds within the second.
        nanos: u32,
    },
    /// A `date`.
    Date {
        /// The year.
        year: i32,
        /// The month, 1 to 12.
        month: u32,
        /// The day, 1 to 31.
        day: u32,
    },
    /// A `uuid`, as its 128 bits.
    Uuid(u128),
    /// `bytes`.
    Bytes(Vec<u8>),
    /// A `list<T>`.
    List(Vec<Value>),
    /// A `set<T>`.
    Set(Vec<Value>),
    /// A `map<T>`, in schema order.
    Map(Vec<(String, Value)>),
    /// A value of an enum: its Rust type and variant names.
    Enum {
        /// The enum's Rust name.
        type_name: String,
        /// The variant's Rust name.
        variant: String,
    },
    /// A document: every field, given or from the field's own default.
    Document {
        /// The document's Rust name.
        type_name: String,
        /// Every field with its value.
        fields: Vec<DocumentField>,
    },
}

/// One field of a document [`Value`].
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentField {
    /// The field's Rust name.
    pub rust_name: String,
    /// Its type.
    pub ty: Type,
    /// Whether it is optional.
    pub optional: bool,
    /// Its value; `None` leaves an optional field empty.
    pub value: Option<DefaultValue>,
}

/// An attribute of an entity or a field of a document type.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    /// The schema name.
    pub name: String,
    /// The Rust field name (`user_id`, `r#type`).
    pub rust_name: String,
    /// The stored attribute name (`rename`, else the schema name).
    pub stored_name: String,
    /// The type.
    pub ty: Type,
    /// `optional: true` (`Option<T>`).
    pub optional: bool,
    /// `default:`.
    pub default: Option<DefaultValue>,
    /// `doc:`.
    pub doc: Option<String>,
    /// `immutable: true`.
    pub immutable: bool,
    /// `auto:`.
    pub auto: Option<Auto>,
    /// `version: true`.
    pub version: bool,
    /// `unique:`: `Some(None)` for `unique: true`, `Some(Some(scope))` with the scope
    /// attribute's schema name.
    pub unique: Option<Option<String>>,
    /// The schema line that declares it.
    pub line: usize,
}

/// A named type.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeDef {
    /// The schema name.
    pub name: String,
    /// The Rust type name.
    pub rust_name: String,
    /// `doc:`.
    pub doc: Option<String>,
    /// Fields or values.
    pub kind: TypeKind,
    /// An enum's earlier stored values and what each became (`was:`).
    pub was: Vec<(String, String)>,
    /// The schema line that declares it.
    pub line: usize,
}

/// What a named type is.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeKind {
    /// A nested document.
    Document(Vec<Attribute>),
    /// An enum: `(stored value, Rust variant name)` pairs.
    Enum(Vec<(String, String)>),
}

/// A field of the entity used in a key template.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateField {
    /// Schema name of the attribute.
    pub name: String,
    /// Rust field name.
    pub rust_name: String,
    /// Its (scalar) type.
    pub ty: Type,
    /// Whether the attribute is optional (makes an index sparse).
    pub optional: bool,
    /// `{field:function}`: the key holds this function of the value, not the value.
    pub derive: Option<Derive>,
}

impl TemplateField {
    /// The name of the key function's (and query's) argument: `created_at_day` for
    /// `{created_at:day}`, the field's own name otherwise.
    pub fn param_name(&self) -> String {
        match self.derive {
            Some(d) => format!("{}_{}", self.rust_name.trim_start_matches("r#"), d.name()),
            None => self.rust_name.clone(),
        }
    }
}

/// The function of a derived key segment `{field:function}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Derive {
    /// The UTC year of a timestamp or date: `2026`.
    Year,
    /// The UTC month: `2026-11`.
    Month,
    /// The UTC day of a timestamp: `2026-11-29`.
    Day,
    /// The UTC hour of a timestamp: `2026-11-29T20`.
    Hour,
    /// The text in upper case.
    Upper,
    /// The text in lower case.
    Lower,
    /// One of `n` write shards, from a fixed hash of the value.
    Shard(u32),
}

impl Derive {
    /// Parses the text after the colon: `day`, `upper`, `shard(4)`.
    pub fn parse(text: &str) -> Result<Derive, String> {
        Ok(match text {
            "year" => Derive::Year,
            "month" => Derive::Month,
            "day" => Derive::Day,
            "hour" => Derive::Hour,
            "upper" => Derive::Upper,
            "lower" => Derive::Lower,
            _ => {
                let n = text
                    .strip_prefix("shard(")
                    .and_then(|rest| rest.strip_suffix(')'))
                    .ok_or_else(|| format!("unknown function `{text}`"))?;
                let n: u32 = n
                    .trim()
                    .parse()
                    .map_err(|_| format!("`{text}`: the shard count must be a number"))?;
                if !(2..=100).contains(&n) {
                    return Err(format!("`{text}`: the shard count must be 2 to 100"));
                }
                Derive::Shard(n)
            }
        })
    }

    /// The function's name, as in the schema (`shard` without its count).
    pub fn name(&self) -> &'static str {
        match self {
            Derive::Year => "year",
            Derive::Month => "month",
            Derive::Day => "day",
            Derive::Hour => "hour",
            Derive::Upper => "upper",
            Derive::Lower => "lower",
            Derive::Shard(_) => "shard",
        }
    }

    /// Whether it applies to a value of `ty`.
    pub fn applies_to(&self, ty: &Type) -> bool {
        match self {
            Derive::Year | Derive::Month => matches!(ty, Type::Timestamp | Type::Date),
            Derive::Day | Derive::Hour => *ty == Type::Timestamp,
            Derive::Upper | Derive::Lower => matches!(ty, Type::String | Type::Enum(_)),
            Derive::Shard(_) => true,
        }
    }
}

/// One part of a key template.
#[derive(Debug, Clone, PartialEq)]
pub enum TemplatePart {
    /// Literal text.
    Literal(String),
    /// A field of the entity.
    Field(TemplateField),
}

/// A key template bound to a key attribute.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    /// The text as written.
    pub text: String,
    /// The key attribute it is stored in (`pk`, `gsi1sk`).
    pub attribute: String,
    /// Literal text and fields, in order.
    pub parts: Vec<TemplatePart>,
}

impl Template {
    /// The fields, in order.
    pub fn fields(&self) -> impl Iterator<Item = &TemplateField> {
        self.parts.iter().filter_map(|p| match p {
            TemplatePart::Field(f) => Some(f),
            TemplatePart::Literal(_) => None,
        })
    }

    /// Whether any field is optional (the key is omitted while it is `None`).
    pub fn is_sparse(&self) -> bool {
        self.fields().any(|f| f.optional)
    }

    /// Whether the template uses the attribute called `name`.
    pub fn uses(&self, name: &str) -> bool {
        self.fields().any(|f| f.name == name)
    }
}

/// An index of the table.
#[derive(Debug, Clone, PartialEq)]
pub struct Index {
    /// Index name (`primary` for the table itself).
    pub name: String,
    /// Primary, global, local or inverse.
    pub kind: IndexKind,
    /// Partition key attribute.
    pub partition_key: String,
    /// Sort key attribute.
    pub sort_key: Option<String>,
    /// Projected attributes.
    pub projection: ast::Projection,
    /// Multi-attribute keys: every partition and every sort attribute, in order.
    pub multi: Option<(Vec<String>, Vec<String>)>,
}

/// An entity's key on one index.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    /// The index name (`primary` for the table).
    pub index: String,
    /// The index kind.
    pub kind: IndexKind,
    /// The partition template (for local indexes, the primary one).
    pub partition: Template,
    /// The sort template.
    pub sort: Option<Template>,
    /// The schema line of the templates (the primary ones for an inverse index).
    pub line: usize,
    /// `when:`: the keys are written only while it holds.
    pub when: Option<When>,
    /// Key attributes of this index that are the table's own (a global index sorting on the
    /// table's sort key, say): their templates are the primary ones and the primary key
    /// writes them.
    pub shared: Vec<String>,
}

/// The condition of a conditional sparse index: a bool attribute is `true`, or an enum
/// attribute holds one of the listed values.
#[derive(Debug, Clone, PartialEq)]
pub struct When {
    /// The attribute (bool or enum, never optional).
    pub field: TemplateField,
    /// For an enum, the listed values as `(stored value, Rust variant name)`; empty for a bool.
    pub values: Vec<(String, String)>,
}

impl Key {
    /// Whether this is the table's own key.
    pub fn is_primary(&self) -> bool {
        self.kind == IndexKind::Primary
    }

    /// The templates an item writes for this key: an inverse index's are the table's own
    /// attributes and a local index shares the table's partition key, so neither writes them.
    pub fn written_templates(&self) -> impl Iterator<Item = &Template> {
        let partition =
            matches!(self.kind, IndexKind::Primary | IndexKind::Global).then_some(&self.partition);
        let sort = (self.kind != IndexKind::Inverse)
            .then_some(self.sort.as_ref())
            .flatten();
        partition
            .into_iter()
            .chain(sort)
            .filter(|t| !self.shared.contains(&t.attribute))
    }
}

impl Key {
    /// Whether the key attributes are omitted while an optional field is `None` or the
    /// index's `when` does not hold.
    pub fn is_sparse(&self) -> bool {
        self.when.is_some()
            || self.partition.is_sparse()
            || self.sort.as_ref().is_some_and(Template::is_sparse)
    }

    /// Whether the key is built from (or written depending on) the attribute called `name`.
    pub fn uses(&self, name: &str) -> bool {
        self.when.as_ref().is_some_and(|w| w.field.name == name)
            || self.written_templates().any(|t| t.uses(name))
    }
}

/// An entity.
#[derive(Debug, Clone, PartialEq)]
pub struct Entity {
    /// Schema name, also the stored type discriminator.
    pub name: String,
    /// Rust type name.
    pub rust_name: String,
    /// `doc:`.
    pub doc: Option<String>,
    /// Attributes in schema order.
    pub attributes: Vec<Attribute>,
    /// Keys: primary first, then each index it belongs to (the inverse index included,
    /// with the primary templates swapped).
    pub keys: Vec<Key>,
    /// Indexes with multi-attribute keys the entity belongs to (`index_name: true`).
    pub native: Vec<String>,
    /// The schema line that declares it.
    pub line: usize,
}

impl Entity {
    /// The primary key.
    pub fn primary(&self) -> &Key {
        &self.keys[0]
    }

    /// The key on `index`.
    pub fn key(&self, index: &str) -> Option<&Key> {
        self.keys.iter().find(|k| k.index == index)
    }

    /// The attribute called `name`.
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// The fields of the primary key templates, each once, in template order.
    pub fn primary_fields(&self) -> Vec<&TemplateField> {
        let primary = self.primary();
        let mut out: Vec<&TemplateField> = Vec::new();
        for f in std::iter::once(&primary.partition)
            .chain(primary.sort.as_ref())
            .flat_map(Template::fields)
        {
            if !out.iter().any(|o| o.name == f.name) {
                out.push(f);
            }
        }
        out
    }

    /// Whether the attribute called `name` is part of the primary key.
    pub fn is_key_field(&self, name: &str) -> bool {
        let primary = self.primary();
        primary.partition.uses(name) || primary.sort.as_ref().is_some_and(|s| s.uses(name))
    }
}

/// What an access pattern returns.
#[derive(Debug, Clone, PartialEq)]
pub enum PatternTarget {
    /// Items of one entity.
    Entity(String),
    /// An item collection of several entities sharing a partition.
    Collection(Vec<String>),
}

/// An access pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct AccessPattern {
    /// Schema name.
    pub name: String,
    /// Rust function name.
    pub rust_name: String,
    /// `doc:`.
    pub doc: Option<String>,
    /// What it returns.
    pub target: PatternTarget,
    /// The index queried.
    pub index: String,
    /// The index kind.
    pub kind: IndexKind,
    /// `order:`.
    pub order: Order,
    /// `one: true`.
    pub one: bool,
    /// `scan: true`: the whole table or index, not one partition.
    pub scan: bool,
    /// `select:`: the stored names of the only attributes read (besides the keys).
    pub select: Option<Vec<String>>,
    /// Whether the index has multi-attribute keys: `partition` and the sort templates then
    /// list the key attributes (their text is the names), nothing is formatted.
    pub native: bool,
    /// The partition template (shared by all entities of a collection).
    pub partition: Template,
    /// Each entity's sort template on the index, in `target` order.
    pub sorts: Vec<(String, Option<Template>)>,
    /// The schema line that declares it.
    pub line: usize,
}

impl AccessPattern {
    /// Whether the pattern may read with strong consistency (the table and local indexes).
    pub fn strong_reads(&self) -> bool {
        matches!(self.kind, IndexKind::Primary | IndexKind::Local)
    }
}

/// The table.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Default physical name.
    pub name: String,
    /// Partition key attribute.
    pub partition_key: String,
    /// Sort key attribute.
    pub sort_key: Option<String>,
    /// Type discriminator attribute.
    pub type_attribute: String,
    /// Key segment delimiter.
    pub delimiter: char,
    /// TTL attribute.
    pub ttl_attribute: Option<String>,
    /// The table's stream, when enabled.
    pub stream: Option<crate::ast::StreamView>,
    /// Secondary indexes, in schema order.
    pub indexes: Vec<Index>,
}

/// The whole resolved schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// The table.
    pub table: Table,
    /// Named types.
    pub types: Vec<TypeDef>,
    /// Entities.
    pub entities: Vec<Entity>,
    /// Access patterns.
    pub access_patterns: Vec<AccessPattern>,
}

impl Model {
    /// The Rust name of the table's change enum (`TrackerChange` for table `tracker`), which
    /// decodes the table's stream records.
    pub fn change_type_name(&self) -> String {
        crate::names::change_enum(&self.table.name)
    }

    /// The entity called `name`.
    pub fn entity(&self, name: &str) -> Option<&Entity> {
        self.entities.iter().find(|e| e.name == name)
    }

    /// The named type called `name`.
    pub fn type_def(&self, name: &str) -> Option<&TypeDef> {
        self.types.iter().find(|t| t.name == name)
    }

    /// The secondary index called `name`.
    pub fn index(&self, name: &str) -> Option<&Index> {
        self.table.indexes.iter().find(|i| i.name == name)
    }
}

/// The stored type of a key attribute, as DynamoDB's attribute definitions name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyScalar {
    /// A string (`S`).
    S,
    /// A number (`N`).
    N,
    /// Binary (`B`).
    B,
}

impl KeyScalar {
    /// `S`, `N` or `B`.
    pub fn code(self) -> &'static str {
        match self {
            KeyScalar::S => "S",
            KeyScalar::N => "N",
            KeyScalar::B => "B",
        }
    }
}

impl Model {
    /// The stored type of `attribute`, a key attribute of `index`. Templated keys are text; an
    /// attribute of a multi-attribute key keeps its own type (every entity on the index stores
    /// the same one; the validator checks that).
    pub fn key_scalar(&self, index: &Index, attribute: &str) -> KeyScalar {
        if index.multi.is_none() {
            return KeyScalar::S;
        }
        let ty = self
            .entities
            .iter()
            .filter(|e| e.native.contains(&index.name))
            .find_map(|e| e.attributes.iter().find(|a| a.stored_name == attribute))
            .map(|a| &a.ty);
        match ty {
            Some(Type::Integer | Type::Float) => KeyScalar::N,
            Some(Type::Bytes) => KeyScalar::B,
            _ => KeyScalar::S,
        }
    }

    /// Every key attribute of the table and its indexes with its stored type, each once, in
    /// order: the table's partition and sort key, then each index's.
    pub fn key_attributes(&self) -> Vec<(String, KeyScalar)> {
        let t = &self.table;
        let mut out: Vec<(String, KeyScalar)> = std::iter::once(&t.partition_key)
            .chain(&t.sort_key)
            .map(|a| (a.clone(), KeyScalar::S))
            .collect();
        for index in &t.indexes {
            let names: Vec<&String> = match &index.multi {
                Some((partition, sort)) => partition.iter().chain(sort).collect(),
                None => std::iter::once(&index.partition_key)
                    .chain(&index.sort_key)
                    .collect(),
            };
            for name in names {
                if !out.iter().any(|(a, _)| a == name) {
                    out.push((name.clone(), self.key_scalar(index, name)));
                }
            }
        }
        out
    }

    /// The non-key attributes an `include` index projects: the listed ones and the type
    /// attribute, which is always projected so queries can tell entities apart. `None` for
    /// `all` and `keys_only`.
    pub fn included_attributes(&self, index: &Index) -> Option<Vec<String>> {
        let Projection::Include(attrs) = &index.projection else {
            return None;
        };
        let mut out = attrs.clone();
        if !out.contains(&self.table.type_attribute) {
            out.push(self.table.type_attribute.clone());
        }
        Some(out)
    }
}
