-- Decimal precision and scale of + - * / and aggregates, as Spark derives them.

-- name: decimal_add
SELECT CAST(1.5 AS DECIMAL(10,2)) + CAST(2.25 AS DECIMAL(5,3)) AS s;

-- name: decimal_subtract
SELECT CAST(1.5 AS DECIMAL(10,2)) - CAST(2.25 AS DECIMAL(5,3)) AS s;

-- name: decimal_multiply
SELECT CAST(1.5 AS DECIMAL(10,2)) * CAST(2.25 AS DECIMAL(5,3)) AS p;

-- name: decimal_divide
SELECT CAST(1.5 AS DECIMAL(10,2)) / CAST(2.25 AS DECIMAL(5,3)) AS q;

-- name: decimal_literal_divide
SELECT 1.0 / 3.0 AS q, 10.5 / 2 AS h;

-- name: decimal_divide_wide
SELECT CAST(1 AS DECIMAL(38,10)) / CAST(3 AS DECIMAL(38,10)) AS q;

-- name: decimal_multiply_wide
SELECT CAST(1.5 AS DECIMAL(38,18)) * CAST(2.5 AS DECIMAL(38,18)) AS p;

-- name: decimal_plus_int
SELECT 1.5 + 1 AS s;

-- name: decimal_plus_double
SELECT 1.5 + 1.5D AS s;

-- name: decimal_modulo
SELECT 10.5 % 3 AS m;

-- name: decimal_sum_avg
SELECT sum(d) AS s, avg(d) AS a FROM (VALUES (1.10), (2.25), (3.00)) AS t(d);

-- name: decimal_sum_group
SELECT k, sum(d) AS s FROM (VALUES ('a', 1.10), ('a', 2.25), ('b', 3.00)) AS t(k, d) GROUP BY k ORDER BY k;

-- name: decimal_cast_rounds_half_up
SELECT CAST(2.675 AS DECIMAL(3,2)) AS a, CAST(-2.675 AS DECIMAL(3,2)) AS b, CAST('1.005' AS DECIMAL(4,2)) AS c;

-- name: decimal_cast_overflow_raises
SELECT CAST(123.45 AS DECIMAL(3,1)) AS v;

-- name: decimal_show_scale
SELECT CAST(0 AS DECIMAL(10,4)) AS zero, CAST(1 AS DECIMAL(10,2)) AS one, CAST(-0.5 AS DECIMAL(3,2)) AS neg, CAST(0.00001 AS DECIMAL(10,8)) AS small;

-- name: decimal_equality
SELECT 1.0 = 1.00 AS eq, 1.10 > 1.09 AS gt, CAST(1.5 AS DECIMAL(10,1)) = 1.5D AS with_double;

-- name: decimal_typed_literals
SELECT 123.456BD AS a, 1.5e3 AS sci, 1.5 AS plain, 0.001 AS small;

-- name: decimal_to_double_division
SELECT CAST(1 AS DECIMAL(10,0)) / 3D AS q;

-- name: decimal_column_times_int
SELECT price * qty AS total FROM (VALUES (9.99, 3), (0.10, 7)) AS t(price, qty) ORDER BY total;
