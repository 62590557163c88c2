//! The gRPC service `spark.connect.SparkConnectService`: one handler per RPC, each checking the
//! session first. Plans run in [`super::execute`]; the handlers only route, answer configuration
//! and analysis requests, and manage operations (reattach, release, interrupt).

use std::collections::BTreeMap;
use std::pin::Pin;
use std::sync::Arc;

use datafusion::logical_expr::LogicalPlan;
use futures::Stream;
use spark_connect_proto::analyze_plan_request::Analyze;
use spark_connect_proto::analyze_plan_response as analyzed;
use spark_connect_proto::config_request::operation::OpType as ConfigOp;
use spark_connect_proto::execute_plan_request::request_option::RequestOption;
use spark_connect_proto::interrupt_request::{Interrupt, InterruptType};
use spark_connect_proto::plan::OpType;
use spark_connect_proto::release_execute_request::Release;
use spark_connect_proto::{
    AddArtifactsRequest, AddArtifactsResponse, AnalyzePlanRequest, AnalyzePlanResponse, ArtifactStatusesRequest,
    ArtifactStatusesResponse, CloneSessionRequest, CloneSessionResponse, ConfigRequest, ConfigResponse,
    ExecutePlanRequest, ExecutePlanResponse, FetchErrorDetailsRequest, FetchErrorDetailsResponse, GetStatusRequest,
    GetStatusResponse, InterruptRequest, InterruptResponse, KeyValue, Plan, ReattachExecuteRequest,
    ReleaseExecuteRequest, ReleaseExecuteResponse, ReleaseSessionRequest, ReleaseSessionResponse, StorageLevel,
    UserContext, analyze_plan_request, execute_plan_request,
};
use tonic::{Request, Response, Status, Streaming};

use super::engine::Engine;
use super::error::{ConnectError, ConnectResult};
use super::execute;
use super::plan::Translator;
use super::session::{Operation, SPARK_VERSION, Session, Sessions};
use super::spark_connect_service_server::SparkConnectService;
use super::types;

type ResponseStream = Pin<Box<dyn Stream<Item = Result<ExecutePlanResponse, Status>> + Send>>;

/// What every request that runs in a session says about it.
trait SessionRequest {
    fn session_id(&self) -> &str;
    fn user(&self) -> Option<&UserContext>;
    fn observed_server_side_id(&self) -> Option<&str>;
}

macro_rules! session_requests {
    ($($request:ty),*) => {$(
        impl SessionRequest for $request {
            fn session_id(&self) -> &str {
                &self.session_id
            }
            fn user(&self) -> Option<&UserContext> {
                self.user_context.as_ref()
            }
            fn observed_server_side_id(&self) -> Option<&str> {
                self.client_observed_server_side_session_id.as_deref()
            }
        }
    )*};
}

session_requests!(
    ExecutePlanRequest,
    AnalyzePlanRequest,
    ConfigRequest,
    InterruptRequest,
    ReattachExecuteRequest,
    ReleaseExecuteRequest
);

/// The Spark Connect server of one application.
pub(crate) struct ConnectService {
    engine: Arc<dyn Engine>,
    sessions: Sessions,
}

impl ConnectService {
    pub(crate) fn new(engine: Arc<dyn Engine>) -> Self {
        Self { engine, sessions: Sessions::default() }
    }

    /// The session a request names, created on its first request. A client that saw another
    /// server-side session (this driver restarted, or the session was released) is told so.
    async fn session(
        &self,
        session_id: &str,
        user: Option<&UserContext>,
        observed_server_side_id: Option<&str>,
    ) -> ConnectResult<Arc<Session>> {
        if uuid::Uuid::parse_str(session_id).is_err() {
            return Err(ConnectError::invalid(format!(
                "[INVALID_HANDLE.FORMAT] The handle {session_id} is invalid: session ids are UUIDs."
            )));
        }
        let session = match self.sessions.get(session_id) {
            Some(session) => session,
            None => {
                let user =
                    user.map(|u| u.user_id.clone()).filter(|u| !u.is_empty()).unwrap_or_else(|| "anonymous".into());
                self.sessions.insert(Arc::new(self.open_session(session_id, &user).await?))
            }
        };
        if let Some(observed) = observed_server_side_id
            && observed != session.server_side_id
        {
            return Err(ConnectError::session(format!(
                "[INVALID_HANDLE.SESSION_CHANGED] The existing Spark server driver instance has restarted or the \
                 session {session_id} was closed. Please reconnect."
            )));
        }
        Ok(session)
    }

    async fn session_for(&self, request: &impl SessionRequest) -> ConnectResult<Arc<Session>> {
        self.session(request.session_id(), request.user(), request.observed_server_side_id()).await
    }

    async fn open_session(&self, session_id: &str, user: &str) -> ConnectResult<Session> {
        let opened = self
            .engine
            .open_session(
                // Spark's SQL: its dialect (backquotes, `div`), 2.5 as a decimal, NULLs first in
                // ascending order, and Spark 4's ANSI mode (spark.sql.ansi.enabled) for the
                // datafusion-spark functions that honour it.
                &[
                    ("datafusion.sql_parser.dialect", "spark"),
                    ("datafusion.sql_parser.parse_float_as_decimal", "true"),
                    ("datafusion.sql_parser.default_null_ordering", "nulls_min"),
                    ("datafusion.execution.time_zone", "UTC"),
                    ("datafusion.execution.enable_ansi_mode", "true"),
                ],
                vec![Arc::new(super::expr::semantics::SparkDivision)],
            )
            .await?;
        // Spark's `global_temp` database for global temporary views.
        if let Some(catalog) = opened.ctx.catalog("datafusion") {
            catalog.register_schema("global_temp", Arc::new(datafusion::catalog::MemorySchemaProvider::new()))?;
        }
        let application = self.engine.application();
        let conf = BTreeMap::from([
            ("spark.app.name".to_string(), application.name),
            ("spark.app.id".to_string(), application.id),
            ("spark.master".to_string(), application.master),
        ]);
        tracing::info!(session = session_id, user, "Spark Connect session opened");
        Ok(Session::new(session_id, opened.ctx, opened.stores, conf))
    }

    fn operation_stream(session: Arc<Session>, operation: Arc<Operation>, start: u64) -> ResponseStream {
        let state = (session, operation, start, false);
        let stream = futures::stream::unfold(state, |(session, operation, index, done)| async move {
            if done {
                return None;
            }
            match operation.next(index).await {
                Some(Ok(response)) => Some((Ok(response), (session, operation, index + 1, false))),
                Some(Err(error)) => {
                    if !operation.reattachable {
                        session.remove_operation(&operation.id);
                    }
                    Some((Err(error.to_status()), (session, operation, index, true)))
                }
                None => {
                    if !operation.reattachable {
                        session.remove_operation(&operation.id);
                    }
                    None
                }
            }
        });
        Box::pin(stream)
    }

    /// The logical plan of an analysis request's relation.
    async fn analyze_relation(&self, session: &Session, plan: Option<&Plan>) -> ConnectResult<LogicalPlan> {
        let relation = match plan.and_then(|p| p.op_type.as_ref()) {
            Some(OpType::Root(relation)) => relation,
            Some(OpType::Command(_)) => return Err(ConnectError::unsupported("analyzing a command")),
            _ => return Err(ConnectError::invalid("an analysis request without a plan")),
        };
        let plan = Translator::new(&session.ctx, &session.time_zone()).relation(relation).await?;
        // The session's analyzer rules decide result types (Spark's double division), so the
        // schema a client is told is the schema of the analyzed plan.
        let state = session.ctx.state();
        Ok(state.analyzer().execute_and_check(plan, state.config_options().as_ref(), |_, _| {})?)
    }

    async fn analyze(&self, session: &Session, analyze: Analyze) -> ConnectResult<analyzed::Result> {
        Ok(match analyze {
            Analyze::SparkVersion(_) => {
                analyzed::Result::SparkVersion(analyzed::SparkVersion { version: SPARK_VERSION.into() })
            }
            Analyze::Schema(request) => {
                let plan = self.analyze_relation(session, request.plan.as_ref()).await?;
                analyzed::Result::Schema(analyzed::Schema {
                    schema: Some(types::spark_schema(plan.schema().as_arrow())),
                })
            }
            Analyze::TreeString(request) => {
                let plan = self.analyze_relation(session, request.plan.as_ref()).await?;
                let tree_string = tree_string(plan.schema().as_arrow(), request.level);
                analyzed::Result::TreeString(analyzed::TreeString { tree_string })
            }
            Analyze::Explain(request) => {
                use analyze_plan_request::explain::ExplainMode;
                use datafusion::physical_plan::statistics::{StatisticsArgs, StatisticsContext};
                let relation = match request.plan.as_ref().and_then(|p| p.op_type.as_ref()) {
                    Some(OpType::Root(relation)) => relation,
                    _ => return Err(ConnectError::invalid("explain() without a DataFrame")),
                };
                let parsed = Translator::new(&session.ctx, &session.time_zone()).relation(relation).await?;
                let state = session.ctx.state();
                let plan =
                    state.analyzer().execute_and_check(parsed.clone(), state.config_options().as_ref(), |_, _| {})?;
                let optimized = state.optimize(&plan)?;
                let physical = state.create_physical_plan(&plan).await.ok();
                let physical_text = match &physical {
                    Some(p) => datafusion::physical_plan::displayable(p.as_ref()).indent(true).to_string(),
                    None => optimized.display_indent().to_string(),
                };
                let mode = ExplainMode::try_from(request.explain_mode).unwrap_or(ExplainMode::Simple);
                let mut text = String::new();
                match mode {
                    ExplainMode::Extended => {
                        text.push_str(&format!("== Parsed Logical Plan ==\n{}\n\n", parsed.display_indent()));
                        text.push_str(&format!("== Analyzed Logical Plan ==\n{}\n\n", plan.display_indent()));
                        text.push_str(&format!("== Optimized Logical Plan ==\n{}\n\n", optimized.display_indent()));
                    }
                    ExplainMode::Cost => {
                        // The output's statistics, as DataFusion estimates them, on the plan's first line
                        // (Spark gives every node's; DataFusion's logical nodes have none).
                        let statistics = physical
                            .as_ref()
                            .and_then(|p| StatisticsContext::default().compute(p.as_ref(), &StatisticsArgs::new()).ok())
                            .map(|s| {
                                let bytes = s.total_byte_size.get_value().map(|b| format!("{b} B"));
                                let rows = s.num_rows.get_value().map(|r| format!(", rowCount={r}"));
                                format!(
                                    "Statistics(sizeInBytes={}{})",
                                    bytes.unwrap_or_else(|| "unknown".into()),
                                    rows.unwrap_or_default()
                                )
                            })
                            .unwrap_or_else(|| "Statistics(unknown)".into());
                        let logical = optimized.display_indent().to_string();
                        let (first, rest) = logical.split_once('\n').unwrap_or((logical.as_str(), ""));
                        let rest = if rest.is_empty() { String::new() } else { format!("\n{rest}") };
                        text.push_str(&format!("== Optimized Logical Plan ==\n{first}, {statistics}{rest}\n\n"));
                    }
                    _ => {}
                }
                text.push_str(&format!("== Physical Plan ==\n{physical_text}\n"));
                analyzed::Result::Explain(analyzed::Explain { explain_string: text })
            }
            // Spark: a frame is local when it is a local relation or a command's result (SHOW ...).
            Analyze::IsLocal(request) => {
                use spark_connect_proto::relation::RelType;
                let is_local = match request.plan.as_ref().and_then(|p| p.op_type.as_ref()) {
                    Some(OpType::Root(relation)) => match &relation.rel_type {
                        Some(RelType::LocalRelation(_)) => true,
                        Some(RelType::Sql(sql)) => {
                            let first = sql.query.split_whitespace().next().unwrap_or_default().to_ascii_uppercase();
                            matches!(first.as_str(), "SHOW" | "DESCRIBE" | "DESC")
                        }
                        _ => false,
                    },
                    _ => false,
                };
                analyzed::Result::IsLocal(analyzed::IsLocal { is_local })
            }
            Analyze::IsStreaming(_) => analyzed::Result::IsStreaming(analyzed::IsStreaming { is_streaming: false }),
            Analyze::InputFiles(request) => {
                let plan = self.analyze_relation(session, request.plan.as_ref()).await?;
                analyzed::Result::InputFiles(analyzed::InputFiles { files: input_files(&plan) })
            }
            Analyze::DdlParse(request) => {
                use datafusion::arrow::datatypes::{DataType, Field, Schema};
                let schema = types::parse_schema(&request.ddl_string, &session.time_zone()).or_else(|_| {
                    // `struct<a:int,b:string>` is a schema too, as createDataFrame(data, that) means it;
                    // any other type is one column, `value`.
                    types::parse_type(&request.ddl_string, &session.time_zone()).map(|t| match t {
                        DataType::Struct(fields) => Schema::new(fields),
                        other => Schema::new(vec![Field::new("value", other, true)]),
                    })
                })?;
                analyzed::Result::DdlParse(analyzed::DdlParse { parsed: Some(types::spark_schema(&schema)) })
            }
            Analyze::SameSemantics(request) => {
                let target = self.analyze_relation(session, request.target_plan.as_ref()).await?;
                let other = self.analyze_relation(session, request.other_plan.as_ref()).await?;
                analyzed::Result::SameSemantics(analyzed::SameSemantics {
                    result: canonical(&target) == canonical(&other),
                })
            }
            Analyze::SemanticHash(request) => {
                use std::hash::{Hash, Hasher};
                let plan = self.analyze_relation(session, request.plan.as_ref()).await?;
                let mut hasher = std::collections::hash_map::DefaultHasher::new();
                canonical(&plan).hash(&mut hasher);
                analyzed::Result::SemanticHash(analyzed::SemanticHash { result: hasher.finish() as i32 })
            }
            // Nothing is cached between jobs; persist() is accepted and changes nothing.
            Analyze::Persist(_) => analyzed::Result::Persist(analyzed::Persist {}),
            Analyze::Unpersist(_) => analyzed::Result::Unpersist(analyzed::Unpersist {}),
            Analyze::GetStorageLevel(_) => analyzed::Result::GetStorageLevel(analyzed::GetStorageLevel {
                storage_level: Some(StorageLevel {
                    use_disk: false,
                    use_memory: false,
                    use_off_heap: false,
                    deserialized: false,
                    replication: 1,
                }),
            }),
            Analyze::JsonToDdl(request) => {
                let schema = types::parse_schema(&request.json_string, &session.time_zone())?;
                let ddl: Vec<String> = schema
                    .fields()
                    .iter()
                    .map(|f| format!("{} {}", f.name(), types::simple_string(f.data_type()).to_uppercase()))
                    .collect();
                analyzed::Result::JsonToDdl(analyzed::JsonToDdl { ddl_string: ddl.join(", ") })
            }
        })
    }

    fn config(&self, session: &Session, op: ConfigOp) -> ConnectResult<(Vec<KeyValue>, Vec<String>)> {
        let pair = |key: String, value: Option<String>| KeyValue { key, value };
        let pairs = match op {
            ConfigOp::Set(set) => {
                // The builder's settings (`appName`, `config(...)`) arrive silent: a key that
                // cannot change is skipped, as Spark's server does, instead of failing the session.
                let silent = set.silent == Some(true);
                for kv in set.pairs {
                    match kv.value {
                        Some(value) => match session.set(&kv.key, &value) {
                            Err(error) if silent => tracing::debug!("ignored setting {}: {error}", kv.key),
                            result => result?,
                        },
                        None => session.unset(&kv.key),
                    }
                }
                vec![]
            }
            ConfigOp::Get(get) => get
                .keys
                .into_iter()
                .map(|k| match session.get(&k) {
                    Some(v) => Ok(pair(k, Some(v))),
                    None => Err(ConnectError::no_such_config(&k)),
                })
                .collect::<ConnectResult<Vec<_>>>()?,
            ConfigOp::GetWithDefault(get) => get
                .pairs
                .into_iter()
                .map(|kv| {
                    let value = session.get(&kv.key).or(kv.value);
                    pair(kv.key, value)
                })
                .collect(),
            ConfigOp::GetOption(get) => get
                .keys
                .into_iter()
                .map(|k| {
                    let v = session.get(&k);
                    pair(k, v)
                })
                .collect(),
            ConfigOp::GetAll(all) => {
                session.all(all.prefix.as_deref()).into_iter().map(|(k, v)| pair(k, Some(v))).collect()
            }
            ConfigOp::Unset(unset) => {
                for key in unset.keys {
                    session.unset(&key);
                }
                vec![]
            }
            ConfigOp::IsModifiable(keys) => keys
                .keys
                .into_iter()
                .map(|k| {
                    let m = session.is_modifiable(&k).to_string();
                    pair(k, Some(m))
                })
                .collect(),
        };
        Ok((pairs, vec![]))
    }
}

/// Spark's `printSchema()` text (3.5 clients ask the server for it).
fn tree_string(schema: &datafusion::arrow::datatypes::Schema, level: Option<i32>) -> String {
    fn field(out: &mut String, f: &datafusion::arrow::datatypes::Field, depth: usize, max: usize) {
        let prefix = " |   ".repeat(depth);
        let type_name = types::type_name(f.data_type());
        out.push_str(&format!("{prefix} |-- {}: {} (nullable = {})\n", f.name(), type_name, f.is_nullable()));
        if depth + 1 >= max {
            return;
        }
        match f.data_type() {
            datafusion::arrow::datatypes::DataType::Struct(children) => {
                for child in children {
                    field(out, child, depth + 1, max);
                }
            }
            datafusion::arrow::datatypes::DataType::List(element) => {
                let prefix = " |   ".repeat(depth + 1);
                out.push_str(&format!(
                    "{prefix} |-- element: {} (containsNull = {})\n",
                    types::type_name(element.data_type()),
                    element.is_nullable()
                ));
            }
            _ => {}
        }
    }
    let max = level.filter(|l| *l > 0).map(|l| l as usize).unwrap_or(usize::MAX);
    let mut out = String::from("root\n");
    for f in schema.fields() {
        field(&mut out, f, 0, max);
    }
    out
}

fn input_files(plan: &LogicalPlan) -> Vec<String> {
    let mut files = Vec::new();
    let _ = plan.apply(|node| {
        if let LogicalPlan::TableScan(scan) = node
            && let Some(table) = datafusion::datasource::source_as_provider(&scan.source).ok().and_then(|p| {
                let any: &dyn std::any::Any = p.as_ref();
                any.downcast_ref::<datafusion::datasource::listing::ListingTable>().map(|t| t.table_paths().clone())
            })
        {
            files.extend(table.iter().map(|u| u.to_string()));
        }
        Ok(datafusion::common::tree_node::TreeNodeRecursion::Continue)
    });
    files
}

use datafusion::common::tree_node::TreeNode;

fn reattachable(options: &[execute_plan_request::RequestOption]) -> bool {
    options.iter().any(|o| matches!(&o.request_option, Some(RequestOption::ReattachOptions(r)) if r.reattachable))
}

#[tonic::async_trait]
impl SparkConnectService for ConnectService {
    type ExecutePlanStream = ResponseStream;
    type ReattachExecuteStream = ResponseStream;

    async fn execute_plan(
        &self,
        request: Request<ExecutePlanRequest>,
    ) -> Result<Response<Self::ExecutePlanStream>, Status> {
        let request = request.into_inner();
        let session = self.session_for(&request).await?;
        let operation_id = request.operation_id.clone().unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        if uuid::Uuid::parse_str(&operation_id).is_err() {
            return Err(ConnectError::invalid(format!(
                "[INVALID_HANDLE.FORMAT] operation id {operation_id} is not a UUID"
            ))
            .into());
        }
        let plan = request.plan.ok_or_else(|| ConnectError::invalid("an ExecutePlan request without a plan"))?;
        let operation =
            Arc::new(Operation::new(&operation_id, request.tags.clone(), reattachable(&request.request_options)));
        session.add_operation(operation.clone())?;
        tokio::spawn(execute::run(self.engine.clone(), session.clone(), operation.clone(), plan));
        Ok(Response::new(Self::operation_stream(session, operation, 0)))
    }

    async fn analyze_plan(
        &self,
        request: Request<AnalyzePlanRequest>,
    ) -> Result<Response<AnalyzePlanResponse>, Status> {
        let request = request.into_inner();
        let session = self.session_for(&request).await?;
        let analyze = request.analyze.ok_or_else(|| ConnectError::unsupported("this kind of analysis request"))?;
        let result = self.analyze(&session, analyze).await?;
        Ok(Response::new(AnalyzePlanResponse {
            session_id: session.id.clone(),
            server_side_session_id: session.server_side_id.clone(),
            result: Some(result),
        }))
    }

    async fn config(&self, request: Request<ConfigRequest>) -> Result<Response<ConfigResponse>, Status> {
        let request = request.into_inner();
        let session = self.session_for(&request).await?;
        let op = request
            .operation
            .and_then(|o| o.op_type)
            .ok_or_else(|| ConnectError::invalid("a config request without an operation"))?;
        let (pairs, warnings) = ConnectService::config(self, &session, op)?;
        Ok(Response::new(ConfigResponse {
            session_id: session.id.clone(),
            server_side_session_id: session.server_side_id.clone(),
            pairs,
            warnings,
        }))
    }

    async fn add_artifacts(
        &self,
        _request: Request<Streaming<AddArtifactsRequest>>,
    ) -> Result<Response<AddArtifactsResponse>, Status> {
        Err(ConnectError::unsupported("artifacts (addArtifacts, Python files and UDF dependencies)").into())
    }

    async fn artifact_status(
        &self,
        _request: Request<ArtifactStatusesRequest>,
    ) -> Result<Response<ArtifactStatusesResponse>, Status> {
        Err(ConnectError::unsupported("artifacts (addArtifacts, Python files and UDF dependencies)").into())
    }

    async fn interrupt(&self, request: Request<InterruptRequest>) -> Result<Response<InterruptResponse>, Status> {
        let request = request.into_inner();
        let session = self.session_for(&request).await?;
        let interrupted = match (
            InterruptType::try_from(request.interrupt_type).unwrap_or(InterruptType::Unspecified),
            &request.interrupt,
        ) {
            (InterruptType::All, _) => session.interrupt(|_| true),
            (InterruptType::Tag, Some(Interrupt::OperationTag(tag))) => session.interrupt(|op| op.tags.contains(tag)),
            (InterruptType::OperationId, Some(Interrupt::OperationId(id))) => session.interrupt(|op| op.id == *id),
            _ => return Err(ConnectError::invalid("an interrupt request without a target").into()),
        };
        Ok(Response::new(InterruptResponse {
            session_id: session.id.clone(),
            server_side_session_id: session.server_side_id.clone(),
            interrupted_ids: interrupted,
        }))
    }

    async fn reattach_execute(
        &self,
        request: Request<ReattachExecuteRequest>,
    ) -> Result<Response<Self::ReattachExecuteStream>, Status> {
        let request = request.into_inner();
        let session = self.session_for(&request).await?;
        let operation = session.operation(&request.operation_id).ok_or_else(|| {
            ConnectError::invalid(format!(
                "[INVALID_HANDLE.OPERATION_NOT_FOUND] The operation {} was not found or has been released.",
                request.operation_id
            ))
        })?;
        let start = operation.position_after(request.last_response_id.as_deref())?;
        Ok(Response::new(Self::operation_stream(session, operation, start)))
    }

    async fn release_execute(
        &self,
        request: Request<ReleaseExecuteRequest>,
    ) -> Result<Response<ReleaseExecuteResponse>, Status> {
        let request = request.into_inner();
        let session = self.session_for(&request).await?;
        match &request.release {
            Some(Release::ReleaseAll(_)) => {
                if let Some(operation) = session.remove_operation(&request.operation_id) {
                    operation.cancel.cancel();
                }
            }
            Some(Release::ReleaseUntil(until)) => {
                if let Some(operation) = session.operation(&request.operation_id) {
                    operation.release_until(&until.response_id);
                }
            }
            None => {}
        }
        Ok(Response::new(ReleaseExecuteResponse {
            session_id: session.id.clone(),
            server_side_session_id: session.server_side_id.clone(),
            operation_id: Some(request.operation_id),
        }))
    }

    async fn release_session(
        &self,
        request: Request<ReleaseSessionRequest>,
    ) -> Result<Response<ReleaseSessionResponse>, Status> {
        let request = request.into_inner();
        let server_side_session_id = match self.sessions.remove(&request.session_id) {
            Some(session) => {
                session.close();
                tracing::info!(session = %session.id, "Spark Connect session released");
                session.server_side_id.clone()
            }
            None => String::new(),
        };
        Ok(Response::new(ReleaseSessionResponse { session_id: request.session_id, server_side_session_id }))
    }

    async fn fetch_error_details(
        &self,
        request: Request<FetchErrorDetailsRequest>,
    ) -> Result<Response<FetchErrorDetailsResponse>, Status> {
        // Errors carry their whole message in the status, without an errorId, so there is
        // nothing more to fetch; answer with no errors, as Spark does for an unknown id.
        let request = request.into_inner();
        let server_side_session_id =
            self.sessions.get(&request.session_id).map(|s| s.server_side_id.clone()).unwrap_or_default();
        Ok(Response::new(FetchErrorDetailsResponse {
            server_side_session_id,
            session_id: request.session_id,
            root_error_idx: None,
            errors: vec![],
        }))
    }

    async fn clone_session(
        &self,
        _request: Request<CloneSessionRequest>,
    ) -> Result<Response<CloneSessionResponse>, Status> {
        Err(ConnectError::unsupported("cloneSession()").into())
    }

    async fn get_status(&self, _request: Request<GetStatusRequest>) -> Result<Response<GetStatusResponse>, Status> {
        Err(ConnectError::unsupported("GetStatus").into())
    }
}

/// A plan as `sameSemantics` compares it: each node's kind and expressions without the names
/// aliases give them (Spark's canonical plans ignore those, so `withColumn("a", e)` and
/// `withColumn("b", e)` mean the same), leaves in full.
fn canonical(plan: &LogicalPlan) -> String {
    use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
    let mut out = String::new();
    let _ = plan.apply(|node| {
        if node.inputs().is_empty() {
            out.push_str(&node.display().to_string());
        } else {
            let text = node.display().to_string();
            out.push_str(text.split(':').next().unwrap_or_default());
            for expr in node.expressions() {
                out.push_str(&format!(" {}", expr.unalias_nested().data));
            }
        }
        out.push('\n');
        Ok(TreeNodeRecursion::Continue)
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::datatypes::{DataType, Field, Fields, Schema};

    #[test]
    fn tree_strings_match_print_schema() {
        let schema = Schema::new(vec![
            Field::new("id", DataType::Int64, false),
            Field::new("tags", DataType::List(Arc::new(Field::new("element", DataType::Utf8, true))), true),
            Field::new("s", DataType::Struct(Fields::from(vec![Field::new("a", DataType::Int32, true)])), true),
        ]);
        assert_eq!(
            tree_string(&schema, None),
            "root\n |-- id: long (nullable = false)\n |-- tags: array (nullable = true)\n |    |-- element: string (containsNull = true)\n |-- s: struct (nullable = true)\n |    |-- a: integer (nullable = true)\n"
        );
    }
}
