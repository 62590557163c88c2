"""Window functions."""

from pyspark.sql import Window
from pyspark.sql import functions as F

SCORES = [
    ("a", 1, 10),
    ("a", 2, 30),
    ("a", 3, 30),
    ("a", 4, 20),
    ("b", 1, 5),
    ("b", 2, 7),
]


def scores(spark):
    return spark.createDataFrame(SCORES, "g STRING, t INT, v INT")


def collect_sorted(df):
    return [tuple(r) for r in df.orderBy("g", "t").collect()]


def test_row_number_rank_dense_rank(spark):
    w = Window.partitionBy("g").orderBy(F.col("v").desc(), "t")
    wr = Window.partitionBy("g").orderBy(F.col("v").desc())
    out = scores(spark).select(
        "g", "t",
        F.row_number().over(w).alias("rn"),
        F.rank().over(wr).alias("rk"),
        F.dense_rank().over(wr).alias("dr"),
    )
    assert collect_sorted(out) == [
        ("a", 1, 4, 4, 3),
        ("a", 2, 1, 1, 1),
        ("a", 3, 2, 1, 1),
        ("a", 4, 3, 3, 2),
        ("b", 1, 2, 2, 2),
        ("b", 2, 1, 1, 1),
    ]
    assert out.dtypes[2:] == [("rn", "int"), ("rk", "int"), ("dr", "int")]


def test_lag_and_lead(spark):
    w = Window.partitionBy("g").orderBy("t")
    out = scores(spark).select(
        "g", "t",
        F.lag("v").over(w).alias("prev"),
        F.lead("v").over(w).alias("next"),
        F.lag("v", 2, -1).over(w).alias("prev2"),
    )
    assert collect_sorted(out) == [
        ("a", 1, None, 30, -1),
        ("a", 2, 10, 30, -1),
        ("a", 3, 30, 20, 10),
        ("a", 4, 30, None, 30),
        ("b", 1, None, 7, -1),
        ("b", 2, 5, None, -1),
    ]


def test_sum_over_rows_frame(spark):
    w = Window.partitionBy("g").orderBy("t").rowsBetween(-1, 0)
    out = scores(spark).select("g", "t", F.sum("v").over(w).alias("s"))
    assert collect_sorted(out) == [("a", 1, 10), ("a", 2, 40), ("a", 3, 60), ("a", 4, 50), ("b", 1, 5), ("b", 2, 12)]


def test_running_total_with_unbounded_preceding(spark):
    w = Window.partitionBy("g").orderBy("t").rowsBetween(Window.unboundedPreceding, Window.currentRow)
    out = scores(spark).select("g", "t", F.sum("v").over(w).alias("s"))
    assert collect_sorted(out) == [("a", 1, 10), ("a", 2, 40), ("a", 3, 70), ("a", 4, 90), ("b", 1, 5), ("b", 2, 12)]
    assert out.dtypes[2] == ("s", "bigint")
    # ORDER BY without an explicit frame = RANGE UNBOUNDED PRECEDING .. CURRENT ROW: ties share the sum
    by_value = scores(spark).select("g", "t", F.sum("v").over(Window.partitionBy("g").orderBy("v")).alias("s"))
    assert collect_sorted(by_value) == [("a", 1, 10), ("a", 2, 90), ("a", 3, 90), ("a", 4, 30), ("b", 1, 5), ("b", 2, 12)]


def test_sum_over_whole_partition(spark):
    w = Window.partitionBy("g")
    out = scores(spark).select("g", "t", F.sum("v").over(w).alias("total"), F.max("v").over(w).alias("mx"))
    assert collect_sorted(out) == [
        ("a", 1, 90, 30),
        ("a", 2, 90, 30),
        ("a", 3, 90, 30),
        ("a", 4, 90, 30),
        ("b", 1, 12, 7),
        ("b", 2, 12, 7),
    ]


def test_top_n_per_group_with_row_number(spark):
    w = Window.partitionBy("g").orderBy(F.col("v").desc(), F.col("t").desc())
    out = scores(spark).withColumn("rn", F.row_number().over(w)).where("rn = 1").drop("rn")
    assert sorted(tuple(r) for r in out.collect()) == [("a", 3, 30), ("b", 2, 7)]


def test_window_in_sql(spark):
    scores(spark).createOrReplaceTempView("scores_w")
    out = spark.sql(
        "SELECT g, t, avg(v) OVER (PARTITION BY g ORDER BY t ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) AS a FROM scores_w"
    )
    assert collect_sorted(out) == [("a", 1, 20.0), ("a", 2, 70 / 3), ("a", 3, 80 / 3), ("a", 4, 25.0), ("b", 1, 6.0), ("b", 2, 6.0)]
