-- Higher-order functions with lambdas.

-- name: transform
SELECT transform(array(1, 2, 3), x -> x * 2) AS doubled, transform(array(10, 20), (x, i) -> x + i) AS indexed;

-- name: filter
SELECT filter(array(1, 2, 3, 4), x -> x % 2 = 0) AS evens, filter(array(1, NULL, 3), x -> x IS NOT NULL) AS non_null;

-- name: exists_forall
SELECT exists(array(1, 2), x -> x > 1) AS e, forall(array(1, 2), x -> x > 1) AS f, exists(array(1, NULL), x -> x > 1) AS en;

-- name: aggregate
SELECT aggregate(array(1, 2, 3), 0, (acc, x) -> acc + x) AS s, aggregate(array(1, 2, 3), 0, (acc, x) -> acc + x, acc -> acc * 10) AS finished, reduce(array(1, 2), 0, (a, x) -> a + x) AS r;

-- name: aggregate_double_accumulator
SELECT aggregate(array(1.5D, 2.5D), 0D, (acc, x) -> acc + x) AS s;

-- name: zip_with
SELECT zip_with(array(1, 2), array(10, 20), (a, b) -> a + b) AS z, zip_with(array(1), array('a', 'b'), (a, b) -> concat(a, b)) AS uneven;

-- name: map_lambdas
SELECT map_filter(map('a', 1, 'b', 2), (k, v) -> v > 1) AS f, transform_values(map('a', 1), (k, v) -> v * 10) AS tv, transform_keys(map('a', 1), (k, v) -> upper(k)) AS tk;

-- name: array_sort_with_comparator
SELECT array_sort(array(3, 1, 2), (a, b) -> b - a) AS desc_sorted;

-- name: transform_on_column
SELECT k, transform(vs, x -> x + 1) AS plus_one FROM (VALUES ('a', array(1, 2)), ('b', array(5))) AS t(k, vs) ORDER BY k;

-- name: null_arrays_and_maps
SELECT transform(CAST(NULL AS ARRAY<INT>), x -> x + 1) AS t, exists(CAST(NULL AS ARRAY<INT>), x -> x > 1) AS e, aggregate(CAST(NULL AS ARRAY<INT>), 0, (a, x) -> a + x) AS a, map_filter(IF(false, map('a', 1), NULL), (k, v) -> v > 1) AS m;

-- name: exists_forall_three_valued
SELECT exists(array(1, NULL), x -> x > 0) AS e_true, exists(array(1, NULL), x -> x > 1) AS e_null, forall(array(1, NULL), x -> x > 1) AS f_false, forall(array(1, NULL), x -> x > 0) AS f_null, forall(array(), x -> x > 0) AS f_empty;

-- name: filter_with_index
SELECT filter(array(1, NULL, 3, 4), (x, i) -> i > 0) AS after_first, transform(array(1, 2, NULL, 4), (x, i) -> x + i) AS plus_index;

-- name: lambda_captures_a_column
SELECT k, transform(vs, x -> x * m) AS scaled, filter(vs, x -> x > m) AS above FROM (VALUES (1, array(1, 2, 3), 2), (2, array(4), 3), (3, CAST(array() AS ARRAY<INT>), 1)) AS t(k, vs, m) ORDER BY k;

-- name: nested_lambdas
SELECT transform(array(array(1, 2), array(3)), a -> transform(a, x -> x + size(a))) AS nested;

-- name: aggregate_struct_accumulator
SELECT aggregate(array(20.0D, 4.0D, 2.0D, 6.0D, 10.0D), named_struct('count', 0, 'sum', 0.0D), (acc, x) -> named_struct('count', acc.count + 1, 'sum', acc.sum + x), acc -> acc.sum / acc.count) AS mean;

-- name: aggregate_merge_type_mismatch
SELECT aggregate(array(1.5, 2.5), 0, (a, x) -> a + x) AS s;

-- name: zip_with_nulls
SELECT zip_with(array(1, 2, 3), array('a'), (x, y) -> concat(x, y)) AS z, zip_with(CAST(NULL AS ARRAY<INT>), array(1), (x, y) -> x) AS n;

-- name: map_zip_with
SELECT map_zip_with(map('A', 1, 'B', 2), map('B', 3, 'C', 4), (k, v1, v2) -> coalesce(v1, 0) + coalesce(v2, 0)) AS merged;

-- name: transform_keys_duplicate_raises
SELECT transform_keys(map('a', 1, 'b', 2), (k, v) -> 'same') AS m;

-- name: array_sort_comparator_strings
SELECT array_sort(array('foo', 'foobar', NULL, 'bar'), (x, y) -> CASE WHEN x IS NULL OR y IS NULL THEN 0 ELSE length(y) - length(x) END) AS by_length_desc;
