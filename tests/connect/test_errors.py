"""Errors reach the client as the right PySpark exception classes, and the session survives."""

import os

import pytest
from pyspark.errors import AnalysisException, ParseException, PySparkException
from pyspark.sql import SparkSession
from pyspark.sql import functions as F


def test_unknown_column_raises_analysis_exception_naming_it(spark):
    df = spark.createDataFrame([(1, "a")], "id INT, name STRING")
    with pytest.raises(AnalysisException) as info:
        df.select("no_such_column").collect()
    assert "no_such_column" in str(info.value)
    with pytest.raises(AnalysisException) as info:
        df.where(F.col("missing_col") > 1).count()
    assert "missing_col" in str(info.value)


def test_unknown_column_in_sql(spark):
    spark.range(2).createOrReplaceTempView("err_view")
    with pytest.raises(AnalysisException) as info:
        spark.sql("SELECT bogus_col FROM err_view").collect()
    assert "bogus_col" in str(info.value)


def test_unknown_table_raises_analysis_exception(spark):
    with pytest.raises(AnalysisException) as info:
        spark.sql("SELECT * FROM table_that_does_not_exist").collect()
    assert "table_that_does_not_exist" in str(info.value)


def test_bad_sql_raises_parse_exception(spark):
    # pysail differs: it raises IllegalArgumentException for syntax errors
    with pytest.raises(ParseException):
        spark.sql("SELEC 1 FROM").collect()
    # ParseException is a subclass of AnalysisException in PySpark
    with pytest.raises(AnalysisException):
        spark.sql("SELECT FROM WHERE").collect()


def test_bad_expression_string_raises_parse_exception(spark):
    # pysail differs: it raises IllegalArgumentException for syntax errors
    with pytest.raises(ParseException):
        spark.range(1).selectExpr("id +").collect()


def test_missing_path_raises_analysis_exception_with_path(spark, out_dir):
    # pysail differs: it returns an empty DataFrame for a missing path; Spark raises
    # [PATH_NOT_FOUND] Path does not exist: file:/...
    missing = out_dir / "definitely_missing_dir"
    with pytest.raises(AnalysisException) as info:
        spark.read.parquet(str(missing)).collect()
    assert "definitely_missing_dir" in str(info.value)
    with pytest.raises(AnalysisException) as info:
        spark.read.option("header", True).csv(str(out_dir / "nope.csv")).count()
    assert "nope.csv" in str(info.value)


def test_session_usable_after_errors(spark):
    for bad in ("SELEC 1", "SELECT nope FROM VALUES (1) AS t(x)"):
        with pytest.raises(PySparkException):
            spark.sql(bad).collect()
    assert spark.range(4).count() == 4
    assert spark.sql("SELECT 40 + 2 AS x").first().x == 42


def test_union_with_different_column_count_fails(spark):
    a = spark.createDataFrame([(1, 2)], "a INT, b INT")
    b = spark.createDataFrame([(1,)], "a INT")
    with pytest.raises(AnalysisException):
        a.union(b).collect()


def test_static_settings_cannot_change_but_builder_settings_do_not_fail(spark):
    # SparkSession.builder.appName(...) sends spark.app.name silently on every getOrCreate();
    # an explicit change of a static setting is refused.
    name = spark.conf.get("spark.app.name")
    with pytest.raises(AnalysisException):
        spark.conf.set("spark.app.name", name + "-renamed")
    assert spark.conf.get("spark.app.name") == name
    same = SparkSession.builder.remote(os.environ.get("MINISPARK_CONNECT_URL", "sc://127.0.0.1:15002")).appName("other").getOrCreate()
    assert same.range(2).count() == 2
