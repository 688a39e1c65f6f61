"""The README stays true: its commands exist and CI runs its test command."""
import re
import subprocess

import pytest

from .conftest import ROOT, run_cli

README = (ROOT / "README.md").read_text()


@pytest.mark.subprocess
def test_ci_runs_the_readme_test_command():
    out = subprocess.run(["awk", '/<!-- test-command -->/{getline; getline; print; exit}', "README.md"],
                         capture_output=True, text=True, cwd=ROOT).stdout.strip()
    assert out.startswith("./scripts/setup.sh test") and "pytest" in out
    assert "test-command" in (ROOT / ".ci" / "run").read_text()


@pytest.mark.subprocess
def test_every_documented_subcommand_exists():
    help_text = run_cli("--help").stdout
    documented = set(re.findall(r"^### `gazetype ([a-z-]+)", README, flags=re.M))
    assert documented
    for cmd in documented:
        assert re.search(rf"^\s+{cmd}\s", help_text, flags=re.M), f"README documents missing command {cmd}"


def test_readme_images_exist():
    for path in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README):
        assert (ROOT / path).exists(), path
