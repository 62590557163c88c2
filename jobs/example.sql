-- The example application: 2024 sales by country and product category.
--
-- Reads the exported tables from s3://spark-data (uploaded from data/ by `minispark all`), joins
-- orders with customers and products, keeps completed orders, aggregates, and writes the result as
-- Parquet to s3://spark-output and as CSV to output/. The last SELECT prints the top of the result.

CREATE EXTERNAL TABLE customers (
    customer_id BIGINT NOT NULL,
    name VARCHAR NOT NULL,
    email VARCHAR,
    country VARCHAR NOT NULL,
    segment VARCHAR,
    signup_date DATE NOT NULL
) STORED AS CSV LOCATION 's3://spark-data/customers.csv' OPTIONS ('format.has_header' 'true');

CREATE EXTERNAL TABLE products STORED AS JSON LOCATION 's3a://spark-data/products.json';

CREATE EXTERNAL TABLE orders (
    order_id BIGINT NOT NULL,
    customer_id BIGINT NOT NULL,
    product_id BIGINT NOT NULL,
    quantity INT NOT NULL,
    unit_price DECIMAL(10, 2) NOT NULL,
    discount DECIMAL(4, 2),
    order_date DATE NOT NULL,
    status VARCHAR NOT NULL
) STORED AS CSV LOCATION 's3://spark-data/orders/' OPTIONS ('format.has_header' 'true');

-- Revenue per country and category. Orders of customers missing from the export drop out in the
-- inner join; products without a category are reported as 'uncategorized'.
CREATE VIEW sales_by_country_category AS
SELECT
    c.country,
    COALESCE(p.category, 'uncategorized') AS category,
    COUNT(DISTINCT o.order_id) AS orders,
    COUNT(DISTINCT o.customer_id) AS customers,
    SUM(o.quantity) AS units,
    CAST(SUM(o.quantity * o.unit_price * (1 - COALESCE(o.discount, 0))) AS DECIMAL(14, 2)) AS revenue,
    CAST(AVG(o.unit_price) AS DECIMAL(10, 2)) AS avg_unit_price
FROM orders o
JOIN customers c ON o.customer_id = c.customer_id
JOIN products p ON o.product_id = CAST(p.product_id AS BIGINT)
WHERE o.status = 'completed' AND o.order_date BETWEEN DATE '2024-01-01' AND DATE '2024-12-31'
GROUP BY c.country, COALESCE(p.category, 'uncategorized');

COPY (SELECT * FROM sales_by_country_category ORDER BY country, category)
TO 's3://spark-output/sales_by_country_category/' STORED AS PARQUET;

COPY (SELECT * FROM sales_by_country_category ORDER BY country, category)
TO 'output/sales_by_country_category/' STORED AS CSV OPTIONS ('format.has_header' 'true');

-- Monthly revenue and the share of orders that were returned or cancelled.
COPY (
    SELECT
        date_trunc('month', order_date) AS month,
        COUNT(*) AS orders,
        CAST(SUM(CASE WHEN status = 'completed' THEN quantity * unit_price * (1 - COALESCE(discount, 0)) ELSE 0 END) AS DECIMAL(14, 2)) AS revenue,
        CAST(AVG(CASE WHEN status IN ('returned', 'cancelled') THEN 1.0 ELSE 0.0 END) AS DECIMAL(5, 4)) AS lost_share
    FROM orders
    GROUP BY date_trunc('month', order_date)
    ORDER BY month
) TO 's3://spark-output/monthly_revenue/' STORED AS PARQUET;

-- Top ten country/category pairs by revenue.
SELECT country, category, orders, customers, units, revenue
FROM sales_by_country_category
ORDER BY revenue DESC, country, category
LIMIT 10;
