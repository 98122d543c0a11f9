// A `Key<Order>` is not accepted where a `Key<User>` is expected.
use singletable::Key;
use tests::design::{Order, User};

fn delete_user(_key: Key<User>) {}

fn main() {
    let placed = singletable::__private::chrono::Utc::now();
    delete_user(Order::key("alice", placed, "o-1"));
}
