//! Building the model from a validated schema: names resolved, literals typed, templates
//! bound to their attributes, and each entity's keys listed per index.

use super::*;
use crate::ast::{Schema, Segment, TypeDefKind, TypeExpr};
use crate::diagnostics::{Anchor, Positions};
use crate::names;
use crate::validate::index_kind;

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
            multi: i.multi.clone(),
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
            stream: t.stream,
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
            was: td.was.clone(),
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
            native: e
                .keys
                .iter()
                .filter(|k| k.native)
                .map(|k| k.index.clone())
                .collect(),
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
            // Multi-attribute keys are the entity's own attributes: no templates to write.
            if own.is_some_and(|k| k.native) || index.multi.is_some() {
                continue;
            }
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
        let multi = indexes
            .iter()
            .find(|i| i.name == index)
            .and_then(|i| i.multi.as_ref());
        if let (Some((pk, sk)), [name]) = (multi, members.as_slice()) {
            let e = entities
                .iter()
                .find(|e| &e.name == name)
                .ok_or_else(|| format!("pattern `{}` names no entity `{name}`", p.name))?;
            let native = |names: &[String]| -> Result<Template, String> {
                let parts = names
                    .iter()
                    .map(|n| {
                        let a = e
                            .attributes
                            .iter()
                            .find(|a| &a.stored_name == n)
                            .ok_or_else(|| format!("`{}` has no key attribute `{n}`", e.name))?;
                        Ok(TemplatePart::Field(TemplateField {
                            name: a.name.clone(),
                            rust_name: a.rust_name.clone(),
                            ty: a.ty.clone(),
                            optional: false,
                            derive: None,
                        }))
                    })
                    .collect::<Result<Vec<_>, String>>()?;
                Ok(Template {
                    text: names.join(", "),
                    attribute: names.first().cloned().unwrap_or_default(),
                    parts,
                })
            };
            partition = Some(native(pk)?);
            let sort = (!sk.is_empty()).then(|| native(sk)).transpose()?;
            sorts.push((name.clone(), sort));
        }
        for name in members.iter().filter(|_| multi.is_none()) {
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
            native: multi.is_some(),
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
