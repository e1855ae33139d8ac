//! xmlbatch's runner: run the real binary in a temporary directory with a clean
//! environment; failures show the command, status, stdout and stderr.

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

pub const CREATED_ON: &str = "2026-11-22T10:15:00+01:00";

pub use testutil::expiry;

pub struct Dir {
    pub tmp: tempfile::TempDir,
}

pub struct Run {
    pub cmd: String,
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn expect(self, status: i32) -> Run {
        assert_eq!(self.status, status, "unexpected exit status\n{self}");
        self
    }

    pub fn stderr_has(&self, needle: &str) -> &Run {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}\n{self}"
        );
        self
    }

    pub fn stderr_lacks(&self, needle: &str) -> &Run {
        assert!(
            !self.stderr.contains(needle),
            "stderr has {needle:?}\n{self}"
        );
        self
    }

    /// The CSV output as maps keyed by the header.
    pub fn records(&self) -> Vec<HashMap<String, String>> {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(self.stdout.as_bytes());
        let rows: Vec<Vec<String>> = rdr
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect();
        assert!(!rows.is_empty(), "no CSV header\n{self}");
        let header = &rows[0];
        rows[1..]
            .iter()
            .map(|r| header.iter().cloned().zip(r.iter().cloned()).collect())
            .collect()
    }

    /// One column of the CSV output.
    pub fn column(&self, name: &str) -> Vec<String> {
        self.records().iter().map(|r| r[name].clone()).collect()
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "command: {}\nstatus: {}\n--- stdout\n{}\n--- stderr\n{}",
            self.cmd, self.status, self.stdout, self.stderr
        )
    }
}

impl Dir {
    pub fn new() -> Dir {
        Dir {
            tmp: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    pub fn write(&self, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, content).unwrap();
        p
    }

    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap()
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_xmlbatch"));
        cmd.args(args)
            .current_dir(self.tmp.path())
            .env_clear()
            .env("PATH", "/usr/bin:/bin");
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.run_stdin(args, b"")
    }

    pub fn run_stdin(&self, args: &[&str], stdin: impl AsRef<[u8]>) -> Run {
        use std::io::Write;
        use std::process::Stdio;
        let mut cmd = self.command(args);
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        let data = stdin.as_ref().to_vec();
        let mut sin = child.stdin.take().unwrap();
        let writer = std::thread::spawn(move || {
            let _ = sin.write_all(&data);
        });
        let out = child.wait_with_output().unwrap();
        writer.join().unwrap();
        Run {
            cmd: format!("xmlbatch {}", args.join(" ")),
            status: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    pub fn exists(&self, name: &str) -> bool {
        self.path(name).exists()
    }

    pub fn entries(&self) -> Vec<String> {
        testutil::listing(self.tmp.path())
    }
}

/// A copy of one of `xmlbatch/samples`, in `d`, its card expiry dates
/// moved to [`expiry`]: the samples' own dates are read by people and the
/// docs, and would fail the suite the month they pass.
pub fn sample(d: &Dir, name: &str) -> PathBuf {
    let from = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/samples")).join(name);
    d.write(name, testutil::dated_csv(&from))
}

/// The usual `build` options, Paybox.
pub fn paybox_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![
        "build",
        "--site",
        "1999888",
        "--rank",
        "32",
        "--batch",
        "42",
        "--created-on",
        CREATED_ON,
    ];
    v.extend_from_slice(extra);
    v
}

/// The usual `build` options, Lyra.
pub fn lyra_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![
        "build", "--format", "lyra", "--shop", "12345678", "--mode", "test", "--date", "20261123",
        "--time", "101500",
    ];
    v.extend_from_slice(extra);
    v
}

/// The usual `build` options, Sips Office Batch: the envelope of the
/// published samples.
pub fn office_batch_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![
        "build",
        "--format",
        "sips-office-batch",
        "--remitter",
        "023101122334455",
        "--created-on",
        "2021-12-16T14:26:45+01:00",
        "--sequence",
        "1",
    ];
    v.extend_from_slice(extra);
    v
}
