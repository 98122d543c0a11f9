// `immutable` attributes (a task's `created_by`, a project's `org_id`) have no update setter.
use tests::app::{Project, Task};

fn main() {
    let _ = Task::update().set_created_by("mallory");
    let _ = Project::update().set_org_id("other");
}
