-- Window functions: ranking types, frames and offsets.

-- name: row_number
SELECT k, v, row_number() OVER (PARTITION BY k ORDER BY v) AS rn FROM (VALUES ('a', 3), ('a', 1), ('b', 2)) AS t(k, v) ORDER BY k, v;

-- name: rank_dense_rank
SELECT v, rank() OVER (ORDER BY v) AS r, dense_rank() OVER (ORDER BY v) AS d FROM (VALUES (1), (1), (2), (5)) AS t(v) ORDER BY v;

-- name: running_sum_rows
SELECT v, sum(v) OVER (ORDER BY v ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running FROM (VALUES (1), (2), (3)) AS t(v) ORDER BY v;

-- name: running_sum_default_frame_with_ties
SELECT v, sum(v) OVER (ORDER BY v) AS running FROM (VALUES (1), (1), (2)) AS t(v) ORDER BY v;

-- name: partition_total
SELECT k, v, sum(v) OVER (PARTITION BY k) AS total, avg(v) OVER (PARTITION BY k) AS mean FROM (VALUES ('a', 1), ('a', 3), ('b', 5)) AS t(k, v) ORDER BY k, v;

-- name: lag_lead
SELECT v, lag(v) OVER (ORDER BY v) AS prev, lead(v, 1, 0) OVER (ORDER BY v) AS next FROM (VALUES (1), (2), (4)) AS t(v) ORDER BY v;

-- name: ntile_percent_rank_cume_dist
SELECT v, ntile(2) OVER (ORDER BY v) AS n, percent_rank() OVER (ORDER BY v) AS pr, cume_dist() OVER (ORDER BY v) AS cd FROM (VALUES (1), (2), (3), (4)) AS t(v) ORDER BY v;

-- name: first_last_value
SELECT v, first_value(v) OVER (ORDER BY v) AS f, last_value(v) OVER (ORDER BY v ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS l FROM (VALUES (1), (2), (3)) AS t(v) ORDER BY v;

-- name: moving_average
SELECT v, avg(v) OVER (ORDER BY v ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) AS ma FROM (VALUES (1), (2), (3), (10)) AS t(v) ORDER BY v;

-- name: count_over_partition
SELECT k, count(*) OVER (PARTITION BY k) AS n FROM (VALUES ('a'), ('a'), ('b')) AS t(k) ORDER BY k;

-- name: row_number_top_per_group
SELECT k, v FROM (SELECT k, v, row_number() OVER (PARTITION BY k ORDER BY v DESC) AS rn FROM (VALUES ('a', 3), ('a', 1), ('b', 2)) AS t(k, v)) WHERE rn = 1 ORDER BY k;
