//! Running one `ExecutePlan`: a query's rows as Arrow IPC batches, `show()` text, or a command
//! (write, SQL, temp view), always ending with `ResultComplete`.
//!
//! Queries run on the session's [`Engine`]: on the cluster, through the driver's Ballista session,
//! so they appear in the application UI like any job. Writes follow Spark's save modes on a directory:
//! `overwrite` replaces what was there only after the new files are written, `append` adds files,
//! `error` refuses an existing directory, `ignore` leaves it alone.

use std::io::Cursor;
use std::sync::Arc;

use anyhow::anyhow;
use datafusion::arrow::array::{ArrayRef, RecordBatch, StringArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{Field, Schema};
use datafusion::arrow::ipc::writer::StreamWriter;
use datafusion::common::file_options::file_type::FileType;
use datafusion::datasource::file_format::csv::CsvFormatFactory;
use datafusion::datasource::file_format::format_as_file_type;
use datafusion::datasource::file_format::json::JsonFormatFactory;
use datafusion::datasource::file_format::parquet::ParquetFormatFactory;
use datafusion::logical_expr::{DdlStatement, LogicalPlan, LogicalPlanBuilder};
use futures::StreamExt;
use spark_connect_proto::command::CommandType;
use spark_connect_proto::execute_plan_response::{ArrowBatch, ResponseType, ResultComplete, SqlCommandResult};
use spark_connect_proto::plan::OpType;
use spark_connect_proto::relation::RelType;
use spark_connect_proto::write_operation::{SaveMode, SaveType};
use spark_connect_proto::{self as proto, ExecutePlanResponse, Plan, Relation};

use super::engine::{BatchSink, Engine, JobNames};
use super::error::{ConnectError, ConnectResult};
use super::plan::Translator;
use super::session::{Operation, Session};
use super::types;

/// Largest Arrow payload per response; gRPC clients accept 128 MiB, smaller keeps memory flat.
const MAX_BATCH_BYTES: usize = 4 << 20;

/// Produces the responses of `plan` into `operation`, then its end.
pub(crate) async fn run(engine: Arc<dyn Engine>, session: Arc<Session>, operation: Arc<Operation>, plan: Plan) {
    let produce = produce(engine.as_ref(), &session, &operation, plan);
    let result = tokio::select! {
        result = produce => result,
        _ = operation.cancel.cancelled() => Err(ConnectError::execution(format!(
            "[OPERATION_CANCELED] Operation {} has been cancelled.", operation.id
        ))),
    };
    match result {
        Ok(()) => {
            let done = response(&session, &operation, ResponseType::ResultComplete(ResultComplete {}));
            operation.push(done).await;
            operation.finish(None);
        }
        Err(error) => {
            tracing::debug!(operation = %operation.id, "Spark Connect operation failed: {error}");
            operation.finish(Some(error));
        }
    }
}

pub(crate) fn response(session: &Session, operation: &Operation, kind: ResponseType) -> ExecutePlanResponse {
    ExecutePlanResponse {
        session_id: session.id.clone(),
        server_side_session_id: session.server_side_id.clone(),
        operation_id: operation.id.clone(),
        response_id: uuid::Uuid::new_v4().to_string(),
        response_type: Some(kind),
        ..Default::default()
    }
}

async fn produce(
    engine: &dyn Engine,
    session: &Arc<Session>,
    operation: &Arc<Operation>,
    plan: Plan,
) -> ConnectResult<()> {
    match plan.op_type {
        Some(OpType::Root(relation)) => query(engine, session, operation, &relation).await,
        Some(OpType::Command(command)) => match command.command_type {
            Some(CommandType::SqlCommand(sql)) => sql_command(engine, session, operation, sql).await,
            Some(CommandType::WriteOperation(write)) => write_operation(engine, session, write).await,
            Some(CommandType::CreateDataframeView(view)) => create_view(session, view).await,
            Some(CommandType::CheckpointCommand(checkpoint)) => {
                checkpoint_command(engine, session, operation, checkpoint).await
            }
            Some(CommandType::RemoveCachedRemoteRelationCommand(remove)) => {
                if let Some(cached) = remove.relation {
                    session.ctx.deregister_table(super::plan::cached_relation_table(&cached.relation_id).as_str())?;
                }
                Ok(())
            }
            Some(CommandType::MlCommand(_)) => Err(ConnectError::unsupported("Spark ML (pyspark.ml over Connect)")),
            Some(other) => Err(ConnectError::unsupported(format!("the command {}", command_name(&other)))),
            None => Err(ConnectError::invalid("an empty command")),
        },
        Some(OpType::CompressedOperation(_)) => Err(ConnectError::unsupported(
            "compressed plans (set spark.connect.session.planCompression.threshold to -1)",
        )),
        None => Err(ConnectError::invalid("an ExecutePlan request without a plan")),
    }
}

fn command_name(command: &CommandType) -> String {
    let debug = format!("{command:?}");
    debug.split('(').next().unwrap_or("unknown").to_string()
}

/// A label for the job in progress lines and the application UI.
fn describe(relation: &Relation) -> String {
    match &relation.rel_type {
        Some(RelType::Sql(sql)) => sql.query.clone(),
        Some(kind) => format!("Spark Connect {}", super::plan::relation_name(kind)),
        None => "Spark Connect query".into(),
    }
}

async fn query(
    engine: &dyn Engine,
    session: &Arc<Session>,
    operation: &Arc<Operation>,
    relation: &Relation,
) -> ConnectResult<()> {
    if let Some(RelType::ShowString(show)) = &relation.rel_type {
        let input = show.input.as_deref().ok_or_else(|| ConnectError::invalid("show() without a DataFrame"))?;
        let translator = Translator::new(&session.ctx, &session.time_zone());
        let plan = translator.relation(input).await?;
        let names: Vec<String> = plan.schema().fields().iter().map(|f| f.name().clone()).collect();
        let rows = show.num_rows.max(0) as usize;
        let limited = LogicalPlanBuilder::from(plan).limit(0, Some(rows + 1))?.build()?;
        let batches = collect(engine, session, limited, &describe(input)).await?;
        let text = super::show::show_string(&names, &batches, rows, show.truncate.max(0) as usize, show.vertical);
        let schema =
            Arc::new(Schema::new(vec![Field::new("show_string", datafusion::arrow::datatypes::DataType::Utf8, false)]));
        let batch = RecordBatch::try_new(schema, vec![Arc::new(StringArray::from(vec![text])) as ArrayRef])
            .map_err(|e| ConnectError::execution(e.to_string()))?;
        return push_batch(session, operation, batch, 0).await.map(drop);
    }
    let translator = Translator::new(&session.ctx, &session.time_zone());
    let plan = translator.relation(relation).await?;
    let observed = translator.observed();
    let schema = plan.schema().as_arrow().clone();
    let description = describe(relation);
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<RecordBatch>(4);
    let label = format!("connect {}", short_id(&operation.id));
    let forward: BatchSink = Box::new(move |mut stream| {
        Box::pin(async move {
            while let Some(batch) = stream.next().await {
                if sender.send(batch?).await.is_err() {
                    return Err(anyhow!("the client went away"));
                }
            }
            Ok(())
        })
    });
    let job = engine.run(&session.ctx, plan, JobNames { label: &label, description: &description }, forward);
    let send = async {
        let mut offset = 0i64;
        let mut sent_any = false;
        while let Some(batch) = receiver.recv().await {
            if batch.num_rows() == 0 {
                continue;
            }
            offset = push_batch(session, operation, batch, offset).await?;
            sent_any = true;
        }
        if !sent_any {
            // An empty result still tells the client its columns.
            push_batch(session, operation, RecordBatch::new_empty(Arc::new(schema)), 0).await?;
        }
        Ok::<_, ConnectError>(())
    };
    let (job, sent) = tokio::join!(job, send);
    job?;
    sent?;
    for observation in observed {
        let batches = collect(engine, session, observation.plan, &format!("observe {}", observation.name)).await?;
        let batch = batches
            .iter()
            .find(|b| b.num_rows() > 0)
            .ok_or_else(|| ConnectError::execution("observe() metrics gave no row"))?;
        let values = batch
            .columns()
            .iter()
            .map(|c| {
                let value = datafusion::common::ScalarValue::try_from_array(c, 0)?;
                proto_literal(&value)
            })
            .collect::<ConnectResult<Vec<_>>>()?;
        let metrics = proto::execute_plan_response::ObservedMetrics {
            name: observation.name,
            values,
            keys: observation.keys,
            plan_id: observation.plan_id,
            ..Default::default()
        };
        let mut message = response(session, operation, ResponseType::ResultComplete(ResultComplete {}));
        message.response_type = None;
        message.observed_metrics = vec![metrics];
        operation.push(message).await;
    }
    Ok(())
}

/// A value as a Connect literal (the observed metrics' values).
fn proto_literal(value: &datafusion::common::ScalarValue) -> ConnectResult<proto::expression::Literal> {
    use datafusion::common::ScalarValue as S;
    use proto::expression::literal::LiteralType as L;
    let kind = match value {
        v if v.is_null() => L::Null(types::spark_type(&v.data_type())),
        S::Boolean(Some(b)) => L::Boolean(*b),
        S::Int8(Some(v)) => L::Byte(i32::from(*v)),
        S::Int16(Some(v)) => L::Short(i32::from(*v)),
        S::Int32(Some(v)) => L::Integer(*v),
        S::Int64(Some(v)) => L::Long(*v),
        S::UInt8(Some(v)) => L::Short(i32::from(*v)),
        S::UInt16(Some(v)) => L::Integer(i32::from(*v)),
        S::UInt32(Some(v)) => L::Long(i64::from(*v)),
        S::UInt64(Some(v)) => {
            L::Long(i64::try_from(*v).map_err(|_| ConnectError::execution("a metric beyond bigint"))?)
        }
        S::Float32(Some(v)) => L::Float(*v),
        S::Float64(Some(v)) => L::Double(*v),
        S::Utf8(Some(v)) | S::LargeUtf8(Some(v)) | S::Utf8View(Some(v)) => L::String(v.clone()),
        S::Date32(Some(v)) => L::Date(*v),
        S::TimestampMicrosecond(Some(v), Some(_)) => L::Timestamp(*v),
        S::TimestampMicrosecond(Some(v), None) => L::TimestampNtz(*v),
        S::Decimal128(Some(_), precision, scale) => L::Decimal(proto::expression::literal::Decimal {
            value: value.to_string(),
            precision: Some(i32::from(*precision)),
            scale: Some(i32::from(*scale)),
        }),
        other => {
            return Err(ConnectError::unsupported(format!(
                "observe() metrics of type {}",
                types::simple_string(&other.data_type())
            )));
        }
    };
    Ok(proto::expression::Literal { literal_type: Some(kind), ..Default::default() })
}

fn short_id(id: &str) -> &str {
    &id[..id.len().min(8)]
}

/// Runs `plan` on the engine and collects its rows here.
async fn collect(
    engine: &dyn Engine,
    session: &Session,
    plan: LogicalPlan,
    description: &str,
) -> ConnectResult<Vec<RecordBatch>> {
    let (sender, receiver) = tokio::sync::oneshot::channel();
    let collect: BatchSink = Box::new(move |stream| {
        Box::pin(async move {
            let batches: Vec<RecordBatch> = futures::TryStreamExt::try_collect(stream).await?;
            sender.send(batches).map_err(|_| anyhow!("the operation went away"))
        })
    });
    engine.run(&session.ctx, plan, JobNames { label: "connect", description }, collect).await?;
    receiver.await.map_err(|_| ConnectError::execution("the job ended without its rows"))
}

/// Sends `batch` in pieces of at most MAX_BATCH_BYTES; returns the row offset after it.
async fn push_batch(
    session: &Session,
    operation: &Operation,
    batch: RecordBatch,
    mut offset: i64,
) -> ConnectResult<i64> {
    let batch = to_wire(batch)?;
    let rows = batch.num_rows();
    let size = batch.get_array_memory_size().max(1);
    let per_piece = if size > MAX_BATCH_BYTES { (rows * MAX_BATCH_BYTES / size).max(1) } else { rows.max(1) };
    let mut start = 0;
    loop {
        let length = per_piece.min(rows - start);
        let piece = batch.slice(start, length);
        let data = ipc_stream(&piece.schema(), std::slice::from_ref(&piece))?;
        let arrow = ArrowBatch {
            row_count: length as i64,
            data: data.into(),
            start_offset: Some(offset),
            ..Default::default()
        };
        if !operation.push(response(session, operation, ResponseType::ArrowBatch(arrow))).await {
            return Err(ConnectError::execution("the operation was cancelled"));
        }
        offset += length as i64;
        start += length;
        if start >= rows {
            return Ok(offset);
        }
    }
}

/// Casts columns to the Arrow types PySpark reads (no view, large or dictionary types).
fn to_wire(batch: RecordBatch) -> ConnectResult<RecordBatch> {
    let schema = batch.schema();
    if schema.fields().iter().all(|f| types::wire_type(f.data_type()) == *f.data_type()) {
        return Ok(batch);
    }
    let mut fields = Vec::new();
    let mut columns = Vec::new();
    for (field, column) in schema.fields().iter().zip(batch.columns()) {
        let wanted = types::wire_type(field.data_type());
        let column = if wanted == *field.data_type() {
            column.clone()
        } else {
            cast(column, &wanted)
                .map_err(|e| ConnectError::execution(format!("cannot send column {}: {e}", field.name())))?
        };
        fields.push(field.as_ref().clone().with_data_type(wanted));
        columns.push(column);
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).map_err(|e| ConnectError::execution(e.to_string()))
}

/// Batches as one Arrow IPC stream (schema, batches, end), the unit PySpark reads.
fn ipc_stream(schema: &Schema, batches: &[RecordBatch]) -> ConnectResult<Vec<u8>> {
    let mut buffer = Cursor::new(Vec::new());
    let fail =
        |e: datafusion::arrow::error::ArrowError| ConnectError::execution(format!("cannot encode Arrow data: {e}"));
    let mut writer = StreamWriter::try_new(&mut buffer, schema).map_err(fail)?;
    for batch in batches {
        writer.write(batch).map_err(fail)?;
    }
    writer.finish().map_err(fail)?;
    drop(writer);
    Ok(buffer.into_inner())
}

/// `spark.sql(...)`: statements run now; a query is checked now and answered with its relation,
/// which the client runs when it needs rows (as Spark does).
async fn sql_command(
    engine: &dyn Engine,
    session: &Arc<Session>,
    operation: &Arc<Operation>,
    sql: proto::SqlCommand,
) -> ConnectResult<()> {
    #[allow(deprecated)]
    let relation = match sql.input {
        Some(input) => input,
        None => Relation {
            rel_type: Some(RelType::Sql(proto::Sql {
                query: sql.sql.clone(),
                args: sql.args.clone(),
                pos_args: sql.pos_args.clone(),
                named_arguments: sql.named_arguments.clone(),
                pos_arguments: sql.pos_arguments.clone(),
            })),
            ..Default::default()
        },
    };
    let translator = Translator::new(&session.ctx, &session.time_zone());
    let plan = translator.relation(&relation).await?;
    let result_relation = match &plan {
        LogicalPlan::Ddl(_) | LogicalPlan::Statement(_) | LogicalPlan::Dml(_) | LogicalPlan::Copy(_) => {
            if let LogicalPlan::Ddl(DdlStatement::CreateExternalTable(table)) = &plan {
                for location in &table.locations {
                    crate::paths::check_input_exists(&session.ctx, location)
                        .await
                        .map_err(|e| ConnectError::analysis(format!("[PATH_NOT_FOUND] {e:#}")))?;
                }
            }
            if let LogicalPlan::Ddl(DdlStatement::DropTable(drop)) = &plan {
                // Spark's DROP TABLE drops a temporary view too, and the session's tables
                // (saveAsTable) are views here.
                let name = drop.name.to_string();
                if session.ctx.table_exist(name.as_str())? {
                    session.ctx.deregister_table(name.as_str())?;
                } else if !drop.if_exists {
                    return Err(ConnectError::analysis(format!(
                        "[TABLE_OR_VIEW_NOT_FOUND] The table or view `{name}` cannot be found."
                    )));
                }
                let result = SqlCommandResult { relation: Some(local_relation(&[])?) };
                operation.push(response(session, operation, ResponseType::SqlCommandResult(result))).await;
                return Ok(());
            }
            let batches = match &plan {
                LogicalPlan::Dml(_) | LogicalPlan::Copy(_) => {
                    collect(engine, session, plan, &describe(&relation)).await?
                }
                _ => session.ctx.execute_logical_plan(plan).await?.collect().await?,
            };
            local_relation(&batches)?
        }
        _ => relation,
    };
    let result = SqlCommandResult { relation: Some(result_relation) };
    operation.push(response(session, operation, ResponseType::SqlCommandResult(result))).await;
    Ok(())
}

/// Rows as an inline relation (what a command's result is).
fn local_relation(batches: &[RecordBatch]) -> ConnectResult<Relation> {
    let wire: Vec<RecordBatch> = batches.iter().cloned().map(to_wire).collect::<ConnectResult<_>>()?;
    let schema = wire.first().map(|b| b.schema().as_ref().clone()).unwrap_or_else(Schema::empty);
    Ok(Relation {
        rel_type: Some(RelType::LocalRelation(proto::LocalRelation {
            data: Some(ipc_stream(&schema, &wire)?.into()),
            schema: None,
        })),
        ..Default::default()
    })
}

async fn create_view(session: &Arc<Session>, view: proto::CreateDataFrameViewCommand) -> ConnectResult<()> {
    let input = view.input.as_ref().ok_or_else(|| ConnectError::invalid("a view without a DataFrame"))?;
    let translator = Translator::new(&session.ctx, &session.time_zone());
    let plan = translator.relation(input).await?;
    let name = if view.is_global { format!("global_temp.{}", view.name) } else { view.name.clone() };
    let exists = session.ctx.table_exist(name.as_str())?;
    if exists && !view.replace {
        return Err(ConnectError::analysis(format!(
            "[TEMP_TABLE_OR_VIEW_ALREADY_EXISTS] Cannot create the temporary view `{}` because it already exists.",
            view.name
        )));
    }
    if exists {
        session.ctx.deregister_table(name.as_str())?;
    }
    session.ctx.register_table(name.as_str(), Arc::new(datafusion::datasource::ViewTable::new(plan, None)))?;
    Ok(())
}

/// Writer options as DataFusion takes them: (key, value) pairs.
type TableOptions = Vec<(String, String)>;

/// `df.write...save(path)`.
async fn write_operation(
    engine: &dyn Engine,
    session: &Arc<Session>,
    write: proto::WriteOperation,
) -> ConnectResult<()> {
    let input = write.input.as_ref().ok_or_else(|| ConnectError::invalid("a write without a DataFrame"))?;
    let path = match &write.save_type {
        Some(SaveType::Path(path)) => path.clone(),
        Some(SaveType::Table(table)) => return save_table(engine, session, &write, input, table).await,
        None => match write.options.get("path") {
            Some(path) => path.clone(),
            None => return Err(ConnectError::analysis("save() needs a path")),
        },
    };
    if !write.bucket_by.as_ref().is_none_or(|b| b.bucket_column_names.is_empty()) {
        return Err(ConnectError::analysis("[_LEGACY_ERROR_TEMP_1312] 'save' does not support bucketBy right now."));
    }
    if !write.sort_column_names.is_empty() {
        return Err(ConnectError::analysis("sortBy must be used together with bucketBy"));
    }
    let format = write.source.clone().unwrap_or_else(|| "parquet".into()).to_ascii_lowercase();
    let options: std::collections::BTreeMap<String, String> =
        write.options.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.clone())).collect();
    let (file_type, table_options): (Option<Arc<dyn FileType>>, TableOptions) = match format.as_str() {
        "parquet" => (Some(format_as_file_type(Arc::new(ParquetFormatFactory::new()))), vec![]),
        "csv" => {
            let header = options.get("header").is_some_and(|v| v.eq_ignore_ascii_case("true"));
            let mut table = vec![("format.has_header".to_string(), header.to_string())];
            for (spark, datafusion) in [
                ("sep", "delimiter"),
                ("delimiter", "delimiter"),
                ("quote", "quote"),
                ("escape", "escape"),
                ("nullvalue", "null_value"),
            ] {
                if let Some(value) = options.get(spark) {
                    table.push((format!("format.{datafusion}"), value.clone()));
                }
            }
            (Some(format_as_file_type(Arc::new(CsvFormatFactory::new()))), table)
        }
        "json" => (Some(format_as_file_type(Arc::new(JsonFormatFactory::new()))), vec![]),
        // Written by the driver (see super::sources).
        "text" | "xml" => (None, vec![]),
        "orc" => {
            return Err(ConnectError::unsupported(
                "the ORC data source (DataFusion 55 has no ORC writer); write Parquet, CSV or JSON",
            ));
        }
        other => return Err(ConnectError::unsupported(format!("writing the format {other:?}"))),
    };
    let directory = if path.ends_with('/') { path.clone() } else { format!("{path}/") };
    let existing = crate::paths::existing_files(&session.ctx, &directory).await?;
    let mode = SaveMode::try_from(write.mode).unwrap_or(SaveMode::Unspecified);
    match mode {
        SaveMode::ErrorIfExists | SaveMode::Unspecified if !existing.is_empty() => {
            return Err(ConnectError::analysis(format!(
                "[PATH_ALREADY_EXISTS] Path {path} already exists. Set mode as \"overwrite\" to overwrite the existing path."
            )));
        }
        SaveMode::Ignore if !existing.is_empty() => return Ok(()),
        _ => {}
    }
    let translator = Translator::new(&session.ctx, &session.time_zone());
    let plan = translator.relation(input).await?;
    let partition_by = write.partitioning_columns.clone();
    let Some(file_type) = file_type else {
        if !partition_by.is_empty() {
            return Err(ConnectError::unsupported(format!("partitionBy when writing {format}")));
        }
        let schema = plan.schema().as_arrow().clone();
        let batches = collect(engine, session, plan, &format!("write {format} to {path}")).await?;
        let (bytes, extension) = if format == "text" {
            (super::sources::encode_text(&batches, &schema, &options)?, "txt")
        } else {
            (super::sources::encode_xml(&batches, &schema, &options)?, "xml")
        };
        let file = format!("{directory}part-00000-{}.{extension}", uuid::Uuid::new_v4());
        let (url, store) = crate::paths::store_for(&session.ctx, &file)
            .map_err(|e| ConnectError::analysis(format!("[PATH_NOT_FOUND] {e:#}")))?;
        use object_store::ObjectStoreExt;
        store
            .put(url.prefix(), bytes.into())
            .await
            .map_err(|e| ConnectError::execution(format!("cannot write {file}: {e}")))?;
        if mode == SaveMode::Overwrite {
            existing.remove().await?;
        }
        return Ok(());
    };
    let plan = crate::compat::partition_values_as_text(plan, &partition_by)?;
    let copy = LogicalPlanBuilder::copy_to(
        plan,
        directory.clone(),
        file_type,
        table_options.into_iter().collect(),
        partition_by,
    )?
    .build()?;
    collect(engine, session, copy, &format!("write {format} to {path}")).await?;
    if mode == SaveMode::Overwrite {
        // Only now, with the new files in place: a failed write keeps the previous data.
        existing.remove().await?;
    }
    Ok(())
}

/// `saveAsTable` and `insertInto`. minispark has no persistent catalog: a table lives in the
/// session, as its rows (computed now, as Spark writes them now) inside a plan, like the rows of
/// `createDataFrame`. `bucketBy` and `sortBy` shape the files of a Spark table, not its rows, so
/// they have nothing to do here; `DROP TABLE` removes the table.
async fn save_table(
    engine: &dyn Engine,
    session: &Arc<Session>,
    write: &proto::WriteOperation,
    input: &Relation,
    table: &proto::write_operation::SaveTable,
) -> ConnectResult<()> {
    use proto::write_operation::save_table::TableSaveMethod;
    if !write.partitioning_columns.is_empty() {
        return Err(ConnectError::unsupported("partitionBy on a table (saveAsTable/insertInto)"));
    }
    let name = super::expr::name_parts(&table.table_name).join(".");
    let ctx = &session.ctx;
    let exists = ctx.table_exist(name.as_str())?;
    let mode = SaveMode::try_from(write.mode).unwrap_or(SaveMode::Unspecified);
    let insert = TableSaveMethod::try_from(table.save_method).unwrap_or(TableSaveMethod::Unspecified)
        == TableSaveMethod::InsertInto;
    if insert && !exists {
        return Err(ConnectError::analysis(format!(
            "[TABLE_OR_VIEW_NOT_FOUND] The table or view `{}` cannot be found.",
            table.table_name
        )));
    }
    if !insert && exists {
        match mode {
            SaveMode::Ignore => return Ok(()),
            SaveMode::ErrorIfExists | SaveMode::Unspecified => {
                return Err(ConnectError::analysis(format!(
                    "[TABLE_OR_VIEW_ALREADY_EXISTS] Cannot create table or view `{}` because it already exists.",
                    table.table_name
                )));
            }
            _ => {}
        }
    }
    let translator = Translator::new(ctx, &session.time_zone());
    let plan = translator.relation(input).await?;
    let existing = if exists { Some(ctx.table(name.as_str()).await?.into_unoptimized_plan()) } else { None };
    // insertInto matches columns by position, named and typed as the table's.
    let plan = match (&existing, insert) {
        (Some(table_plan), true) => {
            let wanted = table_plan.schema().fields();
            if wanted.len() != plan.schema().fields().len() {
                return Err(ConnectError::analysis(format!(
                    "[INSERT_COLUMN_ARITY_MISMATCH.NOT_ENOUGH_DATA_COLUMNS] Cannot write to `{}`: the table has {} \
                     columns, the data {}.",
                    table.table_name,
                    wanted.len(),
                    plan.schema().fields().len()
                )));
            }
            let exprs: Vec<datafusion::logical_expr::Expr> = plan
                .schema()
                .iter()
                .zip(wanted)
                .map(|((q, f), w)| {
                    datafusion::logical_expr::cast(
                        datafusion::logical_expr::Expr::Column(datafusion::common::Column::new(q.cloned(), f.name())),
                        w.data_type().clone(),
                    )
                    .alias(w.name())
                })
                .collect();
            LogicalPlanBuilder::from(plan).project(exprs)?.build()?
        }
        _ => plan,
    };
    let schema = plan.schema().as_arrow().clone();
    let batches = collect(engine, session, plan, &format!("write table {}", table.table_name)).await?;
    let rows = crate::compat::inline_rows(&batches, &schema)?;
    let append = (insert && mode != SaveMode::Overwrite) || (!insert && mode == SaveMode::Append);
    let stored = match existing {
        Some(old) if append => LogicalPlanBuilder::from(old).union(rows)?.build()?,
        _ => rows,
    };
    if exists {
        ctx.deregister_table(name.as_str())?;
    }
    ctx.register_table(name.as_str(), Arc::new(datafusion::datasource::ViewTable::new(stored, None)))?;
    Ok(())
}

/// `df.checkpoint()` / `df.localCheckpoint()`: the rows are computed now and kept in the session
/// (inside a plan, like `createDataFrame`'s), so later plans read them instead of recomputing
/// the frame; the client refers to them by the id answered.
async fn checkpoint_command(
    engine: &dyn Engine,
    session: &Arc<Session>,
    operation: &Arc<Operation>,
    checkpoint: proto::CheckpointCommand,
) -> ConnectResult<()> {
    let input =
        checkpoint.relation.as_ref().ok_or_else(|| ConnectError::invalid("a checkpoint without a DataFrame"))?;
    let translator = Translator::new(&session.ctx, &session.time_zone());
    let plan = translator.relation(input).await?;
    let schema = plan.schema().as_arrow().clone();
    let batches = collect(engine, session, plan, &describe(input)).await?;
    let rows = crate::compat::inline_rows(&batches, &schema)?;
    let id = uuid::Uuid::new_v4().to_string();
    session.ctx.register_table(
        super::plan::cached_relation_table(&id).as_str(),
        Arc::new(datafusion::datasource::ViewTable::new(rows, None)),
    )?;
    let result = proto::CheckpointCommandResult { relation: Some(proto::CachedRemoteRelation { relation_id: id }) };
    operation.push(response(session, operation, ResponseType::CheckpointCommandResult(result))).await;
    Ok(())
}
