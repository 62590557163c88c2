//! Spark's JSON functions: `from_json`, `to_json`, `get_json_object`, `schema_of_json`,
//! `json_array_length` and `json_object_keys` (`json_tuple` is `datafusion-spark`'s).
//!
//! Spark reads JSON with Jackson, so this module does too, in miniature: [`parse`] reads the first
//! value of a text the way Jackson's parser with Spark's options does (single quotes, `NaN`,
//! members in document order with duplicates, numbers kept as their text, whatever follows the
//! value left unread), and [`write`] prints one the way Jackson's generator does (compact, Java's
//! `Double.toString` for floating numbers, `\u0001` escapes). The definitions follow Spark's
//! `jsonExpressions.scala`, `JacksonParser`, `JacksonGenerator` and `JsonInferSchema`.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, ListArray, MapArray, StructArray, new_empty_array};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Fields, TimeUnit};
use datafusion::common::scalar::ScalarStructBuilder;
use datafusion::common::{Result, ScalarValue, exec_err, plan_err};

use super::formats::{self, Options};
use crate::connect::show::{java_double, java_float};

/// A JSON value as Jackson reads it.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Json {
    Null,
    Bool(bool),
    /// The number's text: `1`, `1.50`, `1e3`, `NaN`, `-Infinity`.
    Number(String),
    String(String),
    Array(Vec<Json>),
    /// Members in document order, duplicates kept.
    Object(Vec<(String, Json)>),
}

impl Json {
    fn is_integer(number: &str) -> bool {
        !number.contains(['.', 'e', 'E', 'N', 'I'])
    }

    /// Jackson's name for the token a value starts with, as Spark's errors show it.
    fn token(&self) -> &'static str {
        match self {
            Json::Null => "VALUE_NULL",
            Json::Bool(true) => "VALUE_TRUE",
            Json::Bool(false) => "VALUE_FALSE",
            Json::Number(n) if Json::is_integer(n) => "VALUE_NUMBER_INT",
            Json::Number(_) => "VALUE_NUMBER_FLOAT",
            Json::String(_) => "VALUE_STRING",
            Json::Array(_) => "START_ARRAY",
            Json::Object(_) => "START_OBJECT",
        }
    }
}

/// What the parser accepts beyond strict JSON (Jackson's read features Spark turns on).
#[derive(Debug, Clone, Copy)]
pub(super) struct Dialect {
    single_quotes: bool,
    unquoted_field_names: bool,
    non_numeric_numbers: bool,
    unescaped_control_chars: bool,
}

impl Dialect {
    /// `get_json_object`, `json_array_length`, `json_object_keys`: Spark's shared factory.
    const PATHS: Dialect = Dialect {
        single_quotes: true,
        unquoted_field_names: false,
        non_numeric_numbers: true,
        unescaped_control_chars: true,
    };

    /// `from_json` and `schema_of_json`: `JSONOptions`' defaults, changed by the call's options.
    pub(super) fn from_options(options: &Options) -> Self {
        Dialect {
            single_quotes: options.flag("allowSingleQuotes", true),
            unquoted_field_names: options.flag("allowUnquotedFieldNames", false),
            non_numeric_numbers: options.flag("allowNonNumericNumbers", true),
            unescaped_control_chars: options.flag("allowUnquotedControlChars", false),
        }
    }
}

/// The first JSON value of `text`, or None when it is malformed or absent.
pub(super) fn parse(text: &str, dialect: Dialect) -> Option<Json> {
    let mut reader = Reader { bytes: text.as_bytes(), position: 0, dialect };
    reader.value(0)
}

/// Jackson nests up to 1000 levels by default; deeper input is malformed, not a stack overflow.
const MAX_DEPTH: usize = 1000;

struct Reader<'a> {
    bytes: &'a [u8],
    position: usize,
    dialect: Dialect,
}

impl Reader<'_> {
    fn peek(&mut self) -> Option<u8> {
        while let Some(b) = self.bytes.get(self.position) {
            if matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                self.position += 1;
            } else {
                return Some(*b);
            }
        }
        None
    }

    fn eat(&mut self, token: u8) -> bool {
        if self.peek() == Some(token) {
            self.position += 1;
            true
        } else {
            false
        }
    }

    fn keyword(&mut self, word: &str) -> bool {
        if self.bytes[self.position..].starts_with(word.as_bytes()) {
            self.position += word.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> Option<Json> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.peek()? {
            b'{' => {
                self.position += 1;
                let mut members = Vec::new();
                if self.eat(b'}') {
                    return Some(Json::Object(members));
                }
                loop {
                    let name = self.field_name()?;
                    if !self.eat(b':') {
                        return None;
                    }
                    members.push((name, self.value(depth + 1)?));
                    if self.eat(b'}') {
                        return Some(Json::Object(members));
                    }
                    if !self.eat(b',') {
                        return None;
                    }
                }
            }
            b'[' => {
                self.position += 1;
                let mut items = Vec::new();
                if self.eat(b']') {
                    return Some(Json::Array(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    if self.eat(b']') {
                        return Some(Json::Array(items));
                    }
                    if !self.eat(b',') {
                        return None;
                    }
                }
            }
            b'"' => self.string(b'"').map(Json::String),
            b'\'' if self.dialect.single_quotes => self.string(b'\'').map(Json::String),
            b't' if self.keyword("true") => Some(Json::Bool(true)),
            b'f' if self.keyword("false") => Some(Json::Bool(false)),
            b'n' if self.keyword("null") => Some(Json::Null),
            _ => self.number().map(Json::Number),
        }
    }

    fn field_name(&mut self) -> Option<String> {
        match self.peek()? {
            b'"' => self.string(b'"'),
            b'\'' if self.dialect.single_quotes => self.string(b'\''),
            b if self.dialect.unquoted_field_names && (b.is_ascii_alphabetic() || b == b'_' || b == b'$') => {
                let start = self.position;
                while self
                    .bytes
                    .get(self.position)
                    .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'$')
                {
                    self.position += 1;
                }
                Some(String::from_utf8_lossy(&self.bytes[start..self.position]).into_owned())
            }
            _ => None,
        }
    }

    fn string(&mut self, quote: u8) -> Option<String> {
        self.position += 1;
        let mut out = Vec::new();
        loop {
            let b = *self.bytes.get(self.position)?;
            self.position += 1;
            match b {
                _ if b == quote => return String::from_utf8(out).ok(),
                b'\\' => {
                    let escaped = *self.bytes.get(self.position)?;
                    self.position += 1;
                    let c = match escaped {
                        b'"' | b'\\' | b'/' | b'\'' => escaped as char,
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let high = self.hex4()?;
                            if (0xD800..0xDC00).contains(&high) && self.keyword("\\u") {
                                let low = self.hex4()?;
                                char::from_u32(0x10000 + ((high - 0xD800) << 10) + (low.checked_sub(0xDC00)?))?
                            } else {
                                char::from_u32(high)?
                            }
                        }
                        _ => return None,
                    };
                    let mut buffer = [0; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buffer).as_bytes());
                }
                _ if b < 0x20 && !self.dialect.unescaped_control_chars => return None,
                _ => out.push(b),
            }
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.bytes.get(self.position..self.position + 4)?;
        self.position += 4;
        u32::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
    }

    /// `-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`, or NaN and the infinities when allowed.
    fn number(&mut self) -> Option<String> {
        let start = self.position;
        if self.dialect.non_numeric_numbers {
            for word in ["NaN", "Infinity", "+Infinity", "-Infinity", "+INF", "-INF"] {
                if self.keyword(word) {
                    return Some(word.to_string());
                }
            }
        }
        let digits = |reader: &mut Self| {
            let from = reader.position;
            while reader.bytes.get(reader.position).is_some_and(u8::is_ascii_digit) {
                reader.position += 1;
            }
            reader.position - from
        };
        if self.bytes.get(self.position) == Some(&b'-') {
            self.position += 1;
        }
        let integer_start = self.position;
        let integer = digits(self);
        if integer == 0 || (integer > 1 && self.bytes[integer_start] == b'0') {
            return None;
        }
        if self.bytes.get(self.position) == Some(&b'.') {
            self.position += 1;
            if digits(self) == 0 {
                return None;
            }
        }
        if matches!(self.bytes.get(self.position), Some(b'e' | b'E')) {
            self.position += 1;
            if matches!(self.bytes.get(self.position), Some(b'+' | b'-')) {
                self.position += 1;
            }
            if digits(self) == 0 {
                return None;
            }
        }
        // A number runs into the next token only through a separator: `1x` is malformed.
        if self.bytes.get(self.position).is_some_and(|b| b.is_ascii_alphanumeric()) {
            return None;
        }
        Some(String::from_utf8_lossy(&self.bytes[start..self.position]).into_owned())
    }
}

/// `value` as Jackson's generator prints it (compact; floating numbers as Java's doubles).
pub(super) fn write(value: &Json, out: &mut String) {
    match value {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Number(n) => write_number(n, out),
        Json::String(s) => write_string(s, out),
        Json::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(item, out);
            }
            out.push(']');
        }
        Json::Object(members) => {
            out.push('{');
            for (i, (name, item)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(name, out);
                out.push(':');
                write(item, out);
            }
            out.push('}');
        }
    }
}

fn write_number(text: &str, out: &mut String) {
    if Json::is_integer(text) {
        // Jackson reads an integer as int, long or BigInteger and prints that value.
        let digits = text.trim_start_matches('-');
        if digits.trim_start_matches('0').is_empty() {
            out.push('0');
        } else {
            out.push_str(text);
        }
    } else {
        write_double(text.parse::<f64>().unwrap_or(f64::NAN), out);
    }
}

/// A double as Jackson writes it: Java's `Double.toString`, non-finite values quoted.
fn write_double(value: f64, out: &mut String) {
    let text = java_double(value);
    if value.is_finite() { out.push_str(&text) } else { write_string(&text, out) }
}

/// A quoted string with Jackson's escapes: `\"`, `\\`, short ones for \b \t \n \f \r, else
/// `\u00XX` below 0x20.
pub(super) fn write_string(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn to_text(value: &Json) -> String {
    let mut out = String::new();
    write(value, &mut out);
    out
}

// ---- get_json_object ----

/// One instruction of Spark's JSONPath subset.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    /// `.name` or `['name']`
    Key(String),
    /// `[3]`
    Index(usize),
    /// `[*]`
    AnyIndex,
    /// `.*` or `['*']`: parsed, but Spark's evaluation never matches it.
    Wildcard,
}

/// Spark's `JsonPathParser`: `$` then `.name`, `['name']`, `[n]`, `[*]`, `.*`; spaces between
/// tokens are skipped. None for anything else (the function then answers NULL).
fn parse_path(path: &str) -> Option<Vec<Step>> {
    let mut rest = path.trim_start().strip_prefix('$')?;
    let mut steps = Vec::new();
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return Some(steps);
        }
        if let Some(after) = rest.strip_prefix(".*").or_else(|| rest.strip_prefix("['*']")) {
            steps.push(Step::Wildcard);
            rest = after;
        } else if let Some(after) = rest.strip_prefix('.') {
            let after = after.trim_start();
            let length = after.find(['.', '[']).unwrap_or(after.len());
            if length == 0 {
                return None;
            }
            steps.push(Step::Key(after[..length].to_string()));
            rest = &after[length..];
        } else if let Some(after) = rest.strip_prefix("['") {
            let length = after.find('\'')?;
            let after_name = after[length..].strip_prefix("']")?;
            if length == 0 {
                return None;
            }
            steps.push(Step::Key(after[..length].to_string()));
            rest = after_name;
        } else if let Some(after) = rest.strip_prefix('[') {
            let after = after.trim_start();
            if let Some(after) = after.strip_prefix('*') {
                steps.push(Step::AnyIndex);
                rest = after.trim_start().strip_prefix(']')?;
            } else {
                let length = after.find(|c: char| !c.is_ascii_digit()).unwrap_or(after.len());
                steps.push(Step::Index(after[..length].parse().ok()?));
                rest = after[length..].trim_start().strip_prefix(']')?;
            }
        } else {
            return None;
        }
    }
}

/// How a match is written: strings unquoted at the top (Raw), quoted inside a wildcard's array
/// (Quoted), arrays spliced into the enclosing one after a double wildcard (Flatten).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Style {
    Raw,
    Quoted,
    Flatten,
}

/// A JSON writer that places commas between the values of the arrays it is inside, as Jackson's
/// generator does.
#[derive(Default)]
struct Generator {
    out: String,
    open_arrays: Vec<bool>,
}

impl Generator {
    fn before_value(&mut self) {
        if let Some(has_items) = self.open_arrays.last_mut() {
            if *has_items {
                self.out.push(',');
            }
            *has_items = true;
        }
    }

    fn start_array(&mut self) {
        self.before_value();
        self.out.push('[');
        self.open_arrays.push(false);
    }

    fn end_array(&mut self) {
        self.open_arrays.pop();
        self.out.push(']');
    }

    fn raw_value(&mut self, text: &str) {
        self.before_value();
        self.out.push_str(text);
    }
}

/// Spark's `evaluatePath`, on a parsed value rather than Jackson's token stream: whether
/// something matched, the matches written to `generator`.
fn evaluate(value: &Json, path: &[Step], style: Style, generator: &mut Generator) -> bool {
    match (value, path) {
        (Json::String(s), []) if style == Style::Raw => {
            generator.raw_value(s);
            true
        }
        (Json::Array(items), []) if style == Style::Flatten => {
            let mut dirty = false;
            for item in items {
                dirty |= evaluate(item, &[], Style::Flatten, generator);
            }
            dirty
        }
        (_, []) => {
            generator.raw_value(&to_text(value));
            true
        }
        (Json::Object(members), [Step::Key(name), rest @ ..]) => {
            // The first member of that name whose value is not null.
            members
                .iter()
                .any(|(key, item)| key == name && *item != Json::Null && evaluate(item, rest, style, generator))
        }
        (Json::Array(items), [Step::AnyIndex, Step::AnyIndex, rest @ ..]) => {
            let mut dirty = false;
            generator.start_array();
            for item in items {
                dirty |= evaluate(item, rest, Style::Flatten, generator);
            }
            generator.end_array();
            dirty
        }
        (Json::Array(items), [Step::AnyIndex, rest @ ..]) if style != Style::Quoted => {
            let inner_style = if style == Style::Raw { Style::Quoted } else { Style::Flatten };
            let mut buffer = Generator::default();
            buffer.start_array();
            let mut matches = 0;
            for item in items {
                matches += usize::from(evaluate(item, rest, inner_style, &mut buffer));
            }
            buffer.end_array();
            // One match is written without the array around it, as Hive does.
            match matches {
                0 => {}
                1 => generator.raw_value(&buffer.out[1..buffer.out.len() - 1]),
                _ => generator.raw_value(&buffer.out),
            }
            matches > 0
        }
        (Json::Array(items), [Step::AnyIndex, rest @ ..]) => {
            let mut dirty = false;
            generator.start_array();
            for item in items {
                dirty |= evaluate(item, rest, Style::Quoted, generator);
            }
            generator.end_array();
            dirty
        }
        (Json::Array(items), [Step::Index(i), rest @ ..]) => {
            let style = if rest.first() == Some(&Step::AnyIndex) { Style::Quoted } else { style };
            items.get(*i).is_some_and(|item| evaluate(item, rest, style, generator))
        }
        _ => false,
    }
}

/// `get_json_object(json, path)`: the match as text, strings unquoted; NULL when nothing
/// matches, the path is invalid or the JSON malformed.
pub(super) fn get_json_object(json: &str, path: &str) -> Option<String> {
    let steps = parse_path(path)?;
    let value = parse(json, Dialect::PATHS)?;
    let mut generator = Generator::default();
    evaluate(&value, &steps, Style::Raw, &mut generator).then_some(generator.out)
}

/// `json_array_length`: the number of elements of a top-level array, else NULL.
pub(super) fn json_array_length(json: &str) -> Option<i32> {
    match parse(json, Dialect::PATHS)? {
        Json::Array(items) => Some(items.len() as i32),
        _ => None,
    }
}

/// `json_object_keys`: the keys of a top-level object (duplicates kept), else NULL.
pub(super) fn json_object_keys(json: &str) -> Option<Vec<String>> {
    match parse(json, Dialect::PATHS)? {
        Json::Object(members) => Some(members.into_iter().map(|(k, _)| k).collect()),
        _ => None,
    }
}

// ---- from_json ----

/// Reads parsed JSON into values of a schema, as Spark's `JacksonParser` converts tokens.
pub(super) struct Converter<'a> {
    pub(super) options: &'a Options,
}

/// A converted value and, when part of it could not be read, why (the value then holds NULL
/// there, or the fields of a struct that could be read: Spark's partial results).
type Converted = (ScalarValue, Option<String>);

impl Converter<'_> {
    /// The value of one record: NULL for a NULL or blank text; for a malformed one, a struct of
    /// NULLs (a struct schema) or NULL, with the reason.
    pub(super) fn record(&self, text: Option<&str>, ty: &DataType) -> Result<Converted> {
        let Some(text) = text.filter(|t| !t.trim().is_empty()) else { return Ok((ScalarValue::try_from(ty)?, None)) };
        let parsed = parse(text, Dialect::from_options(self.options));
        match (parsed, ty) {
            (Some(Json::Object(members)), DataType::Struct(fields)) => self.structure(fields, &members),
            (Some(Json::Null), DataType::Struct(fields)) => Ok((null_fields(fields)?, None)),
            (Some(other), DataType::Struct(fields)) => {
                Ok((null_fields(fields)?, Some(format!("a JSON {} is not a struct", other.token()))))
            }
            (Some(value), _) => self.convert(&value, ty),
            (None, DataType::Struct(fields)) => Ok((null_fields(fields)?, Some("malformed JSON".into()))),
            (None, _) => Ok((ScalarValue::try_from(ty)?, Some("malformed JSON".into()))),
        }
    }

    fn convert(&self, value: &Json, ty: &DataType) -> Result<Converted> {
        if *value == Json::Null {
            return Ok((ScalarValue::try_from(ty)?, None));
        }
        let converted = match (ty, value) {
            (DataType::Struct(fields), Json::Object(members)) => return self.structure(fields, members),
            (DataType::List(field), Json::Array(items)) => return self.list(field, items),
            (DataType::Map(entries, sorted), Json::Object(members)) => return self.map(entries, *sorted, members),
            (DataType::Utf8, Json::String(s)) => Some(ScalarValue::Utf8(Some(s.clone()))),
            (DataType::Utf8, other) => Some(ScalarValue::Utf8(Some(to_text(other)))),
            (DataType::Boolean, Json::Bool(b)) => Some(ScalarValue::Boolean(Some(*b))),
            (DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64, Json::Number(n))
                if Json::is_integer(n) =>
            {
                n.parse::<i64>().ok().and_then(|v| integer(v, ty))
            }
            (DataType::Float64, Json::Number(n) | Json::String(n)) if is_float_text(value, n) => {
                Some(ScalarValue::Float64(Some(float_value(n))))
            }
            (DataType::Float32, Json::Number(n) | Json::String(n)) if is_float_text(value, n) => {
                Some(ScalarValue::Float32(Some(float_value(n) as f32)))
            }
            (DataType::Decimal128(precision, scale), Json::Number(n) | Json::String(n)) => {
                decimal(n, *precision, *scale).map(|v| ScalarValue::Decimal128(Some(v), *precision, *scale))
            }
            (DataType::Date32, Json::String(s)) => {
                formats::parse_date(s, self.options.get("dateFormat")).map(|d| ScalarValue::Date32(Some(d)))
            }
            (DataType::Timestamp(TimeUnit::Microsecond, zone), Json::String(s)) => {
                let pattern = self.options.get(if zone.is_some() { "timestampFormat" } else { "timestampNTZFormat" });
                formats::parse_timestamp(s, pattern, zone.as_deref())
                    .map(|t| ScalarValue::TimestampMicrosecond(Some(t), zone.clone()))
            }
            (DataType::Timestamp(TimeUnit::Microsecond, zone @ Some(_)), Json::Number(n)) if Json::is_integer(n) => {
                // An integer is seconds since the epoch.
                n.parse::<i64>()
                    .ok()
                    .and_then(|s| s.checked_mul(1_000_000))
                    .map(|t| ScalarValue::TimestampMicrosecond(Some(t), zone.clone()))
            }
            (DataType::Binary, Json::String(s)) => {
                base64_simd::STANDARD.decode_to_vec(s).ok().map(|b| ScalarValue::Binary(Some(b)))
            }
            (DataType::Null, _) => Some(ScalarValue::Null),
            _ => None,
        };
        match converted {
            Some(v) => Ok((v, None)),
            None => Ok((
                ScalarValue::try_from(ty)?,
                Some(format!(
                    "Cannot parse the value {} of the JSON token type {} to target Spark data type \"{}\"",
                    to_text(value),
                    value.token(),
                    formats::sql_type(ty)
                )),
            )),
        }
    }

    fn structure(&self, fields: &Fields, members: &[(String, Json)]) -> Result<Converted> {
        let mut values: Vec<ScalarValue> =
            fields.iter().map(|f| ScalarValue::try_from(f.data_type())).collect::<Result<_>>()?;
        let mut problem = None;
        // The last member of a name wins, as in Spark.
        for (name, value) in members {
            if let Some((index, field)) = fields.find(name) {
                let (converted, error) = self.convert(value, field.data_type())?;
                values[index] = converted;
                problem = problem.or(error);
            }
        }
        let mut builder = ScalarStructBuilder::new();
        for (field, value) in fields.iter().zip(values) {
            builder = builder.with_scalar(field.clone(), value);
        }
        Ok((builder.build()?, problem))
    }

    fn list(&self, field: &FieldRef, items: &[Json]) -> Result<Converted> {
        let mut values = Vec::with_capacity(items.len());
        for item in items {
            let (value, error) = self.convert(item, field.data_type())?;
            if error.is_some() {
                return Ok((ScalarValue::try_from(DataType::List(field.clone()))?, error));
            }
            values.push(value);
        }
        Ok((ScalarValue::List(Arc::new(single_list(field, values)?)), None))
    }

    fn map(&self, entries: &FieldRef, sorted: bool, members: &[(String, Json)]) -> Result<Converted> {
        let DataType::Struct(key_value) = entries.data_type() else { return plan_err!("a map without entries") };
        let map_type = DataType::Map(entries.clone(), sorted);
        if key_value[0].data_type() != &DataType::Utf8 {
            return plan_err!("from_json reads maps with STRING keys only, not {}", formats::sql_type(&map_type));
        }
        let mut values = Vec::with_capacity(members.len());
        for (_, item) in members {
            let (value, error) = self.convert(item, key_value[1].data_type())?;
            if error.is_some() {
                return Ok((ScalarValue::try_from(map_type)?, error));
            }
            values.push(value);
        }
        let keys =
            array_of(members.iter().map(|(k, _)| ScalarValue::Utf8(Some(k.clone()))).collect(), &DataType::Utf8)?;
        let values = array_of(values, key_value[1].data_type())?;
        let entries_array = StructArray::try_new(key_value.clone(), vec![keys, values], None)?;
        let offsets = OffsetBuffer::from_lengths([members.len()]);
        Ok((
            ScalarValue::Map(Arc::new(MapArray::try_new(entries.clone(), offsets, entries_array, None, sorted)?)),
            None,
        ))
    }
}

fn is_float_text(value: &Json, text: &str) -> bool {
    match value {
        Json::Number(_) => true,
        // From a string only the special values: "NaN", "Infinity", "-INF" and the like.
        _ => matches!(text, "NaN" | "Infinity" | "+Infinity" | "-Infinity" | "INF" | "+INF" | "-INF"),
    }
}

fn float_value(text: &str) -> f64 {
    match text {
        "INF" | "+INF" | "+Infinity" => f64::INFINITY,
        "-INF" => f64::NEG_INFINITY,
        other => other.parse().unwrap_or(f64::NAN),
    }
}

fn integer(value: i64, ty: &DataType) -> Option<ScalarValue> {
    Some(match ty {
        DataType::Int8 => ScalarValue::Int8(Some(i8::try_from(value).ok()?)),
        DataType::Int16 => ScalarValue::Int16(Some(i16::try_from(value).ok()?)),
        DataType::Int32 => ScalarValue::Int32(Some(i32::try_from(value).ok()?)),
        _ => ScalarValue::Int64(Some(value)),
    })
}

/// A decimal number's text as the unscaled value of DECIMAL(precision, scale), rounded HALF_UP;
/// None when it is not a number or does not fit.
pub(super) fn decimal(text: &str, precision: u8, scale: i8) -> Option<i128> {
    let text = text.trim();
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], text[i + 1..].parse::<i32>().ok()?),
        None => (text, 0),
    };
    let (negative, mantissa) = match mantissa.as_bytes().first()? {
        b'-' => (true, &mantissa[1..]),
        b'+' => (false, &mantissa[1..]),
        _ => (false, mantissa),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if (whole.is_empty() && fraction.is_empty()) || !whole.bytes().chain(fraction.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits: String = format!("{whole}{fraction}");
    // The value is digits × 10^shift; bring it to `scale` digits after the point.
    let shift = exponent - fraction.len() as i32 + scale as i32;
    let digits = digits.trim_start_matches('0');
    let mut unscaled: i128 = 0;
    let kept = if shift >= 0 { digits.len() } else { digits.len().saturating_sub((-shift) as usize) };
    for b in digits[..kept].bytes() {
        unscaled = unscaled.checked_mul(10)?.checked_add((b - b'0') as i128)?;
    }
    if shift > 0 {
        unscaled = unscaled.checked_mul(10i128.checked_pow(shift as u32)?)?;
    } else if shift < 0
        && digits.len() - kept == (-shift) as usize
        && digits.as_bytes()[kept..].first().is_some_and(|b| *b >= b'5')
    {
        unscaled += 1;
    }
    if unscaled >= 10i128.pow(precision as u32) {
        return None;
    }
    Some(if negative { -unscaled } else { unscaled })
}

/// A struct of NULL fields: Spark's answer for a malformed record under a struct schema.
fn null_fields(fields: &Fields) -> Result<ScalarValue> {
    let mut builder = ScalarStructBuilder::new();
    for field in fields.iter() {
        builder = builder.with_scalar(field.clone(), ScalarValue::try_from(field.data_type())?);
    }
    builder.build()
}

/// `values` (of `ty`) as one array, empty when there are none.
pub(super) fn array_of(values: Vec<ScalarValue>, ty: &DataType) -> Result<ArrayRef> {
    if values.is_empty() { Ok(new_empty_array(ty)) } else { ScalarValue::iter_to_array(values) }
}

/// A one-row list array holding `values`, with exactly `field` as its element field.
fn single_list(field: &FieldRef, values: Vec<ScalarValue>) -> Result<ListArray> {
    let length = values.len();
    let values = array_of(values, field.data_type())?;
    Ok(ListArray::try_new(field.clone(), OffsetBuffer::from_lengths([length]), values, None)?)
}

// ---- to_json ----

/// How `to_json` prints values: its options `ignoreNullFields`, `dateFormat`, `timestampFormat`.
pub(super) struct Writer<'a> {
    pub(super) options: &'a Options,
}

impl Writer<'_> {
    /// Refuses types Spark's `to_json` refuses, and options it cannot honour.
    pub(super) fn check(input: &DataType) -> Result<()> {
        match input {
            DataType::Struct(_) | DataType::List(_) | DataType::LargeList(_) | DataType::Map(_, _) => Ok(()),
            other => plan_err!(
                "[DATATYPE_MISMATCH.INVALID_JSON_SCHEMA] Cannot resolve \"to_json\" due to data type mismatch: Input schema \"{}\" must be a struct, an array, a map or a variant.",
                formats::sql_type(other)
            ),
        }
    }

    pub(super) fn row(&self, array: &ArrayRef, row: usize) -> Result<Option<String>> {
        if self.options.flag("pretty", false) {
            return plan_err!("to_json's option pretty=true is not supported");
        }
        if array.is_null(row) {
            return Ok(None);
        }
        let mut out = String::new();
        self.value(array, row, &mut out)?;
        Ok(Some(out))
    }

    fn value(&self, array: &ArrayRef, row: usize, out: &mut String) -> Result<()> {
        if formats::null_at(array, row) {
            out.push_str("null");
            return Ok(());
        }
        use datafusion::arrow::datatypes::*;
        match array.data_type() {
            DataType::Null => out.push_str("null"),
            DataType::Boolean => out.push_str(if array.as_boolean().value(row) { "true" } else { "false" }),
            DataType::Int8 => out.push_str(&array.as_primitive::<Int8Type>().value(row).to_string()),
            DataType::Int16 => out.push_str(&array.as_primitive::<Int16Type>().value(row).to_string()),
            DataType::Int32 => out.push_str(&array.as_primitive::<Int32Type>().value(row).to_string()),
            DataType::Int64 => out.push_str(&array.as_primitive::<Int64Type>().value(row).to_string()),
            DataType::Float32 => {
                let value = array.as_primitive::<Float32Type>().value(row);
                if value.is_finite() { out.push_str(&java_float(value)) } else { write_double(value as f64, out) }
            }
            DataType::Float64 => write_double(array.as_primitive::<Float64Type>().value(row), out),
            DataType::Decimal128(_, _) => {
                out.push_str(&datafusion::arrow::util::display::array_value_to_string(array, row)?)
            }
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
                let text = formats::strings(&array.slice(row, 1))?;
                write_string(text.value(0), out)
            }
            DataType::Binary => {
                write_string(&base64_simd::STANDARD.encode_to_string(array.as_binary::<i32>().value(row)), out)
            }
            DataType::Date32 => {
                let days = array.as_primitive::<Date32Type>().value(row);
                write_string(&formats::format_date(days, self.options.get("dateFormat"))?, out)
            }
            DataType::Timestamp(unit, zone) => {
                let value = timestamp_value(array, row, unit);
                let pattern = self.options.get(if zone.is_some() { "timestampFormat" } else { "timestampNTZFormat" });
                write_string(&formats::format_timestamp(value, unit, zone.as_deref(), pattern)?, out)
            }
            DataType::List(_) | DataType::LargeList(_) => {
                let items = match array.data_type() {
                    DataType::List(_) => array.as_list::<i32>().value(row),
                    _ => array.as_list::<i64>().value(row),
                };
                out.push('[');
                for i in 0..items.len() {
                    if i > 0 {
                        out.push(',');
                    }
                    self.value(&items, i, out)?;
                }
                out.push(']');
            }
            DataType::Struct(fields) => {
                let columns = array.as_struct().columns();
                let keep_nulls = !self.options.flag("ignoreNullFields", true);
                out.push('{');
                let mut first = true;
                for (field, column) in fields.iter().zip(columns) {
                    if formats::null_at(column, row) && !keep_nulls {
                        continue;
                    }
                    if !first {
                        out.push(',');
                    }
                    first = false;
                    write_string(field.name(), out);
                    out.push(':');
                    self.value(column, row, out)?;
                }
                out.push('}');
            }
            DataType::Map(_, _) => {
                let entries = array.as_map().value(row);
                let keys = formats::strings(entries.column(0)).map_err(|_| {
                    datafusion::error::DataFusionError::NotImplemented(format!(
                        "to_json of a map with {} keys",
                        formats::sql_type(entries.column(0).data_type())
                    ))
                })?;
                out.push('{');
                for i in 0..entries.len() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_string(keys.value(i), out);
                    out.push(':');
                    self.value(entries.column(1), i, out)?;
                }
                out.push('}');
            }
            other => return exec_err!("to_json of {} values is not supported", formats::sql_type(other)),
        }
        Ok(())
    }
}

pub(super) fn timestamp_value(array: &ArrayRef, row: usize, unit: &TimeUnit) -> i64 {
    use datafusion::arrow::datatypes::*;
    match unit {
        TimeUnit::Second => array.as_primitive::<TimestampSecondType>().value(row),
        TimeUnit::Millisecond => array.as_primitive::<TimestampMillisecondType>().value(row),
        TimeUnit::Microsecond => array.as_primitive::<TimestampMicrosecondType>().value(row),
        TimeUnit::Nanosecond => array.as_primitive::<TimestampNanosecondType>().value(row),
    }
}

// ---- schema_of_json ----

/// `schema_of_json`: the type Spark infers for one JSON text, as SQL text (`STRUCT<a: BIGINT>`).
pub(super) fn schema_of_json(text: &str, options: &Options) -> Result<String> {
    let Some(value) = parse(text, Dialect::from_options(options)) else {
        return exec_err!(
            "[MALFORMED_RECORD_IN_PARSING.WITHOUT_SUGGESTION] Malformed records are detected in schema inference: {text:?}. Parse Mode: FAILFAST."
        );
    };
    let prefers_decimal = options.flag("prefersDecimal", false);
    let inferred = infer(&value, prefers_decimal);
    let ty = match &inferred {
        DataType::Struct(_) => canonical(&inferred).unwrap_or(DataType::Struct(Fields::empty())),
        DataType::List(element) if matches!(element.data_type(), DataType::Struct(_)) => {
            let element = canonical(element.data_type()).unwrap_or(DataType::Struct(Fields::empty()));
            DataType::List(Arc::new(Field::new("element", element, true)))
        }
        other => canonical(other).unwrap_or(DataType::Utf8),
    };
    Ok(formats::sql_type(&ty))
}

/// `JsonInferSchema.inferField`.
fn infer(value: &Json, prefers_decimal: bool) -> DataType {
    match value {
        Json::Null => DataType::Null,
        Json::Bool(_) => DataType::Boolean,
        Json::String(_) => DataType::Utf8,
        Json::Number(n) if Json::is_integer(n) => {
            if n.parse::<i64>().is_ok() {
                DataType::Int64
            } else {
                decimal_type(n).unwrap_or(DataType::Float64)
            }
        }
        Json::Number(n) if prefers_decimal => decimal_type(n).unwrap_or(DataType::Float64),
        Json::Number(_) => DataType::Float64,
        Json::Array(items) => {
            let element =
                items.iter().fold(DataType::Null, |acc, item| compatible(&acc, &infer(item, prefers_decimal)));
            DataType::List(Arc::new(Field::new("element", element, true)))
        }
        Json::Object(members) => {
            let mut fields: Vec<Field> =
                members.iter().map(|(name, item)| Field::new(name, infer(item, prefers_decimal), true)).collect();
            fields.sort_by(|a, b| a.name().cmp(b.name()));
            DataType::Struct(Fields::from(fields))
        }
    }
}

/// The DECIMAL(max(precision, scale), scale) of a number's text (Java's `BigDecimal`), if it fits 38 digits.
fn decimal_type(text: &str) -> Option<DataType> {
    let text = text.trim_start_matches('-');
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], text[i + 1..].parse::<i32>().ok()?),
        None => (text, 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = format!("{whole}{fraction}");
    let significant = digits.trim_start_matches('0').len().max(1) as i32;
    let scale = fraction.len() as i32 - exponent;
    let precision = significant.max(scale);
    if !(0..=38).contains(&scale) || precision > 38 {
        return None;
    }
    Some(DataType::Decimal128(precision as u8, scale as i8))
}

/// `JsonInferSchema.compatibleType`: the type two inferred types merge into.
fn compatible(a: &DataType, b: &DataType) -> DataType {
    use DataType::*;
    match (a, b) {
        _ if a == b => a.clone(),
        (Null, other) | (other, Null) => other.clone(),
        (Int64, Float64) | (Float64, Int64) | (Float64, Decimal128(_, _)) | (Decimal128(_, _), Float64) => Float64,
        (Int64, Decimal128(_, _)) => compatible(&Decimal128(20, 0), b),
        (Decimal128(_, _), Int64) => compatible(a, &Decimal128(20, 0)),
        (Decimal128(p1, s1), Decimal128(p2, s2)) => {
            let scale = (*s1).max(*s2) as i32;
            let range = (*p1 as i32 - *s1 as i32).max(*p2 as i32 - *s2 as i32);
            if range + scale > 38 { Float64 } else { Decimal128((range + scale) as u8, scale as i8) }
        }
        (Struct(left), Struct(right)) => {
            let mut fields: Vec<Field> = left.iter().map(|f| f.as_ref().clone()).collect();
            for field in right.iter() {
                match fields.iter_mut().find(|f| f.name() == field.name()) {
                    Some(existing) => {
                        let merged = compatible(existing.data_type(), field.data_type());
                        *existing = Field::new(existing.name(), merged, true);
                    }
                    None => fields.push(field.as_ref().clone()),
                }
            }
            fields.sort_by(|a, b| a.name().cmp(b.name()));
            Struct(Fields::from(fields))
        }
        (List(left), List(right)) => {
            List(Arc::new(Field::new("element", compatible(left.data_type(), right.data_type()), true)))
        }
        _ => Utf8,
    }
}

/// `JsonInferSchema.canonicalizeType`: NULL becomes STRING, empty structs disappear.
fn canonical(ty: &DataType) -> Option<DataType> {
    match ty {
        DataType::Null => Some(DataType::Utf8),
        DataType::List(element) => {
            canonical(element.data_type()).map(|e| DataType::List(Arc::new(Field::new("element", e, true))))
        }
        DataType::Struct(fields) => {
            let kept: Vec<Field> = fields
                .iter()
                .filter(|f| !f.name().is_empty())
                .filter_map(|f| canonical(f.data_type()).map(|t| Field::new(f.name(), t, true)))
                .collect();
            if kept.is_empty() { None } else { Some(DataType::Struct(Fields::from(kept))) }
        }
        other => Some(other.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(pairs: &[(&str, &str)]) -> Options {
        Options::from_pairs(pairs)
    }

    #[test]
    fn get_json_object_follows_sparks_paths() {
        // Values from Spark 4.3.
        let doc = r#"{"a": {"b": [1, {"c": "x"}]}}"#;
        assert_eq!(get_json_object(doc, "$.a.b[1].c").as_deref(), Some("x"));
        assert_eq!(get_json_object(r#"{"a": {"b": [1, 2]}}"#, "$.a.b").as_deref(), Some("[1,2]"));
        assert_eq!(get_json_object(r#"{"a b": 1}"#, "$['a b']").as_deref(), Some("1"));
        assert_eq!(get_json_object(r#"{"a": [{"b":1},{"b":2}]}"#, "$.a[*].b").as_deref(), Some("[1,2]"));
        assert_eq!(
            get_json_object(r#"[{"f1": "value12"},{"f2": "value13"}]"#, "$[*].f1").as_deref(),
            Some("\"value12\"")
        );
        assert_eq!(get_json_object(r#"{"a":[[1,2],[3]]}"#, "$.a[*][*]").as_deref(), Some("[1,2,3]"));
        assert_eq!(get_json_object(r#"{"a":[{"b":[1,2]},{"b":[3]}]}"#, "$.a[*].b[0]").as_deref(), Some("[1,3]"));
        assert_eq!(get_json_object(r#"{"a":[{"b":[1,2]},{"b":[3]}]}"#, "$.a[*].b[*]").as_deref(), Some("[[1,2],[3]]"));
        assert_eq!(get_json_object(r#"{"a": 1.50}"#, "$.a").as_deref(), Some("1.5"));
        assert_eq!(get_json_object(r#"{"a": 1e3}"#, "$.a").as_deref(), Some("1000.0"));
        assert_eq!(get_json_object(r#"{"a":1e400}"#, "$.a").as_deref(), Some("\"Infinity\""));
        assert_eq!(get_json_object(r#"{"a":1, "a":2}"#, "$.a").as_deref(), Some("1"));
        assert_eq!(get_json_object(r#"{"a": [null]}"#, "$.a[0]").as_deref(), Some("null"));
        assert_eq!(get_json_object(r#"{'a':1}"#, "$.a").as_deref(), Some("1"));
        assert_eq!(get_json_object(r#" {"a":1} trailing"#, "$.a").as_deref(), Some("1"));
        assert_eq!(get_json_object(r#"{"a":[1,2]}"#, "$.a[ 1]").as_deref(), Some("2"));
        for (doc, path) in [
            (r#"{"a":1}"#, "a"),
            (r#"{"a":1}"#, "$..a"),
            (r#"{"a":1}"#, "$.a."),
            (r#"{"a":1}"#, "$.*"),
            (r#"{"a":1}"#, "$[\"a\"]"),
            (r#"{"a":[]}"#, "$.a[*]"),
            (r#"{"a":null}"#, "$.a"),
            (r#"{a:1}"#, "$.a"),
            ("not json", "$.a"),
        ] {
            assert_eq!(get_json_object(doc, path), None, "{doc} {path}");
        }
    }

    #[test]
    fn strings_escape_like_jackson() {
        let mut out = String::new();
        write_string("q\"\\\n\t\u{1}é/<", &mut out);
        assert_eq!(out, r#""q\"\\\n\t\u0001é/<""#);
    }

    #[test]
    fn lengths_and_keys() {
        assert_eq!(json_array_length("[1, [2, 3], {\"a\": 1}]"), Some(3));
        assert_eq!(json_array_length("[]  x"), Some(0));
        assert_eq!(json_array_length("[1,"), None);
        assert_eq!(json_array_length("{\"a\":1}"), None);
        assert_eq!(json_object_keys(r#"{"a":1,"a":2}"#), Some(vec!["a".to_string(), "a".to_string()]));
        assert_eq!(json_object_keys("{}"), Some(vec![]));
        assert_eq!(json_object_keys("[1]"), None);
    }

    #[test]
    fn schemas_are_inferred_like_spark() {
        let none = options(&[]);
        let text = r#"{"a": 1, "b": [1.5], "c": "x", "d": null, "e": {"f": true}, "g": [], "h": 1e40, "i": 12345678901234567890, "j": [1, "x"], "k": [1, 1.5]}"#;
        assert_eq!(
            schema_of_json(text, &none).unwrap(),
            "STRUCT<a: BIGINT, b: ARRAY<DOUBLE>, c: STRING, d: STRING, e: STRUCT<f: BOOLEAN>, g: ARRAY<STRING>, h: DOUBLE, i: DECIMAL(20,0), j: ARRAY<STRING>, k: ARRAY<DOUBLE>>"
        );
        assert_eq!(schema_of_json(r#"[{"a": 1}, {"b": 2}]"#, &none).unwrap(), "ARRAY<STRUCT<a: BIGINT, b: BIGINT>>");
        assert_eq!(
            schema_of_json(r#"{"Z": 1, "a": 2, "B": 3}"#, &none).unwrap(),
            "STRUCT<B: BIGINT, Z: BIGINT, a: BIGINT>"
        );
        assert_eq!(schema_of_json(r#"{"a": {}}"#, &none).unwrap(), "STRUCT<>");
        assert_eq!(schema_of_json("null", &none).unwrap(), "STRING");
        assert_eq!(schema_of_json("[]", &none).unwrap(), "ARRAY<STRING>");
        assert_eq!(schema_of_json(r#"{"a": [[1], [2.5]]}"#, &none).unwrap(), "STRUCT<a: ARRAY<ARRAY<DOUBLE>>>");
        assert_eq!(
            schema_of_json(r#"{"a": 1.5}"#, &options(&[("prefersDecimal", "true")])).unwrap(),
            "STRUCT<a: DECIMAL(2,1)>"
        );
        assert_eq!(
            schema_of_json("{a: 1}", &options(&[("allowUnquotedFieldNames", "true")])).unwrap(),
            "STRUCT<a: BIGINT>"
        );
        assert!(schema_of_json("not json", &none).is_err());
    }

    #[test]
    fn decimals_round_half_up() {
        assert_eq!(decimal("1.25", 5, 1), Some(13));
        assert_eq!(decimal("3", 10, 2), Some(300));
        assert_eq!(decimal("-1e3", 10, 0), Some(-1000));
        assert_eq!(decimal("123456", 5, 0), None);
        assert_eq!(decimal("x", 5, 0), None);
        assert_eq!(decimal("0.005", 5, 2), Some(1));
        assert_eq!(decimal("0.0005", 5, 2), Some(0));
    }

    fn read(text: &str, ddl: &str, pairs: &[(&str, &str)]) -> (String, Option<String>) {
        let opts = options(pairs);
        let ty = formats::schema_argument("from_json", &[None, Some(&ScalarValue::Utf8(Some(ddl.into())))], 1, "UTC")
            .unwrap();
        let (value, error) = Converter { options: &opts }.record(Some(text), &ty).unwrap();
        let array = value.to_array().unwrap();
        (crate::connect::show::cell(&array, 0), error)
    }

    #[test]
    fn from_json_reads_like_sparks_permissive_mode() {
        // Shown as Spark 4.3 shows them.
        assert_eq!(read(r#"{"a": 1, "b": "bad"}"#, "a INT, b INT", &[]).0, "{1, NULL}");
        assert_eq!(read(r#"{"a": "1"}"#, "a INT", &[]).0, "{NULL}");
        assert_eq!(read(r#"{"a": {"x":1}}"#, "a STRING", &[]).0, r#"{{"x":1}}"#);
        assert_eq!(read(r#"[{"a": 1}]"#, "a INT", &[]).0, "{NULL}");
        assert_eq!(read(r#"{"a": ""#, "a INT", &[]).0, "{NULL}");
        assert_eq!(read(r#"{"a":1, "a":2}"#, "a INT", &[]).0, "{2}");
        assert_eq!(read(r#"{"a": [1, "x"]}"#, "a ARRAY<INT>", &[]).0, "{NULL}");
        assert_eq!(read(r#"{"a": 1}"#, "MAP<STRING,INT>", &[]).0, "{a -> 1}");
        assert_eq!(read(r#"[{"a": 1}]"#, r#"{"type":"array","elementType":{"type":"struct","fields":[{"name":"a","type":"integer","nullable":true,"metadata":{}}]},"containsNull":true}"#, &[]).0, "[{1}]");
        assert_eq!(read(r#"{"a":1}"#, "ARRAY<INT>", &[]).0, "NULL");
        assert_eq!(read("{a:123}", "a INT", &[]).0, "{NULL}");
        assert_eq!(read("{a:123}", "a INT", &[("allowUnquotedFieldNames", "true")]).0, "{123}");
        assert_eq!(read("{'a': 1}", "a INT", &[("allowSingleQuotes", "false")]).0, "{NULL}");
        assert_eq!(read(r#"{"a": 1.25}"#, "a DECIMAL(5,1)", &[]).0, "{1.3}");
        assert_eq!(read(r#"{"a": "NaN"}"#, "a DOUBLE", &[]).0, "{NaN}");
        assert_eq!(read(r#"{"a": "1.5"}"#, "a DOUBLE", &[]).0, "{NULL}");
        assert_eq!(read(r#"{"m": {"a": 1, "b": null}}"#, "m MAP<STRING, INT>", &[]).0, "{{a -> 1, b -> NULL}}");
        assert_eq!(
            read(r#"{"t": "26/08/2015 18:00"}"#, "t TIMESTAMP", &[("timestampFormat", "dd/MM/yyyy HH:mm")]).0,
            "{2015-08-26 18:00:00}"
        );
        assert_eq!(read(r#"{"a": 1700000000}"#, "a TIMESTAMP", &[]).0, "{2023-11-14 22:13:20}");
        assert!(read(r#"{"a": "x"}"#, "a INT", &[]).1.is_some());
    }
}
