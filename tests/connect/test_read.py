"""Reading CSV, JSON and Parquet; spark.table on temp views."""

import csv
import datetime
import json
from collections import Counter

from pyspark.sql import Row
from pyspark.sql import functions as F


def read_customers(data_dir):
    with open(data_dir / "customers.csv", newline="") as f:
        return list(csv.DictReader(f))


def read_orders(data_dir):
    rows = []
    for path in sorted((data_dir / "orders").glob("*.csv")):
        with open(path, newline="") as f:
            rows.extend(csv.DictReader(f))
    return rows


def read_products(data_dir):
    with open(data_dir / "products.json") as f:
        return [json.loads(line) for line in f if line.strip()]


def test_csv_header_infer_schema_types(spark, data_dir):
    # pysail differs: it infers bigint for customer_id; Spark infers int when all values fit
    df = spark.read.option("header", True).option("inferSchema", True).csv(str(data_dir / "customers.csv"))
    assert df.dtypes == [
        ("customer_id", "int"),
        ("name", "string"),
        ("email", "string"),
        ("country", "string"),
        ("segment", "string"),
        ("signup_date", "date"),
    ]


def test_csv_header_infer_schema_values(spark, data_dir):
    expected = read_customers(data_dir)
    df = spark.read.csv(str(data_dir / "customers.csv"), header=True, inferSchema=True)
    assert df.count() == len(expected) == 2000
    first = df.where(F.col("customer_id") == 1).first()
    src = expected[0]
    assert first.name == src["name"]
    assert first.signup_date == datetime.date.fromisoformat(src["signup_date"])
    # empty CSV fields read as NULL
    assert df.where(F.col("email").isNull()).count() == sum(1 for r in expected if r["email"] == "")


def test_csv_with_ddl_schema(spark, out_dir):
    path = out_dir / "ab.csv"
    path.write_text("a,b\n1,one\n2,two\n3,\n")
    df = spark.read.schema("a INT, b STRING").option("header", "true").csv(str(path))
    assert df.dtypes == [("a", "int"), ("b", "string")]
    assert sorted(tuple(r) for r in df.collect()) == [(1, "one"), (2, "two"), (3, None)]


def test_csv_sep_option_and_no_header(spark, out_dir):
    path = out_dir / "semi.csv"
    path.write_text("k;v\nx;1.5\ny;2.5\n")
    df = spark.read.options(header="true", inferSchema="true", sep=";").csv(str(path))
    assert df.dtypes == [("k", "string"), ("v", "double")]
    assert sorted(tuple(r) for r in df.collect()) == [("x", 1.5), ("y", 2.5)]
    # without header, columns are _c0, _c1, ... and all strings
    plain = spark.read.option("sep", ";").csv(str(path))
    assert plain.dtypes == [("_c0", "string"), ("_c1", "string")]
    assert sorted(tuple(r) for r in plain.collect()) == [("k", "v"), ("x", "1.5"), ("y", "2.5")]


def test_csv_directory_reads_all_files(spark, data_dir):
    expected = read_orders(data_dir)
    df = spark.read.csv(str(data_dir / "orders"), header=True, inferSchema=True)
    assert df.count() == len(expected) == 60000
    total = df.agg(F.sum("quantity").alias("q")).first().q
    assert total == sum(int(r["quantity"]) for r in expected)


def test_csv_explicit_schema_with_decimal_and_date(spark, data_dir):
    schema = (
        "order_id BIGINT, customer_id BIGINT, product_id BIGINT, quantity INT, "
        "unit_price DECIMAL(10,2), discount DECIMAL(4,2), order_date DATE, status STRING"
    )
    df = spark.read.schema(schema).option("header", True).csv(str(data_dir / "orders" / "orders-2024-01.csv"))
    assert df.schema["unit_price"].dataType.simpleString() == "decimal(10,2)"
    first_src = read_orders(data_dir)[0]
    row = df.where(F.col("order_id") == int(first_src["order_id"])).first()
    assert str(row.unit_price) == first_src["unit_price"]
    assert row.order_date == datetime.date.fromisoformat(first_src["order_date"])
    if first_src["discount"] == "":
        assert row.discount is None
    else:
        assert str(row.discount) == first_src["discount"]


def test_json_lines_schema_is_sorted_and_inferred(spark, data_dir):
    df = spark.read.json(str(data_dir / "products.json"))
    # Spark's JSON inference orders fields by name.
    # pysail differs: it keeps the order of the file (product_id, name, ...)
    assert df.dtypes == [
        ("active", "boolean"),
        ("category", "string"),
        ("name", "string"),
        ("price", "double"),
        ("product_id", "bigint"),
    ]


def test_json_values_and_nulls(spark, data_dir):
    expected = read_products(data_dir)
    df = spark.read.json(str(data_dir / "products.json"))
    assert df.count() == len(expected) == 200
    got = Counter(r.category for r in df.select("category").collect())
    assert got == Counter(p["category"] for p in expected)
    row = df.where(F.col("product_id") == 1).first()
    assert (row.name, row.price, row.active) == (expected[0]["name"], expected[0]["price"], expected[0]["active"])


def test_parquet_round_trip_keeps_schema_and_rows(spark, out_dir):
    rows = [(1, "a", 1.5, datetime.date(2024, 1, 2)), (2, None, None, None)]
    df = spark.createDataFrame(rows, "id BIGINT, s STRING, d DOUBLE, day DATE")
    path = str(out_dir / "rt.parquet")
    df.write.parquet(path)
    back = spark.read.parquet(path)
    assert back.dtypes == [("id", "bigint"), ("s", "string"), ("d", "double"), ("day", "date")]
    assert sorted(back.collect(), key=lambda r: r.id) == [Row(id=1, s="a", d=1.5, day=datetime.date(2024, 1, 2)), Row(id=2, s=None, d=None, day=None)]


def test_read_format_load_generic(spark, data_dir):
    df = spark.read.format("json").load(str(data_dir / "products.json"))
    assert df.count() == 200
    df2 = spark.read.format("csv").option("header", "true").load(str(data_dir / "customers.csv"))
    assert df2.columns == ["customer_id", "name", "email", "country", "segment", "signup_date"]


def test_table_reads_temp_view(spark):
    spark.createDataFrame([(1, "a"), (2, "b")], "id INT, v STRING").createOrReplaceTempView("t_read_view")
    df = spark.table("t_read_view")
    assert df.columns == ["id", "v"]
    assert sorted(tuple(r) for r in df.where("id > 1").collect()) == [(2, "b")]
    # replacing the view changes what spark.table reads
    spark.createDataFrame([(3, "c")], "id INT, v STRING").createOrReplaceTempView("t_read_view")
    assert [tuple(r) for r in spark.table("t_read_view").collect()] == [(3, "c")]
