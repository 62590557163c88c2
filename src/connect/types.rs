//! Spark's data types on the wire and in text, mapped to Arrow's.
//!
//! Three spellings reach the server: the `DataType` proto (casts, literals, schemas we send back),
//! Spark's JSON schema (`StructType.json()`, sent with `createDataFrame`) and DDL text
//! (`"a INT, b STRING"`, `cast("decimal(10,2)")`, `schema=` of a reader). All three become Arrow
//! types here, and Arrow types go back out as the proto. Timestamps are microseconds, as in Spark.

use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, Fields, Schema, TimeUnit};
use serde_json::Value;
use spark_connect_proto::DataType as SparkType;
use spark_connect_proto::data_type::{self as dt, Kind};

use super::error::{ConnectError, ConnectResult};

/// The Arrow type a Spark type is computed as. `time_zone` is the session's, for TimestampType.
pub(crate) fn arrow_type(spark: &SparkType, time_zone: &str) -> ConnectResult<DataType> {
    let Some(kind) = &spark.kind else { return Err(ConnectError::invalid("a data type without a kind")) };
    Ok(match kind {
        Kind::Null(_) => DataType::Null,
        Kind::Binary(_) => DataType::Binary,
        Kind::Boolean(_) => DataType::Boolean,
        Kind::Byte(_) => DataType::Int8,
        Kind::Short(_) => DataType::Int16,
        Kind::Integer(_) => DataType::Int32,
        Kind::Long(_) => DataType::Int64,
        Kind::Float(_) => DataType::Float32,
        Kind::Double(_) => DataType::Float64,
        Kind::Decimal(d) => decimal(d.precision.unwrap_or(10), d.scale.unwrap_or(0))?,
        Kind::String(_) | Kind::Char(_) | Kind::VarChar(_) => DataType::Utf8,
        Kind::Date(_) => DataType::Date32,
        Kind::Timestamp(_) => timestamp_ltz(time_zone),
        Kind::TimestampNtz(_) => DataType::Timestamp(TimeUnit::Microsecond, None),
        Kind::Time(_) => crate::functions::TIME,
        Kind::Array(a) => {
            let element =
                a.element_type.as_deref().ok_or_else(|| ConnectError::invalid("array type without element"))?;
            DataType::List(Arc::new(Field::new("element", arrow_type(element, time_zone)?, a.contains_null)))
        }
        Kind::Struct(s) => DataType::Struct(struct_fields(s, time_zone)?),
        Kind::Map(m) => {
            let key = m.key_type.as_deref().ok_or_else(|| ConnectError::invalid("map type without key"))?;
            let value = m.value_type.as_deref().ok_or_else(|| ConnectError::invalid("map type without value"))?;
            map_type(arrow_type(key, time_zone)?, arrow_type(value, time_zone)?, m.value_contains_null)
        }
        Kind::Unparsed(u) => parse_type(&u.data_type_string, time_zone)?,
        other => return Err(ConnectError::unsupported(format!("the data type {}", kind_name(other)))),
    })
}

fn kind_name(kind: &Kind) -> String {
    let debug = format!("{kind:?}");
    debug.split('(').next().unwrap_or("unknown").to_string()
}

pub(crate) fn struct_fields(s: &dt::Struct, time_zone: &str) -> ConnectResult<Fields> {
    s.fields
        .iter()
        .map(|f| {
            let ty = f.data_type.as_ref().ok_or_else(|| ConnectError::invalid("struct field without a type"))?;
            Ok(Field::new(&f.name, arrow_type(ty, time_zone)?, f.nullable))
        })
        .collect::<ConnectResult<Vec<_>>>()
        .map(Fields::from)
}

fn decimal(precision: i32, scale: i32) -> ConnectResult<DataType> {
    if !(1..=38).contains(&precision) || scale < 0 || scale > precision {
        return Err(ConnectError::analysis(format!("invalid decimal type decimal({precision},{scale})")));
    }
    Ok(DataType::Decimal128(precision as u8, scale as i8))
}

fn timestamp_ltz(time_zone: &str) -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some(time_zone.into()))
}

fn map_type(key: DataType, value: DataType, value_nullable: bool) -> DataType {
    let entries = Field::new(
        "entries",
        DataType::Struct(Fields::from(vec![Field::new("key", key, false), Field::new("value", value, value_nullable)])),
        false,
    );
    DataType::Map(Arc::new(entries), false)
}

/// The Spark type PySpark sees for an Arrow type.
pub(crate) fn spark_type(arrow: &DataType) -> SparkType {
    let kind = match arrow {
        DataType::Null => Kind::Null(dt::Null::default()),
        DataType::Boolean => Kind::Boolean(dt::Boolean::default()),
        DataType::Int8 => Kind::Byte(dt::Byte::default()),
        DataType::Int16 | DataType::UInt8 => Kind::Short(dt::Short::default()),
        DataType::Int32 | DataType::UInt16 => Kind::Integer(dt::Integer::default()),
        DataType::Int64 | DataType::UInt32 | DataType::UInt64 => Kind::Long(dt::Long::default()),
        DataType::Float16 | DataType::Float32 => Kind::Float(dt::Float::default()),
        DataType::Float64 => Kind::Double(dt::Double::default()),
        DataType::Decimal32(p, s)
        | DataType::Decimal64(p, s)
        | DataType::Decimal128(p, s)
        | DataType::Decimal256(p, s) => {
            Kind::Decimal(dt::Decimal { precision: Some(*p as i32), scale: Some(*s as i32), ..Default::default() })
        }
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Kind::String(dt::String::default()),
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView | DataType::FixedSizeBinary(_) => {
            Kind::Binary(dt::Binary::default())
        }
        DataType::Date32 | DataType::Date64 => Kind::Date(dt::Date::default()),
        DataType::Timestamp(_, Some(_)) => Kind::Timestamp(dt::Timestamp::default()),
        DataType::Timestamp(_, None) => Kind::TimestampNtz(dt::TimestampNtz::default()),
        DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _) | DataType::ListView(f) => {
            Kind::Array(Box::new(dt::Array {
                element_type: Some(Box::new(spark_type(f.data_type()))),
                contains_null: f.is_nullable(),
                ..Default::default()
            }))
        }
        DataType::Struct(fields) => Kind::Struct(spark_struct(fields)),
        DataType::Map(entries, _) => {
            let (key, value) = match entries.data_type() {
                DataType::Struct(kv) if kv.len() == 2 => (kv[0].clone(), kv[1].clone()),
                _ => (
                    Arc::new(Field::new("key", DataType::Utf8, false)),
                    Arc::new(Field::new("value", DataType::Utf8, true)),
                ),
            };
            Kind::Map(Box::new(dt::Map {
                key_type: Some(Box::new(spark_type(key.data_type()))),
                value_type: Some(Box::new(spark_type(value.data_type()))),
                value_contains_null: value.is_nullable(),
                ..Default::default()
            }))
        }
        DataType::Dictionary(_, value) => return spark_type(value),
        DataType::Interval(_) => Kind::CalendarInterval(dt::CalendarInterval::default()),
        DataType::Duration(_) => Kind::DayTimeInterval(dt::DayTimeInterval::default()),
        DataType::Time32(_) | DataType::Time64(_) => Kind::Time(dt::Time { precision: Some(6), ..Default::default() }),
        // Types Spark has no name for travel as strings (see `wire_type`).
        _ => Kind::String(dt::String::default()),
    };
    SparkType { kind: Some(kind) }
}

/// The Arrow field metadata key holding a column's Spark metadata (JSON), from `withMetadata`.
pub(crate) const SPARK_METADATA: &str = "spark.metadata";

pub(crate) fn spark_struct(fields: &Fields) -> dt::Struct {
    dt::Struct {
        fields: fields
            .iter()
            .map(|f| dt::StructField {
                name: f.name().clone(),
                data_type: Some(spark_type(f.data_type())),
                nullable: f.is_nullable(),
                metadata: f.metadata().get(SPARK_METADATA).cloned(),
            })
            .collect(),
        ..Default::default()
    }
}

pub(crate) fn spark_schema(schema: &Schema) -> SparkType {
    SparkType { kind: Some(Kind::Struct(spark_struct(schema.fields()))) }
}

/// The Arrow type a column travels to PySpark as: view and large types become the plain ones
/// PySpark's Arrow conversion knows, dictionaries are unpacked, unsigned integers widened.
pub(crate) fn wire_type(arrow: &DataType) -> DataType {
    match arrow {
        DataType::Utf8View | DataType::LargeUtf8 => DataType::Utf8,
        DataType::BinaryView | DataType::LargeBinary | DataType::FixedSizeBinary(_) => DataType::Binary,
        DataType::UInt8 => DataType::Int16,
        DataType::UInt16 => DataType::Int32,
        DataType::UInt32 | DataType::UInt64 => DataType::Int64,
        DataType::Float16 => DataType::Float32,
        DataType::Date64 => DataType::Date32,
        DataType::Decimal32(p, s) | DataType::Decimal64(p, s) => DataType::Decimal128(*p, *s),
        DataType::Timestamp(_, tz) => DataType::Timestamp(TimeUnit::Microsecond, tz.clone()),
        DataType::Dictionary(_, value) => wire_type(value),
        DataType::List(f) | DataType::LargeList(f) | DataType::ListView(f) | DataType::FixedSizeList(f, _) => {
            DataType::List(Arc::new(f.as_ref().clone().with_data_type(wire_type(f.data_type()))))
        }
        DataType::Struct(fields) => DataType::Struct(
            fields.iter().map(|f| f.as_ref().clone().with_data_type(wire_type(f.data_type()))).collect(),
        ),
        // PySpark reads a TIME as nanoseconds.
        DataType::Time32(_) | DataType::Time64(_) => crate::functions::TIME,
        other => other.clone(),
    }
}

/// Parses a schema given as Spark's JSON (`{"type":"struct","fields":[…]}`) or as DDL
/// (`"a INT, b STRING"`).
pub(crate) fn parse_schema(text: &str, time_zone: &str) -> ConnectResult<Schema> {
    let trimmed = text.trim();
    if trimmed.starts_with('{') {
        let json: Value = serde_json::from_str(trimmed)
            .map_err(|e| ConnectError::parse(format!("invalid JSON schema {trimmed:?}: {e}")))?;
        return match json_type(&json, time_zone)? {
            DataType::Struct(fields) => Ok(Schema::new(fields)),
            other => Ok(Schema::new(vec![Field::new("value", other, true)])),
        };
    }
    let mut parser = DdlParser::new(trimmed);
    let fields = parser.fields(time_zone, false)?;
    parser.end()?;
    Ok(Schema::new(fields))
}

/// Parses one type name: `int`, `decimal(10,2)`, `array<string>`, `struct<a:int>`, or a JSON type.
pub(crate) fn parse_type(text: &str, time_zone: &str) -> ConnectResult<DataType> {
    let trimmed = text.trim();
    if trimmed.starts_with('{') || trimmed.starts_with('"') {
        let json: Value = serde_json::from_str(trimmed)
            .map_err(|e| ConnectError::parse(format!("invalid JSON type {trimmed:?}: {e}")))?;
        return json_type(&json, time_zone);
    }
    let mut parser = DdlParser::new(trimmed);
    let ty = parser.data_type(time_zone)?;
    parser.end()?;
    Ok(ty)
}

fn json_type(json: &Value, time_zone: &str) -> ConnectResult<DataType> {
    match json {
        Value::String(name) => parse_type(name, time_zone),
        Value::Object(object) => match object.get("type").and_then(Value::as_str) {
            Some("struct") => {
                let fields = object.get("fields").and_then(Value::as_array).cloned().unwrap_or_default();
                let fields = fields
                    .iter()
                    .map(|f| {
                        let name = f.get("name").and_then(Value::as_str).unwrap_or_default();
                        let ty = json_type(f.get("type").unwrap_or(&Value::Null), time_zone)?;
                        let nullable = f.get("nullable").and_then(Value::as_bool).unwrap_or(true);
                        Ok(Field::new(name, ty, nullable))
                    })
                    .collect::<ConnectResult<Vec<_>>>()?;
                Ok(DataType::Struct(Fields::from(fields)))
            }
            Some("array") => {
                let element = json_type(object.get("elementType").unwrap_or(&Value::Null), time_zone)?;
                let nullable = object.get("containsNull").and_then(Value::as_bool).unwrap_or(true);
                Ok(DataType::List(Arc::new(Field::new("element", element, nullable))))
            }
            Some("map") => {
                let key = json_type(object.get("keyType").unwrap_or(&Value::Null), time_zone)?;
                let value = json_type(object.get("valueType").unwrap_or(&Value::Null), time_zone)?;
                let nullable = object.get("valueContainsNull").and_then(Value::as_bool).unwrap_or(true);
                Ok(map_type(key, value, nullable))
            }
            Some("udt") => Err(ConnectError::unsupported("user-defined types (UDT)")),
            _ => Err(ConnectError::parse(format!("unknown JSON data type {json}"))),
        },
        _ => Err(ConnectError::parse(format!("unknown JSON data type {json}"))),
    }
}

/// A small parser for Spark's DDL type syntax.
struct DdlParser<'a> {
    text: &'a str,
    position: usize,
}

impl<'a> DdlParser<'a> {
    fn new(text: &'a str) -> Self {
        Self { text, position: 0 }
    }

    fn skip_space(&mut self) {
        while self.rest().starts_with(char::is_whitespace) {
            self.position += self.rest().chars().next().map_or(1, char::len_utf8);
        }
    }

    fn rest(&self) -> &'a str {
        &self.text[self.position..]
    }

    fn error(&self, expected: &str) -> ConnectError {
        ConnectError::parse(format!(
            "cannot parse the data type {:?}: expected {expected} at position {}",
            self.text, self.position
        ))
    }

    fn eat(&mut self, token: char) -> bool {
        self.skip_space();
        if self.rest().starts_with(token) {
            self.position += token.len_utf8();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, token: char) -> ConnectResult<()> {
        if self.eat(token) { Ok(()) } else { Err(self.error(&format!("'{token}'"))) }
    }

    fn end(&mut self) -> ConnectResult<()> {
        self.skip_space();
        if self.rest().is_empty() { Ok(()) } else { Err(self.error("the end of the type")) }
    }

    /// A name: a word, or a `back-quoted` identifier.
    fn identifier(&mut self) -> ConnectResult<String> {
        self.skip_space();
        if let Some(rest) = self.rest().strip_prefix('`') {
            let mut name = String::new();
            let mut chars = rest.char_indices().peekable();
            while let Some((i, c)) = chars.next() {
                if c == '`' {
                    if matches!(chars.peek(), Some((_, '`'))) {
                        chars.next();
                        name.push('`');
                        continue;
                    }
                    self.position += 1 + i + 1;
                    return Ok(name);
                }
                name.push(c);
            }
            return Err(self.error("a closing '`'"));
        }
        let length = self.rest().find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(self.rest().len());
        if length == 0 {
            return Err(self.error("a name"));
        }
        let word = self.rest()[..length].to_string();
        self.position += length;
        Ok(word)
    }

    fn number(&mut self) -> ConnectResult<i32> {
        self.skip_space();
        let length = self.rest().find(|c: char| !c.is_ascii_digit()).unwrap_or(self.rest().len());
        let digits = &self.rest()[..length];
        let value = digits.parse().map_err(|_| self.error("a number"))?;
        self.position += length;
        Ok(value)
    }

    /// `name [:] type [NOT NULL] [COMMENT '…']`, separated by commas.
    fn fields(&mut self, time_zone: &str, in_struct: bool) -> ConnectResult<Vec<Field>> {
        let mut fields = Vec::new();
        loop {
            self.skip_space();
            if self.rest().is_empty() || (in_struct && self.rest().starts_with('>')) {
                break;
            }
            let name = self.identifier()?;
            self.eat(':');
            let ty = self.data_type(time_zone)?;
            let mut nullable = true;
            loop {
                self.skip_space();
                let upper = self.rest().to_ascii_uppercase();
                if upper.starts_with("NOT NULL") {
                    self.position += "NOT NULL".len();
                    nullable = false;
                } else if upper.starts_with("COMMENT") {
                    self.position += "COMMENT".len();
                    self.skip_space();
                    let quote = self.rest().chars().next().filter(|c| *c == '\'' || *c == '"');
                    let Some(quote) = quote else { return Err(self.error("a quoted comment")) };
                    let end = self.rest()[1..].find(quote).ok_or_else(|| self.error("the comment's closing quote"))?;
                    self.position += end + 2;
                } else {
                    break;
                }
            }
            fields.push(Field::new(name, ty, nullable));
            if !self.eat(',') {
                break;
            }
        }
        if fields.is_empty() && !in_struct {
            return Err(self.error("at least one column"));
        }
        Ok(fields)
    }

    fn data_type(&mut self, time_zone: &str) -> ConnectResult<DataType> {
        let name = self.identifier()?.to_ascii_lowercase();
        let ty = match name.as_str() {
            "boolean" | "bool" => DataType::Boolean,
            "byte" | "tinyint" => DataType::Int8,
            "short" | "smallint" => DataType::Int16,
            "int" | "integer" => DataType::Int32,
            "long" | "bigint" => DataType::Int64,
            "float" | "real" => DataType::Float32,
            "double" => DataType::Float64,
            "string" | "text" => DataType::Utf8,
            "char" | "varchar" | "character" => {
                if self.eat('(') {
                    self.number()?;
                    self.expect(')')?;
                }
                DataType::Utf8
            }
            "binary" => DataType::Binary,
            "date" => DataType::Date32,
            "timestamp" | "timestamp_ltz" => timestamp_ltz(time_zone),
            "timestamp_ntz" => DataType::Timestamp(TimeUnit::Microsecond, None),
            "time" => {
                // Spark's TIME(p); minispark keeps microseconds, Spark's default precision.
                if self.eat('(') {
                    self.number()?;
                    self.expect(')')?;
                }
                crate::functions::TIME
            }
            "void" | "null" => DataType::Null,
            "decimal" | "dec" | "numeric" => {
                if self.eat('(') {
                    let precision = self.number()?;
                    let scale = if self.eat(',') { self.number()? } else { 0 };
                    self.expect(')')?;
                    decimal(precision, scale)?
                } else {
                    decimal(10, 0)?
                }
            }
            "array" => {
                self.expect('<')?;
                let element = self.data_type(time_zone)?;
                self.expect('>')?;
                DataType::List(Arc::new(Field::new("element", element, true)))
            }
            "map" => {
                self.expect('<')?;
                let key = self.data_type(time_zone)?;
                self.expect(',')?;
                let value = self.data_type(time_zone)?;
                self.expect('>')?;
                map_type(key, value, true)
            }
            "struct" => {
                self.expect('<')?;
                let fields = self.fields(time_zone, true)?;
                self.expect('>')?;
                DataType::Struct(Fields::from(fields))
            }
            other => return Err(ConnectError::parse(format!("unknown data type {other:?} in {:?}", self.text))),
        };
        Ok(ty)
    }
}

/// Spark's `typeName`, as `printSchema()` shows it: `long`, `integer`, `struct`, `array`.
pub(crate) fn type_name(arrow: &DataType) -> String {
    match arrow {
        DataType::Int8 => "byte".into(),
        DataType::Int16 | DataType::UInt8 => "short".into(),
        DataType::Int32 | DataType::UInt16 => "integer".into(),
        DataType::Int64 | DataType::UInt32 | DataType::UInt64 => "long".into(),
        DataType::Struct(_) => "struct".into(),
        DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(_, _) | DataType::ListView(_) => {
            "array".into()
        }
        DataType::Map(_, _) => "map".into(),
        DataType::Null => "void".into(),
        DataType::Dictionary(_, value) => type_name(value),
        other => simple_string(other),
    }
}

/// Spark's name for a type, as `df.dtypes` and error messages show it.
pub(crate) fn simple_string(arrow: &DataType) -> String {
    match arrow {
        DataType::Null => "void".into(),
        DataType::Boolean => "boolean".into(),
        DataType::Int8 => "tinyint".into(),
        DataType::Int16 | DataType::UInt8 => "smallint".into(),
        DataType::Int32 | DataType::UInt16 => "int".into(),
        DataType::Int64 | DataType::UInt32 | DataType::UInt64 => "bigint".into(),
        DataType::Float16 | DataType::Float32 => "float".into(),
        DataType::Float64 => "double".into(),
        DataType::Decimal32(p, s)
        | DataType::Decimal64(p, s)
        | DataType::Decimal128(p, s)
        | DataType::Decimal256(p, s) => {
            format!("decimal({p},{s})")
        }
        DataType::Date32 | DataType::Date64 => "date".into(),
        DataType::Timestamp(_, Some(_)) => "timestamp".into(),
        DataType::Timestamp(_, None) => "timestamp_ntz".into(),
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView | DataType::FixedSizeBinary(_) => {
            "binary".into()
        }
        DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _) | DataType::ListView(f) => {
            format!("array<{}>", simple_string(f.data_type()))
        }
        DataType::Struct(fields) => {
            let inner: Vec<String> =
                fields.iter().map(|f| format!("{}:{}", f.name(), simple_string(f.data_type()))).collect();
            format!("struct<{}>", inner.join(","))
        }
        DataType::Map(entries, _) => match entries.data_type() {
            DataType::Struct(kv) if kv.len() == 2 => {
                format!("map<{},{}>", simple_string(kv[0].data_type()), simple_string(kv[1].data_type()))
            }
            _ => "map".into(),
        },
        DataType::Dictionary(_, value) => simple_string(value),
        DataType::Time32(_) | DataType::Time64(_) => "time(6)".into(),
        DataType::Interval(datafusion::arrow::datatypes::IntervalUnit::YearMonth) => "interval year to month".into(),
        DataType::Interval(_) => "interval".into(),
        DataType::Duration(_) => "interval day to second".into(),
        _ => "string".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ddl_schemas_parse_like_spark() {
        let schema = parse_schema("a INT, `b c` STRING NOT NULL, d decimal(10, 2), e array<bigint>", "UTC").unwrap();
        assert_eq!(schema.field(0).data_type(), &DataType::Int32);
        assert_eq!(schema.field(1).name(), "b c");
        assert!(!schema.field(1).is_nullable());
        assert_eq!(schema.field(2).data_type(), &DataType::Decimal128(10, 2));
        assert_eq!(simple_string(schema.field(3).data_type()), "array<bigint>");
        let nested = parse_type("struct<x: int, y: map<string, double>>", "UTC").unwrap();
        assert_eq!(simple_string(&nested), "struct<x:int,y:map<string,double>>");
        assert!(parse_schema("a INTEGR", "UTC").is_err());
        assert!(parse_schema("a decimal(10,", "UTC").is_err());
    }

    #[test]
    fn json_schemas_parse_like_pyspark_sends_them() {
        let json = r#"{"fields":[{"metadata":{},"name":"id","nullable":true,"type":"long"},
            {"metadata":{},"name":"tags","nullable":true,"type":{"containsNull":true,"elementType":"string","type":"array"}},
            {"metadata":{},"name":"price","nullable":false,"type":"decimal(10,2)"}],"type":"struct"}"#;
        let schema = parse_schema(json, "UTC").unwrap();
        assert_eq!(schema.field(0).data_type(), &DataType::Int64);
        assert_eq!(simple_string(schema.field(1).data_type()), "array<string>");
        assert_eq!(schema.field(2).data_type(), &DataType::Decimal128(10, 2));
        assert!(!schema.field(2).is_nullable());
    }

    #[test]
    fn arrow_types_round_trip_through_the_proto() {
        for ty in [
            DataType::Int32,
            DataType::Utf8,
            DataType::Decimal128(14, 2),
            DataType::Date32,
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            DataType::List(Arc::new(Field::new("element", DataType::Int64, true))),
        ] {
            assert_eq!(arrow_type(&spark_type(&ty), "UTC").unwrap(), ty);
        }
    }
}
