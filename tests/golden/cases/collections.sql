-- Arrays, maps and structs: construction, access, generators, and how show() prints them.

-- name: array_basics
SELECT array(1, 2, 3) AS a, size(array(1, 2, 3)) AS n, array() AS empty;

-- name: array_mixed_types
SELECT array(1, 2.5) AS a, array(1, 2L) AS b;

-- name: array_of_strings_with_null
SELECT array('a', NULL, 'b') AS a;

-- name: size_of_null
SELECT size(CAST(NULL AS ARRAY<INT>)) AS n, cardinality(array(1)) AS c;

-- name: element_at
SELECT element_at(array(1, 2, 3), 1) AS first, element_at(array(1, 2, 3), -1) AS last, get(array(1, 2), 5) AS missing;

-- name: element_at_out_of_bounds_raises
SELECT element_at(array(1, 2, 3), 5) AS v;

-- name: array_subscript
SELECT array(10, 20, 30)[0] AS a, array(10, 20, 30)[2] AS b;

-- name: array_subscript_out_of_bounds_raises
SELECT array(10, 20, 30)[5] AS v;

-- name: array_contains_position
SELECT array_contains(array(1, 2), 2) AS a, array_contains(array(1, NULL), 3) AS b, array_position(array(3, 2, 1), 1) AS p, array_position(array(1), 9) AS none;

-- name: array_set_operations
SELECT array_distinct(array(1, 2, 2, 3)) AS d, array_union(array(1, 2), array(2, 3)) AS u, array_intersect(array(1, 2), array(2, 3)) AS i, array_except(array(1, 2), array(2, 3)) AS e;

-- name: array_remove_compact
SELECT array_remove(array(1, 2, 1), 1) AS r, array_compact(array(1, NULL, 2)) AS c;

-- name: array_join
SELECT array_join(array('a', NULL, 'b'), ',') AS skip, array_join(array('a', NULL, 'b'), ',', '?') AS replaced;

-- name: array_min_max_sort
SELECT array_max(array(3, 1, 2)) AS mx, array_min(array(3, 1, 2)) AS mn, array_sort(array(3, NULL, 1)) AS sorted, sort_array(array(3, NULL, 1)) AS asc, sort_array(array(3, NULL, 1), false) AS desc;

-- name: slice_flatten
SELECT slice(array(1, 2, 3, 4), 2, 2) AS s, slice(array(1, 2, 3, 4), -2, 2) AS neg, flatten(array(array(1, 2), array(3))) AS f;

-- name: sequence
SELECT sequence(1, 5) AS a, sequence(1, 10, 3) AS b, sequence(5, 1) AS c;

-- name: sequence_dates
SELECT sequence(DATE '2024-01-30', DATE '2024-02-02', INTERVAL 1 DAY) AS days;

-- name: arrays_zip_repeat_reverse_concat
SELECT arrays_zip(array(1, 2), array('a', 'b')) AS z, array_repeat('x', 3) AS r, reverse(array(1, 2, 3)) AS rev, concat(array(1), array(2, 3)) AS c;

-- name: array_append_prepend_insert
SELECT array_append(array(1, 2), 3) AS a, array_prepend(array(1, 2), 0) AS p, array_insert(array(1, 3), 2, 2) AS i;

-- name: explode
SELECT explode(array(1, 2, 3)) AS x;

-- name: explode_with_columns
SELECT k, explode(vs) AS v FROM (VALUES ('a', array(1, 2)), ('b', array(3))) AS t(k, vs) ORDER BY k, v;

-- name: explode_map
SELECT explode(map('a', 1, 'b', 2));

-- name: posexplode
SELECT posexplode(array('a', 'b'));

-- name: explode_outer_empty
SELECT k, explode_outer(vs) AS v FROM (VALUES ('a', array(1)), ('b', CAST(array() AS ARRAY<INT>))) AS t(k, vs) ORDER BY k;

-- name: explode_unaliased_column_name
SELECT explode(array(1, 2));

-- name: lateral_view
SELECT id, x FROM range(2) LATERAL VIEW explode(array(10, 20)) t AS x ORDER BY id, x;

-- name: inline_structs
SELECT inline(array(named_struct('a', 1, 'b', 'x'), named_struct('a', 2, 'b', 'y')));

-- name: map_basics
SELECT map('a', 1, 'b', 2) AS m, map_keys(map('a', 1, 'b', 2)) AS k, map_values(map('a', 1, 'b', 2)) AS v;

-- name: map_access
SELECT map('a', 1)['a'] AS hit, map('a', 1)['b'] AS miss, element_at(map('a', 1), 'a') AS e;

-- name: map_builders
SELECT map_from_arrays(array('a', 'b'), array(1, 2)) AS fa, map_from_entries(array(struct('x', 1))) AS fe, map_concat(map('a', 1), map('b', 2)) AS c;

-- name: str_to_map
SELECT str_to_map('a:1,b:2') AS m, str_to_map('a=1;b=2', ';', '=') AS m2;

-- name: map_with_null_value
SELECT map('a', NULL, 'b', 'x') AS m, map_contains_key(map('a', 1), 'a') AS has;

-- name: map_duplicate_key_raises
SELECT map('a', 1, 'a', 2) AS m;

-- name: named_struct
SELECT named_struct('a', 1, 'b', 'x') AS s;

-- name: struct_default_names
SELECT struct(1, 'x') AS s, struct(1 AS a, 'x' AS b) AS named;

-- name: struct_field_access
SELECT s.a AS a, s.b AS b, s['a'] AS bracket FROM (SELECT named_struct('a', 1, 'b', 'x') AS s);

-- name: struct_field_unaliased
SELECT s.a, s.b FROM (SELECT named_struct('a', 1, 'b', 'x') AS s);

-- name: nested_show
SELECT array(named_struct('a', 1), named_struct('a', 2)) AS arr_struct, array(array(1, 2), array()) AS nested, named_struct('m', map('k', array(1))) AS deep;

-- name: struct_with_null
SELECT named_struct('a', NULL, 'b', 1) AS s, CAST(NULL AS STRUCT<a: INT>) AS n;

-- name: array_equality_and_order
SELECT array(1, 2) = array(1, 2) AS eq, array(1, 2) < array(1, 3) AS lt;

-- name: array_of_doubles_show
SELECT array(1.0D, 1e10D, 0.1D) AS a, array(DATE '2024-02-03') AS d, array(TIMESTAMP '2024-02-03 10:45:11') AS ts;
