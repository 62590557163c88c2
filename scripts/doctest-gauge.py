#!/usr/bin/env python3
"""The doctest gauge: PySpark's own docstring examples, run against a Spark Connect server.

    python scripts/doctest-gauge.py --remote sc://127.0.0.1:15002 [--out FILE]
        [--baseline tests/gauge/spark-4.3.json] [--only NAME ...] [--timeout SECONDS]

It needs the Connect client (`pyspark-client`, see tests/connect/requirements.txt) in the Python
that runs it. It collects the docstrings that Spark's own Connect doctest runners (the `_test()`
functions at the bottom of each `pyspark.sql.connect.*` module) run, and runs each docstring with
a fresh session (`SparkSession.builder.remote(URL).create()`, stopped afterwards), with the flags
those runners use: ELLIPSIS | NORMALIZE_WHITESPACE | IGNORE_EXCEPTION_DETAIL.

Time zones: the client runs with TZ=UTC (unless TZ is set), and the server should use UTC as its
session time zone too (spark-oracle.sh does): 17 docstrings build timestamps from Python datetimes
on the client and show them on the server, and pass only when the two zones agree.

The docstrings run one at a time in a worker process; one that has not finished after --timeout
seconds counts as failed ("timeout") and the worker is replaced, so a server that hangs costs
the timeout, not the run.

It writes a JSON file (one entry per docstring: group, name, passed, examples, seconds, the first
failure's text) and prints passed/total per group. With --baseline (the JSON of a run against
real Spark) it also prints, per group, how many of the docstrings Spark passes this server passes:
the denominator is what real Spark passes, not what the docstrings happen to contain.
"""

import argparse
import datetime
import doctest
import io
import json
import multiprocessing
import os
import re
import sys
import time
import traceback

# Group, module, and the classes of that module that form the group (None: the whole module).
# The modules are the ones Spark's Connect doctest runners pass to doctest.testmod: the Connect
# functions and group modules carry their own (copied) docstrings; DataFrame, Column, Window
# document themselves in the shared pyspark.sql modules, which the Connect runners test with a
# remote session.
GROUPS = [
    ("functions", "pyspark.sql.connect.functions.builtin", None),
    ("DataFrame", "pyspark.sql.dataframe", ["DataFrame"]),
    ("DataFrameNaFunctions", "pyspark.sql.dataframe", ["DataFrameNaFunctions"]),
    ("DataFrameStatFunctions", "pyspark.sql.dataframe", ["DataFrameStatFunctions"]),
    ("Column", "pyspark.sql.column", None),
    ("GroupedData", "pyspark.sql.connect.group", None),
    ("DataFrameReader/Writer", "pyspark.sql.connect.readwriter", None),
    ("Window", "pyspark.sql.window", None),
]

FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE | doctest.IGNORE_EXCEPTION_DETAIL
EXCERPT_CHARS = 1200
VERSION = "\0version"  # the worker's request for the server's Spark version


def group_of(module, short_name):
    """The group of a docstring named `short_name` (relative to `module`), or None."""
    top = short_name.split(".")[0]
    for group, mod, classes in GROUPS:
        if mod != module:
            continue
        if classes is None or top in classes:
            return group
    return None


def collect():
    """Every docstring with examples: [(group, module, full doctest name, short name)]."""
    import importlib

    found = []
    for module in sorted({mod for _, mod, _ in GROUPS}, key=[m for _, m, _ in GROUPS].index):
        mod = importlib.import_module(module)
        for test in doctest.DocTestFinder().find(mod):
            if not test.examples:
                continue
            short = test.name[len(module) + 1 :] if test.name != module else "<module>"
            group = group_of(module, short)
            if group is not None:
                found.append((group, module, test.name, short))
    return found


def worker(conn, url):
    """Runs the docstrings the parent sends, one at a time, each with a fresh session."""
    import importlib
    import logging
    import warnings

    from pyspark.sql import SparkSession

    warnings.simplefilter("ignore")
    logging.disable(logging.WARNING)
    tests = {}
    base_globs = {}
    for module in {mod for _, mod, _ in GROUPS}:
        mod = importlib.import_module(module)
        base_globs[module] = mod.__dict__.copy()
        for test in doctest.DocTestFinder().find(mod):
            tests[test.name] = (module, test)
    cwd = os.getcwd()
    while True:
        request = conn.recv()
        if request is None:
            return
        if request == VERSION:
            try:
                spark = SparkSession.builder.remote(url).create()
                conn.send({"version": spark.version})
                spark.stop()
            except Exception as e:  # noqa: BLE001
                conn.send({"version": f"unknown ({type(e).__name__}: {str(e)[:200]})"})
            continue
        module, test = tests[request]
        started = time.monotonic()
        out = io.StringIO()
        spark = None
        try:
            spark = SparkSession.builder.remote(url).create()
            test.globs = dict(base_globs[module])
            test.globs["spark"] = spark
            runner = doctest.DocTestRunner(verbose=False, optionflags=FLAGS)
            failed = runner.run(test, out=out.write, clear_globs=True).failed
            text = out.getvalue()
        except BaseException:  # the session could not be made: every example fails
            failed = len(test.examples)
            text = "session: " + traceback.format_exc(limit=3)
        finally:
            if spark is not None:
                try:
                    spark.stop()
                except Exception:
                    pass
            os.chdir(cwd)  # a docstring may change directory
        conn.send(
            {
                "failed_examples": failed,
                "examples": len(test.examples),
                "seconds": round(time.monotonic() - started, 2),
                "failure": excerpt(text) if failed else None,
            }
        )


def excerpt(text):
    """The first failure of a doctest report: the example, and what it printed or raised.

    For an exception, its message without the traceback before it or the server's stack trace
    (Spark's "JVM stacktrace:") after it.
    """
    text = re.sub(r'File ".*?/site-packages/', 'File "', text)
    blocks = [b for b in text.split("*" * 70) if b.strip()]
    first = blocks[0].strip() if blocks else text.strip()
    head, raised, rest = first.partition("Exception raised:")
    if raised:
        lines = rest.splitlines()
        # Doctest indents the report by 4: the traceback's frames are deeper, its message is not.
        start = next((i for i, line in enumerate(lines)
                      if line.startswith("    ") and not line.startswith("     ")
                      and not line.strip().startswith("Traceback")), None)
        if start is not None:
            message = []
            for line in lines[start:]:
                if line.strip().startswith("JVM stacktrace:") or len(message) >= 8:
                    break
                message.append(line)
            first = head + raised + "\n" + "\n".join(message).rstrip()
    if len(first) <= EXCERPT_CHARS:
        return first
    return first[: EXCERPT_CHARS // 3] + "\n[...]\n" + first[-(EXCERPT_CHARS * 2 // 3) :]


class Runner:
    """The parent's handle on the worker: restarts it after a timeout or a crash."""

    def __init__(self, url):
        self.url = url
        self.ctx = multiprocessing.get_context("spawn")
        self.proc = None
        self.fresh = False

    def start(self):
        self.conn, child = self.ctx.Pipe()
        self.proc = self.ctx.Process(target=worker, args=(child, self.url), daemon=True)
        self.proc.start()
        child.close()
        self.fresh = True

    def run(self, name, timeout):
        if self.proc is None or not self.proc.is_alive():
            self.start()
        started = time.monotonic()
        self.conn.send(name)
        # A new worker's first docstring also waits for it to import pyspark.
        grace = 30 if self.fresh else 0
        self.fresh = False
        if self.conn.poll(timeout + grace):
            try:
                return self.conn.recv()
            except EOFError:
                pass
        reason = "timeout" if self.proc.is_alive() else f"worker died ({self.proc.exitcode})"
        self.stop(kill=True)
        return {
            "failed_examples": None,
            "examples": None,
            "seconds": round(time.monotonic() - started, 2),
            "failure": f"{reason} after {time.monotonic() - started:.0f} s",
        }

    def server_version(self, timeout):
        """What the server says its Spark version is, or why it did not say."""
        r = self.run(VERSION, timeout)
        return r.get("version") or r["failure"]

    def stop(self, kill=False):
        if self.proc is None:
            return
        if not kill and self.proc.is_alive():
            try:
                self.conn.send(None)
                self.proc.join(10)
            except (BrokenPipeError, OSError):
                pass
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(10)
        self.proc = None


def table(results, baseline):
    """Per group: passed/total, and with a baseline how many of Spark's passes pass here."""
    order = [g for g, _, _ in GROUPS]
    by_group = {g: [r for r in results if r["group"] == g] for g in order}
    base = {}
    if baseline is not None:
        base = {(r["group"], r["name"]): r["passed"] for r in baseline["results"]}
    rows = []
    header = ["group", "passed", "total"]
    if baseline is not None:
        header += ["Spark passes", "this server passes of those", "passes, Spark not"]
    total = [0, 0, 0, 0, 0]
    for g in order:
        rs = by_group[g]
        if not rs:
            continue
        passed = sum(r["passed"] for r in rs)
        row = [g, str(passed), str(len(rs))]
        total[0] += passed
        total[1] += len(rs)
        if baseline is not None:
            spark_ok = [r for r in rs if base.get((g, r["name"]))]
            both = sum(r["passed"] for r in spark_ok)
            only_here = sum(r["passed"] and not base.get((g, r["name"])) for r in rs)
            row += [str(len(spark_ok)), str(both), str(only_here)]
            total[2] += len(spark_ok)
            total[3] += both
            total[4] += only_here
        rows.append(row)
    last = ["all", str(total[0]), str(total[1])]
    if baseline is not None:
        last += [str(total[2]), str(total[3]), str(total[4])]
    rows.append(last)
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
             for r in [header] + rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    if baseline is not None:
        lines.append("")
        lines.append(f"Baseline: {baseline.get('server_version', '?')} at {baseline.get('date', '?')}; "
                     f"in each group Spark passes N, this server passes M of those N.")
        ran = {(r["group"], r["name"]) for r in results}
        missing = [k for k, ok in base.items() if ok and k not in ran]
        if missing:
            lines.append(f"({len(missing)} docstrings that Spark passes were not run here.)")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--remote", required=True, help="Spark Connect URL, sc://HOST:PORT")
    parser.add_argument("--out", default="doctest-gauge.json", help="result file (JSON)")
    parser.add_argument("--baseline", help="result file of a run against real Spark")
    parser.add_argument("--only", action="append", default=[],
                        help="run the docstrings whose name contains this (repeatable; "
                             "a regular expression if it starts with ^ or contains [)")
    parser.add_argument("--group", action="append", default=[], help="run only this group (repeatable)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per docstring (60)")
    parser.add_argument("--show-failures", action="store_true",
                        help="print each failing docstring (with --baseline: only those Spark passes)")
    parser.add_argument("--list", action="store_true", help="list the docstrings and exit")
    args = parser.parse_args()

    # Results with timestamps must not depend on the client machine's zone.
    os.environ.setdefault("TZ", "UTC")
    time.tzset()

    import pyspark

    tests = collect()
    if args.group:
        tests = [t for t in tests if t[0] in args.group]
    if args.only:
        def wanted(short):
            for pat in args.only:
                if pat.startswith("^") or "[" in pat:
                    if re.search(pat, short):
                        return True
                elif pat in short:
                    return True
            return False
        tests = [t for t in tests if wanted(t[3])]
    if args.list:
        for group, _, _, short in tests:
            print(f"{group}\t{short}")
        return 0
    if not tests:
        print("no docstring matches", file=sys.stderr)
        return 2

    baseline = None
    if args.baseline:
        with open(args.baseline) as f:
            baseline = json.load(f)

    runner = Runner(args.remote)
    version = runner.server_version(args.timeout)
    if version.startswith(("unknown", "timeout", "worker died")):
        runner.stop()
        print(f"no answer from {args.remote}: {version}", file=sys.stderr)
        return 1
    print(f"{len(tests)} docstrings, client pyspark {pyspark.__version__}, server {version} at {args.remote}",
          file=sys.stderr)
    doc = {
        "server": args.remote,
        "server_version": version,
        "client": f"pyspark-client {pyspark.__version__}",
        "python": sys.version.split()[0],
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "flags": "ELLIPSIS | NORMALIZE_WHITESPACE | IGNORE_EXCEPTION_DETAIL",
        "timeout": args.timeout,
        "only": args.only or None,
        "seconds": None,
        "results": [],
    }
    started = time.monotonic()
    try:
        for i, (group, module, name, short) in enumerate(tests, 1):
            r = runner.run(name, args.timeout)
            passed = r["failed_examples"] == 0
            doc["results"].append({"group": group, "name": short, "passed": passed, **r})
            mark = "ok" if passed else "FAIL"
            print(f"[{i}/{len(tests)}] {mark:4} {r['seconds']:6.2f}s {group}: {short}", file=sys.stderr)
            if i % 25 == 0:
                write(args.out, doc, started)
    finally:
        runner.stop()
        write(args.out, doc, started)

    print(table(doc["results"], baseline))
    print(f"\n{len(doc['results'])} docstrings in {doc['seconds']:.0f} s; results in {args.out}")
    if args.show_failures:
        base = None
        if baseline is not None:
            base = {(r["group"], r["name"]) for r in baseline["results"] if r["passed"]}
        for r in doc["results"]:
            if r["passed"] or (base is not None and (r["group"], r["name"]) not in base):
                continue
            print(f"\n=== {r['group']}: {r['name']}\n{r['failure']}")
    return 0


def write(path, doc, started):
    doc["seconds"] = round(time.monotonic() - started, 1)
    head = json.dumps({k: v for k, v in doc.items() if k != "results"}, indent=1)
    # One docstring a line: a baseline's diff then shows which docstrings changed.
    results = ",\n".join(json.dumps(r) for r in doc["results"])
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(head[: -len("\n}")] + ',\n "results": [\n' + results + "\n]}\n")
    os.replace(tmp, path)


if __name__ == "__main__":
    sys.exit(main())
