//! The sandbox as the Paybox gateway: at each pass, the files of `in/`
//! are judged by `gateways::paybox::drop` (extension, name, size, batch
//! order); a Question is answered by the responder with
//! `<stem>.status.xml` in `out/`, or `<stem>.err` with the reason, and
//! moved to `processed/`.

use std::fs;
use std::path::Path;

use gateways::paybox::drop::{self, routing, Routing, Verdict};
use gateways::paybox::names::QuestionName;
use gateways::paybox::names::{error_file_name, status_name};
use gateways::paybox::question::{read_header, read_sealed};
use paylot_cli::json::{Lines, Record};
use paylot_cli::output::{sync_dir, write_atomically};
use paylot_cli::Error;

use super::responder::Answered;
use super::{answered_event, rejected_event, set_aside, Account, Dirs, Failure, Gateway, Played};
use crate::fsutil::{self, quote_path};
use crate::state::{GatewayState, Pending};

type Outcome = std::result::Result<(), Failure>;

impl Gateway {
    pub(super) fn paybox_account(
        &mut self,
        acc: &Account,
        st: &mut GatewayState,
        out: &mut Lines,
    ) -> Outcome {
        let dirs = self.dirs(acc, Some(super::PROCESSED))?;
        let (account, in_dir) = (dirs.account, &dirs.upload);
        for p in st.pending_of(account) {
            // A local fault leaves it pending, for the next pass.
            let r = self.paybox_finish(&p, &dirs, st, out);
            self.settle_failure(r, None)?;
        }
        let t = self.args.naming.template.clone();
        let mut candidates = Vec::new();
        let names = fsutil::names_in(in_dir).map_err(|e| fsutil::unreadable_dir(in_dir, e))?;
        for n in names {
            let path = in_dir.join(&n);
            let Ok(meta) = path.symlink_metadata() else {
                continue;
            };
            let lossy = n.to_string_lossy().into_owned();
            // Hidden files: uploads in progress under a temporary name.
            if lossy.starts_with('.') {
                continue;
            }
            if meta.file_type().is_symlink() {
                // Never followed: the link itself is removed.
                let why = "symbolic link refused (not followed)";
                self.paybox_reject(&dirs, &path, &lossy, "symlink", why, out)?;
                continue;
            }
            if !meta.is_file() || !self.complete(&path, &meta) {
                continue;
            }
            match drop::validate(n.to_str(), meta.len(), &self.args.accept, &t) {
                Verdict::Delete(detail) => {
                    fs::remove_file(&path)
                        .map_err(|e| Error::io(format!("deleting {}", quote_path(&path)), e))?;
                    sync_dir(in_dir);
                    out.emit(
                        &Record::new("file_deleted")
                            .with("gateway", "paybox")
                            .with("scheme", "paybox")
                            .with("account", account)
                            .with_path(&path)
                            .with("reason", "extension")
                            .with("detail", detail)
                            .with("time", paylot_cli::time::now_rfc3339()),
                    )?;
                }
                Verdict::Refuse(code, why) => {
                    self.paybox_reject(&dirs, &path, &lossy, code, &why, out)?;
                }
                Verdict::Question(q) => {
                    // The gateway acts on the routing data in the file.
                    match self.paybox_routing(&path, &lossy, &q) {
                        Ok(Ok(r)) => candidates.push((r.merchant_key(), r.batch, lossy)),
                        Ok(Err((code, why))) => {
                            self.paybox_reject(&dirs, &path, &lossy, code, &why, out)?
                        }
                        Err(e) => self.settle_failure(Err(Failure::Local(e)), None)?,
                    }
                }
            }
        }
        candidates.sort();
        // Batch numbers already taken, also from processed/ (if the state
        // file was lost).
        let done_names = fsutil::name_set(&dirs.done);
        for (key, batch, name) in candidates {
            let state_key = format!("{account}/{key}");
            let from_state = st.last_batch.get(&state_key).copied().unwrap_or(0);
            let from_done = done_names
                .iter()
                .filter(|d| !d.contains(".rejected"))
                .filter_map(|d| t.question_of(d))
                .filter(|q| q.merchant_key() == key)
                .map(|q| q.batch)
                .max()
                .unwrap_or(0);
            let path = in_dir.join(&name);
            if let Some(why) = drop::batch_problem(batch, from_state.max(from_done)) {
                self.paybox_reject(&dirs, &path, &name, "batch", &why, out)?;
                continue;
            }
            let before = st.last_batch.insert(state_key.clone(), batch);
            let p = Pending {
                account: account.to_string(),
                name,
                due: None,
            };
            st.pending.push(p.clone());
            self.save(st)?;
            match self.paybox_finish(&p, &dirs, st, out) {
                Err(Failure::Local(e)) => {
                    // Nothing was done to the Question: unclaim it and its
                    // batch number, so that the next pass takes it as new.
                    st.pending.retain(|q| q != &p);
                    match before {
                        Some(b) => st.last_batch.insert(state_key, b),
                        None => st.last_batch.remove(&state_key),
                    };
                    let e = self.save_unclaimed(st, e);
                    self.settle_failure(Err(Failure::Local(e)), None)?;
                }
                other => other?,
            }
        }
        Ok(())
    }

    /// The routing data of an upload, read from the file as the gateway
    /// does (`gateways::paybox::drop::routing`): `Ok(Err((code, why)))`
    /// when the gateway would refuse it, `Err` when it cannot be read here
    /// (a local fault: the file is left alone).
    fn paybox_routing(
        &self,
        path: &Path,
        name: &str,
        q: &QuestionName,
    ) -> Result<std::result::Result<Routing, (&'static str, String)>, Error> {
        let open = || fs::File::open(path).map_err(|e| Error::reading_path(path, e));
        // The whole document walked first, as `dropwatch check` judges it
        // (read_sealed): a Question malformed past its routing data gets
        // its .err, as from the gateway, where the responder's status 2
        // on it was taken for a local fault and the Question left in in/
        // for ever, every pass ending in status 2.
        match read_sealed(std::io::BufReader::new(open()?), name) {
            Err(e) if e.is_io() => return Err(e),
            Err(e) => return Ok(Err(("content", e.message().to_string()))),
            Ok(_) => {}
        }
        let header = match read_header(std::io::BufReader::new(open()?), name) {
            Ok(h) => h,
            Err(e) if e.is_io() => return Err(e),
            Err(e) => return Ok(Err(("content", e.message().to_string()))),
        };
        // The default responder takes no other document for a Question:
        // its status 2 on one was taken for a local fault, and the
        // Question left in in/ for ever.
        if let (Some(why), true) = (header.namespace_problem(), self.responder.is_default) {
            return Ok(Err(("content", why)));
        }
        if header.encrypted && self.responder.is_default {
            return Ok(Err((
                "encrypted",
                "the Merchant element is encrypted: decrypt it first with pgpwrap decrypt --element \
                 Merchant; this sandbox's default responder (xmlbatch respond) reads clear Questions \
                 only, so give it one that decrypts: --responder \"pgpwrap decrypt --element Merchant \
                 --key GATEWAY.key --verify-with SHOP.pub | xmlbatch respond\""
                    .to_string(),
            )));
        }
        Ok(routing(&header, q).map_err(|why| ("content", why.join("; "))))
    }

    /// Write `<stem>.err` with the reason, then move the file away from
    /// in/ (a symbolic link is removed, never followed).
    fn paybox_reject(
        &mut self,
        dirs: &Dirs,
        path: &Path,
        name: &str,
        code: &str,
        why: &str,
        out: &mut Lines,
    ) -> Outcome {
        let err = dirs.answers.join(error_file_name(name));
        set_aside(&err, path, name, why, &dirs.done)?;
        out.emit(
            &rejected_event(
                "question_rejected",
                Played::Paybox,
                dirs.account,
                name,
                Some(code),
                why,
                &err,
            )
            .with("time", paylot_cli::time::now_rfc3339()),
        )?;
        Ok(())
    }

    fn paybox_finish(
        &mut self,
        p: &Pending,
        dirs: &Dirs,
        st: &mut GatewayState,
        out: &mut Lines,
    ) -> Outcome {
        let status_file = status_name(&p.name);
        let status = dirs.answers.join(&status_file);
        let err = dirs.answers.join(error_file_name(&p.name));
        let mut event = None;
        if !status.exists() && !err.exists() {
            if let Some(src) = self.claimed(p, dirs, "Question") {
                let answered =
                    self.responder
                        .answer_pending(Played::Paybox, p, &src, &status, &[])?;
                if let Answered::Refused(why) = answered {
                    let reason = paylot_cli::safe(&format!("{}: {why}", p.name)).into_owned();
                    write_atomically(&err, format!("{reason}\n").as_bytes())?;
                    event = Some(rejected_event(
                        "question_rejected",
                        Played::Paybox,
                        &p.account,
                        &p.name,
                        Some("responder"),
                        &why,
                        &err,
                    ));
                }
            }
        }
        super::move_done(p, dirs)?;
        if event.is_none() && status.exists() {
            event = Some(answered_event(
                "question_answered",
                Played::Paybox,
                &p.account,
                &p.name,
                &status,
            ));
        }
        st.pending.retain(|q| q != p);
        self.save(st)?;
        if let Some(mut ev) = event {
            ev.set("time", paylot_cli::time::now_rfc3339());
            out.emit(&ev)?;
        }
        Ok(())
    }
}
