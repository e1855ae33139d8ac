//! What `seal explain` shows: everything that goes into a seal, as a
//! report for a person (text) or a script (JSON).

use gateways::paybox::ipn;
use gateways::schemes::Scheme;
use gateways::seal::{Algorithm, Segment};
use gateways::sips::seal::Direction;
use paylot_cli::text::FieldKind;
use serde::Serialize;

use crate::analysis::Analysis;
use crate::check::Check;
use crate::message::Unreadable;

#[derive(Debug, Serialize)]
pub struct Named {
    pub name: String,
    pub reason: String,
}

#[derive(Debug, Serialize)]
pub struct Field {
    pub position: usize,
    pub name: String,
    pub value: String,
    /// Byte offset of the value in the seal string.
    pub offset: usize,
    /// Its length in bytes.
    pub bytes: usize,
}

#[derive(Debug, Serialize)]
pub struct SealStringView {
    /// The seal string with masked values and the real separators.
    pub text: String,
    /// The same with a visible mark at every field boundary.
    pub with_boundaries: String,
    /// Its length in bytes (the real string, unmasked).
    pub bytes: usize,
    /// What follows the string when sealing, if anything (never the key).
    pub then: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Report {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub version: u32,
    pub line: usize,
    pub scheme: Named,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<Named>,
    pub algorithm: Named,
    pub excluded: Vec<String>,
    pub fields: Vec<Field>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub data_pairs: Vec<Field>,
    pub seal_string: SealStringView,
    pub notes: Vec<String>,
    pub seal_in_message: Option<String>,
    pub computed_seal: Option<String>,
    pub key_from: Option<String>,
    pub matches: Option<bool>,
    pub likely_cause: Option<String>,
}

/// The mark shown between fields; it is not part of the seal string.
pub const BOUNDARY: &str = "¦";

/// What the report shows of the message, unless `reveal`: each field's
/// value as its kind says (`gateways::kinds`: the merchant's identifiers
/// and the seal string they make exactly as they are, a card number
/// masked, a security code blanked), and every other text read from it
/// (names, notes) masked as text. The report's text is then only escaped
/// ([`render`]): a value is never masked twice, by another rule.
pub fn report(a: &Analysis, check: Option<(Check, String)>, reveal: bool, line: usize) -> Report {
    let as_text = |t: &str| {
        if reveal {
            t.to_string()
        } else {
            paylot_cli::text::mask(t).into_owned()
        }
    };
    // A segment may be `NAME=value` (Paybox): the value is what is masked.
    let show = |path: &str, text: &str| {
        let kind = gateways::kinds::of(path);
        match text.strip_prefix(path).and_then(|v| v.strip_prefix('=')) {
            // --reveal shows card data, never a password sent as a field
            // (a Direct request's CLE: a secret, which no tool prints),
            // where it showed the CLE whole in the fields and the seal
            // string.
            _ if reveal && kind != FieldKind::Secret => text.to_string(),
            Some(v) if !path.is_empty() => format!("{}={}", as_text(path), kind.mask(v)),
            _ => kind.mask(text).into_owned(),
        }
    };
    let mut fields = Vec::new();
    let mut offset = 0;
    let sep = a.seal_string.separator;
    for (i, seg) in a.seal_string.segments.iter().enumerate() {
        if i > 0 {
            offset += sep.len();
        }
        fields.push(Field {
            position: i + 1,
            name: as_text(&seg.path),
            value: show(&seg.path, &seg.text),
            offset,
            bytes: seg.text.len(),
        });
        offset += seg.text.len();
    }
    // The Data of a Sips POST is one opaque piece; its pairs are shown for
    // reading only.
    let data_pairs: Vec<Field> = a
        .data_pairs
        .iter()
        .enumerate()
        .map(|(i, p)| Field {
            position: i + 1,
            name: as_text(&p.path),
            value: show(&p.path, &p.text),
            offset: 0,
            bytes: p.text.len(),
        })
        .collect();
    let pair_text = |p: &Segment, masked: bool| {
        let v = if masked {
            show(&p.path, &p.text)
        } else {
            p.text.clone()
        };
        if p.path.is_empty() {
            v
        } else if masked {
            format!("{}={v}", as_text(&p.path))
        } else {
            format!("{}={v}", p.path)
        }
    };
    let rejoined: Vec<String> = a.data_pairs.iter().map(|p| pair_text(p, false)).collect();
    let data_is_pairs = !a.data_pairs.is_empty() && rejoined.join("|") == a.seal_string.text;
    let text = if a.scheme == Scheme::SipsPost && data_is_pairs {
        a.data_pairs
            .iter()
            .map(|p| pair_text(p, true))
            .collect::<Vec<_>>()
            .join("|")
    } else {
        // Fields read as text are masked together where they follow one
        // another: a card number split between two of them is one in the
        // seal string. Each is masked alone too: glued to its neighbours'
        // digits, a card number is no longer a number of card length, and
        // the run as a whole would show it (`mask_joined`). Identifiers
        // stand between them as they are.
        let mut parts: Vec<String> = Vec::new();
        let mut run: Vec<&str> = Vec::new();
        for (seg, f) in a.seal_string.segments.iter().zip(&fields) {
            let kind = gateways::kinds::of(&seg.path);
            if !reveal && matches!(kind, FieldKind::Text | FieldKind::Figure) {
                run.push(&seg.text);
                continue;
            }
            if !run.is_empty() {
                parts.push(paylot_cli::text::mask_joined(
                    &std::mem::take(&mut run),
                    sep,
                ));
            }
            parts.push(f.value.clone());
        }
        if !run.is_empty() {
            parts.push(paylot_cli::text::mask_joined(&run, sep));
        }
        parts.join(sep)
    };
    // A Data sent in base64 (Encode=base64) is its pairs in another
    // writing: where the pairs hold card data (shown masked below), its
    // text holds them whole for anyone who decodes it, and was shown as
    // it is, in the field list and the seal string. Shown with --reveal.
    let base64_card_data = !reveal
        && !data_is_pairs
        && a.data_pairs
            .iter()
            .zip(&data_pairs)
            .any(|(pair, shown)| shown.value != pair.text);
    let mut text = text;
    if base64_card_data {
        let hidden = format!(
            "(Data in base64, {} bytes: its pairs, below, hold card data; --reveal shows it)",
            a.seal_string.text.len()
        );
        for (f, seg) in fields.iter_mut().zip(&a.seal_string.segments) {
            if seg.path == "Data" {
                f.value.clone_from(&hidden);
            }
        }
        text = hidden;
    }
    let with_boundaries = fields
        .iter()
        .map(|f| f.value.as_str())
        .collect::<Vec<_>>()
        .join(&format!("{BOUNDARY}{sep}"));
    let then = match (a.scheme, a.algorithm) {
        (Scheme::Lyra, _) => Some("+ and the key, then the whole string is hashed".into()),
        (_, Algorithm::Sha256) => {
            Some("the secret key, then the whole string is hashed (SHA-256)".into())
        }
        _ => None,
    };
    let (computed, key_from, cause, matches) = match check {
        Some((c, origin)) => (Some(c.computed), Some(origin), c.likely_cause, c.matches),
        None => (None, None, None, None),
    };
    let mut notes: Vec<String> = a.notes.iter().map(|n| as_text(n)).collect();
    if computed.is_some() && a.given.is_none() {
        notes.push(format!(
            "the message carries no {} field: it is unsealed, so there is nothing to compare",
            a.scheme.seal_field()
        ));
    }
    Report {
        kind: "explain",
        version: 1,
        line,
        scheme: Named {
            name: a.scheme.name().into(),
            reason: as_text(&a.scheme_reason),
        },
        message: a.direction.as_ref().map(|(d, why)| Named {
            name: match d {
                Direction::Request => "request".into(),
                Direction::Response => "response".into(),
            },
            reason: as_text(why),
        }),
        algorithm: Named {
            name: a.scheme.spelling(a.algorithm).into(),
            reason: as_text(&a.algorithm_reason),
        },
        excluded: a.excluded.iter().map(|e| as_text(e)).collect(),
        fields,
        data_pairs,
        seal_string: SealStringView {
            text,
            with_boundaries,
            bytes: a.seal_string.text.len(),
            then,
        },
        notes,
        seal_in_message: a.given.as_ref().map(|g| show(a.scheme.seal_field(), g)),
        computed_seal: computed,
        key_from: key_from.map(|k| as_text(&k)),
        matches,
        likely_cause: cause.map(|c| as_text(&c)),
    }
}

pub fn ipn_report(
    query: &str,
    scheme_reason: &str,
    key: &rsa::RsaPublicKey,
    sig_field: Option<&str>,
    reveal: bool,
    line: usize,
) -> Result<Report, Unreadable> {
    let split = ipn::split(query, sig_field)?;
    // The pairs' names are the merchant's choice (PBX_RETOUR): their
    // values are read as text.
    let show = |t: &str| {
        if reveal {
            t.to_string()
        } else {
            paylot_cli::text::mask(t).into_owned()
        }
    };
    let mut fields = Vec::new();
    let mut offset = 0;
    for (i, pair) in split.signed.split('&').enumerate() {
        if i > 0 {
            offset += 1;
        }
        let name = pair.split_once('=').map(|(k, _)| k).unwrap_or(pair);
        fields.push(Field {
            position: i + 1,
            name: name.to_string(),
            value: show(pair),
            offset,
            bytes: pair.len(),
        });
        offset += pair.len();
    }
    let c = crate::ipn::check(key, query, &split);
    let mut notes = Vec::new();
    match (&c.unreadable, c.signature_bytes) {
        (Some(e), _) => notes.push(format!("parameter {}: {e}", split.field)),
        (None, Some(n)) => notes.push(format!("signature: {n} bytes after base64 decoding")),
        (None, None) => {}
    }
    let (matches, cause) = (Some(c.valid), c.likely_cause);
    notes.push(match c.rule {
        Some(rule) => format!("the signature verifies as {rule}"),
        None => "the signed text is the raw query string up to &<signature>=, still \
                 percent-encoded, exactly as received; decoding it first breaks the signature"
            .into(),
    });
    if !split.last {
        notes.push(format!(
            "the signature parameter {} is not the last one; Paybox puts it last",
            split.field
        ));
    }
    Ok(Report {
        kind: "explain",
        version: 1,
        line,
        scheme: Named {
            name: Scheme::PayboxIpn.name().into(),
            reason: show(scheme_reason),
        },
        message: None,
        algorithm: Named {
            name: "RSA-SHA-1".into(),
            reason: "Paybox signs its returns with RSA/SHA-1 under its private key; checked with its public key".into(),
        },
        excluded: vec![split.field.to_string()],
        seal_string: SealStringView {
            text: show(split.signed),
            with_boundaries: fields
                .iter()
                .map(|f| f.value.as_str())
                .collect::<Vec<_>>()
                .join(&format!("{BOUNDARY}&")),
            bytes: split.signed.len(),
            then: None,
        },
        fields,
        data_pairs: Vec::new(),
        notes: notes.iter().map(|n| show(n)).collect(),
        seal_in_message: Some(if reveal {
            split.raw_signature.to_string()
        } else {
            FieldKind::Seal.mask(split.raw_signature).into_owned()
        }),
        computed_seal: None,
        key_from: Some("the public key".into()),
        matches,
        likely_cause: cause.map(|c| show(&c)),
    })
}

/// The report as text for a person, every line with its control
/// characters escaped (what it shows was masked as the report was made:
/// [`report`]).
pub fn render(r: &Report) -> String {
    let text = render_lines(r);
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        out.push_str(&paylot_cli::sanitize(line));
        out.push('\n');
    }
    out
}

fn render_lines(r: &Report) -> String {
    use std::fmt::Write as _;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "scheme      {} — {}",
        r.scheme.name,
        safe(&r.scheme.reason)
    );
    if let Some(m) = &r.message {
        let _ = writeln!(o, "message     {} — {}", m.name, m.reason);
    }
    let _ = writeln!(
        o,
        "algorithm   {} — {}",
        r.algorithm.name,
        safe(&r.algorithm.reason)
    );
    if r.excluded.is_empty() {
        let _ = writeln!(o, "excluded    none");
    } else {
        let _ = writeln!(o, "excluded    {}", safe(&r.excluded.join(", ")));
    }
    let width = r
        .fields
        .iter()
        .map(|f| f.name.chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, 40);
    let _ = writeln!(
        o,
        "fields      {} enter the seal, in this order:",
        r.fields.len()
    );
    for f in &r.fields {
        let _ = writeln!(
            o,
            "  {:>3}  {:<width$}  {:>5}+{:<4} {}",
            f.position,
            safe(&f.name),
            f.offset,
            f.bytes,
            quoted(&f.value),
        );
    }
    if !r.data_pairs.is_empty() {
        let _ = writeln!(
            o,
            "Data pairs  (for reading only: the seal covers Data exactly as transmitted)"
        );
        let w = r
            .data_pairs
            .iter()
            .map(|f| f.name.chars().count())
            .max()
            .unwrap_or(4)
            .clamp(4, 40);
        for f in &r.data_pairs {
            let _ = writeln!(
                o,
                "  {:>3}  {:<w$}  {}",
                f.position,
                safe(&f.name),
                quoted(&f.value)
            );
        }
    }
    let _ = writeln!(
        o,
        "seal string {} bytes; fields marked with {BOUNDARY} here (the mark is not part of it):",
        r.seal_string.bytes
    );
    let _ = writeln!(o, "  {}", safe(&r.seal_string.with_boundaries));
    if let Some(then) = &r.seal_string.then {
        let _ = writeln!(o, "  followed by {then}");
    }
    for n in &r.notes {
        let _ = writeln!(o, "note        {}", safe(n));
    }
    match &r.seal_in_message {
        Some(s) => {
            let _ = writeln!(o, "in message  {}", safe(s));
        }
        None => {
            let _ = writeln!(o, "in message  (no seal)");
        }
    }
    if let Some(c) = &r.computed_seal {
        let _ = writeln!(
            o,
            "computed    {}  (key from {})",
            c,
            safe(r.key_from.as_deref().unwrap_or("?"))
        );
    }
    match r.matches {
        Some(true) => {
            let _ = writeln!(o, "result      matches");
        }
        Some(false) => {
            let _ = writeln!(o, "result      DOES NOT MATCH");
            if let Some(c) = &r.likely_cause {
                let _ = writeln!(o, "likely      {}", safe(c));
            }
        }
        None if r.seal_in_message.is_none() && r.computed_seal.is_some() => {
            let _ = writeln!(
                o,
                "result      NO SEAL: the message is unsealed, so it cannot be valid (a gateway refuses it)"
            );
        }
        None if r.seal_in_message.is_none() => {
            let _ = writeln!(o, "result      no seal in the message: nothing to check");
        }
        None => {
            let _ = writeln!(
                o,
                "result      not checked (give --key-file or --key-env to compute the seal)"
            );
        }
    }
    o
}

fn quoted(v: &str) -> String {
    format!("\"{}\"", safe(v))
}

/// Escape control characters (terminal escapes in a hostile message).
fn safe(text: &str) -> String {
    paylot_cli::sanitize(text).into_owned()
}
