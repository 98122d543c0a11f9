//! Property tests of key encoding over random strings full of delimiters and escape
//! characters: different field tuples never give the same key, and a prefix that ends at a
//! segment boundary matches exactly the keys whose leading fields are equal.

use proptest::prelude::*;
use singletable::__private::KeyText;
use singletable::key::{HIGH, split_segments};

/// Strings drawn mostly from the characters that matter to the encoding.
fn tricky() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just('#'),
            Just('\\'),
            Just('|'),
            Just('a'),
            Just('b'),
            Just('$'),
            Just(HIGH),
            any::<char>(),
        ],
        0..8,
    )
    .prop_map(|cs| cs.into_iter().collect())
}

fn key(delimiter: char, fields: &[&str]) -> String {
    let mut k = KeyText::new(delimiter).lit("T").lit(&delimiter.to_string());
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            k = k.lit(&delimiter.to_string());
        }
        k = k.value("f", *f);
    }
    k.finish().unwrap()
}

fn delimiter() -> impl Strategy<Value = char> {
    prop_oneof![Just('#'), Just('|'), Just(':')]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn different_tuples_never_share_a_key(
        d in delimiter(), a in tricky(), b in tricky(), c in tricky(), e in tricky()
    ) {
        let left = key(d, &[&a, &b]);
        let right = key(d, &[&c, &e]);
        prop_assert_eq!(left == right, (a, b) == (c, e));
    }

    #[test]
    fn segments_split_back_to_the_fields(d in delimiter(), a in tricky(), b in tricky()) {
        let k = key(d, &[&a, &b]);
        prop_assert_eq!(split_segments(&k, d), vec!["T".to_owned(), a, b]);
    }

    #[test]
    fn boundary_prefixes_match_whole_segments_only(
        d in delimiter(), a in tricky(), other in tricky(), b in tricky()
    ) {
        // The prefix for "all keys whose first field is `a`" ends at the delimiter.
        let prefix = KeyText::new(d).lit("T").lit(&d.to_string()).value("f", a.as_str())
            .lit(&d.to_string()).finish().unwrap();
        let candidate = key(d, &[&other, &b]);
        prop_assert_eq!(candidate.starts_with(&prefix), other == a);
    }

    #[test]
    fn prefix_plus_high_bounds_every_key_with_the_prefix(
        d in delimiter(), a in tricky(), b in tricky()
    ) {
        let prefix = KeyText::new(d).lit("T").lit(&d.to_string()).value("f", a.as_str())
            .lit(&d.to_string()).finish().unwrap();
        let k = key(d, &[&a, &b]);
        let mut upper = prefix.clone();
        upper.push(HIGH);
        prop_assert!(k >= prefix && k < upper);
    }

    #[test]
    fn integer_text_order_is_numeric_order(x in 0..i64::MAX, y in 0..i64::MAX) {
        let kx = KeyText::new('#').value("n", x).finish().unwrap();
        let ky = KeyText::new('#').value("n", y).finish().unwrap();
        prop_assert_eq!(kx.cmp(&ky), x.cmp(&y));
    }

    #[test]
    fn timestamp_text_order_is_time_order(
        x in 0i64..253_402_300_799, xn in 0u32..1_000_000_000,
        y in 0i64..253_402_300_799, yn in 0u32..1_000_000_000
    ) {
        let tx = chrono::DateTime::from_timestamp(x, xn).unwrap();
        let ty = chrono::DateTime::from_timestamp(y, yn).unwrap();
        let kx = KeyText::new('#').value("t", &tx).finish().unwrap();
        let ky = KeyText::new('#').value("t", &ty).finish().unwrap();
        prop_assert_eq!(kx.cmp(&ky), tx.cmp(&ty));
    }
}

proptest! {
    #[test]
    fn timestamp_format_and_fast_parse_round_trip(
        secs in -62_135_596_800i64..253_402_300_799, nanos in 0u32..1_000_000_000
    ) {
        let t = chrono::DateTime::from_timestamp(secs, nanos).unwrap();
        let text = singletable::key::format_timestamp(&t);
        prop_assert_eq!(&text, &t.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true));
        prop_assert_eq!(singletable::key::parse_timestamp(&text).unwrap(), t);
    }
}
