// Only access patterns declared with `scan: true` can scan: the schema declares one for
// `Task` and none for `User`, so there is nothing to call that scans users.
use tests::app::{Task, User};

fn main() {
    let _ = Task::all_tasks();
    let _ = User::all_tasks();
}
