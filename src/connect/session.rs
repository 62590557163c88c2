//! Spark Connect sessions and their operations.
//!
//! A [`Session`] is what a PySpark `SparkSession` is on the server: its own DataFusion session on
//! the cluster (temp views, settings, S3 credentials), its Spark configuration, and the operations
//! it has running. An [`Operation`] buffers the responses of one `ExecutePlan` so that a client
//! whose stream broke can `ReattachExecute` and continue after the last response it saw; the
//! client releases what it has read, and the buffer is bounded, so a slow reader makes the query
//! wait instead of the driver's memory grow.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use datafusion::execution::FunctionRegistry;
use datafusion::prelude::SessionContext;
use prost::Message;
use spark_connect_proto::ExecutePlanResponse;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::error::{ConnectError, ConnectResult};
use crate::s3::ClusterObjectStores;

/// The Spark version this server answers to `spark.version`: the protocol it implements.
pub(crate) const SPARK_VERSION: &str = "4.2.0";

/// Configuration PySpark reads before it builds plans, with the values this server works with.
/// `localRelationCacheThreshold` at its maximum keeps `createDataFrame` data inline in the plan.
pub(crate) const CLIENT_DEFAULTS: &[(&str, &str)] = &[
    ("spark.sql.session.timeZone", "UTC"),
    ("spark.sql.timestampType", "TIMESTAMP_LTZ"),
    ("spark.sql.session.localRelationCacheThreshold", "2147483647"),
    ("spark.sql.session.localRelationSizeLimit", "2147483647"),
    ("spark.sql.session.localRelationChunkSizeRows", "10000"),
    ("spark.sql.session.localRelationChunkSizeBytes", "16777216"),
    ("spark.sql.session.localRelationBatchOfChunksSizeBytes", "134217728"),
    ("spark.sql.execution.pandas.convertToArrowArraySafely", "false"),
    ("spark.sql.execution.pandas.inferPandasDictAsMap", "false"),
    ("spark.sql.pyspark.inferNestedDictAsStruct.enabled", "false"),
    ("spark.sql.pyspark.legacy.inferArrayTypeFromFirstElement.enabled", "false"),
    ("spark.sql.pyspark.legacy.inferMapTypeFromFirstPair.enabled", "false"),
    ("spark.sql.execution.arrow.useLargeVarTypes", "false"),
    ("spark.sql.execution.arrow.maxRecordsPerBatch", "10000"),
    ("spark.connect.session.planCompression.threshold", "-1"),
    ("spark.connect.session.planCompression.defaultAlgorithm", "NONE"),
    ("spark.python.sql.dataFrameDebugging.enabled", "false"),
    ("spark.sql.execution.pyspark.binaryAsBytes", "true"),
    ("spark.sql.execution.pandas.structHandlingMode", "legacy"),
    ("spark.sql.execution.arrow.pyspark.selfDestruct.enabled", "false"),
    ("spark.sql.pyspark.jvmStacktrace.enabled", "false"),
    ("spark.sql.repl.eagerEval.enabled", "false"),
    ("spark.sql.repl.eagerEval.maxNumRows", "20"),
    ("spark.sql.repl.eagerEval.truncate", "20"),
    ("spark.sql.caseSensitive", "false"),
    ("spark.sql.ansi.enabled", "true"),
    ("spark.sql.shuffle.partitions", "200"),
    // Duplicate map keys are an error here, as with Spark's default.
    ("spark.sql.mapKeyDedupPolicy", "EXCEPTION"),
];

/// Keys Spark refuses to change at runtime.
const STATIC_KEYS: &[&str] = &["spark.app.name", "spark.master", "spark.app.id", "spark.driver.host"];

/// A client's session.
pub(crate) struct Session {
    pub(crate) id: String,
    pub(crate) server_side_id: String,
    pub(crate) ctx: SessionContext,
    pub(crate) stores: Arc<ClusterObjectStores>,
    conf: Mutex<BTreeMap<String, String>>,
    operations: Mutex<HashMap<String, Arc<Operation>>>,
}

impl Session {
    pub(crate) fn new(
        id: &str,
        ctx: SessionContext,
        stores: Arc<ClusterObjectStores>,
        conf: BTreeMap<String, String>,
    ) -> Self {
        Self {
            id: id.to_string(),
            server_side_id: uuid::Uuid::new_v4().to_string(),
            ctx,
            stores,
            conf: Mutex::new(conf),
            operations: Mutex::default(),
        }
    }

    fn conf(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, String>> {
        self.conf.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn get(&self, key: &str) -> Option<String> {
        self.conf()
            .get(key)
            .cloned()
            .or_else(|| CLIENT_DEFAULTS.iter().find(|(k, _)| *k == key).map(|(_, v)| v.to_string()))
    }

    pub(crate) fn time_zone(&self) -> String {
        self.get("spark.sql.session.timeZone").unwrap_or_else(|| "UTC".into())
    }

    /// Every setting, the client defaults included, optionally under a prefix.
    pub(crate) fn all(&self, prefix: Option<&str>) -> Vec<(String, String)> {
        let mut all: BTreeMap<String, String> =
            CLIENT_DEFAULTS.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        all.extend(self.conf().clone());
        all.into_iter().filter(|(k, _)| prefix.is_none_or(|p| k.starts_with(p))).collect()
    }

    /// Sets a key; S3A keys also reconfigure where this session's `s3a://` paths go.
    pub(crate) fn set(&self, key: &str, value: &str) -> ConnectResult<()> {
        if STATIC_KEYS.contains(&key) && self.conf().get(key).is_some_and(|v| v != value) {
            return Err(ConnectError::analysis(format!(
                "[CANNOT_MODIFY_CONFIG] Cannot modify the value of the static config: \"{key}\"."
            )));
        }
        if let Some(option) = s3a_option(key) {
            let state_ref = self.ctx.state_ref();
            let mut state = state_ref.write();
            let value = if option == "s3.allow_http" { value.to_string() } else { value.trim().to_string() };
            state.config_mut().options_mut().set(option, &value)?;
            if option == "s3.endpoint" {
                let http = value.starts_with("http://") || !value.contains("://");
                let endpoint = if value.contains("://") { value.clone() } else { format!("http://{value}") };
                state.config_mut().options_mut().set("s3.endpoint", &endpoint)?;
                state.config_mut().options_mut().set("s3.allow_http", if http { "true" } else { "false" })?;
            }
            let options = crate::s3::s3_options(state.config());
            self.stores.update(options);
        }
        self.mirror_into_datafusion(key, value)?;
        self.conf().insert(key.to_string(), value.to_string());
        Ok(())
    }

    /// The Spark settings DataFusion's planning and functions read, copied into its options.
    fn mirror_into_datafusion(&self, key: &str, value: &str) -> ConnectResult<()> {
        if key == "spark.sql.session.timeZone" {
            let state_ref = self.ctx.state_ref();
            let mut state = state_ref.write();
            state.config_mut().options_mut().set("datafusion.execution.time_zone", value)?;
            // Functions that type their results in the session zone take the new one, as
            // DataFusion's own SET does.
            let options = state.config().options().clone();
            let updated: Vec<_> =
                state.scalar_functions().values().filter_map(|f| f.inner().with_updated_config(&options)).collect();
            for function in updated {
                state.register_udf(Arc::new(function))?;
            }
        }
        if key == "spark.sql.mapKeyDedupPolicy" {
            // Read by the map builders (datafusion-spark's and functions::collections).
            let state_ref = self.ctx.state_ref();
            let mut state = state_ref.write();
            state.config_mut().options_mut().set("datafusion.spark.map_key_dedup_policy", value.trim())?;
        }
        if key == "spark.sql.ansi.enabled" {
            let enabled = value.trim().eq_ignore_ascii_case("true");
            let state_ref = self.ctx.state_ref();
            let mut state = state_ref.write();
            state.config_mut().options_mut().execution.enable_ansi_mode = enabled;
        }
        Ok(())
    }

    /// Removes a key; one DataFusion mirrors goes back to its client default.
    pub(crate) fn unset(&self, key: &str) {
        self.conf().remove(key);
        if let Some((_, default)) = CLIENT_DEFAULTS.iter().find(|(k, _)| *k == key) {
            // The defaults are valid values: mirroring them cannot fail.
            let _ = self.mirror_into_datafusion(key, default);
        }
    }

    pub(crate) fn is_modifiable(&self, key: &str) -> bool {
        !STATIC_KEYS.contains(&key)
    }

    pub(crate) fn add_operation(&self, operation: Arc<Operation>) -> ConnectResult<()> {
        let mut operations = self.operations.lock().unwrap_or_else(|p| p.into_inner());
        if operations.contains_key(&operation.id) {
            return Err(ConnectError::invalid(format!(
                "[INVALID_HANDLE.OPERATION_ALREADY_EXISTS] The operation {} already exists.",
                operation.id
            )));
        }
        operations.insert(operation.id.clone(), operation);
        Ok(())
    }

    pub(crate) fn operation(&self, id: &str) -> Option<Arc<Operation>> {
        self.operations.lock().unwrap_or_else(|p| p.into_inner()).get(id).cloned()
    }

    pub(crate) fn remove_operation(&self, id: &str) -> Option<Arc<Operation>> {
        self.operations.lock().unwrap_or_else(|p| p.into_inner()).remove(id)
    }

    /// Cancels the operations matching `wanted` and returns their ids.
    pub(crate) fn interrupt(&self, wanted: impl Fn(&Operation) -> bool) -> Vec<String> {
        let operations = self.operations.lock().unwrap_or_else(|p| p.into_inner());
        operations
            .values()
            .filter(|op| wanted(op) && !op.is_finished())
            .map(|op| {
                op.cancel.cancel();
                op.id.clone()
            })
            .collect()
    }

    /// Stops everything the session runs (on ReleaseSession).
    pub(crate) fn close(&self) {
        let operations: Vec<_> = self.operations.lock().unwrap_or_else(|p| p.into_inner()).drain().collect();
        for (_, op) in operations {
            op.cancel.cancel();
        }
    }
}

/// The Spark S3A setting → the session option that configures the same thing.
fn s3a_option(key: &str) -> Option<&'static str> {
    let rest = key.strip_prefix("spark.hadoop.fs.s3a.")?;
    Some(match rest {
        "endpoint" => "s3.endpoint",
        "access.key" => "s3.access_key_id",
        "secret.key" => "s3.secret_access_key",
        "session.token" => "s3.session_token",
        "endpoint.region" | "region" => "s3.region",
        _ => return None,
    })
}

/// Responses of one ExecutePlan, kept until the client releases them.
pub(crate) struct Operation {
    pub(crate) id: String,
    pub(crate) tags: Vec<String>,
    /// Whether the client may reattach: then responses stay until released, else until sent.
    pub(crate) reattachable: bool,
    pub(crate) cancel: CancellationToken,
    buffer: Mutex<Buffer>,
    changed: Notify,
}

#[derive(Default)]
struct Buffer {
    responses: VecDeque<(u64, ExecutePlanResponse)>,
    next_index: u64,
    bytes: usize,
    finished: bool,
    error: Option<ConnectError>,
}

/// How many bytes of unreleased responses an operation holds before its query waits.
const BUFFER_LIMIT: usize = 64 << 20;

impl Operation {
    pub(crate) fn new(id: &str, tags: Vec<String>, reattachable: bool) -> Self {
        Self {
            id: id.to_string(),
            tags,
            reattachable,
            cancel: CancellationToken::new(),
            buffer: Mutex::default(),
            changed: Notify::new(),
        }
    }

    fn buffer(&self) -> std::sync::MutexGuard<'_, Buffer> {
        self.buffer.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn is_finished(&self) -> bool {
        self.buffer().finished
    }

    /// Adds a response, waiting while the buffer is full. Returns false once cancelled.
    pub(crate) async fn push(&self, response: ExecutePlanResponse) -> bool {
        let size = response.encoded_len();
        loop {
            let notified = self.changed.notified();
            {
                let mut buffer = self.buffer();
                if buffer.bytes < BUFFER_LIMIT || buffer.responses.is_empty() {
                    let index = buffer.next_index;
                    buffer.next_index += 1;
                    buffer.bytes += size;
                    buffer.responses.push_back((index, response));
                    drop(buffer);
                    self.changed.notify_waiters();
                    return true;
                }
            }
            tokio::select! {
                _ = notified => {}
                _ = self.cancel.cancelled() => return false,
            }
        }
    }

    /// Marks the end of the responses, with the error that ended them if any.
    pub(crate) fn finish(&self, error: Option<ConnectError>) {
        let mut buffer = self.buffer();
        buffer.finished = true;
        buffer.error = error;
        drop(buffer);
        self.changed.notify_waiters();
    }

    /// The index of the response after `response_id`, or 0 without one.
    pub(crate) fn position_after(&self, response_id: Option<&str>) -> ConnectResult<u64> {
        let Some(id) = response_id else { return Ok(self.buffer().responses.front().map_or(0, |(i, _)| *i)) };
        let buffer = self.buffer();
        buffer.responses.iter().find(|(_, r)| r.response_id == id).map(|(i, _)| i + 1).ok_or_else(|| {
            ConnectError::invalid(format!(
                "[INVALID_CURSOR.POSITION_NOT_AVAILABLE] The response {id} of operation {} is no longer available.",
                self.id
            ))
        })
    }

    /// The response at `index`, waiting for it; None at the end; the error if the query failed.
    pub(crate) async fn next(&self, index: u64) -> Option<Result<ExecutePlanResponse, ConnectError>> {
        loop {
            let notified = self.changed.notified();
            {
                let mut buffer = self.buffer();
                if let Some((_, response)) = buffer.responses.iter().find(|(i, _)| *i == index) {
                    let response = response.clone();
                    if !self.reattachable {
                        release_through(&mut buffer, index);
                        drop(buffer);
                        self.changed.notify_waiters();
                    }
                    return Some(Ok(response));
                }
                if buffer.finished && index >= buffer.next_index {
                    return buffer.error.clone().map(Err);
                }
                if buffer.responses.front().is_some_and(|(first, _)| *first > index) {
                    return Some(Err(ConnectError::invalid(format!(
                        "[INVALID_CURSOR.POSITION_NOT_AVAILABLE] response {index} of operation {} was already released",
                        self.id
                    ))));
                }
            }
            notified.await;
        }
    }

    /// Forgets the responses up to and including `response_id`.
    pub(crate) fn release_until(&self, response_id: &str) {
        let mut buffer = self.buffer();
        if let Some(index) = buffer.responses.iter().find(|(_, r)| r.response_id == response_id).map(|(i, _)| *i) {
            release_through(&mut buffer, index);
        }
        drop(buffer);
        self.changed.notify_waiters();
    }
}

fn release_through(buffer: &mut Buffer, index: u64) {
    while buffer.responses.front().is_some_and(|(i, _)| *i <= index) {
        if let Some((_, response)) = buffer.responses.pop_front() {
            buffer.bytes = buffer.bytes.saturating_sub(response.encoded_len());
        }
    }
}

/// Every open session, by the client's session id.
#[derive(Default)]
pub(crate) struct Sessions {
    sessions: Mutex<HashMap<String, Arc<Session>>>,
}

impl Sessions {
    pub(crate) fn get(&self, id: &str) -> Option<Arc<Session>> {
        self.sessions.lock().unwrap_or_else(|p| p.into_inner()).get(id).cloned()
    }

    pub(crate) fn insert(&self, session: Arc<Session>) -> Arc<Session> {
        let mut sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        sessions.entry(session.id.clone()).or_insert(session).clone()
    }

    pub(crate) fn remove(&self, id: &str) -> Option<Arc<Session>> {
        self.sessions.lock().unwrap_or_else(|p| p.into_inner()).remove(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use spark_connect_proto::execute_plan_response::{ResponseType, ResultComplete};

    fn response(id: &str) -> ExecutePlanResponse {
        ExecutePlanResponse {
            response_id: id.into(),
            response_type: Some(ResponseType::ResultComplete(ResultComplete {})),
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn a_reader_can_resume_after_the_last_response_it_saw() {
        let op = Operation::new("op", vec![], true);
        for id in ["a", "b", "c"] {
            assert!(op.push(response(id)).await);
        }
        op.finish(None);
        assert_eq!(op.next(0).await.unwrap().unwrap().response_id, "a");
        // The stream broke after "a": reattaching continues with "b".
        let resume = op.position_after(Some("a")).unwrap();
        assert_eq!(op.next(resume).await.unwrap().unwrap().response_id, "b");
        op.release_until("b");
        assert!(op.position_after(Some("a")).is_err(), "released responses are gone");
        assert_eq!(op.next(2).await.unwrap().unwrap().response_id, "c");
        assert!(op.next(3).await.is_none());
    }

    #[tokio::test]
    async fn a_failed_operation_ends_with_its_error() {
        let op = Operation::new("op", vec![], false);
        assert!(op.push(response("a")).await);
        op.finish(Some(ConnectError::analysis("no such column")));
        assert_eq!(op.next(0).await.unwrap().unwrap().response_id, "a");
        assert_eq!(op.next(1).await.unwrap().unwrap_err().message, "no such column");
    }
}
