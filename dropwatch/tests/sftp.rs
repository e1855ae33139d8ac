//! The real exchange over SFTP: Debian's OpenSSH sshd on 127.0.0.1 with
//! `internal-sftp` rooted in a temporary drop tree, the real `sftp -b`
//! client uploading under a temporary name and renaming, the sandbox
//! gateway, and the answer downloaded with sftp again.

mod util;

use std::fs;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use util::*;

const SSHD: &str = "/usr/sbin/sshd";

/// Kills sshd by PID when the test ends, also on failure.
struct SshdGuard {
    child: Child,
    log: PathBuf,
}

impl Drop for SshdGuard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn run_ok(cmd: &mut Command, what: &str) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn start_sshd(t: &Path, drop_dir: &Path) -> (SshdGuard, u16, PathBuf) {
    assert!(
        Path::new(SSHD).exists(),
        "{SSHD} is not installed: this test needs Debian's openssh-server (apt-get install -y openssh-server openssh-client)"
    );
    for tool in ["ssh-keygen", "sftp"] {
        let found = Command::new("sh")
            .arg("-c")
            .arg(format!("command -v {tool}"))
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        assert!(
            found,
            "{tool} is not installed: this test needs openssh-client"
        );
    }
    // sshd started as root outside systemd needs its privilege separation directory.
    let run = Path::new("/run/sshd");
    if !run.exists() {
        fs::create_dir_all(run).expect(
            "mkdir /run/sshd (needs root; or create it once with mkdir -p -m 0755 /run/sshd)",
        );
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(run, fs::Permissions::from_mode(0o755)).unwrap();
    }
    let host_key = t.join("ssh_host_ed25519_key");
    let client_key = t.join("client_key");
    for k in [&host_key, &client_key] {
        run_ok(
            Command::new("ssh-keygen")
                .args([
                    "-q",
                    "-t",
                    "ed25519",
                    "-N",
                    "",
                    "-C",
                    "dropwatch-test",
                    "-f",
                ])
                .arg(k),
            "ssh-keygen",
        );
    }
    fs::copy(t.join("client_key.pub"), t.join("authorized_keys")).unwrap();
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let config = t.join("sshd_config");
    fs::write(
        &config,
        format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {hk}\nPidFile {pid}\n\
             AuthorizedKeysFile {ak}\nPubkeyAuthentication yes\nPasswordAuthentication no\n\
             KbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\n\
             UsePAM no\nStrictModes no\nSubsystem sftp internal-sftp\n\
             ForceCommand internal-sftp -d {drop}\nLogLevel VERBOSE\n",
            hk = host_key.display(),
            pid = t.join("sshd.pid").display(),
            ak = t.join("authorized_keys").display(),
            drop = drop_dir.display(),
        ),
    )
    .unwrap();
    let log = t.join("sshd.log");
    let child = Command::new(SSHD)
        .args(["-D", "-e", "-f"])
        .arg(&config)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(fs::File::create(&log).unwrap())
        .spawn()
        .expect("starting sshd");
    let guard = SshdGuard { child, log };
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "sshd did not listen on 127.0.0.1:{port}; its log:\n{}",
            fs::read_to_string(&guard.log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    (guard, port, client_key)
}

fn user() -> String {
    let out = Command::new("id").arg("-un").output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn sftp(t: &Path, port: u16, key: &Path, batch: &str, guard: &SshdGuard) -> String {
    let b = t.join("batch");
    fs::write(&b, batch).unwrap();
    let out = Command::new("sftp")
        .arg("-b")
        .arg(&b)
        .args([
            "-F",
            "/dev/null",
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "BatchMode=yes",
            "-o",
            "LogLevel=ERROR",
            "-i",
        ])
        .arg(key)
        .arg("-P")
        .arg(port.to_string())
        .arg(format!("{}@127.0.0.1", user()))
        .current_dir(t)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "sftp batch failed:\n{batch}\nstdout:\n{}\nstderr:\n{}\nsshd log:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        fs::read_to_string(&guard.log).unwrap_or_default()
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn sftp_round_trip_through_the_sandbox_gateway() {
    let d = Dir::new();
    let t = d.mkdir("client");
    let drop_dir = d.mkdir("drop");
    d.mkdir("drop/lyra/12345678/request_ips");
    d.mkdir("drop/paybox/m1/in");
    let (guard, port, key) = start_sshd(&d.path(""), &drop_dir);

    // --- Lyra: upload under a temporary name, rename into place.
    fs::write(
        t.join("request"),
        "00;PAY;06;12345678;TEST;20261123;120000;\n01;0\n",
    )
    .unwrap();
    sftp(
        &t,
        port,
        &key,
        &format!(
            "cd lyra/12345678/request_ips\nput request {REQ1}.part\nrename {REQ1}.part {REQ1}\nls\n"
        ),
        &guard,
    );
    assert_eq!(
        d.files("drop/lyra/12345678/request_ips"),
        vec![REQ1.to_string()]
    );
    let r = d.run(&[
        "gateway",
        "--scheme",
        "lyra",
        "--once",
        "--settle",
        "0s",
        "--responder",
        "cat; echo \"ANSWERED $DROPWATCH_REQUEST\"",
        "drop/lyra",
    ]);
    r.expect(0);
    assert_eq!(r.of_type("request_answered").len(), 1, "{}", r.describe());
    sftp(
        &t,
        port,
        &key,
        &format!("get lyra/12345678/result_ips/{ANS1} answer\n"),
        &guard,
    );
    assert_eq!(
        fs::read_to_string(t.join("answer")).unwrap(),
        format!("00;PAY;06;12345678;TEST;20261123;120000;\n01;0\nANSWERED {REQ1}\n")
    );

    // --- Paybox: the same, Question in in/, status from out/.
    let q = "1999888.032.000001.xml";
    fs::write(
        t.join("question.xml"),
        "<PayboxBatch BatchNumber=\"1\"><Merchant Site=\"1999888\" Rank=\"032\"/></PayboxBatch>\n",
    )
    .unwrap();
    sftp(
        &t,
        port,
        &key,
        &format!("cd paybox/m1/in\nput question.xml {q}.part\nrename {q}.part {q}\n"),
        &guard,
    );
    let r = d.run(&[
        "gateway",
        "--scheme",
        "paybox",
        "--once",
        "--settle",
        "0s",
        "--responder",
        "sed 's/PayboxBatch/PayboxBatchStatus/g'",
        "drop/paybox",
    ]);
    r.expect(0);
    assert_eq!(r.of_type("question_answered").len(), 1, "{}", r.describe());
    let listing = sftp(
        &t,
        port,
        &key,
        "ls paybox/m1/out\nget paybox/m1/out/1999888.032.000001.status.xml status.xml\n",
        &guard,
    );
    assert!(
        listing.contains("1999888.032.000001.status.xml"),
        "{listing}"
    );
    assert_eq!(
        fs::read_to_string(t.join("status.xml")).unwrap(),
        "<PayboxBatchStatus BatchNumber=\"1\"><Merchant Site=\"1999888\" Rank=\"032\"/></PayboxBatchStatus>\n"
    );
    // The watcher sees the answers as a merchant's mirror would.
    let r = d.run(&["watch", "--once", "--no-state", "--settle", "0s", "drop"]);
    assert_eq!(r.of_type("answer_ready").len(), 1, "{}", r.describe());
    assert_eq!(r.of_type("status_ready").len(), 1, "{}", r.describe());
    drop(guard);
}
