//! A Question's routing data: the root's attributes and `Merchant`'s
//! (batch number, date, site, rank), outside the content that may be
//! encrypted, what the gateway acts on before it decrypts anything.

use std::io::BufRead;

use paylot_cli::{Error, Result};

use crate::xml::{self, XmlEvent};

/// The root and Merchant of a batch document.
#[derive(Debug, Default, Clone)]
pub struct Header {
    pub batch: Option<String>,
    pub created_on: Option<String>,
    pub namespace: Option<String>,
    pub site: Option<String>,
    pub rank: Option<String>,
    pub paybox_id: Option<String>,
    /// The lines of the root and of the Merchant element.
    pub line: u64,
    pub merchant_line: u64,
    /// The Merchant element's content is an armored OpenPGP message:
    /// the Question as it is uploaded, encrypted for the gateway.
    pub encrypted: bool,
}

impl Header {
    /// Why the root is not in the Question namespace (`xmlns`
    /// `http://www.paybox.com/PayboxBatch`), if it is not: what the
    /// sandbox's responder (xmlbatch respond) takes for a Question file,
    /// and the drop sandbox answers with `.err` before handing it one.
    pub fn namespace_problem(&self) -> Option<String> {
        let ns = super::QUESTION_NS;
        (self.namespace.as_deref() != Some(ns)).then(|| {
            format!(
                "the namespace is {}, not {ns} (expected a Paybox Question file)",
                self.namespace
                    .as_deref()
                    .map(crate::show)
                    .unwrap_or_else(|| "missing".into()),
            )
        })
    }

    /// The root's readable routing data (BatchNumber, CreatedOn, the
    /// namespace); a root that is not `PayboxBatch` is trouble.
    pub(super) fn read_root(
        &mut self,
        el: &str,
        attrs: &[(String, String)],
        line: u64,
        name: &str,
    ) -> Result<()> {
        // The answer where its Question was expected: said as such.
        if el == "PayboxBatchStatus" {
            return Err(Error::trouble(format!(
                "{name}:{line}: a Paybox status file (the gateway's answer, root \
                 <PayboxBatchStatus>), where a Question (the request, root <PayboxBatch>) is \
                 expected: give the Question the status file answers"
            )));
        }
        if el != "PayboxBatch" {
            return Err(Error::trouble(format!(
                "{name}:{line}: the root element is <{el}>, not <PayboxBatch> (expected a Paybox Question file)"
            )));
        }
        self.batch = xml::attr(attrs, "BatchNumber").map(str::to_string);
        self.created_on = xml::attr(attrs, "CreatedOn").map(str::to_string);
        self.namespace = attrs
            .iter()
            .find(|(k, _)| k == "xmlns")
            .map(|(_, v)| v.clone());
        self.line = line;
        Ok(())
    }

    /// The Merchant's readable routing data (Site, Rank).
    pub(super) fn read_merchant(&mut self, attrs: &[(String, String)], line: u64) {
        self.site = xml::attr(attrs, "Site").map(str::to_string);
        self.rank = xml::attr(attrs, "Rank").map(str::to_string);
        self.merchant_line = line;
    }
}

/// The message for a Question whose Merchant element is encrypted, where
/// the clear questions are needed.
pub fn encrypted_merchant(name: &str, line: u64) -> Error {
    Error::trouble(format!(
        "{name}:{line}: the Merchant element is encrypted: decrypt it first with pgpwrap decrypt \
         --element Merchant (e.g. pgpwrap decrypt --element Merchant --key KEY --verify-with \
         SIGNER.pub FILE | xmlbatch ...)"
    ))
}

/// A Question file that is OpenPGP data as a whole, refused as such,
/// told from its first bytes (peeked, not consumed): what a newcomer
/// uploads after `pgpwrap encrypt` without `--element Merchant`, which
/// the XML reader called "text outside the root element" or "cannot
/// decode input using UTF-8". The gateway reads a Question's BatchNumber,
/// Site and Rank before it decrypts anything: only the Merchant element's
/// content is encrypted.
pub(super) fn whole_file_openpgp<R: BufRead>(src: &mut R, name: &str) -> Result<()> {
    use paylot_cli::armor::{recognised, Armored};
    let head = src.fill_buf().map_err(|e| Error::reading(name, e))?;
    match recognised(head) {
        Some(Armored::Message) => Err(Error::trouble(format!(
            "{name}: the whole file is an OpenPGP message, not a Question whose Merchant \
             element is encrypted: the gateway reads a Question's BatchNumber, Site and Rank \
             before it decrypts anything; encrypt only the Merchant element's content (xmlbatch \
             build ... | pgpwrap encrypt --element Merchant --recipient PAYBOX.pub --sign-with \
             SHOP.key -o FILE)"
        ))),
        Some(kind) => Err(Error::trouble(format!(
            "{name}: not a Paybox Question file: {}",
            kind.hint()
        ))),
        None => Ok(()),
    }
}

/// Read only the readable routing data of a Question file — the root's
/// BatchNumber and CreatedOn, the Merchant's Site and Rank, and whether
/// the Merchant's content is encrypted — and stop there, without reading
/// the questions (or the encrypted content). What the gateway acts on
/// before it decrypts anything. A document that is not a Question file is
/// trouble.
pub fn read_header<R: BufRead>(mut src: R, name: &str) -> Result<Header> {
    whole_file_openpgp(&mut src, name)?;
    let mut header = Header::default();
    let mut depth = 0usize;
    let mut in_merchant = false;
    let mut found = false;
    let walked = xml::walk(src, name, |ev| {
        match ev {
            XmlEvent::Start {
                name: el,
                attrs,
                line,
            } => {
                if depth == 0 {
                    header.read_root(el, attrs, line, name)?;
                } else if depth == 1 && el == "Merchant" {
                    header.read_merchant(attrs, line);
                    in_merchant = true;
                } else if in_merchant {
                    // A clear question: the header is complete.
                    found = true;
                    return Err(Error::done());
                }
                depth += 1;
            }
            XmlEvent::Armored { name: el, .. } if in_merchant && el == "Merchant" => {
                header.encrypted = true;
                found = true;
                return Err(Error::done());
            }
            XmlEvent::Armored { .. } => {}
            XmlEvent::End { name: el, .. } => {
                depth = depth.saturating_sub(1);
                if in_merchant && el == "Merchant" {
                    found = true;
                    return Err(Error::done());
                }
            }
        }
        Ok(())
    });
    match walked {
        Err(e) if found && e.is_done() => Ok(header),
        Err(e) => Err(e),
        Ok(()) if header.merchant_line == 0 => Err(Error::no(format!(
            "{name}: no <Merchant> element (expected one, holding the questions)"
        ))),
        Ok(()) => Ok(header),
    }
}
