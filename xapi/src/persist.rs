//! Small files written whole or not at all: the file stores of tokens and
//! of `since_id` write a temporary file beside the target, flush it to
//! disk, and rename it over the target, so a crash leaves the old content
//! or the new, never half of one.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Numbers the temporary files of this process.
static NEXT: AtomicU64 = AtomicU64::new(0);

fn temp_path(path: &Path) -> PathBuf {
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.{n}.tmp", std::process::id()))
}

/// Opens `temp` for writing, new or emptied; when `private`, readable and
/// writable by its owner only (on Unix) before anything is written to it.
fn create_temp(temp: &Path, private: bool) -> io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
        options.mode(0o600);
        let file = options.open(temp)?;
        // A file left over under this name keeps its mode: set it anyway.
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        return Ok(file);
    }
    #[cfg(not(unix))]
    let _ = private;
    options.open(temp)
}

fn write_atomic_blocking(path: &Path, bytes: &[u8], private: bool) -> io::Result<()> {
    use std::io::Write as _;
    let temp = temp_path(path);
    let written = (|| {
        let mut file = create_temp(&temp, private)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written.map_err(|e| io::Error::new(e.kind(), format!("writing {}: {e}", path.display())))?;
    // Make the rename itself durable where directories can be synced.
    #[cfg(unix)]
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if let Ok(dir) = std::fs::File::open(dir) {
            let _ = dir.sync_all();
        }
    }
    Ok(())
}

/// Replaces the content of `path` with `bytes` atomically (see the module).
#[cfg(feature = "tweets")]
pub(crate) async fn write_atomic(path: PathBuf, bytes: Vec<u8>) -> io::Result<()> {
    tokio::task::spawn_blocking(move || write_atomic_blocking(&path, &bytes, false))
        .await
        .map_err(|e| io::Error::other(format!("the file writer stopped: {e}")))?
}

/// [`write_atomic`] for secrets: on Unix the file is readable and writable
/// by its owner only (mode `0600`), from the moment its temporary file is
/// created.
pub(crate) async fn write_atomic_private(path: PathBuf, bytes: Vec<u8>) -> io::Result<()> {
    tokio::task::spawn_blocking(move || write_atomic_blocking(&path, &bytes, true))
        .await
        .map_err(|e| io::Error::other(format!("the file writer stopped: {e}")))?
}

/// The content of `path`, or `None` if there is no such file.
pub(crate) async fn read_optional(path: PathBuf) -> io::Result<Option<Vec<u8>>> {
    tokio::task::spawn_blocking(move || match std::fs::read(&path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io::Error::new(
            e.kind(),
            format!("reading {}: {e}", path.display()),
        )),
    })
    .await
    .map_err(|e| io::Error::other(format!("the file reader stopped: {e}")))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn replaces_whole_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().expect("test setup");
        let path = dir.path().join("state");
        assert_eq!(read_optional(path.clone()).await.expect("test setup"), None);
        write_atomic(path.clone(), b"first, longer content".to_vec())
            .await
            .expect("test setup");
        write_atomic(path.clone(), b"second".to_vec())
            .await
            .expect("test setup");
        assert_eq!(
            read_optional(path.clone())
                .await
                .expect("test setup")
                .as_deref(),
            Some(&b"second"[..])
        );
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("test setup")
            .map(|e| e.expect("test setup").file_name())
            .collect();
        assert_eq!(names, ["state"]);
    }

    #[tokio::test]
    async fn errors_name_the_file() {
        let dir = tempfile::tempdir().expect("test setup");
        let path = dir.path().join("missing-dir").join("state");
        let e = write_atomic(path, b"x".to_vec())
            .await
            .expect_err("an error");
        assert!(e.to_string().contains("missing-dir"), "{e}");
    }
}
