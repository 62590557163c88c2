//! `minispark healthcheck`: the probe a container healthcheck runs, since a FROM-scratch image has
//! no curl. It asks one role in this container (or any URL) whether it is ready and exits 0 if so,
//! 1 with a one-line reason if not. Each role's port comes from the same variables the role reads,
//! so a compose file's environment needs no repeating.

use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::ValueEnum;
use serde_json::Value;

use crate::config::HealthcheckConfig;

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Role {
    Master,
    Worker,
    Storage,
    Driver,
}

impl Role {
    /// The port variable the role itself reads, its default and what the probe asks for.
    fn probe(self) -> (&'static str, u16, &'static str) {
        match self {
            Role::Master => ("SPARK_MASTER_WEBUI_PORT", 8080, "/json/"),
            Role::Worker => ("SPARK_WORKER_WEBUI_PORT", 8081, "/json/"),
            Role::Storage => ("MINIO_ADDRESS", 9000, "/minio/health/live"),
            Role::Driver => ("SPARK_UI_PORT", 4040, "/api/v1/applications"),
        }
    }

    /// What a healthy answer holds beyond a 2xx status.
    fn check(self, body: &[u8], alive_workers: Option<u64>) -> Result<()> {
        let json = || serde_json::from_slice::<Value>(body).context("the answer is not JSON");
        match self {
            Role::Master => {
                let status = json()?;
                if status["status"] != "ALIVE" {
                    bail!("master status is {}, not ALIVE", status["status"]);
                }
                match (alive_workers, status["aliveworkers"].as_u64()) {
                    (Some(wanted), Some(alive)) if wanted != alive => bail!("{alive} workers are ALIVE, not {wanted}"),
                    _ => Ok(()),
                }
            }
            Role::Worker => match json()?["masterwebuiurl"].as_str() {
                Some(url) if !url.is_empty() => Ok(()),
                _ => bail!("the worker has not registered with its master yet"),
            },
            Role::Storage => Ok(()),
            Role::Driver => match json()?.as_array() {
                Some(apps) if !apps.is_empty() => Ok(()),
                _ => bail!("the driver runs no application yet"),
            },
        }
    }
}

pub async fn run(args: HealthcheckConfig) -> Result<()> {
    let (url, role) = if args.target.starts_with("http://") || args.target.starts_with("https://") {
        (args.target.clone(), None)
    } else {
        let role = Role::from_str(&args.target, true).map_err(|_| {
            anyhow::anyhow!("unknown role {:?}: use master, worker, storage, driver or a URL", args.target)
        })?;
        let (variable, default_port, path) = role.probe();
        let port = match args.port {
            Some(port) => port,
            None => port_from_env(variable)?.unwrap_or(default_port),
        };
        (format!("http://{}:{port}{path}", args.host), Some(role))
    };
    let client = reqwest::Client::builder().timeout(Duration::from_secs(args.timeout.max(1))).build()?;
    let response = client.get(&url).send().await.with_context(|| format!("{url} does not answer"))?;
    let status = response.status();
    if !status.is_success() {
        bail!("{url} answered {status}");
    }
    let body = response.bytes().await.with_context(|| format!("cannot read the answer of {url}"))?;
    if let Some(role) = role {
        role.check(&body, args.alive_workers).with_context(|| url.clone())?;
    }
    println!("healthy: {url}");
    Ok(())
}

/// A port variable's value; `MINIO_ADDRESS` holds `HOST:PORT` or `:PORT`.
fn port_from_env(variable: &str) -> Result<Option<u16>> {
    let Ok(value) = std::env::var(variable) else { return Ok(None) };
    let port = value.rsplit_once(':').map_or(value.as_str(), |(_, port)| port);
    let port = port.parse().with_context(|| format!("{variable}={value:?} holds no port"))?;
    Ok(Some(port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_judge_their_answers() {
        let master = br#"{"status":"ALIVE","aliveworkers":3}"#;
        assert!(Role::Master.check(master, None).is_ok());
        assert!(Role::Master.check(master, Some(3)).is_ok());
        assert!(Role::Master.check(master, Some(5)).unwrap_err().to_string().contains("3 workers are ALIVE, not 5"));
        assert!(Role::Master.check(br#"{"status":"STANDBY"}"#, None).is_err());
        assert!(Role::Worker.check(br#"{"masterwebuiurl":""}"#, None).is_err());
        assert!(Role::Worker.check(br#"{"masterwebuiurl":"http://m:8080"}"#, None).is_ok());
        assert!(Role::Driver.check(b"[]", None).is_err());
        assert!(Role::Driver.check(br#"[{"id":"app-1"}]"#, None).is_ok());
        assert!(Role::Storage.check(b"", None).is_ok());
    }
}
