// `ORDER#{placed_at}#{order_id}`: `order_id` can only be narrowed after `placed_at` is fixed.
use tests::design::Order;

fn main() {
    let _ = Order::orders_for_user("alice").order_id_eq("o-1");
}
