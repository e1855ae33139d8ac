//! dropwatch's runner: a temporary drop tree per test, the real binary,
//! JSON Lines parsed before comparing, failures that show the whole run;
//! what every test binary shares is `testutil`'s.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, SystemTime};

use serde_json::Value;

pub use testutil::{runs_as_root, skipped, wait_for, walk, write_closed, Holder, Running};

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
