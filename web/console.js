// The storage console. One logs in with S3 keys (the server then keeps the session in an HttpOnly
// cookie, so this script never holds credentials), then browses buckets and folders, uploads files
// (file picker or drag and drop, with progress), downloads, inspects and deletes objects, and sees
// the server's health. The URL's hash picks the view, so views can be bookmarked and reloaded:
// #/buckets, #/browse/{bucket}/{prefix}, #/object/{bucket}/{key}, #/health.
"use strict";
const m = minispark;
const esc = m.escape;
const $ = (id) => document.getElementById(id);
const view = $("view");
// The page comes with an empty header slot: the console names itself there and keeps its nav.
if (!$("console-nav")) document.querySelector("header").insertAdjacentHTML("beforeend", `<span>Storage console</span> <nav id="console-nav"></nav>`);
const nav = $("console-nav");

class ApiError extends Error {
  constructor(status, text) {
    let message = text;
    try {
      message = JSON.parse(text).error || text;
    } catch {
      // Not JSON (a proxy's page, an empty body): the text, or the status below, is all there is.
    }
    super(message || `The server answered ${status}.`);
    this.status = status;
  }
}

async function api(method, url, body) {
  const init = { method, cache: "no-store" };
  if (body !== undefined) Object.assign(init, { headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  const response = await fetch(url, init);
  const text = await response.text();
  if (!response.ok) throw new ApiError(response.status, text);
  return text ? JSON.parse(text) : null;
}

const bucketUrl = (bucket) => `/api/v1/buckets/${encodeURIComponent(bucket)}`;
const objectUrl = (bucket, key, action = "") => `${bucketUrl(bucket)}/objects${action}?key=${encodeURIComponent(key)}`;
// Hash paths keep the keys' slashes readable; every segment is encoded on its own.
const encodePath = (path) => path.split("/").map(encodeURIComponent).join("/");
const browseHref = (bucket, prefix = "") => `#/browse/${encodeURIComponent(bucket)}/${encodePath(prefix)}`;
const objectHref = (bucket, key) => `#/object/${encodeURIComponent(bucket)}/${encodePath(key)}`;
const parentOf = (key) => key.slice(0, key.lastIndexOf("/") + 1);
const isoTime = (text) => m.time(Date.parse(text));

// Buckets / bucket / folder / … with every level a link; `key` may end in a file name.
function crumbs(bucket, key = "") {
  const parts = key.split("/");
  const links = parts.slice(0, -1).map((part, i) =>
    `<a href="${browseHref(bucket, `${parts.slice(0, i + 1).join("/")}/`)}">${esc(part)}</a>`);
  if (parts[parts.length - 1]) links.push(`<a href="${objectHref(bucket, key)}">${esc(parts[parts.length - 1])}</a>`);
  return `<nav class="crumbs"><a href="#/buckets">Buckets</a> / <a href="${browseHref(bucket)}">${esc(bucket)}</a>` +
    links.map((link) => ` / ${link}`).join("") + "</nav>";
}

function showError(e) {
  if (e.status === 401) return showLogin();
  $("error").textContent = e.message;
}

// ---- session ----

function showLogin() {
  $("error").textContent = "";
  view.innerHTML = "";
  nav.innerHTML = "";
  $("login").hidden = false;
  $("access-key").focus();
  document.title = "minispark Storage console";
}

async function start() {
  try {
    const session = await api("GET", "/api/v1/session");
    $("login").hidden = true;
    nav.innerHTML = `<a href="#/buckets">Buckets</a> <a href="#/health">Health</a>` +
      `<span class="session">Logged in as <b id="user">${esc(session.user)}</b> ` +
      `<button id="logout" type="button">Log out</button></span>`;
    document.title = `minispark Storage console - ${session.user}`;
    await route();
  } catch (e) {
    showError(e);
  }
}

$("login").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  $("login-error").textContent = "";
  try {
    await api("POST", "/api/v1/login", { accessKey: form.accessKey.value, secretKey: form.secretKey.value });
    form.reset();
    await start();
  } catch (e) {
    $("login-error").textContent = e.message;
  }
});

document.addEventListener("click", async (event) => {
  if (event.target.id !== "logout") return;
  try {
    await api("POST", "/api/v1/logout");
  } catch (e) {
    // Logged out already, or the server is gone: the login form is the right page either way.
  }
  showLogin();
});

// ---- views ----

const views = { buckets: bucketsView, browse: browseView, object: objectView, health: healthView };
// The view on screen: its name, bucket and path (prefix or key), decoded.
let here = {};
let routed = 0;

async function route() {
  if (!$("login").hidden) return;
  const ticket = ++routed;
  try {
    const [, name = "buckets", bucket = "", ...rest] = location.hash.split("/").map(decodeURIComponent);
    const target = { name: views[name] ? name : "buckets", bucket, path: rest.join("/") };
    const render = await views[target.name](target.bucket, target.path);
    // A newer navigation wins over a slower, older one.
    if (ticket !== routed) return;
    here = target;
    $("error").textContent = "";
    render();
  } catch (e) {
    if (ticket === routed) showError(e);
  }
}
window.addEventListener("hashchange", route);

// Each view fetches its data, then returns the function that draws it.
async function bucketsView() {
  const { buckets } = await api("GET", "/api/v1/buckets");
  return () => {
    view.innerHTML = `<h1>Buckets (${buckets.length})</h1>
      <form id="create-form" class="toolbar">
        <input id="new-bucket" name="bucket" placeholder="new-bucket-name" aria-label="New bucket name" required>
        <button id="create-bucket" type="submit" class="primary">Create bucket</button>
      </form><div id="buckets"></div>`;
    m.table($("buckets"), [["Name"], ["Objects", "num"], ["Size", "num"], ["Created"], [""]], buckets.map((b) => [
      `<a href="${browseHref(b.name)}">${esc(b.name)}</a>`, m.count(b.objects), m.bytes(b.size), isoTime(b.creationDate),
      `<button type="button" class="delete-bucket danger" data-bucket="${esc(b.name)}">Delete</button>`,
    ]), "No bucket yet: create one above.");
    $("create-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        await api("POST", "/api/v1/buckets", { name: $("new-bucket").value.trim() });
        await route();
      } catch (e) {
        showError(e);
      }
    });
  };
}

async function browseView(bucket, prefix) {
  const listing = await api("GET", `${bucketUrl(bucket)}/objects?prefix=${encodeURIComponent(prefix)}`);
  return () => {
    view.innerHTML = `<h1>${crumbs(bucket, prefix)}</h1>
      <div class="toolbar">
        <label class="button primary" for="upload-input">Upload files</label>
        <input type="file" id="upload-input" class="visually-hidden" multiple>
        <form id="folder-form" class="toolbar-form">
          <input id="new-folder" name="folder" placeholder="folder name" aria-label="New folder name" required>
          <button id="create-folder" type="submit">Create folder</button>
        </form>
        <span class="muted">or drop files on the list to upload them here.</span>
      </div>
      <div id="uploads"></div>
      <div id="drop-zone"><div id="listing"></div></div>`;
    drawListing(listing);
    $("upload-input").addEventListener("change", (event) => {
      upload(bucket, prefix, [...event.target.files]);
      event.target.value = "";
    });
    // A new folder is only a prefix: it exists once a file is uploaded into it.
    $("folder-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const name = $("new-folder").value.trim().replace(/^\/+|\/+$/g, "");
      if (name) location.hash = browseHref(bucket, `${prefix}${name}/`);
    });
    const zone = $("drop-zone");
    let inside = 0;
    const dragging = (on) => zone.classList.toggle("dragging", on);
    zone.addEventListener("dragenter", (event) => {
      event.preventDefault();
      inside += 1;
      dragging(true);
    });
    zone.addEventListener("dragover", (event) => event.preventDefault());
    zone.addEventListener("dragleave", () => {
      inside -= 1;
      if (inside <= 0) dragging(false);
    });
    zone.addEventListener("drop", (event) => {
      event.preventDefault();
      inside = 0;
      dragging(false);
      upload(bucket, prefix, [...event.dataTransfer.files]);
    });
  };
}

function drawListing({ bucket, prefix, folders, objects }) {
  const element = $("listing");
  if (!element) return;
  const folderRows = folders.map((folder) => ({
    attributes: `class="folder" data-prefix="${esc(folder)}"`,
    cells: [`<a href="${browseHref(bucket, folder)}">${esc(folder.slice(prefix.length))}</a>`, "", "", ""],
  }));
  const objectRows = objects.map((o) => ({
    attributes: `class="object" data-key="${esc(o.key)}"`,
    cells: [
      `<a href="${objectHref(bucket, o.key)}">${esc(o.name)}</a>`, m.bytes(o.size), isoTime(o.lastModified),
      `<a class="download button" href="${esc(objectUrl(bucket, o.key, "/download"))}">Download</a> ` +
        `<button type="button" class="delete-object danger" data-bucket="${esc(bucket)}" data-key="${esc(o.key)}">Delete</button>`,
    ],
  }));
  m.table(element, [["Name"], ["Size", "num"], ["Last Modified"], [""]], [...folderRows, ...objectRows],
    "This folder is empty: drop files here, or use Upload files.");
}

async function refreshListing(bucket, prefix) {
  if (here.name !== "browse" || here.bucket !== bucket || here.path !== prefix) return;
  drawListing(await api("GET", `${bucketUrl(bucket)}/objects?prefix=${encodeURIComponent(prefix)}`));
}

async function objectView(bucket, key) {
  const o = await api("GET", objectUrl(bucket, key, "/details"));
  return () => {
    const metadata = Object.entries(o.metadata || {});
    view.innerHTML = `<h1>${crumbs(bucket, key)}</h1>
      <div class="toolbar">
        <a class="download button primary" href="${esc(objectUrl(bucket, key, "/download"))}">Download</a>
        <button id="delete-object" type="button" class="delete-object danger" data-bucket="${esc(bucket)}" data-key="${esc(key)}">Delete</button>
      </div>
      <dl class="summary">
        <dt>Bucket</dt><dd>${esc(bucket)}</dd>
        <dt>Key</dt><dd class="mono">${esc(o.key)}</dd>
        <dt>Size</dt><dd>${m.bytes(o.size)} (${m.count(o.size)} bytes)</dd>
        <dt>ETag</dt><dd class="mono">${esc(o.etag)}</dd>
        <dt>Content type</dt><dd class="mono">${esc(o.contentType)}</dd>
        <dt>Last modified</dt><dd>${isoTime(o.lastModified)}</dd>
      </dl>
      <h2>Metadata (${metadata.length})</h2><div id="metadata"></div>`;
    m.table($("metadata"), [["Name", "mono"], ["Value", "wrap"]],
      metadata.map(([name, value]) => [esc(name), esc(value)]), "No user metadata.");
  };
}

async function healthView() {
  const h = await api("GET", "/api/v1/health");
  return () => {
    view.innerHTML = `<h1>Health</h1><dl class="summary">
      <dt>Live</dt><dd id="live">${m.state(h.live ? "LIVE" : "DOWN")}</dd>
      <dt>Ready</dt><dd id="ready">${m.state(h.ready ? "READY" : "NOT_READY")}</dd>
      <dt>S3 endpoint</dt><dd class="mono">${esc(h.endpoint)}</dd>
      <dt>Version</dt><dd>${esc(h.version)}</dd>
      <dt>Uptime</dt><dd>${m.duration(h.uptimeSeconds * 1000)}</dd>
    </dl>`;
  };
}

// ---- deleting ----

view.addEventListener("click", async (event) => {
  const button = event.target.closest("button.delete-bucket, button.delete-object");
  if (!button) return;
  const { bucket, key } = button.dataset;
  try {
    if (button.classList.contains("delete-bucket")) {
      if (!confirm(`Delete the bucket "${bucket}"?`)) return;
      await api("DELETE", bucketUrl(bucket));
      await route();
    } else {
      if (!confirm(`Delete "${key}"?`)) return;
      await api("DELETE", objectUrl(bucket, key));
      // From an object's page, back to its folder; in a listing, the listing without it.
      if (here.name === "object") location.hash = browseHref(bucket, parentOf(key));
      else await route();
    }
  } catch (e) {
    showError(e);
  }
});

// ---- uploading ----

// Sends the files one after the other to `prefix`, each with its progress bar; the listing shows
// each file once it is stored.
async function upload(bucket, prefix, files) {
  const rows = files.map((file) => {
    const row = document.createElement("div");
    row.className = "upload";
    row.innerHTML = `<span class="mono">${esc(prefix + file.name)}</span>` +
      `<div class="bar"><div class="done" style="width:0%"></div><span>0%</span></div><span class="status muted">waiting</span>`;
    $("uploads").append(row);
    return [row, file];
  });
  for (const [row, file] of rows) {
    const status = row.querySelector(".status");
    const show = (fraction) => {
      const percent = `${Math.round(fraction * 100)}%`;
      row.querySelector(".done").style.width = percent;
      row.querySelector(".bar span").textContent = percent;
    };
    status.textContent = "uploading";
    try {
      await put(bucket, prefix + file.name, file, show);
      show(1);
      status.textContent = "uploaded";
      await refreshListing(bucket, prefix);
    } catch (e) {
      status.className = "status error";
      status.textContent = e.message;
      if (e.status === 401) return showLogin();
    }
  }
}

// An XMLHttpRequest rather than fetch, for its upload progress events.
function put(bucket, key, file, progress) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("PUT", objectUrl(bucket, key));
    request.setRequestHeader("Content-Type", file.type || "application/octet-stream");
    request.upload.onprogress = (event) => event.lengthComputable && progress(event.loaded / event.total);
    request.onload = () => (request.status < 300 ? resolve() : reject(new ApiError(request.status, request.responseText)));
    request.onerror = () => reject(new ApiError(0, "The upload was interrupted."));
    request.send(file);
  });
}

// A file dropped beside the drop zone must not make the browser leave the console to show it.
window.addEventListener("dragover", (event) => event.preventDefault());
window.addEventListener("drop", (event) => event.preventDefault());

start();
