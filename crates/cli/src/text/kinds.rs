//! A value whose field is known, shown as the field's kind says. The
//! kinds are a gateway rule (`gateways::kinds` declares which field holds
//! what); this module only says what each kind shows.

use std::borrow::Cow;

use super::mask::{mask, shown_as_is, use_names, Named};
use super::sanitize::sanitize;
use crate::card;

/// What a field holds, as far as showing it is concerned: a gateway rule,
/// declared once with each gateway's fields (`gateways::kinds`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldKind {
    /// A card number (PAN, PORTEUR, cardNumber…): its first 6 and last
    /// 4 characters kept whatever its digits, Luhn-valid or not.
    CardNumber,
    /// A card security code: blanked.
    SecurityCode,
    /// A password sent as a field (Paybox Direct's CLE): blanked.
    Secret,
    /// What the merchant reconciles or compares on (identifiers,
    /// references, transaction and call numbers, seals): never altered.
    Identifier,
    /// A seal or a signature: shown as it is when it reads as one (hex or
    /// base64, at least [`SEAL_CHARS`] characters: longer than any card
    /// number); otherwise read as text (a card number pasted as the seal).
    Seal,
    /// Amounts, currencies, dates, codes: shown as they are when they fit
    /// (ASCII digits, at most [`FIGURE_DIGITS`]); a value that does not
    /// fit (a card number in the amount column) is read as text.
    Figure,
    /// Free text, or a field nobody declared: read as text ([`mask`]).
    Text,
}

/// The most digits a figure has (a Lyra amount: 12).
pub const FIGURE_DIGITS: usize = 12;

/// The fewest characters of a seal (a SHA-1 in base64: 28).
pub const SEAL_CHARS: usize = 28;

impl FieldKind {
    /// Whether a value of a field of this kind is shown as it is: nothing
    /// to hide, nothing to escape.
    pub fn shown_as_is(self, value: &str) -> bool {
        match self {
            FieldKind::CardNumber | FieldKind::SecurityCode | FieldKind::Secret => value.is_empty(),
            FieldKind::Identifier => printable_ascii(value),
            FieldKind::Figure if is_figure(value) => true,
            FieldKind::Seal if is_seal(value) => true,
            FieldKind::Figure | FieldKind::Seal | FieldKind::Text => shown_as_is(value),
        }
    }

    /// A value of such a field as it may be shown: a card number masked
    /// (first 6 and last 4), a security code or a password blanked, an
    /// identifier or a figure that fits as it is, anything else through
    /// [`mask`]. Control characters are [`sanitize`]'s to escape.
    pub fn mask(self, value: &str) -> Cow<'_, str> {
        match self {
            FieldKind::SecurityCode | FieldKind::Secret => {
                Cow::Owned("*".repeat(value.chars().count()))
            }
            FieldKind::CardNumber => Cow::Owned(card::mask_pan(value)),
            FieldKind::Identifier => Cow::Borrowed(value),
            FieldKind::Figure if is_figure(value) => Cow::Borrowed(value),
            FieldKind::Seal if is_seal(value) => Cow::Borrowed(value),
            FieldKind::Figure | FieldKind::Seal | FieldKind::Text => mask(value),
        }
    }

    /// [`FieldKind::mask`] then [`sanitize`]: a value of such a field as
    /// it may reach a person.
    pub fn show(self, value: &str) -> Cow<'_, str> {
        if self.shown_as_is(value) {
            return Cow::Borrowed(value);
        }
        match self.mask(value) {
            Cow::Borrowed(t) => sanitize(t),
            Cow::Owned(t) => Cow::Owned(sanitize(&t).into_owned()),
        }
    }
}

/// Tell [`mask`] the field names after which a value is card data in
/// free text (`"cardNumber":"…"`, `PORTEUR=…`, `<PAN>…`): the names of
/// the card-number fields ([`FieldKind::CardNumber`]) and of the
/// passwords sent as fields ([`FieldKind::Secret`]) of every gateway;
/// names of other kinds are left out. Given once, by the tool, from the
/// gateways' declarations; the first call wins.
pub fn use_card_field_names(names: &[(&str, FieldKind)]) {
    let named: Vec<(&str, Named)> = names
        .iter()
        .filter_map(|&(n, k)| match k {
            FieldKind::CardNumber => Some((n, Named::CardNumber)),
            FieldKind::Secret => Some((n, Named::Secret)),
            _ => None,
        })
        .collect();
    use_names(&named);
}

/// Printable ASCII only: nothing [`sanitize`] would escape, told byte by
/// byte.
fn printable_ascii(value: &str) -> bool {
    value.bytes().all(|b| (0x20..0x7f).contains(&b))
}

/// An amount, a currency or a code as the gateways write them: ASCII
/// digits, no more than [`FIGURE_DIGITS`].
fn is_figure(value: &str) -> bool {
    value.len() <= FIGURE_DIGITS && value.bytes().all(|b| b.is_ascii_digit())
}

/// A seal as the gateways write them: hex or base64 (either alphabet),
/// at least [`SEAL_CHARS`] characters.
fn is_seal(value: &str) -> bool {
    value.len() >= SEAL_CHARS
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const KINDS: [FieldKind; 7] = [
        FieldKind::Seal,
        FieldKind::CardNumber,
        FieldKind::SecurityCode,
        FieldKind::Secret,
        FieldKind::Identifier,
        FieldKind::Figure,
        FieldKind::Text,
    ];

    /// The names a tool gives, by kind (crates/gateways declares them):
    /// the mask hears of the card numbers' and the passwords' only.
    fn names() {
        use_card_field_names(&[
            ("PORTEUR", FieldKind::CardNumber),
            ("cardNumber", FieldKind::CardNumber),
            ("pan", FieldKind::CardNumber),
            ("CLE", FieldKind::Secret),
            ("REFERENCE", FieldKind::Identifier),
        ]);
    }

    #[test]
    fn only_card_and_password_names_are_given_to_the_mask() {
        names();
        assert_eq!(mask("PORTEUR=4970100000000000"), "PORTEUR=497010******0000");
        assert_eq!(
            mask("CLE=1999888I&SITE=1999888"),
            "CLE=********&SITE=1999888"
        );
        assert_eq!(
            mask("REFERENCE=4970100000000000"),
            "REFERENCE=4970100000000000"
        );
    }

    proptest! {
        // The one-look test of each kind only ever skips work: a value
        // it shows as it is is what the full masking shows, and `show`
        // is `mask` then `sanitize`.
        #[test]
        fn the_quick_looks_of_kinds_change_nothing(text in crate::text::mask::tests::SHAPES) {
            names();
            for kind in KINDS {
                if kind.shown_as_is(&text) {
                    let shown = sanitize(&kind.mask(&text)).into_owned();
                    prop_assert_eq!(shown, text.clone());
                }
                prop_assert_eq!(kind.show(&text), sanitize(&kind.mask(&text)).into_owned());
            }
        }

        // Whatever the digits of a card field's value, it shows at most 6
        // and 4 of them; an identifier is never touched.
        #[test]
        fn kinds_decide(value in "[0-9]{1,19}") {
            let shown = FieldKind::CardNumber.mask(&value);
            let visible = shown.chars().filter(char::is_ascii_digit).count();
            prop_assert!(visible <= 10 && (value.len() >= 12 || visible == 0), "{} -> {}", value, shown);
            prop_assert_eq!(FieldKind::Identifier.show(&value), value.as_str());
            prop_assert!(FieldKind::Identifier.shown_as_is(&value));
            prop_assert!(!FieldKind::SecurityCode.mask(&value).contains(|c: char| c.is_ascii_digit()));
        }
    }

    #[test]
    fn fields_of_every_kind() {
        use FieldKind::*;
        assert_eq!(CardNumber.mask("1234123412341234"), "123412******1234");
        assert_eq!(CardNumber.mask("4970100000000000"), "497010******0000");
        assert_eq!(CardNumber.mask("12345"), "*****");
        assert_eq!(SecurityCode.mask("123"), "***");
        assert_eq!(Secret.mask("1999888I"), "********");
        assert_eq!(Identifier.mask("201040040170001"), "201040040170001");
        assert_eq!(Identifier.mask("4111111111111111"), "4111111111111111");
        assert_eq!(Figure.mask("000000001000"), "000000001000");
        assert_eq!(Figure.mask("4111111111111111"), "411111******1111");
        assert_eq!(
            Text.mask("order 4111111111111111"),
            "order 411111******1111"
        );
        assert_eq!(Identifier.show("a\nb"), "a\\nb");
        let seal = "0a1b2c3d4e5f60718293a4b5c6d7e8f90123456789012345678903";
        assert_eq!(Seal.mask(seal), seal);
        assert_eq!(Seal.mask("4111111111111111"), "411111******1111");
    }
}
