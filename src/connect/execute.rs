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
    sent
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

/// `df.write...save(path)`.
async fn write_operation(
    engine: &dyn Engine,
    session: &Arc<Session>,
    write: proto::WriteOperation,
) -> ConnectResult<()> {
    let input = write.input.as_ref().ok_or_else(|| ConnectError::invalid("a write without a DataFrame"))?;
    let path = match &write.save_type {
        Some(SaveType::Path(path)) => path.clone(),
        Some(SaveType::Table(_)) => {
            return Err(ConnectError::unsupported(
                "saveAsTable/insertInto (there is no table catalog); write to a path",
            ));
        }
        None => match write.options.get("path") {
            Some(path) => path.clone(),
            None => return Err(ConnectError::analysis("save() needs a path")),
        },
    };
    if !write.bucket_by.as_ref().is_none_or(|b| b.bucket_column_names.is_empty()) {
        return Err(ConnectError::unsupported("bucketBy"));
    }
    if !write.sort_column_names.is_empty() {
        return Err(ConnectError::unsupported("sortBy on write"));
    }
    let format = write.source.clone().unwrap_or_else(|| "parquet".into()).to_ascii_lowercase();
    let options: std::collections::HashMap<String, String> =
        write.options.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.clone())).collect();
    let (file_type, table_options): (Arc<dyn FileType>, Vec<(String, String)>) = match format.as_str() {
        "parquet" => (format_as_file_type(Arc::new(ParquetFormatFactory::new())), vec![]),
        "csv" => {
            let header = options.get("header").is_some_and(|v| v.eq_ignore_ascii_case("true"));
            let mut table = vec![("format.has_header".to_string(), header.to_string())];
            if let Some(sep) = options.get("sep").or(options.get("delimiter")) {
                table.push(("format.delimiter".to_string(), sep.clone()));
            }
            (format_as_file_type(Arc::new(CsvFormatFactory::new())), table)
        }
        "json" => (format_as_file_type(Arc::new(JsonFormatFactory::new())), vec![]),
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
