//! Memory as the kernel counts it: the resident set (`VmRSS`) and its high-water mark (`VmHWM`)
//! of this process or of a child the benchmark started, from `/proc/<pid>/status`. Linux only;
//! elsewhere every reading is 0.

/// Reads a `Vm...` line of a process's status file, in MiB; 0 where the file does not exist.
fn status_mib(status_file: &str, field: &str) -> f64 {
    std::fs::read_to_string(status_file)
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with(field))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kib| kib.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

/// This process's resident set now, in MiB.
pub fn resident_mib() -> f64 {
    status_mib("/proc/self/status", "VmRSS:")
}

/// The peak of this process's resident set, in MiB.
pub fn peak_resident_mib() -> f64 {
    status_mib("/proc/self/status", "VmHWM:")
}

/// The peak of the resident set of another process (a running child), in MiB.
pub fn peak_resident_mib_of(pid: u32) -> f64 {
    status_mib(&format!("/proc/{pid}/status"), "VmHWM:")
}

/// Resets the peak of the resident set to the current size (Linux 4.0+); false where it cannot.
pub fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}
