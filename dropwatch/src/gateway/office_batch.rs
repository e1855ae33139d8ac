//! The sandbox as Sips Office Batch: each complete request file of an
//! account's `in/` is answered by the responder with one response file
//! in `out/` (`gateways::sips::batch::response_name`), and moved to
//! `processed/`. Worldline's directories, file names, ZIP packaging and
//! file-level rejections are not published: the tree is this project's
//! (the same words as the Paybox tree), and the sandbox refuses only what
//! it cannot answer at all — a link, an empty file, a file that is not an
//! Office Batch request — with `<name>.err` in `out/` saying why.

use std::ffi::OsString;
use std::fs;
use std::io::Read;
use std::path::Path;

use gateways::sips::batch::{response_name, REQUEST_START};
use paylot_cli::json::Lines;
use paylot_cli::Error;

use super::responder::Answered;
use super::{answered_event, rejected_event, set_aside, Account, Dirs, Failure, Gateway, Played};
use crate::fsutil;
use crate::state::{GatewayState, Pending};

type Outcome = std::result::Result<(), Failure>;

impl Gateway {
    pub(super) fn office_batch_account(
        &mut self,
        acc: &Account,
        st: &mut GatewayState,
        out: &mut Lines,
    ) -> Outcome {
        let dirs = self.dirs(acc, Some(super::PROCESSED))?;
        for p in st.pending_of(dirs.account) {
            let r = self.office_batch_finish(&p, &dirs, st, out);
            self.settle_failure(r, None)?;
        }
        let names =
            fsutil::names_in(&dirs.upload).map_err(|e| fsutil::unreadable_dir(&dirs.upload, e))?;
        for n in names {
            let r = self.office_batch_file(&dirs, &n, st, out);
            self.settle_failure(r, None)?;
        }
        Ok(())
    }

    fn office_batch_file(
        &mut self,
        dirs: &Dirs,
        n: &OsString,
        st: &mut GatewayState,
        out: &mut Lines,
    ) -> Outcome {
        let Some((path, name, meta)) = super::upload(dirs, n, |_| false)? else {
            return Ok(());
        };
        if meta.file_type().is_symlink() {
            return self.office_batch_reject(
                dirs,
                &path,
                &name,
                "symbolic link refused (not followed)",
                out,
            );
        }
        if !meta.is_file() || !self.complete(&path, &meta) {
            return Ok(());
        }
        // A claimed request is found again by its name as the state file
        // keeps it (text): a name that is not UTF-8 would be claimed
        // under another spelling, never found, never answered nor
        // refused, and said "disappeared" at every pass.
        if n.to_str().is_none() {
            return self.office_batch_reject(
                dirs,
                &path,
                &name,
                "bad name: not valid UTF-8 (rename it with letters, digits, '.', '_' or '-')",
                out,
            );
        }
        // Its first bytes (after a UTF-8 BOM) say what it is.
        let mut head = Vec::new();
        fs::File::open(&path)
            .and_then(|f| {
                f.take(REQUEST_START.len() as u64 + 3)
                    .read_to_end(&mut head)
            })
            .map_err(|e| Failure::Local(Error::reading_path(&path, e)))?;
        let head = head
            .strip_prefix(b"\xEF\xBB\xBF".as_slice())
            .unwrap_or(&head);
        if !head.starts_with(REQUEST_START) {
            let why = if meta.len() == 0 {
                "empty file (0 bytes)"
            } else {
                "not an Office Batch request file (expected FILE;request;office;vNN as its first line)"
            };
            return self.office_batch_reject(dirs, &path, &name, why, out);
        }
        // Claim: record before acting.
        let p = Pending {
            account: dirs.account.to_string(),
            name,
            due: None,
        };
        st.pending.push(p.clone());
        self.save(st)?;
        match self.office_batch_finish(&p, dirs, st, out) {
            Err(Failure::Local(e)) => {
                st.pending.retain(|q| q != &p);
                Err(Failure::Local(self.save_unclaimed(st, e)))
            }
            other => other,
        }
    }

    /// `<name>.err` in out/ with the reason; the file moved to
    /// processed/ (a link removed, never followed).
    fn office_batch_reject(
        &mut self,
        dirs: &Dirs,
        path: &Path,
        name: &str,
        why: &str,
        out: &mut Lines,
    ) -> Outcome {
        let err = dirs.answers.join(format!("{name}.err"));
        set_aside(&err, path, name, why, &dirs.done)?;
        out.emit(
            &rejected_event(
                "request_rejected",
                Played::SipsOfficeBatch,
                dirs.account,
                name,
                None,
                why,
                &err,
            )
            .with("time", paylot_cli::time::now_rfc3339()),
        )?;
        Ok(())
    }

    /// Finish a claimed request; idempotent.
    fn office_batch_finish(
        &mut self,
        p: &Pending,
        dirs: &Dirs,
        st: &mut GatewayState,
        out: &mut Lines,
    ) -> Outcome {
        let req_in = dirs.upload.join(&p.name);
        let answer_name = response_name(&p.name);
        let answer = dirs.answers.join(&answer_name);
        if !answer.exists() {
            if let Some(src) = self.claimed(p, dirs, "request") {
                let answered = self.responder.answer_pending(
                    Played::SipsOfficeBatch,
                    p,
                    &src,
                    &answer,
                    &[],
                )?;
                if let Answered::Refused(why) = answered {
                    if req_in.exists() {
                        self.office_batch_reject(dirs, &req_in, &p.name, &why, out)?;
                    }
                    st.pending.retain(|q| q != p);
                    self.save(st)?;
                    return Ok(());
                }
            }
        }
        super::move_done(p, dirs)?;
        st.pending.retain(|q| q != p);
        self.save(st)?;
        if answer.exists() {
            out.emit(
                &answered_event(
                    "request_answered",
                    Played::SipsOfficeBatch,
                    &p.account,
                    &p.name,
                    &answer,
                )
                .with("time", paylot_cli::time::now_rfc3339()),
            )?;
        }
        Ok(())
    }
}
