"""A time bound for HTML extraction that works in Beam's worker threads: a child process killed at the deadline.

trafilatura's own timeout uses SIGALRM, which only works in a process's main thread; Beam calls DoFns from worker
threads, and a thread cannot be stopped from outside. So a page that needs a deadline is sent to a child Python
process (``python -m transforms.isolate``) that runs ``extract_article`` and sends the result back. When the
deadline passes, the child is killed (SIGKILL) and the page fails with ``ExtractTimeout``; the next page starts a
fresh child. A child that dies (a crash, the kernel's OOM killer) fails the page with ``ChildDied``.

The child is started on first use, so a worker that never sees a large page never starts one, and it is reused for
every later page: the cost per page is sending the HTML and the result through a pipe. Pages and results are
pickled; both ends are this module, in processes of the same user. POSIX only (``select`` on pipes).
"""

from __future__ import annotations

import os
import pickle
import select
import struct
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

_HEADER = struct.Struct("!Q")
_READY = b"ready"
_START_TIMEOUT = 120.0  # seconds a child may take to import trafilatura and say it is ready


class ExtractTimeout(Exception):
    """The page was not extracted within the deadline; the child that worked on it has been killed."""


class ChildDied(Exception):
    """The child process ended while extracting a page (crash, out of memory)."""


def _write_frame(stream: IO[bytes], payload: bytes) -> None:
    stream.write(_HEADER.pack(len(payload)))
    stream.write(payload)
    stream.flush()


def _read_exactly(fd: int, size: int, deadline: float | None) -> bytes:
    """``size`` bytes from ``fd``; raises ExtractTimeout at the deadline and ChildDied at end of file."""
    chunks: list[bytes] = []
    while size:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise ExtractTimeout
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            raise ChildDied
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _read_frame(fd: int, deadline: float | None) -> bytes:
    (size,) = _HEADER.unpack(_read_exactly(fd, _HEADER.size, deadline))
    return _read_exactly(fd, size, deadline)


class IsolatedExtractor:
    """Runs ``transforms.extract.extract_article`` in a child process, with a deadline per page.

    Not thread-safe: one per DoFn instance (Beam gives each worker thread its own). ``close()`` ends the child.
    """

    def __init__(self, timeout: float):
        if timeout <= 0:
            raise ValueError("timeout must be positive (seconds)")
        self.timeout = timeout
        self.started = 0  # children started so far (one, plus one after each timeout or crash)
        self._proc: subprocess.Popen[bytes] | None = None

    def _start(self) -> subprocess.Popen[bytes]:
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parents[1])  # the folder holding the transforms package
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        proc = subprocess.Popen(
            [sys.executable, "-m", "transforms.isolate"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        self.started += 1
        assert proc.stdout is not None
        try:
            if _read_frame(proc.stdout.fileno(), time.monotonic() + _START_TIMEOUT) != _READY:
                raise ChildDied
        except (ExtractTimeout, ChildDied):
            self._kill(proc)
            raise ChildDied("the extraction child process did not start") from None
        return proc

    @staticmethod
    def _kill(proc: subprocess.Popen[bytes]) -> None:
        proc.kill()
        proc.wait()
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                stream.close()

    def run(self, html: str, url: str | None, options: Any) -> Any:
        """``extract_article(html, url=url, options=options)`` in the child; raises ExtractTimeout when it takes
        longer than the timeout (the child is killed), ChildDied when the child ends, or the extractor's own
        exception."""
        if self._proc is None or self._proc.poll() is not None:
            self._proc = self._start()
        proc = self._proc
        assert proc.stdin is not None and proc.stdout is not None
        deadline = time.monotonic() + self.timeout
        try:
            _write_frame(proc.stdin, pickle.dumps((html, url, options), protocol=pickle.HIGHEST_PROTOCOL))
            ok, value = pickle.loads(_read_frame(proc.stdout.fileno(), deadline))
        except (ExtractTimeout, ChildDied, BrokenPipeError) as e:
            self._kill(proc)
            self._proc = None
            if isinstance(e, ExtractTimeout):
                raise ExtractTimeout(f"extraction took longer than {self.timeout:g} s") from None
            raise ChildDied("the extraction child process died") from None
        if not ok:
            raise value
        return value

    def close(self) -> None:
        if self._proc is not None:
            self._kill(self._proc)
            self._proc = None


def _serve() -> None:
    """The child: read (html, url, options) frames from stdin, answer (ok, result-or-exception) frames."""
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything a library prints goes to stderr, never into the answers
    from transforms.extract import extract_article, trafilatura_config

    config = trafilatura_config()
    _write_frame(out, _READY)
    stdin = sys.stdin.buffer
    while True:
        header = stdin.read(_HEADER.size)
        if len(header) < _HEADER.size:
            return
        (size,) = _HEADER.unpack(header)
        html, url, options = pickle.loads(stdin.read(size))
        try:
            answer: tuple[bool, Any] = (True, extract_article(html, url=url, options=options, config=config))
        except Exception as e:  # sent back and raised in the parent, as an in-process call would
            answer = (False, e)
        try:
            payload = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as e:
            payload = pickle.dumps((False, RuntimeError(f"{type(e).__name__}: {e}")))
        _write_frame(out, payload)


if __name__ == "__main__":
    _serve()
