//! Entity and type names, enum values, recursive documents and references to named types.

use super::*;

impl<'s> Validator<'s> {
    pub(super) fn type_names_and_types(&mut self) {
        // Entity and type names share the Rust type namespace.
        let mut seen: BTreeMap<String, (&str, &str)> = BTreeMap::new();
        let named = self
            .schema
            .types
            .iter()
            .map(|t| (&t.name, &t.path, "type"))
            .chain(
                self.schema
                    .entities
                    .iter()
                    .map(|e| (&e.name, &e.path, "entity")),
            );
        // The generated change enum: `{Table}Change`, with a variant per entity and `Unknown`
        // for records of none.
        let change = names::change_enum(self.schema.table.name.as_deref().unwrap_or("app"));
        for (name, path, what) in named {
            match names::camel(name) {
                None => self.push(
                    Diagnostic::new(
                        Rule::InvalidName,
                        path.clone(),
                        format!("{what} name `{name}` cannot become a Rust type name"),
                    )
                    .with_help("use letters, digits and `_`, starting with a letter (`OrderLine`)")
                    .at_key(),
                ),
                Some(rust) => {
                    let shadowed = if names::PRELUDE.contains(&rust.as_str()) {
                        Some("Rust's")
                    } else if names::RUNTIME.contains(&rust.as_str()) {
                        Some("the runtime's")
                    } else {
                        None
                    };
                    if let Some(owner) = shadowed {
                        self.push(
                            Diagnostic::new(
                                Rule::ShadowsPrelude,
                                path.clone(),
                                format!("{what} name `{name}` would shadow {owner} `{rust}`"),
                            )
                            .with_help(format!("choose a more specific name, such as `App{rust}`"))
                            .at_key(),
                        );
                    }
                    if what == "entity" && rust == "Unknown" {
                        self.push(
                            Diagnostic::new(
                                Rule::NameCollision,
                                path.clone(),
                                format!(
                                    "entity `{name}` would clash with the `Unknown` variant of the generated change enum `{change}`, which holds records of no entity"
                                ),
                            )
                            .with_help("choose a more specific name, such as `UnknownItem`")
                            .at_key(),
                        );
                    }
                    if rust == change {
                        self.push(
                            Diagnostic::new(
                                Rule::NameCollision,
                                path.clone(),
                                format!(
                                    "{what} `{name}` would have the name of the table's generated change enum `{change}`"
                                ),
                            )
                            .with_help("choose another name, or rename the table")
                            .at_key(),
                        );
                    }
                    if let Some((first, first_path)) =
                        first_of(&mut seen, rust.clone(), (name, path))
                    {
                        self.push(
                            Diagnostic::new(
                                Rule::NameCollision,
                                path.clone(),
                                format!(
                                    "{what} `{name}` and `{first}` both become the Rust type `{rust}`"
                                ),
                            )
                            .at_key()
                            .also(first_path, Anchor::Key, FIRST),
                        );
                    }
                }
            }
        }
        for t in &self.schema.types {
            match &t.kind {
                TypeDefKind::Enum(values) => {
                    self.enum_values(&t.name, &t.path, values);
                    for (old, new) in &t.was {
                        let problem = if values.contains(old) {
                            Some(format!("`{old}` is still a value of `{}`", t.name))
                        } else if !values.contains(new) {
                            Some(format!(
                                "`{old}` became `{new}`, which is not a value of `{}`",
                                t.name
                            ))
                        } else {
                            None
                        };
                        if let Some(problem) = problem {
                            let d = Diagnostic::new(
                                Rule::InvalidWas,
                                format!("{}.was", t.path),
                                problem,
                            );
                            self.push(d);
                        }
                    }
                }
                TypeDefKind::Document(fields) => {
                    if !t.was.is_empty() {
                        let d = Diagnostic::new(
                            Rule::InvalidWas,
                            format!("{}.was", t.path),
                            format!("`was` on the document type `{}`", t.name),
                        );
                        self.push(d);
                    }
                    if fields.is_empty() {
                        self.push(Diagnostic::new(
                            Rule::EmptyType,
                            format!("{}.fields", t.path),
                            format!("type `{}` has no fields", t.name),
                        ));
                    }
                    self.attribute_list(fields, false);
                }
            }
        }
        self.recursion();
    }

    pub(super) fn enum_values(&mut self, name: &str, path: &str, values: &[String]) {
        let vp = format!("{path}.enum");
        if values.is_empty() {
            self.push(Diagnostic::new(
                Rule::EmptyEnum,
                vp.clone(),
                format!("enum `{name}` has no values"),
            ));
        }
        let mut seen = BTreeMap::new();
        let mut variants = BTreeMap::new();
        for (i, v) in values.iter().enumerate() {
            let ip = format!("{vp}[{i}]");
            if let Some(first) = first_of(&mut seen, v.clone(), i) {
                self.push(
                    Diagnostic::new(
                        Rule::DuplicateEnumValue,
                        ip.clone(),
                        format!("enum `{name}` lists `{v}` twice"),
                    )
                    .also(format!("{vp}[{first}]"), Anchor::Value, FIRST),
                );
                continue;
            }
            match names::camel(v) {
                None => self.push(
                    Diagnostic::new(
                        Rule::InvalidName,
                        ip.clone(),
                        format!("enum value `{v}` cannot become a Rust variant name"),
                    )
                    .with_help("use letters, digits, `_` or `-`, starting with a letter"),
                ),
                Some(variant) => {
                    if let Some((first, first_path)) =
                        first_of(&mut variants, variant.clone(), (v.clone(), ip.clone()))
                    {
                        self.push(
                            Diagnostic::new(
                                Rule::NameCollision,
                                ip,
                                format!("enum values `{v}` and `{first}` both become the variant `{variant}`"),
                            )
                            .also(first_path, Anchor::Value, FIRST),
                        );
                    }
                }
            }
        }
    }

    /// Direct (unboxed) self-reference through document fields would make an infinite type.
    pub(super) fn recursion(&mut self) {
        let docs: BTreeMap<&str, &Vec<Attribute>> = self
            .schema
            .types
            .iter()
            .filter_map(|t| match &t.kind {
                TypeDefKind::Document(f) => Some((t.name.as_str(), f)),
                TypeDefKind::Enum(_) => None,
            })
            .collect();
        for (&start, _) in docs.iter() {
            let mut stack = vec![(start, Vec::<&str>::new())];
            let mut visited = BTreeSet::new();
            while let Some((current, trail)) = stack.pop() {
                if !visited.insert(current) {
                    continue;
                }
                let Some(fields) = docs.get(current) else {
                    continue;
                };
                for f in fields.iter() {
                    if let Some(TypeExpr::Named(n)) = &f.ty {
                        let mut t = trail.clone();
                        t.push(f.path.as_str());
                        let type_path = format!("{}.type", f.path);
                        if n == start {
                            let path = if t.len() == 1 {
                                type_path
                            } else {
                                t[0].to_owned()
                            };
                            self.push(Diagnostic::new(Rule::RecursiveType, path, format!("type `{start}` contains itself without a list or map in between")));
                        } else {
                            stack.push((n.as_str(), t));
                        }
                    }
                }
            }
        }
    }

    pub(super) fn resolve_named(&mut self, name: &str, path: &str) -> bool {
        if self.schema.types.iter().any(|t| t.name == name) {
            return true;
        }
        let help = if self.schema.entities.iter().any(|e| e.name == name) {
            format!(
                "`{name}` is an entity; entities cannot be nested. Declare a document type under `types:` instead"
            )
        } else {
            match closest(
                name,
                self.schema
                    .types
                    .iter()
                    .map(|t| t.name.as_str())
                    .chain(crate::parse::SCALARS.iter().copied()),
            ) {
                Some(c) => format!("did you mean `{c}`?"),
                None => format!("declare `{name}` under `types:`"),
            }
        };
        self.push(
            Diagnostic::new(Rule::UnknownType, path, format!("unknown type `{name}`"))
                .with_help(help),
        );
        false
    }

    pub(super) fn check_type(&mut self, ty: &TypeExpr, path: &str, top_level: bool) {
        match ty {
            TypeExpr::Named(n) => {
                self.resolve_named(n, path);
            }
            TypeExpr::Ttl if !top_level => self.push(Diagnostic::new(
                Rule::NestedTtl,
                path,
                "`ttl` is only valid as an entity attribute",
            )),
            TypeExpr::List(t) | TypeExpr::Map(t) | TypeExpr::Set(t) => {
                self.check_type(t, path, false)
            }
            _ => {}
        }
    }
}
