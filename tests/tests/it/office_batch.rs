//! Sips Office Batch rehearsed through the real binaries: a CSV built
//! into a request file, dropped in the sandbox's tree, answered with one
//! response file by xmlbatch respond, read back by xmlbatch status.

use crate::util::Sh;

#[test]
fn the_sandbox_answers_an_office_batch_request_with_one_response_file() {
    let sh = Sh::new();
    std::fs::write(
        sh.path("ops.csv"),
        "function,recordSequence,merchantId,transactionReference,operationOrigin,comment\n\
         refuseChallenge,1,023101122334456,SIM20220329092501,origin,comment\n\
         refuseChallenge,2,023101122334456,REF2,origin,comment\n",
    )
    .unwrap();
    let events = sh.ok(r#"set -e
        mkdir -p sb/shop/in
        xmlbatch build --format sips-office-batch --remitter 023101122334455 -q -o req.csv ops.csv
        xmlbatch check -q req.csv
        # A reference the platform would name in officeBatchResponseCode.
        sed -i 's/;REF2;/;BAD-REF;/' req.csv
        cp req.csv sb/shop/in/.ops.part && mv sb/shop/in/.ops.part sb/shop/in/ops.csv
        echo 'not a batch' > sb/shop/in/notes.txt
        dropwatch gateway --gateway sips-office-batch --once --settle 0s sb"#);
    let events: Vec<serde_json::Value> = events
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let of =
        |t: &str| -> Vec<&serde_json::Value> { events.iter().filter(|e| e["type"] == t).collect() };
    assert_eq!(of("request_answered").len(), 1, "{events:?}");
    assert_eq!(of("request_answered")[0]["gateway"], "sips-office-batch");
    assert_eq!(of("request_answered")[0]["answer"], "ops.csv.response");
    assert_eq!(of("request_rejected").len(), 1, "{events:?}");
    assert_eq!(of("request_rejected")[0]["request"], "notes.txt");
    let err = std::fs::read_to_string(sh.path("sb/shop/out/notes.txt.err")).unwrap();
    assert!(err.contains("not an Office Batch request file"), "{err}");
    assert!(sh.path("sb/shop/processed/ops.csv").is_file());
    let out = sh.run("xmlbatch status -q sb/shop/out/ops.csv.response");
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let codes: Vec<(String, String)> = r
        .records()
        .map(Result::unwrap)
        .map(|row| (row[4].to_string(), row[6].to_string()))
        .collect();
    assert_eq!(
        codes,
        [
            ("00".to_string(), "unknown".to_string()),
            ("03".to_string(), "refused".to_string())
        ]
    );
}
