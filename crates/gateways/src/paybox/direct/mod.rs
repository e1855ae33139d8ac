//! Paybox Direct and Direct Plus ("PPPS", server to server): one
//! operation per HTTPS POST, the request a form body, the answer a line
//! of `NAME=value&…` pairs. The operations and their fields are those of
//! the batch files (`operation`, `fields`); this module holds what is
//! Direct's own: the request's field order and authentication, the
//! gateway's Latin-1, and the answer's shape and echo rule.
//!
//! Sources: ../shared/reference/paybox.md §2 (the official Verifone
//! module, BenMorel/Paybox, nexylan/paybox-direct, activemerchant).

use std::borrow::Cow;

pub mod gateway;

use super::codes::{self, Kind, OpType};
use super::fields::vocabulary;
use super::operation::Operation;
use super::MAX_NUMBER;
use crate::decision::Decision;
use crate::seal::{Algorithm, SealString};
use crate::vocabulary::Vocabulary;

/// `VERSION` of a Paybox Direct request.
pub const VERSION_DIRECT: &str = "00103";
/// `VERSION` of a Direct Plus request (stored cards: subscriber
/// operations 00051–00061).
pub const VERSION_DIRECT_PLUS: &str = "00104";
// Direct's own field names are declared with the other Paybox fields,
// which say what each holds (`fields` names no module above it).
pub use super::fields::{ALGORITHM_FIELD, CODE_FIELD, PASSWORD_FIELD, SEAL_FIELD};
/// The Direct password (CLE) of the pre-production test shop 1999888,
/// published by the gateway.
pub const TEST_PASSWORD: &str = "1999888I";
/// Access refused (site, rank, authentication).
pub const ACCESS_REFUSED: &str = "00006";
/// Version no longer supported.
pub const VERSION_REFUSED: &str = "00013";
/// Incoherent frame.
pub const INCOHERENT_FRAME: &str = "00014";
/// What an operation whose answer says nothing asks of the merchant.
pub const UNKNOWN_STATE: &str = "the operation's state is unknown: ask the gateway with an inquiry (TYPE 00017) before sending it again";
/// What the gateway writes for a value it does not have.
const UNAVAILABLE: &str = "???";

/// Call `f` with the number and the bytes (with their `\n`) of each line
/// of a file of Direct requests or answers, blank ones included, whatever
/// the line ends (LF, CRLF, a bare CR). A line
/// is a few hundred bytes: one past [`paylot_cli::limits::LINE`] is
/// refused where it starts ([`paylot_cli::Error::past_bound`], status 2;
/// `xmlbatch respond` makes it a refusal), read no further, so that an
/// endless line (`/dev/zero`) costs neither memory nor time.
pub fn each_line(
    reader: &mut dyn std::io::BufRead,
    name: &str,
    mut f: impl FnMut(u64, &[u8]) -> paylot_cli::Result<()>,
) -> paylot_cli::Result<()> {
    use paylot_cli::limits::{self, Line, LINE};
    let mut buf = Vec::with_capacity(512);
    let mut line = 0u64;
    loop {
        line += 1;
        match limits::read_line(reader, &mut buf, LINE)
            .map_err(|e| paylot_cli::Error::reading(paylot_cli::input::quote(name), e))?
        {
            Line::End => return Ok(()),
            Line::TooLong => {
                return Err(paylot_cli::Error::past_bound(format!(
                    "{name}:{line}: a line of more than {LINE} bytes, the most a Paybox Direct request or answer may hold (they are a few hundred): not a file of Direct lines (is this the file meant?); nothing was read past it"
                )))
            }
            // A BOM (a file saved by Notepad or Excel) is no part of the
            // first line: read with it, its first field's name was
            // `\u{feff}NUMTRANS`, and the answer's transaction number lost.
            Line::Read if line == 1 => {
                line = each_cr_line(paylot_cli::encoding::strip_bom(&buf), line, &mut f)?
            }
            Line::Read => line = each_cr_line(&buf, line, &mut f)?,
        }
    }
}

/// Call `f` with each line of `text`, one line read up to its `\n` that
/// may hold lines ended by a bare CR (an old Mac editor's line ends; a
/// Direct value never holds a raw CR: it is form-encoded, `%0D`), the
/// first numbered `line`; the number of the last. Read as one, two
/// requests ran together into one with every field given twice (one
/// answer for two requests, `00014`), and two answers into one.
fn each_cr_line(
    text: &[u8],
    mut line: u64,
    f: &mut impl FnMut(u64, &[u8]) -> paylot_cli::Result<()>,
) -> paylot_cli::Result<u64> {
    let body = text.strip_suffix(b"\n").unwrap_or(text);
    let body = body.strip_suffix(b"\r").unwrap_or(body);
    if !body.contains(&b'\r') {
        f(line, text)?;
        return Ok(line);
    }
    let mut pieces = body.split(|b| *b == b'\r').peekable();
    while let Some(piece) = pieces.next() {
        f(line, piece)?;
        if pieces.peek().is_some() {
            line += 1;
        }
    }
    Ok(line)
}

/// The VERSION an operation is sent with: Direct Plus for the stored-card
/// (subscriber) operations, Direct for the others.
pub fn version_for(op: &OpType) -> &'static str {
    match op.kind {
        Kind::SubscriberCard | Kind::SubscriberFollowUp | Kind::SubscriberDelete => {
            VERSION_DIRECT_PLUS
        }
        _ => VERSION_DIRECT,
    }
}

/// How a request proves it comes from the shop.
pub enum Auth<'a> {
    /// `CLE=<Direct password>`.
    Password(&'a str),
    /// `HASH=SHA512` and `HMAC=<seal>`, computed by the caller over
    /// [`seal_string`] (the key is the caller's: it never enters here).
    Hmac,
}

/// The fields of a request, in the order the gateway documents, without
/// the `HMAC` (which comes last, over these): VERSION, TYPE, SITE, RANG,
/// CLE or HASH, NUMQUESTION, MONTANT, DEVISE, REFERENCE, PORTEUR,
/// DATEVAL, CVV, ACTIVITE, DATEQ, NUMAPPEL, NUMTRANS, REFABONNE,
/// AUTORISATION. Fields the operation has no value for are left out.
pub fn request_fields(
    op: &Operation,
    site: &str,
    rank: &str,
    auth: &Auth<'_>,
    default_date: &str,
) -> Vec<(&'static str, String)> {
    let mut f: Vec<(&'static str, String)> = Vec::with_capacity(18);
    f.push(("VERSION", version_for(op.op).to_string()));
    f.push(("TYPE", op.op.code.to_string()));
    f.push(("SITE", site.to_string()));
    f.push(("RANG", rank.to_string()));
    match auth {
        Auth::Password(p) => f.push((PASSWORD_FIELD, (*p).to_string())),
        Auth::Hmac => f.push((ALGORITHM_FIELD, "SHA512".to_string())),
    }
    f.push(("NUMQUESTION", format!("{:010}", op.number)));
    if let Some(a) = op.amount {
        f.push(("MONTANT", format!("{a:010}")));
    }
    if let Some(c) = op.currency {
        f.push(("DEVISE", c.numeric.to_string()));
    }
    let text = |f: &mut Vec<(&'static str, String)>, name, v: &Option<String>| {
        if let Some(v) = v {
            f.push((name, v.clone()));
        }
    };
    text(&mut f, "REFERENCE", &op.reference);
    text(&mut f, "PORTEUR", &op.pan);
    text(&mut f, "DATEVAL", &op.expiry);
    text(&mut f, "CVV", &op.cvv);
    if let Some(a) = op.activity {
        f.push(("ACTIVITE", a.to_string()));
    }
    f.push((
        "DATEQ",
        op.date.clone().unwrap_or_else(|| default_date.to_string()),
    ));
    text(&mut f, "NUMAPPEL", &op.call_id);
    text(&mut f, "NUMTRANS", &op.transaction_id);
    text(&mut f, "REFABONNE", &op.subscriber);
    text(&mut f, "AUTORISATION", &op.authorization);
    f
}

/// The seal string of a Direct request: `NAME=value` for every field but
/// `HMAC`, in sending order, joined with `&`, values as the gateway reads
/// them (not URL-encoded) — the `PBX_HMAC` rule over Direct's own fields.
pub fn seal_string(fields: &[(String, String)]) -> SealString {
    super::hmac::seal_string_without(fields, SEAL_FIELD)
}

/// The HMAC of a request's fields (every one but `HMAC`) under the
/// shop's key (hex-decoded): HMAC-SHA-512 over the Latin-1 bytes of
/// [`seal_string`], UPPERCASE hex, as `HASH=SHA512` says.
pub fn seal(fields: &[(String, String)], key: &[u8]) -> String {
    let text = seal_string(fields).text;
    let mut out = Vec::with_capacity(128);
    write_seal(Algorithm::HmacSha512, text.as_bytes(), key, &mut out);
    String::from_utf8(out).expect("hex is ASCII")
}

/// Append the seal of a request's seal string: the gateway reads Direct
/// requests in Latin-1 and seals those bytes; text it cannot hold is
/// sealed as given (UTF-8). UPPERCASE hex, as `PBX_HMAC`.
pub fn write_seal(algorithm: Algorithm, text: &[u8], key: &[u8], out: &mut Vec<u8>) {
    let latin1 = std::str::from_utf8(text).ok().and_then(|t| latin1(t).ok());
    super::hmac::write_seal(algorithm, latin1.as_deref().unwrap_or(text), key, out);
}

/// The gateway reads Latin-1: the text's bytes in it, or the first
/// character it cannot hold.
pub fn latin1(text: &str) -> Result<Cow<'_, [u8]>, char> {
    if text.is_ascii() {
        return Ok(Cow::Borrowed(text.as_bytes()));
    }
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).map_err(|_| c))
        .collect::<Result<Vec<u8>, char>>()
        .map(Cow::Owned)
}

/// Latin-1 bytes as text (every byte is a character: nothing is lost).
pub fn from_latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|b| char::from(*b)).collect()
}

/// The request body: the fields form-encoded (`application/x-www-form-
/// urlencoded`, each value's Latin-1 bytes percent-encoded), `HMAC` last
/// when given. Every value must be Latin-1 ([`latin1`] first).
pub fn request_body(fields: &[(&str, String)], seal: Option<&str>) -> Result<String, char> {
    let mut body = String::with_capacity(256);
    for (k, v) in fields
        .iter()
        .map(|(k, v)| (*k, v.as_str()))
        .chain(seal.map(|s| (SEAL_FIELD, s)))
    {
        if !body.is_empty() {
            body.push('&');
        }
        body.push_str(k);
        body.push('=');
        body.extend(form_urlencoded::byte_serialize(&latin1(v)?));
    }
    Ok(body)
}

/// A request body read back (as the gateway does): `&`-separated pairs,
/// split on the first `=`, form-decoded (`+` a space, `%XX` a byte), the
/// bytes read as Latin-1. A blank line gives nothing, one of spaces too
/// (it gave a field named with its spaces: `respond` skipped it as no
/// request, `status --question` refused it as not a request).
pub fn parse_request(body: &[u8]) -> Vec<(String, String)> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Vec::new();
    }
    let decode = |part: &[u8]| {
        let spaced: Vec<u8> = part
            .iter()
            .map(|b| if *b == b'+' { b' ' } else { *b })
            .collect();
        from_latin1(&percent_encoding::percent_decode(&spaced).collect::<Vec<u8>>())
    };
    trim_line(body)
        .split(|b| *b == b'&')
        .filter(|p| !p.is_empty())
        .map(|pair| match pair.iter().position(|b| *b == b'=') {
            Some(i) => (decode(&pair[..i]), decode(&pair[i + 1..])),
            None => (decode(pair), String::new()),
        })
        .collect()
}

/// Whether these fields are a Direct request (`VERSION` and a question
/// number or an authentication), as the gateway's form bodies are.
pub fn is_request(mut has: impl FnMut(&str) -> bool) -> bool {
    has(VERSION_FIELD) && REQUEST_MARKS.iter().any(|k| has(k))
}

/// The field every Direct request has.
pub const VERSION_FIELD: &str = "VERSION";
/// Beside `VERSION`, one of these makes a Direct request.
pub const REQUEST_MARKS: [&str; 4] = ["NUMQUESTION", SEAL_FIELD, ALGORITHM_FIELD, PASSWORD_FIELD];

/// Whether a line is a Direct request: `NAME=value&…` pairs, in any
/// order, among them `VERSION` or `TYPE` (and not an answer's code).
pub fn is_request_line(line: &[u8]) -> bool {
    let fields = parse_request(line);
    !fields.is_empty()
        && fields
            .iter()
            .all(|(k, _)| !k.is_empty() && k.bytes().all(|b| b.is_ascii_graphic()))
        && fields.iter().any(|(k, _)| k == "VERSION" || k == "TYPE")
        && !fields.iter().any(|(k, _)| k == CODE_FIELD)
}

/// Whether these fields are a Direct answer (they carry its code).
pub fn is_answer(mut has: impl FnMut(&str) -> bool) -> bool {
    has(CODE_FIELD)
}

/// What is wrong with a request as a whole, as the gateway answers it:
/// a field given twice (00014), a VERSION it does not take (00013), a
/// bad SITE or RANG, or no authentication at all (00006). Whether the
/// CLE or HMAC is *right* needs the shop's key: not here.
pub fn request_problem(fields: &[(String, String)]) -> Option<(&'static str, String)> {
    if let Some(k) = repeated_field(fields) {
        return Some((
            INCOHERENT_FRAME,
            format!(
                "incoherent frame: the field {} is given twice",
                crate::invalid::show(k)
            ),
        ));
    }
    let get = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| n == k)
            .map_or("", |(_, v)| v.as_str())
    };
    let version = get("VERSION");
    if version != VERSION_DIRECT && version != VERSION_DIRECT_PLUS {
        return Some((
            VERSION_REFUSED,
            format!(
                "version no longer supported: VERSION is {} (expected {VERSION_DIRECT} Direct or {VERSION_DIRECT_PLUS} Direct Plus)",
                crate::invalid::show(version)
            ),
        ));
    }
    if super::values::parse_site(get("SITE")).is_err()
        || super::values::parse_rank(get("RANG")).is_err()
    {
        return Some((
            ACCESS_REFUSED,
            format!(
                "access refused: SITE must be 7 digits and RANG {}",
                super::values::RANK_RULE
            ),
        ));
    }
    if get(PASSWORD_FIELD).is_empty() && get(SEAL_FIELD).is_empty() {
        return Some((
            ACCESS_REFUSED,
            "access refused: the request has neither CLE nor HMAC".into(),
        ));
    }
    None
}

/// The answer the gateway gives a request it refuses before running it:
/// no transaction, the request's NUMQUESTION, SITE and RANG echoed as
/// they came (identifiers: never altered; control characters escaped),
/// REFABONNE too, the code and why; PAYS only when the request asked for it
/// (gateway::reply says why).
pub fn refusal_line(fields: &[(String, String)], code: &str, why: &str) -> Vec<u8> {
    let get = |k: &str| {
        let value = fields
            .iter()
            .find(|(n, _)| n == k)
            .map_or("", |(_, v)| v.as_str());
        vocabulary().of(k).show(value).into_owned()
    };
    let mut line = answer_line(&[
        ("NUMTRANS", NO_NUMBER),
        ("NUMAPPEL", NO_NUMBER),
        ("NUMQUESTION", &question_echo(&get("NUMQUESTION"))),
        ("SITE", &get("SITE")),
        ("RANG", &get("RANG")),
        ("AUTORISATION", ""),
        (CODE_FIELD, code),
        ("COMMENTAIRE", &paylot_cli::text::safe(why)),
        ("REFABONNE", &get("REFABONNE")),
        ("PORTEUR", ""),
    ]);
    if fields.iter().any(|(k, _)| k == "PAYS") {
        line.extend_from_slice(b"&PAYS=");
    }
    line
}

/// NUMQUESTION as the gateway echoes it: 10 digits when it is a number
/// it takes, as sent otherwise.
pub fn question_echo(sent: &str) -> String {
    match sent.parse::<u64>() {
        Ok(n) if n <= MAX_NUMBER && sent.bytes().all(|b| b.is_ascii_digit()) => {
            format!("{n:010}")
        }
        _ => sent.to_string(),
    }
}

/// The call and transaction numbers of an answer without a transaction.
pub const NO_NUMBER: &str = "0000000000";

/// A request body given back with `HMAC=<seal>` last, in place of any it
/// had, its other pairs byte for byte (their encoding is what the HMAC
/// was computed over). Pair names are compared decoded, as they are read.
pub fn with_seal(raw: &str, seal: &str) -> String {
    let mut body: Vec<&str> = raw
        .trim_end_matches(['\r', '\n'])
        .split('&')
        .filter(|p| {
            !p.is_empty()
                && parse_request(p.as_bytes())
                    .first()
                    .is_none_or(|(k, _)| k != SEAL_FIELD)
        })
        .collect();
    let last = format!("{SEAL_FIELD}={seal}");
    body.push(&last);
    body.join("&")
}

/// Whether a Direct password can be sent: printable Latin-1 text with no
/// `&` (it goes as it is in every request).
pub fn password_problem(cle: &str) -> Option<&'static str> {
    if cle.is_empty() || latin1(cle).is_err() || cle.chars().any(|c| c.is_control() || c == '&') {
        Some("the Direct password is not plain Latin-1 text (expected the CLE the back office gives, such as 8 to 10 letters and digits)")
    } else {
        None
    }
}

/// The first field name given twice in a request or an answer, if any:
/// such a message is ambiguous (which value did the other side read?),
/// and is refused rather than read one way or the other.
pub fn repeated_field(fields: &[(String, String)]) -> Option<&str> {
    let mut seen = std::collections::HashSet::with_capacity(fields.len());
    fields
        .iter()
        .map(|(k, _)| k.as_str())
        .find(|k| !seen.insert(*k))
}

/// An answer line as the gateway sends it: `&`-separated pairs, split on
/// the first `=`, values neither URL-encoded nor UTF-8 (Latin-1); `???`
/// (a value the gateway does not have) is read as empty.
pub fn parse_answer(line: &[u8]) -> Vec<(String, String)> {
    let line = trim_line(line);
    if line.is_empty() {
        return Vec::new();
    }
    line.split(|b| *b == b'&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = match pair.iter().position(|b| *b == b'=') {
                Some(i) => (&pair[..i], &pair[i + 1..]),
                None => (pair, &b""[..]),
            };
            let v = from_latin1(v);
            let v = if v == UNAVAILABLE { String::new() } else { v };
            (from_latin1(k).trim().to_string(), v)
        })
        .collect()
}

/// Write an answer line as the gateway does (Latin-1, not URL-encoded,
/// no line end: the HTTP body is the line). A value that holds `&` would
/// end the pair: it is written with a space in its place, as are line
/// breaks; a character Latin-1 cannot hold becomes `?`. Every value but
/// the shop's name is scrubbed of the secrets this process has read (a
/// client that sends the CLE or the HMAC key as its NUMQUESTION or
/// REFABONNE does not get it back: `Vocabulary::scrub_echo`).
pub fn answer_line(fields: &[(&str, &str)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    for (i, (k, v)) in fields.iter().enumerate() {
        if i > 0 {
            out.push(b'&');
        }
        out.extend_from_slice(k.as_bytes());
        out.push(b'=');
        for c in vocabulary().scrub_echo(k, v).chars() {
            let b = match c {
                '&' | '\r' | '\n' => b' ',
                c => u8::try_from(u32::from(c)).unwrap_or(b'?'),
            };
            out.push(b);
        }
    }
    out
}

/// An answer line from elsewhere (the sandbox's `--responder`) as it may
/// be sent on: each value but the shop's name scrubbed of the secrets
/// this process has read, byte for byte otherwise (the answer is
/// Latin-1, the pairs split as [`parse_answer`] splits them). The
/// responder's names may be any gateway's: the shop's name is told by
/// `names`, which the caller gives from above the gateways (every
/// gateway's, `kinds::vocabulary`).
pub fn scrubbed_answer(line: &[u8], names: &Vocabulary) -> Vec<u8> {
    let mut out = Vec::with_capacity(line.len());
    for (i, pair) in line.split(|b| *b == b'&').enumerate() {
        if i > 0 {
            out.push(b'&');
        }
        match pair.iter().position(|b| *b == b'=') {
            Some(at)
                if names.is_shop_name(
                    from_latin1(&pair[..at]).trim(),
                    &from_latin1(&pair[at + 1..]),
                ) =>
            {
                out.extend_from_slice(pair)
            }
            _ => out.extend_from_slice(&paylot_cli::redact::scrub_bytes(pair)),
        }
    }
    out
}

/// What an answer's code says about the operation: accepted, refused, to
/// send again later — or unknown, when the answer has no code at all.
pub fn decision(code: &str) -> Option<Decision> {
    if code.is_empty() {
        None
    } else {
        Some(codes::decision(code))
    }
}

/// Whether an echoed value is the one sent. SITE compares as sent; RANG
/// and NUMQUESTION as numbers (the gateway pads NUMQUESTION to 10 digits
/// and gives RANG with 2 or 3).
pub fn same_echo(field: &str, sent: &str, echoed: &str) -> bool {
    match field {
        "RANG" | "NUMQUESTION" => {
            let n = |s: &str| {
                let s = s.trim();
                (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| s.trim_start_matches('0').to_string())
            };
            matches!((n(sent), n(echoed)), (Some(a), Some(b)) if a == b)
        }
        _ => sent == echoed,
    }
}

/// The fields of an answer the request's are checked against.
pub const ECHOED: &[&str] = &["SITE", "RANG", "NUMQUESTION"];

fn trim_line(b: &[u8]) -> &[u8] {
    let mut b = b;
    while let [rest @ .., b'\n' | b'\r'] = b {
        b = rest;
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_latin1_and_form_encoded() {
        let fields = vec![
            ("VERSION", "00103".to_string()),
            ("REFERENCE", "Commande é&1".to_string()),
        ];
        let body = request_body(&fields, Some("AB")).unwrap();
        assert_eq!(body, "VERSION=00103&REFERENCE=Commande+%E9%261&HMAC=AB");
        let back = parse_request(body.as_bytes());
        assert_eq!(back[1], ("REFERENCE".into(), "Commande é&1".into()));
        assert_eq!(
            request_body(&[("REFERENCE", "€".to_string())], None),
            Err('€')
        );
    }

    #[test]
    fn answers_are_split_on_the_first_equals_and_read_as_latin1() {
        let a = parse_answer(
            b"NUMTRANS=0013989865&CODEREPONSE=00000&COMMENTAIRE=Demande trait\xe9e avec succ\xe8s&PAYS=???&X=a=b\r\n",
        );
        assert_eq!(a[2].1, "Demande traitée avec succès");
        assert_eq!(a[3].1, "");
        assert_eq!(a[4].1, "a=b");
        let line = answer_line(&[("COMMENTAIRE", "é & co\n")]);
        assert_eq!(line, b"COMMENTAIRE=\xe9   co ");
    }

    #[test]
    fn echoes_compare_as_the_gateway_writes_them() {
        assert!(same_echo("NUMQUESTION", "0000000042", "42"));
        assert!(same_echo("RANG", "032", "32"));
        assert!(!same_echo("RANG", "032", "033"));
        assert!(!same_echo("SITE", "1999888", "1999889"));
        assert!(!same_echo("NUMQUESTION", "1", ""));
    }
}
