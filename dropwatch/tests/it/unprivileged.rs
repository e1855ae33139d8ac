//! dropwatch run by a user who cannot see other users' processes (issue
//! 21): every command asks one open-file test (the kernel's lease where it
//! answers, the walk of /proc where it cannot), and a file whose use
//! cannot be told is said and left alone as if open; an unreadable
//! directory is said, and the run ends with status 2, in every command.
//!
//! CI runs as root: the other user's open files are made and held by
//! root, and dropwatch runs as `nobody` through setpriv(1). Run as another
//! user, these tests cannot set that up and say "SKIPPED" on stderr (and
//! fail where every test must run: `PAYLOT_TESTS_ALL`, set by CI).

use std::os::unix::fs::{chown, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util;
use crate::util::*;

const NOBODY: u32 = 65534;

/// Runs dropwatch as nobody.
struct Nobody {
    bin: PathBuf,
}

fn setpriv() -> Command {
    let mut c = Command::new("setpriv");
    c.args([
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        "--inh-caps=-all",
    ]);
    c
}

/// The way to run dropwatch as nobody in `d` (made readable by all), or
/// None, said on stderr, when this process cannot.
fn nobody(d: &Dir, test: &str) -> Option<Nobody> {
    if !runs_as_root(
        test,
        "to run dropwatch as nobody, with files root holds open",
    ) {
        return None;
    }
    std::fs::set_permissions(d.path(""), std::fs::Permissions::from_mode(0o755)).unwrap();
    // The build's binary, if nobody may run it where it is; else a copy.
    let runs = |bin: &Path| {
        setpriv()
            .arg(bin)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let mut bin = util::bin();
    if !runs(&bin) {
        let copy = d.mkdir(".bin").join("dropwatch");
        std::fs::copy(&bin, &copy).unwrap();
        bin = copy;
    }
    if !runs(&bin) {
        skipped(test, "needs setpriv(1) to run dropwatch as nobody");
        return None;
    }
    Some(Nobody { bin })
}

impl Nobody {
    fn run(&self, d: &Dir, args: &[&str]) -> Run {
        let out = setpriv()
            .arg(&self.bin)
            .args(args)
            .current_dir(d.path(""))
            .env_remove("HOME")
            .output()
            .unwrap();
        Run {
            args: args.iter().map(|s| s.to_string()).collect(),
            out,
        }
    }
}

/// Give `p` to nobody.
fn to_nobody(p: &Path) {
    chown(p, Some(NOBODY), Some(NOBODY)).unwrap();
}

/// Make root's directory `p` one nobody may neither list nor enter.
fn out_of_reach(p: &Path) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o700)).unwrap();
}

/// The events about a file, by name.
fn about(r: &Run, name: &str) -> Vec<serde_json::Value> {
    r.events()
        .into_iter()
        .filter(|e| e["name"] == name)
        .collect()
}

/// `sweep` never gzips nor deletes a file that may be open: another
/// user's file held open (the kernel does not answer for it, /proc hides
/// its holder) is skipped as `cannot_tell`, said on stderr; nobody's own
/// file held open by root is skipped as `in_use` (the lease tells); a free
/// file of nobody's is compressed. It gzipped and deleted both, exit 0,
/// no warning.
#[test]
fn sweep_leaves_alone_what_may_be_open() {
    let d = Dir::new();
    let Some(nb) = nobody(&d, "sweep_leaves_alone_what_may_be_open") else {
        return;
    };
    to_nobody(&d.mkdir("t"));
    let theirs = d.write_old("t/theirs", "root's data\n", 10);
    let mine = d.write_old("t/mine", "nobody's data\n", 10);
    to_nobody(&mine);
    let free = d.write_old("t/free", "nobody's old data\n", 10);
    to_nobody(&free);
    let _a = Holder::new(&theirs);
    let _b = Holder::new(&mine);
    let r = nb.run(&d, &["sweep", "t"]);
    r.expect(0);
    let t = about(&r, "theirs");
    assert_eq!(t.len(), 1, "{}", r.describe());
    assert_eq!(t[0]["type"], "skipped", "{}", r.describe());
    assert_eq!(t[0]["reason"], "cannot_tell", "{}", r.describe());
    let m = about(&r, "mine");
    assert_eq!(m.len(), 1, "{}", r.describe());
    assert_eq!(m[0]["type"], "skipped", "{}", r.describe());
    assert_eq!(m[0]["reason"], "in_use", "{}", r.describe());
    assert_eq!(
        about(&r, "free")[0]["type"],
        "compressed",
        "{}",
        r.describe()
    );
    assert_eq!(d.read("t/theirs"), "root's data\n");
    assert_eq!(d.read("t/mine"), "nobody's data\n");
    assert!(!d.exists("t/theirs.gz") && !d.exists("t/mine.gz"));
    let err = r.stderr();
    assert!(
        err.contains("\"t/theirs\": cannot tell whether another process has it open"),
        "{err}"
    );
    assert_eq!(err.matches("cannot tell").count(), 1, "{err}");
}

/// `sweep` says a directory it cannot read and ends with status 2 in the
/// words `watch` and `gateway` use ("1 directory(ies) could not be
/// read"), having swept the rest; it said "1 action(s) failed".
#[test]
fn sweep_says_a_directory_it_cannot_read_as_the_other_commands_do() {
    let d = Dir::new();
    let test = "sweep_says_a_directory_it_cannot_read_as_the_other_commands_do";
    let Some(nb) = nobody(&d, test) else {
        return;
    };
    to_nobody(&d.mkdir("t"));
    to_nobody(&d.write_old("t/old", "nobody's old data\n", 10));
    d.mkdir("t/locked");
    out_of_reach(&d.path("t/locked"));
    let r = nb.run(&d, &["sweep", "t"]);
    r.expect(2);
    let err = r.stderr();
    assert!(
        err.contains("t/locked\" (nothing under it was looked at"),
        "{err}"
    );
    assert!(
        err.contains("sweep: 1 directory(ies) could not be read (see above); the others were done"),
        "{err}"
    );
    assert!(!err.contains("action(s) failed"), "{err}");
    assert_eq!(
        about(&r, "old")[0]["type"],
        "compressed",
        "{}",
        r.describe()
    );
}

/// `check` says that a file another process holds, or may hold, is not
/// ready (exit 1); it said `ok`.
#[test]
fn check_says_a_file_that_may_be_open_is_not_ready() {
    let d = Dir::new();
    let Some(nb) = nobody(&d, "check_says_a_file_that_may_be_open_is_not_ready") else {
        return;
    };
    d.mkdir("out");
    let theirs = "out/20261123.12345678.PAY.REQ.T.01";
    let mine = "out/20261123.12345678.PAY.REQ.T.02";
    d.write(theirs, "00;PAY;06;12345678\n");
    to_nobody(&d.write(mine, "00;PAY;06;12345678\n"));
    {
        let _a = Holder::new(&d.path(theirs));
        let _b = Holder::new(&d.path(mine));
        let r = nb.run(&d, &["check", "--json", theirs, mine]);
        r.expect(1);
        let err = r.stderr();
        assert!(
            err.contains(&format!(
                "\"{theirs}\": may still be open by another process"
            )),
            "{err}"
        );
        assert!(
            err.contains(&format!("\"{mine}\": is still open by another process")),
            "{err}"
        );
        for e in r.events() {
            assert_eq!(e["ok"], false, "{e}");
            assert_eq!(e["problems"][0]["code"], "open", "{e}");
        }
    }
    // Closed: nobody's file is ready.
    nb.run(&d, &["check", mine]).expect(0);
}

/// `watch --once` reports neither a file another process holds nor one it
/// cannot tell about (said), reports a free one, and says an unreadable
/// directory and ends with status 2 (it skipped it silently, exit 0).
#[test]
fn watch_reports_no_file_that_may_be_open_and_says_what_it_cannot_read() {
    let d = Dir::new();
    let test = "watch_reports_no_file_that_may_be_open_and_says_what_it_cannot_read";
    let Some(nb) = nobody(&d, test) else {
        return;
    };
    let name = |n: u32| format!("20261123.12345678.PAY.REQ.T.0{n}");
    let theirs = d.write(&format!("drop/{}", name(1)), "x\n");
    let mine = d.write(&format!("drop/{}", name(2)), "x\n");
    to_nobody(&mine);
    to_nobody(&d.write(&format!("drop/{}", name(3)), "x\n"));
    let _a = Holder::new(&theirs);
    let _b = Holder::new(&mine);
    let args = ["watch", "--once", "--no-state", "--settle", "0s", "drop"];
    let r = nb.run(&d, &args);
    r.expect(0);
    let reported: Vec<String> = r
        .events()
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(reported, vec![name(3)], "{}", r.describe());
    assert!(r.stderr().contains("cannot tell"), "{}", r.describe());

    // A directory nobody may not read, holding a request.
    d.write(&format!("drop/secret/{}", name(4)), "x\n");
    out_of_reach(&d.path("drop/secret"));
    let r = nb.run(&d, &args);
    r.expect(2);
    let err = r.stderr();
    assert!(
        err.contains("drop/secret\" (nothing under it was looked at"),
        "{err}"
    );
    assert!(err.contains("1 directory(ies) could not be read"), "{err}");
    // The rest is reported all the same.
    assert_eq!(r.events().len(), 1, "{}", r.describe());
}

/// The sandbox takes no request that another process holds or may hold
/// (it answered them), and says an account directory it cannot read,
/// ending with status 2 (it skipped it silently, exit 0).
#[test]
fn gateway_takes_no_request_that_may_be_open_and_says_what_it_cannot_read() {
    let d = Dir::new();
    let test = "gateway_takes_no_request_that_may_be_open_and_says_what_it_cannot_read";
    let Some(nb) = nobody(&d, test) else {
        return;
    };
    to_nobody(&d.mkdir("root"));
    to_nobody(&d.mkdir("root/12345678"));
    to_nobody(&d.mkdir("root/12345678/request_ips"));
    let mine = d.write(&format!("root/12345678/request_ips/{REQ1}"), "00;PAY\n");
    to_nobody(&mine);
    let theirs = d.write(
        "root/12345678/request_ips/20261123.12345678.PAY.REQ.T.02",
        "00;PAY\n",
    );
    let args = [
        "gateway",
        "--gateway",
        "lyra",
        "--once",
        "--settle",
        "0s",
        "--no-retention",
        "--responder",
        "cat",
        "root",
    ];
    {
        let _a = Holder::new(&mine);
        let _b = Holder::new(&theirs);
        let r = nb.run(&d, &args);
        r.expect(0);
        assert!(r.events().is_empty(), "{}", r.describe());
        let err = r.stderr();
        assert!(err.contains("2 file(s) left for a later pass"), "{err}");
        assert!(err.contains("cannot tell"), "{err}");
        assert_eq!(
            d.files("root/12345678/request_ips"),
            vec![
                REQ1.to_string(),
                "20261123.12345678.PAY.REQ.T.02".to_string()
            ]
        );
    }
    // An account directory nobody may not look into.
    d.mkdir("root/87654321/request_ips");
    out_of_reach(&d.path("root/87654321"));
    let r = nb.run(&d, &args);
    r.expect(2);
    let err = r.stderr();
    assert!(
        err.contains("root/87654321/request_ips\" (nothing under it was looked at"),
        "{err}"
    );
    // Ended in the words every command uses for it, not as a file
    // that could not be handled.
    assert!(
        err.contains("gateway: 1 directory(ies) could not be read (see above)"),
        "{err}"
    );
    assert!(!err.contains("file(s) could not be handled"), "{err}");
    // nobody's request, closed now, was taken meanwhile; root's still
    // cannot be told, and stays.
    assert_eq!(r.of_type("request_answered").len(), 1, "{}", r.describe());
    assert!(d.exists("root/12345678/request_ips/20261123.12345678.PAY.REQ.T.02"));
}

/// `/proc` mounted with hidepid=invisible lists only nobody's own
/// processes: nothing is unreadable, and "not listed" was taken for "not
/// open". Here it is said and the file left alone. (A proc mount of its
/// own, in a mount namespace of its own, for the run only.)
#[test]
fn a_proc_that_hides_other_users_processes_is_not_trusted() {
    let d = Dir::new();
    let test = "a_proc_that_hides_other_users_processes_is_not_trusted";
    let Some(nb) = nobody(&d, test) else {
        return;
    };
    to_nobody(&d.mkdir("t"));
    let theirs = d.write_old("t/theirs", "root's data\n", 10);
    let _a = Holder::new(&theirs);
    let out = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c"])
        .arg(
            "mount -t proc -o hidepid=invisible proc /proc 2>/dev/null || exit 99; \
             exec setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \"$0\" sweep t",
        )
        .arg(&nb.bin)
        .current_dir(d.path(""))
        .output();
    let out = match out {
        Ok(o) if o.status.code() != Some(99) => o,
        _ => {
            skipped(test, "needs a proc mount of its own (unshare, mount)");
            return;
        }
    };
    let r = Run {
        args: vec!["sweep".into(), "t".into()],
        out,
    };
    r.expect(0);
    assert_eq!(
        about(&r, "theirs")[0]["reason"],
        "cannot_tell",
        "{}",
        r.describe()
    );
    assert!(r.stderr().contains("hidepid"), "{}", r.describe());
    assert_eq!(d.read("t/theirs"), "root's data\n");
}
