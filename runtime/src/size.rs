//! Item sizes by DynamoDB's own accounting, so oversized writes fail before they are sent.
//!
//! The rules: an attribute costs its name's UTF-8 length plus its value's size; strings and
//! binaries cost their length; numbers cost about one byte per two significant digits plus
//! one; booleans and nulls one byte; lists and maps three bytes plus one per element plus
//! their contents (map keys included); sets the sum of their members.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::Item;

/// DynamoDB's maximum item size, in bytes.
pub const MAX_ITEM_BYTES: usize = 400 * 1024;

/// The size DynamoDB charges for an item.
pub fn item_size(item: &Item) -> usize {
    item.iter().map(|(k, v)| k.len() + value_size(v)).sum()
}

fn number_size(n: &str) -> usize {
    // Significant digits of the mantissa: leading and trailing zeros do not count, wherever
    // the decimal point is. Counted in place, as every put sizes every number it writes.
    let mantissa = n.split(['e', 'E']).next().unwrap_or("");
    let mut digits = mantissa.bytes().filter(u8::is_ascii_digit);
    if !digits.any(|d| d != b'0') {
        return 2; // zero: one digit
    }
    // From the first non-zero digit, `significant` runs up to the last non-zero one so far.
    let (mut seen, mut significant) = (1usize, 1usize);
    for d in digits {
        seen += 1;
        if d != b'0' {
            significant = seen;
        }
    }
    significant.div_ceil(2) + 1
}

/// The size DynamoDB charges for one value.
pub fn value_size(value: &AttributeValue) -> usize {
    match value {
        AttributeValue::S(s) => s.len(),
        AttributeValue::N(n) => number_size(n),
        AttributeValue::B(b) => b.as_ref().len(),
        AttributeValue::Bool(_) | AttributeValue::Null(_) => 1,
        AttributeValue::L(l) => 3 + l.iter().map(|v| 1 + value_size(v)).sum::<usize>(),
        AttributeValue::M(m) => {
            3 + m
                .iter()
                .map(|(k, v)| 1 + k.len() + value_size(v))
                .sum::<usize>()
        }
        AttributeValue::Ss(s) => s.iter().map(String::len).sum(),
        AttributeValue::Ns(s) => s.iter().map(|n| number_size(n)).sum(),
        AttributeValue::Bs(s) => s.iter().map(|b| b.as_ref().len()).sum(),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_follow_dynamodb_rules() {
        let mut item = Item::new();
        item.insert("pk".into(), AttributeValue::S("USER#alice".into()));
        assert_eq!(item_size(&item), 2 + 10);
        item.insert("n".into(), AttributeValue::N("12345".into()));
        assert_eq!(item_size(&item), 12 + 1 + 4);
        item.insert(
            "l".into(),
            AttributeValue::L(vec![
                AttributeValue::Bool(true),
                AttributeValue::S("ab".into()),
            ]),
        );
        assert_eq!(item_size(&item), 17 + 1 + 3 + 2 + 3);
    }

    #[test]
    fn numbers_cost_their_significant_digits() {
        for (n, size) in [
            ("0", 2),
            ("-0.000", 2),
            ("7", 2),
            ("12", 2),
            ("123", 3),
            ("1000", 2),
            ("-120.5", 3),
            ("0.00123", 3),
            ("1.5E+10", 2),
            ("12345678901234567890", 11),
        ] {
            assert_eq!(number_size(n), size, "{n}");
        }
    }
}
