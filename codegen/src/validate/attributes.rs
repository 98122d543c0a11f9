//! Attributes and document fields: names, types, options and defaults, and attributes that
//! clash with the table's own attributes.

use super::*;

impl<'s> Validator<'s> {
    /// Checks names, types, defaults and options of a list of attributes or fields.
    pub(super) fn attribute_list(&mut self, attributes: &[Attribute], entity: bool) {
        let mut rust_names: BTreeMap<String, &Attribute> = BTreeMap::new();
        let mut stored: BTreeMap<&str, &Attribute> = BTreeMap::new();
        let mut versions = 0;
        for a in attributes {
            match names::snake(&a.name) {
                None => self.push(
                    Diagnostic::new(Rule::InvalidName, a.path.clone(), format!("attribute name `{}` cannot become a Rust field name", a.name)).with_help("use letters, digits and `_`, starting with a letter; keep the stored name with `rename:`")
                    .at_key(),
                ),
                Some(s) => {
                    // The generated `<Entity>Fields`/`<Type>Fields` types have these methods
                    // besides one per attribute.
                    let reserved: &[&str] = if entity {
                        &["exists", "not_exists"]
                    } else {
                        &["exists", "not_exists", "whole"]
                    };
                    if reserved.contains(&s.as_str()) {
                        self.push(
                            Diagnostic::new(Rule::ReservedName, a.path.clone(), format!("attribute `{}` would clash with the generated condition method `{s}()`", a.name))
                            .at_key(),
                        );
                    }
                    if let Some(first) = first_of(&mut rust_names, s.clone(), a) {
                        self.push(
                            Diagnostic::new(
                                Rule::NameCollision,
                                a.path.clone(),
                                format!(
                                    "attributes `{}` and `{}` both become the Rust field `{s}`",
                                    a.name, first.name
                                ),
                            )
                            .with_help("rename one of them (use `rename:` to keep the stored name)")
                            .at_key()
                            .also(first.path.clone(), Anchor::Key, FIRST),
                        );
                    }
                }
            }
            if let Some(first) = first_of(&mut stored, a.stored_name(), a) {
                self.push(
                    Diagnostic::new(
                        Rule::NameCollision,
                        a.path.clone(),
                        format!(
                            "attributes `{}` and `{}` are both stored as `{}`",
                            a.name,
                            first.name,
                            a.stored_name()
                        ),
                    )
                    .with_help("give each attribute its own stored name")
                    .also(first.path.clone(), Anchor::Key, FIRST),
                );
            }
            let Some(ty) = &a.ty else { continue };
            self.check_type(ty, &format!("{}.type", a.path), entity);
            if let Some(auto) = a.auto
                && *ty != TypeExpr::Timestamp
            {
                self.push(Diagnostic::new(
                    Rule::AutoType,
                    format!("{}.auto", a.path),
                    format!(
                        "`auto: {}` needs a `timestamp` attribute, but `{}` is `{ty}`",
                        if auto == Auto::Created {
                            "created"
                        } else {
                            "updated"
                        },
                        a.name
                    ),
                ));
            }
            if a.auto.is_some() && a.default.is_some() {
                self.push(Diagnostic::new(
                    Rule::AutoWithDefault,
                    format!("{}.default", a.path),
                    format!("`{}` has both `auto` and `default`", a.name),
                ));
            }
            if a.version {
                versions += 1;
                if *ty != TypeExpr::Integer || a.optional {
                    self.push(Diagnostic::new(
                        Rule::VersionType,
                        format!("{}.version", a.path),
                        format!(
                            "version attribute `{}` must be a required `integer`",
                            a.name
                        ),
                    ));
                }
                if !entity {
                    self.push(Diagnostic::new(
                        Rule::VersionInType,
                        format!("{}.version", a.path),
                        "`version` belongs on an entity attribute, not inside a document type",
                    ));
                }
                if versions == 2 {
                    self.push(Diagnostic::new(
                        Rule::DuplicateVersion,
                        format!("{}.version", a.path),
                        "an entity can have only one `version` attribute",
                    ));
                }
            }
            if let Some(default) = &a.default {
                self.default(a, ty, default);
            }
            if let Some((scope, path)) = &a.unique {
                self.unique(attributes, a, ty, scope.as_deref(), path, entity);
            }
        }
    }

    /// `unique:` on a scalar attribute of an entity, scoped by a required scalar one.
    fn unique(
        &mut self,
        attributes: &[Attribute],
        a: &Attribute,
        ty: &TypeExpr,
        scope: Option<&str>,
        path: &str,
        entity: bool,
    ) {
        let problem = |msg: String| Diagnostic::new(Rule::InvalidUnique, path.to_owned(), msg);
        if !entity {
            self.push(problem(format!(
                "`unique` on `{}` inside a document type",
                a.name
            )));
            return;
        }
        if !is_key_scalar(self.schema, ty) {
            let d = problem(format!("`unique` on `{}` of type `{ty}`", a.name));
            self.push(d.with_help("uniqueness applies to string, integer, timestamp, date, uuid, ulid, bool and enum attributes"));
        }
        let Some(scope) = scope else { return };
        match attributes.iter().find(|s| s.name == scope) {
            None => {
                let names: Vec<&str> = attributes.iter().map(|a| a.name.as_str()).collect();
                let d = problem(format!(
                    "`unique` of `{}` is scoped by `{scope}`, which is not an attribute",
                    a.name
                ));
                self.push(d.with_help(suggest(scope, &names)));
            }
            Some(s)
                if s.optional || !s.ty.as_ref().is_some_and(|t| is_key_scalar(self.schema, t)) =>
            {
                let d = problem(format!(
                    "`unique` of `{}` is scoped by `{scope}`, which must be a required scalar attribute",
                    a.name
                ));
                self.push(d);
            }
            Some(_) => {}
        }
    }

    pub(super) fn default(&mut self, a: &Attribute, ty: &TypeExpr, default: &DefaultSpec) {
        let path = format!("{}.default", a.path);
        let problem = match default {
            DefaultSpec::Now => {
                (!matches!(ty, TypeExpr::Timestamp | TypeExpr::Date | TypeExpr::Ttl))
                    .then(|| format!("`now` is not a value of `{ty}`"))
            }
            DefaultSpec::Uuid | DefaultSpec::Uuid7 => {
                (!matches!(ty, TypeExpr::Uuid | TypeExpr::String)).then(|| {
                    let name = if *default == DefaultSpec::Uuid {
                        "uuid"
                    } else {
                        "uuid7"
                    };
                    format!("`{name}` is not a value of `{ty}`")
                })
            }
            DefaultSpec::Ulid => (!matches!(ty, TypeExpr::Ulid | TypeExpr::String))
                .then(|| format!("`ulid` is not a value of `{ty}`")),
            DefaultSpec::Literal(Literal::Null) if a.optional => None,
            DefaultSpec::Literal(l) => self.literal_problem(ty, l),
        };
        if let Some(problem) = problem {
            self.push(
                Diagnostic::new(
                    Rule::InvalidDefault,
                    path,
                    format!("the default of `{}` is invalid: {problem}", a.name),
                )
                .with_help(match ty {
                    TypeExpr::Ulid => "write `ulid` for a fresh time-ordered id".to_owned(),
                    _ => format!(
                        "write a value of type `{ty}`{}",
                        match ty {
                            TypeExpr::Timestamp =>
                                " (RFC 3339, such as `2024-01-01T00:00:00Z`) or `now`",
                            TypeExpr::Date => " (`YYYY-MM-DD`) or `now`",
                            TypeExpr::Uuid => ", `uuid` (random) or `uuid7` (time-ordered)",
                            _ => "",
                        }
                    ),
                }),
            );
        }
    }

    pub(super) fn literal_problem(&self, ty: &TypeExpr, l: &Literal) -> Option<String> {
        let found = || match l {
            Literal::Null => "null".to_owned(),
            Literal::Bool(b) => b.to_string(),
            Literal::Int(i) => i.to_string(),
            Literal::Float(f) => f.to_string(),
            Literal::String(s) => format!("{s:?}"),
            Literal::List(_) => "a list".to_owned(),
            Literal::Map(_) => "a mapping".to_owned(),
        };
        let mismatch = || Some(format!("{} is not of type `{ty}`", found()));
        match (ty, l) {
            (TypeExpr::String, Literal::String(_)) => None,
            (TypeExpr::Integer, Literal::Int(_)) => None,
            (TypeExpr::Float, Literal::Int(_)) => None,
            (TypeExpr::Float, Literal::Float(f)) => {
                let m = f.abs();
                (!f.is_finite() || (m != 0.0 && !(1e-130..1e126).contains(&m)))
                    .then(|| format!("{f} cannot be stored: DynamoDB numbers are finite, between 1e-130 and 1e126 in magnitude"))
            }
            (TypeExpr::Bool, Literal::Bool(_)) => None,
            (TypeExpr::Timestamp | TypeExpr::Ttl, Literal::String(s)) => {
                chrono::DateTime::parse_from_rfc3339(s)
                    .is_err()
                    .then(|| format!("{s:?} is not an RFC 3339 timestamp"))
            }
            (TypeExpr::Date, Literal::String(s)) => {
                chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                    .is_err()
                    .then(|| format!("{s:?} is not a YYYY-MM-DD date"))
            }
            (TypeExpr::Uuid, Literal::String(s)) => uuid::Uuid::parse_str(s)
                .is_err()
                .then(|| format!("{s:?} is not a UUID")),
            (TypeExpr::Bytes, Literal::List(items)) => items
                .iter()
                .any(|i| !matches!(i, Literal::Int(0..=255)))
                .then(|| "bytes are a list of numbers from 0 to 255".to_owned()),
            (TypeExpr::List(t) | TypeExpr::Set(t), Literal::List(items)) => {
                items.iter().find_map(|i| self.literal_problem(t, i))
            }
            (TypeExpr::Map(t), Literal::Map(entries)) => {
                entries.iter().find_map(|(_, v)| self.literal_problem(t, v))
            }
            (TypeExpr::Named(n), _) => {
                let def = self.schema.types.iter().find(|t| &t.name == n)?;
                match (&def.kind, l) {
                    (TypeDefKind::Enum(values), Literal::String(s)) => (!values.contains(s))
                        .then(|| format!("{s:?} is not one of {}", values.join(", "))),
                    (TypeDefKind::Document(fields), Literal::Map(entries)) => {
                        for (k, v) in entries {
                            match fields.iter().find(|f| &f.name == k) {
                                None => return Some(format!("`{n}` has no field `{k}`")),
                                Some(f) => {
                                    if let Some(p) =
                                        f.ty.as_ref().and_then(|t| self.literal_problem(t, v))
                                    {
                                        return Some(p);
                                    }
                                }
                            }
                        }
                        fields
                            .iter()
                            .find(|f| {
                                !f.optional
                                    && f.default.is_none()
                                    && !entries.iter().any(|(k, _)| k == &f.name)
                            })
                            .map(|f| format!("field `{}` of `{n}` is missing", f.name))
                    }
                    _ => mismatch(),
                }
            }
            _ => mismatch(),
        }
    }

    pub(super) fn entities(&mut self) {
        let t = &self.schema.table;
        let mut reserved: BTreeMap<&str, String> = BTreeMap::new();
        reserved.insert(&t.partition_key, "the table's partition key".into());
        if let Some(sk) = &t.sort_key {
            reserved.insert(sk, "the table's sort key".into());
        }
        reserved.insert(&t.type_attribute, "the type attribute".into());
        // A multi-attribute key's attributes are the entities' own: not reserved.
        for i in t.indexes.iter().filter(|i| i.multi.is_none()) {
            for a in [&i.partition_key, &i.sort_key].into_iter().flatten() {
                reserved
                    .entry(a)
                    .or_insert_with(|| format!("a key attribute of index `{}`", i.name));
            }
        }
        for e in &self.schema.entities {
            if e.attributes.is_empty() {
                self.push(Diagnostic::new(
                    Rule::EmptyEntity,
                    format!("{}.attributes", e.path),
                    format!("entity `{}` has no attributes", e.name),
                ));
            }
            self.attribute_list(&e.attributes, true);
            for a in &e.attributes {
                if let Some(what) = reserved.get(a.stored_name()) {
                    self.push(
                        Diagnostic::new(
                            Rule::AttributeClash,
                            a.path.clone(),
                            format!(
                                "attribute `{}` is stored as `{}`, which is {what}",
                                a.name,
                                a.stored_name()
                            ),
                        )
                        .at_key(),
                    );
                }
                if let (Some(ttl), Some(ty)) = (&t.ttl_attribute, &a.ty)
                    && a.stored_name() == ttl
                    && *ty != TypeExpr::Ttl
                {
                    self.push(Diagnostic::new(
                        Rule::TtlType,
                        format!("{}.type", a.path),
                        format!(
                            "`{}` is the table's ttl_attribute but has type `{ty}`",
                            a.name
                        ),
                    ));
                }
            }
            self.keys(e);
        }
    }
}
