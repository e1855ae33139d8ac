//! The mistakes real integrations made (issue 26), each built the way its
//! public source's code built the seal, and named by `seal verify` and
//! `seal explain` (text and JSON) — with no fragment of the key printed.
//! The wrong seals are made here with the hmac/sha2 crates, independently
//! of the tool.

use crate::util::*;
use serde_json::{json, Value};

/// A key long enough that a fragment of it would be noticed.
const KEY: &str = "Zq3xW8pL2nR7tY5uK9mB4vC6hJ1sD0fG";

/// Every run of 12 characters of `key`, in each case, raw and
/// percent-encoded: none may appear in what the tool printed.
#[track_caller]
fn no_fragment_of(key: &str, printed: &str) {
    let encoded: String = form_urlencoded::byte_serialize(key.as_bytes()).collect();
    for k in [key.to_string(), encoded] {
        for form in [k.clone(), k.to_lowercase(), k.to_uppercase()] {
            let chars: Vec<char> = form.chars().collect();
            for w in chars.windows(12) {
                let piece: String = w.iter().collect();
                assert!(
                    !printed.contains(&piece),
                    "a fragment of the key was printed:\n{printed}"
                );
            }
        }
    }
}

/// Verify and explain `msg` (JSON or a form body) with `key`; both must
/// find it invalid and name the same cause, which is returned.
fn named(key: &[u8], msg: &str, extra: &[&str]) -> String {
    let d = Dir::new();
    let k = d.key("k", key);
    let mut args = vec!["verify", "--key-file", k.to_str().unwrap()];
    args.extend_from_slice(extra);
    let r = seal(&args, msg.as_bytes());
    expect_status(&r, 1);
    let j = r.json();
    assert_eq!(j["valid"], false, "{}", r.stdout);
    let c = j["likely_cause"].as_str().unwrap().to_string();
    assert!(
        r.stderr.contains(&c),
        "stderr lacks the cause: {}",
        r.stderr
    );
    let mut args = vec!["explain", "--json", "--key-file", k.to_str().unwrap()];
    args.extend_from_slice(extra);
    let e = seal(&args, msg.as_bytes());
    expect_status(&e, 1);
    assert_eq!(e.json()["likely_cause"].as_str(), Some(c.as_str()));
    args.remove(1);
    let t = seal(&args, msg.as_bytes());
    expect_status(&t, 1);
    assert!(
        t.stdout.contains(&format!("likely      {c}")),
        "explain's text lacks the cause:\n{}",
        t.stdout
    );
    let key = String::from_utf8_lossy(key);
    let key = key.trim_start_matches('\u{feff}').trim();
    if key.len() >= 12 {
        for run in [&r, &e, &t] {
            no_fragment_of(key, &run.stdout);
            no_fragment_of(key, &run.stderr);
        }
    }
    c
}

fn with(mut msg: Value, field: &str, seal: String) -> String {
    msg[field] = Value::String(seal);
    msg.to_string()
}

/// The cause named for a Sips JSON message sealed over `string`.
fn sips(msg: Value, string: &str) -> String {
    let seal = hmac_sha256_hex(KEY.as_bytes(), string.as_bytes());
    named(KEY.as_bytes(), &with(msg, "seal", seal), &[])
}

/// The cause named for a Lyra form signed over `values` (joined with
/// '+', the key appended by the rule).
fn lyra(msg: Value, values: &str) -> String {
    let signature = lyra_hmac(KEY.as_bytes(), format!("{values}+{KEY}").as_bytes());
    named(KEY.as_bytes(), &with(msg, "signature", signature), &[])
}

// --- §1: a correct 3-D Secure validation request ---------------------------

/// worldline/sips-sdk-php `CardValidateAuthenticationAndOrderRequest.php`:
/// the request carries redirectionData, messageVersion and paResMessage
/// back to the gateway, with the fields every request has.
fn validation_request() -> Value {
    json!({"interfaceVersion":"IR_WS_2.35","keyVersion":"1","merchantId":"201040040170001",
           "messageVersion":"0.4.1","paResMessage":"eJzVWNmSo0iy/RWn","redirectionData":"FTEx33MrE9Nc0gvt",
           "transactionReference":"TREF3DS1"})
}
const VALIDATION_STRING: &str =
    "IR_WS_2.352010400401700010.4.1eJzVWNmSo0iy/RWnFTEx33MrE9Nc0gvtTREF3DS1";

#[test]
fn the_3ds_validation_request_verifies_as_a_request() {
    let seal_value = hmac_sha256_hex(KEY.as_bytes(), VALIDATION_STRING.as_bytes());
    let msg = with(validation_request(), "seal", seal_value);
    let d = Dir::new();
    let k = d.key("k", KEY.as_bytes());
    let r = seal(
        &["verify", "--key-file", k.to_str().unwrap()],
        msg.as_bytes(),
    );
    expect_status(&r, 0);
    assert_eq!(r.json()["valid"], true);
    let e = seal(
        &["explain", "--json", "--key-file", k.to_str().unwrap()],
        msg.as_bytes(),
    );
    expect_status(&e, 0);
    let j = e.json();
    assert_eq!(j["message"]["name"], "request");
    assert!(
        j["message"]["reason"]
            .as_str()
            .unwrap()
            .contains("interfaceVersion"),
        "{j}"
    );
}

#[test]
fn the_java_sdk_sort_on_the_3ds_request_is_named_without_message_request() {
    // Java's compareToIgnoreCase puts paResMessage after merchantId and
    // messageVersion as byte order does, but "redirectionData" and the
    // rest keep their places: make the case matter with panType.
    let mut msg = validation_request();
    msg["panType"] = json!("PAN");
    // Byte order: … messageVersion, paResMessage, panType …; ignoring
    // case: … messageVersion, panType, paResMessage …
    let java = "IR_WS_2.352010400401700010.4.1PANeJzVWNmSo0iy/RWnFTEx33MrE9Nc0gvtTREF3DS1";
    let c = sips(msg, java);
    assert!(c.contains("sorted case-insensitively"), "{c}");
}

#[test]
fn fields_that_do_not_tell_are_tried_both_ways() {
    // Neither a request's field nor a response's: sealed as a response
    // (keyVersion counts), the seal says which.
    let msg = json!({"keyVersion":"1","merchantId":"201040040170001","redirectionData":"FTEx33"});
    let sealed = with(
        msg,
        "seal",
        hmac_sha256_hex(KEY.as_bytes(), b"1201040040170001FTEx33"),
    );
    let d = Dir::new();
    let k = d.key("k", KEY.as_bytes());
    let r = seal(
        &["verify", "--key-file", k.to_str().unwrap()],
        sealed.as_bytes(),
    );
    expect_status(&r, 0);
    assert_eq!(r.json()["message"], "response");
    let e = seal(
        &["explain", "--json", "--key-file", k.to_str().unwrap()],
        sealed.as_bytes(),
    );
    expect_status(&e, 0);
    let why = e.json()["message"]["reason"].as_str().unwrap().to_string();
    assert!(
        why.contains("both were tried: the seal matches as a response"),
        "{why}"
    );
}

// --- Sips JSON ----------------------------------------------------------------

#[test]
fn sips_fields_in_message_order() {
    // worldline/sips-sdk-php before 749769c: getSealData() without ksort.
    let msg = json!({"merchantId":"011223344550000","amount":"1000","interfaceVersion":"IR_WS_2.19",
                     "currencyCode":"978","keyVersion":"1"});
    let unsorted = "0112233445500001000IR_WS_2.19978";
    let c = sips(msg, unsorted);
    assert!(
        c.contains("taken in the message's order instead of sorted"),
        "{c}"
    );
}

#[test]
fn sips_nested_fields_in_message_order() {
    let msg = json!({"amount":"1000","customerContact":{"lastname":"Durand","email":"a@b.fr"},
                     "interfaceVersion":"IR_WS_2.19","keyVersion":"1"});
    // Top level sorted, the container's fields as given.
    let nested = "1000Duranda@b.frIR_WS_2.19";
    let c = sips(msg, nested);
    assert!(
        c.contains("inside nested objects are taken in the message's order"),
        "{c}"
    );
}

#[test]
fn sips_list_of_objects_as_object_object() {
    // worldline/sips-sdk-nodejs SealCalculator.js: concatenateArray is
    // value.toString().replace(/,/g, '').
    let msg = json!({"amount":"1000","interfaceVersion":"IR_WS_2.19","keyVersion":"1",
                     "shoppingCartDetail":{"shoppingCartItemList":[{"productCode":"P1","productName":"Pen"}],
                                           "shoppingCartTotalQuantity":"1"}});
    let node = "1000IR_WS_2.19[object Object]1";
    let c = sips(msg, node);
    assert!(c.contains("[object Object]"), "{c}");
}

#[test]
fn sips_java_sdk_endpoint_sealed() {
    // worldline/sips-sdk-java before b817b12: SIPS2Request's endpoint
    // ("wallet/" + "getWalletData") entered the reflection-built string,
    // names sorted ignoring case.
    let msg = json!({"interfaceVersion":"WR_WS_2.3","keyVersion":"1","merchantId":"011223344550000",
                     "merchantWalletId":"W1"});
    let java = "wallet/getWalletDataWR_WS_2.3011223344550000W1";
    let c = sips(msg, java);
    assert!(c.contains("endpoint (\"wallet/getWalletData\")"), "{c}");
}

#[test]
fn sips_sha256_of_the_key_alone() {
    // MAD-I-T/magento-worldline-sips2: hash('sha256', $key).
    let msg = json!({"Data":"amount=1000|currencyCode=978|merchantId=011223344550000",
                     "InterfaceVersion":"HP_2.0"});
    let c = named(
        KEY.as_bytes(),
        &with(msg, "Seal", sha256_hex(KEY.as_bytes())),
        &[],
    );
    assert!(c.contains("SHA-256 of the key alone"), "{c}");
}

#[test]
fn sips_demo_key_of_the_transaction_id_shop() {
    // nursit/bank #94: 002001000000003_KEY1 left in a configuration.
    let msg = json!({"amount":"1000","interfaceVersion":"IR_WS_2.19","keyVersion":"1"});
    let c = named(
        KEY.as_bytes(),
        &with(
            msg,
            "seal",
            hmac_sha256_hex(b"002001000000003_KEY1", b"1000IR_WS_2.19"),
        ),
        &[],
    );
    assert!(
        c.contains("public test key of the Sips demo merchant 002001000000003"),
        "{c}"
    );
}

#[test]
fn sips_fallback_names_what_cannot_be_recomputed() {
    let msg = json!({"amount":"1000","interfaceVersion":"IR_WS_2.19","keyVersion":"1"});
    let c = named(KEY.as_bytes(), &with(msg, "seal", "ab".repeat(32)), &[]);
    assert!(
        c.starts_with("no known integration mistake reproduces this seal"),
        "{c}"
    );
    let changed = c.find("1) a field changed after sealing").expect(&c);
    let reused = c.find("2) an HMAC reused from another form").expect(&c);
    assert!(changed < reused, "{c}");
    assert!(c.contains("keyVersion"), "{c}");
}

// --- Keys ---------------------------------------------------------------------

#[test]
fn key_file_with_a_byte_order_mark() {
    let msg = json!({"amount":"1000","interfaceVersion":"IR_WS_2.19","keyVersion":"1"});
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(KEY.as_bytes());
    let c = named(
        KEY.as_bytes(),
        &with(msg, "seal", hmac_sha256_hex(&bom, b"1000IR_WS_2.19")),
        &[],
    );
    assert!(c.contains("byte order mark"), "{c}");
}

#[test]
fn key_read_with_its_crlf() {
    let msg = json!({"vads_amount":"5124","vads_ctx_mode":"TEST","vads_site_id":"12345678"});
    let key_crlf = format!("{KEY}\r\n");
    let sig = lyra_hmac(
        key_crlf.as_bytes(),
        format!("5124+TEST+12345678+{key_crlf}").as_bytes(),
    );
    let c = named(KEY.as_bytes(), &with(msg, "signature", sig), &[]);
    assert!(c.contains("trailing CRLF is part of the key"), "{c}");
}

#[test]
fn base64url_key_decoded_before_use() {
    use base64::Engine as _;
    let key = "dGhpc19pc19ub3RfYV9yZWFsX2tleV9mb3JfdGVzdHM";
    let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(key)
        .unwrap();
    let msg = json!({"amount":"1000","interfaceVersion":"IR_WS_2.19","keyVersion":"1"});
    let c = named(
        key.as_bytes(),
        &with(msg, "seal", hmac_sha256_hex(&decoded, b"1000IR_WS_2.19")),
        &[],
    );
    assert!(c.contains("base64url-decoded before use"), "{c}");
}

// --- HTML entities --------------------------------------------------------------

#[test]
fn lyra_value_sealed_with_numeric_entities() {
    // nursit/bank 9f7b221: SPIP's typography left &#8217; in the values
    // signed for PayZen; the browser posted ’.
    let msg = json!({"vads_amount":"5124","vads_ctx_mode":"TEST","vads_order_info":"l’été",
                     "vads_site_id":"12345678"});
    let c = lyra(msg, "5124+TEST+l&#8217;&#233;t&#233;+12345678");
    assert!(c.contains("HTML-entity-encoded when sealed"), "{c}");
}

#[test]
fn lyra_site_name_sealed_with_named_entities() {
    // nursit/bank #62: the site's name encoded in HTML before signing.
    let msg = json!({"vads_amount":"5124","vads_ctx_mode":"TEST","vads_shop_name":"Épicerie Hélène",
                     "vads_site_id":"12345678"});
    let c = lyra(
        msg,
        "5124+TEST+&Eacute;picerie H&eacute;l&egrave;ne+12345678",
    );
    assert!(c.contains("HTML-entity-encoded when sealed"), "{c}");
}

#[test]
fn lyra_entities_posted_but_characters_sealed() {
    // The reverse: the page escaped a value twice, so the browser posted
    // the entity's text while the seal was made over the character.
    let msg = json!({"vads_amount":"5124","vads_ctx_mode":"TEST","vads_cust_last_name":"H&eacute;l&egrave;ne",
                     "vads_site_id":"12345678"});
    let c = lyra(msg, "5124+TEST+Hélène+12345678");
    assert!(c.contains("HTML entities in the values are decoded"), "{c}");
}

/// [`lyra`] with the published Lyra test key (../shared/spec/seal.md).
fn lyra_published(msg: Value, values: &str) -> String {
    let key = "1122334455667788";
    let signature = lyra_hmac(key.as_bytes(), format!("{values}+{key}").as_bytes());
    named(key.as_bytes(), &with(msg, "signature", signature), &[])
}

/// Issue 26 §2 (F3): both forms in one sealed value (SPIP's `&#8217;`
/// beside accents named by htmlentities), or named entities in one field
/// and numeric ones in another, were "no known integration mistake".
#[test]
fn lyra_values_sealed_with_named_and_numeric_entities_together() {
    let msg = json!({"vads_amount":"5124","vads_ctx_mode":"TEST","vads_order_info":"Café d’Athènes",
                     "vads_site_id":"12345678"});
    let c = lyra_published(msg, "5124+TEST+Caf&eacute; d&#8217;Ath&egrave;nes+12345678");
    assert!(
        c.contains("HTML-entity-encoded when sealed (é as &eacute; and ’ as &#8217; in one value)"),
        "{c}"
    );
    let msg = json!({"vads_amount":"5124","vads_ctx_mode":"TEST","vads_cust_city":"Athènes",
                     "vads_order_info":"Café","vads_site_id":"12345678"});
    for sealed in [
        "5124+TEST+Ath&#232;nes+Caf&eacute;+12345678",
        "5124+TEST+Ath&egrave;nes+Caf&#233;+12345678",
    ] {
        let c = lyra_published(msg.clone(), sealed);
        assert!(
            c.contains("some with named entities (é as &eacute;) and others with numeric ones"),
            "{sealed}: {c}"
        );
    }
}

/// The reverse, every form of entity decoded together: named, decimal
/// and hexadecimal in one posted value.
#[test]
fn lyra_entities_of_every_form_posted_but_characters_sealed() {
    let msg = json!({"vads_amount":"5124","vads_ctx_mode":"TEST",
                     "vads_order_info":"Caf&eacute; d&#8217;Ath&#xe8;nes","vads_site_id":"12345678"});
    let c = lyra_published(msg, "5124+TEST+Café d’Athènes+12345678");
    assert!(c.contains("HTML entities in the values are decoded"), "{c}");
}

#[test]
fn paybox_shopping_cart_sealed_with_quote_entities() {
    // nursit/bank before 624a52c: str_replace('"', '&#034;', $v) on every
    // PBX_ value, and the seal made over that text.
    let cart = r#"<?xml version="1.0" encoding="utf-8"?><shoppingcart><total><totalQuantity>1</totalQuantity></total></shoppingcart>"#;
    let msg = json!({"PBX_SITE":"1999888","PBX_RANG":"32","PBX_TOTAL":"999","PBX_SHOPPINGCART":cart,
                     "PBX_HASH":"SHA512"});
    let sealed = format!(
        "PBX_SITE=1999888&PBX_RANG=32&PBX_TOTAL=999&PBX_SHOPPINGCART={}&PBX_HASH=SHA512",
        cart.replace('"', "&#034;")
    );
    let key = hex::decode(PAYBOX_TEST_KEY).unwrap();
    let c = named(
        PAYBOX_TEST_KEY.as_bytes(),
        &with(msg, "PBX_HMAC", hmac_sha512_upper(&key, sealed.as_bytes())),
        &[],
    );
    assert!(
        c.contains("HTML-entity-encoded when sealed ('\"' as &#034;)"),
        "{c}"
    );
}

#[test]
fn paybox_billing_xml_sealed_entity_encoded() {
    // up2pay before a2a13dc: he.encode(PBX_BILLING, {useNamedReferences: true}).
    let billing = "<?xml version=\"1.0\" encoding=\"utf-8\"?><Billing><Address><FirstName>Zoé</FirstName><City>Orléans</City></Address></Billing>";
    let msg =
        json!({"PBX_SITE":"1999888","PBX_RANG":"32","PBX_BILLING":billing,"PBX_HASH":"SHA512"});
    let encoded = "&lt;?xml version=&quot;1.0&quot; encoding=&quot;utf-8&quot;?&gt;&lt;Billing&gt;&lt;Address&gt;&lt;FirstName&gt;Zo&eacute;&lt;/FirstName&gt;&lt;City&gt;Orl&eacute;ans&lt;/City&gt;&lt;/Address&gt;&lt;/Billing&gt;";
    let sealed = format!("PBX_SITE=1999888&PBX_RANG=32&PBX_BILLING={encoded}&PBX_HASH=SHA512");
    let key = hex::decode(PAYBOX_TEST_KEY).unwrap();
    let c = named(
        PAYBOX_TEST_KEY.as_bytes(),
        &with(msg, "PBX_HMAC", hmac_sha512_upper(&key, sealed.as_bytes())),
        &[],
    );
    assert!(c.contains("HTML-entity-encoded when sealed"), "{c}");
}

// --- Lyra ---------------------------------------------------------------------

#[test]
fn lyra_line_break_signed_as_lf_posted_as_crlf() {
    let msg = json!({"vads_amount":"5124","vads_ctx_mode":"TEST","vads_order_info":"line 1\r\nline 2",
                     "vads_site_id":"12345678"});
    let c = lyra(msg, "5124+TEST+line 1\nline 2+12345678");
    assert!(c.contains("posted them as CRLF"), "{c}");
}

#[test]
fn lyra_value_truncated_by_a_quote_and_test_key_in_production() {
    // nursit/bank #134: value="Le "Bistrot"" posts "Le " — nothing can
    // recompute the lost text, so the fallback names it; and a message
    // whose vads_ctx_mode says PRODUCTION, signed with another key, is
    // told which key that field asks for. No keyVersion: that is Sips'.
    let msg = json!({"vads_amount":"5124","vads_ctx_mode":"PRODUCTION","vads_cust_last_name":"Le ",
                     "vads_site_id":"12345678"});
    let c = lyra(msg, "5124+PRODUCTION+Le \"Bistrot\"+12345678");
    assert!(c.contains("1) a field changed after sealing"), "{c}");
    assert!(c.contains("2) a signature reused from another form"), "{c}");
    assert!(c.contains("'\"' written unescaped"), "{c}");
    assert!(
        c.contains("vads_ctx_mode=PRODUCTION asks for the shop's PRODUCTION key"),
        "{c}"
    );
    assert!(!c.contains("keyVersion"), "{c}");
}

#[test]
fn paybox_fallback_speaks_of_no_key_version() {
    let msg = json!({"PBX_SITE":"1999888","PBX_RANG":"32","PBX_TOTAL":"999","PBX_HASH":"SHA512"});
    let c = named(
        PAYBOX_TEST_KEY.as_bytes(),
        &with(msg, "PBX_HMAC", "AB".repeat(64)),
        &[],
    );
    assert!(c.contains("2) an HMAC reused from another form"), "{c}");
    assert!(!c.contains("keyVersion"), "{c}");
}

// --- Paybox returns -------------------------------------------------------------

/// Verify and explain a Paybox return (no key: Paybox's public one).
fn ipn(query: &str, extra: &[&str]) -> (crate::util::Run, Value, Value) {
    let mut args = vec!["verify", "--scheme", "paybox-ipn", "--input", "form"];
    args.extend_from_slice(extra);
    let r = seal(&args, query.as_bytes());
    args[0] = "explain";
    args.push("--json");
    let e = seal(&args, query.as_bytes());
    assert_eq!(r.status, e.status, "{}\n{}", r.stderr, e.stderr);
    let (v, x) = (r.json(), e.json());
    assert_eq!(v["likely_cause"], x["likely_cause"]);
    (r, v, x)
}

/// PHP's urlencode(): everything but letters, digits and `-_.` escaped,
/// a space as `+`.
fn php_urlencode(text: &str) -> String {
    const PHP: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b' ');
    percent_encoding::utf8_percent_encode(text, PHP)
        .to_string()
        .replace(' ', "+")
}

#[test]
fn ipn_rebuilt_with_php_urlencode() {
    // LexikPayboxBundle Response::initData (2016): urlencode() of each
    // decoded value, then the signature checked over that text.
    let at = crate::vectors::UP2PAY_QUERY.rfind("&signature=").unwrap();
    let (signed, sig) = crate::vectors::UP2PAY_QUERY.split_at(at);
    let rebuilt: Vec<String> = form_urlencoded::parse(signed.as_bytes())
        .map(|(k, v)| format!("{k}={}", php_urlencode(&v)))
        .collect();
    let query = format!("{}{sig}", rebuilt.join("&"));
    assert!(query.contains("Paiement+pour+ronan%40"), "{query}");
    let (r, v, _) = ipn(&query, &["--sig-field", "signature"]);
    expect_status(&r, 1);
    let c = v["likely_cause"].as_str().unwrap();
    assert!(c.contains("PHP urlencode()"), "{c}");
}

/// BenMorel/Paybox tests/OpenSSLTest.php: RemoteMPI callbacks signed by
/// Paybox, over the decoded values (Latin-1 'à' as %e0).
const REMOTE_MPI_GET: &str = "IdSession=1449094098&StatusPBX=Autorisation%20%e0%20faire&3DSTATUS=Y&3DSIGNVAL=Y&3DENROLLED=Y&3DERROR=0&3DECI=05&3DXID=0qk87PdWNjJJL3eKQt6k4fATkbw=&3DCAVV=AAABB3FWUgQZBhJQSVZSAAAAAAA=&3DCAVVALGO=2&ID3D=1000012364347&Check=EXb84Y6Mk7VLm2kve60WvgwevvJm8a%2bzvbzF%2flF3iLi6wiUXc7%2fySupZ57oJfXmN3wi%2bU%2b82S2GBjB1HRaqZ15VihjtVqh8c2xmPviZ37Q8rzNMfDYbxC3%2bQfCTUfMTYNWHqQT4dVREBFFU7Fvv2QuhawImi%2b2Kj1T0JbLbmmx8%3d";
/// The same, posted to the return URL: form-encoded values, the
/// signature encoded twice.
const REMOTE_MPI_POST: &str = "IdSession=1449094098&StatusPBX=Autorisation+%E0+faire&3DSTATUS=Y&3DSIGNVAL=Y&3DENROLLED=Y&3DERROR=0&3DECI=05&3DXID=0qk87PdWNjJJL3eKQt6k4fATkbw%3D&3DCAVV=AAABB3FWUgQZBhJQSVZSAAAAAAA%3D&3DCAVVALGO=2&ID3D=1000012364347&Check=EXb84Y6Mk7VLm2kve60WvgwevvJm8a%252bzvbzF%252flF3iLi6wiUXc7%252fySupZ57oJfXmN3wi%252bU%252b82S2GBjB1HRaqZ15VihjtVqh8c2xmPviZ37Q8rzNMfDYbxC3%252bQfCTUfMTYNWHqQT4dVREBFFU7Fvv2QuhawImi%252b2Kj1T0JbLbmmx8%253d";

#[test]
fn remote_mpi_callbacks_verify_by_their_own_rule() {
    for (query, said) in [
        (REMOTE_MPI_GET, "values URL-decoded"),
        (REMOTE_MPI_POST, "signature twice"),
    ] {
        let (r, v, x) = ipn(query, &[]);
        expect_status(&r, 0);
        assert_eq!(v["valid"], true);
        assert!(v["rule"].as_str().unwrap().contains(said), "{v}");
        let notes = x["notes"].to_string();
        assert!(notes.contains("RemoteMPI"), "{notes}");
        // One value changed (3DSTATUS Y → N, as BenMorel's forged case):
        // no rule makes it verify.
        let forged = query.replace("3DSTATUS=Y", "3DSTATUS=N");
        let (r, v, _) = ipn(&forged, &[]);
        expect_status(&r, 1);
        assert_eq!(v["valid"], false);
    }
}

#[test]
fn ipn_signature_that_is_not_base64() {
    let query = "Mt=1000&Ref=CMD1&Erreur=00000&Sign=not*base64";
    let (r, v, _) = ipn(query, &[]);
    expect_status(&r, 1);
    let c = v["likely_cause"].as_str().unwrap();
    assert!(c.contains("is not a signature (not base64)"), "{c}");
    assert!(!c.contains("keyVersion"), "{c}");
}

#[test]
fn ipn_parameter_dropped_before_verification() {
    // LexikPayboxBundle PR #28: with a return URL from the back office,
    // Paybox signs every parameter; here the first one was dropped.
    let query = crate::vectors::UP2PAY_QUERY.replacen("amount=900&", "", 1);
    let (r, v, _) = ipn(&query, &["--sig-field", "signature"]);
    expect_status(&r, 1);
    let c = v["likely_cause"].as_str().unwrap();
    assert!(
        c.contains("1) a parameter dropped or changed on its way"),
        "{c}"
    );
    assert!(c.contains("PR #28"), "{c}");
    assert!(!c.contains("keyVersion"), "{c}");
}

#[test]
fn ipn_given_as_a_whole_url() {
    // A return copied from the web server's access log, address and all:
    // Paybox signed the query string alone.
    let query = format!(
        "https://shop.example/paybox/ipn.php?{}",
        crate::vectors::lexik_query("Mt=1000&Ref=CMD1349338388&Auto=XXXXXX&Erreur=00000")
    );
    let (r, v, _) = ipn(&query, &[]);
    expect_status(&r, 1);
    let c = v["likely_cause"].as_str().unwrap();
    assert!(c.contains("this is a whole URL"), "{c}");
    assert!(!c.contains("shop.example"), "{c}");
}
