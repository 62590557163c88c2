//! Spark's DataFrame statistics as DataFusion plans: `df.describe()`, `df.summary()` and
//! `df.stat.corr / cov / approxQuantile / crosstab / freqItems / sampleBy`, with Spark 4.3's column
//! names, types and values (Spark's own definitions: `StatFunctions`, `FrequentItems` and
//! `DataFrameStatFunctions`).
//!
//! Every statistic is an aggregation in the plan, so it runs on the cluster like any query; only
//! `crosstab` first asks the data which values its columns are named after, as Spark's pivot does.
//! Values Spark casts to strings (every cell of `describe`/`summary`, crosstab's keys) are cast here
//! with Spark's text for floating-point numbers (Java's `Double.toString`: `1.0E7`, `1.0E-4`),
//! written with DataFusion's own string functions so the workers need nothing new.
//!
//! Quantiles (`summary`'s percentiles, `approxQuantile`) are exact: the value at rank
//! `ceil(p * n)` among the non-null values, which is what Spark's Greenwald-Khanna summary answers
//! while it is exact (fewer than about 5,000 values for `summary`, relative error 0 for
//! `approxQuantile`) and lies within the error Spark promises otherwise. They gather each column's
//! values into one array, so a quantile over a very large column needs memory for all of it.

use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::common::{Column, ScalarValue};
use datafusion::execution::FunctionRegistry;
use datafusion::execution::session_state::SessionState;
use datafusion::logical_expr::expr::{AggregateFunction, Case, ScalarFunction, WindowFunction};
use datafusion::logical_expr::{
    Expr, ExprFunctionExt, ExprSchemable, LogicalPlan, LogicalPlanBuilder, SortExpr, TryCast, WindowFunctionDefinition,
    cast, lit,
};
use datafusion::prelude::SessionContext;

use super::error::{ConnectError, ConnectResult};

/// `df.describe()`'s statistics, in its order.
pub(crate) const DESCRIBE: &[&str] = &["count", "mean", "stddev", "min", "max"];

/// `df.summary()`'s statistics when none are named.
const SUMMARY: &[&str] = &["count", "mean", "stddev", "min", "25%", "50%", "75%", "max"];

/// The session's functions by name, so plans built here use the implementations the scheduler
/// and the workers resolve the same names to.
struct Functions<'a> {
    state: &'a SessionState,
}

impl Functions<'_> {
    fn scalar(&self, name: &str, args: Vec<Expr>) -> ConnectResult<Expr> {
        let udf = self
            .state
            .udf(name)
            .map_err(|_| ConnectError::analysis(format!("[UNRESOLVED_ROUTINE] Cannot resolve routine `{name}`")))?;
        Ok(Expr::ScalarFunction(ScalarFunction::new_udf(udf, args)))
    }

    fn aggregate(&self, name: &str, args: Vec<Expr>, distinct: bool) -> ConnectResult<Expr> {
        let udaf = self
            .state
            .udaf(name)
            .map_err(|_| ConnectError::analysis(format!("[UNRESOLVED_ROUTINE] Cannot resolve routine `{name}`")))?;
        Ok(Expr::AggregateFunction(AggregateFunction::new_udf(udaf, args, distinct, None, vec![], None)))
    }

    /// The non-null values of `value` (and not NaN, with `skip_nan`), ascending, as one array:
    /// an aggregate; [`Functions::quantile`] picks from it.
    fn sorted_values(&self, value: Expr, skip_nan: bool) -> ConnectResult<Expr> {
        let mut wanted = value.clone().is_not_null();
        if skip_nan {
            wanted = wanted.and(Expr::Not(Box::new(self.scalar("isnan", vec![value.clone()])?)));
        }
        let gathered = self.aggregate("array_agg", vec![value.clone()], false)?;
        Ok(gathered.order_by(vec![value.sort(true, true)]).filter(wanted).build()?)
    }

    /// The `probability` quantile of `sorted` (from [`Functions::sorted_values`], after the
    /// aggregation): the value at rank `ceil(probability * n)`, the first one for probabilities
    /// up to `relative_error` and the last from `1 - relative_error`, as Spark's
    /// `QuantileSummaries.query` picks when its summary is exact. NULL when there are no values.
    fn quantile(&self, sorted: &Expr, probability: f64, relative_error: f64) -> ConnectResult<Expr> {
        let count = self.scalar("cardinality", vec![sorted.clone()])?;
        let rank = if probability <= relative_error {
            lit(1i64)
        } else if probability >= 1.0 - relative_error {
            cast(count, DataType::Int64)
        } else {
            let scaled = lit(probability) * cast(count, DataType::Float64);
            cast(self.scalar("ceil", vec![scaled])?, DataType::Int64)
        };
        self.scalar("array_element", vec![sorted.clone(), rank])
    }

    /// `value` as Spark casts it to a string: numbers, text, booleans and dates as DataFusion
    /// casts them (the same text), floating-point numbers as Java prints them.
    fn spark_string(&self, value: Expr, data_type: &DataType) -> ConnectResult<Expr> {
        match data_type {
            DataType::Float64 | DataType::Float32 | DataType::Float16 => self.java_floating_string(value),
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Ok(cast(value, DataType::Utf8)),
            t if t.is_numeric() || matches!(t, DataType::Boolean | DataType::Date32 | DataType::Null) => {
                Ok(cast(value, DataType::Utf8))
            }
            other => Err(ConnectError::unsupported(format!(
                "statistics of {} values as strings",
                super::types::simple_string(other)
            ))),
        }
    }

    /// Java's `Double.toString` (and `Float.toString`) of `value`: the shortest digits that read
    /// back as the value, plainly for magnitudes from 10^-3 up to 10^7 (`100.0`, `0.001`), else
    /// as `d.dddE±n` (`1.0E7`, `1.2345E-5`), `NaN`, `Infinity`.
    ///
    /// DataFusion's cast gives the same shortest digits (Rust's `ryu`) and the same text in the
    /// plain range; outside it, the digits and the decimal exponent are read back from that text,
    /// whether `ryu` wrote it plainly (`12345678.0`, `0.00001`) or with an exponent (`1e-7`).
    fn java_floating_string(&self, value: Expr) -> ConnectResult<Expr> {
        let text = |e: &str| lit(e.to_string());
        let magnitude = self.scalar("abs", vec![value.clone()])?;
        let shortest = cast(magnitude.clone(), DataType::Utf8);
        let has_exponent = self.scalar("strpos", vec![shortest.clone(), text("e")])?.gt(lit(0i32));
        let split = |on: &str, part: i64| self.scalar("split_part", vec![shortest.clone(), text(on), lit(part)]);
        let length =
            |e: Expr| -> ConnectResult<Expr> { Ok(cast(self.scalar("character_length", vec![e])?, DataType::Int64)) };
        // With an exponent: `1e-7`, `1.234e30`.
        let (mantissa, exponent_text) = (split("e", 1)?, split("e", 2)?);
        let written_digits = self.scalar("replace", vec![mantissa, text("."), text("")])?;
        let written_exponent = cast(exponent_text, DataType::Int64);
        // Plain: `12345678.5` (whole part not 0) or `0.0000123`.
        let (whole, fraction) = (split(".", 1)?, split(".", 2)?);
        let significant = self.scalar("ltrim", vec![fraction.clone(), text("0")])?;
        let large = whole.clone().not_eq(text("0"));
        let plain_digits =
            when(large.clone(), self.scalar("concat", vec![whole.clone(), fraction.clone()])?, significant.clone());
        let plain_exponent =
            when(large, length(whole)? - lit(1i64), lit(-1i64) - (length(fraction)? - length(significant)?));
        let digits = self.scalar("rtrim", vec![when(has_exponent.clone(), written_digits, plain_digits), text("0")])?;
        let exponent = when(has_exponent, written_exponent, plain_exponent);
        let rest = self.scalar("substr", vec![digits.clone(), lit(2i64)])?;
        let scientific = self.scalar(
            "concat",
            vec![
                when(value.clone().lt(lit(0.0f64)), text("-"), text("")),
                self.scalar("substr", vec![digits, lit(1i64), lit(1i64)])?,
                text("."),
                when(rest.clone().eq(text("")), text("0"), rest),
                text("E"),
                cast(exponent, DataType::Utf8),
            ],
        )?;
        let plain_range = magnitude.clone().gt_eq(lit(1e-3f64)).and(magnitude.clone().lt(lit(1e7f64)));
        let cases = vec![
            (self.scalar("isnan", vec![value.clone()])?, text("NaN")),
            (
                magnitude.clone().eq(lit(f64::INFINITY)),
                when(value.clone().gt(lit(0.0f64)), text("Infinity"), text("-Infinity")),
            ),
            (plain_range.or(magnitude.eq(lit(0.0f64))), cast(value.clone(), DataType::Utf8)),
        ];
        let whens = cases.into_iter().map(|(condition, result)| (Box::new(condition), Box::new(result))).collect();
        let formatted = Expr::Case(Case::new(None, whens, Some(Box::new(scientific))));
        Ok(when(value.is_null(), lit(ScalarValue::Utf8(None)), formatted))
    }
}

/// `CASE WHEN condition THEN then ELSE otherwise END`.
fn when(condition: Expr, then: Expr, otherwise: Expr) -> Expr {
    Expr::Case(Case::new(None, vec![(Box::new(condition), Box::new(then))], Some(Box::new(otherwise))))
}

fn is_text(data_type: &DataType) -> bool {
    matches!(data_type, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

/// One statistic `summary()` was asked for.
enum Statistic {
    Count,
    CountDistinct,
    ApproxCountDistinct,
    Mean,
    Stddev,
    Min,
    Max,
    Percentile(f64),
}

impl Statistic {
    /// Spark's reading of a statistic's name: case-insensitive, or a percentage such as `25%`.
    fn parse(name: &str) -> ConnectResult<Self> {
        Ok(match name.to_ascii_lowercase().as_str() {
            "count" => Self::Count,
            "count_distinct" => Self::CountDistinct,
            "approx_count_distinct" => Self::ApproxCountDistinct,
            "mean" => Self::Mean,
            "stddev" => Self::Stddev,
            "min" => Self::Min,
            "max" => Self::Max,
            percent if percent.ends_with('%') => {
                let number = percent.trim_end_matches('%').trim();
                let value: f64 = number
                    .parse()
                    .map_err(|_| ConnectError::invalid(format!("Unable to parse {name} as a percentile")))?;
                let fraction = value / 100.0;
                if !(0.0..=1.0).contains(&fraction) {
                    return Err(ConnectError::invalid("requirement failed: Percentiles must be in the range [0, 1]"));
                }
                Self::Percentile(fraction)
            }
            _ => {
                return Err(ConnectError::invalid(format!(
                    "[UNRECOGNIZED_STATISTIC] The statistic '{name}' is not recognized. Valid statistics include \
                     `count`, `count_distinct`, `approx_count_distinct`, `mean`, `stddev`, `min`, `max`, and \
                     percentile values. Percentile must be a numeric value followed by '%', within the range 0% to \
                     100%."
                )));
            }
        })
    }
}

/// `df.summary(*statistics)` (and `df.describe()`, which is `summary` of [`DESCRIBE`]): a
/// `summary` column naming each statistic, then one string column per numeric or string column
/// of `plan`, in order.
pub(crate) fn summary(state: &SessionState, plan: LogicalPlan, statistics: &[String]) -> ConnectResult<LogicalPlan> {
    let names: Vec<String> =
        if statistics.is_empty() { SUMMARY.iter().map(|s| s.to_string()).collect() } else { statistics.to_vec() };
    let parsed = names.iter().map(|n| Statistic::parse(n)).collect::<ConnectResult<Vec<_>>>()?;
    let f = Functions { state };
    // Spark's rule: numeric and string columns; a string column's mean, stddev and percentiles
    // are those of its values read as numbers.
    let columns: Vec<(String, Expr, DataType)> = plan
        .schema()
        .iter()
        .filter(|(_, field)| field.data_type().is_numeric() || is_text(field.data_type()))
        .map(|(qualifier, field)| {
            (
                field.name().clone(),
                Expr::Column(Column::new(qualifier.cloned(), field.name())),
                field.data_type().clone(),
            )
        })
        .collect();
    let labels = LogicalPlanBuilder::values(
        names.iter().enumerate().map(|(i, name)| vec![lit(i as i64), lit(name.clone())]).collect(),
    )?
    .build()?;
    let label_columns = labels.schema().columns();
    let labels = LogicalPlanBuilder::from(labels)
        .project(vec![
            Expr::Column(label_columns[0].clone()).alias("__statistic"),
            Expr::Column(label_columns[1].clone()).alias("summary"),
        ])?
        .build()?;
    let statistic = || Expr::Column(Column::from_name("__statistic"));
    if columns.is_empty() {
        return Ok(LogicalPlanBuilder::from(labels)
            .sort(vec![statistic().sort(true, false)])?
            .project(vec![Expr::Column(Column::from_name("summary"))])?
            .build()?);
    }
    // One row of aggregates: each statistic of each column, and each column's sorted values
    // when percentiles are asked for.
    let mut aggregates = Vec::new();
    let mut cells: Vec<Vec<Expr>> = Vec::new();
    let wants_percentiles = parsed.iter().any(|s| matches!(s, Statistic::Percentile(_)));
    for (c, (_, column, data_type)) in columns.iter().enumerate() {
        let numbers = if is_text(data_type) {
            Expr::TryCast(TryCast::new(Box::new(column.clone()), DataType::Float64))
        } else {
            column.clone()
        };
        let sorted = format!("__sorted_{c}");
        if wants_percentiles {
            aggregates.push(f.sorted_values(numbers.clone(), false)?.alias(&sorted));
        }
        let mut column_cells = Vec::new();
        for (s, statistic) in parsed.iter().enumerate() {
            let name = format!("__stat_{c}_{s}");
            let value = match statistic {
                Statistic::Percentile(p) => {
                    // Spark's percentile_approx: relative error 1 / 10000.
                    column_cells.push(f.quantile(&Expr::Column(Column::from_name(&sorted)), *p, 1e-4)?);
                    continue;
                }
                Statistic::Count => f.aggregate("count", vec![column.clone()], false)?,
                Statistic::CountDistinct => f.aggregate("count", vec![column.clone()], true)?,
                // DataFusion's sketch takes no floating-point or decimal values; their text is as distinct.
                Statistic::ApproxCountDistinct if !data_type.is_integer() && !is_text(data_type) => {
                    f.aggregate("approx_distinct", vec![f.spark_string(column.clone(), data_type)?], false)?
                }
                Statistic::ApproxCountDistinct => f.aggregate("approx_distinct", vec![column.clone()], false)?,
                Statistic::Mean => f.aggregate("avg", vec![numbers.clone()], false)?,
                Statistic::Stddev => f.aggregate("stddev", vec![numbers.clone()], false)?,
                Statistic::Min => f.aggregate("min", vec![column.clone()], false)?,
                Statistic::Max => f.aggregate("max", vec![column.clone()], false)?,
            };
            aggregates.push(value.alias(&name));
            column_cells.push(Expr::Column(Column::from_name(name)));
        }
        cells.push(column_cells);
    }
    let aggregated = LogicalPlanBuilder::from(plan).aggregate(Vec::<Expr>::new(), aggregates)?.build()?;
    // The cells as strings, one column per (column, statistic).
    let mut texts = Vec::new();
    for (c, column_cells) in cells.iter().enumerate() {
        for (s, cell) in column_cells.iter().enumerate() {
            let data_type = cell.get_type(aggregated.schema())?;
            texts.push(f.spark_string(cell.clone(), &data_type)?.alias(format!("__text_{c}_{s}")));
        }
    }
    let texts = LogicalPlanBuilder::from(aggregated).project(texts)?.build()?;
    // One row per statistic: its label, and each column's cell for it.
    let crossed = LogicalPlanBuilder::from(labels).cross_join(texts)?.build()?;
    let mut outputs = vec![Expr::Column(Column::from_name("summary"))];
    for (c, (name, _, _)) in columns.iter().enumerate() {
        let whens = (0..parsed.len())
            .map(|s| {
                let text = Expr::Column(Column::from_name(format!("__text_{c}_{s}")));
                (Box::new(statistic().eq(lit(s as i64))), Box::new(text))
            })
            .collect();
        outputs.push(Expr::Case(Case::new(None, whens, None)).alias(name));
    }
    Ok(LogicalPlanBuilder::from(crossed).sort(vec![statistic().sort(true, false)])?.project(outputs)?.build()?)
}

/// An array literal with no elements of `element` type.
fn empty_list(element: &DataType) -> Expr {
    lit(ScalarValue::List(ScalarValue::new_list_nullable(&[], element)))
}

/// `df.stat.corr(col1, col2)` (`corr`, NaN when undefined) or `df.stat.cov(col1, col2)` (`cov`,
/// 0.0 when undefined): one row, one double. As Spark, NULLs count as 0.0.
pub(crate) fn correlation(
    state: &SessionState,
    plan: LogicalPlan,
    columns: [Expr; 2],
    covariance: bool,
) -> ConnectResult<LogicalPlan> {
    let f = Functions { state };
    let (what, function, name, undefined) =
        if covariance { ("covariance", "covar_samp", "cov", 0.0) } else { ("correlation", "corr", "corr", f64::NAN) };
    let mut args = Vec::new();
    for column in &columns {
        let data_type = column.get_type(plan.schema())?;
        if !data_type.is_numeric() {
            return Err(ConnectError::invalid(format!(
                "requirement failed: Currently {what} calculation for columns with dataType {} not supported.",
                super::types::simple_string(&data_type)
            )));
        }
        args.push(when(column.clone().is_null(), lit(0.0f64), cast(column.clone(), DataType::Float64)));
    }
    let value = f.aggregate(function, args, false)?;
    let value = f.scalar("coalesce", vec![value, lit(undefined)])?.alias(name);
    Ok(LogicalPlanBuilder::from(plan).aggregate(Vec::<Expr>::new(), vec![value])?.build()?)
}

/// `df.stat.approxQuantile(cols, probabilities, relativeError)`: one row, one column
/// `approx_quantile`, an array per column of its quantiles (empty for a column without numbers).
pub(crate) fn approx_quantile(
    state: &SessionState,
    plan: LogicalPlan,
    columns: &[(&str, Expr)],
    probabilities: &[f64],
    relative_error: f64,
) -> ConnectResult<LogicalPlan> {
    if relative_error < 0.0 {
        return Err(ConnectError::invalid(format!(
            "requirement failed: Relative Error must be non-negative but got {relative_error}"
        )));
    }
    let f = Functions { state };
    let mut aggregates = Vec::new();
    for (i, (name, column)) in columns.iter().enumerate() {
        let data_type = column.get_type(plan.schema())?;
        if !data_type.is_numeric() {
            return Err(ConnectError::invalid(format!(
                "requirement failed: Quantile calculation for column {name} with data type {} is not supported.",
                spark_type_object(&data_type)
            )));
        }
        let numbers = cast(column.clone(), DataType::Float64);
        aggregates.push(f.sorted_values(numbers, true)?.alias(format!("__sorted_{i}")));
    }
    let aggregated = LogicalPlanBuilder::from(plan).aggregate(Vec::<Expr>::new(), aggregates)?.build()?;
    let doubles = DataType::List(Arc::new(Field::new_list_field(DataType::Float64, true)));
    let empty = empty_list(&DataType::Float64);
    let mut per_column = Vec::new();
    for i in 0..columns.len() {
        let sorted = Expr::Column(Column::from_name(format!("__sorted_{i}")));
        let quantiles =
            probabilities.iter().map(|p| f.quantile(&sorted, *p, relative_error)).collect::<ConnectResult<Vec<_>>>()?;
        let values = cast(f.scalar("make_array", quantiles)?, doubles.clone());
        let count = f.scalar("cardinality", vec![sorted.clone()])?;
        let none = sorted.is_null().or(count.eq(lit(0u64)));
        per_column.push(when(none, empty.clone(), values));
    }
    let all = f.scalar("make_array", per_column)?;
    Ok(LogicalPlanBuilder::from(aggregated).project(vec![all.alias("approx_quantile")])?.build()?)
}

/// The Scala object Spark names a type by in some messages (`StringType`, `BooleanType`).
fn spark_type_object(data_type: &DataType) -> String {
    let simple = super::types::simple_string(data_type);
    let base = simple.split(['(', '<']).next().unwrap_or_default();
    let mut chars = base.chars();
    match chars.next() {
        Some(first) => format!("{}{}Type", first.to_ascii_uppercase(), chars.as_str()),
        None => "Type".into(),
    }
}

/// `df.stat.crosstab(col1, col2)`: a column `{col1}_{col2}` of `col1`'s values as strings
/// (`null` for NULL), then one count column per value of `col2` as a string, sorted by name, as
/// Spark's `groupBy(...).pivot(...).count().na.fill(0)`. The names come from the data, so the
/// distinct values of `col2` are computed first (at most 10,000, Spark's pivot limit).
pub(crate) async fn crosstab(
    ctx: &SessionContext,
    plan: LogicalPlan,
    first: (&str, Expr),
    second: (&str, Expr),
) -> ConnectResult<LogicalPlan> {
    let state = ctx.state();
    let f = Functions { state: &state };
    let key = |column: &Expr, strip_backticks: bool| -> ConnectResult<Expr> {
        let mut text = f.spark_string(column.clone(), &column.get_type(plan.schema())?)?;
        if strip_backticks {
            text = f.scalar("replace", vec![text, lit("`"), lit("")])?;
        }
        Ok(when(column.clone().is_null(), lit("null"), text))
    };
    let row_key = key(&first.1, false)?.alias(format!("{}_{}", first.0, second.0));
    let column_key = key(&second.1, true)?;
    const MAX_VALUES: usize = 10_000;
    let names_plan = LogicalPlanBuilder::from(plan.clone())
        .project(vec![column_key.clone().alias("name")])?
        .distinct()?
        .sort(vec![Expr::Column(Column::from_name("name")).sort(true, true)])?
        .limit(0, Some(MAX_VALUES + 1))?
        .build()?;
    let mut names: Vec<String> = Vec::new();
    for batch in ctx.execute_logical_plan(names_plan).await?.collect().await? {
        let column = datafusion::arrow::compute::cast(batch.column(0), &DataType::Utf8)
            .map_err(datafusion::error::DataFusionError::from)?;
        let strings = datafusion::arrow::array::AsArray::as_string::<i32>(&column);
        names.extend(strings.iter().map(|s| s.unwrap_or("null").to_string()));
    }
    if names.len() > MAX_VALUES {
        return Err(ConnectError::analysis(format!(
            "The pivot column {} has more than {MAX_VALUES} distinct values, this could indicate an error. If this \
             was intended, set spark.sql.pivotMaxValues to at least the number of distinct values of the pivot \
             column.",
            second.0
        )));
    }
    let counts = names
        .iter()
        .map(|name| {
            let rows = f.aggregate("count", vec![lit(1i64)], false)?;
            Ok(rows.filter(column_key.clone().eq(lit(name.clone()))).build()?.alias(name))
        })
        .collect::<ConnectResult<Vec<_>>>()?;
    Ok(LogicalPlanBuilder::from(plan).aggregate(vec![row_key], counts)?.build()?)
}

/// `df.stat.freqItems(cols, support)`: one row, a column `{col}_freqItems` per column with the
/// array of its frequent values, NULL included.
///
/// Spark keeps `1 / support` counters per column (Karp, Schenker and Papadimitriou's algorithm):
/// when a column has no more distinct values than that, every value comes back; otherwise the
/// values that are certainly frequent (more than `n / (counters + 1)` rows) do, plus whatever else
/// the counters happened to keep, which depends on the order rows arrive in. Here it is exactly
/// the former, in ascending order (Spark's follows its hash map).
pub(crate) fn freq_items(
    state: &SessionState,
    plan: LogicalPlan,
    columns: &[(&str, Expr)],
    support: f64,
) -> ConnectResult<LogicalPlan> {
    if !(1e-4..=1.0).contains(&support) {
        return Err(ConnectError::invalid(format!(
            "requirement failed: Support must be in [1e-4, 1], but got {support}."
        )));
    }
    let counters = (1.0 / support) as i64;
    let f = Functions { state };
    let mut result: Option<LogicalPlan> = None;
    for (name, column) in columns {
        let data_type = column.get_type(plan.schema())?;
        let counted = LogicalPlanBuilder::from(plan.clone())
            .aggregate(
                vec![column.clone().alias("item")],
                vec![f.aggregate("count", vec![lit(1i64)], false)?.alias("n")],
            )?
            .build()?;
        let over_all = |function: &str, args: Vec<Expr>| -> ConnectResult<Expr> {
            let udaf = state.udaf(function)?;
            Ok(Expr::from(WindowFunction::new(WindowFunctionDefinition::AggregateUDF(udaf), args)))
        };
        let n = || Expr::Column(Column::from_name("n"));
        let totals = LogicalPlanBuilder::from(counted)
            .window(vec![
                over_all("sum", vec![n()])?.alias("rows"),
                over_all("count", vec![lit(1i64)])?.alias("items"),
            ])?
            .build()?;
        let frequent = Expr::Column(Column::from_name("items"))
            .lt_eq(lit(counters))
            .or((n() * lit(counters + 1)).gt(Expr::Column(Column::from_name("rows"))));
        let item = Expr::Column(Column::from_name("item"));
        let sort: SortExpr = item.clone().sort(true, true);
        let gathered = f.aggregate("array_agg", vec![item], false)?.order_by(vec![sort]).build()?;
        let kept = LogicalPlanBuilder::from(totals)
            .filter(frequent)?
            .aggregate(Vec::<Expr>::new(), vec![gathered.alias("gathered")])?
            .build()?;
        let gathered = Expr::Column(Column::from_name("gathered"));
        let array = f.scalar("coalesce", vec![gathered, empty_list(&data_type)])?;
        let one = LogicalPlanBuilder::from(kept).project(vec![array.alias(format!("{name}_freqItems"))])?.build()?;
        result = Some(match result {
            None => one,
            Some(left) => LogicalPlanBuilder::from(left).cross_join(one)?.build()?,
        });
    }
    result.ok_or_else(|| ConnectError::invalid("freqItems() without columns"))
}

/// `df.stat.sampleBy(col, fractions, seed)`: each row kept with the probability its stratum
/// (`col`'s value) has in `fractions`, 0 for the others. Fractions 0 and 1 give Spark's rows;
/// others draw from DataFusion's generator, not Spark's seeded one.
pub(crate) fn sample_by(
    state: &SessionState,
    plan: LogicalPlan,
    column: Expr,
    fractions: &[(ScalarValue, f64)],
) -> ConnectResult<LogicalPlan> {
    if let Some((_, bad)) = fractions.iter().find(|(_, fraction)| !(0.0..=1.0).contains(fraction)) {
        return Err(ConnectError::invalid(format!("requirement failed: Fractions must be in [0, 1], but got {bad}.")));
    }
    let f = Functions { state };
    let data_type = column.get_type(plan.schema())?;
    let whens = fractions
        .iter()
        .map(|(stratum, fraction)| {
            let stratum = stratum.cast_to(&data_type)?;
            Ok((Box::new(column.clone().eq(lit(stratum))), Box::new(lit(*fraction))))
        })
        .collect::<ConnectResult<Vec<_>>>()?;
    if whens.is_empty() {
        return Ok(LogicalPlanBuilder::from(plan).filter(lit(false))?.build()?);
    }
    let probability = Expr::Case(Case::new(None, whens, Some(Box::new(lit(0.0f64)))));
    let kept = f.scalar("random", vec![])?.lt(probability);
    Ok(LogicalPlanBuilder::from(plan).filter(kept)?.build()?)
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::{ArrayRef, AsArray, Float32Array, Float64Array, RecordBatch};
    use datafusion::prelude::SessionContext;

    use super::*;

    /// `values` cast to strings as Spark casts them, through a plan.
    async fn spark_strings(values: ArrayRef) -> Vec<Option<String>> {
        let ctx = SessionContext::new();
        let data_type = values.data_type().clone();
        let batch = RecordBatch::try_from_iter([("v", values)]).unwrap();
        let state = ctx.state();
        let text = Functions { state: &state }.spark_string(Expr::Column(Column::from_name("v")), &data_type).unwrap();
        let batches = ctx.read_batch(batch).unwrap().select(vec![text]).unwrap().collect().await.unwrap();
        batches.iter().flat_map(|b| b.column(0).as_string::<i32>().iter().map(|s| s.map(String::from))).collect()
    }

    #[tokio::test]
    async fn floating_point_numbers_read_as_java_prints_them() {
        let mut values = vec![
            0.0,
            -0.0,
            1.0,
            100.0,
            0.001,
            0.00099,
            1e7,
            9999999.0,
            9999999.5,
            12345678.5,
            1e-4,
            1.5e-7,
            3e20,
            -2.0,
            7.50000000000025e19,
            1.7976931348623157e308,
            5e-324,
            1e16,
            1e17,
            1.2345678901234567e22,
            0.1,
            1.0 / 3.0,
            -2.5e-5,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        // And a spread of magnitudes and digit counts.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..400 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let mantissa = (seed % 1_000_000_007) as f64 / 1_000_000_007.0 * 10.0;
            let exponent = (seed >> 40) as i32 % 60 - 30;
            values.push(mantissa * 10f64.powi(exponent) * if seed & 1 == 0 { 1.0 } else { -1.0 });
        }
        let texts = spark_strings(std::sync::Arc::new(Float64Array::from(values.clone()))).await;
        for (value, text) in values.iter().zip(texts) {
            assert_eq!(text.as_deref(), Some(super::super::show::java_double(*value).as_str()), "{value:e}");
        }
        let floats = std::sync::Arc::new(Float32Array::from(vec![Some(1e7f32), Some(0.1), Some(1.2345e-5), None]));
        assert_eq!(
            spark_strings(floats).await,
            [Some("1.0E7".to_string()), Some("0.1".to_string()), Some("1.2345E-5".to_string()), None]
        );
    }
}
