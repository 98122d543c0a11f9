//! The synthetic schema the scaling bench generates code from: `n` entities of one realistic
//! shape in one table, using only schema features every generator version accepts.
//!
//! Per entity: 13 attributes (strings, an enum, integers, a float, a bool, a set, two
//! optionals, a timestamp, an `auto: created` timestamp and a version), a primary key and two
//! GSIs with templates (`gsi2` sparse on the optional `owner`, both with composite sort keys),
//! and three access patterns, one per index, none of them an item collection.

use std::fmt::Write as _;

/// The schema text for `entities` entities, `Ent001` to `EntNNN`.
pub fn synthetic_schema(entities: usize) -> String {
    let mut yaml = format!(
        "# Synthetic schema of the scaling bench: {entities} entities of one shape.\n\
         version: 1\n\
         table:\n\
         \x20 name: scaling\n\
         \x20 partition_key: pk\n\
         \x20 sort_key: sk\n\
         \x20 indexes:\n\
         \x20   gsi1: {{ partition_key: gsi1pk, sort_key: gsi1sk }}\n\
         \x20   gsi2: {{ partition_key: gsi2pk, sort_key: gsi2sk }}\n"
    );
    yaml.push_str("types:\n");
    for i in 1..=entities {
        let name = entity_name(i);
        writeln!(yaml, "  {name}Status:").unwrap();
        writeln!(yaml, "    doc: Where a {name} is in its life.").unwrap();
        writeln!(yaml, "    enum: [draft, active, paused, closed]").unwrap();
    }
    yaml.push_str("entities:\n");
    for i in 1..=entities {
        entity(&mut yaml, i);
    }
    yaml.push_str("access_patterns:\n");
    for i in 1..=entities {
        patterns(&mut yaml, i);
    }
    yaml
}

/// `Ent001`, `Ent042`: fixed width, so no entity's key prefix is a prefix of another's.
fn entity_name(i: usize) -> String {
    format!("Ent{i:03}")
}

fn entity(yaml: &mut String, i: usize) {
    let name = entity_name(i);
    let prefix = name.to_uppercase();
    write!(
        yaml,
        "  {name}:
    doc: Synthetic entity {i} of a tenant.
    attributes:
      tenant_id: string
      id: string
      title: string
      status: {{ type: {name}Status, default: draft }}
      priority: {{ type: integer, default: 3, doc: 1 is the most urgent. }}
      score: {{ type: float, default: 0.0 }}
      archived: {{ type: bool, default: false }}
      labels: {{ type: \"set<string>\", default: [] }}
      owner: {{ type: string, optional: true, doc: The owning user's id. }}
      notes: {{ type: string, optional: true }}
      due_at: timestamp
      created_at: {{ type: timestamp, auto: created }}
      version: {{ type: integer, version: true }}
    keys:
      primary: {{ partition: \"TENANT#{{tenant_id}}\", sort: \"{prefix}#{{id}}\" }}
      gsi1: {{ partition: \"{prefix}#{{status}}\", sort: \"{{due_at}}#{{id}}\" }}
      gsi2: {{ partition: \"OWNER#{{owner}}\", sort: \"{prefix}#{{priority}}#{{id}}\" }}
"
    )
    .unwrap();
}

fn patterns(yaml: &mut String, i: usize) {
    let name = entity_name(i);
    let snake = name.to_lowercase();
    writeln!(
        yaml,
        "  {snake}_of_tenant: {{ entity: {name}, doc: \"A tenant's {name} items, by id.\" }}"
    )
    .unwrap();
    writeln!(
        yaml,
        "  {snake}_by_status: {{ entity: {name}, index: gsi1, doc: \"{name} items in one status, by due time.\" }}"
    )
    .unwrap();
    writeln!(
        yaml,
        "  {snake}_of_owner: {{ entity: {name}, index: gsi2, doc: \"An owner's {name} items, most urgent first.\" }}"
    )
    .unwrap();
}
