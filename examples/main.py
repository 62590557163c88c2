"""The example application as a PySpark program: 2024 sales by country and product category.

The DataFrame twin of jobs/example.sql. It reads the exported tables from s3a://spark-data,
joins orders with customers and products, keeps completed 2024 orders, aggregates, writes the
result as Parquet to s3a://spark-output and as CSV to output/, writes monthly revenue, and prints
the top ten country/category pairs by revenue.

Run it against a Spark Connect server (minispark, or any Spark 3.5+/4.x):

    SPARK_REMOTE=sc://127.0.0.1:15002 python examples/main.py
"""

import os
from decimal import Decimal

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

ORDERS_SCHEMA = (
    "order_id BIGINT, customer_id BIGINT, product_id BIGINT, quantity INT, "
    "unit_price DECIMAL(10,2), discount DECIMAL(4,2), order_date DATE, status STRING"
)
CUSTOMERS_SCHEMA = (
    "customer_id BIGINT, name STRING, email STRING, country STRING, segment STRING, signup_date DATE"
)


def main():
    spark = (
        SparkSession.builder.remote(os.environ.get("SPARK_REMOTE", "sc://127.0.0.1:15002"))
        .appName("example")
        .getOrCreate()
    )

    orders = spark.read.schema(ORDERS_SCHEMA).option("header", True).csv("s3a://spark-data/orders/")
    customers = spark.read.schema(CUSTOMERS_SCHEMA).option("header", True).csv("s3a://spark-data/customers.csv")
    products = spark.read.json("s3a://spark-data/products.json")

    # Net revenue of an order line: quantity * unit_price * (1 - discount), no discount = 0.
    line_revenue = F.col("quantity") * F.col("unit_price") * (F.lit(1) - F.coalesce(F.col("discount"), F.lit(0)))

    # Revenue per country and category. Orders of customers missing from the export drop out in
    # the inner join; products without a category are reported as 'uncategorized'.
    o, c, p = orders.alias("o"), customers.alias("c"), products.alias("p")
    sales = (
        o.join(c, F.col("o.customer_id") == F.col("c.customer_id"))
        .join(p, F.col("o.product_id") == F.col("p.product_id").cast("bigint"))
        .where(
            (F.col("o.status") == "completed")
            & F.col("o.order_date").between(F.lit("2024-01-01").cast("date"), F.lit("2024-12-31").cast("date"))
        )
        .groupBy(F.col("c.country").alias("country"), F.coalesce(F.col("p.category"), F.lit("uncategorized")).alias("category"))
        .agg(
            F.countDistinct("o.order_id").alias("orders"),
            F.countDistinct("o.customer_id").alias("customers"),
            F.sum("o.quantity").alias("units"),
            F.sum(line_revenue).cast("decimal(14,2)").alias("revenue"),
            F.avg("o.unit_price").cast("decimal(10,2)").alias("avg_unit_price"),
        )
    )

    by_country_category = sales.orderBy("country", "category")
    by_country_category.write.mode("overwrite").parquet("s3a://spark-output/sales_by_country_category/")
    by_country_category.write.mode("overwrite").option("header", True).csv("output/sales_by_country_category/")

    # Monthly revenue and the share of orders that were returned or cancelled.
    lost = F.col("status").isin("returned", "cancelled")
    monthly = (
        orders.groupBy(F.date_trunc("month", "order_date").alias("month"))
        .agg(
            F.count("*").alias("orders"),
            F.sum(F.when(F.col("status") == "completed", line_revenue).otherwise(0)).cast("decimal(14,2)").alias("revenue"),
            F.avg(F.when(lost, F.lit(Decimal("1.0"))).otherwise(F.lit(Decimal("0.0")))).cast("decimal(5,4)").alias("lost_share"),
        )
        .orderBy("month")
    )
    monthly.write.mode("overwrite").parquet("s3a://spark-output/monthly_revenue/")

    # Top ten country/category pairs by revenue.
    (
        sales.select("country", "category", "orders", "customers", "units", "revenue")
        .orderBy(F.desc("revenue"), "country", "category")
        .limit(10)
        .show()
    )

    spark.stop()


if __name__ == "__main__":
    main()
