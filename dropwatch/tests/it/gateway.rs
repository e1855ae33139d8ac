//! `dropwatch gateway`: the sandbox, both schemes, on real trees.

use std::fs;

use crate::util::*;

/// A responder writing a fake ANS: the request's first line, then a marker
/// with the names the gateway passed.
const RESPONDER: &str = "head -n 1; echo \"ANS for $DROPWATCH_REQUEST as $DROPWATCH_ANSWER\"";

fn lyra(d: &Dir, extra: &[&str]) -> Run {
    let mut args = vec![
        "gateway",
        "--scheme",
        "lyra",
        "--once",
        "--settle",
        "0s",
        "--responder",
        RESPONDER,
    ];
    args.extend_from_slice(extra);
    args.push(".");
    d.run(&args)
}

fn paybox(d: &Dir, extra: &[&str]) -> Run {
    let mut args = vec![
        "gateway",
        "--scheme",
        "paybox",
        "--once",
        "--settle",
        "0s",
        "--responder",
        "cat; echo STATUS",
    ];
    args.extend_from_slice(extra);
    args.push(".");
    d.run(&args)
}

#[test]
fn lyra_answers_a_valid_request_and_moves_it() {
    let d = Dir::new();
    d.write(
        &format!("12345678/request_ips/{REQ1}"),
        "00;PAY;06;12345678\n02;1\n01;1\n",
    );
    let r = lyra(&d, &[]);
    r.expect(0);
    let ev = r.of_type("request_answered");
    assert_eq!(ev.len(), 1, "{}", r.describe());
    assert_eq!(ev[0]["request"], REQ1);
    assert_eq!(ev[0]["answer"], ANS1);
    assert_eq!(ev[0]["version"], 1);
    assert_eq!(d.files("12345678/request_ips"), Vec::<String>::new());
    assert_eq!(
        d.files("12345678/result_ips"),
        vec![ANS1.to_string(), REQ1.to_string()]
    );
    assert_eq!(
        d.read(&format!("12345678/result_ips/{ANS1}")),
        format!("00;PAY;06;12345678\nANS for {REQ1} as {ANS1}\n")
    );
}

#[test]
fn lyra_validation_order_error_error_duplicate() {
    let d = Dir::new();
    // (1) bad name, even when empty: _ERROR for the name
    d.write(
        "12345678/request_ips/20261123.12345678.PAY.REQ.T.01.csv",
        "",
    );
    // (2) empty
    d.write("12345678/request_ips/20261123.12345678.PAY.REQ.T.02", "");
    // ignored by scans
    d.write(
        "12345678/request_ips/20261123.12345678.PAY.REQ.T.03_ERROR",
        "x",
    );
    d.write(
        "12345678/request_ips/20261123.12345678.PAY.REQ.T.04.gz",
        "x",
    );
    d.write(&format!("12345678/request_ips/{REQ1}"), "x\n");
    // an upload in progress under a hidden temporary name
    d.write("12345678/request_ips/.upload.part", "x");
    let r = lyra(&d, &[]);
    r.expect(0);
    assert_eq!(d.read("12345678/request_ips/.upload.part"), "x");
    let rej = r.of_type("request_rejected");
    assert_eq!(rej.len(), 2, "{}", r.describe());
    let by = |n: &str| rej.iter().find(|e| e["request"] == n).unwrap().clone();
    let e = by("20261123.12345678.PAY.REQ.T.01.csv");
    assert_eq!(e["reason"], "error");
    assert!(e["detail"].as_str().unwrap().contains("bad name"));
    let e = by("20261123.12345678.PAY.REQ.T.02");
    assert_eq!(e["reason"], "error");
    assert!(e["detail"].as_str().unwrap().contains("empty"));
    assert!(d.exists("12345678/request_ips/20261123.12345678.PAY.REQ.T.01.csv_ERROR"));
    assert!(d.exists("12345678/request_ips/20261123.12345678.PAY.REQ.T.02_ERROR"));
    assert_eq!(
        d.read("12345678/request_ips/20261123.12345678.PAY.REQ.T.03_ERROR"),
        "x"
    );
    assert_eq!(
        d.read("12345678/request_ips/20261123.12345678.PAY.REQ.T.04.gz"),
        "x"
    );

    // (3) a name seen before, also after a restart (a new process), is a duplicate,
    // even once the first one has gone from result_ips.
    fs::remove_file(d.path(&format!("12345678/result_ips/{REQ1}"))).unwrap();
    d.write(&format!("12345678/request_ips/{REQ1}"), "again\n");
    let r = lyra(&d, &[]);
    r.expect(0);
    let rej = r.of_type("request_rejected");
    assert_eq!(rej.len(), 1, "{}", r.describe());
    assert_eq!(rej[0]["reason"], "duplicate");
    assert_eq!(
        d.read(&format!("12345678/request_ips/{REQ1}_DUPLICATE")),
        "again\n"
    );
    // A third upload never overwrites the first _DUPLICATE.
    d.write(&format!("12345678/request_ips/{REQ1}"), "third\n");
    lyra(&d, &[]).expect(0);
    assert_eq!(
        d.read(&format!("12345678/request_ips/{REQ1}_DUPLICATE")),
        "again\n"
    );
    assert_eq!(
        d.read(&format!("12345678/request_ips/{REQ1}_DUPLICATE.2")),
        "third\n"
    );
    // The answer was written once.
    assert!(d
        .read(&format!("12345678/result_ips/{ANS1}"))
        .starts_with("x\n"));
}

#[test]
fn lyra_responder_refusal_renames_error_and_writes_no_answer() {
    let d = Dir::new();
    d.write(&format!("12345678/request_ips/{REQ1}"), "x\n");
    let r = d.run(&[
        "gateway",
        "--scheme",
        "lyra",
        "--once",
        "--settle",
        "0s",
        "--responder",
        "echo partial; echo boom >&2; exit 1",
        ".",
    ]);
    r.expect(0);
    let rej = r.of_type("request_rejected");
    assert_eq!(rej.len(), 1, "{}", r.describe());
    assert!(rej[0]["detail"].as_str().unwrap().contains("boom"));
    assert!(d.exists(&format!("12345678/request_ips/{REQ1}_ERROR")));
    assert_eq!(d.files("12345678/result_ips"), Vec::<String>::new());
}

/// A local fault is never the merchant's error: the request is neither
/// renamed nor recorded as seen, and the next pass answers it.
#[test]
fn lyra_a_crashing_responder_leaves_the_request_untouched() {
    let d = Dir::new();
    d.write(&format!("12345678/request_ips/{REQ1}"), "x\n");
    let r = d.run(&[
        "gateway",
        "--gateway",
        "lyra",
        "--once",
        "--settle",
        "0s",
        "--responder",
        "echo partial; echo boom >&2; exit 3",
        ".",
    ]);
    r.expect(2);
    assert!(r.stderr().contains("status 3: boom"), "{}", r.describe());
    assert!(
        r.stderr().contains("left in place for the next pass"),
        "{}",
        r.describe()
    );
    assert!(r.of_type("request_rejected").is_empty());
    assert_eq!(d.files("12345678/request_ips"), vec![REQ1.to_string()]);
    assert_eq!(d.files("12345678/result_ips"), Vec::<String>::new());
    let state = d.read(".dropwatch-gateway.json");
    assert!(!state.contains(REQ1), "recorded as seen: {state}");
    let r = lyra(&d, &[]);
    r.expect(0);
    assert_eq!(r.of_type("request_answered").len(), 1, "{}", r.describe());
}

#[test]
fn lyra_does_not_take_a_file_still_open_or_too_young() {
    let d = Dir::new();
    let f = d.write(&format!("12345678/request_ips/{REQ1}"), "x\n");
    {
        let _h = Holder::new(&f);
        let r = lyra(&d, &[]);
        r.expect(0);
        assert!(r.events().is_empty(), "{}", r.describe());
        assert!(d.exists(&format!("12345678/request_ips/{REQ1}")));
    }
    // mtime younger than --settle: not yet
    let r = d.run(&[
        "gateway",
        "--scheme",
        "lyra",
        "--once",
        "--settle",
        "1h",
        "--responder",
        RESPONDER,
        ".",
    ]);
    r.expect(0);
    assert!(r.events().is_empty(), "{}", r.describe());
    let r = lyra(&d, &[]);
    assert_eq!(r.of_type("request_answered").len(), 1, "{}", r.describe());
}

#[test]
fn lyra_refuses_symlinks_without_following_them() {
    let d = Dir::new();
    let secret = d.write("outside/secret", "do not read\n");
    d.mkdir("12345678/request_ips");
    std::os::unix::fs::symlink(&secret, d.path(&format!("12345678/request_ips/{REQ1}"))).unwrap();
    // a shop whose request_ips is a link out of the tree
    d.mkdir("87654321");
    std::os::unix::fs::symlink(d.path("outside"), d.path("87654321/request_ips")).unwrap();
    let r = lyra(&d, &[]);
    r.expect(2);
    assert!(
        r.stderr().contains("symbolic link refused"),
        "{}",
        r.describe()
    );
    let rej = r.of_type("request_rejected");
    assert_eq!(rej.len(), 1, "{}", r.describe());
    assert!(rej[0]["detail"].as_str().unwrap().contains("symbolic link"));
    assert!(d
        .path(&format!("12345678/request_ips/{REQ1}_ERROR"))
        .symlink_metadata()
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(d.read("outside/secret"), "do not read\n");
    assert_eq!(d.files("outside"), vec!["secret".to_string()]);
    assert!(r.of_type("request_answered").is_empty());
}

#[test]
fn lyra_retention_compresses_then_purges() {
    let d = Dir::new();
    d.write_old(
        "12345678/result_ips/20261101.12345678.PAY.ANS.T.01",
        "old answer\n",
        8,
    );
    d.write_old(
        "12345678/result_ips/20261101.12345678.PAY.REQ.T.01",
        "old request\n",
        16,
    );
    d.write_old(
        "12345678/request_ips/20261101.12345678.PAY.REQ.T.02_ERROR",
        "x",
        8,
    );
    d.write_old(
        "12345678/request_ips/20261101.12345678.PAY.REQ.T.03_ERROR",
        "x",
        6,
    );
    let r = lyra(&d, &[]);
    r.expect(0);
    assert_eq!(r.of_type("compressed").len(), 1, "{}", r.describe());
    assert_eq!(r.of_type("purged").len(), 2, "{}", r.describe());
    assert_eq!(
        d.files("12345678/result_ips"),
        vec!["20261101.12345678.PAY.ANS.T.01.gz".to_string()]
    );
    assert_eq!(
        d.files("12345678/request_ips"),
        vec!["20261101.12345678.PAY.REQ.T.03_ERROR".to_string()]
    );
    let r = lyra(&d, &["--no-retention"]);
    assert!(r.events().is_empty(), "{}", r.describe());
}

#[test]
fn lyra_resumes_a_pending_request_without_calling_it_a_duplicate() {
    let d = Dir::new();
    d.write(&format!("12345678/request_ips/{REQ1}"), "x\n");
    // As left by a run killed right after it claimed the request.
    d.write(
        ".dropwatch-gateway.json",
        &format!(r#"{{"version":1,"seen":{{"12345678":["{REQ1}"]}},"last_batch":{{}},"pending":[{{"account":"12345678","name":"{REQ1}"}}]}}"#),
    );
    // and a half answer under a temporary name (of a pid that no longer
    // runs)
    d.write(
        &format!("12345678/result_ips/.{ANS1}.4999999.AbCdEf.paylot-tmp"),
        "half",
    );
    let r = lyra(&d, &[]);
    r.expect(0);
    assert_eq!(r.of_type("request_answered").len(), 1, "{}", r.describe());
    assert!(r.of_type("request_rejected").is_empty(), "{}", r.describe());
    assert_eq!(
        d.files("12345678/result_ips"),
        vec![ANS1.to_string(), REQ1.to_string()]
    );
    let st: serde_json::Value = serde_json::from_str(&d.read(".dropwatch-gateway.json")).unwrap();
    assert_eq!(st["pending"], serde_json::json!([]));
}

/// A Question file's readable part, as the gateway routes it: batch
/// `batch` of site 1999888 rank 032 (the questions are the responder's
/// business, not the sandbox's).
fn question(batch: u64) -> String {
    format!(
        "<?xml version=\"1.0\"?>\n<PayboxBatch xmlns=\"http://www.paybox.com/PayboxBatch\" BatchNumber=\"{batch}\" CreatedOn=\"2026-11-22T10:15:00+01:00\">\n<Merchant Site=\"1999888\" Rank=\"032\"><Question Number=\"0000000001\" Type=\"00003\"/></Merchant>\n</PayboxBatch>\n"
    )
}

#[test]
fn paybox_answers_and_rejects_like_the_gateway() {
    let d = Dir::new();
    d.write("m1/in/1999888.032.000002.xml", &question(2));
    d.write("m1/in/1999888.032.000001.xml", &question(1));
    d.write("m1/in/notes.txt", "x");
    d.write("m1/in/bad.xml", "<x/>");
    d.write("m1/in/1999888.032.000003.xml", "");
    d.write("m1/in/.upload.part", "x");
    let r = paybox(&d, &[]);
    r.expect(0);
    let ans = r.of_type("question_answered");
    assert_eq!(ans.len(), 2, "{}", r.describe());
    // in batch order
    assert_eq!(ans[0]["request"], "1999888.032.000001.xml");
    assert_eq!(ans[1]["request"], "1999888.032.000002.xml");
    assert_eq!(
        d.read("m1/out/1999888.032.000001.status.xml"),
        format!("{}STATUS\n", question(1))
    );
    assert_eq!(r.of_type("file_deleted").len(), 1);
    assert!(!d.exists("m1/in/notes.txt"));
    let rej = r.of_type("question_rejected");
    let reasons: Vec<&str> = rej.iter().map(|e| e["reason"].as_str().unwrap()).collect();
    assert_eq!(reasons, vec!["empty", "name"], "{}", r.describe());
    assert!(d.read("m1/out/bad.err").contains("bad name"));
    assert!(d.read("m1/out/1999888.032.000003.err").contains("empty"));
    assert_eq!(d.files("m1/in"), vec![".upload.part".to_string()]);

    // batch number not greater than the last one, after a restart
    d.write("m1/in/1999888.032.000002.xml", &question(2));
    let r = paybox(&d, &[]);
    let rej = r.of_type("question_rejected");
    assert_eq!(rej.len(), 1, "{}", r.describe());
    assert_eq!(rej[0]["reason"], "batch");
    assert!(d
        .read("m1/out/1999888.032.000002.err")
        .contains("not greater than the last one (2)"));
    assert_eq!(
        d.read("m1/out/1999888.032.000002.status.xml"),
        format!("{}STATUS\n", question(2))
    );
}

#[test]
fn paybox_responder_refusal_gives_an_err_file() {
    let d = Dir::new();
    d.write("m1/in/1999888.032.000001.xml", &question(1));
    let r = d.run(&[
        "gateway",
        "--scheme",
        "paybox",
        "--once",
        "--settle",
        "0s",
        "--responder",
        "echo 'bad signature' >&2; exit 1",
        ".",
    ]);
    r.expect(0);
    let rej = r.of_type("question_rejected");
    assert_eq!(rej.len(), 1, "{}", r.describe());
    assert_eq!(rej[0]["reason"], "responder");
    assert!(d
        .read("m1/out/1999888.032.000001.err")
        .contains("bad signature"));
    assert!(!d.exists("m1/out/1999888.032.000001.status.xml"));
}

/// A responder that crashes (any end but 0 or 1) is a local fault: the
/// Question is left in place, its batch number unused, the pass ends in
/// trouble; the next pass answers it.
#[test]
fn a_crashing_responder_leaves_the_question_in_place() {
    let d = Dir::new();
    d.write("m1/in/1999888.032.000001.xml", &question(1));
    for crash in ["echo oops >&2; exit 2", "kill -9 $$", "exit 0"] {
        let r = d.run(&[
            "gateway",
            "--gateway",
            "paybox",
            "--once",
            "--settle",
            "0s",
            "--responder",
            crash,
            ".",
        ]);
        r.expect(2);
        assert!(
            r.stderr().contains("local fault"),
            "{crash}: {}",
            r.describe()
        );
        assert!(
            r.of_type("question_rejected").is_empty(),
            "{crash}: {}",
            r.describe()
        );
        assert_eq!(
            d.files("m1/in"),
            vec!["1999888.032.000001.xml".to_string()],
            "{crash}"
        );
        assert_eq!(d.files("m1/out"), Vec::<String>::new(), "{crash}");
    }
    let r = paybox(&d, &[]);
    r.expect(0);
    assert_eq!(r.of_type("question_answered").len(), 1, "{}", r.describe());
}

#[test]
fn gateway_refuses_a_missing_root() {
    let d = Dir::new();
    let r = d.run(&["gateway", "--scheme", "lyra", "--once", "nope"]);
    r.expect(2);
    assert!(r.stderr().contains("not a directory"), "{}", r.describe());
}

#[test]
fn lyra_older_layout_depot_and_id() {
    let d = Dir::new();
    d.write(&format!("12345678/depot/{REQ1}"), "x\n");
    let r = lyra(&d, &[]);
    r.expect(0);
    assert_eq!(r.of_type("request_answered").len(), 1, "{}", r.describe());
    assert_eq!(
        d.files("12345678/id"),
        vec![ANS1.to_string(), REQ1.to_string()]
    );
}

#[test]
fn a_responder_that_cannot_run_leaves_the_request_pending() {
    let d = Dir::new();
    d.write(&format!("12345678/request_ips/{REQ1}"), "x\n");
    let r = d.run(&[
        "gateway",
        "--scheme",
        "lyra",
        "--once",
        "--settle",
        "0s",
        "--responder",
        "no-such-responder-command",
        ".",
    ]);
    r.expect(2);
    assert!(
        r.stderr().contains("the responder could not be run"),
        "{}",
        r.describe()
    );
    assert!(
        d.exists(&format!("12345678/request_ips/{REQ1}")),
        "{}",
        d.tree()
    );
    // Once the responder is fixed the request is answered, not called a duplicate.
    let r = lyra(&d, &[]);
    r.expect(0);
    assert_eq!(r.of_type("request_answered").len(), 1, "{}", r.describe());
    assert!(r.of_type("request_rejected").is_empty(), "{}", r.describe());
    // Paybox likewise
    d.write("m/in/1999888.032.000001.xml", &question(1));
    let r = d.run(&[
        "gateway",
        "--scheme",
        "paybox",
        "--once",
        "--settle",
        "0s",
        "--responder",
        "no-such-responder-command",
        ".",
    ]);
    r.expect(2);
    assert!(!d.exists("m/out/1999888.032.000001.err"), "{}", d.tree());
    let r = paybox(&d, &[]);
    r.expect(0);
    assert_eq!(r.of_type("question_answered").len(), 1, "{}", r.describe());
}

#[test]
fn every_mode_keeps_serving() {
    let d = Dir::new();
    d.mkdir("12345678/request_ips");
    let mut c = d.cmd();
    c.args([
        "gateway",
        "--scheme",
        "lyra",
        "--every",
        "100ms",
        "--settle",
        "0s",
        "--responder",
        RESPONDER,
        ".",
    ]);
    let gw = Running::start(c);
    for i in 1..=2 {
        let name = format!("20261123.12345678.PAY.REQ.T.{i:02}");
        d.write(&format!("12345678/request_ips/.{name}.part"), "x\n");
        fs::rename(
            d.path(&format!("12345678/request_ips/.{name}.part")),
            d.path(&format!("12345678/request_ips/{name}")),
        )
        .unwrap();
        let ev = gw.lines.next();
        assert_eq!(ev["type"], "request_answered", "{ev}");
        assert_eq!(ev["request"], name.as_str());
    }
}

#[test]
fn default_responder_is_xmlbatch_respond_next_to_dropwatch() {
    let d = Dir::new();
    d.mkdir("bin");
    let dropwatch = d.copy_exe(&bin(), "bin/dropwatch");
    d.script(
        "bin/xmlbatch",
        "#!/bin/sh\n[ \"$1\" = respond ] || exit 9\ncat; echo FAKE-XMLBATCH\n",
    );
    d.write(&format!("root/12345678/request_ips/{REQ1}"), "x\n");
    let out = std::process::Command::new(dropwatch)
        .args([
            "gateway", "--scheme", "lyra", "--once", "--settle", "0s", "root",
        ])
        .current_dir(d.path(""))
        .env("PATH", "/usr/bin:/bin")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        d.read(&format!("root/12345678/result_ips/{ANS1}")),
        "x\nFAKE-XMLBATCH\n"
    );
}

#[test]
fn lyra_on_schedule_takes_a_file_at_its_scan_only() {
    let d = Dir::new();
    // Uploaded three days ago: its scan and its answer time have passed.
    d.write_old(&format!("12345678/request_ips/{REQ1}"), "old\n", 3);
    // Uploaded now: its scan is still to come.
    let fresh = "20261123.12345678.PAY.REQ.P.02";
    d.write(&format!("12345678/request_ips/{fresh}"), "fresh\n");
    let r = lyra(&d, &["--on-schedule"]);
    r.expect(0);
    let scanned = r.of_type("request_scanned");
    assert_eq!(scanned.len(), 1, "{}", r.describe());
    assert_eq!(scanned[0]["request"], REQ1);
    assert!(scanned[0]["scan"].as_str().unwrap().contains('T'));
    let answered = r.of_type("request_answered");
    assert_eq!(answered.len(), 1, "{}", r.describe());
    assert_eq!(answered[0]["request"], REQ1);
    assert!(d.exists(&format!("12345678/result_ips/{ANS1}")));
    assert_eq!(d.read(&format!("12345678/request_ips/{fresh}")), "fresh\n");
    assert!(
        r.stderr().contains("1 file(s) wait for their scan"),
        "{}",
        r.describe()
    );
    // Without the option, the same file is taken at once.
    let r = lyra(&d, &[]);
    r.expect(0);
    assert_eq!(r.of_type("request_answered")[0]["request"], fresh);
}

/// The HTTP sandbox's secrets are each one pair of options (the one
/// group of paylot_cli::secret_options!, under the sandbox's prefix):
/// each option is said by its name where it means nothing, and a pair's
/// file and variable are one secret, not both.
#[test]
fn the_sandbox_secret_options_are_pairs_said_by_name() {
    let d = Dir::new();
    for option in [
        "--paybox-key-file",
        "--paybox-key-env",
        "--paybox-cle-file",
        "--paybox-cle-env",
        "--sips-key-file",
        "--sips-key-env",
    ] {
        let r = d.run(&["gateway", "--gateway", "lyra", option, "X", "."]);
        r.expect(2);
        assert!(
            r.stderr()
                .contains(&format!("{option} is for the HTTP sandbox (--http PORT)")),
            "{}",
            r.describe()
        );
    }
    for prefix in ["paybox-key", "paybox-cle", "sips-key"] {
        let (file, env) = (format!("--{prefix}-file"), format!("--{prefix}-env"));
        let r = d.run(&["gateway", "--http", "0", &file, "/k", &env, "K"]);
        r.expect(2);
        assert!(
            r.stderr().contains(&file) && r.stderr().contains(&env),
            "{}",
            r.describe()
        );
    }
}

/// An Office Batch request whose name is not UTF-8 is refused with its
/// `.err`: it was claimed under another spelling of its name, said
/// "disappeared before it was answered" at every pass (status 2), and
/// left in in/ unanswered for ever.
#[test]
fn office_batch_refuses_a_name_that_is_not_utf8_instead_of_losing_it() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let d = Dir::new();
    let in_dir = d.mkdir("shop/in");
    write_closed(
        &in_dir.join(OsStr::from_bytes(b"ops\xff.csv")),
        b"FILE;request;office;v19\nEND;0\n",
        None,
    );
    let r = d.run(&[
        "gateway",
        "--gateway",
        "sips-office-batch",
        "--once",
        "--settle",
        "0s",
        "--responder",
        "cat",
        ".",
    ]);
    r.expect(0);
    assert!(!r.stderr().contains("disappeared"), "{}", r.describe());
    let rej = r.of_type("request_rejected");
    assert_eq!(rej.len(), 1, "{}", r.describe());
    assert!(
        rej[0]["detail"]
            .as_str()
            .unwrap()
            .contains("not valid UTF-8"),
        "{}",
        r.describe()
    );
    assert_eq!(d.files("shop/in"), Vec::<String>::new());
    assert_eq!(d.files("shop/processed").len(), 1, "{}", d.tree());
    // A second pass has nothing left to say.
    let again = d.run(&[
        "gateway",
        "--gateway",
        "sips-office-batch",
        "--once",
        "--settle",
        "0s",
        "--responder",
        "cat",
        ".",
    ]);
    again.expect(0);
    assert_eq!(again.stdout(), "", "{}", again.describe());
}

/// A `--state` file in an account's upload directory is refused before
/// anything is done: the sandbox took it as an upload (Lyra renamed it
/// `_ERROR`, Paybox deleted it), forgetting every name seen, so that a
/// request uploaded again was answered as new, never `_DUPLICATE`.
#[test]
fn a_state_file_inside_a_drop_directory_is_refused() {
    let d = Dir::new();
    d.write(
        &format!("12345678/request_ips/{REQ1}"),
        "00;PAY;06;12345678\n02;1\n01;1\n",
    );
    let r = lyra(&d, &["--state", "12345678/request_ips/gw.json"]);
    r.expect(2);
    assert!(
        r.stderr().contains("inside the drop directory"),
        "{}",
        r.describe()
    );
    assert_eq!(r.stdout(), "", "{}", r.describe());
    assert_eq!(d.files("12345678/request_ips"), vec![REQ1.to_string()]);
    d.mkdir("acct/in");
    let r = paybox(&d, &["--state", "acct/in/state.json"]);
    r.expect(2);
    // Beside the accounts, it is the operator's to choose.
    lyra(&d, &["--state", "12345678/gw.json"]).expect(0);
    assert!(d.exists("12345678/gw.json"), "{}", d.tree());
}

/// A Question whose routing data reads well but which is malformed further
/// on gets its `.err` from the sandbox, as `dropwatch check` says the
/// gateway answers it: it went to the responder, whose status 2 on it
/// (xmlbatch respond's for malformed XML) was taken for a local fault,
/// and the Question stayed in in/ for ever, every pass ending in status 2.
#[test]
fn paybox_a_question_malformed_past_its_routing_data_gets_its_err() {
    let d = Dir::new();
    let name = "1999888.032.000001.xml";
    let broken = question(1).replace("</Merchant>", "<Question Number=\"2\"></Merchant>");
    let file = d.write(&format!("m1/in/{name}"), &broken);
    let check = d.run(&["check", "--gateway", "paybox", file.to_str().unwrap()]);
    check.expect(1);
    assert!(
        check.stderr().contains("1999888.032.000001.err"),
        "{}",
        check.describe()
    );
    // The responder xmlbatch respond is for a malformed document.
    let r = d.run(&[
        "gateway",
        "--gateway",
        "paybox",
        "--once",
        "--settle",
        "0s",
        "--responder",
        "echo 'malformed XML' >&2; exit 2",
        ".",
    ]);
    r.expect(0);
    let rej = r.of_type("question_rejected");
    assert_eq!(rej.len(), 1, "{}", r.describe());
    assert_eq!(rej[0]["reason"], "content");
    assert!(
        d.read("m1/out/1999888.032.000001.err")
            .contains("malformed XML"),
        "{}",
        d.tree()
    );
    assert_eq!(d.files("m1/in"), Vec::<String>::new());
}
