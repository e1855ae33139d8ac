//! `pgpwrap decrypt`: decrypt, then verify; the plaintext reaches its
//! destination only after a good signature from a named certificate.

use std::io::{Read, Write};
use std::path::PathBuf;

use paylot_cli::{Access, Error, Input, Outcome, Output, Result};
use sequoia_openpgp as openpgp;

use openpgp::parse::stream::DecryptorBuilder;
use openpgp::parse::Parse;
use openpgp::policy::Policy;

use crate::element;
use crate::io::{self, CopyError, Expansion, ExpansionArg};
use crate::keys::{self, Need, Policies};
use crate::verdict::{Helper, Nested, Report};

const EXAMPLES: &str = "\
Examples:
  $ pgpwrap decrypt --key shop.key --passphrase-env SHOP_PGP_PASS \\
        --verify-with gateway.pub -o answer.xml answer.xml.pgp

  Restore a file whose <Merchant> content was encrypted by `encrypt --element`:
  $ pgpwrap decrypt --key gateway.key --verify-with shop.pub \\
        --element Merchant -o question-clear.xml question.xml

The output (file or standard output) is written only after the signature
verified: on any failure nothing is written and no file is left behind.
A message signed only by keys not named by --verify-with is refused before
its content is unpacked; a message that unpacks to more than --max-expansion
times its size (a compression bomb) is refused as it is read.
Exit status: 0 decrypted and verified, 1 signature missing, bad or from a
signer not named, or message tampered with, 2 trouble (no key for this
message, wrong passphrase, malformed input, a compression bomb).";

/// Decrypt a message and verify its signature before releasing the plaintext
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    pub secret: io::SecretKeyArgs,
    /// A certificate whose signature is accepted; repeat for several
    #[arg(long, value_name = "CERT", required = true)]
    pub verify_with: Vec<PathBuf>,
    /// Decrypt only the content of this XML element, in place (as `encrypt --element` wrote it)
    #[arg(long, value_name = "NAME")]
    pub element: Option<String>,
    #[command(flatten)]
    pub expansion: ExpansionArg,
    #[command(flatten)]
    pub message: io::MessageArgs,
}

/// Decrypt and verify `input` into `out`, within `bound`. Returns the
/// report (good signers). `out` must hold everything back until the
/// caller commits.
///
/// A panic inside the OpenPGP library (it has `unwrap`s on input it does
/// not expect: docs/pgpwrap.md, "Upstream reports") ends in an error, exit
/// 2: the message could not be read, nothing is released.
pub fn open(
    input: Box<dyn Read + Send + Sync>,
    input_name: &str,
    helper: Helper,
    key_name: &str,
    p: &dyn Policy,
    bound: &Expansion,
    out: &mut dyn Write,
) -> Result<Report> {
    // The whole reading is contained: a panic anywhere in it ends here.
    paylot_cli::contain(|| {
        let report = helper.report.clone();
        let fail = |e: openpgp::anyhow::Error| classify(e, &report, input_name, key_name);
        let input = precheck(bound.counted(input), input_name)?;
        let mut dec = DecryptorBuilder::from_reader(input)
            .map_err(fail)?
            .buffer_size(io::parser_buffer(io::PARSER_BUFFER))
            .with_policy(p, None, helper)
            .map_err(fail)?;
        io::copy(&mut dec, out, Some(bound)).map_err(|e| match e {
            CopyError::Read(e) => fail(openpgp::anyhow::Error::from(e)),
            CopyError::Write(e) => Error::io("writing the plaintext", e),
            CopyError::Expanded(e) => e,
        })?;
        if !dec.message_processed() {
            return Err(Error::trouble(format!(
                "{input_name}: the message is incomplete"
            )));
        }
        let r = report.lock().map(|r| r.clone()).unwrap_or_default();
        if r.good.is_empty() {
            // check() always runs before the end; never release without it.
            return Err(Error::no(format!("{input_name}: no good signature")));
        }
        Ok(r)
    })
    .unwrap_or_else(|panic| {
        Err(Error::trouble(format!(
            "{input_name}: the message is damaged: the OpenPGP library (sequoia-openpgp) \
             failed while reading it ({panic}); nothing was written"
        )))
    })
}

/// Messages up to this size are checked for a complete packet structure
/// before decryption.
const PRECHECK: usize = 64 * 1024;

/// Check the packet structure of a small message before decrypting it.
///
/// sequoia-openpgp 2.3.0 panics (an `unwrap` in `parse.rs`, "unexpected
/// EOF") when an encrypted packet is cut a few bytes after its start: the
/// parser reads the encrypted data's header before it notices the end.
/// Such a cut can only happen in a short input, so a message that ends
/// within its first 64 KiB is walked packet by packet first (without
/// decrypting: each packet's declared length must be there); larger
/// messages go straight through. Covered by a property test.
fn precheck(
    mut input: Box<dyn Read + Send + Sync>,
    input_name: &str,
) -> Result<Box<dyn Read + Send + Sync>> {
    let mut head = Vec::with_capacity(PRECHECK + 1);
    (&mut input)
        .take(PRECHECK as u64 + 1)
        .read_to_end(&mut head)
        .map_err(|e| Error::reading(input_name, e))?;
    if head.len() > PRECHECK {
        return Ok(Box::new(std::io::Cursor::new(head).chain(input)));
    }
    // A key or a signature given as the message (the key and FILE
    // swapped, a .asc taken for a message) was "truncated or damaged":
    // said by what it is. (Text before an armored message is the armor
    // reader's to skip: an XML envelope, a mail's body.)
    use paylot_cli::armor::{recognised, Armored};
    let what = match recognised(&head) {
        Some(Armored::Key) => {
            Some("an OpenPGP key, not a message (were --key and FILE swapped?)".to_string())
        }
        // Its name is not repeated in the command: standard input's
        // `<stdin>` would paste as a redirection.
        Some(Armored::Signature) => Some(
            "a detached signature, not an encrypted message: check it with pgpwrap verify \
             --signer CERT --signature SIG FILE (SIG this file, FILE the file it signs)"
                .to_string(),
        ),
        _ => None,
    };
    if let Some(what) = what {
        return Err(Error::trouble(format!("{input_name}: {what}")));
    }
    let damaged = |e: openpgp::anyhow::Error| {
        Error::no(format!(
            "{input_name}: the message is truncated or damaged ({}); nothing was written",
            io::describe(&e)
        ))
    };
    let mut ppr = openpgp::parse::PacketParser::from_bytes(&head).map_err(|e| {
        // No OpenPGP data at all: "unexpected EOF" said nothing of that.
        let why = match recognised(&head) {
            None => "no OpenPGP data in it: a clear file?".to_string(),
            Some(_) => io::describe(&e),
        };
        Error::trouble(format!("{input_name}: not an OpenPGP message ({why})"))
    })?;
    let mut packets = 0;
    while let openpgp::parse::PacketParserResult::Some(pp) = ppr {
        packets += 1;
        if let openpgp::Packet::Unknown(u) = &pp.packet {
            return Err(Error::no(format!(
                "{input_name}: the message is truncated or damaged ({}); nothing was written",
                u.error()
            )));
        }
        ppr = pp.next().map_err(damaged)?.1;
    }
    drop(ppr);
    if packets == 0 {
        return Err(Error::trouble(format!(
            "{input_name}: empty input: not an OpenPGP message"
        )));
    }
    Ok(Box::new(std::io::Cursor::new(head)))
}

/// What a library error says about the message, by its type: the causes
/// are walked (an `io::Error` from the reader may wrap the library's
/// error), never matched as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// The integrity check (MDC / AEAD tag) failed.
    Manipulated,
    /// The data ended before the message did.
    Truncated,
    /// A packet is malformed (cut short, or damaged).
    Malformed,
    /// Anything else.
    Other,
}

fn fault_of(e: &openpgp::anyhow::Error) -> Fault {
    let of_library = |pe: &openpgp::Error| match pe {
        openpgp::Error::ManipulatedMessage => Some(Fault::Manipulated),
        openpgp::Error::MalformedPacket(_) | openpgp::Error::MalformedMessage(_) => {
            Some(Fault::Malformed)
        }
        _ => None,
    };
    for cause in e.chain() {
        if let Some(f) = cause.downcast_ref::<openpgp::Error>().and_then(of_library) {
            return f;
        }
        if let Some(ioe) = cause.downcast_ref::<std::io::Error>() {
            if let Some(f) = ioe
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<openpgp::Error>())
                .and_then(of_library)
            {
                return f;
            }
            if ioe.kind() == std::io::ErrorKind::UnexpectedEof {
                return Fault::Truncated;
            }
        }
    }
    Fault::Other
}

/// Turn a library error into our message and exit status.
fn classify(
    e: openpgp::anyhow::Error,
    report: &std::sync::Mutex<Report>,
    input_name: &str,
    key_name: &str,
) -> Error {
    let fault = fault_of(&e);
    let r = report.lock().map(|r| r.clone()).unwrap_or_default();
    if let Some(why) = r.refusal {
        return Error::no(format!("{input_name}: {why}"));
    }
    if let Some(bomb) = Nested::refusal(&e, input_name) {
        return bomb;
    }
    let text = io::describe(&e);
    if fault == Fault::Manipulated {
        return Error::no(format!(
            "{input_name}: the message has been tampered with or truncated (integrity check \
             failed); nothing was written"
        ));
    }
    if !r.recipients.is_empty() && !r.decrypted {
        return Error::trouble(format!(
            "{input_name}: the message is encrypted to key {}, and {key_name} holds none of \
             them; check which key the sender used (pgpwrap inspect)",
            r.recipients.join(", ")
        ));
    }
    match fault {
        Fault::Truncated | Fault::Malformed => Error::trouble(format!(
            "{input_name}: the message is truncated or damaged ({text}); nothing was written"
        )),
        _ if r.decrypted => Error::no(format!(
            "{input_name}: the decrypted data is not a valid message ({text}); it may have been \
             tampered with; nothing was written"
        )),
        _ => Error::trouble(format!("{input_name}: cannot decrypt: {text}")),
    }
}

pub fn run(args: Args) -> Result<Outcome> {
    let policies = Policies::new(args.message.legacy.allow_legacy);
    let (key_name, secret) =
        keys::load_secret(&args.secret.key, "--key", Need::Decrypt, &policies)?;
    let signers = keys::load_certs(&args.verify_with, Need::Verify, &policies)?;
    let pass = io::passphrase(&args.secret.passphrase)?;
    let pairs = keys::decryptors(&secret, &key_name, pass.as_ref(), policies.active())?;
    let helper = Helper::new(signers, pairs, true);
    let input = Input::open(args.message.file.path())?;
    let input_name = input.quoted();
    let bound = Expansion::new(args.expansion, &input_name);
    match &args.element {
        None => {
            // Unverified plaintext: held back, and private from creation.
            let mut out = Output::create_spooled(args.message.output.path(), Access::Private)?;
            open(
                io::no_bom(input.into_reader(), &input_name)?,
                &input_name,
                helper,
                &key_name,
                policies.active(),
                &bound,
                &mut out,
            )?;
            out.commit()?;
        }
        Some(elem) => {
            // The document is read whole (the element is found in it and
            // the readable copy compared with it): bounded.
            let doc = input.read_all_at_most(
                paylot_cli::limits::ELEMENT_ENVELOPE,
                "--element reads (encrypt --element takes at most 64 MiB, which its armor makes at most 96 MiB)",
            )?;
            let range = element::find_content(&doc, elem)
                .map_err(|e| Error::trouble(e.message(elem, &input_name)))?;
            let content = doc[range.clone()].to_vec();
            match element::judge_content(&content) {
                element::Content::Armored => {}
                element::Content::NotArmored => {
                    return Err(Error::trouble(format!(
                        "{input_name}: element <{elem}> does not hold an armored OpenPGP message \
                         (was it written by `pgpwrap encrypt --element {elem}`?)"
                    )))
                }
                element::Content::NotEncrypted(what) => {
                    return Err(Error::no(format!(
                        "{input_name}: element <{elem}> does not hold an encrypted OpenPGP \
                         message: {what}; nothing was written (encrypt it with pgpwrap encrypt \
                         --element {elem})"
                    )))
                }
                element::Content::Extra(what) => {
                    return Err(Error::no(format!(
                        "{input_name}: element <{elem}> holds more than its encrypted message: \
                         {what}; nothing signed it, so the file is refused and nothing was \
                         written (the element must hold one armored message and white space)"
                    )))
                }
            }
            let mut signed = Vec::new();
            let where_ = format!("{input_name} element <{elem}>");
            open(
                Box::new(std::io::Cursor::new(content)),
                &where_,
                helper,
                &key_name,
                policies.active(),
                &Expansion::new(args.expansion, &where_),
                &mut signed,
            )?;
            element::check_binding(&doc, range, &signed, elem)
                .map_err(|u| Error::no(u.message(elem, &input_name)))?;
            let mut out = Output::create_spooled(args.message.output.path(), Access::Private)?;
            out.write_all(&signed)
                .map_err(|e| Error::io(format!("writing {}", out.name()), e))?;
            out.commit()?;
        }
    }
    Ok(Outcome::Yes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encrypt::Sealer;
    use openpgp::cert::prelude::*;
    use openpgp::types::Features;
    use openpgp::Cert;
    use proptest::prelude::*;
    use std::sync::OnceLock;

    struct Fixture {
        recipient: Cert,
        signer: Cert,
        message: Vec<u8>,
    }

    const PLAIN: &[u8] = b"<Merchant><Question>1250</Question></Merchant>\n";

    fn fixture() -> &'static Fixture {
        static F: OnceLock<Fixture> = OnceLock::new();
        F.get_or_init(|| {
            let gen = |uid: &str| {
                CertBuilder::general_purpose([uid])
                    .set_features(Features::empty().set_seipdv1())
                    .unwrap()
                    .generate()
                    .unwrap()
                    .0
            };
            let recipient = gen("r@example.com");
            let signer = gen("s@example.com");
            let policies = Policies::new(false);
            let pairs =
                keys::signers(std::slice::from_ref(&signer), "s", None, policies.active()).unwrap();
            let sealer = Sealer {
                recipients: vec![recipient.clone()],
                signers: pairs,
                policies,
            };
            let mut message = Vec::new();
            sealer
                .seal(&mut &PLAIN[..], "<test>", &mut message, false, None)
                .unwrap();
            Fixture {
                recipient,
                signer,
                message,
            }
        })
    }

    fn try_open(bytes: Vec<u8>) -> Result<Vec<u8>> {
        let f = fixture();
        let policies = Policies::new(false);
        let pairs = keys::decryptors(
            std::slice::from_ref(&f.recipient),
            "r",
            None,
            policies.active(),
        )
        .unwrap();
        let signer = f.signer.clone().strip_secret_key_material();
        let helper = Helper::new(vec![signer], pairs, true);
        let mut out = Vec::new();
        open(
            Box::new(std::io::Cursor::new(bytes)),
            "<test>",
            helper,
            "r",
            policies.active(),
            &Expansion::new(
                io::ExpansionArg {
                    max_expansion: io::MAX_EXPANSION,
                },
                "<test>",
            ),
            &mut out,
        )?;
        Ok(out)
    }

    #[test]
    fn the_fixture_message_opens() {
        assert_eq!(try_open(fixture().message.clone()).unwrap(), PLAIN);
    }

    /// The fixture's plaintext, signed by the fixture's signer and
    /// encrypted to its recipient, inside `layers` compressed containers.
    fn compressed(layers: usize) -> Vec<u8> {
        use openpgp::serialize::stream::{Compressor, Encryptor, LiteralWriter, Message, Signer};
        let f = fixture();
        let policies = Policies::new(false);
        let p = policies.active();
        let recipients: Vec<_> = f
            .recipient
            .keys()
            .with_policy(p, None)
            .for_transport_encryption()
            .collect();
        let signer = keys::signers(std::slice::from_ref(&f.signer), "s", None, p)
            .unwrap()
            .remove(0);
        let mut out = Vec::new();
        let mut m = Encryptor::for_recipients(Message::new(&mut out), recipients)
            .build()
            .unwrap();
        for _ in 0..layers {
            m = Compressor::new(m).build().unwrap();
        }
        let m = Signer::new(m, signer).unwrap().build().unwrap();
        let mut w = LiteralWriter::new(m).build().unwrap();
        w.write_all(PLAIN).unwrap();
        w.finalize().unwrap();
        out
    }

    /// gpg compresses once; compression inside compression multiplies the
    /// expansion and is refused before the content is read.
    #[test]
    fn compression_inside_compression_is_refused() {
        assert_eq!(try_open(compressed(1)).unwrap(), PLAIN);
        let e = try_open(compressed(2)).unwrap_err();
        assert_eq!(e.exit_status(), 2, "{e}");
        assert!(
            e.to_string()
                .contains("compressed data inside compressed data"),
            "{e}"
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        /// Damaged messages never panic and never yield other plaintext.
        #[test]
        fn damaged_messages_never_yield_other_plaintext(at in any::<usize>(), bit in 0u8..8, cut in any::<bool>()) {
            let mut m = fixture().message.clone();
            let i = at % m.len();
            if cut {
                m.truncate(i);
            } else {
                m[i] ^= 1 << bit;
            }
            if let Ok(out) = try_open(m) {
                prop_assert_eq!(out, PLAIN);
            }
        }

        #[test]
        fn never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
            prop_assert!(try_open(bytes).is_err());
        }
    }
}
