//! Condition and filter expressions, always rendered through expression attribute names and
//! values so reserved words (`status`, `name`, `size`) and odd characters are safe.
//!
//! Generated code wraps this untyped tree in per-entity builders that only offer the
//! attributes and operations the schema allows.

use std::collections::HashMap;
use std::fmt::{self, Write};

use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::{Error, LimitError};

/// DynamoDB's limit on the length of any one expression, in bytes.
pub const MAX_EXPRESSION_BYTES: usize = 4096;

/// DynamoDB's limit on the number of values of one `IN`.
pub const MAX_IN_VALUES: usize = 100;

/// Rejects an expression over DynamoDB's 4 KB limit before it is sent.
pub fn check_expression_length(what: &str, expression: &str) -> Result<(), Error> {
    if expression.len() > MAX_EXPRESSION_BYTES {
        return Err(Error::Limit(LimitError {
            what: format!("{what} expression length in bytes"),
            actual: expression.len(),
            limit: MAX_EXPRESSION_BYTES,
        }));
    }
    Ok(())
}

/// One step of a document path.
#[derive(Debug, Clone, PartialEq)]
pub enum PathSegment {
    /// A top-level attribute or a field of a map.
    Field(String),
    /// An element of a list.
    Index(usize),
}

/// A document path: `address.city`, `lines[0].sku`.
#[derive(Debug, Clone, PartialEq)]
pub struct Path(pub Vec<PathSegment>);

impl Path {
    /// A top-level attribute.
    pub fn attr(name: impl Into<String>) -> Self {
        Path(vec![PathSegment::Field(name.into())])
    }

    /// A field of this map.
    pub fn field(mut self, name: impl Into<String>) -> Self {
        self.0.push(PathSegment::Field(name.into()));
        self
    }

    /// An element of this list.
    pub fn index(mut self, index: usize) -> Self {
        self.0.push(PathSegment::Index(index));
        self
    }

    /// Whether `self` is `other` or lies inside it (or the other way round): DynamoDB
    /// rejects one update touching both.
    pub fn overlaps(&self, other: &Path) -> bool {
        self.0.iter().zip(&other.0).all(|(a, b)| a == b)
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                PathSegment::Field(name) if i == 0 => f.write_str(name)?,
                PathSegment::Field(name) => write!(f, ".{name}")?,
                PathSegment::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    /// `=`
    Eq,
    /// `<>`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl Comparison {
    fn symbol(self) -> &'static str {
        match self {
            Comparison::Eq => "=",
            Comparison::Ne => "<>",
            Comparison::Lt => "<",
            Comparison::Le => "<=",
            Comparison::Gt => ">",
            Comparison::Ge => ">=",
        }
    }
}

/// The right-hand side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// A literal value.
    Value(AttributeValue),
    /// Another attribute of the same item.
    Path(Path),
    /// `size(path)`.
    Size(Path),
}

/// A condition (for writes and transaction checks) or filter (for queries and scans).
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// `a <op> b`, where `a` is a path or `size(path)`.
    Compare(Operand, Comparison, Operand),
    /// `path BETWEEN low AND high`, inclusive.
    Between(Path, AttributeValue, AttributeValue),
    /// `path IN (v1, v2, ...)`.
    In(Path, Vec<AttributeValue>),
    /// `begins_with(path, prefix)`.
    BeginsWith(Path, AttributeValue),
    /// `contains(path, value)`: a substring of a string or a member of a set or list.
    Contains(Path, AttributeValue),
    /// `attribute_exists(path)`.
    Exists(Path),
    /// `attribute_not_exists(path)`.
    NotExists(Path),
    /// `attribute_type(path, type)` with a DynamoDB type code (`S`, `N`, `L`, `SS`, ...).
    AttributeType(Path, &'static str),
    /// All of the conditions.
    And(Vec<Condition>),
    /// Any of the conditions.
    Or(Vec<Condition>),
    /// The negation.
    Not(Box<Condition>),
    /// A condition that could not be built (a value that cannot be stored, an empty `IN`).
    /// Sending it is [`Error::Expression`]; nothing is sent.
    Invalid(String),
}

impl Condition {
    /// Both this and `other`.
    pub fn and(self, other: Condition) -> Condition {
        match self {
            Condition::And(mut all) => {
                all.push(other);
                Condition::And(all)
            }
            first => Condition::And(vec![first, other]),
        }
    }

    /// This or `other`.
    pub fn or(self, other: Condition) -> Condition {
        match self {
            Condition::Or(mut any) => {
                any.push(other);
                Condition::Or(any)
            }
            first => Condition::Or(vec![first, other]),
        }
    }

    /// The negation of this condition.
    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Condition {
        Condition::Not(Box::new(self))
    }
}

/// Collects expression attribute names and values while expressions are rendered, so several
/// expressions of one request (key condition, filter, projection) share one set.
#[derive(Debug, Default, Clone)]
pub struct Placeholders {
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

impl Placeholders {
    /// A placeholder (`#n0`) for an attribute or map-field name, reused for repeated names.
    pub fn name(&mut self, name: &str) -> String {
        if let Some((placeholder, _)) = self.names.iter().find(|(_, n)| n.as_str() == name) {
            return placeholder.clone();
        }
        let placeholder = format!("#n{}", self.names.len());
        self.names.insert(placeholder.clone(), name.to_owned());
        placeholder
    }

    /// A placeholder (`:v0`) for a value.
    pub fn value(&mut self, value: AttributeValue) -> String {
        let placeholder = format!(":v{}", self.values.len());
        self.values.insert(placeholder.clone(), value);
        placeholder
    }

    /// Renders a document path with name placeholders.
    pub fn path(&mut self, path: &Path) -> String {
        let mut out = String::new();
        for seg in &path.0 {
            match seg {
                PathSegment::Field(f) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(&self.name(f));
                }
                PathSegment::Index(i) => {
                    let _ = write!(out, "[{i}]");
                }
            }
        }
        out
    }

    fn operand(&mut self, operand: &Operand) -> String {
        match operand {
            Operand::Value(v) => self.value(v.clone()),
            Operand::Path(p) => self.path(p),
            Operand::Size(p) => format!("size({})", self.path(p)),
        }
    }

    /// Renders a condition, registering its names and values, or says why it cannot be sent.
    pub fn condition(&mut self, condition: &Condition) -> Result<String, Error> {
        let text = self.render(condition)?;
        check_expression_length("condition", &text)?;
        Ok(text)
    }

    fn render(&mut self, condition: &Condition) -> Result<String, Error> {
        Ok(match condition {
            Condition::Compare(a, op, b) => {
                let a = self.operand(a);
                let b = self.operand(b);
                format!("{a} {} {b}", op.symbol())
            }
            Condition::Between(p, lo, hi) => {
                let p = self.path(p);
                let lo = self.value(lo.clone());
                let hi = self.value(hi.clone());
                format!("{p} BETWEEN {lo} AND {hi}")
            }
            Condition::In(p, values) => {
                if values.len() > MAX_IN_VALUES {
                    return Err(Error::Limit(LimitError {
                        what: format!("number of IN values for `{p}`"),
                        actual: values.len(),
                        limit: MAX_IN_VALUES,
                    }));
                }
                let p = self.path(p);
                let list: Vec<String> = values.iter().map(|v| self.value(v.clone())).collect();
                format!("{p} IN ({})", list.join(", "))
            }
            Condition::BeginsWith(p, v) => {
                let p = self.path(p);
                format!("begins_with({p}, {})", self.value(v.clone()))
            }
            Condition::Contains(p, v) => {
                let p = self.path(p);
                format!("contains({p}, {})", self.value(v.clone()))
            }
            Condition::Exists(p) => format!("attribute_exists({})", self.path(p)),
            Condition::NotExists(p) => format!("attribute_not_exists({})", self.path(p)),
            Condition::AttributeType(p, t) => {
                let p = self.path(p);
                let t = self.value(AttributeValue::S((*t).to_owned()));
                format!("attribute_type({p}, {t})")
            }
            Condition::And(all) => self.join(all, " AND ")?,
            Condition::Or(any) => self.join(any, " OR ")?,
            Condition::Not(c) => format!("NOT ({})", self.render(c)?),
            Condition::Invalid(problem) => return Err(Error::Expression(problem.clone())),
        })
    }

    fn join(&mut self, parts: &[Condition], separator: &str) -> Result<String, Error> {
        let rendered = parts
            .iter()
            .map(|c| Ok(format!("({})", self.render(c)?)))
            .collect::<Result<Vec<String>, Error>>()?;
        Ok(rendered.join(separator))
    }

    /// The collected names, or `None` when there are none (the SDK rejects empty maps).
    pub fn take_names(&mut self) -> Option<HashMap<String, String>> {
        (!self.names.is_empty()).then(|| std::mem::take(&mut self.names))
    }

    /// The collected values, or `None` when there are none.
    pub fn take_values(&mut self) -> Option<HashMap<String, AttributeValue>> {
        (!self.values.is_empty()).then(|| std::mem::take(&mut self.values))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_with_placeholders_and_reuses_names() {
        let c = Condition::Compare(
            Operand::Path(Path::attr("status")),
            Comparison::Eq,
            Operand::Value(AttributeValue::S("paid".into())),
        )
        .and(Condition::Exists(Path::attr("status")))
        .and(Condition::Compare(
            Operand::Size(Path::attr("lines").index(0).field("sku")),
            Comparison::Gt,
            Operand::Value(AttributeValue::N("3".into())),
        ))
        .or(Condition::NotExists(Path::attr("name")).not());
        let mut p = Placeholders::default();
        let text = p.condition(&c).unwrap();
        assert_eq!(
            text,
            "((#n0 = :v0) AND (attribute_exists(#n0)) AND (size(#n1[0].#n2) > :v1)) OR \
             (NOT (attribute_not_exists(#n3)))"
        );
        let names = p.take_names().unwrap();
        assert_eq!(names["#n0"], "status");
        assert_eq!(names["#n3"], "name");
        assert_eq!(p.take_values().unwrap().len(), 2);
        assert!(p.take_names().is_none());
    }
}
