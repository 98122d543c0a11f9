// An update is typed by its entity: an `Order` update cannot go with a `User` key.
use tests::design::{Order, User};

async fn run(table: &singletable::Table) {
    let _ = table.update(User::key("alice"), Order::update().set_total_cents(1)).await;
}

fn main() {
    let _ = run;
}
