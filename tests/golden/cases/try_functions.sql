-- The try_ family: NULL instead of the error ANSI mode raises.

-- name: try_divide
SELECT try_divide(1, 0) AS z, try_divide(7, 2) AS q, try_divide(1.0, 0) AS dz;

-- name: try_add_subtract_multiply
SELECT try_add(2147483647, 1) AS a, try_subtract(-9223372036854775807L, 2L) AS s, try_multiply(3000000000L, 4000000000L) AS m, try_add(1, 2) AS ok;

-- name: try_cast
SELECT try_cast('a' AS INT) AS bad, try_cast('5' AS INT) AS good, try_cast('2024-13-01' AS DATE) AS bad_date, try_cast('1.5' AS DOUBLE) AS d;

-- name: try_element_at
SELECT try_element_at(array(1, 2), 5) AS missing, try_element_at(array(1, 2), 2) AS hit, try_element_at(map('a', 1), 'b') AS map_miss;

-- name: try_to_timestamp
SELECT try_to_timestamp('x') AS bad, try_to_timestamp('2024-02-03 10:45:11') AS good, try_to_timestamp('03/02/2024', 'dd/MM/yyyy') AS patterned;

-- name: try_sum_avg
SELECT try_sum(v) AS s, try_avg(v) AS a FROM (VALUES (9223372036854775807L), (1L)) AS t(v);

-- name: try_to_number
SELECT try_to_number('123.45', '999.99') AS n, try_to_number('x', '999') AS bad;

-- name: try_divide_column
SELECT a, try_divide(a, b) AS q FROM (VALUES (1, 0), (6, 3)) AS t(a, b) ORDER BY a;
