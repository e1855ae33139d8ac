//! `xmlbatch respond`: play the gateway. Question XML in, status XML out;
//! or Lyra REQ in, ANS out. Deterministic: the same input and seed give the
//! same answer, byte for byte.
//!
//! Here the command: the request recognised and handed to its format's
//! responder, one a file (`paybox.rs` the Question XML, `lyra.rs` the
//! REQ, `direct.rs` Direct lines, `sips.rs` Office Server JSON,
//! `office_batch.rs` Office Batch files), and `mix`, the numbers they
//! draw from the seed.

use std::collections::HashSet;

use clap::Args as ClapArgs;
use paylot_cli::{Access, Error, Input, Outcome, Output, Result};

use gateways::lyra::ids;
use gateways::lyra::names::Name;

use crate::sniff::{sniff_or, Detected};

mod direct;
pub mod lyra;
mod office_batch;
pub mod paybox;
mod sips;

pub const ABOUT: &str = "Play the gateway: answer a Question XML (status XML), a Lyra REQ (ANS), Paybox Direct requests or a Sips Office Server request";

pub const LONG_ABOUT: &str = "\
Play the gateway, deterministically: read a Paybox Question XML and write
the status XML the gateway would send back, or read a Lyra PAY REQ and write
its PAY ANS, or answer Paybox Direct request lines (one answer line each,
Latin-1, as the gateway writes them) or a Sips Office Server JSON request
(the response object, unsealed: the HTTP sandbox, dropwatch gateway --http,
checks the request's seal and seals the response). The format is recognised
from the content (XML, a line starting 00;PAY;, Direct fields such as
VERSION= and TYPE=, or {).

Paybox: valid card operations are accepted (00000) with an authorisation
number, call and transaction numbers; invalid data gets the platform's code
(00004 bad card number or CVV, 00008 bad expiry, 00010 unknown currency,
00011 wrong amount, ...). Test cards 111122223333CCCx (CCC a code, x the
Luhn digit) force response code 00CCC: 1111222233331515 insufficient funds
(00151), 1111222233331549 expired (00154), 1111222233331598 suspected fraud
(00159), 1111222233331911 issuer unreachable (00191). The Paybox test card
1111222233334444 is accepted. Expiry is judged against the batch's CreatedOn.

Paybox Direct (fields in any order): the gateway's rules, the very code
of the HTTP sandbox (dropwatch gateway --http): the same test cards as the
batch; a request with neither CLE nor HMAC, or a bad SITE or RANG, gets
00006; a VERSION other than 00103 or 00104 gets 00013; the lines of one run
share a memory (a capture finds the authorisation of an earlier line; a
question number used twice gets 00039). Whether the HMAC or CLE is right is
the sandbox's check, with the shop's key. --seed applies to batch files.

Sips Office Server: responseCode 00; cards 111122223333 + 0NN + a Luhn digit
force responseCode NN (1111222233330343: 34); a missing
transactionReference or a card number that fails the Luhn check gets 30
with errorFieldName.

Lyra: header errors reject the whole file (result 1 or 2); a bad line gets
30 and the position of the bad field; a reused transaction id gets 96
transaction.exist; token TEST-REFUSE-NN forces the CB code NN (51, 54, 59,
91, ...); other lines are accepted (00).";

pub const EXAMPLES: &str = "\
Examples:
  $ xmlbatch respond batch.xml > batch.status.xml
  $ xmlbatch build --site 1999888 --rank 32 --batch 1 p.csv \\
        | xmlbatch respond | xmlbatch status
  $ xmlbatch respond 20261123.12345678.PAY.REQ.T.01 \\
        > 20261123.12345678.PAY.ANS.T.01
  $ xmlbatch respond --name 20261123.12345678.PAY.REQ.T.01 < req > ans
  $ xmlbatch respond requests.txt > answers.txt        # Paybox Direct lines

Exit status: 0 answered, 1 refused whole as the gateway would (a line or a
piece of XML past its bound: docs/conventions.md, Limits), 2 trouble (not a
request, malformed XML or JSON).";

#[derive(Debug, ClapArgs)]
pub struct Args {
    /// Seed for the authorisation, call and transaction numbers
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub seed: u64,
    /// Lyra: the transaction ids the shop already used in earlier files,
    /// one `shop;YYYYMMDD;id` a line (the UTC day): a line reusing one is
    /// answered 96 transaction.exist. The sandbox (dropwatch gateway)
    /// hands its memory this way
    #[arg(long, value_name = "FILE", env = "DROPWATCH_USED_IDS")]
    pub used_ids: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub output: paylot_cli::args::OutputArg,
    #[command(flatten)]
    pub request: crate::cli::RequestFile,
}

/// A request past one of its bounds (a line, a piece of XML) is refused
/// as the gateway refuses a file it cannot read: exit 1, so that the drop
/// sandbox writes the refusal (`.err`, `_ERROR`) where exit 2 would be
/// its own fault, the request left pending and tried again at each pass.
fn refused(e: Error) -> Error {
    e.refusal_if_past_bound()
}

pub fn run(args: Args) -> Result<Outcome> {
    let input = Input::open(args.request.file.path())?;
    let name = input.name().to_string();
    // A file named as a Lyra REQ is answered as one, whatever it holds.
    let named_req = args
        .request
        .name()
        .as_deref()
        .and_then(|n| Name::parse(n.rsplit('/').next().unwrap_or(n)))
        .is_some_and(|n| n.kind == gateways::lyra::names::FileKind::Req);
    let (detected, reader) = sniff_or(input, named_req.then_some(Detected::LyraReq))?;
    match detected {
        Detected::Xml => {
            let mut out = Output::create_spooled(args.output.path(), Access::Usual)?;
            paybox::respond_paybox(args.seed, &name, reader, &mut out).map_err(refused)?;
            out.commit()?;
            Ok(Outcome::Yes)
        }
        Detected::LyraReq => {
            let file_name = args.request.name().as_deref().and_then(Name::parse);
            let used = match &args.used_ids {
                Some(p) => {
                    let input = Input::open(Some(p))?;
                    let used_name = input.name().to_string();
                    ids::read_uses(input.into_reader(), &used_name)?
                }
                None => HashSet::new(),
            };
            let mut out = Output::create_spooled(args.output.path(), Access::Usual)?;
            lyra::respond_lyra(
                args.seed,
                file_name.as_ref(),
                &name,
                reader,
                &used,
                &mut out,
            )
            .map_err(refused)?;
            out.commit()?;
            Ok(Outcome::Yes)
        }
        Detected::DirectRequest => {
            let mut out = Output::create_spooled(args.output.path(), Access::Usual)?;
            direct::respond_direct(&name, reader, &mut out).map_err(refused)?;
            out.commit()?;
            Ok(Outcome::Yes)
        }
        Detected::SipsJson => {
            let mut out = Output::create_spooled(args.output.path(), Access::Usual)?;
            let function = sips::function_of(args.request.name().as_deref()).to_string();
            sips::respond_sips(&function, &name, reader, &mut out).map_err(refused)?;
            out.commit()?;
            Ok(Outcome::Yes)
        }
        Detected::OfficeBatchRequest => {
            let mut out = Output::create_spooled(args.output.path(), Access::Usual)?;
            office_batch::respond_office_batch(&name, reader, &mut out).map_err(refused)?;
            out.commit()?;
            Ok(Outcome::Yes)
        }
        Detected::LyraAns | Detected::DirectAnswer | Detected::OfficeBatchResponse => Err(Error::trouble(format!(
            "{}: this is an answer; respond reads a request: a Question XML, a Lyra REQ, Paybox Direct request lines or a Sips Office Server JSON request",
            paylot_cli::input::quote(&name)
        ))),
    }
}

/// A deterministic 64-bit mix of the seed and some values (SplitMix64).
pub fn mix(seed: u64, parts: &[&str]) -> u64 {
    let mut h: u64 = seed ^ 0x9E37_79B9_7F4A_7C15;
    for p in parts {
        for b in p.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3);
        }
        h ^= 0xFF;
        h = h.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = h;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        h = z ^ (z >> 31);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mix_is_deterministic_and_seed_dependent() {
        assert_eq!(mix(1, &["a", "b"]), mix(1, &["a", "b"]));
        assert_ne!(mix(1, &["a", "b"]), mix(2, &["a", "b"]));
        assert_ne!(mix(1, &["ab", ""]), mix(1, &["a", "b"]));
    }
}
