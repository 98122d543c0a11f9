//! Updates: the untyped action list generated update builders fill, its rendering into an
//! update expression, and the `UpdateItem` operation.
//!
//! Generated code gives every entity an update builder (`User::update()`) with one typed
//! method per allowed change; those methods also rewrite index keys, refresh `auto: updated`
//! timestamps and bump versions. [`NestedUpdate`] adds typed changes of values nested in
//! documents, lists and maps.

use std::marker::PhantomData;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};

use crate::codec::{AttributeCodec, ListElement};
use crate::error::{Error, KeyError, Result};
use crate::expr::{
    Comparison, Condition, Operand, Path, PathSegment, Placeholders, check_expression_length,
};
use crate::field::{Field, expression_value, kind};
use crate::key::Key;
use crate::request::version_condition;
use crate::rules::{Change, Defaults, Guard, Guards, UpdateRules, Values, build, values};

mod item;
pub use item::UpdateItem;
pub(crate) use item::UpdateParts;

/// One change to one path.
#[derive(Debug, Clone, PartialEq)]
enum Action {
    /// `SET p = v`
    Set(AttributeValue),
    /// `SET p = if_not_exists(p, v)`
    SetIfNotExists(AttributeValue),
    /// `SET p = if_not_exists(p, 0) + v` (or `-`)
    Arithmetic(char, AttributeValue),
    /// `SET p = if_not_exists(p, 0) + other` (or `-`)
    ArithmeticWith(char, Path),
    /// `SET p = list_append(if_not_exists(p, []), v)`, or the other way round to prepend.
    ListAppend {
        values: AttributeValue,
        prepend: bool,
    },
    /// `ADD p v` on a set.
    SetAdd(AttributeValue),
    /// `DELETE p v` on a set.
    SetDelete(AttributeValue),
    /// `REMOVE p`
    Remove,
}

/// Numbers that can be added and subtracted.
pub trait Number: AttributeCodec + Copy {}
impl Number for i64 {}
impl Number for f64 {}

/// The changes of one update, for entity `E`.
///
/// Built by the generated `<Entity>::update()` builders; the methods here are their building
/// blocks and do not know the schema (a generated setter is what refuses key fields and
/// rewrites index keys).
pub struct Update<E> {
    now: DateTime<Utc>,
    actions: Vec<(Path, Action)>,
    conditions: Vec<Condition>,
    /// Values the caller gave for attributes the index keys it rewrites are built from.
    given: Vec<(&'static str, Option<AttributeValue>)>,
    rules: Option<&'static UpdateRules>,
    problem: Option<Problem>,
    entity: PhantomData<fn() -> E>,
}

/// The first reason an update cannot be sent, kept until it is.
#[derive(Debug, Clone)]
enum Problem {
    Key(&'static str, KeyError),
    Expression(String),
}

impl Problem {
    fn to_error(&self) -> Error {
        match self {
            Problem::Key(entity, source) => Error::Key {
                entity,
                source: source.clone(),
            },
            Problem::Expression(text) => Error::Expression(text.clone()),
        }
    }
}

impl<E> Clone for Update<E> {
    fn clone(&self) -> Self {
        Self {
            now: self.now,
            actions: self.actions.clone(),
            conditions: self.conditions.clone(),
            given: self.given.clone(),
            rules: self.rules,
            problem: self.problem.clone(),
            entity: PhantomData,
        }
    }
}

impl<E> std::fmt::Debug for Update<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Update")
            .field("actions", &self.actions)
            .field("conditions", &self.conditions)
            .field("given", &self.given)
            .finish()
    }
}

impl<E> Default for Update<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> Update<E> {
    /// An update with no changes yet; [`Update::now`] is fixed here.
    pub fn new() -> Self {
        Self {
            now: Utc::now(),
            actions: Vec::new(),
            conditions: Vec::new(),
            given: Vec::new(),
            rules: None,
            problem: None,
            entity: PhantomData,
        }
    }

    /// An update of an entity with generated [`UpdateRules`]: index keys are rewritten from
    /// the item's values, and upserts are checked and completed, when the request is built.
    pub fn with_rules(rules: &'static UpdateRules) -> Self {
        Self {
            rules: Some(rules),
            ..Self::new()
        }
    }

    /// Records the value the caller says the stored item has for `attribute` (`None`:
    /// absent), which an index key the update rewrites is built from. Unless the update
    /// also changes `attribute`, the write applies only while that value is stored.
    pub fn given<T: AttributeCodec>(&mut self, attribute: &'static str, value: &T) {
        match value.encode() {
            Ok(v) => {
                self.given.retain(|(a, _)| *a != attribute);
                self.given.push((attribute, v));
            }
            Err(e) => self.fail(Problem::Expression(format!(
                "the value given for `{attribute}` cannot be stored: {e}"
            ))),
        }
    }

    /// The instant this update writes to `auto` timestamps.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// Whether there are no changes.
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }

    fn push(&mut self, path: Path, action: Action) {
        // A later change of the same path replaces the earlier one.
        self.actions.retain(|(p, _)| *p != path);
        if let Some((other, _)) = self.actions.iter().find(|(p, _)| p.overlaps(&path)) {
            self.fail(Problem::Expression(format!(
                "one update cannot change both `{other}` and `{path}`: one contains the other"
            )));
        }
        self.actions.push((path, action));
    }

    fn fail(&mut self, problem: Problem) {
        if self.problem.is_none() {
            self.problem = Some(problem);
        }
    }

    fn value<T: AttributeCodec>(&mut self, path: &Path, value: &T) -> Option<AttributeValue> {
        match expression_value(path, value) {
            Ok(v) => Some(v),
            Err(e) => {
                self.fail(Problem::Expression(e));
                None
            }
        }
    }

    /// `SET path = value`; a value that stores nothing (an empty set, `None`) removes the
    /// attribute instead, as a put would.
    pub fn set<T: AttributeCodec>(&mut self, path: Path, value: &T) {
        match value.encode() {
            Ok(Some(v)) => self.push(path, Action::Set(v)),
            Ok(None) => self.push(path, Action::Remove),
            Err(e) => self.fail(Problem::Expression(format!(
                "the value for `{path}` cannot be stored: {e}"
            ))),
        }
    }

    /// `SET path = value` with an already encoded value.
    pub fn set_raw(&mut self, path: Path, value: AttributeValue) {
        self.push(path, Action::Set(value));
    }

    /// `SET path = if_not_exists(path, value)`.
    pub fn set_if_not_exists<T: AttributeCodec>(&mut self, path: Path, value: &T) {
        if let Some(v) = self.value(&path, value) {
            self.push(path, Action::SetIfNotExists(v));
        }
    }

    /// Writes an index key attribute (or records why it could not be built).
    pub fn set_key(&mut self, entity: &'static str, key: impl crate::key::KeyAttribute) {
        let (attribute, value) = key.into_attribute();
        match value {
            Ok(v) => self.push(Path::attr(attribute), Action::Set(AttributeValue::S(v))),
            Err(source) => self.fail(Problem::Key(entity, source)),
        }
    }

    /// `REMOVE path`.
    pub fn remove(&mut self, path: Path) {
        self.push(path, Action::Remove);
    }

    /// `SET path = if_not_exists(path, 0) + n`.
    pub fn add<T: Number>(&mut self, path: Path, n: T) {
        if let Some(v) = self.value(&path, &n) {
            self.push(path, Action::Arithmetic('+', v));
        }
    }

    /// `SET path = if_not_exists(path, 0) - n`.
    pub fn subtract<T: Number>(&mut self, path: Path, n: T) {
        if let Some(v) = self.value(&path, &n) {
            self.push(path, Action::Arithmetic('-', v));
        }
    }

    /// `SET path = if_not_exists(path, 0) + other` where `other` is another attribute.
    pub fn add_field(&mut self, path: Path, other: Path) {
        self.push(path, Action::ArithmeticWith('+', other));
    }

    /// `SET path = if_not_exists(path, 0) - other` where `other` is another attribute.
    pub fn subtract_field(&mut self, path: Path, other: Path) {
        self.push(path, Action::ArithmeticWith('-', other));
    }

    /// Appends (or prepends) elements to a list, creating it if missing.
    pub fn list_append<T: ListElement>(&mut self, path: Path, values: &[T], prepend: bool) {
        if values.is_empty() {
            return;
        }
        let mut encoded = Vec::with_capacity(values.len());
        for v in values {
            match v.encode() {
                Ok(v) => encoded.push(v.unwrap_or(AttributeValue::Null(true))),
                Err(e) => {
                    return self.fail(Problem::Expression(format!(
                        "a value for `{path}` cannot be stored: {e}"
                    )));
                }
            }
        }
        self.push(
            path,
            Action::ListAppend {
                values: AttributeValue::L(encoded),
                prepend,
            },
        );
    }

    /// `ADD path members` on a set; adding no members changes nothing.
    pub fn add_to_set<T: AttributeCodec>(&mut self, path: Path, members: &T) {
        match members.encode() {
            Ok(Some(v)) => self.push(path, Action::SetAdd(v)),
            Ok(None) => {}
            Err(e) => self.fail(Problem::Expression(format!(
                "members for `{path}` cannot be stored: {e}"
            ))),
        }
    }

    /// `DELETE path members` on a set; deleting no members changes nothing.
    pub fn delete_from_set<T: AttributeCodec>(&mut self, path: Path, members: &T) {
        match members.encode() {
            Ok(Some(v)) => self.push(path, Action::SetDelete(v)),
            Ok(None) => {}
            Err(e) => self.fail(Problem::Expression(format!(
                "members for `{path}` cannot be stored: {e}"
            ))),
        }
    }

    /// Adds a condition the stored item must meet (the expected version, for instance).
    pub fn require(&mut self, condition: Condition) {
        self.conditions.push(condition);
    }

    /// Requires the stored `version` attribute to equal `expected` (an item never written
    /// has version 0: then the attribute must be missing).
    pub fn expect_version(&mut self, attribute: &'static str, expected: i64) {
        self.require(version_condition(attribute, expected));
    }

    /// The update expression and the update's own conditions, rendered with `placeholders`.
    pub(crate) fn render(
        &self,
        placeholders: &mut Placeholders,
    ) -> Result<(String, Option<Condition>)> {
        if let Some(problem) = &self.problem {
            return Err(problem.to_error());
        }
        if self.actions.is_empty() {
            return Err(Error::Expression(
                "an update needs at least one change".to_owned(),
            ));
        }
        // Every update sent is rendered here: each clause is written straight into its text,
        // and a path is rendered once (copied only where the expression repeats it).
        use std::fmt::Write;
        let (mut set, mut remove, mut add, mut delete) =
            (String::new(), String::new(), String::new(), String::new());
        for (path, action) in &self.actions {
            let out = match action {
                Action::Remove => &mut remove,
                Action::SetAdd(_) => &mut add,
                Action::SetDelete(_) => &mut delete,
                _ => &mut set,
            };
            if !out.is_empty() {
                out.push_str(", ");
            }
            let start = out.len();
            placeholders.push_path(out, path);
            let p = || out[start..].to_owned();
            match action {
                Action::Set(v) => {
                    out.push_str(" = ");
                    placeholders.push_value(out, v.clone());
                }
                Action::SetIfNotExists(v) => {
                    let p = p();
                    let v = placeholders.value(v.clone());
                    let _ = write!(out, " = if_not_exists({p}, {v})");
                }
                Action::Arithmetic(op, v) => {
                    let p = p();
                    let zero = placeholders.value(AttributeValue::N("0".to_owned()));
                    let v = placeholders.value(v.clone());
                    let _ = write!(out, " = if_not_exists({p}, {zero}) {op} {v}");
                }
                Action::ArithmeticWith(op, other) => {
                    let p = p();
                    let zero = placeholders.value(AttributeValue::N("0".to_owned()));
                    let other = placeholders.path(other);
                    let _ = write!(out, " = if_not_exists({p}, {zero}) {op} {other}");
                }
                Action::ListAppend { values, prepend } => {
                    let p = p();
                    let empty = placeholders.value(AttributeValue::L(Vec::new()));
                    let v = placeholders.value(values.clone());
                    let current = format!("if_not_exists({p}, {empty})");
                    let _ = if *prepend {
                        write!(out, " = list_append({v}, {current})")
                    } else {
                        write!(out, " = list_append({current}, {v})")
                    };
                }
                Action::SetAdd(v) | Action::SetDelete(v) => {
                    out.push(' ');
                    placeholders.push_value(out, v.clone());
                }
                Action::Remove => {}
            }
        }
        let mut expression =
            String::with_capacity(set.len() + remove.len() + add.len() + delete.len() + 24);
        for (keyword, clause) in [
            ("SET ", set),
            ("REMOVE ", remove),
            ("ADD ", add),
            ("DELETE ", delete),
        ] {
            if !clause.is_empty() {
                if !expression.is_empty() {
                    expression.push(' ');
                }
                expression.push_str(keyword);
                expression.push_str(&clause);
            }
        }
        check_expression_length("update", &expression)?;
        let condition = self.conditions.iter().cloned().reduce(Condition::and);
        Ok((expression, condition))
    }

    /// Completes the update for its key before it is rendered: rewrites the index keys
    /// built from attributes it changes, adds a condition per given value it does not
    /// change, and for an upsert refuses a creation that would lack a required attribute and
    /// writes what a created item needs (type attribute, key fields, defaults and index keys,
    /// all `if_not_exists` but the first two).
    pub(crate) fn prepare(
        &mut self,
        entity: &'static str,
        type_attribute: &'static str,
        key: &Key<E>,
        upsert: bool,
    ) -> Result<Guards> {
        if let Some(problem) = &self.problem {
            return Err(problem.to_error());
        }
        let rules = self.rules;
        let mut defaults = Defaults::default();
        if let Some(rules) = rules.filter(|_| upsert || !self.given.is_empty()) {
            (rules.defaults)(&mut defaults);
        }
        let indexes = rules.map_or(&[][..], |r| r.indexes);
        let mut writes = Vec::new();
        let mut removes = Vec::new();
        let mut fills = Vec::new();
        let values = self.values(key, None);
        let mut untouched = Vec::new();
        for rule in indexes {
            if !rule.fields.iter().any(|f| self.changes(f)) {
                untouched.push(rule);
                continue;
            }
            let written = build(entity, rule, &values)?;
            for k in rule.keys {
                match written.iter().find(|(a, _)| a == k) {
                    Some((a, v)) => writes.push((*a, v.clone())),
                    None => removes.push(*k),
                }
            }
        }
        if upsert {
            let missing: Vec<&'static str> = rules
                .map_or(&[][..], |r| r.required)
                .iter()
                .copied()
                .filter(|r| !self.creates(r))
                .collect();
            if !missing.is_empty() {
                return Err(Error::IncompleteUpsert {
                    entity,
                    key: key.to_string(),
                    missing,
                });
            }
            // The keys of the other indexes, for the item as the upsert would create it.
            let created = self.values(key, Some(&defaults));
            for rule in untouched {
                fills.extend(build(entity, rule, &created)?);
            }
        }
        drop(values);
        for (attribute, value) in writes {
            match value {
                Ok(v) => self.push(Path::attr(attribute), Action::Set(AttributeValue::S(v))),
                Err(source) => self.fail(Problem::Key(entity, source)),
            }
        }
        for attribute in removes {
            self.push(Path::attr(attribute), Action::Remove);
        }
        if upsert {
            self.push(
                Path::attr(type_attribute),
                Action::Set(AttributeValue::S(entity.to_owned())),
            );
            for (attribute, value) in key.identity() {
                match value {
                    Ok(v) => self.push(Path::attr(*attribute), Action::Set(v.clone())),
                    Err(source) => self.fail(Problem::Key(entity, source.clone())),
                }
            }
            let fills = fills
                .into_iter()
                .map(|(a, v)| (a, v.map(AttributeValue::S)));
            let defaults = defaults.iter().map(|(a, v)| (*a, Ok(v.clone())));
            for (attribute, value) in defaults.chain(fills) {
                if self.touches(attribute) {
                    continue;
                }
                match value {
                    Ok(v) => self.push(Path::attr(attribute), Action::SetIfNotExists(v)),
                    Err(source) => self.fail(Problem::Key(entity, source)),
                }
            }
        }
        let mut guards = Guards {
            guards: Vec::new(),
            upsert,
        };
        for (attribute, expected) in std::mem::take(&mut self.given) {
            if self.changes(attribute) {
                continue; // the update writes it: the keys are built from the new value
            }
            let path = Path::attr(attribute);
            let default = defaults.get(attribute).cloned();
            let condition = match &expected {
                None => Condition::NotExists(path),
                Some(v) => {
                    let eq = Condition::Compare(
                        Operand::Path(path.clone()),
                        Comparison::Eq,
                        Operand::Value(v.clone()),
                    );
                    // A missing attribute reads as its default.
                    if default.as_ref() == Some(v) {
                        eq.or(Condition::NotExists(path))
                    } else {
                        eq
                    }
                }
            };
            self.conditions.push(condition);
            guards.guards.push(Guard {
                attribute,
                expected,
                default,
            });
        }
        match &self.problem {
            Some(problem) => Err(problem.to_error()),
            None => Ok(guards),
        }
    }

    /// What the update leaves stored, as far as the request knows (see [`values`]).
    fn values<'a>(&'a self, key: &'a Key<E>, defaults: Option<&'a Defaults>) -> Values<'a> {
        let changes = self.actions.iter().filter_map(|(path, action)| {
            let change = match action {
                Action::Set(v) => Change::Set(v),
                Action::Remove => Change::Remove,
                Action::SetIfNotExists(v) => Change::SetIfMissing(v),
                _ => Change::Computed,
            };
            top_level(path).map(|name| (name, change))
        });
        values(changes, &self.given, key.identity(), defaults)
    }

    /// What the update does to the top-level `attribute`, if anything (the last change).
    pub(crate) fn change_of(&self, attribute: &str) -> Option<Change<'_>> {
        let (_, action) = self
            .actions
            .iter()
            .rev()
            .find(|(path, _)| top_level(path) == Some(attribute))?;
        Some(match action {
            Action::Set(v) => Change::Set(v),
            Action::Remove => Change::Remove,
            Action::SetIfNotExists(v) => Change::SetIfMissing(v),
            _ => Change::Computed,
        })
    }

    /// Whether the update changes the top-level `attribute` to a value it knows or DynamoDB
    /// computes. Setting a value only if none is stored is no change: an existing item keeps
    /// its value and the index keys built from it.
    fn changes(&self, attribute: &str) -> bool {
        self.actions.iter().any(|(p, a)| {
            top_level(p) == Some(attribute) && !matches!(a, Action::SetIfNotExists(_))
        })
    }

    /// Whether the update leaves a value in the top-level `attribute` of an item it creates.
    fn creates(&self, attribute: &str) -> bool {
        self.actions.iter().any(|(p, a)| {
            top_level(p) == Some(attribute) && !matches!(a, Action::Remove | Action::SetDelete(_))
        })
    }

    /// Whether the update changes the top-level `attribute` or anything inside it.
    fn touches(&self, attribute: &str) -> bool {
        self.actions
            .iter()
            .any(|(p, _)| matches!(p.0.first(), Some(PathSegment::Field(f)) if f == attribute))
    }
}

/// The name of a top-level attribute path.
fn top_level(path: &Path) -> Option<&str> {
    match path.0.as_slice() {
        [PathSegment::Field(name)] => Some(name),
        _ => None,
    }
}

/// The conversions of a generated update builder, a newtype over [`Update`]:
/// `impl_update!(Builder => Entity)` gives `From<Builder> for Update<Entity>` and
/// [`NestedUpdate`]. They are the same for every entity, so they are written once here.
#[doc(hidden)]
#[macro_export]
macro_rules! __impl_update {
    ($builder:ident => $entity:ty) => {
        impl ::std::convert::From<$builder> for $crate::Update<$entity> {
            fn from(update: $builder) -> Self {
                update.0
            }
        }
        impl $crate::NestedUpdate for $builder {
            type Entity = $entity;
            fn changes(&mut self) -> &mut $crate::Update<$entity> {
                &mut self.0
            }
        }
    };
}

/// Typed changes of values nested in documents, lists and maps, for every generated update
/// builder. The paths come from the entity's generated field handles (`User::fields()`), which
/// only reach into attributes that may change.
pub trait NestedUpdate: Sized {
    /// The entity updated.
    type Entity;

    /// The underlying change list.
    #[doc(hidden)]
    fn changes(&mut self) -> &mut Update<Self::Entity>;

    /// Applies `change` to the underlying change list and returns the update: how each
    /// generated setter is written (`self.with(|u| u.set(..))`).
    #[doc(hidden)]
    fn with(mut self, change: impl FnOnce(&mut Update<Self::Entity>)) -> Self {
        change(self.changes());
        self
    }

    /// `SET path = value`.
    fn set_at<T: AttributeCodec, K: kind::Writable>(
        mut self,
        field: Field<T, K>,
        value: impl Into<T>,
    ) -> Self {
        self.changes().set(field.path().clone(), &value.into());
        self
    }

    /// `SET path = if_not_exists(path, value)`.
    fn set_if_not_exists_at<T: AttributeCodec, K: kind::Writable>(
        mut self,
        field: Field<T, K>,
        value: impl Into<T>,
    ) -> Self {
        self.changes()
            .set_if_not_exists(field.path().clone(), &value.into());
        self
    }

    /// `REMOVE path` of an optional nested value.
    fn remove_at<T>(mut self, field: Field<T, kind::NestedOptional>) -> Self {
        self.changes().remove(field.path().clone());
        self
    }

    /// Adds `n` to a nested number.
    fn add_at<T: Number, K: kind::Writable>(mut self, field: Field<T, K>, n: T) -> Self {
        self.changes().add(field.path().clone(), n);
        self
    }

    /// Subtracts `n` from a nested number.
    fn subtract_at<T: Number, K: kind::Writable>(mut self, field: Field<T, K>, n: T) -> Self {
        self.changes().subtract(field.path().clone(), n);
        self
    }

    /// Appends elements to a nested list.
    fn append_at<T: ListElement, K: kind::Writable>(
        mut self,
        field: Field<Vec<T>, K>,
        values: impl IntoIterator<Item = T>,
    ) -> Self {
        let values: Vec<T> = values.into_iter().collect();
        self.changes()
            .list_append(field.path().clone(), &values, false);
        self
    }

    /// Prepends elements to a nested list.
    fn prepend_at<T: ListElement, K: kind::Writable>(
        mut self,
        field: Field<Vec<T>, K>,
        values: impl IntoIterator<Item = T>,
    ) -> Self {
        let values: Vec<T> = values.into_iter().collect();
        self.changes()
            .list_append(field.path().clone(), &values, true);
        self
    }

    /// Removes the element at `index` of a list (later elements move up).
    fn remove_element<T, K: kind::Reachable>(
        mut self,
        field: Field<Vec<T>, K>,
        index: usize,
    ) -> Self {
        self.changes().remove(field.path().clone().index(index));
        self
    }

    /// Removes the entry `key` of a map.
    fn remove_entry<T, K: kind::Reachable>(
        mut self,
        field: Field<std::collections::BTreeMap<String, T>, K>,
        key: &str,
    ) -> Self {
        self.changes().remove(field.path().clone().field(key));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Thing;

    #[test]
    fn renders_every_clause_through_placeholders() {
        let mut u: Update<Thing> = Update::new();
        u.set(Path::attr("name"), &"x".to_owned());
        u.add(Path::attr("count"), 2i64);
        u.subtract_field(Path::attr("stock"), Path::attr("reserved"));
        u.list_append(Path::attr("tags"), &["a".to_owned()], false);
        u.add_to_set(
            Path::attr("roles"),
            &std::collections::BTreeSet::from(["admin".to_owned()]),
        );
        u.remove(Path::attr("lines").index(1));
        u.set(Path::attr("name"), &"y".to_owned()); // replaces the first
        let mut p = Placeholders::default();
        let (text, _) = u.render(&mut p).unwrap();
        assert_eq!(
            text,
            "SET #n0 = if_not_exists(#n0, :v0) + :v1, #n1 = if_not_exists(#n1, :v2) - #n2, \
             #n3 = list_append(if_not_exists(#n3, :v3), :v4), #n6 = :v6 \
             REMOVE #n5[1] ADD #n4 :v5"
        );
    }

    #[test]
    fn overlapping_paths_and_bad_values_are_errors() {
        let mut u: Update<Thing> = Update::new();
        u.set(Path::attr("address"), &"x".to_owned());
        u.set(Path::attr("address").field("city"), &"y".to_owned());
        assert!(matches!(
            u.render(&mut Placeholders::default()),
            Err(Error::Expression(_))
        ));
        let mut u: Update<Thing> = Update::new();
        u.add(Path::attr("score"), f64::INFINITY);
        assert!(u.render(&mut Placeholders::default()).is_err());
        let u: Update<Thing> = Update::new();
        assert!(u.render(&mut Placeholders::default()).is_err());
    }
}
