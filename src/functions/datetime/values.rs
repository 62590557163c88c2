//! The values the datetime functions read: any date, timestamp, text or epoch number as a
//! [`Moment`], text read the way Spark casts it to a timestamp or date (no pattern), and time
//! zone names as Spark's `DateTimeUtils.getZoneId` knows them (region ids, offsets and Java's
//! three-letter short ids such as `PST`).

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone};
use datafusion::arrow::array::timezone::Tz;
use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Date32Type, Float64Type, TimeUnit, TimestampMicrosecondType};
use datafusion::common::{Result, exec_err, plan_err};

use super::{OnInvalid, is_text, texts};

/// A point in time as a function received it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Moment {
    /// An instant: microseconds since 1970-01-01 00:00:00 UTC (Spark's `timestamp`).
    Instant(i64),
    /// A wall-clock time in no zone (`timestamp_ntz`, dates, text without an offset): read in
    /// the session zone where an instant is needed.
    Local(NaiveDateTime),
}

impl Moment {
    /// The wall-clock time in `zone`.
    pub(crate) fn local(self, zone: &Tz) -> NaiveDateTime {
        match self {
            Moment::Local(local) => local,
            Moment::Instant(micros) => {
                let utc = DateTime::from_timestamp_micros(micros).unwrap_or_default().naive_utc();
                zone.from_utc_datetime(&utc).naive_local()
            }
        }
    }

    /// The instant, a wall-clock time being read in `zone` as Java does: the earlier of two
    /// candidates in an overlap, shifted by the gap's length in a gap.
    pub(crate) fn instant(self, zone: &Tz) -> i64 {
        match self {
            Moment::Instant(micros) => micros,
            Moment::Local(local) => match zone.from_local_datetime(&local).earliest() {
                Some(at) => at.timestamp_micros(),
                None => {
                    let before = zone.offset_from_utc_datetime(&(local - chrono::Duration::days(1))).fix();
                    micros_of(local) - i64::from(before.local_minus_utc()) * 1_000_000
                }
            },
        }
    }
}

/// `local` as microseconds since the epoch, the representation of `timestamp_ntz`.
pub(crate) fn micros_of(local: NaiveDateTime) -> i64 {
    local.and_utc().timestamp_micros()
}

/// What text is cast to, for reading it and naming it in errors.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Target {
    Timestamp,
    WallClock,
    Date,
}

impl Target {
    fn spark_name(self) -> &'static str {
        match self {
            Target::Timestamp => "TIMESTAMP",
            Target::WallClock => "TIMESTAMP_NTZ",
            Target::Date => "DATE",
        }
    }
}

/// Every row of `array` as a moment: dates, timestamps, text (as Spark casts it to `target`)
/// and numbers (seconds since the epoch, as Spark casts them to a timestamp).
pub(crate) fn moments(
    array: &ArrayRef,
    zone: &Tz,
    on_invalid: OnInvalid,
    target: Target,
    name: &str,
) -> Result<Vec<Option<Moment>>> {
    let data_type = array.data_type();
    Ok(match data_type {
        DataType::Null => vec![None; array.len()],
        DataType::Date32 | DataType::Date64 => {
            let days = cast(array, &DataType::Date32)?;
            let epoch = DateTime::UNIX_EPOCH.date_naive();
            let to_local = |d: i32| Moment::Local((epoch + chrono::Duration::days(d.into())).and_time(NaiveTime::MIN));
            days.as_primitive::<Date32Type>().iter().map(|d| d.map(to_local)).collect()
        }
        DataType::Timestamp(_, with_zone) => {
            let micros = cast(array, &DataType::Timestamp(TimeUnit::Microsecond, with_zone.clone()))?;
            let micros = micros.as_primitive::<TimestampMicrosecondType>();
            let to_moment = |m: i64| match with_zone {
                Some(_) => Moment::Instant(m),
                None => Moment::Local(DateTime::from_timestamp_micros(m).unwrap_or_default().naive_utc()),
            };
            micros.iter().map(|m| m.map(to_moment)).collect()
        }
        text if is_text(text) => {
            let texts = texts(array)?;
            let mut out = Vec::with_capacity(texts.len());
            for text in texts.iter() {
                out.push(match text {
                    None => None,
                    Some(text) => match read(text, target) {
                        Some(moment) => Some(moment),
                        None => match on_invalid {
                            OnInvalid::Null => None,
                            OnInvalid::Raise(_) => {
                                return exec_err!(
                                    "[CAST_INVALID_INPUT] The value '{text}' of the type \"STRING\" cannot be cast to \"{}\" because it is malformed. Correct the value as per the syntax, or change its target type. Use `try_cast` to tolerate malformed input and return NULL instead. SQLSTATE: 22018",
                                    target.spark_name()
                                );
                            }
                        },
                    },
                });
            }
            out
        }
        number if number.is_numeric() && target != Target::Date => {
            let seconds = cast(array, &DataType::Float64)?;
            seconds.as_primitive::<Float64Type>().iter().map(|s| s.map(|s| Moment::Instant((s * 1e6) as i64))).collect()
        }
        other => return plan_err!("{name}() does not take a value of type {other}"),
    })
    .map(|values: Vec<Option<Moment>>| {
        // A wall-clock target reads instants in the session zone.
        match target {
            Target::WallClock => values.into_iter().map(|m| m.map(|m| Moment::Local(m.local(zone)))).collect(),
            _ => values,
        }
    })
}

/// Text as Spark casts it: a date, `yyyy-[m]m-[d]d[( |T)[h]h:[m]m[:[s]s[.fraction]]][zone]`.
fn read(text: &str, target: Target) -> Option<Moment> {
    let text = text.trim();
    if target == Target::Date {
        let end = text.find([' ', 'T']).unwrap_or(text.len());
        return read_date(&text[..end]).map(|date| Moment::Local(date.and_time(NaiveTime::MIN)));
    }
    let split = text.find([' ', 'T']);
    let (date_text, rest) = match split {
        Some(at) => (&text[..at], text[at + 1..].trim_start()),
        None => (text, ""),
    };
    let date = read_date(date_text)?;
    if rest.is_empty() {
        return Some(Moment::Local(date.and_time(NaiveTime::MIN)));
    }
    // The time: digits, colons and a fraction; what follows is the zone.
    let time_end = rest.find(|c: char| !(c.is_ascii_digit() || c == ':' || c == '.')).unwrap_or(rest.len());
    let (time_text, zone_text) = (&rest[..time_end], rest[time_end..].trim());
    let local = date.and_time(read_time(time_text)?);
    if zone_text.is_empty() {
        return Some(Moment::Local(local));
    }
    let zone = time_zone(zone_text).ok()?;
    Some(Moment::Instant(Moment::Local(local).instant(&zone)))
}

fn read_date(text: &str) -> Option<NaiveDate> {
    let mut parts = text.splitn(3, '-');
    let year = parts.next()?;
    if year.len() < 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let number = |part: Option<&str>| -> Option<u32> {
        match part {
            None => Some(1),
            Some(p) if (1..=2).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()) => p.parse().ok(),
            Some(_) => None,
        }
    };
    let (month, day) = (number(parts.next())?, number(parts.next())?);
    NaiveDate::from_ymd_opt(year.parse().ok()?, month, day)
}

fn read_time(text: &str) -> Option<NaiveTime> {
    let (clock, fraction) = match text.split_once('.') {
        Some((clock, fraction)) => (clock, fraction),
        None => (text, ""),
    };
    let parts: Vec<&str> = clock.split(':').collect();
    if !(2..=3).contains(&parts.len()) || parts.iter().any(|p| !(1..=2).contains(&p.len())) {
        return None;
    }
    let field = |i: usize| parts.get(i).map_or(Some(0), |p| p.parse::<u32>().ok());
    if !fraction.bytes().all(|b| b.is_ascii_digit()) || fraction.len() > 9 {
        return None;
    }
    // Spark keeps microseconds: digits past the sixth are dropped.
    let micros = format!("{:0<6}", &fraction[..fraction.len().min(6)]).parse::<u32>().ok()?;
    NaiveTime::from_hms_micro_opt(field(0)?, field(1)?, field(2)?, micros)
}

/// Java's `ZoneId.SHORT_IDS`, which Spark accepts as zone names.
const SHORT_IDS: &[(&str, &str)] = &[
    ("ACT", "Australia/Darwin"),
    ("AET", "Australia/Sydney"),
    ("AGT", "America/Argentina/Buenos_Aires"),
    ("ART", "Africa/Cairo"),
    ("AST", "America/Anchorage"),
    ("BET", "America/Sao_Paulo"),
    ("BST", "Asia/Dhaka"),
    ("CAT", "Africa/Harare"),
    ("CNT", "America/St_Johns"),
    ("CST", "America/Chicago"),
    ("CTT", "Asia/Shanghai"),
    ("EAT", "Africa/Addis_Ababa"),
    ("ECT", "Europe/Paris"),
    ("IET", "America/Indiana/Indianapolis"),
    ("IST", "Asia/Kolkata"),
    ("JST", "Asia/Tokyo"),
    ("MIT", "Pacific/Apia"),
    ("NET", "Asia/Yerevan"),
    ("NST", "Pacific/Auckland"),
    ("PLT", "Asia/Karachi"),
    ("PNT", "America/Phoenix"),
    ("PRT", "America/Puerto_Rico"),
    ("PST", "America/Los_Angeles"),
    ("SST", "Pacific/Guadalcanal"),
    ("VST", "Asia/Ho_Chi_Minh"),
    ("EST", "-05:00"),
    ("MST", "-07:00"),
    ("HST", "-10:00"),
];

/// A zone by Spark's names: region ids (`America/Los_Angeles`), offsets (`+01:00`, `Z`,
/// `UTC+1`, `GMT-08:00`) and Java's short ids.
pub(crate) fn time_zone(name: &str) -> Result<Tz> {
    let name = name.trim();
    let name = SHORT_IDS.iter().find(|(short, _)| *short == name).map_or(name, |(_, id)| *id);
    let offset = ["UTC", "GMT", "UT"]
        .iter()
        .find_map(|prefix| name.strip_prefix(prefix).filter(|rest| rest.starts_with(['+', '-'])))
        .or_else(|| name.starts_with(['+', '-']).then_some(name));
    let zone = match offset {
        Some(offset) => Tz::from_str(&normal_offset(offset)),
        None if name == "Z" => Tz::from_str("UTC"),
        None => Tz::from_str(name),
    };
    match zone {
        Ok(zone) => Ok(zone),
        Err(_) => exec_err!(
            "[INVALID_TIMEZONE] The timezone: {name} is invalid. The timezone must be either a region-based zone ID or a zone offset. Region IDs must have the form 'area/city', such as 'America/Los_Angeles'. Zone offsets must be in the format '(+|-)HH', '(+|-)HH:mm' or '(+|-)HH:mm:ss', e.g '-08', '+01:00' or '-13:33:33', and must be in the range from -18:00 to +18:00. 'Z' and 'UTC' are accepted as synonyms for '+00:00'. SQLSTATE: 22009"
        ),
    }
}

/// `+1`, `+01`, `+0100` and `+01:00` as `+01:00`, the form Arrow reads.
fn normal_offset(offset: &str) -> String {
    let (sign, digits) = offset.split_at(1);
    let (hours, minutes) = match digits.split_once(':') {
        Some((h, m)) => (h.to_string(), m.to_string()),
        None if digits.len() > 2 => (digits[..digits.len() - 2].to_string(), digits[digits.len() - 2..].to_string()),
        None => (digits.to_string(), "00".to_string()),
    };
    format!("{sign}{hours:0>2}:{minutes:0>2}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f").unwrap()
    }

    #[test]
    fn text_reads_as_spark_casts_it() {
        let local = |t: &str| Some(Moment::Local(at(t)));
        assert_eq!(read("2024-02-03", Target::Timestamp), local("2024-02-03 00:00:00"));
        assert_eq!(read("2024-2-3 1:02", Target::Timestamp), local("2024-02-03 01:02:00"));
        assert_eq!(read("2024-02-03T10:45:11.1234567", Target::Timestamp), local("2024-02-03 10:45:11.123456"));
        assert_eq!(read("2024-02-03 10:45:11", Target::Date), local("2024-02-03 00:00:00"));
        // Spark: to_timestamp('2024-02-03 10:45:11+01:00') is 09:45:11 UTC.
        let zoned = read("2024-02-03 10:45:11+01:00", Target::Timestamp).unwrap();
        assert_eq!(zoned, Moment::Instant(micros_of(at("2024-02-03 09:45:11"))));
        assert_eq!(read("malformed", Target::Timestamp), None);
        assert_eq!(read("2024-13-45", Target::Date), None);
    }

    #[test]
    fn zones_by_sparks_names() {
        let utc = |zone: &str, local: &str| Moment::Local(at(local)).instant(&time_zone(zone).unwrap());
        // Spark: to_utc_timestamp('1997-02-28 10:30:00', 'JST') is 01:30:00.
        assert_eq!(utc("JST", "1997-02-28 10:30:00"), micros_of(at("1997-02-28 01:30:00")));
        assert_eq!(utc("PST", "1997-02-28 10:30:00"), micros_of(at("1997-02-28 18:30:00")));
        assert_eq!(utc("GMT+1", "1997-02-28 10:30:00"), micros_of(at("1997-02-28 09:30:00")));
        assert_eq!(utc("-0530", "1997-02-28 10:30:00"), micros_of(at("1997-02-28 16:00:00")));
        assert!(time_zone("Mars/Olympus").unwrap_err().to_string().contains("INVALID_TIMEZONE"));
    }
}
