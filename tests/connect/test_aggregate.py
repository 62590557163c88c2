"""groupBy / agg, rollup, cube and pivot."""

import csv
import math
import statistics
from collections import defaultdict

import pytest
from pyspark.sql import functions as F

SALES = [
    ("NL", "books", 10, 2.0),
    ("NL", "books", 5, 4.0),
    ("NL", "toys", 1, 10.0),
    ("US", "books", 7, 3.0),
    ("US", "toys", None, 5.0),
    ("US", "toys", 3, 5.0),
]
SALES_DDL = "country STRING, cat STRING, qty INT, price DOUBLE"


def sales(spark):
    return spark.createDataFrame(SALES, SALES_DDL)


def test_group_by_count_sum_avg_min_max(spark):
    out = (
        sales(spark)
        .groupBy("country")
        .agg(
            F.count("*").alias("n"),
            F.count("qty").alias("nq"),
            F.sum("qty").alias("s"),
            F.avg("qty").alias("a"),
            F.min("price").alias("lo"),
            F.max("price").alias("hi"),
        )
        .orderBy("country")
    )
    assert [tuple(r) for r in out.collect()] == [
        ("NL", 3, 3, 16, 16 / 3, 2.0, 10.0),
        ("US", 3, 2, 10, 5.0, 3.0, 5.0),
    ]


def test_aggregate_result_types_and_default_names(spark):
    out = sales(spark).groupBy("country").agg(
        F.count("*").alias("n"), F.sum("qty").alias("s"), F.avg("qty").alias("a"), F.max("qty").alias("m")
    )
    assert out.dtypes == [("country", "string"), ("n", "bigint"), ("s", "bigint"), ("a", "double"), ("m", "int")]
    unnamed = sales(spark).groupBy("cat").agg(F.sum("qty"), F.count("*"), F.avg("price"))
    assert unnamed.columns == ["cat", "sum(qty)", "count(1)", "avg(price)"]


def test_group_by_shorthands_and_dict(spark):
    counts = sales(spark).groupBy("cat").count().orderBy("cat").collect()
    assert [r.asDict() for r in counts] == [{"cat": "books", "count": 3}, {"cat": "toys", "count": 3}]
    sums = sales(spark).groupBy("cat").sum("qty").orderBy("cat")
    assert [tuple(r) for r in sums.collect()] == [("books", 22), ("toys", 4)]
    maxes = sales(spark).groupBy("country").agg({"price": "max"}).orderBy("country")
    assert maxes.columns == ["country", "max(price)"]
    assert [tuple(r) for r in maxes.collect()] == [("NL", 10.0), ("US", 5.0)]


def test_count_distinct_ignores_nulls(spark):
    df = spark.createDataFrame([("a", 1), ("a", 1), ("a", 2), ("b", None), ("b", 3)], "k STRING, v INT")
    out = df.groupBy("k").agg(F.countDistinct("v").alias("d"), F.count_distinct("v").alias("d2")).orderBy("k")
    assert [tuple(r) for r in out.collect()] == [("a", 2, 2), ("b", 1, 1)]


def test_collect_list_set_and_first(spark):
    out = sales(spark).groupBy("country").agg(F.collect_list("qty").alias("l"), F.collect_set("cat").alias("s")).orderBy("country")
    rows = out.collect()
    # collect_list skips NULLs; element order is not defined
    assert [sorted(r.l) for r in rows] == [[1, 5, 10], [3, 7]]
    assert [sorted(r.s) for r in rows] == [["books", "toys"], ["books", "toys"]]
    df = spark.createDataFrame([("a", None), ("a", 4), ("b", 9)], "k STRING, v INT")
    firsts = df.groupBy("k").agg(F.first("v", ignorenulls=True).alias("f")).orderBy("k")
    assert [tuple(r) for r in firsts.collect()] == [("a", 4), ("b", 9)]


def test_stddev_is_sample_stddev(spark):
    values = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]
    df = spark.createDataFrame([(v,) for v in values], "x DOUBLE")
    row = df.agg(F.stddev("x").alias("s"), F.stddev_pop("x").alias("p"), F.variance("x").alias("v")).first()
    assert row.s == pytest.approx(statistics.stdev(values))
    assert row.p == pytest.approx(2.0)
    assert row.v == pytest.approx(statistics.variance(values))
    # the sample stddev of a single value is NULL
    assert df.limit(1).agg(F.stddev("x").alias("s")).first().s is None


def test_agg_on_whole_frame_and_on_empty_frame(spark):
    row = sales(spark).agg(F.sum("qty").alias("s"), F.max("price").alias("m"), F.count("*").alias("n")).first()
    assert tuple(row) == (26, 10.0, 6)
    revenue = sales(spark).select(F.sum(F.col("qty") * F.col("price")).alias("rev")).first().rev
    assert revenue == 10 * 2.0 + 5 * 4.0 + 1 * 10.0 + 7 * 3.0 + 3 * 5.0
    empty = spark.createDataFrame([], "x INT").agg(F.count("*").alias("n"), F.sum("x").alias("s")).first()
    assert tuple(empty) == (0, None)


def test_group_by_null_key_expression_and_having(spark):
    df = spark.createDataFrame([(None, 1), (None, 2), ("a", 3)], "k STRING, v INT")
    rows = df.groupBy("k").agg(F.sum("v").alias("s")).collect()
    # NULL keys form one group
    assert sorted((r.k or "", r.s) for r in rows) == [("", 3), ("a", 3)]
    out = spark.range(10).groupBy((F.col("id") % 3).alias("m")).agg(F.sum("id").alias("s")).orderBy("m")
    assert [tuple(r) for r in out.collect()] == [(0, 18), (1, 12), (2, 15)]
    having = sales(spark).groupBy("cat").agg(F.sum("qty").alias("s")).where(F.col("s") > 10)
    assert [tuple(r) for r in having.collect()] == [("books", 22)]


def test_rollup_adds_subtotals_and_grand_total(spark):
    out = sales(spark).rollup("country", "cat").agg(F.sum("qty").alias("s"))
    got = sorted(((r.country or ""), (r.cat or ""), r.s) for r in out.collect())
    assert got == [
        ("", "", 26),
        ("NL", "", 16),
        ("NL", "books", 15),
        ("NL", "toys", 1),
        ("US", "", 10),
        ("US", "books", 7),
        ("US", "toys", 3),
    ]


def test_cube_adds_all_grouping_combinations(spark):
    out = sales(spark).cube("country", "cat").agg(F.count("*").alias("n"))
    got = sorted(((r.country or ""), (r.cat or ""), r.n) for r in out.collect())
    assert got == [
        ("", "", 6),
        ("", "books", 3),
        ("", "toys", 3),
        ("NL", "", 3),
        ("NL", "books", 2),
        ("NL", "toys", 1),
        ("US", "", 3),
        ("US", "books", 1),
        ("US", "toys", 2),
    ]


def test_pivot_with_and_without_values(spark):
    out = sales(spark).groupBy("country").pivot("cat", ["books", "toys", "games"]).sum("qty").orderBy("country")
    assert out.columns == ["country", "books", "toys", "games"]
    assert [tuple(r) for r in out.collect()] == [("NL", 15, 1, None), ("US", 7, 3, None)]
    # without values: the sorted distinct values of the pivot column
    out = sales(spark).groupBy("cat").pivot("country").agg(F.count("*")).orderBy("cat")
    assert out.columns == ["cat", "NL", "US"]
    assert [tuple(r) for r in out.collect()] == [("books", 2, 1), ("toys", 1, 2)]


def test_orders_by_status_match_source(spark, data_dir):
    expected = defaultdict(lambda: [0, 0])
    for path in sorted((data_dir / "orders").glob("*.csv")):
        with open(path, newline="") as f:
            for r in csv.DictReader(f):
                expected[r["status"]][0] += 1
                expected[r["status"]][1] += int(r["quantity"])
    df = spark.read.csv(str(data_dir / "orders"), header=True, inferSchema=True)
    out = df.groupBy("status").agg(F.count("*").alias("n"), F.sum("quantity").alias("q"))
    assert {r.status: [r.n, r.q] for r in out.collect()} == dict(expected)


def test_avg_of_decimal_stays_decimal(spark):
    df = spark.createDataFrame([("a", 1), ("a", 2)], "k STRING, v INT").select("k", F.col("v").cast("decimal(10,2)").alias("v"))
    out = df.groupBy("k").agg(F.sum("v").alias("s"), F.avg("v").alias("a"))
    # Spark: sum(decimal(10,2)) -> decimal(20,2); avg -> decimal(14,6)
    assert out.dtypes == [("k", "string"), ("s", "decimal(20,2)"), ("a", "decimal(14,6)")]
    row = out.first()
    assert (str(row.s), str(row.a)) == ("3.00", "1.500000")
    assert math.isclose(float(row.a), 1.5)
