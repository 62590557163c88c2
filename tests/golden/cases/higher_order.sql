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
