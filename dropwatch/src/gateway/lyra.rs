//! The sandbox as the Lyra gateway: at each pass, every file of
//! `request_ips` is judged in the gateway's order (`gateways::lyra::drop`),
//! a valid request is answered by the responder, moved to `result_ips`
//! beside its ANS, and retention applies.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};

use gateways::lyra::ids::{self, Side};
use paylot_cli::output::write_atomically;

use gateways::lyra::drop::{self, rejection, Reason};
use gateways::lyra::names::{FileKind, Mode, Name, Rejection, GZ_SUFFIX};
use gateways::lyra::schedule::rfc3339;
use paylot_cli::json::Lines;
use paylot_cli::output::rename_durably;
use paylot_cli::Error;

use super::responder::Answered;
use super::used_ids::UsedIds;
use super::{
    answered_event, free_name, rejected_event, request_event, Account, Dirs, Failure, Gateway,
    Played,
};
use crate::fsutil::{self, quote_path};
use crate::state::{GatewayState, Pending};
use crate::sweep::{Policy, Sweeper};

type Outcome = std::result::Result<(), Failure>;

impl Gateway {
    /// Write the ids the shop used in the request's mode on the days of the request `src` to the
    /// file handed to the responder (`DROPWATCH_USED_IDS`); its path.
    fn hand_used_ids(
        &self,
        src: &Path,
        st: &GatewayState,
    ) -> std::result::Result<PathBuf, Failure> {
        let shown = quote_path(src);
        let mut days = BTreeSet::new();
        let file = fs::File::open(src)
            .map_err(|e| Failure::Local(Error::io(format!("opening {shown}"), e)))?;
        // A request that cannot be read is the responder's to judge.
        let _ = ids::each_use(
            std::io::BufReader::new(file),
            Side::Request,
            &shown,
            |_, u| {
                days.insert((u.shop, u.mode, u.day));
            },
        );
        let mut bytes = Vec::new();
        ids::write_uses(&mut bytes, &st.uses_on(&days)).map_err(Failure::Local)?;
        let path = self.state_path.with_extension("used-ids");
        write_atomically(&path, &bytes).map_err(Failure::Local)?;
        Ok(path)
    }

    /// Remember the ids the answer `ans` says were used.
    fn remember_used_ids(&self, ans: &Path, st: &mut GatewayState) {
        let shown = quote_path(ans);
        let mut uses = Vec::new();
        let read = fs::File::open(ans)
            .map_err(|e| Error::reading_path(ans, e))
            .and_then(|f| {
                ids::each_use(std::io::BufReader::new(f), Side::Answer, &shown, |_, u| {
                    uses.push(u)
                })
            });
        if let Err(e) = read {
            // Another responder's answer, not a Lyra ANS: nothing to remember.
            paylot_cli::warn(
                crate::cli::TOOL,
                format_args!("{shown}: its transaction ids are not remembered (ids reused in later files will not be answered 96): {e}"),
            );
        }
        st.remember(uses);
    }

    pub(super) fn lyra_account(
        &mut self,
        acc: &Account,
        st: &mut GatewayState,
        out: &mut Lines,
    ) -> Outcome {
        let dirs = self.dirs(acc, None)?;
        let account = dirs.account;
        // Finish what a killed run left pending.
        let pending = st.pending_of(account);
        let now = jiff::Timestamp::now();
        for p in pending {
            if p.waits(now) {
                self.waiting += 1;
                continue;
            }
            // A local fault leaves it pending, for the next pass.
            let r = self.lyra_finish(&p, &dirs, st, out);
            self.settle_failure(r, None)?;
        }
        let names =
            fsutil::names_in(&dirs.upload).map_err(|e| fsutil::unreadable_dir(&dirs.upload, e))?;
        for n in names {
            // Scanned, waiting for its answer time.
            let lossy = n.to_string_lossy();
            if st
                .pending
                .iter()
                .any(|p| p.account == account && p.name == lossy)
            {
                continue;
            }
            let r = self.lyra_file(&dirs, &n, st, now, out);
            self.settle_failure(r, None)?;
        }
        if !self.args.no_retention {
            let mut sw = Sweeper::new(Policy {
                compress_after: self.args.compress_after,
                delete_after: self.args.delete_after,
                rejected_after: self.args.rejected_after,
                dry_run: false,
            });
            sw.sweep(&dirs.upload, out)?;
            sw.sweep(&dirs.answers, out)?;
            self.failures += sw.failures;
            self.unreadable += sw.unreadable;
        }
        Ok(())
    }

    fn lyra_file(
        &mut self,
        dirs: &Dirs,
        n: &OsString,
        st: &mut GatewayState,
        now: jiff::Timestamp,
        out: &mut Lines,
    ) -> Outcome {
        let (account, res_dir) = (dirs.account, &dirs.answers);
        // Passed over too: what later scans ignore.
        let Some((path, lossy, meta)) = super::upload(dirs, n, drop::ignored)? else {
            return Ok(());
        };
        if meta.file_type().is_symlink() {
            return self.lyra_reject(
                account,
                &path,
                n,
                Rejection::Error,
                "symbolic link refused (not followed)",
                out,
            );
        }
        if !meta.is_file() || !self.complete(&path, &meta) {
            return Ok(());
        }
        // On schedule: the scan that takes it (by its mode: a name the
        // gateway will reject is judged at the TEST scans, the most
        // frequent), and when its answer is published.
        let mut due = None;
        if let Some(schedule) = &self.schedule {
            let mode = Name::parse(&lossy).map_or(Mode::Test, |n| n.mode);
            let uploaded = meta
                .modified()
                .ok()
                .and_then(|t| jiff::Timestamp::try_from(t).ok())
                .unwrap_or(now);
            match schedule.when(mode, uploaded) {
                Some(w) if w.scan.timestamp() <= now => due = Some(w),
                _ => {
                    self.waiting += 1;
                    return Ok(());
                }
            }
        }
        let seen = |name: &str| {
            let in_results = res_dir.join(name).exists()
                || fsutil::append_ext(&res_dir.join(name), GZ_SUFFIX).exists();
            in_results || st.seen.get(account).is_some_and(|s| s.contains(name))
        };
        if let Err(reason) = drop::validate(n.to_str(), meta.len(), seen) {
            let detail = match &reason {
                Reason::BadName(why) => why.clone(),
                Reason::Empty => "empty file (0 bytes)".to_string(),
                Reason::Duplicate => "name already processed".to_string(),
            };
            return self.lyra_reject(account, &path, n, rejection(&reason), &detail, out);
        }
        // Claim: record before acting.
        st.seen
            .entry(account.to_string())
            .or_default()
            .insert(lossy.clone());
        let p = Pending {
            account: account.to_string(),
            name: lossy,
            due: due.as_ref().map(|w| rfc3339(&w.answer_from)),
        };
        st.pending.push(p.clone());
        self.save(st)?;
        if let Some(w) = &due {
            out.emit(
                &request_event("request_scanned", Played::Lyra, account, &p.name)
                    .with("scan", rfc3339(&w.scan))
                    .with("answer_from", rfc3339(&w.answer_from))
                    .with("answer_by", rfc3339(&w.answer_by))
                    .with("time", paylot_cli::time::now_rfc3339()),
            )?;
            if p.waits(now) {
                self.waiting += 1;
                return Ok(());
            }
        }
        match self.lyra_finish(&p, dirs, st, out) {
            Err(Failure::Local(e)) => {
                // Nothing was done to the request: unclaim it, so that the
                // next pass takes it as new.
                st.pending.retain(|q| q != &p);
                if let Some(names) = st.seen.get_mut(account) {
                    names.remove(&p.name);
                }
                Err(Failure::Local(self.save_unclaimed(st, e)))
            }
            other => other,
        }
    }

    fn lyra_reject(
        &mut self,
        account: &str,
        path: &Path,
        n: &OsString,
        why: Rejection,
        detail: &str,
        out: &mut Lines,
    ) -> Outcome {
        let dir = path.parent().unwrap_or(Path::new("."));
        let target = free_name(dir, n, why.suffix());
        rename_durably(path, &target)
            .map_err(|e| Error::io(format!("renaming {}", quote_path(path)), e))?;
        out.emit(
            &rejected_event(
                "request_rejected",
                Played::Lyra,
                account,
                &n.to_string_lossy(),
                Some(why.as_str()),
                detail,
                &target,
            )
            .with("time", paylot_cli::time::now_rfc3339()),
        )?;
        Ok(())
    }

    /// Finish a claimed request; idempotent.
    fn lyra_finish(
        &mut self,
        p: &Pending,
        dirs: &Dirs,
        st: &mut GatewayState,
        out: &mut Lines,
    ) -> Outcome {
        let req_in = dirs.upload.join(&p.name);
        let ans_name = Name::parse(&p.name)
            .map(|n| n.with_kind(FileKind::Ans).to_string())
            .ok_or_else(|| Error::trouble(format!("state: bad pending name \"{}\"", p.name)))?;
        let ans = dirs.answers.join(&ans_name);
        if !ans.exists() {
            if let Some(src) = self.claimed(p, dirs, "request") {
                let used = self.hand_used_ids(&src, st)?;
                let used_ids = [("DROPWATCH_USED_IDS", &*used.to_string_lossy())];
                let answered =
                    self.responder
                        .answer_pending(Played::Lyra, p, &src, &ans, &used_ids);
                // Only this run reads it; a leftover is rewritten by the next.
                let _ = fs::remove_file(&used);
                if let Answered::Refused(why) = answered? {
                    if req_in.exists() {
                        let n = OsString::from(&p.name);
                        self.lyra_reject(&p.account, &req_in, &n, Rejection::Error, &why, out)?;
                    }
                    st.pending.retain(|q| q != p);
                    self.save(st)?;
                    return Ok(());
                }
            }
        }
        super::move_done(p, dirs)?;
        // Saved with the end of the request: a kill before leaves it
        // pending, and its answer is read again when it is finished.
        if ans.exists() {
            self.remember_used_ids(&ans, st);
        }
        st.pending.retain(|q| q != p);
        self.save(st)?;
        if ans.exists() {
            out.emit(
                &answered_event("request_answered", Played::Lyra, &p.account, &p.name, &ans)
                    .with("time", paylot_cli::time::now_rfc3339()),
            )?;
        }
        Ok(())
    }
}
