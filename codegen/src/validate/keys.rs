//! Key templates: which index they belong to, which fields they use, and whether two
//! entities' templates on one index can produce the same key.
//!
//! The ambiguity check reasons about segments: a key template is split at the delimiter
//! (field values are escaped, so they never add segments), and two templates can only produce
//! the same key if they have the same number of segments and every pair of segments can
//! produce the same text, judged by their literals and the value formats of their fields.

use super::*;
use crate::ast::When;

impl<'s> Validator<'s> {
    pub(super) fn keys(&mut self, e: &'s Entity) {
        let t = &self.schema.table;
        if e.keys_for("primary").is_none() {
            self.push(Diagnostic::new(
                Rule::MissingPrimaryKey,
                format!("{}.keys", e.path),
                format!("entity `{}` has no primary key templates", e.name),
            ));
        }
        for k in &e.keys {
            let multi = self.index(&k.index).and_then(|i| i.multi.as_ref());
            if k.native || multi.is_some() {
                self.native_key(e, k, multi);
                continue;
            }
            let ((kind, index_sort), (shared_pk, shared_sk)) =
                if k.index == "primary" {
                    ((IndexKind::Primary, t.sort_key.clone()), (false, false))
                } else {
                    match self.index(&k.index) {
                        Some(i) => (
                            (index_kind(self.schema, i), i.sort_key.clone()),
                            shared_halves(self.schema, i),
                        ),
                        None => {
                            let declared: Vec<&str> = std::iter::once("primary")
                                .chain(t.indexes.iter().map(|i| i.name.as_str()))
                                .collect();
                            self.push(
                            Diagnostic::new(Rule::UndeclaredIndex, k.path.clone(), format!(
                                    "entity `{}` has keys for index `{}`, which is not declared",
                                    e.name, k.index
                                )).with_help(format!(
                                    "{} Indexes are declared under `table.indexes`",
                                    suggest(&k.index, &declared)
                                ))
                            .at_key(),
                        );
                            continue;
                        }
                    }
                };
            match kind {
                IndexKind::Inverse => {
                    self.push(
                        Diagnostic::new(Rule::InverseIndexTemplate, k.path.clone(), format!("index `{}` is the inverse of the table's keys; entities list no templates for it", k.index))
                        .at_key(),
                    );
                    continue;
                }
                IndexKind::Local => {
                    if let Some(p) = &k.partition {
                        self.push(Diagnostic::new(Rule::LocalIndexPartition, p.path.clone(), format!("local index `{}` shares the table's partition key; it takes no partition template", k.index)).with_help("remove `partition:`; only `sort:` is given for a local index").at_key());
                    }
                }
                IndexKind::Global if shared_pk => {
                    if let Some(p) = &k.partition {
                        self.shared_template(e, k, p, t.partition_key.as_str(), "partition");
                    }
                }
                IndexKind::Primary | IndexKind::Global => {
                    if k.partition.is_none() {
                        self.push(
                            Diagnostic::new(
                                Rule::MissingTemplate,
                                k.path.clone(),
                                format!(
                                    "entity `{}` has no partition template for `{}`",
                                    e.name, k.index
                                ),
                            )
                            .with_help("add `partition: \"PREFIX#{field}\"`"),
                        );
                    }
                }
            }
            match (&k.sort, &index_sort) {
                (Some(s), Some(attr)) if shared_sk => self.shared_template(e, k, s, attr, "sort"),
                (None, Some(_)) if shared_sk => {}
                (Some(s), None) => self.push(
                    Diagnostic::new(
                        Rule::SortWithoutSortKey,
                        s.path.clone(),
                        format!(
                            "`{}` has a sort template, but {} has no sort key",
                            k.index,
                            if kind == IndexKind::Primary {
                                "the table".to_owned()
                            } else {
                                format!("index `{}`", k.index)
                            }
                        ),
                    )
                    .at_key(),
                ),
                (None, Some(_)) => self.push(
                    Diagnostic::new(
                        Rule::MissingTemplate,
                        k.path.clone(),
                        format!(
                            "entity `{}` has no sort template for `{}`, which has a sort key",
                            e.name, k.index
                        ),
                    )
                    .with_help("add `sort: \"...\"` (a constant such as `PROFILE` is fine)"),
                ),
                _ => {}
            }
            for template in [&k.partition, &k.sort].into_iter().flatten() {
                self.template(e, template, kind);
            }
            if let Some(when) = &k.when {
                self.when(e, when, kind);
            }
        }
    }

    /// `{field:function}`: a known function, on a type it applies to, outside the primary key.
    fn derivation(&mut self, template: &Template, a: &Attribute, function: &str, kind: IndexKind) {
        let problem =
            |msg: String| Diagnostic::new(Rule::InvalidDerivation, template.path.clone(), msg);
        let derive = match crate::model::Derive::parse(function) {
            Ok(d) => d,
            Err(e) => {
                let d = problem(format!("template `{}`: {e}", template.text));
                self.push(d.with_help("use `year`, `month`, `day`, `hour` (timestamps; `year` and `month` on dates too), `upper`, `lower` (strings and enums) or `shard(N)` with N from 2 to 100"));
                return;
            }
        };
        if kind == IndexKind::Primary {
            let d = problem(format!(
                "primary key template `{}` derives `{}`: an item's key must name its values",
                template.text, a.name
            ));
            self.push(d.with_help("derive segments in index templates; keep the primary key to the attributes themselves"));
            return;
        }
        let Some(ty) = &a.ty else { return };
        let ty = match ty {
            TypeExpr::Timestamp => crate::model::Type::Timestamp,
            TypeExpr::Date => crate::model::Type::Date,
            TypeExpr::String => crate::model::Type::String,
            TypeExpr::Named(n) => crate::model::Type::Enum(n.clone()),
            _ => crate::model::Type::Integer,
        };
        if !derive.applies_to(&ty) {
            let d = problem(format!(
                "template `{}` applies `{function}` to `{}` of type `{}`",
                template.text,
                a.name,
                a.ty.as_ref().map_or_else(String::new, ToString::to_string)
            ));
            self.push(d.with_help("`year` and `month` take a timestamp or date, `day` and `hour` a timestamp, `upper` and `lower` a string or enum; `shard(N)` takes any key field"));
        }
    }

    /// `index_name: true` for an index with multi-attribute keys: the entity has every key
    /// attribute, of a type DynamoDB can key on.
    fn native_key(
        &mut self,
        e: &Entity,
        k: &KeyTemplates,
        multi: Option<&(Vec<String>, Vec<String>)>,
    ) {
        let problem = |msg: String| Diagnostic::new(Rule::InvalidMultiKey, k.path.clone(), msg);
        let Some((partition, sort)) = multi else {
            let d = problem(format!(
                "`{}: true` names an index without multi-attribute keys",
                k.index
            ));
            self.push(
                d.with_help("give the index templates, or declare it with `partition_key: [a, b]`"),
            );
            return;
        };
        if !k.native {
            let d = problem(format!(
                "index `{}` has multi-attribute keys: the entity's attributes are its key, so it takes no templates",
                k.index
            ));
            self.push(d.with_help(format!("write `{}: true`", k.index)));
            return;
        }
        for name in partition.iter().chain(sort) {
            let a = e.attributes.iter().find(|a| a.stored_name() == name);
            let Some(a) = a else {
                let d = problem(format!(
                    "`{}` is in index `{}`, but has no attribute `{name}`",
                    e.name, k.index
                ));
                self.push(d.with_help(format!(
                    "add `{name}` to `{}`'s attributes, or leave the index",
                    e.name
                )));
                continue;
            };
            let keyable = match &a.ty {
                Some(TypeExpr::Bool) | None => false,
                Some(TypeExpr::Float | TypeExpr::Bytes) => true,
                Some(ty) => is_key_scalar(self.schema, ty),
            };
            if !keyable {
                let ty = a.ty.as_ref().map_or_else(String::new, ToString::to_string);
                let d = problem(format!(
                    "key attribute `{name}` of index `{}` is `{ty}`",
                    k.index
                ));
                self.push(d.with_help("multi-attribute keys hold strings, numbers and bytes"));
                continue;
            }
            // The index stores one type per attribute: every entity on it must agree.
            let stored = |ty: Option<&TypeExpr>| match ty {
                Some(TypeExpr::Integer | TypeExpr::Float) => "a number",
                Some(TypeExpr::Bytes) => "bytes",
                _ => "a string",
            };
            let first = self.schema.entities.iter().find_map(|other| {
                other.keys_for(&k.index).filter(|ok| ok.native)?;
                let oa = other
                    .attributes
                    .iter()
                    .find(|oa| oa.stored_name() == name)?;
                Some((other, oa))
            });
            if let Some((other, oa)) = first
                && stored(oa.ty.as_ref()) != stored(a.ty.as_ref())
            {
                let d = problem(format!(
                    "`{name}` is {} in `{}` but {} in `{}`, and index `{}` stores one type",
                    stored(a.ty.as_ref()),
                    e.name,
                    stored(oa.ty.as_ref()),
                    other.name,
                    k.index
                ));
                self.push(d.with_help(
                    "give the attribute the same kind of type in every entity on the index",
                ));
            }
        }
    }

    /// A template for a half of an index key that is the table's own attribute.
    fn shared_template(
        &mut self,
        e: &Entity,
        k: &KeyTemplates,
        t: &Template,
        attr: &str,
        half: &str,
    ) {
        self.push(
            Diagnostic::new(
                Rule::SharedKeyTemplate,
                t.path.clone(),
                format!(
                    "index `{}` keeps its {half} key in the table's own `{attr}`, so `{}` takes its {half} template from its primary key and lists none here",
                    k.index, e.name
                ),
            )
            .at_key(),
        );
    }

    /// `when:`: a required bool attribute, or a required enum attribute and some of its values,
    /// on a secondary index.
    fn when(&mut self, e: &Entity, when: &When, kind: IndexKind) {
        let name = &when.attribute;
        let problem = |msg: String| Diagnostic::new(Rule::InvalidWhen, when.path.clone(), msg);
        if kind == IndexKind::Primary {
            let d = problem("the primary key cannot be conditional: every item has one".into());
            self.push(d.with_help("move `when:` to a secondary index's templates"));
            return;
        }
        let Some(a) = e.attribute(name) else {
            let names: Vec<&str> = e.attributes.iter().map(|a| a.name.as_str()).collect();
            let d = problem(format!(
                "`when` names `{name}`, which is not an attribute of `{}`",
                e.name
            ));
            self.push(d.with_help(suggest(name, &names)));
            return;
        };
        if a.optional {
            let d = problem(format!("`when` names `{name}`, which is optional"));
            self.push(d.with_help(format!("make `{name}` required, with a default such as `default: false`, so every item says whether it is in the index")));
            return;
        }
        let enum_values = match &a.ty {
            Some(TypeExpr::Named(n)) => {
                self.schema
                    .types
                    .iter()
                    .find(|t| &t.name == n)
                    .and_then(|t| match &t.kind {
                        TypeDefKind::Enum(values) => Some(values),
                        _ => None,
                    })
            }
            _ => None,
        };
        match (&when.values, &a.ty, enum_values) {
            (None, Some(TypeExpr::Bool), _) => {}
            (None, _, Some(values)) => {
                let d = problem(format!(
                    "`when: {name}` names an enum attribute without values"
                ));
                self.push(d.with_help(format!(
                    "list the values that put an item in the index: `when: {{ {name}: [{}] }}`",
                    values[0]
                )));
            }
            (Some(listed), _, Some(values)) => {
                if listed.is_empty() {
                    self.push(problem(format!(
                        "`when` lists no value of `{name}`, so no item would be in the index"
                    )));
                }
                for v in listed.iter().filter(|v| !values.contains(v)) {
                    let known: Vec<&str> = values.iter().map(String::as_str).collect();
                    let d = problem(format!(
                        "`when` lists `{v}`, which is not a value of `{name}`"
                    ));
                    self.push(d.with_help(suggest(v, &known)));
                }
            }
            (_, ty, _) => {
                let ty = ty
                    .as_ref()
                    .map_or_else(|| "unknown".to_owned(), ToString::to_string);
                self.push(problem(format!(
                    "`when` names `{name}` of type `{ty}`; it must be a bool or an enum attribute"
                )));
            }
        }
    }

    pub(super) fn template(&mut self, e: &Entity, template: &Template, kind: IndexKind) {
        for seg in &template.segments {
            match seg {
                Segment::Literal(lit) => {
                    if lit.contains(ESCAPE) {
                        self.push(Diagnostic::new(
                            Rule::TemplateEscape,
                            template.path.clone(),
                            format!(
                                "template `{}` contains `\\`, the escape character of key values",
                                template.text
                            ),
                        ));
                    }
                }
                Segment::Field(f, function) => {
                    let Some(a) = e.attribute(f) else {
                        let names: Vec<&str> =
                            e.attributes.iter().map(|a| a.name.as_str()).collect();
                        self.push(
                            Diagnostic::new(
                                Rule::TemplateUnknownField,
                                template.path.clone(),
                                format!(
                                    "template `{}` names `{f}`, which is not an attribute of `{}`",
                                    template.text, e.name
                                ),
                            )
                            .with_help(suggest(f, &names)),
                        );
                        continue;
                    };
                    if let Some(ty) = &a.ty
                        && !is_key_scalar(self.schema, ty)
                    {
                        self.push(Diagnostic::new(Rule::TemplateNonScalar, template.path.clone(), format!("template `{}` uses `{f}` of type `{ty}`, which cannot be part of a key", template.text)));
                    }
                    if let Some(function) = function {
                        self.derivation(template, a, function, kind);
                    }
                    if a.optional && kind == IndexKind::Primary {
                        self.push(Diagnostic::new(
                            Rule::OptionalKeyField,
                            template.path.clone(),
                            format!(
                                "primary key template `{}` uses optional attribute `{f}`",
                                template.text
                            ),
                        ));
                    }
                    if kind == IndexKind::Primary && (a.version || a.auto == Some(Auto::Updated)) {
                        self.push(Diagnostic::new(Rule::MutableKeyField, template.path.clone(), format!("primary key template `{}` uses `{f}`, which changes on every write", template.text)));
                    } else if a.version {
                        self.push(Diagnostic::new(
                            Rule::VersionInKey,
                            template.path.clone(),
                            format!(
                                "template `{}` uses the version attribute `{f}`",
                                template.text
                            ),
                        ));
                    } else if a.auto == Some(Auto::Updated)
                        && template
                            .segments
                            .iter()
                            .filter(|s| matches!(s, Segment::Field(..)))
                            .count()
                            > 1
                    {
                        self.push(Diagnostic::new(
                            Rule::UpdatedInCompositeKey,
                            template.path.clone(),
                            format!(
                                "template `{}` combines `{f}` (auto: updated) with other fields",
                                template.text
                            ),
                        ));
                    }
                }
            }
        }
    }

    /// The index templates `(partition, sort)` of every entity on `index`, resolving local
    /// indexes to the primary partition template.
    pub(super) fn templates_on(
        &self,
        index: &str,
        kind: IndexKind,
    ) -> Vec<(&'s Entity, Option<&'s Template>, Option<&'s Template>)> {
        self.schema
            .entities
            .iter()
            .filter_map(|e| {
                let (partition, sort) = self.templates_of(e, index, kind)?;
                Some((e, partition, sort))
            })
            .collect()
    }

    pub(super) fn ambiguity(&mut self) {
        let mut indexes: Vec<(String, IndexKind)> = vec![("primary".into(), IndexKind::Primary)];
        for i in &self.schema.table.indexes {
            let kind = index_kind(self.schema, i);
            if kind != IndexKind::Inverse {
                indexes.push((i.name.clone(), kind));
            }
        }
        let delimiter = self.delimiter();
        for (index, kind) in indexes {
            let entries = self.templates_on(&index, kind);
            for (i, (a, ap, asort)) in entries.iter().enumerate() {
                for (b, bp, bsort) in entries.iter().skip(i + 1) {
                    let (Some(ap), Some(bp)) = (ap, bp) else {
                        continue;
                    };
                    let pk = could_collide(self.schema, delimiter, a, ap, b, bp);
                    let sk = match (asort, bsort) {
                        (Some(x), Some(y)) => could_collide(self.schema, delimiter, a, x, b, y),
                        (None, None) => true,
                        _ => false,
                    };
                    if pk && sk {
                        let show = |p: &Template, s: &Option<&Template>| match s {
                            Some(s) => format!("`{}` / `{}`", p.text, s.text),
                            None => format!("`{}`", p.text),
                        };
                        let first = asort.map_or(&ap.path, |s| &s.path);
                        let second = bsort.map_or(&bp.path, |s| &s.path);
                        self.push(
                            Diagnostic::new(
                                Rule::AmbiguousKeys,
                                second.as_str(),
                                format!(
                                    "on `{index}`, `{}` keys {} can equal `{}` keys {}",
                                    b.name,
                                    show(bp, bsort),
                                    a.name,
                                    show(ap, asort)
                                ),
                            )
                            .with_help(format!(
                                "start one of them with a literal the other cannot produce, such as `{}{delimiter}`",
                                b.name.to_uppercase()
                            ))
                            .also(first.as_str(), Anchor::Value, format!("`{}` keys it can equal", a.name)),
                        );
                    }
                }
            }
        }
    }
}

/// The value format of a key field, for deciding whether two templates can collide.
#[derive(Debug, Clone, PartialEq)]
enum Format {
    Any,
    Enum(Vec<String>),
    Integer,
    Timestamp,
    Date,
    Uuid,
    Ulid,
    Bool,
}

fn format_of(schema: &Schema, e: &Entity, field: &str) -> Format {
    match e.attribute(field).and_then(|a| a.ty.as_ref()) {
        Some(TypeExpr::Integer) => Format::Integer,
        Some(TypeExpr::Timestamp) => Format::Timestamp,
        Some(TypeExpr::Date) => Format::Date,
        Some(TypeExpr::Uuid) => Format::Uuid,
        Some(TypeExpr::Ulid) => Format::Ulid,
        Some(TypeExpr::Bool) => Format::Bool,
        Some(TypeExpr::Named(n)) => {
            match schema.types.iter().find(|t| &t.name == n).map(|t| &t.kind) {
                Some(TypeDefKind::Enum(values)) => Format::Enum(values.clone()),
                _ => Format::Any,
            }
        }
        _ => Format::Any,
    }
}

fn matches_format(format: &Format, text: &str) -> bool {
    let shape = |pattern: &str| {
        text.len() == pattern.len()
            && text.chars().zip(pattern.chars()).all(|(c, p)| match p {
                'd' => c.is_ascii_digit(),
                'h' => c.is_ascii_hexdigit(),
                other => c == other,
            })
    };
    match format {
        Format::Any => true,
        Format::Enum(values) => values.iter().any(|v| v == text),
        // 19 digits, after a sign (`-`, or `!` when `-` is the delimiter) for negative values.
        Format::Integer => {
            let digits = text.strip_prefix(['-', '!']).unwrap_or(text);
            digits.len() == 19 && digits.chars().all(|c| c.is_ascii_digit())
        }
        Format::Timestamp => shape("dddd-dd-ddTdd:dd:dd.dddddddddZ"),
        Format::Date => shape("dddd-dd-dd"),
        Format::Uuid => shape("hhhhhhhh-hhhh-hhhh-hhhh-hhhhhhhhhhhh"),
        Format::Ulid => {
            text.len() == 26
                && text
                    .chars()
                    .all(|c| c.is_ascii_digit() || (c.is_ascii_uppercase() && !"ILOU".contains(c)))
        }
        Format::Bool => text == "true" || text == "false",
    }
}

fn formats_overlap(a: &Format, b: &Format) -> bool {
    match (a, b) {
        (Format::Any, _) | (_, Format::Any) => true,
        (Format::Enum(x), Format::Enum(y)) => x.iter().any(|v| y.contains(v)),
        (Format::Enum(x), other) | (other, Format::Enum(x)) => {
            x.iter().any(|v| matches_format(other, v))
        }
        (x, y) => x == y,
    }
}

/// One delimiter-separated segment of a template.
#[derive(Debug, Clone)]
enum Part {
    Literal(String),
    Field(Format),
}

fn split_segments(schema: &Schema, delimiter: char, e: &Entity, t: &Template) -> Vec<Vec<Part>> {
    let mut out = vec![Vec::new()];
    for seg in &t.segments {
        match seg {
            Segment::Literal(text) => {
                for (i, piece) in text.split(delimiter).enumerate() {
                    if i > 0 {
                        out.push(Vec::new());
                    }
                    if !piece.is_empty() {
                        out.last_mut()
                            .expect("never empty")
                            .push(Part::Literal(piece.to_owned()));
                    }
                }
            }
            // A derived value's text is not the attribute's own format.
            Segment::Field(_, Some(_)) => out
                .last_mut()
                .expect("never empty")
                .push(Part::Field(Format::Any)),
            Segment::Field(f, None) => out
                .last_mut()
                .expect("never empty")
                .push(Part::Field(format_of(schema, e, f))),
        }
    }
    out
}

fn segment_overlap(a: &[Part], b: &[Part]) -> bool {
    let literal = |parts: &[Part]| -> Option<String> {
        parts
            .iter()
            .map(|p| match p {
                Part::Literal(s) => Some(s.as_str()),
                Part::Field(_) => None,
            })
            .collect::<Option<String>>()
    };
    match (a, b, literal(a), literal(b)) {
        (_, _, Some(x), Some(y)) => x == y,
        ([Part::Field(f)], _, _, Some(text)) | (_, [Part::Field(f)], Some(text), _) => {
            matches_format(f, &text)
        }
        ([Part::Field(f)], [Part::Field(g)], _, _) => formats_overlap(f, g),
        _ => {
            // Mixed literal and field text: compare the literal prefixes and suffixes.
            let prefix = |parts: &[Part]| match parts.first() {
                Some(Part::Literal(s)) => s.clone(),
                _ => String::new(),
            };
            let suffix = |parts: &[Part]| match parts.last() {
                Some(Part::Literal(s)) => s.clone(),
                _ => String::new(),
            };
            let (pa, pb) = (prefix(a), prefix(b));
            let (sa, sb) = (suffix(a), suffix(b));
            (pa.starts_with(&pb) || pb.starts_with(&pa)) && (sa.ends_with(&sb) || sb.ends_with(&sa))
        }
    }
}

/// Whether two entities' templates can produce the same key text.
fn could_collide(
    schema: &Schema,
    delimiter: char,
    a: &Entity,
    at: &Template,
    b: &Entity,
    bt: &Template,
) -> bool {
    let x = split_segments(schema, delimiter, a, at);
    let y = split_segments(schema, delimiter, b, bt);
    x.len() == y.len() && x.iter().zip(&y).all(|(p, q)| segment_overlap(p, q))
}

/// Whether two partition templates are the same: equal literals and fields of equal names
/// and types, so one query argument list serves both.
pub(super) fn same_partition(
    schema: &Schema,
    a: &Entity,
    at: &Template,
    b: &Entity,
    bt: &Template,
) -> bool {
    at.segments.len() == bt.segments.len()
        && at
            .segments
            .iter()
            .zip(&bt.segments)
            .all(|(x, y)| match (x, y) {
                (Segment::Literal(p), Segment::Literal(q)) => p == q,
                (Segment::Field(p, fp), Segment::Field(q, fq)) => {
                    p == q
                        && fp == fq
                        && a.attribute(p).and_then(|f| f.ty.as_ref())
                            == b.attribute(q).and_then(|f| f.ty.as_ref())
                        && format_of(schema, a, p) == format_of(schema, b, q)
                }
                _ => false,
            })
}
