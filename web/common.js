// Helpers shared by the minispark pages: fetching JSON, escaping, Spark-style formatting, and the
// charts (stage DAG, timeline) that several pages draw.
"use strict";

const minispark = {
  escape(value) {
    return String(value ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  },
  // Memory in MiB, shown as Spark shows it: "1024.0 MiB" / "3.0 GiB".
  memory(mib) {
    return mib >= 1024 ? `${(mib / 1024).toFixed(1)} GiB` : `${Number(mib).toFixed(1)} MiB`;
  },
  // Bytes as Spark's Utils.bytesToString writes them: a unit is used from twice its size on, so
  // 1500 is "1500.0 B" and 3000 is "2.9 KiB".
  bytes(n) {
    let value = Number(n) || 0;
    let unit = 0;
    const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    while (unit < units.length - 1 && value >= 2 * 1024) {
      value /= 1024;
      unit += 1;
    }
    return `${value.toFixed(1)} ${units[unit]}`;
  },
  count(n) {
    return Number(n || 0).toLocaleString("en-US");
  },
  // Spark's "Size / Records" as HTML: on one line, or for narrow table cells the records under
  // the size; empty when the metric is unknown (both zero).
  io(bytes, records, inline = false) {
    if (!bytes && !records) return "";
    const size = minispark.bytes(bytes), rows = minispark.count(records);
    return inline ? `${size} / ${rows} records` : `${size}<div class="muted">${rows} records</div>`;
  },
  // The q-quantile (0..1) of ascending numbers, picked as Spark's task summary picks it.
  percentile(sorted, q) {
    return sorted.length ? sorted[Math.min(Math.floor(q * sorted.length), sorted.length - 1)] : 0;
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
  // Spark's REST time strings ("2024-05-01T10:00:00.123GMT") as the pages show times.
  sparkTime(text) {
    return text ? text.replace("T", " ").replace(/\.\d+GMT$/, "") : "";
  },
  // The first line of a statement, cut to `max` characters, for table cells.
  firstLine(text, max = 80) {
    const line = String(text ?? "").split("\n").map((l) => l.trim()).find((l) => l) || "";
    return line.length > max ? `${line.slice(0, max - 1)}…` : line;
  },
  // Long ids cut in the middle, where worker ids ("worker-<date>-<host>-<port>") say least.
  abbreviate(text, max = 24) {
    const t = String(text ?? "");
    return t.length > max ? `${t.slice(0, 7)}…${t.slice(t.length - max + 8)}` : t;
  },
  link(url, text) {
    return url ? `<a href="${minispark.escape(url)}">${minispark.escape(text)}</a>` : minispark.escape(text);
  },
  state(value) {
    return `<span class="state ${minispark.escape(value)}">${minispark.escape(value)}</span>`;
  },
  // A "Succeeded/Total" progress bar, with running tasks shown after the finished ones.
  progress(done, running, total, failed) {
    const pct = (n) => (total ? (100 * n) / total : 0);
    const label = `${done}/${total}` + (running ? ` (${running} running)` : "") + (failed ? ` (${failed} failed)` : "");
    return `<div class="bar"><div class="done" style="width:${pct(done)}%"></div>` +
      `<div class="running" style="left:${pct(done)}%;width:${pct(running)}%"></div><span>${minispark.escape(label)}</span></div>`;
  },
  // Sets an element's text only when it changed, so polling does not undo the reader's selection.
  text(id, value) {
    const element = document.getElementById(id);
    if (element.textContent !== value) element.textContent = value;
  },
  // Rows are arrays of cell HTML, or {cells, attributes} to give the row attributes (HTML text).
  table(element, headers, rows, emptyText) {
    if (rows.length === 0) {
      element.innerHTML = `<p class="empty">${minispark.escape(emptyText)}</p>`;
      return;
    }
    const head = headers.map(([label, cls]) => `<th class="${cls || ""}">${minispark.escape(label)}</th>`).join("");
    const body = rows
      .map((row) => {
        const [cells, attributes] = Array.isArray(row) ? [row, ""] : [row.cells, ` ${row.attributes}`];
        return `<tr${attributes}>${cells.map((c, i) => `<td class="${headers[i][1] || ""}">${c}</td>`).join("")}</tr>`;
      })
      .join("");
    element.innerHTML = `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
  },
  // Stages left to right by depth (a node sits right of every node it reads), arrows along the
  // shuffles. Nodes are {id, parents, status, lines, title, href}: `lines` are the box's text, the
  // first one a link to `href` when given; `selected` is the id of a node to outline.
  dag(nodes, selected) {
    const esc = minispark.escape;
    const byId = new Map(nodes.map((n) => [n.id, n]));
    const depth = new Map();
    const depthOf = (id) => {
      if (!depth.has(id)) {
        const parents = (byId.get(id)?.parents || []).filter((p) => byId.has(p));
        depth.set(id, parents.length ? 1 + Math.max(...parents.map(depthOf)) : 0);
      }
      return depth.get(id);
    };
    nodes.forEach((n) => depthOf(n.id));
    const columns = [];
    nodes.forEach((n) => (columns[depth.get(n.id)] ||= []).push(n));
    const longest = Math.max(...nodes.flatMap((n) => n.lines.map((l) => l.length)));
    const [w, h, gx, gy] = [Math.min(280, Math.max(150, 16 + 7 * longest)), 10 + 18 * Math.max(...nodes.map((n) => n.lines.length)), 60, 18];
    const pos = new Map();
    columns.forEach((column, x) => column.forEach((n, y) => pos.set(n.id, [20 + x * (w + gx), 10 + y * (h + gy)])));
    const width = 40 + columns.length * (w + gx);
    const height = 20 + Math.max(...columns.map((c) => c.length)) * (h + gy);
    let svg = `<svg class="dag" width="${width}" height="${height}" role="img" aria-label="stage DAG">` +
      `<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto">` +
      `<path d="M0,0 L10,5 L0,10 z" fill="#7a8aa0" stroke="none"/></marker></defs>`;
    nodes.forEach((n) => (n.parents || []).forEach((p) => {
      if (!pos.has(p)) return;
      const [x1, y1] = pos.get(p), [x2, y2] = pos.get(n.id);
      svg += `<path d="M${x1 + w},${y1 + h / 2} C${x1 + w + gx / 2},${y1 + h / 2} ${x2 - gx / 2},${y2 + h / 2} ${x2},${y2 + h / 2}"/>`;
    }));
    nodes.forEach((n) => {
      const [x, y] = pos.get(n.id);
      const lines = n.lines.map((line, i) => {
        const text = `<text x="${x + 8}" y="${y + 18 + 18 * i}">${esc(line)}</text>`;
        return i === 0 && n.href ? `<a href="${esc(n.href)}">${text}</a>` : text;
      });
      svg += `<g data-id="${esc(n.id)}"${n.id === selected ? ` class="selected"` : ""}><title>${esc(n.title)}</title>` +
        `<rect class="${esc(n.status)}" x="${x}" y="${y}" width="${w}" height="${h}"/>${lines.join("")}</g>`;
    });
    return svg + "</svg>";
  },
  // A Gantt chart on one time axis, `width` pixels wide. Items are {row, start, end, status, title,
  // text, href} with epoch-ms times (end null while running); items sharing a row (the tasks of
  // one executor) are stacked in as many lanes as their overlaps need. Bars are
  // `<rect class="span STATUS">`, never `class="STATUS"` alone, which marks DAG boxes.
  timeline(items, width) {
    const esc = minispark.escape;
    const now = Date.now();
    const spans = items.filter((i) => i.start).map((i) => ({ ...i, end: Math.max(i.start, i.end ?? now) }));
    if (!spans.length) return `<p class="empty">Nothing has started yet.</p>`;
    const rows = new Map();
    spans.forEach((s) => (rows.has(s.row) ? rows.get(s.row) : rows.set(s.row, []).get(s.row)).push(s));
    let lanes = 0;
    const groups = [...rows].map(([row, list]) => {
      const ends = [];
      list.sort((a, b) => a.start - b.start).forEach((s) => {
        s.lane = ends.findIndex((end) => end <= s.start);
        if (s.lane < 0) s.lane = ends.length;
        ends[s.lane] = s.end;
        s.lane += lanes;
      });
      const group = { row, first: lanes, count: ends.length };
      lanes += ends.length;
      return group;
    });
    const t0 = Math.min(...spans.map((s) => s.start));
    const span = Math.max(1, ...spans.map((s) => s.end - t0));
    const label = (text) => minispark.abbreviate(text);
    const gutter = Math.min(260, 16 + 7 * Math.max(...groups.map((g) => label(String(g.row)).length)));
    const plot = Math.max(200, width - gutter - 20);
    const [lane, top] = [20, 6];
    const x = (t) => gutter + ((t - t0) / span) * plot;
    const height = top + lanes * lane + 24;
    const step = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 15e3, 3e4, 6e4, 12e4, 3e5, 6e5, 9e5, 18e5, 36e5, 72e5, 216e5]
      .find((s) => s >= span / 8) || 432e5;
    const tick = (t) => {
      if (step < 6e4) return `${+(t / 1000).toFixed(step < 10 ? 3 : step < 100 ? 2 : step < 1000 ? 1 : 0)} s`;
      return step < 36e5 ? `${+(t / 6e4).toFixed(1)} min` : `${+(t / 36e5).toFixed(1)} h`;
    };
    let svg = `<svg class="timeline" width="${gutter + plot + 20}" height="${height}" role="img" aria-label="timeline">`;
    groups.forEach((g, i) => {
      const y = top + g.first * lane;
      svg += `<rect class="row${i % 2 ? " odd" : ""}" x="0" y="${y}" width="${gutter + plot + 20}" height="${g.count * lane}"/>` +
        `<text class="label" x="8" y="${y + 14}"><title>${esc(g.row)}</title>${esc(label(String(g.row)))}</text>`;
    });
    for (let t = 0; t <= span; t += step) {
      svg += `<line x1="${x(t0 + t)}" x2="${x(t0 + t)}" y1="${top}" y2="${height - 20}"/>` +
        `<text class="tick" x="${x(t0 + t)}" y="${height - 6}">${tick(t)}</text>`;
    }
    spans.forEach((s) => {
      const [left, w] = [x(s.start), Math.max(2, x(s.end) - x(s.start))];
      const y = top + s.lane * lane + 3;
      const text = s.text && w > 8 + 6.5 * s.text.length ? `<text x="${left + 4}" y="${y + 11}">${esc(s.text)}</text>` : "";
      const bar = `<g><title>${esc(s.title)}</title><rect class="span ${esc(s.status)}" x="${left}" y="${y}" width="${w}" height="${lane - 6}"/>${text}</g>`;
      svg += s.href ? `<a href="${esc(s.href)}">${bar}</a>` : bar;
    });
    return svg + "</svg>";
  },
  // How long a stage ran (so far, while active); null before it was submitted.
  stageMillis(s) {
    if (!s.submissionTimeEpoch) return null;
    const end = s.completionTimeEpoch ?? (s.status === "ACTIVE" ? Date.now() : s.submissionTimeEpoch);
    return end - s.submissionTimeEpoch;
  },
  // The timeline items of stages (StageData with submissionTimeEpoch/completionTimeEpoch).
  stageSpans(stages) {
    return stages.map((s) => {
      const ms = minispark.stageMillis(s);
      const running = s.completionTimeEpoch == null && s.status === "ACTIVE";
      const took = ms == null ? "" : minispark.duration(ms);
      return {
        row: `Stage ${s.stageId}`, start: s.submissionTimeEpoch, end: running ? null : s.submissionTimeEpoch + ms,
        status: s.status, text: took, href: `/stages/stage/?id=${s.stageId}`,
        title: `Stage ${s.stageId} (${s.status}): ${took}${running ? " so far" : ""}`,
      };
    });
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
  linked: false,
  // Adds links to the cluster's other UIs that the serving process knows (its /links: the
  // master's UI, the storage console) at the end of the header; none to the page's own UI.
  async headerLinks() {
    try {
      const response = await fetch("/links", { cache: "no-store" });
      if (!response.ok) return;
      const links = await response.json();
      const others = [["Master", links.master], ["Storage", links.console]]
        .filter(([, url]) => url && new URL(url, location.href).origin !== location.origin);
      if (!others.length) return;
      const nav = document.createElement("nav");
      nav.className = "links";
      nav.innerHTML = others.map(([label, url]) => minispark.link(url, label)).join(" ");
      document.querySelector("header").append(nav);
    } catch {
      // Without /links the header keeps the links it was given.
    }
  },
  // Calls render(json) (which may be async) now and every `everyMs`; shows an error line while
  // the server is unreachable. Every cluster page polls, so the first poll also adds the header links.
  poll(url, render, everyMs = 2000) {
    if (!minispark.linked) {
      minispark.linked = true;
      minispark.headerLinks();
    }
    const error = document.getElementById("error");
    const tick = async () => {
      try {
        const response = await fetch(url, { cache: "no-store" });
        if (!response.ok) throw new Error(`${url} answered ${response.status}`);
        await render(await response.json());
        if (error) error.textContent = "";
      } catch (e) {
        if (error) error.textContent = `Cannot refresh: ${e.message}`;
      }
    };
    tick();
    setInterval(tick, everyMs);
  },
};
