//! Disk trouble in plain words: which failures of the file system a user can act on (a full disk,
//! a read-only or unwritable directory), how they read in an error message, and a check of the
//! room left before the store writes.
//!
//! The check exists because of how sled 0.34 meets a full disk: once a write to its log fails,
//! it keeps that error and returns it for every later write until the database is reopened. A
//! running node that let sled hit a full disk would refuse everything until restarted, even after
//! space is freed. Checking first ([`check_room`]) refuses the one write with a clear error while
//! sled is still healthy, so the node writes again as soon as space is freed. The check cannot
//! close every race (another program may fill the disk between the check and the write); sled's
//! own error is then classified the same way and the message says to restart.

use std::io;
use std::path::Path;

/// Free space the store keeps on its disk beyond what a write needs. sled appends to its log in
/// 512 KiB segments, may start a new segment (and a blob file for a large value) for any write,
/// and now and then writes a snapshot of its page table; 8 MiB covers several segments and a
/// snapshot, and is nothing on any disk a node should run on.
pub const FREE_BYTES_KEPT_MIN: u64 = 8 * 1024 * 1024;

/// Free inodes the store keeps: sled writes a large value into a file of its own, which a file
/// system out of inodes refuses with "no space left on device" however many bytes are free.
pub const FREE_INODES_KEPT_MIN: u64 = 64;

/// A file-system failure the user can do something about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiskTrouble {
    /// No space left on the device, or the user's quota is used up.
    Full,
    /// The file system is mounted read-only.
    ReadOnly,
    /// The directory or file is not writable for this user.
    PermissionDenied,
}

impl DiskTrouble {
    /// The trouble behind an I/O error, if it is one of these.
    pub fn of(error: &io::Error) -> Option<Self> {
        match error.kind() {
            io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => return Some(Self::Full),
            io::ErrorKind::ReadOnlyFilesystem => return Some(Self::ReadOnly),
            io::ErrorKind::PermissionDenied => return Some(Self::PermissionDenied),
            _ => {}
        }
        // Errors rebuilt from a message (as some libraries do) keep only the OS code.
        const ENOSPC: i32 = 28;
        const EROFS: i32 = 30;
        const EDQUOT: i32 = 122;
        match error.raw_os_error() {
            Some(ENOSPC | EDQUOT) => Some(Self::Full),
            Some(EROFS) => Some(Self::ReadOnly),
            _ => None,
        }
    }

    /// What is wrong with `path` and what to do, in plain words, in the language in force.
    pub fn explain(self, path: &Path) -> String {
        self.explain_in(path, schemas::Language::current().code())
    }

    /// What is wrong with `path` and what to do, in one language of the catalogues.
    pub fn explain_in(self, path: &Path, locale: &str) -> String {
        let path = path.display();
        match self {
            Self::Full => rust_i18n::t!("node.disk.full", locale = locale, path = path),
            Self::ReadOnly => rust_i18n::t!("node.disk.read_only", locale = locale, path = path),
            Self::PermissionDenied => {
                rust_i18n::t!("node.disk.permission_denied", locale = locale, path = path)
            }
        }
        .into_owned()
    }
}

/// An I/O error on `path` in plain words: the trouble and what to do when it is one the user can
/// act on, the system's own message otherwise.
pub fn explain_io_error(path: &Path, error: &io::Error) -> String {
    match DiskTrouble::of(error) {
        Some(trouble) => trouble.explain(path),
        None => crate::t!("node.disk.other", path = path.display(), error = error).into_owned(),
    }
}

/// Why a write of `n_bytes` into `path` should not be started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoRoom {
    /// The file system is mounted read-only.
    ReadOnly,
    /// Too little space: `available_bytes` free, `needed_bytes` needed for the write, beyond
    /// which [`FREE_BYTES_KEPT_MIN`] must stay free.
    Full {
        available_bytes: u64,
        needed_bytes: u64,
    },
}

/// Bytes free (for an unprivileged user) on the file system holding `path`, if it can be asked.
pub fn available_bytes(path: &Path) -> Option<u64> {
    #[cfg(unix)]
    {
        let stats = rustix::fs::statvfs(path).ok()?;
        Some(stats.f_bavail.saturating_mul(stats.f_frsize))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// Whether a write of about `n_bytes` into the directory `path` leaves at least
/// [`FREE_BYTES_KEPT_MIN`] free (twice the bytes: sled writes a value into its log and again when
/// it compacts) and [`FREE_INODES_KEPT_MIN`] inodes. A file system that cannot be asked is assumed to have room: sled's own error
/// then says what is wrong.
pub fn check_room(path: &Path, n_bytes: u64) -> Result<(), NoRoom> {
    #[cfg(unix)]
    {
        use rustix::fs::StatVfsMountFlags;
        let Ok(stats) = rustix::fs::statvfs(path) else {
            return Ok(());
        };
        if stats.f_flag.contains(StatVfsMountFlags::RDONLY) {
            return Err(NoRoom::ReadOnly);
        }
        let available_bytes = stats.f_bavail.saturating_mul(stats.f_frsize);
        let needed_bytes = n_bytes.saturating_mul(2);
        // A file system that does not count inodes reports none at all.
        let out_of_inodes = stats.f_files > 0 && stats.f_favail < FREE_INODES_KEPT_MIN;
        if out_of_inodes || available_bytes < needed_bytes.saturating_add(FREE_BYTES_KEPT_MIN) {
            return Err(NoRoom::Full {
                available_bytes,
                needed_bytes,
            });
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (path, n_bytes);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_by_kind_and_by_os_code() {
        assert_eq!(
            DiskTrouble::of(&io::Error::from_raw_os_error(28)),
            Some(DiskTrouble::Full)
        );
        assert_eq!(
            DiskTrouble::of(&io::Error::from_raw_os_error(30)),
            Some(DiskTrouble::ReadOnly)
        );
        assert_eq!(
            DiskTrouble::of(&io::Error::from(io::ErrorKind::PermissionDenied)),
            Some(DiskTrouble::PermissionDenied)
        );
        assert_eq!(
            DiskTrouble::of(&io::Error::from(io::ErrorKind::InvalidData)),
            None
        );
    }

    #[test]
    fn explanations_name_the_path_and_the_cause() {
        let path = Path::new("/srv/huizong/store");
        let full = DiskTrouble::Full.explain_in(path, "en");
        assert!(full.contains("/srv/huizong/store") && full.contains("no space left on device"));
        let read_only = DiskTrouble::ReadOnly.explain_in(path, "en");
        assert!(read_only.contains("/srv/huizong/store") && read_only.contains("read-only"));
        let full = DiskTrouble::Full.explain_in(path, "zh-CN");
        assert!(full.contains("/srv/huizong/store") && full.contains("设备上没有剩余空间"));
        let read_only = DiskTrouble::ReadOnly.explain_in(path, "zh-CN");
        assert!(read_only.contains("/srv/huizong/store") && read_only.contains("只读文件系统"));
        let other = explain_io_error(path, &io::Error::from(io::ErrorKind::InvalidData));
        assert!(other.starts_with("/srv/huizong/store："));
    }

    #[test]
    fn a_writable_directory_has_room_for_a_small_write() {
        let directory = tempfile::tempdir().unwrap();
        // The machine running the tests has more than the margin free.
        assert_eq!(check_room(directory.path(), 1), Ok(()));
        assert!(matches!(
            check_room(directory.path(), u64::MAX / 4),
            Err(NoRoom::Full { .. })
        ));
    }
}
