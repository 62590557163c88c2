"""spark.sql, temp views, spark.range and explode."""

import datetime
from decimal import Decimal

from pyspark.sql import functions as F
from pyspark.sql.types import LongType, StructField, StructType


def test_sql_select_literals_and_types(spark):
    df = spark.sql("SELECT 1 AS i, 10000000000 AS l, 2.5 AS dec, 2.5D AS dbl, 'x' AS s, true AS b, DATE '2024-01-31' AS d, NULL AS n")
    assert df.dtypes == [
        ("i", "int"), ("l", "bigint"), ("dec", "decimal(2,1)"), ("dbl", "double"),
        ("s", "string"), ("b", "boolean"), ("d", "date"), ("n", "void"),
    ]
    assert tuple(df.first()) == (1, 10000000000, Decimal("2.5"), 2.5, "x", True, datetime.date(2024, 1, 31), None)


def test_sql_integer_division_returns_double(spark):
    row = spark.sql("SELECT 7 / 2 AS q, 7 % 2 AS m, 7 div 2 AS d").first()
    assert (row.q, row.m, row.d) == (3.5, 1, 3)
    assert spark.sql("SELECT 7 / 2 AS q").dtypes == [("q", "double")]


def test_sql_named_and_positional_args(spark):
    assert spark.sql("SELECT :x", args={"x": 1}).first()[0] == 1
    row = spark.sql("SELECT :x + 1 AS y, :s AS s", args={"x": 1, "s": "hi"}).first()
    assert (row.y, row.s) == (2, "hi")
    row = spark.sql("SELECT ? * 2 AS a, ? AS b", args=[21, "z"]).first()
    assert (row.a, row.b) == (42, "z")


def test_sql_over_temp_view(spark):
    df = spark.createDataFrame([("NL", 3), ("US", 5), ("NL", 4)], "country STRING, n INT")
    df.createOrReplaceTempView("sql_counts")
    out = spark.sql("SELECT country, sum(n) AS total FROM sql_counts GROUP BY country ORDER BY total DESC")
    assert [tuple(r) for r in out.collect()] == [("NL", 7), ("US", 5)]


def test_sql_result_is_a_dataframe(spark):
    spark.range(10).createOrReplaceTempView("sql_ten")
    df = spark.sql("SELECT id FROM sql_ten WHERE id >= 5")
    out = df.where(F.col("id") % 2 == 0).withColumn("sq", F.col("id") * F.col("id"))
    assert [tuple(r) for r in out.orderBy("id").collect()] == [(6, 36), (8, 64)]


def test_sql_join_cte_case_and_coalesce(spark):
    spark.createDataFrame([(1, "a"), (2, "b")], "id INT, v STRING").createOrReplaceTempView("sql_l")
    spark.createDataFrame([(2, "x"), (3, "y")], "id INT, w STRING").createOrReplaceTempView("sql_r")
    out = spark.sql("SELECT l.id, v, w FROM sql_l l LEFT JOIN sql_r r ON l.id = r.id ORDER BY l.id")
    assert [tuple(r) for r in out.collect()] == [(1, "a", None), (2, "b", "x")]
    out = spark.sql(
        """
        WITH t AS (SELECT * FROM VALUES (1, NULL), (2, 'b'), (3, 'c') AS t(id, s))
        SELECT id, COALESCE(s, 'none') AS s, CASE WHEN id > 1 THEN 'big' ELSE 'small' END AS size
        FROM t ORDER BY id
        """
    )
    assert [tuple(r) for r in out.collect()] == [(1, "none", "small"), (2, "b", "big"), (3, "c", "big")]


def test_sql_order_by_null_ordering(spark):
    q = "SELECT x FROM VALUES (2), (NULL), (1) AS t(x) ORDER BY x {}"
    assert [r.x for r in spark.sql(q.format("ASC")).collect()] == [None, 1, 2]
    assert [r.x for r in spark.sql(q.format("DESC")).collect()] == [2, 1, None]
    assert [r.x for r in spark.sql(q.format("ASC NULLS LAST")).collect()] == [1, 2, None]


def test_range_with_start_end_step(spark):
    assert [r.id for r in spark.range(0, 10, 3).collect()] == [0, 3, 6, 9]
    assert [r.id for r in spark.range(5, 0, -2).collect()] == [5, 3, 1]
    assert spark.range(1, 4).schema == StructType([StructField("id", LongType(), False)])
    assert spark.range(1000000).count() == 1000000
    assert [r.id for r in spark.sql("SELECT id FROM range(2, 8, 2)").collect()] == [2, 4, 6]


def test_explode_array_in_sql_and_dataframe(spark):
    assert [r.v for r in spark.sql("SELECT explode(array(10, 20, 30)) AS v").collect()] == [10, 20, 30]
    df = spark.createDataFrame([(1, "a b"), (2, "c"), (3, "")], "id INT, words STRING")
    out = df.select("id", F.explode(F.split("words", " ")).alias("w"))
    assert sorted(tuple(r) for r in out.collect()) == [(1, "a"), (1, "b"), (2, "c"), (3, "")]


def test_explode_skips_empty_and_null_arrays(spark):
    df = spark.createDataFrame([(1, [1, 2]), (2, []), (3, None)], "id INT, xs ARRAY<INT>")
    assert sorted(tuple(r) for r in df.select("id", F.explode("xs")).collect()) == [(1, 1), (1, 2)]
    outer = df.select("id", F.explode_outer("xs").alias("x")).collect()
    assert sorted((r.id, r.x) for r in outer) == [(1, 1), (1, 2), (2, None), (3, None)]


def test_show_tables_and_drop_temp_view(spark):
    spark.range(1).createOrReplaceTempView("sql_listed_view")
    assert "sql_listed_view" in [r.tableName for r in spark.sql("SHOW TABLES").collect()]
    assert spark.catalog.dropTempView("sql_listed_view") is True
    assert "sql_listed_view" not in [t.name for t in spark.catalog.listTables()]
