//! `codegen explain` tells the truth: for several patterns, every stage `explain` lists is
//! run through the generated code with the example values against DynamoDB Local, and the
//! request the SDK really sends (captured by an interceptor on the client) must equal what
//! `codegen::explain` worked out from the schema: operation, index, key condition, filter,
//! projection, `Select`, placeholder names and values, consistency, order and limit. The call
//! written here must be the stage's own call text, and every stage of each pattern is run.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::operation::query::QueryInput;
use aws_sdk_dynamodb::operation::scan::ScanInput;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_types::config_bag::ConfigBag;
use codegen::examples::AttrValue;
use codegen::explain::{Explanation, Request};
use singletable::Table;
use singletable::test_util::TestTable;

/// Records every Query and Scan request as an [`explain::Request`](Request).
#[derive(Debug, Clone, Default)]
struct Recorder {
    requests: Arc<Mutex<Vec<Request>>>,
}

fn values(
    map: Option<&std::collections::HashMap<String, AttributeValue>>,
) -> BTreeMap<String, AttrValue> {
    map.into_iter()
        .flatten()
        .map(|(k, v)| {
            let v = match v {
                AttributeValue::S(s) => AttrValue::S(s.clone()),
                AttributeValue::N(n) => AttrValue::N(n.clone()),
                other => panic!("unexpected value {other:?}"),
            };
            (k.clone(), v)
        })
        .collect()
}

fn names(map: Option<&std::collections::HashMap<String, String>>) -> BTreeMap<String, String> {
    map.into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// `Select` as the request's wire name.
fn select(s: Option<&aws_sdk_dynamodb::types::Select>) -> Option<&'static str> {
    s.map(|s| match s.as_str() {
        "ALL_PROJECTED_ATTRIBUTES" => "ALL_PROJECTED_ATTRIBUTES",
        "ALL_ATTRIBUTES" => "ALL_ATTRIBUTES",
        "COUNT" => "COUNT",
        "SPECIFIC_ATTRIBUTES" => "SPECIFIC_ATTRIBUTES",
        other => panic!("unexpected Select {other}"),
    })
}

impl Intercept for Recorder {
    fn name(&self) -> &'static str {
        "ExplainRecorder"
    }

    fn read_before_execution(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let input = context.input();
        let request = if let Some(q) = input.downcast_ref::<QueryInput>() {
            Request {
                operation: "Query",
                table_name: q.table_name().unwrap_or_default().to_owned(),
                index_name: q.index_name().map(str::to_owned),
                key_condition: q.key_condition_expression().map(str::to_owned),
                filter: q.filter_expression().map(str::to_owned),
                projection: q.projection_expression().map(str::to_owned),
                select: select(q.select()),
                names: names(q.expression_attribute_names()),
                values: values(q.expression_attribute_values()),
                consistent_read: q.consistent_read().expect("ConsistentRead is always sent"),
                scan_index_forward: q.scan_index_forward(),
                limit: q.limit(),
            }
        } else if let Some(s) = input.downcast_ref::<ScanInput>() {
            Request {
                operation: "Scan",
                table_name: s.table_name().unwrap_or_default().to_owned(),
                index_name: s.index_name().map(str::to_owned),
                key_condition: None,
                filter: s.filter_expression().map(str::to_owned),
                projection: s.projection_expression().map(str::to_owned),
                select: select(s.select()),
                names: names(s.expression_attribute_names()),
                values: values(s.expression_attribute_values()),
                consistent_read: s.consistent_read().expect("ConsistentRead is always sent"),
                scan_index_forward: None,
                limit: s.limit(),
            }
        } else {
            return Ok(());
        };
        self.requests.lock().unwrap().push(request);
        Ok(())
    }
}

impl Recorder {
    fn take(&self) -> Vec<Request> {
        std::mem::take(&mut *self.requests.lock().unwrap())
    }
}

/// The test table seen through a client that records its requests.
fn recorded(t: &TestTable) -> (Table, Recorder) {
    let recorder = Recorder::default();
    let config = t
        .client()
        .config()
        .to_builder()
        .interceptor(recorder.clone())
        .build();
    (
        Table::new(aws_sdk_dynamodb::Client::from_conf(config), t.name()),
        recorder,
    )
}

fn explain(schema: &str, pattern: &str) -> Explanation {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(schema);
    let model = codegen::check_file(&path)
        .unwrap()
        .model
        .expect("a valid schema");
    codegen::explain::explain(&model, pattern).unwrap()
}

/// A call's text without whitespace (`stringify!` spaces tokens its own way).
fn normalize(call: &str) -> String {
    call.split_whitespace().collect()
}

/// Compares the requests a stage sent with what `explain` says, shards in any order.
fn compare(x: &Explanation, call: &str, table: &str, mut sent: Vec<Request>) {
    let stage = x
        .stages
        .iter()
        .find(|s| normalize(&s.call) == normalize(call))
        .unwrap_or_else(|| panic!("explain lists no stage called {call}"));
    let mut expected = stage.requests.clone();
    for r in &mut sent {
        assert_eq!(r.table_name, table, "{call}");
    }
    for r in &mut expected {
        r.table_name = table.to_owned();
    }
    let order = |r: &Request| format!("{:?}", r.values);
    sent.sort_by_key(order);
    expected.sort_by_key(order);
    assert_eq!(sent, expected, "{call}");
}

/// Runs each call's first page through a recording client and compares; then checks that
/// the calls are exactly the pattern's stages.
macro_rules! check_pattern {
    ($schema:expr, $pattern:expr, $def:expr, [$($call:expr,)*]) => {{
        let x = explain($schema, $pattern);
        let t = TestTable::create(&$def).await.unwrap();
        let (table, recorder) = recorded(&t);
        let mut run = Vec::new();
        $(
            recorder.take();
            ($call).page(&table, None).await.unwrap();
            compare(&x, stringify!($call), table.name(), recorder.take());
            run.push(normalize(stringify!($call)));
        )*
        let mut all: Vec<String> = x.stages.iter().map(|s| normalize(&s.call)).collect();
        all.sort();
        run.sort();
        assert_eq!(run, all, "every stage of {} is run", $pattern);
    }};
}

mod app {
    use super::*;
    use chrono::NaiveDate;
    use singletable::Ulid;
    use tests::app::{Activity, OrgOverview, TABLE, Task, TaskStatus, User};

    /// A GSI with an `include` projection, an enum, an integer and a string sort field.
    #[tokio::test]
    async fn assigned_tasks() {
        check_pattern!(
            "schema.yaml",
            "assigned_tasks",
            TABLE,
            [
                Task::assigned_tasks("assignee-1"),
                Task::assigned_tasks("assignee-1").status_eq(TaskStatus::Blocked),
                Task::assigned_tasks("assignee-1").status_lt(TaskStatus::Blocked),
                Task::assigned_tasks("assignee-1").status_lte(TaskStatus::Blocked),
                Task::assigned_tasks("assignee-1").status_gt(TaskStatus::Blocked),
                Task::assigned_tasks("assignee-1").status_gte(TaskStatus::Blocked),
                Task::assigned_tasks("assignee-1")
                    .status_between(TaskStatus::Blocked, TaskStatus::Done),
                Task::assigned_tasks("assignee-1")
                    .status_eq(TaskStatus::Blocked)
                    .priority_eq(1),
                Task::assigned_tasks("assignee-1")
                    .status_eq(TaskStatus::Blocked)
                    .priority_lt(1),
                Task::assigned_tasks("assignee-1")
                    .status_eq(TaskStatus::Blocked)
                    .priority_lte(1),
                Task::assigned_tasks("assignee-1")
                    .status_eq(TaskStatus::Blocked)
                    .priority_gt(1),
                Task::assigned_tasks("assignee-1")
                    .status_eq(TaskStatus::Blocked)
                    .priority_gte(1),
                Task::assigned_tasks("assignee-1")
                    .status_eq(TaskStatus::Blocked)
                    .priority_between(1, 2),
                Task::assigned_tasks("assignee-1")
                    .status_eq(TaskStatus::Blocked)
                    .priority_eq(1)
                    .task_id_eq("task-1"),
                Task::assigned_tasks("assignee-1")
                    .status_eq(TaskStatus::Blocked)
                    .priority_eq(1)
                    .task_id_lt("task-1"),
                Task::assigned_tasks("assignee-1")
                    .status_eq(TaskStatus::Blocked)
                    .priority_eq(1)
                    .task_id_lte("task-1"),
                Task::assigned_tasks("assignee-1")
                    .status_eq(TaskStatus::Blocked)
                    .priority_eq(1)
                    .task_id_gt("task-1"),
                Task::assigned_tasks("assignee-1")
                    .status_eq(TaskStatus::Blocked)
                    .priority_eq(1)
                    .task_id_gte("task-1"),
                Task::assigned_tasks("assignee-1")
                    .status_eq(TaskStatus::Blocked)
                    .priority_eq(1)
                    .task_id_between("task-1", "task-2"),
                Task::assigned_tasks("assignee-1")
                    .status_eq(TaskStatus::Blocked)
                    .priority_eq(1)
                    .task_id_begins_with("task-"),
            ]
        );
    }

    /// A local index: strong reads possible, an integer then a string field.
    #[tokio::test]
    async fn tasks_by_priority() {
        check_pattern!(
            "schema.yaml",
            "tasks_by_priority",
            TABLE,
            [
                Task::tasks_by_priority("project-1"),
                Task::tasks_by_priority("project-1").priority_eq(1),
                Task::tasks_by_priority("project-1").priority_lt(1),
                Task::tasks_by_priority("project-1").priority_lte(1),
                Task::tasks_by_priority("project-1").priority_gt(1),
                Task::tasks_by_priority("project-1").priority_gte(1),
                Task::tasks_by_priority("project-1").priority_between(1, 2),
                Task::tasks_by_priority("project-1")
                    .priority_eq(1)
                    .task_id_eq("task-1"),
                Task::tasks_by_priority("project-1")
                    .priority_eq(1)
                    .task_id_lt("task-1"),
                Task::tasks_by_priority("project-1")
                    .priority_eq(1)
                    .task_id_lte("task-1"),
                Task::tasks_by_priority("project-1")
                    .priority_eq(1)
                    .task_id_gt("task-1"),
                Task::tasks_by_priority("project-1")
                    .priority_eq(1)
                    .task_id_gte("task-1"),
                Task::tasks_by_priority("project-1")
                    .priority_eq(1)
                    .task_id_between("task-1", "task-2"),
                Task::tasks_by_priority("project-1")
                    .priority_eq(1)
                    .task_id_begins_with("task-"),
            ]
        );
    }

    /// An item collection (a type filter of three entities), a constant sort key, a scan,
    /// and a day-bucketed partition read in descending order.
    #[tokio::test]
    async fn collection_constant_key_scan_and_bucket() {
        check_pattern!(
            "schema.yaml",
            "org_overview",
            TABLE,
            [OrgOverview::query("org-1"),]
        );
        check_pattern!(
            "schema.yaml",
            "user_by_email",
            TABLE,
            [User::user_by_email("email-1"),]
        );
        check_pattern!("schema.yaml", "all_tasks", TABLE, [Task::all_tasks(),]);
        check_pattern!(
            "schema.yaml",
            "activity_feed",
            TABLE,
            [
                Activity::activity_feed("org-1", NaiveDate::from_ymd_opt(2026, 1, 15).unwrap()),
                Activity::activity_feed_across(
                    "org-1",
                    NaiveDate::from_ymd_opt(2026, 1, 15).unwrap(),
                    NaiveDate::from_ymd_opt(2027, 2, 16).unwrap()
                ),
                Activity::activity_feed("org-1", NaiveDate::from_ymd_opt(2026, 1, 15).unwrap())
                    .activity_id_eq("01JHXW1R2Y3Z4A5B6C7D8E9F0G".parse::<Ulid>().unwrap()),
                Activity::activity_feed("org-1", NaiveDate::from_ymd_opt(2026, 1, 15).unwrap())
                    .activity_id_lt("01JHXW1R2Y3Z4A5B6C7D8E9F0G".parse::<Ulid>().unwrap()),
                Activity::activity_feed("org-1", NaiveDate::from_ymd_opt(2026, 1, 15).unwrap())
                    .activity_id_lte("01JHXW1R2Y3Z4A5B6C7D8E9F0G".parse::<Ulid>().unwrap()),
                Activity::activity_feed("org-1", NaiveDate::from_ymd_opt(2026, 1, 15).unwrap())
                    .activity_id_gt("01JHXW1R2Y3Z4A5B6C7D8E9F0G".parse::<Ulid>().unwrap()),
                Activity::activity_feed("org-1", NaiveDate::from_ymd_opt(2026, 1, 15).unwrap())
                    .activity_id_gte("01JHXW1R2Y3Z4A5B6C7D8E9F0G".parse::<Ulid>().unwrap()),
                Activity::activity_feed("org-1", NaiveDate::from_ymd_opt(2026, 1, 15).unwrap())
                    .activity_id_between(
                        "01JHXW1R2Y3Z4A5B6C7D8E9F0G".parse::<Ulid>().unwrap(),
                        "01JHXW1R2Y3Z4A5B6C7D8E9F0H".parse::<Ulid>().unwrap()
                    ),
                Activity::activity_feed("org-1", NaiveDate::from_ymd_opt(2026, 1, 15).unwrap())
                    .activity_id_begins_with("01J"),
            ]
        );
    }
}

/// `select:` on a GSI (descending), on an `include` index, and in a scan.
#[tokio::test]
async fn select_patterns() {
    use tests::fixtures::select::{Product, TABLE};
    check_pattern!(
        "codegen/tests/fixtures/select.yaml",
        "brand_names",
        TABLE,
        [
            Product::brand_names("brand-1"),
            Product::brand_names("brand-1").sku_eq("sku-1"),
            Product::brand_names("brand-1").sku_lt("sku-1"),
            Product::brand_names("brand-1").sku_lte("sku-1"),
            Product::brand_names("brand-1").sku_gt("sku-1"),
            Product::brand_names("brand-1").sku_gte("sku-1"),
            Product::brand_names("brand-1").sku_between("sku-1", "sku-2"),
            Product::brand_names("brand-1").sku_begins_with("sku-"),
        ]
    );
    check_pattern!(
        "codegen/tests/fixtures/select.yaml",
        "cheapest_names",
        TABLE,
        [
            Product::cheapest_names("shop-1"),
            Product::cheapest_names("shop-1").price_cents_eq(1),
            Product::cheapest_names("shop-1").price_cents_lt(1),
            Product::cheapest_names("shop-1").price_cents_lte(1),
            Product::cheapest_names("shop-1").price_cents_gt(1),
            Product::cheapest_names("shop-1").price_cents_gte(1),
            Product::cheapest_names("shop-1").price_cents_between(1, 2),
            Product::cheapest_names("shop-1")
                .price_cents_eq(1)
                .sku_eq("sku-1"),
            Product::cheapest_names("shop-1")
                .price_cents_eq(1)
                .sku_lt("sku-1"),
            Product::cheapest_names("shop-1")
                .price_cents_eq(1)
                .sku_lte("sku-1"),
            Product::cheapest_names("shop-1")
                .price_cents_eq(1)
                .sku_gt("sku-1"),
            Product::cheapest_names("shop-1")
                .price_cents_eq(1)
                .sku_gte("sku-1"),
            Product::cheapest_names("shop-1")
                .price_cents_eq(1)
                .sku_between("sku-1", "sku-2"),
            Product::cheapest_names("shop-1")
                .price_cents_eq(1)
                .sku_begins_with("sku-"),
        ]
    );
    check_pattern!(
        "codegen/tests/fixtures/select.yaml",
        "all_names",
        TABLE,
        [Product::all_names(),]
    );
}

/// A keys-only index: no type filter, `Select=ALL_PROJECTED_ATTRIBUTES`.
#[tokio::test]
async fn keys_only_index() {
    use tests::fixtures::projections::{Book, TABLE};
    check_pattern!(
        "codegen/tests/fixtures/projections.yaml",
        "books_by_author",
        TABLE,
        [
            Book::books_by_author("author-1"),
            Book::books_by_author("author-1").isbn_eq("isbn-1"),
            Book::books_by_author("author-1").isbn_lt("isbn-1"),
            Book::books_by_author("author-1").isbn_lte("isbn-1"),
            Book::books_by_author("author-1").isbn_gt("isbn-1"),
            Book::books_by_author("author-1").isbn_gte("isbn-1"),
            Book::books_by_author("author-1").isbn_between("isbn-1", "isbn-2"),
            Book::books_by_author("author-1").isbn_begins_with("isbn-"),
        ]
    );
}

/// Derived keys: a write-sharded day bucket (a fan-out of four queries), upper- and
/// lower-cased text, month, day, hour and year buckets.
#[tokio::test]
async fn derived_keys() {
    use chrono::{DateTime, NaiveDate, Utc};
    use singletable::Ulid;
    use tests::fixtures::derived_keys::{Category, Deal, TABLE};
    check_pattern!(
        "codegen/tests/fixtures/derived_keys.yaml",
        "deals_by_day",
        TABLE,
        [
            Deal::deals_by_day(NaiveDate::from_ymd_opt(2026, 1, 15).unwrap()),
            Deal::deals_by_day_across(
                NaiveDate::from_ymd_opt(2026, 1, 15).unwrap(),
                NaiveDate::from_ymd_opt(2027, 2, 16).unwrap()
            ),
            Deal::deals_by_day(NaiveDate::from_ymd_opt(2026, 1, 15).unwrap())
                .deal_id_eq("01JHXW1R2Y3Z4A5B6C7D8E9F0G".parse::<Ulid>().unwrap()),
            Deal::deals_by_day(NaiveDate::from_ymd_opt(2026, 1, 15).unwrap())
                .deal_id_lt("01JHXW1R2Y3Z4A5B6C7D8E9F0G".parse::<Ulid>().unwrap()),
            Deal::deals_by_day(NaiveDate::from_ymd_opt(2026, 1, 15).unwrap())
                .deal_id_lte("01JHXW1R2Y3Z4A5B6C7D8E9F0G".parse::<Ulid>().unwrap()),
            Deal::deals_by_day(NaiveDate::from_ymd_opt(2026, 1, 15).unwrap())
                .deal_id_gt("01JHXW1R2Y3Z4A5B6C7D8E9F0G".parse::<Ulid>().unwrap()),
            Deal::deals_by_day(NaiveDate::from_ymd_opt(2026, 1, 15).unwrap())
                .deal_id_gte("01JHXW1R2Y3Z4A5B6C7D8E9F0G".parse::<Ulid>().unwrap()),
            Deal::deals_by_day(NaiveDate::from_ymd_opt(2026, 1, 15).unwrap()).deal_id_between(
                "01JHXW1R2Y3Z4A5B6C7D8E9F0G".parse::<Ulid>().unwrap(),
                "01JHXW1R2Y3Z4A5B6C7D8E9F0H".parse::<Ulid>().unwrap()
            ),
            Deal::deals_by_day(NaiveDate::from_ymd_opt(2026, 1, 15).unwrap())
                .deal_id_begins_with("01J"),
        ]
    );
    check_pattern!(
        "codegen/tests/fixtures/derived_keys.yaml",
        "deals_by_brand",
        TABLE,
        [
            Deal::deals_by_brand("brand-1", NaiveDate::from_ymd_opt(2026, 1, 15).unwrap()),
            Deal::deals_by_brand_across(
                "brand-1",
                NaiveDate::from_ymd_opt(2026, 1, 15).unwrap(),
                NaiveDate::from_ymd_opt(2027, 2, 16).unwrap()
            ),
            Deal::deals_by_brand("brand-1", NaiveDate::from_ymd_opt(2026, 1, 15).unwrap())
                .category_upper_eq(Category::Food),
            Deal::deals_by_brand("brand-1", NaiveDate::from_ymd_opt(2026, 1, 15).unwrap())
                .category_upper_lt(Category::Food),
            Deal::deals_by_brand("brand-1", NaiveDate::from_ymd_opt(2026, 1, 15).unwrap())
                .category_upper_lte(Category::Food),
            Deal::deals_by_brand("brand-1", NaiveDate::from_ymd_opt(2026, 1, 15).unwrap())
                .category_upper_gt(Category::Food),
            Deal::deals_by_brand("brand-1", NaiveDate::from_ymd_opt(2026, 1, 15).unwrap())
                .category_upper_gte(Category::Food),
            Deal::deals_by_brand("brand-1", NaiveDate::from_ymd_opt(2026, 1, 15).unwrap())
                .category_upper_between(Category::Food, Category::Home),
            Deal::deals_by_brand("brand-1", NaiveDate::from_ymd_opt(2026, 1, 15).unwrap())
                .category_upper_begins_with("FOO"),
            Deal::deals_by_brand("brand-1", NaiveDate::from_ymd_opt(2026, 1, 15).unwrap())
                .category_upper_eq(Category::Food)
                .starts_at_day_eq(NaiveDate::from_ymd_opt(2026, 1, 15).unwrap()),
            Deal::deals_by_brand("brand-1", NaiveDate::from_ymd_opt(2026, 1, 15).unwrap())
                .category_upper_eq(Category::Food)
                .starts_at_day_lt(NaiveDate::from_ymd_opt(2026, 1, 15).unwrap()),
            Deal::deals_by_brand("brand-1", NaiveDate::from_ymd_opt(2026, 1, 15).unwrap())
                .category_upper_eq(Category::Food)
                .starts_at_day_lte(NaiveDate::from_ymd_opt(2026, 1, 15).unwrap()),
            Deal::deals_by_brand("brand-1", NaiveDate::from_ymd_opt(2026, 1, 15).unwrap())
                .category_upper_eq(Category::Food)
                .starts_at_day_gt(NaiveDate::from_ymd_opt(2026, 1, 15).unwrap()),
            Deal::deals_by_brand("brand-1", NaiveDate::from_ymd_opt(2026, 1, 15).unwrap())
                .category_upper_eq(Category::Food)
                .starts_at_day_gte(NaiveDate::from_ymd_opt(2026, 1, 15).unwrap()),
            Deal::deals_by_brand("brand-1", NaiveDate::from_ymd_opt(2026, 1, 15).unwrap())
                .category_upper_eq(Category::Food)
                .starts_at_day_between(
                    NaiveDate::from_ymd_opt(2026, 1, 15).unwrap(),
                    NaiveDate::from_ymd_opt(2027, 2, 16).unwrap()
                ),
            Deal::deals_by_brand("brand-1", NaiveDate::from_ymd_opt(2026, 1, 15).unwrap())
                .category_upper_eq(Category::Food)
                .starts_at_day_begins_with("2026-01-"),
            Deal::deals_by_brand("brand-1", NaiveDate::from_ymd_opt(2026, 1, 15).unwrap())
                .category_upper_eq(Category::Food)
                .starts_at_day_eq(NaiveDate::from_ymd_opt(2026, 1, 15).unwrap())
                .deal_id_eq("01JHXW1R2Y3Z4A5B6C7D8E9F0G".parse::<Ulid>().unwrap()),
            Deal::deals_by_brand("brand-1", NaiveDate::from_ymd_opt(2026, 1, 15).unwrap())
                .category_upper_eq(Category::Food)
                .starts_at_day_eq(NaiveDate::from_ymd_opt(2026, 1, 15).unwrap())
                .deal_id_lt("01JHXW1R2Y3Z4A5B6C7D8E9F0G".parse::<Ulid>().unwrap()),
            Deal::deals_by_brand("brand-1", NaiveDate::from_ymd_opt(2026, 1, 15).unwrap())
                .category_upper_eq(Category::Food)
                .starts_at_day_eq(NaiveDate::from_ymd_opt(2026, 1, 15).unwrap())
                .deal_id_lte("01JHXW1R2Y3Z4A5B6C7D8E9F0G".parse::<Ulid>().unwrap()),
            Deal::deals_by_brand("brand-1", NaiveDate::from_ymd_opt(2026, 1, 15).unwrap())
                .category_upper_eq(Category::Food)
                .starts_at_day_eq(NaiveDate::from_ymd_opt(2026, 1, 15).unwrap())
                .deal_id_gt("01JHXW1R2Y3Z4A5B6C7D8E9F0G".parse::<Ulid>().unwrap()),
            Deal::deals_by_brand("brand-1", NaiveDate::from_ymd_opt(2026, 1, 15).unwrap())
                .category_upper_eq(Category::Food)
                .starts_at_day_eq(NaiveDate::from_ymd_opt(2026, 1, 15).unwrap())
                .deal_id_gte("01JHXW1R2Y3Z4A5B6C7D8E9F0G".parse::<Ulid>().unwrap()),
            Deal::deals_by_brand("brand-1", NaiveDate::from_ymd_opt(2026, 1, 15).unwrap())
                .category_upper_eq(Category::Food)
                .starts_at_day_eq(NaiveDate::from_ymd_opt(2026, 1, 15).unwrap())
                .deal_id_between(
                    "01JHXW1R2Y3Z4A5B6C7D8E9F0G".parse::<Ulid>().unwrap(),
                    "01JHXW1R2Y3Z4A5B6C7D8E9F0H".parse::<Ulid>().unwrap()
                ),
            Deal::deals_by_brand("brand-1", NaiveDate::from_ymd_opt(2026, 1, 15).unwrap())
                .category_upper_eq(Category::Food)
                .starts_at_day_eq(NaiveDate::from_ymd_opt(2026, 1, 15).unwrap())
                .deal_id_begins_with("01J"),
        ]
    );
    check_pattern!(
        "codegen/tests/fixtures/derived_keys.yaml",
        "deals_by_hour",
        TABLE,
        [
            Deal::deals_by_hour(2026),
            Deal::deals_by_hour_across(2026, 2027),
            Deal::deals_by_hour(2026)
                .starts_at_hour_eq("2026-01-15T09:30:00Z".parse::<DateTime<Utc>>().unwrap()),
            Deal::deals_by_hour(2026)
                .starts_at_hour_lt("2026-01-15T09:30:00Z".parse::<DateTime<Utc>>().unwrap()),
            Deal::deals_by_hour(2026)
                .starts_at_hour_lte("2026-01-15T09:30:00Z".parse::<DateTime<Utc>>().unwrap()),
            Deal::deals_by_hour(2026)
                .starts_at_hour_gt("2026-01-15T09:30:00Z".parse::<DateTime<Utc>>().unwrap()),
            Deal::deals_by_hour(2026)
                .starts_at_hour_gte("2026-01-15T09:30:00Z".parse::<DateTime<Utc>>().unwrap()),
            Deal::deals_by_hour(2026).starts_at_hour_between(
                "2026-01-15T09:30:00Z".parse::<DateTime<Utc>>().unwrap(),
                "2027-02-16T10:45:00Z".parse::<DateTime<Utc>>().unwrap()
            ),
            Deal::deals_by_hour(2026).starts_at_hour_begins_with("2026-01-"),
            Deal::deals_by_hour(2026)
                .starts_at_hour_eq("2026-01-15T09:30:00Z".parse::<DateTime<Utc>>().unwrap())
                .brand_lower_eq("brand-1"),
            Deal::deals_by_hour(2026)
                .starts_at_hour_eq("2026-01-15T09:30:00Z".parse::<DateTime<Utc>>().unwrap())
                .brand_lower_lt("brand-1"),
            Deal::deals_by_hour(2026)
                .starts_at_hour_eq("2026-01-15T09:30:00Z".parse::<DateTime<Utc>>().unwrap())
                .brand_lower_lte("brand-1"),
            Deal::deals_by_hour(2026)
                .starts_at_hour_eq("2026-01-15T09:30:00Z".parse::<DateTime<Utc>>().unwrap())
                .brand_lower_gt("brand-1"),
            Deal::deals_by_hour(2026)
                .starts_at_hour_eq("2026-01-15T09:30:00Z".parse::<DateTime<Utc>>().unwrap())
                .brand_lower_gte("brand-1"),
            Deal::deals_by_hour(2026)
                .starts_at_hour_eq("2026-01-15T09:30:00Z".parse::<DateTime<Utc>>().unwrap())
                .brand_lower_between("brand-1", "brand-2"),
            Deal::deals_by_hour(2026)
                .starts_at_hour_eq("2026-01-15T09:30:00Z".parse::<DateTime<Utc>>().unwrap())
                .brand_lower_begins_with("brand-"),
            Deal::deals_by_hour(2026)
                .starts_at_hour_eq("2026-01-15T09:30:00Z".parse::<DateTime<Utc>>().unwrap())
                .brand_lower_eq("brand-1")
                .deal_id_eq("01JHXW1R2Y3Z4A5B6C7D8E9F0G".parse::<Ulid>().unwrap()),
            Deal::deals_by_hour(2026)
                .starts_at_hour_eq("2026-01-15T09:30:00Z".parse::<DateTime<Utc>>().unwrap())
                .brand_lower_eq("brand-1")
                .deal_id_lt("01JHXW1R2Y3Z4A5B6C7D8E9F0G".parse::<Ulid>().unwrap()),
            Deal::deals_by_hour(2026)
                .starts_at_hour_eq("2026-01-15T09:30:00Z".parse::<DateTime<Utc>>().unwrap())
                .brand_lower_eq("brand-1")
                .deal_id_lte("01JHXW1R2Y3Z4A5B6C7D8E9F0G".parse::<Ulid>().unwrap()),
            Deal::deals_by_hour(2026)
                .starts_at_hour_eq("2026-01-15T09:30:00Z".parse::<DateTime<Utc>>().unwrap())
                .brand_lower_eq("brand-1")
                .deal_id_gt("01JHXW1R2Y3Z4A5B6C7D8E9F0G".parse::<Ulid>().unwrap()),
            Deal::deals_by_hour(2026)
                .starts_at_hour_eq("2026-01-15T09:30:00Z".parse::<DateTime<Utc>>().unwrap())
                .brand_lower_eq("brand-1")
                .deal_id_gte("01JHXW1R2Y3Z4A5B6C7D8E9F0G".parse::<Ulid>().unwrap()),
            Deal::deals_by_hour(2026)
                .starts_at_hour_eq("2026-01-15T09:30:00Z".parse::<DateTime<Utc>>().unwrap())
                .brand_lower_eq("brand-1")
                .deal_id_between(
                    "01JHXW1R2Y3Z4A5B6C7D8E9F0G".parse::<Ulid>().unwrap(),
                    "01JHXW1R2Y3Z4A5B6C7D8E9F0H".parse::<Ulid>().unwrap()
                ),
            Deal::deals_by_hour(2026)
                .starts_at_hour_eq("2026-01-15T09:30:00Z".parse::<DateTime<Utc>>().unwrap())
                .brand_lower_eq("brand-1")
                .deal_id_begins_with("01J"),
        ]
    );
}

/// A multi-attribute key: typed partition and sort attributes, with `select:`.
#[tokio::test]
async fn multi_attribute_key() {
    use chrono::{DateTime, Utc};
    use tests::fixtures::multi_attribute_keys::{Player, TABLE};
    check_pattern!(
        "codegen/tests/fixtures/multi_attribute_keys.yaml",
        "top_names",
        TABLE,
        [
            Player::top_names("tenant-1", "region-1"),
            Player::top_names("tenant-1", "region-1").score_eq(1),
            Player::top_names("tenant-1", "region-1").score_lt(1),
            Player::top_names("tenant-1", "region-1").score_lte(1),
            Player::top_names("tenant-1", "region-1").score_gt(1),
            Player::top_names("tenant-1", "region-1").score_gte(1),
            Player::top_names("tenant-1", "region-1").score_between(1, 2),
            Player::top_names("tenant-1", "region-1")
                .score_eq(1)
                .placed_at_eq("2026-01-15T09:30:00Z".parse::<DateTime<Utc>>().unwrap()),
            Player::top_names("tenant-1", "region-1")
                .score_eq(1)
                .placed_at_lt("2026-01-15T09:30:00Z".parse::<DateTime<Utc>>().unwrap()),
            Player::top_names("tenant-1", "region-1")
                .score_eq(1)
                .placed_at_lte("2026-01-15T09:30:00Z".parse::<DateTime<Utc>>().unwrap()),
            Player::top_names("tenant-1", "region-1")
                .score_eq(1)
                .placed_at_gt("2026-01-15T09:30:00Z".parse::<DateTime<Utc>>().unwrap()),
            Player::top_names("tenant-1", "region-1")
                .score_eq(1)
                .placed_at_gte("2026-01-15T09:30:00Z".parse::<DateTime<Utc>>().unwrap()),
            Player::top_names("tenant-1", "region-1")
                .score_eq(1)
                .placed_at_between(
                    "2026-01-15T09:30:00Z".parse::<DateTime<Utc>>().unwrap(),
                    "2027-02-16T10:45:00Z".parse::<DateTime<Utc>>().unwrap()
                ),
        ]
    );
}
