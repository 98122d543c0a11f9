//! `codegen export` against DynamoDB Local: for every fixture schema and the example's
//! `schema.yaml`, a table created from the exported CloudFormation template's `Properties`
//! and one created from the exported Terraform resource (each translated here to a
//! CreateTable request, TTL through UpdateTimeToLive) are described exactly like the table
//! the generated code's `Table::create_table` makes: key schema, attribute definitions,
//! global and local indexes with key schema and projection, billing mode, stream and TTL.
//! Only the table name, ARNs, timestamps, sizes and the order of order-free lists are
//! normalised away. The default export's deletion protection is checked on a table of its
//! own.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType,
    LocalSecondaryIndex, Projection, ProjectionType, ProvisionedThroughput, ScalarAttributeType,
    StreamSpecification, StreamViewType, TableStatus, TimeToLiveSpecification,
};
use codegen::export::{Billing, Format, Options};
use singletable::TableDefinition;
use singletable::test_util::{TestTable, client};

/// Each schema with the table definition generated from it.
fn schemas() -> Vec<(&'static str, &'static TableDefinition)> {
    use tests::fixtures::*;
    vec![
        ("schema", &tests::app::TABLE),
        ("all_types", &all_types::TABLE),
        ("collections", &collections::TABLE),
        ("conditional_index", &conditional_index::TABLE),
        ("custom_table", &custom_table::TABLE),
        ("deals", &deals::TABLE),
        ("derived_keys", &derived_keys::TABLE),
        ("design", &design::TABLE),
        ("inverse_index", &inverse_index::TABLE),
        ("key_order", &key_order::TABLE),
        ("keyword_fields", &keyword_fields::TABLE),
        ("local_index", &local_index::TABLE),
        ("many_indexes", &many_indexes::TABLE),
        ("multi_attribute_keys", &multi_attribute_keys::TABLE),
        ("no_sort_key", &no_sort_key::TABLE),
        ("projections", &projections::TABLE),
        ("select", &select::TABLE),
        ("several_gsis", &several_gsis::TABLE),
        ("shared_key", &shared_key::TABLE),
        ("sparse_index", &sparse_index::TABLE),
        ("time_ordered", &time_ordered::TABLE),
        ("unique", &unique::TABLE),
    ]
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn schema_path(name: &str) -> PathBuf {
    match name {
        "schema" => root().join("schema.yaml"),
        fixture => root().join(format!("codegen/tests/fixtures/{fixture}.yaml")),
    }
}

fn model(name: &str) -> codegen::Model {
    let checked = codegen::check_file(schema_path(name)).unwrap();
    checked
        .model
        .unwrap_or_else(|| panic!("{name} does not check"))
}

/// The export used for the comparison: deletion protection off, so the test can delete it.
fn export(name: &str, format: Format, billing: Billing) -> String {
    let options = Options {
        billing,
        deletion_protection: false,
        ..Options::default()
    };
    codegen::export::export(&model(name), format, &options, "schema.yaml").unwrap()
}

fn unique_name(schema: &str, what: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    format!(
        "export-{schema}-{what}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// A CreateTable request in the SDK's terms, and the TTL attribute to enable after it.
#[derive(Default)]
struct Request {
    billing: Option<BillingMode>,
    throughput: Option<ProvisionedThroughput>,
    key_schema: Vec<KeySchemaElement>,
    attributes: Vec<AttributeDefinition>,
    globals: Vec<GlobalSecondaryIndex>,
    locals: Vec<LocalSecondaryIndex>,
    deletion_protection: Option<bool>,
    /// The stream's view type, when the table has a stream.
    stream: Option<String>,
    ttl: Option<String>,
}

fn element(name: &str, key_type: &str) -> KeySchemaElement {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(KeyType::from(key_type))
        .build()
        .unwrap()
}

fn throughput(read: i64, write: i64) -> ProvisionedThroughput {
    ProvisionedThroughput::builder()
        .read_capacity_units(read)
        .write_capacity_units(write)
        .build()
        .unwrap()
}

fn projection(projection_type: &str, non_key: Option<Vec<String>>) -> Projection {
    Projection::builder()
        .projection_type(ProjectionType::from(projection_type))
        .set_non_key_attributes(non_key)
        .build()
}

impl Request {
    /// Creates the table as `name`, waits until it is active and enables TTL if asked.
    async fn create(self, client: &Client, name: &str) {
        client
            .create_table()
            .table_name(name)
            .set_billing_mode(self.billing)
            .set_provisioned_throughput(self.throughput)
            .set_key_schema(Some(self.key_schema))
            .set_attribute_definitions(Some(self.attributes))
            .set_global_secondary_indexes((!self.globals.is_empty()).then_some(self.globals))
            .set_local_secondary_indexes((!self.locals.is_empty()).then_some(self.locals))
            .set_deletion_protection_enabled(self.deletion_protection)
            .set_stream_specification(self.stream.map(|view| {
                StreamSpecification::builder()
                    .stream_enabled(true)
                    .stream_view_type(StreamViewType::from(view.as_str()))
                    .build()
                    .unwrap()
            }))
            .send()
            .await
            .unwrap_or_else(|e| panic!("create {name}: {e:?}"));
        for _ in 0..600 {
            let out = client
                .describe_table()
                .table_name(name)
                .send()
                .await
                .unwrap();
            if out.table().and_then(|t| t.table_status()) == Some(&TableStatus::Active) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        if let Some(ttl) = self.ttl {
            let spec = TimeToLiveSpecification::builder()
                .attribute_name(ttl)
                .enabled(true)
                .build()
                .unwrap();
            client
                .update_time_to_live()
                .table_name(name)
                .time_to_live_specification(spec)
                .send()
                .await
                .unwrap();
        }
    }
}

// --- CloudFormation Properties -> CreateTable ---------------------------------------------

fn text(v: &serde_json::Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

/// Every key of `object` must be one of `known`: nothing in the template goes untranslated.
fn only(object: &serde_json::Value, known: &[&str]) {
    for key in object.as_object().unwrap().keys() {
        assert!(known.contains(&key.as_str()), "untranslated property {key}");
    }
}

fn cfn_key_schema(v: &serde_json::Value) -> Vec<KeySchemaElement> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|e| {
            only(e, &["AttributeName", "KeyType"]);
            element(text(&e["AttributeName"]), text(&e["KeyType"]))
        })
        .collect()
}

fn cfn_throughput(v: &serde_json::Value) -> Option<ProvisionedThroughput> {
    (!v.is_null()).then(|| {
        only(v, &["ReadCapacityUnits", "WriteCapacityUnits"]);
        throughput(
            v["ReadCapacityUnits"].as_i64().unwrap(),
            v["WriteCapacityUnits"].as_i64().unwrap(),
        )
    })
}

fn cfn_projection(v: &serde_json::Value) -> Projection {
    only(v, &["ProjectionType", "NonKeyAttributes"]);
    let non_key = v["NonKeyAttributes"]
        .as_array()
        .map(|a| a.iter().map(|x| text(x).to_owned()).collect());
    projection(text(&v["ProjectionType"]), non_key)
}

fn from_cloudformation(template: &str) -> Request {
    let template: serde_json::Value = serde_json::from_str(template).unwrap();
    let resources = template["Resources"].as_object().unwrap();
    assert_eq!(resources.len(), 1);
    let resource = resources.values().next().unwrap();
    assert_eq!(resource["Type"], "AWS::DynamoDB::Table");
    let p = &resource["Properties"];
    only(
        p,
        &[
            "TableName",
            "BillingMode",
            "ProvisionedThroughput",
            "KeySchema",
            "AttributeDefinitions",
            "GlobalSecondaryIndexes",
            "LocalSecondaryIndexes",
            "TimeToLiveSpecification",
            "StreamSpecification",
            "PointInTimeRecoverySpecification",
            "DeletionProtectionEnabled",
        ],
    );
    let stream = &p["StreamSpecification"];
    if !stream.is_null() {
        only(stream, &["StreamViewType"]);
        // What a consumer reads: the stack outputs the stream's ARN.
        assert_eq!(
            template["Outputs"]["StreamArn"]["Value"]["Fn::GetAtt"][1],
            "StreamArn"
        );
    }
    let list = |key: &str| p[key].as_array().cloned().unwrap_or_default();
    let ttl = &p["TimeToLiveSpecification"];
    Request {
        billing: Some(BillingMode::from(text(&p["BillingMode"]))),
        throughput: cfn_throughput(&p["ProvisionedThroughput"]),
        key_schema: cfn_key_schema(&p["KeySchema"]),
        attributes: list("AttributeDefinitions")
            .iter()
            .map(|a| {
                only(a, &["AttributeName", "AttributeType"]);
                AttributeDefinition::builder()
                    .attribute_name(text(&a["AttributeName"]))
                    .attribute_type(ScalarAttributeType::from(text(&a["AttributeType"])))
                    .build()
                    .unwrap()
            })
            .collect(),
        globals: list("GlobalSecondaryIndexes")
            .iter()
            .map(|g| {
                only(
                    g,
                    &[
                        "IndexName",
                        "KeySchema",
                        "Projection",
                        "ProvisionedThroughput",
                    ],
                );
                GlobalSecondaryIndex::builder()
                    .index_name(text(&g["IndexName"]))
                    .set_key_schema(Some(cfn_key_schema(&g["KeySchema"])))
                    .projection(cfn_projection(&g["Projection"]))
                    .set_provisioned_throughput(cfn_throughput(&g["ProvisionedThroughput"]))
                    .build()
                    .unwrap()
            })
            .collect(),
        locals: list("LocalSecondaryIndexes")
            .iter()
            .map(|l| {
                only(l, &["IndexName", "KeySchema", "Projection"]);
                LocalSecondaryIndex::builder()
                    .index_name(text(&l["IndexName"]))
                    .set_key_schema(Some(cfn_key_schema(&l["KeySchema"])))
                    .projection(cfn_projection(&l["Projection"]))
                    .build()
                    .unwrap()
            })
            .collect(),
        deletion_protection: p["DeletionProtectionEnabled"].as_bool(),
        stream: (!stream.is_null()).then(|| text(&stream["StreamViewType"]).to_owned()),
        ttl: (!ttl.is_null()).then(|| {
            assert_eq!(ttl["Enabled"], true);
            text(&ttl["AttributeName"]).to_owned()
        }),
    }
}

// --- Terraform aws_dynamodb_table -> CreateTable -------------------------------------------

/// The body's attributes by name, and its blocks; any other attribute name is an error.
fn hcl_attrs<'a>(body: &'a hcl::Body, known: &[&str]) -> BTreeMap<&'a str, &'a hcl::Expression> {
    body.attributes()
        .map(|a| {
            assert!(
                known.contains(&a.key()),
                "untranslated argument {}",
                a.key()
            );
            (a.key(), a.expr())
        })
        .collect()
}

fn hcl_text(e: Option<&&hcl::Expression>) -> Option<String> {
    e.map(|e| match e {
        hcl::Expression::String(s) => s.clone(),
        other => panic!("not a string literal: {other:?}"),
    })
}

fn hcl_number(e: Option<&&hcl::Expression>) -> Option<i64> {
    e.map(|e| match e {
        hcl::Expression::Number(n) => n.as_i64().unwrap(),
        other => panic!("not a number: {other:?}"),
    })
}

fn hcl_list(e: Option<&&hcl::Expression>) -> Option<Vec<String>> {
    e.map(|e| match e {
        hcl::Expression::Array(items) => {
            items.iter().map(|i| hcl_text(Some(&i)).unwrap()).collect()
        }
        other => panic!("not a list: {other:?}"),
    })
}

fn hcl_bool(e: Option<&&hcl::Expression>) -> Option<bool> {
    e.map(|e| match e {
        hcl::Expression::Bool(b) => *b,
        other => panic!("not a bool: {other:?}"),
    })
}

fn hcl_throughput(a: &BTreeMap<&str, &hcl::Expression>) -> Option<ProvisionedThroughput> {
    match (
        hcl_number(a.get("read_capacity")),
        hcl_number(a.get("write_capacity")),
    ) {
        (Some(r), Some(w)) => Some(throughput(r, w)),
        (None, None) => None,
        other => panic!("read and write capacity go together: {other:?}"),
    }
}

fn hash_range(a: &BTreeMap<&str, &hcl::Expression>) -> Vec<KeySchemaElement> {
    let mut keys = vec![element(&hcl_text(a.get("hash_key")).unwrap(), "HASH")];
    keys.extend(hcl_text(a.get("range_key")).map(|r| element(&r, "RANGE")));
    keys
}

fn from_terraform(source: &str) -> Request {
    let file = hcl::parse(source).unwrap();
    let resource = file.blocks().next().unwrap();
    assert_eq!(resource.identifier(), "resource");
    assert_eq!(resource.labels()[0].as_str(), "aws_dynamodb_table");
    let body = resource.body();
    let a = hcl_attrs(
        body,
        &[
            "name",
            "billing_mode",
            "read_capacity",
            "write_capacity",
            "hash_key",
            "range_key",
            "deletion_protection_enabled",
            "stream_enabled",
            "stream_view_type",
        ],
    );
    let table_key = hash_range(&a);
    let stream_view = hcl_text(a.get("stream_view_type"));
    assert_eq!(
        hcl_bool(a.get("stream_enabled")),
        stream_view.is_some().then_some(true)
    );
    let mut request = Request {
        billing: hcl_text(a.get("billing_mode")).map(|b| BillingMode::from(b.as_str())),
        throughput: hcl_throughput(&a),
        key_schema: table_key.clone(),
        deletion_protection: hcl_bool(a.get("deletion_protection_enabled")),
        stream: stream_view,
        ..Request::default()
    };
    for block in body.blocks() {
        let b = block.body();
        match block.identifier() {
            "attribute" => {
                let x = hcl_attrs(b, &["name", "type"]);
                request.attributes.push(
                    AttributeDefinition::builder()
                        .attribute_name(hcl_text(x.get("name")).unwrap())
                        .attribute_type(ScalarAttributeType::from(
                            hcl_text(x.get("type")).unwrap().as_str(),
                        ))
                        .build()
                        .unwrap(),
                );
            }
            "global_secondary_index" => {
                let x = hcl_attrs(
                    b,
                    &[
                        "name",
                        "hash_key",
                        "range_key",
                        "projection_type",
                        "non_key_attributes",
                        "read_capacity",
                        "write_capacity",
                    ],
                );
                let key_schema: Vec<KeySchemaElement> = b
                    .blocks()
                    .map(|k| {
                        assert_eq!(k.identifier(), "key_schema");
                        let k = hcl_attrs(k.body(), &["attribute_name", "key_type"]);
                        element(
                            &hcl_text(k.get("attribute_name")).unwrap(),
                            &hcl_text(k.get("key_type")).unwrap(),
                        )
                    })
                    .collect();
                let key_schema = if key_schema.is_empty() {
                    hash_range(&x)
                } else {
                    key_schema
                };
                request.globals.push(
                    GlobalSecondaryIndex::builder()
                        .index_name(hcl_text(x.get("name")).unwrap())
                        .set_key_schema(Some(key_schema))
                        .projection(projection(
                            &hcl_text(x.get("projection_type")).unwrap(),
                            hcl_list(x.get("non_key_attributes")),
                        ))
                        .set_provisioned_throughput(hcl_throughput(&x))
                        .build()
                        .unwrap(),
                );
            }
            "local_secondary_index" => {
                let x = hcl_attrs(
                    b,
                    &["name", "range_key", "projection_type", "non_key_attributes"],
                );
                let key_schema = vec![
                    table_key[0].clone(),
                    element(&hcl_text(x.get("range_key")).unwrap(), "RANGE"),
                ];
                request.locals.push(
                    LocalSecondaryIndex::builder()
                        .index_name(hcl_text(x.get("name")).unwrap())
                        .set_key_schema(Some(key_schema))
                        .projection(projection(
                            &hcl_text(x.get("projection_type")).unwrap(),
                            hcl_list(x.get("non_key_attributes")),
                        ))
                        .build()
                        .unwrap(),
                );
            }
            "ttl" => {
                let x = hcl_attrs(b, &["attribute_name", "enabled"]);
                assert_eq!(hcl_bool(x.get("enabled")), Some(true));
                request.ttl = hcl_text(x.get("attribute_name"));
            }
            // Point-in-time recovery is not part of what `create_table` sets up.
            "point_in_time_recovery" => {
                hcl_attrs(b, &["enabled"]);
            }
            other => panic!("untranslated block {other}"),
        }
    }
    request
}

// --- DescribeTable, normalised ------------------------------------------------------------

#[derive(Debug, PartialEq, Eq)]
struct IndexShape {
    /// In order: HASH elements, then RANGE elements.
    key_schema: Vec<(String, String)>,
    projection_type: String,
    non_key_attributes: BTreeSet<String>,
    throughput: Option<(i64, i64)>,
}

#[derive(Debug, PartialEq, Eq)]
struct Shape {
    key_schema: Vec<(String, String)>,
    attributes: BTreeMap<String, String>,
    globals: BTreeMap<String, IndexShape>,
    locals: BTreeMap<String, IndexShape>,
    billing: String,
    throughput: Option<(i64, i64)>,
    deletion_protection: bool,
    /// The stream's view type, when the table has an enabled stream.
    stream: Option<String>,
    ttl: Option<String>,
}

fn keys(elements: &[KeySchemaElement]) -> Vec<(String, String)> {
    elements
        .iter()
        .map(|e| {
            (
                e.attribute_name().to_owned(),
                e.key_type().as_str().to_owned(),
            )
        })
        .collect()
}

fn projected(p: Option<&Projection>) -> (String, BTreeSet<String>) {
    let p = p.expect("an index has a projection");
    let kind = p.projection_type().map(|t| t.as_str().to_owned());
    let non_key = p.non_key_attributes().iter().cloned().collect();
    (kind.unwrap_or_default(), non_key)
}

/// Provisioned capacity, if any (on-demand tables report zero units).
fn capacity(read: Option<i64>, write: Option<i64>) -> Option<(i64, i64)> {
    match (read.unwrap_or(0), write.unwrap_or(0)) {
        (0, 0) => None,
        units => Some(units),
    }
}

async fn describe(client: &Client, name: &str) -> Shape {
    let out = client
        .describe_table()
        .table_name(name)
        .send()
        .await
        .unwrap();
    let t = out.table().unwrap();
    let globals = t
        .global_secondary_indexes()
        .iter()
        .map(|g| {
            let (projection_type, non_key_attributes) = projected(g.projection());
            let throughput = g
                .provisioned_throughput()
                .and_then(|p| capacity(p.read_capacity_units(), p.write_capacity_units()));
            let shape = IndexShape {
                key_schema: keys(g.key_schema()),
                projection_type,
                non_key_attributes,
                throughput,
            };
            (g.index_name().unwrap().to_owned(), shape)
        })
        .collect();
    let locals = t
        .local_secondary_indexes()
        .iter()
        .map(|l| {
            let (projection_type, non_key_attributes) = projected(l.projection());
            let shape = IndexShape {
                key_schema: keys(l.key_schema()),
                projection_type,
                non_key_attributes,
                throughput: None,
            };
            (l.index_name().unwrap().to_owned(), shape)
        })
        .collect();
    let throughput = t
        .provisioned_throughput()
        .and_then(|p| capacity(p.read_capacity_units(), p.write_capacity_units()));
    let billing = t
        .billing_mode_summary()
        .and_then(|b| b.billing_mode())
        .map(|b| b.as_str().to_owned())
        .unwrap_or_else(|| "PROVISIONED".to_owned());
    let ttl = client
        .describe_time_to_live()
        .table_name(name)
        .send()
        .await
        .unwrap();
    let ttl = ttl.time_to_live_description().and_then(|d| {
        let on = d
            .time_to_live_status()
            .is_some_and(|s| matches!(s.as_str(), "ENABLED" | "ENABLING"));
        on.then(|| d.attribute_name().unwrap_or_default().to_owned())
    });
    Shape {
        key_schema: keys(t.key_schema()),
        attributes: t
            .attribute_definitions()
            .iter()
            .map(|a| {
                (
                    a.attribute_name().to_owned(),
                    a.attribute_type().as_str().to_owned(),
                )
            })
            .collect(),
        globals,
        locals,
        billing,
        throughput,
        deletion_protection: t.deletion_protection_enabled().unwrap_or(false),
        stream: t
            .stream_specification()
            .filter(|s| s.stream_enabled())
            .and_then(|s| s.stream_view_type())
            .map(|v| v.as_str().to_owned()),
        ttl,
    }
}

async fn delete(client: &Client, name: &str) {
    client.delete_table().table_name(name).send().await.unwrap();
}

// --- Tests ---------------------------------------------------------------------------------

/// The list above names every fixture, so a new one is compared too.
#[test]
fn every_fixture_is_compared() {
    let mut files: Vec<String> = std::fs::read_dir(root().join("codegen/tests/fixtures"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    files.push("schema".into());
    files.sort();
    let mut listed: Vec<String> = schemas().iter().map(|(n, _)| (*n).to_owned()).collect();
    listed.sort();
    assert_eq!(listed, files);
}

/// On-demand exports in both formats create the table `create_table` creates.
#[tokio::test]
async fn exports_create_the_generated_table() {
    let client = client().unwrap();
    let mut compared = 0;
    for (name, def) in schemas() {
        let generated = TestTable::create(def).await.expect("create_table");
        let expected = describe(&client, generated.name()).await;
        for format in [Format::CloudFormation, Format::Terraform] {
            let text = export(name, format, Billing::OnDemand);
            let request = match format {
                Format::CloudFormation => from_cloudformation(&text),
                Format::Terraform => from_terraform(&text),
            };
            let table = unique_name(name, "exported");
            request.create(&client, &table).await;
            let got = describe(&client, &table).await;
            delete(&client, &table).await;
            assert_eq!(got, expected, "{name} as {format:?}:\n{text}");
            compared += 1;
        }
    }
    assert_eq!(compared, 2 * schemas().len());
}

/// The shapes cover what matters: multi-attribute keys with a number, local indexes,
/// `include` and `keys_only` projections, and TTL (checked on the generated tables, so the
/// comparison above is not vacuous).
#[tokio::test]
async fn compared_shapes_cover_the_features() {
    let client = client().unwrap();
    let shape = |name: &'static str| {
        let client = client.clone();
        async move {
            let def = schemas().into_iter().find(|(n, _)| *n == name).unwrap().1;
            let t = TestTable::create(def).await.unwrap();
            describe(&client, t.name()).await
        }
    };
    let multi = shape("multi_attribute_keys").await;
    assert_eq!(
        multi.globals["by_region"].key_schema,
        [
            ("tenant_id", "HASH"),
            ("region", "HASH"),
            ("score", "RANGE"),
            ("placed_at", "RANGE")
        ]
        .map(|(a, k)| (a.to_owned(), k.to_owned()))
    );
    assert_eq!(multi.attributes["score"], "N");
    let custom = shape("custom_table").await;
    assert_eq!(custom.stream.as_deref(), Some("NEW_IMAGE"));
    assert_eq!(shape("design").await.stream, None);
    let app = shape("schema").await;
    assert_eq!(app.ttl.as_deref(), Some("expires_at"));
    assert_eq!(app.locals["by_priority"].key_schema[1].0, "lsi1sk");
    assert_eq!(app.globals["by_assignee"].projection_type, "INCLUDE");
    assert!(
        app.globals["by_assignee"]
            .non_key_attributes
            .contains("_type")
    );
    assert_eq!(app.billing, "PAY_PER_REQUEST");
    let projections = shape("projections").await;
    assert_eq!(
        projections.globals["by_author"].projection_type,
        "KEYS_ONLY"
    );
}

/// Provisioned exports create the same table with the capacity on the table and on each
/// global index.
#[tokio::test]
async fn provisioned_exports_set_capacity_everywhere() {
    let client = client().unwrap();
    for name in [
        "schema",
        "multi_attribute_keys",
        "local_index",
        "many_indexes",
    ] {
        let def = schemas().into_iter().find(|(n, _)| *n == name).unwrap().1;
        let generated = TestTable::create(def).await.unwrap();
        let mut expected = describe(&client, generated.name()).await;
        expected.billing = "PROVISIONED".into();
        expected.throughput = Some((5, 3));
        for index in expected.globals.values_mut() {
            index.throughput = Some((5, 3));
        }
        for format in [Format::CloudFormation, Format::Terraform] {
            let text = export(name, format, Billing::Provisioned { read: 5, write: 3 });
            let request = match format {
                Format::CloudFormation => from_cloudformation(&text),
                Format::Terraform => from_terraform(&text),
            };
            let table = unique_name(name, "provisioned");
            request.create(&client, &table).await;
            let got = describe(&client, &table).await;
            delete(&client, &table).await;
            assert_eq!(got, expected, "{name} as {format:?}:\n{text}");
        }
    }
}

/// The default export's deletion protection reaches the table: DynamoDB refuses to delete it
/// until it is turned off.
#[tokio::test]
async fn deletion_protection_is_on_by_default() {
    let client = client().unwrap();
    let model = model("no_sort_key");
    for format in [Format::CloudFormation, Format::Terraform] {
        let text = codegen::export::export(&model, format, &Options::default(), "s").unwrap();
        let request = match format {
            Format::CloudFormation => from_cloudformation(&text),
            Format::Terraform => from_terraform(&text),
        };
        assert_eq!(request.deletion_protection, Some(true));
        let table = unique_name("no_sort_key", "protected");
        request.create(&client, &table).await;
        assert!(describe(&client, &table).await.deletion_protection);
        let refused = client.delete_table().table_name(&table).send().await;
        assert!(
            refused.is_err(),
            "{format:?}: a protected table was deleted"
        );
        client
            .update_table()
            .table_name(&table)
            .deletion_protection_enabled(false)
            .send()
            .await
            .unwrap();
        delete(&client, &table).await;
    }
}
