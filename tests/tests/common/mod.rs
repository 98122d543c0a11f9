//! Sample data shared by the integration tests.

use chrono::{DateTime, Duration, Utc};
use tests::design::{Order, OrderLine, OrderStatus};

/// A fixed instant plus `minutes`.
pub fn at(minutes: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_714_550_400, 0).unwrap() + Duration::minutes(minutes)
}

/// Order `o-<n>` of `user`, placed at `at(n)`, for `n * 1000` cents, with one line.
pub fn order(user: &str, n: i64, status: OrderStatus) -> Order {
    Order::new(
        user,
        format!("o-{n:03}"),
        status,
        at(n),
        n * 1000,
        vec![OrderLine {
            sku: format!("SKU-{n}"),
            quantity: n,
            price_cents: 1000,
        }],
    )
}
