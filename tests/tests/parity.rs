//! The parity suite: every capability of the libraries singletable grew from, one named test
//! each, through code generated from the repository's `schema.yaml` (the task tracker of the
//! example app) and from the fixture schemas, against DynamoDB Local.
//!
//! One module per system: `dynamo_items`, `dyntastic`, `pydantic_dynamo`, `dokklib_db` and
//! `dynamojo`. A capability the type system provides instead of a run-time check (no setter
//! for an immutable attribute, no scan without a declared pattern) also has a compile-fail
//! case under `tests/ui/`.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::operation::batch_get_item::BatchGetItemInput;
use aws_sdk_dynamodb::operation::batch_write_item::BatchWriteItemInput;
use aws_sdk_dynamodb::operation::query::QueryInput;
use aws_sdk_dynamodb::operation::scan::ScanInput;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_types::config_bag::ConfigBag;
use chrono::{Duration, NaiveDate, Utc};
use singletable::test_util::TestTable;
use singletable::{Entity, Error, Item, Table};
use tests::app::{
    ChecklistItem, Invite, MemberRole, Membership, Org, OrgOverview, Plan, Project, ProjectBoard,
    ProjectTasksNarrowed, TABLE, Task, TaskStatus, User,
};

async fn tracker() -> TestTable {
    TestTable::create(&TABLE).await.unwrap()
}

fn task(
    project: &str,
    id: &str,
    priority: i64,
    assignee: Option<&str>,
    status: TaskStatus,
) -> Task {
    let mut t = Task::new(project, id, format!("Task {id}"), "alice");
    t.priority = priority;
    t.assignee = assignee.map(str::to_owned);
    t.status = status;
    t
}

fn ids(tasks: &[Task]) -> Vec<&str> {
    tasks.iter().map(|t| t.task_id.as_str()).collect()
}

/// Inserts tasks t-01 … t-`n` into `project`: priority cycles 1..=5, every third task is
/// unassigned, the others go to alice and bob in turn; every fourth is done.
async fn tasks(t: &Table, project: &str, n: usize) -> Vec<Task> {
    let mut out = Vec::new();
    for i in 1..=n {
        let assignee = match i % 3 {
            0 => None,
            1 => Some("alice"),
            _ => Some("bob"),
        };
        let status = if i % 4 == 0 {
            TaskStatus::Done
        } else {
            TaskStatus::Todo
        };
        let task = task(
            project,
            &format!("t-{i:02}"),
            (i as i64 - 1) % 5 + 1,
            assignee,
            status,
        );
        t.insert(&task).await.unwrap();
        out.push(task);
    }
    out
}

/// The stored item as DynamoDB holds it, read with the raw SDK.
async fn raw(t: &Table, pk: &str, sk: Option<&str>) -> Item {
    let mut request = t
        .client()
        .get_item()
        .table_name(t.name())
        .key("pk", AttributeValue::S(pk.into()));
    if let Some(sk) = sk {
        request = request.key("sk", AttributeValue::S(sk.into()));
    }
    request
        .send()
        .await
        .unwrap()
        .item
        .unwrap_or_else(|| panic!("no item at {pk} / {sk:?}"))
}

/// Whether an item is stored at `key`.
async fn stored<E: Entity>(t: &Table, key: singletable::Key<E>) -> bool {
    t.get(key).await.unwrap().is_some()
}

/// The table's description, as DynamoDB reports it.
async fn describe(t: &Table) -> aws_sdk_dynamodb::types::TableDescription {
    t.client()
        .describe_table()
        .table_name(t.name())
        .send()
        .await
        .unwrap()
        .table
        .unwrap()
}

fn s<'a>(item: &'a Item, name: &str) -> &'a str {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .unwrap_or_else(|| panic!("no string attribute {name} in {item:?}"))
}

/// Records the operation of every request a client sends, and how many requests each
/// `BatchWriteItem` carried. Requests pass through unchanged.
#[derive(Debug, Clone, Default)]
struct Recorder {
    calls: Arc<Mutex<Vec<(String, usize)>>>,
}

impl Recorder {
    fn operations(&self) -> Vec<String> {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .map(|(op, _)| op.clone())
            .collect()
    }

    fn batch_sizes(&self) -> Vec<usize> {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .filter(|(op, _)| op == "BatchWriteItem")
            .map(|(_, n)| *n)
            .collect()
    }

    fn clear(&self) {
        self.calls.lock().unwrap().clear();
    }
}

impl Intercept for Recorder {
    fn name(&self) -> &'static str {
        "Recorder"
    }

    fn read_before_execution(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let input = context.input();
        let operation = if input.downcast_ref::<QueryInput>().is_some() {
            "Query"
        } else if input.downcast_ref::<ScanInput>().is_some() {
            "Scan"
        } else if input.downcast_ref::<BatchGetItemInput>().is_some() {
            "BatchGetItem"
        } else if input.downcast_ref::<BatchWriteItemInput>().is_some() {
            "BatchWriteItem"
        } else {
            "other"
        };
        let size = input
            .downcast_ref::<BatchWriteItemInput>()
            .and_then(|i| i.request_items())
            .map(|items| items.values().map(Vec::len).sum())
            .unwrap_or(0);
        self.calls
            .lock()
            .unwrap()
            .push((operation.to_owned(), size));
        Ok(())
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
    let client = aws_sdk_dynamodb::Client::from_conf(config);
    (Table::new(client, t.name()), recorder)
}

/// dynamo-items: item types as models in one table, prefixed keys, items with and without a
/// sort key, and item collections.
mod dynamo_items {
    use super::*;

    #[tokio::test]
    async fn item_types_share_one_table_with_prefixed_keys() {
        let t = tracker().await;
        t.insert(&Org::new("acme", "Acme")).await.unwrap();
        t.insert(&User::new("acme", "alice", "alice@acme.example", "Alice"))
            .await
            .unwrap();
        t.insert(&Project::new("web", "acme", "Website"))
            .await
            .unwrap();
        t.insert(&task("web", "t-1", 2, Some("alice"), TaskStatus::Todo))
            .await
            .unwrap();
        for (pk, sk, ty) in [
            ("ORG#acme", "ORG", "Org"),
            ("ORG#acme", "USER#alice", "User"),
            ("PROJECT#web", "PROJECT", "Project"),
            ("PROJECT#web", "TASK#t-1", "Task"),
        ] {
            let item = raw(&t, pk, Some(sk)).await;
            assert_eq!(s(&item, "_type"), ty, "{pk} {sk}");
        }
        // Each model reads back as itself, and a key of one type never reads another.
        assert_eq!(
            t.get(User::key("acme", "alice"))
                .await
                .unwrap()
                .unwrap()
                .display_name,
            "Alice"
        );
        assert_eq!(t.get(Org::key("acme")).await.unwrap().unwrap().name, "Acme");
        assert!(!stored(&t, User::key("acme", "ORG")).await);
        // Key values containing the delimiter are escaped, so prefixes stay unambiguous.
        t.insert(&User::new("acme", "x#y", "xy@acme.example", "X"))
            .await
            .unwrap();
        let item = raw(&t, "ORG#acme", Some("USER#x\\#y")).await;
        assert_eq!(s(&item, "user_id"), "x#y");
    }

    #[tokio::test]
    async fn items_with_a_constant_sort_key_and_without_a_sort_key() {
        let t = tracker().await;
        let mut org = Org::new("acme", "Acme");
        org.plan = Plan::Enterprise;
        t.insert(&org).await.unwrap();
        // Org's sort key is the constant `ORG`: its key takes the partition fields only.
        let item = raw(&t, "ORG#acme", Some("ORG")).await;
        assert_eq!(s(&item, "plan"), "enterprise");
        assert_eq!(
            Org::key("acme").attributes().unwrap()[1],
            ("sk", "ORG".into())
        );
        assert_eq!(
            t.get(Org::key("acme")).await.unwrap().unwrap().plan,
            Plan::Enterprise
        );

        // A table without a sort key at all: one item per partition.
        use tests::fixtures::no_sort_key::{Session, TABLE as SESSIONS};
        let sessions = TestTable::create(&SESSIONS).await.unwrap();
        let session = Session::new(uuid::Uuid::new_v4(), "alice");
        sessions.insert(&session).await.unwrap();
        let key = Session::key(session.token);
        assert_eq!(key.attributes().unwrap().len(), 1);
        let got = sessions.get(key).await.unwrap().unwrap();
        assert_eq!((got.token, got.user_id.as_str()), (session.token, "alice"));
        let found = Session::session(session.token)
            .fetch(&sessions)
            .await
            .unwrap();
        assert_eq!(found.map(|s| s.token), Some(session.token));
    }

    #[tokio::test]
    async fn an_item_collection_of_item_types_sharing_a_partition() {
        let t = tracker().await;
        let (table, recorder) = recorded(&t);
        t.insert(&Org::new("acme", "Acme")).await.unwrap();
        for u in ["bob", "alice"] {
            t.insert(&User::new("acme", u, format!("{u}@acme.example"), u))
                .await
                .unwrap();
        }
        t.insert(&Invite::new(
            "acme",
            "dave@acme.example",
            "alice",
            Utc::now() + Duration::days(1),
        ))
        .await
        .unwrap();
        // Another organisation's items are in another partition.
        t.insert(&Org::new("other", "Other")).await.unwrap();

        let overview: OrgOverview = OrgOverview::query("acme").fetch(&table).await.unwrap();
        assert_eq!(recorder.operations(), ["Query"], "one request");
        let (org, users, invites) = overview.into_parts();
        assert_eq!(org.unwrap().name, "Acme");
        let names: Vec<&str> = users.iter().map(|u| u.user_id.as_str()).collect();
        assert_eq!(names, ["alice", "bob"]);
        assert_eq!(invites.len(), 1);

        t.insert(&Project::new("web", "acme", "Website"))
            .await
            .unwrap();
        t.insert(&Membership::new("web", "alice")).await.unwrap();
        t.insert(&task("web", "t-1", 1, None, TaskStatus::Todo))
            .await
            .unwrap();
        let board = ProjectBoard::query("web").fetch(&t).await.unwrap();
        assert_eq!(board.project.unwrap().name, "Website");
        assert_eq!(board.memberships.len(), 1);
        assert_eq!(ids(&board.tasks), ["t-1"]);
    }
}

/// dyntastic: models with save/get/query/scan/update/batch/transaction, and table creation.
mod dyntastic {
    use super::*;

    #[tokio::test]
    async fn save_get_and_safe_get() {
        let t = tracker().await;
        let project = Project::new("web", "acme", "Website");
        t.put(&project).await.unwrap();
        assert_eq!(
            t.get(Project::key("web")).await.unwrap(),
            Some(project.clone())
        );
        // Safe get: a missing item is `None`; `required` makes it a typed not-found error.
        assert_eq!(t.get(Project::key("nope")).await.unwrap(), None);
        let err = t.get(Project::key("nope")).required().await.unwrap_err();
        assert!(
            matches!(&err, Error::NotFound { entity: "Project", key } if key.contains("PROJECT#nope")),
            "{err}"
        );
        // Saving again overwrites (a put); `insert` is the variant that refuses to.
        let mut renamed = project.clone();
        renamed.name = "Website 2".into();
        t.put(&renamed).await.unwrap();
        assert_eq!(
            t.get(Project::key("web")).required().await.unwrap().name,
            "Website 2"
        );
    }

    #[tokio::test]
    async fn consistent_reads() {
        let t = tracker().await;
        tasks(&t, "web", 3).await;
        let got = t.get(Task::key("web", "t-02")).consistent().await.unwrap();
        assert_eq!(got.unwrap().task_id, "t-02");
        let all = Task::project_tasks("web")
            .consistent()
            .fetch(&t)
            .await
            .unwrap();
        assert_eq!(ids(&all), ["t-01", "t-02", "t-03"]);
        let by_priority = Task::tasks_by_priority("web")
            .consistent()
            .fetch(&t)
            .await
            .unwrap();
        assert_eq!(by_priority.len(), 3, "local indexes read consistently too");
        let batch = t
            .batch_get([Task::key("web", "t-03"), Task::key("web", "t-01")])
            .consistent()
            .await
            .unwrap();
        assert_eq!(batch[0].as_ref().unwrap().task_id, "t-03");
    }

    #[tokio::test]
    async fn queries_with_range_conditions_and_filters() {
        let t = tracker().await;
        tasks(&t, "web", 12).await;
        let q = || Task::project_tasks("web");
        let fetch = |q: ProjectTasksNarrowed| {
            let t = t.table().clone();
            async move { q.fetch(&t).await.unwrap() }
        };
        assert_eq!(ids(&fetch(q().task_id_lt("t-03")).await), ["t-01", "t-02"]);
        assert_eq!(ids(&fetch(q().task_id_lte("t-02")).await), ["t-01", "t-02"]);
        assert_eq!(ids(&fetch(q().task_id_gt("t-10")).await), ["t-11", "t-12"]);
        assert_eq!(ids(&fetch(q().task_id_gte("t-11")).await), ["t-11", "t-12"]);
        assert_eq!(ids(&fetch(q().task_id_eq("t-07")).await), ["t-07"]);
        assert_eq!(
            ids(&fetch(q().task_id_between("t-04", "t-06")).await),
            ["t-04", "t-05", "t-06"]
        );
        assert_eq!(
            ids(&fetch(q().task_id_begins_with("t-1")).await),
            ["t-10", "t-11", "t-12"]
        );
        // A filter on top of a range condition.
        let f = Task::fields();
        let done = fetch(
            q().task_id_gte("t-05")
                .filter(f.status().eq(TaskStatus::Done)),
        )
        .await;
        assert_eq!(ids(&done), ["t-08", "t-12"]);
        let urgent = q()
            .filter(f.priority().lte(2).and(f.assignee().exists()))
            .fetch(&t)
            .await
            .unwrap();
        assert_eq!(ids(&urgent), ["t-01", "t-02", "t-07", "t-11"]);
    }

    #[tokio::test]
    async fn index_queries() {
        let t = tracker().await;
        t.insert(&User::new("acme", "alice", "alice@acme.example", "Alice"))
            .await
            .unwrap();
        for p in ["web", "app"] {
            t.insert(&Project::new(p, "acme", p)).await.unwrap();
        }
        tasks(&t, "web", 5).await;
        let alice = User::user_by_email("alice@acme.example")
            .fetch(&t)
            .await
            .unwrap();
        assert_eq!(alice.unwrap().user_id, "alice");
        assert!(
            User::user_by_email("x@y.z")
                .fetch(&t)
                .await
                .unwrap()
                .is_none()
        );
        let projects = Project::org_projects("acme").fetch(&t).await.unwrap();
        let names: Vec<&str> = projects.iter().map(|p| p.project_id.as_str()).collect();
        assert_eq!(names, ["app", "web"]);
        // The local index orders a partition by priority.
        let urgent = Task::tasks_by_priority("web")
            .priority_lte(2)
            .fetch(&t)
            .await
            .unwrap();
        let priorities: Vec<i64> = urgent.iter().map(|t| t.priority).collect();
        assert_eq!(priorities, [1, 2]);
    }

    #[tokio::test]
    async fn keys_only_and_include_indexes_load_the_full_item() {
        let t = tracker().await;
        tasks(&t, "web", 6).await;
        // `by_assignee` holds keys plus title, priority and due_on.
        let projected = Task::assigned_tasks("alice").fetch(&t).await.unwrap();
        // Sorted by status text first: `done` (t-04) before `todo` (t-01).
        let titles: Vec<&str> = projected.iter().map(|p| p.title.as_str()).collect();
        assert_eq!(titles, ["Task t-04", "Task t-01"]);
        assert_eq!(projected[0].priority, 4);
        let full = projected[0].load(&t).await.unwrap().unwrap();
        assert_eq!(
            (full.task_id.as_str(), full.status),
            ("t-04", TaskStatus::Done)
        );
        assert_eq!(full.created_by, "alice");

        // A keys-only index: only the keys come back, and `load` reads the item.
        use tests::fixtures::projections::{Book, TABLE as LIBRARY};
        let library = TestTable::create(&LIBRARY).await.unwrap();
        let book = Book::new("978-1", "Dune", "Herbert", "sf", 412);
        library.insert(&book).await.unwrap();
        let keys = Book::books_by_author("Herbert")
            .fetch(&library)
            .await
            .unwrap();
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0].key, book.key());
        assert_eq!(keys[0].load(&library).await.unwrap(), Some(book));
    }

    #[tokio::test]
    async fn manual_paging_with_the_last_key() {
        let t = tracker().await;
        tasks(&t, "web", 7).await;
        let query = Task::project_tasks("web").limit(3);
        let mut seen = Vec::new();
        let mut cursor: Option<singletable::Cursor> = None;
        let mut pages = 0;
        loop {
            let page = query.page(&t, cursor.as_ref()).await.unwrap();
            pages += 1;
            assert!(page.items.len() <= 3);
            seen.extend(page.items.into_iter().map(|t| t.task_id));
            // The cursor survives a trip through text (an HTTP API, say).
            match page.cursor {
                Some(c) => cursor = Some(c.to_string().parse().unwrap()),
                None => break,
            }
        }
        assert_eq!(pages, 3);
        assert_eq!(seen.len(), 7);
        assert_eq!(seen.first().map(String::as_str), Some("t-01"));
        // A cursor belongs to its access pattern.
        let first = query.page(&t, None).await.unwrap().cursor.unwrap();
        let err = Task::tasks_by_priority("web")
            .page(&t, Some(&first))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Cursor(_)), "{err}");
    }

    #[tokio::test]
    async fn scan() {
        let t = tracker().await;
        let (table, recorder) = recorded(&t);
        tasks(&t, "web", 9).await;
        tasks(&t, "app", 6).await;
        t.insert(&Org::new("acme", "Acme")).await.unwrap();
        recorder.clear();
        // Only Task items come back; the org and other types are skipped.
        let all = Task::all_tasks().fetch(&table).await.unwrap();
        assert_eq!(all.len(), 15);
        assert!(recorder.operations().iter().all(|op| op == "Scan"));
        // Filters, limits and pages.
        let f = Task::fields();
        let done = Task::all_tasks()
            .filter(f.status().eq(TaskStatus::Done))
            .fetch(&t)
            .await
            .unwrap();
        assert_eq!(done.len(), 3);
        let scan = Task::all_tasks().limit(4);
        let mut cursor = None;
        let mut seen = BTreeSet::new();
        loop {
            let page = scan.page(&t, cursor.as_ref()).await.unwrap();
            seen.extend(page.items.into_iter().map(|t| (t.project_id, t.task_id)));
            match page.cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        assert_eq!(seen.len(), 15);
        // A parallel scan: the segments together hold every item exactly once.
        let mut parts = Vec::new();
        for segment in 0..3 {
            parts.extend(
                Task::all_tasks()
                    .segment(segment, 3)
                    .fetch(&t)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|t| (t.project_id, t.task_id)),
            );
        }
        assert_eq!(parts.len(), 15);
        assert_eq!(parts.into_iter().collect::<BTreeSet<_>>(), seen);
        // Counting reads no items: the whole scan, a filtered one, and segments that add up.
        recorder.clear();
        assert_eq!(Task::all_tasks().count(&table).await.unwrap(), 15);
        let done = Task::all_tasks().filter(f.status().eq(TaskStatus::Done));
        assert_eq!(done.count(&table).await.unwrap(), 3);
        assert!(recorder.operations().iter().all(|op| op == "Scan"));
        let mut counted = 0;
        for segment in 0..3 {
            counted += Task::all_tasks()
                .segment(segment, 3)
                .count(&t)
                .await
                .unwrap();
        }
        assert_eq!(counted, 15);
        // What a scan cannot do is refused before sending, not silently ignored.
        let err = Task::all_tasks().segment(3, 3).fetch(&t).await.unwrap_err();
        assert!(matches!(err, Error::Expression(_)), "{err}");
        // A descending scan and a segmented query cannot be written: scans and queries are
        // different types (tests/ui/scan_descending.rs, tests/ui/query_segment.rs).
    }

    #[tokio::test]
    async fn every_update_operation() {
        let t = tracker().await;
        let mut task = task("web", "t-1", 3, Some("alice"), TaskStatus::Todo);
        task.tags = ["web".to_owned(), "ui".to_owned()].into();
        task.checklist = vec![
            ChecklistItem {
                text: "a".into(),
                done: false,
            },
            ChecklistItem {
                text: "b".into(),
                done: false,
            },
            ChecklistItem {
                text: "c".into(),
                done: false,
            },
        ];
        task.estimate_hours = Some(10.0);
        task.spent_hours = 2.5;
        task.due_on = NaiveDate::from_ymd_opt(2026, 12, 24);
        t.insert(&task).await.unwrap();
        let key = || Task::key("web", "t-1");
        let f = Task::fields();
        let got = t
            .update(
                key(),
                Task::update()
                    .set_title("Renamed") // set
                    .remove_due_on() // remove
                    .add_spent_hours(1.5) // increment
                    .subtract_estimate_hours_by_field(f.spent_hours()) // arithmetic with another attribute
                    .add_tags(["urgent".to_owned()]) // set add
                    .remove_checklist_at(1) // list index removal
                    .set_links_entry("spec", "https://example.com/spec".into()), // map entry
            )
            .returning_new()
            .await
            .unwrap();
        assert_eq!(got.title, "Renamed");
        assert_eq!(got.due_on, None);
        assert_eq!(got.spent_hours, 4.0);
        // Arithmetic reads the stored value before this update's own changes.
        assert_eq!(got.estimate_hours, Some(7.5));
        assert_eq!(got.tags, ["ui", "urgent", "web"].map(str::to_owned).into());
        let steps: Vec<&str> = got.checklist.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(steps, ["a", "c"]);
        assert_eq!(got.links["spec"], "https://example.com/spec");
        assert_eq!(got.version, 2);

        // Set-default: only when missing.
        t.update(
            key(),
            Task::update()
                .set_due_on_if_not_exists(NaiveDate::from_ymd_opt(2027, 1, 1).unwrap())
                .set_estimate_hours_if_not_exists(99.0)
                .subtract_spent_hours(1.0)
                .delete_tags(["ui".to_owned()]) // set delete
                .prepend_checklist(vec![ChecklistItem {
                    text: "0".into(),
                    done: true,
                }])
                .remove_links_entry("spec"),
        )
        .await
        .unwrap();
        let got = t
            .update(
                key(),
                Task::update().append_checklist(vec![ChecklistItem {
                    text: "d".into(),
                    done: false,
                }]),
            )
            .returning_new()
            .await
            .unwrap();
        assert_eq!(got.due_on, NaiveDate::from_ymd_opt(2027, 1, 1));
        assert_eq!(got.estimate_hours, Some(7.5), "already set: unchanged");
        assert_eq!(got.spent_hours, 3.0);
        assert_eq!(got.tags, ["urgent", "web"].map(str::to_owned).into());
        let steps: Vec<&str> = got.checklist.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(steps, ["0", "a", "c", "d"]);
        assert!(got.links.is_empty());

        // A nested path, and replacing a whole set and list.
        use singletable::NestedUpdate as _;
        let got = t
            .update(
                key(),
                Task::update()
                    .set_at(f.checklist().at(1).done(), true)
                    .set_tags(["only".to_owned()].into())
                    .remove_assignee(),
            )
            .returning_new()
            .await
            .unwrap();
        assert!(got.checklist[1].done);
        assert_eq!(got.tags, ["only".to_owned()].into());
        assert_eq!(got.assignee, None);
        assert!(
            Task::assigned_tasks("alice")
                .fetch(&t)
                .await
                .unwrap()
                .is_empty()
        );
    }

    #[tokio::test]
    async fn require_condition_semantics() {
        let t = tracker().await;
        let f = Task::fields();
        // An update requires the item to exist…
        let err = t
            .update(Task::key("web", "ghost"), Task::update().set_title("x"))
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::ConditionFailed { entity: "Task", .. }),
            "{err}"
        );
        assert!(!stored(&t, Task::key("web", "ghost")).await);
        // …unless it asks to create it (here a membership, whose other attributes all have
        // defaults, so the created item is complete).
        t.update(
            Membership::key("web", "ghost"),
            Membership::update().set_role(MemberRole::Viewer),
        )
        .upsert()
        .await
        .unwrap();
        let ghost = t
            .get(Membership::key("web", "ghost"))
            .required()
            .await
            .unwrap();
        assert_eq!(ghost.role, MemberRole::Viewer);
        t.insert(&Task::new("web", "ghost", "Boo", "alice"))
            .await
            .unwrap();

        // A required condition that does not hold: nothing is written, the current item is
        // attached when asked for.
        let err = t
            .update(
                Task::key("web", "ghost"),
                Task::update().set_title("Changed"),
            )
            .condition(f.status().eq(TaskStatus::Done))
            .return_current_on_failure()
            .await
            .unwrap_err();
        match err {
            Error::ConditionFailed {
                item: Some(item), ..
            } => {
                assert_eq!(s(&item, "title"), "Boo");
            }
            other => panic!("{other}"),
        }
        // One that holds.
        t.update(
            Task::key("web", "ghost"),
            Task::update().set_title("Changed"),
        )
        .condition(
            f.status()
                .eq(TaskStatus::Todo)
                .and(f.title().begins_with("B")),
        )
        .await
        .unwrap();
        // Conditions on puts and deletes.
        let p = Project::new("web", "acme", "Web");
        t.put(&p).await.unwrap();
        let err = t
            .put(&p)
            .condition(Project::fields().archived().eq(true))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::ConditionFailed { .. }), "{err}");
        let err = t
            .delete(Project::key("nope"))
            .must_exist()
            .await
            .unwrap_err();
        assert!(matches!(err, Error::ConditionFailed { .. }), "{err}");
        t.delete(Project::key("web"))
            .condition(Project::fields().archived().eq(false))
            .await
            .unwrap();
        assert!(!stored(&t, Project::key("web")).await);
    }

    #[tokio::test]
    async fn batch_get_beyond_100_keys() {
        let t = tracker().await;
        let members: Vec<Membership> = (0..130)
            .map(|i| Membership::new("web", format!("u-{i:03}")))
            .collect();
        t.batch_put(&members).await.unwrap();
        let (table, recorder) = recorded(&t);
        // 150 keys, 20 of them missing, in reverse order.
        let keys = (0..150)
            .rev()
            .map(|i| Membership::key("web", &format!("u-{i:03}")));
        let got = table.batch_get(keys).await.unwrap();
        assert_eq!(got.len(), 150);
        assert!(got[..20].iter().all(Option::is_none));
        assert_eq!(got[20].as_ref().unwrap().user_id, "u-129");
        assert_eq!(got[149].as_ref().unwrap().user_id, "u-000");
        let requests = recorder
            .operations()
            .iter()
            .filter(|op| *op == "BatchGetItem")
            .count();
        assert_eq!(requests, 2, "chunks of at most 100 keys");
    }

    #[tokio::test]
    async fn batch_writer_chunking() {
        let t = tracker().await;
        let (table, recorder) = recorded(&t);
        let old: Vec<Membership> = (0..30)
            .map(|i| Membership::new("web", format!("old-{i:02}")))
            .collect();
        table.batch_put(&old).await.unwrap();
        recorder.clear();
        let new: Vec<Membership> = (0..110)
            .map(|i| Membership::new("web", format!("new-{i:03}")))
            .collect();
        table
            .batch_write()
            .put_all(&new)
            .delete_all(old.iter().map(Entity::key))
            .send()
            .await
            .unwrap();
        let sizes = recorder.batch_sizes();
        assert_eq!(sizes.iter().sum::<usize>(), 140);
        assert_eq!(sizes.len(), 6, "{sizes:?}");
        assert!(sizes.iter().all(|n| *n <= 25), "{sizes:?}");
        let stored = Membership::project_members("web").fetch(&t).await.unwrap();
        assert_eq!(stored.len(), 110);
        assert!(stored.iter().all(|m| m.user_id.starts_with("new-")));
    }

    #[tokio::test]
    async fn transactions_across_entities() {
        let t = tracker().await;
        let project = Project::new("web", "acme", "Website");
        t.insert(&project).await.unwrap();
        let invite = Invite::new(
            "acme",
            "bob@acme.example",
            "alice",
            Utc::now() + Duration::days(1),
        );
        t.insert(&invite).await.unwrap();
        let open = task("web", "t-1", 2, None, TaskStatus::Todo);
        t.insert(&open).await.unwrap();
        // Bob accepts: user created, invitation removed, membership added, task assigned.
        t.transact_write()
            .insert(&User::new("acme", "bob", "bob@acme.example", "Bob"))
            .delete(invite.key())
            .insert(&Membership::new("web", "bob"))
            .update(
                open.key(),
                Task::update().set_assignee("bob", TaskStatus::Todo, 2),
            )
            .check(project.key(), Project::fields().archived().eq(false))
            .send()
            .await
            .unwrap();
        let mut tx = t.transact_get();
        let user = tx.get(User::key("acme", "bob"));
        let task_slot = tx.get(open.key());
        let invite_slot = tx.get(invite.key());
        let mut got = tx.send().await.unwrap();
        assert_eq!(got.take(user).unwrap().unwrap().display_name, "Bob");
        assert_eq!(
            got.take(task_slot).unwrap().unwrap().assignee.as_deref(),
            Some("bob")
        );
        assert!(got.take(invite_slot).unwrap().is_none());
        assert_eq!(
            Task::assigned_tasks("bob").fetch(&t).await.unwrap().len(),
            1
        );
    }

    #[tokio::test]
    async fn create_table_with_gsis() {
        let t = tracker().await;
        let table = describe(&t).await;
        let mut gsis: Vec<(String, String)> = table
            .global_secondary_indexes()
            .iter()
            .map(|g| {
                let projection = g
                    .projection()
                    .and_then(|p| p.projection_type())
                    .map(|p| p.as_str().to_owned())
                    .unwrap_or_default();
                (g.index_name().unwrap_or_default().to_owned(), projection)
            })
            .collect();
        gsis.sort();
        assert_eq!(
            gsis,
            [
                ("by_assignee".to_owned(), "INCLUDE".to_owned()),
                ("gsi1".to_owned(), "ALL".to_owned()),
                ("inverse".to_owned(), "ALL".to_owned()),
                ("open".to_owned(), "ALL".to_owned()),
            ]
        );
        let lsis: Vec<&str> = table
            .local_secondary_indexes()
            .iter()
            .filter_map(|l| l.index_name())
            .collect();
        assert_eq!(lsis, ["by_priority"]);
        let ttl = t
            .client()
            .describe_time_to_live()
            .table_name(t.name())
            .send()
            .await
            .unwrap();
        let spec = ttl.time_to_live_description().unwrap();
        assert_eq!(spec.attribute_name(), Some("expires_at"));
        assert!(t.exists().await.unwrap());
        assert!(!t.with_name("no-such-table").exists().await.unwrap());
    }

    #[tokio::test]
    async fn a_table_name_chosen_at_run_time() {
        let t = tracker().await;
        // The generated TABLE's name is a default; any handle can point elsewhere.
        assert_eq!(TABLE.name, "tracker");
        assert_ne!(t.name(), "tracker");
        let name = format!("tenant-{}", t.name());
        let other = t.with_name(&name);
        other.create_table(&TABLE).await.unwrap();
        other.insert(&Org::new("acme", "Acme")).await.unwrap();
        assert!(other.get(Org::key("acme")).await.unwrap().is_some());
        assert!(
            t.get(Org::key("acme")).await.unwrap().is_none(),
            "separate tables"
        );
        let item = raw(&other, "ORG#acme", Some("ORG")).await;
        assert_eq!(s(&item, "name"), "Acme");
        other.delete_table().await.unwrap();
    }

    #[tokio::test]
    async fn a_custom_endpoint_and_region() {
        use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
        let t = tracker().await;
        let endpoint = singletable::test_util::endpoint().unwrap();
        let config = aws_sdk_dynamodb::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("eu-central-1"))
            .endpoint_url(&endpoint)
            .credentials_provider(Credentials::new("custom", "custom", None, None, "parity"))
            .build();
        let table = Table::new(aws_sdk_dynamodb::Client::from_conf(config), "custom-region");
        assert_eq!(
            table.client().config().region().map(|r| r.as_ref()),
            Some("eu-central-1")
        );
        // A handle on another region (and credentials) gets its own table there.
        table.create_table(&TABLE).await.unwrap();
        table.insert(&Org::new("acme", "Acme")).await.unwrap();
        assert_eq!(
            table.get(Org::key("acme")).required().await.unwrap().name,
            "Acme"
        );
        assert!(!stored(&t, Org::key("acme")).await);
        table.delete_table().await.unwrap();
    }
}

/// pydantic-dynamo: a repository over one partition prefix, with batches, versioned updates
/// and listing.
mod pydantic_dynamo {
    use super::*;

    #[tokio::test]
    async fn partition_prefixes() {
        let t = tracker().await;
        t.insert(&Project::new("web", "acme", "Website"))
            .await
            .unwrap();
        t.insert(&Membership::new("web", "alice")).await.unwrap();
        tasks(&t, "web", 3).await;
        tasks(&t, "web2", 2).await;
        // Every item of the project lives under `PROJECT#web`; the pattern's sort prefix
        // keeps the other types out, and `web2` is another partition.
        assert_eq!(
            s(&raw(&t, "PROJECT#web", Some("TASK#t-01")).await, "pk"),
            "PROJECT#web"
        );
        let got = Task::project_tasks("web").fetch(&t).await.unwrap();
        assert_eq!(ids(&got), ["t-01", "t-02", "t-03"]);
        let members = Membership::project_members("web").fetch(&t).await.unwrap();
        assert_eq!(members.len(), 1);
    }

    #[tokio::test]
    async fn put_batch_and_get_batch() {
        let t = tracker().await;
        let members: Vec<Membership> = ["carol", "alice", "bob"]
            .into_iter()
            .map(|u| {
                let mut m = Membership::new("web", u);
                m.role = MemberRole::Viewer;
                m
            })
            .collect();
        t.batch_put(&members).await.unwrap();
        let got = t
            .batch_get(["bob", "zed", "carol"].map(|u| Membership::key("web", u)))
            .await
            .unwrap();
        assert_eq!(got[0].as_ref().unwrap().user_id, "bob");
        assert!(got[1].is_none());
        assert_eq!(got[2].as_ref().unwrap().role, MemberRole::Viewer);
    }

    #[tokio::test]
    async fn update_set_increment_append_with_the_current_version() {
        let t = tracker().await;
        t.insert(&task("web", "t-1", 3, None, TaskStatus::Todo))
            .await
            .unwrap();
        let current = t.get(Task::key("web", "t-1")).required().await.unwrap();
        assert_eq!(current.version, 1);
        let got = t
            .update(
                current.key(),
                Task::update()
                    .expected_version(current.version)
                    .set_title("Set")
                    .add_spent_hours(2.0)
                    .append_checklist(vec![ChecklistItem {
                        text: "x".into(),
                        done: false,
                    }]),
            )
            .returning_new()
            .await
            .unwrap();
        assert_eq!(
            (got.title.as_str(), got.spent_hours, got.checklist.len()),
            ("Set", 2.0, 1)
        );
        assert_eq!(got.version, 2);
        assert!(got.updated_at >= current.updated_at);
        // The same version again is stale now.
        let err = t
            .update(
                current.key(),
                Task::update()
                    .expected_version(current.version)
                    .add_spent_hours(1.0),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, Error::ConditionFailed { .. }), "{err}");
        assert_eq!(
            t.get(current.key()).required().await.unwrap().spent_hours,
            2.0
        );
    }

    #[tokio::test]
    async fn list_by_prefix_and_between_two_sort_values() {
        let t = tracker().await;
        for u in ["al", "alice", "alina", "bob"] {
            t.insert(&User::new("acme", u, format!("{u}@acme.example"), u))
                .await
                .unwrap();
        }
        let users = User::org_users("acme")
            .user_id_begins_with("ali")
            .fetch(&t)
            .await
            .unwrap();
        let names: Vec<&str> = users.iter().map(|u| u.user_id.as_str()).collect();
        assert_eq!(names, ["alice", "alina"]);
        let users = User::org_users("acme")
            .user_id_between("alice", "b")
            .fetch(&t)
            .await
            .unwrap();
        let names: Vec<&str> = users.iter().map(|u| u.user_id.as_str()).collect();
        assert_eq!(names, ["alice", "alina"]);
    }

    #[tokio::test]
    async fn filters_not_exists_equals_not_equals() {
        let t = tracker().await;
        tasks(&t, "web", 8).await;
        let f = Task::fields();
        let q = |c: singletable::Condition| Task::project_tasks("web").filter(c);
        let unassigned = q(f.assignee().not_exists()).fetch(&t).await.unwrap();
        assert_eq!(ids(&unassigned), ["t-03", "t-06"]);
        let done = q(f.status().eq(TaskStatus::Done)).fetch(&t).await.unwrap();
        assert_eq!(ids(&done), ["t-04", "t-08"]);
        let open = q(f.status().ne(TaskStatus::Done)).fetch(&t).await.unwrap();
        assert_eq!(open.len(), 6);
        let bobs = q(f.assignee().eq("bob".to_owned()))
            .fetch(&t)
            .await
            .unwrap();
        assert_eq!(ids(&bobs), ["t-02", "t-05", "t-08"]);
    }

    #[tokio::test]
    async fn sort_order_and_limit() {
        let t = tracker().await;
        tasks(&t, "web", 6).await;
        let asc = Task::project_tasks("web").fetch(&t).await.unwrap();
        let desc = Task::project_tasks("web")
            .descending()
            .fetch(&t)
            .await
            .unwrap();
        assert_eq!(ids(&asc), ["t-01", "t-02", "t-03", "t-04", "t-05", "t-06"]);
        assert_eq!(ids(&desc), ["t-06", "t-05", "t-04", "t-03", "t-02", "t-01"]);
        let page = Task::project_tasks("web")
            .descending()
            .limit(2)
            .page(&t, None)
            .await
            .unwrap();
        assert_eq!(ids(&page.items), ["t-06", "t-05"]);
        assert!(page.cursor.is_some());
        let first = Task::tasks_by_priority("web")
            .descending()
            .into_query()
            .first(&t)
            .await
            .unwrap();
        assert_eq!(first.unwrap().priority, 5);
    }
}

/// dokklib-db: typed partition and sort keys, insert-if-absent, inverse-index prefix
/// queries, transactions and typed errors.
mod dokklib_db {
    use super::*;

    #[tokio::test]
    async fn typed_partition_sort_and_prefix_keys() {
        let pk: singletable::PartitionKey<Task> = Task::partition_key("web");
        let sk: singletable::SortKey<Task> = Task::sort_key("t-1");
        assert_eq!(pk.value().unwrap(), "PROJECT#web");
        assert_eq!(sk.value().unwrap(), "TASK#t-1");
        let key = singletable::Key::new(pk, Some(sk));
        assert_eq!(key, Task::key("web", "t-1"));
        // Index keys are typed per entity and index too.
        assert_eq!(
            Task::inverse_partition_key("t-1").value().unwrap(),
            "TASK#t-1"
        );
        assert_eq!(
            Task::by_priority_sort_key(2, "t-1").value().unwrap(),
            format!("PRIORITY#{:019}#t-1", 2)
        );
        // A prefix query on a sort key ends at a segment boundary: `t-1` matches `t-1` and
        // `t-10`, never a different template.
        let t = tracker().await;
        tasks(&t, "web", 11).await;
        t.insert(&Membership::new("web", "t-1")).await.unwrap();
        let got = Task::project_tasks("web")
            .task_id_begins_with("t-1")
            .fetch(&t)
            .await
            .unwrap();
        assert_eq!(ids(&got), ["t-10", "t-11"]);
    }

    #[tokio::test]
    async fn insert_fails_when_the_item_exists() {
        let t = tracker().await;
        let m = Membership::new("web", "alice");
        t.insert(&m).await.unwrap();
        let mut again = m.clone();
        again.role = MemberRole::Owner;
        let err = t.insert(&again).await.unwrap_err();
        match &err {
            Error::ConditionFailed { entity, key, .. } => {
                assert_eq!(*entity, "Membership");
                assert!(key.contains("MEMBER#alice"), "{key}");
            }
            other => panic!("{other}"),
        }
        assert_eq!(
            t.get(m.key()).required().await.unwrap().role,
            MemberRole::Editor,
            "unchanged"
        );
    }

    #[tokio::test]
    async fn prefix_query_on_the_inverse_index() {
        let t = tracker().await;
        for p in ["acme-web", "acme-app", "beta-web"] {
            t.insert(&Membership::new(p, "alice")).await.unwrap();
        }
        t.insert(&Membership::new("acme-web", "bob")).await.unwrap();
        let all = Membership::projects_of_user("alice")
            .fetch(&t)
            .await
            .unwrap();
        assert_eq!(all.len(), 3);
        let acme = Membership::projects_of_user("alice")
            .project_id_begins_with("acme-")
            .fetch(&t)
            .await
            .unwrap();
        let projects: Vec<&str> = acme.iter().map(|m| m.project_id.as_str()).collect();
        assert_eq!(projects, ["acme-app", "acme-web"]);
    }

    #[tokio::test]
    async fn transaction_of_insert_delete_update_and_condition_check() {
        let t = tracker().await;
        t.insert(&Project::new("web", "acme", "Web")).await.unwrap();
        t.insert(&Membership::new("web", "carol")).await.unwrap();
        t.insert(&task("web", "t-1", 1, None, TaskStatus::Todo))
            .await
            .unwrap();
        let write = |archived: bool| {
            t.transact_write()
                .insert(&Membership::new("web", "dave"))
                .delete(Membership::key("web", "carol"))
                .update(
                    Task::key("web", "t-1"),
                    Task::update().set_title("Handed over"),
                )
                .check(
                    Project::key("web"),
                    Project::fields().archived().eq(archived),
                )
        };
        // The check fails: nothing is applied, and the reason names the action.
        let err = write(true).send().await.unwrap_err();
        match &err {
            Error::TransactionCanceled { reasons, .. } => {
                let failed: Vec<_> = reasons.iter().filter(|r| r.failed()).collect();
                assert_eq!(failed.len(), 1);
                assert_eq!((failed[0].index, failed[0].entity), (3, "Project"));
                assert_eq!(failed[0].code, "ConditionalCheckFailed");
            }
            other => panic!("{other}"),
        }
        assert!(!stored(&t, Membership::key("web", "dave")).await);
        assert!(stored(&t, Membership::key("web", "carol")).await);
        // It holds: everything is applied together.
        write(false).send().await.unwrap();
        assert!(stored(&t, Membership::key("web", "dave")).await);
        assert!(!stored(&t, Membership::key("web", "carol")).await);
        let task = t.get(Task::key("web", "t-1")).required().await.unwrap();
        assert_eq!(task.title, "Handed over");
    }

    #[tokio::test]
    async fn typed_errors() {
        let t = tracker().await;
        // Not found.
        let err = t.get(Org::key("nope")).required().await.unwrap_err();
        assert!(
            matches!(err, Error::NotFound { entity: "Org", .. }),
            "{err}"
        );
        // A key that cannot be built: one over DynamoDB's size limit is refused before any
        // request.
        let err = Task::tasks_by_priority(&"x".repeat(3000))
            .fetch(&t)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Key { entity: "Task", .. }), "{err}");
        // An item that does not decode names the entity and attribute.
        t.client()
            .put_item()
            .table_name(t.name())
            .item("pk", AttributeValue::S("ORG#bad".into()))
            .item("sk", AttributeValue::S("ORG".into()))
            .item("_type", AttributeValue::S("Org".into()))
            .item("org_id", AttributeValue::S("bad".into()))
            .item("name", AttributeValue::N("12".into()))
            .send()
            .await
            .unwrap();
        match t.get(Org::key("bad")).await.unwrap_err() {
            Error::Decode(e) => {
                assert_eq!((e.entity, e.attribute.as_str()), ("Org", "name"));
            }
            other => panic!("{other}"),
        }
        // A value that cannot be stored.
        let mut nan = task("web", "t-1", 1, None, TaskStatus::Todo);
        nan.spent_hours = f64::NAN;
        let err = t.insert(&nan).await.unwrap_err();
        assert!(matches!(err, Error::Encode(_)), "{err}");
        // A failed condition and a cancelled transaction are covered above.
    }
}

/// dynamojo: readable attributes on generic index keys, composite sort keys, immutable
/// attributes, shared fields, the index limits, and no scans behind the user's back.
mod dynamojo {
    use super::*;

    #[tokio::test]
    async fn readable_attributes_mapped_onto_generic_index_keys() {
        let t = tracker().await;
        let task = task("web", "t-1", 2, Some("alice"), TaskStatus::Blocked);
        t.insert(&task).await.unwrap();
        let item = raw(&t, "PROJECT#web", Some("TASK#t-1")).await;
        // The struct has readable fields; the generic index attributes are derived.
        assert_eq!(s(&item, "gsi2pk"), "ASSIGNEE#alice");
        assert_eq!(s(&item, "gsi2sk"), format!("blocked#{:019}#t-1", 2));
        assert_eq!(s(&item, "lsi1sk"), format!("PRIORITY#{:019}#t-1", 2));
        assert_eq!(s(&item, "assignee"), "alice");
        // Queries take the readable values.
        let got = Task::assigned_tasks("alice").fetch(&t).await.unwrap();
        assert_eq!(got[0].key, task.key());
        // Changing a readable attribute moves the item on the index in the same request.
        t.update(
            task.key(),
            Task::update().set_assignee("bob", TaskStatus::Blocked, 2),
        )
        .await
        .unwrap();
        assert!(
            Task::assigned_tasks("alice")
                .fetch(&t)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            Task::assigned_tasks("bob").fetch(&t).await.unwrap().len(),
            1
        );
    }

    #[tokio::test]
    async fn joined_attributes_as_composite_sort_keys() {
        let t = tracker().await;
        tasks(&t, "web", 12).await;
        // by_assignee's sort key joins status, priority and task id.
        let todo = Task::assigned_tasks("alice")
            .status_eq(TaskStatus::Todo)
            .fetch(&t)
            .await
            .unwrap();
        let keys: Vec<(i64, String)> = todo.iter().map(|p| (p.priority, p.title.clone())).collect();
        assert_eq!(
            keys,
            [
                (1, "Task t-01".to_owned()),
                (2, "Task t-07".to_owned()),
                (5, "Task t-10".to_owned())
            ]
        );
        let urgent = Task::assigned_tasks("alice")
            .status_eq(TaskStatus::Todo)
            .priority_lte(2)
            .fetch(&t)
            .await
            .unwrap();
        assert_eq!(urgent.len(), 2);
        let exact = Task::assigned_tasks("alice")
            .status_eq(TaskStatus::Todo)
            .priority_eq(5)
            .task_id_eq("t-10")
            .fetch(&t)
            .await
            .unwrap();
        assert_eq!(exact.len(), 1);
    }

    #[tokio::test]
    async fn immutable_attributes() {
        // There is no setter for `created_by` or `org_id` (tests/ui/setter_on_immutable_
        // attribute.rs). `created_by` can only be written while it is missing, which is how an
        // upsert creates a complete task; afterwards nothing changes it.
        let t = tracker().await;
        let created = t
            .update(
                Task::key("web", "t-1"),
                Task::update()
                    .set_title("Created by an upsert")
                    .set_created_by_if_not_exists("bob"),
            )
            .upsert()
            .returning_new()
            .await
            .unwrap();
        assert_eq!(created.created_by, "bob");
        assert_eq!((created.status, created.priority), (TaskStatus::Todo, 3));
        let got = t
            .update(
                created.key(),
                Task::update()
                    .set_title("New")
                    .set_created_by_if_not_exists("mallory"),
            )
            .upsert()
            .returning_new()
            .await
            .unwrap();
        assert_eq!(got.created_by, "bob");
        assert_eq!(got.created_at, created.created_at);
        let item = raw(&t, "PROJECT#web", Some("TASK#t-1")).await;
        assert_eq!(s(&item, "created_by"), "bob");
    }

    #[tokio::test]
    async fn several_entities_sharing_fields() {
        let t = tracker().await;
        // `org_id` is a field of Org, User, Invite and Project; `created_at` is automatic on
        // all of them. Each gets its own typed handles over the same stored attribute names.
        let before = Utc::now() - Duration::seconds(5);
        t.insert(&Org::new("acme", "Acme")).await.unwrap();
        t.insert(&User::new("acme", "alice", "alice@acme.example", "Alice"))
            .await
            .unwrap();
        t.insert(&Project::new("web", "acme", "Web")).await.unwrap();
        t.insert(&Invite::new(
            "acme",
            "x@acme.example",
            "alice",
            Utc::now() + Duration::days(1),
        ))
        .await
        .unwrap();
        let overview = OrgOverview::query("acme")
            .filter(User::fields().org_id().eq("acme".to_owned()))
            .fetch(&t)
            .await
            .unwrap();
        let org = overview.org.unwrap();
        assert!(org.created_at > before);
        assert!(
            overview
                .users
                .iter()
                .all(|u| u.org_id == "acme" && u.created_at > before)
        );
        assert!(overview.invites.iter().all(|i| i.org_id == "acme"));
        let projects = Project::org_projects("acme")
            .filter(Project::fields().created_at().gt(before))
            .fetch(&t)
            .await
            .unwrap();
        assert_eq!(projects.len(), 1);
        for (pk, sk) in [
            ("ORG#acme", "ORG"),
            ("ORG#acme", "USER#alice"),
            ("PROJECT#web", "PROJECT"),
        ] {
            assert_eq!(s(&raw(&t, pk, Some(sk)).await, "org_id"), "acme");
        }
    }

    #[tokio::test]
    async fn a_table_with_20_gsis_and_5_lsis() {
        use tests::fixtures::many_indexes::{Product, TABLE as CATALOGUE};
        let t = TestTable::create(&CATALOGUE).await.unwrap();
        let table = describe(&t).await;
        assert_eq!(table.global_secondary_indexes().len(), 20);
        assert_eq!(table.local_secondary_indexes().len(), 5);

        let restocked =
            |minute: i64| chrono::DateTime::from_timestamp(1_780_000_000 + 60 * minute, 0).unwrap();
        let product = |sku: &str, price: i64, minute: i64| {
            let mut p = Product::new(
                "shop",
                sku,
                "acme",
                "shoes",
                "red",
                "42",
                "leather",
                "s1",
                "w1",
                "eu",
                "ss26",
                "core",
                "runner",
                "wide",
                "plain",
                "unisex",
                "adult",
                "PT",
                "iso",
                "dhl",
                "web",
                "jo",
                price,
                10,
                4,
                NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
                restocked(minute),
            );
            p.buyer = format!("buyer-{sku}");
            p
        };
        for (sku, price, minute) in [("a", 300, 1), ("b", 100, 2), ("c", 200, 3)] {
            t.insert(&product(sku, price, minute)).await.unwrap();
        }
        let by_brand = Product::products_by_brand("acme").fetch(&t).await.unwrap();
        assert_eq!(by_brand.len(), 3);
        let full = by_brand[0].load(&t).await.unwrap().unwrap();
        assert_eq!(full.sku, "a");
        let by_buyer = Product::products_by_buyer("buyer-b")
            .fetch(&t)
            .await
            .unwrap();
        assert_eq!(by_buyer.len(), 1);
        let cheapest = Product::products_by_price("shop").fetch(&t).await.unwrap();
        let skus: Vec<&str> = cheapest.iter().map(|p| p.sku.as_str()).collect();
        assert_eq!(skus, ["b", "c", "a"]);
        let latest = Product::recently_restocked("shop").fetch(&t).await.unwrap();
        assert_eq!(latest[0].sku, "c");
    }

    #[tokio::test]
    async fn no_scan_unless_asked_for() {
        let t = tracker().await;
        let (table, recorder) = recorded(&t);
        t.insert(&Org::new("acme", "Acme")).await.unwrap();
        t.insert(&User::new("acme", "alice", "alice@acme.example", "Alice"))
            .await
            .unwrap();
        t.insert(&Project::new("web", "acme", "Web")).await.unwrap();
        t.insert(&Membership::new("web", "alice")).await.unwrap();
        tasks(&t, "web", 3).await;
        // Every query pattern of the schema, each with a filter that matches nothing: still
        // a Query on one partition, never a Scan.
        let f = Task::fields();
        let none = || f.title().eq("no such title".to_owned());
        let t = &table;
        User::user_by_email("alice@acme.example")
            .fetch(t)
            .await
            .unwrap();
        User::org_users("acme").fetch(t).await.unwrap();
        OrgOverview::query("acme").fetch(t).await.unwrap();
        Invite::pending_invites("acme").fetch(t).await.unwrap();
        Project::org_projects("acme").fetch(t).await.unwrap();
        ProjectBoard::query("web").fetch(t).await.unwrap();
        Membership::project_members("web").fetch(t).await.unwrap();
        Membership::projects_of_user("alice")
            .fetch(t)
            .await
            .unwrap();
        Task::project_tasks("web")
            .filter(none())
            .fetch(t)
            .await
            .unwrap();
        Task::tasks_by_priority("web")
            .filter(none())
            .fetch(t)
            .await
            .unwrap();
        Task::assigned_tasks("alice")
            .filter(none())
            .fetch(t)
            .await
            .unwrap();
        let operations = recorder.operations();
        assert_eq!(operations.len(), 11);
        assert!(operations.iter().all(|op| op == "Query"), "{operations:?}");
        // The one scan is the pattern the schema declares with `scan: true`, and only Task
        // has it (tests/ui/no_scan_without_pattern.rs).
        recorder.clear();
        Task::all_tasks().fetch(t).await.unwrap();
        assert_eq!(recorder.operations(), ["Scan"]);
    }
}
