//! `df.show()`: the server renders the table text, byte for byte as Spark's `Dataset.showString`.
//!
//! Cells are cast to strings the way Spark 4 prints values (Java's `Double.toString`, `NULL`,
//! timestamps with a space, structs as `{a, b}`), cut to `truncate` characters with `...`, and
//! laid out right-aligned between `+---+` rules, or as `-RECORD n-` blocks when vertical.

use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{
    DataType, DurationMicrosecondType, Float32Type, Float64Type, IntervalMonthDayNanoType, IntervalUnit,
    IntervalYearMonthType, Time64NanosecondType, TimeUnit,
};
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};

/// Java's `Double.toString`: shortest digits, plain between 10^-3 and 10^7, else `d.dddE±n`.
pub(crate) fn java_double(value: f64) -> String {
    if value.is_nan() {
        return "NaN".into();
    }
    if value.is_infinite() {
        return if value > 0.0 { "Infinity".into() } else { "-Infinity".into() };
    }
    if value == 0.0 {
        return if value.is_sign_negative() { "-0.0".into() } else { "0.0".into() };
    }
    let magnitude = value.abs();
    if (1e-3..1e7).contains(&magnitude) {
        let text = format!("{value}");
        if text.contains('.') { text } else { format!("{text}.0") }
    } else {
        // Rust's `{:e}` gives the same shortest digits: 1.2345e7 → 1.2345E7, 1e-5 → 1.0E-5.
        let text = format!("{value:e}");
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        let mantissa = if mantissa.contains('.') { mantissa.to_string() } else { format!("{mantissa}.0") };
        format!("{mantissa}E{exponent}")
    }
}

pub(crate) fn java_float(value: f32) -> String {
    // Shortest digits of the f32 itself, not of its f64 widening (0.1f prints as 0.1).
    let shortest: f64 = format!("{value}").parse().unwrap_or(value as f64);
    java_double(shortest)
}

/// One cell as Spark prints it.
pub(crate) fn cell(array: &ArrayRef, row: usize) -> String {
    if array.is_null(row) {
        return "NULL".into();
    }
    match array.data_type() {
        DataType::Float64 => java_double(array.as_primitive::<Float64Type>().value(row)),
        DataType::Float32 => java_float(array.as_primitive::<Float32Type>().value(row)),
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView => {
            let bytes: Vec<u8> = match array.data_type() {
                DataType::Binary => array.as_binary::<i32>().value(row).to_vec(),
                DataType::LargeBinary => array.as_binary::<i64>().value(row).to_vec(),
                _ => array.as_binary_view().value(row).to_vec(),
            };
            let hex: Vec<String> = bytes.iter().map(|b| format!("{b:02X}")).collect();
            format!("[{}]", hex.join(" "))
        }
        DataType::List(_) | DataType::LargeList(_) => {
            let values = match array.data_type() {
                DataType::List(_) => array.as_list::<i32>().value(row),
                _ => array.as_list::<i64>().value(row),
            };
            let items: Vec<String> = (0..values.len()).map(|i| cell(&values, i)).collect();
            format!("[{}]", items.join(", "))
        }
        DataType::Struct(_) => {
            let s = array.as_struct();
            let items: Vec<String> = s.columns().iter().map(|c| cell(c, row)).collect();
            format!("{{{}}}", items.join(", "))
        }
        DataType::Map(_, _) => {
            let map = array.as_map();
            let entries = map.value(row);
            let (keys, values) = (entries.column(0), entries.column(1));
            let items: Vec<String> =
                (0..entries.len()).map(|i| format!("{} -> {}", cell(keys, i), cell(values, i))).collect();
            format!("{{{}}}", items.join(", "))
        }
        DataType::Timestamp(unit, _) => {
            let text = formatted(array, row);
            spark_timestamp(&text, unit)
        }
        DataType::Interval(IntervalUnit::MonthDayNano) => {
            let value = array.as_primitive::<IntervalMonthDayNanoType>().value(row);
            calendar_interval(value.months, value.days, value.nanoseconds / 1_000)
        }
        DataType::Interval(IntervalUnit::YearMonth) => {
            year_month_interval(array.as_primitive::<IntervalYearMonthType>().value(row))
        }
        DataType::Time64(TimeUnit::Nanosecond) => {
            let nanos = array.as_primitive::<Time64NanosecondType>().value(row);
            time_of_day(nanos / 1_000)
        }
        DataType::Duration(TimeUnit::Microsecond) => {
            day_time_interval(array.as_primitive::<DurationMicrosecondType>().value(row))
        }
        _ => formatted(array, row),
    }
}

fn formatted(array: &ArrayRef, row: usize) -> String {
    let options = FormatOptions::default().with_null("NULL");
    match ArrayFormatter::try_new(array.as_ref(), &options) {
        Ok(formatter) => formatter.value(row).to_string(),
        Err(_) => "?".into(),
    }
}

/// `2024-01-02T03:04:05.120+00:00` → `2024-01-02 03:04:05.12`, as Spark prints timestamps.
fn spark_timestamp(text: &str, _unit: &TimeUnit) -> String {
    let text = text.replacen('T', " ", 1);
    // Drop a zone suffix (the session time zone is implied), then trailing fractional zeros.
    let without_zone = match text.rfind(['+', 'Z']) {
        Some(i) if i > 10 => text[..i].to_string(),
        _ => match text[11.min(text.len())..].rfind('-') {
            Some(j) => text[..11 + j].to_string(),
            None => text,
        },
    };
    match without_zone.split_once('.') {
        Some((whole, fraction)) => {
            let fraction = fraction.trim_end_matches('0');
            if fraction.is_empty() { whole.to_string() } else { format!("{whole}.{fraction}") }
        }
        None => without_zone,
    }
}

/// Spark's `CalendarInterval.toString`: `1 years 2 months 3 days 4 hours 5 minutes 6.5 seconds`,
/// zero units left out, `0 seconds` when all are zero.
pub(crate) fn calendar_interval(months: i32, days: i32, micros: i64) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut unit = |value: i64, name: &str| {
        if value != 0 {
            parts.push(format!("{value} {name}"));
        }
    };
    unit(i64::from(months / 12), "years");
    unit(i64::from(months % 12), "months");
    unit(i64::from(days), "days");
    unit(micros / 3_600_000_000, "hours");
    unit(micros % 3_600_000_000 / 60_000_000, "minutes");
    let seconds = micros % 60_000_000;
    if seconds != 0 {
        parts.push(format!("{} seconds", plain_seconds(seconds)));
    }
    if parts.is_empty() { "0 seconds".into() } else { parts.join(" ") }
}

/// Microseconds as Java's `BigDecimal.valueOf(micros, 6).stripTrailingZeros().toPlainString()`.
fn plain_seconds(micros: i64) -> String {
    let sign = if micros < 0 { "-" } else { "" };
    let (whole, fraction) = (micros.unsigned_abs() / 1_000_000, micros.unsigned_abs() % 1_000_000);
    let fraction = format!("{fraction:06}");
    let fraction = fraction.trim_end_matches('0');
    if fraction.is_empty() { format!("{sign}{whole}") } else { format!("{sign}{whole}.{fraction}") }
}

/// A TIME as Spark prints it: `06:30:45.887`, the fraction without trailing zeros.
pub(crate) fn time_of_day(micros: i64) -> String {
    let (seconds, fraction) = (micros.div_euclid(1_000_000), micros.rem_euclid(1_000_000));
    let text = format!("{:02}:{:02}:{:02}", seconds / 3600, seconds / 60 % 60, seconds % 60);
    let fraction = format!("{fraction:06}");
    let fraction = fraction.trim_end_matches('0');
    if fraction.is_empty() { text } else { format!("{text}.{fraction}") }
}

/// Spark's ANSI text of a `YEAR TO MONTH` interval: `INTERVAL '2015-0' YEAR TO MONTH`.
pub(crate) fn year_month_interval(months: i32) -> String {
    let sign = if months < 0 { "-" } else { "" };
    let months = months.unsigned_abs();
    format!("INTERVAL '{sign}{}-{}' YEAR TO MONTH", months / 12, months % 12)
}

/// Spark's ANSI text of a `DAY TO SECOND` interval: `INTERVAL '1 12:30:01.001001' DAY TO SECOND`.
pub(crate) fn day_time_interval(micros: i64) -> String {
    let sign = if micros < 0 { "-" } else { "" };
    let rest = micros.unsigned_abs();
    let (days, rest) = (rest / 86_400_000_000, rest % 86_400_000_000);
    let (hours, rest) = (rest / 3_600_000_000, rest % 3_600_000_000);
    let (minutes, rest) = (rest / 60_000_000, rest % 60_000_000);
    let seconds = plain_seconds(rest as i64);
    let lead = if rest < 10_000_000 { "0" } else { "" };
    format!("INTERVAL '{sign}{days} {hours:02}:{minutes:02}:{lead}{seconds}' DAY TO SECOND")
}

/// Spark's own escaping of control characters in shown cells.
fn escape(text: &str) -> String {
    text.replace('\n', "\\n").replace('\r', "\\r").replace('\t', "\\t")
}

fn truncate_cell(text: String, truncate: usize) -> String {
    if truncate > 0 && text.chars().count() > truncate {
        if truncate < 4 {
            text.chars().take(truncate).collect()
        } else {
            let kept: String = text.chars().take(truncate - 3).collect();
            format!("{kept}...")
        }
    } else {
        text
    }
}

/// Display width as Spark counts it: East Asian wide characters take two columns.
fn width(text: &str) -> usize {
    text.chars()
        .map(|c| {
            let code = c as u32;
            let wide = (0x1100..=0x115F).contains(&code)
                || (0x2E80..=0xA4CF).contains(&code)
                || (0xAC00..=0xD7A3).contains(&code)
                || (0xF900..=0xFAFF).contains(&code)
                || (0xFE30..=0xFE4F).contains(&code)
                || (0xFF00..=0xFF60).contains(&code)
                || (0xFFE0..=0xFFE6).contains(&code);
            if wide { 2 } else { 1 }
        })
        .sum()
}

fn pad(text: &str, width_wanted: usize, left: bool) -> String {
    let fill = " ".repeat(width_wanted.saturating_sub(width(text)));
    if left { format!("{fill}{text}") } else { format!("{text}{fill}") }
}

/// The text of `show(num_rows, truncate, vertical)` for `batches`, which hold up to `num_rows + 1`
/// rows (one more tells whether to print "only showing top N rows").
pub(crate) fn show_string(
    names: &[String],
    batches: &[RecordBatch],
    num_rows: usize,
    truncate: usize,
    vertical: bool,
) -> String {
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut has_more = false;
    'outer: for batch in batches {
        for row in 0..batch.num_rows() {
            if rows.len() == num_rows {
                has_more = true;
                break 'outer;
            }
            rows.push(batch.columns().iter().map(|c| truncate_cell(escape(&cell(c, row)), truncate)).collect());
        }
    }
    // Spark cuts cells, never column names (Dataset.getRows escapes the field names only).
    let header: Vec<String> = names.iter().map(|n| escape(n)).collect();
    let mut out = String::new();
    if vertical {
        let name_width = header.iter().map(|h| width(h)).max().unwrap_or(0).max(3);
        let data_width = rows.iter().flat_map(|r| r.iter().map(|c| width(c))).max().unwrap_or(0).max(3);
        for (i, row) in rows.iter().enumerate() {
            let title = format!("-RECORD {i}");
            out.push_str(&format!("{title:-<width$}\n", width = name_width + data_width + 5));
            for (name, value) in header.iter().zip(row) {
                out.push_str(&format!(" {} | {} \n", pad(name, name_width, false), pad(value, data_width, false)));
            }
        }
        if rows.is_empty() {
            // Spark 4 ends its footers without a newline; the client's print() adds one.
            out.push_str("(0 rows)");
        }
    } else {
        let mut widths: Vec<usize> = header.iter().map(|h| width(h).max(3)).collect();
        for row in &rows {
            for (w, c) in widths.iter_mut().zip(row) {
                *w = (*w).max(width(c));
            }
        }
        let rule: String = widths.iter().map(|w| format!("+{}", "-".repeat(*w))).collect::<String>() + "+\n";
        let line = |cells: &[String]| -> String {
            let padded: Vec<String> = cells.iter().zip(&widths).map(|(c, w)| pad(c, *w, truncate > 0)).collect();
            format!("|{}|\n", padded.join("|"))
        };
        out.push_str(&rule);
        out.push_str(&line(&header));
        out.push_str(&rule);
        for row in &rows {
            out.push_str(&line(row));
        }
        out.push_str(&rule);
    }
    if has_more && !(vertical && rows.is_empty()) {
        out.push_str(&format!("only showing top {num_rows} {}", if num_rows == 1 { "row" } else { "rows" }));
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::array::{Float64Array, Int64Array, StringArray};
    use datafusion::arrow::datatypes::{Field, Schema};

    use super::*;

    #[test]
    fn doubles_print_like_java() {
        assert_eq!(java_double(3.5), "3.5");
        assert_eq!(java_double(2.0), "2.0");
        assert_eq!(java_double(1e7), "1.0E7");
        assert_eq!(java_double(12345678.9), "1.23456789E7");
        assert_eq!(java_double(0.0001), "1.0E-4");
        assert_eq!(java_double(0.001), "0.001");
        assert_eq!(java_double(-1.5e-5), "-1.5E-5");
        assert_eq!(java_float(0.1), "0.1");
    }

    #[test]
    fn intervals_print_like_spark() {
        // Texts from PySpark 4.3's make_interval / make_ym_interval / make_dt_interval docstrings.
        assert_eq!(
            calendar_interval(100 * 12 + 11, 8, 12 * 3_600_000_000 + 30 * 60_000_000 + 1_001_001),
            "100 years 11 months 8 days 12 hours 30 minutes 1.001001 seconds"
        );
        assert_eq!(calendar_interval(0, 0, 0), "0 seconds");
        assert_eq!(year_month_interval(2015 * 12), "INTERVAL '2015-0' YEAR TO MONTH");
        assert_eq!(year_month_interval(-14), "INTERVAL '-1-2' YEAR TO MONTH");
        assert_eq!(
            day_time_interval(86_400_000_000 + 12 * 3_600_000_000 + 30 * 60_000_000 + 1_001_001),
            "INTERVAL '1 12:30:01.001001' DAY TO SECOND"
        );
        assert_eq!(day_time_interval(0), "INTERVAL '0 00:00:00' DAY TO SECOND");
        assert_eq!(time_of_day(6 * 3_600_000_000 + 30 * 60_000_000 + 45_887_000), "06:30:45.887");
        assert_eq!(time_of_day(52_200_500_000), "14:30:00.5");
        assert_eq!(time_of_day(0), "00:00:00");
    }

    #[test]
    fn timestamps_print_like_spark() {
        assert_eq!(spark_timestamp("2024-01-02T03:04:05+00:00", &TimeUnit::Microsecond), "2024-01-02 03:04:05");
        assert_eq!(spark_timestamp("2024-01-02T03:04:05.120", &TimeUnit::Microsecond), "2024-01-02 03:04:05.12");
        assert_eq!(spark_timestamp("2024-01-02T03:04:05.5-05:00", &TimeUnit::Microsecond), "2024-01-02 03:04:05.5");
    }

    fn batch() -> RecordBatch {
        let schema = Arc::new(Schema::new(vec![
            Field::new("id", datafusion::arrow::datatypes::DataType::Int64, false),
            Field::new("name", datafusion::arrow::datatypes::DataType::Utf8, true),
            Field::new("score", datafusion::arrow::datatypes::DataType::Float64, true),
        ]));
        RecordBatch::try_new(
            schema,
            vec![
                Arc::new(Int64Array::from(vec![1, 2, 3])),
                Arc::new(StringArray::from(vec![Some("Alice"), None, Some("a name longer than twenty")])),
                Arc::new(Float64Array::from(vec![Some(3.5), Some(1e8), None])),
            ],
        )
        .unwrap()
    }

    #[test]
    fn tables_render_like_spark_show() {
        let names: Vec<String> = ["id", "name", "score"].iter().map(|s| s.to_string()).collect();
        let text = show_string(&names, &[batch()], 2, 20, false);
        assert_eq!(
            text,
            "+---+-----+-----+\n\
             | id| name|score|\n\
             +---+-----+-----+\n\
             |  1|Alice|  3.5|\n\
             |  2| NULL|1.0E8|\n\
             +---+-----+-----+\n\
             only showing top 2 rows"
        );
        let full = show_string(&names, &[batch()], 20, 20, false);
        assert!(full.contains("|  3|a name longer tha...| NULL|\n"), "{full}");
        let untruncated = show_string(&names, &[batch()], 20, 0, false);
        assert!(untruncated.contains("|1  |Alice                    |3.5  |\n"), "{untruncated}");
    }

    #[test]
    fn column_names_are_never_cut() {
        // Generated names such as `unix_timestamp(dt, yyyy-MM-dd HH:mm:ss)` often are.
        let names = vec!["a name of more than twenty characters".to_string()];
        let batch = RecordBatch::try_from_iter([("x", Arc::new(Int64Array::from(vec![7])) as ArrayRef)]).unwrap();
        let text = show_string(&names, &[batch], 20, 20, false);
        assert!(text.contains("|a name of more than twenty characters|\n"), "{text}");
        assert!(text.contains("|                                    7|\n"), "{text}");
    }

    #[test]
    fn vertical_records_render_like_spark_show() {
        let names: Vec<String> = ["id", "name", "score"].iter().map(|s| s.to_string()).collect();
        let text = show_string(&names, &[batch()], 1, 20, true);
        assert_eq!(text, "-RECORD 0------\n id    | 1     \n name  | Alice \n score | 3.5   \nonly showing top 1 row");
    }
}
