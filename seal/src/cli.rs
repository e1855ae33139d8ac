//! The command line: `seal compute`, `seal verify`, `seal explain`.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, CommandFactory, Parser, Subcommand};
use paylot_cli::{Error, Input, KeyArgs, Output, Result};

use gateways::schemes::Scheme;
use gateways::sips::seal::Direction;

use crate::analysis::Choice;
use crate::message::InputKind;

/// The tool's name, for messages.
pub const TOOL: &str = "seal";

#[derive(Debug, Parser)]
#[command(
    name = "seal",
    version = paylot_cli::VERSION,
    about = "Compute, verify and explain the seals of French payment gateways",
    long_about = "Compute, verify and explain the seals (HMACs and hashes) that Worldline Sips \
(Sogenactif, Mercanet, Sherlock's), Paybox (E-Transactions, Up2pay) and Lyra (Systempay, PayZen) \
put on requests and responses. Messages are JSON objects on stdin or in FILE (one per line with \
--jsonl), or raw form bodies of real callbacks (--input form).\n\n\
Keys come from a file (--key-file) or an environment variable named on the command line \
(--key-env), never from the command line itself.",
    after_help = "Examples:\n  \
$ seal compute --key-env SIPS_KEY < request.json\n  \
$ seal verify --key-file shop.key --jsonl responses.jsonl\n  \
$ seal explain --key-file shop.key response.json\n  \
$ seal verify --scheme paybox-ipn --input form <<< \"$QUERY_STRING\"\n\n\
Exit status:\n  \
0  success; for verify, every seal is valid\n  \
1  verify/explain: a seal is wrong or missing (what and where on stderr)\n  \
2  trouble: bad usage, malformed input, unreadable or missing key",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print each message with its seal field set
    #[command(after_help = concat!(
        "Examples:\n  ",
        "$ echo '{\"amount\":\"2500\",\"currencyCode\":\"978\"}' \\\n",
        "      | seal compute --key-env SIPS_KEY\n  ",
        "$ seal compute --jsonl --key-file shop.key orders.jsonl > sealed.jsonl\n  ",
        "$ seal compute --scheme lyra --algorithm SHA-1 --key-env LYRA_KEY \\\n",
        "      --seal-only form.json\n\n",
        "The seal field is seal (sips-json), Seal (sips-post), PBX_HMAC (paybox) or signature (lyra);\n",
        "an existing one is replaced in place, else it is added last. Field order is kept.\n\n",
        "Exit status:\n  0  every message was sealed\n  2  trouble: bad usage, malformed input, missing key",
    ))]
    Compute(ComputeArgs),
    /// Check the seal each message carries, and say why it is wrong
    #[command(after_help = concat!(
        "Examples:\n  ",
        "$ seal verify --key-file shop.key response.json\n  ",
        "$ seal verify --jsonl --key-env SIPS_KEY responses.jsonl \\\n",
        "      | jq 'select(.valid|not)'\n  ",
        "$ seal verify --input form --key-file shop.key < callback-body.txt\n  ",
        "$ seal verify --jsonl --key-file shop.hmac requests.txt  # Paybox Direct\n  ",
        "$ seal verify --scheme paybox-ipn --input form \\\n",
        "      <<< 'Mt=1000&Ref=CMD1&Erreur=00000&Sign=...'\n\n",
        "One JSON line per message on stdout: {\"type\":\"verify\",\"version\":1,\"line\":N,\"valid\":…,\n",
        "\"scheme\":…,\"algorithm\":…} and, when invalid, \"reason\"; when the seal does not match,\n",
        "\"likely_cause\": the known integration mistake that reproduces it, or what to check.\n",
        "A Sips Office Server response also gets \"response_code\", \"meaning\", \"outcome\" and\n",
        "\"action\" (what the gateway says to do); when its seal is wrong, the transaction's state is\n",
        "unknown (outcome \"unknown\"): never run it again automatically. The exit status is the\n",
        "seal's: a valid seal on a refusal is 0; read \"outcome\" (jq -e '.outcome == \"accepted\"').\n\n",
        "Exit status:\n  0  every seal is valid\n  1  a seal is wrong or missing\n",
        "  2  trouble: bad usage, malformed input, unreadable or missing key",
    ))]
    Verify(VerifyArgs),
    /// Show, for a person, how a message's seal is made
    #[command(after_help = concat!(
        "Examples:\n  ",
        "$ seal explain request.json\n  ",
        "$ seal explain --key-file shop.key response.json\n  ",
        "$ seal explain --json --input form < callback-body.txt | jq .seal_string\n\n",
        "Card numbers are masked (first 6, last 4) and security codes hidden unless --reveal;\n",
        "a password sent as a field (a Paybox Direct CLE) is hidden always.\n\n",
        "Exit status:\n  0  explained (with a key: and the seal matches)\n",
        "  1  with a key: the seal in the message does not match\n  2  trouble",
    ))]
    Explain(ExplainArgs),
}

/// `--scheme`: a scheme, or `auto` (None) to detect it from the message.
#[derive(Debug, Clone, Copy)]
pub struct SchemeArg(pub Option<Scheme>);

fn parse_scheme(s: &str) -> std::result::Result<SchemeArg, String> {
    if s.eq_ignore_ascii_case("auto") {
        Ok(SchemeArg(None))
    } else {
        s.parse().map(|s| SchemeArg(Some(s)))
    }
}

/// `--scheme`'s parser, which also names the values for completions and
/// `--help`: `auto` and every scheme's name.
#[derive(Clone)]
struct SchemeParser;

impl clap::builder::TypedValueParser for SchemeParser {
    type Value = SchemeArg;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> std::result::Result<SchemeArg, clap::Error> {
        let text = clap::builder::StringValueParser::new().parse_ref(cmd, arg, value)?;
        parse_scheme(&text).map_err(|e| {
            clap::Error::raw(
                clap::error::ErrorKind::InvalidValue,
                format!("invalid value for --scheme: {e}\n"),
            )
        })
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        let names = std::iter::once("auto").chain(Scheme::ALL.iter().map(|s| s.name()));
        Some(Box::new(names.map(clap::builder::PossibleValue::new)))
    }
}

/// How messages are read and which rules apply.
#[derive(Debug, Args)]
pub struct MessageArgs {
    /// Seal scheme (auto: told from the message)
    #[arg(long, value_name = "S", default_value = "auto", value_parser = SchemeParser)]
    pub scheme: SchemeArg,
    /// Algorithm (default: the message's sealAlgorithm/SealAlgorithm/PBX_HASH, else the scheme's)
    #[arg(long, value_name = "A")]
    pub algorithm: Option<String>,
    /// One message per line (JSON Lines, or one form body per line)
    #[arg(long)]
    pub jsonl: bool,
    /// How messages are written: auto (JSON if it starts with '{'), json, form
    #[arg(long, value_name = "KIND", value_enum, default_value = "auto")]
    pub input: InputKind,
    /// Sips JSON: treat messages as requests or responses (default: told by the fields only one side carries, else by the seal)
    #[arg(long, value_name = "SIDE", value_enum)]
    pub message: Option<Direction>,
    #[command(flatten)]
    pub quiet: paylot_cli::args::QuietArg,
    #[command(flatten)]
    pub file: paylot_cli::args::InputArg,
}

impl MessageArgs {
    pub fn choice(&self) -> Choice {
        Choice {
            scheme: self.scheme.0,
            algorithm: self.algorithm.clone(),
            direction: self.message,
        }
    }
}

/// How a Paybox return (IPN) is checked: defined once for `verify` and
/// `explain`, which both check one.
#[derive(Debug, Args)]
pub struct IpnArgs {
    /// paybox-ipn: the RSA public key (PEM) to verify with, instead of Paybox's shipped key
    #[arg(long, value_name = "PEM")]
    pub pubkey: Option<PathBuf>,
    /// paybox-ipn: the name of the signature parameter (default: the last parameter)
    #[arg(long, value_name = "NAME")]
    pub sig_field: Option<String>,
}

#[derive(Debug, Args)]
pub struct ComputeArgs {
    #[command(flatten)]
    pub message: MessageArgs,
    #[command(flatten)]
    pub key: KeyArgs,
    /// Print only the seal, one per line
    #[arg(long)]
    pub seal_only: bool,
    #[command(flatten)]
    pub output: paylot_cli::args::OutputArg,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub message: MessageArgs,
    #[command(flatten)]
    pub key: KeyArgs,
    #[command(flatten)]
    pub ipn: IpnArgs,
    #[command(flatten)]
    pub output: paylot_cli::args::OutputArg,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    #[command(flatten)]
    pub message: MessageArgs,
    #[command(flatten)]
    pub key: KeyArgs,
    /// One JSON object per message instead of text
    #[arg(long)]
    pub json: bool,
    /// Show card numbers and security codes in full (never a password: a Direct CLE stays hidden)
    #[arg(long)]
    pub reveal: bool,
    #[command(flatten)]
    pub ipn: IpnArgs,
    #[command(flatten)]
    pub output: paylot_cli::args::OutputArg,
}

/// The clap definition, for man pages and completions.
pub fn command() -> clap::Command {
    Cli::command()
}

/// Open the input named on the command line.
pub fn open_input(args: &MessageArgs) -> Result<Input> {
    Input::open(args.file.path())
}

/// Write one line, turning I/O failures into errors (a closed pipe ends
/// the run quietly).
pub fn write_line(out: &mut Output, line: &[u8]) -> Result<()> {
    match out.write_all(line).and_then(|_| out.write_all(b"\n")) {
        Ok(()) => Ok(()),
        Err(e) => Err(writing(&out.name())(e)),
    }
}

/// A failure to write to `dest` ([`Output::name`]: the `--output` file
/// or `<stdout>`), said with it: a full disk under `-o FILE` was said
/// as `writing <stdout>`.
pub fn writing(dest: &str) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| Error::io(format!("writing {dest}"), e)
}
