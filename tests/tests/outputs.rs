//! One rule for what a run leaves behind, in every tool
//! (docs/conventions.md): a run that ends in trouble (status 2) leaves
//! nothing — standard output empty, `-o FILE` neither created nor
//! replaced; a document is written only whole and good; a stream of
//! records that went to its end (status 0 or 1) is the same on standard
//! output and in `-o FILE`.

mod common;

use common::Sh;

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
        "printf 'type,amount,currency,reference,pan,expiry,cvv\\nauthorize,1000,EUR,R1,1111222233334444,1230,123\\nauthorize,12.50,EUR,R2,1111222233334444,1230,123\\n' > rows.csv
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
