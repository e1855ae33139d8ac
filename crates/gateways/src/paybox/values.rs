//! One parser per Paybox field value: the canonical value, or what is
//! wrong with it and what would be right (card numbers masked).

use super::codes::{self, OpType};
use crate::invalid::{all_digits, show, Invalid};

/// A card number masked as first 6 / last 4 (shorter values are masked
/// completely), quoted for a message.
pub fn mask(value: &str) -> String {
    show(&paylot_cli::card::mask_pan(value))
}

use paylot_cli::card::luhn_valid;

fn no_control(value: &str) -> Result<(), Invalid> {
    // Printable ASCII, what nearly every value is, is told byte by byte.
    let printable = value.bytes().all(|b| (0x20..0x7f).contains(&b));
    if !printable && value.chars().any(char::is_control) {
        return Err(Invalid(format!(
            "{} contains a control character (not allowed)",
            show(value)
        )));
    }
    Ok(())
}

/// Today as (year, month), for the expiry rule: the calendar's.
pub use crate::calendar::YearMonth;

/// How lenient the readers are: CSV input accepts names and decimal
/// amounts; XML input must already be canonical.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    pub allow_names: bool,
    pub decimal_amounts: bool,
    pub today: YearMonth,
}

pub fn parse_type(value: &str, allow_names: bool) -> Result<&'static OpType, Invalid> {
    let found = if all_digits(value) {
        if allow_names || value.len() == 5 {
            codes::op_by_code(value)
        } else {
            None
        }
    } else if allow_names {
        codes::op_by_name(value)
    } else {
        None
    };
    found.ok_or_else(|| {
        Invalid(if allow_names {
            format!(
                "{} is not an operation type (expected a code such as 00003 or a name such as authorize_capture)",
                show(value)
            )
        } else {
            format!("{} is not an operation type (expected a 5-digit code such as 00003)", show(value))
        })
    })
}

pub fn parse_text(value: &str, max: usize) -> Result<String, Invalid> {
    no_control(value)?;
    let n = value.chars().count();
    if n > max {
        return Err(Invalid(format!(
            "{} is {n} characters long (at most {max})",
            show(value)
        )));
    }
    Ok(value.to_string())
}

/// A card number: 12 to 19 digits (spaces ignored), Luhn-valid.
pub fn parse_pan(value: &str) -> Result<String, Invalid> {
    let digits: String = if value.contains(' ') {
        value.chars().filter(|c| *c != ' ').collect()
    } else {
        value.to_string()
    };
    if !all_digits(&digits) || !(12..=19).contains(&digits.len()) {
        return Err(Invalid(format!(
            "{} is not a card number (expected 12 to 19 digits)",
            mask(value)
        )));
    }
    if !luhn_valid(&digits) {
        return Err(Invalid(format!(
            "{} fails the Luhn check (mistyped card number?)",
            mask(&digits)
        )));
    }
    Ok(digits)
}

/// A stored-card token (PaymentHandle): up to 250 characters.
pub fn parse_token(value: &str) -> Result<String, Invalid> {
    if value.chars().any(char::is_control) {
        return Err(Invalid(format!(
            "{} contains a control character (not allowed)",
            mask(value)
        )));
    }
    let n = value.chars().count();
    if n > 250 {
        return Err(Invalid(format!(
            "the token is {n} characters long (at most 250)"
        )));
    }
    Ok(value.to_string())
}

/// An expiry `MMYY` (or `MM/YY`), not before `today`'s month.
pub fn parse_expiry(value: &str, today: YearMonth) -> Result<String, Invalid> {
    let compact: String = if value.contains('/') {
        value.chars().filter(|c| *c != '/').collect()
    } else {
        value.to_string()
    };
    let slash_ok = !value.contains('/') || (value.len() == 5 && value.as_bytes()[2] == b'/');
    // Three or four digits may be a security code in the wrong column
    // (cvv and expiry swapped in a header): such a value is described,
    // never shown.
    // (Described only when wrong: a good expiry costs no message.)
    let bad = || {
        let shown = if (3..=4).contains(&value.len()) && all_digits(value) {
            format!(
                "the value ({} digits, not shown: it may be a security code in the wrong column)",
                value.len()
            )
        } else {
            show(value)
        };
        Invalid(format!(
            "{shown} is not an expiry date (expected MMYY, e.g. 0529)"
        ))
    };
    if !slash_ok || compact.len() != 4 || !all_digits(&compact) {
        return Err(bad());
    }
    let month: u8 = compact[..2].parse().map_err(|_| bad())?;
    let year: i32 = 2000 + compact[2..].parse::<i32>().map_err(|_| bad())?;
    if !(1..=12).contains(&month) {
        return Err(bad());
    }
    if (year, month) < (today.year, today.month) {
        return Err(Invalid(
            "the expiry date is in the past: the card has expired (value not shown: it may be a security code in the wrong column)".into(),
        ));
    }
    Ok(compact)
}

pub fn parse_cvv(value: &str) -> Result<String, Invalid> {
    if !all_digits(value) || !(3..=4).contains(&value.len()) {
        return Err(Invalid(
            "the value is not a card security code (expected 3 or 4 digits; value not shown)"
                .into(),
        ));
    }
    Ok(value.to_string())
}

/// A Paybox call or transaction number: up to 10 digits, written padded.
pub fn parse_paybox_number(value: &str) -> Result<String, Invalid> {
    if !all_digits(value) || value.len() > 10 {
        return Err(Invalid(format!(
            "{} is not a Paybox number (expected up to 10 digits)",
            show(value)
        )));
    }
    Ok(format!("{value:0>10}"))
}

pub fn parse_activity(value: &str, allow_names: bool) -> Result<&'static str, Invalid> {
    const ACTIVITIES: [(&str, &str); 5] = [
        ("020", "unspecified"),
        ("021", "phone"),
        ("022", "mail"),
        ("024", "internet"),
        ("027", "recurring"),
    ];
    let found = if all_digits(value) && value.len() <= 3 {
        let padded = format!("{value:0>3}");
        ACTIVITIES.iter().find(|(c, _)| *c == padded)
    } else if allow_names {
        ACTIVITIES
            .iter()
            .find(|(_, n)| n.eq_ignore_ascii_case(value))
    } else {
        None
    };
    found.map(|(c, _)| *c).ok_or_else(|| {
        Invalid(format!(
            "{} is not an activity (expected 020, 021, 022, 024 or 027{})",
            show(value),
            if allow_names {
                ", or unspecified, phone, mail, internet, recurring"
            } else {
                ""
            }
        ))
    })
}

/// DATEQ: `DDMMYYYYHHMMSS`, a real date and time.
pub fn parse_dateq(value: &str) -> Result<String, Invalid> {
    if !crate::calendar::is_ddmmyyyyhhmmss(value) {
        return Err(Invalid(format!(
            "{} is not a date and time (expected DDMMYYYYHHMMSS, e.g. 22112026101500)",
            show(value)
        )));
    }
    Ok(value.to_string())
}

pub fn parse_question(value: &str) -> Result<u32, Invalid> {
    let bad = || {
        Invalid(format!(
            "{} is not a question number (expected 1 to {})",
            show(value),
            super::MAX_NUMBER
        ))
    };
    if !all_digits(value) || value.len() > 10 {
        return Err(bad());
    }
    match value.parse::<u64>() {
        Ok(n) if (1..=super::MAX_NUMBER).contains(&n) => Ok(n as u32),
        _ => Err(bad()),
    }
}

pub fn parse_authorization(value: &str) -> Result<String, Invalid> {
    if value.is_empty() || value.len() > 10 || !value.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(Invalid(format!(
            "{} is not an authorisation number (expected up to 10 letters or digits)",
            show(value)
        )));
    }
    Ok(value.to_string())
}

/// A Question's BatchNumber: 1 to [`super::MAX_NUMBER`], digits only.
pub fn parse_batch(value: &str) -> Result<u64, Invalid> {
    match value.parse::<u64>() {
        Ok(b) if all_digits(value) && (1..=super::MAX_NUMBER).contains(&b) => Ok(b),
        _ => Err(Invalid(format!(
            "{} is not a batch number (expected 1 to {})",
            show(value),
            super::MAX_NUMBER
        ))),
    }
}

/// A site number: 7 digits.
pub fn parse_site(value: &str) -> Result<String, Invalid> {
    if value.len() != 7 || !all_digits(value) {
        return Err(Invalid(format!(
            "{} is not a site number (expected 7 digits, e.g. 1999888)",
            show(value)
        )));
    }
    Ok(value.to_string())
}

/// A rank (RANG) is 2 or 3 digits, written with 3: the official module
/// pads it to 3 (`%03d`, "CB55: rank on 3 positions") and the gateway's
/// own examples send both `32` and `032` (../shared/reference/paybox.md
/// §2.2, ../shared/spec/batch-formats.md). Said once, here: the options'
/// `--help` and every message say it in these words.
pub const RANK_RULE: &str = "2 or 3 digits, written with 3";

/// What `--rank` is, for `--help`.
pub fn rank_option_help() -> String {
    format!("Paybox rank: {RANK_RULE} (32 → 032)")
}

/// `--site N` / `--rank N`: the Paybox shop (SITE, RANG) a command
/// works for, as every tool takes it (xmlbatch build, dropwatch name):
/// one group, flattened where it is asked for, each value checked there
/// by [`parse_site`] and [`parse_rank`].
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ShopArgs {
    /// Paybox site number (7 digits)
    #[arg(long, value_name = "N")]
    pub site: Option<String>,
    #[arg(long, value_name = "N", help = rank_option_help())]
    pub rank: Option<String>,
}

impl ShopArgs {
    /// The options given, for a command they mean nothing to.
    pub fn given(&self) -> impl Iterator<Item = &'static str> + '_ {
        [
            (self.site.is_some(), "--site"),
            (self.rank.is_some(), "--rank"),
        ]
        .into_iter()
        .filter(|(given, _)| *given)
        .map(|(_, option)| option)
    }
}

/// A rank as a person or a Direct request gives it ([`RANK_RULE`]),
/// written with its 3 digits.
pub fn parse_rank(value: &str) -> Result<String, Invalid> {
    if !(2..=3).contains(&value.len()) || !all_digits(value) {
        return Err(Invalid(format!(
            "{} is not a rank (expected {RANK_RULE}: e.g. 32 or 032)",
            show(value)
        )));
    }
    Ok(format!("{value:0>3}"))
}

/// A rank as a Question file writes it (`Merchant/@Rank`): its 3 digits.
pub fn parse_written_rank(value: &str) -> Result<String, Invalid> {
    if value.len() != 3 || !all_digits(value) {
        return Err(Invalid(format!(
            "{} is not a rank (expected 3 digits, e.g. 032)",
            show(value)
        )));
    }
    Ok(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paybox::MAX_NUMBER;

    const TODAY: YearMonth = YearMonth {
        year: 2026,
        month: 11,
    };

    #[test]
    fn masking_keeps_first_six_and_last_four() {
        assert_eq!(mask("1111222233334444"), "\"111122******4444\"");
        assert_eq!(mask("12345"), "\"*****\"");
    }

    #[test]
    fn expiry_rules() {
        assert_eq!(parse_expiry("1126", TODAY), Ok("1126".into()));
        assert_eq!(parse_expiry("05/29", TODAY), Ok("0529".into()));
        assert_eq!(
            parse_expiry("1026", TODAY).unwrap_err().message(),
            "the expiry date is in the past: the card has expired (value not shown: it may be a security code in the wrong column)"
        );
        assert!(parse_expiry("1329", TODAY).is_err());
        assert!(parse_expiry("0029", TODAY).is_err());
        assert!(parse_expiry("5/29", TODAY).is_err());
    }

    #[test]
    fn dateq_rules() {
        assert!(parse_dateq("22112026101500").is_ok());
        assert!(parse_dateq("31022026101500").is_err());
        assert!(parse_dateq("22112026241500").is_err());
    }

    #[test]
    fn card_numbers_cvvs_sites_and_ranks() {
        assert_eq!(
            parse_pan("1111 2222 3333 4444"),
            Ok("1111222233334444".into())
        );
        let e = parse_pan("1111222233334445").unwrap_err();
        assert!(
            e.message().contains("Luhn") && !e.message().contains("33334445"),
            "{e}"
        );
        assert!(parse_cvv("12a")
            .unwrap_err()
            .message()
            .contains("value not shown"));
        assert_eq!(parse_rank("32"), Ok("032".into()));
        assert_eq!(parse_rank("032"), Ok("032".into()));
        // A rank is 2 or 3 digits (RANK_RULE): not 1, not 4.
        for bad in ["", "1", "0321", "3a"] {
            let e = parse_rank(bad).unwrap_err();
            assert!(e.message().contains(RANK_RULE), "{bad}: {e}");
        }
        // In a Question file, its 3 digits.
        assert_eq!(parse_written_rank("032"), Ok("032".into()));
        assert!(parse_written_rank("32").is_err());
        assert_eq!(parse_question(&MAX_NUMBER.to_string()), Ok(i32::MAX as u32));
        assert!(parse_site("199988").is_err());
        assert_eq!(parse_question("0000000042"), Ok(42));
        assert!(parse_question("2147483648").is_err());
    }
}
