"""Join types, join conditions and self-joins."""

from pyspark.sql import functions as F

LEFT = [(1, "a", 10), (2, "b", 20), (3, "c", 30), (None, "n", 40)]
RIGHT = [(2, "x", 200), (3, "y", 300), (3, "z", 301), (4, "w", 400)]


def frames(spark):
    left = spark.createDataFrame(LEFT, "id INT, l STRING, k INT")
    right = spark.createDataFrame(RIGHT, "id INT, r STRING, k INT")
    return left, right


def key(t):
    return tuple((v is None, v) for v in t)


def rows(df, *cols):
    return sorted((tuple(r[c] for c in cols) for r in df.collect()), key=key)


def test_inner_join_on_condition(spark):
    a, b = frames(spark)
    out = a.join(b, a.id == b.id)
    assert len(out.columns) == 6
    assert rows(out.select(a.id, "l", "r"), "id", "l", "r") == [(2, "b", "x"), (3, "c", "y"), (3, "c", "z")]
    compound = a.join(b, (a.id == b.id) & (b.k > 300))
    assert rows(compound.select("l", "r"), "l", "r") == [("c", "z")]


def test_left_and_right_outer_joins_keep_unmatched_rows(spark):
    a, b = frames(spark)
    left = a.join(b, a.id == b.id, "left").select(a.id.alias("id"), "l", "r")
    assert rows(left, "id", "l", "r") == [(1, "a", None), (2, "b", "x"), (3, "c", "y"), (3, "c", "z"), (None, "n", None)]
    right = a.join(b, a.id == b.id, "right").select(b.id.alias("id"), "l", "r")
    assert rows(right, "id", "l", "r") == [(2, "b", "x"), (3, "c", "y"), (3, "c", "z"), (4, None, "w")]


def test_full_outer_join(spark):
    a, b = frames(spark)
    expected = [("a", None), ("b", "x"), ("c", "y"), ("c", "z"), ("n", None), (None, "w")]
    for how in ("full_outer", "outer", "full"):
        assert rows(a.join(b, a.id == b.id, how).select("l", "r"), "l", "r") == expected


def test_left_semi_join_returns_left_columns_once(spark):
    a, b = frames(spark)
    out = a.join(b, a.id == b.id, "left_semi")
    assert out.columns == ["id", "l", "k"]
    assert rows(out, "id", "l") == [(2, "b"), (3, "c")]


def test_left_anti_join(spark):
    a, b = frames(spark)
    out = a.join(b, a.id == b.id, "left_anti")
    assert out.columns == ["id", "l", "k"]
    # the NULL key never matches, so it stays
    assert rows(out, "id", "l") == [(1, "a"), (None, "n")]


def test_cross_join(spark):
    a, b = frames(spark)
    out = a.crossJoin(b)
    assert out.count() == len(LEFT) * len(RIGHT)
    assert rows(out.where((F.col("l") == "a")).select("r"), "r") == [("w",), ("x",), ("y",), ("z",)]


def test_join_using_single_column_dedups_key(spark):
    a, b = frames(spark)
    out = a.join(b.drop("k"), on="id")
    assert out.columns == ["id", "l", "k", "r"]
    assert rows(out, "id", "l", "r") == [(2, "b", "x"), (3, "c", "y"), (3, "c", "z")]


def test_join_using_column_list(spark):
    a = spark.createDataFrame([(1, "p", "a1"), (1, "q", "a2"), (2, "p", "a3")], "id INT, k STRING, va STRING")
    b = spark.createDataFrame([(1, "p", "b1"), (2, "q", "b2"), (2, "p", "b3")], "id INT, k STRING, vb STRING")
    out = a.join(b, on=["id", "k"])
    assert out.columns == ["id", "k", "va", "vb"]
    assert rows(out, "id", "k", "va", "vb") == [(1, "p", "a1", "b1"), (2, "p", "a3", "b3")]


def test_full_outer_join_using_coalesces_key(spark):
    a, b = frames(spark)
    out = a.select("id", "l").join(b.select("id", "r"), on="id", how="full")
    assert out.columns == ["id", "l", "r"]
    assert rows(out, "id", "l", "r") == [
        (1, "a", None),
        (2, "b", "x"),
        (3, "c", "y"),
        (3, "c", "z"),
        (4, None, "w"),
        (None, "n", None),
    ]


def test_self_join_with_filtered_copy(spark):
    emp = spark.createDataFrame(
        [(1, "boss", None), (2, "ann", 1), (3, "bob", 1), (4, "cid", 2)],
        "id INT, name STRING, manager_id INT",
    )
    managers = emp.filter(F.col("manager_id").isNull() | (F.col("id") == 2))
    out = emp.alias("e").join(managers.alias("m"), F.col("e.manager_id") == F.col("m.id")).select(
        F.col("e.name").alias("employee"), F.col("m.name").alias("manager")
    )
    assert rows(out, "employee", "manager") == [("ann", "boss"), ("bob", "boss"), ("cid", "ann")]
    # same frame, filtered copy, joined on a key column
    big = emp.filter(F.col("id") > 2).select("id", F.col("name").alias("big_name"))
    assert rows(emp.join(big, on="id", how="left"), "id", "big_name") == [(1, None), (2, None), (3, "bob"), (4, "cid")]


def test_join_then_aggregate(spark):
    a, b = frames(spark)
    out = a.join(b, "id").groupBy("l").agg(F.count("*").alias("n"), F.sum(b.k).alias("s"))
    assert rows(out, "l", "n", "s") == [("b", 1, 200), ("c", 2, 601)]
