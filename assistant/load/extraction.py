"""Reading uploaded files in a separate, limited process.

A hostile file (a zip bomb, a huge page, a parser's worst case) must not cost the server its
memory or its CPU: each file is read by a worker process whose address space (RLIMIT_AS) and CPU
time (RLIMIT_CPU) are capped, and which is killed when a file takes longer than its wall-clock
budget. The file is then refused with the reason; the next file gets a fresh worker.

The worker imports only the readers (not Chroma or the embedding model) and runs at a lower
priority, so that answers to other users keep their share of the CPU while a file is read.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

from .readers import Budget, ReadError
from ..types import Document

_HEADER = struct.Struct("!Q")
# A reply larger than this is not a document the budgets allow: it is refused, not unpickled.
_MAX_REPLY = 256 * 1024 * 1024


class Extractor:
    """Reads files into Documents in a worker process; `with Extractor(budget, seconds, mb) as x:`."""

    def __init__(self, budget: Budget, seconds: float = 60.0, memory_mb: int = 1024):
        self.budget, self.seconds, self.memory_mb = budget, float(seconds), int(memory_mb)
        self._proc: subprocess.Popen | None = None

    @classmethod
    def from_settings(cls, settings) -> Extractor:
        return cls(Budget.from_settings(settings), settings.ingest_seconds, settings.ingest_memory_mb)

    def __enter__(self) -> Extractor:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def read(self, path: Path, kind: str = "user", display_name: str | None = None) -> Document:
        """The file as a Document, or ReadError with the reason (including a breached limit)."""
        proc = self._worker()
        request = pickle.dumps((str(path), kind, display_name, asdict(self.budget), self.seconds))
        try:
            proc.stdin.write(_HEADER.pack(len(request)) + request)
            proc.stdin.flush()
            status, value = self._reply(proc, time.monotonic() + self.seconds + 1.0)
        except (BrokenPipeError, EOFError, _Timeout, _Oversized) as exc:
            reason = self._why(exc)
            self._kill()
            raise ReadError(reason) from None
        if status == "ok":
            return value
        if status == "fatal":  # the worker ran out of memory: its heap is not trusted again
            self._kill()
        raise ReadError(value)

    def close(self) -> None:
        if self._proc is not None:
            try:
                self._proc.stdin.close()
                self._proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self._kill()
            self._proc = None

    # ------------------------------------------------------------ worker process

    def _worker(self) -> subprocess.Popen:
        if self._proc is None or self._proc.poll() is not None:
            env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "assistant.load.extraction", str(self.memory_mb)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
                cwd=str(Path(__file__).resolve().parents[2]), close_fds=True)  # the folder holding assistant/
        return self._proc

    def _reply(self, proc: subprocess.Popen, deadline: float):
        header = self._read_exactly(proc, _HEADER.size, deadline)
        (length,) = _HEADER.unpack(header)
        if length > _MAX_REPLY:
            raise _Oversized()
        return pickle.loads(self._read_exactly(proc, length, deadline))

    @staticmethod
    def _read_exactly(proc: subprocess.Popen, n: int, deadline: float) -> bytes:
        fd, parts, left = proc.stdout.fileno(), [], n
        # poll, not select: a long-running server holds more than FD_SETSIZE (1,024) descriptors
        # (Chroma clients of open workspaces, sockets), and select() refuses any above it.
        poller = select.poll()
        poller.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
        while left:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _Timeout()
            if not poller.poll(max(1, int(remaining * 1000))):
                raise _Timeout()
            data = os.read(fd, min(left, 1 << 20))
            if not data:
                raise EOFError()
            parts.append(data)
            left -= len(data)
        return b"".join(parts)

    def _why(self, exc: Exception) -> str:
        if isinstance(exc, _Timeout):
            return f"refused: reading the file took more than {self.seconds:g} s"
        if isinstance(exc, _Oversized):
            return "refused: the file's text is larger than any document may be"
        code = self._proc.wait(timeout=5) if self._proc is not None else None
        if code == -signal.SIGXCPU:
            return f"refused: reading the file took more than {self.seconds:g} s of CPU"
        # 120: the interpreter could not flush its output at exit, which under the address-space
        # limit means the MemoryError struck while the reply was being written.
        return (f"refused: reading the file needed more than {self.memory_mb} MB of memory"
                if code in (-signal.SIGKILL, -signal.SIGSEGV, -signal.SIGABRT, 1, 120)
                else f"refused: the reader stopped on this file (exit code {code})")

    def _kill(self) -> None:
        if self._proc is not None:
            try:
                self._proc.kill()
                self._proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                pass
            for stream in (self._proc.stdin, self._proc.stdout):
                try:
                    stream.close()
                except OSError:
                    pass
            self._proc = None


class _Timeout(Exception):
    pass


class _Oversized(Exception):
    pass


# ---------------------------------------------------------------- in the worker

def _serve(memory_mb: int) -> None:
    import resource

    from .readers import read_document

    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        os.nice(10)
    except OSError:
        pass
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        header = stdin.read(_HEADER.size)
        if len(header) < _HEADER.size:
            return
        path, kind, name, budget, seconds = pickle.loads(stdin.read(_HEADER.unpack(header)[0]))
        # CPU time is counted for the whole process: each file gets `seconds` more than used so far.
        used = resource.getrusage(resource.RUSAGE_SELF)
        spent = used.ru_utime + used.ru_stime
        resource.setrlimit(resource.RLIMIT_CPU, (int(spent + seconds) + 1, resource.RLIM_INFINITY))
        fatal = False
        try:
            reply = ("ok", read_document(Path(path), kind=kind, display_name=name, budget=Budget(**budget)))
        except ReadError as exc:
            reply = ("error", str(exc))
        except MemoryError:
            reply, fatal = ("fatal", f"refused: reading the file needed more than {memory_mb} MB of memory"), True
        except RecursionError:
            reply = ("error", "the file is nested too deeply to read")
        except Exception as exc:  # a parser's own failure on a hostile file
            reply = ("error", f"the file could not be read ({type(exc).__name__})")
        data = pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
        stdout.write(_HEADER.pack(len(data)) + data)
        stdout.flush()
        if fatal:
            return


if __name__ == "__main__":
    _serve(int(sys.argv[1]) if len(sys.argv) > 1 else 1024)
