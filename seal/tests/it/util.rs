//! Test harness: the real `seal` binary, a clean environment, key files in
//! a temporary directory, and failures that show what ran.

#![allow(dead_code)]

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use assert_cmd::Command;
use serde_json::Value;

pub struct Run {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn lines(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
            .collect()
    }
    pub fn json(&self) -> Value {
        let lines = self.lines();
        assert_eq!(
            lines.len(),
            1,
            "expected one JSON line, got: {}",
            self.stdout
        );
        lines.into_iter().next().unwrap()
    }
}

pub struct Dir {
    pub dir: tempfile::TempDir,
}

impl Dir {
    pub fn new() -> Dir {
        Dir {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// A key file with mode 0600 holding exactly `content`.
    pub fn key(&self, name: &str, content: &[u8]) -> PathBuf {
        let p = self.dir.path().join(name);
        fs::write(&p, content).unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o600)).unwrap();
        p
    }

    pub fn file(&self, name: &str, content: &[u8]) -> PathBuf {
        let p = self.dir.path().join(name);
        fs::write(&p, content).unwrap();
        p
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// Run `seal ARGS` with `stdin`, in a clean environment.
pub fn seal(args: &[&str], stdin: &[u8]) -> Run {
    seal_env(args, stdin, &[])
}

pub fn seal_env(args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::cargo_bin("seal").unwrap();
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.args(args).write_stdin(stdin.to_vec()).output().unwrap();
    let run = Run {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        !run.stderr.contains("panicked"),
        "seal {args:?} panicked:\n{}",
        run.stderr
    );
    run
}

/// Assert an exit status, showing everything when it is not.
#[track_caller]
pub fn expect_status(run: &Run, status: i32) {
    assert_eq!(
        run.status, status,
        "status {} (expected {status})\n--- stdout\n{}\n--- stderr\n{}",
        run.status, run.stdout, run.stderr
    );
}

pub fn hmac_sha256_hex(key: &[u8], msg: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let mut m = Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
    m.update(msg);
    hex::encode(m.finalize().into_bytes())
}

pub fn hmac_sha512_upper(key: &[u8], msg: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let mut m = Hmac::<sha2::Sha512>::new_from_slice(key).unwrap();
    m.update(msg);
    hex::encode_upper(m.finalize().into_bytes())
}

pub fn sha256_hex(msg: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(msg))
}

pub fn lyra_hmac(key: &[u8], msg: &[u8]) -> String {
    use base64::Engine as _;
    use hmac::{Hmac, Mac};
    let mut m = Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
    m.update(msg);
    base64::engine::general_purpose::STANDARD.encode(m.finalize().into_bytes())
}

pub const PAYBOX_TEST_KEY: &str = "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF";
