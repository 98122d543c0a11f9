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
///
/// Every request renders its expressions anew, so rendering writes straight into one string
/// and placeholders are numbered by position; the maps the SDK wants are built once, by
/// [`Placeholders::take_names`] and [`Placeholders::take_values`].
#[derive(Debug, Default, Clone)]
pub struct Placeholders {
    /// `names[i]` is the attribute or map-field name behind `#n{i}`.
    names: Vec<String>,
    /// `values[i]` is the value behind `:v{i}`.
    values: Vec<AttributeValue>,
}

/// Appends `prefix` and the decimal `index` to `out` (`#n12`, `:v3`).
fn push_placeholder(out: &mut String, prefix: &str, index: usize) {
    out.push_str(prefix);
    if index < 10 {
        out.push(char::from(b'0' + index as u8));
    } else {
        let _ = write!(out, "{index}");
    }
}

fn placeholder(prefix: &str, index: usize) -> String {
    let mut out = String::with_capacity(prefix.len() + 2);
    push_placeholder(&mut out, prefix, index);
    out
}

impl Placeholders {
    /// A placeholder (`#n0`) for an attribute or map-field name, reused for repeated names.
    pub fn name(&mut self, name: &str) -> String {
        let mut out = String::with_capacity(4);
        self.push_name(&mut out, name);
        out
    }

    fn push_name(&mut self, out: &mut String, name: &str) {
        let index = match self.names.iter().position(|n| n == name) {
            Some(index) => index,
            None => {
                self.names.push(name.to_owned());
                self.names.len() - 1
            }
        };
        push_placeholder(out, "#n", index);
    }

    /// A placeholder (`:v0`) for a value.
    pub fn value(&mut self, value: AttributeValue) -> String {
        let mut out = String::with_capacity(4);
        self.push_value(&mut out, value);
        out
    }

    /// Appends a placeholder for `value` to `out`.
    pub(crate) fn push_value(&mut self, out: &mut String, value: AttributeValue) {
        self.values.push(value);
        push_placeholder(out, ":v", self.values.len() - 1);
    }

    /// Renders a document path with name placeholders.
    pub fn path(&mut self, path: &Path) -> String {
        let mut out = String::with_capacity(4 * path.0.len());
        self.push_path(&mut out, path);
        out
    }

    /// Appends `path`, rendered with name placeholders, to `out`.
    pub(crate) fn push_path(&mut self, out: &mut String, path: &Path) {
        for (i, seg) in path.0.iter().enumerate() {
            match seg {
                PathSegment::Field(f) => {
                    if i > 0 {
                        out.push('.');
                    }
                    self.push_name(out, f);
                }
                PathSegment::Index(i) => {
                    let _ = write!(out, "[{i}]");
                }
            }
        }
    }

    fn push_operand(&mut self, out: &mut String, operand: &Operand) {
        match operand {
            Operand::Value(v) => self.push_value(out, v.clone()),
            Operand::Path(p) => self.push_path(out, p),
            Operand::Size(p) => {
                out.push_str("size(");
                self.push_path(out, p);
                out.push(')');
            }
        }
    }

    /// Renders a condition, registering its names and values, or says why it cannot be sent.
    pub fn condition(&mut self, condition: &Condition) -> Result<String, Error> {
        let mut text = String::with_capacity(32);
        self.render(&mut text, condition)?;
        check_expression_length("condition", &text)?;
        Ok(text)
    }

    fn render(&mut self, out: &mut String, condition: &Condition) -> Result<(), Error> {
        match condition {
            Condition::Compare(a, op, b) => {
                self.push_operand(out, a);
                out.push(' ');
                out.push_str(op.symbol());
                out.push(' ');
                self.push_operand(out, b);
            }
            Condition::Between(p, lo, hi) => {
                self.push_path(out, p);
                out.push_str(" BETWEEN ");
                self.push_value(out, lo.clone());
                out.push_str(" AND ");
                self.push_value(out, hi.clone());
            }
            Condition::In(p, values) => {
                if values.len() > MAX_IN_VALUES {
                    return Err(Error::Limit(LimitError {
                        what: format!("number of IN values for `{p}`"),
                        actual: values.len(),
                        limit: MAX_IN_VALUES,
                    }));
                }
                self.push_path(out, p);
                out.push_str(" IN (");
                for (i, v) in values.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    self.push_value(out, v.clone());
                }
                out.push(')');
            }
            Condition::BeginsWith(p, v) => self.function(out, "begins_with(", p, Some(v)),
            Condition::Contains(p, v) => self.function(out, "contains(", p, Some(v)),
            Condition::Exists(p) => self.function(out, "attribute_exists(", p, None),
            Condition::NotExists(p) => self.function(out, "attribute_not_exists(", p, None),
            Condition::AttributeType(p, t) => {
                let t = AttributeValue::S((*t).to_owned());
                self.function(out, "attribute_type(", p, Some(&t));
            }
            Condition::And(all) => self.join(out, all, " AND ")?,
            Condition::Or(any) => self.join(out, any, " OR ")?,
            Condition::Not(c) => {
                out.push_str("NOT (");
                self.render(out, c)?;
                out.push(')');
            }
            Condition::Invalid(problem) => return Err(Error::Expression(problem.clone())),
        }
        Ok(())
    }

    /// `name(path)` or `name(path, value)`; `name` comes with its opening parenthesis.
    fn function(&mut self, out: &mut String, name: &str, p: &Path, value: Option<&AttributeValue>) {
        out.push_str(name);
        self.push_path(out, p);
        if let Some(v) = value {
            out.push_str(", ");
            self.push_value(out, v.clone());
        }
        out.push(')');
    }

    fn join(
        &mut self,
        out: &mut String,
        parts: &[Condition],
        separator: &str,
    ) -> Result<(), Error> {
        for (i, c) in parts.iter().enumerate() {
            if i > 0 {
                out.push_str(separator);
            }
            out.push('(');
            self.render(out, c)?;
            out.push(')');
        }
        Ok(())
    }

    /// The collected names, or `None` when there are none (the SDK rejects empty maps).
    pub fn take_names(&mut self) -> Option<HashMap<String, String>> {
        if self.names.is_empty() {
            return None;
        }
        let names = std::mem::take(&mut self.names);
        Some(
            names
                .into_iter()
                .enumerate()
                .map(|(i, name)| (placeholder("#n", i), name))
                .collect(),
        )
    }

    /// The collected values, or `None` when there are none.
    pub fn take_values(&mut self) -> Option<HashMap<String, AttributeValue>> {
        if self.values.is_empty() {
            return None;
        }
        let values = std::mem::take(&mut self.values);
        Some(
            values
                .into_iter()
                .enumerate()
                .map(|(i, value)| (placeholder(":v", i), value))
                .collect(),
        )
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
