//! The fast paths of `seal compute` and `seal verify`: a JSON line is
//! read into a tree borrowed from it (`gateways::seal::tree`: no hashing,
//! almost no allocation), its scheme told and its seal string built by
//! the one builder every path takes (`gateways::schemes`) into reused
//! buffers, and the seal spliced into the line or the verdict written.
//! Nothing here is a gateway's rule: what is here is when a line may be
//! answered at once. Anything unusual (a Sips POST form, a Direct
//! request, a name given twice, a wrong seal to explain) returns `None`
//! and takes the general path, which gives the same answer: property
//! tests hold the two paths to the same output.

use gateways::schemes::{self, Keys, Scheme, Seen};
use gateways::seal::tree::{self, Node, Obj, Spare, Tree};
use gateways::seal::{Algorithm, Work};
use gateways::sips::seal::{Direction, Sides};

use crate::analysis::Choice;

/// Reused buffers of one worker.
#[derive(Default)]
pub struct Scratch {
    text: String,
    work: Work,
    seal: Vec<u8>,
    tree: Spare,
}

impl Scratch {
    /// `work` done with a tree in the scratch's buffers, kept whatever
    /// its answer.
    fn with_tree<'l, R>(&mut self, work: impl FnOnce(&mut Tree<'l>, &mut Scratch) -> R) -> R {
        let mut tree = self.tree.tree();
        let answer = work(&mut tree, self);
        self.tree.keep(tree);
        answer
    }
}

/// What the fast path sealed.
pub struct Sealed {
    /// A Sips JSON request without `keyVersion` (worth a warning).
    pub without_key_version: bool,
}

/// A line read (into a tree), its scheme and algorithm told and its seal
/// string built (in the scratch's text).
struct Line<'a> {
    line: &'a [u8],
    /// No white space between its tokens.
    compact: bool,
    scheme: Scheme,
    algorithm: Algorithm,
    without_key_version: bool,
}

/// Read a line into `tree` and build its seal string. `verifying`: a
/// Sips JSON message whose names do not tell its direction is the
/// general path's (it tries both ways); compute takes the likelier one.
fn built<'a>(
    line: &'a [u8],
    tree: &mut Tree<'a>,
    choice: &Choice,
    verifying: bool,
    scratch: &mut Scratch,
) -> Option<Line<'a>> {
    let (line, compact) = object(line, tree)?;
    let fields = tree.root();
    let seen = Seen::of(fields.names());
    let scheme = choice.scheme.unwrap_or_else(|| seen.scheme(false));
    // Rare, and Latin-1 or form-shaped: the general path.
    if !matches!(scheme, Scheme::SipsJson | Scheme::Paybox | Scheme::Lyra) {
        return None;
    }
    let algorithm = algorithm(scheme, fields, choice)?;
    let mut direction = Direction::Request;
    if scheme == Scheme::SipsJson {
        direction = match (choice.direction, seen.sides()) {
            (Some(d), _) | (None, Sides::Told(d, _)) => d,
            (None, Sides::Unsure { .. }) if verifying => return None,
            (None, Sides::Unsure { lean }) => lean,
        };
    }
    // A list or an object in a flat scheme: the general path says which.
    schemes::seal_text(
        scheme,
        fields,
        direction,
        &mut scratch.text,
        &mut scratch.work,
    )
    .ok()?;
    Some(Line {
        line,
        compact,
        scheme,
        algorithm,
        without_key_version: scheme == Scheme::SipsJson
            && direction == Direction::Request
            && !seen.key_version,
    })
}

/// Seal one line, if the fast path applies: the sealed line (without its
/// newline), or its seal alone, is appended to `out`.
pub fn compute_line(
    line: &[u8],
    choice: &Choice,
    seal_only: bool,
    keys: &Keys,
    scratch: &mut Scratch,
    out: &mut Vec<u8>,
) -> Option<Sealed> {
    scratch.with_tree(|tree, scratch| {
        let read = built(line, tree, choice, false, scratch)?;
        let (scheme, fields) = (read.scheme, tree.root());
        let key = keys.get(scheme).ok()?;
        let sealed = Sealed {
            without_key_version: read.without_key_version,
        };
        let seal_field = scheme.seal_field();
        if seal_only {
            schemes::write_seal(scheme, read.algorithm, scratch.text.as_bytes(), key, out);
            return Some(sealed);
        }
        let seal = &mut scratch.seal;
        seal.clear();
        schemes::write_seal(scheme, read.algorithm, scratch.text.as_bytes(), key, seal);
        // A compact line: the seal spliced in, in place of the old one's
        // text or last. Any other shape (spaces, an old seal that is not a
        // plain string): the object written again as the general path writes
        // it (compact, field order kept, the seal in place of the old one or
        // last).
        let line = read.line;
        if !read.compact {
            write_again(fields, seal_field, std::str::from_utf8(seal).ok()?, out);
            return Some(sealed);
        }
        let old = fields.names().position(|k| k == seal_field);
        match old.map(|i| fields.as_written(i)) {
            None => {
                out.extend_from_slice(line);
                // The object's last `}`, after which the seal goes.
                out.pop();
                if !fields.is_empty() {
                    out.push(b',');
                }
                out.push(b'"');
                out.extend_from_slice(seal_field.as_bytes());
                out.extend_from_slice(b"\":\"");
                out.extend_from_slice(seal);
                out.extend_from_slice(b"\"}");
            }
            Some(Some(old)) => {
                let at = text_in(line, old)?;
                out.extend_from_slice(&line[..at.start]);
                out.extend_from_slice(seal);
                out.extend_from_slice(&line[at.end..]);
            }
            Some(None) => write_again(fields, seal_field, std::str::from_utf8(seal).ok()?, out),
        }
        Some(sealed)
    })
}

/// Where `text`, borrowed from `line`, stands in it.
fn text_in(line: &[u8], text: &str) -> Option<std::ops::Range<usize>> {
    let start = (text.as_ptr() as usize).checked_sub(line.as_ptr() as usize)?;
    let end = start.checked_add(text.len())?;
    (end <= line.len()).then_some(start..end)
}

/// The object written again compact, field order kept, the seal in
/// place of the old one or last, as the general path writes it (strings
/// borrowed from the line as they are: [`Obj::write_value`]).
fn write_again(fields: Obj, seal_field: &str, seal: &str, out: &mut Vec<u8>) {
    out.push(b'{');
    let mut replaced = false;
    for (i, k) in fields.names().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        fields.write_name(i, out);
        out.push(b':');
        if k == seal_field {
            tree::write_str(seal, out);
            replaced = true;
        } else {
            fields.write_value(i, out);
        }
    }
    if !replaced {
        if !fields.is_empty() {
            out.push(b',');
        }
        tree::write_str(seal_field, out);
        out.push(b':');
        tree::write_str(seal, out);
    }
    out.push(b'}');
}

/// Verify one line, if the fast path applies and the seal is right: the
/// verdict line (without its newline) is appended to `out`, exactly as
/// the general path writes it. Everything else — a wrong or missing
/// seal (whose cause is diagnosed), hex in the other case, a Sips
/// response with a responseCode (put in words), a Direct answer, any
/// unusual line — returns `None`, for the general path.
pub fn verify_line(
    line: &[u8],
    line_no: usize,
    choice: &Choice,
    keys: &Keys,
    scratch: &mut Scratch,
    out: &mut Vec<u8>,
) -> Option<()> {
    scratch.with_tree(|tree, scratch| {
        let read = built(line, tree, choice, true, scratch)?;
        let (scheme, fields) = (read.scheme, tree.root());
        if fields
            .names()
            .any(|k| k == "responseCode" || k == gateways::paybox::direct::CODE_FIELD)
        {
            return None;
        }
        let seal_field = scheme.seal_field();
        let given = match fields.get(seal_field) {
            Some(Node::Str(s)) => s,
            _ => return None,
        };
        let key = keys.get(scheme).ok()?;
        let computed = &mut scratch.seal;
        computed.clear();
        schemes::write_seal(
            scheme,
            read.algorithm,
            scratch.text.as_bytes(),
            key,
            computed,
        );
        // Equal bytes: valid. Anything else (another case, a mismatch) is
        // the general path's to say, with its cause.
        if !gateways::seal::same_bytes(given.as_bytes(), computed) {
            return None;
        }
        // Written piece by piece: through `write!`, the format machinery
        // cost as much as comparing the seals.
        use std::io::Write as _;
        out.extend_from_slice(b"{\"type\":\"verify\",\"version\":1,\"line\":");
        let _ = write!(out, "{line_no}");
        out.extend_from_slice(b",\"valid\":true,\"scheme\":\"");
        out.extend_from_slice(scheme.name().as_bytes());
        out.extend_from_slice(b"\",\"algorithm\":\"");
        out.extend_from_slice(read.algorithm.name().as_bytes());
        out.extend_from_slice(b"\"}");
        Some(())
    })
}

/// The line, trimmed, read as one JSON object into `tree`, and whether it
/// is compact (told by the reader: it passes every byte between tokens).
fn object<'a>(line: &'a [u8], tree: &mut Tree<'a>) -> Option<(&'a [u8], bool)> {
    // Past the bound, the general path says why.
    if line.len() > crate::message::MAX_MESSAGE {
        return None;
    }
    // JSON's white space only, as the general path's reader passes it: a
    // form feed (which `trim_ascii` also drops) makes the line malformed
    // there, and must not be sealed or found valid here.
    let line = trim_json_space(line);
    if line.first() != Some(&b'{') {
        return None;
    }
    // One UTF-8 check of the whole line (fast on ASCII), after which the
    // JSON reader need not check each string again.
    let text = std::str::from_utf8(line).ok()?;
    let compact = tree.read(text)?;
    Some((line, compact))
}

/// The line without JSON's white space (space, tab, line feed, carriage
/// return) at either end.
fn trim_json_space(line: &[u8]) -> &[u8] {
    let json_space = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
    let start = line
        .iter()
        .position(|b| !json_space(b))
        .unwrap_or(line.len());
    let end = line
        .iter()
        .rposition(|b| !json_space(b))
        .map_or(start, |i| i + 1);
    &line[start..end]
}

/// The message's algorithm, as the general path chooses it; `None` for
/// what it explains (a name it does not know, a value not a string).
fn algorithm(scheme: Scheme, fields: Obj, choice: &Choice) -> Option<Algorithm> {
    if let Some(name) = &choice.algorithm {
        return scheme.algorithm(name).ok();
    }
    let default = Some(scheme.algorithms()[0]);
    let Some(field) = scheme.algorithm_field() else {
        return default;
    };
    match fields.get(field) {
        Some(Node::Str(s)) if !s.is_empty() => scheme.algorithm(s).ok(),
        Some(Node::Str(_)) | None => default,
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fast(line: &str) -> Option<String> {
        fast_with(line, true)
    }

    fn fast_with(line: &str, seal_only: bool) -> Option<String> {
        let mut out = Vec::new();
        compute_line(
            line.as_bytes(),
            &Choice::default(),
            seal_only,
            &Keys::new(b"secret123"),
            &mut Scratch::default(),
            &mut out,
        )?;
        Some(String::from_utf8(out).unwrap())
    }

    #[test]
    fn applies_to_usual_messages() {
        let spec = r#"{"amount":"2500","captureDay":"0","captureMode":"AUTHOR_CAPTURE","cardCSCValue":"000","cardExpiryDate":"201612","cardNumber":"1234123412341234","currencyCode":"978","customerContact":{"email":"customer@email.com"},"interfaceVersion":"IR_WS_2.3","keyVersion":"1","merchantId":"011223344550000","orderChannel":"INTERNET","orderId":"ORD101","returnContext":"ReturnContext","transactionOrigin":"SO_WEBAPPLI","transactionReference":"TREFEXA2012"}"#;
        assert_eq!(
            fast(spec).as_deref(),
            Some("f1772faa4b73c0fc5a9810ad7fcaf91458d6174b2178a0a0a2bea2d860b404f5")
        );
        assert!(fast(r#"{"vads_a":"1","n":2}"#).is_some());
        assert!(
            fast(r#"{"PBX_SITE":1}"#).is_none(),
            "a paybox key must be hex"
        );
    }

    #[test]
    fn leaves_the_unusual_to_the_general_path() {
        // Spaces, or a seal to replace: the object written compact, the
        // seal in place (as the general path writes it).
        let seal = fast(r#"{"a":"1","b":2}"#).unwrap();
        assert_eq!(
            fast_with("{\"a\": \"1\",\n \"b\": 2}", false).unwrap(),
            format!(r#"{{"a":"1","b":2,"seal":"{seal}"}}"#)
        );
        assert_eq!(
            fast_with(r#"{"seal":"x","a":"1","b":2}"#, false).unwrap(),
            format!(r#"{{"seal":"{seal}","a":"1","b":2}}"#)
        );
        // The seal alone is the same whatever the spacing, with or without a seal.
        assert_eq!(fast(r#"{"a": "1"}"#), fast(r#"{"a":"1","seal":"x"}"#));
        assert!(fast(r#"{"a":"1","a":"2"}"#).is_none(), "a name given twice");
        assert!(fast(r#"{"Data":"a=1","Seal":"x"}"#).is_none(), "sips-post");
        assert!(fast(r#"[1]"#).is_none());
    }
}
