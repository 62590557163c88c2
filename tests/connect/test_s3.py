"""s3a:// and s3:// paths: minispark's own storage unless spark.hadoop.fs.s3a.* says otherwise.

Runs only against minispark (the connect journey sets MINISPARK_S3_SECRET): other servers have
no store behind these paths.
"""

import os

import pytest
from pyspark.sql import functions as F

pytestmark = pytest.mark.skipif(not os.environ.get("MINISPARK_S3_SECRET"), reason="needs minispark's storage")

PATH = "s3a://spark-output/connect-tests/squares/"


def test_s3a_write_and_read_back(spark):
    df = spark.range(10).withColumn("sq", F.col("id") * F.col("id"))
    df.write.mode("overwrite").parquet(PATH)
    back = spark.read.parquet(PATH)
    assert sorted((r.id, r.sq) for r in back.collect()) == [(i, i * i) for i in range(10)]
    # s3:// names the same store
    assert spark.read.parquet(PATH.replace("s3a://", "s3://")).count() == 10
    # overwrite replaces, it does not add a second copy
    df.write.mode("overwrite").parquet(PATH)
    assert spark.read.parquet(PATH).count() == 10


def test_s3a_credentials_come_from_spark_hadoop_settings(spark):
    spark.range(3).write.mode("overwrite").parquet(PATH)
    key = "spark.hadoop.fs.s3a.secret.key"
    spark.conf.set(key, "not-the-secret")
    try:
        with pytest.raises(Exception) as refused:
            spark.read.parquet(PATH).count()
        assert "403" in str(refused.value) or "Forbidden" in str(refused.value), str(refused.value)
    finally:
        spark.conf.set(key, os.environ["MINISPARK_S3_SECRET"])
    assert spark.read.parquet(PATH).count() == 3
