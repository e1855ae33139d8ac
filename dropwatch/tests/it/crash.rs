//! kill -9 at many points of gateway, sweep and watch: no file lost, no half
//! answer or .gz under its final name, no request answered twice.

use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::process::Stdio;
use std::time::{Duration, SystemTime};

use crate::util::*;

/// Deterministic pseudo-random delays (no timing assertion: the delays
/// only spread the kills over the run).
struct Lcg(u64);

impl Lcg {
    fn next_ms(&mut self, max: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % max
    }
}

fn kill_after(d: &Dir, args: &[&str], ms: u64) -> String {
    let mut child = d
        .cmd()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(ms));
    let _ = child.kill(); // SIGKILL
    let out = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn req(i: usize) -> String {
    format!("20261123.12345678.PAY.REQ.T.{i:02}")
}

fn ans(i: usize) -> String {
    format!("20261123.12345678.PAY.ANS.T.{i:02}")
}

fn content(i: usize) -> String {
    format!(
        "00;PAY;06;12345678;TEST;20261123;120000;\n02;{i};payload {}\n01;1\n",
        "x".repeat(i * 10)
    )
}

const SLOW_RESPONDER: &str = "printf 'ANS '; sleep 0.01; cat; echo END";

#[test]
fn gateway_survives_kill_9_at_any_point() {
    let d = Dir::new();
    let n = 8;
    for i in 1..=n {
        d.write(&format!("12345678/request_ips/{}", req(i)), &content(i));
    }
    d.write("12345678/request_ips/not-a-request", "x");
    let args = [
        "gateway",
        "--scheme",
        "lyra",
        "--once",
        "--settle",
        "0s",
        "--no-retention",
        "--responder",
        SLOW_RESPONDER,
        ".",
    ];
    let mut rng = Lcg(5);
    let mut answer_inode: HashMap<usize, u64> = HashMap::new();
    let check = |answer_inode: &mut HashMap<usize, u64>, when: &str| {
        for i in 1..=n {
            let in_req = d.path(&format!("12345678/request_ips/{}", req(i)));
            let in_res = d.path(&format!("12345678/result_ips/{}", req(i)));
            // never lost, never in two places, never altered
            let places = [&in_req, &in_res].iter().filter(|p| p.exists()).count();
            assert_eq!(
                places,
                1,
                "{when}: request {i} in {places} places\n{}",
                d.tree()
            );
            let p = if in_req.exists() { &in_req } else { &in_res };
            assert_eq!(fs::read_to_string(p).unwrap(), content(i), "{when}");
            // an answer under its final name is always whole, and written once
            let a = d.path(&format!("12345678/result_ips/{}", ans(i)));
            if let Ok(m) = fs::metadata(&a) {
                assert_eq!(
                    fs::read_to_string(&a).unwrap(),
                    format!("ANS {}END\n", content(i)),
                    "{when}: half answer {i}"
                );
                let ino = *answer_inode.entry(i).or_insert(m.ino());
                assert_eq!(ino, m.ino(), "{when}: answer {i} written twice");
            }
        }
        let names = d.tree();
        assert!(
            !names.contains("_DUPLICATE"),
            "{when}: a request taken for a duplicate\n{names}"
        );
        // the state file is always whole
        if d.exists(".dropwatch-gateway.json") {
            let _: serde_json::Value =
                serde_json::from_str(&d.read(".dropwatch-gateway.json")).expect("state file JSON");
        }
    };
    let answered = || {
        d.files("12345678/result_ips")
            .iter()
            .filter(|f| f.contains(".ANS.") && !f.ends_with(".paylot-tmp"))
            .count()
    };
    // One kill surely lands in the middle of a run: the third responder
    // waits for the test's word, and the run is killed once two requests
    // are answered and the third is with its responder.
    let gated = format!(
        "n=$(cat count 2>/dev/null || echo 0); echo $((n + 1)) > count; \
         if [ \"$n\" = 2 ]; then while [ ! -e go ]; do sleep 0.01; done; fi; {SLOW_RESPONDER}"
    );
    let mut first = args;
    first[8] = &gated;
    let mut child = d
        .cmd()
        .args(first)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for(
        || d.exists("count") && d.read("count").trim() == "3",
        "the third request to reach its responder",
    );
    child.kill().unwrap();
    child.wait().unwrap();
    d.write("go", "");
    check(&mut answer_inode, "killed with two requests answered");
    assert_eq!(answered(), 2, "{}", d.tree());
    // Then kills spread over runs; the range widens so that a slow
    // (loaded) machine still gets some in the middle of runs.
    for it in 0..20 {
        let ms = rng.next_ms(40 + it * 20);
        kill_after(&d, &args, ms);
        check(
            &mut answer_inode,
            &format!("iteration {it} (killed after {ms} ms)"),
        );
    }
    // Responders orphaned by the kills may still hold requests open (their
    // standard input): a run to the end starts once they are done.
    for i in 1..=n {
        for dir in ["request_ips", "result_ips"] {
            let p = d.path(&format!("12345678/{dir}/{}", req(i)));
            if p.exists() {
                closed(&p);
            }
        }
    }
    let r = d.run(&args);
    r.expect(0);
    check(&mut answer_inode, "final run");
    for i in 1..=n {
        assert!(
            d.exists(&format!("12345678/result_ips/{}", ans(i))),
            "{}",
            d.tree()
        );
        assert!(!d.exists(&format!("12345678/request_ips/{}", req(i))));
    }
    assert!(d.exists("12345678/request_ips/not-a-request_ERROR"));
    let leftovers: Vec<String> = d
        .tree()
        .lines()
        .filter(|l| l.ends_with(".tmp"))
        .map(String::from)
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    let st: serde_json::Value = serde_json::from_str(&d.read(".dropwatch-gateway.json")).unwrap();
    assert_eq!(st["pending"], serde_json::json!([]));
    // Nothing more to do.
    assert!(d.run(&args).events().is_empty());
}

fn gunzip(p: &std::path::Path) -> Option<Vec<u8>> {
    let mut v = Vec::new();
    flate2::read::GzDecoder::new(fs::File::open(p).ok()?)
        .read_to_end(&mut v)
        .ok()?;
    Some(v)
}

#[test]
fn sweep_survives_kill_9_at_any_point() {
    let d = Dir::new();
    let n = 24;
    let body = |i: usize| -> Vec<u8> {
        (0..300_000u32)
            .map(|k| ((k * 7 + i as u32 * 13) % 251) as u8)
            .collect()
    };
    let eight_days_ago = SystemTime::now() - Duration::from_secs(8 * 86400);
    let mtimes: Vec<SystemTime> = (0..n)
        .map(|i| eight_days_ago - Duration::from_secs(i as u64))
        .collect();
    let reset = || {
        let _ = fs::remove_dir_all(d.path("t"));
        fs::create_dir_all(d.path("t")).unwrap();
        for (i, mtime) in mtimes.iter().enumerate() {
            write_closed(&d.path(&format!("t/f{i:02}")), &body(i), Some(*mtime));
        }
    };
    reset();
    let args = ["sweep", "t"];
    let mut rng = Lcg(11);
    let check = |when: &str| {
        for (i, mtime) in mtimes.iter().enumerate() {
            let p = d.path(&format!("t/f{i:02}"));
            let gz = d.path(&format!("t/f{i:02}.gz"));
            assert!(
                p.exists() || gz.exists(),
                "{when}: f{i:02} lost\n{}",
                d.tree()
            );
            if p.exists() {
                assert_eq!(fs::read(&p).unwrap(), body(i), "{when}: original altered");
            }
            if gz.exists() {
                assert_eq!(
                    gunzip(&gz).as_deref(),
                    Some(&body(i)[..]),
                    "{when}: half .gz f{i:02}"
                );
                assert_eq!(fs::metadata(&gz).unwrap().modified().unwrap(), *mtime);
            }
        }
    };
    // One kill lands in the middle of a run: as soon as one file is
    // compressed and the next one is being written. A run that ends before
    // this test has looked (a starved test thread) is done again on a
    // fresh copy of the tree.
    let done = || d.files("t").iter().filter(|f| f.ends_with(".gz")).count();
    let writing = || d.files("t").iter().any(|f| f.ends_with(".paylot-tmp"));
    let mut caught = false;
    for _ in 0..10 {
        let mut child = d
            .cmd()
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        while !(done() > 0 && writing()) && matches!(child.try_wait(), Ok(None)) {
            std::thread::sleep(Duration::from_millis(1));
        }
        let _ = child.kill();
        child.wait().unwrap();
        check("killed while compressing");
        if (1..n).contains(&done()) {
            caught = true;
            break;
        }
        reset();
    }
    assert!(caught, "no kill landed in the middle of a run in 10 tries");
    // Then kills spread over runs.
    for it in 0..20 {
        let ms = rng.next_ms(60 + it * 25);
        kill_after(&d, &args, ms);
        check(&format!("iteration {it} (killed after {ms} ms)"));
    }
    d.run(&args).expect(0);
    check("final run");
    let expected: Vec<String> = (0..n).map(|i| format!("f{i:02}.gz")).collect();
    assert_eq!(d.files("t"), expected);
}

#[test]
fn watch_survives_kill_9_and_reports_everything() {
    let d = Dir::new();
    let n = 300;
    for i in 0..n {
        d.write(
            &format!(
                "drop/d{}/2026112{}.12345678.PAY.REQ.T.{:02}",
                i % 10,
                i / 99 + 1,
                i % 99 + 1
            ),
            "r",
        );
    }
    let args = ["watch", "--once", "--settle", "0s", "drop"];
    let mut rng = Lcg(3);
    let mut seen = BTreeSet::new();
    for _ in 0..10 {
        let out = kill_after(&d, &args, rng.next_ms(40));
        for line in out.lines() {
            // a killed run may end in the middle of a line: only whole lines count
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(line) {
                seen.insert(v["path"].as_str().unwrap().to_string());
            }
        }
        if d.exists("drop/.dropwatch-watch.json") {
            let _: serde_json::Value =
                serde_json::from_str(&d.read("drop/.dropwatch-watch.json")).expect("state JSON");
        }
    }
    let r = d.run(&args);
    r.expect(0);
    for e in r.events() {
        seen.insert(e["path"].as_str().unwrap().to_string());
    }
    assert_eq!(seen.len(), n, "every file reported at least once");
    assert!(d.run(&args).events().is_empty(), "then never again");
}
