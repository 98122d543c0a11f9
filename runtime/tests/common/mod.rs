//! Hand-written entities shaped like generated code, used to exercise the runtime against
//! DynamoDB Local before and independently of the generator.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use singletable::__private::{AttributeCodec, AttributeValue, CodecError, KeyText, ListElement};
use singletable::codec;
use singletable::{
    Entity, IndexDefinition, Item, Key, PartitionKey, Projection, Result, SortKey, TableDefinition,
    WriteStamp,
};

pub const TABLE: TableDefinition = TableDefinition {
    name: "runtime",
    partition_key: "pk",
    sort_key: Some("sk"),
    type_attribute: "_type",
    ttl_attribute: Some("expires_at"),
    stream: None,
    indexes: &[
        IndexDefinition::global("gsi1", "gsi1pk", Some("gsi1sk"), Projection::All),
        IndexDefinition::global("inverse", "sk", Some("pk"), Projection::KeysOnly),
        IndexDefinition::global(
            "by_kind",
            "gsi2pk",
            Some("gsi2sk"),
            Projection::Include(&["kind"]),
        ),
        IndexDefinition::local("lsi1", "pk", Some("lsi1sk"), Projection::All),
    ],
};

pub async fn table() -> singletable::test_util::TestTable {
    singletable::test_util::TestTable::create(&TABLE)
        .await
        .expect("create test table")
}

#[derive(Debug, Clone, PartialEq)]
pub struct Address {
    pub street: String,
    pub zip: Option<String>,
}

impl AttributeCodec for Address {
    fn encode(&self) -> std::result::Result<Option<AttributeValue>, CodecError> {
        let mut m = std::collections::HashMap::new();
        codec::put(&mut m, codec::Nested, "street", &self.street)?;
        codec::put(&mut m, codec::Nested, "zip", &self.zip)?;
        Ok(Some(AttributeValue::M(m)))
    }
    fn decode(value: AttributeValue) -> std::result::Result<Self, CodecError> {
        let mut m = codec::expect_map(value)?;
        Ok(Address {
            street: codec::take(&mut m, codec::Nested, "street")?,
            zip: codec::take(&mut m, codec::Nested, "zip")?,
        })
    }
}
impl ListElement for Address {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    Free,
    Pro,
}

impl AttributeCodec for Tier {
    fn encode(&self) -> std::result::Result<Option<AttributeValue>, CodecError> {
        Ok(Some(AttributeValue::S(
            match self {
                Tier::Free => "free",
                Tier::Pro => "pro",
            }
            .to_owned(),
        )))
    }
    fn decode(value: AttributeValue) -> std::result::Result<Self, CodecError> {
        match codec::expect_string(value)?.as_str() {
            "free" => Ok(Tier::Free),
            "pro" => Ok(Tier::Pro),
            other => Err(CodecError::new(format!(
                "expected one of free, pro, found {other:?}"
            ))),
        }
    }
}

/// Every attribute type of the schema language.
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    pub id: String,
    pub email: String,
    pub name: Option<String>,
    pub age: i64,
    pub score: f64,
    pub active: bool,
    pub joined: DateTime<Utc>,
    pub birthday: NaiveDate,
    pub token: uuid::Uuid,
    pub avatar: Vec<u8>,
    pub tags: BTreeSet<String>,
    pub lucky: BTreeSet<i64>,
    pub blobs: BTreeSet<Vec<u8>>,
    pub history: Vec<i64>,
    pub prefs: BTreeMap<String, String>,
    pub address: Option<Address>,
    pub addresses: Vec<Address>,
    pub tier: Tier,
    pub expires_at: Option<DateTime<Utc>>,
    pub logins: i64,
}

impl Account {
    pub fn sample(id: &str) -> Self {
        Account {
            id: id.to_owned(),
            email: format!("{id}@example.com"),
            name: Some("Alice Example".to_owned()),
            age: 42,
            score: 98.25,
            active: true,
            joined: "2024-03-01T12:30:45.123456789Z".parse().unwrap(),
            birthday: NaiveDate::from_ymd_opt(1990, 7, 14).unwrap(),
            token: uuid::Uuid::from_u128(0x1234_5678_9abc_def0_1234_5678_9abc_def0),
            avatar: vec![0, 1, 2, 254, 255],
            tags: BTreeSet::from(["admin".to_owned(), "beta".to_owned()]),
            lucky: BTreeSet::from([7, 13, -1]),
            blobs: BTreeSet::from([vec![1], vec![2, 3]]),
            history: vec![3, 1, 4, 1, 5],
            prefs: BTreeMap::from([("theme".to_owned(), "dark".to_owned())]),
            address: Some(Address {
                street: "1 Main St".to_owned(),
                zip: None,
            }),
            addresses: vec![Address {
                street: "2 Side St".to_owned(),
                zip: Some("12345".to_owned()),
            }],
            tier: Tier::Pro,
            expires_at: Some(DateTime::from_timestamp(4_000_000_000, 0).unwrap()),
            logins: 3,
        }
    }

    pub fn key(id: &str) -> Key<Account> {
        Key::new(Self::partition(id), Some(Self::sort()))
    }

    pub fn partition(id: &str) -> PartitionKey<Account> {
        PartitionKey::new(
            "pk",
            KeyText::new('#').lit("ACCOUNT#").value("id", id).finish(),
        )
    }

    pub fn sort() -> SortKey<Account> {
        SortKey::new("sk", KeyText::new('#').lit("PROFILE").finish())
    }

    pub fn by_email(email: &str) -> PartitionKey<Account> {
        PartitionKey::new(
            "gsi1pk",
            KeyText::new('#')
                .lit("EMAIL#")
                .value("email", email)
                .finish(),
        )
    }
}

impl Entity for Account {
    const NAME: &'static str = "Account";
    const TYPE_ATTRIBUTE: &'static str = "_type";

    fn key(&self) -> Key<Self> {
        Account::key(&self.id)
    }

    fn to_stored_item(&self, _stamp: &WriteStamp) -> Result<Item> {
        let e = Self::NAME;
        let mut item = Item::with_capacity(26);
        codec::put(&mut item, e, "id", &self.id)?;
        codec::put(&mut item, e, "email", &self.email)?;
        codec::put(&mut item, e, "name", &self.name)?;
        codec::put(&mut item, e, "age", &self.age)?;
        codec::put(&mut item, e, "score", &self.score)?;
        codec::put(&mut item, e, "active", &self.active)?;
        codec::put(&mut item, e, "joined", &self.joined)?;
        codec::put(&mut item, e, "birthday", &self.birthday)?;
        codec::put(&mut item, e, "token", &self.token)?;
        codec::put(&mut item, e, "avatar", &self.avatar)?;
        codec::put(&mut item, e, "tags", &self.tags)?;
        codec::put(&mut item, e, "lucky", &self.lucky)?;
        codec::put(&mut item, e, "blobs", &self.blobs)?;
        codec::put(&mut item, e, "history", &self.history)?;
        codec::put(&mut item, e, "prefs", &self.prefs)?;
        codec::put(&mut item, e, "address", &self.address)?;
        codec::put(&mut item, e, "addresses", &self.addresses)?;
        codec::put(&mut item, e, "tier", &self.tier)?;
        codec::ttl::put(&mut item, "expires_at", self.expires_at.as_ref());
        codec::put(&mut item, e, "logins", &self.logins)?;
        Self::partition(&self.id).write_to(&mut item, e)?;
        Self::sort().write_to(&mut item, e)?;
        Self::by_email(&self.email).write_to(&mut item, e)?;
        SortKey::<Account>::new("gsi1sk", KeyText::new('#').lit("ACCOUNT").finish())
            .write_to(&mut item, e)?;
        item.insert("_type".to_owned(), AttributeValue::S(e.to_owned()));
        Ok(item)
    }

    fn from_item(mut item: Item) -> Result<Self> {
        let e = Self::NAME;
        Ok(Account {
            id: codec::take(&mut item, e, "id")?,
            email: codec::take(&mut item, e, "email")?,
            name: codec::take(&mut item, e, "name")?,
            age: codec::take(&mut item, e, "age")?,
            score: codec::take(&mut item, e, "score")?,
            active: codec::take(&mut item, e, "active")?,
            joined: codec::take(&mut item, e, "joined")?,
            birthday: codec::take(&mut item, e, "birthday")?,
            token: codec::take(&mut item, e, "token")?,
            avatar: codec::take(&mut item, e, "avatar")?,
            tags: codec::take(&mut item, e, "tags")?,
            lucky: codec::take(&mut item, e, "lucky")?,
            blobs: codec::take(&mut item, e, "blobs")?,
            history: codec::take(&mut item, e, "history")?,
            prefs: codec::take(&mut item, e, "prefs")?,
            address: codec::take(&mut item, e, "address")?,
            addresses: codec::take(&mut item, e, "addresses")?,
            tier: codec::take(&mut item, e, "tier")?,
            expires_at: codec::ttl::take(&mut item, e, "expires_at")?,
            logins: codec::take_or(&mut item, e, "logins", || 0)?,
        })
    }
}

/// Items sharing an account's partition: `EVENT#{at}#{seq}`, with a local index on
/// `SEQ#{seq}` and a GSI on `KIND#{kind}` (include projection).
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub account: String,
    pub at: DateTime<Utc>,
    pub seq: i64,
    pub kind: String,
    pub detail: String,
}

impl Event {
    pub fn new(account: &str, seq: i64, kind: &str) -> Self {
        Event {
            account: account.to_owned(),
            at: DateTime::from_timestamp(1_700_000_000 + seq * 60, 0).unwrap(),
            seq,
            kind: kind.to_owned(),
            detail: format!("event {seq}"),
        }
    }

    pub fn partition(account: &str) -> PartitionKey<Event> {
        PartitionKey::new(
            "pk",
            KeyText::new('#')
                .lit("ACCOUNT#")
                .value("account", account)
                .finish(),
        )
    }

    pub fn sort(at: &DateTime<Utc>, seq: i64) -> SortKey<Event> {
        SortKey::new(
            "sk",
            KeyText::new('#')
                .lit("EVENT#")
                .value("at", at)
                .lit("#")
                .value("seq", seq)
                .finish(),
        )
    }

    pub fn lsi_sort(seq: i64) -> SortKey<Event> {
        SortKey::new(
            "lsi1sk",
            KeyText::new('#').lit("SEQ#").value("seq", seq).finish(),
        )
    }

    pub fn by_kind(kind: &str) -> PartitionKey<Event> {
        PartitionKey::new(
            "gsi2pk",
            KeyText::new('#').lit("KIND#").value("kind", kind).finish(),
        )
    }
}

impl Entity for Event {
    const NAME: &'static str = "Event";
    const TYPE_ATTRIBUTE: &'static str = "_type";

    fn key(&self) -> Key<Self> {
        Key::new(
            Self::partition(&self.account),
            Some(Self::sort(&self.at, self.seq)),
        )
    }

    fn to_stored_item(&self, _stamp: &WriteStamp) -> Result<Item> {
        let e = Self::NAME;
        let mut item = Item::new();
        codec::put(&mut item, e, "account", &self.account)?;
        codec::put(&mut item, e, "at", &self.at)?;
        codec::put(&mut item, e, "seq", &self.seq)?;
        codec::put(&mut item, e, "kind", &self.kind)?;
        codec::put(&mut item, e, "detail", &self.detail)?;
        Self::partition(&self.account).write_to(&mut item, e)?;
        Self::sort(&self.at, self.seq).write_to(&mut item, e)?;
        Self::lsi_sort(self.seq).write_to(&mut item, e)?;
        Self::by_kind(&self.kind).write_to(&mut item, e)?;
        let gsi2sk = Self::sort(&self.at, self.seq).into_value();
        SortKey::<Event>::new("gsi2sk", gsi2sk).write_to(&mut item, e)?;
        item.insert("_type".to_owned(), AttributeValue::S(e.to_owned()));
        Ok(item)
    }

    fn from_item(mut item: Item) -> Result<Self> {
        let e = Self::NAME;
        Ok(Event {
            account: codec::take(&mut item, e, "account")?,
            at: codec::take(&mut item, e, "at")?,
            seq: codec::take(&mut item, e, "seq")?,
            kind: codec::take(&mut item, e, "kind")?,
            detail: codec::take(&mut item, e, "detail")?,
        })
    }
}
