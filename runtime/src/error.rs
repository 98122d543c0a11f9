//! The one error type every operation returns, with the context needed to act on it.

use std::fmt;

use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};

use crate::Item;

/// Result alias used throughout the runtime and generated code.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong talking to a single-table design.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A read that requires the item found none.
    #[error("{entity} not found at {key}")]
    NotFound {
        /// The entity that was read.
        entity: &'static str,
        /// The key that was looked up, as `attribute="value"` pairs.
        key: String,
    },

    /// A write's condition (including insert's "absent" and replace's "present") did not
    /// hold, so nothing was written.
    #[error("condition failed for {entity} at {key}{}{}", display_mismatched(.mismatched), if .item.is_some() { " (current item attached)" } else { "" })]
    ConditionFailed {
        /// The entity that was written.
        entity: &'static str,
        /// The key of the item, as `attribute="value"` pairs.
        key: String,
        /// The item as it is stored now, when the request asked for it (or had values to
        /// check, see `mismatched`).
        item: Option<Box<Item>>,
        /// Attributes whose stored value is not the one the update was given: the other
        /// fields of an index key a setter rewrites (`set_status(status, assignee, ..)`).
        /// Empty when the condition failed for another reason.
        mismatched: Vec<&'static str>,
    },

    /// The value of a unique attribute is taken by another item. Nothing was written.
    #[error("{entity}: `{attribute}` {value:?} is taken by another item")]
    UniqueViolation {
        /// The entity written.
        entity: &'static str,
        /// The unique attribute (stored name).
        attribute: &'static str,
        /// The value, as stored text.
        value: String,
    },

    /// Concurrent writes kept changing the unique attributes of the item between this
    /// write's read and its transaction, every time it tried. Nothing was written.
    #[error(
        "{entity} at {key}: concurrent writes kept changing its unique attributes; nothing written after {attempts} attempts"
    )]
    UniqueContended {
        /// The entity.
        entity: &'static str,
        /// The key of the item, as `attribute="value"` pairs.
        key: String,
        /// How many times the write was tried.
        attempts: u32,
    },

    /// A migration could not rewrite an item: concurrent writes kept changing it between the
    /// migration's read and its write. The item is left as it was; running the migration
    /// again retries it.
    #[error("migration {migration}: item {item} kept changing while it was migrated")]
    MigrationContended {
        /// The migration's name.
        migration: &'static str,
        /// The item's key.
        item: String,
    },

    /// A batch write or a hand-built transaction of an entity with unique attributes, which
    /// cannot keep their markers. Nothing was sent; use the table's own write instead.
    #[error(
        "{operation} of {entity} is refused: it has unique attributes, whose markers only the table's put, insert, replace, update and delete keep"
    )]
    UniqueRefused {
        /// The entity.
        entity: &'static str,
        /// The refused operation.
        operation: &'static str,
    },

    /// An upsert could create an item without a required attribute, which no read could
    /// decode. Nothing was sent.
    #[error("an upsert of {entity} at {key} must set {}: a created item would lack them", display_names(.missing))]
    IncompleteUpsert {
        /// The entity.
        entity: &'static str,
        /// The key of the item, as `attribute="value"` pairs.
        key: String,
        /// The required attributes (stored names) the update does not set.
        missing: Vec<&'static str>,
    },

    /// An item from the table could not be decoded into the entity.
    #[error(transparent)]
    Decode(#[from] DecodeError),

    /// A value could not be encoded for storage (for example a NaN float).
    #[error(transparent)]
    Encode(#[from] EncodeError),

    /// A key could not be built from its fields.
    #[error("invalid key for {entity}: {source}")]
    Key {
        /// The entity whose key was built.
        entity: &'static str,
        /// What is wrong with it.
        source: KeyError,
    },

    /// A request would exceed one of DynamoDB's limits; it was not sent.
    #[error(transparent)]
    Limit(#[from] LimitError),

    /// A transaction was cancelled; nothing in it was applied.
    #[error("transaction cancelled: {}", display_reasons(.reasons))]
    TransactionCanceled {
        /// One entry per action, in the order the actions were added.
        reasons: Vec<CancellationReason>,
    },

    /// DynamoDB throttled the request on every attempt the client's retry policy allowed.
    /// Nothing was applied.
    #[error("{operation}{} on table {table} was throttled{}: {message}", display_target(.entity, .key), display_attempts(*.max_attempts))]
    Throttled {
        /// The DynamoDB operation (`Query`, `PutItem`, ...).
        operation: &'static str,
        /// The table name.
        table: String,
        /// The entity the request was for (`transaction`, `batch` for several, empty for table
        /// operations).
        entity: &'static str,
        /// The item's key as `attribute="value"` pairs (a query's access pattern), or empty.
        key: String,
        /// The most attempts the client's retry policy allows (`RetryConfig::max_attempts` of
        /// the SDK client's config), all of which were made unless the SDK's retry quota ran
        /// out first; `None` when the client's config sets no retry policy (the SDK's
        /// defaults then apply).
        max_attempts: Option<u32>,
        /// DynamoDB's message.
        message: String,
    },

    /// A failure that may pass, on every attempt the client's retry policy allowed or until
    /// its operation timeout: DynamoDB answered with a server error (HTTP 5xx), did not answer
    /// within the client's timeouts, or could not be reached (see [`Transient`]). A read can
    /// simply be tried again. A write may or may not have been applied (the request may have
    /// arrived and its answer been lost): conditions, versions and transaction client tokens
    /// make trying it again safe.
    #[error("{operation}{} on table {table} failed{}: {kind}: {}", display_target(.entity, .key), display_attempts(*.max_attempts), display_causes(.source.as_ref()))]
    Unavailable {
        /// The DynamoDB operation (`Query`, `PutItem`, ...).
        operation: &'static str,
        /// The table name.
        table: String,
        /// The entity the request was for (`transaction`, `batch` for several, empty for table
        /// operations).
        entity: &'static str,
        /// The item's key as `attribute="value"` pairs (a query's access pattern), or empty.
        key: String,
        /// What went wrong on the last attempt.
        kind: Transient,
        /// As in [`Error::Throttled`]: the most attempts the client's retry policy allows.
        max_attempts: Option<u32>,
        /// The SDK's error; the error's text ends with it and its chain of causes.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    /// A condition, filter or update that cannot be expressed (a value that cannot be stored,
    /// an empty `IN`, two updates of overlapping paths). Nothing was sent.
    #[error("invalid expression: {0}")]
    Expression(String),

    /// A batch operation gave up on part of its work. Everything not listed in `unprocessed`
    /// was done; everything listed was not.
    #[error("{operation} on table {table}: {} request(s) not processed{}", .unprocessed.len(), .cause.as_ref().map(|c| format!(" ({c})")).unwrap_or_default())]
    Unprocessed {
        /// `BatchGetItem` or `BatchWriteItem`.
        operation: &'static str,
        /// The table name.
        table: String,
        /// Exactly the requests that were not processed, in input order.
        unprocessed: Vec<Unprocessed>,
        /// Why the batch stopped: `None` when DynamoDB kept answering "unprocessed" until the
        /// retry policy ran out, else the error of the last attempt.
        cause: Option<Box<Error>>,
    },

    /// A transaction or batch write names the same item more than once, which DynamoDB
    /// rejects. Nothing was sent.
    #[error("{operation}: {entity} at {key} is the target of actions {} and {}", .first + 1, .second + 1)]
    DuplicateItem {
        /// `TransactWriteItems`, `TransactGetItems` or `BatchWriteItem`.
        operation: &'static str,
        /// The entity.
        entity: &'static str,
        /// The key.
        key: String,
        /// Index (0-based) of the first action on the item.
        first: usize,
        /// Index (0-based) of the second.
        second: usize,
    },

    /// A pagination cursor that is malformed or belongs to another query.
    #[error("invalid cursor: {0}")]
    Cursor(String),

    /// Any other failure from the AWS SDK (credentials, validation, configuration, ...).
    #[error("{operation} on table {table} failed: {message}")]
    Sdk {
        /// The DynamoDB operation (`Query`, `PutItem`, ...).
        operation: &'static str,
        /// The table name.
        table: String,
        /// The SDK error with its whole chain of causes.
        message: String,
        /// The SDK's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    /// The runtime could not be configured (for example the test harness could not start
    /// DynamoDB Local).
    #[error("{0}")]
    Config(String),
}

fn display_target(entity: &str, key: &str) -> String {
    match (entity, key) {
        ("", _) => String::new(),
        (entity, "") => format!(" of {entity}"),
        (entity, key) => format!(" of {entity} at {key}"),
    }
}

fn display_attempts(max_attempts: Option<u32>) -> String {
    match max_attempts {
        Some(1) => " (1 attempt allowed)".to_owned(),
        Some(n) => format!(" ({n} attempts allowed)"),
        None => String::new(),
    }
}

/// What kind of passing failure an [`Error::Unavailable`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Transient {
    /// DynamoDB answered with this HTTP 5xx status (`InternalServerError`,
    /// `ServiceUnavailable`).
    ServerError {
        /// The HTTP status.
        status: u16,
    },
    /// No answer within the client's timeouts (`TimeoutConfig`): the operation timeout, every
    /// attempt's timeout, or the connect timeout.
    Timeout,
    /// The connection could not be made or broke before the whole answer arrived.
    Connection,
}

impl fmt::Display for Transient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Transient::ServerError { status } => write!(f, "server error (HTTP {status})"),
            Transient::Timeout => f.write_str("timed out"),
            Transient::Connection => f.write_str("connection failed"),
        }
    }
}

/// An error and its causes, `outer: inner: innermost`, leaving out a cause whose text the
/// one before it already shows.
fn display_causes(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut next = error.source();
    while let Some(cause) = next {
        let own = cause.to_string();
        if !text.contains(&own) {
            text.push_str(": ");
            text.push_str(&own);
        }
        next = cause.source();
    }
    text
}

fn display_names(names: &[&str]) -> String {
    let names: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    names.join(", ")
}

fn display_mismatched(names: &[&str]) -> String {
    if names.is_empty() {
        String::new()
    } else {
        format!(": stored {} not as given", display_names(names))
    }
}

fn display_reasons(reasons: &[CancellationReason]) -> String {
    let failed: Vec<String> = reasons
        .iter()
        .enumerate()
        .filter(|(_, r)| r.code != "None")
        .map(|(_, r)| {
            format!(
                "action {} ({} at {}): {}",
                r.index + 1,
                r.entity,
                r.key,
                r.code
            )
        })
        .collect();
    if failed.is_empty() {
        "no reason given".to_owned()
    } else {
        failed.join("; ")
    }
}

/// Why DynamoDB cancelled one action of a transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct CancellationReason {
    /// The action's position in the transaction, 0-based (the third action is 2).
    pub index: usize,
    /// The entity the action was on.
    pub entity: &'static str,
    /// The action's key, as `attribute="value"` pairs.
    pub key: String,
    /// DynamoDB's reason code: `None` for actions that were fine, `ConditionalCheckFailed`,
    /// `TransactionConflict`, `ThrottlingError`, ...
    pub code: String,
    /// DynamoDB's message, if any.
    pub message: Option<String>,
    /// The item as stored, for a failed condition of an action that asked for it.
    pub item: Option<Box<Item>>,
    /// For a failed update: attributes whose stored value is not the one it was given (see
    /// [`Error::ConditionFailed`]).
    pub mismatched: Vec<&'static str>,
}

impl CancellationReason {
    /// Whether this action is the one that made the transaction fail (its code is not `None`).
    pub fn failed(&self) -> bool {
        self.code != "None"
    }
}

/// One request of a batch that was not processed.
#[derive(Debug, Clone, PartialEq)]
pub struct Unprocessed {
    /// Its position in the batch's input, 0-based.
    pub index: usize,
    /// The entity.
    pub entity: &'static str,
    /// The key, as `attribute="value"` pairs.
    pub key: String,
    /// The request itself, ready to be sent again.
    pub request: UnprocessedRequest,
}

/// The DynamoDB request of an [`Unprocessed`] entry.
#[derive(Debug, Clone, PartialEq)]
pub enum UnprocessedRequest {
    /// A read of this key.
    Get(Item),
    /// A put of this item.
    Put(Item),
    /// A delete of this key.
    Delete(Item),
}
/// An item from the table that does not fit the entity.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("cannot decode {entity}: attribute `{attribute}` {problem}")]
pub struct DecodeError {
    /// The entity being decoded.
    pub entity: &'static str,
    /// The attribute, with a path into nested values (`lines[2].sku`).
    pub attribute: String,
    /// What was wrong: `is missing`, `expected N (integer), found S "abc"`.
    pub problem: String,
}

/// A value that cannot be stored.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("cannot encode {entity}: attribute `{attribute}` {problem}")]
pub struct EncodeError {
    /// The entity being encoded.
    pub entity: &'static str,
    /// The attribute, with a path into nested values.
    pub attribute: String,
    /// What was wrong.
    pub problem: String,
}

/// Why a key could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// Timestamps and dates in keys must have four-digit years to keep text order.
    #[error("field `{field}` is {value}; key timestamps must fall in years 0000 to 9999")]
    TimestampOutOfRange {
        /// The template field.
        field: &'static str,
        /// Its value.
        value: String,
    },
    /// DynamoDB rejects keys over 2048 (partition) or 1024 (sort) bytes.
    #[error("`{attribute}` is {bytes} bytes; DynamoDB allows at most {limit}")]
    TooLong {
        /// The key attribute.
        attribute: &'static str,
        /// Its length in bytes.
        bytes: usize,
        /// DynamoDB's limit.
        limit: usize,
    },
    /// DynamoDB rejects empty key strings.
    #[error("`{attribute}` is empty; DynamoDB key values must not be empty")]
    Empty {
        /// The key attribute.
        attribute: &'static str,
    },

    /// A key field's own attribute could not be encoded for storage.
    #[error("field `{field}` cannot be stored: {problem}")]
    Unencodable {
        /// The field.
        field: &'static str,
        /// What was wrong.
        problem: String,
    },
}

/// A request that would break a DynamoDB limit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} is {actual}, over DynamoDB's limit of {limit}")]
pub struct LimitError {
    /// What was measured (`item size in bytes of User at pk="USER#a"`).
    pub what: String,
    /// The measured value.
    pub actual: usize,
    /// The limit.
    pub limit: usize,
}

/// Maps an SDK error onto [`Error`]: failed conditions, throttling, and the failures that may
/// pass (server errors, timeouts, broken connections) are typed; the rest is [`Error::Sdk`].
/// `max_attempts` is the client's retry policy (see [`Error::Throttled`]).
pub(crate) fn from_sdk<E>(
    operation: &'static str,
    table: &str,
    max_attempts: Option<u32>,
    entity: &'static str,
    key: impl FnOnce() -> String,
    err: SdkError<E, HttpResponse>,
) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let kind = match &err {
        SdkError::ServiceError(service) => {
            let code = service.err().code().unwrap_or_default();
            let message = service.err().message().unwrap_or_default().to_owned();
            match code {
                "ConditionalCheckFailedException" => {
                    return Error::ConditionFailed {
                        entity,
                        key: key(),
                        item: None,
                        mismatched: Vec::new(),
                    };
                }
                "ProvisionedThroughputExceededException"
                | "ThrottlingException"
                | "RequestLimitExceeded" => {
                    return Error::Throttled {
                        operation,
                        table: table.to_owned(),
                        entity,
                        key: key(),
                        max_attempts,
                        message,
                    };
                }
                _ => {}
            }
            let status = service.raw().status().as_u16();
            (500..600)
                .contains(&status)
                .then_some(Transient::ServerError { status })
        }
        SdkError::TimeoutError(_) => Some(Transient::Timeout),
        SdkError::DispatchFailure(failure) if failure.is_timeout() => Some(Transient::Timeout),
        SdkError::DispatchFailure(failure) if failure.is_user() => None,
        SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => Some(Transient::Connection),
        _ => None,
    };
    if let Some(kind) = kind {
        return Error::Unavailable {
            operation,
            table: table.to_owned(),
            entity,
            key: key(),
            kind,
            max_attempts,
            source: Box::new(err),
        };
    }
    // A service error's code and message say what went wrong; the SDK's full context (which
    // includes the raw HTTP response) is for transport and configuration failures.
    let message = match &err {
        SdkError::ServiceError(service) => format!(
            "{}: {}",
            service.err().code().unwrap_or("service error"),
            service.err().message().unwrap_or_default()
        ),
        other => aws_sdk_dynamodb::error::DisplayErrorContext(other).to_string(),
    };
    Error::Sdk {
        operation,
        table: table.to_owned(),
        message,
        source: Box::new(err),
    }
}

/// A string that is not one of an enum's values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not a value of {type_name}")]
pub struct UnknownEnumValue {
    /// The enum.
    pub type_name: &'static str,
    /// The string that was given.
    pub value: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("outer")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn unavailable_names_the_call_the_kind_the_attempts_and_every_cause() {
        let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let err = Error::Unavailable {
            operation: "GetItem",
            table: "app".to_owned(),
            entity: "User",
            key: r#"pk="USER#a""#.to_owned(),
            kind: Transient::Connection,
            max_attempts: Some(3),
            source: Box::new(Outer(refused)),
        };
        assert_eq!(
            err.to_string(),
            r#"GetItem of User at pk="USER#a" on table app failed (3 attempts allowed): connection failed: outer: refused"#
        );
        let err = Error::Throttled {
            operation: "TransactWriteItems",
            table: "app".to_owned(),
            entity: "transaction",
            key: String::new(),
            max_attempts: None,
            message: "slow down".to_owned(),
        };
        assert_eq!(
            err.to_string(),
            "TransactWriteItems of transaction on table app was throttled: slow down"
        );
        assert_eq!(
            Transient::ServerError { status: 503 }.to_string(),
            "server error (HTTP 503)"
        );
        assert_eq!(display_attempts(Some(1)), " (1 attempt allowed)");
        assert_eq!(display_target("", ""), "");
    }
}
