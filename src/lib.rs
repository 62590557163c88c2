//! minispark: a Spark-standalone-shaped cluster in one binary.
//!
//! Roles: [`storage`] (S3, replaces MinIO), [`master`] (hosts the Ballista scheduler), [`worker`]
//! (hosts a Ballista executor), [`driver`] (runs applications through a Ballista client) and [`all`]
//! (every role in one process); [`connect`] serves Spark Connect to PySpark programs from the
//! driver; [`healthcheck`] probes a role for container healthchecks. [`config`] holds the one configuration shared by all of them.
//! `compat` holds the workarounds for bugs in DataFusion, datafusion-proto and Ballista that the
//! roles share.

pub mod all;
pub mod cli;
mod compat;
pub mod config;
pub mod connect;
pub mod driver;
pub mod healthcheck;
pub mod logging;
pub mod master;
pub mod s3;
pub mod service;
pub mod signals;
pub mod storage;
pub mod web;
pub mod worker;
