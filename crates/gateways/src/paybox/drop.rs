//! What the Paybox gateway does with the files of a merchant's upload
//! directory (`in/`): only the agreed extensions are kept, any other file
//! is deleted; a Question is answered `<stem>.status.xml` in `out/`, or
//! `<stem>.err` with the reason when it cannot be processed; batch
//! numbers must strictly increase from one file to the next, per shop.

use super::names::{QuestionName, Template};
use super::question::{Header, Sealing};
use super::values::{parse_batch, parse_site, parse_written_rank};
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

/// The readable routing data of an upload, as the gateway acts on it: the
/// BatchNumber, Site and Rank the file itself holds (they stay readable
/// when its content is encrypted), checked and compared with what its name
/// says. The gateway orders files by the number in the file; a name that
/// says otherwise would let one batch be taken for another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routing {
    pub batch: u64,
    pub site: String,
    pub rank: String,
}

impl Routing {
    /// The key the batch sequence belongs to (`site.rank`).
    pub fn merchant_key(&self) -> String {
        format!("{}.{}", self.site, self.rank)
    }
}

/// The routing data of a Question from its header, or every reason the
/// gateway would refuse it with (`<stem>.err`): a missing or bad
/// BatchNumber, Site or Rank, or a name that disagrees with the content.
pub fn routing(header: &Header, name: &QuestionName) -> Result<Routing, Vec<String>> {
    let mut why = Vec::new();
    let batch = parse_batch(header.batch.as_deref().unwrap_or(""))
        .map_err(|m| why.push(format!("BatchNumber {m}")))
        .ok();
    let site = parse_site(header.site.as_deref().unwrap_or(""))
        .map_err(|m| why.push(format!("Merchant Site {m}")))
        .ok();
    let rank = parse_written_rank(header.rank.as_deref().unwrap_or(""))
        .map_err(|m| why.push(format!("Merchant Rank {m}")))
        .ok();
    let fix = "name the file from its content: dropwatch name --gateway paybox --question FILE";
    if let Some(b) = batch.filter(|b| *b != name.batch) {
        why.push(format!(
            "the name says batch {}, the file says BatchNumber {b}: name and content must agree ({fix})",
            name.batch
        ));
    }
    if let (Some(s), Some(n)) = (&site, &name.site) {
        if s != n {
            why.push(format!(
                "the name says site {n}, the file says Site {s}: name and content must agree ({fix})"
            ));
        }
    }
    if let (Some(r), Some(n)) = (&rank, &name.rank) {
        if r != n {
            why.push(format!(
                "the name says rank {n}, the file says Rank {r}: name and content must agree ({fix})"
            ));
        }
    }
    match (batch, site, rank) {
        (Some(batch), Some(site), Some(rank)) if why.is_empty() => {
            Ok(Routing { batch, site, rank })
        }
        _ => Err(why),
    }
}

/// The protection rule: the gateway takes a Question only "crypté et
/// signé" — its files stay encrypted although SFTP already protects the
/// link (Paybox manual v4.84, "Traitement par lot par dépôt de fichiers",
/// p. 38–39; ../shared/spec/pgp-envelope.md: the whole Question signed,
/// then the content of its Merchant element encrypted). What can be seen
/// from outside is whether that content is an OpenPGP message; the
/// signature is inside it, checked by the gateway when it decrypts. Says
/// why a Question whose Merchant content is clear would be refused, and
/// the command that protects it.
pub fn protection_problem(sealing: &Sealing) -> Option<String> {
    const PROTECT: &str = "protect it with pgpwrap encrypt --element Merchant --recipient \
         PAYBOX.pub --sign-with SHOP.key (e.g. xmlbatch build ... | pgpwrap encrypt --element \
         Merchant --recipient keys/paybox.pub --sign-with keys/shop.key -o FILE)";
    match sealing {
        Sealing::Sealed => None,
        Sealing::Clear => Some(format!(
            "the Merchant element is in clear (card numbers, security codes): the gateway takes a \
             Question only signed, then encrypted; {PROTECT}"
        )),
        Sealing::Unsealed(what) => Some(format!(
            "{what}: the gateway takes a Question only signed, then encrypted, its Merchant \
             element holding one armored OpenPGP message and nothing else; start again from the \
             clear Question and {PROTECT}"
        )),
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

    #[test]
    fn the_routing_data_is_the_files_and_the_name_must_agree() {
        let t = Template::parse(DEFAULT_TEMPLATE).unwrap();
        let name = t.parse_name("1999888.032.000008.xml").unwrap();
        let header = |batch: &str, site: &str, rank: &str| Header {
            batch: Some(batch.into()),
            site: Some(site.into()),
            rank: Some(rank.into()),
            ..Header::default()
        };
        assert_eq!(
            routing(&header("8", "1999888", "032"), &name),
            Ok(Routing {
                batch: 8,
                site: "1999888".into(),
                rank: "032".into()
            })
        );
        let why = routing(&header("7", "1999888", "032"), &name).unwrap_err();
        assert!(
            why[0].contains("the name says batch 8, the file says BatchNumber 7"),
            "{why:?}"
        );
        let why = routing(&header("8", "1234567", "033"), &name).unwrap_err();
        assert_eq!(why.len(), 2, "{why:?}");
        let why = routing(&header("x", "", "32"), &name).unwrap_err();
        assert_eq!(why.len(), 3, "{why:?}");
    }
}
