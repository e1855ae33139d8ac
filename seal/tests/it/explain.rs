//! `seal explain`: what a person sees.

use crate::util::*;

const CARD: &str = r#"{"amount":"2500","cardCSCValue":"123","cardNumber":"4111111111111111","flag":true,"keyVersion":"1","seal":"00"}"#;

#[test]
fn masks_card_numbers_and_codes_unless_revealed() {
    let r = seal(&["explain"], CARD.as_bytes());
    expect_status(&r, 0);
    assert!(r.stdout.contains("411111******1111"), "{}", r.stdout);
    assert!(!r.stdout.contains("4111111111111111"), "{}", r.stdout);
    assert!(!r.stdout.contains("\"123\""), "{}", r.stdout);
    let r = seal(&["explain", "--reveal"], CARD.as_bytes());
    assert!(r.stdout.contains("4111111111111111"), "{}", r.stdout);
}

/// `--reveal` shows card data, never a password: a Paybox Direct
/// request's CLE (the test shop's here) was shown whole, in the field
/// list and in the seal string, text and JSON alike.
#[test]
fn reveal_never_shows_a_password() {
    let request = "VERSION=00103&TYPE=00003&SITE=1999888&RANG=032&CLE=1999888I&NUMQUESTION=0000000001&MONTANT=0000001000&DEVISE=978&REFERENCE=ORDER-1&PORTEUR=1111222233334444&DATEVAL=0529&CVV=123&DATEQ=07122026115304";
    for json in [false, true] {
        let mut args = vec!["explain", "--reveal"];
        if json {
            args.push("--json");
        }
        let r = seal(&args, request.as_bytes());
        expect_status(&r, 0);
        assert!(!r.stdout.contains("1999888I"), "{}", r.stdout);
        assert!(r.stdout.contains("CLE=********"), "{}", r.stdout);
        // What --reveal is for is still shown.
        assert!(
            r.stdout.contains("PORTEUR=1111222233334444"),
            "{}",
            r.stdout
        );
        assert!(r.stdout.contains("CVV=123"), "{}", r.stdout);
    }
}

/// A Sips POST's Data sent in base64 is its pairs in another writing:
/// with a card number and a security code among them, its text was shown
/// as it is in the field list and the seal string (`base64 -d` gives
/// `cardNumber=4012001037141112|cardCSCValue=123`), while the pairs were
/// masked. It is shown with --reveal only; a Data without card data is
/// shown as it is.
#[test]
fn a_base64_data_holding_card_data_is_shown_with_reveal_only() {
    let data = "YW1vdW50PTEwMDB8Y2FyZE51bWJlcj00MDEyMDAxMDM3MTQxMTEyfGNhcmRDU0NWYWx1ZT0xMjN8bWVyY2hhbnRJZD0wMTEyMjMzNDQ1NTAwMDA=";
    let msg =
        format!(r#"{{"Data":"{data}","Encode":"base64","InterfaceVersion":"HP_2.3","Seal":"00"}}"#);
    for json in [false, true] {
        let mut args = vec!["explain"];
        if json {
            args.push("--json");
        }
        let r = seal(&args, msg.as_bytes());
        expect_status(&r, 0);
        assert!(!r.stdout.contains(data), "{}", r.stdout);
        assert!(r.stdout.contains("401200******1112"), "{}", r.stdout);
        assert!(r.stdout.contains("--reveal shows it"), "{}", r.stdout);
        args.push("--reveal");
        let r = seal(&args, msg.as_bytes());
        expect_status(&r, 0);
        assert!(r.stdout.contains(data), "{}", r.stdout);
    }
    let plain = "YW1vdW50PTEwMDB8bWVyY2hhbnRJZD0wMTEyMjMzNDQ1NTAwMDA=";
    let msg = format!(
        r#"{{"Data":"{plain}","Encode":"base64","InterfaceVersion":"HP_2.3","Seal":"00"}}"#
    );
    let r = seal(&["explain", "--json"], msg.as_bytes());
    expect_status(&r, 0);
    assert_eq!(r.json()["seal_string"]["text"], plain, "{}", r.stdout);
}

#[test]
fn says_why_each_choice_was_made() {
    let r = seal(&["explain"], CARD.as_bytes());
    expect_status(&r, 0);
    for want in [
        "scheme      sips-json",
        "message     request",
        "algorithm   HMAC-SHA-256 — the sips-json default",
        "excluded    keyVersion, seal",
        "fields      4 enter the seal, in this order:",
        "seal string 27 bytes",
        "2500¦***¦411111******1111¦true",
        "booleans enter the seal as true/false: the gateway does not document this",
        "result      not checked",
    ] {
        assert!(
            r.stdout.contains(want),
            "missing {want:?} in:\n{}",
            r.stdout
        );
    }
}

#[test]
fn with_a_key_it_compares_and_diagnoses() {
    let d = Dir::new();
    let k = d.key("k", b"secret");
    let msg = format!(
        r#"{{"amount":"2500","orderId":"x","seal":"{}"}}"#,
        sha256_hex(b"2500xsecret")
    );
    let r = seal(
        &["explain", "--json", "--key-file", k.to_str().unwrap()],
        msg.as_bytes(),
    );
    expect_status(&r, 1);
    let j = r.json();
    assert_eq!(j["type"], "explain");
    assert_eq!(j["matches"], false);
    assert_eq!(j["computed_seal"], hmac_sha256_hex(b"secret", b"2500x"));
    assert!(j["likely_cause"]
        .as_str()
        .unwrap()
        .contains("SHA-256 instead of HMAC-SHA-256"));
    assert_eq!(j["fields"][1]["name"], "orderId");
    assert_eq!(j["fields"][1]["offset"], 4);
    // The key itself is never printed.
    assert!(!r.stdout.contains("secret\""), "{}", r.stdout);
}

#[test]
fn lyra_and_paybox_show_their_separators() {
    let r = seal(
        &["explain", "--json"],
        br#"{"vads_b":"2","vads_a":"1","other":"x"}"#,
    );
    let j = r.json();
    assert_eq!(j["seal_string"]["text"], "1+2");
    assert_eq!(j["excluded"], serde_json::json!(["other"]));
    assert!(j["seal_string"]["then"]
        .as_str()
        .unwrap()
        .contains("the key"));
    let r = seal(
        &["explain", "--json"],
        br#"{"PBX_SITE":"1","PBX_PORTEUR":"4111111111111111","PBX_HMAC":"AA"}"#,
    );
    let j = r.json();
    assert_eq!(
        j["seal_string"]["text"],
        "PBX_SITE=1&PBX_PORTEUR=411111******1111"
    );
    assert_eq!(j["algorithm"]["name"], "SHA512");
}

#[test]
fn post_data_pairs_are_shown_for_reading() {
    let r = seal(
        &["explain", "--json"],
        br#"{"Data":"amount=5|cardNumber=4111111111111111","InterfaceVersion":"HP_2.0"}"#,
    );
    expect_status(&r, 0);
    let j = r.json();
    assert_eq!(j["scheme"]["name"], "sips-post");
    assert_eq!(j["data_pairs"][1]["name"], "cardNumber");
    assert_eq!(j["data_pairs"][1]["value"], "411111******1111");
    assert_eq!(
        j["seal_string"]["text"],
        "amount=5|cardNumber=411111******1111"
    );
}

#[test]
fn control_characters_never_reach_the_terminal() {
    let r = seal(&["explain"], br#"{"a":"\u001b[31mred"}"#);
    expect_status(&r, 0);
    assert!(!r.stdout.contains('\u{1b}'), "{:?}", r.stdout);
    assert!(r.stdout.contains("\\u{1b}[31mred"), "{}", r.stdout);
}

#[test]
fn paybox_ipn_shows_the_raw_signed_text() {
    let q = crate::vectors::lexik_query("Mt=1000&Ref=CMD1349338388&Auto=XXXXXX&Erreur=00000");
    let r = seal(&["explain", "--json"], q.as_bytes());
    expect_status(&r, 0);
    let j = r.json();
    assert_eq!(j["scheme"]["name"], "paybox-ipn");
    assert_eq!(j["algorithm"]["name"], "RSA-SHA-1");
    assert_eq!(
        j["seal_string"]["text"],
        "Mt=1000&Ref=CMD1349338388&Auto=XXXXXX&Erreur=00000"
    );
    assert_eq!(j["excluded"], serde_json::json!(["Sign"]));
    assert_eq!(j["matches"], true);
    let tampered = q.replace("Mt=1000", "Mt=9000");
    let r = seal(&["explain"], tampered.as_bytes());
    expect_status(&r, 1);
    assert!(
        r.stdout.contains("result      DOES NOT MATCH"),
        "{}",
        r.stdout
    );
}

/// A card number in a text field, glued in the seal string to the digits
/// of the fields around it, is masked there as in its own field: the run
/// of text fields is masked together and each field alone. Sealed or not,
/// as JSON or text; `--reveal` shows the seal string exactly.
#[test]
fn a_card_number_glued_to_its_neighbours_is_masked_in_the_seal_string() {
    let d = Dir::new();
    let key = d.key("k", b"secret123");
    let key = key.to_str().unwrap();
    let unsealed = r#"{"amount":"1000","customerContact":{"note":"1111222233334444"},"merchantId":"201040040170001","keyVersion":"1"}"#;
    let sealed = seal(&["compute", "--key-file", key], unsealed.as_bytes());
    expect_status(&sealed, 0);
    for msg in [unsealed, sealed.stdout.trim()] {
        let r = seal(&["explain", "--json", "--key-file", key], msg.as_bytes());
        assert!(!r.stdout.contains("1111222233334444"), "{}", r.stdout);
        let j = r.json();
        assert_eq!(
            j["seal_string"]["text"], "1000111122******4444201040040170001",
            "{}",
            r.stdout
        );
        let r = seal(&["explain", "--key-file", key], msg.as_bytes());
        assert!(!r.stdout.contains("1111222233334444"), "{}", r.stdout);
        let r = seal(&["explain", "--json", "--reveal"], msg.as_bytes());
        assert_eq!(
            r.json()["seal_string"]["text"],
            "10001111222233334444201040040170001"
        );
    }
}
