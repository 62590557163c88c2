"""Smoke test for a PySpark 3.5 Spark Connect client (not collected by pytest).

Run with a 3.5 client venv:

    pip install "pyspark[connect]==3.5.9" "pyarrow<19" "protobuf<6" "grpcio<1.68" \
        "grpcio-status<1.68" "googleapis-common-protos<1.66" "numpy<2" "pandas<2.3"
    MINISPARK_CONNECT_URL=sc://127.0.0.1:15002 python tests/connect/smoke_35.py

3.5 differs from 4.x on the wire: getOrCreate() sends Config.set(spark.remote), printSchema()
uses AnalyzePlan.tree_string, spark.sql sends SqlCommand.sql, null checks are named `isnull`.
Prints "smoke 3.5 ok" and exits 0 on success, exits 1 on the first failure.
"""

import contextlib
import io
import os
import sys


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def main():
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    url = os.environ.get("MINISPARK_CONNECT_URL", "sc://127.0.0.1:15002")
    spark = SparkSession.builder.remote(url).getOrCreate()

    rows = [(1, "NL", 10.0), (2, "US", None), (3, "NL", 2.5), (4, "DE", 7.0)]
    df = spark.createDataFrame(rows, "id INT, country STRING, amount DOUBLE")

    got = sorted(tuple(r) for r in df.collect())
    check(got == sorted(rows), f"collect: {got}")

    nl = df.filter((F.col("country") == "NL") & F.col("amount").isNotNull())
    check(sorted(r.id for r in nl.collect()) == [1, 3], "filter")
    check(df.filter(F.col("amount").isNull()).count() == 1, "isNull filter")

    counts = {r.country: r["count"] for r in df.groupBy("country").count().collect()}
    check(counts == {"NL": 2, "US": 1, "DE": 1}, f"groupBy count: {counts}")

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        df.groupBy("country").count().orderBy("country").show()
    table = buf.getvalue()
    for line in ("|country|count|", "|     DE|    1|", "|     NL|    2|", "|     US|    1|"):
        check(line in table, f"show() lacks {line!r}:\n{table}")

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        df.printSchema()
    schema = buf.getvalue()
    expected = (
        "root\n"
        " |-- id: integer (nullable = true)\n"
        " |-- country: string (nullable = true)\n"
        " |-- amount: double (nullable = true)\n"
    )
    check(schema.startswith(expected), f"printSchema:\n{schema}")

    check(spark.sql("SELECT 7 / 2 AS q").collect()[0].q == 3.5, "spark.sql")

    spark.stop()
    print("smoke 3.5 ok")


if __name__ == "__main__":
    try:
        main()
    except Exception as exc:  # noqa: BLE001 - report any failure as a non-zero exit
        print(f"smoke 3.5 FAILED: {type(exc).__name__}: {exc}", file=sys.stderr)
        sys.exit(1)
