-- typeof(...): the type Spark gives literals and expressions.

-- name: literal_types
SELECT typeof(1) AS i, typeof(1L) AS l, typeof(1S) AS s, typeof(1Y) AS y, typeof(1.5) AS dec, typeof(1.5D) AS d, typeof(1.5F) AS f, typeof(1e3) AS e;

-- name: big_integer_literals
SELECT typeof(2147483647) AS int_max, typeof(2147483648) AS beyond_int, typeof(9223372036854775808) AS beyond_bigint;

-- name: other_literal_types
SELECT typeof('a') AS s, typeof(true) AS b, typeof(NULL) AS n, typeof(DATE '2024-01-01') AS d, typeof(TIMESTAMP '2024-01-01 00:00:00') AS ts, typeof(X'AB') AS bin;

-- name: collection_literal_types
SELECT typeof(array(1)) AS a, typeof(map('a', 1)) AS m, typeof(named_struct('a', 1)) AS s, typeof(array()) AS empty;

-- name: arithmetic_types
SELECT typeof(1 + 1L) AS a, typeof(1 * 1.5) AS b, typeof(1 / 1) AS c, typeof(5 div 2) AS d, typeof(1L % 2) AS e, typeof(-1Y) AS f, typeof(1S + 1Y) AS g;

-- name: string_function_types
SELECT typeof(length('a')) AS len, typeof(instr('a', 'a')) AS ins, typeof(split('a', ',')) AS sp, typeof(concat('a', 1)) AS cc, typeof(ascii('a')) AS asc;

-- name: hash_function_types
SELECT typeof(hash('a')) AS h, typeof(xxhash64('a')) AS x, typeof(crc32('a')) AS c, typeof(md5('a')) AS m;

-- name: datetime_function_types
SELECT typeof(year(DATE '2024-01-01')) AS y, typeof(datediff(DATE '2024-01-01', DATE '2024-01-02')) AS dd, typeof(months_between(DATE '2024-01-01', DATE '2024-02-01')) AS mb, typeof(date_add(DATE '2024-01-01', 1)) AS da, typeof(unix_timestamp('2024-01-01', 'yyyy-MM-dd')) AS ut, typeof(date_trunc('DAY', TIMESTAMP '2024-01-01 00:00:00')) AS dt;

-- name: collection_function_types
SELECT typeof(size(array(1))) AS sz, typeof(array_position(array(1), 1)) AS pos, typeof(sequence(1, 2)) AS seq, typeof(map_keys(map('a', 1))) AS mk;

-- name: aggregate_types
SELECT typeof(count(*)) AS c, typeof(sum(id)) AS s, typeof(avg(id)) AS a, typeof(stddev(id)) AS sd, typeof(max(id)) AS m, typeof(approx_count_distinct(id)) AS acd FROM range(3);

-- name: aggregate_types_small_ints
SELECT typeof(sum(v)) AS s, typeof(avg(v)) AS a, typeof(min(v)) AS m FROM (VALUES (CAST(1 AS SMALLINT))) AS t(v);

-- name: window_function_types
SELECT row_number() OVER (ORDER BY id) AS rn, rank() OVER (ORDER BY id) AS r, dense_rank() OVER (ORDER BY id) AS dr, ntile(2) OVER (ORDER BY id) AS nt, percent_rank() OVER (ORDER BY id) AS pr FROM range(2) ORDER BY id;

-- name: range_column_type
SELECT id, typeof(id) AS t FROM range(1);
