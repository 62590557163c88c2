"""Fixtures for the Spark Connect suite, run by the real PySpark client.

    MINISPARK_CONNECT_URL  server to test (default sc://127.0.0.1:15002)
    MINISPARK_DATA_DIR     the sample data (default: the repo's data/)
"""

import os
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

REPO_DATA = Path(__file__).resolve().parent / ".." / ".." / "data"


@pytest.fixture(scope="session")
def spark():
    url = os.environ.get("MINISPARK_CONNECT_URL", "sc://127.0.0.1:15002")
    session = SparkSession.builder.remote(url).getOrCreate()
    yield session
    session.stop()


@pytest.fixture(scope="session")
def data_dir():
    return Path(os.environ.get("MINISPARK_DATA_DIR", REPO_DATA)).resolve()


@pytest.fixture
def out_dir(tmp_path):
    """A fresh local directory; the server runs on this machine, so it can use the path."""
    return tmp_path
