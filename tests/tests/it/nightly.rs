//! The nightly scripts of recipes/, end to end, as cron runs them: the
//! real tools, a real sshd on 127.0.0.1 serving a drop tree (the harness
//! of dropwatch's SFTP tests), and the sandbox gateway answering in that
//! tree on its schedule. An accepted batch, one with refused operations,
//! a file refused whole (.err, _ERROR), and a connection cut during a run:
//! nothing is lost, nothing fetched twice, results kept.

use std::fs;
use std::process::{Child, Command, Output, Stdio};

use crate::util::{bin_dir, Sh, SAMPLES};
use testutil::sshd::{Server, Way};

const RECIPES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../recipes");
const PAYBOX_RESPONDER: &str = "pgpwrap decrypt --element Merchant --key gateway.key \
     --verify-with shop.pub | xmlbatch respond | pgpwrap sign --key gateway.key";

struct Night {
    sh: Sh,
    server: Server,
    gateway: Option<Child>,
}

impl Night {
    fn new() -> Night {
        let sh = Sh::new();
        sh.ok("mkdir -p drop/paybox/m1/in drop/paybox/m1/out drop/lyra/12345678/request_ips keys state
               cp shop.key shop.pub keys/ && cp gateway.pub keys/paybox.pub");
        let server = Server::start(&sh.path("ssh"), &sh.path("drop"));
        Night {
            sh,
            server,
            gateway: None,
        }
    }

    /// The sandbox gateway, on its schedule (every 100 ms), until replaced.
    fn gateway(&mut self, gateway: &str, responder: Option<&str>) {
        self.stop_gateway();
        let mut cmd = Command::new(bin_dir().join("dropwatch"));
        cmd.args([
            "gateway",
            "--gateway",
            gateway,
            "--every",
            "100ms",
            "--settle",
            "0s",
        ]);
        if let Some(r) = responder {
            cmd.args(["--responder", r]);
        }
        let log = fs::File::create(self.sh.path(&format!("gateway-{gateway}.log"))).unwrap();
        let child = cmd
            .arg(format!("drop/{gateway}"))
            .current_dir(self.sh.dir.path())
            .env("PATH", path())
            .stdout(log)
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        self.gateway = Some(child);
    }

    fn stop_gateway(&mut self) {
        if let Some(mut g) = self.gateway.take() {
            let _ = g.kill();
            let _ = g.wait();
        }
    }

    /// Run a nightly script for `day` on `csv`.
    fn night(&self, gateway: &str, day: &str, csv: &str) -> Output {
        Command::new(format!("{RECIPES}/nightly-{gateway}.sh"))
            .arg(csv)
            .current_dir(self.sh.dir.path())
            .env("PATH", path())
            .env("PAYBOX_ACCOUNT", "gw:paybox/m1")
            .env("LYRA_ACCOUNT", "gw:lyra/12345678")
            .env("PAYLOT_SSH_CONFIG", self.server.ssh_config())
            .env("PAYLOT_KEYS", self.sh.path("keys"))
            .env("PAYLOT_DIR", self.sh.path("state"))
            .env("PAYLOT_DAY", day)
            .env("WAIT_TIMEOUT", "300s")
            .env("WAIT_EVERY", "100ms")
            .env_remove("PAYBOX_PORT")
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    fn read(&self, p: &str) -> String {
        fs::read_to_string(self.sh.path(p)).unwrap_or_else(|e| panic!("{p}: {e}"))
    }

    fn files(&self, p: &str) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(self.sh.path(p))
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    }
}

impl Drop for Night {
    fn drop(&mut self) {
        self.stop_gateway();
    }
}

fn path() -> String {
    format!(
        "{}:{}",
        bin_dir().display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

#[track_caller]
fn expect(out: &Output, code: i32, n: &Night) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}\nsshd log:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        n.server.log()
    );
}

#[test]
fn paybox_nights_accepted_refused_rows_a_cut_and_an_err_file() {
    let mut n = Night::new();
    n.sh.ok(&format!(
        "head -n 2 {SAMPLES}/paybox-operations.csv > accepted.csv"
    ));
    n.gateway("paybox", Some(PAYBOX_RESPONDER));

    // Night 1: every operation accepted.
    let out = n.night("paybox", "20261201", "accepted.csv");
    expect(&out, 0, &n);
    // Each batch in a directory of its own, named by its Question.
    let day1 = "state/paybox/20261201/1999888.032.000001";
    assert!(n
        .read(&format!("{day1}/report.txt"))
        .contains("every operation accepted"));
    assert!(n.read(&format!("{day1}/results.csv")).contains("ORDER-1"));
    // Fetched, then purged from the account's quota.
    assert!(n
        .files(day1)
        .contains(&"1999888.032.000001.status.xml".to_string()));
    assert!(
        n.files("drop/paybox/m1/out").is_empty(),
        "{:?}",
        n.files("drop/paybox/m1/out")
    );

    // Night 2: the connection is cut at the upload; the next run resumes.
    n.server.cut_next(Way::Down, 200);
    let csv = format!("{SAMPLES}/paybox-operations.csv");
    let out = n.night("paybox", "20261202", &csv);
    expect(&out, 2, &n);
    assert_eq!(n.server.cuts(), 1);
    let day2 = "state/paybox/20261202/1999888.032.000002";
    assert!(n.read(&format!("{day2}/report.txt")).contains("run again"));
    let out = n.night("paybox", "20261202", &csv);
    expect(&out, 1, &n); // some operations refused: a result
    let results = n.read(&format!("{day2}/results.csv"));
    assert!(results.contains("ORDER-3"), "{results}");
    // Built once (batch 2, not 3), uploaded once, fetched once; kept.
    assert_eq!(n.read("state/paybox.batch").trim(), "2");
    assert_eq!(n.read("state/paybox.sent").lines().count(), 2);
    let out = n.night("paybox", "20261202", &csv);
    expect(&out, 1, &n);
    assert_eq!(n.read(&format!("{day2}/results.csv")), results);
    assert_eq!(
        n.files(day2)
            .iter()
            .filter(|f| f.ends_with(".status.xml"))
            .count(),
        1
    );

    // Night 3: the gateway refuses the file: .err, its reason reported.
    n.gateway(
        "paybox",
        Some("echo 'the signature does not verify' >&2; exit 1"),
    );
    let out = n.night("paybox", "20261203", "accepted.csv");
    expect(&out, 1, &n);
    let day3 = "state/paybox/20261203/1999888.032.000003";
    let report = n.read(&format!("{day3}/report.txt"));
    assert!(report.contains("refused by the gateway"), "{report}");
    assert!(report.contains("the signature does not verify"), "{report}");
    assert!(n
        .files(day3)
        .contains(&"1999888.032.000003.err".to_string()));
    assert!(n.files("drop/paybox/m1/out").is_empty());

    // Night 4: two exports the same day are two batches (attack M5): each
    // its own Question, answer and results; neither taken for the other.
    n.gateway("paybox", Some(PAYBOX_RESPONDER));
    n.sh.ok(&format!(
        "sed -n '1p;6p' {SAMPLES}/paybox-operations.csv > second.csv"
    ));
    expect(&n.night("paybox", "20261204", "accepted.csv"), 0, &n);
    expect(&n.night("paybox", "20261204", "second.csv"), 1, &n); // ORDER-3 refused
    let (first, second) = (
        "state/paybox/20261204/1999888.032.000004",
        "state/paybox/20261204/1999888.032.000005",
    );
    let results = n.read(&format!("{first}/results.csv"));
    assert!(
        results.contains("ORDER-1") && !results.contains("ORDER-3"),
        "{results}"
    );
    let results = n.read(&format!("{second}/results.csv"));
    assert!(
        results.contains("ORDER-3") && !results.contains("ORDER-1"),
        "{results}"
    );
    assert!(n
        .files(second)
        .contains(&"1999888.032.000005.status.xml".to_string()));
    // The first export again: its own batch, resumed, not a third.
    expect(&n.night("paybox", "20261204", "accepted.csv"), 0, &n);
    assert_eq!(n.read("state/paybox.batch").trim(), "5");
    assert_eq!(
        n.files("state/paybox/20261204"),
        vec!["1999888.032.000004", "1999888.032.000005"]
    );
}

#[test]
fn lyra_nights_accepted_refused_payments_and_an_error_file() {
    let mut n = Night::new();
    n.sh.ok(&format!(
        "head -n 3 {SAMPLES}/lyra-payments.csv > accepted.csv"
    ));
    n.gateway("lyra", None);

    let out = n.night("lyra", "20261201", "accepted.csv");
    expect(&out, 0, &n);
    // Each file sent in a directory of its own, named by its REQ.
    let day1 = "state/lyra/20261201/20261201.12345678.PAY.REQ.T.01";
    assert_eq!(
        n.files(day1),
        vec![
            "20261201.12345678.PAY.ANS.T.01",
            "20261201.12345678.PAY.REQ.T.01",
            "export.sha256",
            "report.txt",
            "request.name",
            "results.csv",
            "results.status"
        ]
    );

    let csv = format!("{SAMPLES}/lyra-payments.csv");
    let out = n.night("lyra", "20261202", &csv);
    expect(&out, 1, &n);
    let day2 = "state/lyra/20261202/20261202.12345678.PAY.REQ.T.01";
    let results = n.read(&format!("{day2}/results.csv"));
    assert!(results.contains("insufficient funds"), "{results}");
    // Again: nothing fetched twice, results kept.
    expect(&n.night("lyra", "20261202", &csv), 1, &n);
    assert_eq!(n.read(&format!("{day2}/results.csv")), results);
    // A second export the same day (attack M5): the next name, its own
    // answer and results; the first's untouched. Other transaction ids:
    // an id is unique per shop per UTC day (lyra::ids).
    n.sh.ok(&format!(
        "sed -n '1p;2p' {SAMPLES}/lyra-payments.csv | sed 's/^1,/51,/' > second.csv"
    ));
    expect(&n.night("lyra", "20261202", "second.csv"), 0, &n);
    let second = "state/lyra/20261202/20261202.12345678.PAY.REQ.T.02";
    assert!(n
        .files(second)
        .contains(&"20261202.12345678.PAY.ANS.T.02".to_string()));
    let results2 = n.read(&format!("{second}/results.csv"));
    assert!(!results2.contains("insufficient funds"), "{results2}");
    assert_eq!(n.read(&format!("{day2}/results.csv")), results);
    expect(&n.night("lyra", "20261202", &csv), 1, &n);
    assert_eq!(n.files("state/lyra/20261202").len(), 2);

    // The gateway renames the file _ERROR: fetched for the report, purged.
    n.gateway("lyra", Some("echo 'bad header' >&2; exit 1"));
    let out = n.night("lyra", "20261203", "accepted.csv");
    expect(&out, 1, &n);
    let day3 = "state/lyra/20261203/20261203.12345678.PAY.REQ.T.01";
    assert!(n.read(&format!("{day3}/report.txt")).contains("_ERROR"));
    assert!(n
        .files(day3)
        .contains(&"20261203.12345678.PAY.REQ.T.01_ERROR".to_string()));
    assert!(n.files("drop/lyra/12345678/request_ips").is_empty());

    // The Makefile: one target per export, two the same day two batches
    // (attack M5); some payments refused is a result, kept; make succeeds.
    n.gateway("lyra", None);
    // Other transaction ids: the nights of this test are one real UTC day,
    // on which the gateway answers a reused id 96 (lyra::ids).
    n.sh.ok(&format!(
        "mkdir -p exports && sed 's/^\\([0-9]\\),/1\\1,/' {SAMPLES}/lyra-payments.csv > exports/20261204-lyra.csv
         sed -n '1p;2p' {SAMPLES}/lyra-payments.csv | sed 's/^1,/21,/' > exports/20261204-lyra-2.csv"
    ));
    let out = Command::new("make")
        .args(["-f", &format!("{RECIPES}/Makefile"), "DAY=20261204"])
        .arg(format!("STATE={}", n.sh.path("state").display()))
        .arg("EXPORTS=exports")
        .current_dir(n.sh.dir.path())
        .env("PATH", path())
        .env("LYRA_ACCOUNT", "gw:lyra/12345678")
        .env("PAYLOT_SSH_CONFIG", n.server.ssh_config())
        .env("WAIT_TIMEOUT", "300s")
        .env("WAIT_EVERY", "100ms")
        .output()
        .unwrap();
    expect(&out, 0, &n);
    assert_eq!(n.read("state/done/20261204-lyra.status").trim(), "1");
    assert_eq!(n.read("state/done/20261204-lyra-2.status").trim(), "0");
    let day4 = "state/lyra/20261204";
    assert_eq!(
        n.files(day4),
        vec![
            "20261204.12345678.PAY.REQ.T.01",
            "20261204.12345678.PAY.REQ.T.02"
        ]
    );
    let first = n.read(&format!(
        "{day4}/20261204.12345678.PAY.REQ.T.01/results.csv"
    ));
    assert!(first.contains("insufficient funds"), "{first}");
    let second = n.read(&format!(
        "{day4}/20261204.12345678.PAY.REQ.T.02/results.csv"
    ));
    assert!(!second.contains("insufficient funds"), "{second}");
}
