-- Dates and timestamps, in the session time zone UTC: parsing with patterns, formatting, epoch
-- seconds, calendar arithmetic, truncation and fields.

-- name: to_date_default
SELECT to_date('2024-02-03') AS a, to_date('2024-02-03 10:45:11') AS b;

-- name: to_date_pattern
SELECT to_date('03/02/2024', 'dd/MM/yyyy') AS a, to_date('2024.02.03', 'yyyy.MM.dd') AS b, to_date('Feb 3 2024', 'MMM d yyyy') AS c;

-- name: to_date_invalid_raises
SELECT to_date('2024-13-45') AS v;

-- name: to_date_pattern_mismatch_raises
SELECT to_date('2024-02-03', 'dd/MM/yyyy') AS v;

-- name: to_timestamp_default
SELECT to_timestamp('2024-02-03 10:45:11') AS a, to_timestamp('2024-02-03') AS b;

-- name: to_timestamp_pattern
SELECT to_timestamp('03/02/2024 10:45', 'dd/MM/yyyy HH:mm') AS a, to_timestamp('20240203104511', 'yyyyMMddHHmmss') AS b;

-- name: to_timestamp_fraction
SELECT to_timestamp('2024-02-03 10:45:11.123456') AS a, to_timestamp('2024-02-03 10:45:11.1') AS b;

-- name: timestamp_literal_show
SELECT TIMESTAMP '2024-02-03 10:45:11' AS a, TIMESTAMP '2024-02-03 10:45:11.120' AS b, TIMESTAMP '2024-02-03 00:00:00' AS c, DATE '2024-02-03' AS d;

-- name: date_format_timestamp
SELECT date_format(TIMESTAMP '2024-02-03 10:45:11', 'yyyy-MM-dd HH:mm') AS a, date_format(TIMESTAMP '2024-02-03 10:45:11', 'yyyyMMdd') AS b, date_format(TIMESTAMP '2024-02-03 10:45:11.5', 'HH:mm:ss.SSS') AS c;

-- name: date_format_names
SELECT date_format(DATE '2024-02-03', 'EEEE') AS day, date_format(DATE '2024-02-03', 'E') AS short, date_format(DATE '2024-02-03', 'MMM d, yyyy') AS m, date_format(DATE '2024-02-03', 'MMMM') AS month;

-- name: date_format_12_hour
SELECT date_format(TIMESTAMP '2024-02-03 15:04:05', 'h:mm a') AS a, date_format(TIMESTAMP '2024-02-03 00:04:05', 'hh:mm a') AS b;

-- name: date_format_string_input
SELECT date_format('2024-02-03', 'dd.MM.yy') AS a, date_format('2024-02-03 10:45:11', 'HH') AS b;

-- name: unix_timestamp
SELECT unix_timestamp('2024-02-03 10:45:11') AS a, unix_timestamp('2024-02-03', 'yyyy-MM-dd') AS b, unix_timestamp(TIMESTAMP '2024-02-03 10:45:11') AS c;

-- name: from_unixtime
SELECT from_unixtime(0) AS a, from_unixtime(1706957111, 'yyyy-MM-dd') AS b, from_unixtime(1706957111) AS c;

-- name: epoch_conversions
SELECT timestamp_seconds(1706957111) AS s, timestamp_millis(1706957111500) AS ms, unix_seconds(TIMESTAMP '2024-02-03 10:45:11') AS us, unix_millis(TIMESTAMP '2024-02-03 10:45:11') AS um;

-- name: unix_date
SELECT unix_date(DATE '2024-02-03') AS u, date_from_unix_date(19756) AS d;

-- name: date_add_sub
SELECT date_add(DATE '2024-02-28', 1) AS a, date_sub(DATE '2024-03-01', 1) AS b, date_add('2024-02-28', 2) AS c, date_add(DATE '2024-01-31', -31) AS d;

-- name: date_plus_int
SELECT DATE '2024-02-28' + 2 AS a, DATE '2024-03-01' - 1 AS b;

-- name: datediff
SELECT datediff(DATE '2024-03-01', DATE '2024-02-01') AS a, datediff('2024-01-01', '2024-03-01') AS b;

-- name: months_between
SELECT months_between(DATE '2024-03-31', DATE '2024-02-29') AS a, months_between(TIMESTAMP '2024-03-15 12:00:00', TIMESTAMP '2024-01-01 00:00:00') AS b, months_between('2024-03-15', '2024-01-01', false) AS c;

-- name: add_months
SELECT add_months(DATE '2024-01-31', 1) AS a, add_months('2024-03-31', -1) AS b, add_months(DATE '2024-02-29', 12) AS c;

-- name: last_day_next_day
SELECT last_day(DATE '2024-02-10') AS a, last_day('2023-02-10') AS b, next_day(DATE '2024-02-03', 'Mon') AS c, next_day(DATE '2024-02-03', 'SATURDAY') AS d;

-- name: trunc_date
SELECT trunc(DATE '2024-02-17', 'MM') AS m, trunc(DATE '2024-02-17', 'YEAR') AS y, trunc(DATE '2024-02-17', 'WEEK') AS w, trunc(DATE '2024-05-17', 'QUARTER') AS q;

-- name: date_trunc_timestamp
SELECT date_trunc('HOUR', TIMESTAMP '2024-02-03 10:45:11') AS h, date_trunc('DAY', TIMESTAMP '2024-02-03 10:45:11') AS d, date_trunc('MONTH', TIMESTAMP '2024-02-03 10:45:11') AS m, date_trunc('WEEK', TIMESTAMP '2024-02-03 10:45:11') AS w;

-- name: date_trunc_minute_year
SELECT date_trunc('minute', TIMESTAMP '2024-02-03 10:45:11') AS mi, date_trunc('year', '2024-02-03 10:45:11') AS y;

-- name: date_fields
SELECT year(d) AS y, month(d) AS m, dayofmonth(d) AS dom, dayofweek(d) AS dow, dayofyear(d) AS doy, weekofyear(d) AS woy, quarter(d) AS q, weekday(d) AS wd FROM (VALUES (DATE '2024-02-03'), (DATE '2024-12-30'), (DATE '2023-01-01')) AS t(d) ORDER BY d;

-- name: time_fields
SELECT hour(ts) AS h, minute(ts) AS m, second(ts) AS s FROM (VALUES (TIMESTAMP '2024-02-03 10:45:11.750')) AS t(ts);

-- name: extract
SELECT extract(YEAR FROM DATE '2024-02-03') AS y, extract(MONTH FROM DATE '2024-02-03') AS m, extract(DAY FROM DATE '2024-02-03') AS d, extract(DAYOFWEEK FROM DATE '2024-02-03') AS dow, extract(HOUR FROM TIMESTAMP '2024-02-03 10:45:11') AS h;

-- name: extract_seconds
SELECT extract(SECOND FROM TIMESTAMP '2024-02-03 10:45:11.5') AS s;

-- name: date_part
SELECT date_part('year', DATE '2024-02-03') AS y, date_part('week', DATE '2024-02-03') AS w, date_part('doy', DATE '2024-02-03') AS doy;

-- name: make_date_timestamp
SELECT make_date(2024, 2, 29) AS d, make_timestamp(2024, 2, 3, 10, 45, 11.5) AS ts;

-- name: make_date_invalid_raises
SELECT make_date(2023, 2, 29) AS v;

-- name: timestamp_plus_interval
SELECT TIMESTAMP '2024-02-03 10:45:11' + INTERVAL 1 DAY AS a, TIMESTAMP '2024-02-03 10:45:11' + INTERVAL '2' HOUR AS b, DATE '2024-01-31' + INTERVAL 1 MONTH AS c;

-- name: date_minus_date
SELECT DATE '2024-03-01' - DATE '2024-02-01' AS diff;

-- name: from_to_utc_timestamp
SELECT from_utc_timestamp(TIMESTAMP '2024-02-03 10:00:00', 'America/New_York') AS ny, to_utc_timestamp(TIMESTAMP '2024-07-03 10:00:00', 'Europe/Paris') AS utc;

-- name: timestamp_ntz
SELECT TIMESTAMP_NTZ '2024-02-03 10:45:11' AS ntz;

-- name: dates_order_and_compare
SELECT d, d > DATE '2024-01-01' AS after FROM (VALUES (DATE '2024-02-03'), (DATE '2023-12-31'), (DATE '2024-01-01')) AS t(d) ORDER BY d;

-- name: timestamp_string_comparison
SELECT TIMESTAMP '2024-02-03 10:45:11' > '2024-02-03' AS a, DATE '2024-02-03' = '2024-02-03' AS b;

-- name: date_group_by_month
SELECT date_format(d, 'yyyy-MM') AS month, count(*) AS n FROM (VALUES (DATE '2024-01-05'), (DATE '2024-01-20'), (DATE '2024-02-01')) AS t(d) GROUP BY date_format(d, 'yyyy-MM') ORDER BY month;

-- name: to_timestamp_invalid_raises
SELECT to_timestamp('malformed') AS v;

-- name: to_timestamp_pattern_mismatch_raises
SELECT to_timestamp('2024-02-03', 'dd/MM/yyyy') AS v;

-- name: try_to_timestamp_and_date
SELECT try_to_timestamp('bad') AS a, try_to_timestamp('2024-02-03', 'dd/MM/yyyy') AS b, try_to_timestamp('1997-02-28 10:30:00', 'yyyy-MM-dd HH:mm:ss') AS c, try_to_date('bad') AS d, try_to_date('03/02/2024', 'dd/MM/yyyy') AS e;

-- name: to_timestamp_offset_and_defaults
SELECT to_timestamp('2024-02-03 10:45:11+01:00', 'yyyy-MM-dd HH:mm:ssXXX') AS a, to_timestamp('10:45', 'HH:mm') AS b, to_timestamp('2024', 'yyyy') AS c, to_timestamp('2024-02-03 10:45:11.12', 'yyyy-MM-dd HH:mm:ss.SSS') AS d;

-- name: to_timestamp_ltz_ntz
SELECT to_timestamp_ltz('2016-12-31', 'yyyy-MM-dd') AS a, to_timestamp_ntz('2015-04-08 12:12:12') AS b, to_timestamp_ntz('2016-12-31', 'yyyy-MM-dd') AS c, to_timestamp_ltz('2015-04-08 12:12:12') AS d;

-- name: to_unix_timestamp
SELECT to_unix_timestamp('2015-04-08', 'yyyy-MM-dd') AS a, to_unix_timestamp('2015-04-08 12:12:12') AS b, unix_timestamp(DATE '2024-02-03') AS c;

-- name: unix_timestamp_invalid_raises
SELECT unix_timestamp('2015-04-08', 'yyyy-MM-dd HH:mm:ss') AS v;

-- name: from_unixtime_fraction
SELECT from_unixtime(1706957111, 'yyyy-MM-dd HH:mm:ss.SSS') AS a, from_unixtime(CAST(-1 AS BIGINT)) AS b;

-- name: date_format_fields
SELECT date_format(TIMESTAMP '2024-02-03 10:45:11.123456', 'y yyy D DDD K k S SS SSSS SSSSSS') AS a, date_format(TIMESTAMP '2024-02-03 10:45:11', 'X XXX x xx Z ZZZZ ZZZZZ O') AS b, date_format(TIMESTAMP '2024-02-03 10:45:11', 'yyyy''T''HH') AS c;

-- name: date_format_week_based_raises
SELECT date_format(TIMESTAMP '2024-02-03 10:45:11', 'YYYY') AS v;

-- name: to_char_datetime
SELECT to_char(DATE '2024-02-03', 'yyyy/MM/dd') AS a, to_varchar(TIMESTAMP '2024-02-03 10:00:00', 'HH') AS b;

-- name: epoch_fractions
SELECT timestamp_seconds(1.5) AS s, timestamp_millis(1) AS ms, timestamp_micros(1) AS us, timestamp_seconds(CAST(1.5 AS DOUBLE)) AS d, date_from_unix_date(-1) AS neg;

-- name: make_timestamp_variants
SELECT make_timestamp(2014, 12, 28, 6, 30, 45.887, 'CET') AS cet, make_timestamp_ntz(2014, 12, 28, 6, 30, 45.887) AS ntz, make_timestamp_ltz(2014, 12, 28, 6, 30, 45.887) AS ltz, make_timestamp(2014, 12, 28, 6, 30, 60) AS sixty;

-- name: try_make_timestamp_invalid
SELECT try_make_timestamp(2014, 13, 28, 6, 30, 45) AS a, try_make_timestamp_ntz(2014, 13, 28, 6, 30, 45) AS b, try_make_timestamp_ltz(2014, 12, 28, 6, 30, 60.5) AS c, try_make_timestamp(2014, 2, 30, 6, 30, 45) AS d;

-- name: make_timestamp_invalid_raises
SELECT make_timestamp(2014, 13, 28, 6, 30, 45) AS v;

-- name: make_timestamp_fraction_raises
SELECT make_timestamp(2014, 12, 28, 6, 30, 60.5) AS v;

-- name: convert_timezone
SELECT convert_timezone('Asia/Hong_Kong', 'America/Los_Angeles', '2015-04-08 15:00:00') AS a, convert_timezone('Asia/Hong_Kong', '2015-04-08 00:00:00') AS b;

-- name: months_between_rounding
SELECT months_between('1997-02-28 10:30:00', '1996-10-30') AS a, months_between('1997-02-28 10:30:00', '1996-10-30', false) AS b, months_between('1996-10-30', '1997-02-28 10:30:00') AS c;

-- name: from_to_utc_short_ids
SELECT from_utc_timestamp('1997-02-28 10:30:00', 'PST') AS a, to_utc_timestamp('1997-02-28 10:30:00', 'JST') AS b;
