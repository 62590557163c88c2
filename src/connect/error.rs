//! Errors as PySpark expects them.
//!
//! PySpark turns a failed RPC into a Python exception by reading the `google.rpc.ErrorInfo` in the
//! status details: its `classes` metadata names the JVM exception classes, which PySpark maps to
//! `AnalysisException`, `ParseException`, `UnsupportedOperationException` and so on. Every error
//! this server returns carries one, with Spark's error class and SQL state where one applies.

use datafusion::error::DataFusionError;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

pub(crate) type ConnectResult<T> = Result<T, ConnectError>;

/// What went wrong, in Spark's terms.
#[derive(Debug, Clone)]
pub(crate) struct ConnectError {
    pub(crate) kind: ErrorKind,
    pub(crate) message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ErrorKind {
    /// Unknown columns, tables, functions; type errors: `AnalysisException`.
    Analysis,
    /// SQL text or a type string that does not parse: `ParseException`.
    Parse,
    /// A plan or request this server does not implement: `UnsupportedOperationException`.
    Unsupported,
    /// A malformed request: `IllegalArgumentException`.
    InvalidArgument,
    /// A failure while running: `SparkException`.
    Execution,
    /// The session is unknown or was closed.
    Session,
    /// A configuration key that is not set.
    NoSuchConfig,
}

impl ConnectError {
    pub(crate) fn analysis(message: impl Into<String>) -> Self {
        Self { kind: ErrorKind::Analysis, message: message.into() }
    }

    pub(crate) fn parse(message: impl Into<String>) -> Self {
        Self { kind: ErrorKind::Parse, message: message.into() }
    }

    /// An unsupported feature; `feature` names it, e.g. "the relation Transpose".
    pub(crate) fn unsupported(feature: impl Into<String>) -> Self {
        Self { kind: ErrorKind::Unsupported, message: format!("minispark does not support {} yet", feature.into()) }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self { kind: ErrorKind::InvalidArgument, message: message.into() }
    }

    pub(crate) fn execution(message: impl Into<String>) -> Self {
        Self { kind: ErrorKind::Execution, message: message.into() }
    }

    pub(crate) fn session(message: impl Into<String>) -> Self {
        Self { kind: ErrorKind::Session, message: message.into() }
    }

    pub(crate) fn no_such_config(key: &str) -> Self {
        Self {
            kind: ErrorKind::NoSuchConfig,
            message: format!("[SQL_CONF_NOT_FOUND] The SQL config \"{key}\" cannot be found."),
        }
    }

    /// (JVM class, error class, SQL state) that PySpark reads from the error.
    /// An error class only where Spark's is certain; PySpark shows the server's message either way.
    fn spark_identity(&self) -> (&'static str, Option<&'static str>, &'static str) {
        match self.kind {
            ErrorKind::Analysis => ("org.apache.spark.sql.AnalysisException", None, "42000"),
            ErrorKind::Parse => {
                ("org.apache.spark.sql.catalyst.parser.ParseException", Some("PARSE_SYNTAX_ERROR"), "42601")
            }
            ErrorKind::Unsupported => ("java.lang.UnsupportedOperationException", None, "0A000"),
            ErrorKind::InvalidArgument => ("java.lang.IllegalArgumentException", None, "22023"),
            ErrorKind::Execution => ("org.apache.spark.SparkException", None, "XX000"),
            ErrorKind::Session => {
                ("org.apache.spark.SparkSQLException", Some("INVALID_HANDLE.SESSION_CHANGED"), "HY000")
            }
            ErrorKind::NoSuchConfig => ("java.util.NoSuchElementException", Some("SQL_CONF_NOT_FOUND"), "42K0I"),
        }
    }

    fn code(&self) -> Code {
        match self.kind {
            ErrorKind::Analysis | ErrorKind::Parse | ErrorKind::InvalidArgument | ErrorKind::NoSuchConfig => {
                Code::InvalidArgument
            }
            ErrorKind::Unsupported => Code::Unimplemented,
            ErrorKind::Execution => Code::Internal,
            ErrorKind::Session => Code::FailedPrecondition,
        }
    }

    /// The gRPC status, with the ErrorInfo PySpark maps to an exception class.
    pub(crate) fn to_status(&self) -> Status {
        let (class, error_class, sql_state) = self.spark_identity();
        let classes = serde_json::to_string(&[class]).unwrap_or_default();
        let mut metadata = vec![("classes".to_string(), classes), ("sqlState".to_string(), sql_state.to_string())];
        if let Some(error_class) = error_class {
            metadata.push(("errorClass".to_string(), error_class.to_string()));
            metadata.push(("messageParameters".to_string(), "{}".to_string()));
        }
        let details = ErrorDetails::with_error_info(
            class,
            "org.apache.spark",
            metadata.into_iter().collect::<std::collections::HashMap<_, _>>(),
        );
        Status::with_error_details(self.code(), self.message.clone(), details)
    }
}

impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<DataFusionError> for ConnectError {
    fn from(error: DataFusionError) -> Self {
        let kind = match error.find_root() {
            DataFusionError::SQL(..) => ErrorKind::Parse,
            DataFusionError::Plan(_) | DataFusionError::SchemaError(..) => ErrorKind::Analysis,
            DataFusionError::NotImplemented(_) => ErrorKind::Unsupported,
            DataFusionError::Configuration(_) => ErrorKind::InvalidArgument,
            _ => ErrorKind::Execution,
        };
        let message = error.find_root().message().into_owned();
        let message = match kind {
            ErrorKind::Unsupported => format!("minispark does not support this yet: {message}"),
            _ => message,
        };
        Self { kind, message }
    }
}

impl From<anyhow::Error> for ConnectError {
    fn from(error: anyhow::Error) -> Self {
        match error.downcast::<DataFusionError>() {
            Ok(df) => df.into(),
            Err(other) => match other.downcast::<ConnectError>() {
                Ok(connect) => connect,
                Err(other) => Self::execution(format!("{other:#}")),
            },
        }
    }
}

impl std::error::Error for ConnectError {}

impl From<ConnectError> for Status {
    fn from(error: ConnectError) -> Self {
        error.to_status()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_carry_the_class_pyspark_maps() {
        let status =
            ConnectError::analysis("A column or function parameter with name `x` cannot be resolved.").to_status();
        assert_eq!(status.code(), Code::InvalidArgument);
        let info = status.get_details_error_info().expect("ErrorInfo");
        assert_eq!(info.reason, "org.apache.spark.sql.AnalysisException");
        assert_eq!(info.metadata["classes"], "[\"org.apache.spark.sql.AnalysisException\"]");
        let unsupported = ConnectError::unsupported("the relation Transpose");
        assert_eq!(unsupported.message, "minispark does not support the relation Transpose yet");
        assert_eq!(unsupported.to_status().code(), Code::Unimplemented);
    }
}
