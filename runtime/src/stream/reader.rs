//! Reading a table's stream through the Streams API, lazily, shard by shard.

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::Duration;

use aws_sdk_dynamodbstreams::Client;
use aws_sdk_dynamodbstreams::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodbstreams::types::{Shard, ShardIteratorType};
use futures::Stream;
use tracing::Instrument;

use super::{ChangeRecord, RecordError, SequenceNumber, TableChange};
use crate::error::Error;
use crate::request::{Table, span};

/// What a [`StreamReader`] hands out besides changes.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    /// One record could not be converted or decoded; reading goes on with the next.
    #[error(transparent)]
    Record(#[from] RecordError),
    /// The stream could not be read (the SDK's retries ran out, the stream does not exist,
    /// ...). This is the last item: the stream ends after it.
    #[error(transparent)]
    Read(#[from] Error),
}

/// Where to start reading a shard that has no checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Start {
    TrimHorizon,
    Latest,
}

/// Reads a table's DynamoDB stream: lists its shards (DescribeStream), reads each parent
/// before its children, and hands out the records of one GetRecords page at a time, in
/// sequence order, as a [`Stream`]. Memory stays bounded by one page.
///
/// By default it reads every shard from its oldest record (`TRIM_HORIZON`) and follows open
/// shards forever, polling every second when caught up; [`StreamReader::drain`] stops
/// instead once every shard has been read up to now.
///
/// ```ignore
/// let mut changes = table.stream_reader()?.drain().changes::<TrackerChange>();
/// while let Some(change) = changes.next().await {
///     match change {
///         Ok(TrackerChange::Task(c)) => println!("{:?}: {:?} -> {:?}", c.kind, c.old, c.new),
///         Ok(_) => {}
///         Err(StreamError::Record(e)) => eprintln!("skipped {e}"),
///         Err(StreamError::Read(e)) => return Err(e),
///     }
/// }
/// ```
#[derive(Debug, Clone)]
pub struct StreamReader {
    client: Client,
    table: String,
    stream_arn: Option<String>,
    start: Start,
    checkpoints: HashMap<String, String>,
    drain: bool,
    page_size: Option<i32>,
    poll_interval: Duration,
}

impl StreamReader {
    /// A reader of the latest stream of `table` through `client`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
            stream_arn: None,
            start: Start::TrimHorizon,
            checkpoints: HashMap::new(),
            drain: false,
            page_size: None,
            poll_interval: Duration::from_secs(1),
        }
    }

    /// Reads the stream `arn` instead of looking the table's latest stream up.
    pub fn stream_arn(mut self, arn: impl Into<String>) -> Self {
        self.stream_arn = Some(arn.into());
        self
    }

    /// Starts shards without a checkpoint at their newest end (`LATEST`): only changes made
    /// from now on.
    pub fn latest(mut self) -> Self {
        self.start = Start::Latest;
        self
    }

    /// Resumes `shard_id` after `sequence_number` (`AFTER_SEQUENCE_NUMBER`), for example the
    /// last [`ChangeRecord::sequence_number`] processed from [`ChangeRecord::shard_id`]. The
    /// shard's ancestors count as read.
    pub fn resume_after(
        mut self,
        shard_id: impl Into<String>,
        sequence_number: &SequenceNumber,
    ) -> Self {
        self.checkpoints
            .insert(shard_id.into(), sequence_number.as_str().to_owned());
        self
    }

    /// Stops once every shard has been read up to now: closed shards to their end, open ones
    /// up to the first empty page.
    pub fn drain(mut self) -> Self {
        self.drain = true;
        self
    }

    /// Asks GetRecords for at most `n` records a page (DynamoDB's default and maximum is
    /// 1,000).
    pub fn page_size(mut self, n: i32) -> Self {
        self.page_size = Some(n);
        self
    }

    /// How long to wait before polling an open shard that had nothing new (one second by
    /// default).
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// Every record, converted but not decoded, in sequence order within each shard.
    pub fn records(
        self,
    ) -> impl Stream<Item = Result<Result<ChangeRecord, RecordError>, Error>> + Send {
        let state = State {
            reader: self,
            shards: Vec::new(),
            read: HashSet::new(),
            current: None,
            buffer: VecDeque::new(),
            described: false,
            finished: false,
        };
        futures::stream::unfold(state, |mut state| async move {
            let item = state.next().await?;
            Some((item, state))
        })
    }

    /// Every record decoded as the table's change enum `C`, in sequence order within each
    /// shard. A record that does not decode is [`StreamError::Record`] and reading goes on; a
    /// failed read is [`StreamError::Read`] and the last item.
    pub fn changes<C: TableChange + Send>(
        self,
    ) -> impl Stream<Item = Result<C, StreamError>> + Send {
        use futures::StreamExt;
        self.records().map(|item| match item {
            Ok(record) => C::from_result(record).map_err(StreamError::Record),
            Err(e) => Err(StreamError::Read(e)),
        })
    }
}

/// The shard being read and its next iterator.
struct Current {
    shard: Shard,
    iterator: String,
    /// The last sequence number handed out, to get a fresh iterator if this one expires.
    last: Option<String>,
}

struct State {
    reader: StreamReader,
    shards: Vec<Shard>,
    read: HashSet<String>,
    current: Option<Current>,
    buffer: VecDeque<Result<ChangeRecord, RecordError>>,
    /// Whether the shard list was fetched since the last shard was finished.
    described: bool,
    finished: bool,
}

impl State {
    async fn next(&mut self) -> Option<Result<Result<ChangeRecord, RecordError>, Error>> {
        loop {
            if let Some(record) = self.buffer.pop_front() {
                return Some(Ok(record));
            }
            if self.finished {
                return None;
            }
            if let Err(e) = self.advance().await {
                self.finished = true;
                return Some(Err(e));
            }
        }
    }

    /// One request: the next page of the current shard, or the next shard to read.
    async fn advance(&mut self) -> Result<(), Error> {
        match self.current.take() {
            Some(current) => self.read_page(current).await,
            None => self.next_shard().await,
        }
    }

    async fn read_page(&mut self, mut current: Current) -> Result<(), Error> {
        let shard_id = current.shard.shard_id().unwrap_or_default().to_owned();
        let reader = &self.reader;
        let result = reader
            .client
            .get_records()
            .shard_iterator(&current.iterator)
            .set_limit(reader.page_size)
            .send()
            .instrument(span("GetRecords", &reader.table, None, ""))
            .await;
        let out = match result {
            Ok(out) => out,
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_expired_iterator_exception()) =>
            {
                // Iterators last 15 minutes: take a new one where this one stood.
                current.iterator = self
                    .iterator(&current.shard, current.last.as_deref())
                    .await?;
                self.current = Some(current);
                return Ok(());
            }
            Err(e) => return Err(read_error("GetRecords", reader, e)),
        };
        let records = out.records.unwrap_or_default();
        let empty = records.is_empty();
        for record in records {
            let record = ChangeRecord::from_stream(record, Some(&shard_id));
            if let Ok(r) = &record {
                current.last = Some(r.sequence_number.as_str().to_owned());
            }
            self.buffer.push_back(record);
        }
        let closed = current
            .shard
            .sequence_number_range()
            .is_some_and(|r| r.ending_sequence_number().is_some());
        match out.next_shard_iterator {
            // A closed shard read to its end.
            None => {
                self.read.insert(shard_id);
                self.described = false;
            }
            Some(next) if empty && !closed => {
                if self.reader.drain {
                    self.read.insert(shard_id);
                    self.described = false;
                } else {
                    tokio::time::sleep(self.reader.poll_interval).await;
                    current.iterator = next;
                    self.current = Some(current);
                }
            }
            Some(next) => {
                current.iterator = next;
                self.current = Some(current);
            }
        }
        Ok(())
    }

    async fn next_shard(&mut self) -> Result<(), Error> {
        if self.reader.stream_arn.is_none() {
            self.reader.stream_arn = Some(self.latest_stream().await?);
        }
        if !self.described {
            self.describe().await?;
        }
        // Parents first: a shard whose parent is listed and unread waits for it.
        let listed: HashSet<&str> = self.shards.iter().filter_map(|s| s.shard_id()).collect();
        let next = self
            .shards
            .iter()
            .filter(|s| !self.read.contains(s.shard_id().unwrap_or_default()))
            .filter(|s| {
                s.parent_shard_id()
                    .is_none_or(|p| !listed.contains(p) || self.read.contains(p))
            })
            .min_by_key(|s| {
                s.sequence_number_range()
                    .and_then(|r| r.starting_sequence_number())
                    .map(SequenceNumber::new)
            })
            .cloned();
        match next {
            Some(shard) => {
                let checkpoint = self
                    .reader
                    .checkpoints
                    .get(shard.shard_id().unwrap_or_default())
                    .cloned();
                let iterator = self.iterator(&shard, checkpoint.as_deref()).await?;
                self.current = Some(Current {
                    shard,
                    iterator,
                    last: checkpoint,
                });
            }
            // Everything listed (just now: the listing is fetched again after every
            // finished shard, as a shard may have split meanwhile) is read.
            None if self.reader.drain => self.finished = true,
            None => {
                tokio::time::sleep(self.reader.poll_interval).await;
                self.described = false;
            }
        }
        Ok(())
    }

    async fn latest_stream(&self) -> Result<String, Error> {
        let reader = &self.reader;
        let mut latest: Option<(String, String)> = None;
        let mut start: Option<String> = None;
        loop {
            let out = reader
                .client
                .list_streams()
                .table_name(&reader.table)
                .set_exclusive_start_stream_arn(start.take())
                .send()
                .instrument(span("ListStreams", &reader.table, None, ""))
                .await
                .map_err(|e| read_error("ListStreams", reader, e))?;
            for stream in out.streams() {
                if let (Some(arn), label) = (stream.stream_arn(), stream.stream_label()) {
                    let label = label.unwrap_or_default().to_owned();
                    if latest.as_ref().is_none_or(|(l, _)| *l <= label) {
                        latest = Some((label, arn.to_owned()));
                    }
                }
            }
            match out.last_evaluated_stream_arn {
                Some(next) => start = Some(next),
                None => break,
            }
        }
        latest.map(|(_, arn)| arn).ok_or_else(|| {
            Error::Config(format!(
                "table {} has no stream: enable one (StreamSpecification) to read its changes",
                reader.table
            ))
        })
    }

    /// Lists every shard of the stream (all DescribeStream pages). Shards before a
    /// checkpointed shard count as read.
    async fn describe(&mut self) -> Result<(), Error> {
        let reader = &self.reader;
        let arn = reader.stream_arn.clone().unwrap_or_default();
        let mut shards = Vec::new();
        let mut start: Option<String> = None;
        loop {
            let out = reader
                .client
                .describe_stream()
                .stream_arn(&arn)
                .set_exclusive_start_shard_id(start.take())
                .send()
                .instrument(span("DescribeStream", &reader.table, None, ""))
                .await
                .map_err(|e| read_error("DescribeStream", reader, e))?;
            let description = out.stream_description;
            let last = description
                .as_ref()
                .and_then(|d| d.last_evaluated_shard_id.clone());
            shards.extend(description.and_then(|d| d.shards).unwrap_or_default());
            match last {
                Some(next) => start = Some(next),
                None => break,
            }
        }
        let parents: HashMap<String, String> = shards
            .iter()
            .filter_map(|s| Some((s.shard_id()?.to_owned(), s.parent_shard_id()?.to_owned())))
            .collect();
        for shard in reader.checkpoints.keys() {
            let mut at = parents.get(shard);
            // Bounded by the number of shards, whatever loops the listing holds.
            for _ in 0..parents.len() {
                let Some(parent) = at else { break };
                self.read.insert(parent.clone());
                at = parents.get(parent);
            }
        }
        self.shards = shards;
        self.described = true;
        Ok(())
    }

    async fn iterator(&self, shard: &Shard, after: Option<&str>) -> Result<String, Error> {
        let reader = &self.reader;
        let request = reader
            .client
            .get_shard_iterator()
            .stream_arn(reader.stream_arn.clone().unwrap_or_default())
            .shard_id(shard.shard_id().unwrap_or_default());
        let request = match (after, reader.start) {
            (Some(sequence_number), _) => request
                .shard_iterator_type(ShardIteratorType::AfterSequenceNumber)
                .sequence_number(sequence_number),
            (None, Start::TrimHorizon) => {
                request.shard_iterator_type(ShardIteratorType::TrimHorizon)
            }
            (None, Start::Latest) => request.shard_iterator_type(ShardIteratorType::Latest),
        };
        let out = request
            .send()
            .instrument(span("GetShardIterator", &reader.table, None, ""))
            .await
            .map_err(|e| read_error("GetShardIterator", reader, e))?;
        out.shard_iterator.ok_or_else(|| {
            Error::Config(format!(
                "GetShardIterator on the stream of {} gave no iterator for shard {}",
                reader.table,
                shard.shard_id().unwrap_or_default()
            ))
        })
    }
}

/// A failed Streams request as [`Error`]: the Streams API's `LimitExceededException` is its
/// throttling.
fn read_error<E>(
    operation: &'static str,
    reader: &StreamReader,
    e: SdkError<E, aws_sdk_dynamodb::config::http::HttpResponse>,
) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let max_attempts = reader
        .client
        .config()
        .retry_config()
        .map(|retry| retry.max_attempts());
    if let Some(service) = e.as_service_error()
        && service.code() == Some("LimitExceededException")
    {
        return Error::Throttled {
            operation,
            table: reader.table.clone(),
            entity: "",
            key: String::new(),
            max_attempts,
            message: service.message().unwrap_or_default().to_owned(),
        };
    }
    crate::error::from_sdk(operation, &reader.table, max_attempts, "", String::new, e)
}

impl StreamReader {
    /// A reader configured from the environment through aws-config, like
    /// [`Table::from_env`]: the endpoint is `AWS_ENDPOINT_URL_DYNAMODB_STREAMS`, else
    /// `AWS_ENDPOINT_URL_DYNAMODB` (DynamoDB Local serves both APIs on one endpoint), else
    /// `AWS_ENDPOINT_URL` or AWS's own.
    pub async fn from_env(table: impl Into<String>) -> Self {
        let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        Self::new(streams_client(&config), table)
    }
}

/// A Streams client from an aws-config configuration. The Streams SDK reads only
/// `AWS_ENDPOINT_URL_DYNAMODB_STREAMS` (and the global `AWS_ENDPOINT_URL`); without the
/// former, `AWS_ENDPOINT_URL_DYNAMODB` applies too, as DynamoDB Local serves both APIs on one
/// endpoint.
pub(crate) fn streams_client(config: &aws_config::SdkConfig) -> Client {
    let mut builder = aws_sdk_dynamodbstreams::config::Builder::from(config);
    if std::env::var_os("AWS_ENDPOINT_URL_DYNAMODB_STREAMS").is_none()
        && let Ok(url) = std::env::var("AWS_ENDPOINT_URL_DYNAMODB")
    {
        builder = builder.endpoint_url(url);
    }
    Client::from_conf(builder.build())
}

impl Table {
    /// A [`StreamReader`] of this table's stream, through the Streams client that
    /// [`Table::from_env`] (or [`Table::with_streams_client`]) gave this handle.
    /// [`Error::Config`] for a handle without one (one made by [`Table::new`]).
    pub fn stream_reader(&self) -> Result<StreamReader, Error> {
        match self.streams_client() {
            Some(client) => Ok(StreamReader::new(client.clone(), self.name())),
            None => Err(Error::Config(format!(
                "the handle of table {} has no Streams client: make it with Table::from_env or \
                 give it one with Table::with_streams_client",
                self.name()
            ))),
        }
    }
}
