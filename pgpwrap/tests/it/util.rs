//! pgpwrap's runner: the pgpwrap binary, throwaway GnuPG homes, and keys made
//! once by the real gpg (RSA 3072, Ed25519 + Cv25519, legacy, expired,
//! revoked, passphrase-protected) and by `pgpwrap keygen`.
//!
//! gpg's RSA key generation takes seconds, so the keys are generated once
//! and cached in the target directory (`CARGO_TARGET_TMPDIR`), shared by
//! every test through a `OnceLock`.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use assert_cmd::cargo::CommandCargoExt;
use tempfile::TempDir;

pub const PROT_PASS: &str = "correct horse battery staple";

/// A throwaway GNUPGHOME. The agent is stopped when it is dropped.
pub struct Gpg {
    pub home: TempDir,
}

impl Gpg {
    pub fn new() -> Gpg {
        let home = tempfile::Builder::new()
            .prefix("gpg")
            .tempdir_in("/tmp")
            .unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(home.path(), fs::Permissions::from_mode(0o700)).unwrap();
        }
        Gpg { home }
    }

    pub fn cmd(&self) -> Command {
        let mut c = Command::new("gpg");
        c.arg("--homedir")
            .arg(self.home.path())
            .args([
                "--batch",
                "--yes",
                "--no-tty",
                "--trust-model",
                "always",
                "--pinentry-mode",
                "loopback",
            ])
            .env_remove("GPG_AGENT_INFO");
        c
    }

    /// Run gpg with `args`; panics with its stderr unless it succeeds.
    pub fn ok(&self, args: &[&str]) -> Output {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "gpg {args:?} failed: {}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    pub fn run(&self, args: &[&str]) -> Output {
        let mut c = self.cmd();
        c.args(args).stdin(Stdio::null());
        c.output().expect("gpg on PATH")
    }

    pub fn import(&self, files: &[&Path]) {
        for f in files {
            self.ok(&["--passphrase", PROT_PASS, "--import", f.to_str().unwrap()]);
        }
    }
}

impl Drop for Gpg {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .arg("--homedir")
            .arg(self.home.path())
            .args(["--kill", "all"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// The pgpwrap binary, with a clean environment.
pub fn pgpwrap() -> Command {
    let mut c = Command::cargo_bin("pgpwrap").unwrap();
    c.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default());
    c
}

/// Build an argument list from strings and paths.
#[macro_export]
macro_rules! a {
    ($($x:expr),* $(,)?) => {
        vec![$(std::ffi::OsString::from(AsRef::<std::ffi::OsStr>::as_ref(&$x)),)*]
    };
}

/// Run pgpwrap; returns (status code, stdout, stderr).
pub fn run(args: Vec<std::ffi::OsString>) -> (i32, Vec<u8>, String) {
    let out = pgpwrap().args(args).stdin(Stdio::null()).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The keys every test uses, as files in one directory:
/// `NAME.pub`, `NAME.key`, `NAME.fpr` for NAME in
/// gw_rsa (gpg, RSA 3072), shop_ed (gpg, Ed25519 + Cv25519), stranger
/// (gpg, Ed25519), legacy (gpg, RSA 1024, SHA-1 self-signatures),
/// expired (gpg, expired in 2021), revoked (gpg, revoked; .pub carries
/// the revocation), prot (gpg, Ed25519, passphrase PROT_PASS),
/// pw (pgpwrap keygen, unprotected), pw_prot (pgpwrap keygen, RSA 3072,
/// passphrase PROT_PASS).
pub struct Keys {
    pub dir: PathBuf,
}

impl Keys {
    pub fn pubkey(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.pub"))
    }
    pub fn key(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.key"))
    }
    pub fn fpr(&self, name: &str) -> String {
        fs::read_to_string(self.dir.join(format!("{name}.fpr")))
            .unwrap()
            .trim()
            .to_string()
    }
    pub fn pass_file(&self) -> PathBuf {
        self.dir.join("pass.txt")
    }
}

pub fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        let dir = base.join("pgpwrap-keys-v3");
        if !dir.join("done").exists() {
            let tmp = tempfile::Builder::new()
                .prefix("pgpwrap-keys-")
                .tempdir_in(&base)
                .unwrap();
            generate(tmp.path());
            let tmp = tmp.keep();
            if fs::rename(&tmp, &dir).is_err() {
                // Generated concurrently by another test binary: use theirs.
                let _ = fs::remove_dir_all(&tmp);
            }
        }
        assert!(
            dir.join("done").exists(),
            "key fixtures missing in {}",
            dir.display()
        );
        Keys { dir }
    })
}

fn fingerprint_of(gpg: &Gpg, uid: &str) -> String {
    let out = gpg.ok(&["--with-colons", "--list-keys", uid]);
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find(|l| l.starts_with("fpr:"))
        .and_then(|l| l.split(':').nth(9))
        .unwrap()
        .to_string()
}

fn export(gpg: &Gpg, dir: &Path, name: &str, fpr: &str, pass: &str) {
    let out = gpg.ok(&["--armor", "--export", fpr]);
    fs::write(dir.join(format!("{name}.pub")), &out.stdout).unwrap();
    let out = gpg.ok(&["--passphrase", pass, "--armor", "--export-secret-keys", fpr]);
    fs::write(dir.join(format!("{name}.key")), &out.stdout).unwrap();
    fs::write(dir.join(format!("{name}.fpr")), fpr).unwrap();
}

fn generate(dir: &Path) {
    let gpg = Gpg::new();
    let gen = |name: &str, uid: &str, algo: &str, expire: &str, pass: &str, extra: &[&str]| {
        let mut args = vec!["--passphrase", pass];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--quick-gen-key", uid, algo, "default", expire]);
        gpg.ok(&args);
        let fpr = fingerprint_of(&gpg, uid);
        (name.to_string(), fpr)
    };
    let (n, f) = gen(
        "gw_rsa",
        "Gateway RSA <gw@example.net>",
        "default",
        "never",
        "",
        &[],
    );
    export(&gpg, dir, &n, &f, "");
    let (n, f) = gen(
        "shop_ed",
        "Shop Ed <shop@example.com>",
        "future-default",
        "never",
        "",
        &[],
    );
    export(&gpg, dir, &n, &f, "");
    let (n, f) = gen(
        "stranger",
        "Stranger <x@example.org>",
        "future-default",
        "never",
        "",
        &[],
    );
    export(&gpg, dir, &n, &f, "");
    let (n, f) = gen(
        "prot",
        "Protected <p@example.com>",
        "future-default",
        "never",
        PROT_PASS,
        &[],
    );
    export(&gpg, dir, &n, &f, PROT_PASS);
    let sha1 = ["--cert-digest-algo", "SHA1", "--digest-algo", "SHA256"];
    let (n, f) = gen(
        "legacy",
        "Legacy Bank <old@example.net>",
        "rsa1024",
        "never",
        "",
        &sha1,
    );
    gpg.ok(&[
        "--passphrase",
        "",
        "--cert-digest-algo",
        "SHA1",
        "--quick-add-key",
        &f,
        "rsa1024",
        "encr",
        "never",
    ]);
    export(&gpg, dir, &n, &f, "");
    let past = ["--faked-system-time", "20200101T000000!"];
    let (n, f) = gen(
        "expired",
        "Expired <exp@example.net>",
        "future-default",
        "1y",
        "",
        &past,
    );
    export(&gpg, dir, &n, &f, "");
    let (n, f) = gen(
        "revoked",
        "Revoked <rev@example.net>",
        "future-default",
        "never",
        "",
        &[],
    );
    let rev =
        fs::read_to_string(gpg.home.path().join(format!("openpgp-revocs.d/{f}.rev"))).unwrap();
    let rev = rev.replace(
        ":-----BEGIN PGP PUBLIC KEY BLOCK-----",
        "-----BEGIN PGP PUBLIC KEY BLOCK-----",
    );
    let rev_path = dir.join("revocation.asc");
    fs::write(&rev_path, rev).unwrap();
    gpg.ok(&["--import", rev_path.to_str().unwrap()]);
    export(&gpg, dir, &n, &f, "");

    fs::write(dir.join("pass.txt"), format!("{PROT_PASS}\n")).unwrap();
    let st = pgpwrap()
        .args(["keygen", "--userid", "Shop PW <pw@example.com>", "--out"])
        .arg(dir.join("pw"))
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let st = pgpwrap()
        .args([
            "keygen",
            "--algo",
            "rsa3k",
            "--userid",
            "Shop PW RSA <pwr@example.com>",
            "--passphrase-env",
            "PW_PASS",
            "--out",
        ])
        .arg(dir.join("pw_prot"))
        .env("PW_PASS", PROT_PASS)
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    for name in ["pw", "pw_prot"] {
        let g = Gpg::new();
        g.import(&[&dir.join(format!("{name}.pub"))]);
        let uid = if name == "pw" {
            "pw@example.com"
        } else {
            "pwr@example.com"
        };
        fs::write(dir.join(format!("{name}.fpr")), fingerprint_of(&g, uid)).unwrap();
    }
    fs::write(dir.join("done"), "").unwrap();
}

/// A temporary working directory.
pub fn workdir() -> TempDir {
    tempfile::Builder::new()
        .prefix("pgpwrap-test")
        .tempdir()
        .unwrap()
}

/// Files in a directory (to check that nothing was left behind).
pub use testutil::listing;

/// Some bytes that are not text-friendly: every byte value, CRLF, NUL.
pub fn sample_bytes(len: usize) -> Vec<u8> {
    let mut v = Vec::with_capacity(len);
    let mut x: u32 = 0x1234_5678;
    while v.len() < len {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        v.push((x >> 11) as u8);
        if v.len() % 97 == 0 {
            v.extend_from_slice(b"\r\n");
        }
    }
    v.truncate(len);
    v
}
