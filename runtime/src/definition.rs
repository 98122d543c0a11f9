//! Table definitions: the physical shape of a single table (key attributes, indexes,
//! projections, TTL, stream), emitted by the generator as a constant and used to create
//! tables.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType,
    LocalSecondaryIndex, Projection as SdkProjection, ProjectionType, ScalarAttributeType,
    StreamSpecification, StreamViewType, TimeToLiveSpecification,
};

use crate::error::{Error, Result};
use crate::request::{Table, span};
use tracing::Instrument;

/// Which attributes an index copies from the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Projection {
    /// Every attribute.
    All,
    /// Only the table's and the index's key attributes.
    KeysOnly,
    /// The keys and the listed attributes.
    Include(&'static [&'static str]),
}

/// A global or local secondary index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexDefinition {
    /// The index name.
    pub name: &'static str,
    /// The partition key attribute; for a local index, the table's own.
    pub partition_key: &'static str,
    /// The sort key attribute, if any.
    pub sort_key: Option<&'static str>,
    /// `true` for a local secondary index.
    pub local: bool,
    /// The attributes the index holds.
    pub projection: Projection,
    /// For an index with multi-attribute keys: every partition and sort key attribute with
    /// its stored type (`partition_key` and `sort_key` are then the first of each).
    pub attributes: Option<&'static MultiKey>,
}

/// The key attributes of an index with multi-attribute keys: up to four partition and four
/// sort attributes, stored with their native types, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MultiKey {
    /// Partition key attributes.
    pub partition: &'static [(&'static str, KeyScalar)],
    /// Sort key attributes.
    pub sort: &'static [(&'static str, KeyScalar)],
}

/// The stored type of a key attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyScalar {
    /// A string.
    S,
    /// A number.
    N,
    /// Binary.
    B,
}

impl IndexDefinition {
    /// A global secondary index.
    pub const fn global(
        name: &'static str,
        partition_key: &'static str,
        sort_key: Option<&'static str>,
        projection: Projection,
    ) -> Self {
        IndexDefinition {
            name,
            partition_key,
            sort_key,
            local: false,
            projection,
            attributes: None,
        }
    }

    /// A global secondary index with multi-attribute keys.
    pub const fn multi(
        name: &'static str,
        keys: &'static MultiKey,
        projection: Projection,
    ) -> Self {
        let sort_key = match keys.sort {
            [first, ..] => Some(first.0),
            [] => None,
        };
        let partition_key = match keys.partition {
            [first, ..] => first.0,
            [] => "",
        };
        IndexDefinition {
            attributes: Some(keys),
            ..Self::global(name, partition_key, sort_key, projection)
        }
    }

    /// The key schema: one attribute of each, or every attribute of a multi-attribute key.
    fn key_schema(&self) -> Result<Vec<KeySchemaElement>> {
        match self.attributes {
            None => key_schema(self.partition_key, self.sort_key),
            Some(keys) => {
                let hash = keys
                    .partition
                    .iter()
                    .map(|(a, _)| element(a, KeyType::Hash));
                let range = keys.sort.iter().map(|(a, _)| element(a, KeyType::Range));
                hash.chain(range).collect()
            }
        }
    }

    /// A local secondary index; `partition_key` is the table's own.
    pub const fn local(
        name: &'static str,
        partition_key: &'static str,
        sort_key: Option<&'static str>,
        projection: Projection,
    ) -> Self {
        IndexDefinition {
            local: true,
            ..Self::global(name, partition_key, sort_key, projection)
        }
    }
}

/// The physical design of one table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableDefinition {
    /// The default physical table name; a [`Table`] handle may use another.
    pub name: &'static str,
    /// The partition key attribute.
    pub partition_key: &'static str,
    /// The sort key attribute, if the table has one.
    pub sort_key: Option<&'static str>,
    /// The attribute holding each item's entity name.
    pub type_attribute: &'static str,
    /// The time-to-live attribute, if any.
    pub ttl_attribute: Option<&'static str>,
    /// The table's DynamoDB stream, if enabled: what each record carries.
    pub stream: Option<StreamView>,
    /// Global and local secondary indexes.
    pub indexes: &'static [IndexDefinition],
}

/// What each record of a table's DynamoDB stream carries (`StreamViewType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamView {
    /// The item before and after the change: the generated change enum decodes both.
    NewAndOldImages,
    /// The item after the change.
    NewImage,
    /// The item before the change.
    OldImage,
    /// Only the item's key attributes: every change decodes as `Unknown`.
    KeysOnly,
}

impl StreamView {
    fn sdk(self) -> StreamViewType {
        match self {
            StreamView::NewAndOldImages => StreamViewType::NewAndOldImages,
            StreamView::NewImage => StreamViewType::NewImage,
            StreamView::OldImage => StreamViewType::OldImage,
            StreamView::KeysOnly => StreamViewType::KeysOnly,
        }
    }
}

impl TableDefinition {
    /// The index called `name`, if the table has one.
    pub fn index(&self, name: &str) -> Option<&IndexDefinition> {
        self.indexes.iter().find(|i| i.name == name)
    }
}

fn key_schema(partition: &str, sort: Option<&str>) -> Result<Vec<KeySchemaElement>> {
    let mut out = vec![element(partition, KeyType::Hash)?];
    if let Some(sort) = sort {
        out.push(element(sort, KeyType::Range)?);
    }
    Ok(out)
}

fn element(name: &str, key_type: KeyType) -> Result<KeySchemaElement> {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(key_type)
        .build()
        .map_err(|e| Error::Config(format!("key schema for {name}: {e}")))
}

fn projection(p: &Projection) -> SdkProjection {
    match p {
        Projection::All => SdkProjection::builder()
            .projection_type(ProjectionType::All)
            .build(),
        Projection::KeysOnly => SdkProjection::builder()
            .projection_type(ProjectionType::KeysOnly)
            .build(),
        Projection::Include(attrs) => SdkProjection::builder()
            .projection_type(ProjectionType::Include)
            .set_non_key_attributes(Some(attrs.iter().map(|a| (*a).to_owned()).collect()))
            .build(),
    }
}

impl Table {
    /// Creates this table (on-demand billing) with the definition's keys, indexes, stream and
    /// TTL, and waits until it is active.
    pub async fn create_table(&self, def: &TableDefinition) -> Result<()> {
        let sdk = |e| Error::Config(format!("table definition {}: {e}", def.name));
        let mut attributes: Vec<(&str, KeyScalar)> = vec![(def.partition_key, KeyScalar::S)];
        attributes.extend(def.sort_key.map(|s| (s, KeyScalar::S)));
        for index in def.indexes {
            match index.attributes {
                None => {
                    attributes.push((index.partition_key, KeyScalar::S));
                    attributes.extend(index.sort_key.map(|s| (s, KeyScalar::S)));
                }
                Some(keys) => attributes.extend(keys.partition.iter().chain(keys.sort)),
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        attributes.retain(|(a, _)| seen.insert(*a));

        let mut request = self
            .client()
            .create_table()
            .table_name(self.name())
            .billing_mode(BillingMode::PayPerRequest)
            .set_key_schema(Some(key_schema(def.partition_key, def.sort_key)?));
        if let Some(view) = def.stream {
            request = request.stream_specification(
                StreamSpecification::builder()
                    .stream_enabled(true)
                    .stream_view_type(view.sdk())
                    .build()
                    .map_err(sdk)?,
            );
        }
        for (name, scalar) in attributes {
            let scalar = match scalar {
                KeyScalar::S => ScalarAttributeType::S,
                KeyScalar::N => ScalarAttributeType::N,
                KeyScalar::B => ScalarAttributeType::B,
            };
            request = request.attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(name)
                    .attribute_type(scalar)
                    .build()
                    .map_err(sdk)?,
            );
        }
        for index in def.indexes {
            if index.local {
                request = request.local_secondary_indexes(
                    LocalSecondaryIndex::builder()
                        .index_name(index.name)
                        .set_key_schema(Some(key_schema(def.partition_key, index.sort_key)?))
                        .projection(projection(&index.projection))
                        .build()
                        .map_err(sdk)?,
                );
            } else {
                request = request.global_secondary_indexes(
                    GlobalSecondaryIndex::builder()
                        .index_name(index.name)
                        .set_key_schema(Some(index.key_schema()?))
                        .projection(projection(&index.projection))
                        .build()
                        .map_err(sdk)?,
                );
            }
        }
        let table = self.name().to_owned();
        request
            .send()
            .instrument(span("CreateTable", &table, None, ""))
            .await
            .map_err(|e| self.failure("CreateTable", "", String::new, e))?;
        self.wait_until_active().await?;

        if let Some(ttl) = def.ttl_attribute {
            self.client()
                .update_time_to_live()
                .table_name(self.name())
                .time_to_live_specification(
                    TimeToLiveSpecification::builder()
                        .attribute_name(ttl)
                        .enabled(true)
                        .build()
                        .map_err(sdk)?,
                )
                .send()
                .instrument(span("UpdateTimeToLive", &table, None, ""))
                .await
                .map_err(|e| self.failure("UpdateTimeToLive", "", String::new, e))?;
        }
        Ok(())
    }

    async fn wait_until_active(&self) -> Result<()> {
        use aws_sdk_dynamodb::types::TableStatus;
        for _ in 0..600 {
            let out = self
                .client()
                .describe_table()
                .table_name(self.name())
                .send()
                .instrument(span("DescribeTable", self.name(), None, ""))
                .await
                .map_err(|e| self.failure("DescribeTable", "", String::new, e))?;
            let table = out.table();
            let table_active = table.and_then(|t| t.table_status()) == Some(&TableStatus::Active);
            let indexes_active = table
                .map(|t| {
                    t.global_secondary_indexes().iter().all(|g| {
                        g.index_status() == Some(&aws_sdk_dynamodb::types::IndexStatus::Active)
                    })
                })
                .unwrap_or(true);
            if table_active && indexes_active {
                return Ok(());
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
        Err(Error::Config(format!(
            "table {} did not become active within five minutes",
            self.name()
        )))
    }

    /// Whether this table exists (in any state, including one still being created).
    pub async fn exists(&self) -> Result<bool> {
        match self
            .client()
            .describe_table()
            .table_name(self.name())
            .send()
            .instrument(span("DescribeTable", self.name(), None, ""))
            .await
        {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(self.failure("DescribeTable", "", String::new, e)),
        }
    }

    /// Deletes this table.
    pub async fn delete_table(&self) -> Result<()> {
        self.client()
            .delete_table()
            .table_name(self.name())
            .send()
            .instrument(span("DeleteTable", self.name(), None, ""))
            .await
            .map_err(|e| self.failure("DeleteTable", "", String::new, e))?;
        Ok(())
    }
}
