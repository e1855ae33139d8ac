//! What a field holds, by its name, in the vocabulary of every gateway:
//! the one lookup the tools' masking asks (`paylot_cli::text::FieldKind`).
//! Each gateway declares its fields' kinds with its fields
//! ([`crate::paybox::fields`], [`crate::lyra::fields`],
//! [`crate::sips::fields`]); a name no gateway declares (a CSV export's
//! own spelling) is judged by what it says (`card_cvv`, `cardNo`,
//! `password`), and is otherwise text.

use std::collections::HashMap;
use std::sync::OnceLock;

use paylot_cli::text::FieldKind;

use crate::paybox::fields::{Field, OTHER_FIELDS};

/// Every name a gateway declares, with its kind.
fn all_declared() -> impl Iterator<Item = (&'static str, FieldKind)> {
    let paybox = Field::ALL
        .into_iter()
        .flat_map(|f| [f.direct(), f.readable(), f.element()].map(|n| (n, f.kind())));
    let others = OTHER_FIELDS
        .iter()
        .chain(crate::lyra::fields::FIELDS)
        .chain(crate::sips::fields::FIELDS)
        .copied();
    paybox.chain(others)
}

/// Every declared name, lower case, with its kind.
fn declared() -> &'static HashMap<String, FieldKind> {
    static DECLARED: OnceLock<HashMap<String, FieldKind>> = OnceLock::new();
    DECLARED.get_or_init(|| {
        let mut m = HashMap::new();
        for (name, kind) in all_declared() {
            m.entry(name.to_ascii_lowercase()).or_insert(kind);
        }
        m
    })
}

/// The kind of the field named `path` (`cardNumber`,
/// `customerContact.email`, `cards[1].cvv`, a CSV column): by its last
/// part, without regard to case.
pub fn of(path: &str) -> FieldKind {
    known(path).unwrap_or(FieldKind::Text)
}

/// The kind of the field named `path` when a gateway declares it or its
/// name says it (a security code, a card number, a password); None for a
/// name nobody declared, which [`of`] reads as text. Where a value's
/// place is all that is known (an Office Batch column by position), such
/// a field may hold anything, card data included (`sips::batch`).
pub fn known(path: &str) -> Option<FieldKind> {
    let name = last_name_part(path);
    if let Some(kind) = declared().get(&name) {
        return Some(*kind);
    }
    if is_security_code_name(&name) {
        Some(FieldKind::SecurityCode)
    } else if CARD_NUMBER_NAMES.contains(&name.as_str()) {
        Some(FieldKind::CardNumber)
    } else if name.contains("password") || name.contains("passwd") {
        Some(FieldKind::Secret)
    } else {
        None
    }
}

/// Whether the field named `path` names the shop itself (Paybox `SITE`,
/// `RANG`, `IDENTIFIANT`; Sips `merchantId`; Lyra `vads_site_id`), in
/// each gateway's list ([`crate::paybox::fields::SHOP_FIELDS`],
/// [`crate::sips::fields::SHOP_FIELDS`], [`crate::lyra::fields::SHOP_FIELDS`]):
/// the one value an answer gives back even where it overlaps a secret of
/// the shop's (a CLE of digits sent as SITE). The shop's name is the
/// client's own; altering it breaks every check of the echo.
pub fn names_the_shop(path: &str) -> bool {
    let name = last_name_part(path);
    crate::paybox::fields::SHOP_FIELDS
        .iter()
        .chain(crate::sips::fields::SHOP_FIELDS)
        .chain(crate::lyra::fields::SHOP_FIELDS)
        .any(|f| f.eq_ignore_ascii_case(&name))
}

/// The value of the field named `path` as an answer may give it back:
/// every fragment of a secret this process has read scrubbed
/// (`paylot_cli::redact::scrub`), unless it is the shop's name: a field
/// that names the shop ([`names_the_shop`]) holding digits, the form of
/// a shop's name in every gateway (SITE 7, RANG 2–3, merchantId 15,
/// vads_site_id 8). Such a name may share a run of digits with a key or
/// a password of digits, and still comes back as it went; a value of
/// another form there is no shop's name (a password pasted as SITE) and
/// is scrubbed like any other. A gateway's answer is scrubbed field by
/// field, before it is sealed, so that the seal is over what is sent.
pub fn scrub_echo<'a>(path: &str, value: &'a str) -> std::borrow::Cow<'a, str> {
    if is_shop_name(path, value) {
        std::borrow::Cow::Borrowed(value)
    } else {
        paylot_cli::redact::scrub(value)
    }
}

/// A secret pasted into the data field named `path` refused by name
/// (`paylot_cli::secret::refuse_in_data`), unless the value is the shop's
/// name ([`is_shop_name`]): a Sips test key is named after its merchantId
/// (`002001000000001_KEY1`), a CLE may begin with the SITE.
pub fn refuse_pasted_secret(
    at: impl std::fmt::Display,
    path: &str,
    value: &str,
) -> paylot_cli::Result<()> {
    if is_shop_name(path, value) {
        return Ok(());
    }
    paylot_cli::secret::refuse_in_data(at, path, value)
}

/// Whether `value` in the field named `path` is the shop's name, given
/// back as it went whatever secret it overlaps ([`scrub_echo`]).
pub fn is_shop_name(path: &str, value: &str) -> bool {
    !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) && names_the_shop(path)
}

/// Give the tool's masking of free text (its messages) the names after
/// which a value is card data: every tool does it first thing.
pub fn install() {
    paylot_cli::text::use_card_field_names(&card_field_names());
}

/// The names after which free text holds card data (card numbers and
/// passwords), for `paylot_cli::text::use_card_field_names`.
fn card_field_names() -> Vec<(&'static str, FieldKind)> {
    let undeclared = CARD_NUMBER_NAMES
        .iter()
        .map(|n| (*n, FieldKind::CardNumber));
    let mut names: Vec<(&'static str, FieldKind)> = all_declared()
        .chain(undeclared)
        .filter(|(_, k)| matches!(k, FieldKind::CardNumber | FieldKind::Secret))
        .collect();
    names.sort_unstable_by_key(|(n, _)| n.to_ascii_lowercase());
    names.dedup_by_key(|(n, _)| n.to_ascii_lowercase());
    names
}

/// Names of card-number fields in CSV exports, lower case.
const CARD_NUMBER_NAMES: [&str; 3] = ["card_number", "cardno", "card_no"];

/// What the name of a field that holds a card security code (CVV, CVC,
/// CSC, "cryptogramme visuel") contains, once lower-cased and stripped of
/// `_` and `-`: the spellings of CSV exports (`card_cvv`, `cvvCode`,
/// `cardCSC`) and of the gateways' forms. A name that also says `result`
/// is the answer to a check (`cardCSCResultCode`), not a code.
const SECURITY_CODE_PARTS: [&str; 7] = [
    "cvv",
    "cvc",
    "cardcsc",
    "securitycode",
    "cryptogram",
    "cvx",
    "cvn",
];

fn is_security_code_name(name: &str) -> bool {
    let name: String = name.chars().filter(|c| *c != '_' && *c != '-').collect();
    !name.contains("result")
        && (name.ends_with("csc") || SECURITY_CODE_PARTS.iter().any(|p| name.contains(p)))
}

/// The last part of a field path (`customerContact.cardNumber`,
/// `cards[1].cvv`), lower-cased.
fn last_name_part(path: &str) -> String {
    let last = path.rsplit('.').next().unwrap_or(path);
    let last = last.split('[').next().unwrap_or(last);
    last.trim().to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use FieldKind::*;

    #[test]
    fn every_gateways_fields() {
        for (name, kind) in [
            ("PORTEUR", CardNumber),
            ("pan", CardNumber),
            ("PAN", CardNumber),
            ("cardNumber", CardNumber),
            ("customer.cardNumber", CardNumber),
            ("vads_card_number", CardNumber),
            ("card_number", CardNumber),
            ("CVV", SecurityCode),
            ("cardCSCValue", SecurityCode),
            ("vads_card_cvv", SecurityCode),
            ("cards[1].securityCode", SecurityCode),
            ("cvvCode", SecurityCode),
            ("card-cvv", SecurityCode),
            ("cardCSC", SecurityCode),
            ("csc", SecurityCode),
            ("CLE", Secret),
            ("shop_password", Secret),
            ("merchantId", Identifier),
            ("transactionReference", Identifier),
            ("orderId", Identifier),
            ("SITE", Identifier),
            ("RANG", Identifier),
            ("NUMQUESTION", Identifier),
            ("Number", Identifier),
            ("NUMTRANS", Identifier),
            ("NUMAPPEL", Identifier),
            ("REFABONNE", Identifier),
            ("REFERENCE", Identifier),
            ("BatchNumber", Identifier),
            ("vads_trans_id", Identifier),
            ("PBX_CMD", Identifier),
            ("MONTANT", Figure),
            ("amount", Figure),
            ("PBX_PORTEUR", Text),
            ("cardCSCResultCode", Text),
            ("comment", Text),
        ] {
            assert_eq!(of(name), kind, "{name}");
        }
    }

    #[test]
    fn the_shops_name_is_spared_by_the_scrub_and_nothing_else() {
        // A password of digits, as a back office may give it.
        paylot_cli::secret::hold(b"19998880032");
        for (name, value) in [
            ("SITE", "19998880032"),
            ("RANG", "19998880032"),
            ("IDENTIFIANT", "19998880032"),
            ("merchantId", "19998880032"),
            ("vads_site_id", "19998880032"),
        ] {
            assert_eq!(scrub_echo(name, value), value, "{name}");
        }
        for (name, value) in [
            ("REFERENCE", "19998880032"),
            ("NUMQUESTION", "19998880032"),
            ("transactionReference", "19998880032"),
            ("orderId", "x19998880032"),
            // Not a shop's name in form: a password pasted as SITE.
            ("SITE", "19998880032-x"),
        ] {
            let out = scrub_echo(name, value);
            assert!(
                out.contains("(a secret)") && !out.contains("19998880032"),
                "{name}: {out}"
            );
        }
    }

    #[test]
    fn the_names_free_text_is_read_after() {
        let names = card_field_names();
        for n in [
            "PORTEUR",
            "cardNumber",
            "vads_card_number",
            "CLE",
            "card_number",
        ] {
            assert!(names.iter().any(|(m, _)| m.eq_ignore_ascii_case(n)), "{n}");
        }
        assert!(names.iter().all(|(_, k)| matches!(k, CardNumber | Secret)));
    }
}
