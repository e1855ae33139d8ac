//! Field rules shared by `build` (CSV columns), `check` and `respond`
//! (Question XML elements): one parser per field, each returning the
//! canonical value or the message that says what is wrong and what would
//! be right. Card numbers are masked in every message.

use crate::codes::{self, Currency, Kind, OpType};

/// A Paybox operation field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Question,
    Type,
    Currency,
    Amount,
    Reference,
    Date,
    Activity,
    Pan,
    Expiry,
    Cvv,
    CallId,
    TransactionId,
    Subscriber,
    Authorization,
    Site,
    Rank,
}

impl Field {
    pub const ALL: [Field; 16] = [
        Field::Question,
        Field::Type,
        Field::Currency,
        Field::Amount,
        Field::Reference,
        Field::Date,
        Field::Activity,
        Field::Pan,
        Field::Expiry,
        Field::Cvv,
        Field::CallId,
        Field::TransactionId,
        Field::Subscriber,
        Field::Authorization,
        Field::Site,
        Field::Rank,
    ];

    /// The Paybox Direct name (CSV column).
    pub fn direct(self) -> &'static str {
        match self {
            Field::Question => "NUMQUESTION",
            Field::Type => "TYPE",
            Field::Currency => "DEVISE",
            Field::Amount => "MONTANT",
            Field::Reference => "REFERENCE",
            Field::Date => "DATEQ",
            Field::Activity => "ACTIVITE",
            Field::Pan => "PORTEUR",
            Field::Expiry => "DATEVAL",
            Field::Cvv => "CVV",
            Field::CallId => "NUMAPPEL",
            Field::TransactionId => "NUMTRANS",
            Field::Subscriber => "REFABONNE",
            Field::Authorization => "AUTORISATION",
            Field::Site => "SITE",
            Field::Rank => "RANG",
        }
    }

    /// The readable name (CSV column).
    pub fn readable(self) -> &'static str {
        match self {
            Field::Question => "question",
            Field::Type => "type",
            Field::Currency => "currency",
            Field::Amount => "amount",
            Field::Reference => "reference",
            Field::Date => "date",
            Field::Activity => "activity",
            Field::Pan => "pan",
            Field::Expiry => "expiry",
            Field::Cvv => "cvv",
            Field::CallId => "call_id",
            Field::TransactionId => "transaction_id",
            Field::Subscriber => "subscriber",
            Field::Authorization => "authorization",
            Field::Site => "site",
            Field::Rank => "rank",
        }
    }

    /// The element (or attribute) of the Question XML.
    pub fn element(self) -> &'static str {
        match self {
            Field::Question => "Number",
            Field::Type => "Type",
            Field::Currency => "Currency",
            Field::Amount => "Amount",
            Field::Reference => "Reference",
            Field::Date => "Date",
            Field::Activity => "Activity",
            Field::Pan => "PAN",
            Field::Expiry => "Expiry",
            Field::Cvv => "CVV",
            Field::CallId => "CallId",
            Field::TransactionId => "TransactionId",
            Field::Subscriber => "Subscriber",
            Field::Authorization => "Authorization",
            Field::Site => "Site",
            Field::Rank => "Rank",
        }
    }

    /// The CSV column for a header name (Direct or readable, any case).
    pub fn from_column(name: &str) -> Option<Field> {
        let name = name.trim();
        Field::ALL.into_iter().find(|f| {
            f.direct().eq_ignore_ascii_case(name) || f.readable().eq_ignore_ascii_case(name)
        })
    }

    /// The Paybox response code the gateway gives when this field is wrong.
    pub fn error_code(self) -> &'static str {
        match self {
            Field::Question => "00005",
            Field::Type => "00009",
            Field::Currency => "00010",
            Field::Amount => "00011",
            Field::Reference => "00012",
            Field::Date => "00007",
            Field::Activity => "00026",
            Field::Pan | Field::Cvv => "00004",
            Field::Expiry => "00008",
            Field::CallId | Field::TransactionId => "00018",
            Field::Subscriber => "00017",
            Field::Authorization => "00014",
            Field::Site | Field::Rank => "00006",
        }
    }
}

/// The fields an operation type needs.
pub fn required(op: &OpType) -> &'static [Field] {
    use Field::*;
    match op.kind {
        Kind::Card => &[Amount, Currency, Reference, Pan, Expiry],
        Kind::FollowUp => &[Amount, Currency, Reference, CallId, TransactionId],
        Kind::Check | Kind::Inquiry => &[TransactionId],
        Kind::SubscriberCard => &[Amount, Currency, Reference, Subscriber, Pan, Expiry],
        Kind::SubscriberFollowUp => &[
            Amount,
            Currency,
            Reference,
            Subscriber,
            CallId,
            TransactionId,
        ],
        Kind::SubscriberDelete => &[Subscriber],
    }
}

/// A value quoted for a message: made safe (card numbers masked, control
/// characters escaped), long values shortened.
pub fn show(value: &str) -> String {
    paylot_cli::text::quote_cut(value, 40)
}

/// A card number masked as first 6 / last 4 (shorter values are masked
/// completely), quoted for a message.
pub fn mask(value: &str) -> String {
    show(&paylot_cli::card::mask_pan(value))
}

pub use paylot_cli::card::luhn_valid;

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn no_control(value: &str) -> Result<(), String> {
    if value.chars().any(char::is_control) {
        return Err(format!(
            "{} contains a control character (not allowed)",
            show(value)
        ));
    }
    Ok(())
}

/// Today as (year, month), for the expiry rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YearMonth {
    pub year: i32,
    pub month: u8,
}

/// How lenient the readers are: CSV input accepts names and decimal
/// amounts; XML input must already be canonical.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    pub allow_names: bool,
    pub decimal_amounts: bool,
    pub today: YearMonth,
}

pub fn parse_type(value: &str, allow_names: bool) -> Result<&'static OpType, String> {
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
        if allow_names {
            format!(
                "{} is not an operation type (expected a code such as 00003 or a name such as authorize_capture)",
                show(value)
            )
        } else {
            format!("{} is not an operation type (expected a 5-digit code such as 00003)", show(value))
        }
    })
}

pub fn parse_currency(value: &str, allow_alpha: bool) -> Result<&'static Currency, String> {
    let found = if all_digits(value) {
        codes::currency_by_numeric(value)
    } else if allow_alpha && value.len() == 3 {
        codes::currency_by_alpha(value)
    } else {
        None
    };
    found.ok_or_else(|| {
        if allow_alpha {
            format!(
                "{} is not a known ISO 4217 currency (expected e.g. 978 or EUR)",
                show(value)
            )
        } else {
            format!(
                "{} is not a known ISO 4217 numeric currency (expected e.g. 978)",
                show(value)
            )
        }
    })
}

/// An amount in minor units: up to 10 digits.
pub fn parse_amount(value: &str) -> Result<u64, String> {
    if !all_digits(value) {
        return Err(format!(
            "{} is not an amount in cents (expected digits, e.g. 1250)",
            show(value)
        ));
    }
    if value.len() > 10 {
        return Err(format!("{} is too long (at most 10 digits)", show(value)));
    }
    value
        .parse()
        .map_err(|_| format!("{} is not an amount", show(value)))
}

/// A decimal amount (`12.50` or `12,50`) converted to minor units with the
/// currency's exponent.
pub fn parse_decimal_amount(value: &str, currency: &Currency) -> Result<u64, String> {
    let bad = || {
        format!(
            "{} is not an amount (expected e.g. {} {})",
            show(value),
            match currency.exponent {
                0 => "1250".to_string(),
                n => format!("12.5{}", "0".repeat(n as usize - 1)),
            },
            currency.alpha
        )
    };
    let (int, frac) = match value.find(['.', ',']) {
        Some(at) => (&value[..at], &value[at + 1..]),
        None => (value, ""),
    };
    if !all_digits(int) || !(frac.is_empty() || all_digits(frac)) {
        return Err(bad());
    }
    if value.ends_with(['.', ',']) {
        return Err(bad());
    }
    if frac.len() > currency.exponent as usize {
        return Err(format!(
            "{} has more decimals than {} allows (at most {})",
            show(value),
            currency.alpha,
            currency.exponent
        ));
    }
    let minor = format!(
        "{}{}{}",
        int.trim_start_matches('0'),
        frac,
        "0".repeat(currency.exponent as usize - frac.len())
    );
    let minor = if minor.trim_start_matches('0').is_empty() {
        "0".to_string()
    } else {
        minor
    };
    let digits = minor.trim_start_matches('0');
    if digits.len() > 10 {
        return Err(format!(
            "{} is too large (at most 10 digits in minor units)",
            show(value)
        ));
    }
    minor.parse().map_err(|_| bad())
}

pub fn parse_text(value: &str, max: usize) -> Result<String, String> {
    no_control(value)?;
    let n = value.chars().count();
    if n > max {
        return Err(format!(
            "{} is {n} characters long (at most {max})",
            show(value)
        ));
    }
    Ok(value.to_string())
}

/// A card number: 12 to 19 digits (spaces ignored), Luhn-valid.
pub fn parse_pan(value: &str) -> Result<String, String> {
    let digits: String = value.chars().filter(|c| *c != ' ').collect();
    if !all_digits(&digits) || !(12..=19).contains(&digits.len()) {
        return Err(format!(
            "{} is not a card number (expected 12 to 19 digits)",
            mask(value)
        ));
    }
    if !luhn_valid(&digits) {
        return Err(format!(
            "{} fails the Luhn check (mistyped card number?)",
            mask(&digits)
        ));
    }
    Ok(digits)
}

/// A stored-card token (PaymentHandle): up to 250 characters.
pub fn parse_token(value: &str) -> Result<String, String> {
    if value.chars().any(char::is_control) {
        return Err(format!(
            "{} contains a control character (not allowed)",
            mask(value)
        ));
    }
    let n = value.chars().count();
    if n > 250 {
        return Err(format!("the token is {n} characters long (at most 250)"));
    }
    Ok(value.to_string())
}

/// An expiry `MMYY` (or `MM/YY`), not before `today`'s month.
pub fn parse_expiry(value: &str, today: YearMonth) -> Result<String, String> {
    let compact: String = value.chars().filter(|c| *c != '/').collect();
    let slash_ok = !value.contains('/') || (value.len() == 5 && value.as_bytes()[2] == b'/');
    let bad = || {
        format!(
            "{} is not an expiry date (expected MMYY, e.g. 0529)",
            show(value)
        )
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
        return Err(format!(
            "{} is in the past (the card expired at the end of {month:02}/{year})",
            show(value)
        ));
    }
    Ok(compact)
}

pub fn parse_cvv(value: &str) -> Result<String, String> {
    if !all_digits(value) || !(3..=4).contains(&value.len()) {
        return Err(
            "the value is not a card security code (expected 3 or 4 digits; value not shown)"
                .into(),
        );
    }
    Ok(value.to_string())
}

/// A Paybox call or transaction number: up to 10 digits, written padded.
pub fn parse_paybox_number(value: &str) -> Result<String, String> {
    if !all_digits(value) || value.len() > 10 {
        return Err(format!(
            "{} is not a Paybox number (expected up to 10 digits)",
            show(value)
        ));
    }
    Ok(format!("{value:0>10}"))
}

pub fn parse_activity(value: &str, allow_names: bool) -> Result<&'static str, String> {
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
        format!(
            "{} is not an activity (expected 020, 021, 022, 024 or 027{})",
            show(value),
            if allow_names {
                ", or unspecified, phone, mail, internet, recurring"
            } else {
                ""
            }
        )
    })
}

/// DATEQ: `DDMMYYYYHHMMSS`, a real date and time.
pub fn parse_dateq(value: &str) -> Result<String, String> {
    let bad = || {
        format!(
            "{} is not a date and time (expected DDMMYYYYHHMMSS, e.g. 22112026101500)",
            show(value)
        )
    };
    if value.len() != 14 || !all_digits(value) {
        return Err(bad());
    }
    let n = |a: usize, b: usize| value[a..b].parse::<u16>().unwrap_or(99);
    let (d, m, y, hh, mm, ss) = (n(0, 2), n(2, 4), n(4, 8), n(8, 10), n(10, 12), n(12, 14));
    let month = time::Month::try_from(m as u8).map_err(|_| bad())?;
    time::Date::from_calendar_date(i32::from(y), month, d as u8).map_err(|_| bad())?;
    if hh > 23 || mm > 59 || ss > 59 {
        return Err(bad());
    }
    Ok(value.to_string())
}

pub fn parse_question(value: &str) -> Result<u32, String> {
    let bad = || {
        format!(
            "{} is not a question number (expected 1 to 2147483647)",
            show(value)
        )
    };
    if !all_digits(value) || value.len() > 10 {
        return Err(bad());
    }
    match value.parse::<u64>() {
        Ok(n) if (1..=2_147_483_647).contains(&n) => Ok(n as u32),
        _ => Err(bad()),
    }
}

pub fn parse_authorization(value: &str) -> Result<String, String> {
    if value.is_empty() || value.len() > 10 || !value.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(format!(
            "{} is not an authorisation number (expected up to 10 letters or digits)",
            show(value)
        ));
    }
    Ok(value.to_string())
}

/// A site number: 7 digits.
pub fn parse_site(value: &str) -> Result<String, String> {
    if value.len() != 7 || !all_digits(value) {
        return Err(format!(
            "{} is not a site number (expected 7 digits, e.g. 1999888)",
            show(value)
        ));
    }
    Ok(value.to_string())
}

/// A rank: 1 to 3 digits, written with 3.
pub fn parse_rank(value: &str) -> Result<String, String> {
    if value.is_empty() || value.len() > 3 || !all_digits(value) {
        return Err(format!(
            "{} is not a rank (expected 3 digits, e.g. 032)",
            show(value)
        ));
    }
    Ok(format!("{value:0>3}"))
}

/// One operation, canonical: what the Question XML carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    pub number: u32,
    pub op: &'static OpType,
    pub amount: Option<u64>,
    pub currency: Option<&'static Currency>,
    pub reference: Option<String>,
    pub date: Option<String>,
    pub activity: Option<&'static str>,
    pub pan: Option<String>,
    pub expiry: Option<String>,
    pub cvv: Option<String>,
    pub call_id: Option<String>,
    pub transaction_id: Option<String>,
    pub subscriber: Option<String>,
    pub authorization: Option<String>,
    pub site: Option<String>,
    pub rank: Option<String>,
}

/// What is wrong with one field of an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: Field,
    pub message: String,
}

/// Read and check one operation. `get` gives the raw value of a field
/// (None or empty when absent). `number` is used when the operation
/// carries no question number. Every problem is returned, in field order.
pub fn parse_operation<'a>(
    get: impl Fn(Field) -> Option<&'a str>,
    number: Option<u32>,
    rules: &Rules,
) -> Result<Operation, Vec<Problem>> {
    let mut problems = Vec::new();
    let val = |f: Field| get(f).filter(|v| !v.is_empty());
    macro_rules! check {
        ($field:expr, $parse:expr) => {
            match val($field) {
                None => None,
                Some(v) => match $parse(v) {
                    Ok(x) => Some(x),
                    Err(message) => {
                        problems.push(Problem {
                            field: $field,
                            message,
                        });
                        None
                    }
                },
            }
        };
    }
    let question = check!(Field::Question, parse_question);
    let number = match (question, val(Field::Question), number) {
        (Some(q), _, _) => Some(q),
        (None, Some(_), _) => None,
        (None, None, Some(n)) => Some(n),
        (None, None, None) => {
            problems.push(Problem {
                field: Field::Question,
                message: "missing (every question needs a number)".into(),
            });
            None
        }
    };
    let op = match val(Field::Type) {
        None => {
            problems.push(Problem {
                field: Field::Type,
                message: "missing (every operation needs a type)".into(),
            });
            None
        }
        Some(v) => match parse_type(v, rules.allow_names) {
            Ok(op) => Some(op),
            Err(message) => {
                problems.push(Problem {
                    field: Field::Type,
                    message,
                });
                None
            }
        },
    };
    let currency = check!(Field::Currency, |v| parse_currency(v, rules.allow_names));
    let amount = match (val(Field::Amount), currency, rules.decimal_amounts) {
        (None, _, _) => None,
        (Some(v), Some(c), true) => match parse_decimal_amount(v, c) {
            Ok(a) => Some(a),
            Err(message) => {
                problems.push(Problem {
                    field: Field::Amount,
                    message,
                });
                None
            }
        },
        // Without a good currency a decimal amount cannot be converted:
        // the currency's own problem is reported.
        (Some(_), None, true) => None,
        (Some(v), _, false) => match parse_amount(v) {
            Ok(a) => Some(a),
            Err(mut message) => {
                if rules.allow_names && !rules.decimal_amounts && v.contains(['.', ',']) {
                    message.push_str("; use --decimal-amounts to read 12.50 as 1250");
                }
                problems.push(Problem {
                    field: Field::Amount,
                    message,
                });
                None
            }
        },
    };
    let reference = check!(Field::Reference, |v| parse_text(v, 250));
    let date = check!(Field::Date, parse_dateq);
    let activity = check!(Field::Activity, |v| parse_activity(v, rules.allow_names));
    let token = op.map(|o| o.token).unwrap_or(false);
    let pan = check!(Field::Pan, |v| if token {
        parse_token(v)
    } else {
        parse_pan(v)
    });
    let expiry = check!(Field::Expiry, |v| parse_expiry(v, rules.today));
    let cvv = check!(Field::Cvv, parse_cvv);
    let call_id = check!(Field::CallId, parse_paybox_number);
    let transaction_id = check!(Field::TransactionId, parse_paybox_number);
    let subscriber = check!(Field::Subscriber, |v| parse_text(v, 250));
    let authorization = check!(Field::Authorization, parse_authorization);
    let site = check!(Field::Site, parse_site);
    let rank = check!(Field::Rank, parse_rank);

    if let Some(op) = op {
        for &field in required(op) {
            if val(field).is_none() {
                problems.push(Problem {
                    field,
                    message: format!("missing (a {} ({}) needs it)", op.name, op.code),
                });
            }
        }
    }
    problems.sort_by_key(|p| p.field as usize);
    match (problems.is_empty(), number, op) {
        (true, Some(number), Some(op)) => Ok(Operation {
            number,
            op,
            amount,
            currency,
            reference,
            date,
            activity,
            pan,
            expiry,
            cvv,
            call_id,
            transaction_id,
            subscriber,
            authorization,
            site,
            rank,
        }),
        _ => Err(problems),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: YearMonth = YearMonth {
        year: 2026,
        month: 11,
    };

    #[test]
    fn luhn() {
        assert!(luhn_valid("4111111111111111"));
        assert!(luhn_valid("1111222233334444"));
        assert!(!luhn_valid("1111222233334445"));
        assert!(!luhn_valid(""));
    }

    #[test]
    fn masking_keeps_first_six_and_last_four() {
        assert_eq!(mask("1111222233334444"), "\"111122******4444\"");
        assert_eq!(mask("12345"), "\"*****\"");
    }

    #[test]
    fn decimal_amounts_use_the_exponent() {
        let eur = codes::currency_by_alpha("EUR").unwrap();
        let jpy = codes::currency_by_alpha("JPY").unwrap();
        let kwd = codes::currency_by_alpha("KWD").unwrap();
        assert_eq!(parse_decimal_amount("12.50", eur), Ok(1250));
        assert_eq!(parse_decimal_amount("12,5", eur), Ok(1250));
        assert_eq!(parse_decimal_amount("12", eur), Ok(1200));
        assert_eq!(parse_decimal_amount("0.07", eur), Ok(7));
        assert_eq!(parse_decimal_amount("1250", jpy), Ok(1250));
        assert_eq!(parse_decimal_amount("1.234", kwd), Ok(1234));
        assert_eq!(
            parse_decimal_amount("12.505", eur).unwrap_err(),
            "\"12.505\" has more decimals than EUR allows (at most 2)"
        );
        assert_eq!(
            parse_decimal_amount("12.5", jpy).unwrap_err(),
            "\"12.5\" has more decimals than JPY allows (at most 0)"
        );
        assert!(parse_decimal_amount("12.", eur).is_err());
        assert!(parse_decimal_amount(".5", eur).is_err());
        assert!(parse_decimal_amount("1.2.3", eur).is_err());
    }

    #[test]
    fn expiry_rules() {
        assert_eq!(parse_expiry("1126", TODAY), Ok("1126".into()));
        assert_eq!(parse_expiry("05/29", TODAY), Ok("0529".into()));
        assert_eq!(
            parse_expiry("1026", TODAY).unwrap_err(),
            "\"1026\" is in the past (the card expired at the end of 10/2026)"
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
    fn show_escapes_control_characters() {
        assert_eq!(show("a\u{1b}[31m"), "\"a\\u{1b}[31m\"");
        assert_eq!(show("4111111111111111"), "\"411111******1111\"");
    }
}
