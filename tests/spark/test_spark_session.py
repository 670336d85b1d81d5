"""The Spark session: environment settings, reuse of the running session, the engine switch."""
from __future__ import annotations

import pytest

from linkgraph.match.spark import table_resolver
from linkgraph.match.spark.resolve import SparkTableResolver
from linkgraph.match.spark.session import _env_conf, spark_session

pytestmark = pytest.mark.spark


def test_env_conf_parsed_and_bad_items_named(monkeypatch):
    monkeypatch.setenv("LINKGRAPH_SPARK_CONF", "spark.executor.memory=8g, spark.sql.shuffle.partitions=400")
    assert _env_conf() == {"spark.executor.memory": "8g", "spark.sql.shuffle.partitions": "400"}
    monkeypatch.setenv("LINKGRAPH_SPARK_CONF", "spark.executor.memory")
    with pytest.raises(ValueError, match="spark.executor.memory"):
        _env_conf()


def test_running_session_reused_with_engine_settings(spark, monkeypatch):
    monkeypatch.delenv("LINKGRAPH_SPARK_MASTER", raising=False)
    assert spark_session() is spark
    assert spark.conf.get("spark.sql.constraintPropagation.enabled") == "false"
    assert spark.sparkContext.getConf().get("spark.ui.enabled") == "false"
    resolver = table_resolver("spark")
    assert isinstance(resolver, SparkTableResolver) and resolver.spark is spark
    assert table_resolver("local") is None
    with pytest.raises(ValueError, match="unknown engine"):
        table_resolver("hadoop")


def test_no_java_is_a_clear_error_not_a_traceback(tmp_path):
    """Without Java, `--engine spark` says what is missing and how to get it (exit 2, no traceback)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    bare = tmp_path / "bin"
    bare.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("JAVA_HOME", "LINKGRAPH_SPARK_MASTER")}
    env["PATH"] = str(bare)  # no java anywhere
    out = subprocess.run([sys.executable, "-m", "linkgraph", "resolve", "-m",
                          f"{repo}/rules/sources/gendarmerie.yaml:{repo}/fixtures/data/gendarmerie.csv",
                          "--engine", "spark", "--out", str(tmp_path / "run")],
                         cwd=repo, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 2, out.stdout + out.stderr
    assert "needs Java 17" in out.stdout + out.stderr and "make java" in out.stdout + out.stderr
    assert "Traceback" not in out.stdout + out.stderr
    assert not (tmp_path / "run").exists()  # nothing partial left behind
