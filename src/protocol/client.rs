//! The client of the master's own API (`/minispark/v1/...` on its RPC port, next to Ballista's
//! gRPC): workers announce themselves through it, drivers register and end applications, follow
//! their jobs and list the workers.

use std::time::Duration;

use anyhow::{Context, Result, bail};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{
    ApplicationFinished, ApplicationRegistered, ApplicationRegistration, ApplicationState, JobProgress,
    WorkerAcknowledged, WorkerAnnouncement, WorkerSummary,
};
use crate::config::MasterUrl;

/// A master that does not accept a connection within this long is not going to.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Every route answers from the master's memory, so an answer this slow means a stuck master.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The master's API at one master URL. Cloning is cheap and shares the connections.
#[derive(Debug, Clone)]
pub(crate) struct MasterClient {
    master: MasterUrl,
    base_url: String,
    http: reqwest::Client,
}

/// A status and body the master answered with.
struct Answer {
    request: String,
    status: StatusCode,
    body: Vec<u8>,
}

impl MasterClient {
    pub(crate) fn new(master: &MasterUrl) -> Result<Self> {
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .build()
            .context("cannot create the HTTP client for the master's API")?;
        let base_url = format!("http://{}:{}/minispark/v1", master.host, master.port);
        Ok(Self { master: master.clone(), base_url, http })
    }

    /// The master this client talks to.
    pub(crate) fn url(&self) -> &MasterUrl {
        &self.master
    }

    /// Tells the master a worker's memory and web UI; the answer names the master's web UIs.
    pub(crate) async fn announce_worker(&self, announcement: &WorkerAnnouncement) -> Result<WorkerAcknowledged> {
        let path = format!("workers/{}", announcement.id);
        self.exchange(Method::PUT, &path, Some(announcement)).await?.json()
    }

    /// Registers an application; the answer carries its id and the cluster's task slots.
    pub(crate) async fn register_application(
        &self,
        registration: &ApplicationRegistration,
    ) -> Result<ApplicationRegistered> {
        let answer = async { self.exchange(Method::POST, "applications", Some(registration)).await?.json() };
        answer.await.with_context(|| {
            format!(
                "cannot register with the master at {}: is a master running there? The driver takes the master \
                 from --master or SPARK_MASTER_URL, and the port must be the master's RPC port (7077 unless the \
                 master was started with another --port or SPARK_MASTER_PORT), not its web UI port",
                self.master
            )
        })
    }

    /// Tells the master how an application ended.
    pub(crate) async fn finish_application(&self, id: &str, state: ApplicationState) -> Result<()> {
        let path = format!("applications/{id}/finish");
        self.exchange(Method::POST, &path, Some(&ApplicationFinished { state })).await?.success()
    }

    /// A job's stages and tasks, or None while the scheduler does not know the job.
    pub(crate) async fn job_progress(&self, job_id: &str) -> Result<Option<JobProgress>> {
        let answer = self.exchange(Method::GET, &format!("jobs/{job_id}"), None::<&()>).await?;
        if answer.status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        answer.json().map(Some)
    }

    /// The cluster's workers, alive and dead, as the master's `/json/` lists them.
    pub(crate) async fn workers(&self) -> Result<Vec<WorkerSummary>> {
        self.exchange(Method::GET, "workers", None::<&()>).await?.json()
    }

    async fn exchange(&self, method: Method, path: &str, body: Option<&impl Serialize>) -> Result<Answer> {
        let url = format!("{}/{path}", self.base_url);
        let request = format!("{method} {url}");
        let mut builder = self.http.request(method, &url);
        if let Some(body) = body {
            builder = builder.header(http::header::CONTENT_TYPE, "application/json").body(serde_json::to_vec(body)?);
        }
        let response = builder.send().await.with_context(|| format!("{request}: the master did not answer"))?;
        let status = response.status();
        let body = response.bytes().await.with_context(|| format!("{request}: the answer broke off"))?.to_vec();
        Ok(Answer { request, status, body })
    }
}

impl Answer {
    /// Fails unless the master accepted the request, quoting its reason.
    fn success(&self) -> Result<()> {
        if self.status.is_success() {
            return Ok(());
        }
        let reason = String::from_utf8_lossy(&self.body);
        let reason = if reason.trim().is_empty() { String::new() } else { format!(": {}", reason.trim()) };
        bail!("{}: the master answered {}{reason}", self.request, self.status)
    }

    fn json<R: DeserializeOwned>(self) -> Result<R> {
        self.success()?;
        serde_json::from_slice(&self.body)
            .with_context(|| format!("{}: the master's answer is not what this minispark expects", self.request))
    }
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::http::StatusCode;
    use axum::routing::{get, post};

    use super::*;

    async fn master_answering(routes: Router) -> MasterUrl {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move { axum::serve(listener, routes).await });
        MasterUrl { host: "127.0.0.1".into(), port }
    }

    #[tokio::test]
    async fn protocol_client_says_what_to_check_when_registration_fails() {
        let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let master = MasterUrl { host: "127.0.0.1".into(), port: closed.local_addr().unwrap().port() };
        drop(closed);
        let registration = ApplicationRegistration { name: "app".into(), user: "ada".into(), webui_address: None };
        let err = MasterClient::new(&master).unwrap().register_application(&registration).await.unwrap_err();
        let message = format!("{err:#}");
        for hint in [master.to_string().as_str(), "SPARK_MASTER_URL", "--master", "RPC port (7077"] {
            assert!(message.contains(hint), "{hint:?} missing from: {message}");
        }
    }

    #[tokio::test]
    async fn protocol_client_reads_answers_and_quotes_refusals() {
        let routes = Router::new()
            .route("/minispark/v1/jobs/gone", get(|| async { (StatusCode::NOT_FOUND, "no job gone") }))
            .route("/minispark/v1/jobs/bad", get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "graph unreadable") }))
            .route("/minispark/v1/applications/app-1/finish", post(|| async { StatusCode::NO_CONTENT }));
        let client = MasterClient::new(&master_answering(routes).await).unwrap();
        assert!(client.job_progress("gone").await.unwrap().is_none());
        let message = format!("{:#}", client.job_progress("bad").await.unwrap_err());
        assert!(message.contains("500") && message.ends_with(": graph unreadable"), "{message}");
        client.finish_application("app-1", ApplicationState::Finished).await.unwrap();
        assert!(client.finish_application("app-2", ApplicationState::Failed).await.is_err());
    }
}
