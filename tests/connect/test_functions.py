"""Scalar functions and operators with Spark's semantics."""

import datetime

from pyspark.sql import Row
from pyspark.sql import functions as F


def one(df):
    """The single row of a one-row result."""
    rows = df.collect()
    assert len(rows) == 1
    return rows[0]


def nums(spark):
    return spark.createDataFrame([(7, 2), (-7, 3), (9, 4)], "a INT, b INT")


def test_integer_division_returns_double(spark):
    df = nums(spark).select((F.col("a") / F.col("b")).alias("q"))
    assert df.dtypes == [("q", "double")]
    assert [r.q for r in df.collect()] == [3.5, -7 / 3, 2.25]
    assert one(spark.range(1).select((F.lit(7) / F.lit(2)).alias("x"))).x == 3.5
    # `div` is the integral division, truncating toward zero
    row = one(spark.range(1).selectExpr("7 div 2 AS a", "-7 div 2 AS b"))
    assert (row.a, row.b) == (3, -3)


def test_modulo_keeps_sign_of_dividend_and_int_type(spark):
    df = nums(spark).select(
        (F.col("a") % F.col("b")).alias("m"),
        (F.col("a") + F.col("b")).alias("s"),
        (F.col("a") * 2).alias("p"),
        (-F.col("a")).alias("n"),
    )
    assert df.dtypes == [("m", "int"), ("s", "int"), ("p", "int"), ("n", "int")]
    assert [tuple(r) for r in df.collect()] == [(1, 9, 14, -7), (-1, -4, -14, 7), (1, 13, 18, -9)]
    assert one(spark.range(1).select((F.lit(7.5) % F.lit(2)).alias("x"))).x == 1.5


def test_cast_string_to_numbers_and_date(spark):
    df = spark.createDataFrame([("42", "3.5", "2024-02-29")], "s STRING, t STRING, d STRING")
    out = df.select(
        F.col("s").cast("int").alias("i"),
        F.col("s").cast("bigint").alias("l"),
        F.col("t").cast("double").alias("x"),
        F.col("d").cast("date").alias("dt"),
        F.to_date("d").alias("td"),
    )
    assert out.dtypes == [("i", "int"), ("l", "bigint"), ("x", "double"), ("dt", "date"), ("td", "date")]
    assert tuple(one(out)) == (42, 42, 3.5, datetime.date(2024, 2, 29), datetime.date(2024, 2, 29))


def test_cast_to_string_double_and_int_truncation(spark):
    row = one(nums(spark).limit(1).select(F.col("a").cast("string").alias("s"), F.col("a").cast("double").alias("d")))
    assert row == Row(s="7", d=7.0)
    row = one(spark.range(1).select(
        F.lit(3.7).cast("int").alias("p"),
        F.lit(-3.7).cast("int").alias("n"),
        F.lit(True).cast("string").alias("b"),
        F.to_date(F.lit("2024-01-05")).cast("string").alias("d"),
    ))
    assert tuple(row) == (3, -3, "true", "2024-01-05")


def test_string_case_length_and_substring(spark):
    df = spark.createDataFrame([("Hello World",), ("héllo",)], "s STRING")
    rows = df.select(
        F.upper("s").alias("u"),
        F.lower("s").alias("l"),
        F.length("s").alias("n"),
        F.substring("s", 2, 3).alias("sub"),
        F.substring("s", -3, 2).alias("neg"),
        F.expr("substr(s, 4)").alias("tail"),
    ).collect()
    # length counts characters; substring positions are 1-based, negative counts from the end
    assert [tuple(r) for r in rows] == [
        ("HELLO WORLD", "hello world", 11, "ell", "rl", "lo World"),
        ("HÉLLO", "héllo", 5, "éll", "ll", "lo"),
    ]


def test_concat_is_null_if_any_input_null_but_concat_ws_skips_nulls(spark):
    df = spark.createDataFrame([("a", "b"), ("a", None)], "x STRING, y STRING")
    rows = df.select(F.concat("x", F.lit("-"), "y").alias("c"), F.concat_ws("|", "x", "y", F.lit("z")).alias("w")).collect()
    assert [tuple(r) for r in rows] == [("a-b", "a|b|z"), (None, "a|z")]


def test_trim_and_pad(spark):
    df = spark.createDataFrame([("  x y  ", "7")], "s STRING, n STRING")
    row = one(df.select(
        F.trim("s").alias("t"),
        F.ltrim("s").alias("l"),
        F.rtrim("s").alias("r"),
        F.lpad("n", 3, "0").alias("lp"),
        F.rpad("n", 4, "ab").alias("rp"),
    ))
    assert tuple(row) == ("x y", "x y  ", "  x y", "007", "7aba")


def test_regexp_replace_extract_and_split(spark):
    df = spark.createDataFrame([("a1b22c333", "a,b,,c")], "s STRING, csv STRING")
    out = df.select(
        F.regexp_replace("s", "[0-9]+", "#").alias("r"),
        F.regexp_extract("s", r"b(\d+)", 1).alias("e"),
        F.split("csv", ",").alias("parts"),
        F.size(F.split("csv", ",")).alias("n"),
    )
    assert out.dtypes == [("r", "string"), ("e", "string"), ("parts", "array<string>"), ("n", "int")]
    assert tuple(one(out)) == ("a#b#c#", "22", ["a", "b", "", "c"], 4)


def test_date_parts_format_and_trunc(spark):
    df = spark.createDataFrame([(datetime.date(2024, 3, 15),)], "d DATE")
    row = one(df.select(
        F.year("d"), F.month("d"), F.dayofmonth("d"), F.dayofweek("d"), F.quarter("d"),
        F.date_format("d", "yyyy-MM"), F.date_format("d", "dd.MM.yy"),
        F.trunc("d", "month"), F.last_day("d"),
    ))
    # dayofweek: 1 = Sunday; 2024-03-15 is a Friday
    assert tuple(row) == (2024, 3, 15, 6, 1, "2024-03", "15.03.24", datetime.date(2024, 3, 1), datetime.date(2024, 3, 31))


def test_to_date_with_format_and_date_arithmetic(spark):
    df = spark.createDataFrame([("15/03/2024", datetime.date(2024, 1, 1))], "s STRING, b DATE")
    a = F.to_date("s", "dd/MM/yyyy")
    row = one(df.select(
        a.alias("a"),
        F.date_add(a, 20).alias("p"),
        F.date_sub(a, 15).alias("m"),
        F.datediff(a, "b").alias("n"),
        F.add_months("b", 1).alias("am"),
    ))
    assert tuple(row) == (
        datetime.date(2024, 3, 15), datetime.date(2024, 4, 4), datetime.date(2024, 2, 29), 74, datetime.date(2024, 2, 1)
    )


def test_when_otherwise_and_missing_otherwise_is_null(spark):
    df = spark.createDataFrame([(1,), (5,), (10,)], "n INT")
    out = df.select(
        F.when(F.col("n") < 3, "low").when(F.col("n") < 8, "mid").otherwise("high").alias("band"),
        F.when(F.col("n") > 5, F.col("n")).alias("big"),
    )
    assert [tuple(r) for r in out.collect()] == [("low", None), ("mid", None), ("high", 10)]


def test_isin_like_rlike(spark):
    df = spark.createDataFrame([("apple",), ("banana",), ("blueberry",), ("cherry",)], "f STRING")

    def names(cond):
        return [r.f for r in df.where(cond).collect()]

    assert names(F.col("f").isin("apple", "cherry")) == ["apple", "cherry"]
    assert names(~F.col("f").isin(["apple"])) == ["banana", "blueberry", "cherry"]
    assert names(F.col("f").like("b%a")) == ["banana"]
    assert names(F.col("f").like("_pple")) == ["apple"]
    assert names(F.col("f").rlike("rr")) == ["blueberry", "cherry"]


def test_coalesce_and_null_semantics(spark):
    df = spark.createDataFrame([(None, 2), (1, None), (None, None), (3, 3)], "a INT, b INT")
    out = df.select(
        F.coalesce("a", "b", F.lit(0)).alias("c"),
        F.col("a").isNull().alias("an"),
        F.col("b").isNotNull().alias("bn"),
        (F.col("a") == F.col("b")).alias("eq"),
        F.col("a").eqNullSafe(F.col("b")).alias("ns"),
    )
    assert [tuple(r) for r in out.collect()] == [
        (2, True, True, None, False),
        (1, False, False, None, False),
        (0, True, False, None, True),
        (3, False, True, True, True),
    ]


def test_round_is_half_up_and_bround_is_half_even(spark):
    row = one(spark.range(1).select(
        F.round(F.lit(2.5)).alias("a"),
        F.round(F.lit(-2.5)).alias("b"),
        F.bround(F.lit(2.5)).alias("c"),
        F.round(F.lit(3.14159), 2).alias("d"),
        F.round(F.lit(1.005), 2).alias("e"),
    ))
    # pysail differs: round(1.005, 2) gives 1.0 there. Spark rounds the double's decimal string
    # form (BigDecimal(Double.toString)) HALF_UP, so 1.005 -> 1.01.
    assert tuple(row) == (3.0, -3.0, 2.0, 3.14, 1.01)


def test_abs_and_math(spark):
    df = spark.createDataFrame([(-3, -2.5)], "i INT, d DOUBLE")
    out = df.select(
        F.abs("i").alias("ai"),
        F.abs("d").alias("ad"),
        F.pow(F.lit(2), F.lit(10)).alias("p"),
        F.sqrt(F.lit(16)).alias("s"),
        F.greatest(F.lit(1), F.lit(7), F.lit(3)).alias("g"),
    )
    assert out.dtypes == [("ai", "int"), ("ad", "double"), ("p", "double"), ("s", "double"), ("g", "int")]
    assert tuple(one(out)) == (3, 2.5, 1024.0, 4.0, 7)


def test_lit_types(spark):
    df = spark.range(1).select(
        F.lit(1).alias("i"),
        F.lit(1.5).alias("d"),
        F.lit("x").alias("s"),
        F.lit(True).alias("b"),
        F.lit(datetime.date(2024, 1, 2)).alias("dt"),
    )
    assert df.dtypes == [("i", "int"), ("d", "double"), ("s", "string"), ("b", "boolean"), ("dt", "date")]
    assert tuple(one(df)) == (1, 1.5, "x", True, datetime.date(2024, 1, 2))


def test_expr_and_select_expr(spark):
    df = spark.createDataFrame([(1, "ann"), (2, "ben")], "id INT, name STRING")
    out = df.select(F.expr("id * 2 + 1").alias("e"), F.expr("CASE WHEN id = 1 THEN 'one' ELSE 'other' END").alias("c"))
    assert [tuple(r) for r in out.collect()] == [(3, "one"), (5, "other")]
    se = df.selectExpr("id", "id + 1 AS next", "upper(name) AS u")
    assert se.columns == ["id", "next", "u"]
    assert [tuple(r) for r in se.collect()] == [(1, 2, "ANN"), (2, 3, "BEN")]


def test_filter_with_sql_string_and_between(spark):
    df = spark.createDataFrame([(1, "NL"), (2, "US"), (3, "NL")], "id INT, c STRING")
    assert [r.id for r in df.filter("c = 'NL' AND id > 1").collect()] == [3]
    assert [r.id for r in df.where("id IN (1, 2)").collect()] == [1, 2]
    ids = [r.id for r in spark.range(10).where(F.col("id").between(3, 5) | (F.col("id") == 9)).collect()]
    assert ids == [3, 4, 5, 9]
