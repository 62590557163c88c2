//! minispark: a Spark-standalone-shaped cluster in one binary.
//!
//! Roles: [`storage`] (S3, replaces MinIO), [`master`] (hosts the Ballista scheduler), [`worker`]
//! (hosts a Ballista executor), [`driver`] (runs applications through a Ballista client), and
//! [`connect`] (serves Spark Connect to PySpark programs on any [`connect::engine::Engine`]).
//! Roles do not know each other's internals: [`launch`] (`submit`, `driver`) and [`all`] (every
//! role in one process) put them together. [`cli`] turns the command line into one
//! [`config::Command`]; [`config`] holds the configuration every role receives. [`functions`] is
//! Spark's function library, registered alike in every role that plans or runs a query. [`healthcheck`]
//! probes a role for container healthchecks; [`paths`], [`s3`], [`service`], [`sql_text`] and
//! [`web`] are shared plumbing. The roles talk to each other through [`protocol`], which depends on none of them.
//! `compat` holds, in one place, the workarounds for bugs in DataFusion, datafusion-proto and
//! Ballista, each with a test that fails when upstream changes.

pub mod all;
pub mod cli;
mod compat;
pub mod config;
pub mod connect;
pub mod driver;
pub(crate) mod functions;
pub mod healthcheck;
pub mod launch;
pub mod logging;
pub mod master;
pub mod paths;
pub mod protocol;
pub mod s3;
pub mod service;
pub mod signals;
pub mod sql_text;
pub mod storage;
pub mod web;
pub mod worker;
