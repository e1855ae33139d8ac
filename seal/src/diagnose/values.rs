//! How the values were changed between sealing and posting (HTML
//! entities, line breaks): each way rebuilds the seal string from the
//! changed values.

use gateways::lyra::signature as lyra;
use gateways::paybox::hmac as paybox;
use gateways::schemes::Scheme;
use gateways::sips::seal::{self as sips, Direction, SipsJsonRule};
use serde_json::{Map, Value};

use crate::analysis::Analysis;
use crate::mangle::{self, Entities};
use crate::message::Message;

use super::{owned, Key};

/// The message's values changed the ways forms and pages change them:
/// each way rebuilds the seal string from the changed values.
pub(super) fn value_shapes(
    msg: &Message,
    a: &Analysis,
    key: &[u8],
    push: &mut dyn FnMut(String, Vec<u8>, Key),
) {
    for way in Entities::ALL {
        if let Some(text) = rebuilt(msg, a, &|v| way.encode(v)) {
            let example = match way {
                Entities::Quotes => "'\"' as &#034;",
                Entities::Special => "'\"' as &quot;, '&' as &amp;",
                Entities::Named => "é as &eacute;, '<' as &lt;",
                Entities::Numeric => "’ as &#8217;, é as &#233;",
                Entities::Mixed => "é as &eacute; and ’ as &#8217; in one value",
            };
            push(
                format!(
                    "matches if the values were HTML-entity-encoded when sealed ({example}), \
                     while the form posts the characters the entities stand for: seal the text \
                     exactly as it will be posted (decode entities first, e.g. \
                     html_entity_decode), and escape it for HTML only in the form"
                ),
                text,
                owned(key),
            );
        }
    }
    entities_by_field(msg, a, key, push);
    if let Some(text) = rebuilt(msg, a, &mangle::entities_decoded) {
        push(
            "matches if the HTML entities in the values are decoded: the seal was made over the \
             characters, but the form posted the entities' text (the values were escaped twice \
             in the page): escape each value once"
                .into(),
            text,
            owned(key),
        );
    }
    if let Some(text) = rebuilt(msg, a, &mangle::crlf_as_lf) {
        push(
            "matches if the line breaks are LF: the value was sealed with LF line breaks, and \
             the browser posted them as CRLF (it always does, in a form): seal the text with \
             CRLF line breaks, or keep line breaks out of the values"
                .into(),
            text,
            owned(key),
        );
    }
}

/// The values HTML-entity-encoded when sealed, each field its own way:
/// named entities in one (`Caf&eacute;`), numeric ones in another
/// (`Ath&#232;nes`), as when one value comes from a CMS's text and the
/// other from a form. Every split of the values the two ways write
/// differently is one seal-string build, so it is tried for a few such
/// values only ([`MAX_SPLIT`]: 2^3 − 2 = 6 builds at most; the ways that
/// encode every value alike were tried before).
fn entities_by_field(
    msg: &Message,
    a: &Analysis,
    key: &[u8],
    push: &mut dyn FnMut(String, Vec<u8>, Key),
) {
    use std::cell::Cell;
    let differ = |v: &str| Entities::Named.encode(v) != Entities::Numeric.encode(v);
    let count = Cell::new(0u32);
    rebuilt(msg, a, &|v| {
        if differ(v) {
            count.set(count.get() + 1);
        }
        None
    });
    let n = count.get();
    if !(2..=MAX_SPLIT).contains(&n) {
        return;
    }
    for split in 1..(1u32 << n) - 1 {
        let at = Cell::new(0u32);
        let change = |v: &str| {
            if !differ(v) {
                return Entities::Named.encode(v);
            }
            let i = at.get();
            at.set(i + 1);
            if split & (1 << i) != 0 {
                Entities::Named.encode(v)
            } else {
                Entities::Numeric.encode(v)
            }
        };
        if let Some(text) = rebuilt(msg, a, &change) {
            push(
                "matches if the values were HTML-entity-encoded when sealed, some with named \
                 entities (é as &eacute;) and others with numeric ones (é as &#233;), while the \
                 form posts the characters the entities stand for: seal the text exactly as it \
                 will be posted (decode entities first, e.g. html_entity_decode), and escape it \
                 for HTML only in the form"
                    .into(),
                text,
                owned(key),
            );
        }
    }
}

/// The most values whose entities are split between named and numeric
/// ([`entities_by_field`]).
const MAX_SPLIT: u32 = 3;

/// The seal string with every value passed through `change`, or `None`
/// when no value changes.
fn rebuilt(
    msg: &Message,
    a: &Analysis,
    change: &dyn Fn(&str) -> Option<String>,
) -> Option<Vec<u8>> {
    match a.scheme {
        Scheme::SipsJson => {
            let mut fields = msg.fields.clone();
            if !change_strings(&mut fields, change) {
                return None;
            }
            let direction = a.direction.as_ref().map_or(Direction::Request, |d| d.0);
            Some(
                sips::json_seal_string(&fields, sips::excluded(direction), SipsJsonRule::default())
                    .text
                    .into_bytes(),
            )
        }
        Scheme::SipsPost => change(&a.seal_string.text).map(String::into_bytes),
        Scheme::Paybox | Scheme::PayboxDirect | Scheme::Lyra => {
            let mut changed = false;
            let pairs: Vec<(String, String)> = a
                .pairs
                .iter()
                .map(|(k, v)| match change(v) {
                    Some(new) => {
                        changed = true;
                        (k.clone(), new)
                    }
                    None => (k.clone(), v.clone()),
                })
                .collect();
            if !changed {
                return None;
            }
            let s = match a.scheme {
                Scheme::Lyra => lyra::seal_string(&pairs, true),
                Scheme::Paybox => paybox::seal_string(&pairs),
                _ => gateways::paybox::direct::seal_string(&pairs),
            };
            Some(s.text.into_bytes())
        }
        Scheme::PayboxIpn => None,
    }
}

fn change_strings(
    fields: &mut Map<String, Value>,
    change: &dyn Fn(&str) -> Option<String>,
) -> bool {
    fn walk(v: &mut Value, change: &dyn Fn(&str) -> Option<String>) -> bool {
        match v {
            Value::String(s) => match change(s) {
                Some(new) => {
                    *s = new;
                    true
                }
                None => false,
            },
            Value::Array(items) => items.iter_mut().fold(false, |c, i| walk(i, change) | c),
            Value::Object(m) => m.values_mut().fold(false, |c, i| walk(i, change) | c),
            _ => false,
        }
    }
    fields.values_mut().fold(false, |c, v| walk(v, change) | c)
}
