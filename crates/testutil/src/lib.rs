//! What the test binaries share. Each crate's integration tests are one
//! binary, `tests/it/main.rs`, a module per subject and one `util.rs`
//! holding that tool's runner (how it is started, what a run shows when
//! it fails); what does not belong to one tool is here, once: the
//! workspace's binaries found, waiting for something observable with a
//! bound, a test that cannot run said rather than passed, card expiries
//! computed from today, a running program's JSON lines read with a bound,
//! files written and held open by other processes, and a real sshd
//! ([`sshd`]).
//!
//! A dev-dependency only (`testutil` in the workspace's dependencies).

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;

pub mod sshd;

/// The directory holding the workspace's binaries (target/debug): the
/// test binary runs from target/debug/deps.
pub fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().unwrap().parent().unwrap().to_path_buf()
}

/// One of the workspace's binaries, which must have been built (cargo
/// builds a crate's own binaries before its tests; the pipelines of
/// paylot-tests need `cargo build --workspace --bins`, which make test
/// runs).
#[track_caller]
pub fn tool(name: &str) -> PathBuf {
    let p = bin_dir().join(name);
    assert!(
        p.exists(),
        "{} is missing: build the tools first (cargo build --workspace --bins; make test does)",
        p.display()
    );
    p
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

/// Whether this test runs as root; when not, says on the real standard
/// error (not the captured one: a skipped test must show) that it is
/// skipped and why. CI sets `PAYLOT_TESTS_ALL=1` (it runs as root): there
/// a test that cannot run fails instead.
pub fn runs_as_root(test: &str, why: &str) -> bool {
    let root = Command::new("id")
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
    let _ = writeln!(std::io::stderr(), "SKIPPED: {test} {why}");
}

/// A card expiry (MMYY) three years from now. `xmlbatch build` and the
/// sandbox judge an expiry against today's month: a fixed one would fail
/// the suite the month it passes.
pub fn expiry() -> String {
    let secs = SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    // The year within a day or so is close enough three years ahead.
    let year = 1970 + secs / 31_556_952 + 3;
    format!("05{:02}", year % 100)
}

/// A CSV file with every value of its `expiry` column (if any) replaced
/// by [`expiry`]: the samples' own dates are read by people and the docs,
/// and would fail the suite the month they pass.
pub fn dated_csv(p: &Path) -> Vec<u8> {
    let mut rdr = csv::Reader::from_path(p).unwrap();
    let header = rdr.headers().unwrap().clone();
    let at = header.iter().position(|c| c == "expiry");
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&header).unwrap();
    for row in rdr.records() {
        let mut row: Vec<String> = row.unwrap().iter().map(String::from).collect();
        if let Some(i) = at.filter(|&i| !row[i].is_empty()) {
            row[i] = expiry();
        }
        w.write_record(&row).unwrap();
    }
    w.into_inner().unwrap()
}

/// The names in a directory, sorted (to check what a run left there).
pub fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("listing {}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Every path under `p`, depth first, unsorted.
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
        let mut line = String::new();
        BufReader::new(h.0.stdout.as_mut().unwrap())
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

/// The JSON lines a running program writes, read on a thread of their
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
        self.next_or(|| "no line from the running program".to_string())
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

/// A running program and its JSON lines, killed when dropped.
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
