//! `xmlbatch build`: CSV in, Paybox Question XML or Lyra PAY REQ out.

use std::path::PathBuf;

use clap::{Args as ClapArgs, ValueEnum};
use gateways::lyra::names::Mode;
use paylot_cli::{Error, Outcome, Result};

use crate::cli::TOOL;
use crate::csv_input::delimiter;
pub use crate::csv_input::{ColumnArgs, Mapping};

mod direct;
mod lyra;
mod office_batch;
mod paybox;

use lyra::build_lyra;
pub use lyra::{write_lyra, LyraColumn, LyraOpts};
use paybox::build_paybox;
pub use paybox::{write_paybox, PayboxOpts};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Paybox Question XML (PayboxBatch)
    Paybox,
    /// Lyra version-06 PAY REQ file
    Lyra,
    /// Paybox Direct / Direct Plus requests, one form body per line
    PayboxDirect,
    /// Sips Office Batch CSV request file (Sogenactif, Mercanet, Sherlock's)
    SipsOfficeBatch,
}

pub const ABOUT: &str =
    "Turn a CSV of operations into a Paybox Question XML, a Lyra PAY REQ file or Paybox Direct requests";

pub const LONG_ABOUT: &str = "\
Turn a CSV of operations (header row required) into a Paybox Question XML
(default), with --format lyra a Lyra version-06 PAY REQ file, or with
--format paybox-direct one Paybox Direct request per row: a form body
(application/x-www-form-urlencoded, Latin-1 percent-encoded) per line, to
POST to https://ppps.paybox.com/PPPS.php, fields in the gateway's order,
VERSION 00104 (Direct Plus) for the subscriber operations and 00103
otherwise, authenticated by HMAC (HASH=SHA512, --key-file: the shop's hex
key) or by the Direct password (CLE, --cle-file). NUMQUESTION comes from
the CSV, from --question-state FILE (the last number used, locked, stored
back only if the run succeeds) or from --first-question. A value Latin-1
cannot hold is the row's fault.

Every row is checked; every bad row is reported on stderr as
FILE:LINE: column \"NAME\": what is wrong (what would be right), card numbers
masked. If any row is bad, nothing at all is written (not even on stdout)
and the exit status is 1.

Paybox columns (Direct or readable names, any case): TYPE/type,
MONTANT/amount, DEVISE/currency, REFERENCE/reference, PORTEUR/pan,
DATEVAL/expiry, CVV/cvv, NUMAPPEL/call_id, NUMTRANS/transaction_id,
ACTIVITE/activity, DATEQ/date, NUMQUESTION/question, REFABONNE/subscriber,
AUTORISATION/authorization, SITE/site, RANG/rank. Types as codes (00003) or
names (authorize, capture, authorize_capture, credit, cancel, check,
without_authorization, update_amount, refund, inquiry, subscriber_authorize,
subscriber_capture, subscriber_authorize_capture, subscriber_credit,
subscriber_cancel, subscriber_register, subscriber_update,
subscriber_delete, subscriber_without_authorization).

Lyra columns: transaction_id, amount, currency, token, capture_date,
validation_mode, contract, reference, order_info1, order_info2,
order_info3, date, time, type (CD only).

Sips Office Batch (--format sips-office-batch, --remitter ID): a column
function (cardOrder, walletOrder, walletCredit, acceptChallenge,
refuseChallenge, cancel, validate, refund; or their keywords), and the
data dictionary's column names (recordSequence, merchantId,
transactionReference, amount, currencyCode, cardNumber, ...; see
docs/xmlbatch.md): one record per row, column n = the dictionary's Order n.
recordSequence defaults to the row's number. The layout is what Worldline
published, partly inferred: confirm with the gateway before production.

Headers named otherwise (a spreadsheet's \"Type opération\", \"Référence\")
are mapped to these names with --column 'HEADER=NAME' (repeated) or
--columns FILE (one HEADER=NAME a line, # comment lines), the same for
every format; a header is compared trimmed, Unicode-composed and in any
case. Every unknown column is reported at once, with the closest name.";

pub const EXAMPLES: &str = "\
Examples:
  $ xmlbatch build --site 1999888 --rank 32 --batch 42 payments.csv > batch.xml
  $ xmlbatch build --site 1999888 --rank 32 \\
        --batch-state /var/lib/paylot/batch -d ';' --decimal-amounts \\
        -o batch.xml export.csv
  $ xmlbatch build --format lyra --shop 12345678 --mode test --date 20261123 \\
        -o 20261123.12345678.PAY.REQ.T.01 payments.csv
  $ xmlbatch build --format paybox-direct --site 1999888 --rank 32 \\
        --question-state /var/lib/paylot/numquestion --key-file shop.hmac \\
        -o requests.txt payments.csv
  $ xmlbatch build --format sips-office-batch --remitter 023101122334455 \\
        --sequence 1 -o office-batch.csv operations.csv
  $ xmlbatch build --site 1999888 --rank 32 --batch 42 -d ';' \\
        --column 'Type opération=type' --column 'Référence=reference' \\
        --columns export-columns.txt export.csv > batch.xml

Exit status: 0 written, 1 bad rows (nothing written), 2 trouble.";

paylot_cli::secret_options! {
    /// `--cle-file PATH` / `--cle-env VAR`: the Direct password, the other
    /// way to authenticate a Direct request than the HMAC key.
    pub struct CleArgs {
        file: cle_file = "cle-file",
        env: cle_env = "cle-env",
        what: "Direct password (CLE)",
        file_help: "paybox-direct: authenticate with the Direct password (CLE) read from this file",
        env_help: "paybox-direct: the Direct password (CLE) from this environment variable",
        heading: "Paybox Direct",
    }
}

#[derive(Debug, ClapArgs)]
pub struct Args {
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Paybox)]
    pub format: Format,
    /// The file's creation time, RFC 3339 (default: now); Lyra: written
    /// as its UTC date and time (2026-11-24T00:30:00+01:00 is 20261123
    /// 233000, the day of the transaction ids)
    #[arg(long, value_name = "TIME")]
    pub created_on: Option<String>,
    // The shop's group sets the heading of what follows it: every
    // option below has a heading of its own.
    #[command(flatten, next_help_heading = "Paybox")]
    pub paybox_shop: gateways::paybox::values::ShopArgs,
    #[arg(
        help = format!("Batch number to write (1 to {})", gateways::paybox::MAX_NUMBER),
        long,
        value_name = "N",
        conflicts_with = "batch_state",
        help_heading = "Paybox"
    )]
    pub batch: Option<u64>,
    /// File holding the last batch number used: the next one is used and
    /// stored back, under a lock, only if the run succeeds
    #[arg(long, value_name = "FILE", help_heading = "Paybox")]
    pub batch_state: Option<PathBuf>,
    /// First question number when the CSV has no question column
    /// [default: 1; paybox-direct: none, give it or --question-state]
    #[arg(long, value_name = "N", help_heading = "Paybox")]
    pub first_question: Option<u64>,
    /// paybox-direct: file holding the last NUMQUESTION used: the next
    /// ones are used and stored back, under a lock, only if the run succeeds
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "first_question",
        help_heading = "Paybox Direct"
    )]
    pub question_state: Option<PathBuf>,
    // paybox-direct: authenticate with HMAC (HASH=SHA512), the shop's
    // hex key (the back office's) from --key-file PATH or --key-env VAR
    // (said in LONG_ABOUT: a flattened group's own comment is not shown).
    #[command(flatten, next_help_heading = "Paybox Direct: the HMAC key (hex)")]
    pub key: paylot_cli::secret::KeyArgs,
    #[command(flatten)]
    pub cle: CleArgs,
    /// Lyra shop id (8 digits)
    #[arg(long, value_name = "N", help_heading = "Lyra")]
    pub shop: Option<String>,
    /// Lyra mode
    #[arg(long, value_enum, help_heading = "Lyra")]
    pub mode: Option<Mode>,
    /// Lyra header creation date, UTC, YYYYMMDD or YYYY-MM-DD (default:
    /// today, or --created-on's UTC day)
    #[arg(long, value_name = "D", help_heading = "Lyra")]
    pub date: Option<String>,
    /// Lyra header creation time HHMMSS, UTC (default: now)
    #[arg(long, value_name = "HHMMSS", help_heading = "Lyra")]
    pub time: Option<String>,
    /// Sips Office Batch: the remitter id of the HEADER record
    #[arg(long, value_name = "ID", help_heading = "Sips Office Batch")]
    pub remitter: Option<String>,
    /// Sips Office Batch: the HEADER's file sequence number [default: 1]
    #[arg(long, value_name = "N", help_heading = "Sips Office Batch")]
    pub sequence: Option<u64>,
    /// Sips Office Batch: the CSV interface version declared (FILE;request;office;vN)
    #[arg(long, value_name = "N", default_value_t = gateways::sips::batch::SAMPLE_VERSION, help_heading = "Sips Office Batch")]
    pub office_version: u32,
    /// Amounts are decimal (12.50 or 12,50), converted with the currency's
    /// exponent (EUR 2, JPY 0, KWD 3)
    // Every format's options get a heading of their own: the key group's
    // (next_help_heading) would run on over them.
    #[arg(long, help_heading = "Input and output")]
    pub decimal_amounts: bool,
    /// CSV encoding: utf-8, windows-1252 (latin1) or iso-8859-15
    #[arg(
        long,
        value_name = "LABEL",
        default_value = "utf-8",
        help_heading = "Input and output"
    )]
    pub encoding: String,
    /// CSV field delimiter (one character; `tab` for a tab)
    #[arg(
        short = 'd',
        long,
        value_name = "DELIM",
        default_value = ",",
        help_heading = "Input and output"
    )]
    pub delimiter: String,
    #[command(flatten)]
    pub columns: ColumnArgs,
    #[command(flatten, next_help_heading = "Input and output")]
    pub quiet: paylot_cli::args::QuietArg,
    #[command(flatten)]
    pub output: paylot_cli::args::OutputArg,
    #[command(flatten)]
    pub file: paylot_cli::args::InputArg,
}

/// The summary of a document written: every row read became a line of it.
pub(crate) fn summarize(rows: usize, quiet: bool) {
    let mut summary = paylot_cli::summary::Summary::new(("row", "rows"), &["written"]);
    for _ in 0..rows {
        summary.read();
        summary.count("written");
    }
    summary.say(TOOL, quiet);
}

/// What every format does once its rows are read: a bad row refuses the
/// whole file, and so does a file of no rows (`what`: "operations",
/// "payments"), status 1 and nothing written.
pub(crate) fn refuse_bad_or_no_rows(
    name: &str,
    rows: u64,
    bad_rows: u64,
    what: &str,
) -> Result<()> {
    let name = paylot_cli::input::quote(name);
    if bad_rows > 0 {
        return Err(Error::no(format!(
            "{bad_rows} of {rows} rows rejected in {name}; nothing written"
        )));
    }
    if rows == 0 {
        return Err(Error::no(format!(
            "{name}: no {what} (expected at least one row after the header); nothing written"
        )));
    }
    Ok(())
}

pub(crate) use crate::usage::build as usage;

pub fn run(args: Args) -> Result<Outcome> {
    let delim = delimiter(&args.delimiter)?;
    match args.format {
        Format::Paybox => build_paybox(args, delim),
        Format::Lyra => build_lyra(args, delim),
        Format::PayboxDirect => direct::build_direct(args, delim),
        Format::SipsOfficeBatch => office_batch::build_office_batch(args, delim),
    }
}
