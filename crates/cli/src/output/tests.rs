use super::*;
use std::io::Read;

#[test]
fn atomic_output_appears_only_on_commit() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.xml");
    let mut out = Output::create(Some(&target)).unwrap();
    out.write_all(b"hello").unwrap();
    out.flush().unwrap();
    assert!(!target.exists());
    out.commit().unwrap();
    assert_eq!(fs::read(&target).unwrap(), b"hello");
    // no temporary left behind
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn a_file_handed_to_the_disk_as_it_is_written_is_whole_and_only_on_commit() {
    // Past several writeback starts, in writes of odd sizes that
    // straddle them: every byte there, in order, once committed.
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("big");
    let data: Vec<u8> = (0..3 * Writeback::EVERY + 12_345)
        .map(|i| (i % 251) as u8)
        .collect();
    let mut out = Output::create_private(Some(&target)).unwrap();
    for piece in data.chunks(100_003) {
        out.write_all(piece).unwrap();
    }
    out.flush().unwrap();
    assert!(!target.exists());
    out.commit().unwrap();
    assert!(fs::read(&target).unwrap() == data);
}

#[test]
fn modes_follow_umask_keep_the_replaced_file_or_stay_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let public = dir.path().join("public");
    write_atomically(&public, b"x").unwrap();
    // Linux tells the umask in /proc/self/status.
    let umask = fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Umask:").map(|v| v.trim().to_string()))
        })
        .and_then(|v| u32::from_str_radix(&v, 8).ok())
        .unwrap_or(0o022);
    assert_eq!(mode(&public), 0o666 & !umask);
    fs::set_permissions(&public, fs::Permissions::from_mode(0o640)).unwrap();
    write_atomically(&public, b"y").unwrap();
    assert_eq!(mode(&public), 0o640);
    let secret = dir.path().join("secret");
    write_atomically_private(&secret, b"k").unwrap();
    assert_eq!(mode(&secret), 0o600);
}

#[test]
fn devices_are_written_not_replaced_and_links_are_followed() {
    use std::os::unix::fs::FileTypeExt;
    // A named pipe stands for /dev/null, a terminal, a device.
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || fs::read(fifo).unwrap())
    };
    let mut out = Output::create(Some(&fifo)).unwrap();
    out.write_all(b"through").unwrap();
    out.commit().unwrap();
    assert!(
        fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo(),
        "replaced by a file"
    );
    assert_eq!(reader.join().unwrap(), b"through");
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        1,
        "a temporary file was made"
    );
    let real = dir.path().join("real");
    fs::write(&real, b"old").unwrap();
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    write_atomically(&link, b"new").unwrap();
    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(fs::read(&real).unwrap(), b"new");
}

#[test]
fn dropped_output_leaves_nothing_and_keeps_the_old_file() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.xml");
    fs::write(&target, b"good").unwrap();
    {
        let mut out = Output::create(Some(&target)).unwrap();
        out.write_all(b"bad half").unwrap();
    }
    assert_eq!(fs::read(&target).unwrap(), b"good");
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn held_and_spooled_bytes_are_in_files_of_mode_0600() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |f: &File| f.metadata().unwrap().permissions().mode() & 0o777;
    let mut held = Held::new();
    held.write_all(&vec![0; BUFFER + 1]).unwrap();
    assert_eq!(mode(held.file.as_ref().unwrap().get_ref()), 0o600);
    for access in [Access::Usual, Access::Private] {
        let out = Output::create_spooled(None, access).unwrap();
        let Inner::Spool(w) = &out.inner else {
            panic!("standard output is spooled");
        };
        assert_eq!(mode(w.get_ref()), 0o600, "{access:?}");
    }
}

#[test]
fn held_bytes_read_back_whole_in_memory_or_past_it() {
    for size in [0usize, 10, BUFFER, BUFFER + 1, 5 * BUFFER + 7] {
        let data: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
        let mut held = Held::new();
        for chunk in data.chunks(1000) {
            held.write_all(chunk).unwrap();
        }
        assert_eq!(held.is_empty(), size == 0);
        // Past 64 KiB, the bytes are in a file, not in memory.
        assert_eq!(held.file.is_some(), size > BUFFER, "{size}");
        let mut back = Vec::new();
        held.into_reader().unwrap().read_to_end(&mut back).unwrap();
        assert_eq!(back, data, "{size}");
    }
}
