-- Conditional expressions and null handling.

-- name: if
SELECT if(1 < 2, 'yes', 'no') AS a, if(NULL, 1, 2) AS b, if(true, 1, 2.5) AS widened;

-- name: case_when
SELECT x, CASE WHEN x > 1 THEN 'big' WHEN x = 1 THEN 'one' ELSE 'small' END AS size FROM (VALUES (0), (1), (2), (NULL)) AS t(x) ORDER BY x NULLS LAST;

-- name: case_simple_and_no_else
SELECT CASE 2 WHEN 1 THEN 'a' WHEN 2 THEN 'b' ELSE 'c' END AS simple, CASE WHEN false THEN 1 END AS no_else;

-- name: coalesce
SELECT coalesce(NULL, NULL, 3) AS a, coalesce(NULL, 'x') AS b, coalesce(1, 2L) AS widened, coalesce(NULL) AS n;

-- name: nvl_nvl2_ifnull
SELECT nvl(NULL, 'd') AS a, nvl2(NULL, 'a', 'b') AS b, nvl2(1, 'a', 'b') AS c, ifnull(NULL, 5) AS d;

-- name: nullif
SELECT nullif(1, 1) AS a, nullif(1, 2) AS b, nullif('a', NULL) AS c;

-- name: nanvl
SELECT nanvl(CAST('NaN' AS DOUBLE), 0D) AS a, nanvl(1.5D, 0D) AS b;

-- name: greatest_least_with_nulls
SELECT greatest(1, NULL, 3) AS g, least(1, NULL, 3) AS l, greatest(CAST(NULL AS INT), NULL) AS n, greatest('a', 'b', NULL) AS s;

-- name: is_null
SELECT isnull(NULL) AS a, isnotnull(1) AS b, NULL IS NULL AS c, 1 IS NOT NULL AS d;

-- name: null_safe_equality
SELECT NULL <=> NULL AS a, 1 <=> NULL AS b, NULL = NULL AS c, 1 IS DISTINCT FROM NULL AS d;

-- name: three_valued_logic
SELECT NULL AND false AS a, NULL AND true AS b, NULL OR true AS c, NULL OR false AS d, NOT NULL AS e;

-- name: in_list_with_nulls
SELECT 1 IN (1, NULL) AS a, 2 IN (1, NULL) AS b, 2 NOT IN (1, NULL) AS c, 2 IN (1, 2, 3) AS d;

-- name: filter_with_nulls
SELECT v FROM (VALUES (1), (NULL), (3)) AS t(v) WHERE v > 1 OR v IS NULL ORDER BY v NULLS LAST;

-- name: case_types
SELECT CASE WHEN true THEN 1 ELSE 2L END AS a, CASE WHEN true THEN 1 ELSE 1.5 END AS b, CASE WHEN true THEN 1 ELSE '1' END AS c;

-- name: equal_null_assert
SELECT equal_null(NULL, NULL) AS a, equal_null(1, NULL) AS b, zeroifnull(NULL) AS z, nullifzero(0) AS n;
