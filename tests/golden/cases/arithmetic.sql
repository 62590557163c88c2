-- Integer, bigint and double arithmetic: result types (an int column times an int literal
-- stays an int), division, modulo, overflow under ANSI mode.

-- name: int_plus_int
SELECT 1 + 2 AS s;

-- name: int_column_times_literal
SELECT age * 2 AS doubled FROM (VALUES (30), (41)) AS people(age) ORDER BY age;

-- name: bigint_column_times_literal
SELECT id * 2 AS v FROM range(3) ORDER BY id;

-- name: nvl_keeps_int
SELECT nvl(age, 0) AS a FROM (VALUES (30), (NULL)) AS people(age) ORDER BY a;

-- name: int_divide_int_is_double
SELECT 7 / 2 AS q, 6 / 3 AS exact;

-- name: column_divide
SELECT a / b AS q FROM (VALUES (1, 3), (10, 4), (-7, 2)) AS t(a, b) ORDER BY a;

-- name: integral_div
SELECT 7 div 2 AS q, -7 div 2 AS negative;

-- name: modulo_signs
SELECT 7 % 3 AS a, -7 % 3 AS b, 7 % -3 AS c;

-- name: pmod
SELECT pmod(-7, 3) AS a, pmod(7, -3) AS b, pmod(7, 3) AS c;

-- name: double_modulo
SELECT 7.5D % 2 AS a;

-- name: double_arithmetic
SELECT 0.1D + 0.2D AS a, 1.0D / 3 AS b, 1e10D * 10 AS c, 2.5D - 5 AS d;

-- name: decimal_literals_add
SELECT 0.1 + 0.2 AS a;

-- name: unary_minus_and_abs
SELECT -id AS neg, abs(id - 2) AS distance FROM range(4) ORDER BY id;

-- name: mixed_numeric_types
SELECT 1 + 1L AS a, 1 + 1.5D AS b, 1 + 1.5 AS c, 1L + 1.5 AS d, CAST(1 AS FLOAT) * 2 AS e;

-- name: small_integer_types
SELECT CAST(1 AS SMALLINT) + CAST(1 AS SMALLINT) AS a, CAST(1 AS TINYINT) + 1 AS b, CAST(1 AS SMALLINT) * 1L AS c;

-- name: int_overflow_raises
SELECT 2147483647 + 1 AS v;

-- name: int_column_overflow_raises
SELECT a * 2 AS v FROM (VALUES (2000000000)) AS t(a);

-- name: bigint_overflow_raises
SELECT 9223372036854775807L + 1L AS v;

-- name: tinyint_overflow_raises
SELECT CAST(100 AS TINYINT) + CAST(100 AS TINYINT) AS v;

-- name: divide_by_zero_raises
SELECT 1 / 0 AS v;

-- name: double_divide_by_zero_raises
SELECT 1.0D / 0 AS v;

-- name: modulo_by_zero_raises
SELECT 5 % 0 AS v;

-- name: column_divide_by_zero_raises
SELECT a / b AS v FROM (VALUES (1, 0)) AS t(a, b);

-- name: power
SELECT pow(2, 10) AS p, power(2.0D, -1) AS q;

-- name: bitwise
SELECT 5 & 3 AS a, 5 | 3 AS o, 5 ^ 3 AS x, ~5 AS n, shiftleft(1, 3) AS l, shiftright(-8, 1) AS r;

-- name: comparisons
SELECT 1 < 2 AS lt, 2 <= 2 AS le, 1 = 1.0 AS eq, 'a' < 'b' AS s, 'a' = 'A' AS ci, 1 != 2 AS ne;

-- name: between
SELECT id, id BETWEEN 1 AND 2 AS inside FROM range(4) ORDER BY id;
