//! A vocabulary: the names of a set of fields with what each holds (its
//! [`FieldKind`]: what may be shown of it), and which of them name the
//! shop. It names no gateway: each gateway declares its own
//! (`paybox::fields::vocabulary`, `lyra::fields::vocabulary`,
//! `sips::fields::vocabulary`) and judges its fields by it; `kinds`, on
//! top, joins them all for the tools. A name is looked up by a field
//! path's last part, without regard to case; a name nobody declared is
//! judged by what it says (`card_cvv`, `cardNo`, `password`), and is
//! otherwise text.

use std::borrow::Cow;
use std::collections::HashMap;

use paylot_cli::text::FieldKind;

/// Field names and their kinds, and the names of the shop's own fields.
pub struct Vocabulary {
    /// Every declared name, lower case, with its kind.
    declared: HashMap<String, FieldKind>,
    /// The fields that name the shop itself.
    shop: Vec<&'static str>,
}

impl Vocabulary {
    /// The vocabulary of these names, the first kind given to a name (in
    /// any case) being its kind, and of these names of the shop.
    pub fn new(
        declared: impl IntoIterator<Item = (&'static str, FieldKind)>,
        shop: impl IntoIterator<Item = &'static str>,
    ) -> Vocabulary {
        let mut m = HashMap::new();
        for (name, kind) in declared {
            m.entry(name.to_ascii_lowercase()).or_insert(kind);
        }
        Vocabulary {
            declared: m,
            shop: shop.into_iter().collect(),
        }
    }

    /// The kind of the field named `path` (`cardNumber`,
    /// `customerContact.email`, `cards[1].cvv`, a CSV column): by its
    /// last part, without regard to case.
    pub fn of(&self, path: &str) -> FieldKind {
        self.known(path).unwrap_or(FieldKind::Text)
    }

    /// The kind of the field named `path` when this vocabulary declares
    /// it or its name says it (a security code, a card number, a
    /// password); None for a name nobody declared, which [`Self::of`]
    /// reads as text.
    pub fn known(&self, path: &str) -> Option<FieldKind> {
        let name = last_name_part(path);
        if let Some(kind) = self.declared.get(&name) {
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

    /// Whether the field named `path` names the shop itself (Paybox
    /// `SITE`, Sips `merchantId`, Lyra `vads_site_id`): the one value an
    /// answer gives back even where it overlaps a secret of the shop's
    /// (a CLE of digits sent as SITE). The shop's name is the client's
    /// own; altering it breaks every check of the echo.
    pub fn names_the_shop(&self, path: &str) -> bool {
        let name = last_name_part(path);
        self.shop.iter().any(|f| f.eq_ignore_ascii_case(&name))
    }

    /// Whether `value` in the field named `path` is the shop's name: a
    /// field that names the shop ([`Self::names_the_shop`]) holding
    /// digits, the form of a shop's name in every gateway (SITE 7, RANG
    /// 2–3, merchantId 15, vads_site_id 8), given back as it went
    /// whatever secret it overlaps ([`Self::scrub_echo`]). A value of
    /// another form there is no shop's name (a password pasted as SITE).
    pub fn is_shop_name(&self, path: &str, value: &str) -> bool {
        crate::invalid::all_digits(value) && self.names_the_shop(path)
    }

    /// The value of the field named `path` as an answer may give it
    /// back: every fragment of a secret this process has read scrubbed
    /// (`paylot_cli::redact::scrub`), unless it is the shop's name
    /// ([`Self::is_shop_name`]), which may share a run of digits with a
    /// key or a password of digits and still comes back as it went. A
    /// gateway's answer is scrubbed field by field, before it is sealed,
    /// so that the seal is over what is sent.
    pub fn scrub_echo<'a>(&self, path: &str, value: &'a str) -> Cow<'a, str> {
        if self.is_shop_name(path, value) {
            Cow::Borrowed(value)
        } else {
            paylot_cli::redact::scrub(value)
        }
    }
}

/// Names of card-number fields in CSV exports, lower case.
pub(crate) const CARD_NUMBER_NAMES: [&str; 3] = ["card_number", "cardno", "card_no"];

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
