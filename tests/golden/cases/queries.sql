-- Query clauses PySpark programs send through spark.sql: inline tables, joins, set operations,
-- subqueries, ordering of NULLs, limits.

-- name: values_without_parentheses
SELECT a, b FROM VALUES (1, 'x'), (2, 'y') AS t(a, b) ORDER BY a;

-- name: values_column_types
SELECT * FROM (VALUES (1, 2.5, 'a', true, NULL)) AS t(i, d, s, b, n);

-- name: values_widening
SELECT v FROM (VALUES (1), (2L), (NULL)) AS t(v) ORDER BY v NULLS LAST;

-- name: default_column_names_of_values
SELECT * FROM VALUES (1, 'a');

-- name: order_by_nulls_default_asc
SELECT v FROM (VALUES (2), (NULL), (1)) AS t(v) ORDER BY v;

-- name: order_by_nulls_default_desc
SELECT v FROM (VALUES (2), (NULL), (1)) AS t(v) ORDER BY v DESC;

-- name: order_by_nulls_explicit
SELECT v FROM (VALUES (2), (NULL), (1)) AS t(v) ORDER BY v ASC NULLS LAST;

-- name: inner_join
SELECT p.name, o.amount FROM (VALUES (1, 'Ann'), (2, 'Bob')) AS p(id, name) JOIN (VALUES (1, 10.5), (1, 2.0), (3, 7.0)) AS o(id, amount) ON p.id = o.id ORDER BY o.amount;

-- name: left_join_with_nulls
SELECT p.name, o.amount FROM (VALUES (1, 'Ann'), (2, 'Bob')) AS p(id, name) LEFT JOIN (VALUES (1, 10.5)) AS o(id, amount) ON p.id = o.id ORDER BY p.name;

-- name: full_outer_join
SELECT a.k AS ak, b.k AS bk FROM (VALUES (1), (2)) AS a(k) FULL OUTER JOIN (VALUES (2), (3)) AS b(k) ON a.k = b.k ORDER BY coalesce(a.k, b.k);

-- name: join_using
SELECT * FROM (VALUES (1, 'x')) AS a(id, l) JOIN (VALUES (1, 'y')) AS b(id, r) USING (id);

-- name: semi_anti_join
SELECT a.k FROM (VALUES (1), (2), (3)) AS a(k) LEFT SEMI JOIN (VALUES (2), (3)) AS b(k) ON a.k = b.k ORDER BY a.k;

-- name: anti_join
SELECT a.k FROM (VALUES (1), (2), (3)) AS a(k) LEFT ANTI JOIN (VALUES (2), (3)) AS b(k) ON a.k = b.k;

-- name: cross_join
SELECT a.x, b.y FROM (VALUES (1), (2)) AS a(x) CROSS JOIN (VALUES ('p'), ('q')) AS b(y) ORDER BY a.x, b.y;

-- name: union_all_and_distinct
SELECT v FROM (SELECT 1 AS v UNION ALL SELECT 1 UNION ALL SELECT 2) ORDER BY v;

-- name: union_distinct
SELECT v FROM (SELECT 1 AS v UNION SELECT 1 UNION SELECT 2) ORDER BY v;

-- name: union_widens_types
SELECT v FROM (SELECT 1 AS v UNION ALL SELECT 2.5) ORDER BY v;

-- name: intersect_except
SELECT (SELECT count(*) FROM (SELECT id FROM range(5) INTERSECT SELECT id FROM range(3, 8))) AS i, (SELECT count(*) FROM (SELECT id FROM range(5) EXCEPT SELECT id FROM range(3, 8))) AS e;

-- name: cte
WITH t AS (SELECT id * 10 AS v FROM range(3)) SELECT sum(v) AS s, max(v) AS m FROM t;

-- name: scalar_subquery
SELECT (SELECT max(id) FROM range(5)) AS m, (SELECT 1) + 1 AS two;

-- name: in_subquery
SELECT id FROM range(5) WHERE id IN (SELECT id * 2 FROM range(3)) ORDER BY id;

-- name: exists_subquery
SELECT id FROM range(3) r WHERE EXISTS (SELECT 1 FROM range(2) s WHERE s.id = r.id) ORDER BY id;

-- name: limit_offset
SELECT id FROM range(10) ORDER BY id LIMIT 3 OFFSET 2;

-- name: range_variants
SELECT (SELECT count(*) FROM range(1, 10, 3)) AS stepped, (SELECT sum(id) FROM range(5, 0, -1)) AS down, (SELECT count(*) FROM range(0, 10, 1, 3)) AS partitioned;

-- name: more_than_twenty_rows
SELECT id FROM range(25) ORDER BY id;

-- name: long_cell_not_truncated
SELECT repeat('abcdefghij', 4) AS long_text;

-- name: backtick_identifiers
SELECT `my col` + 1 AS `next value` FROM (VALUES (1)) AS t(`my col`);

-- name: case_insensitive_columns
SELECT ID, Id + 1 AS next FROM range(1);

-- name: select_star_with_expression
SELECT *, id * 2 AS twice FROM range(2) ORDER BY id;

-- name: order_by_expression_and_position
SELECT id % 3 AS m, id FROM range(6) ORDER BY 1 DESC, id;

-- name: where_on_alias_from_subquery
SELECT * FROM (SELECT id, id * id AS sq FROM range(5)) WHERE sq > 4 ORDER BY id;

-- name: empty_result
SELECT id FROM range(5) WHERE id > 10;

-- name: distinct_on_multiple_columns
SELECT DISTINCT a, b FROM (VALUES (1, 'x'), (1, 'x'), (1, 'y')) AS t(a, b) ORDER BY a, b;

-- name: group_by_expression_order
SELECT upper(k) AS uk, count(*) AS n FROM (VALUES ('a'), ('A'), ('b')) AS t(k) GROUP BY upper(k) ORDER BY n DESC, uk;
