//! kill -9 at many points of gateway, sweep and watch: no file lost, no half
//! answer or .gz under its final name, no request answered twice.

mod util;

use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::process::Stdio;
use std::time::Duration;

use util::*;

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
    let mut partial = 0;
    for it in 0..20 {
        // The range widens so that a slow (loaded) machine still gets kills
        // in the middle of runs, not only before the first action.
        let ms = rng.next_ms(40 + it * 20);
        kill_after(&d, &args, ms);
        check(
            &mut answer_inode,
            &format!("iteration {it} (killed after {ms} ms)"),
        );
        let answered = d
            .files("12345678/result_ips")
            .iter()
            .filter(|f| f.contains(".ANS."))
            .count();
        if answered > 0 && answered < n {
            partial += 1;
        }
    }
    // The kills did land in the middle of runs.
    assert!(
        partial > 0,
        "no kill interrupted a run: the test proves nothing"
    );
    // Let orphaned responders finish, then a run to the end.
    std::thread::sleep(Duration::from_millis(300));
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
    let mut mtimes = Vec::new();
    for i in 0..n {
        let p = d.path(&format!("t/f{i:02}"));
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, body(i)).unwrap();
        set_age(&p, Duration::from_secs(8 * 86400 + i as u64));
        mtimes.push(fs::metadata(&p).unwrap().modified().unwrap());
    }
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
    let mut partial = 0;
    for it in 0..20 {
        let ms = rng.next_ms(60 + it * 25);
        kill_after(&d, &args, ms);
        check(&format!("iteration {it} (killed after {ms} ms)"));
        let done = d.files("t").iter().filter(|f| f.ends_with(".gz")).count();
        if done > 0 && done < n {
            partial += 1;
        }
    }
    assert!(
        partial > 0,
        "no kill interrupted a run: the test proves nothing"
    );
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
