//! The pipelines' runner: a work directory with the merchant's and the
//! gateway's keys, and bash scripts run there with the workspace's
//! binaries first on PATH; what every test binary shares is `testutil`'s.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub use testutil::{expiry, runs_as_root, wait_for};

/// The demo's samples, as written for people.
pub const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../demo/samples");

/// The samples the scripts read as `$SAMPLES`: the demo's, their card
/// expiry dates moved to [`expiry`] (made once per test run).
pub fn samples() -> &'static Path {
    static DATED: OnceLock<tempfile::TempDir> = OnceLock::new();
    DATED
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            for entry in std::fs::read_dir(SAMPLES).unwrap() {
                let from = entry.unwrap().path();
                let to = dir.path().join(from.file_name().unwrap());
                if from.extension().is_some_and(|e| e == "csv") {
                    std::fs::write(&to, testutil::dated_csv(&from)).unwrap();
                } else {
                    std::fs::copy(&from, &to).unwrap();
                }
            }
            dir
        })
        .path()
}

/// The directory holding the workspace's binaries (target/debug).
pub fn bin_dir() -> PathBuf {
    for tool in ["seal", "xmlbatch", "pgpwrap", "dropwatch"] {
        testutil::tool(tool);
    }
    testutil::bin_dir()
}

/// Start the HTTP sandbox (extra options in `$SANDBOX_OPTS`), wait for
/// its first line (up to a minute, unless it ends first), and set `$URL`
/// to its base address, `$port` and `$sandbox` to its port and process;
/// stopped when the script ends.
///
/// The previous run's log is removed first: the background job truncates
/// it only once it runs, and a script that restarts the sandbox would
/// otherwise read the old port from it and talk to a sandbox it killed.
pub const START: &str = r#"
rm -f http.log http.err
eval "dropwatch gateway --http 0 $SANDBOX_OPTS > http.log 2> http.err &"
sandbox=$!
trap 'kill $sandbox 2>/dev/null; wait $sandbox 2>/dev/null' EXIT
for _ in $(seq 1200); do
    [ -s http.log ] && break
    kill -0 $sandbox 2>/dev/null || break
    sleep 0.05
done
port=$(head -n 1 http.log | sed 's/.*"address":"127\.0\.0\.1:\([0-9]*\)".*/\1/')
[ -n "$port" ] || { echo "the sandbox did not start:" >&2; cat http.err >&2; exit 1; }
URL="http://127.0.0.1:$port"
"#;

/// The Python of the virtualenv `make test-deps` fills with the client
/// libraries merchants run (scripts/install-test-deps.sh).
pub fn client_python() -> PathBuf {
    let python = bin_dir().parent().unwrap().join("test-venv/bin/python3");
    assert!(
        python.exists(),
        "{} is missing: install the client libraries first (make test-deps)",
        python.display()
    );
    python
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
            .env("SAMPLES", samples())
            .env("EXPIRY", expiry())
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

/// The HTTP sandbox, on a free port of 127.0.0.1, its log in `http.log`
/// and its stderr in `http.err`; stopped when dropped.
pub struct Sandbox {
    child: Child,
    pub url: String,
}

impl Sandbox {
    /// `dropwatch gateway --http 0` with `args`, run in `sh`'s directory.
    pub fn start(sh: &Sh, args: &[&str]) -> Sandbox {
        let file = |name: &str| Stdio::from(std::fs::File::create(sh.path(name)).unwrap());
        let mut child = Command::new(bin_dir().join("dropwatch"))
            .args(["gateway", "--http", "0"])
            .args(args)
            .current_dir(sh.dir.path())
            .env("PATH", format!("{}:/usr/bin:/bin", bin_dir().display()))
            .stdout(file("http.log"))
            .stderr(file("http.err"))
            .spawn()
            .unwrap();
        // Its first line says where it listens (a minute's bound, as
        // `wait_for`, but the sandbox's end is said at once).
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            let log = std::fs::read_to_string(sh.path("http.log")).unwrap_or_default();
            if let Some(first) = log.lines().next().filter(|_| log.contains('\n')) {
                let v: serde_json::Value = serde_json::from_str(first).unwrap();
                let url = format!("http://{}", v["address"].as_str().unwrap());
                return Sandbox { child, url };
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "the sandbox ended ({status}): {}",
                    std::fs::read_to_string(sh.path("http.err")).unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("the sandbox said nothing within a minute");
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
