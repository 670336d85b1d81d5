"""The SparkSession the Spark engine runs in: from arguments, then environment, then local defaults.

``LINKGRAPH_SPARK_MASTER`` (e.g. ``spark://host:7077``, ``yarn``) picks the cluster;
``LINKGRAPH_SPARK_CONF`` adds ``key=value`` pairs separated by commas. On a non-local master the
``linkgraph`` package is zipped and shipped to the executors (they run our comparison code).
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from linkgraph.errors import LinkgraphError

#: Small, quiet defaults: fine for tests and one machine; a cluster's spark-defaults override them.
LOCAL_DEFAULTS = {
    "spark.sql.shuffle.partitions": "4",
    "spark.default.parallelism": "4",
    "spark.driver.memory": "2g",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.adaptive.enabled": "true",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.driver.host": "127.0.0.1",
}


def _env_conf() -> dict[str, str]:
    out = {}
    for item in filter(None, (x.strip() for x in os.environ.get("LINKGRAPH_SPARK_CONF", "").split(","))):
        if "=" not in item:
            raise ValueError(f"LINKGRAPH_SPARK_CONF: {item!r} is not key=value")
        key, value = item.split("=", 1)
        out[key.strip()] = value.strip()
    return out


def spark_session(master: str | None = None, conf: dict[str, str] | None = None, app_name: str = "linkgraph"):
    """A SparkSession on ``master`` (default: ``$LINKGRAPH_SPARK_MASTER`` or an active session, else ``local[*]``)."""
    from pyspark.sql import SparkSession

    master = master or os.environ.get("LINKGRAPH_SPARK_MASTER")
    active = SparkSession.getActiveSession()
    if active is not None and (master is None or active.sparkContext.master == master):
        return active
    master = master or "local[*]"
    local = master.startswith("local")
    if local:  # local workers run the driver's Python (a cluster names its own: PYSPARK_PYTHON, spark.archives)
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    settings = {**(LOCAL_DEFAULTS if local else {}), **_env_conf(), **(conf or {})}
    builder = SparkSession.builder.master(master).appName(app_name)
    for key, value in settings.items():
        builder = builder.config(key, value)
    if local:
        _check_java()
    try:
        spark = builder.getOrCreate()
    except Exception as exc:  # the JVM did not start (PySparkRuntimeError JAVA_GATEWAY_EXITED...)
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise LinkgraphError(f"the Spark engine could not start Spark on {master} ({first}); check Java 17+ "
                             "(`make java`) and the Spark settings, or use --engine local") from None
    spark.sparkContext.setLogLevel("ERROR")
    # Spark 4.x's constraint propagation fails on the unions of the component rounds
    # (NoSuchElementException in Union.rewriteConstraints); the engine needs none of it
    spark.conf.set("spark.sql.constraintPropagation.enabled", "false")
    if not local:
        ship_package(spark)
    return spark


def _check_java() -> None:
    """A clear error when no Java can run Spark locally (JAVA_HOME, else ``java`` on the PATH)."""
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home) / "bin" / "java") if home else shutil.which("java")
    if not java or not os.access(java, os.X_OK):
        where = f"JAVA_HOME={home} has no bin/java" if home else "no `java` on the PATH and no JAVA_HOME"
        raise LinkgraphError(f"the Spark engine needs Java 17 or later: {where}. Install it (`make java` on "
                             "Debian/Ubuntu) or set JAVA_HOME, or use --engine local")


def ship_package(spark) -> Path:
    """Zip the ``linkgraph`` package and add it to the executors' Python path."""
    package = Path(__file__).resolve().parents[2]
    folder = Path(tempfile.mkdtemp(prefix="linkgraph-pyfiles-"))
    archive = shutil.make_archive(str(folder / "linkgraph"), "zip", root_dir=package.parent, base_dir=package.name)
    spark.sparkContext.addPyFile(archive)
    return Path(archive)
