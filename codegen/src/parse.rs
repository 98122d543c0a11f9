//! YAML → [`ast::Schema`]. The only module that knows YAML.
//!
//! Two readings of the document: serde_yaml reads it into a value tree (reporting syntax
//! errors with their position), and a yaml-rust2 event walk records where every key and value
//! starts, by YAML path, so that diagnostics found later (unknown fields, bad templates,
//! ambiguous keys) point at a line and column too. The value tree is then read into the AST
//! field by field, collecting every problem instead of stopping at the first.

use serde_yaml::Value;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

use crate::ast::{
    AccessPattern, Attribute, Auto, DefaultSpec, Entity, Index, KeyTemplates, Literal, Order,
    Projection, Schema, Segment, Table, Template, TypeDef, TypeDefKind, TypeExpr,
};
use crate::diagnostics::{Diagnostic, Rule, Source, suggest};

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
    let mut diagnostics = Vec::new();
    let value: Value = match serde_yaml::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            let message = strip_location(&e.to_string());
            let mut d = if message.contains("duplicate entry") {
                Diagnostic::new(
                    Rule::DuplicateName,
                    "",
                    format!("a name is declared twice: {message}"),
                )
                .with_help(
                    "each name may appear once in a mapping; rename or merge the two entries",
                )
            } else {
                Diagnostic::new(
                    Rule::YamlSyntax,
                    "",
                    format!("the schema is not valid YAML: {message}"),
                )
            };
            d = d.at(match e.location() {
                Some(l) => source.location_at(l.line(), l.column().saturating_sub(1)),
                None => fallback_location(&source),
            });
            return Parsed {
                source,
                schema: None,
                diagnostics: vec![d],
            };
        }
    };
    source.positions = positions(&source);
    let schema = Reader {
        diagnostics: &mut diagnostics,
    }
    .schema(&value);
    Parsed {
        source,
        schema,
        diagnostics,
    }
}

/// Where to report a YAML error that serde_yaml gave no position for: the second document
/// of a multi-document stream, or where yaml-rust2's reading fails, or the start.
fn fallback_location(source: &Source) -> crate::diagnostics::Location {
    struct Documents(Vec<Marker>);
    impl MarkedEventReceiver for Documents {
        fn on_event(&mut self, event: Event, mark: Marker) {
            if event == Event::DocumentStart {
                self.0.push(mark);
            }
        }
    }
    let mut documents = Documents(Vec::new());
    match Parser::new_from_str(&source.text).load(&mut documents, true) {
        Err(e) => source.location_at(e.marker().line(), e.marker().col()),
        Ok(()) => match documents.0.get(1) {
            Some(m) => source.location_at(m.line(), m.col()),
            None => source.location_at(1, 0),
        },
    }
}

fn strip_location(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// Walks the YAML events and records the start of every key and value by path.
fn positions(source: &Source) -> crate::diagnostics::Positions {
    enum Frame {
        Map {
            path: String,
            key: Option<String>,
            expecting_key: bool,
        },
        Seq {
            path: String,
            index: usize,
        },
    }
    struct Walk<'a> {
        source: &'a Source,
        stack: Vec<Frame>,
        out: crate::diagnostics::Positions,
    }
    impl Walk<'_> {
        /// Handles the start of a node; returns its path if it is a value.
        fn node(&mut self, scalar: Option<&str>, mark: Marker) -> Option<String> {
            let location = self.source.location_at(mark.line(), mark.col());
            match self.stack.last_mut() {
                None => {
                    self.out.set_value("", location);
                    Some(String::new())
                }
                Some(Frame::Map {
                    path,
                    key,
                    expecting_key,
                }) => {
                    if *expecting_key {
                        let k = scalar.unwrap_or("?").to_owned();
                        self.out.set_key(&join(path, &k), location);
                        *key = Some(k);
                        *expecting_key = false;
                        None
                    } else {
                        let p = join(path, key.as_deref().unwrap_or("?"));
                        *expecting_key = true;
                        self.out.set_value(&p, location);
                        Some(p)
                    }
                }
                Some(Frame::Seq { path, index }) => {
                    let p = format!("{path}[{index}]");
                    *index += 1;
                    self.out.set_value(&p, location);
                    Some(p)
                }
            }
        }
    }
    impl MarkedEventReceiver for Walk<'_> {
        fn on_event(&mut self, event: Event, mark: Marker) {
            match event {
                Event::Scalar(text, ..) => {
                    self.node(Some(&text), mark);
                }
                Event::Alias(_) => {
                    self.node(None, mark);
                }
                Event::MappingStart(..) => {
                    let path = self.node(None, mark).unwrap_or_else(|| "?".to_owned());
                    self.stack.push(Frame::Map {
                        path,
                        key: None,
                        expecting_key: true,
                    });
                }
                Event::SequenceStart(..) => {
                    let path = self.node(None, mark).unwrap_or_else(|| "?".to_owned());
                    self.stack.push(Frame::Seq { path, index: 0 });
                }
                Event::MappingEnd | Event::SequenceEnd => {
                    self.stack.pop();
                }
                _ => {}
            }
        }
    }
    let mut walk = Walk {
        source,
        stack: Vec::new(),
        out: Default::default(),
    };
    // serde_yaml accepted the document, so this succeeds; if the two readers ever disagree,
    // positions found so far are kept and the rest fall back to ancestors.
    let _ = Parser::new_from_str(&source.text).load(&mut walk, false);
    walk.out
}

fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {s:?}"),
        Value::Sequence(_) => "a list".to_owned(),
        Value::Mapping(_) => "a mapping".to_owned(),
        Value::Tagged(t) => format!("a value tagged {}", t.tag),
    }
}

fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

/// The entries of one mapping, tracking which keys were read.
struct Fields<'v> {
    path: String,
    entries: Vec<(String, &'v Value, bool)>,
}

impl<'v> Fields<'v> {
    fn get(&mut self, key: &str) -> Option<(&'v Value, String)> {
        let path = join(&self.path, key);
        self.entries.iter_mut().find(|(k, ..)| k == key).map(|e| {
            e.2 = true;
            (e.1, path)
        })
    }
}

struct Reader<'d> {
    diagnostics: &'d mut Vec<Diagnostic>,
}

impl Reader<'_> {
    fn error(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }

    fn wrong_type(&mut self, path: &str, expected: &str, found: &Value, help: &str) {
        self.error(
            Diagnostic::new(
                Rule::WrongType,
                path,
                format!("`{path}` must be {expected}, found {}", describe(found)),
            )
            .with_help(help),
        );
    }

    /// Reads a mapping with string keys. Entries with other keys are reported.
    fn fields<'v>(&mut self, value: &'v Value, path: &str, what: &str) -> Option<Fields<'v>> {
        let Value::Mapping(map) = value else {
            self.wrong_type(
                path,
                "a mapping",
                value,
                &format!("write {what} as `key: value` lines"),
            );
            return None;
        };
        let mut entries = Vec::new();
        for (k, v) in map {
            match k {
                Value::String(s) => entries.push((s.clone(), v, false)),
                other => self.error(
                    Diagnostic::new(
                        Rule::WrongType,
                        path,
                        format!("keys of `{path}` must be names, found {}", describe(other)),
                    )
                    .with_help("quote the key or use a name"),
                ),
            }
        }
        Some(Fields {
            path: path.to_owned(),
            entries,
        })
    }

    /// The entries of a mapping of named things (`entities`, `types`, ...), with their paths.
    fn entries<'v>(
        &mut self,
        value: &'v Value,
        path: &str,
        what: &str,
    ) -> Vec<(String, &'v Value, String)> {
        self.fields(value, path, what)
            .map(|f| {
                f.entries
                    .into_iter()
                    .map(|(name, v, _)| {
                        let p = join(path, &name);
                        (name, v, p)
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Reports every key that was not read.
    fn finish(&mut self, fields: Fields<'_>, allowed: &[&str], what: &str) {
        for (key, value, used) in &fields.entries {
            if !used {
                let path = join(&fields.path, key);
                // `{ doc: Orders, newest first }` splits at the comma into a second key.
                let help = if value.is_null() && key.contains(' ') {
                    format!(
                        "inside `{{ ... }}` a comma separates entries, so `{key}` became a key of its own; \
                         quote text that contains commas: `doc: \"..., {key}\"`"
                    )
                } else {
                    suggest(key, allowed)
                };
                self.error(
                    Diagnostic::new(
                        Rule::UnknownField,
                        path,
                        format!("unknown field `{key}` in {what}"),
                    )
                    .with_help(help)
                    .at_key(),
                );
            }
        }
    }

    fn string(&mut self, value: &Value, path: &str, help: &str) -> Option<String> {
        match value {
            Value::String(s) => Some(s.clone()),
            other => {
                self.wrong_type(path, "a string", other, help);
                None
            }
        }
    }

    fn opt_string(&mut self, fields: &mut Fields<'_>, key: &str, help: &str) -> Option<String> {
        let (v, path) = fields.get(key)?;
        self.string(v, &path, help)
    }

    fn bool(&mut self, fields: &mut Fields<'_>, key: &str) -> bool {
        match fields.get(key) {
            None => false,
            Some((Value::Bool(b), _)) => *b,
            Some((other, path)) => {
                self.wrong_type(&path, "true or false", other, "write `true` or `false`");
                false
            }
        }
    }

    fn schema(&mut self, value: &Value) -> Option<Schema> {
        if value.is_null() {
            self.error(Diagnostic::new(
                Rule::EmptySchema,
                "",
                "the schema file is empty",
            ));
            return None;
        }
        let mut f = self.fields(value, "", "the schema")?;
        let mut schema = Schema::default();
        match f.get("version") {
            None => self.error(
                Diagnostic::new(Rule::MissingField, "", "the schema has no `version`")
                    .with_help("add `version: 1` as the first line"),
            ),
            Some((Value::Number(n), path)) => match n.as_u64() {
                Some(1) => schema.version = 1,
                _ => self.error(Diagnostic::new(
                    Rule::UnsupportedVersion,
                    path,
                    format!("schema version {n} is not supported"),
                )),
            },
            Some((other, path)) => {
                self.wrong_type(&path, "the number 1", other, "write `version: 1`")
            }
        }
        if let Some((v, path)) = f.get("table")
            && let Some(t) = self.table(v, &path)
        {
            schema.table = t;
        }
        if let Some((v, path)) = f.get("types") {
            for (name, value, p) in self.entries(v, &path, "`types`") {
                schema.types.extend(self.type_def(&name, value, &p));
            }
        }
        match f.get("entities") {
            Some((v, path)) => {
                let entries = self.entries(v, &path, "`entities`");
                if entries.is_empty() && v.is_mapping() {
                    self.error(Diagnostic::new(
                        Rule::NoEntities,
                        path.as_str(),
                        "`entities` declares no entity",
                    ));
                }
                for (name, value, p) in entries {
                    schema.entities.extend(self.entity(&name, value, &p));
                }
            }
            None => self.error(
                Diagnostic::new(Rule::MissingField, "", "the schema has no `entities`")
                    .with_help("declare at least one entity under `entities:`"),
            ),
        }
        if let Some((v, path)) = f.get("access_patterns") {
            for (name, value, p) in self.entries(v, &path, "`access_patterns`") {
                schema
                    .access_patterns
                    .extend(self.pattern(&name, value, &p));
            }
        }
        self.finish(
            f,
            &["version", "table", "types", "entities", "access_patterns"],
            "the schema",
        );
        Some(schema)
    }

    fn table(&mut self, value: &Value, path: &str) -> Option<Table> {
        let mut f = self.fields(value, path, "the table")?;
        let mut table = Table::default();
        let name_help = "a table name is 3-255 letters, digits, `_`, `-` or `.`";
        table.name = self.opt_string(&mut f, "name", name_help);
        if let Some(pk) = self.opt_string(&mut f, "partition_key", "name the attribute") {
            table.partition_key = pk;
        }
        match f.get("sort_key") {
            None => {}
            Some((Value::Null, _)) => table.sort_key = None,
            Some((v, p)) => {
                table.sort_key = self.string(v, &p, "name the attribute, or `null` for none")
            }
        }
        if let Some(t) = self.opt_string(&mut f, "type_attribute", "name the attribute") {
            table.type_attribute = t;
        }
        if let Some(d) = self.opt_string(&mut f, "delimiter", "quote it: `delimiter: \"#\"`") {
            table.delimiter = d;
        }
        table.ttl_attribute = self.opt_string(&mut f, "ttl_attribute", "name the attribute");
        if let Some((v, p)) = f.get("indexes") {
            for (name, value, ip) in self.entries(v, &p, "`indexes`") {
                table.indexes.extend(self.index(&name, value, &ip));
            }
        }
        self.finish(
            f,
            &[
                "name",
                "partition_key",
                "sort_key",
                "type_attribute",
                "delimiter",
                "ttl_attribute",
                "indexes",
            ],
            "the table",
        );
        Some(table)
    }

    fn index(&mut self, name: &str, value: &Value, path: &str) -> Option<Index> {
        let mut f = self.fields(value, path, "an index")?;
        let partition_key = self.opt_string(&mut f, "partition_key", "name the attribute");
        let sort_key = self.opt_string(&mut f, "sort_key", "name the attribute");
        let local = self.bool(&mut f, "local");
        let projection = match f.get("projection") {
            None => Projection::All,
            Some((Value::String(s), p)) => match s.as_str() {
                "all" => Projection::All,
                "keys_only" => Projection::KeysOnly,
                other => {
                    self.error(Diagnostic::new(
                        Rule::InvalidProjection,
                        p,
                        format!("unknown projection `{other}`"),
                    ));
                    Projection::All
                }
            },
            Some((Value::Sequence(items), p)) => {
                let mut names = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    if let Some(s) = self.string(item, &format!("{p}[{i}]"), "name an attribute") {
                        names.push(s);
                    }
                }
                Projection::Include(names)
            }
            Some((other, p)) => {
                self.wrong_type(
                    &p,
                    "`all`, `keys_only` or a list of attribute names",
                    other,
                    "write `projection: all`, `projection: keys_only` or `projection: [a, b]`",
                );
                Projection::All
            }
        };
        self.finish(
            f,
            &["partition_key", "sort_key", "local", "projection"],
            "an index",
        );
        Some(Index {
            name: name.to_owned(),
            path: path.to_owned(),
            partition_key,
            sort_key,
            local,
            projection,
        })
    }

    fn type_def(&mut self, name: &str, value: &Value, path: &str) -> Option<TypeDef> {
        let mut f = self.fields(value, path, "a type")?;
        let doc = self.opt_string(&mut f, "doc", "write the documentation as text");
        let fields = f.get("fields");
        let values = f.get("enum");
        let kind = match (fields, values) {
            (Some((v, p)), None) => TypeDefKind::Document(self.attributes(v, &p)),
            (None, Some((Value::Sequence(items), p))) => {
                let mut out = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    let ip = format!("{p}[{i}]");
                    match item {
                        Value::String(s) => out.push(s.clone()),
                        Value::Number(n) => out.push(n.to_string()),
                        Value::Bool(b) => out.push(b.to_string()),
                        other => {
                            self.wrong_type(&ip, "a string", other, "list enum values as text")
                        }
                    }
                }
                TypeDefKind::Enum(out)
            }
            (None, Some((other, p))) => {
                self.wrong_type(&p, "a list of values", other, "write `enum: [a, b, c]`");
                TypeDefKind::Enum(Vec::new())
            }
            (Some(_), Some(_)) => {
                self.error(Diagnostic::new(Rule::TypeKind, path, format!("type `{name}` has both `fields` and `enum`")).with_help("a type is either a document (`fields:`) or an enum (`enum:`); split it in two"));
                return None;
            }
            (None, None) => {
                self.error(
                    Diagnostic::new(
                        Rule::TypeKind,
                        path,
                        format!("type `{name}` has neither `fields` nor `enum`"),
                    )
                    .with_help(
                        "give a document `fields: { name: type }` or an enum `enum: [a, b]`",
                    ),
                );
                return None;
            }
        };
        self.finish(f, &["doc", "fields", "enum"], "a type");
        Some(TypeDef {
            name: name.to_owned(),
            path: path.to_owned(),
            doc,
            kind,
        })
    }

    fn attributes(&mut self, value: &Value, path: &str) -> Vec<Attribute> {
        let mut out = Vec::new();
        for (name, v, p) in self.entries(value, path, "attributes") {
            out.extend(self.attribute(&name, v, &p));
        }
        out
    }

    fn attribute(&mut self, name: &str, value: &Value, path: &str) -> Option<Attribute> {
        let mut attribute = Attribute {
            name: name.to_owned(),
            path: path.to_owned(),
            ty: None,
            optional: false,
            default: None,
            doc: None,
            immutable: false,
            auto: None,
            version: false,
            rename: None,
        };
        match value {
            Value::String(s) => {
                attribute.ty = self.type_expr(s, path);
                return Some(attribute);
            }
            Value::Mapping(_) => {}
            other => {
                self.wrong_type(
                    path,
                    "a type or a mapping of options",
                    other,
                    "write `name: string` or `name: { type: string, optional: true }`",
                );
                return None;
            }
        }
        let mut f = self.fields(value, path, "an attribute")?;
        match f.get("type") {
            Some((v, p)) => {
                if let Some(s) = self.string(v, &p, "write a type such as `string`") {
                    attribute.ty = self.type_expr(&s, &p);
                }
            }
            None => self.error(
                Diagnostic::new(
                    Rule::MissingField,
                    path,
                    format!("attribute `{name}` has no `type`"),
                )
                .with_help("add `type: string` (or another type)"),
            ),
        }
        attribute.optional = self.bool(&mut f, "optional");
        attribute.immutable = self.bool(&mut f, "immutable");
        attribute.version = self.bool(&mut f, "version");
        attribute.doc = self.opt_string(&mut f, "doc", "write the documentation as text");
        attribute.rename = self.opt_string(&mut f, "rename", "write the stored attribute name");
        if let Some((v, p)) = f.get("auto") {
            attribute.auto = match v {
                Value::String(s) if s == "created" => Some(Auto::Created),
                Value::String(s) if s == "updated" => Some(Auto::Updated),
                other => {
                    self.error(Diagnostic::new(
                        Rule::InvalidAuto,
                        p,
                        format!(
                            "`auto` must be `created` or `updated`, found {}",
                            describe(other)
                        ),
                    ));
                    None
                }
            };
        }
        if let Some((v, _)) = f.get("default") {
            attribute.default = Some(match v {
                Value::String(s) if s == "now" => DefaultSpec::Now,
                Value::String(s) if s == "uuid" => DefaultSpec::Uuid,
                other => DefaultSpec::Literal(literal(other)),
            });
        }
        self.finish(
            f,
            &[
                "type",
                "optional",
                "default",
                "doc",
                "immutable",
                "auto",
                "version",
                "rename",
            ],
            "an attribute",
        );
        Some(attribute)
    }

    fn type_expr(&mut self, text: &str, path: &str) -> Option<TypeExpr> {
        match parse_type(text) {
            Ok(t) => Some(t),
            Err(problem) => {
                let (rule, help) = match &problem {
                    TypeProblem::Unknown(name) => (
                        Rule::UnknownType,
                        match crate::diagnostics::closest(name, SCALARS.iter().copied()) {
                            Some(c) => format!(
                                "did you mean `{c}`? Otherwise declare `{name}` under `types:`"
                            ),
                            None => format!(
                                "use one of {} or a name declared under `types:`",
                                SCALARS.join(", ")
                            ),
                        },
                    ),
                    _ => (
                        Rule::MalformedType,
                        "write `list<T>`, `map<T>`, `set<string>`, `set<integer>` or `set<bytes>`"
                            .to_owned(),
                    ),
                };
                self.error(
                    Diagnostic::new(rule, path, format!("invalid type `{text}`: {problem}"))
                        .with_help(help),
                );
                None
            }
        }
    }

    fn entity(&mut self, name: &str, value: &Value, path: &str) -> Option<Entity> {
        let mut f = self.fields(value, path, "an entity")?;
        let doc = self.opt_string(&mut f, "doc", "write the documentation as text");
        let attributes = match f.get("attributes") {
            Some((v, p)) => self.attributes(v, &p),
            None => {
                self.error(
                    Diagnostic::new(
                        Rule::MissingField,
                        path,
                        format!("entity `{name}` has no `attributes`"),
                    )
                    .with_help("list the entity's attributes under `attributes:`"),
                );
                Vec::new()
            }
        };
        let mut keys = Vec::new();
        match f.get("keys") {
            Some((v, p)) => {
                for (index, value, kp) in self.entries(v, &p, "`keys`") {
                    keys.extend(self.key_templates(&index, value, &kp));
                }
            }
            None => self.error(
                Diagnostic::new(
                    Rule::MissingField,
                    path,
                    format!("entity `{name}` has no `keys`"),
                )
                .with_help("add `keys: { primary: { partition: \"...\", sort: \"...\" } }`"),
            ),
        }
        self.finish(f, &["doc", "attributes", "keys"], "an entity");
        Some(Entity {
            name: name.to_owned(),
            path: path.to_owned(),
            doc,
            attributes,
            keys,
        })
    }

    fn key_templates(&mut self, index: &str, value: &Value, path: &str) -> Option<KeyTemplates> {
        let mut f = self.fields(value, path, "key templates")?;
        let mut template = |key: &str, this: &mut Self| {
            let (v, p) = f.get(key)?;
            let text = this.string(v, &p, "quote the template: `\"USER#{user_id}\"`")?;
            match parse_template(&text) {
                Ok(segments) => Some(Template {
                    text,
                    path: p,
                    segments,
                }),
                Err(problem) => {
                    this.error(Diagnostic::new(Rule::TemplateSyntax, p, format!("invalid key template `{text}`: {problem}")).with_help("a template is literal text with `{field}` placeholders; write `{{` and `}}` only around a field name"));
                    None
                }
            }
        };
        let partition = template("partition", self);
        let sort = template("sort", self);
        self.finish(f, &["partition", "sort"], "key templates");
        Some(KeyTemplates {
            index: index.to_owned(),
            path: path.to_owned(),
            partition,
            sort,
        })
    }

    fn pattern(&mut self, name: &str, value: &Value, path: &str) -> Option<AccessPattern> {
        let mut f = self.fields(value, path, "an access pattern")?;
        let entity = self.opt_string(&mut f, "entity", "name one entity");
        let entities = match f.get("entities") {
            None => None,
            Some((Value::Sequence(items), p)) => Some(
                items
                    .iter()
                    .enumerate()
                    .filter_map(|(i, v)| self.string(v, &format!("{p}[{i}]"), "name an entity"))
                    .collect(),
            ),
            Some((other, p)) => {
                self.wrong_type(
                    &p,
                    "a list of entity names",
                    other,
                    "write `entities: [User, Order]`",
                );
                None
            }
        };
        let index = self.opt_string(
            &mut f,
            "index",
            "name an index, or leave it out for the table",
        );
        let order = match f.get("order") {
            None => None,
            Some((Value::String(s), _)) if s == "asc" => Some(Order::Asc),
            Some((Value::String(s), _)) if s == "desc" => Some(Order::Desc),
            Some((other, p)) => {
                self.error(Diagnostic::new(
                    Rule::InvalidOrder,
                    p,
                    format!("`order` must be `asc` or `desc`, found {}", describe(other)),
                ));
                None
            }
        };
        let one = self.bool(&mut f, "one");
        let scan = self.bool(&mut f, "scan");
        let doc = self.opt_string(&mut f, "doc", "write the documentation as text");
        self.finish(
            f,
            &["entity", "entities", "index", "order", "one", "scan", "doc"],
            "an access pattern",
        );
        Some(AccessPattern {
            name: name.to_owned(),
            path: path.to_owned(),
            entity,
            entities,
            index,
            order,
            one,
            scan,
            doc,
        })
    }
}

fn literal(value: &Value) -> Literal {
    match value {
        Value::Null => Literal::Null,
        Value::Bool(b) => Literal::Bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Literal::Int(i),
            None => Literal::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => Literal::String(s.clone()),
        Value::Sequence(items) => Literal::List(items.iter().map(literal).collect()),
        Value::Mapping(m) => Literal::Map(
            m.iter()
                .map(|(k, v)| {
                    let key = match k {
                        Value::String(s) => s.clone(),
                        other => describe(other),
                    };
                    (key, literal(v))
                })
                .collect(),
        ),
        Value::Tagged(t) => literal(&t.value),
    }
}

/// The scalar type names of the schema language.
pub const SCALARS: &[&str] = &[
    "string",
    "integer",
    "float",
    "bool",
    "timestamp",
    "date",
    "uuid",
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
                let name = name.trim().to_owned();
                if name.is_empty() {
                    return Err(format!("`{{}}` at byte {i} names no field"));
                }
                if !literal.is_empty() {
                    segments.push(Segment::Literal(std::mem::take(&mut literal)));
                }
                segments.push(Segment::Field(name));
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
                Segment::Field("placed_at".into()),
                Segment::Literal("#".into()),
                Segment::Field("order_id".into()),
            ]
        );
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
