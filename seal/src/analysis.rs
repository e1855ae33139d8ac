//! What a message's seal is made of: the scheme, the algorithm, the seal
//! string, and the seal the message carries — each with the reason it was
//! chosen, since "why did you pick that?" is half of every seal problem.

use base64::Engine as _;
use gateways::lyra::signature::{self as lyra, FIELD_PREFIX as VADS};
use gateways::paybox::hmac as paybox;
use gateways::schemes::{self, Scheme, Seen, Unbuilt};
use gateways::seal::tree::{self, Obj};
use gateways::seal::{has_booleans, scalar_text, Algorithm, SealString, Segment};
use gateways::sips::seal::{
    self as sips, Direction, Sides, POST_FORM_FIELDS, REQUEST_ONLY, RESPONSE_ONLY,
};
use serde_json::{Map, Value};

use crate::message::Unreadable;
use crate::message::{self, Message};

/// What the command line asks for; `None` means "decide from the message".
#[derive(Debug, Clone, Default)]
pub struct Choice {
    pub scheme: Option<Scheme>,
    pub algorithm: Option<String>,
    pub direction: Option<Direction>,
}

/// A message's seal, taken apart.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub scheme: Scheme,
    pub scheme_reason: String,
    pub algorithm: Algorithm,
    pub algorithm_reason: String,
    pub direction: Option<(Direction, String)>,
    /// Sips JSON: the fields did not tell request from response, so the
    /// seal decides (the check tries the other one: `other_direction`).
    pub unsure: bool,
    /// Fields present in the message that do not enter the seal.
    pub excluded: Vec<String>,
    pub seal_string: SealString,
    /// The seal the message carries, if any.
    pub given: Option<String>,
    /// Things a person should know (undocumented rules, odd input).
    pub notes: Vec<String>,
    /// Sips POST: the `key=value` pairs of `Data`, for reading only.
    pub data_pairs: Vec<Segment>,
    /// Sips POST: `Data` was built here from a plain JSON object.
    pub built_data: Option<String>,
    /// The message's fields as ordered pairs (flat schemes), for variants.
    pub pairs: Vec<(String, String)>,
}

impl Analysis {
    pub fn of(msg: &Message, choice: &Choice) -> Result<Analysis, Unreadable> {
        let (scheme, scheme_reason) = match choice.scheme {
            Some(s) => (s, "--scheme on the command line".to_string()),
            None => detect(msg),
        };
        if scheme == Scheme::PayboxIpn {
            return Err("internal: paybox-ipn is not analysed here".into());
        }
        // A form that gives a name twice, refused as a JSON object that
        // does: every scheme sealed here reads its fields by name (a
        // Direct request so given is answered 00014).
        if let Some(name) = &msg.repeated {
            return Err(message::given_twice(name).into());
        }
        let (algorithm, algorithm_reason) = algorithm_for(scheme, &msg.fields, choice)?;
        let mut a = Analysis {
            scheme,
            scheme_reason,
            algorithm,
            algorithm_reason,
            direction: None,
            unsure: false,
            excluded: Vec::new(),
            seal_string: SealString::whole("", ""),
            given: None,
            notes: Vec::new(),
            data_pairs: Vec::new(),
            built_data: None,
            pairs: Vec::new(),
        };
        match scheme {
            Scheme::SipsJson => a.sips_json(&msg.fields, choice)?,
            Scheme::SipsPost => a.sips_post(&msg.fields)?,
            Scheme::Paybox => {
                a.pairs = message::flat_pairs(&msg.fields)?;
                a.seal_string = built(
                    scheme,
                    tree::from_map(&msg.fields).root(),
                    Direction::Request,
                )?;
                a.given = text_field(&msg.fields, paybox::SEAL_FIELD);
                a.excluded = present(&msg.fields, &[paybox::SEAL_FIELD]);
            }
            Scheme::PayboxDirect => {
                // A form body is read again as the gateway reads it: its
                // bytes in Latin-1, whatever they are.
                a.pairs = match &msg.raw_form {
                    Some(raw) => gateways::paybox::direct::parse_request(raw.as_bytes()),
                    None => message::flat_pairs(&msg.fields)?,
                };
                if let Some((k, _)) = a
                    .pairs
                    .iter()
                    .find(|(_, v)| gateways::paybox::direct::latin1(v).is_err())
                {
                    a.notes.push(format!(
                        "field {k} holds a character Latin-1 cannot hold: Paybox Direct reads Latin-1, so the gateway cannot see this value as given (sealed here as UTF-8)"
                    ));
                }
                a.seal_string = built(
                    scheme,
                    tree::from_pairs(&a.pairs).root(),
                    Direction::Request,
                )?;
                let seal_field = gateways::paybox::direct::SEAL_FIELD;
                a.given = a
                    .pairs
                    .iter()
                    .find(|(k, _)| k == seal_field)
                    .map(|(_, v)| v.clone());
                a.excluded = present(&msg.fields, &[seal_field]);
            }
            Scheme::Lyra => {
                // Only vads_* fields count, so only they must be flat.
                a.pairs =
                    message::flat_pairs(msg.fields.iter().filter(|(k, _)| k.starts_with(VADS)))?;
                a.seal_string = built(
                    scheme,
                    tree::from_map(&msg.fields).root(),
                    Direction::Request,
                )?;
                a.given = text_field(&msg.fields, lyra::SEAL_FIELD);
                a.excluded = msg
                    .fields
                    .keys()
                    .filter(|k| !k.starts_with(VADS))
                    .cloned()
                    .collect();
                if a.pairs
                    .iter()
                    .any(|(k, v)| k.starts_with(VADS) && v.is_empty())
                {
                    a.notes.push(
                        "empty vads_* fields contribute an empty value between two '+' \
                         (Lyra's rule: every vads_* field counts); some libraries drop them"
                            .into(),
                    );
                }
            }
            Scheme::PayboxIpn => unreachable!("handled above"),
        }
        Ok(a)
    }

    fn sips_json(
        &mut self,
        fields: &Map<String, Value>,
        choice: &Choice,
    ) -> Result<(), Unreadable> {
        let (direction, why) = match choice.direction {
            Some(d) => (d, "--message on the command line".to_string()),
            None => match sips::sides(|k| fields.contains_key(k)) {
                Sides::Told(d, field) => (
                    d,
                    format!("it has {field}, which only a {} carries", d.name()),
                ),
                Sides::Unsure { lean } => {
                    self.unsure = true;
                    let why = unsure_why(fields);
                    (
                        lean,
                        format!(
                            "{why}; taken as a {} (with a key, the seal is checked both ways)",
                            lean.name()
                        ),
                    )
                }
            },
        };
        self.set_direction(fields, direction, why)?;
        if fields.values().any(has_booleans) {
            self.notes.push(
                "booleans enter the seal as true/false: the gateway does not document this \
                 (PHP libraries write 1 and nothing)"
                    .into(),
            );
        }
        Ok(())
    }

    fn set_direction(
        &mut self,
        fields: &Map<String, Value>,
        direction: Direction,
        why: String,
    ) -> Result<(), Unreadable> {
        self.direction = Some((direction, why));
        self.excluded = present(fields, sips::excluded(direction));
        self.seal_string = built(Scheme::SipsJson, tree::from_map(fields).root(), direction)?;
        self.given = text_field(fields, sips::SEAL_FIELD);
        Ok(())
    }

    /// A Sips JSON message whose fields did not tell its direction, read
    /// as the other one.
    pub fn other_direction(&self, msg: &Message) -> Option<Analysis> {
        let (direction, why) = self.direction.as_ref().filter(|_| self.unsure)?;
        let mut other = self.clone();
        other
            .set_direction(&msg.fields, direction.other(), why.clone())
            .ok()?;
        Some(other)
    }

    fn sips_post(&mut self, fields: &Map<String, Value>) -> Result<(), Unreadable> {
        let data = match fields.get("Data") {
            Some(Value::String(d)) => d.clone(),
            Some(_) => return Err("field \"Data\" must be a string".into()),
            None => {
                // A plain object: build Data the way the official kit does.
                let mut rest = fields.clone();
                for f in POST_FORM_FIELDS {
                    rest.shift_remove(f);
                }
                let mut data = sips::post_data(&rest)?;
                if is_base64_encoded(fields) {
                    data = base64::engine::general_purpose::STANDARD.encode(data.as_bytes());
                }
                self.built_data = Some(data.clone());
                data
            }
        };
        let decoded = if is_base64_encoded(fields) {
            match base64::engine::general_purpose::STANDARD.decode(data.trim()) {
                Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
                Err(_) => {
                    self.notes
                        .push("Encode=base64 but Data is not valid base64".into());
                    String::new()
                }
            }
        } else {
            data.clone()
        };
        if is_base64_encoded(fields) {
            self.notes.push(
                "Encode=base64: the seal covers the base64 text of Data, not the decoded pairs"
                    .into(),
            );
        }
        self.data_pairs = sips::post_pairs(&decoded);
        self.seal_string = SealString::whole("Data", &data);
        self.given = text_field(fields, sips::POST_SEAL_FIELD);
        self.excluded = fields
            .keys()
            .filter(|k| k.as_str() != "Data")
            .cloned()
            .collect();
        Ok(())
    }
}

/// Why the fields of a Sips JSON message do not tell its direction.
pub fn unsure_why(fields: &Map<String, Value>) -> String {
    let found = |names: &[&str]| -> Vec<String> {
        names
            .iter()
            .filter(|n| fields.contains_key(**n))
            .map(|n| n.to_string())
            .collect()
    };
    let (request, response) = (found(&REQUEST_ONLY), found(&RESPONSE_ONLY));
    if request.is_empty() {
        format!(
            "its fields do not tell: none of {} (a request's) nor {} (a response's)",
            REQUEST_ONLY.join(", "),
            RESPONSE_ONLY.join(", ")
        )
    } else {
        format!(
            "its fields do not tell: it has {} (a request's) and {} (a response's)",
            request.join(", "),
            response.join(", ")
        )
    }
}

pub fn is_base64_encoded(fields: &Map<String, Value>) -> bool {
    matches!(fields.get("Encode"), Some(Value::String(e)) if e.eq_ignore_ascii_case("base64"))
}

fn detect(msg: &Message) -> (Scheme, String) {
    Seen::of(msg.fields.keys().map(String::as_str)).detect(msg.raw_form.is_some())
}

/// A message's seal string by the one builder (`gateways::schemes`),
/// each piece with its path.
fn built(scheme: Scheme, fields: Obj, direction: Direction) -> Result<SealString, Unreadable> {
    schemes::seal_string(scheme, fields, direction).map_err(|e| match e {
        Unbuilt::NotFlat(k) => Unreadable(format!(
            "field \"{k}\" is not flat: this scheme takes flat fields only"
        )),
        Unbuilt::Whole => Unreadable(format!("internal: {scheme} seals a text, not fields")),
    })
}

/// The scheme of a message, when the command line leaves it to us.
pub fn scheme_of(msg: &Message, choice: &Choice) -> (Scheme, String) {
    match choice.scheme {
        Some(s) => (s, "--scheme on the command line".into()),
        None => detect(msg),
    }
}

fn algorithm_for(
    scheme: Scheme,
    fields: &Map<String, Value>,
    choice: &Choice,
) -> Result<(Algorithm, String), Unreadable> {
    if let Some(name) = &choice.algorithm {
        return scheme
            .algorithm(name)
            .map(|a| (a, "--algorithm on the command line".into()))
            .map_err(Unreadable::from);
    }
    let field = scheme.algorithm_field();
    if let Some(f) = field {
        if let Some(v) = fields.get(f) {
            let text = scalar_text(v).unwrap_or_default();
            if !text.is_empty() {
                return scheme
                    .algorithm(&text)
                    .map(|a| (a, format!("the message's {f} field")))
                    .map_err(|e| Unreadable(format!("field {f}: {e}")));
            }
        }
    }
    let default = scheme.algorithms()[0];
    let why = match field {
        Some(f) => format!("the {scheme} default (the message has no {f} field)"),
        None => format!("the {scheme} default (use --algorithm SHA-1 for shops set to SHA-1)"),
    };
    Ok((default, why))
}

fn text_field(fields: &Map<String, Value>, name: &str) -> Option<String> {
    fields
        .get(name)
        .and_then(scalar_text)
        .filter(|s| !s.is_empty())
}

/// The fields of `names` that the message has, in message order.
fn present(fields: &Map<String, Value>, names: &[&str]) -> Vec<String> {
    fields
        .keys()
        .filter(|k| names.contains(&k.as_str()))
        .cloned()
        .collect()
}
