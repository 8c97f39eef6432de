"""Keep it closed: ruff's security rules (flake8-bandit, "S") find nothing in the code.

What does not apply is written down, rule by rule, with its reason, in pyproject.toml
([tool.ruff.lint] ignore and per-file-ignores) or beside the line (`# noqa: S...`).
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_security_rules_find_nothing():
    import tomllib

    lint = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["ruff"]["lint"]
    assert "S" in lint["select"]  # the rules run with every `ruff check`, and here
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--output-format", "json",
                           "--exit-zero", "--no-cache", str(ROOT)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    findings = [f for f in json.loads(done.stdout) if (f.get("code") or "").startswith("S")]
    where = [f"{Path(f['filename']).relative_to(ROOT)}:{f['location']['row']}: {f['code']} "
             f"{f['message']}" for f in findings]
    assert where == []
