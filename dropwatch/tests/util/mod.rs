//! Test harness: a temporary drop tree per test, the real binary, JSON
//! Lines parsed before comparing, failures that show the whole run.
#![allow(dead_code)]

use std::fs;
use std::io::Write;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;

pub const REQ1: &str = "20261123.12345678.PAY.REQ.T.01";
pub const ANS1: &str = "20261123.12345678.PAY.ANS.T.01";

/// A real OpenPGP message, encrypted (a PKESK, then a SEIPD), as
/// `pgpwrap encrypt --element Merchant` puts it in a Question (made once
/// with throwaway keys: `dropwatch check` looks at its packets, it never
/// decrypts).
pub const ENCRYPTED: &str = include_str!("../../../crates/cli/testdata/encrypted.asc");

/// A Paybox Question as `pgpwrap encrypt --element Merchant` leaves it:
/// the routing data readable, the Merchant's content `ENCRYPTED`.
pub fn protected_question(batch: u64) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<PayboxBatch \
         xmlns=\"http://www.paybox.com/PayboxBatch\" BatchNumber=\"{batch}\">\
         <Merchant Site=\"1999888\" Rank=\"032\">\n{ENCRYPTED}</Merchant></PayboxBatch>\n"
    )
}

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_dropwatch"))
}

pub struct Dir {
    pub tmp: tempfile::TempDir,
}

impl Dir {
    pub fn new() -> Dir {
        Dir {
            tmp: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        if rel.is_empty() {
            self.tmp.path().to_path_buf()
        } else {
            self.tmp.path().join(rel)
        }
    }

    pub fn mkdir(&self, rel: &str) -> PathBuf {
        let p = self.path(rel);
        fs::create_dir_all(&p).unwrap();
        p
    }

    /// Write a file, closed everywhere when this returns (see [`closed`]).
    pub fn write(&self, rel: &str, content: &str) -> PathBuf {
        self.write_aged(rel, content, None)
    }

    /// Write a file whose mtime is `days` old.
    pub fn write_old(&self, rel: &str, content: &str, days: u64) -> PathBuf {
        self.write_aged(rel, content, Some(Duration::from_secs(days * 86400)))
    }

    fn write_aged(&self, rel: &str, content: &str, age: Option<Duration>) -> PathBuf {
        let p = self.path(rel);
        if let Some(d) = p.parent() {
            fs::create_dir_all(d).unwrap();
        }
        write_closed(&p, content.as_bytes(), age.map(|a| SystemTime::now() - a));
        p
    }

    /// An executable script, ready to run when this returns.
    pub fn script(&self, rel: &str, content: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let p = self.write(rel, content);
        fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).unwrap();
        p
    }

    /// A copy of an executable, ready to run when this returns (made by
    /// `cp`: see [`write_closed`]).
    pub fn copy_exe(&self, from: &Path, rel: &str) -> PathBuf {
        let p = self.path(rel);
        let st = Command::new("cp").arg(from).arg(&p).status().unwrap();
        assert!(st.success(), "cp {}: {st}", from.display());
        p
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.path(rel).symlink_metadata().is_ok()
    }

    /// A file's content, read by `cat`: opened here, the file would look
    /// in use to a dropwatch run that comes next (see [`write_closed`]).
    pub fn read(&self, rel: &str) -> String {
        let out = Command::new("cat").arg(self.path(rel)).output().unwrap();
        assert!(
            out.status.success(),
            "reading {rel}: {}; tree:\n{}",
            String::from_utf8_lossy(&out.stderr),
            self.tree()
        );
        String::from_utf8(out.stdout).unwrap_or_else(|e| panic!("{rel}: not UTF-8: {e}"))
    }

    /// Every path under the root, sorted, for failure messages and checks.
    pub fn tree(&self) -> String {
        let mut v: Vec<String> = walk(self.tmp.path())
            .into_iter()
            .map(|p| {
                p.strip_prefix(self.tmp.path())
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        v.sort();
        v.join("\n")
    }

    pub fn files(&self, rel: &str) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(self.path(rel))
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    }

    pub fn cmd(&self) -> Command {
        let mut c = Command::new(bin());
        c.current_dir(self.tmp.path());
        c.env_remove("NO_COLOR");
        c
    }

    /// Run with arguments; returns the output.
    pub fn run(&self, args: &[&str]) -> Run {
        let out = self.cmd().args(args).output().unwrap();
        Run {
            args: args.iter().map(|s| s.to_string()).collect(),
            out,
        }
    }
}

pub fn walk(p: &Path) -> Vec<PathBuf> {
    let mut v = Vec::new();
    if let Ok(rd) = fs::read_dir(p) {
        for e in rd.flatten() {
            let path = e.path();
            v.push(path.clone());
            if e.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                v.extend(walk(&path));
            }
        }
    }
    v
}

/// Write a file (with this mtime, if given), through a `sh` of its own.
///
/// A file this process opens stays open, for a moment, in every child
/// that another test's thread forks meanwhile (a descriptor is closed on
/// exec, not on fork): dropwatch rightly takes such a file for one still
/// being written (`--settle 0s` leaves it for a later pass), and running
/// it fails with "Text file busy". Written by another process, the file
/// is never open here, so no fork here can hold it; once that process
/// has ended, nobody has it open.
pub fn write_closed(p: &Path, content: &[u8], mtime: Option<SystemTime>) {
    let mut c = Command::new("sh");
    c.arg("-c")
        .arg("cat > \"$1\" && { [ -z \"$2\" ] || touch -m -d \"@$2\" \"$1\"; }")
        .arg("sh")
        .arg(p)
        .arg(mtime.map(epoch).unwrap_or_default());
    let mut child = c.stdin(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(content).unwrap();
    let st = child.wait().unwrap();
    assert!(st.success(), "writing {}: {st}", p.display());
}

/// A time as `touch -d` reads it: seconds since the epoch, nanoseconds.
fn epoch(t: SystemTime) -> String {
    let d = t.duration_since(std::time::UNIX_EPOCH).unwrap();
    format!("{}.{:09}", d.as_secs(), d.subsec_nanos())
}

/// Wait until no process has the file open: a look at every process's
/// descriptors (`stat` on `/proc/PID/fd/N`), which opens nothing (an
/// open here could itself be held by a fork elsewhere; see
/// [`write_closed`]).
pub fn closed(p: &Path) {
    use dropwatch::fsutil::OpenFiles;
    let meta = fs::metadata(p).unwrap();
    let name = p.file_name().unwrap();
    wait_for(
        || {
            OpenFiles::scan_for(&[&meta], &[name])
                .holder(&meta)
                .is_none()
        },
        &format!("{} to be closed by every process", p.display()),
    );
}

/// Poll `done` until it holds; fail the test after a minute, a bound far
/// beyond what a loaded machine needs, so that only a real fault reaches
/// it.
#[track_caller]
pub fn wait_for(mut done: impl FnMut() -> bool, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(Instant::now() < deadline, "waited a minute for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

pub struct Run {
    pub args: Vec<String>,
    pub out: Output,
}

impl Run {
    pub fn describe(&self) -> String {
        format!(
            "dropwatch {:?}\nstatus: {:?}\nstdout:\n{}\nstderr:\n{}",
            self.args,
            self.out.status.code(),
            self.stdout(),
            self.stderr()
        )
    }
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.out.stdout).into_owned()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.out.stderr).into_owned()
    }
    pub fn status(&self) -> i32 {
        self.out.status.code().unwrap_or(-1)
    }
    pub fn expect(&self, code: i32) -> &Run {
        assert_eq!(self.status(), code, "{}", self.describe());
        self
    }
    /// stdout as JSON Lines.
    pub fn events(&self) -> Vec<Value> {
        self.stdout()
            .lines()
            .map(|l| {
                serde_json::from_str(l)
                    .unwrap_or_else(|e| panic!("not JSON: {l}: {e}\n{}", self.describe()))
            })
            .collect()
    }
    /// Events of one type.
    pub fn of_type(&self, ty: &str) -> Vec<Value> {
        self.events()
            .into_iter()
            .filter(|e| e["type"] == ty)
            .collect()
    }
}

/// A process holding a file open until dropped.
pub struct Holder(Child);

impl Holder {
    /// Hold an existing file open for reading.
    pub fn new(p: &Path) -> Holder {
        Holder::spawn(p, "exec 3<\"$1\"; echo ready; read _")
    }

    /// Create the file and hold it open for writing; its content is
    /// written when the holder is dropped, then it is closed.
    pub fn writer(p: &Path) -> Holder {
        Holder::spawn(p, "exec 3>\"$1\"; echo ready; read _; echo written >&3")
    }

    pub fn pid(&self) -> u32 {
        self.0.id()
    }

    fn spawn(p: &Path, script: &str) -> Holder {
        let child = Command::new("sh")
            .arg("-c")
            .arg(script)
            .arg("sh")
            .arg(p)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut h = Holder(child);
        // Wait for the shell to have opened the file.
        use std::io::BufRead;
        let mut line = String::new();
        std::io::BufReader::new(h.0.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "ready");
        h
    }
}

impl Drop for Holder {
    fn drop(&mut self) {
        drop(self.0.stdin.take());
        let _ = self.0.wait();
    }
}

/// Whether this test runs as root; when not, says on the real standard
/// error (not the captured one: a skipped test must show) that it is
/// skipped and why. CI sets `PAYLOT_TESTS_ALL=1` (it runs as root): there
/// a test that cannot run fails instead.
pub fn runs_as_root(test: &str, why: &str) -> bool {
    let root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout == b"0\n")
        .unwrap_or(false);
    if !root {
        skipped(test, &format!("needs root ({why})"));
    }
    root
}

/// Say on the real standard error that `test` is skipped, and why; fail
/// instead where every test must run (`PAYLOT_TESTS_ALL`, set by CI).
pub fn skipped(test: &str, why: &str) {
    assert!(
        std::env::var_os("PAYLOT_TESTS_ALL").is_none(),
        "{test} {why}, and PAYLOT_TESTS_ALL is set"
    );
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "SKIPPED: {test} {why}");
}

/// The JSON lines a running dropwatch writes, read on a thread of their
/// own so that a test waits for the next one with a bound: a line that
/// never comes fails the test instead of hanging the suite.
pub struct Lines {
    rx: mpsc::Receiver<Value>,
}

impl Lines {
    pub fn of(out: ChildStdout) -> Lines {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                let v: Value = serde_json::from_str(&line)
                    .unwrap_or_else(|e| panic!("not a JSON line: {line}: {e}"));
                if tx.send(v).is_err() {
                    break;
                }
            }
        });
        Lines { rx }
    }

    /// The next line; fails the test if none comes within a minute (a
    /// bound for a fault, not a timing assertion).
    pub fn next(&self) -> Value {
        self.next_or(|| "no line from the running dropwatch".to_string())
    }

    /// The next line, or the test fails with `missing()`.
    pub fn next_or(&self, missing: impl FnOnce() -> String) -> Value {
        self.rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("{}", missing()))
    }

    /// Whether nothing comes within `t`.
    pub fn nothing_within(&self, t: Duration) -> bool {
        self.rx.recv_timeout(t).is_err()
    }
}

/// A running dropwatch, killed when dropped.
pub struct Running {
    pub child: Child,
    pub lines: Lines,
}

impl Running {
    pub fn start(mut c: Command) -> Running {
        let mut child = c.stdout(Stdio::piped()).spawn().unwrap();
        let lines = Lines::of(child.stdout.take().unwrap());
        Running { child, lines }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
