//! One rule for what a run leaves behind, in every tool
//! (docs/conventions.md): a run that ends in trouble (status 2) leaves
//! nothing — standard output empty, `-o FILE` neither created nor
//! replaced; a document is written only whole and good; a stream of
//! records that went to its end (status 0 or 1) is the same on standard
//! output and in `-o FILE`.

use crate::util::Sh;

const OLD: &str = "the good file from yesterday\n";

/// Run `script` twice, to stdout and with `-o out` over an existing
/// file: (status, stdout, what `out` holds after).
fn both_ways(sh: &Sh, script: &str) -> (i32, String, String, i32) {
    let out = sh.run(script);
    std::fs::write(sh.path("out"), OLD).unwrap();
    let to_file = sh.run(&format!("{script} -o out"));
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        std::fs::read_to_string(sh.path("out")).unwrap(),
        to_file.status.code().unwrap(),
    )
}

#[test]
fn a_run_in_trouble_leaves_nothing_on_stdout_nor_in_the_file() {
    let sh = Sh::new();
    sh.ok(
        "printf 'secret123' > sips.key; chmod 600 sips.key
         printf '{\"amount\":\"1\"}\\n{\"amount\":\\n' > one-bad.jsonl
         xmlbatch build --site 1999888 --rank 32 --batch 1 \"$SAMPLES/paybox-operations.csv\" > q.xml
         printf '<PayboxBatch><Merchant' > broken.xml
         mkdir adir",
    );
    for script in [
        "seal compute --jsonl --key-file sips.key one-bad.jsonl",
        "seal verify --jsonl --key-file sips.key one-bad.jsonl",
        "seal explain --jsonl one-bad.jsonl",
        "xmlbatch status q.xml",
        "xmlbatch respond broken.xml",
        "xmlbatch build --site 1999888 --rank 32 --batch 1 broken.xml",
        "pgpwrap encrypt --recipient gateway.pub adir",
        "pgpwrap sign --key gateway.pub q.xml",
        "pgpwrap decrypt --key gateway.key --verify-with shop.pub q.xml",
    ] {
        let (status, stdout, file, file_status) = both_ways(&sh, script);
        assert_eq!((status, file_status), (2, 2), "{script}");
        assert_eq!(stdout, "", "{script}: stdout");
        assert_eq!(file, OLD, "{script}: -o FILE was replaced");
    }
    // dropwatch check has no -o: its stdout.
    let out = sh.run("dropwatch check --gateway paybox q.xml nope.xml");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}

#[test]
fn a_document_is_written_only_whole_and_good() {
    let sh = Sh::new();
    sh.ok(
        "printf 'type,amount,currency,reference,pan,expiry,cvv\\nauthorize,1000,EUR,R1,1111222233334444,'\"$EXPIRY\"',123\\nauthorize,12.50,EUR,R2,1111222233334444,'\"$EXPIRY\"',123\\n' > rows.csv
         xmlbatch build --site 1999888 --rank 32 --batch 1 \"$SAMPLES/paybox-operations.csv\" | pgpwrap encrypt --recipient gateway.pub --sign-with shop.key --element Merchant > enc.xml
         sed 's/BatchNumber=\"1\"/BatchNumber=\"2\"/' enc.xml > tampered.xml",
    );
    for script in [
        "xmlbatch build --site 1999888 --rank 32 --batch 1 rows.csv",
        "pgpwrap decrypt --key gateway.key --verify-with shop.pub --element Merchant tampered.xml",
    ] {
        let (status, stdout, file, file_status) = both_ways(&sh, script);
        assert_eq!((status, file_status), (1, 1), "{script}");
        assert_eq!(stdout, "", "{script}: stdout");
        assert_eq!(file, OLD, "{script}: -o FILE was replaced");
    }
}

#[test]
fn records_that_went_to_their_end_are_the_same_on_stdout_and_in_the_file() {
    let sh = Sh::new();
    sh.ok(
        "printf 'secret123' > sips.key; chmod 600 sips.key
         printf '{\"amount\":\"1\",\"seal\":\"00\"}\\n{\"amount\":\"2\",\"seal\":\"00\"}\\n' > bad-seals.jsonl
         xmlbatch build --site 1999888 --rank 32 --batch 1 \"$SAMPLES/paybox-operations.csv\" | xmlbatch respond > status.xml",
    );
    for (script, want) in [
        ("seal verify --jsonl --key-file sips.key bad-seals.jsonl", 1),
        ("xmlbatch status status.xml", 1),
        ("xmlbatch status --output-format jsonl status.xml", 1),
    ] {
        let (status, stdout, file, file_status) = both_ways(&sh, script);
        assert_eq!((status, file_status), (want, want), "{script}");
        assert!(!stdout.is_empty(), "{script}");
        assert_eq!(file, stdout, "{script}: -o FILE differs from stdout");
    }
}

/// A reader that goes away ends the run quietly, in every tool: status
/// 0, nothing on stderr (a sweep once printed a line per file left).
#[test]
fn a_closed_pipe_ends_every_tool_quietly() {
    let sh = Sh::new();
    sh.ok(
        "printf 'secret123' > sips.key; chmod 600 sips.key
         for i in $(seq 1500); do echo '{\"amount\":\"1\",\"orderId\":\"'$i'\"}'; done > many.jsonl
         seal compute -q --jsonl --key-file sips.key many.jsonl > sealed.jsonl
         printf 'type,amount,currency,reference,pan,expiry,cvv\\n' > many.csv
         for i in $(seq 1500); do echo \"authorize,1000,EUR,R$i,1111222233334444,$EXPIRY,123\"; done >> many.csv
         xmlbatch build -q --site 1999888 --rank 32 --batch 1 many.csv > q.xml
         xmlbatch respond q.xml > status.xml
         head -c 120000 /dev/urandom | base64 > plain.txt
         pgpwrap encrypt --recipient gateway.pub --sign-with shop.key -o plain.pgp plain.txt
         mkdir -p sweep; for i in $(seq 1500); do echo x > sweep/f$i; done; touch -d '30 days ago' sweep/*
         mkdir -p watch; for i in $(seq 1500); do echo x > watch/20261123.$((10000000+i)).PAY.REQ.T.01; done",
    );
    for cmd in [
        "seal compute --jsonl --key-file sips.key many.jsonl",
        "seal verify --jsonl --key-file sips.key sealed.jsonl",
        "seal explain --jsonl many.jsonl",
        "xmlbatch build --site 1999888 --rank 32 --batch 1 many.csv",
        "xmlbatch respond q.xml",
        "xmlbatch status status.xml",
        "pgpwrap decrypt --key gateway.key --verify-with shop.pub plain.pgp",
        "pgpwrap encrypt --recipient gateway.pub --sign-with shop.key --armor plain.txt",
        "dropwatch sweep --dry-run sweep",
        "dropwatch watch --once --no-state --settle 0s watch",
    ] {
        let out = sh.run(&format!(
            "{cmd} | head -c 10 > /dev/null; exit ${{PIPESTATUS[0]}}"
        ));
        let err = String::from_utf8_lossy(&out.stderr);
        let shown: String = err.chars().take(400).collect();
        assert_eq!(out.status.code(), Some(0), "{cmd}: {shown}");
        assert!(err.is_empty(), "{cmd}: {shown}");
    }
}

/// Standard output on /dev/null opened read-write is how Python's
/// `subprocess.DEVNULL`, systemd's `StandardOutput=null`, daemon(3) and
/// most supervisors start a program, and a closed standard input is how
/// cron and some supervisors leave it: every tool runs there as it does
/// from a shell (issue 21: stdout on /dev/null read-write was once taken
/// for a closed stdout, status 2).
#[test]
fn every_tool_runs_with_stdout_on_dev_null_read_write_and_stdin_closed() {
    let sh = Sh::new();
    sh.ok(
        "printf 'secret123' > sips.key; chmod 600 sips.key
         printf '{\"amount\":\"1\",\"orderId\":\"1\"}\\n' > one.jsonl
         seal compute -q --jsonl --key-file sips.key one.jsonl > sealed.jsonl
         xmlbatch build -q --site 1999888 --rank 32 --batch 1 \"$SAMPLES/paybox-operations.csv\" > q.xml
         xmlbatch respond q.xml > status.xml
         pgpwrap encrypt --recipient gateway.pub --sign-with shop.key -o q.pgp q.xml
         pgpwrap sign --key gateway.key -o status.gpg status.xml
         mkdir -p drop/12345678/request_ips old
         echo x > drop/12345678/request_ips/20261123.12345678.PAY.REQ.T.01
         echo x > old/f; touch -d '30 days ago' old/f",
    );
    // Each command, and its status (xmlbatch status: the sample batch has
    // refused answers).
    let commands = [
        ("seal compute -q --jsonl --key-file sips.key one.jsonl", 0),
        ("seal verify -q --jsonl --key-file sips.key sealed.jsonl", 0),
        ("seal explain \"$SAMPLES/paybox-system.json\"", 0),
        (
            "xmlbatch build -q --site 1999888 --rank 32 --batch 1 \"$SAMPLES/paybox-operations.csv\"",
            0,
        ),
        ("xmlbatch respond q.xml", 0),
        ("xmlbatch status -q status.xml", 1),
        ("xmlbatch check -q q.xml", 0),
        (
            "pgpwrap encrypt --recipient gateway.pub --sign-with shop.key q.xml",
            0,
        ),
        (
            "pgpwrap decrypt --key gateway.key --verify-with shop.pub q.pgp",
            0,
        ),
        ("pgpwrap verify --signer gateway.pub status.gpg", 0),
        ("pgpwrap inspect q.pgp", 0),
        (
            "dropwatch name --shop 12345678 --date 20261123 drop/12345678/request_ips",
            0,
        ),
        (
            "dropwatch check drop/12345678/request_ips/20261123.12345678.PAY.REQ.T.01",
            0,
        ),
        ("dropwatch watch --once --no-state --settle 0s drop", 0),
        ("dropwatch sweep old", 0),
    ];
    // From a shell (`> /dev/null`, write-only), then as Python, systemd
    // and cron start them: bash's `1<>` opens read-write, as Python does,
    // and `<&-` closes stdin.
    for redirect in ["> /dev/null", "1<>/dev/null <&-"] {
        for (cmd, want) in commands {
            sh.ok("echo x > old/f; touch -d '30 days ago' old/f");
            let out = sh.run(&format!("{cmd} {redirect}"));
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(want), "{cmd} {redirect}: {err}");
            assert!(!err.contains("closed"), "{cmd} {redirect}: {err}");
        }
    }
    // The very call of the issue, from Python.
    let out = sh.run(
        "python3 -c \"import subprocess, sys; sys.exit(subprocess.run(['seal', 'compute', \
         '--jsonl', '--key-file', 'sips.key', 'one.jsonl'], stdout=subprocess.DEVNULL, \
         stdin=subprocess.DEVNULL).returncode)\"",
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The data really is written there (not merely accepted): to a file
    // opened read-write the same way.
    let out = sh.run("seal compute -q --jsonl --key-file sips.key one.jsonl 1<>rw.jsonl <&-");
    assert!(out.status.success());
    assert_eq!(
        std::fs::read_to_string(sh.path("rw.jsonl")).unwrap(),
        std::fs::read_to_string(sh.path("sealed.jsonl")).unwrap()
    );
    // A tool that reads standard input finds it empty when it was closed,
    // and says so (trouble), whatever its standard output.
    let out = sh.run("seal explain 1<>/dev/null <&-");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("<stdin>"), "{err}");
}

/// Every `-o FILE` that may hold clear card data is its owner's alone
/// from creation, whatever the umask (docs/conventions.md): a signed
/// message holds its content in clear, and `encrypt --element` leaves
/// all but the element readable. What holds none of it (ciphertext, a
/// detached signature, a masked status) keeps the usual mode.
#[test]
fn outputs_that_may_hold_card_data_are_private_from_creation() {
    let sh = Sh::new();
    std::fs::write(
        sh.path("q.xml"),
        "<Q><Merchant>1999888</Merchant><Card>4970100000000000</Card></Q>\n",
    )
    .unwrap();
    let mode = |f: &str| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(sh.path(f)).unwrap().permissions().mode() & 0o777
    };
    sh.ok("umask 000
        pgpwrap sign --key shop.key -o signed.pgp q.xml
        pgpwrap sign --key shop.key --armor -o signed.asc q.xml
        pgpwrap encrypt --recipient gateway.pub --sign-with shop.key --element Merchant -o element.xml q.xml
        pgpwrap sign --key shop.key --detached -o detached.sig q.xml
        pgpwrap encrypt --recipient gateway.pub --sign-with shop.key -o whole.pgp q.xml");
    for private in ["signed.pgp", "signed.asc", "element.xml"] {
        assert_eq!(mode(private), 0o600, "{private}");
    }
    for usual in ["detached.sig", "whole.pgp"] {
        assert_eq!(mode(usual), 0o666, "{usual}");
    }
}
