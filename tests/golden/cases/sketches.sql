-- Sketch functions (Apache DataSketches HLL, Theta, KLL): estimates, quantiles and errors must be
-- Spark's, since its sketches and ours hash and merge values the same way. Only answers that do
-- not depend on how rows are partitioned: Theta estimates (a union keeps the k smallest hashes),
-- HLL and KLL below their exact limits (a merged HLL sketch estimates with another estimator
-- than one that saw every row; KLL compaction is randomized).

-- name: hll_estimates
SELECT hll_sketch_estimate(hll_sketch_agg(col)) AS d, hll_sketch_estimate(hll_sketch_agg(CAST(col AS STRING), 10)) AS s
FROM VALUES (1), (1), (2), (2), (3) tab(col);

-- name: hll_union
SELECT hll_sketch_estimate(hll_union(a, b)) AS u, hll_sketch_estimate(hll_union(a, c, true)) AS mixed
FROM (SELECT hll_sketch_agg(col) a, hll_sketch_agg(col + 10) b, hll_sketch_agg(col, 10) c FROM VALUES (1), (2), (3) tab(col));

-- name: hll_union_agg_grouped
SELECT g, hll_sketch_estimate(hll_union_agg(s)) AS d
FROM (SELECT id % 2 AS g, hll_sketch_agg(id) s FROM range(1000) GROUP BY id % 2, id % 5)
GROUP BY g ORDER BY g;

-- name: hll_invalid_lg_k
SELECT hll_sketch_agg(col, 3) AS s FROM VALUES (1) tab(col);

-- name: hll_different_lg_k
SELECT hll_union(a, b) AS u FROM (SELECT hll_sketch_agg(col) a, hll_sketch_agg(col, 10) b FROM VALUES (1) tab(col));

-- name: hll_invalid_buffer
SELECT hll_sketch_estimate(X'0102') AS e;

-- name: theta_estimates
SELECT theta_sketch_estimate(theta_sketch_agg(id)) AS d, theta_sketch_estimate(theta_sketch_agg(id, 10)) AS d10
FROM range(100000);

-- name: theta_set_operations
SELECT theta_sketch_estimate(theta_union(a, b)) AS u, theta_sketch_estimate(theta_intersection(a, b)) AS i,
       theta_sketch_estimate(theta_difference(a, b)) AS d
FROM (SELECT theta_sketch_agg(id) a, theta_sketch_agg(id + 50000) b FROM range(100000));

-- name: theta_aggregate_set_operations
SELECT theta_sketch_estimate(theta_union_agg(s, 10)) AS u, theta_sketch_estimate(theta_intersection_agg(s)) AS i
FROM (SELECT theta_sketch_agg(id) s FROM range(100000) GROUP BY id % 3);

-- name: theta_invalid_lg_nom_entries
SELECT theta_sketch_agg(col, 27) AS s FROM VALUES (1) tab(col);

-- name: kll_quantiles
SELECT kll_sketch_get_n_bigint(s) AS n, kll_sketch_get_quantile_bigint(s, 0.3) AS q, kll_sketch_get_rank_bigint(s, 50) AS r
FROM (SELECT kll_sketch_agg_bigint(id) s FROM range(150));

-- name: kll_double_quantiles
SELECT kll_sketch_get_quantile_double(s, array(0.0, 0.25, 1.0)) AS q, kll_sketch_get_rank_double(s, array(1.0, 3.0, 10.0)) AS r
FROM (SELECT kll_sketch_agg_double(CAST(col AS DOUBLE)) s FROM VALUES (1), (2), (3), (4), (5) tab(col));

-- name: kll_merge
SELECT kll_sketch_get_n_float(kll_merge_agg_float(s)) AS n, kll_sketch_get_n_float(kll_sketch_merge_float(min(s), max(s))) AS m
FROM (SELECT kll_sketch_agg_float(CAST(id AS FLOAT)) s FROM range(100) GROUP BY id % 4);

-- name: kll_to_string
SELECT kll_sketch_to_string_double(kll_sketch_agg_double(CAST(id AS DOUBLE))) AS s FROM range(150);

-- name: kll_invalid_rank
SELECT kll_sketch_get_quantile_bigint(kll_sketch_agg_bigint(col), 1.5) AS q FROM VALUES (1) tab(col);
