//! The remote half of the lifecycle over real SFTP: Debian's OpenSSH sshd
//! on 127.0.0.1 (`testutil::sshd`), the user's side through `ssh -s sftp`
//! with an ssh_config, a key and a known_hosts, the sandbox gateway
//! answering in the drop tree the server serves. `dropwatch upload`,
//! `wait`, `fetch` and `purge`, for both gateways, their refusals, a
//! connection cut mid-transfer either way, and an answer that appears
//! while `wait` polls.

use std::fs;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::util::*;
use testutil::sshd::{Server, Way};

const SHOP: &str = "lyra/12345678";
const Q1: &str = "1999888.032.000001.xml";
const Q2: &str = "1999888.032.000002.xml";

/// A drop tree served by sshd, and the commands a merchant runs on it.
struct Account {
    d: Dir,
    server: Server,
}

impl Account {
    fn new() -> Account {
        let d = Dir::new();
        d.mkdir(&format!("drop/{SHOP}/request_ips"));
        d.mkdir("drop/paybox/m1/in");
        d.mkdir("drop/paybox/m1/out");
        d.mkdir("inbox");
        let server = Server::start(&d.path("ssh"), &d.path("drop"));
        Account { d, server }
    }

    /// `dropwatch SUB --ssh-config … --gateway G ARGS…`.
    fn args(&self, sub: &str, gateway: &str, rest: &[&str]) -> Vec<String> {
        let mut v = vec![
            sub.to_string(),
            "--gateway".into(),
            gateway.into(),
            "--ssh-config".into(),
            self.server.ssh_config().to_string_lossy().into_owned(),
        ];
        v.extend(rest.iter().map(|s| s.to_string()));
        v
    }

    fn run(&self, sub: &str, gateway: &str, rest: &[&str]) -> Run {
        let args = self.args(sub, gateway, rest);
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = self.d.run(&refs);
        if r.status() == 2 && !r.stderr().contains("cut") {
            eprintln!("sshd log:\n{}", self.server.log());
        }
        r
    }

    /// The sandbox gateway's scheduled run, answering with `responder`.
    fn gateway_pass(&self, gateway: &str, responder: &str) -> Run {
        let root = format!("drop/{}", if gateway == "lyra" { "lyra" } else { "paybox" });
        let r = self.d.run(&[
            "gateway",
            "--gateway",
            gateway,
            "--once",
            "--settle",
            "0s",
            "--responder",
            responder,
            &root,
        ]);
        r.expect(0);
        r
    }

    /// `dropwatch wait`, polling every 100 ms, for at most 300 s.
    fn wait(&self, gateway: &str, remote: &str, request: &str) -> Run {
        self.run("wait", gateway, &poll(remote, request))
    }

    /// `dropwatch wait` (Lyra) in the background, polling every 100 ms,
    /// with its stderr lines as they come.
    fn spawn_wait(&self, remote: &str, request: &str) -> (Child, mpsc::Receiver<String>) {
        let args = self.args("wait", "lyra", &poll(remote, request));
        let mut waiter = self
            .d
            .cmd()
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let lines = stderr_lines(&mut waiter);
        (waiter, lines)
    }

    /// Temporary names left anywhere in the served tree.
    fn temporaries(&self) -> Vec<String> {
        walk(&self.d.path("drop"))
            .into_iter()
            .filter(|p| p.to_string_lossy().ends_with(".paylot-tmp"))
            .map(|p| p.to_string_lossy().into_owned())
            .collect()
    }
}

/// wait's arguments: a look every 100 ms, for at most 300 s.
fn poll<'a>(remote: &'a str, request: &'a str) -> [&'a str; 8] {
    [
        "--every",
        "100ms",
        "--settle",
        "0s",
        "--timeout",
        "300s",
        remote,
        request,
    ]
}

fn lyra_request(body_lines: usize) -> String {
    let mut s = String::from("00;PAY;06;12345678;TEST;20261123;120000;\n");
    for i in 1..=body_lines {
        s.push_str(&format!(
            "02;{i};20261123;120000;{i:06};CD;1000;978;;;TEST-TOKEN-1;;;;;\n"
        ));
    }
    s.push_str(&format!("01;{body_lines}\n"));
    s
}

#[test]
fn lyra_upload_wait_fetch_purge_and_an_answer_that_appears_while_polling() {
    let a = Account::new();
    let req = lyra_request(2);
    a.d.write(&format!("outbox/{REQ1}"), &req);
    let remote = format!("gw:{SHOP}");

    // Checked first: a misnamed file is refused and nothing goes.
    a.d.write("outbox/payments.csv", "x\n");
    let r = a.run(
        "upload",
        "lyra",
        &[&remote, &format!("outbox/{REQ1}"), "outbox/payments.csv"],
    );
    r.expect(1);
    assert!(r.stderr().contains("_ERROR"), "{}", r.describe());
    assert!(a.d.files(&format!("drop/{SHOP}/request_ips")).is_empty());

    let r = a.run("upload", "lyra", &[&remote, &format!("outbox/{REQ1}")]);
    r.expect(0);
    assert_eq!(r.stdout(), format!("{REQ1}\n"), "{}", r.describe());
    assert_eq!(a.d.files(&format!("drop/{SHOP}/request_ips")), vec![REQ1]);
    assert_eq!(a.d.read(&format!("drop/{SHOP}/request_ips/{REQ1}")), req);
    assert!(a.temporaries().is_empty(), "{:?}", a.temporaries());

    // The same name again is a duplicate, refused before it leaves.
    let r = a.run("upload", "lyra", &[&remote, &format!("outbox/{REQ1}")]);
    r.expect(1);
    assert!(r.stderr().contains("_DUPLICATE"), "{}", r.describe());

    // wait polls; the gateway answers meanwhile.
    let (waiter, lines) = a.spawn_wait(&remote, REQ1);
    expect_line(&lines, "waiting for the answer", &a);
    a.gateway_pass("lyra", "cat; echo \"ANSWERED $DROPWATCH_REQUEST\"");
    let (code, stdout, stderr) = finish(waiter, lines);
    assert_eq!(code, 0, "wait: {stdout}\n{stderr}");
    assert_eq!(stdout, format!("{ANS1}\n"), "{stderr}");

    let r = a.run("fetch", "lyra", &["--local", "inbox", &remote, REQ1]);
    r.expect(0);
    assert_eq!(r.stdout(), format!("inbox/{ANS1}\n"), "{}", r.describe());
    assert_eq!(
        a.d.read(&format!("inbox/{ANS1}")),
        format!("{req}ANSWERED {REQ1}\n")
    );
    let mode = fs::metadata(a.d.path(&format!("inbox/{ANS1}")))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "answers may hold card data");
    // Fetched once only.
    let before = fs::metadata(a.d.path(&format!("inbox/{ANS1}")))
        .unwrap()
        .modified()
        .unwrap();
    let r = a.run("fetch", "lyra", &["--local", "inbox", &remote, REQ1]);
    r.expect(0);
    assert!(r.stderr().contains("not fetched again"), "{}", r.describe());
    let after = fs::metadata(a.d.path(&format!("inbox/{ANS1}")))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(before, after);
    // result_ips is the gateway's: purge leaves it.
    let r = a.run("purge", "lyra", &["--local", "inbox", &remote]);
    r.expect(0);
    assert_eq!(r.stdout(), "", "{}", r.describe());
    assert!(a.d.exists(&format!("drop/{SHOP}/result_ips/{ANS1}")));
}

#[test]
fn lyra_error_is_a_refusal_fetched_then_purged() {
    let a = Account::new();
    a.d.write(&format!("outbox/{REQ1}"), &lyra_request(1));
    let remote = format!("gw:{SHOP}");
    a.run("upload", "lyra", &[&remote, &format!("outbox/{REQ1}")])
        .expect(0);
    a.gateway_pass("lyra", "echo 'header refused' >&2; exit 1");
    let rejected = format!("{REQ1}_ERROR");
    assert!(a.d.exists(&format!("drop/{SHOP}/request_ips/{rejected}")));

    let r = a.wait("lyra", &remote, REQ1);
    r.expect(1);
    assert_eq!(r.stdout(), format!("{rejected}\n"), "{}", r.describe());
    assert!(r.stderr().contains("refused"), "{}", r.describe());

    // Purge removes only what was fetched.
    let r = a.run("purge", "lyra", &["--local", "inbox", &remote]);
    r.expect(0);
    assert!(r.stderr().contains("kept"), "{}", r.describe());
    assert!(a.d.exists(&format!("drop/{SHOP}/request_ips/{rejected}")));
    let r = a.run(
        "fetch",
        "lyra",
        &["--local", "inbox", "--settle", "0s", &remote, REQ1],
    );
    r.expect(1);
    assert!(a.d.exists(&format!("inbox/{rejected}")));
    let r = a.run("purge", "lyra", &["--local", "inbox", &remote, REQ1]);
    r.expect(0);
    assert_eq!(r.stdout(), format!("{rejected}\n"), "{}", r.describe());
    assert!(!a.d.exists(&format!("drop/{SHOP}/request_ips/{rejected}")));
}

#[test]
fn paybox_clear_question_refused_status_and_err_fetched_and_purged() {
    let a = Account::new();
    let remote = "gw:paybox/m1";
    // A clear Merchant element never leaves (the same check as dropwatch check).
    a.d.write(
        &format!("clear/{Q1}"),
        "<PayboxBatch BatchNumber=\"1\"><Merchant Site=\"1999888\" Rank=\"032\"><Question/></Merchant></PayboxBatch>\n",
    );
    let r = a.run("upload", "paybox", &[remote, &format!("clear/{Q1}")]);
    r.expect(1);
    assert!(
        r.stderr().contains("pgpwrap encrypt --element Merchant"),
        "{}",
        r.describe()
    );
    assert!(a.d.files("drop/paybox/m1/in").is_empty());
    // Nor does clear content behind an armor line (attack H3).
    a.d.write(
        &format!("fake/{Q1}"),
        "<PayboxBatch BatchNumber=\"1\"><Merchant Site=\"1999888\" Rank=\"032\">\n-----BEGIN PGP MESSAGE-----\n\n<Question><PAN>1111222233334444</PAN></Question>\n-----END PGP MESSAGE-----\n</Merchant></PayboxBatch>\n",
    );
    let r = a.run("upload", "paybox", &[remote, &format!("fake/{Q1}")]);
    r.expect(1);
    assert!(
        r.stderr().contains("inside the armored message"),
        "{}",
        r.describe()
    );
    assert!(a.d.files("drop/paybox/m1/in").is_empty());

    a.d.write(&format!("outbox/{Q1}"), &protected_question(1));
    let r = a.run("upload", "paybox", &[remote, &format!("outbox/{Q1}")]);
    r.expect(0);
    assert_eq!(a.d.files("drop/paybox/m1/in"), vec![Q1]);
    assert!(a.temporaries().is_empty(), "{:?}", a.temporaries());
    a.gateway_pass("paybox", "sed 's/PayboxBatch/PayboxBatchStatus/g'");
    let status = "1999888.032.000001.status.xml";
    let r = a.wait("paybox", remote, Q1);
    r.expect(0);
    assert_eq!(r.stdout(), format!("{status}\n"));
    a.run("fetch", "paybox", &["--local", "inbox", remote, Q1])
        .expect(0);
    assert!(a
        .d
        .read(&format!("inbox/{status}"))
        .contains("PayboxBatchStatus"));

    // The next batch is refused by the gateway: .err, with its reason.
    a.d.write(&format!("outbox/{Q2}"), &protected_question(2));
    a.run("upload", "paybox", &[remote, &format!("outbox/{Q2}")])
        .expect(0);
    a.gateway_pass("paybox", "echo 'signature does not verify' >&2; exit 1");
    let r = a.wait("paybox", remote, Q2);
    r.expect(1);
    assert_eq!(r.stdout(), "1999888.032.000002.err\n", "{}", r.describe());
    assert!(
        r.stderr().contains("signature does not verify"),
        "{}",
        r.describe()
    );
    a.run("fetch", "paybox", &["--local", "inbox", remote, Q2])
        .expect(1);

    // The download directory has a quota: what was fetched is purged.
    let r = a.run("purge", "paybox", &["--local", "inbox", remote]);
    r.expect(0);
    let mut removed: Vec<String> = r.stdout().lines().map(str::to_string).collect();
    removed.sort();
    assert_eq!(
        removed,
        vec!["1999888.032.000001.status.xml", "1999888.032.000002.err"]
    );
    assert!(a.d.files("drop/paybox/m1/out").is_empty(), "{}", a.d.tree());
}

#[test]
fn an_upload_cut_midway_lands_nothing_and_the_next_one_lands_it_once() {
    let a = Account::new();
    let req = lyra_request(120_000); // about 7 MB
    a.d.write(&format!("outbox/{REQ1}"), &req);
    let remote = format!("gw:{SHOP}");
    a.server.cut_next(Way::Up, 2 << 20);
    let r = a.run("upload", "lyra", &[&remote, &format!("outbox/{REQ1}")]);
    r.expect(2);
    assert_eq!(a.server.cuts(), 1, "{}", r.describe());
    assert!(
        r.stderr().contains("link to the server was lost"),
        "{}",
        r.describe()
    );
    // The gateway never sees the half file: it is under a temporary name
    // outside request_ips.
    assert!(
        a.d.files(&format!("drop/{SHOP}/request_ips")).is_empty(),
        "{}",
        a.d.tree()
    );
    let half = a.temporaries();
    assert_eq!(half.len(), 1, "{}", a.d.tree());
    assert!(fs::metadata(&half[0]).unwrap().len() < req.len() as u64);

    let r = a.run("upload", "lyra", &[&remote, &format!("outbox/{REQ1}")]);
    r.expect(0);
    assert_eq!(a.d.files(&format!("drop/{SHOP}/request_ips")), vec![REQ1]);
    assert_eq!(a.d.read(&format!("drop/{SHOP}/request_ips/{REQ1}")), req);
    // The cut run's temporary copy was removed by the next upload.
    assert!(a.temporaries().is_empty(), "{:?}", a.temporaries());
}

#[test]
fn a_fetch_cut_midway_writes_nothing_and_the_next_one_gets_it_whole() {
    let a = Account::new();
    let ans = lyra_request(120_000);
    a.d.write(&format!("drop/{SHOP}/result_ips/{ANS1}"), &ans);
    let remote = format!("gw:{SHOP}");
    a.server.cut_next(Way::Down, 1 << 20);
    let r = a.run(
        "fetch",
        "lyra",
        &["--local", "inbox", "--settle", "0s", &remote, REQ1],
    );
    r.expect(2);
    assert_eq!(a.server.cuts(), 1, "{}", r.describe());
    assert!(
        a.d.files("inbox").is_empty(),
        "nothing half: {:?}",
        a.d.files("inbox")
    );

    let r = a.run(
        "fetch",
        "lyra",
        &["--local", "inbox", "--settle", "0s", &remote, REQ1],
    );
    r.expect(0);
    assert_eq!(a.d.read(&format!("inbox/{ANS1}")), ans);
    assert_eq!(a.d.files("inbox"), vec![ANS1]);
}

/// Attack M6: the gateway rewrites an answer while it is copied, same
/// size, within the same second (SFTP's times are whole seconds: the
/// mtime is set back to what it was, as such a rewrite looks). Size and
/// mtime agree before and after; the copy would be half the old answer,
/// half the new. Nothing is written; the next fetch gets the new one whole.
#[test]
fn a_fetch_of_an_answer_rewritten_while_copied_writes_nothing() {
    let a = Account::new();
    let old = lyra_request(120_000); // about 7 MB
    let path = a.d.path(&format!("drop/{SHOP}/result_ips/{ANS1}"));
    a.d.write(&format!("drop/{SHOP}/result_ips/{ANS1}"), &old);
    let new = old.replace("TEST-TOKEN-1", "TEST-TOKEN-2");
    assert_eq!(new.len(), old.len());
    let (rewritten, new_copy) = (path.clone(), new.clone());
    a.server.during_next(Way::Down, 1 << 20, move || {
        let mtime = fs::metadata(&rewritten).unwrap().modified().unwrap();
        let mut f = fs::OpenOptions::new().write(true).open(&rewritten).unwrap();
        std::io::Write::write_all(&mut f, new_copy.as_bytes()).unwrap();
        f.set_modified(mtime).unwrap();
    });
    let remote = format!("gw:{SHOP}");
    let fetch = || {
        a.run(
            "fetch",
            "lyra",
            &["--local", "inbox", "--settle", "0s", &remote, REQ1],
        )
    };
    let r = fetch();
    r.expect(2);
    assert!(
        r.stderr().contains("changed while it was read"),
        "{}",
        r.describe()
    );
    assert!(
        a.d.files("inbox").is_empty(),
        "nothing half: {:?}",
        a.d.files("inbox")
    );
    fetch().expect(0);
    assert!(
        a.d.read(&format!("inbox/{ANS1}")) == new,
        "the new answer, whole"
    );
}

/// Attack M6: one file that cannot be purged does not keep the others on
/// the account; every failure is said, and the run ends in trouble.
#[test]
fn purge_goes_on_past_a_file_it_cannot_purge_and_says_each() {
    let a = Account::new();
    let remote = "gw:paybox/m1";
    let names = [
        "1999888.032.000001.status.xml",
        "1999888.032.000002.status.xml",
        "1999888.032.000003.err",
    ];
    for n in names {
        a.d.write(&format!("drop/paybox/m1/out/{n}"), "<PayboxBatchStatus/>\n");
        a.d.write(&format!("inbox/{n}"), "<PayboxBatchStatus/>\n");
    }
    // Two local copies are not the files on the server: those two stay,
    // whatever order the server lists them in.
    for n in &names[..2] {
        a.d.write(&format!("inbox/{n}"), "something else\n");
    }
    let r = a.run("purge", "paybox", &["--local", "inbox", remote]);
    r.expect(2);
    assert_eq!(r.stdout(), format!("{}\n", names[2]), "{}", r.describe());
    for n in &names[..2] {
        assert!(r.stderr().contains(n), "{n}: {}", r.describe());
    }
    assert!(
        r.stderr().contains("2 file(s) could not be purged"),
        "{}",
        r.describe()
    );
    let mut left = a.d.files("drop/paybox/m1/out");
    left.sort();
    assert_eq!(left, names[..2].to_vec());
}

#[test]
fn wait_connects_again_after_a_cut_and_still_sees_the_answer() {
    let a = Account::new();
    let remote = format!("gw:{SHOP}");
    a.d.write(&format!("outbox/{REQ1}"), &lyra_request(1));
    a.run("upload", "lyra", &[&remote, &format!("outbox/{REQ1}")])
        .expect(0);
    let connections = a.server.connections();
    // The waiter's first connection is cut once it has listed a few times.
    a.server.cut_next(Way::Down, 4096);
    let (waiter, lines) = a.spawn_wait(&remote, REQ1);
    expect_line(&lines, "connecting again", &a);
    a.gateway_pass("lyra", "cat");
    let (code, stdout, stderr) = finish(waiter, lines);
    assert_eq!(code, 0, "wait: {stdout}\n{stderr}");
    assert_eq!(stdout, format!("{ANS1}\n"));
    assert_eq!(a.server.cuts(), 1);
    assert!(a.server.connections() >= connections + 2);
}

#[test]
fn an_unknown_host_key_is_refused_and_nothing_leaves() {
    let a = Account::new();
    // known_hosts holds another key for the server.
    let other = a.d.path("ssh/other_key");
    let ok = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&other)
        .status()
        .unwrap();
    assert!(ok.success());
    let other_pub = fs::read_to_string(a.d.path("ssh/other_key.pub")).unwrap();
    fs::write(
        a.d.path("ssh/known_hosts"),
        format!("[127.0.0.1]:{} {}", a.server.port, other_pub.trim()),
    )
    .unwrap();
    a.d.write(&format!("outbox/{REQ1}"), &lyra_request(1));
    let r = a.run(
        "upload",
        "lyra",
        &[&format!("gw:{SHOP}"), &format!("outbox/{REQ1}")],
    );
    r.expect(2);
    assert!(r.stderr().contains("host key"), "{}", r.describe());
    assert!(a.d.files(&format!("drop/{SHOP}/request_ips")).is_empty());
}

/// The lines a child writes on stderr, as they come.
fn stderr_lines(child: &mut Child) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    let err = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Wait (generously) for a stderr line holding `text`.
fn expect_line(lines: &mpsc::Receiver<String>, text: &str, a: &Account) {
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        match lines.recv_timeout(Duration::from_secs(1)) {
            Ok(l) if l.contains(text) => return,
            Ok(l) => seen.push(l),
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    panic!(
        "no line with {text:?} on stderr; seen:\n{}\nsshd log:\n{}",
        seen.join("\n"),
        a.server.log()
    );
}

/// Wait (generously) for the child to end: (status, stdout, the rest of stderr).
fn finish(mut child: Child, lines: mpsc::Receiver<String>) -> (i32, String, String) {
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut out = String::new();
            use std::io::Read;
            child
                .stdout
                .take()
                .unwrap()
                .read_to_string(&mut out)
                .unwrap();
            let rest: Vec<String> = lines.try_iter().collect();
            return (status.code().unwrap_or(-1), out, rest.join("\n"));
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the child did not end within 300 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The request given before the account (`upload FILE HOST:DIR`, the
/// order of cp) is said with the order to give them in; no server is
/// reached.
#[test]
fn a_file_in_the_account_s_place_says_the_account_comes_first() {
    let d = Dir::new();
    d.write(&format!("outbox/{REQ1}"), "x");
    let file = format!("outbox/{REQ1}");
    for cmd in ["upload", "wait", "fetch"] {
        let r = d.run(&[cmd, "--gateway", "lyra", &file, "lyra-sftp:12345678"]);
        r.expect(2);
        assert!(
            r.stderr().contains(
                "no colon: expected [USER@]HOST:DIR, e.g. merchant@sftp.example:12345678 or \
                 paybox:; the account comes first, then the files or names"
            ),
            "{}",
            r.describe()
        );
    }
}
