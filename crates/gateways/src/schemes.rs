//! The one module that names every gateway: the seal schemes, how one is
//! recognised from a message's names ([`Seen`]), and which gateway's rule
//! each takes — its seal string ([`build`]), its algorithms, its key
//! ([`Keys`]) and how it writes its seal ([`write_seal`]). The rules are
//! the gateways' own (`sips::seal`, `paybox::hmac`, `paybox::direct`,
//! `lyra::signature`, `paybox::ipn`), over the floor that names none
//! (`seal`); nothing below imports this module.

use std::fmt;
use std::str::FromStr;

use zeroize::Zeroizing;

use crate::lyra::signature as lyra;
use crate::paybox::hmac::{self as paybox, KeyError};
use crate::paybox::{direct, ipn};
use crate::seal::tree::Obj;
use crate::seal::{Algorithm, NotFlat, SealString, Segments, Sink, Text, Work};
use crate::sips::seal::{self as sips, Direction, Sides, REQUEST_ONLY, RESPONSE_ONLY};
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// Worldline Sips 2.0 JSON (Office JSON, Paypage JSON).
    SipsJson,
    /// Worldline Sips 2.0 Paypage POST (`Data` / `Seal`).
    SipsPost,
    /// Paybox System `PBX_HMAC`.
    Paybox,
    /// Paybox Direct / Direct Plus request `HMAC` (with `HASH`).
    PayboxDirect,
    /// Paybox return (IPN) signature: RSA/SHA-1 over the raw query string.
    PayboxIpn,
    /// Lyra form signature (`vads_*` fields).
    Lyra,
}

impl Scheme {
    pub const ALL: [Scheme; 6] = [
        Scheme::SipsJson,
        Scheme::SipsPost,
        Scheme::Paybox,
        Scheme::PayboxDirect,
        Scheme::PayboxIpn,
        Scheme::Lyra,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Scheme::SipsJson => "sips-json",
            Scheme::SipsPost => "sips-post",
            Scheme::Paybox => "paybox",
            Scheme::PayboxDirect => "paybox-direct",
            Scheme::PayboxIpn => "paybox-ipn",
            Scheme::Lyra => "lyra",
        }
    }

    /// The field that carries the seal in a message of this scheme.
    pub fn seal_field(self) -> &'static str {
        match self {
            Scheme::SipsJson => sips::SEAL_FIELD,
            Scheme::SipsPost => sips::POST_SEAL_FIELD,
            Scheme::Paybox => paybox::SEAL_FIELD,
            Scheme::PayboxDirect => direct::SEAL_FIELD,
            Scheme::PayboxIpn => ipn::SIGNATURE_FIELD,
            Scheme::Lyra => lyra::SEAL_FIELD,
        }
    }

    /// The field of a message that names its algorithm, if the scheme has
    /// one.
    pub fn algorithm_field(self) -> Option<&'static str> {
        match self {
            Scheme::SipsJson => Some(sips::ALGORITHM_FIELD),
            Scheme::SipsPost => Some(sips::POST_ALGORITHM_FIELD),
            Scheme::Paybox => Some(paybox::ALGORITHM_FIELD),
            Scheme::PayboxDirect => Some(direct::ALGORITHM_FIELD),
            Scheme::PayboxIpn | Scheme::Lyra => None,
        }
    }

    /// Whether the merchant's secret is hex text decoded to the key
    /// (Paybox's back-office key), rather than used as its bytes.
    pub fn hex_key(self) -> bool {
        matches!(self, Scheme::Paybox | Scheme::PayboxDirect)
    }

    /// The algorithms the scheme accepts, its default first.
    pub fn algorithms(self) -> &'static [Algorithm] {
        match self {
            Scheme::SipsJson => &sips::ALGORITHMS,
            Scheme::SipsPost => &sips::POST_ALGORITHMS,
            Scheme::Paybox | Scheme::PayboxDirect => &paybox::ALGORITHMS,
            Scheme::Lyra => &lyra::ALGORITHMS,
            // RSA/SHA-1 under the Paybox key; not a keyed seal.
            Scheme::PayboxIpn => &[],
        }
    }

    /// Parse a name as a user or a message writes it. Spelling is
    /// forgiving (`hmac-sha-256`, `HMAC_SHA256`, `sha512`), but the
    /// meaning is the gateway's: Paybox's `PBX_HASH=SHA512` means
    /// HMAC-SHA-512, Sips' `SHA-256` means a plain hash.
    pub fn algorithm(self, name: &str) -> Result<Algorithm, crate::invalid::Invalid> {
        let folded = Algorithm::fold(name);
        let found = match self {
            Scheme::SipsJson | Scheme::SipsPost => sips::algorithm(&folded),
            Scheme::Paybox | Scheme::PayboxDirect => paybox::algorithm(&folded),
            Scheme::Lyra => lyra::algorithm(&folded),
            Scheme::PayboxIpn => {
                return Err(crate::invalid::Invalid(format!(
                    "the {self} scheme takes no algorithm (it is RSA/SHA-1 under the Paybox public key)"
                )))
            }
        };
        found.ok_or_else(|| {
            let accepted: Vec<&str> = self
                .algorithms()
                .iter()
                .map(|a| self.spelling(*a))
                .collect();
            Algorithm::unknown(name, self.name(), &accepted)
        })
    }

    /// The name as the scheme's own messages spell it.
    pub fn spelling(self, algorithm: Algorithm) -> &'static str {
        match self {
            Scheme::Paybox | Scheme::PayboxDirect => paybox::spelling(algorithm),
            _ => algorithm.name(),
        }
    }

    /// Between two pieces of the seal string.
    pub fn separator(self) -> &'static str {
        match self {
            Scheme::Paybox | Scheme::PayboxDirect => paybox::SEPARATOR,
            Scheme::Lyra => lyra::SEPARATOR,
            _ => "",
        }
    }
}

/// Why a message's seal string is not built from its fields here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unbuilt {
    /// A flat scheme's field holds a list or an object.
    NotFlat(String),
    /// Sips POST and the Paybox return seal a text as received (`Data`,
    /// the query string), not fields.
    Whole,
}

impl From<NotFlat> for Unbuilt {
    fn from(e: NotFlat) -> Unbuilt {
        Unbuilt::NotFlat(e.0)
    }
}

/// The seal string of a message's fields by its scheme's rule, written
/// to `sink` — the one builder every path takes: `seal compute`, `verify`
/// and `explain`, their fast paths, the sandbox. `direction` is a Sips
/// JSON message's (the others have none).
pub fn build<S: Sink>(
    scheme: Scheme,
    fields: Obj,
    direction: Direction,
    sink: &mut S,
    work: &mut Work,
) -> Result<(), Unbuilt> {
    match scheme {
        Scheme::SipsJson => {
            let excluded = sips::excluded(direction);
            sips::build(fields, excluded, Default::default(), sink, work);
        }
        Scheme::Paybox => paybox::build(fields, paybox::SEAL_FIELD, sink)?,
        Scheme::PayboxDirect => paybox::build(fields, direct::SEAL_FIELD, sink)?,
        Scheme::Lyra => lyra::build(fields, true, sink)?,
        Scheme::SipsPost | Scheme::PayboxIpn => return Err(Unbuilt::Whole),
    }
    Ok(())
}

/// The seal string's text alone, into `out` (cleared first).
pub fn seal_text(
    scheme: Scheme,
    fields: Obj,
    direction: Direction,
    out: &mut String,
    work: &mut Work,
) -> Result<(), Unbuilt> {
    out.clear();
    build(
        scheme,
        fields,
        direction,
        &mut Text::new(out, scheme.separator()),
        work,
    )
}

/// The seal string with where each piece comes from.
pub fn seal_string(
    scheme: Scheme,
    fields: Obj,
    direction: Direction,
) -> Result<SealString, Unbuilt> {
    let mut sink = Segments::new(scheme.separator());
    build(scheme, fields, direction, &mut sink, &mut Work::default())?;
    Ok(sink.into_string())
}

/// The key as the scheme uses it: Paybox's secret is hex text decoded to
/// bytes; Sips and Lyra use the secret's exact UTF-8 bytes.
pub fn key_bytes(scheme: Scheme, secret: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    if scheme.hex_key() {
        paybox::key(secret)
    } else {
        Ok(Zeroizing::new(secret.to_vec()))
    }
}

/// The key of each scheme, derived once from the secret (zeroed when
/// dropped).
pub struct Keys {
    raw: Zeroizing<Vec<u8>>,
    paybox: Result<Zeroizing<Vec<u8>>, KeyError>,
}

impl Keys {
    pub fn new(secret: &[u8]) -> Keys {
        Keys {
            raw: Zeroizing::new(secret.to_vec()),
            paybox: paybox::key(secret),
        }
    }

    /// The key for `scheme`, or why the secret cannot be one.
    pub fn get(&self, scheme: Scheme) -> Result<&[u8], KeyError> {
        if scheme.hex_key() {
            self.paybox
                .as_deref()
                .map(|k| k.as_slice())
                .map_err(Clone::clone)
        } else {
            Ok(&self.raw)
        }
    }
}

/// The seal of `text` under `key`, written as `scheme` writes it.
pub fn seal_of(scheme: Scheme, algorithm: Algorithm, text: &[u8], key: &[u8]) -> String {
    let mut out = Vec::with_capacity(128);
    write_seal(scheme, algorithm, text, key, &mut out);
    String::from_utf8(out).expect("seals are hex or base64")
}

/// Append the seal to `out`, as [`seal_of`] returns it, without building
/// a string (the hot path of `seal compute --jsonl`): each gateway writes
/// its own.
pub fn write_seal(
    scheme: Scheme,
    algorithm: Algorithm,
    text: &[u8],
    key: &[u8],
    out: &mut Vec<u8>,
) {
    match scheme {
        Scheme::Lyra => lyra::write_seal(algorithm, text, key, out),
        Scheme::Paybox => paybox::write_seal(algorithm, text, key, out),
        Scheme::PayboxDirect => direct::write_seal(algorithm, text, key, out),
        // The Paybox return's RSA signature is checked, never made: a
        // digest asked of it is written as Sips writes its seals.
        Scheme::SipsJson | Scheme::SipsPost | Scheme::PayboxIpn => {
            sips::write_seal(algorithm, text, key, out)
        }
    }
}

/// What one pass over a message's top-level names tells: its scheme (and
/// why), and for Sips JSON its direction and whether it names its key
/// version. The one detection of every path (`Scheme::detect` was the
/// general path's, the fast path had its own): names are looked at by
/// their first letter, so that most are compared with nothing.
#[derive(Debug, Default)]
pub struct Seen<'a> {
    pbx: Option<&'a str>,
    vads: Option<&'a str>,
    version: bool,
    direct_mark: bool,
    data: bool,
    interface_version: bool,
    post_seal: bool,
    /// Bit i: `REQUEST_ONLY[i]` is there.
    request: u8,
    /// Bit i: `RESPONSE_ONLY[i]` is there.
    response: u8,
    /// `keyVersion` is there.
    pub key_version: bool,
}

fn index_in(names: &[&str], name: &str) -> u8 {
    names.iter().position(|n| *n == name).map_or(0, |i| 1 << i)
}

impl<'a> Seen<'a> {
    pub fn of(names: impl IntoIterator<Item = &'a str>) -> Seen<'a> {
        let mut s = Seen::default();
        for k in names {
            match k.as_bytes().first() {
                Some(b'P') if s.pbx.is_none() && k.starts_with(paybox::FIELD_PREFIX) => {
                    s.pbx = Some(k)
                }
                Some(b'v') if s.vads.is_none() && k.starts_with(lyra::FIELD_PREFIX) => {
                    s.vads = Some(k)
                }
                Some(b'V') => s.version |= k == direct::VERSION_FIELD,
                Some(b'N' | b'H' | b'C') => s.direct_mark |= direct::REQUEST_MARKS.contains(&k),
                Some(b'D') => s.data |= k == "Data",
                Some(b'I') => s.interface_version |= k == "InterfaceVersion",
                Some(b'S') => s.post_seal |= k == sips::POST_SEAL_FIELD,
                Some(b'k') => s.key_version |= k == crate::sips::office::KEY_VERSION_FIELD,
                Some(b'i' | b'p') => s.request |= index_in(&REQUEST_ONLY, k),
                Some(b'r' | b'a' | b'e') => s.response |= index_in(&RESPONSE_ONLY, k),
                _ => {}
            }
        }
        s
    }

    /// The scheme, and why. A form body that is none of the others is a
    /// Paybox return's query string.
    pub fn detect(&self, form: bool) -> (Scheme, String) {
        let scheme = self.scheme(form);
        let why = match scheme {
            Scheme::Paybox => format!(
                "field {} (PBX_* fields are Paybox's)",
                self.pbx.unwrap_or_default()
            ),
            Scheme::PayboxDirect => {
                "fields VERSION and HMAC/HASH/NUMQUESTION (a Paybox Direct request)".into()
            }
            Scheme::Lyra => format!(
                "field {} (vads_* fields are Lyra's)",
                self.vads.unwrap_or_default()
            ),
            Scheme::SipsPost => {
                "fields Data and InterfaceVersion/Seal (a Sips Paypage POST form)".into()
            }
            Scheme::PayboxIpn => {
                "a form body with none of Data, PBX_*, vads_* (a Paybox return query string)".into()
            }
            Scheme::SipsJson => {
                "no PBX_*, vads_* or Data+InterfaceVersion fields, so Sips JSON".into()
            }
        };
        (scheme, why)
    }

    /// The scheme alone (nothing formatted: the fast paths).
    pub fn scheme(&self, form: bool) -> Scheme {
        if self.pbx.is_some() {
            Scheme::Paybox
        } else if self.version && self.direct_mark {
            Scheme::PayboxDirect
        } else if self.vads.is_some() {
            Scheme::Lyra
        } else if self.data && (self.interface_version || self.post_seal) {
            Scheme::SipsPost
        } else if form {
            Scheme::PayboxIpn
        } else {
            Scheme::SipsJson
        }
    }

    /// What the names say of a Sips JSON message's direction (the first
    /// of each side's own fields, in the order `sips::seal` lists them).
    pub fn sides(&self) -> Sides {
        let first = |bits: u8, names: &[&'static str]| {
            (bits != 0).then(|| names[bits.trailing_zeros() as usize])
        };
        Sides::of(
            first(self.request, &REQUEST_ONLY),
            first(self.response, &RESPONSE_ONLY),
        )
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Scheme {
    type Err = String;
    fn from_str(s: &str) -> Result<Scheme, String> {
        Scheme::ALL
            .iter()
            .copied()
            .find(|sc| sc.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                let names: Vec<&str> = Scheme::ALL.iter().map(|s| s.name()).collect();
                format!(
                    "unknown scheme \"{s}\" (expected auto, {})",
                    names.join(", ")
                )
            })
    }
}

#[cfg(test)]
mod detection {
    use super::*;

    fn seen(names: &[&'static str]) -> Seen<'static> {
        Seen::of(names.iter().copied())
    }

    /// Names are looked at by their first letter: every name that tells
    /// something must be reached.
    #[test]
    fn every_name_that_tells_is_looked_at() {
        for name in REQUEST_ONLY {
            assert_eq!(seen(&[name]).sides(), Sides::Told(Direction::Request, name));
        }
        for name in RESPONSE_ONLY {
            assert_eq!(
                seen(&[name]).sides(),
                Sides::Told(Direction::Response, name)
            );
        }
        for mark in direct::REQUEST_MARKS {
            assert_eq!(seen(&["VERSION", mark]).scheme(false), Scheme::PayboxDirect);
            assert_eq!(seen(&[mark]).scheme(false), Scheme::SipsJson);
        }
        assert!(seen(&["keyVersion"]).key_version);
        assert_eq!(seen(&["Data", "Seal"]).scheme(false), Scheme::SipsPost);
        assert_eq!(
            seen(&["Data", "InterfaceVersion"]).scheme(true),
            Scheme::SipsPost
        );
        assert_eq!(seen(&["Data"]).scheme(true), Scheme::PayboxIpn);
    }

    #[test]
    fn the_order_of_the_rules_and_the_reasons() {
        // PBX_* before a Direct request, before vads_*: the first named.
        let s = seen(&["vads_a", "VERSION", "HMAC", "PBX_B", "PBX_A"]);
        assert_eq!(
            s.detect(false),
            (
                Scheme::Paybox,
                "field PBX_B (PBX_* fields are Paybox's)".into()
            )
        );
        let s = seen(&["vads_b", "VERSION", "vads_a"]);
        assert_eq!(
            s.detect(false),
            (
                Scheme::Lyra,
                "field vads_b (vads_* fields are Lyra's)".into()
            )
        );
        // Both sides' fields: the seal decides, a response first.
        assert_eq!(
            seen(&["responseCode", "interfaceVersion"]).sides(),
            Sides::Unsure {
                lean: Direction::Response
            }
        );
    }
}
