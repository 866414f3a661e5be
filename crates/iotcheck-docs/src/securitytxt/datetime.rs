//! RFC 3339 §5.6 `date-time`, the syntax of the Expires field
//! (RFC 9116 §2.5.5).
//!
//! ```text
//! date-time = full-date "T" full-time        ; "T" and "Z" may be lower case (§5.6 note)
//! full-time = HH ":" MM ":" SS ["." 1*DIGIT] ("Z" / ("+" / "-") HH ":" MM)
//! ```
//!
//! The same note lets applications separate date and time with a space;
//! that is accepted and flagged ([`DateTime::space_separated`]) because
//! RFC 9116's grammar imports the strict rule.

use iotcheck_model::Date;

/// A parsed RFC 3339 date-time with its UTC offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTime {
    /// The local calendar date as written.
    pub date: Date,
    pub hour: u8,
    pub minute: u8,
    /// 0–60 (60 is a leap second).
    pub second: u8,
    /// Offset from UTC in minutes (`Z` is 0).
    pub offset_minutes: i16,
    /// Date and time were separated by a space instead of `T`.
    pub space_separated: bool,
}

/// Why a string is not an RFC 3339 date-time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an RFC 3339 date-time: {reason} at character {position}")]
pub struct DateTimeError {
    /// 0-based byte offset (the syntax is ASCII, so also the character
    /// offset up to the first non-ASCII character) where parsing stopped.
    pub position: usize,
    pub reason: &'static str,
}

impl DateTime {
    /// Parses `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`.
    pub fn parse(s: &str) -> Result<DateTime, DateTimeError> {
        let b = s.as_bytes();
        let err = |position, reason| DateTimeError { position, reason };
        let digits = |from: usize, n: usize| -> Result<u32, DateTimeError> {
            let mut v = 0u32;
            for i in from..from + n {
                match b.get(i) {
                    Some(c) if c.is_ascii_digit() => v = v * 10 + u32::from(c - b'0'),
                    _ => return Err(err(i, "expected a digit")),
                }
            }
            Ok(v)
        };
        let lit = |at: usize, want: &[u8], reason| match b.get(at) {
            Some(c) if want.contains(c) => Ok(*c),
            _ => Err(err(at, reason)),
        };
        let year = digits(0, 4)?;
        lit(4, b"-", "expected '-' after the year")?;
        let month = digits(5, 2)?;
        lit(7, b"-", "expected '-' after the month")?;
        let day = digits(8, 2)?;
        let sep = lit(10, b"Tt ", "expected 'T' between date and time")?;
        let hour = digits(11, 2)?;
        lit(13, b":", "expected ':' after the hour")?;
        let minute = digits(14, 2)?;
        lit(
            16,
            b":",
            "expected ':' after the minutes (seconds are required)",
        )?;
        let second = digits(17, 2)?;
        let mut i = 19;
        if b.get(i) == Some(&b'.') {
            i += 1;
            let start = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == start {
                return Err(err(i, "expected digits after '.'"));
            }
        }
        let offset_minutes = match b.get(i) {
            Some(b'Z' | b'z') => {
                i += 1;
                0
            }
            Some(&c @ (b'+' | b'-')) => {
                let oh = digits(i + 1, 2)?;
                lit(i + 3, b":", "expected ':' in the UTC offset")?;
                let om = digits(i + 4, 2)?;
                if oh > 23 || om > 59 {
                    return Err(err(i + 1, "UTC offset out of range"));
                }
                i += 6;
                let m = (oh * 60 + om) as i16;
                if c == b'-' { -m } else { m }
            }
            _ => return Err(err(i, "expected 'Z' or a UTC offset like +01:00")),
        };
        if i != b.len() {
            return Err(err(i, "unexpected text after the date-time"));
        }
        let date = format!("{year:04}-{month:02}-{day:02}")
            .parse::<Date>()
            .map_err(|_| err(5, "no such calendar date"))?;
        if hour > 23 {
            return Err(err(11, "hour out of range"));
        }
        if minute > 59 {
            return Err(err(14, "minute out of range"));
        }
        if second > 60 {
            return Err(err(17, "second out of range"));
        }
        Ok(DateTime {
            date,
            hour: hour as u8,
            minute: minute as u8,
            second: second as u8,
            offset_minutes,
            space_separated: sep == b' ',
        })
    }

    /// Seconds since 1970-01-01T00:00:00Z (leap seconds folded into the
    /// next minute).
    pub fn unix_seconds(&self) -> i64 {
        let days = days_from_civil(self.date);
        days * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
            - i64::from(self.offset_minutes) * 60
    }

    /// The calendar date of this instant in UTC.
    pub fn utc_date(&self) -> Date {
        Date::from_unix_days(self.unix_seconds().div_euclid(86_400))
    }
}

/// Days since 1970-01-01 of a civil date (H. Hinnant's algorithm, the
/// inverse of [`Date::from_unix_days`]).
pub(crate) fn days_from_civil(d: Date) -> i64 {
    let y = i64::from(d.year) - i64::from(d.month <= 2);
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(d.month);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(d.day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The same day a year later (29 February becomes 28 February).
pub(crate) fn one_year_after(d: Date) -> Date {
    let next = Date {
        year: d.year.saturating_add(1),
        ..d
    };
    if next.to_string().parse::<Date>().is_ok() {
        next
    } else {
        Date { day: 28, ..next }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn date(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn accepts_rfc3339_forms() {
        for ok in [
            "2030-04-12T23:20:50.52Z",
            "2023-12-31T18:37:07z",
            "2024-04-01T00:00:00.000Z",
            "2027-04-30T00:00:00Z",
            "2016-12-31T23:59:60Z",
            "1996-12-19T16:39:57-08:00",
        ] {
            assert!(DateTime::parse(ok).is_ok(), "{ok}");
        }
        let spaced = DateTime::parse("2023-06-07 13:08:19+00:00").unwrap();
        assert!(spaced.space_separated);
    }

    #[test]
    fn rejects_with_position() {
        let cases = [
            ("2024-05-01", 10),
            ("2024-05-01T10:00Z", 16),
            ("2024-02-30T00:00:00Z", 5),
            ("2024-05-01T00:00:00", 19),
            ("2024-05-01T00:00:00Z trailing", 20),
            ("2024-05-01T24:00:00Z", 11),
            ("2024-05-01T00:00:00+1:00", 21),
            ("Mon, 01 May 2024", 0),
            ("", 0),
        ];
        for (bad, pos) in cases {
            let e = DateTime::parse(bad).unwrap_err();
            assert_eq!(e.position, pos, "{bad}: {e}");
        }
    }

    #[test]
    fn offsets_move_the_utc_date() {
        let d = DateTime::parse("2024-05-01T01:00:00+02:00").unwrap();
        assert_eq!(d.utc_date(), date("2024-04-30"));
        let d = DateTime::parse("2024-04-30T23:00:00-02:00").unwrap();
        assert_eq!(d.utc_date(), date("2024-05-01"));
    }

    #[test]
    fn civil_days_invert_from_unix_days() {
        for days in [-800_000i64, -1, 0, 1, 11_016, 20_417, 2_932_896] {
            assert_eq!(days_from_civil(Date::from_unix_days(days)), days);
        }
    }

    #[test]
    fn one_year_after_clamps_leap_day() {
        assert_eq!(one_year_after(date("2024-02-29")), date("2025-02-28"));
        assert_eq!(one_year_after(date("2025-11-25")), date("2026-11-25"));
    }
}
