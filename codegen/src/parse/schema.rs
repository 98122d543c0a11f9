//! Reads the schema's YAML tree into the [`ast`](crate::ast), field by field, collecting
//! every problem (unknown fields, wrong kinds of value, bad templates) instead of stopping at
//! the first. Positions are not needed here: each diagnostic names a YAML path, which the
//! positions recorded by [`super::yaml::index`] resolve.

use super::shape::{self, Mapping, Required, Word};
use super::yaml::{Value, float_text};
use super::{SCALARS, TypeProblem, join, parse_template, parse_type};
use crate::ast::{
    AccessPattern, Allow, Attribute, Auto, DefaultSpec, Entity, Index, KeyTemplates, Literal,
    Order, Projection, Schema, StreamView, Table, Template, TypeDef, TypeDefKind, TypeExpr, When,
};
use crate::diagnostics::{Diagnostic, Rule, Severity, closest, suggest};

struct Fields<'v> {
    path: String,
    entries: Vec<(String, &'v Value, bool)>,
    shape: &'static Mapping,
}

impl<'v> Fields<'v> {
    /// The value of `key` without marking it read.
    fn peek(&self, key: &str) -> Option<&'v Value> {
        self.entries.iter().find(|(k, ..)| k == key).map(|e| e.1)
    }

    fn get(&mut self, key: &str) -> Option<(&'v Value, String)> {
        debug_assert!(
            self.shape.key(key).is_some(),
            "the reader reads `{key}`, which shape `{}` does not declare",
            self.shape.id
        );
        let path = join(&self.path, key);
        self.entries.iter_mut().find(|(k, ..)| k == key).map(|e| {
            e.2 = true;
            (e.1, path)
        })
    }
}

/// Reads the document's root value (`None` for a file with no document) into a schema.
pub(super) fn read(root: Option<&Value>, diagnostics: &mut Vec<Diagnostic>) -> Option<Schema> {
    let mut reader = Reader {
        diagnostics,
        allows: Vec::new(),
    };
    let mut schema = reader.schema(root.unwrap_or(&Value::Null))?;
    schema.allows = reader.allows;
    Some(schema)
}

struct Reader<'d> {
    diagnostics: &'d mut Vec<Diagnostic>,
    /// Every `lint: { allow: [...] }`, in document order.
    allows: Vec<Allow>,
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
                format!("`{path}` must be {expected}, found {}", found.describe()),
            )
            .with_help(help),
        );
    }

    /// Reads a mapping with string keys. Entries with other keys are reported.
    fn mapping<'v>(
        &mut self,
        value: &'v Value,
        path: &str,
        what: &str,
    ) -> Option<Vec<(String, &'v Value, bool)>> {
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
            match &k.value {
                Value::String(s) => entries.push((s.clone(), &v.value, false)),
                other => self.error(
                    Diagnostic::new(
                        Rule::WrongType,
                        path,
                        format!("keys of `{path}` must be names, found {}", other.describe()),
                    )
                    .with_help("quote the key or use a name"),
                ),
            }
        }
        Some(entries)
    }

    /// Reads a mapping of the kind `shape` declares (named `name`, for messages), reporting
    /// the required keys it lacks. [`Reader::finish`] reports the keys it has but should not.
    fn fields<'v>(
        &mut self,
        value: &'v Value,
        path: &str,
        shape: &'static Mapping,
        name: Option<&str>,
    ) -> Option<Fields<'v>> {
        let entries = self.mapping(value, path, shape.what)?;
        for key in shape.keys {
            if let Required::Yes(help) = key.required
                && !entries.iter().any(|(k, ..)| k == key.name)
            {
                let noun = match name {
                    Some(name) => format!("{} `{name}`", shape.noun),
                    None => shape.noun.to_owned(),
                };
                self.error(
                    Diagnostic::new(
                        Rule::MissingField,
                        path,
                        format!("{noun} has no `{}`", key.name),
                    )
                    .with_help(help),
                );
            }
        }
        Some(Fields {
            path: path.to_owned(),
            entries,
            shape,
        })
    }

    /// The entries of a mapping of named things (`entities`, `types`, ...), with their paths.
    fn entries<'v>(
        &mut self,
        value: &'v Value,
        path: &str,
        what: &str,
    ) -> Vec<(String, &'v Value, String)> {
        self.mapping(value, path, what)
            .map(|entries| {
                entries
                    .into_iter()
                    .map(|(name, v, _)| {
                        let p = join(path, &name);
                        (name, v, p)
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Reads `lint:` (if the shape has it and it is there), then reports every key that was
    /// not read.
    fn finish(&mut self, mut fields: Fields<'_>) {
        if fields.shape.key("lint").is_some()
            && let Some((v, p)) = fields.get("lint")
        {
            self.lint(v, &fields.path, p);
        }
        let allowed = fields.shape.names();
        for (key, value, used) in &fields.entries {
            debug_assert!(
                *used || fields.shape.key(key).is_none(),
                "shape `{}` declares `{key}`, which the reader did not read",
                fields.shape.id
            );
            if !used {
                let path = join(&fields.path, key);
                // `{ doc: Orders, newest first }` splits at the comma into a second key.
                let help = if value.is_null() && key.contains(' ') {
                    format!(
                        "inside `{{ ... }}` a comma separates entries, so `{key}` became a key of its own; \
                         quote text that contains commas: `doc: \"..., {key}\"`"
                    )
                } else {
                    suggest(key, &allowed)
                };
                self.error(
                    Diagnostic::new(
                        Rule::UnknownField,
                        path,
                        format!("unknown field `{key}` in {}", fields.shape.what),
                    )
                    .with_help(help)
                    .at_key(),
                );
            }
        }
    }

    /// `lint: { allow: [code, ...], reason: ... }` of the node at `owner`.
    fn lint(&mut self, value: &Value, owner: &str, path: String) {
        let Some(mut f) = self.fields(value, &path, &shape::LINT, None) else {
            return;
        };
        let mut rules = Vec::new();
        const HELP: &str = "write `allow: [full-scan]` with the codes of warnings";
        match f.get("allow") {
            None => {}
            Some((Value::Sequence(items), p)) => {
                let warnings: Vec<&str> = shape::allowable().map(Rule::code).collect();
                for (i, item) in items.iter().enumerate() {
                    let ip = format!("{p}[{i}]");
                    let Some(code) = self.string(&item.value, &ip, HELP) else {
                        continue;
                    };
                    match Rule::ALL.iter().find(|r| r.code() == code) {
                        Some(rule) if rule.severity() == Severity::Warning => {
                            rules.push((*rule, ip))
                        }
                        Some(_) => self.error(
                            Diagnostic::new(
                                Rule::InvalidAllow,
                                ip,
                                format!("`{code}` is an error, which cannot be allowed"),
                            )
                            .with_help("fix the error; only warnings can be allowed"),
                        ),
                        None => self.error(
                            Diagnostic::new(
                                Rule::InvalidAllow,
                                ip,
                                format!("`{code}` is not a warning's code"),
                            )
                            .with_help(suggest(&code, &warnings)),
                        ),
                    }
                }
            }
            Some((other, p)) => self.wrong_type(&p, "a list of warning codes", other, HELP),
        }
        let reason = self.opt_string(&mut f, "reason", "write the reason as text");
        self.finish(f);
        self.allows.push(Allow {
            path: owner.to_owned(),
            rules,
            reason,
        });
    }

    /// The value of a key whose value is one of `words`, reported with `rule` otherwise.
    fn word(
        &mut self,
        value: &Value,
        path: &str,
        key: &str,
        words: &'static [Word],
        rule: Rule,
    ) -> Option<&'static str> {
        let found = match value {
            Value::String(s) => shape::word(words, s),
            _ => None,
        };
        if found.is_none() {
            let close = match value {
                Value::String(s) => closest(s, words.iter().map(|w| w.word)),
                _ => None,
            };
            let help = match close {
                Some(c) => format!("did you mean `{c}`?"),
                None => rule.help().to_owned(),
            };
            self.error(
                Diagnostic::new(
                    rule,
                    path,
                    format!(
                        "`{key}` must be {}, found {}",
                        shape::alternatives(words),
                        value.describe()
                    ),
                )
                .with_help(help),
            );
        }
        found
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
        let mut f = self.fields(value, "", &shape::SCHEMA, None)?;
        let mut schema = Schema::default();
        match f.get("version") {
            None => {}
            Some((Value::Int(1), _)) => schema.version = 1,
            Some((n @ (Value::Int(_) | Value::Float(_)), path)) => {
                let n = match n {
                    Value::Float(f) => float_text(*f),
                    other => super::yaml::key_text(other),
                };
                self.error(Diagnostic::new(
                    Rule::UnsupportedVersion,
                    path,
                    format!("schema version {n} is not supported"),
                ));
            }
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
        if let Some((v, path)) = f.get("entities") {
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
        if let Some((v, path)) = f.get("access_patterns") {
            for (name, value, p) in self.entries(v, &path, "`access_patterns`") {
                schema
                    .access_patterns
                    .extend(self.pattern(&name, value, &p));
            }
        }
        self.finish(f);
        Some(schema)
    }

    fn table(&mut self, value: &Value, path: &str) -> Option<Table> {
        let mut f = self.fields(value, path, &shape::TABLE, None)?;
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
        if let Some((v, p)) = f.get("stream") {
            table.stream = self
                .word(
                    v,
                    &p,
                    "stream",
                    shape::STREAM_VIEWS,
                    Rule::InvalidStreamView,
                )
                .and_then(StreamView::from_word);
        }
        if let Some((v, p)) = f.get("indexes") {
            for (name, value, ip) in self.entries(v, &p, "`indexes`") {
                table.indexes.extend(self.index(&name, value, &ip));
            }
        }
        self.finish(f);
        Some(table)
    }

    fn index(&mut self, name: &str, value: &Value, path: &str) -> Option<Index> {
        let mut f = self.fields(value, path, &shape::INDEX, Some(name))?;
        // A list names the attributes of a multi-attribute key.
        let mut list = |key: &str, this: &mut Self| -> Option<Vec<String>> {
            match f.peek(key)? {
                Value::Sequence(items) => {
                    let p = join(path, key);
                    let names = items
                        .iter()
                        .enumerate()
                        .filter_map(|(i, v)| {
                            this.string(&v.value, &format!("{p}[{i}]"), "name an attribute")
                        })
                        .collect();
                    f.get(key);
                    Some(names)
                }
                _ => None,
            }
        };
        let partition_list = list("partition_key", self);
        let sort_list = list("sort_key", self);
        let multi = (partition_list.is_some() || sort_list.is_some()).then(|| {
            (
                partition_list.clone().unwrap_or_default(),
                sort_list.clone().unwrap_or_default(),
            )
        });
        let partition_key = match &partition_list {
            Some(names) => names.first().cloned(),
            None => self.opt_string(&mut f, "partition_key", "name the attribute"),
        };
        let sort_key = match &sort_list {
            Some(names) => names.first().cloned(),
            None => self.opt_string(&mut f, "sort_key", "name the attribute"),
        };
        let local = self.bool(&mut f, "local");
        let projection = match f.get("projection") {
            None => Projection::All,
            Some((v @ Value::String(_), p)) => {
                match self.word(
                    v,
                    &p,
                    "projection",
                    shape::PROJECTIONS,
                    Rule::InvalidProjection,
                ) {
                    Some("keys_only") => Projection::KeysOnly,
                    _ => Projection::All,
                }
            }
            Some((Value::Sequence(items), p)) => {
                let mut names = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    if let Some(s) =
                        self.string(&item.value, &format!("{p}[{i}]"), "name an attribute")
                    {
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
        self.finish(f);
        Some(Index {
            name: name.to_owned(),
            path: path.to_owned(),
            partition_key,
            sort_key,
            local,
            projection,
            multi,
        })
    }

    fn type_def(&mut self, name: &str, value: &Value, path: &str) -> Option<TypeDef> {
        let mut f = self.fields(value, path, &shape::TYPE, Some(name))?;
        let doc = self.opt_string(&mut f, "doc", "write the documentation as text");
        let fields = f.get("fields");
        let values = f.get("enum");
        let kind = match (fields, values) {
            (Some((v, p)), None) => TypeDefKind::Document(self.attributes(v, &p)),
            (None, Some((Value::Sequence(items), p))) => {
                let mut out = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    let ip = format!("{p}[{i}]");
                    match &item.value {
                        Value::String(s) => out.push(s.clone()),
                        Value::Int(i) => out.push(i.to_string()),
                        Value::Float(f) => out.push(float_text(*f)),
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
        let mut was = Vec::new();
        if let Some((v, p)) = f.get("was") {
            match v {
                Value::Mapping(entries) => {
                    for (k, v) in entries {
                        let old = self.string(&k.value, &p, "write `was: { old: new }`");
                        let new = self.string(&v.value, &p, "write `was: { old: new }`");
                        if let (Some(old), Some(new)) = (old, new) {
                            was.push((old, new));
                        }
                    }
                }
                other => self.wrong_type(&p, "a mapping", other, "write `was: { old: new }`"),
            }
        }
        self.finish(f);
        Some(TypeDef {
            name: name.to_owned(),
            path: path.to_owned(),
            doc,
            kind,
            was,
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
            unique: None,
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
        let mut f = self.fields(value, path, &shape::ATTRIBUTE, Some(name))?;
        if let Some((v, p)) = f.get("type")
            && let Some(s) = self.string(v, &p, "write a type such as `string`")
        {
            attribute.ty = self.type_expr(&s, &p);
        }
        attribute.optional = self.bool(&mut f, "optional");
        attribute.immutable = self.bool(&mut f, "immutable");
        attribute.version = self.bool(&mut f, "version");
        attribute.doc = self.opt_string(&mut f, "doc", "write the documentation as text");
        attribute.rename = self.opt_string(&mut f, "rename", "write the stored attribute name");
        if let Some((v, p)) = f.get("auto") {
            attribute.auto = match self.word(v, &p, "auto", shape::AUTOS, Rule::InvalidAuto) {
                Some("created") => Some(Auto::Created),
                Some(_) => Some(Auto::Updated),
                None => None,
            };
        }
        if let Some((v, p)) = f.get("unique") {
            const HELP: &str = "write `unique: true`, or `unique: { scope: attribute }` for values unique within the scope";
            attribute.unique = match v {
                Value::Bool(true) => Some((None, p)),
                Value::Bool(false) => None,
                Value::Mapping(_) => match self.fields(v, &p, &shape::UNIQUE_SCOPE, None) {
                    Some(mut scope) => {
                        let attr = self.opt_string(&mut scope, "scope", HELP);
                        self.finish(scope);
                        Some((attr, p))
                    }
                    None => None,
                },
                other => {
                    self.wrong_type(&p, "`true` or `{ scope: attribute }`", other, HELP);
                    None
                }
            };
        }
        if let Some((v, _)) = f.get("default") {
            let word = match v {
                Value::String(s) => shape::word(shape::DEFAULTS, s),
                _ => None,
            };
            attribute.default = Some(match word {
                Some("now") => DefaultSpec::Now,
                Some("uuid") => DefaultSpec::Uuid,
                Some("uuid7") => DefaultSpec::Uuid7,
                Some("ulid") => DefaultSpec::Ulid,
                _ => DefaultSpec::Literal(literal(v)),
            });
        }
        self.finish(f);
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
        let mut f = self.fields(value, path, &shape::ENTITY, Some(name))?;
        let doc = self.opt_string(&mut f, "doc", "write the documentation as text");
        let attributes = match f.get("attributes") {
            Some((v, p)) => self.attributes(v, &p),
            None => Vec::new(),
        };
        let mut keys = Vec::new();
        if let Some((v, p)) = f.get("keys") {
            for (index, value, kp) in self.entries(v, &p, "`keys`") {
                keys.extend(self.key_templates(&index, value, &kp));
            }
        }
        self.finish(f);
        Some(Entity {
            name: name.to_owned(),
            path: path.to_owned(),
            doc,
            attributes,
            keys,
        })
    }

    fn key_templates(&mut self, index: &str, value: &Value, path: &str) -> Option<KeyTemplates> {
        // `by_region: true`: an index whose multi-attribute key is the entity's own attributes.
        if let Value::Bool(true) = value {
            return Some(KeyTemplates {
                index: index.to_owned(),
                path: path.to_owned(),
                partition: None,
                sort: None,
                when: None,
                native: true,
            });
        }
        let mut f = self.fields(value, path, &shape::KEY_TEMPLATES, None)?;
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
        let when = f.get("when").and_then(|(v, p)| self.when(v, p));
        self.finish(f);
        Some(KeyTemplates {
            index: index.to_owned(),
            path: path.to_owned(),
            partition,
            sort,
            when,
            native: false,
        })
    }

    /// `when: unread` or `when: { status: [open, in_progress] }`.
    fn when(&mut self, value: &Value, path: String) -> Option<When> {
        const HELP: &str =
            "write `when: <bool attribute>` or `when: { <enum attribute>: [value, ...] }`";
        match value {
            Value::String(attribute) => Some(When {
                attribute: attribute.clone(),
                values: None,
                path,
            }),
            Value::Mapping(map) if map.len() == 1 => {
                let (k, v) = map.first()?;
                let attribute = self.string(&k.value, &path, HELP)?;
                let Value::Sequence(items) = &v.value else {
                    self.wrong_type(
                        &join(&path, &attribute),
                        "a list of enum values",
                        &v.value,
                        HELP,
                    );
                    return None;
                };
                let values = items
                    .iter()
                    .enumerate()
                    .filter_map(|(i, item)| {
                        self.string(
                            &item.value,
                            &format!("{}[{i}]", join(&path, &attribute)),
                            HELP,
                        )
                    })
                    .collect();
                Some(When {
                    attribute,
                    values: Some(values),
                    path,
                })
            }
            other => {
                self.wrong_type(
                    &path,
                    "an attribute name or a one-entry mapping",
                    other,
                    HELP,
                );
                None
            }
        }
    }

    fn pattern(&mut self, name: &str, value: &Value, path: &str) -> Option<AccessPattern> {
        let mut f = self.fields(value, path, &shape::PATTERN, Some(name))?;
        let entity = self.opt_string(&mut f, "entity", "name one entity");
        let entities = match f.get("entities") {
            None => None,
            Some((Value::Sequence(items), p)) => Some(
                items
                    .iter()
                    .enumerate()
                    .filter_map(|(i, v)| {
                        self.string(&v.value, &format!("{p}[{i}]"), "name an entity")
                    })
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
            Some((v, p)) => match self.word(v, &p, "order", shape::ORDERS, Rule::InvalidOrder) {
                Some("asc") => Some(Order::Asc),
                Some(_) => Some(Order::Desc),
                None => None,
            },
        };
        let one = self.bool(&mut f, "one");
        let scan = self.bool(&mut f, "scan");
        let select = match f.get("select") {
            None => None,
            Some((Value::Sequence(items), p)) => Some((
                items
                    .iter()
                    .enumerate()
                    .filter_map(|(i, v)| {
                        self.string(&v.value, &format!("{p}[{i}]"), "name an attribute")
                    })
                    .collect(),
                p,
            )),
            Some((other, p)) => {
                self.wrong_type(
                    &p,
                    "a list of attribute names",
                    other,
                    "write `select: [title, priority]`",
                );
                None
            }
        };
        let doc = self.opt_string(&mut f, "doc", "write the documentation as text");
        self.finish(f);
        Some(AccessPattern {
            name: name.to_owned(),
            path: path.to_owned(),
            entity,
            entities,
            index,
            order,
            one,
            scan,
            select,
            doc,
        })
    }
}

fn literal(value: &Value) -> Literal {
    match value {
        Value::Null => Literal::Null,
        Value::Bool(b) => Literal::Bool(*b),
        Value::Int(i) => Literal::Int(*i),
        Value::Float(f) => Literal::Float(*f),
        Value::String(s) => Literal::String(s.clone()),
        Value::Sequence(items) => Literal::List(items.iter().map(|i| literal(&i.value)).collect()),
        Value::Mapping(m) => Literal::Map(
            m.iter()
                .map(|(k, v)| {
                    let key = match &k.value {
                        Value::String(s) => s.clone(),
                        other => other.describe(),
                    };
                    (key, literal(&v.value))
                })
                .collect(),
        ),
        Value::Tagged(_, inner) => literal(&inner.value),
    }
}
