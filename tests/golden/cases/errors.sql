-- Errors PySpark programs catch, by their error condition. (Runtime errors of ANSI arithmetic
-- and casts are next to their functions in arithmetic.sql, casts.sql, collections.sql.)

-- name: unresolved_column
SELECT nosuch FROM range(1);

-- name: unresolved_function
SELECT nosuch_function(1) AS v;

-- name: unresolved_table
SELECT * FROM no_such_table;

-- name: parse_error
SELECT (1;

-- name: wrong_argument_type
SELECT array_contains(1, 1) AS v;

-- name: wrong_argument_count
SELECT upper('a', 'b') AS v;

-- name: implicit_string_to_number_invalid
SELECT 'a' + 1 AS v;

-- name: decimal_divide_by_zero
SELECT 1.5 / 0 AS v;

-- name: ambiguous_column
SELECT id FROM range(1) a JOIN range(1) b ON a.id = b.id;

-- name: group_by_missing_column
SELECT k, v FROM (VALUES ('a', 1)) AS t(k, v) GROUP BY k;

-- name: aggregate_in_where
SELECT k FROM (VALUES ('a', 1)) AS t(k, v) WHERE sum(v) > 0;

-- name: implicit_string_to_number_valid
SELECT '5' + 1 AS v, '1.5' * 2.0D AS d;

-- name: implicit_string_fraction_times_int
SELECT '1.5' * 2 AS v;
