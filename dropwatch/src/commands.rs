//! The command line: the subcommands, their help, and the options of
//! each (its module's `Args`; what several share is in [`crate::cli`]).
//! [`command`] is what the man pages and completions are built from;
//! `lib.rs` runs what was parsed.

use clap::{CommandFactory, Parser, Subcommand};

use crate::{check, gateway, name, remote, sweep, watch};

const EXIT_STATUS: &str = "\
Exit status:
  0  success (check: every file would be accepted)
  1  the answer is no (check: a file would be rejected; name: no free name left)
  2  trouble: bad usage, unreadable directory, I/O error";

#[derive(Parser, Debug)]
#[command(
    name = "dropwatch",
    version = paylot_cli::VERSION,
    about = "Drop-directory lifecycle for payment gateways: names, checks, watcher, retention, sandbox",
    long_about = "Drop-directory lifecycle for the SFTP file exchange of payment gateways \
(Lyra IPS payment files, Paybox batch Question files): the next free file name, what the \
gateway's validation would say before upload, a watcher printing one JSON line per state change, \
retention (gzip then purge), and a local sandbox gateway.",
    after_help = EXIT_STATUS
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Cmd,
}

#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// Print the next free request name for the day (Lyra) or the next Question name (Paybox)
    #[command(after_help = "\
Examples:
  $ dropwatch name --gateway lyra --shop 12345678 --mode test outbox/
  20261123.12345678.PAY.REQ.T.01
  $ dropwatch name --gateway paybox --site 1999888 --rank 32 \\
        --sent sent.log --record outbox/
  1999888.032.000001.xml

Names already used, in any state, are known: present in DIR (searched recursively), renamed \
_ERROR or _DUPLICATE, compressed (.gz), moved to result_ips, answered (ANS, .status.xml, .err), \
or listed in a --sent file.

Exit status: 0 a name was printed; 1 no free name is left (Lyra: 99 files a day); 2 trouble.")]
    Name(name::Args),
    /// Say what the gateway's validation would say about files before upload
    #[command(after_help = "\
Examples:
  $ dropwatch check outbox/20261123.12345678.PAY.REQ.T.01
  $ dropwatch check --gateway paybox --known out/ --sent sent.log \\
        1999888.032.000042.xml
  $ dropwatch check --at 2026-11-23T04:01:00+01:00 --known archive/ \\
        outbox/20261123.12345678.PAY.REQ.P.01

Checks, in the gateway's order: naming rule, empty file, name (or Paybox batch number) already \
used, then whether some process still has the file open (like fuser; a file this user cannot \
tell about counts as open). Lyra: when the file is \
read and answered (Systempay's schedule by default: --test-scans, --production-scans), and a \
warning for each transaction id the shop already used that UTC day in the files sent (answered 96).

Exit status: 0 every file would be accepted; 1 some file would be rejected; 2 trouble.")]
    Check(check::Args),
    /// Print one JSON line per state change in drop directories
    #[command(after_help = "\
Examples:
  $ dropwatch watch drop/ | while read -r ev; do echo \"$ev\" | jq -r .type; done
  $ dropwatch watch --once --state /var/lib/dropwatch/shop.json drop/  # cron
  $ dropwatch watch --poll 10s /mnt/sftp-mirror/            # a network mount

Event types: request_waiting, request_taken, answer_ready, request_rejected, status_ready, \
error_file, compressed, purged (see docs/dropwatch.md). Every line has version, type, scheme, \
path, name, size, mtime and time.

A file some process has open, or may have (this user cannot tell: said on stderr), is not \
complete. A directory that cannot be read is said; --once then ends with status 2.

Exit status: 0 normal end (--once, or the reader of stdout went away); 2 trouble.")]
    Watch(watch::Args),
    /// Compress old files to .gz and delete older ones
    #[command(after_help = "\
Examples:
  $ dropwatch sweep --dry-run drop/
  $ dropwatch sweep --compress-after 7d --delete-after 15d drop/

A file in use (open by any process), or that may be (this user cannot tell: said on stderr), is \
never touched. The .gz is written under a temporary name, synced, given the original's mtime, \
renamed, and only then is the original removed.

Exit status: 0 done; 2 trouble (some action failed; the others were done).")]
    Sweep(sweep::Args),
    /// Run a local sandbox gateway over a drop tree, or over HTTP (--http)
    #[command(after_help = "\
Examples:
  $ dropwatch gateway --gateway lyra --once --responder 'xmlbatch respond' \\
        sandbox/
  Lyra on the gateway's schedule (scans at 04:00, 05:00, 13:00):
  $ dropwatch gateway --gateway lyra --every 1m --on-schedule sandbox/
  Paybox Direct and Sips Office Server over HTTP:
  $ dropwatch gateway --http 8080 > http.log &
  $ curl --data-binary @request.txt http://127.0.0.1:8080/PPPS.php
  $ dropwatch gateway --http 8080 --store shop.db --date 2026-12-24 --reset
  Paybox, the Question decrypted, answered and the answer signed:
  $ dropwatch gateway --gateway paybox --every 10s --responder \\
      'pgpwrap decrypt --element Merchant --key gw.key --verify-with shop.pub |
       xmlbatch respond | pgpwrap sign --key gw.key' sandbox/

Lyra tree: ROOT/<shopId>/request_ips (uploads) and ROOT/<shopId>/result_ips (answers)
(older accounts: depot and id).
Paybox tree: ROOT/<merchant>/in (uploads), ROOT/<merchant>/out (status and .err files),
ROOT/<merchant>/processed (Question files taken).

HTTP (--http): POST /PPPS.php (Paybox Direct, fields in any order: the HMAC or CLE checked \
with the shop's, 00006 otherwise), POST /rs-services/v2/... (Sips Office Server JSON: 415 \
without Content-Type: application/json; the seal and keyVersion checked, responseCode 34 \
otherwise; every response sealed) and GET /load.html (200, the official module's check). \
Answered in this process as the test platforms answer, remembering every transaction in \
--store (an SQLite file; --reset forgets them), on the date --date says; --responder CMD \
answers instead (the body on its stdin, DROPWATCH_REQUEST the path). The keys default to the \
gateways' published test keys. One JSON line per request on stdout, the first one \
{\"type\":\"listening\",\"address\":...}. A request must arrive whole within --timeout and \
hold at most 64 KiB; at most --max-pending are in hand at once (503 beyond).

Exit status: 0 done (HTTP: the reader of stdout went away); 2 trouble; 128 + N when \
signal N ended it (HTTP: after the requests in hand were answered and logged).")]
    Gateway(Box<gateway::Args>),
    /// Upload request files to the gateway's SFTP account: checked first,
    /// written under a temporary name, then moved into place
    #[command(after_help = "\
Examples:
  $ dropwatch upload --gateway lyra lyra-sftp:12345678 \\
        outbox/20261123.12345678.PAY.REQ.T.01
  20261123.12345678.PAY.REQ.T.01
  $ dropwatch upload --gateway paybox --port 5752 --sent sent.log --record \\
      merchant@paybox-sftp: outbox/1999888.032.000042.xml

Every file is first checked as dropwatch check does, against the names the account already \
holds (and --sent); if any would be refused, nothing is uploaded. Each file is then written \
under a temporary name the gateway does not take (Lyra: in the shop's directory, since \
request_ips renames any other name _ERROR; Paybox: a hidden name in in/, as the gateway \
advises), its size checked, and linked into place under its own name: a name already there is \
never overwritten, and the gateway never sees half a file. ssh is the user's: ssh_config (or \
--ssh-config), keys, agent and known_hosts; an unknown host key is refused. A temporary copy \
left by a cut connection is removed by the next upload of that name.

The uploaded names are printed on stdout, one a line.

Exit status: 0 uploaded; 1 a file would be refused (nothing uploaded); 2 trouble (the \
connection, the server).")]
    Upload(remote::upload::Args),
    /// Wait for the gateway's answer to one request on its SFTP account
    #[command(after_help = "\
Examples:
  $ dropwatch wait --gateway lyra --timeout 10h lyra-sftp:12345678 \\
        20261123.12345678.PAY.REQ.T.01
  20261123.12345678.PAY.ANS.T.01
  $ dropwatch wait --gateway paybox --every 5m merchant@paybox-sftp: \\
        1999888.032.000042.xml

Looks at the account every --every until the answer is there and complete (its size and time \
unchanged for --settle): Lyra's ANS in result_ips, or the request renamed _ERROR or _DUPLICATE \
in request_ips; Paybox's .status.xml, or .err. A cut connection is made again at the next look. \
The answer's name is printed on stdout; for a refusal, the reason on stderr (a .err file's \
first line).

Exit status: 0 answered; 1 refused (_ERROR, _DUPLICATE, .err); 2 no answer within --timeout, \
or trouble.")]
    Wait(remote::answer::WaitArgs),
    /// Fetch the gateway's answers to requests from its SFTP account, whole
    #[command(after_help = "\
Examples:
  $ dropwatch fetch --gateway lyra --local inbox/ lyra-sftp:12345678 \\
        20261123.12345678.PAY.REQ.T.01
  inbox/20261123.12345678.PAY.ANS.T.01

Fetches each request's answer (or its refusal: the .err file, the _ERROR or _DUPLICATE file) \
into --local under its name on the server, once complete (unchanged for --settle), checked \
unchanged while read, written under a temporary name (mode 0600: answers may hold card data) \
and renamed into place. An answer already fetched is not fetched again; a different local file \
of that name is never overwritten. The local paths are printed on stdout.

Exit status: 0 answers fetched; 1 some request was refused (its refusal fetched); 2 no answer \
yet, or trouble.")]
    Fetch(remote::answer::FetchArgs),
    /// Remove from the SFTP account what the merchant must purge, once fetched
    #[command(after_help = "\
Examples:
  $ dropwatch purge --gateway paybox --local inbox/ merchant@paybox-sftp:
  $ dropwatch purge --gateway lyra --local inbox/ lyra-sftp:12345678 \\
        20261123.12345678.PAY.REQ.T.01

What the merchant purges: Paybox's answers (.status.xml, .err: the account has a quota); \
Lyra's rejected requests (_ERROR, _DUPLICATE), which stay in request_ips until the merchant \
deletes them (result_ips is the gateway's). A file is removed only when --local holds a copy of \
the same name and size (dropwatch fetch): nothing is lost. The names removed are printed on \
stdout.

Exit status: 0 done; 2 trouble.")]
    Purge(remote::purge::Args),
}

/// The clap definition, for man pages and completions.
pub fn command() -> clap::Command {
    Cli::command()
}

#[cfg(test)]
mod tests {
    #[test]
    fn clap_definition_is_consistent() {
        super::command().debug_assert();
    }
}
