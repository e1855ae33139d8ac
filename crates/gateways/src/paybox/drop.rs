//! What the Paybox gateway does with the files of a merchant's upload
//! directory (`in/`): only the agreed extensions are kept, any other file
//! is deleted; a Question is answered `<stem>.status.xml` in `out/`, or
//! `<stem>.err` with the reason when it cannot be processed; batch
//! numbers must strictly increase from one file to the next, per shop.

use super::names::{QuestionName, Template};
pub use crate::drop::Reason;

/// The (upload, answer) directories of a Paybox account.
pub const LAYOUT: (&str, &str) = ("in", "out");

/// The extension kept by default.
pub const ACCEPTED: &str = "xml";

/// What the gateway does with one upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// A Question to process.
    Question(QuestionName),
    /// Deleted: its extension is not one of the agreed ones (or its name
    /// is not text).
    Delete(String),
    /// Answered with `<stem>.err`: (a code for scripts, the reason).
    Refuse(&'static str, String),
}

/// Whether the gateway keeps a file of this name (its extension is one
/// of the agreed ones).
pub fn kept(name: &str, accepted: &[String]) -> bool {
    accepted
        .iter()
        .any(|ext| name.len() > ext.len() + 1 && name.ends_with(&format!(".{ext}")))
}

/// Every check of a Question's name and size that fails, in the
/// gateway's order (`name` is `None` when it is not UTF-8).
pub fn problems(name: Option<&str>, size: u64, template: &Template) -> Vec<Reason> {
    let mut found = Vec::new();
    match name {
        None => found.push(Reason::BadName("bad name: not valid UTF-8".into())),
        Some(n) => {
            if let Some(why) = template.problem(n) {
                found.push(Reason::BadName(why));
            }
        }
    }
    if size == 0 {
        found.push(Reason::Empty);
    }
    found
}

/// The gateway's checks of one upload, in its order: extension, name,
/// size. `name` is `None` when it is not UTF-8.
pub fn validate(
    name: Option<&str>,
    size: u64,
    accepted: &[String],
    template: &Template,
) -> Verdict {
    let Some(text) = name.filter(|n| kept(n, accepted)) else {
        return Verdict::Delete(match name {
            None => "the name is not valid UTF-8".into(),
            Some(_) => format!("extension not accepted (accepted: {})", accepted.join(", ")),
        });
    };
    match problems(name, size, template).into_iter().next() {
        Some(Reason::BadName(why)) => Verdict::Refuse("name", why),
        Some(_) => Verdict::Refuse("empty", "empty file (0 bytes)".into()),
        None => match template.parse_name(text) {
            Some(q) => Verdict::Question(q),
            None => Verdict::Refuse("name", template.problem(text).unwrap_or_default()),
        },
    }
}

/// The batch rule: a Question's number must be greater than the last one
/// processed for its shop.
pub fn batch_problem(batch: u64, last: u64) -> Option<String> {
    (batch <= last)
        .then(|| format!("batch number {batch} is not greater than the last one ({last})"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paybox::names::DEFAULT_TEMPLATE;

    #[test]
    fn extension_then_name_then_size_then_order() {
        let t = Template::parse(DEFAULT_TEMPLATE).unwrap();
        let xml = [ACCEPTED.to_string()];
        assert!(matches!(
            validate(Some("a.txt"), 0, &xml, &t),
            Verdict::Delete(_)
        ));
        assert!(matches!(
            validate(Some("a.xml"), 0, &xml, &t),
            Verdict::Refuse("name", _)
        ));
        assert!(matches!(
            validate(Some("1999888.032.000001.xml"), 0, &xml, &t),
            Verdict::Refuse("empty", _)
        ));
        let Verdict::Question(q) = validate(Some("1999888.032.000001.xml"), 9, &xml, &t) else {
            panic!("refused");
        };
        assert_eq!(q.batch, 1);
        assert_eq!(
            batch_problem(1, 1).unwrap(),
            "batch number 1 is not greater than the last one (1)"
        );
        assert_eq!(batch_problem(2, 1), None);
    }
}
