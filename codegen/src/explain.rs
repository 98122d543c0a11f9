//! `codegen explain`: the exact requests an access pattern sends, for each narrowing stage
//! its generated API offers (the bare partition, then each sort-key field's `eq`, `lt`, `lte`,
//! `gt`, `gte`, `between` and `begins_with`), with example key values.
//!
//! The requests are worked out from the model the way the runtime builds them
//! (`singletable::query`): placeholders `#n0`, `:v0` numbered in the order the key condition,
//! the filter and the projection use them, the type filter, the sort-key bounds of each
//! narrowing (an `_lt` reads up to its bound and drops the key equal to it). The `tests`
//! crate sends the same calls to DynamoDB Local and compares the captured requests with these.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::diagnostics::suggest;
use crate::emit::query::{key_attributes, method_prefix, offers_begins_with, shard_count};
use crate::examples::{AttrValue, HIGH, example, literal_head, prefix_of, visible};
use crate::model::{
    AccessPattern, Derive, Entity, IndexKind, Model, Order, PatternTarget, Projection, Template,
    TemplateField, TemplatePart,
};

/// How a pattern reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// One Query on one partition.
    Query,
    /// One Query per write shard of the partition, merged in sort-key order.
    FanOut {
        /// The number of shards.
        shards: u32,
    },
    /// One Query on a multi-attribute key.
    Native,
    /// A Scan of the table or index.
    Scan,
}

impl Shape {
    /// A short description: `Query`, `Query × 4 shards (fan-out)`, `Scan`.
    pub fn describe(&self) -> String {
        match self {
            Shape::Query => "Query".to_owned(),
            Shape::FanOut { shards } => {
                format!("Query on each of {shards} shards, merged in key order (fan-out)")
            }
            Shape::Native => "Query on a multi-attribute key".to_owned(),
            Shape::Scan => "Scan".to_owned(),
        }
    }
}

/// The shape of `p`'s reads.
pub fn shape(p: &AccessPattern) -> Shape {
    if p.scan {
        Shape::Scan
    } else if p.native {
        Shape::Native
    } else if let Some(shards) = shard_count(p) {
        Shape::FanOut { shards }
    } else {
        Shape::Query
    }
}

/// One request, as the SDK sends it.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// `Query` or `Scan`.
    pub operation: &'static str,
    /// The table's name in the schema (a `Table` handle may use another).
    pub table_name: String,
    /// `IndexName`, for a secondary index.
    pub index_name: Option<String>,
    /// `KeyConditionExpression` (queries).
    pub key_condition: Option<String>,
    /// `FilterExpression`.
    pub filter: Option<String>,
    /// `ProjectionExpression`.
    pub projection: Option<String>,
    /// `Select`, when sent.
    pub select: Option<&'static str>,
    /// `ExpressionAttributeNames`.
    pub names: BTreeMap<String, String>,
    /// `ExpressionAttributeValues`.
    pub values: BTreeMap<String, AttrValue>,
    /// `ConsistentRead` (`.consistent()` sets it on the table and local indexes).
    pub consistent_read: bool,
    /// `ScanIndexForward` (queries).
    pub scan_index_forward: Option<bool>,
    /// `Limit` (`.limit(n)` sets it).
    pub limit: Option<i32>,
}

/// One way of calling the pattern and the requests it sends.
#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    /// The narrowing method last called (`status_eq`); `partition` for the bare call,
    /// `across` for the bucket walk, `scan` for a scan.
    pub method: String,
    /// The Rust call with the example values.
    pub call: String,
    /// The requests of the first page: one, or one per shard.
    pub requests: Vec<Request>,
    /// A sort key value the runtime drops from the results (an `_lt` bound it read).
    pub dropped: Option<String>,
}

/// What `explain` says about one pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// The pattern's name.
    pub pattern: String,
    /// Its `doc:`.
    pub doc: Option<String>,
    /// How it reads.
    pub shape: Shape,
    /// Every stage, the bare call first.
    pub stages: Vec<Stage>,
}

/// The names of a request's placeholders, numbered the way the runtime numbers them.
#[derive(Default)]
struct Placeholders {
    names: Vec<String>,
    values: Vec<AttrValue>,
}

impl Placeholders {
    fn name(&mut self, name: &str) -> String {
        let i = match self.names.iter().position(|n| n == name) {
            Some(i) => i,
            None => {
                self.names.push(name.to_owned());
                self.names.len() - 1
            }
        };
        format!("#n{i}")
    }

    fn value(&mut self, value: AttrValue) -> String {
        self.values.push(value);
        format!(":v{}", self.values.len() - 1)
    }
}

/// A condition on one key attribute.
#[derive(Debug, Clone, PartialEq)]
enum Cond {
    Eq(AttrValue),
    Lt(AttrValue),
    Le(AttrValue),
    Gt(AttrValue),
    Ge(AttrValue),
    Between(AttrValue, AttrValue),
    BeginsWith(AttrValue),
}

impl Cond {
    fn render(self, name: &str, p: &mut Placeholders) -> String {
        match self {
            Cond::Eq(v) => format!("{name} = {}", p.value(v)),
            Cond::Lt(v) => format!("{name} < {}", p.value(v)),
            Cond::Le(v) => format!("{name} <= {}", p.value(v)),
            Cond::Gt(v) => format!("{name} > {}", p.value(v)),
            Cond::Ge(v) => format!("{name} >= {}", p.value(v)),
            Cond::Between(a, b) => {
                let a = p.value(a);
                format!("{name} BETWEEN {a} AND {}", p.value(b))
            }
            Cond::BeginsWith(v) => format!("begins_with({name}, {})", p.value(v)),
        }
    }
}

/// A narrowing operator of the generated API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
    Between,
    BeginsWith,
}

impl Op {
    fn method(self) -> &'static str {
        match self {
            Op::Eq => "eq",
            Op::Lt => "lt",
            Op::Le => "lte",
            Op::Gt => "gt",
            Op::Ge => "gte",
            Op::Between => "between",
            Op::BeginsWith => "begins_with",
        }
    }
}

/// The key condition of one field of a formatted sort key narrowed by `op` with the fields
/// before it fixed: `prefix` is the key text before the field, `tail` the literal text after
/// it (`None` when it ends the template). The runtime's `Narrow::condition`.
fn narrow(
    op: Op,
    low: String,
    high: String,
    prefix: &str,
    tail: Option<&str>,
) -> (Cond, Option<String>) {
    let s = AttrValue::S;
    let join = |v: &str| format!("{prefix}{v}");
    let through = |v: &str| match tail {
        Some(t) => format!("{prefix}{v}{t}{HIGH}"),
        None => format!("{prefix}{v}"),
    };
    let from = |v: &str| format!("{prefix}{v}{}", tail.unwrap_or(""));
    let ceiling = format!("{prefix}{HIGH}");
    if prefix.is_empty() {
        let cond = match op {
            Op::Eq => match tail {
                Some(t) => Cond::BeginsWith(s(format!("{low}{t}"))),
                None => Cond::Eq(s(low)),
            },
            Op::Lt => Cond::Lt(s(from(&low))),
            Op::Le => Cond::Le(s(through(&low))),
            Op::Gt => Cond::Gt(s(through(&low))),
            Op::Ge => Cond::Ge(s(from(&low))),
            Op::Between => Cond::Between(s(from(&low)), s(through(&high))),
            Op::BeginsWith => Cond::BeginsWith(s(low)),
        };
        return (cond, None);
    }
    match op {
        Op::Eq => match tail {
            Some(t) => (Cond::BeginsWith(s(format!("{prefix}{low}{t}"))), None),
            None => (Cond::Eq(s(join(&low))), None),
        },
        Op::BeginsWith => (Cond::BeginsWith(s(join(&low))), None),
        Op::Ge => (Cond::Between(s(from(&low)), s(ceiling)), None),
        Op::Gt => {
            let from = match tail {
                Some(_) => through(&low),
                None => format!("{prefix}{low}\u{0}"),
            };
            (Cond::Between(s(from), s(ceiling)), None)
        }
        Op::Le => (Cond::Between(s(prefix.to_owned()), s(through(&low))), None),
        Op::Lt => {
            let bound = from(&low);
            (
                Cond::Between(s(prefix.to_owned()), s(bound.clone())),
                Some(bound),
            )
        }
        Op::Between => (Cond::Between(s(from(&low)), s(through(&high))), None),
    }
}

/// What one request of a pattern holds besides its key condition.
struct Common<'m> {
    model: &'m Model,
    p: &'m AccessPattern,
    /// Entity names the type filter keeps (empty: no filter).
    types: Vec<String>,
    /// `ProjectionExpression` attributes.
    projection: Option<Vec<String>>,
    /// `Select=ALL_PROJECTED_ATTRIBUTES` for a keys-only index.
    select: Option<&'static str>,
}

impl Common<'_> {
    /// A request with key condition parts `key` (attribute, condition), in order.
    fn request(&self, key: Option<Vec<(String, Cond)>>) -> Request {
        let mut ph = Placeholders::default();
        let key_condition = key.map(|parts| {
            parts
                .into_iter()
                .map(|(attribute, cond)| {
                    let name = ph.name(&attribute);
                    cond.render(&name, &mut ph)
                })
                .collect::<Vec<_>>()
                .join(" AND ")
        });
        let filter = (!self.types.is_empty()).then(|| {
            let name = ph.name(&self.model.table.type_attribute);
            let values: Vec<String> = self
                .types
                .iter()
                .map(|t| ph.value(AttrValue::S(t.clone())))
                .collect();
            format!("{name} IN ({})", values.join(", "))
        });
        let projection = self.projection.as_ref().map(|attributes| {
            attributes
                .iter()
                .map(|a| ph.name(a))
                .collect::<Vec<_>>()
                .join(", ")
        });
        let index_name = (self.p.kind != IndexKind::Primary).then(|| self.p.index.clone());
        let scan = key_condition.is_none();
        Request {
            operation: if scan { "Scan" } else { "Query" },
            table_name: self.model.table.name.clone(),
            index_name,
            key_condition,
            filter,
            projection,
            select: self.select,
            names: ph
                .names
                .into_iter()
                .enumerate()
                .map(|(i, n)| (format!("#n{i}"), n))
                .collect(),
            values: ph
                .values
                .into_iter()
                .enumerate()
                .map(|(i, v)| (format!(":v{i}"), v))
                .collect(),
            consistent_read: false,
            scan_index_forward: (!scan).then_some(self.p.order == Order::Asc),
            limit: None,
        }
    }
}

/// The entity a pattern's function belongs to and the function's Rust path prefix.
fn owner<'m>(model: &'m Model, p: &AccessPattern) -> Option<(&'m Entity, String)> {
    match &p.target {
        PatternTarget::Entity(name) => {
            let e = model.entity(name)?;
            Some((e, format!("{}::{}", e.rust_name, p.rust_name)))
        }
        PatternTarget::Collection(names) => {
            let e = model.entity(names.first()?)?;
            Some((
                e,
                format!(
                    "{}::query",
                    heck::ToUpperCamelCase::to_upper_camel_case(p.name.as_str())
                ),
            ))
        }
    }
}

/// The example arguments of a pattern's function: its partition fields but a shard.
fn call_args(model: &Model, p: &AccessPattern) -> String {
    p.partition
        .fields()
        .filter(|f| !matches!(f.derive, Some(Derive::Shard(_))))
        .map(|f| example(model, f, 1, model.table.delimiter).rust)
        .collect::<Vec<_>>()
        .join(", ")
}

fn unescape(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            out.extend(chars.next());
        } else {
            out.push(c);
        }
    }
    out
}

/// The operators offered on a field, with the Rust arguments and the values they compare.
fn operations(
    model: &Model,
    f: &TemplateField,
    native: bool,
) -> Vec<(Op, String, AttrValue, AttrValue)> {
    let d = model.table.delimiter;
    let (one, two) = (example(model, f, 1, d), example(model, f, 2, d));
    let (low, high) = if native {
        (one.attribute.clone(), two.attribute.clone())
    } else {
        (AttrValue::S(one.key.clone()), AttrValue::S(two.key.clone()))
    };
    let mut out: Vec<_> = [Op::Eq, Op::Lt, Op::Le, Op::Gt, Op::Ge]
        .into_iter()
        .map(|op| (op, one.rust.clone(), low.clone(), high.clone()))
        .collect();
    out.push((
        Op::Between,
        format!("{}, {}", one.rust, two.rust),
        low.clone(),
        high,
    ));
    if offers_begins_with(f, native) {
        // The prefix is passed as the stored text it matches.
        let source = match &one.attribute {
            AttrValue::S(s) if native => s.clone(),
            _ => unescape(&one.key),
        };
        let prefix = unescape(&prefix_of(&crate::examples::escape(&source, d)));
        let value = if native {
            AttrValue::S(prefix.clone())
        } else {
            AttrValue::S(crate::examples::escape(&prefix, d))
        };
        out.push((Op::BeginsWith, format!("{prefix:?}"), value.clone(), value));
    }
    out
}

fn text(v: &AttrValue) -> String {
    match v {
        AttrValue::S(s) | AttrValue::N(s) => s.clone(),
    }
}

/// Works out the requests of pattern `name`, or an error naming the close pattern names.
pub fn explain(model: &Model, name: &str) -> Result<Explanation, String> {
    let Some(p) = model.access_patterns.iter().find(|p| p.name == name) else {
        let names: Vec<&str> = model
            .access_patterns
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        return Err(format!(
            "no access pattern `{name}` in the schema; {}",
            suggest(name, &names)
        ));
    };
    let (entity, function) =
        owner(model, p).ok_or_else(|| format!("pattern `{name}` reads no known entity"))?;
    let d = model.table.delimiter;
    // What is read: `select:`, or the index's projection if it is not the whole item.
    let selected = p.select.clone().map(Projection::Include);
    let partial = model
        .index(&p.index)
        .map(|i| &i.projection)
        .filter(|pr| **pr != Projection::All);
    let read = selected.as_ref().or(partial);
    let keys_only = read == Some(&Projection::KeysOnly);
    let types = match &p.target {
        _ if keys_only => Vec::new(),
        PatternTarget::Entity(e) => vec![e.clone()],
        PatternTarget::Collection(names) => names
            .iter()
            .filter(|n| model.entity(n).is_some())
            .cloned()
            .collect(),
    };
    let native_first_is_type = p.native
        && p.partition
            .fields()
            .next()
            .map(|f| stored(entity, f))
            .is_some_and(|a| a == model.table.type_attribute);
    let projection = p.select.as_ref().map(|sel| {
        let mut attributes: Vec<String> = key_attributes(model, p)
            .into_iter()
            .map(str::to_owned)
            .collect();
        for a in sel {
            if !attributes.contains(a) {
                attributes.push(a.clone());
            }
        }
        attributes
    });
    let common = Common {
        model,
        p,
        types: if native_first_is_type {
            Vec::new()
        } else {
            types
        },
        select: (keys_only && projection.is_none()).then_some("ALL_PROJECTED_ATTRIBUTES"),
        projection,
    };
    let base_call = format!("{function}({})", call_args(model, p));
    let shape = shape(p);
    let mut stages = Vec::new();
    if p.scan {
        stages.push(Stage {
            method: "scan".to_owned(),
            call: format!("{function}()"),
            requests: vec![common.request(None)],
            dropped: None,
        });
    } else if p.native {
        let partition: Vec<(String, Cond)> = p
            .partition
            .fields()
            .map(|f| {
                (
                    stored(entity, f),
                    Cond::Eq(example(model, f, 1, d).attribute),
                )
            })
            .collect();
        stages.push(Stage {
            method: "partition".to_owned(),
            call: base_call.clone(),
            requests: vec![common.request(Some(partition.clone()))],
            dropped: None,
        });
        let fields: Vec<&TemplateField> = sort_template(p)
            .map(|s| s.fields().collect())
            .unwrap_or_default();
        for (i, f) in fields.iter().enumerate() {
            let mut fixed = partition.clone();
            let mut call = base_call.clone();
            for g in &fields[..i] {
                let one = example(model, g, 1, d);
                fixed.push((stored(entity, g), Cond::Eq(one.attribute)));
                call.push_str(&format!(".{}_eq({})", method_prefix(g), one.rust));
            }
            for (op, args, low, high) in operations(model, f, true) {
                let cond = match op {
                    Op::Eq => Cond::Eq(low),
                    Op::Lt => Cond::Lt(low),
                    Op::Le => Cond::Le(low),
                    Op::Gt => Cond::Gt(low),
                    Op::Ge => Cond::Ge(low),
                    Op::Between => Cond::Between(low, high),
                    Op::BeginsWith => Cond::BeginsWith(low),
                };
                let mut key = fixed.clone();
                key.push((stored(entity, f), cond));
                let method = format!("{}_{}", method_prefix(f), op.method());
                stages.push(Stage {
                    call: format!("{call}.{method}({args})"),
                    method,
                    requests: vec![common.request(Some(key))],
                    dropped: None,
                });
            }
        }
    } else {
        let shards = shard_count(p).unwrap_or(1);
        let partitions: Vec<AttrValue> = (0..shards)
            .map(|i| AttrValue::S(crate::examples::format(model, &p.partition, i, 1)))
            .collect();
        let pk = p.partition.attribute.clone();
        let sort = match p.target {
            PatternTarget::Entity(_) => sort_template(p),
            PatternTarget::Collection(_) => None,
        };
        let requests = |sort: Option<(String, Cond)>| -> Vec<Request> {
            partitions
                .iter()
                .map(|v| {
                    let mut key = vec![(pk.clone(), Cond::Eq(v.clone()))];
                    key.extend(sort.clone());
                    common.request(Some(key))
                })
                .collect()
        };
        // The bare call: a constant sort key, or the sort template's literal head.
        let default = sort.and_then(|s| {
            let head = literal_head(s);
            if s.fields().next().is_none() {
                Some((s.attribute.clone(), Cond::Eq(AttrValue::S(head))))
            } else {
                (!head.is_empty())
                    .then(|| (s.attribute.clone(), Cond::BeginsWith(AttrValue::S(head))))
            }
        });
        stages.push(Stage {
            method: "partition".to_owned(),
            call: base_call.clone(),
            requests: requests(default.clone()),
            dropped: None,
        });
        // `{pattern}_across(.., from, to)`: the first page reads the first bucket in the
        // query's order (each of its shards).
        if let (PatternTarget::Entity(_), Some(bucket)) = (&p.target, walked_bucket(p)) {
            let first = if p.order == Order::Desc { 2 } else { 1 };
            let key = |v: String| {
                let mut key = vec![(pk.clone(), Cond::Eq(AttrValue::S(v)))];
                key.extend(default.clone());
                common.request(Some(key))
            };
            let mut args: Vec<String> = p
                .partition
                .fields()
                .filter(|f| {
                    f.derive
                        .is_none_or(|d| matches!(d, Derive::Upper | Derive::Lower))
                })
                .map(|f| example(model, f, 1, d).rust)
                .collect();
            args.push(example(model, bucket, 1, d).rust);
            args.push(example(model, bucket, 2, d).rust);
            stages.push(Stage {
                method: "across".to_owned(),
                call: format!(
                    "{}::{}_across({})",
                    entity.rust_name,
                    p.rust_name.trim_start_matches("r#"),
                    args.join(", ")
                ),
                requests: (0..shards)
                    .map(|i| key(crate::examples::format(model, &p.partition, i, first)))
                    .collect(),
                dropped: None,
            });
        }
        if let Some(s) = sort {
            let fields: Vec<&TemplateField> = s.fields().collect();
            for (i, f) in fields.iter().enumerate() {
                let mut prefix = literal_head(s);
                let mut call = base_call.clone();
                for (j, g) in fields[..i].iter().enumerate() {
                    let one = example(model, g, 1, d);
                    prefix.push_str(&one.key);
                    prefix.push_str(after(s, j).unwrap_or(""));
                    call.push_str(&format!(".{}_eq({})", method_prefix(g), one.rust));
                }
                let tail = after(s, i);
                for (op, args, low, high) in operations(model, f, false) {
                    let (cond, dropped) = narrow(op, text(&low), text(&high), &prefix, tail);
                    let method = format!("{}_{}", method_prefix(f), op.method());
                    stages.push(Stage {
                        call: format!("{call}.{method}({args})"),
                        method,
                        requests: requests(Some((s.attribute.clone(), cond))),
                        dropped,
                    });
                }
            }
        }
    }
    Ok(Explanation {
        pattern: p.name.clone(),
        doc: p.doc.clone(),
        shape,
        stages,
    })
}

/// The one date bucket segment (`{at:day}`) of a pattern's partition, which its `_across`
/// function walks.
fn walked_bucket(p: &AccessPattern) -> Option<&TemplateField> {
    let mut buckets = p
        .partition
        .fields()
        .filter(|f| f.derive.is_some_and(crate::examples::is_bucket));
    match (buckets.next(), buckets.next()) {
        (Some(b), None) => Some(b),
        _ => None,
    }
}

/// The stored name of a key field's attribute.
fn stored(e: &Entity, f: &TemplateField) -> String {
    e.attribute(&f.name)
        .map_or_else(|| f.name.clone(), |a| a.stored_name.clone())
}

/// The sort template a pattern narrows (its entity's, on the index read).
pub(crate) fn sort_template(p: &AccessPattern) -> Option<&Template> {
    p.sorts.first().and_then(|(_, s)| s.as_ref())
}

/// The literal text right after field `index` of `t`: `Some("")` when another field follows
/// at once, `None` when the field ends the template (the runtime's `SortTemplate::after`).
fn after(t: &Template, index: usize) -> Option<&str> {
    let position = t
        .parts
        .iter()
        .enumerate()
        .filter(|(_, p)| matches!(p, TemplatePart::Field(_)))
        .nth(index)?
        .0;
    match t.parts.get(position + 1)? {
        TemplatePart::Literal(l) => Some(l),
        TemplatePart::Field(_) => Some(""),
    }
}

fn value_text(v: &AttrValue) -> String {
    match v {
        AttrValue::S(s) => format!("{{\"S\": {:?}}}", visible(s)).replace("\\\\u{", "\\u{"),
        AttrValue::N(n) => format!("{{\"N\": \"{n}\"}}"),
    }
}

/// Whether two requests differ in nothing but their values.
fn same_but_values(a: &Request, b: &Request) -> bool {
    let mut b = b.clone();
    b.values = a.values.clone();
    *a == b
}

/// The explanation as text for a terminal.
pub fn render_text(x: &Explanation) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}: {}", x.pattern, x.shape.describe());
    if let Some(doc) = &x.doc {
        let _ = writeln!(out, "  {doc}");
    }
    for stage in &x.stages {
        let _ = writeln!(out, "\n{}", stage.call);
        let first = stage.requests.first();
        for (i, r) in stage.requests.iter().enumerate() {
            // Another shard's request differs from the first one's only in values.
            if let Some(first) = first.filter(|f| i > 0 && same_but_values(f, r)) {
                let changed: Vec<String> = r
                    .values
                    .iter()
                    .filter(|(k, v)| first.values.get(*k) != Some(*v))
                    .map(|(k, v)| format!("{k:?}: {}", value_text(v)))
                    .collect();
                let _ = writeln!(out, "  shard {i}: the same with {{{}}}", changed.join(", "));
                continue;
            }
            let indent = if stage.requests.len() > 1 {
                let _ = writeln!(out, "  shard {i}:");
                "    "
            } else {
                "  "
            };
            let _ = writeln!(out, "{indent}{}", r.operation);
            let mut line = |k: &str, v: &str| {
                let _ = writeln!(out, "{indent}  {k:<26}{v}");
            };
            line("TableName", &r.table_name);
            if let Some(i) = &r.index_name {
                line("IndexName", i);
            }
            if let Some(k) = &r.key_condition {
                line("KeyConditionExpression", k);
            }
            if let Some(f) = &r.filter {
                line("FilterExpression", f);
            }
            if let Some(p) = &r.projection {
                line("ProjectionExpression", p);
            }
            if let Some(s) = r.select {
                line("Select", s);
            }
            let names: Vec<String> = r
                .names
                .iter()
                .map(|(k, v)| format!("{k:?}: {v:?}"))
                .collect();
            line(
                "ExpressionAttributeNames",
                &format!("{{{}}}", names.join(", ")),
            );
            let values: Vec<String> = r
                .values
                .iter()
                .map(|(k, v)| format!("{k:?}: {}", value_text(v)))
                .collect();
            line(
                "ExpressionAttributeValues",
                &format!("{{{}}}", values.join(", ")),
            );
            line("ConsistentRead", &r.consistent_read.to_string());
            if let Some(forward) = r.scan_index_forward {
                line("ScanIndexForward", &forward.to_string());
            }
            line(
                "Limit",
                &r.limit
                    .map_or_else(|| "(none)".to_owned(), |l| l.to_string()),
            );
        }
        if stage.method == "across" {
            let _ = writeln!(
                out,
                "  (the first page reads the first bucket in the query's order; later pages read \
                 the following buckets, one after another)"
            );
        }
        if let Some(d) = &stage.dropped {
            let _ = writeln!(
                out,
                "  (the runtime drops the item whose sort key is exactly {:?} from the results)",
                visible(d)
            );
        }
    }
    out
}

/// The explanation as JSON.
pub fn to_json(x: &Explanation) -> serde_json::Value {
    let stages: Vec<serde_json::Value> = x
        .stages
        .iter()
        .map(|s| {
            let requests: Vec<serde_json::Value> = s
                .requests
                .iter()
                .map(|r| {
                    let mut m = serde_json::Map::new();
                    m.insert("operation".into(), r.operation.into());
                    m.insert("TableName".into(), r.table_name.clone().into());
                    if let Some(i) = &r.index_name {
                        m.insert("IndexName".into(), i.clone().into());
                    }
                    if let Some(k) = &r.key_condition {
                        m.insert("KeyConditionExpression".into(), k.clone().into());
                    }
                    if let Some(f) = &r.filter {
                        m.insert("FilterExpression".into(), f.clone().into());
                    }
                    if let Some(p) = &r.projection {
                        m.insert("ProjectionExpression".into(), p.clone().into());
                    }
                    if let Some(s) = r.select {
                        m.insert("Select".into(), s.into());
                    }
                    m.insert(
                        "ExpressionAttributeNames".into(),
                        serde_json::to_value(&r.names).unwrap_or_default(),
                    );
                    let values: serde_json::Map<String, serde_json::Value> = r
                        .values
                        .iter()
                        .map(|(k, v)| (k.clone(), v.to_json()))
                        .collect();
                    m.insert("ExpressionAttributeValues".into(), values.into());
                    m.insert("ConsistentRead".into(), r.consistent_read.into());
                    if let Some(f) = r.scan_index_forward {
                        m.insert("ScanIndexForward".into(), f.into());
                    }
                    m.insert("Limit".into(), r.limit.into());
                    m.into()
                })
                .collect();
            serde_json::json!({
                "method": s.method,
                "call": s.call,
                "requests": requests,
                "dropped_sort_key": s.dropped,
            })
        })
        .collect();
    serde_json::json!({
        "pattern": x.pattern,
        "doc": x.doc,
        "shape": x.shape.describe(),
        "stages": stages,
    })
}
