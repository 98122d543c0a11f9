// Key parts carry their entity too.
use tests::design::{Order, User};

fn main() {
    let _: singletable::PartitionKey<User> = Order::gsi1_partition_key("o-1");
}
