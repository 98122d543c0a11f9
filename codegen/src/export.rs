//! `codegen export cloudformation|terraform`: the schema's table as infrastructure as code.
//!
//! Both formats are rendered from one [`TableSpec`], built from the resolved model the same way
//! the generated `TABLE` definition is (the key attributes and their types come from
//! [`Model::key_attributes`], an `include` projection from [`Model::included_attributes`]), so a
//! table deployed from the export and one made by `Table::create_table` have the same keys,
//! attribute definitions, indexes and projections.
//!
//! Multi-attribute index keys (several `HASH` and `RANGE` elements in a global index's key
//! schema) are expressed in both: CloudFormation's `KeySchema` list takes them as they are, and
//! Terraform's `aws_dynamodb_table` takes them as `key_schema` blocks of a
//! `global_secondary_index` (hashicorp/aws 6.29.0 or later, whose first releases showed
//! spurious plan diffs for them; single-attribute indexes keep `hash_key`/`range_key`, which
//! every provider version reads without such diffs).

use crate::model::{IndexKind, KeyScalar, Model, Projection};

/// The infrastructure-as-code format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// An AWS CloudFormation template (JSON) with one `AWS::DynamoDB::Table` resource.
    CloudFormation,
    /// A Terraform `aws_dynamodb_table` resource (HCL).
    Terraform,
}

impl Format {
    /// `cloudformation` (or `cfn`) and `terraform` (or `tf`).
    pub fn parse(text: &str) -> Option<Format> {
        match text {
            "cloudformation" | "cfn" => Some(Format::CloudFormation),
            "terraform" | "tf" => Some(Format::Terraform),
            _ => None,
        }
    }
}

/// How the table is billed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Billing {
    /// On-demand (`PAY_PER_REQUEST`), as `Table::create_table` creates it.
    OnDemand,
    /// Provisioned capacity, the same for the table and each global index.
    Provisioned {
        /// Read capacity units.
        read: u64,
        /// Write capacity units.
        write: u64,
    },
}

/// Choices the schema does not make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The physical table name; the schema's `table.name` if `None`.
    pub table_name: Option<String>,
    /// On-demand (the default) or provisioned.
    pub billing: Billing,
    /// Point-in-time recovery (on by default).
    pub point_in_time_recovery: bool,
    /// Deletion protection (on by default); also the template's deletion policy.
    pub deletion_protection: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            table_name: None,
            billing: Billing::OnDemand,
            point_in_time_recovery: true,
            deletion_protection: true,
        }
    }
}

/// The command line of `codegen export`, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Args {
    /// The format.
    pub format: Format,
    /// The schema file.
    pub schema: String,
    /// Where to write; standard output if `None`.
    pub out: Option<String>,
    /// The options.
    pub options: Options,
}

impl Args {
    /// Parses the arguments after `export`: `FORMAT SCHEMA [--out FILE] [options]`.
    pub fn parse(args: &[String]) -> Result<Args, String> {
        let mut rest = args.iter();
        let mut format = None;
        let mut schema = None;
        let mut out = None;
        let mut options = Options::default();
        let mut billing = None;
        let mut read = None;
        let mut write = None;
        let number = |flag: &str, value: Option<&String>| -> Result<u64, String> {
            value
                .and_then(|v| v.parse::<u64>().ok())
                .filter(|n| *n >= 1)
                .ok_or_else(|| format!("{flag} takes a whole number of capacity units, 1 or more"))
        };
        while let Some(arg) = rest.next() {
            match arg.as_str() {
                "--out" => out = Some(rest.next().ok_or("--out needs a file")?.clone()),
                "--table-name" => {
                    let name = rest.next().ok_or("--table-name needs a name")?;
                    options.table_name = Some(name.clone());
                }
                "--billing" => {
                    billing = Some(match rest.next().map(String::as_str) {
                        Some("on-demand" | "pay-per-request") => false,
                        Some("provisioned") => true,
                        other => {
                            return Err(format!(
                                "--billing takes on-demand or provisioned, not {other:?}"
                            ));
                        }
                    })
                }
                "--read" => read = Some(number("--read", rest.next())?),
                "--write" => write = Some(number("--write", rest.next())?),
                "--no-pitr" => options.point_in_time_recovery = false,
                "--no-deletion-protection" => options.deletion_protection = false,
                flag if flag.starts_with("--") => return Err(format!("unknown option `{flag}`")),
                value if format.is_none() => {
                    format = Some(Format::parse(value).ok_or_else(|| {
                        format!("unknown format `{value}`: use cloudformation or terraform")
                    })?)
                }
                value if schema.is_none() => schema = Some(value.to_owned()),
                other => return Err(format!("unexpected argument `{other}`")),
            }
        }
        let format = format.ok_or("export needs a format: cloudformation or terraform")?;
        let schema = schema.ok_or("export needs the schema file")?;
        options.billing = match (billing.unwrap_or(false), read, write) {
            (true, Some(read), Some(write)) => Billing::Provisioned { read, write },
            (true, _, _) => return Err("--billing provisioned needs --read N and --write N".into()),
            (false, None, None) => Billing::OnDemand,
            (false, _, _) => {
                return Err("--read and --write need --billing provisioned".into());
            }
        };
        Ok(Args {
            format,
            schema,
            out,
            options,
        })
    }
}

/// A key's role in a key schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    /// A partition key attribute.
    Hash,
    /// A sort key attribute.
    Range,
}

impl KeyType {
    /// `HASH` or `RANGE`.
    pub fn code(self) -> &'static str {
        match self {
            KeyType::Hash => "HASH",
            KeyType::Range => "RANGE",
        }
    }
}

/// A secondary index as DynamoDB takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexSpec {
    /// The index name.
    pub name: String,
    /// Partition key attributes (`HASH`), then sort key attributes (`RANGE`), in order.
    pub key_schema: Vec<(String, KeyType)>,
    /// `ALL`, `KEYS_ONLY` or `INCLUDE`.
    pub projection_type: &'static str,
    /// The non-key attributes of an `INCLUDE` projection.
    pub non_key_attributes: Vec<String>,
}

impl IndexSpec {
    fn keys(&self, key_type: KeyType) -> impl Iterator<Item = &str> {
        self.key_schema
            .iter()
            .filter(move |(_, k)| *k == key_type)
            .map(|(a, _)| a.as_str())
    }

    /// Whether a key has more than one attribute.
    pub fn is_multi_attribute(&self) -> bool {
        self.keys(KeyType::Hash).count() > 1 || self.keys(KeyType::Range).count() > 1
    }
}

/// The physical table both formats describe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSpec {
    /// The physical table name.
    pub name: String,
    /// The schema's table name, which names the resource in the template.
    pub schema_name: String,
    /// The table's key schema.
    pub key_schema: Vec<(String, KeyType)>,
    /// Every key attribute of the table and its indexes with its type, each once.
    pub attributes: Vec<(String, KeyScalar)>,
    /// Global secondary indexes, in schema order.
    pub global_indexes: Vec<IndexSpec>,
    /// Local secondary indexes, in schema order.
    pub local_indexes: Vec<IndexSpec>,
    /// The TTL attribute.
    pub ttl_attribute: Option<String>,
    /// The stream's view type (`NEW_AND_OLD_IMAGES`), when the table has a stream.
    pub stream_view: Option<&'static str>,
    /// Billing.
    pub billing: Billing,
    /// Point-in-time recovery.
    pub point_in_time_recovery: bool,
    /// Deletion protection.
    pub deletion_protection: bool,
}

/// Whether `name` is a valid DynamoDB table name: 3 to 255 of `a-z A-Z 0-9 _ . -`.
fn valid_table_name(name: &str) -> bool {
    (3..=255).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// The table of `model` with `options` applied.
pub fn table_spec(model: &Model, options: &Options) -> Result<TableSpec, String> {
    let t = &model.table;
    let name = options.table_name.clone().unwrap_or_else(|| t.name.clone());
    if !valid_table_name(&name) {
        return Err(format!(
            "`{name}` is not a DynamoDB table name: 3 to 255 letters, digits, `_`, `.` or `-`"
        ));
    }
    if let Billing::Provisioned { read, write } = options.billing
        && (read == 0 || write == 0)
    {
        return Err("provisioned capacity needs at least 1 read and 1 write unit".into());
    }
    let key_schema = |partition: &[String], sort: &[String]| {
        partition
            .iter()
            .map(|a| (a.clone(), KeyType::Hash))
            .chain(sort.iter().map(|a| (a.clone(), KeyType::Range)))
            .collect::<Vec<_>>()
    };
    let mut global_indexes = Vec::new();
    let mut local_indexes = Vec::new();
    for index in &t.indexes {
        let keys = match &index.multi {
            Some((partition, sort)) => key_schema(partition, sort),
            // A local index's partition key is the table's.
            None if index.kind == IndexKind::Local => key_schema(
                std::slice::from_ref(&t.partition_key),
                index.sort_key.as_slice(),
            ),
            None => key_schema(
                std::slice::from_ref(&index.partition_key),
                index.sort_key.as_slice(),
            ),
        };
        let spec = IndexSpec {
            name: index.name.clone(),
            key_schema: keys,
            projection_type: match index.projection {
                Projection::All => "ALL",
                Projection::KeysOnly => "KEYS_ONLY",
                Projection::Include(_) => "INCLUDE",
            },
            non_key_attributes: model.included_attributes(index).unwrap_or_default(),
        };
        if index.kind == IndexKind::Local {
            local_indexes.push(spec);
        } else {
            global_indexes.push(spec);
        }
    }
    Ok(TableSpec {
        name,
        schema_name: t.name.clone(),
        key_schema: key_schema(
            std::slice::from_ref(&t.partition_key),
            t.sort_key.as_slice(),
        ),
        attributes: model.key_attributes(),
        global_indexes,
        local_indexes,
        ttl_attribute: t.ttl_attribute.clone(),
        stream_view: t.stream.map(|v| v.dynamodb_name()),
        billing: options.billing,
        point_in_time_recovery: options.point_in_time_recovery,
        deletion_protection: options.deletion_protection,
    })
}

/// Renders the table of `model` in `format`. `schema_file` names the schema in a comment.
pub fn export(
    model: &Model,
    format: Format,
    options: &Options,
    schema_file: &str,
) -> Result<String, String> {
    let spec = table_spec(model, options)?;
    Ok(match format {
        Format::CloudFormation => cloudformation(&spec, schema_file),
        Format::Terraform => terraform(&spec, schema_file),
    })
}

/// A JSON value whose objects keep their keys in the order written.
#[derive(Clone)]
enum Json {
    Str(String),
    Num(u64),
    Bool(bool),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

fn s(text: &str) -> Json {
    Json::Str(text.to_owned())
}

fn obj(fields: Vec<(&str, Json)>) -> Json {
    Json::Obj(fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

impl Json {
    /// The value on one line, if it holds no object or list of objects and lists.
    fn inline(&self) -> Option<String> {
        let scalar = |v: &Json| !matches!(v, Json::Arr(_) | Json::Obj(_));
        let mut out = String::new();
        match self {
            Json::Arr(items) if items.iter().all(scalar) => {
                let items: Vec<String> = items.iter().filter_map(Json::inline).collect();
                out = format!("[{}]", items.join(", "));
            }
            Json::Obj(fields) if fields.iter().all(|(_, v)| scalar(v)) => {
                let fields: Vec<String> = fields
                    .iter()
                    .map(|(k, v)| {
                        let key = serde_json::to_string(k).unwrap_or_default();
                        format!("{key}: {}", v.inline().unwrap_or_default())
                    })
                    .collect();
                out = format!("{{ {} }}", fields.join(", "));
            }
            Json::Arr(_) | Json::Obj(_) => return None,
            scalar => scalar.write(0, &mut out),
        }
        Some(out)
    }

    /// Pretty JSON: two spaces per level; short objects and lists of scalars on one line.
    fn write(&self, indent: usize, out: &mut String) {
        let pad = |n: usize| "  ".repeat(n);
        if matches!(self, Json::Arr(_) | Json::Obj(_))
            && let Some(line) = self.inline().filter(|l| indent * 2 + l.len() <= 90)
        {
            out.push_str(&line);
            return;
        }
        match self {
            Json::Str(text) => {
                out.push_str(&serde_json::to_string(text).unwrap_or_else(|_| "\"\"".into()))
            }
            Json::Num(n) => out.push_str(&n.to_string()),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Arr(items) if items.is_empty() => out.push_str("[]"),
            Json::Arr(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    out.push_str(if i == 0 { "\n" } else { ",\n" });
                    out.push_str(&pad(indent + 1));
                    item.write(indent + 1, out);
                }
                out.push('\n');
                out.push_str(&pad(indent));
                out.push(']');
            }
            Json::Obj(fields) if fields.is_empty() => out.push_str("{}"),
            Json::Obj(fields) => {
                out.push('{');
                for (i, (key, value)) in fields.iter().enumerate() {
                    out.push_str(if i == 0 { "\n" } else { ",\n" });
                    out.push_str(&pad(indent + 1));
                    out.push_str(&serde_json::to_string(key).unwrap_or_default());
                    out.push_str(": ");
                    value.write(indent + 1, out);
                }
                out.push('\n');
                out.push_str(&pad(indent));
                out.push('}');
            }
        }
    }
}

/// An identifier for the table in a template: the schema's table name in upper camel case,
/// letters and digits only, then `Table` (`tracker` → `TrackerTable`). It follows the
/// schema's name, not `--table-name`, so one template serves every environment.
fn logical_id(schema_name: &str) -> String {
    let mut id: String = schema_name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            let first = chars.next().map(|c| c.to_ascii_uppercase());
            first.into_iter().chain(chars).collect::<String>()
        })
        .collect();
    id.push_str("Table");
    id
}

/// The CloudFormation template: one `AWS::DynamoDB::Table` and outputs for its name and ARN.
pub fn cloudformation(spec: &TableSpec, schema_file: &str) -> String {
    let key_schema = |keys: &[(String, KeyType)]| {
        Json::Arr(
            keys.iter()
                .map(|(a, k)| obj(vec![("AttributeName", s(a)), ("KeyType", s(k.code()))]))
                .collect(),
        )
    };
    let throughput = match spec.billing {
        Billing::OnDemand => None,
        Billing::Provisioned { read, write } => Some(obj(vec![
            ("ReadCapacityUnits", Json::Num(read)),
            ("WriteCapacityUnits", Json::Num(write)),
        ])),
    };
    let projection = |i: &IndexSpec| {
        let mut fields = vec![("ProjectionType", s(i.projection_type))];
        if !i.non_key_attributes.is_empty() {
            let attrs = i.non_key_attributes.iter().map(|a| s(a)).collect();
            fields.push(("NonKeyAttributes", Json::Arr(attrs)));
        }
        obj(fields)
    };
    let mut props = vec![
        ("TableName", s(&spec.name)),
        (
            "BillingMode",
            s(match spec.billing {
                Billing::OnDemand => "PAY_PER_REQUEST",
                Billing::Provisioned { .. } => "PROVISIONED",
            }),
        ),
    ];
    if let Some(t) = &throughput {
        props.push(("ProvisionedThroughput", t.clone()));
    }
    props.push(("KeySchema", key_schema(&spec.key_schema)));
    props.push((
        "AttributeDefinitions",
        Json::Arr(
            spec.attributes
                .iter()
                .map(|(a, t)| {
                    obj(vec![
                        ("AttributeName", s(a)),
                        ("AttributeType", s(t.code())),
                    ])
                })
                .collect(),
        ),
    ));
    if !spec.global_indexes.is_empty() {
        let indexes = spec.global_indexes.iter().map(|i| {
            let mut fields = vec![
                ("IndexName", s(&i.name)),
                ("KeySchema", key_schema(&i.key_schema)),
                ("Projection", projection(i)),
            ];
            if let Some(t) = &throughput {
                fields.push(("ProvisionedThroughput", t.clone()));
            }
            obj(fields)
        });
        props.push(("GlobalSecondaryIndexes", Json::Arr(indexes.collect())));
    }
    if !spec.local_indexes.is_empty() {
        let indexes = spec.local_indexes.iter().map(|i| {
            obj(vec![
                ("IndexName", s(&i.name)),
                ("KeySchema", key_schema(&i.key_schema)),
                ("Projection", projection(i)),
            ])
        });
        props.push(("LocalSecondaryIndexes", Json::Arr(indexes.collect())));
    }
    if let Some(view) = spec.stream_view {
        props.push((
            "StreamSpecification",
            obj(vec![("StreamViewType", s(view))]),
        ));
    }
    if let Some(ttl) = &spec.ttl_attribute {
        props.push((
            "TimeToLiveSpecification",
            obj(vec![
                ("AttributeName", s(ttl)),
                ("Enabled", Json::Bool(true)),
            ]),
        ));
    }
    props.push((
        "PointInTimeRecoverySpecification",
        obj(vec![(
            "PointInTimeRecoveryEnabled",
            Json::Bool(spec.point_in_time_recovery),
        )]),
    ));
    props.push((
        "DeletionProtectionEnabled",
        Json::Bool(spec.deletion_protection),
    ));
    let id = logical_id(&spec.schema_name);
    // With deletion protection, a stack update that replaces the table or a stack deletion
    // keeps it too.
    let policy = if spec.deletion_protection {
        "Retain"
    } else {
        "Delete"
    };
    let resource = obj(vec![
        ("Type", s("AWS::DynamoDB::Table")),
        ("DeletionPolicy", s(policy)),
        ("UpdateReplacePolicy", s(policy)),
        ("Properties", obj(props)),
    ]);
    let mut outputs = vec![
        (
            "TableName",
            obj(vec![
                ("Description", s("The table's name.")),
                ("Value", obj(vec![("Ref", s(&id))])),
            ]),
        ),
        (
            "TableArn",
            obj(vec![
                ("Description", s("The table's ARN.")),
                (
                    "Value",
                    obj(vec![("Fn::GetAtt", Json::Arr(vec![s(&id), s("Arn")]))]),
                ),
            ]),
        ),
    ];
    if spec.stream_view.is_some() {
        // What a Lambda event source mapping or a StreamReader reads.
        outputs.push((
            "StreamArn",
            obj(vec![
                ("Description", s("The ARN of the table's stream.")),
                (
                    "Value",
                    obj(vec![(
                        "Fn::GetAtt",
                        Json::Arr(vec![s(&id), s("StreamArn")]),
                    )]),
                ),
            ]),
        ));
    }
    let template = obj(vec![
        ("AWSTemplateFormatVersion", s("2010-09-09")),
        (
            "Description",
            s(&format!(
                "The {} table of {schema_file}, exported by singletable codegen.",
                spec.schema_name
            )),
        ),
        ("Resources", Json::Obj(vec![(id.clone(), resource)])),
        ("Outputs", obj(outputs)),
    ]);
    let mut out = String::new();
    template.write(0, &mut out);
    out.push('\n');
    out
}

/// One line or block of an HCL body.
enum Hcl {
    /// `key = value`, the value already rendered.
    Attr(&'static str, String),
    /// `name { … }`.
    Block(&'static str, Vec<Hcl>),
    /// An empty line.
    Blank,
}

/// An HCL string literal: quotes, backslashes and control characters escaped, and `${`/`%{`
/// doubled so Terraform reads no template in a name.
fn hcl_string(text: &str) -> String {
    let mut out = String::from("\"");
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn hcl_list(items: &[String]) -> String {
    let items: Vec<String> = items.iter().map(|i| hcl_string(i)).collect();
    format!("[{}]", items.join(", "))
}

/// Writes `items` at `indent`, aligning the `=` of consecutive attributes as `terraform fmt`
/// does.
fn write_hcl(items: &[Hcl], indent: usize, out: &mut String) {
    let pad = "  ".repeat(indent);
    let mut i = 0;
    while i < items.len() {
        match &items[i] {
            Hcl::Attr(..) => {
                let run: Vec<(&str, &str)> = items[i..]
                    .iter()
                    .map_while(|item| match item {
                        Hcl::Attr(k, v) => Some((*k, v.as_str())),
                        _ => None,
                    })
                    .collect();
                let width = run.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
                for (k, v) in &run {
                    out.push_str(&format!("{pad}{k:<width$} = {v}\n"));
                }
                i += run.len();
                continue;
            }
            Hcl::Block(name, body) => {
                out.push_str(&format!("{pad}{name} {{\n"));
                write_hcl(body, indent + 1, out);
                out.push_str(&format!("{pad}}}\n"));
            }
            Hcl::Blank => out.push('\n'),
        }
        i += 1;
    }
}

/// A Terraform resource label from the schema's table name: letters, digits, `_` and `-`,
/// starting with a letter or `_` (`my.app` → `my_app`).
fn resource_label(schema_name: &str) -> String {
    let label: String = schema_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    match label.chars().next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => label,
        _ => format!("table_{label}"),
    }
}

/// The Terraform `aws_dynamodb_table` resource.
pub fn terraform(spec: &TableSpec, schema_file: &str) -> String {
    let text = |t: &str| hcl_string(t);
    let boolean = |b: bool| if b { "true" } else { "false" }.to_owned();
    let key = |keys: &[(String, KeyType)], k: KeyType| {
        keys.iter().find(|(_, t)| *t == k).map(|(a, _)| text(a))
    };
    let capacity = |items: &mut Vec<Hcl>| {
        if let Billing::Provisioned { read, write } = spec.billing {
            items.push(Hcl::Attr("read_capacity", read.to_string()));
            items.push(Hcl::Attr("write_capacity", write.to_string()));
        }
    };
    let projection = |items: &mut Vec<Hcl>, i: &IndexSpec| {
        items.push(Hcl::Attr("projection_type", text(i.projection_type)));
        if !i.non_key_attributes.is_empty() {
            items.push(Hcl::Attr(
                "non_key_attributes",
                hcl_list(&i.non_key_attributes),
            ));
        }
    };

    let mut body = vec![
        Hcl::Attr("name", text(&spec.name)),
        Hcl::Attr(
            "billing_mode",
            text(match spec.billing {
                Billing::OnDemand => "PAY_PER_REQUEST",
                Billing::Provisioned { .. } => "PROVISIONED",
            }),
        ),
    ];
    capacity(&mut body);
    body.extend(key(&spec.key_schema, KeyType::Hash).map(|k| Hcl::Attr("hash_key", k)));
    body.extend(key(&spec.key_schema, KeyType::Range).map(|k| Hcl::Attr("range_key", k)));
    body.push(Hcl::Attr(
        "deletion_protection_enabled",
        boolean(spec.deletion_protection),
    ));
    if let Some(view) = spec.stream_view {
        body.push(Hcl::Attr("stream_enabled", boolean(true)));
        body.push(Hcl::Attr("stream_view_type", text(view)));
    }
    for (name, scalar) in &spec.attributes {
        body.push(Hcl::Blank);
        body.push(Hcl::Block(
            "attribute",
            vec![
                Hcl::Attr("name", text(name)),
                Hcl::Attr("type", text(scalar.code())),
            ],
        ));
    }
    for i in &spec.global_indexes {
        let mut items = vec![Hcl::Attr("name", text(&i.name))];
        if i.is_multi_attribute() {
            // Several partition or sort attributes: one `key_schema` block each, in order.
            for (attribute, key_type) in &i.key_schema {
                items.push(Hcl::Block(
                    "key_schema",
                    vec![
                        Hcl::Attr("attribute_name", text(attribute)),
                        Hcl::Attr("key_type", text(key_type.code())),
                    ],
                ));
            }
        } else {
            items.extend(key(&i.key_schema, KeyType::Hash).map(|k| Hcl::Attr("hash_key", k)));
            items.extend(key(&i.key_schema, KeyType::Range).map(|k| Hcl::Attr("range_key", k)));
        }
        projection(&mut items, i);
        capacity(&mut items);
        body.push(Hcl::Blank);
        body.push(Hcl::Block("global_secondary_index", items));
    }
    for i in &spec.local_indexes {
        let mut items = vec![Hcl::Attr("name", text(&i.name))];
        items.extend(key(&i.key_schema, KeyType::Range).map(|k| Hcl::Attr("range_key", k)));
        projection(&mut items, i);
        body.push(Hcl::Blank);
        body.push(Hcl::Block("local_secondary_index", items));
    }
    if let Some(ttl) = &spec.ttl_attribute {
        body.push(Hcl::Blank);
        body.push(Hcl::Block(
            "ttl",
            vec![
                Hcl::Attr("attribute_name", text(ttl)),
                Hcl::Attr("enabled", boolean(true)),
            ],
        ));
    }
    body.push(Hcl::Blank);
    body.push(Hcl::Block(
        "point_in_time_recovery",
        vec![Hcl::Attr("enabled", boolean(spec.point_in_time_recovery))],
    ));

    let mut out = format!(
        "# The {} table of {schema_file}, exported by singletable codegen.\n",
        spec.schema_name
    );
    let multi: Vec<&str> = spec
        .global_indexes
        .iter()
        .filter(|i| i.is_multi_attribute())
        .map(|i| i.name.as_str())
        .collect();
    if !multi.is_empty() {
        out.push_str(&format!(
            "# Multi-attribute index keys ({}) are `key_schema` blocks: hashicorp/aws 6.29.0 or later\n\
             # (a current release: the first ones showed spurious plan diffs for them).\n",
            multi.join(", ")
        ));
    }
    out.push_str(&format!(
        "resource \"aws_dynamodb_table\" {} {{\n",
        hcl_string(&resource_label(&spec.schema_name))
    ));
    write_hcl(&body, 1, &mut out);
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Any text survives as an HCL string literal: quotes, backslashes, newlines, and what
    /// would otherwise start a template interpolation or directive.
    #[test]
    fn hcl_strings_round_trip() {
        for text in [
            "plain",
            "with \"quotes\"",
            r"back\slash",
            "line\nbreak\ttab\r",
            "${var.x} and %{if true}",
            "$ and % alone, ${",
            "bell\u{7}",
            "ünïcödé",
        ] {
            let source = format!("x = {}\n", hcl_string(text));
            let body = hcl::parse(&source).unwrap_or_else(|e| panic!("{source}: {e}"));
            let value = body.attributes().next().unwrap().expr().clone();
            assert_eq!(value, hcl::Expression::String(text.to_owned()), "{source}");
        }
    }

    #[test]
    fn identifiers() {
        assert_eq!(logical_id("tracker"), "TrackerTable");
        assert_eq!(logical_id("my-app.prod_v2"), "MyAppProdV2Table");
        assert_eq!(resource_label("my-app.prod_v2"), "my-app_prod_v2");
        assert_eq!(resource_label("2024-data"), "table_2024-data");
    }
}
