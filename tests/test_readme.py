"""Every command and snippet of the README runs, on the bundled fixtures, in a temporary folder.

Fenced blocks of README.md:

* ```` ```LANG file=NAME ````: a file the examples use, written into the folder first;
* ```` ```sh ````: each line is a command, run in order (``linkgraph`` = this checkout's
  ``python -m linkgraph``); each must exit 0 with no Python trace. ``linkgraph serve`` must come up
  and answer HTTP (on a free port, added to the command), then it is stopped;
* ```` ```python ````: run as a script;
* ```` ```yaml ```` (no ``file=``): a mapping or settings document, checked with ``linkgraph validate``;
* ```` ```LANG no-run ````: not run — only ``make`` (the README's own install commands, which run this
  test) and Spark cluster commands may be marked so.
"""
from __future__ import annotations

import glob
import os
import re
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"^```([^\n]*)\n(.*?)^```[ \t]*$", re.S | re.M)


def blocks() -> list[tuple[str, set[str], dict[str, str], str]]:
    """(language, flags, key=value options, body) of every fenced block, in order."""
    out = []
    for m in BLOCK.finditer((REPO / "README.md").read_text(encoding="utf-8")):
        words = m.group(1).split()
        lang = words[0] if words else ""
        opts = dict(w.split("=", 1) for w in words[1:] if "=" in w)
        flags = {w for w in words[1:] if "=" not in w}
        out.append((lang, flags, opts, m.group(2)))
    return out


def commands(body: str) -> list[str]:
    """The command lines of a shell block, trailing ``# comments`` removed."""
    out = []
    for line in body.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        tokens = shlex.split(line, comments=True)
        if tokens:
            out.append(tokens)
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _argv(tokens: list[str], cwd: Path) -> list[str]:
    assert tokens[0] == "linkgraph", f"a README command that is not linkgraph: {tokens}"
    expanded = []
    for t in tokens[1:]:
        hits = sorted(glob.glob(t, root_dir=cwd)) if any(c in t for c in "*?[") and "/" in t else []
        expanded += hits or [t]
    return [sys.executable, "-m", "linkgraph", *expanded]


def _serve(argv: list[str], cwd: Path, env: dict) -> None:
    port = _free_port()
    proc = subprocess.Popen(argv + ["--port", str(port)], cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 240
        while time.time() < deadline:
            assert proc.poll() is None, f"serve stopped: {proc.communicate()}"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status", timeout=2) as r:
                    assert r.status < 500
                    return
            except urllib.error.HTTPError as err:  # up, but this path wants a session token: fine
                assert err.code < 500, err
                return
            except OSError:
                time.sleep(0.5)
        raise AssertionError(f"serve did not answer on port {port}")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _run(argv: list[str], cwd: Path, env: dict, what: str) -> None:
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert "Traceback" not in proc.stdout + proc.stderr, f"{what}\n{proc.stderr}"
    assert proc.returncode == 0, f"{what}: exit {proc.returncode}\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"


def test_readme_blocks_are_all_classified():
    found = blocks()
    skipped = [body for _, flags, _, body in found if "no-run" in flags]
    assert all("make " in b or "spark" in b.lower() for b in skipped), skipped
    assert len(skipped) <= 3
    langs = {lang for lang, flags, opts, _ in found if "no-run" not in flags and "file" not in opts}
    assert langs <= {"sh", "python", "yaml"}, langs
    assert any(lang == "sh" for lang, *_ in found) and any(lang == "python" for lang, *_ in found)


@pytest.mark.slow
def test_every_readme_command_and_snippet_runs(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("LINKGRAPH_DEBUG", None)
    for name in ("rules", "fixtures"):
        (tmp_path / name).symlink_to(REPO / name)
    found = blocks()
    for _, flags, opts, body in found:
        if "file" in opts and "no-run" not in flags:
            (tmp_path / opts["file"]).write_text(body, encoding="utf-8")
    ran = 0
    for k, (lang, flags, opts, body) in enumerate(found):
        if "no-run" in flags or "file" in opts:
            continue
        if lang == "yaml":
            doc = tmp_path / f"readme_block_{k}.yaml"
            doc.write_text(body, encoding="utf-8")
            _run([sys.executable, "-m", "linkgraph", "validate", str(doc)], tmp_path, env, f"yaml block {k}")
        elif lang == "python":
            _run([sys.executable, "-c", body], tmp_path, env, f"python block {k}:\n{body}")
        elif lang == "sh":
            for tokens in commands(body):
                argv = _argv(tokens, tmp_path)
                if tokens[1:2] == ["serve"]:
                    _serve(argv, tmp_path, env)
                else:
                    _run(argv, tmp_path, env, " ".join(tokens))
        ran += 1
    assert ran >= 4
    # what the walk-through promises
    mentions = (tmp_path / "out" / "perpignan" / "mentions.csv").read_text(encoding="utf-8")
    assert "PM66-2024-0012" in mentions and "stationnement gênant" in mentions
    assert (tmp_path / "out" / "perpignan" / "chart.html").exists()
    assert (tmp_path / "out" / "perpignan" / "export" / "i2_links.csv").exists()
