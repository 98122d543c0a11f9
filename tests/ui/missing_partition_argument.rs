// The partition template's fields are required arguments.
use tests::design::Order;

fn main() {
    let _ = Order::orders_for_user();
}
