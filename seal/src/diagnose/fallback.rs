//! What to say when no known mistake reproduces the seal.

use gateways::schemes::Scheme;
use serde_json::Value;

use crate::analysis::Analysis;
use crate::message::Message;

/// What to say when no known mistake reproduces the seal: the mistakes
/// that cannot be recomputed from the message, by name, the likeliest
/// first — a field changed after sealing is the one the public trackers
/// report most (nursit/bank #85: a field changed after hashing, answered
/// "Problème d'identification du commerce"), then a seal copied from
/// another message (a cached form, a test fixture) — and then the key,
/// as the scheme names it: keyVersion for Sips only, vads_ctx_mode for
/// Lyra, the site's environment for Paybox.
pub fn fallback(msg: &Message, a: &Analysis) -> String {
    let seal = a.scheme.seal_field();
    let (changed, reused, key) = match a.scheme {
        Scheme::SipsJson | Scheme::SipsPost => (
            "an amount, a URL or a reference set after the seal was computed: seal last",
            "a seal copied from an earlier request or a test: compute it for each message",
            "the key is not the one of this keyVersion for this shop and environment (test / \
             production): after a key renewal, keyVersion must name the new one"
                .to_string(),
        ),
        Scheme::Paybox | Scheme::PayboxDirect => (
            "PBX_TOTAL, PBX_CMD or PBX_TIME set after PBX_HMAC was computed, or a field added to \
             the form and not to the sealed string: seal the fields exactly as posted, last",
            "PBX_TIME differs on every form: a cached page, or a PBX_HMAC kept from an earlier \
             order, posts an HMAC made for other fields",
            "the HMAC key is not the back-office key of this site and rang, for this environment \
             (pre-production / production)"
                .to_string(),
        ),
        Scheme::Lyra => (
            "a vads_* field set or changed after the signature was computed: sign last",
            "vads_trans_id and vads_trans_date change on every payment: a signature kept from \
             another form never fits",
            lyra_key_hint(msg),
        ),
        Scheme::PayboxIpn => unreachable!("paybox-ipn has its own fallback"),
    };
    let mut out = format!(
        "no known integration mistake reproduces this seal; what cannot be recomputed, \
         likeliest first: 1) a field changed after sealing ({changed}); 2) {} reused from \
         another form or message ({reused}); 3) {key}",
        if a.scheme == Scheme::Lyra {
            "a signature"
        } else {
            "an HMAC"
        }
    );
    if a.scheme == Scheme::Lyra {
        // nursit/bank #134: quotes in buyers' names. An unescaped '"' in
        // value="…" ends the attribute: the browser posts what comes
        // before it, and the text after it is lost, so no recomputation
        // can bring it back.
        out.push_str(
            "; 4) a value holding '\"' written unescaped in the form's HTML: the browser posts \
             only what comes before it (escape every value with htmlspecialchars)",
        );
    }
    out.push_str(&format!(
        ". seal explain shows exactly what was sealed, field by field, and the {seal} in the message"
    ));
    out
}

/// Lyra: the key `vads_ctx_mode` asks for (Lyra signs with the shop's
/// TEST or PRODUCTION key as that field says).
fn lyra_key_hint(msg: &Message) -> String {
    let mode = msg
        .fields
        .get("vads_ctx_mode")
        .and_then(Value::as_str)
        .unwrap_or("");
    match mode {
        "PRODUCTION" => "vads_ctx_mode=PRODUCTION asks for the shop's PRODUCTION key: a site \
             still signing with its TEST key gives exactly this"
            .into(),
        "TEST" => "vads_ctx_mode=TEST asks for the shop's TEST key: is the key given the TEST \
             one, and not the PRODUCTION one?"
            .into(),
        _ => "the key is not the one vads_ctx_mode asks for (the shop's TEST or PRODUCTION key)"
            .into(),
    }
}
