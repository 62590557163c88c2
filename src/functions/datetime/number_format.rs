//! Spark's number formats, for `to_char` / `to_varchar` of numbers and `to_number` /
//! `try_to_number`: `[MI|S] [$] [0|9|G|,]* [.|D] [0|9]* [$] [PR|MI|S]` (Spark's
//! `ToNumberParser`). A format has as many digits as its 0s and 9s, and as many after the point;
//! that is the `decimal(precision, scale)` `to_number` returns.

use datafusion::common::{Result, exec_err, plan_err};

/// Where the sign goes and how it shows.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Sign {
    /// `S`: `+` or `-`.
    PlusMinus,
    /// `MI`: `-` or a space.
    Minus,
    /// `PR`: a negative number in angle brackets.
    Brackets,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NumberFormat {
    text: String,
    leading_sign: Option<Sign>,
    trailing_sign: Option<Sign>,
    dollar: bool,
    /// The integer part: `0`, `9` and `,`.
    integer: Vec<char>,
    point: bool,
    fraction_digits: usize,
}

impl NumberFormat {
    pub(crate) fn new(text: &str) -> Result<Self> {
        let upper = text.to_ascii_uppercase();
        let mut rest = upper.as_str();
        let sign = |rest: &mut &str| {
            for (token, sign) in [("S", Sign::PlusMinus), ("MI", Sign::Minus), ("PR", Sign::Brackets)] {
                if let Some(after) = rest.strip_prefix(token) {
                    *rest = after;
                    return Some(sign);
                }
            }
            None
        };
        let leading_sign = sign(&mut rest).filter(|s| *s != Sign::Brackets);
        let mut dollar = false;
        if let Some(after) = rest.strip_prefix('$') {
            (dollar, rest) = (true, after);
        }
        let integer: Vec<char> = rest
            .chars()
            .take_while(|c| matches!(c, '0' | '9' | ',' | 'G'))
            .map(|c| if c == 'G' { ',' } else { c })
            .collect();
        rest = &rest[integer.len()..];
        let point = rest.starts_with(['.', 'D']);
        if point {
            rest = &rest[1..];
        }
        let fraction_digits = rest.chars().take_while(|c| matches!(c, '0' | '9')).count();
        rest = &rest[fraction_digits..];
        if !dollar && let Some(after) = rest.strip_prefix('$') {
            (dollar, rest) = (true, after);
        }
        let trailing_sign = if leading_sign.is_none() { sign(&mut rest) } else { None };
        if !upper.contains(['0', '9']) {
            return plan_err!(
                "[INVALID_FORMAT.WRONG_NUM_DIGIT] The format is invalid: '{upper}'. The format string requires at least one number digit. SQLSTATE: 42601"
            );
        }
        if rest.starts_with(['.', 'D']) {
            return plan_err!(
                "[INVALID_FORMAT.WRONG_NUM_TOKEN] The format is invalid: '{upper}'. At most one . or D is allowed in the number format. SQLSTATE: 42601"
            );
        }
        if !rest.is_empty() {
            return plan_err!(
                "[INVALID_FORMAT.UNEXPECTED_TOKEN] The format is invalid: '{upper}'. Found the unexpected '{rest}' in the format string; the structure of the format string must match: `[MI|S]` `[$]` `[0|9|G|,]*` `[.|D]` `[0|9]*` `[$]` `[PR|MI|S]`. SQLSTATE: 42601"
            );
        }
        Ok(Self { text: text.to_string(), leading_sign, trailing_sign, dollar, integer, point, fraction_digits })
    }

    /// The `decimal(precision, scale)` numbers of this format read as.
    pub(crate) fn decimal_type(&self) -> (u8, i8) {
        let integer_digits = self.integer.iter().filter(|c| **c != ',').count();
        ((integer_digits + self.fraction_digits).min(38) as u8, self.fraction_digits as i8)
    }

    fn sign(&self) -> Option<Sign> {
        self.leading_sign.or(self.trailing_sign)
    }

    /// `text` read with this format, as an unscaled decimal of [`Self::decimal_type`]; None when
    /// it does not match.
    pub(crate) fn parse(&self, text: &str) -> Option<i128> {
        let mut rest = text.trim();
        let mut negative = false;
        match self.sign() {
            Some(Sign::Brackets) => {
                if let Some(inner) = rest.strip_prefix('<').and_then(|r| r.strip_suffix('>')) {
                    (rest, negative) = (inner, true);
                }
            }
            Some(sign) => {
                let strip = |rest: &mut &str, c: char, leading: bool| {
                    let stripped = if leading { rest.strip_prefix(c) } else { rest.strip_suffix(c) };
                    stripped.map(|r| *rest = r).is_some()
                };
                let leading = self.leading_sign.is_some();
                negative = strip(&mut rest, '-', leading);
                if !negative && sign == Sign::PlusMinus {
                    strip(&mut rest, '+', leading);
                }
            }
            None => {}
        }
        if self.dollar {
            rest = rest.strip_prefix('$').or_else(|| rest.strip_suffix('$'))?;
        }
        let (integer, fraction) = match rest.split_once('.') {
            Some(_) if !self.point => return None,
            Some((integer, fraction)) => (integer, fraction),
            None => (rest, ""),
        };
        let grouped = self.integer.contains(&',');
        if !integer.chars().all(|c| c.is_ascii_digit() || (grouped && c == ',')) || integer.starts_with(',') {
            return None;
        }
        let integer_digits: String = integer.chars().filter(char::is_ascii_digit).collect();
        let allowed = self.integer.iter().filter(|c| **c != ',').count();
        let exact = self.integer.first() == Some(&'0');
        if integer_digits.len() > allowed || (exact && integer_digits.len() != allowed) {
            return None;
        }
        // A grouped format wants its separators: `1234` does not match `9,999`.
        if grouped
            && integer_digits.len() > self.integer.iter().rev().take_while(|c| **c != ',').count()
            && !integer.contains(',')
        {
            return None;
        }
        if !fraction.chars().all(|c| c.is_ascii_digit()) || fraction.len() > self.fraction_digits {
            return None;
        }
        let digits = format!("{integer_digits}{fraction:0<width$}", width = self.fraction_digits);
        let value: i128 = if digits.is_empty() { 0 } else { digits.parse().ok()? };
        Some(if negative { -value } else { value })
    }

    /// `value`, a plain decimal text (`-1234.5`), with this format.
    pub(crate) fn format(&self, value: &str) -> String {
        let (negative, magnitude) = match value.strip_prefix('-') {
            Some(magnitude) => (true, magnitude),
            None => (false, value),
        };
        let (integer, fraction) = magnitude.split_once('.').unwrap_or((magnitude, ""));
        let fraction = fraction.trim_end_matches('0');
        let integer = integer.trim_start_matches('0');
        let positions = self.integer.iter().filter(|c| **c != ',').count();
        // Zero before the point shows as 0 when a fraction follows, as in Spark.
        let integer = if integer.is_empty() && self.point && positions > 0 { "0" } else { integer };
        let mut body = String::new();
        if integer.len() > positions || fraction.len() > self.fraction_digits {
            // Too wide: every digit is '#'.
            body.extend(self.integer.iter().map(|c| if *c == ',' { ' ' } else { '#' }));
            if self.point {
                body.push('.');
                body.extend(std::iter::repeat_n('#', self.fraction_digits));
            }
        } else {
            let pad = if self.integer.first() == Some(&'0') { '0' } else { ' ' };
            let mut digits = integer.chars().rev();
            let mut remaining = integer.len();
            let mut out: Vec<char> = Vec::new();
            for c in self.integer.iter().rev() {
                if *c == ',' {
                    out.push(if remaining > 0 || pad == '0' { ',' } else { ' ' });
                } else {
                    out.push(digits.next().unwrap_or(pad));
                    remaining = remaining.saturating_sub(1);
                }
            }
            body.extend(out.into_iter().rev());
            if self.point {
                body.push('.');
                body.push_str(&format!("{fraction:0<width$}", width = self.fraction_digits));
            }
        }
        let sign_text = |sign: Sign| match (sign, negative) {
            (Sign::PlusMinus, false) => "+",
            (Sign::PlusMinus | Sign::Minus, true) => "-",
            (Sign::Minus, false) => " ",
            (Sign::Brackets, true) => "<",
            (Sign::Brackets, false) => "",
        };
        let mut out = String::new();
        match self.leading_sign {
            // A sign right before the digits floats to the first digit.
            Some(sign) if !self.dollar => {
                let start = body.find(|c: char| c != ' ').unwrap_or(body.len());
                body.insert_str(start, sign_text(sign));
            }
            Some(sign) => out.push_str(sign_text(sign)),
            None => {}
        }
        if self.dollar {
            out.push('$');
        }
        if self.trailing_sign == Some(Sign::Brackets) {
            let start = body.find(|c: char| c != ' ').unwrap_or(body.len());
            body.insert_str(start, sign_text(Sign::Brackets));
        }
        out.push_str(&body);
        match self.trailing_sign {
            Some(Sign::Brackets) => out.push_str(if negative { ">" } else { "  " }),
            Some(sign) => out.push_str(sign_text(sign)),
            None => {}
        }
        out
    }

    /// Spark's error for text this format does not read.
    pub(crate) fn mismatch<T>(&self, text: &str) -> Result<T> {
        exec_err!(
            "[INVALID_FORMAT.MISMATCH_INPUT] The format is invalid: {}. The input \"STRING\" {text} does not match the format. SQLSTATE: 42601",
            self.text
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_as_spark_does() {
        // Spark 4.3: to_char(value, format).
        let cases = [
            ("78.12", "$99.99", "$78.12"),
            ("12454.8", "99,999.9", "12,454.8"),
            ("-12454.8", "99G999D9S", "12,454.8-"),
            ("12", "000D00", "012.00"),
            ("454", "999", "454"),
            ("1234", "999", "###"),
            ("12.1", "99.99", "12.10"),
            ("5", "999", "  5"),
            ("454", "99,999", "   454"),
            ("-5", "S999", "  -5"),
            ("5", "S999", "  +5"),
            ("-5", "999MI", "  5-"),
            ("5", "999MI", "  5 "),
            ("-5", "999PR", "  <5>"),
            ("5", "999PR", "  5  "),
            ("1234.5", "$9,999.99", "$1,234.50"),
            ("5", "0000", "0005"),
            ("5.555", "9.99", "#.##"),
            ("0.5", "9.9", "0.5"),
            ("-1234.5", "9,999.99", "1,234.50"),
            ("12345.5", "9,999.99", "# ###.##"),
            ("5", "9,999", "    5"),
            ("0", "9.9", "0.0"),
            ("1000", "9G999", "1,000"),
            ("-5", "MI999", "  -5"),
            ("5", "MI999", "   5"),
            ("-5", "S$999", "-$  5"),
            ("0.05", "99.99", " 0.05"),
            ("5", "$99.99", "$ 5.00"),
        ];
        for (value, format, expected) in cases {
            assert_eq!(NumberFormat::new(format).unwrap().format(value), expected, "to_char({value}, {format})");
        }
    }

    #[test]
    fn parses_as_spark_does() {
        // Spark 4.3: to_number(text, format), as unscaled decimals; None where Spark raises
        // INVALID_FORMAT.MISMATCH_INPUT.
        let cases = [
            ("$78.12", "$99.99", Some(7812)),
            ("454", "999", Some(454)),
            ("-454", "S999", Some(-454)),
            ("12,454.8", "99,999.9", Some(124548)),
            ("5", "999", Some(5)),
            ("00454", "00000", Some(454)),
            ("454", "00000", None),
            ("1234", "999", None),
            ("12.345", "99.99", None),
            ("1,23", "9,999", Some(123)),
            ("<5>", "999PR", Some(-5)),
            ("5-", "999MI", Some(-5)),
            ("+5", "S999", Some(5)),
            ("1234.5", "9999.99", Some(123450)),
            ("77", "$99.99", None),
            ("-5", "999", None),
            ("5.", "9.99", Some(500)),
            (".5", "9.99", Some(50)),
            ("1234", "9,999", None),
            (" 5", "99", Some(5)),
        ];
        for (text, format, expected) in cases {
            assert_eq!(NumberFormat::new(format).unwrap().parse(text), expected, "to_number({text}, {format})");
        }
        assert_eq!(NumberFormat::new("$99.99").unwrap().decimal_type(), (4, 2));
    }

    #[test]
    fn refuses_malformed_formats() {
        assert!(NumberFormat::new("abc").unwrap_err().to_string().contains("WRONG_NUM_DIGIT"));
        assert!(NumberFormat::new("9.9.9").unwrap_err().to_string().contains("WRONG_NUM_TOKEN"));
        assert!(NumberFormat::new("$S999").unwrap_err().to_string().contains("UNEXPECTED_TOKEN"));
    }
}
