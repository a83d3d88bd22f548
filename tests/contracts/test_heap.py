"""builder/heap.py: freed large blocks go back to the system, in a fresh process each (malloc settings are
per process)."""

import subprocess
import sys
import textwrap

import pytest

# A big buffer freed first (glibc then raises its mmap threshold to its size), then 120 MB of page-sized
# buffers held and freed, with one small block allocated after them so the heap top cannot simply shrink.
_SCRIPT = textwrap.dedent("""
    import sys
    from builder.heap import return_freed_blocks

    def anon_kib():
        for line in open("/proc/self/status"):
            if line.startswith("RssAnon:"):
                return int(line.split()[1])

    applied = return_freed_blocks() if sys.argv[1] == "on" else False
    big = bytearray(24 << 20)
    del big
    before = anon_kib()
    pages = [bytearray(170_000) for _ in range(720)]
    keep = bytearray(1000)
    del pages
    print(applied, anon_kib() - before)
""")


def _retained_kib(setting: str) -> tuple[bool, int]:
    out = subprocess.run([sys.executable, "-c", _SCRIPT, setting], capture_output=True, text=True, check=True).stdout.split()
    return out[0] == "True", int(out[1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc; elsewhere the settings do nothing")
def test_freed_page_buffers_leave_the_process():
    applied, retained = _retained_kib("on")
    if not applied:
        pytest.skip("not glibc: mallopt is absent")
    _, retained_by_default = _retained_kib("off")
    if retained_by_default < 10_000:
        pytest.skip(f"this C library returns the blocks by itself ({retained_by_default} KiB kept)")
    assert retained < 2_000, f"{retained} KiB of freed page buffers still resident"
