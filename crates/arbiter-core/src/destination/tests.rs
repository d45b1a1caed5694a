//! Destination checks without a project: what cannot be written is refused with its reason;
//! a symbolic link is followed to what it names; a staged file replaces its target only on
//! commit and leaves nothing when dropped.

use super::*;

#[test]
fn check_refuses_what_cannot_be_a_file_and_follows_links() {
    let d = tempfile::tempdir().expect("tmp");
    let refused = |out: &Path, kind: Kind, needle: &str| {
        let e = check(None, out, kind, "x.csv")
            .expect_err(needle)
            .to_string();
        assert!(e.contains(needle), "{e:?} should contain {needle:?}");
        assert!(e.contains("(nothing was written)"), "{e}");
    };
    refused(Path::new("/dev/null"), Kind::File, "is not a regular file");
    refused(
        d.path(),
        Kind::File,
        &format!(
            "is a folder; give a file name, such as {}",
            d.path().join("x.csv").display()
        ),
    );
    std::fs::write(d.path().join("f"), b"x").expect("w");
    refused(
        &d.path().join("f/inner.csv"),
        Kind::File,
        "f: is a file, not a folder",
    );
    refused(
        &d.path().join("f"),
        Kind::Folder,
        "is a file; export an image folder",
    );
    std::os::unix::fs::symlink(d.path().join("gone"), d.path().join("dangling")).expect("ln");
    refused(
        &d.path().join("dangling"),
        Kind::File,
        "is a symbolic link to something that does not exist",
    );
    // A link to a file is followed: its target is what gets written.
    std::os::unix::fs::symlink(d.path().join("f"), d.path().join("link")).expect("ln");
    assert_eq!(
        check(None, &d.path().join("link"), Kind::File, "x.csv").expect("ok"),
        d.path().canonicalize().expect("c").join("f")
    );
    // Missing folders are fine: they are made when writing.
    assert_eq!(
        check(None, &d.path().join("a/b/c.csv"), Kind::File, "x.csv").expect("ok"),
        d.path().canonicalize().expect("c").join("a/b/c.csv")
    );
}

#[test]
fn a_staged_file_replaces_its_target_only_when_committed() {
    let d = tempfile::tempdir().expect("tmp");
    let out = d.path().join("sub/out.csv");
    let staged = Staged::begin(None, &out, Kind::File, "x.csv").expect("begin");
    std::io::Write::write_all(&mut staged.file().expect("file"), b"a,b\n").expect("w");
    assert!(!out.exists() && staged.tmp().exists());
    drop(staged);
    assert!(
        !d.path().join("sub").exists(),
        "the folder it made is removed again"
    );
    let staged = Staged::begin(None, &out, Kind::File, "x.csv").expect("begin");
    std::io::Write::write_all(&mut staged.file().expect("file"), b"a,b\n").expect("w");
    staged.commit().expect("commit");
    assert_eq!(std::fs::read(&out).expect("read"), b"a,b\n");
    let names: Vec<String> = std::fs::read_dir(d.path().join("sub"))
        .expect("dir")
        .map(|e| e.expect("e").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["out.csv"], "no temporary left");
}
