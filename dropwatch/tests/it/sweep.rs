//! `dropwatch sweep`: retention on real trees.

use std::fs;
use std::io::Read;

use crate::util::*;

fn gunzip(p: &std::path::Path) -> String {
    let mut s = String::new();
    flate2::read::GzDecoder::new(fs::File::open(p).unwrap())
        .read_to_string(&mut s)
        .unwrap();
    s
}

#[test]
fn sweep_compresses_keeps_mtime_and_purges() {
    let d = Dir::new();
    d.write_old("t/a/young", "young", 1);
    let old = d.write_old("t/a/old", "old content\n", 8);
    let old_mtime = fs::metadata(&old).unwrap().modified().unwrap();
    d.write_old("t/b/ancient", "x", 16);
    d.write_old("t/b/ancient.gz", "x", 16);
    d.write_old("t/b/older.gz", "x", 9);
    let r = d.run(&["sweep", "t"]);
    r.expect(0);
    let c = r.of_type("compressed");
    assert_eq!(c.len(), 1, "{}", r.describe());
    assert_eq!(c[0]["name"], "old");
    assert!(c[0]["gz_size"].as_u64().unwrap() > 0);
    assert_eq!(r.of_type("purged").len(), 2, "{}", r.describe());
    assert_eq!(
        d.files("t/a"),
        vec!["old.gz".to_string(), "young".to_string()]
    );
    assert_eq!(d.files("t/b"), vec!["older.gz".to_string()]);
    assert_eq!(gunzip(&d.path("t/a/old.gz")), "old content\n");
    assert_eq!(
        fs::metadata(d.path("t/a/old.gz"))
            .unwrap()
            .modified()
            .unwrap(),
        old_mtime
    );
    // Nothing left to do.
    let r = d.run(&["sweep", "t"]);
    r.expect(0);
    assert!(r.events().is_empty(), "{}", r.describe());
}

#[test]
fn sweep_dry_run_changes_nothing() {
    let d = Dir::new();
    d.write_old("t/old", "x", 8);
    d.write_old("t/ancient", "x", 20);
    let before = d.tree();
    let r = d.run(&["sweep", "--dry-run", "t"]);
    r.expect(0);
    let ev = r.events();
    assert_eq!(ev.len(), 2, "{}", r.describe());
    assert!(ev.iter().all(|e| e["dry_run"] == true));
    assert_eq!(d.tree(), before);
}

#[test]
fn sweep_custom_limits_and_rejected_files() {
    let d = Dir::new();
    d.write_old("t/x_ERROR", "x", 3);
    d.write_old("t/y", "y", 3);
    let r = d.run(&[
        "sweep",
        "--compress-after",
        "2d",
        "--delete-after",
        "10d",
        "--rejected-after",
        "1d",
        "t",
    ]);
    r.expect(0);
    assert_eq!(d.files("t"), vec!["y.gz".to_string()]);
    d.run(&["sweep", "--compress-after", "7x", "t"]).expect(2);
}

#[test]
fn sweep_never_touches_a_file_in_use_nor_follows_links() {
    let d = Dir::new();
    let f = d.write_old("t/held", "x", 20);
    let outside = d.write_old("outside/file", "keep", 20);
    std::os::unix::fs::symlink(d.path("outside"), d.path("t/link")).unwrap();
    std::os::unix::fs::symlink(&outside, d.path("t/filelink")).unwrap();
    {
        let _h = Holder::new(&f);
        let r = d.run(&["sweep", "t"]);
        r.expect(0);
        let s = r.of_type("skipped");
        assert_eq!(s.len(), 1, "{}", r.describe());
        assert_eq!(s[0]["reason"], "in_use");
        assert!(d.exists("t/held"));
    }
    assert_eq!(d.read("outside/file"), "keep");
    assert!(d.exists("t/link") && d.exists("t/filelink"));
    d.run(&["sweep", "t"]).expect(0);
    assert!(!d.exists("t/held"));
}

#[test]
fn sweep_finishes_what_a_killed_run_left() {
    let d = Dir::new();
    // killed while writing the .gz: a temporary (of a pid that no longer
    // runs), never taken for a result
    d.write_old("t/a", "aaa", 8);
    d.write("t/.a.gz.4999999.AbCdEf.paylot-tmp", "half");
    // killed after the rename, before removing the original
    let b = d.write_old("t/b", "bbb\n", 8);
    let meta = fs::metadata(&b).unwrap();
    {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut enc, b"bbb\n").unwrap();
        let gz = enc.finish().unwrap();
        write_closed(&d.path("t/b.gz"), &gz, Some(meta.modified().unwrap()));
    }
    // a young file beside an unrelated .gz of another content: left alone
    d.write("t/c", "new");
    d.write("t/c.gz", "not gzip");
    let r = d.run(&["sweep", "t"]);
    r.expect(0);
    assert_eq!(
        d.files("t"),
        vec![
            "a.gz".to_string(),
            "b.gz".to_string(),
            "c".to_string(),
            "c.gz".to_string()
        ]
    );
    assert_eq!(gunzip(&d.path("t/a.gz")), "aaa");
    assert_eq!(gunzip(&d.path("t/b.gz")), "bbb\n");
    // the leftover temporary alone (no original beside it) is cleaned
    d.write("t/.z.gz.4999999.AbCdEf.paylot-tmp", "half");
    let r = d.run(&["sweep", "t"]);
    assert_eq!(r.of_type("cleaned").len(), 1, "{}", r.describe());
    assert!(!d.exists("t/.z.gz.4999999.AbCdEf.paylot-tmp"));
}

/// A DIR named on the command line may be a symbolic link to a directory
/// (operators link drop directories into place), for every command;
/// links inside the tree are still never followed.
#[test]
fn a_root_given_as_a_symlink_is_followed_links_inside_are_not() {
    let d = Dir::new();
    d.write_old(
        "real/12345678/request_ips/20261101.12345678.PAY.REQ.T.01",
        "x\n",
        20,
    );
    d.write("elsewhere/secret", "x");
    std::os::unix::fs::symlink(d.path("elsewhere"), d.path("real/12345678/inside")).unwrap();
    std::os::unix::fs::symlink(d.path("real"), d.path("link")).unwrap();
    let r = d.run(&["sweep", "--dry-run", "link"]);
    r.expect(0);
    assert_eq!(r.of_type("purged").len(), 1, "{}", r.describe());
    assert!(!r.stderr().contains("\"link\""), "{}", r.describe());
    assert!(
        r.stderr().contains("inside"),
        "the inner link is reported: {}",
        r.describe()
    );
    d.run(&["watch", "--once", "--no-state", "--settle", "0s", "link"])
        .expect(0);
    d.run(&[
        "gateway",
        "--gateway",
        "lyra",
        "--once",
        "--settle",
        "0s",
        "--no-retention",
        "link",
    ])
    .expect(0);
    assert!(d.exists("elsewhere/secret"));
}
