//! The pure computations of phases 3 and 4: box scores → team games and player summaries →
//! rolling windows and features. No I/O: processors load rows, call these, and write the result,
//! and benchmarks run them on payloads in memory.

pub mod names;
pub mod rolling;
pub mod summary;
