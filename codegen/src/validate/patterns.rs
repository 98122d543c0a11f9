//! Access patterns (their names, entities, indexes and options) and indexes nobody uses.

use super::keys::same_partition;
use super::*;

impl<'s> Validator<'s> {
    pub(super) fn access_patterns(&mut self) {
        let mut rust_names: BTreeMap<String, &AccessPattern> = BTreeMap::new();
        for p in &self.schema.access_patterns {
            match names::snake(&p.name) {
                None => self.push(
                    Diagnostic::new(
                        Rule::InvalidName,
                        p.path.clone(),
                        format!(
                            "access pattern name `{}` cannot become a Rust function name",
                            p.name
                        ),
                    )
                    .at_key(),
                ),
                Some(s) => {
                    if let Some(first) = first_of(&mut rust_names, s.clone(), p) {
                        self.push(
                            Diagnostic::new(
                                Rule::NameCollision,
                                p.path.clone(),
                                format!(
                                    "access patterns `{}` and `{}` both become `{s}`",
                                    p.name, first.name
                                ),
                            )
                            .at_key()
                            .also(
                                first.path.clone(),
                                Anchor::Key,
                                FIRST,
                            ),
                        );
                    }
                }
            }
            self.pattern(p);
        }
    }

    pub(super) fn entity_named(&mut self, name: &str, path: &str) -> Option<&'s Entity> {
        let found = self.schema.entities.iter().find(|e| e.name == name);
        if found.is_none() {
            let names: Vec<&str> = self
                .schema
                .entities
                .iter()
                .map(|e| e.name.as_str())
                .collect();
            self.push(
                Diagnostic::new(
                    Rule::UnknownEntity,
                    path,
                    format!("unknown entity `{name}`"),
                )
                .with_help(suggest(name, &names)),
            );
        }
        found
    }

    /// `select: [..]`: attributes of the pattern's one entity that its index holds.
    fn select(
        &mut self,
        p: &AccessPattern,
        entities: &[&Entity],
        index: &str,
        names: &[String],
        path: &str,
    ) {
        let problem = |msg: String| Diagnostic::new(Rule::InvalidSelect, path.to_owned(), msg);
        let [e] = entities else {
            if p.entities.is_some() {
                let d = problem(format!("`select` on the item collection `{}`", p.name));
                self.push(d.with_help(
                    "select attributes on a pattern of one entity; a collection reads whole items",
                ));
            }
            return;
        };
        if names.is_empty() {
            self.push(problem(format!(
                "`select` of `{}` names no attribute",
                p.name
            )));
        }
        let projection = self.index(index).map(|i| &i.projection);
        for name in names {
            let Some(a) = e.attribute(name) else {
                let known: Vec<&str> = e.attributes.iter().map(|a| a.name.as_str()).collect();
                let d = problem(format!(
                    "`select` names `{name}`, which is not an attribute of `{}`",
                    e.name
                ));
                self.push(d.with_help(suggest(name, &known)));
                continue;
            };
            let stored = a.rename.as_deref().unwrap_or(&a.name);
            let held = match projection {
                Some(Projection::KeysOnly) => false,
                Some(Projection::Include(list)) => list.iter().any(|n| n == stored || n == name),
                _ => true,
            };
            if !held {
                let d = problem(format!(
                    "`select` names `{name}`, which index `{index}` does not hold"
                ));
                self.push(d.with_help(format!(
                    "select attributes the index projects, or add `{name}` to its `projection`"
                )));
            }
        }
    }

    pub(super) fn pattern(&mut self, p: &'s AccessPattern) {
        if p.scan && p.one {
            self.push(Diagnostic::new(
                Rule::ScanOne,
                format!("{}.one", p.path),
                format!("`one: true` on the scan `{}`", p.name),
            ));
        }
        if p.scan && p.order.is_some() {
            self.push(Diagnostic::new(
                Rule::ScanOrder,
                format!("{}.order", p.path),
                format!("`order` on the scan `{}`", p.name),
            ));
        }
        let index = p.index.as_deref().unwrap_or("primary");
        let kind = if index == "primary" {
            Some(IndexKind::Primary)
        } else {
            match self.index(index) {
                Some(i) => Some(index_kind(self.schema, i)),
                None => {
                    let declared: Vec<&str> = std::iter::once("primary")
                        .chain(self.schema.table.indexes.iter().map(|i| i.name.as_str()))
                        .collect();
                    self.push(
                        Diagnostic::new(
                            Rule::UnknownIndex,
                            format!("{}.index", p.path),
                            format!(
                                "access pattern `{}` uses index `{index}`, which is not declared",
                                p.name
                            ),
                        )
                        .with_help(suggest(index, &declared)),
                    );
                    None
                }
            }
        };
        let entities: Vec<&'s Entity> = match (&p.entity, &p.entities) {
            (Some(_), Some(_)) => {
                self.push(
                    Diagnostic::new(
                        Rule::PatternEntity,
                        p.path.clone(),
                        format!(
                            "access pattern `{}` has both `entity` and `entities`",
                            p.name
                        ),
                    )
                    .at_key(),
                );
                return;
            }
            (None, None) => {
                self.push(
                    Diagnostic::new(
                        Rule::PatternEntity,
                        p.path.clone(),
                        format!("access pattern `{}` names no entity", p.name),
                    )
                    .with_help("add `entity: X`, or `entities: [X, Y]` for an item collection")
                    .at_key(),
                );
                return;
            }
            (Some(e), None) => self
                .entity_named(e, &format!("{}.entity", p.path))
                .into_iter()
                .collect(),
            (None, Some(list)) => self.collection_entities(p, list),
        };
        if let Some((names, path)) = &p.select {
            self.select(p, &entities, index, names, path);
        }
        if p.entities.is_some() && self.index(index).is_some_and(|i| i.multi.is_some()) {
            let d = Diagnostic::new(
                Rule::InvalidMultiKey,
                format!("{}.entities", p.path),
                format!(
                    "item collection `{}` on `{index}`, an index with multi-attribute keys",
                    p.name
                ),
            );
            self.push(d.with_help("query one entity at a time on a multi-attribute key"));
        }
        let Some(kind) = kind else { return };
        if kind == IndexKind::Inverse {
            for e in &entities {
                if e.keys_for("primary")
                    .and_then(|k| k.sort.as_ref())
                    .is_none()
                {
                    self.push(Diagnostic::new(Rule::PatternWithoutTemplate, format!("{}.index", p.path), format!("`{}` has no primary sort template, so it is not in the inverse index `{index}`", e.name)));
                }
            }
            return;
        }
        let mut partitions = Vec::new();
        for e in &entities {
            let Some((partition, _)) = self.templates_of(e, index, kind) else {
                self.push(Diagnostic::new(Rule::PatternWithoutTemplate, format!("{}.index", p.path), format!("access pattern `{}` queries `{}` on `{index}`, but `{}` has no templates for `{index}`", p.name, e.name, e.name)).with_help(format!("add `{index}: {{ ... }}` under `entities.{}.keys`, or query another index", e.name)));
                continue;
            };
            if let Some(t) = partition {
                partitions.push((e, t));
            }
        }
        if let Some(((first, ft), rest)) = partitions.split_first() {
            for (e, t) in rest {
                if !same_partition(self.schema, first, ft, e, t) {
                    self.push(Diagnostic::new(Rule::CollectionPartitionMismatch, format!("{}.entities", p.path), format!(
                            "item collection `{}` mixes partition templates `{}` ({}) and `{}` ({})",
                            p.name, ft.text, first.name, t.text, e.name
                        )));
                }
            }
        }
    }

    /// The entities of an item collection (`entities: [A, B]`), reporting what a collection
    /// cannot be.
    pub(super) fn collection_entities(
        &mut self,
        p: &'s AccessPattern,
        list: &[String],
    ) -> Vec<&'s Entity> {
        if p.scan {
            self.push(Diagnostic::new(
                Rule::ScanCollection,
                format!("{}.scan", p.path),
                format!("`scan: true` on the item collection `{}`", p.name),
            ));
        }
        if p.one {
            self.push(Diagnostic::new(
                Rule::OneCollection,
                format!("{}.one", p.path),
                format!("`one: true` on the item collection `{}`", p.name),
            ));
        }
        if list.len() < 2 {
            self.push(Diagnostic::new(
                Rule::SmallCollection,
                format!("{}.entities", p.path),
                format!(
                    "item collection `{}` lists {} entit{}",
                    p.name,
                    list.len(),
                    if list.len() == 1 { "y" } else { "ies" }
                ),
            ));
        }
        let mut seen = BTreeMap::new();
        let mut out = Vec::new();
        for (i, name) in list.iter().enumerate() {
            let ip = format!("{}.entities[{i}]", p.path);
            if let Some(first) = first_of(&mut seen, name, i) {
                self.push(
                    Diagnostic::new(Rule::DuplicateName, ip, format!("`{name}` is listed twice"))
                        .with_help("remove the duplicate")
                        .also(
                            format!("{}.entities[{first}]", p.path),
                            Anchor::Value,
                            FIRST,
                        ),
                );
                continue;
            }
            out.extend(self.entity_named(name, &ip));
        }
        out
    }

    pub(super) fn unused_indexes(&mut self) {
        for i in &self.schema.table.indexes {
            let kind = index_kind(self.schema, i);
            let in_keys = self
                .schema
                .entities
                .iter()
                .any(|e| e.keys_for(&i.name).is_some());
            let in_patterns = self
                .schema
                .access_patterns
                .iter()
                .any(|p| p.index.as_deref() == Some(&i.name));
            let used = if kind == IndexKind::Inverse {
                in_patterns
            } else {
                in_keys
            };
            if !used {
                self.push(
                    Diagnostic::new(
                        Rule::UnusedIndex,
                        i.path.clone(),
                        format!(
                            "index `{}` is declared but no {} uses it",
                            i.name,
                            if kind == IndexKind::Inverse {
                                "access pattern"
                            } else {
                                "entity"
                            }
                        ),
                    )
                    .at_key(),
                );
            }
            if let Projection::Include(attrs) = &i.projection {
                for (n, a) in attrs.iter().enumerate() {
                    let known = self
                        .schema
                        .entities
                        .iter()
                        .any(|e| e.attributes.iter().any(|x| x.stored_name() == a));
                    if !known {
                        self.push(Diagnostic::new(
                            Rule::UnknownProjectionAttribute,
                            format!("{}.projection[{n}]", i.path),
                            format!("index `{}` projects `{a}`, which no entity stores", i.name),
                        ));
                    }
                }
            }
        }
    }
}
