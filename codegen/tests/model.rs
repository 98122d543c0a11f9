//! The resolved model for valid schemas, and validator rules that must *not* fire.

use codegen::model::{
    IndexKind, Order, PatternTarget, Projection, TemplateField, TemplatePart, Type, TypeKind,
};

fn model(text: &str) -> codegen::Model {
    let checked = codegen::check_str("schema.yaml", text);
    assert!(
        !checked.has_errors(),
        "{}",
        checked.render(codegen::Style::Plain)
    );
    checked.model.expect("a model")
}

fn codes(text: &str) -> Vec<&'static str> {
    codegen::check_str("schema.yaml", text)
        .diagnostics
        .iter()
        .map(|d| d.code())
        .collect()
}

#[test]
fn design_example_resolves_completely() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/design.yaml"
    ))
    .unwrap();
    let m = model(&text);
    assert_eq!(m.table.name, "app");
    assert_eq!(m.table.delimiter, '#');
    assert_eq!(m.table.ttl_attribute.as_deref(), Some("expires_at"));
    let kinds: Vec<(&str, IndexKind)> = m
        .table
        .indexes
        .iter()
        .map(|i| (i.name.as_str(), i.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            ("gsi1", IndexKind::Global),
            ("by_status", IndexKind::Global),
            ("lsi1", IndexKind::Local)
        ]
    );
    assert_eq!(
        m.table.indexes[1].projection,
        Projection::Include(vec!["status".into(), "total_cents".into()])
    );
    assert_eq!(m.table.indexes[2].partition_key, "pk");

    let user = m.entity("User").unwrap();
    let fields: Vec<&str> = user
        .attributes
        .iter()
        .map(|a| a.rust_name.as_str())
        .collect();
    assert_eq!(
        fields,
        [
            "user_id",
            "email",
            "name",
            "address",
            "roles",
            "logins",
            "created_at",
            "updated_at",
            "version"
        ]
    );
    assert_eq!(
        user.attribute("address").unwrap().ty,
        Type::Document("Address".into())
    );
    assert_eq!(
        user.attribute("roles").unwrap().ty,
        Type::Set(Box::new(Type::String))
    );
    assert!(user.attribute("version").unwrap().version);

    let order = m.entity("Order").unwrap();
    let indexes: Vec<&str> = order.keys.iter().map(|k| k.index.as_str()).collect();
    assert_eq!(indexes, ["primary", "gsi1", "by_status", "lsi1"]);
    let lsi = order.key("lsi1").unwrap();
    assert_eq!(lsi.partition.text, "USER#{user_id}");
    assert_eq!(lsi.partition.attribute, "pk");
    assert_eq!(lsi.sort.as_ref().unwrap().attribute, "lsi1sk");
    let sort = order.primary().sort.as_ref().unwrap();
    assert_eq!(
        sort.parts,
        [
            TemplatePart::Literal("ORDER#".into()),
            TemplatePart::Field(TemplateField {
                name: "placed_at".into(),
                rust_name: "placed_at".into(),
                ty: Type::Timestamp,
                optional: false,
                derive: None,
            }),
            TemplatePart::Literal("#".into()),
            TemplatePart::Field(TemplateField {
                name: "order_id".into(),
                rust_name: "order_id".into(),
                ty: Type::String,
                optional: false,
                derive: None,
            }),
        ]
    );
    let status = order.key("by_status").unwrap();
    assert_eq!(
        &status.partition.fields().next().unwrap().ty,
        &Type::Enum("OrderStatus".into())
    );
    assert_eq!(
        order.attribute("lines").unwrap().ty,
        Type::List(Box::new(Type::Document("OrderLine".into())))
    );
    assert_eq!(order.attribute("expires_at").unwrap().ty, Type::Ttl);
    let TypeKind::Enum(values) = &m
        .types
        .iter()
        .find(|t| t.name == "OrderStatus")
        .unwrap()
        .kind
    else {
        panic!("OrderStatus is an enum")
    };
    assert_eq!(values[0], ("pending".into(), "Pending".into()));

    let by_email = &m.access_patterns[0];
    assert_eq!(by_email.index, "gsi1");
    assert!(by_email.one);
    assert_eq!(by_email.partition.text, "EMAIL#{email}");
    let newest = &m.access_patterns[1];
    assert_eq!(newest.order, Order::Desc);
    let collection = m
        .access_patterns
        .iter()
        .find(|p| p.name == "user_with_orders")
        .unwrap();
    assert_eq!(
        collection.target,
        PatternTarget::Collection(vec!["User".into(), "Order".into()])
    );
    assert_eq!(collection.partition.text, "USER#{user_id}");
    assert_eq!(collection.sorts.len(), 2);
}

const INVERSE: &str = r#"
version: 1
table:
  name: graph
  indexes:
    inverse: { partition_key: sk, sort_key: pk }
    gsi1: { partition_key: gsi1pk, sort_key: gsi1sk }
entities:
  Membership:
    attributes:
      user_id: string
      group_id: string
      type: string
      ref: { type: string, optional: true }
      match: { type: integer, default: 0 }
    keys:
      primary: { partition: "USER#{user_id}", sort: "GROUP#{group_id}" }
      gsi1: { partition: "REF#{ref}", sort: "GROUP#{group_id}" }
access_patterns:
  groups_of_user: { entity: Membership }
  members_of_group: { entity: Membership, index: inverse }
  by_ref: { entity: Membership, index: gsi1 }
"#;

#[test]
fn inverse_index_swaps_primary_templates_and_keywords_are_fields() {
    let m = model(INVERSE);
    let e = m.entity("Membership").unwrap();
    let inverse = e.key("inverse").unwrap();
    assert_eq!(inverse.kind, IndexKind::Inverse);
    assert_eq!(inverse.partition.text, "GROUP#{group_id}");
    assert_eq!(inverse.partition.attribute, "sk");
    assert_eq!(inverse.sort.as_ref().unwrap().text, "USER#{user_id}");
    assert_eq!(inverse.sort.as_ref().unwrap().attribute, "pk");
    let names: Vec<&str> = e.attributes.iter().map(|a| a.rust_name.as_str()).collect();
    assert_eq!(names, ["user_id", "group_id", "r#type", "r#ref", "r#match"]);
    assert_eq!(e.attribute("type").unwrap().stored_name, "type");
    // An optional field in a GSI template makes the index sparse.
    assert!(e.key("gsi1").unwrap().is_sparse());
    assert!(!e.primary().is_sparse());
}

fn two_entities(first_sort: &str, second_sort: &str, extra_types: &str) -> String {
    format!(
        r#"
version: 1
{extra_types}
entities:
  A:
    attributes: {{ id: string, at: timestamp, n: integer, day: date, state: State, name: string }}
    keys:
      primary: {{ partition: "P#{{id}}", sort: "{first_sort}" }}
  B:
    attributes: {{ id: string, at: timestamp, n: integer, day: date, state: State, name: string }}
    keys:
      primary: {{ partition: "P#{{id}}", sort: "{second_sort}" }}
"#
    )
}

const STATE: &str = "types:\n  State:\n    enum: [open, closed]";

#[test]
fn ambiguity_reasons_about_segments_and_formats() {
    let distinct = [
        ("{at}", "{n}"),                 // a timestamp never looks like 19 digits
        ("{day}", "{at}"),               // dates and timestamps differ in length
        ("{state}", "PROFILE"),          // PROFILE is not an enum value
        ("{at}#{id}", "{at}"),           // different segment counts
        ("ITEM#{name}", "ITEMS#{name}"), // different literal segments
        ("{n}#X", "{n}#Y"),
        ("{state}", "{n}"),
    ];
    for (a, b) in distinct {
        let text = two_entities(a, b, STATE);
        assert!(
            !codes(&text).contains(&"ambiguous-keys"),
            "{a} vs {b} flagged:\n{}",
            codegen::check_str("s.yaml", &text).render(codegen::Style::Plain)
        );
    }
    let ambiguous = [
        ("{name}", "PROFILE"), // a string can be anything
        ("{state}", "open"),   // an enum value
        ("{at}", "{at}"),
        ("X{name}", "XY{id}"), // mixed segments with compatible prefixes
        ("{n}#{name}", "{n}#LINE"),
    ];
    for (a, b) in ambiguous {
        let text = two_entities(a, b, STATE);
        assert!(
            codes(&text).contains(&"ambiguous-keys"),
            "{a} vs {b} not flagged"
        );
    }
}
