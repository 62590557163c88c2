//! Spark's datetime patterns (`yyyy-MM-dd HH:mm:ss`, the letters of Spark's "Datetime Patterns
//! for Formatting and Parsing", `DateTimeFormatterHelper`): the one place they are read. A
//! pattern is split into letter runs and quoted text once; formatting writes each run the way
//! Java's `DateTimeFormatter` does, parsing hands chrono the equivalent strftime items and fills
//! the fields a pattern leaves out as Spark does (1970-01-01 00:00:00).

use chrono::format::{Parsed, StrftimeItems, parse};
use chrono::{Datelike, NaiveDateTime, Offset, TimeZone, Timelike};
use datafusion::arrow::array::timezone::Tz;
use datafusion::common::{Result, exec_err};

/// A pattern, split into what it prints or reads.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SparkPattern {
    pieces: Vec<Piece>,
    /// chrono's strftime text for the same pattern, used to parse, or why chrono cannot.
    strftime: std::result::Result<String, String>,
}

#[derive(Debug, Clone, PartialEq)]
enum Piece {
    /// A run of one pattern letter: the letter and how many times it repeats.
    Field(char, usize),
    Text(String),
}

/// The letters Spark accepts and minispark implements.
const LETTERS: &str = "yMLdDEahHkKmsSXxZzVO";
/// Letters Spark rejects outright since 3.0 (week-based fields).
const WEEK_BASED: &str = "YwWuec";

impl SparkPattern {
    /// `pattern` split into pieces; an error names the letter Spark refuses or minispark lacks.
    pub(crate) fn new(pattern: &str) -> Result<Self> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut pieces = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c == '\'' {
                // 'text' is literal; '' is a quote.
                let mut text = String::new();
                i += 1;
                if chars.get(i) == Some(&'\'') {
                    pieces.push(Piece::Text("'".into()));
                    i += 1;
                    continue;
                }
                while i < chars.len() {
                    if chars[i] == '\'' {
                        if chars.get(i + 1) == Some(&'\'') {
                            text.push('\'');
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    text.push(chars[i]);
                    i += 1;
                }
                i += 1;
                pieces.push(Piece::Text(text));
                continue;
            }
            if !c.is_ascii_alphabetic() {
                if c == '[' || c == ']' || c == '{' || c == '}' || c == '#' {
                    return exec_err!(
                        "[INVALID_DATETIME_PATTERN] optional sections ('{c}') in datetime patterns are not supported yet: '{pattern}'"
                    );
                }
                pieces.push(Piece::Text(c.to_string()));
                i += 1;
                continue;
            }
            let mut run = 1;
            while chars.get(i + run) == Some(&c) {
                run += 1;
            }
            if WEEK_BASED.contains(c) {
                return exec_err!(
                    "[INCONSISTENT_BEHAVIOR_CROSS_VERSION.DATETIME_PATTERN_RECOGNITION] You may get a different result due to the upgrading to Spark >= 3.0: Fail to recognize '{pattern}' pattern in the DateTimeFormatter (week-based letter '{c}'). You can form a valid datetime pattern with the guide from 'https://spark.apache.org/docs/latest/sql-ref-datetime-pattern.html'."
                );
            }
            if !LETTERS.contains(c) || too_many(c, run) {
                return exec_err!(
                    "[INVALID_DATETIME_PATTERN] minispark does not support the datetime pattern letter '{}' in '{pattern}'",
                    c.to_string().repeat(run)
                );
            }
            pieces.push(Piece::Field(c, run));
            i += run;
        }
        Ok(Self { strftime: strftime(&pieces, pattern), pieces })
    }

    /// `local` (wall-clock time in `zone`) as text. Values without a zone (dates,
    /// `timestamp_ntz`) show the session zone for zone letters, as in Spark.
    pub(crate) fn format(&self, local: NaiveDateTime, zone: &Tz) -> Result<String> {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Field(letter, count) => format_field(&mut out, *letter, *count, local, zone)?,
            }
        }
        Ok(out)
    }

    /// `text` read with this pattern: the wall-clock time and, if the pattern has an offset, the
    /// offset in seconds east of UTC. None when the text does not match; an error when the
    /// pattern is one minispark formats but cannot read (a fraction not after a '.').
    pub(crate) fn parse(&self, text: &str) -> Result<Option<(NaiveDateTime, Option<i32>)>> {
        let strftime = match &self.strftime {
            Ok(strftime) => strftime,
            Err(why) => return exec_err!("{why}"),
        };
        Ok(read(strftime, text))
    }
}

/// `text` read with chrono's `strftime`, the fields it leaves out filled as Spark does.
fn read(strftime: &str, text: &str) -> Option<(NaiveDateTime, Option<i32>)> {
    let mut parsed = Parsed::new();
    parse(&mut parsed, text, StrftimeItems::new(strftime)).ok()?;
    // Spark's defaults for the fields a pattern leaves out.
    if parsed.year().is_none() {
        parsed.set_year(1970).ok()?;
    }
    if parsed.month().is_none() && parsed.ordinal().is_none() {
        parsed.set_month(1).ok()?;
    }
    if parsed.day().is_none() && parsed.ordinal().is_none() {
        parsed.set_day(1).ok()?;
    }
    if parsed.hour_mod_12().is_none() {
        parsed.set_hour(0).ok()?;
    } else if parsed.hour_div_12().is_none() {
        // 'h' without 'a' reads a morning hour, as Java's resolver does.
        parsed.set_ampm(false).ok()?;
    }
    if parsed.minute().is_none() {
        parsed.set_minute(0).ok()?;
    }
    if parsed.second().is_none() {
        parsed.set_second(0).ok()?;
    }
    let local = parsed.to_naive_datetime_with_offset(0).ok()?;
    Some((local, parsed.offset()))
}

/// chrono's strftime text for parsing with `pieces`, or why there is none.
fn strftime(pieces: &[Piece], pattern: &str) -> std::result::Result<String, String> {
    let mut strftime = String::new();
    for piece in pieces {
        match piece {
            // ".SSS": a dot and 1 to 9 digits, as Spark reads fractions (up to the run's width).
            Piece::Field('S', _) if strftime.ends_with('.') => {
                strftime.pop();
                strftime.push_str("%.f");
            }
            Piece::Field('S', count) if ![3, 6, 9].contains(count) => {
                return Err(format!(
                    "[INVALID_DATETIME_PATTERN] minispark reads a fraction of {count} digits only after a '.': '{pattern}'"
                ));
            }
            _ => strftime.push_str(&strftime_of(piece)),
        }
    }
    Ok(strftime)
}

/// Whether Spark refuses `count` repetitions of `letter` ("Too many pattern letters").
fn too_many(letter: char, count: usize) -> bool {
    let most = match letter {
        'd' | 'H' | 'h' | 'k' | 'K' | 'm' | 's' | 'a' => 2,
        'D' => 3,
        'M' | 'L' | 'E' | 'X' | 'x' | 'Z' => 5,
        'z' => 3,
        'O' => 4,
        'V' => 2,
        'S' => 9,
        'y' => 9,
        _ => 1,
    };
    count > most || (letter == 'a' && count > 1) || (letter == 'V' && count != 2) || (letter == 'O' && count == 2)
}

/// chrono's strftime text for one piece, for parsing (chrono reads padded and unpadded numbers
/// alike).
fn strftime_of(piece: &Piece) -> String {
    match piece {
        Piece::Text(text) => text.replace('%', "%%"),
        Piece::Field(letter, count) => match (letter, count) {
            ('y', 2) => "%y".into(),
            ('y', _) => "%Y".into(),
            ('M' | 'L', 1 | 2) => "%m".into(),
            ('M' | 'L', 3) => "%b".into(),
            ('M' | 'L', _) => "%B".into(),
            ('d', _) => "%d".into(),
            ('D', _) => "%j".into(),
            ('E', 1..=3) => "%a".into(),
            ('E', _) => "%A".into(),
            ('a', _) => "%p".into(),
            ('H', _) => "%H".into(),
            ('h', _) => "%I".into(),
            ('k', _) => "%k".into(),
            ('K', _) => "%l".into(),
            ('m', _) => "%M".into(),
            ('s', _) => "%S".into(),
            ('S', 3) => "%3f".into(),
            ('S', 6) => "%6f".into(),
            ('S', _) => "%9f".into(),
            ('X' | 'x' | 'Z', 1 | 2) => "%z".into(),
            ('X' | 'x' | 'Z', _) => "%:z".into(),
            // Zone names cannot be read by chrono: the text never matches.
            _ => "%Z".into(),
        },
    }
}

fn format_field(out: &mut String, letter: char, count: usize, local: NaiveDateTime, zone: &Tz) -> Result<()> {
    let number = |out: &mut String, value: i64, width: usize| out.push_str(&format!("{value:0width$}"));
    match letter {
        'y' => match count {
            2 => number(out, local.year().rem_euclid(100) as i64, 2),
            1 => number(out, local.year() as i64, 1),
            _ => number(out, local.year() as i64, count),
        },
        'M' | 'L' => match count {
            1 | 2 => number(out, local.month() as i64, count),
            3 => out.push_str(&local.format("%b").to_string()),
            4 => out.push_str(&local.format("%B").to_string()),
            _ => out.push_str(&local.format("%B").to_string()[..1]),
        },
        'd' => number(out, local.day() as i64, count),
        'D' => number(out, local.ordinal() as i64, count),
        'E' => match count {
            1..=3 => out.push_str(&local.format("%a").to_string()),
            4 => out.push_str(&local.format("%A").to_string()),
            _ => out.push_str(&local.format("%A").to_string()[..1]),
        },
        'a' => out.push_str(if local.hour() < 12 { "AM" } else { "PM" }),
        'H' => number(out, local.hour() as i64, count),
        'h' => number(out, ((local.hour() + 11) % 12 + 1) as i64, count),
        'K' => number(out, (local.hour() % 12) as i64, count),
        'k' => number(out, if local.hour() == 0 { 24 } else { local.hour() as i64 }, count),
        'm' => number(out, local.minute() as i64, count),
        's' => number(out, local.second() as i64, count),
        'S' => {
            let nanos = format!("{:09}", local.nanosecond() % 1_000_000_000);
            out.push_str(&nanos[..count]);
        }
        _ => format_zone(out, letter, count, local, zone)?,
    }
    Ok(())
}

/// The zone letters (X, x, Z, O, z, V) for `local`, a wall-clock time in `zone`.
fn format_zone(out: &mut String, letter: char, count: usize, local: NaiveDateTime, zone: &Tz) -> Result<()> {
    let offset =
        zone.offset_from_local_datetime(&local).earliest().unwrap_or_else(|| zone.offset_from_utc_datetime(&local));
    let seconds = offset.fix().local_minus_utc();
    let sign = if seconds < 0 { '-' } else { '+' };
    let (hours, minutes) = (seconds.abs() / 3600, seconds.abs() / 60 % 60);
    let offset_text = |colon: bool, minutes_always: bool| {
        let mut text = format!("{sign}{hours:02}");
        if minutes_always || minutes != 0 {
            text.push_str(&format!("{}{minutes:02}", if colon { ":" } else { "" }));
        }
        text
    };
    match (letter, count) {
        ('X', _) if seconds == 0 => out.push('Z'),
        ('X' | 'x', 1) => out.push_str(&offset_text(false, false)),
        ('X' | 'x', 2) | ('Z', 1..=3) => out.push_str(&offset_text(false, true)),
        ('X' | 'x', _) => out.push_str(&offset_text(true, true)),
        ('Z', 4) | ('O', 4) if seconds == 0 => out.push_str("GMT"),
        ('Z', 4) | ('O', 4) => out.push_str(&format!("GMT{}", offset_text(true, true))),
        ('Z', _) if seconds == 0 => out.push('Z'),
        ('Z', _) => out.push_str(&offset_text(true, true)),
        ('O', _) if seconds == 0 => out.push_str("GMT"),
        ('O', _) => {
            let minutes_text = if minutes != 0 { format!(":{minutes:02}") } else { String::new() };
            out.push_str(&format!("GMT{sign}{hours}{minutes_text}"))
        }
        ('V', _) => out.push_str(&zone.to_string()),
        // 'z': the zone's abbreviation, which Arrow's zones do not carry beyond UTC's.
        _ if zone.to_string() == "UTC" => out.push_str("UTC"),
        _ => {
            return exec_err!(
                "[INVALID_DATETIME_PATTERN] minispark does not support the zone name letter 'z' outside UTC (session zone {zone})"
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    impl SparkPattern {
        fn parse_ok(&self, text: &str) -> Option<(NaiveDateTime, Option<i32>)> {
            self.parse(text).unwrap()
        }
    }

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f").unwrap()
    }

    #[test]
    fn formats_as_spark_does() {
        // Spark 4.3: date_format(TIMESTAMP'2024-02-03 10:45:11.123456', ...), session zone UTC.
        let utc: Tz = "UTC".parse().unwrap();
        let cases = [
            ("yyyy-MM-dd HH:mm:ss", "2024-02-03 10:45:11"),
            ("yy=MM=dd", "24=02=03"),
            ("y M d D H h m s", "2024 2 3 34 10 10 45 11"),
            ("MMM MMMM E EEEE a", "Feb February Sat Saturday AM"),
            ("S SS SSS SSSSSS", "1 12 123 123456"),
            ("yyyy'T'HH 'o''clock'", "2024T10 o'clock"),
        ];
        for (pattern, expected) in cases {
            let text = SparkPattern::new(pattern).unwrap().format(at("2024-02-03 10:45:11.123456"), &utc);
            assert_eq!(text.unwrap(), expected, "{pattern}");
        }
    }

    #[test]
    fn formats_zones_as_spark_does() {
        let la: Tz = "America/Los_Angeles".parse().unwrap();
        let text = SparkPattern::new("X XX XXX x Z ZZZZ ZZZZZ O VV").unwrap().format(at("2024-02-03 02:45:11"), &la);
        assert_eq!(text.unwrap(), "-08 -0800 -08:00 -08 -0800 GMT-08:00 -08:00 GMT-8 America/Los_Angeles");
        let utc: Tz = "UTC".parse().unwrap();
        let text =
            SparkPattern::new("X XXX x xxx Z ZZZZ ZZZZZ O z VV").unwrap().format(at("2024-02-03 02:45:11"), &utc);
        assert_eq!(text.unwrap(), "Z Z +00 +00:00 +0000 GMT Z GMT UTC UTC");
    }

    #[test]
    fn parses_with_sparks_defaults() {
        let pattern = SparkPattern::new("dd/MM/yyyy HH:mm").unwrap();
        assert_eq!(pattern.parse_ok("03/02/2024 10:45"), Some((at("2024-02-03 10:45:00"), None)));
        assert_eq!(pattern.parse_ok("2024-02-03"), None);
        assert_eq!(SparkPattern::new("HH:mm").unwrap().parse_ok("10:45"), Some((at("1970-01-01 10:45:00"), None)));
        let zoned = SparkPattern::new("yyyy-MM-dd HH:mm:ssXXX").unwrap();
        assert_eq!(zoned.parse_ok("2024-02-03 10:45:11+01:00"), Some((at("2024-02-03 10:45:11"), Some(3600))));
        let named = SparkPattern::new("MMM d yyyy h:mm a").unwrap();
        assert_eq!(named.parse_ok("Feb 3 2024 3:04 PM"), Some((at("2024-02-03 15:04:00"), None)));
        let fraction = SparkPattern::new("yyyy-MM-dd HH:mm:ss.SSS").unwrap();
        assert_eq!(fraction.parse_ok("2024-02-03 10:45:11.123"), Some((at("2024-02-03 10:45:11.123"), None)));
    }

    #[test]
    fn refuses_letters_by_name() {
        let error = SparkPattern::new("yyyy Q").unwrap_err().to_string();
        assert!(error.contains("'Q'"), "{error}");
        let error = SparkPattern::new("YYYY").unwrap_err().to_string();
        assert!(error.contains("DATETIME_PATTERN_RECOGNITION"), "{error}");
    }
}
