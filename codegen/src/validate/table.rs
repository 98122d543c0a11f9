//! The table: its name, delimiter, key attribute names and index declarations.

use super::*;

impl<'s> Validator<'s> {
    pub(super) fn table(&mut self) {
        let t = &self.schema.table;
        if let Some(name) = &t.name {
            let ok = (3..=255).contains(&name.len())
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
            if !ok {
                self.push(Diagnostic::new(
                    Rule::InvalidTableName,
                    "table.name",
                    format!("`{name}` is not a valid DynamoDB table name"),
                ));
            }
        }
        let d = &t.delimiter;
        if d.chars().count() != 1 {
            self.push(Diagnostic::new(
                Rule::InvalidDelimiter,
                "table.delimiter",
                format!("the delimiter `{d}` is not exactly one character"),
            ));
        } else if d.starts_with(|c: char| {
            c == ESCAPE || c == '{' || c == '}' || c.is_alphanumeric() || c.is_whitespace()
        }) {
            self.push(Diagnostic::new(Rule::InvalidDelimiter, "table.delimiter", format!("`{d}` cannot be the delimiter")).with_help("`\\` escapes delimiters inside values, braces mark template fields, and letters, digits or spaces occur in values; use `#`, `|` or `:`"));
        }
        for (what, attr) in [
            ("partition_key", Some(&t.partition_key)),
            ("sort_key", t.sort_key.as_ref()),
            ("type_attribute", Some(&t.type_attribute)),
        ] {
            if let Some(a) = attr
                && a.is_empty()
            {
                self.push(Diagnostic::new(
                    Rule::EmptyName,
                    format!("table.{what}"),
                    format!("`table.{what}` is empty"),
                ));
            }
        }
        for index in &t.indexes {
            let Some((partition, sort)) = &index.multi else {
                continue;
            };
            let problem =
                |msg: String| Diagnostic::new(Rule::InvalidMultiKey, index.path.clone(), msg);
            if index.local {
                self.push(problem(format!(
                    "local index `{}` cannot have multi-attribute keys",
                    index.name
                )));
            }
            if partition.is_empty() || partition.len() > 4 || sort.len() > 4 {
                let d = problem(format!(
                    "index `{}` has {} partition and {} sort key attributes",
                    index.name,
                    partition.len(),
                    sort.len()
                ));
                self.push(d.with_help(
                    "a multi-attribute key has 1 to 4 partition and up to 4 sort attributes",
                ));
            }
        }
        let globals = t.indexes.iter().filter(|i| !i.local).count();
        let locals = t.indexes.iter().filter(|i| i.local).count();
        if globals > 20 {
            self.push(Diagnostic::new(Rule::TooManyIndexes, "table.indexes", format!("{globals} global secondary indexes; DynamoDB allows at most 20 per table")).with_help("overload fewer indexes with generic key attributes (`gsi1pk`/`gsi1sk`) shared by several entities"));
        }
        if locals > 5 {
            self.push(
                Diagnostic::new(
                    Rule::TooManyIndexes,
                    "table.indexes",
                    format!(
                        "{locals} local secondary indexes; DynamoDB allows at most 5 per table"
                    ),
                )
                .with_help("share local index sort keys between entities, or use global indexes"),
            );
        }
        for index in &t.indexes {
            let p = &index.path;
            if names::snake(&index.name).is_none() {
                self.push(
                    Diagnostic::new(
                        Rule::InvalidName,
                        p.clone(),
                        format!(
                            "index name `{}` cannot become a Rust identifier",
                            index.name
                        ),
                    )
                    .at_key(),
                );
            }
            if index.local {
                if let Some(pk) = &index.partition_key
                    && pk != &t.partition_key
                {
                    self.push(Diagnostic::new(Rule::LocalIndexPartition, format!("{p}.partition_key"), format!(
                            "local index `{}` has partition key `{pk}`, but a local index shares the table's partition key `{}`",
                            index.name, t.partition_key
                        )).with_help("remove `partition_key` from the local index, or make it a global index"));
                }
                if t.sort_key.is_none() {
                    self.push(Diagnostic::new(
                        Rule::LocalIndexWithoutTableSortKey,
                        p.clone(),
                        format!("local index `{}` on a table without a sort key", index.name),
                    ));
                }
                if index.sort_key.is_none() {
                    self.push(Diagnostic::new(Rule::MissingField, p.clone(), format!("local index `{}` has no `sort_key`", index.name)).with_help("a local index differs from the table only by its sort key; add `sort_key: lsi1sk`"));
                }
            } else if index.partition_key.is_none() {
                self.push(
                    Diagnostic::new(
                        Rule::MissingField,
                        p.clone(),
                        format!("global index `{}` has no `partition_key`", index.name),
                    )
                    .with_help("add `partition_key: gsi1pk` (or `local: true` for a local index)"),
                );
            }
            for attr in [&index.partition_key, &index.sort_key]
                .into_iter()
                .flatten()
            {
                if attr == &t.type_attribute {
                    self.push(
                        Diagnostic::new(
                            Rule::AttributeClash,
                            p.clone(),
                            format!(
                                "index `{}` uses the type attribute `{attr}` as a key",
                                index.name
                            ),
                        )
                        .with_help("give the index its own key attributes"),
                    );
                }
            }
        }
    }
}
