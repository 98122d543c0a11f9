// A scan has no key order: there is no descending scan to write.
use tests::app::Task;

fn main() {
    let _ = Task::all_tasks().descending();
}
