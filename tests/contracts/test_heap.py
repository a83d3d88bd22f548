"""builder/heap.py: freed large blocks go back to the system, in a fresh process each (malloc settings are
per process; pyarrow picks its allocator when first imported)."""

import os
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


# 60 tables of 2 MB of strings, joined into one: ~230 MB of Arrow buffers held, then freed.
_ARROW_SCRIPT = textwrap.dedent("""
    import sys
    from builder.heap import arrow_uses_malloc, return_freed_blocks

    if sys.argv[1] == "on":
        arrow_uses_malloc()
    return_freed_blocks()
    import pyarrow as pa

    def anon_kib():
        for line in open("/proc/self/status"):
            if line.startswith("RssAnon:"):
                return int(line.split()[1])

    pa.table({"text": pa.array(["warm"] * 10)}).combine_chunks()
    before = anon_kib()
    tables = [pa.table({"text": pa.array(["x" * 1000] * 2000)}) for _ in range(60)]
    joined = pa.concat_tables(tables).combine_chunks()
    held = anon_kib() - before
    del tables, joined
    print(held, anon_kib() - before)
""")


def _arrow_kib(setting: str) -> tuple[int, int]:
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    out = subprocess.run([sys.executable, "-c", _ARROW_SCRIPT, setting], capture_output=True, text=True, check=True,
                         env=env).stdout.split()
    return int(out[0]), int(out[1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc; elsewhere the settings do nothing")
def test_freed_arrow_buffers_leave_the_process():
    held, retained = _arrow_kib("on")
    assert held > 100_000  # the buffers were there
    _, retained_by_default = _arrow_kib("off")
    if retained_by_default < 50_000:
        pytest.skip(f"pyarrow's own allocator returns the buffers here ({retained_by_default} KiB kept)")
    assert retained < 20_000, f"{retained} KiB of freed Arrow buffers still resident"


# The command line sets it before a command imports pyarrow; the engine's fork server and workers inherit it.
_PROCESSES_SCRIPT = textwrap.dedent("""
    import sys
    import tempfile

    def allocator(_):
        import pyarrow
        return pyarrow.default_memory_pool().backend_name

    if __name__ == "__main__":
        from builder.cli.main import main

        main(["--version"])  # any command: pyarrow comes with the command's module, after this
        from builder.engine.local import LocalEngine

        with tempfile.TemporaryDirectory() as work, LocalEngine(work, workers=2) as engine:
            print(allocator(None), *sorted(set(engine.call(allocator, [1, 2, 3, 4]))))
""")


def test_the_command_line_and_the_engine_workers_allocate_arrow_buffers_with_malloc(tmp_path):
    script = tmp_path / "allocators.py"  # a file: the workers import the function from it
    script.write_text(_PROCESSES_SCRIPT, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True, env=env).stdout
    assert out.split()[-2:] == ["system", "system"]
    # a value the user set stays
    env["ARROW_DEFAULT_MEMORY_POOL"] = "mimalloc"
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True, env=env).stdout
    assert out.split()[-2:] == ["mimalloc", "mimalloc"]
