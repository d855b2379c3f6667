//! The `nba-props` binary as users and operators run it, in one test binary (one link, and
//! its tests run side by side): commands on a small archive cut from the real data, `serve`,
//! the operations commands, and workers killed, frozen and cut off from PostgreSQL.

mod commands;
mod common;
mod faults;
mod ops;
mod replay_server;
mod serve;
