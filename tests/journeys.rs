//! The user journeys, as one test program: each links all of DataFusion and Ballista, so one
//! program instead of six saves five release links after every change to the library.
//!
//! The journeys run as threads of this one process, where they used to be processes of their own;
//! `common::sharing_the_process` and `common::alone_in_the_process` keep apart the two that must
//! not overlap the others (the container journey and the worker-log check of the browser journey).

#[path = "journeys/browser.rs"]
mod browser;
#[path = "journeys/cluster.rs"]
mod cluster;
#[path = "journeys/common.rs"]
mod common;
#[path = "journeys/connect.rs"]
mod connect;
#[path = "journeys/console.rs"]
mod console;
#[path = "journeys/container.rs"]
mod container;
#[path = "journeys/storage.rs"]
mod storage;
