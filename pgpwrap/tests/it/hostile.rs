//! Hostile messages on a host with limits (issue 21): a stranger's
//! message is refused before its content is unpacked, a compression bomb
//! is refused as it is read, and a write past `ulimit -f` is an error
//! said like any other — never SIGXFSZ, never "No space left" instead of
//! the signer, never an abort under `ulimit -v`. The bombs are made here
//! by the real gpg (64 MiB of zeros, gpg's zlib at level 9: about 64 KiB).

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::util::*;

/// What the bombs unpack to.
const BOMB: usize = 64 * 1024 * 1024;

/// gpg `args` (with `-o out`) over BOMB zeros on its standard input.
fn gpg_bomb(gpg: &Gpg, args: &[&str], out: &Path) {
    let mut child = gpg
        .cmd()
        .args(["-z", "9", "-o", out.to_str().unwrap()])
        .args(args)
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("gpg on PATH");
    let mut stdin = child.stdin.take().unwrap();
    let zeros = vec![0u8; 1024 * 1024];
    for _ in 0..BOMB / zeros.len() {
        stdin.write_all(&zeros).unwrap();
    }
    drop(stdin);
    let done = child.wait_with_output().unwrap();
    assert!(
        done.status.success(),
        "gpg {args:?}: {}",
        String::from_utf8_lossy(&done.stderr)
    );
    let size = std::fs::metadata(out).unwrap().len();
    assert!(size < 1024 * 1024, "not a bomb: {size} bytes");
}

/// pgpwrap `args` under `ulimit -f BLOCKS` (bash counts 1 KiB blocks)
/// and `ulimit -v` [`MEMORY`], standard output in `stdout.bin` (inside
/// the limit too), from `dir` (where the spool of standard output goes:
/// TMPDIR). Returns (status or -signal, stderr).
fn limited(dir: &Path, file_kib: u64, args: Vec<OsString>) -> (i32, String) {
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "ulimit -f {file_kib} -v {MEMORY}; exec \"$@\" > stdout.bin"
        ))
        .arg("bash")
        .arg(env!("CARGO_BIN_EXE_pgpwrap"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("TMPDIR", dir)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    use std::os::unix::process::ExitStatusExt;
    let code = out
        .status
        .code()
        .unwrap_or_else(|| -out.status.signal().unwrap_or(0));
    (code, String::from_utf8_lossy(&out.stderr).into_owned())
}

/// `pgpwrap decrypt OPTIONS MESSAGE` by shop_ed's key, accepting gw_rsa's
/// signature, within [`limited`].
fn decrypt(dir: &Path, file_kib: u64, options: Vec<OsString>, message: &Path) -> (i32, String) {
    let k = keys();
    let mut args = a![
        "decrypt",
        "--key",
        k.key("shop_ed"),
        "--verify-with",
        k.pubkey("gw_rsa")
    ];
    args.extend(options);
    args.push(message.into());
    limited(dir, file_kib, args)
}

/// 8 MiB: far below what the bombs unpack to, above what pgpwrap writes.
const SMALL_FILES: u64 = 8 * 1024;
/// 32 MiB: above the 16 MiB a message may always unpack to.
const FILES: u64 = 32 * 1024;
/// 400 MiB of address space: the debug build and its threads, with room.
const MEMORY: u64 = 400 * 1024;

fn workdir_with_bombs() -> (tempfile::TempDir, PathBuf, PathBuf, PathBuf) {
    let k = keys();
    let wd = workdir();
    let gpg = Gpg::new();
    gpg.import(&[&k.key("stranger"), &k.key("gw_rsa"), &k.pubkey("shop_ed")]);
    let to = k.fpr("shop_ed");
    let stranger = wd.path().join("stranger.gpg");
    gpg_bomb(
        &gpg,
        &[
            "--passphrase",
            "",
            "-u",
            &k.fpr("stranger"),
            "-r",
            &to,
            "-s",
            "-e",
        ],
        &stranger,
    );
    let unsigned = wd.path().join("unsigned.gpg");
    gpg_bomb(&gpg, &["-r", &to, "-e"], &unsigned);
    let named = wd.path().join("named.gpg");
    gpg_bomb(
        &gpg,
        &[
            "--passphrase",
            "",
            "-u",
            &k.fpr("gw_rsa"),
            "-r",
            &to,
            "-s",
            "-e",
        ],
        &named,
    );
    (wd, stranger, unsigned, named)
}

fn tree_is_clean(dir: &Path) {
    let left: Vec<String> = listing(dir)
        .into_iter()
        .filter(|n| n.ends_with(".paylot-tmp") || n.starts_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    assert_eq!(
        std::fs::metadata(dir.join("stdout.bin"))
            .map(|m| m.len())
            .unwrap_or(0),
        0,
        "something reached standard output"
    );
}

/// A message signed by a key that is not `--verify-with`, or not signed,
/// is refused from its first packets: under an 8 MiB file-size limit a
/// 64 MiB bomb ends in exit 1 naming the signer (it was killed by SIGXFSZ
/// after spooling, and said "No space left" on a small disk).
#[test]
fn a_strangers_or_unsigned_message_is_refused_before_it_is_unpacked() {
    let k = keys();
    let (wd, stranger, unsigned, _) = workdir_with_bombs();
    let (code, err) = decrypt(wd.path(), SMALL_FILES, a![], &stranger);
    assert_eq!(code, 1, "{err}");
    let stranger_id = &k.fpr("stranger")[24..];
    assert!(err.contains(stranger_id), "the signer is not named: {err}");
    assert!(err.contains("not among the certificates named"), "{err}");
    assert!(err.contains("before its content was unpacked"), "{err}");
    tree_is_clean(wd.path());

    let (code, err) = decrypt(wd.path(), SMALL_FILES, a![], &unsigned);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("not signed"), "{err}");
    tree_is_clean(wd.path());
}

/// `verify` alike, on a signed (not encrypted) bomb, as gpg --sign writes
/// it (compressed by default).
#[test]
fn verify_refuses_a_strangers_signed_message_before_it_is_unpacked() {
    let k = keys();
    let wd = workdir();
    let gpg = Gpg::new();
    gpg.import(&[&k.key("stranger"), &k.key("gw_rsa")]);
    let stranger = wd.path().join("stranger.sig.gpg");
    gpg_bomb(
        &gpg,
        &["--passphrase", "", "-u", &k.fpr("stranger"), "-s"],
        &stranger,
    );
    let (code, err) = limited(
        wd.path(),
        SMALL_FILES,
        a!["verify", "--signer", k.pubkey("gw_rsa"), stranger],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains(&k.fpr("stranger")[24..]), "{err}");
    assert!(err.contains("before its content was unpacked"), "{err}");
    tree_is_clean(wd.path());

    let named = wd.path().join("named.sig.gpg");
    gpg_bomb(
        &gpg,
        &["--passphrase", "", "-u", &k.fpr("gw_rsa"), "-s"],
        &named,
    );
    let (code, err) = limited(
        wd.path(),
        FILES,
        a!["verify", "--signer", k.pubkey("gw_rsa"), named],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("compression bomb"), "{err}");
    assert!(err.contains("--max-expansion"), "{err}");
    tree_is_clean(wd.path());
}

/// The signer is named (or its name is forged in the one-pass signature,
/// which nothing authenticates before the end): the content is bounded
/// by --max-expansion (100 times the message) and 16 MiB, and the
/// refusal says which limit was hit; exit 2, never SIGXFSZ. Raised, the
/// same message is released whole.
#[test]
fn a_compression_bomb_is_refused_as_it_is_read_and_the_limit_can_be_raised() {
    let (wd, _, _, named) = workdir_with_bombs();
    let (code, err) = decrypt(wd.path(), FILES, a![], &named);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("compression bomb"), "{err}");
    assert!(err.contains("100 times its size (--max-expansion"), "{err}");
    tree_is_clean(wd.path());

    // -o FILE: the temporary file beside it is bounded the same way.
    let out = wd.path().join("answer.bin");
    let (code, err) = decrypt(wd.path(), FILES, a!["-o", out], &named);
    assert_eq!(code, 2, "{err}");
    assert!(!out.exists());
    tree_is_clean(wd.path());

    // Raised, without a file-size limit: the whole content, verified.
    let (code, err) = decrypt(
        wd.path(),
        4 * 1024 * 1024,
        a!["--max-expansion", "2000", &"-o", out],
        &named,
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(std::fs::metadata(&out).unwrap().len(), BOMB as u64);
}

/// A genuine message larger than the file-size limit: the write fails,
/// and the run says which limit (exit 2), where it was killed by SIGXFSZ
/// (status 153 in a shell).
#[test]
fn a_write_past_the_file_size_limit_is_said_not_a_signal() {
    let k = keys();
    let wd = workdir();
    let plain = wd.path().join("big.bin");
    std::fs::write(&plain, sample_bytes(3 * 1024 * 1024)).unwrap();
    let enc = wd.path().join("big.pgp");
    let (code, _, err) = run(a![
        "encrypt",
        "--recipient",
        k.pubkey("shop_ed"),
        "--sign-with",
        k.key("gw_rsa"),
        "-o",
        enc,
        plain
    ]);
    assert_eq!(code, 0, "{err}");
    for to_file in [false, true] {
        let out = wd.path().join("out.bin");
        let options = if to_file { a!["-o", out] } else { a![] };
        let (code, err) = decrypt(wd.path(), 1024, options, &enc);
        assert_eq!(code, 2, "-o: {to_file}: {err}");
        assert!(err.contains("file-size limit"), "{err}");
        assert!(!out.exists());
        tree_is_clean(wd.path());
    }
}
