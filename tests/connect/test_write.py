"""DataFrameWriter: formats, save modes and partitionBy."""

import csv
import json

import pytest
from pyspark.errors import AnalysisException
from pyspark.sql import functions as F

ROWS = [(1, "NL", 2.5), (2, "US", None), (3, "NL", 4.0)]
DDL = "id INT, country STRING, score DOUBLE"


def frame(spark, rows=ROWS):
    return spark.createDataFrame(rows, DDL)


def data_files(path, suffix=""):
    """The data files Spark left under path (skips _SUCCESS, .crc and other hidden files)."""
    return sorted(
        p for p in path.rglob("*")
        if p.is_file() and not p.name.startswith(("_", ".")) and p.name.endswith(suffix)
    )


def ids(df):
    return sorted(r.id for r in df.collect())


@pytest.mark.parametrize("fmt", ["parquet", "json"])
def test_write_and_read_back_same_rows(spark, out_dir, fmt):
    path = str(out_dir / "t")
    frame(spark).write.format(fmt).save(path)
    back = spark.read.format(fmt).load(path)
    assert sorted((r.id, r.country, r.score) for r in back.collect()) == sorted(ROWS)


def test_write_csv_text_with_and_without_header(spark, out_dir):
    path = out_dir / "csv"
    frame(spark).coalesce(1).write.option("header", True).csv(str(path))
    files = data_files(path, ".csv")
    assert files
    lines = []
    for f in files:
        with open(f, newline="") as fh:
            reader = list(csv.reader(fh))
        assert reader[0] == ["id", "country", "score"]
        lines.extend(reader[1:])
    # NULL is written as an empty field
    assert sorted(lines) == [["1", "NL", "2.5"], ["2", "US", ""], ["3", "NL", "4.0"]]
    # no header by default
    plain = out_dir / "plain"
    frame(spark).write.csv(str(plain))
    content = sorted(line for f in data_files(plain, ".csv") for line in f.read_text().splitlines() if line)
    assert content == ["1,NL,2.5", "2,US,", "3,NL,4.0"]


def test_write_json_lines_omit_null_fields(spark, out_dir):
    path = out_dir / "json"
    frame(spark).write.json(str(path))
    objs = [json.loads(line) for f in data_files(path, ".json") for line in f.read_text().splitlines() if line]
    assert sorted(objs, key=lambda o: o["id"]) == [
        {"id": 1, "country": "NL", "score": 2.5},
        {"id": 2, "country": "US"},
        {"id": 3, "country": "NL", "score": 4.0},
    ]


def test_mode_overwrite_replaces_data(spark, out_dir):
    path = str(out_dir / "p")
    frame(spark).write.parquet(path)
    frame(spark, [(9, "SE", 1.0)]).write.mode("overwrite").parquet(path)
    assert ids(spark.read.parquet(path)) == [9]


def test_mode_append_adds_rows(spark, out_dir):
    path = str(out_dir / "p")
    frame(spark).write.mode("append").parquet(path)
    frame(spark).write.mode("append").parquet(path)
    back = spark.read.parquet(path)
    assert back.count() == 2 * len(ROWS)
    assert ids(back) == [1, 1, 2, 2, 3, 3]
    csv_path = str(out_dir / "c")
    frame(spark).write.option("header", True).csv(csv_path)
    frame(spark).write.mode("append").option("header", True).csv(csv_path)
    assert spark.read.option("header", True).csv(csv_path).count() == 2 * len(ROWS)


def test_mode_error_raises_when_path_exists(spark, out_dir):
    path = str(out_dir / "p")
    frame(spark).write.parquet(path)
    with pytest.raises(AnalysisException):
        frame(spark).write.mode("error").parquet(path)
    with pytest.raises(AnalysisException):
        frame(spark).write.parquet(path)  # default mode is errorifexists
    assert ids(spark.read.parquet(path)) == [1, 2, 3]


def test_mode_ignore_keeps_old_data(spark, out_dir):
    path = str(out_dir / "p")
    frame(spark).write.mode("ignore").parquet(path)  # missing path: writes
    assert ids(spark.read.parquet(path)) == [1, 2, 3]
    frame(spark, [(9, "SE", 1.0)]).write.mode("ignore").parquet(path)  # exists: does nothing
    assert ids(spark.read.parquet(path)) == [1, 2, 3]


def test_partition_by_creates_directories(spark, out_dir):
    path = out_dir / "parts"
    frame(spark).write.partitionBy("country").parquet(str(path))
    dirs = sorted(p.name for p in path.iterdir() if p.is_dir())
    assert dirs == ["country=NL", "country=US"]
    assert data_files(path / "country=NL")
    # the partition column is not stored in the data files
    nl = spark.read.parquet(str(path / "country=NL"))
    assert nl.columns == ["id", "score"]
    assert ids(nl) == [1, 3]


def test_partition_by_reads_back_with_partition_column_last(spark, out_dir):
    path = str(out_dir / "parts")
    frame(spark).write.partitionBy("country").mode("overwrite").parquet(path)
    back = spark.read.parquet(path)
    assert back.columns == ["id", "score", "country"]
    assert sorted((r.id, r.score, r.country) for r in back.collect()) == sorted(
        (i, s, c) for i, c, s in ROWS
    )
    assert ids(back.where(F.col("country") == "US")) == [2]
