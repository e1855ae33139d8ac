//! ISO 4217 currencies, and amounts in their minor units: the same rules
//! for every gateway (Paybox DEVISE / MONTANT, Lyra currency / amount).

use crate::invalid::{all_digits, show, Invalid};

/// An ISO 4217 currency.
#[derive(Debug, PartialEq, Eq)]
pub struct Currency {
    pub alpha: &'static str,
    pub numeric: &'static str,
    /// Digits after the decimal point (EUR 2, JPY 0, KWD 3).
    pub exponent: u32,
}

const fn cur(alpha: &'static str, numeric: &'static str, exponent: u32) -> Currency {
    Currency {
        alpha,
        numeric,
        exponent,
    }
}

/// The currencies xmlbatch knows (those a French merchant meets).
pub static CURRENCIES: &[Currency] = &[
    cur("AED", "784", 2),
    cur("AUD", "036", 2),
    cur("BGN", "975", 2),
    cur("BHD", "048", 3),
    cur("BRL", "986", 2),
    cur("CAD", "124", 2),
    cur("CHF", "756", 2),
    cur("CLP", "152", 0),
    cur("CNY", "156", 2),
    cur("CZK", "203", 2),
    cur("DKK", "208", 2),
    cur("DZD", "012", 2),
    cur("EUR", "978", 2),
    cur("GBP", "826", 2),
    cur("HKD", "344", 2),
    cur("HUF", "348", 2),
    cur("IDR", "360", 2),
    cur("ILS", "376", 2),
    cur("INR", "356", 2),
    cur("IQD", "368", 3),
    cur("ISK", "352", 0),
    cur("JOD", "400", 3),
    cur("JPY", "392", 0),
    cur("KRW", "410", 0),
    cur("KWD", "414", 3),
    cur("LYD", "434", 3),
    cur("MAD", "504", 2),
    cur("MGA", "969", 2),
    cur("MUR", "480", 2),
    cur("MXN", "484", 2),
    cur("NOK", "578", 2),
    cur("NZD", "554", 2),
    cur("OMR", "512", 3),
    cur("PLN", "985", 2),
    cur("QAR", "634", 2),
    cur("RON", "946", 2),
    cur("SAR", "682", 2),
    cur("SEK", "752", 2),
    cur("SGD", "702", 2),
    cur("THB", "764", 2),
    cur("TND", "788", 3),
    cur("TRY", "949", 2),
    cur("TWD", "901", 2),
    cur("UAH", "980", 2),
    cur("USD", "840", 2),
    cur("VND", "704", 0),
    cur("XAF", "950", 0),
    cur("XOF", "952", 0),
    cur("XPF", "953", 0),
    cur("ZAR", "710", 2),
];

// Codes are compared as three bytes, not as strings: a lookup is made
// for every line of a batch.
pub fn currency_by_numeric(code: &str) -> Option<&'static Currency> {
    let code: [u8; 3] = code.as_bytes().try_into().ok()?;
    CURRENCIES
        .iter()
        .find(|c| c.numeric.as_bytes().first_chunk::<3>() == Some(&code))
}

pub fn currency_by_alpha(code: &str) -> Option<&'static Currency> {
    let code: [u8; 3] = code.as_bytes().try_into().ok()?;
    let code = code.map(|b| b.to_ascii_uppercase());
    CURRENCIES
        .iter()
        .find(|c| c.alpha.as_bytes().first_chunk::<3>() == Some(&code))
}

pub fn parse_currency(value: &str, allow_alpha: bool) -> Result<&'static Currency, Invalid> {
    let found = if all_digits(value) {
        currency_by_numeric(value)
    } else if allow_alpha && value.len() == 3 {
        currency_by_alpha(value)
    } else {
        None
    };
    found.ok_or_else(|| {
        Invalid(if allow_alpha {
            format!(
                "{} is not a known ISO 4217 currency (expected e.g. 978 or EUR)",
                show(value)
            )
        } else {
            format!(
                "{} is not a known ISO 4217 numeric currency (expected e.g. 978)",
                show(value)
            )
        })
    })
}

/// An amount in minor units: up to 10 digits.
pub fn parse_amount(value: &str) -> Result<u64, Invalid> {
    if !all_digits(value) {
        return Err(Invalid(format!(
            "{} is not an amount in cents (expected digits, e.g. 1250)",
            show(value)
        )));
    }
    if value.len() > 10 {
        return Err(Invalid(format!(
            "{} is too long (at most 10 digits)",
            show(value)
        )));
    }
    value
        .parse()
        .map_err(|_| Invalid(format!("{} is not an amount", show(value))))
}

/// A decimal amount (`12.50` or `12,50`) converted to minor units with the
/// currency's exponent.
pub fn parse_decimal_amount(value: &str, currency: &Currency) -> Result<u64, Invalid> {
    let example = match currency.exponent {
        0 => "1250".to_string(),
        n => format!("12.5{}", "0".repeat(n as usize - 1)),
    };
    let bad = || {
        // A spreadsheet's thousands separator: a space (plain, no-break or
        // narrow no-break), an apostrophe, or the first of '.' and ',' when
        // both are there (1.234,56 / 1,234.56).
        let thousands = value
            .chars()
            .find(|c| matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\''))
            .map(|c| match c {
                ' ' => "a space".to_string(),
                '\'' => "an apostrophe".to_string(),
                c => format!("a no-break space (U+{:04X})", c as u32),
            })
            .or_else(|| {
                (value.contains('.') && value.contains(','))
                    .then(|| value.chars().find(|c| matches!(c, '.' | ',')))
                    .flatten()
                    .map(|c| format!("'{c}'"))
            });
        Invalid(match thousands {
            Some(sep) => format!(
                "{} is not an amount: {sep} separates its thousands; write it without one, with \
                 '.' or ',' before the decimals only (e.g. {example} {})",
                show(value),
                currency.alpha
            ),
            None => format!(
                "{} is not an amount (expected e.g. {example} {})",
                show(value),
                currency.alpha
            ),
        })
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
        return Err(Invalid(format!(
            "{} has more decimals than {} allows (at most {})",
            show(value),
            currency.alpha,
            currency.exponent
        )));
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
        return Err(Invalid(format!(
            "{} is too large (at most 10 digits in minor units)",
            show(value)
        )));
    }
    minor.parse().map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thousands_separator_is_named() {
        let eur = currency_by_alpha("EUR").unwrap();
        for (value, sep) in [
            ("1 234,56", "a space"),
            ("1\u{a0}234,56", "no-break space (U+00A0)"),
            ("1\u{202f}234,56", "U+202F"),
            ("1'234.56", "an apostrophe"),
            ("1.234,56", "'.'"),
            ("1,234.56", "','"),
        ] {
            let e = parse_decimal_amount(value, eur).unwrap_err();
            assert!(
                e.0.contains(sep) && e.0.contains("thousands"),
                "{value}: {e:?}"
            );
        }
        assert!(!parse_decimal_amount("12a", eur)
            .unwrap_err()
            .0
            .contains("thousands"));
        assert_eq!(parse_decimal_amount("1234,56", eur), Ok(123456));
    }

    #[test]
    fn currencies() {
        assert_eq!(currency_by_alpha("eur").unwrap().numeric, "978");
        assert_eq!(currency_by_numeric("392").unwrap().exponent, 0);
        let mut seen = std::collections::HashSet::new();
        for c in CURRENCIES {
            // Found by either code (they are compared as three bytes).
            assert!(c.alpha.len() == 3 && c.alpha.bytes().all(|b| b.is_ascii_uppercase()));
            assert!(c.numeric.len() == 3 && c.numeric.bytes().all(|b| b.is_ascii_digit()));
            assert!(std::ptr::eq(currency_by_alpha(c.alpha).unwrap(), c));
            assert!(std::ptr::eq(currency_by_numeric(c.numeric).unwrap(), c));
            assert!(seen.insert(c.numeric), "{}", c.numeric);
        }
    }

    #[test]
    fn decimal_amounts_use_the_exponent() {
        let eur = currency_by_alpha("EUR").unwrap();
        let jpy = currency_by_alpha("JPY").unwrap();
        let kwd = currency_by_alpha("KWD").unwrap();
        assert_eq!(parse_decimal_amount("12.50", eur), Ok(1250));
        assert_eq!(parse_decimal_amount("12,5", eur), Ok(1250));
        assert_eq!(parse_decimal_amount("12", eur), Ok(1200));
        assert_eq!(parse_decimal_amount("0.07", eur), Ok(7));
        assert_eq!(parse_decimal_amount("1250", jpy), Ok(1250));
        assert_eq!(parse_decimal_amount("1.234", kwd), Ok(1234));
        assert_eq!(
            parse_decimal_amount("12.505", eur).unwrap_err().message(),
            "\"12.505\" has more decimals than EUR allows (at most 2)"
        );
        assert_eq!(
            parse_decimal_amount("12.5", jpy).unwrap_err().message(),
            "\"12.5\" has more decimals than JPY allows (at most 0)"
        );
        assert!(parse_decimal_amount("12.", eur).is_err());
        assert!(parse_decimal_amount(".5", eur).is_err());
        assert!(parse_decimal_amount("1.2.3", eur).is_err());
    }

    #[test]
    fn amounts_in_minor_units() {
        assert_eq!(parse_amount("1250"), Ok(1250));
        assert!(parse_amount("12,50").is_err());
        assert!(parse_amount("12345678901").is_err());
        assert!(parse_currency("EUR", false).is_err());
        assert_eq!(parse_currency("EUR", true).unwrap().numeric, "978");
    }
}
