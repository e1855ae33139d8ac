//! What a file name means in a drop tree, by the gateways' rules: a
//! request waiting, an answer, a rejection, a status or `.err` file, a
//! compressed file — or nothing dropwatch reports.

use gateways::lyra::names::{strip_decorations, FileKind, Name, Rejection, GZ_SUFFIX};
use gateways::paybox::names::Template;
use gateways::Gateway;
use paylot_cli::cleanup::TEMP_SUFFIX;

/// Prefix of every file dropwatch itself writes inside a tree (its state
/// files); such files are never reported, swept or processed.
pub const OWN_PREFIX: &str = ".dropwatch";

/// What a file name means in a drop tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// A valid request (Lyra REQ or Paybox Question).
    Request,
    /// A Lyra answer; `request` is the REQ it answers.
    Answer { request: String },
    /// A request renamed `_ERROR` / `_DUPLICATE`.
    Rejected { request: String, reason: Rejection },
    /// A Paybox status file; `request` is the Question it answers.
    Status { request: String },
    /// A Paybox `.err` file.
    ErrorFile { request: String },
    /// A compressed file; `original` is the name before compression.
    Compressed { original: String },
}

/// Classify a file name for the watcher; `None` for names of neither
/// scheme (and for dropwatch's own files).
pub fn classify(name: &str, gateways: &[Gateway], template: &Template) -> Option<(Gateway, Kind)> {
    if name.starts_with(OWN_PREFIX) || name.ends_with(TEMP_SUFFIX) {
        return None;
    }
    if let Some(original) = name.strip_suffix(GZ_SUFFIX) {
        // Report the compressed form only for names we know.
        classify(original, gateways, template)?;
        let gateway = classify(original, gateways, template)?.0;
        return Some((
            gateway,
            Kind::Compressed {
                original: original.to_string(),
            },
        ));
    }
    if gateways.contains(&Gateway::Lyra) {
        let (base, rejection, _) = strip_decorations(name);
        if let Some(reason) = rejection {
            // The gateway renames whatever was uploaded, valid name or not.
            if !base.is_empty() {
                return Some((
                    Gateway::Lyra,
                    Kind::Rejected {
                        request: base.to_string(),
                        reason,
                    },
                ));
            }
        } else if let Some(n) = Name::parse(name) {
            return Some((
                Gateway::Lyra,
                match n.kind {
                    FileKind::Req => Kind::Request,
                    FileKind::Ans => Kind::Answer {
                        request: n.with_kind(FileKind::Req).to_string(),
                    },
                },
            ));
        }
    }
    if gateways.contains(&Gateway::Paybox) {
        if let Some(stem) = name.strip_suffix(".status.xml") {
            return Some((
                Gateway::Paybox,
                Kind::Status {
                    request: format!("{stem}.xml"),
                },
            ));
        }
        if let Some(stem) = name.strip_suffix(".err") {
            return Some((
                Gateway::Paybox,
                Kind::ErrorFile {
                    request: format!("{stem}.xml"),
                },
            ));
        }
        if template.parse_name(name).is_some() {
            return Some((Gateway::Paybox, Kind::Request));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use gateways::paybox::names::DEFAULT_TEMPLATE;

    #[test]
    fn classification() {
        let t = Template::parse(DEFAULT_TEMPLATE).unwrap();
        let both = [Gateway::Lyra, Gateway::Paybox];
        assert_eq!(
            classify("20191130.12345678.PAY.ANS.T.01", &both, &t)
                .unwrap()
                .1,
            Kind::Answer {
                request: "20191130.12345678.PAY.REQ.T.01".into()
            }
        );
        assert_eq!(
            classify("1999888.032.000042.status.xml", &both, &t)
                .unwrap()
                .1,
            Kind::Status {
                request: "1999888.032.000042.xml".into()
            }
        );
        assert_eq!(
            classify("20191130.12345678.PAY.REQ.T.01.gz", &both, &t)
                .unwrap()
                .1,
            Kind::Compressed {
                original: "20191130.12345678.PAY.REQ.T.01".into()
            }
        );
        assert!(classify(".dropwatch-state.json", &both, &t).is_none());
        assert!(classify(".1999888.032.000042.xml.77.AbCdEf.paylot-tmp", &both, &t).is_none());
        assert!(classify("notes.txt", &both, &t).is_none());
    }
}
