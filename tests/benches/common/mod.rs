//! Shared by the benches: a sample `Order` and a hand-written conversion producing exactly
//! the item the generated code writes.

use std::collections::HashMap;
use std::time::Duration;

use singletable::__private::AttributeValue;
use singletable::Item;
use tests::design::{Order, OrderLine, OrderStatus};

/// A realistic order: five lines, an expiry.
pub fn sample() -> Order {
    let mut order = Order::new(
        "user-0042",
        "order-7f3a9c",
        OrderStatus::Shipped,
        "2024-05-01T10:20:30.123456789Z".parse().unwrap(),
        12_345,
        (0..5)
            .map(|i| OrderLine {
                sku: format!("SKU-{i:04}"),
                quantity: i + 1,
                price_cents: 999 + i,
            })
            .collect(),
    );
    order.expires_at = Some("2030-01-01T00:00:00Z".parse().unwrap());
    order
}

/// The same item the generated code writes, written by hand with no helpers.
pub fn hand_to_item(o: &Order) -> Item {
    let mut item = HashMap::with_capacity(16);
    let s = AttributeValue::S;
    let n = |v: i64| AttributeValue::N(v.to_string());
    let placed = o
        .placed_at
        .to_rfc3339_opts(chrono::SecondsFormat::Nanos, true);
    item.insert("user_id".into(), s(o.user_id.clone()));
    item.insert("order_id".into(), s(o.order_id.clone()));
    item.insert("status".into(), s(o.status.as_str().to_owned()));
    item.insert("placed_at".into(), s(placed.clone()));
    item.insert("total_cents".into(), n(o.total_cents));
    let lines = o
        .lines
        .iter()
        .map(|l| {
            AttributeValue::M(HashMap::from([
                ("sku".to_owned(), s(l.sku.clone())),
                ("quantity".to_owned(), n(l.quantity)),
                ("price_cents".to_owned(), n(l.price_cents)),
            ]))
        })
        .collect();
    item.insert("lines".into(), AttributeValue::L(lines));
    if let Some(e) = &o.expires_at {
        item.insert("expires_at".into(), n(e.timestamp()));
    }
    hand_keys(o, placed, &mut item);
    item
}

/// The key attributes (table and index keys) and the type attribute, by hand; `placed` is
/// `placed_at` as the key text.
pub fn hand_keys(o: &Order, placed: String, item: &mut Item) {
    let s = AttributeValue::S;
    let esc = |v: &str| {
        let mut out = String::with_capacity(v.len());
        for c in v.chars() {
            if c == '#' || c == '\\' || c == '\u{10FFFF}' {
                out.push('\\');
            }
            out.push(c);
        }
        out
    };
    item.insert("pk".into(), s(format!("USER#{}", esc(&o.user_id))));
    item.insert(
        "sk".into(),
        s(format!("ORDER#{placed}#{}", esc(&o.order_id))),
    );
    item.insert("gsi1pk".into(), s(format!("ORDER#{}", esc(&o.order_id))));
    item.insert("gsi1sk".into(), s("ORDER".into()));
    item.insert("gsi2pk".into(), s(format!("STATUS#{}", o.status.as_str())));
    item.insert("gsi2sk".into(), s(placed));
    item.insert("lsi1sk".into(), s(format!("TOTAL#{:019}", o.total_cents)));
    item.insert("_type".into(), s("Order".into()));
}

/// The hand-written inverse of [`hand_to_item`].
pub fn hand_from_item(mut item: Item) -> Option<Order> {
    let mut string = |k: &str| match item.remove(k) {
        Some(AttributeValue::S(s)) => Some(s),
        _ => None,
    };
    let user_id = string("user_id")?;
    let order_id = string("order_id")?;
    let status = string("status")?.parse::<OrderStatus>().ok()?;
    let placed_at = chrono::DateTime::parse_from_rfc3339(&string("placed_at")?)
        .ok()?
        .to_utc();
    let number = |v: Option<&AttributeValue>| v?.as_n().ok()?.parse::<i64>().ok();
    let total_cents = number(item.get("total_cents"))?;
    let expires_at =
        number(item.get("expires_at")).and_then(|s| chrono::DateTime::from_timestamp(s, 0));
    let lines = match item.remove("lines") {
        Some(AttributeValue::L(list)) => list
            .into_iter()
            .map(|v| match v {
                AttributeValue::M(mut m) => Some(OrderLine {
                    sku: match m.remove("sku") {
                        Some(AttributeValue::S(s)) => s,
                        _ => return None,
                    },
                    quantity: number(m.get("quantity"))?,
                    price_cents: number(m.get("price_cents"))?,
                }),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()?,
        _ => return None,
    };
    Some(Order {
        user_id,
        order_id,
        status,
        placed_at,
        total_cents,
        lines,
        expires_at,
    })
}

/// User plus system CPU time this process has used so far, on all its threads.
pub fn process_cpu() -> Duration {
    // SAFETY: `getrusage` only writes the struct it is given, which is plain data.
    let usage = unsafe {
        let mut usage = std::mem::zeroed::<libc::rusage>();
        assert_eq!(libc::getrusage(libc::RUSAGE_SELF, &mut usage), 0);
        usage
    };
    let time = |t: libc::timeval| {
        Duration::from_secs(u64::try_from(t.tv_sec).unwrap_or(0))
            + Duration::from_micros(u64::try_from(t.tv_usec).unwrap_or(0))
    };
    time(usage.ru_utime) + time(usage.ru_stime)
}
