-- round, bround, floor, ceil: HALF_UP on decimals, on doubles computed in arithmetic, negative
-- scales, and the result types.

-- name: round_decimal_half_up
SELECT round(2.5) AS a, round(3.5) AS b, round(-2.5) AS c;

-- name: round_2675
SELECT round(2.675, 2) AS r;

-- name: round_1005
SELECT round(1.005, 2) AS r;

-- name: round_double_literal
SELECT round(2.675D, 2) AS a, round(1.005D, 2) AS b, round(2.5D) AS c;

-- name: round_double_computed
SELECT round(0.1D * 3, 2) AS a, round(0.1D * 3, 16) AS b;

-- name: round_decimal_computed
SELECT round(0.1 * 3, 2) AS a;

-- name: round_division
SELECT round(a / b, 2) AS r FROM (VALUES (10, 3), (2, 3), (1, 8)) AS t(a, b) ORDER BY a;

-- name: round_negative_scale
SELECT round(1234.5678, -2) AS a, round(1250, -2) AS b, round(1249, -2) AS c;

-- name: round_double_negative_scale
SELECT round(1250.0D, -2) AS a, round(-1250.0D, -2) AS b;

-- name: round_int_column
SELECT round(v) AS r, round(v, -1) AS tens FROM (VALUES (15), (24)) AS t(v) ORDER BY v;

-- name: round_null
SELECT round(NULL, 2) AS r, round(CAST(NULL AS DOUBLE)) AS d;

-- name: bround_half_even
SELECT bround(2.5) AS a, bround(3.5) AS b, bround(-2.5) AS c, bround(2.675, 2) AS d;

-- name: bround_double
SELECT bround(2.5D) AS a, bround(0.125D, 2) AS b, bround(0.375D, 2) AS c;

-- name: round_avg
SELECT round(avg(v), 1) AS r FROM (VALUES (1), (2), (2)) AS t(v);

-- name: floor_ceil_types
SELECT floor(2.7) AS a, ceil(2.1) AS b, floor(-2.7D) AS c, ceil(-2.1D) AS d;

-- name: floor_ceil_int
SELECT floor(5) AS f, ceil(5) AS c, ceiling(4.01D) AS c2;

-- name: floor_ceil_scale
SELECT floor(3.14159, 2) AS f, ceil(3.14159, 2) AS c, floor(1234, -2) AS f2;

-- name: round_float
SELECT round(CAST(2.5 AS FLOAT)) AS r;
