//! Writes as Ballista ships them: a COPY's format options inside its file format.
//!
//! datafusion-proto 55 encodes a COPY's file format but drops its OPTIONS map, so a CSV written on
//! the cluster would lose `has_header`, the delimiter, everything the statement or `df.write`
//! asked for. Moving the options into the format's own settings makes them travel. The CSV quote
//! style needs one more step: DataFusion 55 encodes it by the Rust enum's position (Always = 0,
//! Necessary = 1) and decodes it by the protobuf enum's (Necessary = 0, Always = 1), so the two
//! styles trade places on the way; asking for the other one arrives as the one wanted.

use std::sync::Arc;

use datafusion::common::Result;
use datafusion::common::parsers::CsvQuoteStyle;
use datafusion::config::ConfigField;
use datafusion::datasource::file_format::csv::CsvFormatFactory;
use datafusion::datasource::file_format::{file_type_to_format, format_as_file_type};
use datafusion::logical_expr::LogicalPlan;
use datafusion::logical_expr::dml::CopyTo;

/// `plan` with a COPY's CSV options carried by its file format.
pub fn with_portable_options(plan: LogicalPlan) -> Result<LogicalPlan> {
    let LogicalPlan::Copy(copy) = plan else { return Ok(plan) };
    let format = file_type_to_format(&copy.file_type)?;
    let Some(csv) = format.downcast_ref::<CsvFormatFactory>() else { return Ok(LogicalPlan::Copy(copy)) };
    let mut options = csv.options.clone().unwrap_or_default();
    for (key, value) in &copy.options {
        options.set(key.strip_prefix("format.").unwrap_or(key), value)?;
    }
    options.quote_style = match options.quote_style {
        CsvQuoteStyle::Necessary => CsvQuoteStyle::Always,
        CsvQuoteStyle::Always => CsvQuoteStyle::Necessary,
        other => other,
    };
    let file_type = format_as_file_type(Arc::new(CsvFormatFactory::new_with_options(options)));
    Ok(LogicalPlan::Copy(CopyTo::new(copy.input, copy.output_url, copy.partition_by, file_type, copy.options)))
}
