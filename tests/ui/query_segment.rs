// Only scans are split into segments: a query has no `segment`.
use tests::app::Task;

fn main() {
    let _ = Task::project_tasks("web").segment(0, 2);
}
