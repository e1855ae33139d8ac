use super::*;
use crate::text::sanitize::{needs_escape, sanitize};
use pieces::{piece_at, Piece};
use proptest::prelude::*;
use runs::is_timestamp;

/// The names a tool gives (crates/gateways declares them), as
/// `text::use_card_field_names` passes them on (its own tests give the
/// same names by kind, the first call wins: either way the same).
fn names() {
    use_names(&[
        ("PORTEUR", Named::CardNumber),
        ("cardNumber", Named::CardNumber),
        ("pan", Named::CardNumber),
        ("CLE", Named::Secret),
    ]);
}

/// Text of every shape the first looks tell apart, for the properties
/// that hold them to the full scans.
pub(in crate::text) const SHAPES: &str = "([0-9]{1,20}|[ -~]{0,12}|cvv|CSC|PORTEUR=|\"cardNumber\":\"|CLE=|%3[0-9]|%20|&#5[0-7];|&#x3[0-9];|&#0*3[2-9];|&#|[\u{80}-\u{ff}\u{660}-\u{669}\u{202a}\u{ff10}-\u{ff19}]|\u{1b}|\t){0,12}";

/// A fingerprint or digest is shown whole, whatever Luhn-valid group
/// of digits it holds (pgpwrap inspect masked one in CI); a card
/// number glued to letters, in a word of another length or of mixed
/// case, is not.
#[test]
fn digests_and_fingerprints_keep_their_digits() {
    let fpr = "E347E36340912345673D591084F04A5E43B152E4";
    assert_eq!(fpr.len(), 40);
    assert_eq!(mask(fpr), fpr);
    let line = format!("  primary {fpr} RSA 3072 bits");
    assert_eq!(mask(&line), line);
    let sha256 = format!("{}{}", "36340912345673", "a".repeat(50));
    assert_eq!(mask(&sha256), sha256);
    for glued in [
        // Shorter words, however hex they look (a reviewer's finding).
        "091234567377D5A9",
        "A378282246310005",
        "4012001037141112abcdef0123456789",
        // Mixed case is no tool's writing of a digest.
        "E347E36340912345673D591084F04A5E43B152e4",
        "E347E36340912345673D591084F04A5E43B152E",
        "E347E36340912345673D591084F04A5E43B152E4F",
        "G347E36340912345673D591084F04A5E43B152E4",
        "ref36340912345673",
        "abcdef4111111111111111",
        "4111111111111111",
        "091234567377d5a9",
        "091234567377G5A9",
    ] {
        assert_ne!(mask(glued), glued, "{glued}");
    }
}

/// The digits of `text` read as one number (separators dropped).
fn luhn_windows(digits: &str) -> bool {
    (0..digits.len()).any(|s| {
        (card::MIN_PAN_DIGITS..=card::MAX_PAN_DIGITS)
            .any(|l| s + l <= digits.len() && card::luhn_valid(&digits[s..s + l]))
    })
}

proptest! {
    // The first look of `mask` and `sanitize` only ever skips work:
    // what they return is what the full scans return.
    #[test]
    fn the_quick_looks_change_nothing(
        text in SHAPES
    ) {
        names();
        prop_assert_eq!(mask(&text), mask_with(&text, true, true));
        if shown_as_is(&text) {
            prop_assert_eq!(&mask(&text), &text);
            prop_assert_eq!(&sanitize(&text), &text);
        }
        let full: String = text
            .chars()
            .flat_map(|c| if needs_escape(c) { c.escape_default().collect::<Vec<_>>() } else { vec![c] })
            .collect();
        prop_assert_eq!(sanitize(&text).into_owned(), full);
    }

    // A number that is no card number as a whole (a merchant's
    // identifier, a reference) is never rewritten, whatever card
    // numbers can be cut out of it.
    #[test]
    fn whole_numbers_that_fail_luhn_are_left_alone(digits in "[0-9]{12,40}") {
        let whole_is_card = digits.len() <= card::MAX_PAN_DIGITS && card::luhn_valid(&digits);
        prop_assume!(!whole_is_card);
        let text = format!("ref {digits} end");
        prop_assert_eq!(mask(&text), text.as_str());
    }

    // A card number standing alone, or in groups, is always masked.
    #[test]
    fn card_numbers_are_always_masked(
        body in "[0-9]{11,18}",
        sep in "( |-|  |\u{a0})",
        grouped in any::<bool>(),
    ) {
        let pan = format!("{body}{}", card::luhn_check_digit(&body));
        prop_assume!(!is_timestamp(pan.as_bytes()));
        let written = if grouped {
            pan.as_bytes().chunks(4).map(|c| std::str::from_utf8(c).unwrap()).collect::<Vec<_>>().join(&sep)
        } else {
            pan.clone()
        };
        let text = format!("x {written} y");
        let masked = mask(&text);
        let digits: String = masked.chars().filter(char::is_ascii_digit).collect();
        prop_assert_eq!(digits.len(), 10, "{} -> {}", text, masked);
        prop_assert!(!luhn_windows(&digits) || digits.len() < card::MIN_PAN_DIGITS);
    }
}

#[test]
fn card_numbers_are_masked_wherever_they_stand() {
    for (text, want) in [
        ("pan 4111111111111111 end", "pan 411111******1111 end"),
        ("<PAN1111222233334444</PAN>", "<PAN111122******4444</PAN>"),
        ("4111 1111 1111 1111", "4111 11** **** 1111"),
        ("4111-1111-1111-1111", "4111-11**-****-1111"),
        (
            "column \"expiry\": \"4012001037141112\"",
            "column \"expiry\": \"401200******1112\"",
        ),
        // 12 digits, Luhn-valid
        ("id 123456789015.", "id 123456**9015."),
        // The digits glued to a card number go too.
        ("4111111111111111 123", "411111******1111 ***"),
        ("1 4111111111111111", "* 411111******1111"),
    ] {
        assert_eq!(mask(text), want, "{text}");
    }
}

/// Found by a merchant: identifiers and references were rewritten as
/// if card numbers had been cut out of them.
#[test]
fn identifiers_are_not_windows_of_card_numbers() {
    for text in [
        // The Sogenactif test shop's merchantId.
        "\"merchantId\":\"201040040170001\"",
        "20261206123456789",
        "<Reference>2026112300000003</Reference>",
        "41111111111111110",
        "xxxxxxxxxxxxxxxxxxxxxxx41111111111111110",
    ] {
        let whole: String = text.chars().filter(char::is_ascii_digit).collect();
        assert!(luhn_windows(&whole) && !card::luhn_valid(&whole), "{text}");
        assert_eq!(mask(text), text, "{text}");
    }
}

/// The digits a person can read in `text`, separators dropped.
fn visible_digits(text: &str) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < text.len() {
        let (piece, len) = piece_at(text, i);
        if let Piece::Digit(d) = piece {
            out.push(char::from(b'0' + d));
        } else if piece == Piece::Other {
            out.push('|');
        }
        i += len;
    }
    out
}

#[test]
fn card_numbers_next_to_other_digits_or_in_disguise_are_masked() {
    for text in [
        "4111111111111111 123",
        "4111111111111111 12",
        "1 4111111111111111",
        "4111 1111 1111 1111 12",
        "4111+1111+1111+1111",
        "Ref=4111%201111%201111%201111",
        "Ref=%34%31%31%31111111111111",
        "4111\u{a0}1111\u{a0}1111\u{a0}1111",
        "4111\u{200b}1111\u{200b}1111\u{200b}1111",
        "4111\u{2013}1111\u{2013}1111\u{2013}1111",
        "4111.1111.1111.1111",
        "4111_1111_1111_1111",
        "4111\t1111\t1111\t1111",
        "4111  1111 - 1111 1111",
        "\u{ff14}\u{ff11}\u{ff11}\u{ff11}111111111111",
    ] {
        let masked = mask(text);
        let seen = visible_digits(&masked);
        assert!(!seen.contains("41111111111"), "{text} -> {masked}");
        assert!(masked.contains('*'), "{text} -> {masked}");
    }
}

#[test]
fn values_after_a_card_field_name_are_masked_whatever_their_digits() {
    names();
    for (text, want) in [
        // The Lyra test number, which fails the Luhn check.
        (
            "PORTEUR=4970100000000000&CVV=1",
            "PORTEUR=497010******0000&CVV=*",
        ),
        (
            "{\"cardNumber\": \"1234123412341234\"}",
            "{\"cardNumber\": \"123412******1234\"}",
        ),
        ("<PAN>12345</PAN>", "<PAN>*****</PAN>"),
        (
            "column \"pan\": \"497010******0000\"",
            "column \"pan\": \"497010******0000\"",
        ),
        ("CLE=1999888I&SITE=1999888", "CLE=********&SITE=1999888"),
        // Not a field: a word, or a longer name.
        ("pan 12345", "pan 12345"),
        ("REFERENCE=4970100000000000", "REFERENCE=4970100000000000"),
        ("PBX_PORTEUR=a@b.fr", "PBX_PORTEUR=a@b.fr"),
        ("CLE is not the shop's", "CLE is not the shop's"),
    ] {
        assert_eq!(mask(text), want, "{text}");
    }
}

#[test]
fn security_codes_in_free_text_and_odd_names() {
    for text in [
        "security code 987",
        "cvv987",
        "cvv_987",
        "cvv - 987",
        "cvv is 987",
        "cardCvv=987",
        "card_security_code=987",
        "cvvCode: 987",
        "card-cvv=987",
        "cardCSC=987",
        "CVV2=987",
    ] {
        let masked = mask(text);
        assert!(!masked.contains("987"), "{text} -> {masked}");
    }
    // A response code after the name is not a security code.
    assert_eq!(mask("CVV missing (00020)"), "CVV missing (00020)");
}

#[test]
fn other_numbers_are_left_alone() {
    for text in [
        "order 20161130102008",
        "date 22112026101500",
        "expected 1 to 2147483647",
        "20261123.12345678.PAY.REQ.T.01",
        "1999888.032.000042.xml",
        "1999888_032_000042",
        "12345678901",
        "1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3",
    ] {
        assert!(matches!(mask(text), Cow::Borrowed(_)), "{text}");
    }
}

#[test]
fn security_codes_are_blanked_after_their_field_name() {
    for (text, want) in [
        ("<CVV>123</CVV>", "<CVV>***</CVV>"),
        ("CVV=222&ACTIVITE=024", "CVV=***&ACTIVITE=024"),
        ("{\"cardCSCValue\":\"000\"}", "{\"cardCSCValue\":\"***\"}"),
        (
            "\"cardSecurityCode\": \"1234\"",
            "\"cardSecurityCode\": \"****\"",
        ),
        ("vads_card_cvv=123", "vads_card_cvv=***"),
        ("column \"cvv\": \"12a\"", "column \"cvv\": \"**a\""),
    ] {
        assert_eq!(mask(text), want, "{text}");
    }
    // Names that merely contain the letters are not security codes.
    assert_eq!(mask("cardCSCResultCode=4E"), "cardCSCResultCode=4E");
}

#[test]
fn masking_is_linear_in_memory_and_time() {
    // Megabytes of digit groups: one pass, nothing kept per digit.
    let big = "1 ".repeat(1 << 20) + "4111111111111111";
    let masked = mask(&big);
    assert!(
        masked.ends_with("411111******1111"),
        "{}",
        &masked[masked.len() - 40..]
    );
    assert!(masked.starts_with("* * "));
    let digits = "7".repeat(1 << 22);
    assert!(matches!(mask(&digits), Cow::Borrowed(_)));
    // Character references: each read once, however long its zeros.
    let refs = "&#".repeat(1 << 20) + &"0".repeat(1 << 20) + "&#52;";
    assert_eq!(mask(&refs), refs);
    let zeros = format!("&#{};", "0".repeat(1 << 22));
    assert_eq!(mask(&zeros), zeros);
}

/// `text` with each ASCII digit written as a character reference, the
/// way `written` (one per digit, cycled) says: raw, decimal, hex, upper
/// X, leading zeros.
fn as_references(text: &str, written: &[u8]) -> String {
    let mut k = 0;
    text.chars()
        .map(|c| {
            if !c.is_ascii_digit() {
                return c.to_string();
            }
            k += 1;
            match written[(k - 1) % written.len()] % 5 {
                0 => c.to_string(),
                1 => format!("&#{};", u32::from(c)),
                2 => format!("&#x{:x};", u32::from(c)),
                3 => format!("&#X{:X};", u32::from(c)),
                _ => format!("&#000{};", u32::from(c)),
            }
        })
        .collect()
}

proptest! {
    // A card number written with character references (a piece of XML
    // quoted raw) is masked as the same digits written plainly are.
    #[test]
    fn character_references_are_digits(
        body in "[0-9]{11,18}",
        written in proptest::collection::vec(any::<u8>(), 1..20),
        grouped in any::<bool>(),
    ) {
        let pan = format!("{body}{}", card::luhn_check_digit(&body));
        prop_assume!(!is_timestamp(pan.as_bytes()));
        let plain = if grouped {
            pan.as_bytes().chunks(4).map(|c| std::str::from_utf8(c).unwrap()).collect::<Vec<_>>().join(" ")
        } else {
            pan.clone()
        };
        let text = format!("<Comment>paid with {plain}</Comment>");
        let refs = as_references(&text, &written);
        let masked = mask(&refs);
        let seen = visible_digits(&masked);
        prop_assert_eq!(seen.chars().filter(char::is_ascii_digit).count(), 10, "{} -> {}", refs, masked);
        prop_assert_eq!(visible_digits(&mask(&text)), seen);
    }

    // What is no card number written plainly is none written with
    // references either: a reference is read as its character, no more.
    #[test]
    fn references_change_nothing_else(
        digits in "[0-9]{1,40}",
        written in proptest::collection::vec(any::<u8>(), 1..20),
    ) {
        let whole_is_card = (card::MIN_PAN_DIGITS..=card::MAX_PAN_DIGITS).contains(&digits.len())
            && card::luhn_valid(&digits);
        prop_assume!(!whole_is_card);
        let text = format!("ref {} end", as_references(&digits, &written));
        prop_assert_eq!(mask(&text), text.as_str());
    }
}

/// Finding M1: a card number quoted raw from an XML message, written as
/// character references, was shown whole.
#[test]
fn card_numbers_written_as_character_references_are_masked() {
    names();
    for (text, want) in [
        (
            "<Comment>card &#52;&#48;&#49;&#50;&#48;&#48;&#49;&#48;&#51;&#55;&#49;&#52;&#49;&#49;&#49;&#50;</Comment>",
            "<Comment>card &#52;&#48;&#49;&#50;&#48;&#48;******&#49;&#49;&#49;&#50;</Comment>",
        ),
        (
            "4012&#x20;&#x30;&#x30;10&#X20;3714&#32;1112 ok",
            "4012&#x20;&#x30;&#x30;**&#X20;****&#32;1112 ok",
        ),
        ("&#00052;012001037141112", "&#00052;01200******1112"),
        // After a card field's name, whatever its digits.
        (
            "<PAN>&#52;&#57;&#55;&#48;100000000000</PAN>",
            "<PAN>&#52;&#57;&#55;&#48;10******0000</PAN>",
        ),
        // Without their `;`, as HTML reads them, and `&nbsp;` between
        // groups (an attacker's pass found both shown whole).
        (
            "401200&#49&#48&#51&#55&#49&#52&#49&#49&#49&#50 x",
            "401200******&#49&#49&#49&#50 x",
        ),
        (
            "4012&nbsp;0010&nbsp;3714&nbsp;1112",
            "4012&nbsp;00**&nbsp;****&nbsp;1112",
        ),
        ("<CVV>&#49;&#50;&#x33;</CVV>", "<CVV>***</CVV>"),
        ("cvv=&#x31;2&#51;", "cvv=***"),
    ] {
        assert_eq!(mask(text), want, "{text}");
    }
    // References that are not digits, or not references, are text.
    for text in [
        "AT&amp;T &#38; &#x26; 4012",
        "&#52 &#x; &#; &# &#xZZ; &#99999999999999999999; &#55296;",
        "Caf&#233; n&#xB0; 12",
    ] {
        assert_eq!(mask(text), text, "{text}");
    }
}

/// Finding M1: a card number glued to an amount is not told by its
/// digits (four random 20-digit references in five hold a Luhn-valid
/// card-length prefix or suffix); the row's known card number is hidden
/// wherever it stands, glued or not.
#[test]
fn a_card_number_glued_to_an_amount_is_hidden_where_it_is_known() {
    for text in [
        "40120010371411121000",
        "10004012001037141112",
        "\"merchantId\":\"201040040170001\"",
    ] {
        assert_eq!(mask(text), text, "{text}");
    }
    assert_eq!(
        hide_card_values(
            "\"40120010371411121000\" is not an activity",
            &["4012001037141112"]
        ),
        "\"401200******11121000\" is not an activity"
    );
}

#[test]
fn values_of_a_rows_card_fields_are_hidden_where_quoted_again() {
    let cards = ["4970100000000000", "12"];
    assert_eq!(
        hide_card_values(
            "column \"amount\": \"4970100000000000\" is too long",
            &cards
        ),
        "column \"amount\": \"497010******0000\" is too long"
    );
    assert_eq!(hide_card_values("12 of 12", &cards), "12 of 12");
    assert_eq!(
        hide_card_values("4970 1000 0000 0000", &["4970 1000 0000 0000"]),
        "4970 1*********0000"
    );
}

/// Finding M1, in a seal string: the fields' values run together, so a
/// card number in a free-text field is glued to the amount before it and
/// the merchantId after it; `seal explain` showed it whole.
#[test]
fn parts_joined_are_masked_each_alone_and_together() {
    names();
    assert_eq!(
        mask_joined(&["1000", "1111222233334444", "201040040170001"], ""),
        "1000111122******4444201040040170001"
    );
    assert_eq!(
        mask_joined(&["1000", "&#x34;012001037141112", "x"], "|"),
        "1000|&#x34;01200******1112|x"
    );
    // Split between two parts: one number in the joined text.
    assert_eq!(
        mask_joined(&["4111 1111", " 1111 1111"], ""),
        mask("4111 1111 1111 1111")
    );
    // Identifiers and amounts glued: nothing to hide.
    for parts in [
        ["1000", "20261206123456789", "201040040170001"],
        ["2500", "0", "011223344550000"],
    ] {
        assert_eq!(mask_joined(&parts, ""), parts.concat());
    }
}

proptest! {
    // A card number standing whole in one part is masked whatever digits
    // the parts around it glue to it, and one part alone is masked as
    // `mask` masks it.
    #[test]
    fn a_card_number_in_a_part_is_masked_whatever_is_glued_to_it(
        before in "[0-9]{0,20}",
        body in "[0-9]{11,18}",
        after in "[0-9]{0,20}",
        sep in "(|,| )",
    ) {
        let pan = format!("{body}{}", card::luhn_check_digit(&body));
        prop_assume!(!is_timestamp(pan.as_bytes()));
        let joined = mask_joined(&[before.as_str(), pan.as_str(), after.as_str()], &sep);
        let card = &joined[before.len() + sep.len()..][..pan.len()];
        // As its field would show it, or more hidden (the part before
        // may be a card number whose run takes this one's digits too).
        let shown = card::mask_pan(&pan);
        let as_field = card.chars().zip(shown.chars()).all(|(c, s)| c == s || c == '*');
        prop_assert!(as_field, "{} -> {}", pan, joined);
        prop_assert_eq!(mask_joined(&[before.as_str()], &sep), mask(&before).into_owned());
    }
}
