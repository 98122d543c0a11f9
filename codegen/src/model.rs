//! The resolved model the emitters read: entities with typed attributes, key templates
//! parsed into typed parts, indexes with their kind and projection, and access patterns with
//! their partition and sort fields. Built only from a schema that validated without errors;
//! emitters never see the raw YAML types.

use crate::ast::{self, Schema, Segment, TypeDefKind, TypeExpr};
pub use crate::ast::{Auto, Literal, Order, Projection};
use crate::diagnostics::{Anchor, Positions};
use crate::names;
use crate::validate::index_kind;

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

/// Builds the model from a schema that validated without errors. A failure is a gap in the
/// validator; its reason names what could not be resolved. Never panics.
pub fn build(schema: &Schema, positions: &Positions) -> Result<Model, String> {
    let b = Resolver { schema, positions };
    let t = &schema.table;
    let delimiter = {
        let mut c = t.delimiter.chars();
        match (c.next(), c.next()) {
            (Some(d), None) => d,
            _ => return Err(format!("delimiter `{}` is not one character", t.delimiter)),
        }
    };
    let types = schema
        .types
        .iter()
        .map(|td| b.type_def(td))
        .collect::<Result<Vec<_>, _>>()?;
    let indexes: Vec<Index> = t
        .indexes
        .iter()
        .map(|i| Index {
            name: i.name.clone(),
            kind: index_kind(schema, i),
            partition_key: i
                .partition_key
                .clone()
                .unwrap_or_else(|| t.partition_key.clone()),
            sort_key: i.sort_key.clone(),
            projection: i.projection.clone(),
        })
        .collect();
    let entities = schema
        .entities
        .iter()
        .map(|e| b.entity(e, &indexes))
        .collect::<Result<Vec<_>, _>>()?;
    let access_patterns = schema
        .access_patterns
        .iter()
        .map(|p| b.pattern(p, &indexes, &entities))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Model {
        table: Table {
            name: t.name.clone().unwrap_or_else(|| "app".into()),
            partition_key: t.partition_key.clone(),
            sort_key: t.sort_key.clone(),
            type_attribute: t.type_attribute.clone(),
            delimiter,
            ttl_attribute: t.ttl_attribute.clone(),
            indexes,
        },
        types,
        entities,
        access_patterns,
    })
}

/// Resolves schema items into model items, with their schema lines.
struct Resolver<'s> {
    schema: &'s Schema,
    positions: &'s Positions,
}

impl Resolver<'_> {
    fn line(&self, path: &str) -> usize {
        self.positions.find(path, Anchor::Key).map_or(0, |l| l.line)
    }

    fn attribute(&self, a: &ast::Attribute) -> Result<Attribute, String> {
        let ty =
            a.ty.as_ref()
                .and_then(|ty| resolve_type(self.schema, ty))
                .ok_or_else(|| format!("`{}` has no known type", a.path))?;
        let default = a
            .default
            .as_ref()
            .map(|d| self.default_value(d, &ty, &a.path))
            .transpose()?;
        Ok(Attribute {
            name: a.name.clone(),
            rust_name: names::field(&a.name),
            stored_name: a.stored_name().to_owned(),
            ty,
            optional: a.optional,
            default,
            doc: a.doc.clone(),
            immutable: a.immutable,
            auto: a.auto,
            version: a.version,
            unique: a.unique.as_ref().map(|(scope, _)| scope.clone()),
            line: self.line(&a.path),
        })
    }

    fn default_value(
        &self,
        d: &ast::DefaultSpec,
        ty: &Type,
        path: &str,
    ) -> Result<DefaultValue, String> {
        Ok(match d {
            ast::DefaultSpec::Now => DefaultValue::Now,
            ast::DefaultSpec::Uuid => DefaultValue::Uuid,
            ast::DefaultSpec::Uuid7 => DefaultValue::Uuid7,
            ast::DefaultSpec::Ulid => DefaultValue::Ulid,
            ast::DefaultSpec::Literal(l) => DefaultValue::Value(
                self.value(ty, l)
                    .ok_or_else(|| format!("the default of `{path}` does not fit its type"))?,
            ),
        })
    }

    /// `l` as a value of `ty`, or `None` where it does not fit (which the validator reports).
    fn value(&self, ty: &Type, l: &Literal) -> Option<Value> {
        Some(match (ty, l) {
            (_, Literal::Null) => Value::Null,
            (Type::String, Literal::String(s)) => Value::String(s.clone()),
            (Type::Integer, Literal::Int(i)) => Value::Integer(*i),
            (Type::Float, Literal::Int(i)) => Value::Float(*i as f64),
            (Type::Float, Literal::Float(f)) => Value::Float(*f),
            (Type::Bool, Literal::Bool(b)) => Value::Bool(*b),
            (Type::Timestamp | Type::Ttl, Literal::String(s)) => {
                let t = chrono::DateTime::parse_from_rfc3339(s).ok()?.to_utc();
                Value::Timestamp {
                    seconds: t.timestamp(),
                    nanos: t.timestamp_subsec_nanos(),
                }
            }
            (Type::Date, Literal::String(s)) => {
                use chrono::Datelike;
                let d = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
                Value::Date {
                    year: d.year(),
                    month: d.month(),
                    day: d.day(),
                }
            }
            (Type::Uuid, Literal::String(s)) => {
                Value::Uuid(uuid::Uuid::parse_str(s).ok()?.as_u128())
            }
            (Type::Bytes, Literal::List(items)) => Value::Bytes(
                items
                    .iter()
                    .map(|i| match i {
                        Literal::Int(b) => u8::try_from(*b).ok(),
                        _ => None,
                    })
                    .collect::<Option<_>>()?,
            ),
            (Type::List(t), Literal::List(items)) => Value::List(self.values(t, items)?),
            (Type::Set(t), Literal::List(items)) => Value::Set(self.values(t, items)?),
            (Type::Map(t), Literal::Map(entries)) => Value::Map(
                entries
                    .iter()
                    .map(|(k, v)| Some((k.clone(), self.value(t, v)?)))
                    .collect::<Option<_>>()?,
            ),
            (Type::Enum(n), Literal::String(s)) => Value::Enum {
                type_name: names::type_name(n),
                variant: names::type_name(s),
            },
            (Type::Document(n), Literal::Map(entries)) => self.document(n, entries)?,
            _ => return None,
        })
    }

    fn values(&self, ty: &Type, items: &[Literal]) -> Option<Vec<Value>> {
        items.iter().map(|i| self.value(ty, i)).collect()
    }

    /// A document literal: given fields, the others from their own defaults.
    fn document(&self, name: &str, entries: &[(String, Literal)]) -> Option<Value> {
        let td = self.schema.types.iter().find(|t| t.name == name)?;
        let TypeDefKind::Document(fields) = &td.kind else {
            return None;
        };
        let fields = fields
            .iter()
            .map(|f| {
                let ty = resolve_type(self.schema, f.ty.as_ref()?)?;
                let value = match entries.iter().find(|(k, _)| *k == f.name) {
                    Some((_, v)) => Some(DefaultValue::Value(self.value(&ty, v)?)),
                    None => match &f.default {
                        Some(d) => Some(self.default_value(d, &ty, &f.path).ok()?),
                        None => None,
                    },
                };
                Some(DocumentField {
                    rust_name: names::field(&f.name),
                    ty,
                    optional: f.optional,
                    value,
                })
            })
            .collect::<Option<_>>()?;
        Some(Value::Document {
            type_name: names::type_name(name),
            fields,
        })
    }

    fn type_def(&self, td: &ast::TypeDef) -> Result<TypeDef, String> {
        Ok(TypeDef {
            name: td.name.clone(),
            rust_name: names::type_name(&td.name),
            doc: td.doc.clone(),
            kind: match &td.kind {
                TypeDefKind::Document(fields) => TypeKind::Document(
                    fields
                        .iter()
                        .map(|f| self.attribute(f))
                        .collect::<Result<_, _>>()?,
                ),
                TypeDefKind::Enum(values) => TypeKind::Enum(
                    values
                        .iter()
                        .map(|v| (v.clone(), names::type_name(v)))
                        .collect(),
                ),
            },
            line: self.line(&td.path),
        })
    }

    fn entity(&self, e: &ast::Entity, indexes: &[Index]) -> Result<Entity, String> {
        let attributes = e
            .attributes
            .iter()
            .map(|a| self.attribute(a))
            .collect::<Result<Vec<_>, _>>()?;
        let keys = self.keys(e, &attributes, indexes)?;
        Ok(Entity {
            name: e.name.clone(),
            rust_name: names::type_name(&e.name),
            doc: e.doc.clone(),
            attributes,
            keys,
            line: self.line(&e.path),
        })
    }

    /// The entity's keys: primary first, then one per index it belongs to.
    fn keys(
        &self,
        e: &ast::Entity,
        attributes: &[Attribute],
        indexes: &[Index],
    ) -> Result<Vec<Key>, String> {
        let t = &self.schema.table;
        let missing = |what: &str| format!("entity `{}` has no {what}", e.name);
        let template = |tpl: &ast::Template, attr: &str| -> Result<Template, String> {
            let parts =
                tpl.segments
                    .iter()
                    .map(|s| match s {
                        Segment::Literal(l) => Ok(TemplatePart::Literal(l.clone())),
                        Segment::Field(f, function) => {
                            let derive = function.as_deref().map(Derive::parse).transpose()?;
                            let a = attributes.iter().find(|a| &a.name == f).ok_or_else(|| {
                                format!("`{}` names no attribute `{f}`", tpl.path)
                            })?;
                            Ok(TemplatePart::Field(TemplateField {
                                name: a.name.clone(),
                                rust_name: a.rust_name.clone(),
                                ty: a.ty.clone(),
                                optional: a.optional,
                                derive,
                            }))
                        }
                    })
                    .collect::<Result<Vec<_>, String>>()?;
            Ok(Template {
                text: tpl.text.clone(),
                attribute: attr.to_owned(),
                parts,
            })
        };
        // A sort template exists where both the entity and the index have one.
        let sort = |tpl: &Option<ast::Template>, attr: &Option<String>| match (tpl, attr) {
            (Some(s), Some(attr)) => template(s, attr).map(Some),
            _ => Ok(None),
        };
        let primary = e
            .keys_for("primary")
            .ok_or_else(|| missing("primary key"))?;
        let primary_line = self.line(&primary.path);
        let primary_partition = primary
            .partition
            .as_ref()
            .ok_or_else(|| missing("primary partition template"))?;
        let when = |k: &ast::KeyTemplates| -> Result<Option<When>, String> {
            let Some(w) = &k.when else { return Ok(None) };
            let a = attributes
                .iter()
                .find(|a| a.name == w.attribute)
                .ok_or_else(|| format!("`{}` names no attribute `{}`", w.path, w.attribute))?;
            let values = w
                .values
                .iter()
                .flatten()
                .map(|v| (v.clone(), names::type_name(v)))
                .collect();
            Ok(Some(When {
                field: TemplateField {
                    name: a.name.clone(),
                    rust_name: a.rust_name.clone(),
                    ty: a.ty.clone(),
                    optional: a.optional,
                    derive: None,
                },
                values,
            }))
        };
        let mut keys = vec![Key {
            line: primary_line,
            index: "primary".into(),
            kind: IndexKind::Primary,
            partition: template(primary_partition, &t.partition_key)?,
            sort: sort(&primary.sort, &t.sort_key)?,
            when: None,
            shared: Vec::new(),
        }];
        for index in indexes {
            let own = e.keys_for(&index.name);
            let key = match (index.kind, own) {
                // Every item with a primary sort key is in the inverse index.
                (IndexKind::Inverse, _) => match (&primary.sort, &index.sort_key) {
                    (Some(s), Some(sk)) => Key {
                        line: primary_line,
                        index: index.name.clone(),
                        kind: index.kind,
                        partition: template(s, &index.partition_key)?,
                        sort: Some(template(primary_partition, sk)?),
                        when: None,
                        shared: Vec::new(),
                    },
                    _ => continue,
                },
                (IndexKind::Local, Some(k)) => Key {
                    line: self.line(&k.path),
                    index: index.name.clone(),
                    kind: index.kind,
                    partition: template(primary_partition, &index.partition_key)?,
                    sort: sort(&k.sort, &index.sort_key)?,
                    when: when(k)?,
                    shared: Vec::new(),
                },
                (IndexKind::Global | IndexKind::Primary, Some(k)) => {
                    // A half kept in the table's own key attribute comes from the primary
                    // templates, and the primary key writes it.
                    let shares_pk = index.partition_key == t.partition_key;
                    let shares_sk = index.sort_key.is_some() && index.sort_key == t.sort_key;
                    let partition = match (&k.partition, shares_pk) {
                        (_, true) => primary_partition,
                        (Some(p), false) => p,
                        (None, false) => return Err(missing("partition template on its index")),
                    };
                    let sort_template = if shares_sk { &primary.sort } else { &k.sort };
                    let shared = [
                        shares_pk.then(|| index.partition_key.clone()),
                        index.sort_key.clone().filter(|_| shares_sk),
                    ]
                    .into_iter()
                    .flatten()
                    .collect();
                    Key {
                        line: self.line(&k.path),
                        index: index.name.clone(),
                        kind: index.kind,
                        partition: template(partition, &index.partition_key)?,
                        sort: sort(sort_template, &index.sort_key)?,
                        when: when(k)?,
                        shared,
                    }
                }
                (_, None) => continue,
            };
            keys.push(key);
        }
        Ok(keys)
    }

    fn pattern(
        &self,
        p: &ast::AccessPattern,
        indexes: &[Index],
        entities: &[Entity],
    ) -> Result<AccessPattern, String> {
        let index = p.index.clone().unwrap_or_else(|| "primary".into());
        let kind = if index == "primary" {
            IndexKind::Primary
        } else {
            indexes
                .iter()
                .find(|i| i.name == index)
                .ok_or_else(|| format!("pattern `{}` names no index `{index}`", p.name))?
                .kind
        };
        let (target, members): (PatternTarget, Vec<String>) = match (&p.entity, &p.entities) {
            (Some(e), None) => (PatternTarget::Entity(e.clone()), vec![e.clone()]),
            (None, Some(list)) => (PatternTarget::Collection(list.clone()), list.clone()),
            _ => return Err(format!("pattern `{}` has no single target", p.name)),
        };
        let mut partition = None;
        let mut sorts = Vec::new();
        for name in &members {
            let key = entities
                .iter()
                .find(|e| &e.name == name)
                .and_then(|e| e.key(&index))
                .ok_or_else(|| format!("pattern `{}`: `{name}` has no key on `{index}`", p.name))?;
            partition.get_or_insert_with(|| key.partition.clone());
            sorts.push((name.clone(), key.sort.clone()));
        }
        Ok(AccessPattern {
            name: p.name.clone(),
            rust_name: names::field(&p.name),
            doc: p.doc.clone(),
            target,
            index,
            kind,
            order: p.order.unwrap_or(Order::Asc),
            one: p.one,
            scan: p.scan,
            select: p.select.as_ref().map(|(names, _)| {
                let entity = entities.iter().find(|e| members.contains(&e.name));
                names
                    .iter()
                    .map(|n| {
                        entity
                            .and_then(|e| e.attribute(n))
                            .map_or_else(|| n.clone(), |a| a.stored_name.clone())
                    })
                    .collect()
            }),
            partition: partition.ok_or_else(|| format!("pattern `{}` reads nothing", p.name))?,
            sorts,
            line: self.line(&p.path),
        })
    }
}

fn resolve_type(schema: &Schema, ty: &TypeExpr) -> Option<Type> {
    Some(match ty {
        TypeExpr::String => Type::String,
        TypeExpr::Integer => Type::Integer,
        TypeExpr::Float => Type::Float,
        TypeExpr::Bool => Type::Bool,
        TypeExpr::Timestamp => Type::Timestamp,
        TypeExpr::Date => Type::Date,
        TypeExpr::Uuid => Type::Uuid,
        TypeExpr::Ulid => Type::Ulid,
        TypeExpr::Bytes => Type::Bytes,
        TypeExpr::Ttl => Type::Ttl,
        TypeExpr::List(t) => Type::List(Box::new(resolve_type(schema, t)?)),
        TypeExpr::Map(t) => Type::Map(Box::new(resolve_type(schema, t)?)),
        TypeExpr::Set(t) => Type::Set(Box::new(resolve_type(schema, t)?)),
        TypeExpr::Named(n) => match &schema.types.iter().find(|t| &t.name == n)?.kind {
            TypeDefKind::Document(_) => Type::Document(n.clone()),
            TypeDefKind::Enum(_) => Type::Enum(n.clone()),
        },
    })
}
