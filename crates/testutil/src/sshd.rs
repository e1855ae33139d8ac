//! A real OpenSSH server on 127.0.0.1 for the SFTP tests, one per test,
//! used by dropwatch's SFTP tests and the nightly scripts' (paylot-tests).
//!
//! The test binds its own listener on port 0 and keeps it — so no other
//! test can take the port between a choice and sshd's bind — and runs
//! Debian's `sshd -i` (inetd mode, internal-sftp rooted in the drop tree)
//! for each connection it accepts, relaying the bytes. The relay is what
//! lets a test cut a connection mid-transfer, after a given number of
//! bytes in one direction, the way a dropped link cuts it.
//!
//! The client side is an ssh_config naming the server `gw`, with the
//! test's key and a known_hosts holding the server's real host key:
//! host-key checking stays on (StrictHostKeyChecking yes).

use std::fs;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

const SSHD: &str = "/usr/sbin/sshd";

/// Which way the bytes of a cut connection were going.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Way {
    /// Client to server (an upload).
    Up,
    /// Server to client (a download).
    Down,
}

/// What happens to the next connection once `after` bytes went `way`:
/// cut, or (`then`) something done on the server's side while the
/// transfer goes on — a file the gateway rewrites under a reader.
#[derive(Clone)]
struct Cut {
    way: Way,
    after: u64,
    then: Option<Arc<dyn Fn() + Send + Sync>>,
}

pub struct Server {
    pub port: u16,
    /// Where the keys, the configurations and the log are.
    pub dir: PathBuf,
    pub log: PathBuf,
    cut: Arc<Mutex<Option<Cut>>>,
    cuts: Arc<AtomicUsize>,
    connections: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

fn run_ok(cmd: &mut Command, what: &str) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {:?}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

pub fn user() -> String {
    let out = Command::new("id").arg("-un").output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn keygen(path: &Path) {
    run_ok(
        Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-C", "paylot-test", "-f"])
            .arg(path),
        "ssh-keygen",
    );
}

impl Server {
    /// Start serving `root` (the SFTP session starts there); keys and
    /// configurations go in `dir`.
    pub fn start(dir: &Path, root: &Path) -> Server {
        assert!(
            Path::new(SSHD).exists(),
            "{SSHD} is not installed: this test needs Debian's openssh-server (make test-deps)"
        );
        // sshd run by root outside systemd needs its privilege separation
        // directory.
        let run = Path::new("/run/sshd");
        if !run.exists() {
            fs::create_dir_all(run).expect("mkdir /run/sshd (make test-deps creates it)");
        }
        fs::create_dir_all(dir).unwrap();
        let host_key = dir.join("ssh_host_ed25519_key");
        let client_key = dir.join("client_key");
        keygen(&host_key);
        keygen(&client_key);
        fs::copy(dir.join("client_key.pub"), dir.join("authorized_keys")).unwrap();
        let sshd_config = dir.join("sshd_config");
        fs::write(
            &sshd_config,
            format!(
                "HostKey {hk}\nPidFile none\nAuthorizedKeysFile {ak}\nPubkeyAuthentication yes\n\
                 PasswordAuthentication no\nKbdInteractiveAuthentication no\n\
                 PermitRootLogin prohibit-password\nUsePAM no\nStrictModes no\n\
                 Subsystem sftp internal-sftp\nForceCommand internal-sftp -d {root}\n\
                 LogLevel VERBOSE\n",
                hk = host_key.display(),
                ak = dir.join("authorized_keys").display(),
                root = root.display(),
            ),
        )
        .unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let host_pub = fs::read_to_string(dir.join("ssh_host_ed25519_key.pub")).unwrap();
        fs::write(
            dir.join("known_hosts"),
            format!("[127.0.0.1]:{port} {}", host_pub.trim()),
        )
        .unwrap();
        fs::write(
            dir.join("ssh_config"),
            format!(
                "Host gw\n  HostName 127.0.0.1\n  Port {port}\n  User {user}\n  IdentityFile {key}\n  \
                 IdentitiesOnly yes\n  IdentityAgent none\n  UserKnownHostsFile {known}\n  \
                 GlobalKnownHostsFile /dev/null\n  StrictHostKeyChecking yes\n  LogLevel ERROR\n",
                user = user(),
                key = client_key.display(),
                known = dir.join("known_hosts").display(),
            ),
        )
        .unwrap();
        let log = dir.join("sshd.log");
        fs::File::create(&log).unwrap();
        let server = Server {
            port,
            dir: dir.to_path_buf(),
            log: log.clone(),
            cut: Arc::default(),
            cuts: Arc::default(),
            connections: Arc::default(),
            stop: Arc::default(),
        };
        let (cut, cuts, connections, stop) = (
            server.cut.clone(),
            server.cuts.clone(),
            server.connections.clone(),
            server.stop.clone(),
        );
        thread::spawn(move || {
            for conn in listener.incoming() {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                connections.fetch_add(1, Ordering::SeqCst);
                let plan = cut.lock().unwrap().take();
                let (config, log, cuts) = (sshd_config.clone(), log.clone(), cuts.clone());
                thread::spawn(move || relay(conn, &config, &log, plan, cuts));
            }
        });
        server
    }

    /// The client's ssh_config (`Host gw`).
    pub fn ssh_config(&self) -> PathBuf {
        self.dir.join("ssh_config")
    }

    /// Cut the next connection once `after` bytes went `way`.
    pub fn cut_next(&self, way: Way, after: u64) {
        *self.cut.lock().unwrap() = Some(Cut {
            way,
            after,
            then: None,
        });
    }

    /// On the next connection, once `after` bytes went `way`, run `then`
    /// (once) and go on relaying.
    pub fn during_next(&self, way: Way, after: u64, then: impl Fn() + Send + Sync + 'static) {
        *self.cut.lock().unwrap() = Some(Cut {
            way,
            after,
            then: Some(Arc::new(then)),
        });
    }

    /// How many connections were cut.
    pub fn cuts(&self) -> usize {
        self.cuts.load(Ordering::SeqCst)
    }

    /// How many connections were accepted.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// sshd's log, for failure messages.
    pub fn log(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so that it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// One connection: `sshd -i` on pipes, the bytes copied both ways,
/// counted, and cut as planned.
fn relay(conn: TcpStream, config: &Path, log: &Path, plan: Option<Cut>, cuts: Arc<AtomicUsize>) {
    let stderr = fs::OpenOptions::new().append(true).open(log).unwrap();
    let Ok(mut sshd) = Command::new(SSHD)
        .args(["-i", "-e", "-f"])
        .arg(config)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
    else {
        return;
    };
    let mut to_sshd = sshd.stdin.take().unwrap();
    let mut from_sshd = sshd.stdout.take().unwrap();
    let limit = |way: Way| plan.clone().filter(|c| c.way == way);
    let (up_conn, down_conn) = (conn.try_clone().unwrap(), conn.try_clone().unwrap());
    // Counted when cut, before the client can see it.
    let (up_cut, down_cut) = (cuts.clone(), cuts);
    let up_limit = limit(Way::Up);
    let up = thread::spawn(move || {
        pump(&mut &up_conn, &mut to_sshd, up_limit, &up_conn, &up_cut);
        // Closing sshd's stdin ends the session.
        drop(to_sshd);
    });
    let down_limit = limit(Way::Down);
    let down = thread::spawn(move || {
        pump(
            &mut from_sshd,
            &mut &down_conn,
            down_limit,
            &down_conn,
            &down_cut,
        );
        let _ = down_conn.shutdown(Shutdown::Both);
    });
    let _ = down.join();
    let _ = conn.shutdown(Shutdown::Both);
    let _ = up.join();
    let _ = sshd.kill();
    let _ = sshd.wait();
}

/// Copy until either end closes, or cut the connection `conn` once more
/// than `limit` bytes went through (or run its `then`, once, and go on).
fn pump(
    from: &mut impl Read,
    to: &mut impl Write,
    mut limit: Option<Cut>,
    conn: &TcpStream,
    cuts: &AtomicUsize,
) {
    let mut buf = [0u8; 16 * 1024];
    let mut total = 0u64;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        total += n as u64;
        if limit.as_ref().is_some_and(|l| total > l.after) {
            if let Some(then) = limit.take().and_then(|l| l.then) {
                then();
            } else {
                cuts.fetch_add(1, Ordering::SeqCst);
                let _ = conn.shutdown(Shutdown::Both);
                return;
            }
        }
        if to.write_all(&buf[..n]).is_err() {
            return;
        }
    }
}
