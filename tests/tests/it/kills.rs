//! A run killed at any point leaves nothing readable by others, and the
//! next run in the same directory removes what it left: `xmlbatch build
//! -o` (a clear Question, card numbers and security codes) and `pgpwrap
//! decrypt -o` (plaintext not yet verified) are killed with SIGKILL at
//! many points, under a umask that would make any file created without an
//! explicit mode world-readable. SIGTERM, SIGINT and SIGHUP remove the
//! temporary file at once.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::util;
use crate::util::{bin_dir, Sh};

fn leftovers(dir: &Path) -> Vec<(String, u32)> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".paylot-tmp"))
        .map(|e| {
            let mode = e.metadata().unwrap().permissions().mode() & 0o777;
            (e.file_name().to_string_lossy().into_owned(), mode)
        })
        .collect()
}

/// Start `command` (a tool and its arguments) under umask 000 in `dir`.
fn start(dir: &Path, command: &str) -> std::process::Child {
    Command::new("sh")
        .arg("-c")
        .arg(format!("umask 000; exec {command}"))
        .current_dir(dir)
        .env("PATH", format!("{}:/usr/bin:/bin", bin_dir().display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn prepare(sh: &Sh) {
    let mut csv = String::from("type,amount,currency,reference,pan,expiry,cvv\n");
    for i in 0..20_000 {
        csv.push_str(&format!(
            "authorize_capture,1000,EUR,ORDER-{i},1111222233334444,{},123\n",
            util::expiry()
        ));
    }
    std::fs::write(sh.path("day.csv"), csv).unwrap();
    sh.ok("head -c 6000000 /dev/urandom | base64 > plain.txt
         pgpwrap encrypt --recipient gateway.pub --sign-with shop.key -o message.pgp plain.txt");
}

fn kill_at_many_points(sh: &Sh, command: &str, target: &str) {
    for delay_ms in [0, 1, 3, 6, 10, 20, 35, 50, 80, 120, 170, 230, 300] {
        let mut child = start(sh.dir.path(), command);
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        for (name, mode) in leftovers(sh.dir.path()) {
            assert_eq!(
                mode, 0o600,
                "{command}: {name} is mode {mode:o} after a kill at {delay_ms} ms"
            );
        }
        if let Ok(meta) = std::fs::metadata(sh.path(target)) {
            assert_eq!(
                meta.permissions().mode() & 0o777,
                0o600,
                "{command}: {target}"
            );
        }
    }
    // The kills above may all have come before the run wrote or after it
    // ended (a loaded machine, a fast run): one more lands while the run
    // writes, as soon as its temporary file is there.
    for _ in 0..20 {
        if !leftovers(sh.dir.path()).is_empty() {
            break;
        }
        let mut child = start(sh.dir.path(), command);
        while leftovers(sh.dir.path()).is_empty() && matches!(child.try_wait(), Ok(None)) {
            std::thread::sleep(Duration::from_millis(1));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    assert!(
        !leftovers(sh.dir.path()).is_empty(),
        "{command}: no kill landed while the run was writing"
    );
    // The next run in that directory removes every leftover and says so.
    let out = sh.run(&format!("umask 000; {command}"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("left by a run that was killed"), "{err}");
    assert_eq!(leftovers(sh.dir.path()), vec![], "{command}");
    let mode = std::fs::metadata(sh.path(target))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600, "{command}: the final {target}");
}

#[test]
fn killed_builds_and_decryptions_leave_nothing_readable_and_are_cleaned_up() {
    let sh = Sh::new();
    prepare(&sh);
    kill_at_many_points(
        &sh,
        "xmlbatch build --site 1999888 --rank 32 --batch 1 -o question.xml day.csv",
        "question.xml",
    );
    kill_at_many_points(
        &sh,
        "pgpwrap decrypt --key gateway.key --verify-with shop.pub -o plain.out message.pgp",
        "plain.out",
    );
}

#[test]
fn interrupted_runs_remove_their_temporary_file_at_once() {
    let sh = Sh::new();
    prepare(&sh);
    for (signal, status) in [("TERM", 143), ("INT", 130), ("HUP", 129)] {
        // The rows come through a pipe this test holds open, so the run is
        // still writing when the signal comes, however loaded the machine.
        let mut child = Command::new("sh")
            .arg("-c")
            // Signals this test's own parent ignores (a job started with &
            // ignores SIGINT, nohup SIGHUP) get their default back, as an
            // operator's shell would have them.
            .arg(
                "umask 000; exec env --default-signal=INT,HUP,TERM \
                 xmlbatch build --site 1999888 --rank 32 --batch 1 -o question.xml",
            )
            .current_dir(sh.dir.path())
            .env("PATH", format!("{}:/usr/bin:/bin", bin_dir().display()))
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut rows = child.stdin.take().unwrap();
        use std::io::Write as _;
        rows.write_all(
            format!(
                "type,amount,currency,reference,pan,expiry,cvv\nauthorize_capture,1000,EUR,O-1,1111222233334444,{},123\n",
                util::expiry()
            )
            .as_bytes(),
        )
        .unwrap();
        // Wait until the run is writing its temporary file.
        util::wait_for(
            || !leftovers(sh.dir.path()).is_empty(),
            "the run to write its temporary file",
        );
        let pid = child.id().to_string();
        Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .unwrap();
        // Bounded: a run that ignored the signal fails the test (and ends
        // when its rows are dropped) rather than hang the suite.
        let mut code = None;
        util::wait_for(
            || {
                code = child.try_wait().unwrap().map(|st| st.code());
                code.is_some()
            },
            &format!("the run to end on SIG{signal}"),
        );
        drop(rows);
        assert_eq!(code, Some(Some(status)), "SIG{signal}");
        assert_eq!(leftovers(sh.dir.path()), vec![], "SIG{signal}");
        assert!(!sh.path("question.xml").exists());
    }
}

/// Found by an attacker: a live run's temporary file was taken for a
/// leftover when its pid was not visible here (a run in another pid
/// namespace: a container sharing the directory), and removed under it.
/// The lock a run holds on its temporary file is what tells: held, the
/// file is left alone whatever its pid; free, with a pid that is not
/// alive here, it is a leftover.
#[test]
fn a_temporary_file_whose_lock_is_held_is_never_taken_for_a_leftover() {
    let sh = Sh::new();
    prepare(&sh);
    // A pid no process has here (above the kernel's largest pid).
    let name = ".question.xml.4194399.AbCdEf.paylot-tmp";
    std::fs::write(sh.path(name), "half a question").unwrap();
    // flock(1) takes the lock, then says so, then holds it.
    let mut holder = Command::new("flock")
        .args([
            "--exclusive",
            "--no-fork",
            name,
            "sh",
            "-c",
            "touch locked; exec sleep 30",
        ])
        .current_dir(sh.dir.path())
        .spawn()
        .expect("flock (util-linux) runs");
    util::wait_for(|| sh.path("locked").exists(), "flock to take the lock");
    sh.ok("xmlbatch build --site 1999888 --rank 32 --batch 1 -o question.xml day.csv");
    assert!(
        sh.path(name).exists(),
        "a locked temporary file was removed"
    );
    holder.kill().unwrap();
    holder.wait().unwrap();
    let out = sh.run("xmlbatch build --site 1999888 --rank 32 --batch 1 -o question.xml day.csv");
    assert!(out.status.success());
    assert!(!sh.path(name).exists(), "the leftover of a dead run stays");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("removed"), "{err}");
}
