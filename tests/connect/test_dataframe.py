"""DataFrame transformations and actions on small inline data."""

from pyspark.sql import Row
from pyspark.sql import functions as F
from pyspark.sql.types import IntegerType, StringType, StructField, StructType

PEOPLE = [
    (1, "alice", 34, "NL"),
    (2, "bob", None, "US"),
    (3, "carol", 29, "US"),
    (4, "dave", 41, None),
    (5, "erin", 29, "NL"),
]
PEOPLE_DDL = "id INT, name STRING, age INT, country STRING"


def people(spark):
    return spark.createDataFrame(PEOPLE, PEOPLE_DDL)


def test_create_dataframe_collects_rows_in_order(spark):
    rows = people(spark).collect()
    assert [tuple(r) for r in rows] == PEOPLE
    assert rows[0].name == "alice"
    assert rows[1]["age"] is None


def test_create_dataframe_infers_long_double_string(spark):
    df = spark.createDataFrame([(1, 2.5, "x")], ["a", "b", "c"])
    assert df.dtypes == [("a", "bigint"), ("b", "double"), ("c", "string")]
    assert df.collect() == [Row(a=1, b=2.5, c="x")]
    from_rows = spark.createDataFrame([Row(k="a", v=1), Row(k="b", v=2)])
    assert from_rows.columns == ["k", "v"]
    assert sorted(tuple(r) for r in from_rows.collect()) == [("a", 1), ("b", 2)]


def test_schema_columns_and_dtypes(spark):
    df = people(spark)
    assert df.schema == StructType(
        [
            StructField("id", IntegerType(), True),
            StructField("name", StringType(), True),
            StructField("age", IntegerType(), True),
            StructField("country", StringType(), True),
        ]
    )
    assert df.columns == ["id", "name", "age", "country"]
    assert df.dtypes == [("id", "int"), ("name", "string"), ("age", "int"), ("country", "string")]


def test_print_schema_text(spark, capsys):
    people(spark).printSchema()
    assert capsys.readouterr().out == (
        "root\n"
        " |-- id: integer (nullable = true)\n"
        " |-- name: string (nullable = true)\n"
        " |-- age: integer (nullable = true)\n"
        " |-- country: string (nullable = true)\n"
        "\n"
    )


def test_select_columns_and_expressions(spark):
    rows = people(spark).select("name", (F.col("id") * 10).alias("id10")).collect()
    assert [(r.name, r.id10) for r in rows] == [(n, i * 10) for i, n, _, _ in PEOPLE]
    df = spark.createDataFrame([(3, 1.5)], "i INT, d DOUBLE")
    out = df.select("*", (F.col("i") + F.col("d")).alias("s"), (F.col("i") + 1).alias("j"))
    assert out.dtypes == [("i", "int"), ("d", "double"), ("s", "double"), ("j", "int")]
    assert out.first() == Row(i=3, d=1.5, s=4.5, j=4)


def test_filter_drops_rows_where_condition_is_null(spark):
    df = people(spark)
    assert [r.name for r in df.filter((F.col("age") > 30) & (F.col("country") == "NL")).collect()] == ["alice"]
    # age > 0 is NULL for bob, so bob is filtered out
    assert [r.name for r in df.where(F.col("age") > 0).collect()] == ["alice", "carol", "dave", "erin"]


def test_with_column_adds_and_replaces(spark):
    df = people(spark).withColumn("age2", F.col("age") + 1).withColumn("id", F.col("id") * 2)
    assert df.columns == ["id", "name", "age", "country", "age2"]
    rows = df.collect()
    assert [r.id for r in rows] == [2, 4, 6, 8, 10]
    assert [r.age2 for r in rows] == [35, None, 30, 42, 30]


def test_rename_and_drop_columns(spark):
    # renaming a column that does not exist is a no-op
    df = people(spark).withColumnRenamed("name", "full_name").withColumnRenamed("nope", "x")
    assert df.columns == ["id", "full_name", "age", "country"]
    assert df.first().full_name == "alice"
    dropped = df.drop("age", "country")
    assert dropped.columns == ["id", "full_name"]
    assert dropped.count() == 5


def test_limit_offset_and_tail(spark):
    df = people(spark).orderBy("id")
    assert [r.id for r in df.limit(2).collect()] == [1, 2]
    assert [r.id for r in df.offset(3).collect()] == [4, 5]
    assert [r.id for r in people(spark).tail(2)] == [4, 5]


def test_order_by_nulls_first_when_ascending_last_when_descending(spark):
    df = people(spark)
    asc = df.orderBy(F.col("age").asc(), "id").collect()
    assert [r.age for r in asc] == [None, 29, 29, 34, 41]
    assert [r.id for r in asc] == [2, 3, 5, 1, 4]
    desc = df.orderBy(F.col("age").desc(), F.col("id").desc()).collect()
    assert [r.age for r in desc] == [41, 34, 29, 29, None]
    assert [r.id for r in desc] == [4, 1, 5, 3, 2]


def test_sort_with_explicit_null_ordering_and_ascending_list(spark):
    df = people(spark)
    assert [r.age for r in df.sort(F.asc_nulls_last("age"), "id").collect()] == [29, 29, 34, 41, None]
    assert [r.age for r in df.sort(F.desc_nulls_first("age"), "id").collect()] == [None, 41, 34, 29, 29]
    rows = df.sort(["age", "name"], ascending=[False, True]).collect()
    assert [r.name for r in rows] == ["dave", "alice", "carol", "erin", "bob"]


def test_distinct_and_drop_duplicates(spark):
    df = spark.createDataFrame([(1, "a"), (1, "a"), (1, "b"), (2, "a")], "k INT, v STRING")
    assert sorted(tuple(r) for r in df.distinct().collect()) == [(1, "a"), (1, "b"), (2, "a")]
    assert sorted(r.k for r in df.dropDuplicates(["k"]).collect()) == [1, 2]
    assert df.dropDuplicates().count() == 3


def test_union_by_position_and_union_by_name(spark):
    a = spark.createDataFrame([(1, "x"), (2, "y")], "id INT, v STRING")
    b = spark.createDataFrame([("z", 3)], "v STRING, id INT")
    # union keeps duplicates and matches columns by position
    rows = a.union(a).union(b.select("id", "v")).collect()
    assert sorted(tuple(r) for r in rows) == [(1, "x"), (1, "x"), (2, "y"), (2, "y"), (3, "z")]
    assert sorted(tuple(r) for r in a.unionByName(b).collect()) == [(1, "x"), (2, "y"), (3, "z")]
    c = spark.createDataFrame([(4,)], "id INT")
    rows = a.unionByName(c, allowMissingColumns=True).collect()
    assert sorted((r.id, r.v) for r in rows) == [(1, "x"), (2, "y"), (4, None)]


def test_intersect_except_all_and_subtract(spark):
    a = spark.createDataFrame([(1,), (1,), (2,), (3,)], "n INT")
    b = spark.createDataFrame([(1,), (3,), (4,)], "n INT")
    assert sorted(r.n for r in a.intersect(b).collect()) == [1, 3]
    assert sorted(r.n for r in a.exceptAll(b).collect()) == [1, 2]
    assert sorted(r.n for r in a.subtract(b).collect()) == [2]


def test_to_df_and_alias(spark):
    df = people(spark).select("id", "name").toDF("key", "label")
    assert df.columns == ["key", "label"]
    assert df.first() == Row(key=1, label="alice")
    p = people(spark).alias("p")
    assert p.where(F.col("p.id") == 3).select(F.col("p.name")).collect() == [Row(name="carol")]


def test_sample_repartition_and_coalesce_keep_input_rows(spark):
    sampled = [r.id for r in spark.range(100).sample(fraction=0.3, seed=7).collect()]
    assert len(sampled) <= 100
    assert len(set(sampled)) == len(sampled)
    assert set(sampled) <= set(range(100))
    df = people(spark)
    assert sorted(r.id for r in df.repartition(3).collect()) == [1, 2, 3, 4, 5]
    assert sorted(r.id for r in df.repartition(2, "country").collect()) == [1, 2, 3, 4, 5]
    assert df.coalesce(1).count() == 5


def test_na_fill_by_type_and_dict(spark):
    df = people(spark)
    # a number fills only numeric columns, a string only string columns
    assert [(r.age, r.country) for r in df.na.fill(0).collect()][1:4] == [(0, "US"), (29, "US"), (41, None)]
    assert [(r.age, r.country) for r in df.na.fill("??").collect()][1:4] == [(None, "US"), (29, "US"), (41, "??")]
    rows = df.fillna({"age": -1, "country": "XX"}).collect()
    assert [(r.age, r.country) for r in rows][1:4] == [(-1, "US"), (29, "US"), (41, "XX")]


def test_na_drop_and_replace(spark):
    df = spark.createDataFrame(
        [(1, None, None), (2, "a", None), (3, "b", 1.0), (None, None, None)],
        "k INT, s STRING, d DOUBLE",
    )
    assert df.na.drop().count() == 1
    assert df.na.drop(how="all").count() == 3
    assert sorted(r.k for r in df.dropna(subset=["s"]).collect()) == [2, 3]
    assert df.na.drop(thresh=2).count() == 2
    p = people(spark)
    rows = p.na.replace(["US", "NL"], ["USA", "NED"], "country").collect()
    assert [r.country for r in rows] == ["NED", "USA", "USA", None, "NED"]
    assert [r.age for r in p.replace(29, 30).collect()] == [34, None, 30, 41, 30]


def test_unpivot_to_long_format(spark):
    df = spark.createDataFrame([(1, 10, 20), (2, 30, 40)], "id INT, a INT, b INT")
    long = df.unpivot("id", ["a", "b"], "var", "val")
    assert long.columns == ["id", "var", "val"]
    assert sorted(tuple(r) for r in long.collect()) == [(1, "a", 10), (1, "b", 20), (2, "a", 30), (2, "b", 40)]


def test_count_first_head_take(spark):
    df = people(spark).orderBy("id")
    assert df.count() == 5
    assert df.filter("age IS NULL").count() == 1
    assert df.first() == Row(id=1, name="alice", age=34, country="NL")
    assert df.head() == df.first()
    assert [r.id for r in df.head(2)] == [1, 2]
    assert [r.id for r in df.take(3)] == [1, 2, 3]
    empty = spark.createDataFrame([], "a INT")
    assert empty.count() == 0
    assert empty.first() is None
