-- The names Spark gives unaliased expressions: what df.columns, the show() header and
-- row["..."] see.

-- name: arithmetic_name
SELECT 1 + 2, id * 2, id / 2 FROM range(1);

-- name: function_names
SELECT upper('a'), substring('abc', 1, 2), round(2.5), coalesce(NULL, 1) FROM range(1);

-- name: aggregate_names
SELECT count(*), count(id), sum(id), avg(id), max(id), count(DISTINCT id) FROM range(3);

-- name: cast_names
SELECT CAST('1' AS INT), CAST(id AS STRING), CAST(1.5 AS DECIMAL(10,2)) FROM range(1);

-- name: literal_names
SELECT 'x', 1, 1.5, 1.5D, true, NULL, DATE '2024-02-03';

-- name: collection_names
SELECT array(1, 2), map('a', 1), named_struct('a', 1);

-- name: comparison_names
SELECT id = 1, id > 0 AND id < 5, NOT true, id IS NULL, id IN (1, 2) FROM range(1);

-- name: case_name
SELECT CASE WHEN id > 0 THEN 'pos' ELSE 'zero' END FROM range(1);

-- name: datetime_names
SELECT to_date('2024-02-03'), date_format(DATE '2024-02-03', 'yyyy'), year(DATE '2024-02-03');

-- name: window_name
SELECT row_number() OVER (ORDER BY id) FROM range(1);

-- name: quoted_alias
SELECT 1 AS `my col`, 2 AS `a.b`;

-- name: nested_function_name
SELECT upper(concat('a', lower('B'))), abs(-id) FROM range(1);
