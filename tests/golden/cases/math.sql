-- Math functions: values and result types.

-- name: sqrt_exp_ln
SELECT sqrt(2) AS s, exp(1) AS e, ln(10) AS l, sqrt(-1) AS nan;

-- name: logarithms
SELECT log10(1000) AS a, log2(8) AS b, log(2, 8) AS c, log(10) AS d;

-- name: log_of_zero
SELECT ln(0) AS a, log10(0) AS b;

-- name: sign
SELECT signum(-5) AS a, sign(3.2) AS b;

-- name: trigonometry
SELECT sin(0) AS s, cos(0) AS c, atan2(1, 1) AS a, pi() AS p, degrees(pi()) AS d, radians(180) AS r;

-- name: abs_types
SELECT abs(-5) AS a, abs(-5.5) AS b, abs(-5L) AS c;

-- name: cbrt_rint_e
SELECT cbrt(27) AS c, rint(2.5D) AS r, rint(3.5D) AS r2, e() AS e;

-- name: factorial
SELECT factorial(5) AS f, factorial(20) AS big;

-- name: hex_unhex
SELECT hex(255) AS h, hex('Spark') AS hs, unhex('537061726B') AS u;

-- name: conv_bin
SELECT conv('ff', 16, 10) AS c, conv('10', 10, 2) AS c2, bin(13) AS b;

-- name: positive_negative
SELECT positive(-3) AS p, negative(3) AS n, negative(-2.5) AS n2;

-- name: double_special_values
SELECT CAST('NaN' AS DOUBLE) AS nan, CAST('Infinity' AS DOUBLE) AS inf, -CAST('Infinity' AS DOUBLE) AS ninf, CAST('NaN' AS DOUBLE) = CAST('NaN' AS DOUBLE) AS nan_eq;

-- name: double_formats
SELECT 1e7D AS a, 1234567.0D AS b, 0.001D AS c, 0.0001D AS d, 123456789.123D AS e, -0.0D AS f;

-- name: float_formats
SELECT CAST(0.1 AS FLOAT) AS a, CAST(1e10 AS FLOAT) AS b, CAST(3.14159 AS FLOAT) AS c;

-- name: greatest_least_numbers
SELECT greatest(1, 5, 3) AS g, least(1.5, 0.5) AS l, greatest(1, 2.5) AS mixed;
