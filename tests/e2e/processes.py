"""The processes of a running stack, read from /proc (Linux): to find and kill one of them."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Proc:
    pid: int
    ppid: int
    state: str
    cmdline: tuple[str, ...]

    @property
    def command(self) -> str:
        return " ".join(self.cmdline)


def read(pid: int) -> Proc | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    fields = stat.rsplit(")", 1)[1].split()
    cmdline = tuple(part.decode(errors="replace") for part in raw.split(b"\0") if part)
    return Proc(pid, int(fields[1]), fields[0], cmdline)


def all_processes() -> list[Proc]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            proc = read(int(entry.name))
            if proc is not None:
                found.append(proc)
    return found


def children(pid: int) -> list[Proc]:
    return [proc for proc in all_processes() if proc.ppid == pid and proc.state != "Z"]


def alive(pid: int) -> bool:
    proc = read(pid)
    return proc is not None and proc.state != "Z"


def child_running(parent: int, *words: str) -> Proc | None:
    """The live child of `parent` whose command line contains every one of `words`."""
    for proc in children(parent):
        if all(word in proc.command for word in words):
            return proc
    return None


def wait_for_child(parent: int, *words: str, other_than: int = 0, timeout: float = 30) -> Proc:
    """The child matching `words` once it is there (and is not `other_than`)."""
    deadline = time.monotonic() + timeout
    while True:
        proc = child_running(parent, *words)
        if proc is not None and proc.pid != other_than:
            return proc
        if time.monotonic() > deadline:
            raise AssertionError(f"no child {words} of {parent} after {timeout:.0f}s")
        time.sleep(0.05)
