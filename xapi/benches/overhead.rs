//! Benchmark placeholder, replaced by the benchmark suite.
fn main() {}
