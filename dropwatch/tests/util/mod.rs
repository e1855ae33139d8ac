//! Test harness: a temporary drop tree per test, the real binary, JSON
//! Lines parsed before comparing, failures that show the whole run.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, SystemTime};

use serde_json::Value;

pub const REQ1: &str = "20261123.12345678.PAY.REQ.T.01";
pub const ANS1: &str = "20261123.12345678.PAY.ANS.T.01";

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

    pub fn write(&self, rel: &str, content: &str) -> PathBuf {
        let p = self.path(rel);
        if let Some(d) = p.parent() {
            fs::create_dir_all(d).unwrap();
        }
        fs::write(&p, content).unwrap();
        p
    }

    /// Write a file whose mtime is `days` old.
    pub fn write_old(&self, rel: &str, content: &str, days: u64) -> PathBuf {
        let p = self.write(rel, content);
        set_age(&p, Duration::from_secs(days * 86400));
        p
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.path(rel).symlink_metadata().is_ok()
    }

    pub fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.path(rel))
            .unwrap_or_else(|e| panic!("reading {rel}: {e}; tree:\n{}", self.tree()))
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

pub fn set_age(p: &Path, age: Duration) {
    let t = SystemTime::now() - age;
    fs::File::options()
        .write(true)
        .open(p)
        .unwrap()
        .set_modified(t)
        .unwrap();
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
