//! `codegen export`: the CloudFormation template of every fixture schema and of the example's
//! `schema.yaml` passes `cfn-lint` (installed by `scripts/cfn-lint`) in both billing modes, and
//! both the template (as JSON) and the Terraform (parsed with an HCL parser) describe exactly
//! the table the model asks for, checked against expectations built here from the model.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use codegen::Model;
use codegen::export::{Args, Billing, Format, Options};
use codegen::model::{IndexKind, Projection, Type};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every fixture schema and the example's `schema.yaml`, with their models.
fn schemas() -> Vec<(String, Model)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root().join("codegen/tests/fixtures"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    paths.push(root().join("schema.yaml"));
    paths
        .into_iter()
        .map(|path| {
            let checked = codegen::check_file(&path).unwrap();
            let model = checked
                .model
                .unwrap_or_else(|| panic!("{} does not check", path.display()));
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            (name, model)
        })
        .collect()
}

/// The option sets every schema is exported with: the defaults, and provisioned capacity
/// with point-in-time recovery and deletion protection off.
fn option_sets() -> Vec<Options> {
    vec![
        Options::default(),
        Options {
            table_name: Some("renamed-table.v2".into()),
            billing: Billing::Provisioned { read: 7, write: 3 },
            point_in_time_recovery: false,
            deletion_protection: false,
        },
    ]
}

/// A table as both formats should describe it, order-free where DynamoDB is.
#[derive(Debug, PartialEq, Eq)]
struct Expected {
    name: String,
    provisioned: Option<(u64, u64)>,
    key: Vec<(String, &'static str)>,
    attributes: BTreeMap<String, String>,
    /// Global indexes: key schema, projection type, non-key attributes, capacity.
    globals: BTreeMap<String, Index>,
    /// Local indexes: key schema (the table's partition key first), projection.
    locals: BTreeMap<String, Index>,
    ttl: Option<String>,
    pitr: bool,
    deletion_protection: bool,
}

#[derive(Debug, PartialEq, Eq)]
struct Index {
    key: Vec<(String, &'static str)>,
    projection: String,
    non_key: BTreeSet<String>,
    provisioned: Option<(u64, u64)>,
}

fn stored_type(model: &Model, index: &str, attribute: &str) -> String {
    let ty = model
        .entities
        .iter()
        .filter(|e| e.native.iter().any(|n| n == index))
        .find_map(|e| e.attributes.iter().find(|a| a.stored_name == attribute))
        .map(|a| &a.ty)
        .unwrap_or_else(|| panic!("no entity on {index} stores {attribute}"));
    match ty {
        Type::Integer | Type::Float => "N",
        Type::Bytes => "B",
        _ => "S",
    }
    .to_owned()
}

/// What the model asks for, derived here without the exporter's own helpers.
fn expected(model: &Model, options: &Options) -> Expected {
    let t = &model.table;
    let provisioned = match options.billing {
        Billing::OnDemand => None,
        Billing::Provisioned { read, write } => Some((read, write)),
    };
    let pair = |pk: &str, sk: Option<&String>| {
        let mut key = vec![(pk.to_owned(), "HASH")];
        key.extend(sk.map(|s| (s.clone(), "RANGE")));
        key
    };
    let mut attributes = BTreeMap::new();
    attributes.insert(t.partition_key.clone(), "S".to_owned());
    if let Some(sk) = &t.sort_key {
        attributes.insert(sk.clone(), "S".to_owned());
    }
    let mut globals = BTreeMap::new();
    let mut locals = BTreeMap::new();
    for i in &t.indexes {
        let key = match &i.multi {
            Some((partition, sort)) => {
                for a in partition.iter().chain(sort) {
                    attributes.insert(a.clone(), stored_type(model, &i.name, a));
                }
                let mut key: Vec<_> = partition.iter().map(|a| (a.clone(), "HASH")).collect();
                key.extend(sort.iter().map(|a| (a.clone(), "RANGE")));
                key
            }
            None if i.kind == IndexKind::Local => {
                let sk = i.sort_key.as_ref().expect("a local index has a sort key");
                attributes.insert(sk.clone(), "S".to_owned());
                pair(&t.partition_key, Some(sk))
            }
            None => {
                attributes.insert(i.partition_key.clone(), "S".to_owned());
                if let Some(sk) = &i.sort_key {
                    attributes.insert(sk.clone(), "S".to_owned());
                }
                pair(&i.partition_key, i.sort_key.as_ref())
            }
        };
        let (projection, non_key) = match &i.projection {
            Projection::All => ("ALL", BTreeSet::new()),
            Projection::KeysOnly => ("KEYS_ONLY", BTreeSet::new()),
            Projection::Include(attrs) => {
                let mut set: BTreeSet<String> = attrs.iter().cloned().collect();
                set.insert(t.type_attribute.clone());
                ("INCLUDE", set)
            }
        };
        let local = i.kind == IndexKind::Local;
        let index = Index {
            key,
            projection: projection.to_owned(),
            non_key,
            provisioned: if local { None } else { provisioned },
        };
        if local {
            locals.insert(i.name.clone(), index);
        } else {
            globals.insert(i.name.clone(), index);
        }
    }
    Expected {
        name: options.table_name.clone().unwrap_or_else(|| t.name.clone()),
        provisioned,
        key: pair(&t.partition_key, t.sort_key.as_ref()),
        attributes,
        globals,
        locals,
        ttl: t.ttl_attribute.clone(),
        pitr: options.point_in_time_recovery,
        deletion_protection: options.deletion_protection,
    }
}

fn export(model: &Model, format: Format, options: &Options) -> String {
    codegen::export::export(model, format, options, "schema.yaml").unwrap()
}

// --- CloudFormation ----------------------------------------------------------------------

fn str_of(v: &serde_json::Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("not a string: {v}"))
        .to_owned()
}

fn cfn_key(v: &serde_json::Value) -> Vec<(String, &'static str)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let kind = match e["KeyType"].as_str() {
                Some("HASH") => "HASH",
                Some("RANGE") => "RANGE",
                other => panic!("key type {other:?}"),
            };
            (str_of(&e["AttributeName"]), kind)
        })
        .collect()
}

fn cfn_throughput(v: &serde_json::Value) -> Option<(u64, u64)> {
    (!v.is_null()).then(|| {
        (
            v["ReadCapacityUnits"].as_u64().unwrap(),
            v["WriteCapacityUnits"].as_u64().unwrap(),
        )
    })
}

fn cfn_indexes(v: &serde_json::Value) -> BTreeMap<String, Index> {
    let Some(list) = v.as_array() else {
        assert!(v.is_null(), "indexes are a list: {v}");
        return BTreeMap::new();
    };
    list.iter()
        .map(|i| {
            let non_key = i["Projection"]["NonKeyAttributes"]
                .as_array()
                .map(|a| a.iter().map(str_of).collect())
                .unwrap_or_default();
            let index = Index {
                key: cfn_key(&i["KeySchema"]),
                projection: str_of(&i["Projection"]["ProjectionType"]),
                non_key,
                provisioned: cfn_throughput(&i["ProvisionedThroughput"]),
            };
            (str_of(&i["IndexName"]), index)
        })
        .collect()
}

/// The table a CloudFormation template describes.
fn from_cloudformation(text: &str) -> Expected {
    let template: serde_json::Value = serde_json::from_str(text).unwrap();
    let resources = template["Resources"].as_object().unwrap();
    assert_eq!(resources.len(), 1, "one resource: {text}");
    let (id, table) = resources.iter().next().unwrap();
    assert_eq!(table["Type"], "AWS::DynamoDB::Table");
    assert_eq!(
        template["Outputs"]["TableName"]["Value"]["Ref"],
        id.as_str()
    );
    let p = &table["Properties"];
    let provisioned = cfn_throughput(&p["ProvisionedThroughput"]);
    let billing = p["BillingMode"].as_str();
    assert_eq!(
        billing,
        Some(if provisioned.is_some() {
            "PROVISIONED"
        } else {
            "PAY_PER_REQUEST"
        })
    );
    let deletion_protection = p["DeletionProtectionEnabled"].as_bool().unwrap();
    let policy = if deletion_protection {
        "Retain"
    } else {
        "Delete"
    };
    assert_eq!(table["DeletionPolicy"], policy);
    assert_eq!(table["UpdateReplacePolicy"], policy);
    let attributes = p["AttributeDefinitions"].as_array().unwrap();
    let map: BTreeMap<String, String> = attributes
        .iter()
        .map(|a| (str_of(&a["AttributeName"]), str_of(&a["AttributeType"])))
        .collect();
    assert_eq!(map.len(), attributes.len(), "each attribute once: {text}");
    let ttl = &p["TimeToLiveSpecification"];
    if !ttl.is_null() {
        assert_eq!(ttl["Enabled"], true);
    }
    Expected {
        name: str_of(&p["TableName"]),
        provisioned,
        key: cfn_key(&p["KeySchema"]),
        attributes: map,
        globals: cfn_indexes(&p["GlobalSecondaryIndexes"]),
        locals: cfn_indexes(&p["LocalSecondaryIndexes"]),
        ttl: (!ttl.is_null()).then(|| str_of(&ttl["AttributeName"])),
        pitr: p["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"]
            .as_bool()
            .unwrap(),
        deletion_protection,
    }
}

// --- Terraform ---------------------------------------------------------------------------

fn hcl_attr<'a>(body: &'a hcl::Body, key: &str) -> Option<&'a hcl::Expression> {
    let mut found = body.attributes().filter(|a| a.key() == key);
    let first = found.next().map(|a| a.expr());
    assert!(found.next().is_none(), "`{key}` set twice");
    first
}

fn hcl_str(body: &hcl::Body, key: &str) -> Option<String> {
    hcl_attr(body, key).map(|e| match e {
        hcl::Expression::String(s) => s.clone(),
        other => panic!("`{key}` is not a string literal: {other:?}"),
    })
}

fn hcl_u64(body: &hcl::Body, key: &str) -> Option<u64> {
    hcl_attr(body, key).map(|e| match e {
        hcl::Expression::Number(n) => n.as_u64().unwrap(),
        other => panic!("`{key}` is not a number: {other:?}"),
    })
}

fn hcl_bool(body: &hcl::Body, key: &str) -> Option<bool> {
    hcl_attr(body, key).map(|e| match e {
        hcl::Expression::Bool(b) => *b,
        other => panic!("`{key}` is not a bool: {other:?}"),
    })
}

fn blocks<'a>(body: &'a hcl::Body, name: &'a str) -> impl Iterator<Item = &'a hcl::Block> {
    body.blocks().filter(move |b| b.identifier() == name)
}

fn one_block<'a>(body: &'a hcl::Body, name: &'a str) -> Option<&'a hcl::Body> {
    let found: Vec<_> = blocks(body, name).collect();
    assert!(found.len() <= 1, "`{name}` more than once");
    found.first().map(|b| b.body())
}

fn key_type(text: &str) -> &'static str {
    match text {
        "HASH" => "HASH",
        "RANGE" => "RANGE",
        other => panic!("key type {other}"),
    }
}

fn hcl_capacity(body: &hcl::Body) -> Option<(u64, u64)> {
    match (
        hcl_u64(body, "read_capacity"),
        hcl_u64(body, "write_capacity"),
    ) {
        (Some(r), Some(w)) => Some((r, w)),
        (None, None) => None,
        other => panic!("read and write capacity go together: {other:?}"),
    }
}

fn hcl_projection(body: &hcl::Body) -> (String, BTreeSet<String>) {
    let non_key = match hcl_attr(body, "non_key_attributes") {
        Some(hcl::Expression::Array(items)) => items
            .iter()
            .map(|e| match e {
                hcl::Expression::String(s) => s.clone(),
                other => panic!("non-key attribute {other:?}"),
            })
            .collect(),
        Some(other) => panic!("non_key_attributes is not a list: {other:?}"),
        None => BTreeSet::new(),
    };
    (hcl_str(body, "projection_type").unwrap(), non_key)
}

/// The table a Terraform `aws_dynamodb_table` resource describes.
fn from_terraform(text: &str) -> Expected {
    let file = hcl::parse(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let resources: Vec<_> = blocks(&file, "resource").collect();
    assert_eq!(resources.len(), 1, "{text}");
    let labels: Vec<&str> = resources[0].labels().iter().map(|l| l.as_str()).collect();
    assert_eq!(labels.len(), 2);
    assert_eq!(labels[0], "aws_dynamodb_table");
    let body = resources[0].body();
    let provisioned = hcl_capacity(body);
    let billing = hcl_str(body, "billing_mode");
    assert_eq!(
        billing.as_deref(),
        Some(if provisioned.is_some() {
            "PROVISIONED"
        } else {
            "PAY_PER_REQUEST"
        })
    );
    let mut key = vec![(hcl_str(body, "hash_key").unwrap(), "HASH")];
    key.extend(hcl_str(body, "range_key").map(|k| (k, "RANGE")));
    let mut attributes = BTreeMap::new();
    for a in blocks(body, "attribute") {
        let name = hcl_str(a.body(), "name").unwrap();
        let previous = attributes.insert(name.clone(), hcl_str(a.body(), "type").unwrap());
        assert!(previous.is_none(), "attribute {name} twice");
    }
    let mut globals = BTreeMap::new();
    for g in blocks(body, "global_secondary_index") {
        let g = g.body();
        let key_schema: Vec<_> = blocks(g, "key_schema").collect();
        let key = if key_schema.is_empty() {
            let mut key = vec![(hcl_str(g, "hash_key").unwrap(), "HASH")];
            key.extend(hcl_str(g, "range_key").map(|k| (k, "RANGE")));
            key
        } else {
            assert!(hcl_attr(g, "hash_key").is_none() && hcl_attr(g, "range_key").is_none());
            key_schema
                .iter()
                .map(|k| {
                    let kind = hcl_str(k.body(), "key_type").unwrap();
                    (
                        hcl_str(k.body(), "attribute_name").unwrap(),
                        key_type(&kind),
                    )
                })
                .collect()
        };
        let (projection, non_key) = hcl_projection(g);
        let index = Index {
            key,
            projection,
            non_key,
            provisioned: hcl_capacity(g),
        };
        globals.insert(hcl_str(g, "name").unwrap(), index);
    }
    let table_pk = key[0].0.clone();
    let mut locals = BTreeMap::new();
    for l in blocks(body, "local_secondary_index") {
        let l = l.body();
        let (projection, non_key) = hcl_projection(l);
        let index = Index {
            // A local index's partition key is the table's.
            key: vec![
                (table_pk.clone(), "HASH"),
                (hcl_str(l, "range_key").unwrap(), "RANGE"),
            ],
            projection,
            non_key,
            provisioned: None,
        };
        locals.insert(hcl_str(l, "name").unwrap(), index);
    }
    let ttl = one_block(body, "ttl").map(|t| {
        assert_eq!(hcl_bool(t, "enabled"), Some(true));
        hcl_str(t, "attribute_name").unwrap()
    });
    Expected {
        name: hcl_str(body, "name").unwrap(),
        provisioned,
        key,
        attributes,
        globals,
        locals,
        ttl,
        pitr: one_block(body, "point_in_time_recovery")
            .and_then(|p| hcl_bool(p, "enabled"))
            .unwrap(),
        deletion_protection: hcl_bool(body, "deletion_protection_enabled").unwrap(),
    }
}

// --- Tests -------------------------------------------------------------------------------

#[test]
fn cloudformation_describes_the_model() {
    for (name, model) in schemas() {
        for options in option_sets() {
            let text = export(&model, Format::CloudFormation, &options);
            assert_eq!(
                from_cloudformation(&text),
                expected(&model, &options),
                "{name} with {options:?}:\n{text}"
            );
        }
    }
}

#[test]
fn terraform_describes_the_model() {
    for (name, model) in schemas() {
        for options in option_sets() {
            let text = export(&model, Format::Terraform, &options);
            assert_eq!(
                from_terraform(&text),
                expected(&model, &options),
                "{name} with {options:?}:\n{text}"
            );
        }
    }
}

/// cfn-lint (pinned, installed by `scripts/cfn-lint`) finds nothing, informational checks
/// included, in the template of every schema, billed on demand and provisioned.
#[test]
fn cloudformation_passes_cfn_lint() {
    let dir = std::env::temp_dir().join(format!("singletable-cfn-lint-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut files = Vec::new();
    for (name, model) in schemas() {
        for (n, options) in option_sets().iter().enumerate() {
            let file = dir.join(format!("{name}-{n}.json"));
            std::fs::write(&file, export(&model, Format::CloudFormation, options)).unwrap();
            files.push(file);
        }
    }
    assert!(files.len() >= 40, "{} templates", files.len());
    let out = Command::new(root().join("scripts/cfn-lint"))
        .args(["--include-checks", "I", "--format", "parseable", "--"])
        .args(&files)
        .output()
        .expect("run scripts/cfn-lint");
    let findings = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && findings.trim().is_empty(),
        "cfn-lint exited with {:?}:\n{findings}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );

    // The linter does look: a template with an attribute no key uses is a finding.
    let broken = export(&schemas()[0].1, Format::CloudFormation, &Options::default()).replacen(
        "\"AttributeDefinitions\": [",
        "\"AttributeDefinitions\": [\n          { \"AttributeName\": \"unused\", \"AttributeType\": \"S\" },",
        1,
    );
    let file = dir.join("broken.json");
    std::fs::write(&file, broken).unwrap();
    let out = Command::new(root().join("scripts/cfn-lint"))
        .args(["--format", "parseable", "--"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("E3039"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

fn model_of(name: &str) -> Model {
    schemas()
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, m)| m)
        .unwrap()
}

#[test]
fn multi_attribute_keys_in_both_formats() {
    let model = model_of("multi_attribute_keys");
    let cfn = export(&model, Format::CloudFormation, &Options::default());
    let template: serde_json::Value = serde_json::from_str(&cfn).unwrap();
    let p = &template["Resources"]["LeaderboardTable"]["Properties"];
    assert_eq!(
        cfn_key(&p["GlobalSecondaryIndexes"][0]["KeySchema"]),
        [
            ("tenant_id".to_owned(), "HASH"),
            ("region".to_owned(), "HASH"),
            ("score".to_owned(), "RANGE"),
            ("placed_at".to_owned(), "RANGE"),
        ]
    );
    let types: BTreeMap<String, String> = p["AttributeDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (str_of(&a["AttributeName"]), str_of(&a["AttributeType"])))
        .collect();
    assert_eq!(types["score"], "N");
    assert_eq!(types["placed_at"], "S");

    let tf = export(&model, Format::Terraform, &Options::default());
    assert!(tf.contains("hashicorp/aws 6.29.0 or later"), "{tf}");
    assert_eq!(tf.matches("key_schema {").count(), 4, "{tf}");
    insta::assert_snapshot!("multi_attribute_keys.tf", tf);
}

#[test]
fn example_schema_exports() {
    let model = model_of("schema");
    insta::assert_snapshot!(
        "schema.json",
        export(&model, Format::CloudFormation, &Options::default())
    );
    insta::assert_snapshot!(
        "schema.tf",
        export(&model, Format::Terraform, &Options::default())
    );
    let provisioned = Options {
        billing: Billing::Provisioned { read: 5, write: 2 },
        ..Options::default()
    };
    insta::assert_snapshot!(
        "schema-provisioned.tf",
        export(&model, Format::Terraform, &provisioned)
    );
}

#[test]
fn output_is_deterministic() {
    let model = model_of("schema");
    for format in [Format::CloudFormation, Format::Terraform] {
        let first = export(&model, format, &Options::default());
        for _ in 0..3 {
            assert_eq!(export(&model, format, &Options::default()), first);
        }
    }
}

/// The names of the template's resource follow the schema's table name, not the physical
/// name, so one template deploys under several names without replacing the table.
#[test]
fn resource_names_follow_the_schema() {
    let model = model_of("schema");
    let renamed = Options {
        table_name: Some("tracker-prod".into()),
        ..Options::default()
    };
    let cfn = export(&model, Format::CloudFormation, &renamed);
    assert!(cfn.contains("\"TrackerTable\": {"), "{cfn}");
    assert!(cfn.contains("\"TableName\": \"tracker-prod\""), "{cfn}");
    let tf = export(&model, Format::Terraform, &renamed);
    assert!(
        tf.contains("resource \"aws_dynamodb_table\" \"tracker\" {"),
        "{tf}"
    );
    assert!(
        tf.contains("name                        = \"tracker-prod\""),
        "{tf}"
    );
}

#[test]
fn bad_options_are_errors() {
    let model = model_of("schema");
    for bad in ["ab", "has space", "x".repeat(256).as_str(), "tröt"] {
        let options = Options {
            table_name: Some(bad.to_owned()),
            ..Options::default()
        };
        let e = codegen::export::export(&model, Format::Terraform, &options, "s").unwrap_err();
        assert!(e.contains("is not a DynamoDB table name"), "{e}");
    }
    let zero = Options {
        billing: Billing::Provisioned { read: 0, write: 1 },
        ..Options::default()
    };
    assert!(codegen::export::export(&model, Format::CloudFormation, &zero, "s").is_err());
}

fn args(line: &str) -> Result<Args, String> {
    let words: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
    Args::parse(&words)
}

#[test]
fn arguments() {
    let a = args("terraform schema.yaml").unwrap();
    assert_eq!(a.format, Format::Terraform);
    assert_eq!(a.schema, "schema.yaml");
    assert_eq!(a.out, None);
    assert_eq!(a.options, Options::default());

    let a = args(
        "cloudformation s.yaml --out t.json --billing provisioned --read 5 --write 2 \
         --no-pitr --no-deletion-protection --table-name app-prod",
    )
    .unwrap();
    assert_eq!(a.format, Format::CloudFormation);
    assert_eq!(a.out.as_deref(), Some("t.json"));
    assert_eq!(
        a.options,
        Options {
            table_name: Some("app-prod".into()),
            billing: Billing::Provisioned { read: 5, write: 2 },
            point_in_time_recovery: false,
            deletion_protection: false,
        }
    );

    for (line, message) in [
        ("", "needs a format"),
        ("yaml s.yaml", "unknown format `yaml`"),
        ("terraform", "needs the schema"),
        (
            "terraform s.yaml --billing provisioned",
            "needs --read N and --write N",
        ),
        (
            "terraform s.yaml --billing provisioned --read 5",
            "needs --read N and --write N",
        ),
        (
            "terraform s.yaml --read 5 --write 5",
            "need --billing provisioned",
        ),
        (
            "terraform s.yaml --billing monthly",
            "on-demand or provisioned",
        ),
        (
            "terraform s.yaml --billing provisioned --read 0 --write 1",
            "1 or more",
        ),
        ("terraform s.yaml --read x", "whole number"),
        ("terraform s.yaml --pitr", "unknown option `--pitr`"),
        (
            "terraform s.yaml other.yaml",
            "unexpected argument `other.yaml`",
        ),
        ("terraform s.yaml --out", "--out needs a file"),
    ] {
        let e = args(line).unwrap_err();
        assert!(e.contains(message), "`{line}`: {e}");
    }
}

/// The command line: output to a file (the library's text), and usage errors exit with 2.
#[test]
fn command_line() {
    let bin = env!("CARGO_BIN_EXE_codegen");
    let schema = root().join("schema.yaml");
    let dir = std::env::temp_dir().join(format!("singletable-export-cli-{}", std::process::id()));
    let out = dir.join("table.tf");
    let run = Command::new(bin)
        .arg("export")
        .arg("terraform")
        .arg(&schema)
        .arg("--out")
        .arg(&out)
        .args(["--billing", "provisioned", "--read", "4", "--write", "2"])
        .output()
        .unwrap();
    assert!(run.status.success(), "{run:?}");
    let options = Options {
        billing: Billing::Provisioned { read: 4, write: 2 },
        ..Options::default()
    };
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        export(&model_of("schema"), Format::Terraform, &options)
    );

    let stdout = Command::new(bin)
        .args(["export", "cloudformation"])
        .arg(&schema)
        .output()
        .unwrap();
    assert!(stdout.status.success());
    assert_eq!(
        String::from_utf8(stdout.stdout).unwrap(),
        export(
            &model_of("schema"),
            Format::CloudFormation,
            &Options::default()
        )
    );

    let bad = Command::new(bin)
        .args(["export", "terraform"])
        .arg(&schema)
        .args(["--billing", "provisioned"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--read N and --write N"));

    let invalid = dir.join("invalid.yaml");
    std::fs::write(&invalid, "version: 1\ntable: {}\nentities: {}\n").unwrap();
    let failed = Command::new(bin)
        .args(["export", "terraform"])
        .arg(&invalid)
        .output()
        .unwrap();
    assert_eq!(failed.status.code(), Some(1), "{failed:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}
