"""Looking at this machine's processes from tests (Linux /proc)."""
from __future__ import annotations

from pathlib import Path


def processes_naming(folder: Path) -> list[int]:
    """Pids of live processes whose command line names this folder (an ffmpeg still writing there)."""
    pids = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes()
            state = (proc / "stat").read_text().rsplit(")", 1)[-1].split()[0]
        except (OSError, IndexError):
            continue
        if str(folder).encode() in cmdline and state != "Z":
            pids.append(int(proc.name))
    return pids


def niceness(pid: int) -> int:
    """The nice value a process runs at (what `top` shows in its NI column)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()
    return int(fields[16])  # field 19 of proc(5); fields[0] is field 3, the state


def session_niceness(pid: int) -> int | None:
    """The nice value of the process's session as the kernel schedules it (sched_autogroup), if it groups sessions."""
    try:
        return int(Path(f"/proc/{pid}/autogroup").read_text().split()[-1])  # "/autogroup-85 nice 10"
    except OSError:
        return None
