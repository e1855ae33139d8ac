//! What a field holds, by its name, in the vocabulary of every gateway:
//! the one lookup the tools' masking asks (`paylot_cli::text::FieldKind`).
//! Each gateway declares its fields' kinds with its fields, and judges
//! its own fields by them ([`crate::paybox::fields`],
//! [`crate::lyra::fields`], [`crate::sips::fields`]); this module, above
//! the gateways, joins them into one [`Vocabulary`] for what may come
//! from any of them (a tool's columns, a message's fields); a name no
//! gateway declares (a CSV export's own spelling) is judged by what it
//! says (`card_cvv`, `cardNo`, `password`), and is otherwise text.

use std::sync::OnceLock;

use paylot_cli::text::FieldKind;

use crate::vocabulary::{Vocabulary, CARD_NUMBER_NAMES};
use crate::{lyra, paybox, sips};

/// Every name a gateway declares, with its kind.
fn all_declared() -> impl Iterator<Item = (&'static str, FieldKind)> {
    paybox::fields::declared()
        .chain(lyra::fields::FIELDS.iter().copied())
        .chain(sips::fields::FIELDS.iter().copied())
}

/// Every gateway's vocabulary joined: its names (where two gateways
/// declare one name, the first one's kind: they agree, as a test holds)
/// and the names of the shop in each gateway's list
/// ([`crate::paybox::fields::SHOP_FIELDS`],
/// [`crate::sips::fields::SHOP_FIELDS`],
/// [`crate::lyra::fields::SHOP_FIELDS`]).
pub fn vocabulary() -> &'static Vocabulary {
    static ALL: OnceLock<Vocabulary> = OnceLock::new();
    ALL.get_or_init(|| {
        let shop = paybox::fields::SHOP_FIELDS
            .iter()
            .chain(sips::fields::SHOP_FIELDS)
            .chain(lyra::fields::SHOP_FIELDS)
            .copied();
        Vocabulary::new(all_declared(), shop)
    })
}

/// The kind of the field named `path` (`cardNumber`,
/// `customerContact.email`, `cards[1].cvv`, a CSV column), in any
/// gateway's vocabulary: by its last part, without regard to case.
pub fn of(path: &str) -> FieldKind {
    vocabulary().of(path)
}

/// The kind of the field named `path` when a gateway declares it or its
/// name says it (a security code, a card number, a password); None for a
/// name nobody declared, which [`of`] reads as text. Where a value's
/// place is all that is known (an Office Batch column by position), such
/// a field may hold anything, card data included (`sips::batch`).
pub fn known(path: &str) -> Option<FieldKind> {
    vocabulary().known(path)
}

/// Whether the field named `path` names the shop itself in any gateway's
/// vocabulary ([`Vocabulary::names_the_shop`]).
pub fn names_the_shop(path: &str) -> bool {
    vocabulary().names_the_shop(path)
}

/// The value of the field named `path` as an answer may give it back,
/// the shop's name of any gateway spared ([`Vocabulary::scrub_echo`]).
pub fn scrub_echo<'a>(path: &str, value: &'a str) -> std::borrow::Cow<'a, str> {
    vocabulary().scrub_echo(path, value)
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

/// Whether `value` in the field named `path` is the shop's name in any
/// gateway's vocabulary, given back as it went whatever secret it
/// overlaps ([`scrub_echo`]).
pub fn is_shop_name(path: &str, value: &str) -> bool {
    vocabulary().is_shop_name(path, value)
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

    /// Each gateway judges its own fields by its own vocabulary; the
    /// tools, by every gateway's joined. Where two gateways declare one
    /// name (`amount`, `reference`, `transaction_id`, `comment`…) they
    /// must give it one kind, or a field would be shown one way by its
    /// gateway and another by the tools.
    #[test]
    fn a_name_two_gateways_declare_has_one_kind() {
        let gateways = [
            (
                "paybox",
                paybox::fields::vocabulary(),
                paybox::fields::declared().collect::<Vec<_>>(),
            ),
            (
                "lyra",
                lyra::fields::vocabulary(),
                lyra::fields::FIELDS.to_vec(),
            ),
            (
                "sips",
                sips::fields::vocabulary(),
                sips::fields::FIELDS.to_vec(),
            ),
        ];
        for (gateway, vocabulary, names) in gateways {
            for (name, kind) in names {
                assert_eq!(vocabulary.of(name), kind, "{gateway}: {name}");
                assert_eq!(of(name), kind, "{gateway}: {name}, every gateway's");
            }
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
