//! The questions of a plain Question file, read streaming.

use std::collections::HashMap;
use std::io::BufRead;

use paylot_cli::{Error, Result};

use super::super::fields::Field;
use super::header::{encrypted_merchant, Header};
use crate::xml::{self, XmlEvent};

/// A question as found in a file: raw values, not yet checked.
#[derive(Debug, Default, Clone)]
pub struct RawQuestion {
    pub line: u64,
    pub number: Option<String>,
    pub type_code: Option<String>,
    pub values: HashMap<Field, String>,
    /// `PaymentHandle` was used instead of `PAN`.
    pub token: bool,
    /// Structure problems (unknown or repeated elements).
    pub structure: Vec<String>,
}

impl RawQuestion {
    pub fn get(&self, f: Field) -> Option<&str> {
        match f {
            Field::Question => self.number.as_deref(),
            Field::Type => self.type_code.as_deref(),
            _ => self.values.get(&f).map(String::as_str),
        }
    }
}

pub enum QuestionItem {
    /// The root and Merchant were read (sent once, before any question).
    Header(Header),
    Question(RawQuestion),
}

const QUESTION_LEAVES: &[(&str, Field)] = &[
    ("Amount", Field::Amount),
    ("Currency", Field::Currency),
    ("Reference", Field::Reference),
    ("Activity", Field::Activity),
    ("Date", Field::Date),
    ("Subscriber", Field::Subscriber),
    ("Authorization", Field::Authorization),
    ("CallId", Field::CallId),
    ("TransactionId", Field::TransactionId),
];

const CARD_BRANDS: &[&str] = &["CB", "Amex", "BaseCard", "Cofinoga", "Sofinco"];

/// Read a Question file, streaming: `f` gets the header, then each
/// question. A document that is not a Question file is trouble.
pub fn read_questions<R: BufRead>(
    src: R,
    name: &str,
    mut f: impl FnMut(QuestionItem) -> Result<()>,
) -> Result<()> {
    let mut path: Vec<String> = Vec::new();
    let mut header = Header::default();
    let mut header_sent = false;
    let mut current: Option<RawQuestion> = None;
    let mut merchants = 0;
    xml::walk(src, name, |ev| {
        match ev {
            XmlEvent::Start {
                name: el,
                attrs,
                line,
            } => {
                match path.len() {
                    0 => header.read_root(el, attrs, line, name)?,
                    1 if el == "Merchant" => {
                        merchants += 1;
                        if merchants > 1 {
                            return Err(Error::no(format!(
                                "{name}:{line}: a second <Merchant> element (one shop per file)"
                            )));
                        }
                        header.read_merchant(attrs, line);
                        f(QuestionItem::Header(header.clone()))?;
                        header_sent = true;
                    }
                    2 if el == "Question" && path[1] == "Merchant" => {
                        current = Some(RawQuestion {
                            line,
                            number: xml::attr(attrs, "Number").map(str::to_string),
                            type_code: xml::attr(attrs, "Type").map(str::to_string),
                            ..RawQuestion::default()
                        });
                    }
                    _ => {
                        if let Some(q) = current.as_mut() {
                            let parent = path.last().map(String::as_str).unwrap_or("");
                            let ok = match path.len() {
                                3 => el == "Card" || QUESTION_LEAVES.iter().any(|(n, _)| *n == el),
                                4 => parent == "Card" && CARD_BRANDS.contains(&el),
                                5 => ["PAN", "PaymentHandle", "Expiry", "CVV", "Authorization"]
                                    .contains(&el),
                                _ => false,
                            };
                            if !ok {
                                q.structure
                                    .push(format!("unexpected element <{el}> in <{parent}>"));
                            }
                        } else {
                            return Err(Error::no(format!(
                                "{name}:{line}: unexpected element <{el}> in <{}> (expected <Merchant> holding <Question> elements)",
                                path.last().map(String::as_str).unwrap_or("")
                            )));
                        }
                    }
                }
                path.push(el.to_string());
            }
            XmlEvent::Armored { name: el, line } if el == "Merchant" && path.len() == 2 => {
                return Err(encrypted_merchant(name, line));
            }
            XmlEvent::Armored { .. } => {}
            XmlEvent::End { name: el, text, .. } => {
                path.pop();
                if let Some(q) = current.as_mut() {
                    let field = match path.len() {
                        3 => QUESTION_LEAVES
                            .iter()
                            .find(|(n, _)| *n == el)
                            .map(|(_, f)| *f),
                        5 => match el {
                            "PAN" => Some(Field::Pan),
                            "PaymentHandle" => {
                                q.token = true;
                                Some(Field::Pan)
                            }
                            "Expiry" => Some(Field::Expiry),
                            "CVV" => Some(Field::Cvv),
                            "Authorization" => Some(Field::Authorization),
                            _ => None,
                        },
                        _ => None,
                    };
                    if let Some(field) = field {
                        if q.values.insert(field, text.to_string()).is_some() {
                            q.structure.push(format!("<{el}> given twice"));
                        }
                    }
                    if path.len() == 2 && el == "Question" {
                        if let Some(q) = current.take() {
                            f(QuestionItem::Question(q))?;
                        }
                    }
                }
            }
        }
        Ok(())
    })?;
    if !header_sent {
        return Err(Error::no(format!(
            "{name}: no <Merchant> element (expected one, holding the questions)"
        )));
    }
    Ok(())
}
