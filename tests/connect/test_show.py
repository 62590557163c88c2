r"""The exact text of df.show(): the server renders it (ShowString), the client prints it.

Spark 4's rules (classic Dataset.showString): every column is at least 3 wide; with truncation
on (the default, 20) cells and headers are right-aligned and longer cells become their first
truncate-3 characters + "..."; with truncate=False they are left-aligned; NULL prints as NULL;
newlines in cells print as \n. The table ends with its separator line and "\n"; when more
rows exist than shown, "only showing top N rows" ("row" for 1) follows WITHOUT a trailing
newline; vertical mode of an empty frame is "(0 rows)" without a newline. The client prints
the string with print(), which adds one "\n".

pysail differs: it ends the footer lines with "\n" (Spark 3.5 did too), so the footer tests
see an extra blank line there.
"""

import datetime
from decimal import Decimal

PEOPLE = [(1, "alice", 2.5), (2, "bob", None), (10, None, -1.0)]
DDL = "id INT, name STRING, score DOUBLE"


def shown(capsys, df, *args, **kwargs):
    capsys.readouterr()
    df.show(*args, **kwargs)
    return capsys.readouterr().out


def people(spark):
    return spark.createDataFrame(PEOPLE, DDL)


def test_show_default_right_aligns(spark, capsys):
    assert shown(capsys, people(spark)) == (
        "+---+-----+-----+\n"
        "| id| name|score|\n"
        "+---+-----+-----+\n"
        "|  1|alice|  2.5|\n"
        "|  2|  bob| NULL|\n"
        "| 10| NULL| -1.0|\n"
        "+---+-----+-----+\n"
        "\n"
    )


def test_show_n_rows_adds_footer(spark, capsys):
    # pysail differs: extra "\n" after the footer
    assert shown(capsys, people(spark), 2) == (
        "+---+-----+-----+\n"
        "| id| name|score|\n"
        "+---+-----+-----+\n"
        "|  1|alice|  2.5|\n"
        "|  2|  bob| NULL|\n"
        "+---+-----+-----+\n"
        "only showing top 2 rows\n"
    )
    # exactly as many rows as exist: no footer
    assert "only showing" not in shown(capsys, people(spark), 3)
    assert shown(capsys, spark.range(5), 1) == (
        "+---+\n"
        "| id|\n"
        "+---+\n"
        "|  0|\n"
        "+---+\n"
        "only showing top 1 row\n"
    )


def test_show_truncate_false_left_aligns(spark, capsys):
    assert shown(capsys, people(spark), truncate=False) == (
        "+---+-----+-----+\n"
        "|id |name |score|\n"
        "+---+-----+-----+\n"
        "|1  |alice|2.5  |\n"
        "|2  |bob  |NULL |\n"
        "|10 |NULL |-1.0 |\n"
        "+---+-----+-----+\n"
        "\n"
    )


def test_show_truncates_long_strings_to_20(spark, capsys):
    long = "abcdefghijklmnopqrstuvwxyz"
    df = spark.createDataFrame([(long,), ("short",)], "s STRING")
    assert shown(capsys, df) == (
        "+--------------------+\n"
        "|                   s|\n"
        "+--------------------+\n"
        "|abcdefghijklmnopq...|\n"
        "|               short|\n"
        "+--------------------+\n"
        "\n"
    )
    full = shown(capsys, df, truncate=False)
    assert "|" + long + "|\n" in full
    assert "|short                     |\n" in full


def test_show_truncate_width(spark, capsys):
    df = spark.createDataFrame([("abcdefgh", 1)], "word STRING, n INT")
    assert shown(capsys, df, truncate=5) == (
        "+-----+---+\n"
        "| word|  n|\n"
        "+-----+---+\n"
        "|ab...|  1|\n"
        "+-----+---+\n"
        "\n"
    )


def test_show_vertical(spark, capsys):
    assert shown(capsys, people(spark), vertical=True) == (
        "-RECORD 0------\n"
        " id    | 1     \n"
        " name  | alice \n"
        " score | 2.5   \n"
        "-RECORD 1------\n"
        " id    | 2     \n"
        " name  | bob   \n"
        " score | NULL  \n"
        "-RECORD 2------\n"
        " id    | 10    \n"
        " name  | NULL  \n"
        " score | -1.0  \n"
        "\n"
    )


def test_show_vertical_minimum_width_and_footer(spark, capsys):
    # pysail differs: it applies no minimum width in vertical mode (Spark: 3 for both columns),
    # and adds "\n" after the footer. The record header is padded to name width + data width + 5.
    df = spark.createDataFrame([(1, "x"), (2, "y")], "a INT, b STRING")
    assert shown(capsys, df, 1, vertical=True) == (
        "-RECORD 0--\n"
        " a   | 1   \n"
        " b   | x   \n"
        "only showing top 1 row\n"
    )


def test_show_empty_frame_prints_header_only(spark, capsys):
    df = spark.createDataFrame([], "a INT, long_name STRING")
    assert shown(capsys, df) == (
        "+---+---------+\n"
        "|  a|long_name|\n"
        "+---+---------+\n"
        "+---+---------+\n"
        "\n"
    )
    # vertical mode prints an explicit "(0 rows)". pysail differs: extra "\n" after it
    assert shown(capsys, df, vertical=True) == "(0 rows)\n"


def test_show_value_formatting(spark, capsys):
    # doubles print as Java's Double.toString (1.0E10), decimals keep their scale
    df = spark.createDataFrame(
        [(True, datetime.date(2024, 1, 5), Decimal("12.50"), [1, 2], 123456789012, 1e10, 0.1)],
        "b BOOLEAN, d DATE, m DECIMAL(5,2), xs ARRAY<INT>, l BIGINT, big DOUBLE, small DOUBLE",
    )
    assert shown(capsys, df) == (
        "+----+----------+-----+------+------------+------+-----+\n"
        "|   b|         d|    m|    xs|           l|   big|small|\n"
        "+----+----------+-----+------+------------+------+-----+\n"
        "|true|2024-01-05|12.50|[1, 2]|123456789012|1.0E10|  0.1|\n"
        "+----+----------+-----+------+------------+------+-----+\n"
        "\n"
    )


def test_show_escapes_newlines_in_cells(spark, capsys):
    df = spark.createDataFrame([("a\nb",)], "s STRING")
    assert shown(capsys, df) == (
        "+----+\n"
        "|   s|\n"
        "+----+\n"
        "|a\\nb|\n"
        "+----+\n"
        "\n"
    )


def test_show_after_group_by(spark, capsys):
    df = spark.createDataFrame([("NL",), ("US",), ("NL",)], "country STRING")
    out = shown(capsys, df.groupBy("country").count().orderBy("country"))
    assert out == (
        "+-------+-----+\n"
        "|country|count|\n"
        "+-------+-----+\n"
        "|     NL|    2|\n"
        "|     US|    1|\n"
        "+-------+-----+\n"
        "\n"
    )
