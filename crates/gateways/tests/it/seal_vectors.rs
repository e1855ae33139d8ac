//! The seal vectors the gateways publish (../shared/spec/seal.md), one
//! per gateway's rule, through its seal string and `gateways::schemes`'
//! keys and seals.

use gateways::schemes::{seal_of, Keys, Scheme};
use gateways::seal::Algorithm;
use gateways::{lyra, paybox, sips};

fn pairs(text: &[(&str, &str)]) -> Vec<(String, String)> {
    text.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn sips_json_vector() {
    let fields: serde_json::Map<String, serde_json::Value> = serde_json::from_str(
        r#"{"amount":"2500","captureDay":"0","captureMode":"AUTHOR_CAPTURE","cardCSCValue":"000",
 "cardExpiryDate":"201612","cardNumber":"1234123412341234","currencyCode":"978",
 "customerContact":{"email":"customer@email.com"},"interfaceVersion":"IR_WS_2.3",
 "keyVersion":"1","merchantId":"011223344550000","orderChannel":"INTERNET",
 "orderId":"ORD101","returnContext":"ReturnContext","transactionOrigin":"SO_WEBAPPLI",
 "transactionReference":"TREFEXA2012"}"#,
    )
    .unwrap();
    let s = sips::seal::json_seal_string(
        &fields,
        &sips::seal::SIPS_REQUEST_EXCLUDED,
        Default::default(),
    );
    assert_eq!(s.text, "25000AUTHOR_CAPTURE0002016121234123412341234978customer@email.comIR_WS_2.3011223344550000INTERNETORD101ReturnContextSO_WEBAPPLITREFEXA2012");
    let key = Keys::new(b"secret123");
    let seal = seal_of(
        Scheme::SipsJson,
        Algorithm::HmacSha256,
        s.text.as_bytes(),
        key.get(Scheme::SipsJson).unwrap(),
    );
    assert_eq!(
        seal,
        "f1772faa4b73c0fc5a9810ad7fcaf91458d6174b2178a0a0a2bea2d860b404f5"
    );
}

#[test]
fn sips_post_vector() {
    let data = "amount=1234|currencyCode=978|merchantId=002001000000001|normalReturnUrl=http://www.normalreturnurl.com|transactionReference=marlon1|keyVersion=1";
    let seal = seal_of(
        Scheme::SipsPost,
        Algorithm::Sha256,
        data.as_bytes(),
        b"002001000000001_KEY1",
    );
    assert_eq!(
        seal,
        "65421e720d149e8a79bdc9a29f6c462ed199b78f32e558c6c5fc15f0084e5384"
    );
}

#[test]
fn paybox_vector() {
    let fields = pairs(&[
        ("PBX_SITE", "1999888"),
        ("PBX_RANG", "32"),
        ("PBX_IDENTIFIANT", "110647233"),
        ("PBX_TOTAL", "999"),
        ("PBX_DEVISE", "978"),
        ("PBX_CMD", "TEST Paybox"),
        ("PBX_PORTEUR", "test@paybox.com"),
        ("PBX_RETOUR", "Mt:M;Ref:R;Auto:A;Erreur:E"),
        ("PBX_HASH", "SHA512"),
        ("PBX_TIME", "2015-06-08T16:21:16+02:00"),
    ]);
    let s = paybox::hmac::seal_string(&fields);
    let keys = Keys::new("0123456789ABCDEF".repeat(8).as_bytes());
    let seal = seal_of(
        Scheme::Paybox,
        Algorithm::HmacSha512,
        s.text.as_bytes(),
        keys.get(Scheme::Paybox).unwrap(),
    );
    assert_eq!(seal, "7ABB5F7A31DF4C8976A44374D3BA2F9831E7927CFD62F774ED378F4E27471708F4EFE6D0BEFA44EBABCBD978B661C74E22EEB16DEF73A510E86D0A5C0E7B6D88");
}

#[test]
fn lyra_vectors() {
    let mut fields = pairs(&[
        ("vads_action_mode", "INTERACTIVE"),
        ("vads_amount", "5124"),
        ("vads_ctx_mode", "TEST"),
        ("vads_currency", "978"),
        ("vads_page_action", "PAYMENT"),
        ("vads_payment_config", "SINGLE"),
        ("vads_site_id", "12345678"),
        ("vads_trans_date", "20170129130025"),
        ("vads_trans_id", "123456"),
        ("vads_version", "V2"),
    ]);
    let s = lyra::signature::seal_string(&fields, true);
    assert_eq!(
        seal_of(
            Scheme::Lyra,
            Algorithm::HmacSha256,
            s.text.as_bytes(),
            b"1122334455667788"
        ),
        "ycA5Do5tNvsnKdc/eP1bj2xa19z9q3iWPy9/rpesfS0="
    );
    fields[1].1 = "1524".into();
    fields[7].1 = "20090501193530".into();
    fields[8].1 = "654321".into();
    let s = lyra::signature::seal_string(&fields, true);
    assert_eq!(
        seal_of(
            Scheme::Lyra,
            Algorithm::Sha1,
            s.text.as_bytes(),
            b"1122334455667788"
        ),
        "606b369759fac4f0864144c803c73676cbe470ff"
    );
}
