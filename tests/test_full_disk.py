"""A full disk (issue 13, finding 7): one line and exit 2, what was written is kept,
no empty file blocks a retry, and a study resumes once there is space again. Run on a
small tmpfs in a private mount namespace (needs root and unshare; skipped otherwise)."""
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from .conftest import ROOT

pytestmark = [pytest.mark.subprocess,
              pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("unshare"),
                                 reason="needs root and unshare for a private tmpfs")]


def _in_small_fs(tmp_path, script: str, size="64k"):
    mnt = tmp_path / "fs"
    mnt.mkdir()
    gt = f"{sys.executable} -m gazetype"
    body = textwrap.dedent(script).replace("GT", gt).replace("FS", str(mnt))
    full = f"mount -t tmpfs -o size={size} tmpfs {mnt} || exit 77\n{body}"
    env = {**os.environ, "PYTHONSAFEPATH": "1"}
    r = subprocess.run(["unshare", "-m", "sh", "-c", full], capture_output=True, text=True, cwd=ROOT,
                       timeout=300, env=env)
    if r.returncode == 77:
        pytest.skip("cannot mount a tmpfs here")
    return r


def _results(out: str) -> list[tuple[int, list[str]]]:
    """Blocks printed as '== rc N' followed by that command's stderr lines."""
    res = []
    for block in out.split("== rc ")[1:]:
        lines = block.strip().splitlines()
        res.append((int(lines[0]), lines[1:]))
    return res


def test_record_on_a_full_disk(tmp_path):
    r = _in_small_fs(tmp_path, """
        GT record --tracker sim --out FS/a.jsonl --duration 60 2>FS/../err1; echo "== rc $?"; cat FS/../err1
        GT record --tracker sim --out FS/b.jsonl --duration 60 2>FS/../err2; echo "== rc $?"; cat FS/../err2
        echo "== rc 0"; ls FS
        head -c 100 FS/a.jsonl
        """)
    (rc1, err1), (rc2, err2), (_, listing) = _results(r.stdout)
    assert rc1 == 2 and len(err1) == 1 and "No space left on device" in err1[0] and "are kept" in err1[0], r
    assert rc2 == 2 and len(err2) == 1 and "b.jsonl: cannot write" in err2[0], r
    # The partial recording is kept; the one that could not even write its header is gone
    # (a retry would otherwise say "already exists").
    assert listing[0] == "a.jsonl"
    assert '{"type":"header","format":"gazetype-recording"' in listing[-1]


def test_a_study_run_on_a_full_disk_resumes_when_there_is_space(tmp_path):
    r = _in_small_fs(tmp_path, """
        GT study run --study FS/st --participant P01 --tracker sim --headless --phrases 1 --practice 0 2>/dev/null
        avail=$(df -k FS | tail -1 | awk '{print $4}')
        dd if=/dev/zero of=FS/filler bs=1k count=$((avail - 150)) 2>/dev/null
        GT study run --study FS/st --participant P02 --tracker sim --headless --phrases 1 --practice 0 2>FS/../e1
        echo "== rc $?"; cat FS/../e1
        rm FS/filler
        GT study run --study FS/st --participant P02 --tracker sim --headless --phrases 1 --practice 0 2>FS/../e2
        echo "== rc $?"; tail -1 FS/../e2
        GT study status FS/st 2>&1; echo "== rc $?"
        """, size="8m")
    (rc1, err1), (rc2, err2), (rc3, status) = _results(r.stdout)
    assert rc1 == 2 and len(err1) == 1 and "disk is full" in err1[0] and "Traceback" not in err1[0], r
    assert rc2 == 0, r
    assert any(line.startswith("P02 (index 1): ") and line.count("1/1") == 3 for line in err2 + status), r
