//! The two halves of the Paybox exchange never disagree on a batch
//! number, an encrypted Question is never taken for an empty one, and a
//! local fault is never the merchant's error: the gateway's side (the
//! sandbox) and the merchant's (xmlbatch, dropwatch check and name,
//! pgpwrap inspect) run over real files, as a merchant would.

use std::process::{Command, Stdio};

use crate::util;
use crate::util::Sh;

const BUILD: &str = "xmlbatch build --site 1999888 --rank 32 \"$SAMPLES/paybox-operations.csv\"";
const ENCRYPT: &str =
    "pgpwrap encrypt --recipient gateway.pub --recipient shop.pub --sign-with shop.key --element Merchant";
const DECRYPTING_RESPONDER: &str =
    "pgpwrap decrypt --element Merchant --key gateway.key --verify-with shop.pub | xmlbatch respond";

fn events(stdout: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The sandbox acts on the BatchNumber in the file, as the gateway does:
/// a name that says otherwise gets an `.err`, and a batch processed once
/// is never processed again under another name.
#[test]
fn the_sandbox_judges_the_batch_number_in_the_file() {
    let sh = Sh::new();
    sh.ok(&format!(
        "mkdir -p gw/shop/in
         {BUILD} --batch 7 -o gw/shop/in/1999888.032.000007.xml
         dropwatch gateway --gateway paybox --once --settle 0s gw > /dev/null
         {BUILD} --batch 7 -o gw/shop/in/1999888.032.000008.xml"
    ));
    let out = sh.run("dropwatch gateway --gateway paybox --once --settle 0s gw");
    assert_eq!(out.status.code(), Some(0));
    let ev = events(&out.stdout);
    assert_eq!(ev.len(), 1, "{ev:?}");
    assert_eq!(ev[0]["type"], "question_rejected");
    assert_eq!(ev[0]["reason"], "content");
    let err = std::fs::read_to_string(sh.path("gw/shop/out/1999888.032.000008.err")).unwrap();
    assert!(
        err.contains("the name says batch 8, the file says BatchNumber 7"),
        "{err}"
    );
    assert!(!sh
        .path("gw/shop/out/1999888.032.000008.status.xml")
        .exists());
    // Content that agrees with its name but repeats a number processed:
    // refused by the number in the file.
    sh.ok(&format!(
        "{BUILD} --batch 7 | sed 's/Site=\"1999888\"/Site=\"1999888\"/' > q7.xml
         sed 's/BatchNumber=\"7\"/BatchNumber=\"6\"/' q7.xml > gw/shop/in/1999888.032.000006.xml"
    ));
    let out = sh.run("dropwatch gateway --gateway paybox --once --settle 0s gw");
    let ev = events(&out.stdout);
    assert_eq!(ev[0]["reason"], "batch", "{ev:?}");
}

/// One source of truth: the upload name comes from the file's own
/// BatchNumber, Site and Rank; `dropwatch check` refuses a file whose name
/// and content disagree (the drift docs/recipes.md once allowed).
#[test]
fn the_name_comes_from_the_content_and_check_refuses_a_disagreement() {
    let sh = Sh::new();
    sh.ok(&format!(
        "mkdir -p up/in up/out outbox
         {BUILD} --batch-state paybox.batch | {ENCRYPT} -o outbox/question.xml
         {BUILD} --batch-state paybox.batch | {ENCRYPT} -o outbox/question2.xml"
    ));
    let first = sh.ok("dropwatch name --gateway paybox --question outbox/question.xml up/in");
    assert_eq!(first.trim(), "1999888.032.000001.xml");
    let second = sh.ok("dropwatch name --gateway paybox --question outbox/question2.xml up/in");
    assert_eq!(second.trim(), "1999888.032.000002.xml");
    // The name that drifted: batch 42 in a file named 1.
    sh.ok(&format!(
        "{BUILD} --batch 42 | {ENCRYPT} -o outbox/1999888.032.000001.xml"
    ));
    let out = sh.run("dropwatch check --gateway paybox outbox/1999888.032.000001.xml");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("the name says batch 1, the file says BatchNumber 42"),
        "{err}"
    );
    // A number already used is refused by name too.
    sh.ok("cp outbox/question.xml up/in/1999888.032.000001.xml");
    let out = sh.run("dropwatch name --gateway paybox --question outbox/question.xml up/in");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not greater than 1"));
}

/// A clear Question (card numbers, security codes) never passes the check
/// the gateway's rules make: its Merchant element must be signed then
/// encrypted, and the check says the pgpwrap command.
#[test]
fn check_refuses_a_clear_question_with_the_pgpwrap_command() {
    let sh = Sh::new();
    sh.ok(&format!(
        "mkdir -p t2 && {BUILD} --batch 2 -o t2/1999888.032.000002.xml"
    ));
    let out = sh.run("dropwatch check --gateway paybox t2/1999888.032.000002.xml");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("in clear") && err.contains("pgpwrap encrypt --element Merchant"),
        "{err}"
    );
    sh.ok(&format!(
        "{BUILD} --batch 2 | {ENCRYPT} -o t2/1999888.032.000002.xml
         dropwatch check --gateway paybox t2/1999888.032.000002.xml"
    ));
}

/// The gateway advises sending a Question only once the previous one's
/// status has arrived: `dropwatch check` warns (and still says ok).
#[test]
fn check_warns_when_the_previous_batch_has_no_status_yet() {
    let sh = Sh::new();
    sh.ok(&format!(
        "mkdir -p m/in m/out
         {BUILD} --batch 1 | {ENCRYPT} -o m/in/1999888.032.000001.xml
         {BUILD} --batch 2 | {ENCRYPT} -o m/in/1999888.032.000002.xml"
    ));
    let out = sh.run("dropwatch check --gateway paybox m/in/1999888.032.000002.xml");
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("warning")
            && err.contains("previous batch, 1")
            && err.contains("no status file"),
        "{err}"
    );
    sh.ok("touch m/out/1999888.032.000001.status.xml");
    let out =
        sh.run("dropwatch check --gateway paybox --answers m/out m/in/1999888.032.000002.xml");
    assert_eq!(out.status.code(), Some(0));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// An element-encrypted Question is recognised by every tool that reads
/// one, with the command that opens it.
#[test]
fn an_encrypted_merchant_element_is_never_taken_for_an_empty_one() {
    let sh = Sh::new();
    sh.ok(&format!("{BUILD} --batch 1 | {ENCRYPT} -o question.xml"));
    sh.ok(&format!(
        "{BUILD} --batch 1 | xmlbatch respond > status.xml"
    ));
    for script in [
        "xmlbatch respond question.xml",
        "xmlbatch check question.xml",
        "xmlbatch status --question question.xml status.xml",
    ] {
        let out = sh.run(script);
        assert_eq!(out.status.code(), Some(2), "{script}");
        assert!(out.stdout.is_empty(), "{script}: wrote {:?}", out.stdout);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("the Merchant element is encrypted: decrypt it first with pgpwrap decrypt --element Merchant"),
            "{script}: {err}"
        );
    }
    // inspect describes the envelope inside the element.
    let text = sh.ok("pgpwrap inspect question.xml");
    assert!(
        text.contains("element <Merchant>") && text.contains("encrypted to key"),
        "{text}"
    );
    let json: serde_json::Value =
        serde_json::from_str(sh.ok("pgpwrap inspect --json question.xml").trim()).unwrap();
    assert_eq!(json["element"], "Merchant");
    assert_eq!(json["encrypted_to"].as_array().unwrap().len(), 2);
    // A signed status file is not a status file yet.
    let out = sh
        .run("pgpwrap sign --key gateway.key status.xml > status.sig; xmlbatch status status.sig");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("pgpwrap verify"));
    // The sandbox's default responder cannot decrypt: an .err says so;
    // one that decrypts answers.
    sh.ok("mkdir -p gw/shop/in && cp question.xml gw/shop/in/1999888.032.000001.xml");
    let out = sh.run("dropwatch gateway --gateway paybox --once --settle 0s gw");
    assert_eq!(out.status.code(), Some(0));
    let err = std::fs::read_to_string(sh.path("gw/shop/out/1999888.032.000001.err")).unwrap();
    assert!(err.contains("the Merchant element is encrypted"), "{err}");
    sh.ok("mkdir -p gw2/shop/in && cp question.xml gw2/shop/in/1999888.032.000001.xml");
    sh.ok(&format!(
        "dropwatch gateway --gateway paybox --once --settle 0s --responder '{DECRYPTING_RESPONDER}' gw2"
    ));
    let status =
        std::fs::read_to_string(sh.path("gw2/shop/out/1999888.032.000001.status.xml")).unwrap();
    assert!(status.contains("<Answer"), "{status}");
}

/// A full disk on the gateway's side is a local fault: the request is not
/// renamed, not recorded, the pass ends in trouble and says why; once
/// there is room, the next pass answers it. (Needs root, to mount a small
/// tmpfs; CI runs as root.)
#[test]
fn a_full_disk_leaves_the_request_for_the_next_pass() {
    let sh = Sh::new();
    if !util::runs_as_root(
        "a_full_disk_leaves_the_request_for_the_next_pass",
        "mount -t tmpfs",
    ) {
        return;
    }
    // Each account on a small file system of its own, as a gateway's
    // disk: the request is on it, then it is filled.
    sh.ok("mkdir -p ly/12345678 gw/shop");
    let mount = |dir: &str| {
        let st = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
            .arg(sh.path(dir))
            .status()
            .unwrap();
        assert!(st.success(), "mount {dir}");
    };
    struct Unmount(Vec<std::path::PathBuf>);
    impl Drop for Unmount {
        fn drop(&mut self) {
            for p in &self.0 {
                let _ = Command::new("umount").arg(p).status();
            }
        }
    }
    let _guard = Unmount(vec![sh.path("ly/12345678"), sh.path("gw/shop")]);
    mount("ly/12345678");
    mount("gw/shop");
    sh.ok(&format!(
        "mkdir -p ly/12345678/request_ips ly/12345678/result_ips gw/shop/in gw/shop/out
         xmlbatch build --format lyra --shop 12345678 --mode test --date 20261201 --time 101010 \"$SAMPLES/lyra-payments.csv\" -o ly/12345678/request_ips/20261201.12345678.PAY.REQ.T.01
         {BUILD} --batch 1 -o gw/shop/in/1999888.032.000001.xml
         head -c 1000000 /dev/zero > ly/12345678/fill 2>/dev/null; head -c 1000000 /dev/zero > gw/shop/fill 2>/dev/null; true"
    ));
    for (gateway, root, request) in [
        (
            "lyra",
            "ly",
            "ly/12345678/request_ips/20261201.12345678.PAY.REQ.T.01",
        ),
        ("paybox", "gw", "gw/shop/in/1999888.032.000001.xml"),
    ] {
        let out = sh.run(&format!(
            "dropwatch gateway --gateway {gateway} --once --settle 0s --no-retention {root}"
        ));
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{gateway}: {err}");
        assert!(
            err.contains("No space left on device")
                && err.contains("left in place for the next pass"),
            "{gateway}: {err}"
        );
        assert!(
            sh.path(request).exists(),
            "{gateway}: the request was moved"
        );
        assert!(events(&out.stdout)
            .iter()
            .all(|e| e["type"] != "request_rejected" && e["type"] != "question_rejected"));
        let state = std::fs::read_to_string(sh.path(&format!("{root}/.dropwatch-gateway.json")))
            .unwrap_or_default();
        let name = request.rsplit('/').next().unwrap();
        assert!(!state.contains(name), "{gateway}: recorded: {state}");
    }
    // Room again: answered.
    sh.ok("rm ly/12345678/fill gw/shop/fill");
    let out = sh.ok("dropwatch gateway --gateway lyra --once --settle 0s --no-retention ly");
    assert!(out.contains("request_answered"), "{out}");
    let out = sh.ok("dropwatch gateway --gateway paybox --once --settle 0s gw");
    assert!(out.contains("question_answered"), "{out}");
}

/// Every event is written and flushed when it happens, and only once its
/// answer is durable: the log of a running gateway holds a line for each
/// request it answered (nothing waits in a buffer for the run to end), a
/// kill -9 takes none back, and every answer a line names is there, whole.
#[test]
fn events_reach_the_log_before_a_kill() {
    let sh = Sh::new();
    sh.ok(&format!(
        "mkdir -p gw/shop/in
         for b in 1 2 3 4; do {BUILD} --batch $b -o gw/shop/in/1999888.032.00000$b.xml; done"
    ));
    let log = std::fs::File::create(sh.path("events.log")).unwrap();
    let mut child = Command::new(util::bin_dir().join("dropwatch"))
        .args([
            "gateway",
            "--gateway",
            "paybox",
            "--every",
            "50ms",
            "--settle",
            "0s",
            "gw",
        ])
        .current_dir(sh.dir.path())
        .env(
            "PATH",
            format!("{}:/usr/bin:/bin", util::bin_dir().display()),
        )
        .stdout(Stdio::from(log))
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let answered = || {
        std::fs::read_to_string(sh.path("events.log"))
            .unwrap()
            .lines()
            .filter(|l| l.contains("question_answered"))
            .map(String::from)
            .collect::<Vec<_>>()
    };
    util::wait_for(
        || answered().len() == 4,
        "four answers in the running gateway's log",
    );
    child.kill().unwrap();
    child.wait().unwrap();
    let lines = answered();
    assert_eq!(lines.len(), 4, "{lines:?}");
    for line in lines {
        let ev: serde_json::Value = serde_json::from_str(&line).unwrap();
        let answer = sh.dir.path().join(ev["path"].as_str().unwrap());
        let size = std::fs::metadata(&answer)
            .unwrap_or_else(|e| panic!("{line}: the answer it names: {e}"))
            .len();
        assert!(size > 0, "{line}: an empty answer");
        assert_eq!(ev["size"], size, "{line}: the answer is not as logged");
    }
}

/// `gateway --once` on files younger than --settle says so.
#[test]
fn files_left_to_settle_are_counted_on_stderr() {
    let sh = Sh::new();
    sh.ok(&format!(
        "mkdir -p gw/shop/in && {BUILD} --batch 1 -o gw/shop/in/1999888.032.000001.xml"
    ));
    let out = sh.run("dropwatch gateway --gateway paybox --once --settle 1h gw");
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("1 file(s) left for a later pass") && err.contains("--settle 1h"),
        "{err}"
    );
}

/// `sweep` too writes each event when it happens: killed while it
/// compresses a large file, it has logged the four it compressed before;
/// the next sweep removes what it left and says so (`cleaned`).
#[test]
fn a_killed_sweep_has_logged_what_it_did_and_the_next_one_cleans_up() {
    let sh = Sh::new();
    sh.ok("mkdir -p drop
         for f in a b c d; do echo $f > drop/$f; done
         head -c 20000000 /dev/urandom > drop/e
         touch -d '10 days ago' drop/a drop/b drop/c drop/d drop/e");
    let log = std::fs::File::create(sh.path("sweep.log")).unwrap();
    let mut child = Command::new(util::bin_dir().join("dropwatch"))
        .args(["sweep", "drop"])
        .current_dir(sh.dir.path())
        .stdout(Stdio::from(log))
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until it works on e: its temporary file is there.
    let working = || {
        std::fs::read_dir(sh.path("drop"))
            .unwrap()
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with(".e.gz."))
    };
    util::wait_for(
        || working() || !matches!(child.try_wait(), Ok(None)),
        "the sweep to start on the large file",
    );
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        working(),
        "the sweep ended before it started on the large file"
    );
    let text = std::fs::read_to_string(sh.path("sweep.log")).unwrap();
    let compressed = text
        .lines()
        .filter(|l| l.contains("\"compressed\""))
        .count();
    assert_eq!(compressed, 4, "{text}");
    // (e itself is set aside, not to spend the test compressing it.)
    let out = sh.ok("mv drop/e e && dropwatch sweep drop");
    assert!(out.contains("\"cleaned\""), "{out}");
    let left: Vec<String> = std::fs::read_dir(sh.path("drop"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(left.iter().all(|n| !n.ends_with(".paylot-tmp")), "{left:?}");
}

/// The sandbox's default responder (xmlbatch respond) takes no document
/// outside the Question namespace for a Question: its status 2 on one was
/// taken for a local fault, the Question left in in/ for ever and every
/// pass ending in status 2. The sandbox answers it with its `.err`, in
/// respond's words (the rule once: `Header::namespace_problem`).
#[test]
fn a_question_outside_the_question_namespace_gets_its_err_from_the_sandbox() {
    let sh = Sh::new();
    sh.ok(
        "mkdir -p sb/m/in && printf '%s\\n' '<PayboxBatch BatchNumber=\"1\"><Merchant Site=\"1999888\" Rank=\"032\"><Question Number=\"1\" Type=\"00003\"/></Merchant></PayboxBatch>' > sb/m/in/1999888.032.000001.xml",
    );
    let out = sh.run("dropwatch gateway --gateway paybox --once --settle 0s sb");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("local fault"), "{stderr}");
    let err = std::fs::read_to_string(sh.path("sb/m/out/1999888.032.000001.err")).unwrap();
    assert!(err.contains("the namespace is missing"), "{err}");
    assert!(!sh.path("sb/m/in/1999888.032.000001.xml").exists());
}
