-- CAST between strings, numbers, booleans, dates and timestamps, under ANSI mode, and how values
-- print once cast to strings.

-- name: string_to_int
SELECT CAST('42' AS INT) AS a, CAST(' 42 ' AS INT) AS trimmed, CAST('-7' AS BIGINT) AS b;

-- name: string_with_fraction_to_int_raises
SELECT CAST('4.7' AS INT) AS v;

-- name: string_to_int_invalid_raises
SELECT CAST('a' AS INT) AS v;

-- name: string_to_int_overflow_raises
SELECT CAST('3000000000' AS INT) AS v;

-- name: string_to_double
SELECT CAST('1.5' AS DOUBLE) AS a, CAST('1e3' AS DOUBLE) AS b, CAST('NaN' AS DOUBLE) AS c, CAST('-Infinity' AS DOUBLE) AS d;

-- name: string_to_double_invalid_raises
SELECT CAST('1.5x' AS DOUBLE) AS v;

-- name: string_to_decimal
SELECT CAST('12.345' AS DECIMAL(5,2)) AS a, CAST('12' AS DECIMAL(5,2)) AS b, CAST('1e2' AS DECIMAL(5,1)) AS c;

-- name: string_to_boolean
SELECT CAST('true' AS BOOLEAN) AS a, CAST('F' AS BOOLEAN) AS b, CAST('yes' AS BOOLEAN) AS c, CAST('0' AS BOOLEAN) AS d, CAST(' t ' AS BOOLEAN) AS e;

-- name: string_to_boolean_invalid_raises
SELECT CAST('maybe' AS BOOLEAN) AS v;

-- name: string_to_date
SELECT CAST('2024-02-03' AS DATE) AS a, CAST('2024-2-3' AS DATE) AS b, CAST('2024-02-03 10:45:11' AS DATE) AS c, CAST('2024' AS DATE) AS d;

-- name: string_to_date_invalid_raises
SELECT CAST('2024-13-45' AS DATE) AS v;

-- name: string_to_timestamp
SELECT CAST('2024-02-03 10:45:11' AS TIMESTAMP) AS a, CAST('2024-02-03T10:45:11Z' AS TIMESTAMP) AS b, CAST('2024-02-03' AS TIMESTAMP) AS c, CAST('2024-02-03 10:45:11.5+01:00' AS TIMESTAMP) AS d;

-- name: string_to_timestamp_invalid_raises
SELECT CAST('not a time' AS TIMESTAMP) AS v;

-- name: timestamp_to_string
SELECT CAST(TIMESTAMP '2024-02-03 10:45:11' AS STRING) AS a, CAST(TIMESTAMP '2024-02-03 10:45:11.250' AS STRING) AS b, CAST(TIMESTAMP '2024-02-03 00:00:00' AS STRING) AS c;

-- name: date_to_string
SELECT CAST(DATE '2024-02-03' AS STRING) AS a, concat('day ', DATE '2024-02-03') AS b;

-- name: double_to_string
SELECT CAST(1e10D AS STRING) AS a, CAST(0.1D AS STRING) AS b, CAST(1.0D AS STRING) AS c, CAST(1e-5D AS STRING) AS d, CAST(123456789.0D AS STRING) AS e, CAST(1234567.0D AS STRING) AS f;

-- name: float_to_string
SELECT CAST(CAST(0.1 AS FLOAT) AS STRING) AS a, CAST(CAST(1e10 AS FLOAT) AS STRING) AS b;

-- name: numbers_to_string
SELECT CAST(42 AS STRING) AS i, CAST(-7L AS STRING) AS l, CAST(1.50 AS STRING) AS d, CAST(true AS STRING) AS b, concat('n=', 5) AS c;

-- name: double_to_int_truncates
SELECT CAST(3.9D AS INT) AS a, CAST(-3.9D AS INT) AS b, CAST(3.9 AS INT) AS c, CAST(2.5D AS BIGINT) AS d;

-- name: double_to_int_overflow_raises
SELECT CAST(1e10D AS INT) AS v;

-- name: int_boolean
SELECT CAST(0 AS BOOLEAN) AS a, CAST(5 AS BOOLEAN) AS b, CAST(true AS INT) AS c, CAST(false AS DOUBLE) AS d;

-- name: timestamp_to_number
SELECT CAST(TIMESTAMP '2024-02-03 10:45:11' AS BIGINT) AS s, CAST(TIMESTAMP '2024-02-03 10:45:11.5' AS DOUBLE) AS d;

-- name: number_to_timestamp
SELECT CAST(1706957111 AS TIMESTAMP) AS a, CAST(1706957111.5D AS TIMESTAMP) AS b;

-- name: date_timestamp
SELECT CAST(DATE '2024-02-03' AS TIMESTAMP) AS ts, CAST(TIMESTAMP '2024-02-03 23:59:59' AS DATE) AS d;

-- name: collections_to_string
SELECT CAST(array(1, 2) AS STRING) AS a, CAST(named_struct('a', 1, 'b', 'x') AS STRING) AS s, CAST(map('k', 1) AS STRING) AS m, CAST(array('a', NULL) AS STRING) AS n;

-- name: string_binary
SELECT CAST('abc' AS BINARY) AS b, CAST(CAST('abc' AS BINARY) AS STRING) AS s;

-- name: cast_null
SELECT CAST(NULL AS INT) AS i, CAST(NULL AS STRING) AS s;

-- name: double_colon_cast
SELECT '5'::int AS i, 2.5::string AS s;

-- name: int_to_decimal
SELECT CAST(5 AS DECIMAL(3,1)) AS a, CAST(7 AS DECIMAL(10,0)) AS b, CAST(5 AS DECIMAL) AS c;

-- name: int_narrowing_overflow_raises
SELECT CAST(300 AS TINYINT) AS v;

-- name: column_cast
SELECT CAST(s AS INT) + 1 AS n FROM (VALUES ('1'), ('20')) AS t(s) ORDER BY n;
