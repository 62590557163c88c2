//! Spark's string, binary, regular-expression and number-formatting functions that neither
//! DataFusion nor `datafusion-spark` 55 has as Spark defines them: `conv`, `format_number`,
//! `regexp_extract_all`/`regexp_substr`/`regexp_instr`, `split` with a limit (Java's
//! `String.split`), `locate` with a start, `overlay`, `levenshtein` with a threshold, `mask`,
//! `sentences`, `to_binary`/`try_to_binary`, `regexp_extract`
//! ("" for a group that took no part), `contains`/`startswith`/`endswith`/`reverse` of binaries,
//! the UTF-8 validators, `collation`, `printf` and
//! `chr` (other names of `format_string` and `char`), `like`/`ilike` with an escape character,
//! and `ceil`/`floor` with a scale. Each is
//! evaluated row by row on Spark's definition (`StringUtils`, `UTF8String`, `NumberConverter`);
//! regular expressions are Rust's `regex`, which reads the patterns Spark's examples use the
//! way `java.util.regex` does.

use std::any::Any;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, AsArray, Decimal128Array, new_empty_array};
use datafusion::arrow::compute::{CastOptions, cast_with_options};
use datafusion::arrow::datatypes::{DataType, Decimal128Type, Field, FieldRef};
use datafusion::common::{Result, ScalarValue, exec_err, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

pub(super) fn functions() -> Vec<Arc<ScalarUDF>> {
    let mut functions: Vec<Arc<ScalarUDF>> =
        row_functions().into_iter().map(|f| Arc::new(ScalarUDF::new_from_impl(f))).collect();
    let format_string = datafusion_spark::function::string::format_string();
    let char = datafusion_spark::function::string::char();
    functions.push(Arc::new(ScalarUDF::new_from_impl(Renamed::new("printf", format_string))));
    functions.push(Arc::new(ScalarUDF::new_from_impl(Renamed::new("chr", char))));
    let on_bytes: [(&'static str, Arc<ScalarUDF>, DataType, Eval); 4] = [
        ("contains", datafusion::functions::string::contains(), DataType::Boolean, bytes_contain),
        ("startswith", datafusion::functions::string::starts_with(), DataType::Boolean, bytes_start),
        ("endswith", datafusion::functions::string::ends_with(), DataType::Boolean, bytes_end),
        ("reverse", datafusion::functions::unicode::reverse(), DataType::Binary, bytes_reversed),
    ];
    for (name, inner, bytes_type, eval) in on_bytes {
        functions.push(Arc::new(ScalarUDF::new_from_impl(AlsoOnBytes {
            name,
            inner,
            bytes_type,
            eval,
            signature: Signature::user_defined(Volatility::Immutable),
        })));
    }
    for (name, ceiling) in [("ceil", true), ("ceiling", true), ("floor", false)] {
        functions.push(Arc::new(ScalarUDF::new_from_impl(ScaledRounding::new(name, ceiling))));
    }
    functions
}

/// What an argument is coerced to before a row function sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Arg {
    /// A string (numbers and the like are cast, as Spark's implicit casts do).
    Str,
    /// An int.
    Int,
    /// A number of any type, kept as it is.
    Number,
    /// A string or a binary, kept as it is.
    StrOrBin,
}

type Eval = fn(&[ScalarValue]) -> Result<ScalarValue>;

/// A function computed row by row from its arguments' values.
struct RowFunction {
    name: &'static str,
    /// The kinds of the arguments; a call may leave off the ones after `min`.
    args: &'static [Arg],
    min: usize,
    returns: fn() -> DataType,
    eval: Eval,
    signature: Signature,
}

impl RowFunction {
    fn new(name: &'static str, args: &'static [Arg], min: usize, returns: fn() -> DataType, eval: Eval) -> Self {
        Self { name, args, min, returns, eval, signature: Signature::user_defined(Volatility::Immutable) }
    }
}

fn utf8() -> DataType {
    DataType::Utf8
}

fn int32() -> DataType {
    DataType::Int32
}

fn boolean() -> DataType {
    DataType::Boolean
}

fn binary() -> DataType {
    DataType::Binary
}

fn strings() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true)))
}

fn sentences_type() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(strings(), true)))
}

fn row_functions() -> Vec<RowFunction> {
    use Arg::*;
    vec![
        RowFunction::new("conv", &[Str, Int, Int], 3, utf8, conv),
        RowFunction::new("format_number", &[Number, Number], 2, utf8, format_number),
        RowFunction::new("regexp_extract_all", &[Str, Str, Int], 2, strings, regexp_extract_all),
        RowFunction::new("regexp_substr", &[Str, Str], 2, utf8, regexp_substr),
        RowFunction::new("regexp_instr", &[Str, Str, Int], 2, int32, regexp_instr),
        RowFunction::new("split", &[Str, Str, Int], 2, strings, split),
        RowFunction::new("locate", &[Str, Str, Int], 2, int32, locate),
        RowFunction::new("overlay", &[Str, Str, Int, Int], 3, utf8, overlay),
        RowFunction::new("levenshtein", &[Str, Str, Int], 2, int32, levenshtein),
        RowFunction::new("mask", &[Str, Str, Str, Str, Str], 1, utf8, mask),
        RowFunction::new("sentences", &[Str, Str, Str], 1, sentences_type, sentences),
        RowFunction::new("to_binary", &[Str, Str], 1, binary, to_binary),
        RowFunction::new("try_to_binary", &[Str, Str], 1, binary, try_to_binary),
        RowFunction::new("validate_utf8", &[StrOrBin], 1, utf8, validate_utf8),
        RowFunction::new("try_validate_utf8", &[StrOrBin], 1, utf8, try_validate_utf8),
        RowFunction::new("collation", &[Str], 1, utf8, collation),
        RowFunction::new("regexp_extract", &[Str, Str, Int], 2, utf8, regexp_extract),
        RowFunction::new("like", &[Str, Str, Str], 2, boolean, like),
        RowFunction::new("ilike", &[Str, Str, Str], 2, boolean, ilike),
    ]
}

impl PartialEq for RowFunction {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for RowFunction {}

impl std::hash::Hash for RowFunction {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

impl std::fmt::Debug for RowFunction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowFunction").field("name", &self.name).finish()
    }
}

fn is_string(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

impl ScalarUDFImpl for RowFunction {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        if arg_types.len() < self.min || arg_types.len() > self.args.len() {
            let wanted = if self.min == self.args.len() {
                self.min.to_string()
            } else {
                format!("{} to {}", self.min, self.args.len())
            };
            return plan_err!(
                "[WRONG_NUM_ARGS.WITHOUT_SUGGESTION] The `{}` requires {wanted} parameters but the actual number is {}.",
                self.name,
                arg_types.len()
            );
        }
        Ok(arg_types
            .iter()
            .zip(self.args)
            .map(|(t, kind)| match kind {
                Arg::Str => DataType::Utf8,
                Arg::Int => DataType::Int32,
                Arg::Number if t.is_numeric() => t.clone(),
                Arg::Number if is_string(t) => DataType::Utf8,
                Arg::Number => DataType::Int32,
                Arg::StrOrBin if matches!(t, DataType::Binary | DataType::LargeBinary | DataType::BinaryView) => {
                    DataType::Binary
                }
                Arg::StrOrBin => DataType::Utf8,
            })
            .collect())
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok((self.returns)())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows;
        let scalar = args.args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let return_type = (self.returns)();
        let null = ScalarValue::try_from(&return_type)?;
        let rows = if scalar { 1 } else { rows };
        let mut values = Vec::with_capacity(rows);
        let mut row = Vec::with_capacity(arrays.len());
        for i in 0..rows {
            row.clear();
            for array in &arrays {
                row.push(ScalarValue::try_from_array(array, i)?);
            }
            let value = (self.eval)(&row)?;
            values.push(if value.is_null() { null.clone() } else { value });
        }
        if scalar {
            return Ok(ColumnarValue::Scalar(values.pop().unwrap_or(null)));
        }
        let array: ArrayRef =
            if values.is_empty() { new_empty_array(&return_type) } else { ScalarValue::iter_to_array(values)? };
        Ok(ColumnarValue::Array(array))
    }
}

fn text(value: &ScalarValue) -> Option<&str> {
    match value {
        ScalarValue::Utf8(Some(s)) | ScalarValue::LargeUtf8(Some(s)) | ScalarValue::Utf8View(Some(s)) => {
            Some(s.as_str())
        }
        _ => None,
    }
}

fn int(value: &ScalarValue) -> Option<i64> {
    match value {
        ScalarValue::Int8(Some(v)) => Some(*v as i64),
        ScalarValue::Int16(Some(v)) => Some(*v as i64),
        ScalarValue::Int32(Some(v)) => Some(*v as i64),
        ScalarValue::Int64(Some(v)) => Some(*v),
        _ => None,
    }
}

fn string(value: impl Into<String>) -> ScalarValue {
    ScalarValue::Utf8(Some(value.into()))
}

fn null() -> ScalarValue {
    ScalarValue::Null
}

fn list(items: Vec<String>) -> ScalarValue {
    let values: Vec<ScalarValue> = items.into_iter().map(string).collect();
    ScalarValue::List(ScalarValue::new_list_nullable(&values, &DataType::Utf8))
}

/// A compiled pattern of `regex`, the crate DataFusion's regular expressions use, kept per
/// thread for the patterns used lately. minispark does not depend on `regex` itself: the type
/// is DataFusion's `compile_regex`'s, inferred here, never named.
fn cached_regex<T: Clone + 'static>(
    pattern: &str,
    function: &str,
    compile: impl FnOnce(&str) -> std::result::Result<T, datafusion::arrow::error::ArrowError>,
) -> Result<T> {
    thread_local! {
        static CACHE: RefCell<HashMap<String, Box<dyn Any>>> = RefCell::new(HashMap::new());
    }
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some(regex) = cache.get(pattern).and_then(|r| r.downcast_ref::<T>()) {
            return Ok(regex.clone());
        }
        let compiled = match compile(pattern) {
            Ok(r) => r,
            Err(e) => {
                return exec_err!(
                    "[INVALID_PARAMETER_VALUE.PATTERN] The value of parameter(s) `regexp` in `{function}` is invalid: {pattern:?} ({e})"
                );
            }
        };
        if cache.len() > 64 {
            cache.clear();
        }
        cache.insert(pattern.to_string(), Box::new(compiled.clone()));
        Ok(compiled)
    })
}

/// `pattern` compiled (see [`cached_regex`]), for `function`'s errors.
macro_rules! regex {
    ($pattern:expr, $function:expr) => {
        cached_regex($pattern, $function, |p| datafusion::functions::regex::compile_regex(p, None))
    };
}

/// Java's `Character.digit` for ASCII letters and digits.
fn digit(c: char, radix: u32) -> Option<u32> {
    c.to_digit(radix)
}

/// Spark's `conv` (`NumberConverter.convert`): the leading digits of `from`-base text as an
/// unsigned 64-bit number, written in base `to` (signed when `to` is negative).
fn conv(args: &[ScalarValue]) -> Result<ScalarValue> {
    let (Some(n), Some(from), Some(to)) = (text(&args[0]), int(&args[1]), int(&args[2])) else { return Ok(null()) };
    if !(2..=36).contains(&from) || !(2..=36).contains(&to.abs()) {
        return Ok(null());
    }
    let n = n.trim_matches(' ');
    if n.is_empty() {
        return Ok(null());
    }
    let (mut negative, digits) = match n.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, n),
    };
    let mut unsigned: u64 = 0;
    for c in digits.chars() {
        let Some(d) = digit(c, from as u32) else { break };
        unsigned = match unsigned.checked_mul(from as u64).and_then(|v| v.checked_add(d as u64)) {
            Some(v) => v,
            None => {
                return exec_err!(
                    "[ARITHMETIC_OVERFLOW] Overflow in function conv(). If necessary set \"spark.sql.ansi.enabled\" to \"false\" to bypass this error. SQLSTATE: 22003"
                );
            }
        };
    }
    let mut v = unsigned as i64;
    if negative && to > 0 {
        v = if v < 0 { -1 } else { -v };
    }
    if to < 0 && v < 0 {
        v = v.wrapping_neg();
        negative = true;
    }
    let mut u = v as u64;
    let radix = to.unsigned_abs();
    let mut out = Vec::new();
    while u != 0 {
        let d = (u % radix) as u32;
        out.push(std::char::from_digit(d, radix as u32).unwrap_or('0').to_ascii_uppercase());
        u /= radix;
    }
    if out.is_empty() {
        out.push('0');
    }
    if negative && to < 0 {
        out.push('-');
    }
    Ok(string(out.into_iter().rev().collect::<String>()))
}

/// `digits` with a `,` between every three, from the right.
fn group_thousands(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Spark's `format_number(x, d)`: `#,###,###,##0.000` with `d` decimals, rounded HALF_EVEN
/// (Java's `DecimalFormat`, which rounds a double's exact binary value); NULL when `d < 0`.
fn format_number(args: &[ScalarValue]) -> Result<ScalarValue> {
    if args[0].is_null() || args[1].is_null() {
        return Ok(null());
    }
    let Some(decimals) = int(&args[1]) else {
        if text(&args[1]).is_some() {
            return exec_err!("format_number with a DecimalFormat pattern is not supported by minispark");
        }
        return exec_err!("format_number needs an integer number of decimal places");
    };
    if decimals < 0 {
        return Ok(null());
    }
    let d = decimals as usize;
    let plain = match &args[0] {
        ScalarValue::Float64(Some(v)) => float_text(*v, d),
        ScalarValue::Float32(Some(v)) => float_text(*v as f64, d),
        ScalarValue::Decimal128(Some(v), _, scale) => decimal_text(*v, *scale as i32, d),
        value => match int(value) {
            Some(v) if d == 0 => v.to_string(),
            Some(v) => format!("{v}.{}", "0".repeat(d)),
            None => match text(value).map(|t| t.trim().parse::<f64>()) {
                Some(Ok(v)) => float_text(v, d),
                _ => return exec_err!("format_number does not take a {}", value.data_type()),
            },
        },
    };
    if !plain.bytes().any(|b| b.is_ascii_digit()) {
        return Ok(string(plain));
    }
    let (sign, unsigned) = match plain.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", plain.as_str()),
    };
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let mut out = format!("{sign}{}", group_thousands(whole));
    if !fraction.is_empty() {
        out.push('.');
        out.push_str(fraction);
    }
    Ok(string(out))
}

fn float_text(v: f64, d: usize) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "\u{221e}".into() } else { "-\u{221e}".into() };
    }
    // Rust rounds the exact binary value, ties to even: DecimalFormat's HALF_EVEN.
    format!("{v:.d$}")
}

/// An unscaled decimal rounded HALF_EVEN to `d` decimals, as text.
fn decimal_text(unscaled: i128, scale: i32, d: usize) -> String {
    let negative = unscaled < 0;
    let mut magnitude = unscaled.unsigned_abs();
    let mut scale = scale;
    if scale < 0 {
        magnitude *= 10u128.pow((-scale) as u32);
        scale = 0;
    }
    let scale = scale as usize;
    if scale > d {
        let divisor = 10u128.pow((scale - d) as u32);
        let (quotient, remainder) = (magnitude / divisor, magnitude % divisor);
        let half = divisor / 2;
        magnitude = if remainder > half || (remainder == half && quotient % 2 == 1) { quotient + 1 } else { quotient };
    } else {
        magnitude *= 10u128.pow((d - scale) as u32);
    }
    let digits = format!("{magnitude:0>width$}", width = d + 1);
    let (whole, fraction) = digits.split_at(digits.len() - d);
    let sign = if negative && magnitude != 0 { "-" } else { "" };
    if d == 0 { format!("{sign}{whole}") } else { format!("{sign}{whole}.{fraction}") }
}

fn check_group(function: &str, captures_len: usize, index: i64) -> Result<usize> {
    let groups = captures_len as i64 - 1;
    if index < 0 || index > groups {
        return exec_err!(
            "[INVALID_PARAMETER_VALUE.REGEX_GROUP_INDEX] The value of parameter(s) `idx` in `{function}` is invalid: Expects group index between 0 and {groups}, but got {index}."
        );
    }
    Ok(index as usize)
}

/// Spark's `regexp_extract_all(str, regexp[, idx = 1])`: group `idx` of every match.
fn regexp_extract_all(args: &[ScalarValue]) -> Result<ScalarValue> {
    let index = match args.get(2) {
        Some(v) => match int(v) {
            Some(i) => i,
            None => return Ok(null()),
        },
        None => 1,
    };
    let (Some(subject), Some(pattern)) = (text(&args[0]), text(&args[1])) else { return Ok(null()) };
    let regex = regex!(pattern, "regexp_extract_all")?;
    let group = check_group("regexp_extract_all", regex.captures_len(), index)?;
    let matches = regex
        .captures_iter(subject)
        .map(|c| c.get(group).map(|m| m.as_str().to_string()).unwrap_or_default())
        .collect();
    Ok(list(matches))
}

/// Spark's `regexp_extract(str, regexp[, idx = 1])`: group `idx` of the first match, "" when
/// nothing matches or the group took no part in the match.
fn regexp_extract(args: &[ScalarValue]) -> Result<ScalarValue> {
    let index = match args.get(2) {
        Some(v) => match int(v) {
            Some(i) => i,
            None => return Ok(null()),
        },
        None => 1,
    };
    let (Some(subject), Some(pattern)) = (text(&args[0]), text(&args[1])) else { return Ok(null()) };
    let regex = regex!(pattern, "regexp_extract")?;
    let group = check_group("regexp_extract", regex.captures_len(), index)?;
    let found = regex.captures(subject).and_then(|c| c.get(group).map(|m| m.as_str().to_string()));
    Ok(string(found.unwrap_or_default()))
}

/// Spark's `regexp_substr(str, regexp)`: the first match, NULL when there is none.
fn regexp_substr(args: &[ScalarValue]) -> Result<ScalarValue> {
    let (Some(subject), Some(pattern)) = (text(&args[0]), text(&args[1])) else { return Ok(null()) };
    Ok(match regex!(pattern, "regexp_substr")?.find(subject) {
        Some(m) => string(m.as_str()),
        None => null(),
    })
}

/// Spark's `regexp_instr(str, regexp[, idx = 0])`: the 1-based position (in characters) of
/// the first match, 0 when nothing matches; `idx` must name a group of the pattern.
fn regexp_instr(args: &[ScalarValue]) -> Result<ScalarValue> {
    let index = match args.get(2) {
        Some(v) => match int(v) {
            Some(i) => i,
            None => return Ok(null()),
        },
        None => 0,
    };
    let (Some(subject), Some(pattern)) = (text(&args[0]), text(&args[1])) else { return Ok(null()) };
    let regex = regex!(pattern, "regexp_instr")?;
    check_group("regexp_instr", regex.captures_len(), index)?;
    // Spark answers where the whole match starts, whatever the group.
    let position = match regex.find(subject) {
        Some(m) => subject[..m.start()].chars().count() as i32 + 1,
        None => 0,
    };
    Ok(ScalarValue::Int32(Some(position)))
}

/// Spark's `split(str, regex[, limit = -1])` (`UTF8String.splitSQL`): Java's `String.split`
/// with trailing empty strings kept when `limit <= 0`; an empty pattern splits characters.
fn split(args: &[ScalarValue]) -> Result<ScalarValue> {
    let limit = match args.get(2) {
        Some(v) => match int(v) {
            Some(l) => l,
            None => return Ok(null()),
        },
        None => -1,
    };
    let (Some(subject), Some(pattern)) = (text(&args[0]), text(&args[1])) else { return Ok(null()) };
    Ok(list(java_split(subject, pattern, limit)?))
}

fn java_split(subject: &str, pattern: &str, limit: i64) -> Result<Vec<String>> {
    if pattern.is_empty() {
        let chars: Vec<char> = subject.chars().collect();
        if chars.is_empty() {
            return Ok(vec![String::new()]);
        }
        if limit > 0 && (limit as usize) < chars.len() {
            let keep = limit as usize - 1;
            let mut parts: Vec<String> = chars[..keep].iter().map(|c| c.to_string()).collect();
            parts.push(chars[keep..].iter().collect());
            return Ok(parts);
        }
        return Ok(chars.iter().map(|c| c.to_string()).collect());
    }
    let regex = regex!(pattern, "split")?;
    let mut parts = Vec::new();
    let mut index = 0;
    for m in regex.find_iter(subject) {
        if limit > 0 && parts.len() as i64 >= limit - 1 {
            break;
        }
        // No empty leading part for a zero-width match at the beginning.
        if index == 0 && m.start() == 0 && m.end() == 0 {
            continue;
        }
        parts.push(subject[index..m.start()].to_string());
        index = m.end();
    }
    if index == 0 && parts.is_empty() {
        return Ok(vec![subject.to_string()]);
    }
    parts.push(subject[index..].to_string());
    Ok(parts)
}

/// Spark's `locate(substr, str[, pos = 1])`: the 1-based position of `substr` in `str` at or
/// after `pos`, 0 when absent, when `pos < 1` or when `pos` is NULL.
fn locate(args: &[ScalarValue]) -> Result<ScalarValue> {
    let start = match args.get(2) {
        Some(v) => match int(v) {
            Some(s) => s,
            None => return Ok(ScalarValue::Int32(Some(0))),
        },
        None => 1,
    };
    let (Some(needle), Some(haystack)) = (text(&args[0]), text(&args[1])) else { return Ok(null()) };
    if start < 1 {
        return Ok(ScalarValue::Int32(Some(0)));
    }
    if needle.is_empty() {
        return Ok(ScalarValue::Int32(Some(1)));
    }
    let skip = (start - 1) as usize;
    let Some((offset, _)) = haystack.char_indices().nth(skip) else { return Ok(ScalarValue::Int32(Some(0))) };
    let found = haystack[offset..].find(needle).map(|i| haystack[..offset + i].chars().count() as i32 + 1);
    Ok(ScalarValue::Int32(Some(found.unwrap_or(0))))
}

/// `UTF8String.substringSQL(pos, length)` on characters.
fn substring_sql(chars: &[char], pos: i64, length: i64) -> String {
    let len = chars.len() as i64;
    let start = if pos > 0 {
        pos - 1
    } else if pos < 0 {
        len + pos
    } else {
        0
    };
    let end = start.saturating_add(length).min(len);
    let start = start.max(0);
    if start >= end {
        return String::new();
    }
    chars[start as usize..end as usize].iter().collect()
}

/// Spark's `overlay(input, replace, pos[, len = -1])`: `replace` put over `len` characters of
/// `input` from `pos` (the length of `replace` when `len` is negative).
fn overlay(args: &[ScalarValue]) -> Result<ScalarValue> {
    let length = match args.get(3) {
        Some(v) => match int(v) {
            Some(l) => l,
            None => return Ok(null()),
        },
        None => -1,
    };
    let (Some(input), Some(replace), Some(pos)) = (text(&args[0]), text(&args[1]), int(&args[2])) else {
        return Ok(null());
    };
    let chars: Vec<char> = input.chars().collect();
    let length = if length >= 0 { length } else { replace.chars().count() as i64 };
    let mut out = substring_sql(&chars, 1, pos - 1);
    out.push_str(replace);
    out.push_str(&substring_sql(&chars, pos.saturating_add(length), i32::MAX as i64));
    Ok(string(out))
}

/// Spark's `levenshtein(left, right[, threshold])`: -1 when the distance exceeds `threshold`.
fn levenshtein(args: &[ScalarValue]) -> Result<ScalarValue> {
    let (Some(left), Some(right)) = (text(&args[0]), text(&args[1])) else { return Ok(null()) };
    let threshold = match args.get(2) {
        Some(v) => match int(v) {
            Some(t) => Some(t),
            None => return Ok(null()),
        },
        None => None,
    };
    let a: Vec<char> = left.chars().collect();
    let b: Vec<char> = right.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            current[j + 1] = (previous[j] + cost).min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    let distance = previous[b.len()] as i64;
    let result = match threshold {
        Some(t) if distance > t => -1,
        _ => distance,
    };
    Ok(ScalarValue::Int32(Some(result as i32)))
}

/// Spark's `mask(str[, upper = 'X'[, lower = 'x'[, digit = 'n'[, other = NULL]]]])`: each
/// upper-case letter, lower-case letter and digit replaced by its mask character; a NULL mask
/// leaves that class as it is.
fn mask(args: &[ScalarValue]) -> Result<ScalarValue> {
    let Some(input) = text(&args[0]) else { return Ok(null()) };
    let mask_char = |i: usize, default: Option<char>| -> Result<Option<char>> {
        match args.get(i) {
            None => Ok(default),
            Some(v) if v.is_null() => Ok(None),
            Some(v) => match text(v) {
                Some(s) if s.chars().count() == 1 => Ok(s.chars().next()),
                _ => exec_err!(
                    "[INVALID_PARAMETER_VALUE] The mask characters of `mask` must be single characters, not {v}"
                ),
            },
        }
    };
    let upper = mask_char(1, Some('X'))?;
    let lower = mask_char(2, Some('x'))?;
    let digit = mask_char(3, Some('n'))?;
    let other = mask_char(4, None)?;
    let masked = input
        .chars()
        .map(|c| {
            let replacement = if c.is_uppercase() {
                upper
            } else if c.is_lowercase() {
                lower
            } else if c.is_ascii_digit() {
                digit
            } else {
                other
            };
            replacement.unwrap_or(c)
        })
        .collect::<String>();
    Ok(string(masked))
}

/// Spark's `sentences(str[, lang, country])`: the words of each sentence, found as Java's
/// `BreakIterator` finds them for English: a sentence ends at `!` or `?`, or at `.` not followed
/// by a lower-case word; a word is a run of letters and digits, joined across `'` and `.`
/// between letters and `.`/`,` between digits (`It's`, `3.14`); punctuation is left out.
fn sentences(args: &[ScalarValue]) -> Result<ScalarValue> {
    let Some(input) = text(&args[0]) else { return Ok(null()) };
    let chars: Vec<char> = input.chars().collect();
    let mut result: Vec<ScalarValue> = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let flush_sentence = |words: &mut Vec<String>, result: &mut Vec<ScalarValue>| {
        if !words.is_empty() {
            result.push(list(std::mem::take(words)));
        }
    };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let previous = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1).copied();
        if c.is_alphanumeric() {
            word.push(c);
        } else if !word.is_empty()
            && let (Some(p), Some(n)) = (previous, next)
            && ((p.is_alphabetic() && n.is_alphabetic() && matches!(c, '\'' | '.' | ':' | '\u{2019}'))
                || (p.is_numeric() && n.is_numeric() && matches!(c, '.' | ',' | '\'' | ';')))
        {
            word.push(c);
        } else {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            let ends = match c {
                '!' | '?' => true,
                '.' => {
                    let following = chars[i + 1..].iter().find(|c| !c.is_whitespace());
                    !following.is_some_and(|f| f.is_lowercase())
                }
                _ => false,
            };
            if ends {
                flush_sentence(&mut words, &mut result);
            }
        }
        i += 1;
    }
    if !word.is_empty() {
        words.push(word);
    }
    flush_sentence(&mut words, &mut result);
    Ok(ScalarValue::List(ScalarValue::new_list_nullable(&result, &strings())))
}

/// Spark's `to_binary(str[, fmt = 'hex'])` with the formats `hex`, `utf-8`/`utf8` and `base64`;
/// `Err` text for malformed input (NULL for `try_to_binary`).
fn binary_of(input: &str, format: &str) -> std::result::Result<Vec<u8>, String> {
    match format.to_ascii_lowercase().as_str() {
        "hex" => {
            let padded = if input.len() % 2 == 1 { format!("0{input}") } else { input.to_string() };
            hex_simd::decode_to_vec(padded.as_bytes()).map_err(|_| {
                format!(
                    "[CONVERSION_INVALID_INPUT] The value '{input}' (STRING) cannot be converted to BINARY because it is malformed. Correct the value as per the syntax, or change its format. Use 'try_to_binary' to tolerate malformed input and return NULL instead. SQLSTATE: 22018"
                )
            })
        }
        "utf-8" | "utf8" => Ok(input.as_bytes().to_vec()),
        "base64" => {
            let cleaned: String =
                input.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/')).collect();
            base64_simd::STANDARD_NO_PAD.decode_to_vec(cleaned.as_bytes()).map_err(|_| {
                format!(
                    "[CONVERSION_INVALID_INPUT] The value '{input}' (STRING) cannot be converted to BINARY because it is malformed. Use 'try_to_binary' to tolerate malformed input and return NULL instead. SQLSTATE: 22018"
                )
            })
        }
        other => Err(format!(
            "[INVALID_PARAMETER_VALUE.BINARY_FORMAT] The value of parameter(s) `format` in `to_binary` is invalid: expects one of binary formats 'base64', 'hex', 'utf-8', but got '{other}'. SQLSTATE: 22023"
        )),
    }
}

fn to_binary(args: &[ScalarValue]) -> Result<ScalarValue> {
    let format = match args.get(1) {
        Some(v) => match text(v) {
            Some(f) => f,
            None => return Ok(null()),
        },
        None => "hex",
    };
    let Some(input) = text(&args[0]) else { return Ok(null()) };
    match binary_of(input, format) {
        Ok(bytes) => Ok(ScalarValue::Binary(Some(bytes))),
        Err(message) => exec_err!("{message}"),
    }
}

fn try_to_binary(args: &[ScalarValue]) -> Result<ScalarValue> {
    let format = match args.get(1) {
        Some(v) => match text(v) {
            Some(f) => f,
            None => return Ok(null()),
        },
        None => "hex",
    };
    let Some(input) = text(&args[0]) else { return Ok(null()) };
    Ok(binary_of(input, format).map(|b| ScalarValue::Binary(Some(b))).unwrap_or(null()))
}

/// The argument's text if it is valid UTF-8, else the bytes for the error message.
fn utf8_of(value: &ScalarValue) -> Option<std::result::Result<String, Vec<u8>>> {
    match value {
        ScalarValue::Binary(Some(bytes)) => Some(String::from_utf8(bytes.clone()).map_err(|_| bytes.clone())),
        other => text(other).map(|s| Ok(s.to_string())),
    }
}

/// Spark's `validate_utf8(str)`: the string, or an error when it is not valid UTF-8.
fn validate_utf8(args: &[ScalarValue]) -> Result<ScalarValue> {
    match utf8_of(&args[0]) {
        None => Ok(null()),
        Some(Ok(s)) => Ok(string(s)),
        Some(Err(bytes)) => {
            let shown: String = bytes
                .iter()
                .map(|b| {
                    if b.is_ascii() && !b.is_ascii_control() { (*b as char).to_string() } else { format!("\\x{b:02X}") }
                })
                .collect();
            exec_err!("[INVALID_UTF8_STRING] Invalid UTF8 byte sequence found in string: {shown}. SQLSTATE: 22029")
        }
    }
}

/// Spark's `try_validate_utf8(str)`: the string, or NULL when it is not valid UTF-8.
fn try_validate_utf8(args: &[ScalarValue]) -> Result<ScalarValue> {
    Ok(match utf8_of(&args[0]) {
        Some(Ok(s)) => string(s),
        _ => null(),
    })
}

/// Spark's `collation(str)`: minispark's strings are all Spark's default collation.
fn collation(_: &[ScalarValue]) -> Result<ScalarValue> {
    Ok(string("SYSTEM.BUILTIN.UTF8_BINARY"))
}

/// One element of a LIKE pattern.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Wildcard {
    Char(char),
    /// `_`
    One,
    /// `%`
    Any,
}

/// A LIKE pattern read as Spark's `StringUtils.escapeLikeRegex` reads it: `escape` makes the
/// `_`, `%` or `escape` after it literal, and may precede nothing else.
fn like_pattern(pattern: &str, escape: char) -> Result<Vec<Wildcard>> {
    let mut out = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c == escape {
            match chars.next() {
                Some(next) if next == '_' || next == '%' || next == escape => out.push(Wildcard::Char(next)),
                Some(next) => {
                    return exec_err!(
                        "[INVALID_FORMAT.ESC_IN_THE_MIDDLE] The format is invalid: '{pattern}'. The escape character is not allowed to precede '{next}'. SQLSTATE: 42601"
                    );
                }
                None => {
                    return exec_err!(
                        "[INVALID_FORMAT.ESC_AT_THE_END] The format is invalid: '{pattern}'. The escape character is not allowed to end with. SQLSTATE: 42601"
                    );
                }
            }
        } else {
            out.push(match c {
                '_' => Wildcard::One,
                '%' => Wildcard::Any,
                c => Wildcard::Char(c),
            });
        }
    }
    Ok(out)
}

/// Whether all of `text` matches `pattern` (wildcard matching, backtracking to the last `%`).
fn like_matches(text: &[char], pattern: &[Wildcard]) -> bool {
    let (mut t, mut p) = (0, 0);
    let mut resume: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(Wildcard::Any) => {
                resume = Some((p, t));
                p += 1;
            }
            Some(Wildcard::One) => {
                t += 1;
                p += 1;
            }
            Some(Wildcard::Char(c)) if *c == text[t] => {
                t += 1;
                p += 1;
            }
            _ => match resume {
                Some((star, matched)) => {
                    p = star + 1;
                    t = matched + 1;
                    resume = Some((star, matched + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|w| *w == Wildcard::Any)
}

/// Spark's `like(str, pattern[, escape = '\\'])`; `ilike` compares lower-cased text.
fn like_with(args: &[ScalarValue], insensitive: bool) -> Result<ScalarValue> {
    let escape = match args.get(2) {
        Some(v) => match text(v).map(|e| e.chars().collect::<Vec<_>>()) {
            Some(e) if e.len() == 1 => e[0],
            _ => return exec_err!("[INVALID_ESCAPE_CHAR] The escape character of LIKE must be one character, not {v}"),
        },
        None => '\\',
    };
    let (Some(subject), Some(pattern)) = (text(&args[0]), text(&args[1])) else { return Ok(null()) };
    let (subject, pattern) = if insensitive {
        (subject.to_lowercase(), pattern.to_lowercase())
    } else {
        (subject.to_string(), pattern.to_string())
    };
    let chars: Vec<char> = subject.chars().collect();
    Ok(ScalarValue::Boolean(Some(like_matches(&chars, &like_pattern(&pattern, escape)?))))
}

fn like(args: &[ScalarValue]) -> Result<ScalarValue> {
    like_with(args, false)
}

fn ilike(args: &[ScalarValue]) -> Result<ScalarValue> {
    like_with(args, true)
}

fn bytes(value: &ScalarValue) -> Option<&[u8]> {
    match value {
        ScalarValue::Binary(Some(b)) | ScalarValue::LargeBinary(Some(b)) | ScalarValue::BinaryView(Some(b)) => {
            Some(b.as_slice())
        }
        _ => None,
    }
}

fn bytes_contain(args: &[ScalarValue]) -> Result<ScalarValue> {
    let (Some(a), Some(b)) = (bytes(&args[0]), bytes(&args[1])) else { return Ok(null()) };
    Ok(ScalarValue::Boolean(Some(b.is_empty() || a.windows(b.len()).any(|w| w == b))))
}

fn bytes_start(args: &[ScalarValue]) -> Result<ScalarValue> {
    let (Some(a), Some(b)) = (bytes(&args[0]), bytes(&args[1])) else { return Ok(null()) };
    Ok(ScalarValue::Boolean(Some(a.starts_with(b))))
}

fn bytes_end(args: &[ScalarValue]) -> Result<ScalarValue> {
    let (Some(a), Some(b)) = (bytes(&args[0]), bytes(&args[1])) else { return Ok(null()) };
    Ok(ScalarValue::Boolean(Some(a.ends_with(b))))
}

fn bytes_reversed(args: &[ScalarValue]) -> Result<ScalarValue> {
    let Some(a) = bytes(&args[0]) else { return Ok(null()) };
    Ok(ScalarValue::Binary(Some(a.iter().rev().copied().collect())))
}

/// Spark's `contains`, `startswith`, `endswith` and `reverse`, which take binaries as well as
/// strings: DataFusion's function for strings, row by row on the bytes for binaries.
struct AlsoOnBytes {
    name: &'static str,
    inner: Arc<ScalarUDF>,
    bytes_type: DataType,
    eval: Eval,
    signature: Signature,
}

impl PartialEq for AlsoOnBytes {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for AlsoOnBytes {}

impl std::hash::Hash for AlsoOnBytes {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

impl std::fmt::Debug for AlsoOnBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AlsoOnBytes").field("name", &self.name).finish()
    }
}

fn is_binary(t: &DataType) -> bool {
    matches!(t, DataType::Binary | DataType::LargeBinary | DataType::BinaryView)
}

impl ScalarUDFImpl for AlsoOnBytes {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let arity = if self.name == "reverse" { 1 } else { 2 };
        if arg_types.len() != arity {
            return plan_err!(
                "[WRONG_NUM_ARGS.WITHOUT_SUGGESTION] The `{}` requires {arity} parameters but the actual number is {}.",
                self.name,
                arg_types.len()
            );
        }
        let target = if arg_types.iter().all(|t| is_binary(t) || t.is_null()) && arg_types.iter().any(is_binary) {
            DataType::Binary
        } else {
            DataType::Utf8
        };
        Ok(vec![target; arity])
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        if arg_types.first().is_some_and(is_binary) {
            Ok(self.bytes_type.clone())
        } else {
            self.inner.return_type(arg_types)
        }
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        if !args.args.first().is_some_and(|a| is_binary(&a.data_type())) {
            return self.inner.invoke_with_args(args);
        }
        let scalar = args.args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let rows = if scalar { 1 } else { args.number_rows };
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let null = ScalarValue::try_from(&self.bytes_type)?;
        let mut values = Vec::with_capacity(rows);
        for i in 0..rows {
            let row = arrays.iter().map(|a| ScalarValue::try_from_array(a, i)).collect::<Result<Vec<_>>>()?;
            let value = (self.eval)(&row)?;
            values.push(if value.is_null() { null.clone() } else { value });
        }
        if scalar {
            return Ok(ColumnarValue::Scalar(values.pop().unwrap_or(null)));
        }
        let array: ArrayRef =
            if values.is_empty() { new_empty_array(&self.bytes_type) } else { ScalarValue::iter_to_array(values)? };
        Ok(ColumnarValue::Array(array))
    }
}

/// A function registered again under another of Spark's names (`printf` is `format_string`).
#[derive(Debug, PartialEq, Eq, Hash)]
struct Renamed {
    name: &'static str,
    inner: Arc<ScalarUDF>,
}

impl Renamed {
    fn new(name: &'static str, inner: Arc<ScalarUDF>) -> Self {
        Self { name, inner }
    }
}

impl ScalarUDFImpl for Renamed {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        self.inner.signature()
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        self.inner.coerce_types(arg_types)
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        self.inner.return_type(arg_types)
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        self.inner.return_field_from_args(args)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        self.inner.invoke_with_args(args)
    }
}

/// Spark's `ceil`/`ceiling`/`floor`: with one argument `datafusion-spark`'s; with a scale
/// (`ceil(x, 1)`, Spark's `RoundCeil`/`RoundFloor`) the value as a decimal rounded up or down
/// to that many decimals (tens, hundreds for a negative scale). The result is a
/// `decimal(p - s + min(scale, s) + 1, min(scale, s))` of the input as a decimal (a double is a
/// `decimal(30, 15)`, a float `decimal(14, 7)`, a bigint `decimal(20, 0)`), scale 0 when
/// the scale is negative.
#[derive(Debug, PartialEq, Eq, Hash)]
struct ScaledRounding {
    name: &'static str,
    ceiling: bool,
    signature: Signature,
}

impl ScaledRounding {
    fn new(name: &'static str, ceiling: bool) -> Self {
        Self { name, ceiling, signature: Signature::user_defined(Volatility::Immutable) }
    }

    fn unscaled(&self) -> Arc<ScalarUDF> {
        if self.ceiling { datafusion_spark::function::math::ceil() } else { datafusion_spark::function::math::floor() }
    }
}

/// Spark's `DecimalType.forType` of a number type.
fn decimal_for(t: &DataType) -> Option<(u8, i8)> {
    Some(match t {
        DataType::Int8 => (3, 0),
        DataType::Int16 => (5, 0),
        DataType::Int32 | DataType::Null => (10, 0),
        DataType::Int64 => (20, 0),
        DataType::Float32 => (14, 7),
        DataType::Float64 => (30, 15),
        DataType::Decimal128(p, s) => (*p, *s),
        _ => return None,
    })
}

fn scaled_type(input: &DataType, scale: i64) -> Result<DataType> {
    let Some((p, s)) = decimal_for(input) else { return plan_err!("ceil/floor with a scale do not take {input}") };
    let new_scale = scale.clamp(0, s as i64) as i32;
    let precision = (p as i32 - s as i32 + new_scale + 1).clamp(1, 38);
    Ok(DataType::Decimal128(precision as u8, new_scale as i8))
}

impl ScalarUDFImpl for ScaledRounding {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [value] => Ok(vec![if value.is_numeric() { value.clone() } else { DataType::Float64 }]),
            [value, _] => {
                let value = if decimal_for(value).is_some() {
                    value.clone()
                } else if value.is_integer() {
                    DataType::Int64
                } else {
                    DataType::Float64
                };
                Ok(vec![value, DataType::Int32])
            }
            _ => plan_err!("{} takes 1 or 2 arguments", self.name),
        }
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        plan_err!("{} types its result from its arguments (return_field_from_args)", self.name)
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let fields = args.arg_fields;
        match fields {
            [_] => self.unscaled().return_field_from_args(args),
            [value, _] => {
                let scale = match args.scalar_arguments.get(1) {
                    Some(Some(scale)) => match scale.cast_to(&DataType::Int64)? {
                        ScalarValue::Int64(Some(s)) => s,
                        _ => 0,
                    },
                    _ => {
                        return plan_err!(
                            "[DATATYPE_MISMATCH.NON_FOLDABLE_INPUT] The scale of `{}` must be a constant integer",
                            self.name
                        );
                    }
                };
                Ok(Arc::new(Field::new(self.name, scaled_type(value.data_type(), scale)?, true)))
            }
            _ => plan_err!("{} takes 1 or 2 arguments", self.name),
        }
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        if args.args.len() == 1 {
            return self.unscaled().invoke_with_args(args);
        }
        let scale = match &args.args[1] {
            ColumnarValue::Scalar(s) => match s.cast_to(&DataType::Int64)? {
                ScalarValue::Int64(Some(s)) => s,
                _ => 0,
            },
            ColumnarValue::Array(_) => return exec_err!("the scale of {} must be a constant", self.name),
        };
        let DataType::Decimal128(precision, new_scale) = args.return_field.data_type().clone() else {
            return exec_err!("{} with a scale answers a decimal", self.name);
        };
        let value = &args.args[0];
        let input_type = value.data_type();
        let Some((p, s)) = decimal_for(&input_type) else {
            return exec_err!("ceil/floor with a scale do not take {input_type}");
        };
        let scalar = matches!(value, ColumnarValue::Scalar(_));
        let array = value.to_array(args.number_rows)?;
        let as_decimal = cast_with_options(&array, &DataType::Decimal128(p, s), &CastOptions::default())?;
        let decimals = as_decimal.as_primitive::<Decimal128Type>();
        // Round to 10^-scale, then express at the result's scale.
        let drop = (s as i64 - scale).max(0) as u32;
        let unit = 10i128.pow(drop.min(38));
        let keep = 10i128.pow((s as i64 - new_scale as i64).max(0) as u32);
        let rounded: Decimal128Array = decimals
            .iter()
            .map(|v| {
                v.map(|v| {
                    let floor = v.div_euclid(unit) * unit;
                    let r = if self.ceiling && floor != v { floor + unit } else { floor };
                    r / keep
                })
            })
            .collect::<Decimal128Array>()
            .with_precision_and_scale(precision, new_scale)?;
        let result: ArrayRef = Arc::new(rounded);
        if scalar {
            return Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(&result, 0)?));
        }
        Ok(ColumnarValue::Array(result))
    }
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::datatypes::DataType;
    use datafusion::arrow::util::display::array_value_to_string;

    use super::super::tests::{assert_answers, context};

    /// Every expected value was checked with PySpark 4.3 (`spark.sql("SELECT ...")`).
    #[tokio::test]
    async fn string_functions_give_sparks_answers() {
        let cases = [
            ("conv('100', 2, 10)", "4"),
            ("conv('-10', 16, -10)", "-16"),
            ("conv('-10', 16, 10)", "18446744073709551600"),
            ("conv('zz', 36, 10)", "1295"),
            ("conv('12z4', 10, 16)", "C"),
            ("conv(' 12', 10, 16)", "C"),
            ("conv('-0', 10, -10)", "-0"),
            ("conv('', 10, 16)", "NULL"),
            ("conv('12', 1, 10)", "NULL"),
            ("format_number(12332.123456, 4)", "12,332.1235"),
            ("format_number(5, 4)", "5.0000"),
            ("format_number(0.5, 0)", "0"),
            ("format_number(1.5, 0)", "2"),
            ("format_number(2.5, 0)", "2"),
            ("format_number(CAST(-1234.5678 AS DOUBLE), 2)", "-1,234.57"),
            ("format_number(CAST(1.005 AS DOUBLE), 2)", "1.00"),
            ("format_number(123, -1)", "NULL"),
            ("split('oneAtwoBthreeC', '[ABC]', 2)", "[one, twoBthreeC]"),
            ("split('oneAtwoBthreeC', '[ABC]', -1)", "[one, two, three, ]"),
            ("split('1A2B3C', '[1-9]+', 1)", "[1A2B3C]"),
            ("split('1A2B3C', '[1-9]+', -1)", "[, A, B, C]"),
            ("split('abc', '', -1)", "[a, b, c]"),
            ("split('abc', '', 2)", "[a, bc]"),
            ("split('', ',', -1)", "[]"),
            ("split('a,b,,', ',', 0)", "[a, b, , ]"),
            ("locate('b', 'abcd', 1)", "2"),
            ("locate('b', 'abcd', 3)", "0"),
            ("locate('', 'abcd', 3)", "1"),
            ("locate('b', 'abcd', 0)", "0"),
            ("locate('b', 'abcd', CAST(NULL AS INT))", "0"),
            ("overlay('SPARK_SQL', 'CORE', 7)", "SPARK_CORE"),
            ("overlay('SPARK_SQL', 'CORE', 7, 0)", "SPARK_CORESQL"),
            ("overlay('SPARK_SQL', 'CORE', 7, 2)", "SPARK_COREL"),
            ("overlay('SPARK_SQL', 'CORE', -2, 2)", "CORESPARK_SQL"),
            ("overlay('SPARK_SQL', 'CORE', 20)", "SPARK_SQLCORE"),
            ("levenshtein('kitten', 'sitting', 2)", "-1"),
            ("levenshtein('kitten', 'sitting', 3)", "3"),
            ("mask('AbCD123-@$#')", "XxXXnnn-@$#"),
            ("mask('AbCD123-@$#', 'Y', 'y', 'd', '*')", "YyYYddd****"),
            ("mask('AbCD123-@$#', NULL, NULL, NULL, NULL)", "AbCD123-@$#"),
            ("mask('ÄbÇ')", "XxX"),
            (
                "sentences('Hi there! Good morning. It''s 3.14 dollars, ok?')",
                "[[Hi, there], [Good, morning], [It's, 3.14, dollars, ok]]",
            ),
            ("sentences('')", "[]"),
            ("regexp_instr('1a 2b 14m', '\\d+(a|b|m)', 1)", "1"),
            ("regexp_instr('xx1a', '\\d+(a|b|m)', 1)", "3"),
            ("regexp_instr('xx1a', 'zz')", "0"),
            ("regexp_extract_all('100-200, 300-400', '(\\d+)-(\\d+)', 2)", "[200, 400]"),
            ("regexp_extract_all('100-200, 300-400', '(\\d+)-(\\d+)', 0)", "[100-200, 300-400]"),
            ("regexp_extract_all('100-200, 300-400', '(\\d+)-(\\d+)')", "[100, 300]"),
            ("regexp_substr('1a 2b 14m', 'mmm')", "NULL"),
            ("regexp_substr('1a 2b 14m', '\\d+')", "1"),
            ("to_binary('abc', 'utf-8')", "616263"),
            ("to_binary('414243')", "414243"),
            ("to_binary('YWJj', 'base64')", "616263"),
            ("to_binary('41424', 'hex')", "041424"),
            ("try_to_binary('malformed', 'hex')", "NULL"),
            ("try_to_binary('abc', 'foo')", "NULL"),
            ("validate_utf8('SparkSQL')", "SparkSQL"),
            ("try_validate_utf8(X'80')", "NULL"),
            ("collation('dt')", "SYSTEM.BUILTIN.UTF8_BINARY"),
            ("printf('aa%d%s', 123, 'cc')", "aa123cc"),
            ("chr(-1)", ""),
            ("chr(321)", "A"),
            ("ceil(CAST(-0.1 AS DOUBLE))", "0"),
            ("regexp_extract('aaaac', '(a+)(b)?(c)', 2)", ""),
            ("regexp_extract('aaaac', '(a+)(b)?(c)', 1)", "aaaa"),
            ("regexp_extract('100-200', '(\\d+)-(\\d+)', 0)", "100-200"),
            ("regexp_extract('foo', '(\\d+)', 1)", ""),
            ("contains(X'414243', X'4243')", "true"),
            ("contains(X'4243', X'414243')", "false"),
            ("startswith(X'414243', X'41')", "true"),
            ("endswith(X'414243', X'41')", "false"),
            ("hex(reverse(X'CAFE'))", "FECA"),
            ("reverse('Spark SQL')", "LQS krapS"),
            ("contains('Spark SQL', 'Spark')", "true"),
            ("startswith('Spark SQL', 'SQL')", "false"),
            ("like('Spark', '_park')", "true"),
            ("like('%SystemDrive%/Users/John', '/%SystemDrive/%//Users%', '/')", "true"),
            ("ilike('%SystemDrive%/Users/John', '/%SYSTEMDrive/%//Users%', '/')", "true"),
            ("like('abc', 'a%c%')", "true"),
            ("like('abc', 'a%b')", "false"),
            ("like('a_c', 'a\\_c')", "true"),
            ("like('abc', 'a\\_c')", "false"),
        ];
        assert_answers(&cases).await;
    }

    /// `ceil(x, scale)` as the DataFrame API calls it (DataFusion's SQL parser refuses
    /// `CEIL(x, 1)` before any function sees it). Checked with PySpark 4.3.
    #[tokio::test]
    async fn ceil_and_floor_with_a_scale_answer_sparks_decimals() {
        use datafusion::logical_expr::{cast, lit};
        let ctx = context();
        let state = ctx.state();
        let ceil = state.scalar_functions()["ceil"].clone();
        let floor = state.scalar_functions()["floor"].clone();
        let cases = [
            (ceil.call(vec![lit(-0.1f64), lit(1i32)]), "-0.1", DataType::Decimal128(17, 1)),
            (floor.call(vec![lit(2.1267f64), lit(2i32)]), "2.12", DataType::Decimal128(18, 2)),
            (ceil.call(vec![lit(1234.5f64), lit(-2i32)]), "1300", DataType::Decimal128(16, 0)),
            (floor.call(vec![lit(5i32), lit(-1i32)]), "0", DataType::Decimal128(11, 0)),
            (ceil.call(vec![lit(5i64), lit(1i32)]), "5", DataType::Decimal128(21, 0)),
            (floor.call(vec![lit(2.5f32), lit(1i32)]), "2.5", DataType::Decimal128(9, 1)),
            (
                ceil.call(vec![cast(lit(2.1267f64), DataType::Decimal128(5, 4)), lit(2i32)]),
                "2.13",
                DataType::Decimal128(4, 2),
            ),
        ];
        for (expr, expected, data_type) in cases {
            let name = expr.to_string();
            let batches = ctx.sql("SELECT 1").await.unwrap().select(vec![expr]).unwrap().collect().await.unwrap();
            let column = batches[0].column(0);
            assert_eq!(column.data_type(), &data_type, "{name}");
            assert_eq!(array_value_to_string(column, 0).unwrap(), expected, "{name}");
        }
    }

    #[tokio::test]
    async fn errors_name_what_spark_refuses() {
        let ctx = context();
        for (sql, message) in [
            ("conv('ffffffffffffffffff', 16, 10)", "ARITHMETIC_OVERFLOW"),
            ("to_binary('malformed', 'hex')", "CONVERSION_INVALID_INPUT"),
            ("regexp_extract_all('a', 'a', 2)", "REGEX_GROUP_INDEX"),
        ] {
            let result = match ctx.sql(&format!("SELECT {sql}")).await {
                Ok(df) => df.collect().await.map(|_| ()),
                Err(e) => Err(e),
            };
            let error = result.expect_err(sql).to_string();
            assert!(error.contains(message), "{sql}: {error}");
        }
    }
}
