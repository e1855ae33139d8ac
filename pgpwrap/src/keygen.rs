//! `pgpwrap keygen`: a new key for the shop, usable by gpg 2.2 (v4 keys
//! that advertise only the SEIPDv1 format gpg 2.2 reads).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use paylot_cli::output::{Access, AtomicFile};
use paylot_cli::{Error, Outcome, Result};
use sequoia_openpgp as openpgp;

use openpgp::cert::prelude::*;
use openpgp::serialize::SerializeInto;
use openpgp::types::Features;

use crate::io;
use paylot_cli::PassphraseArgs;

const EXAMPLES: &str = "\
Examples:
  $ pgpwrap keygen --userid 'Shop <ops@example.com>' --out shop
  $ SHOP_PGP_PASS=... pgpwrap keygen --userid 'Shop <ops@example.com>' \\
        --passphrase-env SHOP_PGP_PASS --out shop

Writes PREFIX.key (the secret key, mode 0600: keep it) and PREFIX.pub (the
certificate to hand to the gateway: `gpg --import shop.pub`). Existing files
are not overwritten. Exit status: 0 written, 2 trouble.";

/// The key algorithms `keygen` offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Algo {
    /// Ed25519 signing, Cv25519 encryption (fast, small; gpg >= 2.1)
    Cv25519,
    /// RSA 3072 (for partners whose software predates elliptic curves)
    Rsa3k,
    /// RSA 4096
    Rsa4k,
}

/// Generate a key pair: PREFIX.key (secret) and PREFIX.pub (certificate)
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// The user id, e.g. "Shop <ops@example.com>"
    #[arg(long, short = 'u', value_name = "USERID", required = true)]
    pub userid: String,
    /// Write PREFIX.key and PREFIX.pub
    #[arg(long, value_name = "PREFIX", required = true)]
    pub out: PathBuf,
    // Protect the secret key with the passphrase read from --passphrase-file
    // PATH or --passphrase-env VAR (otherwise unprotected).
    #[command(flatten)]
    pub passphrase: PassphraseArgs,
    /// Key algorithm
    #[arg(long, value_enum, default_value = "cv25519")]
    pub algo: Algo,
    /// Days until the key expires (0: never)
    #[arg(long, value_name = "DAYS", default_value_t = 1095)]
    pub valid_days: u64,
}

fn with_suffix(prefix: &Path, suffix: &str) -> PathBuf {
    let mut s = prefix.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

pub fn run(args: Args) -> Result<Outcome> {
    if args.userid.trim().is_empty() {
        return Err(Error::trouble(
            "--userid is empty; e.g. --userid 'Shop <ops@example.com>'",
        ));
    }
    // A file's name where the prefix goes (`--out shop.key`) wrote
    // shop.key.key and shop.key.pub, which no one wants: the prefix is said.
    let out = args.out.to_string_lossy();
    for suffix in [".key", ".pub"] {
        if let Some(prefix) = out.strip_suffix(suffix).filter(|p| !p.is_empty()) {
            return Err(Error::usage(format!(
                "--out {}: give the prefix, without {suffix}: --out {} writes {} and {}",
                paylot_cli::quote(&out),
                paylot_cli::quote(prefix),
                paylot_cli::quote(&format!("{prefix}.key")),
                paylot_cli::quote(&format!("{prefix}.pub")),
            )));
        }
    }
    let key_path = with_suffix(&args.out, ".key");
    let pub_path = with_suffix(&args.out, ".pub");
    for p in [&key_path, &pub_path] {
        if p.exists() {
            return Err(Error::trouble(format!(
                "{} already exists; not overwriting a key (choose another --out)",
                paylot_cli::quote(&p.to_string_lossy())
            )));
        }
    }
    let pass = io::passphrase(&args.passphrase)?;
    let suite = match args.algo {
        Algo::Cv25519 => CipherSuite::Cv25519,
        Algo::Rsa3k => CipherSuite::RSA3k,
        Algo::Rsa4k => CipherSuite::RSA4k,
    };
    let pgp = |e: openpgp::anyhow::Error| {
        Error::trouble(format!("generating the key: {}", crate::io::describe(&e)))
    };
    let validity = (args.valid_days > 0).then(|| Duration::from_secs(args.valid_days * 86_400));
    let (cert, _rev) = CertBuilder::general_purpose([args.userid.as_str()])
        .set_cipher_suite(suite)
        .set_features(Features::empty().set_seipdv1())
        .map_err(pgp)?
        .set_validity_period(validity)
        .set_password(pass)
        .generate()
        .map_err(pgp)?;
    let secret = cert.as_tsk().armored().to_vec().map_err(pgp)?;
    let public = cert.armored().to_vec().map_err(pgp)?;
    // The secret key is 0600 from the moment it exists; the certificate
    // gets the usual mode (it is meant to be handed out). Both are
    // written and on the disk before either is put in place: a disk that
    // fills up (or the file-size limit) while the certificate is written
    // left the secret key behind, alone, under the name the next run
    // refuses to overwrite.
    let key = written(&key_path, &secret, Access::Private)?;
    let certificate = written(&pub_path, &public, Access::Usual)?;
    key.commit()?;
    if let Err(e) = certificate.commit() {
        // A rename that fails after the key's takes the key back.
        let _ = std::fs::remove_file(&key_path);
        return Err(e);
    }
    paylot_cli::say(
        crate::cli::TOOL,
        format_args!(
            "wrote {} (secret) and {} (certificate), fingerprint {}",
            paylot_cli::quote(&key_path.to_string_lossy()),
            paylot_cli::quote(&pub_path.to_string_lossy()),
            paylot_cli::text::identifier(cert.fingerprint())
        ),
    );
    Ok(Outcome::Yes)
}

/// `bytes` written to a temporary file beside `path`, flushed and synced,
/// ready to be put in place ([`AtomicFile::commit`]); removed if dropped.
fn written(path: &Path, bytes: &[u8], access: Access) -> Result<AtomicFile> {
    let mut file = AtomicFile::create(path, access)?;
    let done = file
        .writer()
        .write_all(bytes)
        .and_then(|()| file.writer().flush());
    done.and_then(|()| file.file().sync_all()).map_err(|e| {
        Error::io(
            format!("writing {}", paylot_cli::quote(&path.to_string_lossy())),
            e,
        )
    })?;
    Ok(file)
}
