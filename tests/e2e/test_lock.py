"""Two writers on one work folder get a clear error instead of corrupting each other."""

import subprocess
import sys

import pytest

from builder.lock import work_lock
from builder.errors import UserError

HOLD = "from builder.lock import work_lock; import sys, time\nwith work_lock(__import__('pathlib').Path(sys.argv[1]), 'a build'):\n    print('locked', flush=True); time.sleep(30)"


def test_second_writer_is_refused_while_the_first_holds_the_lock(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(UserError, match=r"in use by a build \(pid \d+\)"):
            with work_lock(tmp_path, "a release"):
                pass
    finally:
        holder.kill()
        holder.wait()
    # The kernel released the killed holder's lock: no stale lock file blocks the next run.
    with work_lock(tmp_path, "a release"):
        assert "a release" in (tmp_path / "lock").read_text()
