//! Spark's function library, registered the same way everywhere a query is planned or run: the
//! driver's sessions (Spark Connect and SQL jobs), the scheduler's planning session and the
//! workers' function registry. Plans travel between them with functions named, not shipped, so
//! all four must resolve a name to the same implementation; [`with_spark_functions`] is the one
//! place that decides which.
//!
//! The functions come from Apache DataFusion's `datafusion-spark` crate, which implements Spark's
//! definitions (HALF_UP `round`, `concat` that is null when an argument is, `sha2`, `date_add`,
//! ...) on top of DataFusion's own library. Where `datafusion-spark` lacks a function PySpark
//! programs use, it is written here, one file per family, as a registered function that SQL text
//! and the DataFrame API share; [`HAND_WRITTEN`] lists them.

use datafusion::execution::SessionStateBuilder;

mod aggregates;
mod collections;
mod csv;
mod datetime;
mod formats;
pub(crate) mod higher_order;
mod intervals;
mod json;
mod math;
mod rewrites;
mod time;
pub(crate) use time::TIME;
mod sketches;
mod strings;
mod try_arithmetic;
mod xpath;

pub(crate) use sketches::implied_arguments;

/// Functions minispark writes itself because neither DataFusion nor `datafusion-spark` 55 has
/// them as Spark defines them (the list the issue notes report): missing there, or listed in
/// [`REPLACED_FROM_DATAFUSION_SPARK`]. DataFusion's own `to_timestamp`, `to_date`, `to_char`
/// and `from_unixtime` take chrono patterns, not Spark's, and are replaced by name too.
pub(crate) const HAND_WRITTEN: &[&str] = &[
    // try_arithmetic.rs
    "try_add",
    "try_subtract",
    "try_multiply",
    "try_divide",
    "try_mod",
    // rewrites.rs
    "nullifzero",
    "zeroifnull",
    "equal_null",
    "e",
    "current_database",
    "current_schema",
    "current_catalog",
    // math.rs: DataFusion's, with Spark's answers outside their domain (NULL or NaN)
    "ln",
    "log",
    "log10",
    "log2",
    "log1p",
    "sqrt",
    "exp",
    "expm1",
    "cosh",
    "sinh",
    "tanh",
    // higher_order.rs (higher-order functions, registered apart from the scalar ones)
    "transform",
    "filter",
    "exists",
    "forall",
    "aggregate",
    "reduce",
    "zip_with",
    "map_filter",
    "transform_keys",
    "transform_values",
    "map_zip_with",
    higher_order::ARRAY_SORT_WITH_COMPARATOR,
    // datetime/
    "to_timestamp",
    "try_to_timestamp",
    "to_timestamp_ltz",
    "to_timestamp_ntz",
    "to_date",
    "try_to_date",
    "unix_timestamp",
    "to_unix_timestamp",
    "from_unixtime",
    "date_format",
    "to_char",
    "to_varchar",
    "timestamp_seconds",
    "timestamp_millis",
    "timestamp_micros",
    "date_from_unix_date",
    "make_timestamp",
    "make_timestamp_ltz",
    "make_timestamp_ntz",
    "try_make_timestamp",
    "try_make_timestamp_ltz",
    "try_make_timestamp_ntz",
    "convert_timezone",
    "months_between",
    "timestampadd",
    "timestampdiff",
    "to_number",
    "try_to_number",
    "from_utc_timestamp",
    "to_utc_timestamp",
    // aggregates/
    "every",
    "some",
    "any",
    "variance",
    "std",
    "approx_count_distinct",
    "listagg",
    "string_agg",
    "skewness",
    "kurtosis",
    "percentile",
    "median",
    "percentile_approx",
    "approx_percentile",
    "first",
    "last",
    "any_value",
    "max_by",
    "min_by",
    "mode",
    "count_if",
    "product",
    "try_avg",
    // sketches/: Apache DataSketches' HLL, Theta, Tuple and KLL sketches
    "hll_sketch_agg",
    "hll_union_agg",
    "hll_sketch_estimate",
    "hll_union",
    "theta_sketch_agg",
    "theta_union_agg",
    "theta_intersection_agg",
    "theta_sketch_estimate",
    "theta_union",
    "theta_intersection",
    "theta_difference",
    "kll_sketch_agg_bigint",
    "kll_merge_agg_bigint",
    "kll_sketch_agg_float",
    "kll_merge_agg_float",
    "kll_sketch_agg_double",
    "kll_merge_agg_double",
    "kll_sketch_get_n_bigint",
    "kll_sketch_merge_bigint",
    "kll_sketch_to_string_bigint",
    "kll_sketch_get_quantile_bigint",
    "kll_sketch_get_rank_bigint",
    "kll_sketch_get_n_float",
    "kll_sketch_merge_float",
    "kll_sketch_to_string_float",
    "kll_sketch_get_quantile_float",
    "kll_sketch_get_rank_float",
    "kll_sketch_get_n_double",
    "kll_sketch_merge_double",
    "kll_sketch_to_string_double",
    "kll_sketch_get_quantile_double",
    "kll_sketch_get_rank_double",
    "tuple_sketch_agg_double",
    "tuple_sketch_agg_integer",
    "tuple_union_agg_double",
    "tuple_union_agg_integer",
    "tuple_intersection_agg_double",
    "tuple_intersection_agg_integer",
    "tuple_sketch_estimate_double",
    "tuple_sketch_estimate_integer",
    "tuple_sketch_theta_double",
    "tuple_sketch_theta_integer",
    "tuple_sketch_summary_double",
    "tuple_sketch_summary_integer",
    "tuple_union_double",
    "tuple_union_integer",
    "tuple_union_theta_double",
    "tuple_union_theta_integer",
    "tuple_intersection_double",
    "tuple_intersection_integer",
    "tuple_intersection_theta_double",
    "tuple_intersection_theta_integer",
    "tuple_difference_double",
    "tuple_difference_integer",
    "tuple_difference_theta_double",
    "tuple_difference_theta_integer",
    // formats.rs (json.rs, csv.rs)
    "from_json",
    "to_json",
    "get_json_object",
    "schema_of_json",
    "json_array_length",
    "json_object_keys",
    "from_csv",
    "to_csv",
    "schema_of_csv",
    // time.rs
    "make_time",
    "to_time",
    "try_to_time",
    "time_diff",
    "time_trunc",
    "time_from_seconds",
    "time_from_millis",
    "time_from_micros",
    "time_to_seconds",
    "time_to_millis",
    "time_to_micros",
    // rewrites.rs
    "dayname",
    // intervals.rs
    "make_ym_interval",
    // collections.rs
    "array_append",
    "array_prepend",
    "array_compact",
    "array_position",
    "array_remove",
    "array_insert",
    "arrays_overlap",
    "flatten",
    "get",
    "element_at",
    "try_element_at",
    "sequence",
    "map_concat",
    "map_contains_key",
    "size",
    "array_size",
    "sort_array",
    "array_distinct",
    "array_union",
    "array_intersect",
    "array_except",
    "array_repeat",
    "array_sort",
    // strings.rs
    "conv",
    "format_number",
    "regexp_extract_all",
    "regexp_substr",
    "regexp_instr",
    "split",
    "locate",
    "overlay",
    "levenshtein",
    "mask",
    "sentences",
    "to_binary",
    "try_to_binary",
    "validate_utf8",
    "try_validate_utf8",
    "collation",
    "printf",
    "chr",
    "ceil",
    "ceiling",
    "floor",
    "like",
    "ilike",
    "regexp_extract",
    "contains",
    "startswith",
    "endswith",
    "reverse",
    // xpath.rs
    "xpath",
    "xpath_boolean",
    "xpath_double",
    "xpath_number",
    "xpath_float",
    "xpath_int",
    "xpath_long",
    "xpath_short",
    "xpath_string",
];

/// `datafusion-spark` functions minispark replaces with its own (in [`HAND_WRITTEN`]), and why.
///
/// - `from_utc_timestamp`, `to_utc_timestamp`: `datafusion-spark`'s type text input as
///   `timestamp_ntz` where Spark answers a `timestamp`, and do not know the short zone ids
///   Spark takes from Java (`PST`, `JST`).
/// - `size`: `datafusion-spark`'s is -1 for a NULL array, Spark's legacy answer; under ANSI
///   (Spark 4's default) Spark's is NULL.
/// - `array_repeat`: `datafusion-spark`'s builds its list with another element field name than it
///   declares when the element is an array, which Arrow refuses.
/// - `ceil`, `floor`: `datafusion-spark`'s take no scale (`ceil(x, 1)`); ours call theirs
///   when there is none.
/// - `like`, `ilike`: `datafusion-spark`'s take no escape character (`like(a, b, '/')`).
/// - `expm1`: Spark computes it with Java's StrictMath (fdlibm), whose last digit differs from
///   the platform's libm that `datafusion-spark` calls (see `math.rs`).
/// - `time_trunc`: `datafusion-spark`'s takes the unit as a literal only; Spark's docstring
///   passes a column of units.
#[cfg(test)]
const REPLACED_FROM_DATAFUSION_SPARK: &[&str] = &[
    "from_utc_timestamp",
    "to_utc_timestamp",
    "size",
    "array_repeat",
    "ceil",
    "floor",
    "like",
    "ilike",
    "expm1",
    "time_trunc",
];

/// DataFusion functions kept under their name although `datafusion-spark` has one too, and why.
///
/// - `avg`: `datafusion-spark`'s takes only doubles and no DISTINCT; Spark averages decimals as
///   decimals (`avg(2.5BD)` is `decimal(14,5)`), which DataFusion's does too.
/// - `date_trunc`: `datafusion-spark`'s refuses dates (`date_trunc('month', order_date)`), which
///   Spark and DataFusion's accept.
const KEPT_FROM_DATAFUSION: &[&str] = &["avg", "date_trunc"];

/// Spark functions the DataFrame API translates itself rather than call the registered version:
/// `round`/`bround` of a double round the decimal Spark prints (`round(1.005, 2)` is 1.01), where
/// `datafusion-spark` rounds the binary value (1.0).
const TRANSLATED_FOR_DATAFRAMES: &[&str] = &["round", "bround"];

/// Whether the DataFrame API should call the registered function `name` as it is, rather than
/// translate it: true for the Spark functions this module registers.
pub(crate) fn prefers_registered(name: &str) -> bool {
    static NAMES: std::sync::LazyLock<std::collections::HashSet<String>> = std::sync::LazyLock::new(|| {
        let scalars = datafusion_spark::all_default_scalar_functions().into_iter().map(|f| f.name().to_string());
        let aggregates = datafusion_spark::all_default_aggregate_functions().into_iter().map(|f| f.name().to_string());
        scalars.chain(aggregates).chain(HAND_WRITTEN.iter().map(|n| n.to_string())).collect()
    });
    NAMES.contains(name) && !KEPT_FROM_DATAFUSION.contains(&name) && !TRANSLATED_FOR_DATAFRAMES.contains(&name)
}

/// [`with_spark_functions`] for the sessions that receive plans the driver planned: the
/// scheduler's and the workers'. See `compat::SIMPLIFIED_ON_THE_DRIVER` for the difference.
pub(crate) fn with_cluster_functions(builder: SessionStateBuilder) -> SessionStateBuilder {
    with_datafusion_versions(with_spark_functions(builder), crate::compat::SIMPLIFIED_ON_THE_DRIVER)
}

/// `builder` with Spark's functions on top of whatever it already registers: call it after
/// `with_default_features` and any `with_*_functions` that replace the lists.
pub(crate) fn with_spark_functions(mut builder: SessionStateBuilder) -> SessionStateBuilder {
    // Later entries win over earlier ones with the same name when the state is built.
    builder.scalar_functions().get_or_insert_with(Vec::new).extend(datafusion_spark::all_default_scalar_functions());
    builder
        .aggregate_functions()
        .get_or_insert_with(Vec::new)
        .extend(datafusion_spark::all_default_aggregate_functions());
    builder.window_functions().get_or_insert_with(Vec::new).extend(datafusion_spark::all_default_window_functions());
    let mut builder = with_datafusion_versions(builder, KEPT_FROM_DATAFUSION);
    let scalars = builder.scalar_functions().get_or_insert_with(Vec::new);
    scalars.extend(try_arithmetic::functions());
    scalars.extend(rewrites::functions());
    scalars.extend(math::functions());
    scalars.extend(datetime::functions());
    scalars.extend(sketches::scalars());
    scalars.extend(formats::functions());
    scalars.extend(time::functions());
    scalars.extend(intervals::functions());
    scalars.extend(collections::functions());
    scalars.extend(strings::functions());
    scalars.extend(xpath::functions());
    builder.higher_order_functions().get_or_insert_with(Vec::new).extend(higher_order::functions());
    let registered_aggregates = builder.aggregate_functions().get_or_insert_with(Vec::new);
    registered_aggregates.extend(aggregates::functions());
    registered_aggregates.extend(sketches::aggregates());
    builder
}

/// `builder` with DataFusion's own scalar and aggregate functions registered again under
/// `names`, over whatever took those names before.
fn with_datafusion_versions(mut builder: SessionStateBuilder, names: &[&str]) -> SessionStateBuilder {
    let scalars = datafusion::functions::all_default_functions().into_iter().filter(|f| names.contains(&f.name()));
    builder.scalar_functions().get_or_insert_with(Vec::new).extend(scalars);
    let aggregates = datafusion::functions_aggregate::all_default_aggregate_functions()
        .into_iter()
        .filter(|f| names.contains(&f.name()));
    builder.aggregate_functions().get_or_insert_with(Vec::new).extend(aggregates);
    builder
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::datatypes::DataType;
    use datafusion::execution::SessionStateBuilder;
    use datafusion::prelude::SessionContext;

    use super::*;

    pub(super) fn context() -> SessionContext {
        SessionContext::new_with_state(with_spark_functions(SessionStateBuilder::new().with_default_features()).build())
    }

    /// Runs `SELECT sql` for each case in a fresh [`context`] and compares its single value, as
    /// Arrow prints it (`NULL` for a null, `error ...` for a failure), with Spark's; every
    /// mismatch is listed.
    pub(super) async fn assert_answers(cases: &[(&str, &str)]) {
        use datafusion::arrow::array::Array;
        use datafusion::arrow::util::display::array_value_to_string;
        let ctx = context();
        let mut failures = Vec::new();
        for (sql, expected) in cases {
            let shown = match ctx.sql(&format!("SELECT {sql}")).await {
                Ok(df) => match df.collect().await {
                    Ok(batches) => {
                        let column = batches[0].column(0);
                        if column.is_null(0) { "NULL".to_string() } else { array_value_to_string(column, 0).unwrap() }
                    }
                    Err(e) => format!("error {e}"),
                },
                Err(e) => format!("error {e}"),
            };
            if shown != *expected {
                failures.push(format!("{sql}: {shown} (Spark: {expected})"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn every_hand_written_function_is_registered_and_only_the_replaced_ones_shadow_datafusion_spark() {
        let state = context().state();
        let spark_has = |name: &str| {
            datafusion_spark::all_default_scalar_functions().iter().any(|f| f.name() == name)
                || datafusion_spark::all_default_aggregate_functions().iter().any(|f| f.name() == name)
        };
        for name in HAND_WRITTEN {
            let registered = state.scalar_functions().contains_key(*name)
                || state.aggregate_functions().contains_key(*name)
                || state.higher_order_functions().contains_key(*name);
            assert!(registered, "{name} is not registered");
            assert!(
                REPLACED_FROM_DATAFUSION_SPARK.contains(name) || !spark_has(name),
                "datafusion-spark now has {name}: use its version and drop ours"
            );
        }
    }

    #[test]
    fn the_hand_written_list_names_every_hand_written_function() {
        let scalars = try_arithmetic::functions()
            .into_iter()
            .chain(rewrites::functions())
            .chain(math::functions())
            .chain(datetime::functions())
            .chain(formats::functions())
            .chain(time::functions())
            .chain(intervals::functions())
            .chain(strings::functions())
            .chain(xpath::functions())
            .chain(sketches::scalars());
        let higher_order = higher_order::functions().into_iter().map(|f| f.name().to_string());
        let mut written: Vec<String> = scalars.map(|f| f.name().to_string()).chain(higher_order).collect();
        written.extend(collections::spark_names());
        written.extend(aggregates::spark_names());
        written.extend(sketches::aggregates().into_iter().map(|f| f.name().to_string()));
        let mut listed: Vec<String> = HAND_WRITTEN.iter().map(|n| n.to_string()).collect();
        let mut sorted = written.clone();
        sorted.sort();
        listed.sort();
        assert_eq!(sorted, listed);
    }

    #[test]
    fn spark_versions_win_except_the_kept_ones() {
        let state = context().state();
        // datafusion-spark's sha2 and Spark's HALF_UP round are registered...
        assert!(state.scalar_functions().contains_key("sha2"));
        assert!(Arc::ptr_eq(&state.scalar_functions()["round"], &datafusion_spark::function::math::round()));
        // ...but avg stays DataFusion's, which averages decimals as decimals.
        let avg = state.aggregate_functions()["avg"].return_type(&[DataType::Decimal128(10, 2)]).unwrap();
        assert_eq!(avg, DataType::Decimal128(14, 6), "avg must stay DataFusion's");
    }
}
