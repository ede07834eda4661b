//! Official standards kept as versioned tables: office room limits, vehicle caps, energy benchmarks.
