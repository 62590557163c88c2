#!/usr/bin/env python3
"""Regenerates the golden files of tests/golden from real Spark.

Every case of tests/golden/cases/*.sql (a `-- name: NAME` line, then one query ending in `;`)
runs on classic PySpark in local mode with the session time zone UTC (Spark's defaults otherwise:
ANSI mode on), and tests/golden/expected/<file>.json records, per case, Spark's schema
(`df.schema.simpleString()`) and the text of `df.show(truncate=False)`, or the error condition
Spark raises (`DIVIDE_BY_ZERO`, ...). The Rust test src/connect/golden.rs compares minispark
against those files.

Run it with the Spark oracle's Python (scripts/golden.sh does): `python scripts/golden.py
[FILE.sql ...]` regenerates the named case files only, all of them by default.
"""

import json
import logging
import os
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "golden" / "cases"
EXPECTED = ROOT / "tests" / "golden" / "expected"
NAME_PREFIX = "-- name:"


def parse_cases(path):
    """[(name, query)] of a case file; the Rust test reads the files the same way.

    A case is its `-- name:` line and the lines up to the next one; other lines starting with
    `--` are comments; the query is the rest, trimmed, without its final `;`.
    """
    cases = []
    for line in path.read_text().splitlines():
        stripped = line.strip()
        if stripped.startswith(NAME_PREFIX):
            cases.append((stripped[len(NAME_PREFIX):].strip(), []))
        elif stripped.startswith("--") or not cases:
            if stripped and not stripped.startswith("--"):
                raise SystemExit(f"{path.name}: text before the first `{NAME_PREFIX}` line: {line!r}")
        else:
            cases[-1][1].append(line)
    parsed = []
    for name, lines in cases:
        query = "\n".join(lines).strip()
        if not query.endswith(";"):
            raise SystemExit(f"{path.name}:{name}: the query does not end with `;`")
        parsed.append((name, query[:-1].rstrip()))
    names = [name for name, _ in parsed]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise SystemExit(f"{path.name}: duplicate case names {sorted(duplicates)}")
    return parsed


def error_condition(error):
    """Spark's error condition of an exception raised by PySpark, e.g. `DIVIDE_BY_ZERO`."""
    for getter in ("getCondition", "getErrorClass"):
        condition = getattr(error, getter, lambda: None)()
        if condition:
            return condition
    raise error


def run_case(spark, query):
    try:
        df = spark.sql(query)
        schema = df.schema.simpleString()
        # What df.show(truncate=False) prints (the client adds the final newline of print()).
        show = df._jdf.showString(20, 0, False)
    except Exception as error:  # noqa: BLE001: any Spark error is an expected result
        return {"error": error_condition(error)}
    return {"schema": schema, "show": show.split("\n")}


def main(argv):
    os.environ["TZ"] = "UTC"
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[2]")
        .appName("minispark golden files")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("OFF")
    # PySpark logs each failing query with its Java stack trace; the error condition is enough here.
    logging.getLogger("SQLQueryContextLogger").disabled = True
    files = [CASES / name for name in argv] if argv else sorted(CASES.glob("*.sql"))
    EXPECTED.mkdir(parents=True, exist_ok=True)
    version = spark.version
    for path in files:
        results = []
        for name, query in parse_cases(path):
            results.append({"name": name, "query": query, **run_case(spark, query)})
        document = {"file": path.name, "spark": version, "cases": results}
        target = EXPECTED / (path.stem + ".json")
        target.write_text(json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
        errors = sum(1 for r in results if "error" in r)
        print(f"golden: {path.name}: {len(results)} cases ({errors} raise) -> {target.relative_to(ROOT)}")
    spark.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
