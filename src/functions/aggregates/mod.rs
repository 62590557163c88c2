//! Spark's aggregate functions that neither DataFusion nor `datafusion-spark` 55 has under Spark's
//! name or with Spark's answer: `count_if`, `max_by`/`min_by`, `mode`, `skewness`/`kurtosis`,
//! `product`, `percentile`/`median`, `percentile_approx`, `try_avg`, `first`/`last` with their
//! `ignorenulls` argument, `listagg`/`string_agg`, and Spark's names for DataFusion's own
//! (`every`, `some`, `variance`, `std`, `approx_count_distinct`).
//!
//! Each is a registered aggregate, so SQL text, the DataFrame API and plans sent to the cluster
//! resolve it alike. Their states are plain Arrow values (numbers, lists), so Ballista can run the
//! partial aggregate on one worker and merge it on another.

use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, FieldRef};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::AggregateUDF;
use datafusion::logical_expr::function::AccumulatorArgs;
use datafusion::physical_expr::expressions::Literal;

mod delegated;
mod moments;
mod percentiles;
mod picks;
mod sums;

/// Every aggregate this module registers.
pub(super) fn functions() -> Vec<Arc<AggregateUDF>> {
    use datafusion::functions_aggregate::{bool_and_or, stddev, variance};
    let renamed = |udaf: Arc<AggregateUDF>, aliases: &[&'static str]| {
        Arc::new(udaf.as_ref().clone().with_aliases(aliases.iter().copied()))
    };
    let mut functions = vec![
        renamed(bool_and_or::bool_and_udaf(), &["every"]),
        renamed(bool_and_or::bool_or_udaf(), &["some", "any"]),
        renamed(variance::var_samp_udaf(), &["variance"]),
        renamed(stddev::stddev_udaf(), &["std"]),
    ];
    functions.extend(delegated::functions());
    functions.extend(moments::functions());
    functions.extend(percentiles::functions());
    functions.extend(picks::functions());
    functions.extend(sums::functions());
    functions
}

/// The Spark names [`functions`] answers to: the names and aliases of the aggregates written
/// here, and only the aliases of DataFusion's (whose own names are not Spark's doing).
#[cfg(test)]
pub(super) fn spark_names() -> Vec<String> {
    let datafusion: Vec<String> = datafusion::functions_aggregate::all_default_aggregate_functions()
        .iter()
        .flat_map(|f| std::iter::once(f.name().to_string()).chain(f.aliases().iter().cloned()))
        .collect();
    functions()
        .iter()
        .flat_map(|f| std::iter::once(f.name().to_string()).chain(f.aliases().iter().cloned()))
        .filter(|name| !datafusion.contains(name) || OVERRIDDEN.contains(&name.as_str()))
        .collect()
}

/// DataFusion aggregates this module replaces under the same name, with Spark's answer:
/// `median` is Spark's interpolated double (DataFusion's keeps the input type), `string_agg`
/// takes Spark's optional delimiter, `any_value` its `ignorenulls`.
#[cfg(test)]
const OVERRIDDEN: &[&str] = &["median", "string_agg", "any_value"];

/// The value of argument `index` when it is a literal (Spark's constant arguments: a percentage,
/// `ignorenulls`, a delimiter), else None.
fn literal_argument(args: &AccumulatorArgs, index: usize) -> Option<ScalarValue> {
    args.exprs.get(index)?.downcast_ref::<Literal>().map(|l| l.value().clone())
}

/// A boolean literal argument (`first(x, true)`), false when absent.
fn flag_argument(args: &AccumulatorArgs, index: usize, function: &str) -> Result<bool> {
    match literal_argument(args, index) {
        None if args.exprs.len() <= index => Ok(false),
        Some(ScalarValue::Boolean(flag)) => Ok(flag.unwrap_or(false)),
        _ => datafusion::common::plan_err!("{function}: argument {} must be a boolean literal", index + 1),
    }
}

/// A state field named after the aggregate, as DataFusion names them.
fn state_field(name: &str, part: &str, data_type: DataType) -> FieldRef {
    Arc::new(datafusion::arrow::datatypes::Field::new(
        datafusion::logical_expr::utils::format_state_name(name, part),
        data_type,
        true,
    ))
}

/// A list of `data_type` values, for states that carry several values.
fn list_of(data_type: DataType) -> DataType {
    DataType::new_list(data_type, true)
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::util::display::array_value_to_string;

    use super::super::tests::context;

    /// The value and type of `SELECT expr FROM rows`, as text, through Spark's SQL as Spark
    /// Connect plans it (integer literals are ints, as in Spark).
    pub(super) async fn answer(expr: &str, rows: &str) -> (String, String) {
        let sql = format!("SELECT {expr} FROM {rows}");
        let ctx = context();
        ctx.state_ref().write().config_mut().options_mut().sql_parser.dialect =
            datafusion::common::config::Dialect::Spark;
        let plan = crate::connect::sql::plan(&ctx.state(), &sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
        let frame = ctx.execute_logical_plan(plan).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
        let batches = frame.collect().await.unwrap_or_else(|e| panic!("{sql}: {e}"));
        let column = batches[0].column(0);
        (array_value_to_string(column, 0).unwrap(), column.data_type().to_string())
    }

    /// The rows of the oracle checks: i int, s string, d double, b boolean.
    pub(super) const ROWS: &str = "(VALUES (1, 'a', 10.0, true), (2, 'b', 30.0, false), (3, NULL, 20.0, NULL), \
         (NULL, 'c', NULL, true), (10, 'b', 5.0, true)) AS t(i, s, d, b)";

    #[tokio::test]
    async fn spark_names_of_datafusion_aggregates() {
        // Spark 4.3's answers over ROWS.
        for (expr, expected) in [
            ("every(b)", "false"),
            ("some(b)", "true"),
            ("variance(i)", "16.666666666666668"),
            ("std(i)", "4.08248290463863"),
        ] {
            assert_eq!(answer(expr, ROWS).await.0, expected, "{expr}");
        }
    }
}
