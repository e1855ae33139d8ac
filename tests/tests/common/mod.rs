//! The harness of the pipeline tests: a work directory with the
//! merchant's and the gateway's keys, and bash scripts run there with the
//! workspace's binaries first on PATH.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

pub const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../demo/samples");

/// The directory holding the workspace's binaries (target/debug).
pub fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap().to_path_buf();
    for tool in ["seal", "xmlbatch", "pgpwrap", "dropwatch"] {
        assert!(
            dir.join(tool).exists(),
            "{} is missing: build the tools first (cargo build --workspace --bins; make test does)",
            dir.join(tool).display()
        );
    }
    dir
}

pub struct Sh {
    pub dir: tempfile::TempDir,
}

impl Sh {
    /// A work directory with the merchant's and the gateway's keys.
    pub fn new() -> Sh {
        let sh = Sh {
            dir: tempfile::tempdir().unwrap(),
        };
        let keys = keys();
        for f in ["shop.key", "shop.pub", "gateway.key", "gateway.pub"] {
            std::fs::copy(keys.join(f), sh.path(f)).unwrap();
        }
        sh
    }

    pub fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    /// Run a bash script in the work directory, with the tools on PATH.
    pub fn run(&self, script: &str) -> Output {
        let path = format!(
            "{}:{}",
            bin_dir().display(),
            std::env::var("PATH").unwrap_or_default()
        );
        Command::new("bash")
            .args(["-o", "pipefail", "-c", script])
            .current_dir(self.dir.path())
            .env("PATH", path)
            .env("SAMPLES", SAMPLES)
            .env_remove("NO_COLOR")
            .output()
            .unwrap()
    }

    #[track_caller]
    pub fn ok(&self, script: &str) -> String {
        let out = self.run(script);
        assert!(
            out.status.success(),
            "script failed ({}):\n{script}\n--- stdout\n{}\n--- stderr\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }
}

/// Keys made once per test run by `pgpwrap keygen`.
pub fn keys() -> &'static Path {
    static KEYS: OnceLock<tempfile::TempDir> = OnceLock::new();
    KEYS.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let pgpwrap = bin_dir().join("pgpwrap");
        for (who, id) in [
            ("shop", "Shop <shop@example.com>"),
            ("gateway", "Gateway <gw@example.com>"),
        ] {
            let st = Command::new(&pgpwrap)
                .args(["keygen", "--userid", id, "--out"])
                .arg(dir.path().join(who))
                .output()
                .unwrap();
            assert!(
                st.status.success(),
                "keygen: {}",
                String::from_utf8_lossy(&st.stderr)
            );
        }
        dir
    })
    .path()
}
