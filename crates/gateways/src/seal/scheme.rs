//! The seal schemes, and how one is recognised from a message's fields.

use std::fmt;
use std::str::FromStr;

use serde_json::{Map, Value};

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
            Scheme::SipsJson => crate::sips::seal::SEAL_FIELD,
            Scheme::SipsPost => crate::sips::seal::POST_SEAL_FIELD,
            Scheme::Paybox => crate::paybox::hmac::SEAL_FIELD,
            Scheme::PayboxDirect => crate::paybox::direct::SEAL_FIELD,
            Scheme::PayboxIpn => crate::paybox::ipn::SIGNATURE_FIELD,
            Scheme::Lyra => crate::lyra::signature::SEAL_FIELD,
        }
    }

    /// The field of a message that names its algorithm, if the scheme has
    /// one.
    pub fn algorithm_field(self) -> Option<&'static str> {
        match self {
            Scheme::SipsJson => Some(crate::sips::seal::ALGORITHM_FIELD),
            Scheme::SipsPost => Some(crate::sips::seal::POST_ALGORITHM_FIELD),
            Scheme::Paybox => Some(crate::paybox::hmac::ALGORITHM_FIELD),
            Scheme::PayboxDirect => Some(crate::paybox::direct::ALGORITHM_FIELD),
            Scheme::PayboxIpn | Scheme::Lyra => None,
        }
    }

    /// Whether the merchant's secret is hex text decoded to the key
    /// (Paybox's back-office key), rather than used as its bytes.
    pub fn hex_key(self) -> bool {
        matches!(self, Scheme::Paybox | Scheme::PayboxDirect)
    }

    /// Recognise the scheme from field names, and say why.
    pub fn detect(fields: &Map<String, Value>) -> (Scheme, String) {
        if let Some(k) = fields.keys().find(|k| k.starts_with("PBX_")) {
            return (
                Scheme::Paybox,
                format!("field {k} (PBX_* fields are Paybox's)"),
            );
        }
        if crate::paybox::direct::is_request(|k| fields.contains_key(k)) {
            return (
                Scheme::PayboxDirect,
                "fields VERSION and HMAC/HASH/NUMQUESTION (a Paybox Direct request)".to_string(),
            );
        }
        if let Some(k) = fields
            .keys()
            .find(|k| k.starts_with(crate::lyra::signature::FIELD_PREFIX))
        {
            return (
                Scheme::Lyra,
                format!("field {k} (vads_* fields are Lyra's)"),
            );
        }
        if fields.contains_key("Data")
            && (fields.contains_key("InterfaceVersion") || fields.contains_key("Seal"))
        {
            return (
                Scheme::SipsPost,
                "fields Data and InterfaceVersion/Seal (a Sips Paypage POST form)".to_string(),
            );
        }
        (
            Scheme::SipsJson,
            "no PBX_*, vads_* or Data+InterfaceVersion fields, so Sips JSON".to_string(),
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
