//! Workarounds for bugs in DataFusion 55, datafusion-proto 55 and Ballista 55, in one place.
//!
//! A job crosses two encodings: the driver's Ballista client ships its logical plan to the
//! scheduler (datafusion-proto with Ballista's logical codec), and the scheduler ships each
//! stage's physical plan to the workers, which decode it against their function registry. Most
//! items here keep something that would otherwise be lost or changed on the way; each names the
//! upstream bug. Their tests round-trip through the same codecs: a canary per bug asserts that the
//! bug is still there, so it fails once upstream fixes it and says which workaround to remove, and
//! a second test checks that the workaround's output arrives meaning what was asked. Role code
//! calls in here; nothing here depends on a role.

use std::sync::Arc;

use ballista_core::registry::BallistaFunctionRegistry;
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::catalog::{TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::config::ConfigOptions;
use datafusion::common::parsers::CsvQuoteStyle;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{Column, DFSchema, DFSchemaRef, Result, ScalarValue, plan_err};
use datafusion::config::ConfigField;
use datafusion::datasource::ViewTable;
use datafusion::datasource::file_format::csv::CsvFormatFactory;
use datafusion::datasource::file_format::{file_type_to_format, format_as_file_type};
use datafusion::datasource::memory::MemorySourceConfig;
use datafusion::datasource::source::DataSourceExec;
use datafusion::execution::{SessionState, SessionStateBuilder};
use datafusion::logical_expr::dml::CopyTo;
use datafusion::logical_expr::{Expr, LogicalPlan, LogicalPlanBuilder, cast, lit};
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::limit::LocalLimitExec;

/// `plan` with a COPY's options carried by its CSV file format, the quote style swapped so that
/// it arrives as asked; any other plan as it is.
///
/// datafusion-proto 55 encodes a COPY's file format but not its OPTIONS map (`CopyToNode` has no
/// field for it; the decoder builds the `CopyTo` with empty options), so a CSV written on the
/// cluster lost `has_header`, the delimiter, everything the statement or `df.write` asked for.
/// The format's own settings do travel, so the options move there. The CSV quote style needs one
/// more step: datafusion-proto 55 encodes it by the Rust enum's position (Always = 0,
/// Necessary = 1) and decodes it by the protobuf enum's (Necessary = 0, Always = 1), so the two
/// styles trade places on the way; asking for the other one arrives as the one wanted. The day
/// upstream fixes the enum, this swap inverts CSV quoting: the canary tests below say so.
pub(crate) fn copy_with_portable_options(plan: LogicalPlan) -> Result<LogicalPlan> {
    let LogicalPlan::Copy(copy) = plan else { return Ok(plan) };
    let format = file_type_to_format(&copy.file_type)?;
    let Some(csv) = format.downcast_ref::<CsvFormatFactory>() else { return Ok(LogicalPlan::Copy(copy)) };
    let mut options = csv.options.clone().unwrap_or_default();
    for (key, value) in &copy.options {
        options.set(key.strip_prefix("format.").unwrap_or(key), value)?;
    }
    options.quote_style = match options.quote_style {
        CsvQuoteStyle::Necessary => CsvQuoteStyle::Always,
        CsvQuoteStyle::Always => CsvQuoteStyle::Necessary,
        other => other,
    };
    let file_type = format_as_file_type(Arc::new(CsvFormatFactory::new_with_options(options)));
    Ok(LogicalPlan::Copy(CopyTo::new(copy.input, copy.output_url, copy.partition_by, file_type, copy.options)))
}

/// A relation with `schema` and no rows. Not an EmptyRelation: datafusion-proto 55 encodes one as
/// `EmptyRelationNode { produce_one_row }` and decodes it with an empty schema, so the scheduler
/// could not plan anything above it ("No field named x" for an empty `createDataFrame`). A row of
/// NULLs behind a filter no row passes (`random()` is never negative, and is not folded away)
/// keeps the columns on the way.
pub(crate) fn no_rows(schema: &DFSchemaRef) -> Result<LogicalPlan> {
    let nulls = schema
        .fields()
        .iter()
        .map(|f| Ok(Expr::Literal(ScalarValue::try_from(f.data_type())?, None)))
        .collect::<Result<Vec<_>>>()?;
    let nullable = Arc::new(DFSchema::from_unqualified_fields(
        schema.fields().iter().map(|f| Arc::new(f.as_ref().clone().with_nullable(true))).collect(),
        Default::default(),
    )?);
    let row = LogicalPlanBuilder::values_with_schema(vec![nulls], &nullable)?.build()?;
    let random = Expr::ScalarFunction(datafusion::logical_expr::expr::ScalarFunction::new_udf(
        datafusion::functions::math::random(),
        vec![],
    ));
    let none = LogicalPlanBuilder::from(row).filter(random.lt(lit(0.0f64)))?.build()?;
    named_like(none, schema.fields())
}

/// Rows the client sent (`createDataFrame`) as a VALUES plan of literals, named and typed by
/// `schema`.
///
/// Ballista 55 cannot ship an in-memory table: datafusion-proto encodes a scan of a listing table
/// or a view itself and hands any other table provider to the extension codec, and Ballista's
/// (`BallistaLogicalExtensionCodec`) has none for a `MemTable`. Literals inside the plan travel.
pub(crate) fn inline_rows(batches: &[RecordBatch], schema: &Schema) -> Result<LogicalPlan> {
    let df_schema = Arc::new(DFSchema::try_from(schema.clone())?);
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    if rows == 0 {
        return no_rows(&df_schema);
    }
    let mut values = Vec::with_capacity(rows);
    for batch in batches {
        for row in 0..batch.num_rows() {
            let mut cells = Vec::with_capacity(batch.num_columns());
            for (column, field) in batch.columns().iter().zip(schema.fields()) {
                let value = ScalarValue::try_from_array(column, row)?;
                let value =
                    if value.data_type() == *field.data_type() { value } else { value.cast_to(field.data_type())? };
                cells.push(Expr::Literal(value, None));
            }
            values.push(cells);
        }
    }
    // VALUES names its columns column1, column2, …; the frame's names come from the schema.
    let values = LogicalPlanBuilder::values_with_schema(values, &df_schema)?.build()?;
    named_like(values, schema.fields())
}

/// `spark.range` as a plan that travels: `count` ids from `start` by `step`, as a few
/// (start, end) slices in VALUES unnested through the `range` function into a non-null `id`.
///
/// Not DataFusion's `range` table function: its scan reads a `GenerateSeriesTable`, which neither
/// datafusion-proto 55 nor Ballista 55's codec can encode (see [`inline_rows`]), so the job would
/// never reach the scheduler. Not a VALUES row per id either: those would ride inside the plan.
/// The workers decode the `range` function only with [`worker_function_registry`].
pub(crate) fn spread_range(start: i64, step: i64, count: i128, slices: i128) -> Result<LogicalPlan> {
    if count <= 0 {
        return no_rows(&Arc::new(DFSchema::try_from(Schema::new(vec![Field::new("id", DataType::Int64, false)]))?));
    }
    let slices = slices.clamp(1, count);
    let per_slice = (count + slices - 1) / slices;
    let mut rows = Vec::new();
    let mut index = 0i128;
    while index < count {
        let upto = (index + per_slice).min(count);
        let lo = start as i128 + index * step as i128;
        let hi = start as i128 + upto * step as i128;
        rows.push(vec![lit(lo as i64), lit(hi as i64)]);
        index = upto;
    }
    let slices = LogicalPlanBuilder::values(rows)?.build()?;
    let bounds: Vec<Expr> = slices.schema().columns().into_iter().map(Expr::Column).collect();
    let generated =
        datafusion::functions_nested::range::range_udf().call(vec![bounds[0].clone(), bounds[1].clone(), lit(step)]);
    let projected = LogicalPlanBuilder::from(slices).project(vec![generated.alias("id")])?.build()?;
    let unnested = LogicalPlanBuilder::from(projected).unnest_column("id")?.build()?;
    // Spark's `id` is never NULL; COALESCE with a literal tells DataFusion so.
    let id = cast(Expr::Column(Column::from_name("id")), DataType::Int64);
    let id = datafusion::functions::core::coalesce().call(vec![id, lit(0i64)]);
    LogicalPlanBuilder::from(unnested).project(vec![id.alias("id")])?.build()
}

/// `spark.range(start, end, step, numPartitions)` and the SQL table function `range(...)`: the ids
/// from `start` up to (not including) `end` by `step`, as [`spread_range`] slices: as many as
/// asked for, or 8 for large ranges so they spread over the cluster, else one.
pub(crate) fn spark_range(start: i64, end: i64, step: i64, num_partitions: Option<i64>) -> Result<LogicalPlan> {
    if step == 0 {
        return plan_err!(
            "[FAILED_FUNCTION_CALL] Failed preparing of the function `range` for call: step cannot be 0."
        );
    }
    let count = if (step > 0 && end > start) || (step < 0 && end < start) {
        ((end as i128 - start as i128).abs() + step.unsigned_abs() as i128 - 1) / step.unsigned_abs() as i128
    } else {
        0
    };
    let slices = (num_partitions.unwrap_or(0).max(0) as i128).max(if count > 100_000 { 8 } else { 1 }).min(count);
    let ids = spread_range(start, step, count, slices)?;
    if count > 0 {
        return Ok(ids);
    }
    // No ids: still Spark's never-NULL `id` (`no_rows` makes its columns nullable).
    let id = datafusion::functions::core::coalesce().call(vec![Expr::Column(Column::from_name("id")), lit(0i64)]);
    LogicalPlanBuilder::from(ids).project(vec![id.alias("id")])?.build()
}

/// Spark's table function `range(end)`, `range(start, end[, step[, numPartitions]])` for SQL
/// statements: its column is Spark's `id` (bigint, never NULL), and its rows can go to the cluster.
///
/// DataFusion's own `range` table function names the column `value`, and its scan reads a
/// `GenerateSeriesTable` that neither datafusion-proto 55 nor Ballista 55's codec can encode: a
/// SQL job or `minispark sql` statement reading `range(0, 10)` failed before reaching the
/// scheduler ("failed to serialize logical plan ... LogicalExtensionCodec is not provided"; the
/// canary below). This one answers with a view over [`spark_range`]: datafusion-proto encodes a
/// scan of a view as the view's plan, and the analyzer inlines it anyway.
#[derive(Debug)]
pub(crate) struct SparkRangeFunction;

impl TableFunctionImpl for SparkRangeFunction {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        let values = args.exprs().iter().map(range_argument).collect::<Result<Vec<i64>>>()?;
        let (start, end, step, partitions) = match values[..] {
            [end] => (0, end, 1, None),
            [start, end] => (start, end, 1, None),
            [start, end, step] => (start, end, step, None),
            [start, end, step, partitions] => (start, end, step, Some(partitions)),
            _ => {
                return plan_err!(
                    "[WRONG_NUM_ARGS.WITHOUT_SUGGESTION] The `range` requires [1, 2, 3, 4] parameters but the \
                     actual number is {}.",
                    values.len()
                );
            }
        };
        Ok(Arc::new(ViewTable::new(spark_range(start, end, step, partitions)?, None)))
    }
}

/// One argument of `range(...)` as Spark takes it: a constant cast to bigint (`range(2.5)` is
/// `range(2)`).
fn range_argument(argument: &Expr) -> Result<i64> {
    match argument {
        Expr::Literal(value, _) if value.is_null() => plan_err!(
            "[UNEXPECTED_INPUT_TYPE] Parameter of function `range` requires the \"BIGINT\" type, however \"NULL\" \
             has the type \"VOID\"."
        ),
        Expr::Literal(value, _) => match value.cast_to(&DataType::Int64)? {
            ScalarValue::Int64(Some(number)) => Ok(number),
            other => plan_err!("[UNEXPECTED_INPUT_TYPE] `range` takes bigint arguments, not {other}"),
        },
        other => plan_err!("[NON_FOLDABLE_ARGUMENT] The arguments of `range` must be constants, not {other}"),
    }
}

/// The directory name Spark (and Hive) give a NULL partition value: `col=__HIVE_DEFAULT_PARTITION__`.
pub(crate) const NULL_PARTITION: &str = "__HIVE_DEFAULT_PARTITION__";

/// `plan` with its `partition_by` columns turned into the text of their directory names, a NULL
/// into [`NULL_PARTITION`], for a partitioned write.
///
/// DataFusion 55's hive-partitioned writer reads a partition column's values without looking at
/// their NULLs: a NULL int was written under `col=0` and a NULL string under `col=`, so the NULLs
/// came back as 0 or as empty strings (the canary below). Partition columns live only in the
/// directory names, not in the files, so writing them as text changes nothing else.
pub(crate) fn partition_values_as_text(plan: LogicalPlan, partition_by: &[String]) -> Result<LogicalPlan> {
    if partition_by.is_empty() {
        return Ok(plan);
    }
    let columns: Vec<Expr> = plan
        .schema()
        .iter()
        .map(|(qualifier, field)| {
            let column = Expr::Column(Column::new(qualifier.cloned(), field.name()));
            if !partition_by.contains(field.name()) {
                return column;
            }
            let null = Box::new(column.clone().is_null());
            let text = cast(column, DataType::Utf8);
            let named = datafusion::logical_expr::expr::Case::new(
                None,
                vec![(null, Box::new(lit(NULL_PARTITION)))],
                Some(Box::new(text)),
            );
            Expr::Case(named).alias(field.name())
        })
        .collect();
    LogicalPlanBuilder::from(plan).project(columns)?.build()
}

/// `plan`'s columns renamed, in order, to the names of `fields`.
fn named_like(plan: LogicalPlan, fields: &datafusion::arrow::datatypes::Fields) -> Result<LogicalPlan> {
    let named: Vec<Expr> =
        plan.schema().columns().into_iter().zip(fields).map(|(c, f)| Expr::Column(c).alias(f.name())).collect();
    LogicalPlanBuilder::from(plan).project(named)?.build()
}

/// DataFusion's functions that keep their name on the cluster though `datafusion-spark` registers
/// a Spark version under the same name.
///
/// `datafusion-spark` 55's `date_part` and `date_trunc` only exist until the simplifier replaces
/// them by DataFusion's functions *of the same name* (with Spark's adjustments around them:
/// `dow` + 1, the session time zone). Plans travel between driver, scheduler and workers with
/// functions named, so a simplified `date_part` arrived on the scheduler as Spark's again and was
/// simplified a second time (`dayofweek` one too high), and on a worker it failed: "spark
/// date_trunc should have been simplified to standard date_trunc". The driver's sessions, where
/// SQL text and DataFrames are planned, use Spark's; the scheduler's planning session and the
/// workers' registry keep DataFusion's under these names, which is what every plan they receive
/// holds.
pub(crate) const SIMPLIFIED_ON_THE_DRIVER: &[&str] = &["date_part", "date_trunc"];

/// The function registry the workers decode their tasks against: every function of a
/// default-features `SessionState`, with Spark's (`crate::functions`) on top as the cluster sees
/// them.
///
/// Ballista 55's default executor registry (`BallistaFunctionRegistry::default`) holds
/// DataFusion's core, aggregate and window functions but not the nested ones (arrays, `range`,
/// `make_array`, `string_to_array`, `cardinality`), though the scheduler plans with them
/// (`ballista_scalar_functions`). A task using one failed on the worker: "PhysicalExtensionCodec
/// is not provided for scalar function range".
pub(crate) fn worker_function_registry() -> BallistaFunctionRegistry {
    let state = crate::functions::with_cluster_functions(SessionStateBuilder::new().with_default_features()).build();
    BallistaFunctionRegistry::from(&state)
}

/// The optimizer rule a Ballista client session leaves to the scheduler.
const SCHEDULER_ONLY_RULE: &str = "common_sub_expression_eliminate";

/// `state` without common-subexpression elimination, for the driver's Ballista client sessions.
///
/// The Ballista 55 scheduler optimizes every plan it receives again, with DataFusion 55's whole
/// rule set. On a plan that already had common subexpressions eliminated by the client, that
/// second pass makes new `__common_expr_N` aliases that can clash with the ones the plan carries,
/// and an expression then reads the wrong column (a failed job: "cardinality(Utf8)"). So the rule
/// runs only on the scheduler. Nothing is lost in the proto encoding itself, so there is no round
/// trip to test: the tests check that the rule exists under the name filtered here (a rename
/// upstream would quietly bring the clash back) and that the client no longer applies it.
pub(crate) fn without_client_cse(state: SessionState) -> SessionState {
    let rules = state.optimizers().iter().filter(|rule| rule.name() != SCHEDULER_ONLY_RULE).cloned().collect();
    SessionStateBuilder::new_from_existing(state).with_optimizer_rules(rules).build()
}

/// Keeps LIMITs over in-memory data (VALUES, `createDataFrame`) as limit operators: a scheduler
/// physical optimizer rule.
///
/// DataFusion 55 pushes a LIMIT into an in-memory scan as its `fetch`; in Ballista 55 that `fetch`
/// does not survive the trip to the workers, so `SELECT … FROM (VALUES …) LIMIT 1` returned every
/// row. A per-partition limit operator above the scan says the same thing and does survive.
/// datafusion-proto 55.2's own round trip of a `MemorySourceConfig` keeps the `fetch` (the tests
/// show it), so the loss happens elsewhere on Ballista's way (stage planning or task decoding) and
/// there is no proto canary; the tests check the rewrite and that its limit survives the codec.
/// Whether the rule is still needed takes a cluster: `LIMIT` over VALUES with the rule removed.
#[derive(Debug)]
pub(crate) struct ExplicitInMemoryLimits;

impl PhysicalOptimizerRule for ExplicitInMemoryLimits {
    fn optimize(&self, plan: Arc<dyn ExecutionPlan>, _config: &ConfigOptions) -> Result<Arc<dyn ExecutionPlan>> {
        plan.transform_up(|node| {
            let in_memory =
                node.downcast_ref::<DataSourceExec>().is_some_and(|scan| scan.data_source().is::<MemorySourceConfig>());
            match (in_memory, node.fetch()) {
                (true, Some(fetch)) => match node.with_fetch(None) {
                    Some(unlimited) => Ok(Transformed::yes(Arc::new(LocalLimitExec::new(unlimited, fetch)) as _)),
                    None => Ok(Transformed::no(node)),
                },
                _ => Ok(Transformed::no(node)),
            }
        })
        .map(|t| t.data)
    }

    fn name(&self) -> &str {
        "minispark_explicit_in_memory_limits"
    }

    fn schema_check(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use ballista_core::serde::{BallistaLogicalExtensionCodec, BallistaPhysicalExtensionCodec};
    use datafusion::arrow::array::{Int64Array, StringArray};
    use datafusion::arrow::util::pretty::pretty_format_batches;
    use datafusion::common::tree_node::TreeNodeRecursion;
    use datafusion::config::CsvOptions;
    use datafusion::execution::TaskContext;
    use datafusion::execution::runtime_env::RuntimeEnv;
    use datafusion::logical_expr::EmptyRelation;
    use datafusion::physical_plan::collect;
    use datafusion::prelude::{SessionConfig, SessionContext};
    use datafusion_proto::bytes::{
        logical_plan_from_bytes_with_extension_codec, logical_plan_to_bytes_with_extension_codec,
        physical_plan_from_bytes_with_extension_codec, physical_plan_to_bytes_with_extension_codec,
    };

    use super::*;

    /// `plan` as the scheduler receives it from the driver's Ballista client.
    fn to_scheduler(plan: &LogicalPlan) -> Result<LogicalPlan> {
        let codec = BallistaLogicalExtensionCodec::default();
        let bytes = logical_plan_to_bytes_with_extension_codec(plan, &codec)?;
        logical_plan_from_bytes_with_extension_codec(&bytes, &SessionContext::new().task_ctx(), &codec)
    }

    /// `plan` as a worker with `registry` receives it from the scheduler.
    fn to_worker(plan: Arc<dyn ExecutionPlan>, registry: &BallistaFunctionRegistry) -> Result<Arc<dyn ExecutionPlan>> {
        let codec = BallistaPhysicalExtensionCodec::default();
        let bytes = physical_plan_to_bytes_with_extension_codec(plan, &codec)?;
        let task = TaskContext::new(
            None,
            "compat".into(),
            SessionConfig::new(),
            registry.scalar_functions.clone(),
            registry.higher_order_functions.clone(),
            registry.aggregate_functions.clone(),
            registry.window_functions.clone(),
            Arc::new(RuntimeEnv::default()),
        );
        physical_plan_from_bytes_with_extension_codec(&bytes, &task, &codec)
    }

    async fn rows_of(plan: LogicalPlan) -> Result<String> {
        let batches = SessionContext::new().execute_logical_plan(plan).await?.collect().await?;
        Ok(pretty_format_batches(&batches)?.to_string())
    }

    /// A COPY to CSV as `df.write.csv` builds it (connect/execute.rs), with `options`.
    fn csv_copy(options: &[(&str, &str)]) -> Result<LogicalPlan> {
        let input = LogicalPlanBuilder::values(vec![vec![lit(1i64), lit("a")]])?.build()?;
        let options: HashMap<String, String> = options.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let file_type = format_as_file_type(Arc::new(CsvFormatFactory::new()));
        LogicalPlanBuilder::copy_to(input, "/tmp/out/".into(), file_type, options, vec![])?.build()
    }

    /// A COPY's options and the CSV settings of its format.
    fn copy_settings(plan: &LogicalPlan) -> (HashMap<String, String>, CsvOptions) {
        let LogicalPlan::Copy(copy) = plan else { panic!("not a COPY: {plan}") };
        let format = file_type_to_format(&copy.file_type).expect("a file format");
        let csv = format.downcast_ref::<CsvFormatFactory>().expect("a CSV format");
        (copy.options.clone(), csv.options.clone().unwrap_or_default())
    }

    #[test]
    fn canary_copy_options_are_lost_on_the_way_to_the_scheduler() -> Result<()> {
        let sent = csv_copy(&[("format.has_header", "false"), ("format.delimiter", ";")])?;
        let (options, csv) = copy_settings(&to_scheduler(&sent)?);
        assert!(
            options.is_empty() && csv.has_header.is_none() && csv.delimiter == b',',
            "datafusion-proto now ships a COPY's options ({options:?}, has_header {:?}, delimiter {:?}): \
             compat::copy_with_portable_options need not move them into the file format any more",
            csv.has_header,
            csv.delimiter as char,
        );
        Ok(())
    }

    #[test]
    fn canary_csv_quote_styles_always_and_necessary_trade_places_on_the_way() -> Result<()> {
        for (sent, expected) in
            [(CsvQuoteStyle::Necessary, CsvQuoteStyle::Always), (CsvQuoteStyle::Always, CsvQuoteStyle::Necessary)]
        {
            let options = CsvOptions { quote_style: sent, ..Default::default() };
            let file_type = format_as_file_type(Arc::new(CsvFormatFactory::new_with_options(options)));
            let input = LogicalPlanBuilder::values(vec![vec![lit(1i64)]])?.build()?;
            let plan =
                LogicalPlanBuilder::copy_to(input, "/tmp/out/".into(), file_type, HashMap::new(), vec![])?.build()?;
            let (_, csv) = copy_settings(&to_scheduler(&plan)?);
            assert_eq!(
                csv.quote_style, expected,
                "datafusion-proto now keeps the CSV quote style {sent:?}: REMOVE the swap in \
                 compat::copy_with_portable_options, or every CSV the cluster writes has its quoting inverted"
            );
        }
        Ok(())
    }

    #[test]
    fn copy_with_portable_options_arrives_as_asked() -> Result<()> {
        let cases = [
            (None, CsvQuoteStyle::Necessary),
            (Some("necessary"), CsvQuoteStyle::Necessary),
            (Some("always"), CsvQuoteStyle::Always),
            (Some("never"), CsvQuoteStyle::Never),
            (Some("non_numeric"), CsvQuoteStyle::NonNumeric),
        ];
        for (asked, expected) in cases {
            let mut options = vec![("format.has_header", "false"), ("format.delimiter", ";")];
            options.extend(asked.map(|style| ("format.quote_style", style)));
            let arrived = to_scheduler(&copy_with_portable_options(csv_copy(&options)?)?)?;
            let (_, csv) = copy_settings(&arrived);
            assert_eq!(csv.has_header, Some(false), "header=false, asked {asked:?}");
            assert_eq!(csv.delimiter, b';', "delimiter, asked {asked:?}");
            assert_eq!(csv.quote_style, expected, "quote style, asked {asked:?}");
        }
        Ok(())
    }

    #[test]
    fn copy_with_portable_options_leaves_other_plans_alone() -> Result<()> {
        let plan = LogicalPlanBuilder::values(vec![vec![lit(1i64)]])?.build()?;
        assert_eq!(copy_with_portable_options(plan.clone())?, plan);
        Ok(())
    }

    fn two_columns() -> DFSchemaRef {
        let schema =
            Schema::new(vec![Field::new("name", DataType::Utf8, true), Field::new("price", DataType::Float64, false)]);
        Arc::new(DFSchema::try_from(schema).expect("a valid schema"))
    }

    /// Names and types of `plan`'s output columns.
    fn columns(plan: &LogicalPlan) -> Vec<(String, DataType)> {
        plan.schema().fields().iter().map(|f| (f.name().clone(), f.data_type().clone())).collect()
    }

    #[test]
    fn canary_an_empty_relation_loses_its_columns_on_the_way_to_the_scheduler() -> Result<()> {
        let sent = LogicalPlan::EmptyRelation(EmptyRelation { produce_one_row: false, schema: two_columns() });
        let arrived = to_scheduler(&sent)?;
        assert!(
            columns(&arrived).is_empty(),
            "datafusion-proto now ships an EmptyRelation's schema ({:?}): compat::no_rows can be a plain \
             EmptyRelation again",
            columns(&arrived),
        );
        Ok(())
    }

    #[tokio::test]
    async fn no_rows_arrives_with_its_columns_and_no_rows() -> Result<()> {
        let schema = two_columns();
        let arrived = to_scheduler(&no_rows(&schema)?)?;
        let expected: Vec<_> = schema.fields().iter().map(|f| (f.name().clone(), f.data_type().clone())).collect();
        assert_eq!(columns(&arrived), expected);
        let above =
            LogicalPlanBuilder::from(arrived).project(vec![Expr::Column(Column::from_name("price"))])?.build()?;
        let batches = SessionContext::new().execute_logical_plan(above).await?.collect().await?;
        assert_eq!(batches.iter().map(|b| b.num_rows()).sum::<usize>(), 0);
        Ok(())
    }

    fn client_batch() -> Result<RecordBatch> {
        let schema =
            Schema::new(vec![Field::new("id", DataType::Int64, false), Field::new("name", DataType::Utf8, true)]);
        Ok(RecordBatch::try_new(
            Arc::new(schema),
            vec![Arc::new(Int64Array::from(vec![1, 2])), Arc::new(StringArray::from(vec![Some("a"), None]))],
        )?)
    }

    #[tokio::test]
    async fn canary_an_in_memory_table_cannot_go_to_the_scheduler() -> Result<()> {
        let scan = SessionContext::new().read_batch(client_batch()?)?.into_unoptimized_plan();
        let codec = BallistaLogicalExtensionCodec::default();
        assert!(
            logical_plan_to_bytes_with_extension_codec(&scan, &codec).is_err(),
            "Ballista's codec now ships an in-memory table: compat::inline_rows could send the client's \
             batches as a table instead of a VALUES plan of literals"
        );
        Ok(())
    }

    #[tokio::test]
    async fn inline_rows_arrive_with_their_names_types_and_values() -> Result<()> {
        // The client's schema may name other types than its Arrow data (Int32 ids sent as Int64).
        let schema =
            Schema::new(vec![Field::new("key", DataType::Int32, false), Field::new("label", DataType::Utf8, true)]);
        let arrived = to_scheduler(&inline_rows(&[client_batch()?], &schema)?)?;
        assert_eq!(columns(&arrived), vec![("key".into(), DataType::Int32), ("label".into(), DataType::Utf8)]);
        assert_eq!(
            rows_of(arrived).await?,
            "+-----+-------+\n| key | label |\n+-----+-------+\n| 1   | a     |\n| 2   |       |\n+-----+-------+"
        );
        let empty = to_scheduler(&inline_rows(&[], &schema)?)?;
        assert_eq!(columns(&empty), vec![("key".into(), DataType::Int32), ("label".into(), DataType::Utf8)]);
        Ok(())
    }

    #[tokio::test]
    async fn canary_the_range_table_function_cannot_go_to_the_scheduler() -> Result<()> {
        let ctx = SessionContext::new();
        let plan = ctx.state().create_logical_plan("SELECT * FROM range(0, 10)").await?;
        assert!(
            logical_plan_to_bytes_with_extension_codec(&plan, &BallistaLogicalExtensionCodec::default()).is_err(),
            "Ballista's codec now ships DataFusion's range table function: compat::spread_range could use it"
        );
        Ok(())
    }

    #[tokio::test]
    async fn spread_range_arrives_and_runs_on_a_worker() -> Result<()> {
        let plan = spread_range(5, -2, 7, 3)?;
        let arrived = to_scheduler(&plan)?;
        assert_eq!(columns(&arrived), vec![("id".into(), DataType::Int64)]);
        assert!(!arrived.schema().field(0).is_nullable(), "Spark's id is never NULL");
        assert_eq!(ids_on_a_worker(&plan).await?, vec![-7, -5, -3, -1, 1, 3, 5]);
        assert_eq!(columns(&to_scheduler(&spread_range(0, 1, 0, 1)?)?), vec![("id".into(), DataType::Int64)]);
        Ok(())
    }

    /// The sorted ids a worker computes from `plan` once it has been to the scheduler.
    async fn ids_on_a_worker(plan: &LogicalPlan) -> Result<Vec<i64>> {
        let ctx = SessionContext::new();
        let physical = ctx.state().create_physical_plan(&to_scheduler(plan)?).await?;
        let batches = collect(to_worker(physical, &worker_function_registry())?, ctx.task_ctx()).await?;
        let mut ids: Vec<i64> = batches
            .iter()
            .flat_map(|b| b.column(0).as_any().downcast_ref::<Int64Array>().expect("Int64 ids").values().to_vec())
            .collect();
        ids.sort_unstable();
        Ok(ids)
    }

    #[tokio::test]
    async fn the_spark_range_table_function_arrives_and_runs_on_a_worker() -> Result<()> {
        // As a SQL job plans its statements (the driver's sessions keep DataFusion's dialect).
        let ctx = SessionContext::new();
        let cases: [(&str, &[i64]); 6] = [
            ("SELECT * FROM range(3)", &[0, 1, 2]),
            ("SELECT id FROM range(1, 4)", &[1, 2, 3]),
            ("SELECT * FROM range(10, 0, -3)", &[1, 4, 7, 10]),
            ("SELECT r.id FROM range(0, 10, 3, 2) AS r", &[0, 3, 6, 9]),
            ("SELECT * FROM range(2 + 1.5)", &[0, 1, 2]),
            ("SELECT id FROM range(-3)", &[]),
        ];
        for (sql, expected) in cases {
            let statement = ctx.state().sql_to_statement(sql, &Default::default())?;
            let plan = ctx.state().optimize(&crate::sql_text::plan_statement(&ctx.state(), statement).await?)?;
            assert_eq!(columns(&plan), vec![("id".into(), DataType::Int64)], "{sql}");
            assert!(!plan.schema().field(0).is_nullable(), "Spark's id is never NULL: {sql}");
            assert_eq!(ids_on_a_worker(&plan).await?, expected, "{sql}");
        }
        for (sql, error) in [
            ("SELECT * FROM range(0, 10, 0)", "[FAILED_FUNCTION_CALL]"),
            ("SELECT * FROM range(1, 2, 3, 4, 5)", "The `range` requires [1, 2, 3, 4] parameters"),
            ("SELECT * FROM range(NULL)", "[UNEXPECTED_INPUT_TYPE]"),
        ] {
            let statement = ctx.state().sql_to_statement(sql, &Default::default())?;
            let refused = crate::sql_text::plan_statement(&ctx.state(), statement).await.unwrap_err().to_string();
            assert!(refused.contains(error), "{sql}: {refused}");
        }
        Ok(())
    }

    #[tokio::test]
    async fn canary_ballistas_default_worker_registry_lacks_range() -> Result<()> {
        let ctx = SessionContext::new();
        let physical = ctx.state().create_physical_plan(&spread_range(0, 1, 10, 2)?).await?;
        let decoded = to_worker(physical, &BallistaFunctionRegistry::default());
        assert!(
            decoded.is_err(),
            "Ballista's default executor registry now decodes `range`: compat::worker_function_registry \
             may be dropped for BallistaFunctionRegistry::default()"
        );
        Ok(())
    }

    /// Spark's `dayofweek` and `trunc(..., 'month')` of Saturday 2024-02-03, planned in a driver
    /// session, run on a worker with `registry`.
    async fn spark_date_functions_on_a_worker(registry: &BallistaFunctionRegistry) -> Result<String> {
        let driver = crate::functions::with_spark_functions(SessionStateBuilder::new().with_default_features());
        let ctx = SessionContext::new_with_state(driver.build());
        let sql = "SELECT date_part('dow', d) AS dow, date_trunc('month', d) AS month \
                   FROM (VALUES (CAST('2024-02-03 10:45:11' AS TIMESTAMP))) AS t(d)";
        let physical = ctx.sql(sql).await?.create_physical_plan().await?;
        let batches = collect(to_worker(physical, registry)?, ctx.task_ctx()).await?;
        Ok(pretty_format_batches(&batches)?.to_string())
    }

    #[tokio::test]
    async fn canary_spark_date_functions_arrive_on_the_cluster_as_themselves_unsimplified() -> Result<()> {
        let spark_everywhere = BallistaFunctionRegistry::from(
            &crate::functions::with_spark_functions(SessionStateBuilder::new().with_default_features()).build(),
        );
        let error = spark_date_functions_on_a_worker(&spark_everywhere).await.map(|_| ()).unwrap_err();
        assert!(
            error.to_string().contains("should have been simplified"),
            "datafusion-spark's date functions now run on a worker after the round trip ({error}): \
             compat::SIMPLIFIED_ON_THE_DRIVER may go"
        );
        Ok(())
    }

    #[tokio::test]
    async fn spark_date_functions_run_on_workers_with_sparks_answers() -> Result<()> {
        let table = spark_date_functions_on_a_worker(&worker_function_registry()).await?;
        assert!(table.contains("| 7   |") && table.contains("| 2024-02-01T00:00:00"), "{table}");
        Ok(())
    }

    /// The partition directories a COPY of `plan` partitioned by `p` writes.
    async fn partition_directories(plan: LogicalPlan) -> Result<Vec<String>> {
        let directory = tempfile::tempdir()?;
        let target = format!("{}/", directory.path().display());
        let file_type = format_as_file_type(Arc::new(CsvFormatFactory::new()));
        let copy = LogicalPlanBuilder::copy_to(plan, target, file_type, HashMap::new(), vec!["p".into()])?.build()?;
        SessionContext::new().execute_logical_plan(copy).await?.collect().await?;
        let mut names: Vec<String> = std::fs::read_dir(directory.path())?
            .map(|entry| entry.map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect::<std::io::Result<_>>()?;
        names.sort();
        Ok(names)
    }

    /// Rows of `v` and a partition column `p` with one NULL.
    fn partitioned_rows() -> Result<LogicalPlan> {
        let rows = vec![vec![lit(1i64), lit(7i32)], vec![lit(2i64), lit(ScalarValue::Int32(None))]];
        let values = LogicalPlanBuilder::values(rows)?.build()?;
        let names: Vec<Expr> =
            values.schema().columns().into_iter().zip(["v", "p"]).map(|(c, n)| Expr::Column(c).alias(n)).collect();
        LogicalPlanBuilder::from(values).project(names)?.build()
    }

    #[tokio::test]
    async fn canary_a_null_partition_value_is_written_as_zero() -> Result<()> {
        assert_eq!(
            partition_directories(partitioned_rows()?).await?,
            ["p=0", "p=7"],
            "DataFusion now writes NULL partition values apart: compat::partition_values_as_text may go, if \
             it writes them as p=__HIVE_DEFAULT_PARTITION__ as Spark does"
        );
        Ok(())
    }

    #[tokio::test]
    async fn partition_values_as_text_write_nulls_as_spark_does() -> Result<()> {
        let plan = partition_values_as_text(partitioned_rows()?, &["p".into()])?;
        assert_eq!(partition_directories(plan).await?, ["p=7", "p=__HIVE_DEFAULT_PARTITION__"]);
        Ok(())
    }

    #[tokio::test]
    async fn client_sessions_leave_common_subexpressions_to_the_scheduler() -> Result<()> {
        let sql = "SELECT (x + 1) * 2 AS a, (x + 1) * 3 AS b FROM (VALUES (1), (2)) AS t(x)";
        let full = SessionContext::new();
        let eliminated = full.sql(sql).await?.into_optimized_plan()?.display_indent().to_string();
        assert!(
            eliminated.contains("__common_expr"),
            "DataFusion no longer eliminates common subexpressions with the rule {SCHEDULER_ONLY_RULE:?}: \
             find its new name for compat::without_client_cse\n{eliminated}"
        );
        let client = SessionContext::new_with_state(without_client_cse(full.state()));
        let kept = client.sql(sql).await?.into_optimized_plan()?.display_indent().to_string();
        assert!(!kept.contains("__common_expr"), "{kept}");
        assert_eq!(client.state().optimizers().len() + 1, full.state().optimizers().len());
        Ok(())
    }

    /// The `fetch` of every in-memory scan in `plan`, and how many per-partition limits it has.
    fn scan_fetches_and_limits(plan: &Arc<dyn ExecutionPlan>) -> Result<(Vec<Option<usize>>, usize)> {
        let (mut fetches, mut limits) = (Vec::new(), 0);
        plan.apply(|node| {
            if node.downcast_ref::<DataSourceExec>().is_some_and(|scan| scan.data_source().is::<MemorySourceConfig>()) {
                fetches.push(node.fetch());
            }
            limits += usize::from(node.downcast_ref::<LocalLimitExec>().is_some());
            Ok(TreeNodeRecursion::Continue)
        })?;
        Ok((fetches, limits))
    }

    #[test]
    fn an_in_memory_scans_fetch_survives_datafusion_proto() -> Result<()> {
        let batch = client_batch()?;
        let scan = MemorySourceConfig::try_new_exec(&[vec![batch.clone()]], batch.schema(), None)?;
        let limited = scan.with_fetch(Some(1)).expect("an in-memory scan takes a fetch");
        let arrived = to_worker(limited, &worker_function_registry())?;
        // If this fails, datafusion-proto itself drops the fetch; ExplicitInMemoryLimits covers that.
        assert_eq!(scan_fetches_and_limits(&arrived)?, (vec![Some(1)], 0));
        Ok(())
    }

    #[tokio::test]
    async fn explicit_in_memory_limits_travel_as_limit_operators() -> Result<()> {
        let state = SessionStateBuilder::new()
            .with_default_features()
            .with_physical_optimizer_rule(Arc::new(ExplicitInMemoryLimits))
            .build();
        let ctx = SessionContext::new_with_state(state);
        let physical =
            ctx.sql("SELECT x FROM (VALUES (1), (2), (3)) AS t(x) LIMIT 1").await?.create_physical_plan().await?;
        let (fetches, limits) = scan_fetches_and_limits(&physical)?;
        assert_eq!(fetches, vec![None], "the scan is unlimited");
        assert!(limits >= 1, "a limit operator says how many rows");
        let on_worker = to_worker(physical, &worker_function_registry())?;
        assert_eq!(scan_fetches_and_limits(&on_worker)?.1, limits);
        let rows: usize = collect(on_worker, ctx.task_ctx()).await?.iter().map(|b| b.num_rows()).sum();
        assert_eq!(rows, 1);
        Ok(())
    }

    /// connect/expr.rs builds Spark's `split("")` result from the subject, not a literal, because a
    /// folded list constant was seen to lose its type on the way. Through datafusion-proto 55.2 and
    /// Ballista's codecs it does not (this test), so there is no canary and no workaround here.
    #[tokio::test]
    async fn folded_list_literals_arrive_with_their_type_and_value() -> Result<()> {
        let ctx = SessionContext::new();
        for values in ["('a,b'), ('')", "(arrow_cast('a,b', 'Utf8View')), (arrow_cast('', 'Utf8View'))"] {
            let sql = format!(
                "SELECT CASE WHEN s = '' THEN make_array('') ELSE string_to_array(s, ',') END AS parts \
                 FROM (VALUES {values}) AS t(s)"
            );
            let optimized = ctx.state().optimize(&ctx.state().create_logical_plan(&sql).await?)?;
            let here = collect(ctx.state().create_physical_plan(&optimized).await?, ctx.task_ctx()).await?;
            let arrived = to_scheduler(&optimized)?;
            assert_eq!(arrived.schema(), optimized.schema(), "{sql}");
            let on_worker = to_worker(ctx.state().create_physical_plan(&arrived).await?, &worker_function_registry())?;
            assert_eq!(collect(on_worker, ctx.task_ctx()).await?, here, "{sql}");
        }
        Ok(())
    }
}
