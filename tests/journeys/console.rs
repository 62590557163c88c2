//! The storage console (port 9001), as a person uses it: log in with the root credentials (and
//! be refused with a wrong password), create a bucket, upload a file, see it listed, download it
//! and get the same bytes, delete it, log out. Driven in headless Chromium through chromium-driver
//! (WebDriver), which .ci/run installs; screenshots go to `target/screenshots/console-*.png`.
//!
//! The console's API is checked without a browser too: its session cookie, big uploads going to
//! the store in multipart parts, and errors the store gives (a non-empty bucket, a missing key).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use minispark::config::S3Config;
use minispark::service::Service;
use object_store::ObjectStoreExt;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::common::{
    ROOT_PASSWORD, ROOT_USER, chromium_or_skip, root_s3, screenshots, sharing_the_process, storage_config,
};

struct Storage {
    s3: Service,
    console: Service,
    shutdown: CancellationToken,
    _dir: tempfile::TempDir,
}

impl Storage {
    async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = storage_config(dir.path().join("storage"));
        let shutdown = CancellationToken::new();
        let s3 = minispark::storage::start(&config, shutdown.clone()).await.unwrap();
        let console = minispark::storage::start_console(&config, s3.address, shutdown.clone()).await.unwrap();
        Self { s3, console, shutdown, _dir: dir }
    }

    fn console_url(&self) -> String {
        format!("http://{}", self.console.address)
    }

    fn s3_config(&self) -> S3Config {
        root_s3(format!("http://{}", self.s3.address))
    }

    async fn stop(self) {
        self.shutdown.cancel();
        self.console.stopped().await.unwrap();
        self.s3.stopped().await.unwrap();
    }
}

/// The console's API as the page uses it: JSON in and out, the session cookie sent back.
struct Api {
    url: String,
    http: reqwest::Client,
    cookie: Option<String>,
}

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: bytes::Bytes,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|_| panic!("not JSON: {:?}", self.body))
    }
}

impl Api {
    fn new(url: String) -> Self {
        Self { url, http: reqwest::Client::new(), cookie: None }
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<reqwest::Body>,
        content_type: &str,
    ) -> Answer {
        let mut request = self.http.request(method, format!("{}{path}", self.url));
        if let Some(cookie) = &self.cookie {
            request = request.header("cookie", cookie);
        }
        if let Some(body) = body {
            request = request.header("content-type", content_type).body(body);
        }
        let response = request.send().await.unwrap();
        let (status, headers) = (response.status().as_u16(), response.headers().clone());
        Answer { status, headers, body: response.bytes().await.unwrap() }
    }

    async fn get(&self, path: &str) -> Answer {
        self.send(reqwest::Method::GET, path, None, "").await
    }

    async fn post(&self, path: &str, body: Value) -> Answer {
        self.send(reqwest::Method::POST, path, Some(body.to_string().into()), "application/json").await
    }

    async fn delete(&self, path: &str) -> Answer {
        self.send(reqwest::Method::DELETE, path, None, "").await
    }

    /// Logs in and keeps the session cookie, as a browser does.
    async fn log_in(&mut self, secret: &str) -> Answer {
        let answer = self.post("/api/v1/login", json!({ "accessKey": ROOT_USER, "secretKey": secret })).await;
        if let Some(cookie) = answer.headers.get("set-cookie") {
            self.cookie = Some(cookie.to_str().unwrap().split(';').next().unwrap().to_string());
        }
        answer
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_api_keeps_credentials_server_side_and_uploads_big_files_in_parts() {
    let _process = sharing_the_process().await;
    let storage = Storage::start().await;
    let mut api = Api::new(storage.console_url());

    // Without a session nothing answers but the login and the health page.
    assert_eq!(api.get("/api/v1/buckets").await.status, 401);
    let health = api.get("/api/v1/health").await.json();
    assert_eq!((health["live"].as_bool(), health["ready"].as_bool()), (Some(true), Some(true)), "{health}");
    let wrong = api.log_in("not-her-password").await;
    assert_eq!(wrong.status, 401);
    assert!(api.cookie.is_none());
    assert_eq!(wrong.json()["error"], "Wrong access key or secret key.");

    // The cookie holds a session id only, out of scripts' and other sites' reach.
    let login = api.log_in(ROOT_PASSWORD).await;
    assert_eq!(login.status, 204);
    let cookie = login.headers["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(!cookie.contains("lovelace"), "{cookie}");
    assert_eq!(api.get("/api/v1/session").await.json()["user"], ROOT_USER);
    let buckets = api.get("/api/v1/buckets").await.json();
    let names: Vec<&str> = buckets["buckets"].as_array().unwrap().iter().map(|b| b["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["spark-data", "spark-output"]);

    // 20 MiB: three parts of at most 8 MiB, as the multipart ETag's suffix says.
    let big: Vec<u8> = (0..20 * 1024 * 1024u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
    let put = reqwest::Method::PUT;
    let path = "/api/v1/buckets/spark-data/objects";
    let uploaded =
        api.send(put, &format!("{path}?key=big/blob.bin"), Some(big.clone().into()), "application/x-test").await;
    assert_eq!(uploaded.status, 201);
    let uploaded = uploaded.json();
    assert_eq!(uploaded["size"], big.len());
    assert!(uploaded["etag"].as_str().unwrap().ends_with("-3\""), "{uploaded}");
    let downloaded = api.get(&format!("{path}/download?key=big/blob.bin")).await;
    assert!(downloaded.headers["content-disposition"].to_str().unwrap().contains("filename=\"blob.bin\""));
    assert!(downloaded.body == big, "the download differs from the upload");
    let details = api.get(&format!("{path}/details?key=big/blob.bin")).await.json();
    assert_eq!(details["size"].as_u64(), Some(big.len() as u64), "{details}");
    assert_eq!(details["contentType"], "application/x-test", "{details}");
    assert_eq!(api.get(path).await.json()["folders"], json!(["big/"]));

    // What the store refuses reaches the page as a message.
    let not_empty = api.delete("/api/v1/buckets/spark-data").await;
    assert_eq!(not_empty.status, 409);
    assert!(not_empty.json()["error"].as_str().unwrap().contains("not empty"), "{}", not_empty.json());
    let missing = api.get(&format!("{path}/details?key=no/such/key")).await;
    assert_eq!(missing.status, 404);
    let bad_name = api.post("/api/v1/buckets", json!({ "name": "Not A Bucket!" })).await;
    assert_eq!(bad_name.status, 400);
    assert!(!bad_name.json()["error"].as_str().unwrap().is_empty());

    // Logging out ends the session on the server, not only in the browser.
    assert_eq!(api.post("/api/v1/logout", json!({})).await.status, 204);
    assert_eq!(api.get("/api/v1/buckets").await.status, 401);
    assert_eq!(api.delete("/api/v1/buckets/spark-data").await.status, 401);
    storage.stop().await;
}

/// chromium-driver on a free port, stopped when dropped.
struct Driver(Child, u16);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn chromedriver() -> Option<Driver> {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    Some(Driver(child, port))
}

async fn browser(driver: &Driver, downloads: &Path, profile: &Path) -> Client {
    let capabilities = json!({
        "goog:chromeOptions": {
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--window-size=1280,900",
                     format!("--user-data-dir={}", profile.display())],
            "prefs": {
                "download.default_directory": downloads.display().to_string(),
                "download.prompt_for_download": false,
            },
        },
    });
    let Value::Object(capabilities) = capabilities else { unreachable!() };
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    // chromium-driver takes a moment to listen.
    for _ in 0..100 {
        let connected = ClientBuilder::new(connector.clone())
            .capabilities(capabilities.clone())
            .connect(&format!("http://127.0.0.1:{}", driver.1))
            .await;
        if let Ok(client) = connected {
            return client;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromium-driver did not start a browser");
}

async fn screenshot(client: &Client, name: &str) {
    let png = client.screenshot().await.unwrap();
    std::fs::write(screenshots().join(format!("console-{name}.png")), png).unwrap();
}

/// Waits until the page's text contains `text`.
async fn wait_for_text(client: &Client, text: &str) {
    for _ in 0..100 {
        let body = client.find(Locator::Css("body")).await.unwrap().text().await.unwrap();
        if body.contains(text) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let body = client.find(Locator::Css("body")).await.unwrap().text().await.unwrap();
    panic!("the page never showed {text:?}; it shows:\n{body}");
}

async fn wait_until_gone(client: &Client, css: &str) {
    for _ in 0..100 {
        if client.find_all(Locator::Css(css)).await.unwrap().is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{css} is still on the page");
}

async fn log_in(client: &Client, secret: &str) {
    let secret_field = client.wait().for_element(Locator::Id("secret-key")).await.unwrap();
    let user = client.find(Locator::Id("access-key")).await.unwrap();
    user.clear().await.unwrap();
    user.send_keys(ROOT_USER).await.unwrap();
    secret_field.clear().await.unwrap();
    secret_field.send_keys(secret).await.unwrap();
    client.find(Locator::Id("login-button")).await.unwrap().click().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_logs_in_uploads_downloads_deletes_and_logs_out_in_the_console() {
    let _process = sharing_the_process().await;
    if chromium_or_skip().is_none() {
        return;
    }
    let Some(driver) = chromedriver() else {
        assert!(std::env::var_os("CI").is_none(), "CI must provide chromedriver (.ci/run installs chromium-driver)");
        eprintln!("skipped the console browser journey: no chromedriver on this machine");
        return;
    };
    let storage = Storage::start().await;
    let work = tempfile::tempdir().unwrap();
    let downloads = work.path().join("downloads");
    std::fs::create_dir_all(&downloads).unwrap();
    let client = browser(&driver, &downloads, &work.path().join("profile")).await;
    client.goto(&storage.console_url()).await.unwrap();

    log_in(&client, "not-her-password").await;
    let refused = client.wait().for_element(Locator::Id("login-error")).await.unwrap();
    for _ in 0..50 {
        if !refused.text().await.unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(refused.text().await.unwrap(), "Wrong access key or secret key.");
    screenshot(&client, "wrong-password").await;

    log_in(&client, ROOT_PASSWORD).await;
    wait_for_text(&client, "Buckets (2)").await;
    wait_for_text(&client, "spark-output").await;
    screenshot(&client, "buckets").await;

    client.find(Locator::Id("new-bucket")).await.unwrap().send_keys("holiday-photos").await.unwrap();
    client.find(Locator::Id("create-bucket")).await.unwrap().click().await.unwrap();
    wait_for_text(&client, "Buckets (3)").await;
    client.find(Locator::LinkText("holiday-photos")).await.unwrap().click().await.unwrap();

    let photo = work.path().join("beach.jpg");
    let bytes: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&photo, &bytes).unwrap();
    let input = client.wait().for_element(Locator::Id("upload-input")).await.unwrap();
    input.send_keys(&photo.display().to_string()).await.unwrap();
    let row = client.wait().for_element(Locator::Css(r#"tr.object[data-key="beach.jpg"]"#)).await.unwrap();
    screenshot(&client, "uploaded").await;
    let stored = minispark::s3::bucket_client(&storage.s3_config(), "holiday-photos").unwrap();
    let path = object_store::path::Path::from("beach.jpg");
    assert_eq!(stored.get(&path).await.unwrap().bytes().await.unwrap().as_ref(), &bytes[..]);

    row.find(Locator::Css("a.download")).await.unwrap().click().await.unwrap();
    let downloaded = downloads.join("beach.jpg");
    for _ in 0..100 {
        if std::fs::read(&downloaded).is_ok_and(|got| got.len() == bytes.len()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(std::fs::read(&downloaded).unwrap() == bytes, "the downloaded file differs from the uploaded one");

    row.find(Locator::Css("button.delete-object")).await.unwrap().click().await.unwrap();
    client.accept_alert().await.unwrap();
    wait_until_gone(&client, r#"tr.object[data-key="beach.jpg"]"#).await;
    assert!(stored.head(&path).await.is_err(), "the object is still stored");
    screenshot(&client, "deleted").await;

    client.find(Locator::Id("logout")).await.unwrap().click().await.unwrap();
    client.wait().for_element(Locator::Id("login-button")).await.unwrap();
    screenshot(&client, "logged-out").await;
    client.goto(&format!("{}/#/buckets", storage.console_url())).await.unwrap();
    client.wait().for_element(Locator::Id("login-button")).await.unwrap();
    client.close().await.unwrap();
    storage.stop().await;
}
