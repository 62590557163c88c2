-- Aggregate functions: values, result types, nulls and grouping.

-- name: count_variants
SELECT count(*) AS star, count(v) AS non_null, count(DISTINCT v) AS distinct_v, count(1) AS one FROM (VALUES ('a', 1), ('a', 1), ('b', 5), ('b', NULL), ('c', NULL)) AS t(k, v);

-- name: count_distinct_two_columns
SELECT count(DISTINCT k, v) AS n FROM (VALUES ('a', 1), ('a', 1), ('a', 2), ('b', NULL), (NULL, 3)) AS t(k, v);

-- name: sum_avg_int
SELECT sum(v) AS s, avg(v) AS a FROM (VALUES (1), (2), (4), (NULL)) AS t(v);

-- name: sum_avg_double
SELECT sum(v) AS s, avg(v) AS a FROM (VALUES (0.1D), (0.2D), (0.4D)) AS t(v);

-- name: group_by
SELECT k, sum(v) AS s, avg(v) AS a, count(v) AS n, min(v) AS lo, max(v) AS hi FROM (VALUES ('a', 1), ('a', 3), ('b', 5), ('b', NULL), ('c', NULL)) AS t(k, v) GROUP BY k ORDER BY k;

-- name: min_max_strings_dates
SELECT min(s) AS lo, max(s) AS hi, min(d) AS first_day, max(d) AS last_day FROM (VALUES ('pear', DATE '2024-02-03'), ('apple', DATE '2023-12-31'), ('zoo', DATE '2024-01-01')) AS t(s, d);

-- name: stddev_variance
SELECT stddev(v) AS sd, stddev_samp(v) AS sds, stddev_pop(v) AS sdp, variance(v) AS var, var_samp(v) AS vs, var_pop(v) AS vp FROM (VALUES (1), (2), (3), (4)) AS t(v);

-- name: stddev_single_row
SELECT stddev(v) AS sd, variance(v) AS var, stddev_pop(v) AS sdp FROM (VALUES (5)) AS t(v);

-- name: percentile_approx
SELECT percentile_approx(id, 0.5) AS median, percentile_approx(id, array(0.25, 0.75)) AS quartiles FROM range(1, 101);

-- name: percentile_median
SELECT percentile(v, 0.5) AS p, median(v) AS m, percentile(v, 0.25) AS q FROM (VALUES (1), (2), (3), (10)) AS t(v);

-- name: collect_list_sorted
SELECT k, sort_array(collect_list(v)) AS vs, sort_array(collect_set(v)) AS distinct_vs FROM (VALUES ('a', 3), ('a', 1), ('a', 3), ('b', NULL), ('b', 2)) AS t(k, v) GROUP BY k ORDER BY k;

-- name: collect_list_empty
SELECT collect_list(v) AS vs FROM (VALUES (CAST(NULL AS INT))) AS t(v);

-- name: count_if
SELECT count_if(v > 1) AS n FROM (VALUES (1), (2), (3), (NULL)) AS t(v);

-- name: max_by_min_by
SELECT max_by(k, v) AS top, min_by(k, v) AS bottom FROM (VALUES ('a', 10), ('b', 30), ('c', 20)) AS t(k, v);

-- name: first_last_ignore_nulls
SELECT first(v, true) AS f, last(v, true) AS l, first_value(v) IGNORE NULLS AS fv FROM (VALUES (NULL), (5), (NULL)) AS t(v);

-- name: bool_aggregates
SELECT bool_and(b) AS all_true, bool_or(b) AS any_true, every(b) AS every_b, some(b) AS some_b FROM (VALUES (true), (false), (NULL)) AS t(b);

-- name: empty_input
SELECT sum(id) AS s, count(id) AS n, avg(id) AS a, max(id) AS m FROM range(0);

-- name: empty_input_grouped
SELECT id % 2 AS k, count(*) AS n FROM range(0) GROUP BY id % 2;

-- name: having
SELECT k, count(*) AS n FROM (VALUES ('a'), ('a'), ('b')) AS t(k) GROUP BY k HAVING count(*) > 1 ORDER BY k;

-- name: sum_bigint_overflow_raises
SELECT sum(v) AS s FROM (VALUES (9223372036854775807L), (1L)) AS t(v);

-- name: approx_count_distinct
SELECT approx_count_distinct(id) AS n, approx_count_distinct(id % 10) AS m FROM range(1000);

-- name: corr_covar
SELECT corr(x, y) AS c, covar_pop(x, y) AS cp, covar_samp(x, y) AS cs FROM (VALUES (1, 2), (2, 4), (3, 7)) AS t(x, y);

-- name: group_by_ordinal_and_alias
SELECT id % 3 AS bucket, count(*) AS n FROM range(10) GROUP BY 1 ORDER BY 1;

-- name: group_by_select_alias
SELECT id % 3 AS bucket, sum(id) AS s FROM range(10) GROUP BY bucket ORDER BY bucket;

-- name: rollup
SELECT k, sum(v) AS s FROM (VALUES ('a', 1), ('a', 2), ('b', 5)) AS t(k, v) GROUP BY ROLLUP(k) ORDER BY k NULLS LAST;

-- name: cube_grouping
SELECT k, g, sum(v) AS s, grouping(k) AS gk FROM (VALUES ('a', 'x', 1), ('b', 'y', 5)) AS t(k, g, v) GROUP BY CUBE(k, g) ORDER BY k NULLS LAST, g NULLS LAST;

-- name: distinct
SELECT DISTINCT k FROM (VALUES ('b'), ('a'), ('b'), (NULL)) AS t(k) ORDER BY k NULLS LAST;

-- name: mode
SELECT mode(v) AS m FROM (VALUES (1), (2), (2), (3)) AS t(v);

-- name: string_aggregation
SELECT array_join(sort_array(collect_list(k)), ',') AS joined FROM (VALUES ('b'), ('a'), ('c')) AS t(k);

-- name: listagg
SELECT listagg(k, ',') WITHIN GROUP (ORDER BY k) AS joined, string_agg(k, '-') WITHIN GROUP (ORDER BY k DESC) AS rev FROM (VALUES ('b'), ('a'), ('c')) AS t(k);

-- name: skewness_kurtosis
SELECT skewness(v) AS s, kurtosis(v) AS k FROM (VALUES (1), (2), (3), (10)) AS t(v);

-- name: any_value_single
SELECT any_value(v) AS a FROM (VALUES (7)) AS t(v);

-- name: aggregate_filter_clause
SELECT count(*) FILTER (WHERE v > 1) AS n, sum(v) FILTER (WHERE v < 3) AS s FROM (VALUES (1), (2), (3)) AS t(v);

-- name: sum_of_expression
SELECT sum(price * qty) AS total FROM (VALUES (9.99, 3), (0.10, 7)) AS t(price, qty);

-- name: percentile_frequency_and_array
SELECT percentile(v, 0.5, f) AS p, percentile(v, array(0, 1), f) AS ps FROM (VALUES (1, 1), (2, 3), (10, 0), (4, NULL)) AS t(v, f);

-- name: percentile_approx_types
SELECT percentile_approx(d, 0.5) AS dm, percentile_approx(x, 0.5) AS xm, approx_percentile(x, array(0.1, 0.9), 100) AS xs FROM (VALUES (DATE '2024-01-01', 1.5D), (DATE '2024-03-01', NULL), (DATE '2024-02-01', 2.5D)) AS t(d, x);

-- name: max_by_min_by_ties_and_k
SELECT max_by(x, y) AS top, min_by(x, y) AS bottom FROM (VALUES ('a', 1), ('b', 1), ('c', 0), ('d', 0), ('e', NULL)) AS t(x, y);

-- name: max_by_min_by_k
SELECT max_by(x, y, 2) AS top2, min_by(x, y, 3) AS bottom3 FROM (VALUES ('a', 10), ('b', 50), ('c', 20), ('d', 40), ('e', NULL), (NULL, 30)) AS t(x, y);

-- name: mode_grouped
SELECT k, mode(v) AS m, mode(v, true) AS md FROM (VALUES ('a', 1), ('a', 2), ('a', 2), ('b', 3), ('b', NULL)) AS t(k, v) GROUP BY k ORDER BY k;

-- name: skewness_kurtosis_constant
SELECT skewness(v) AS s, kurtosis(v) AS k FROM (VALUES (1), (1), (1)) AS t(v);

-- name: try_avg_types
SELECT try_avg(i) AS ai, try_avg(d) AS ad, try_avg(CAST(i AS DECIMAL(10,2))) AS adec FROM (VALUES (1, 10.0D), (2, 30.0D), (NULL, 5.0D)) AS t(i, d);

-- name: first_last_plain
SELECT first(v) AS f, last(v) AS l, any_value(v, true) AS a FROM (VALUES (NULL), (2), (3), (NULL)) AS t(v);

-- name: listagg_distinct_default_delimiter
SELECT listagg(DISTINCT k) WITHIN GROUP (ORDER BY k) AS joined FROM (VALUES ('b'), ('a'), ('b'), (NULL)) AS t(k);

-- name: count_if_grouped
SELECT k, count_if(v > 1) AS n FROM (VALUES ('a', 1), ('a', 2), ('b', NULL)) AS t(k, v) GROUP BY k ORDER BY k;
