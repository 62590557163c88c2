// Helpers shared by the minispark pages: fetching JSON, escaping, and Spark-style formatting.
"use strict";

const minispark = {
  escape(value) {
    return String(value ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  },
  // Memory in MiB, shown as Spark shows it: "1024.0 MiB" / "3.0 GiB".
  memory(mib) {
    return mib >= 1024 ? `${(mib / 1024).toFixed(1)} GiB` : `${Number(mib).toFixed(1)} MiB`;
  },
  duration(ms) {
    const s = ms / 1000;
    if (s < 60) return `${s.toFixed(1)} s`;
    if (s < 3600) return `${(s / 60).toFixed(1)} min`;
    return `${(s / 3600).toFixed(1)} h`;
  },
  time(epochMs) {
    if (!epochMs) return "";
    return new Date(epochMs).toISOString().replace("T", " ").replace(/\.\d+Z$/, "");
  },
  link(url, text) {
    return url ? `<a href="${minispark.escape(url)}">${minispark.escape(text)}</a>` : minispark.escape(text);
  },
  state(value) {
    return `<span class="state ${minispark.escape(value)}">${minispark.escape(value)}</span>`;
  },
  table(element, headers, rows, emptyText) {
    if (rows.length === 0) {
      element.innerHTML = `<p class="empty">${minispark.escape(emptyText)}</p>`;
      return;
    }
    const head = headers.map(([label, cls]) => `<th class="${cls || ""}">${minispark.escape(label)}</th>`).join("");
    const body = rows
      .map((cells) => `<tr>${cells.map((c, i) => `<td class="${headers[i][1] || ""}">${c}</td>`).join("")}</tr>`)
      .join("");
    element.innerHTML = `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
  },
  // For application UI pages: names the application in the header and title, then fetches
  // /api/v1/applications/{id}/{path} and calls render(app, json), now and every `everyMs`.
  pollApplication(path, page, render, everyMs = 2000) {
    minispark.poll("/api/v1/applications", async (apps) => {
      const app = apps[0];
      document.getElementById("app-name").textContent = `${app.name} application UI`;
      document.title = `minispark ${app.name} - ${page}`;
      const url = `/api/v1/applications/${encodeURIComponent(app.id)}/${path}`;
      const response = await fetch(url, { cache: "no-store" });
      if (!response.ok) throw new Error(`${url} answered ${response.status}`);
      render(app, await response.json());
    }, everyMs);
  },
  // Calls render(json) now and every `everyMs`; shows an error line while the server is unreachable.
  poll(url, render, everyMs = 2000) {
    const error = document.getElementById("error");
    const tick = async () => {
      try {
        const response = await fetch(url, { cache: "no-store" });
        if (!response.ok) throw new Error(`${url} answered ${response.status}`);
        render(await response.json());
        if (error) error.textContent = "";
      } catch (e) {
        if (error) error.textContent = `Cannot refresh: ${e.message}`;
      }
    };
    tick();
    setInterval(tick, everyMs);
  },
};
