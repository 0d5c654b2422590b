"""Native libraries' chatter goes to Booth's debug log (`booth -v`), not the terminal.

On a machine without a sound card, PortAudio's probe of its host APIs makes ALSA, ALSA's
plugins and libjack print about a hundred lines of errors; libmpg123 (inside libsndfile)
prints notes about frames it resyncs past in MP3 files that play fine. ALSA takes an error
handler, installed before PortAudio starts. libjack and libmpg123 offer no such hook here
(libsndfile keeps its mpg123 handle private, so MPG123_QUIET cannot be set), so
`native_chatter` points file descriptor 2 at a capture file for the length of one library
call; inside it ALSA prints as usual, so its messages keep their arguments.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import sys
import tempfile
import threading
from contextlib import ExitStack, contextmanager
from typing import Iterator

log = logging.getLogger(__name__)

# Descriptor 2 belongs to the whole process: one redirection at a time.
_lock = threading.Lock()
_capture: tuple[int, int] | None = None  # (pid, descriptor) of the reusable capture file


def open_portaudio():
    """A `pyaudio.PyAudio` (PortAudio initialised), its start-up chatter in the debug log.

    Every PortAudio user in Booth opens it here. Terminate it when done: PortAudio keeps its
    device list until the last instance is terminated.
    """
    import pyaudio

    os.environ.setdefault("JACK_NO_START_SERVER", "1")  # probing must not start a JACK server
    quiet_alsa()
    with native_chatter("PortAudio"):
        return pyaudio.PyAudio()


@contextmanager
def native_chatter(source: str) -> Iterator[None]:
    """What native code writes to stderr inside the block goes to the debug log, one record
    per line ("SOURCE: line"). Process-wide: keep the block to one library call.

    Booth's own log records from other threads wait for the block instead of being caught
    (the root logger's handlers are held); a bare write to stderr from another thread in
    that moment would land in the debug log.
    """
    with _lock, ExitStack() as held:
        for handler in logging.getLogger().handlers:
            handler.acquire()
            held.callback(handler.release)
        if sys.stderr is not None:
            sys.stderr.flush()
        try:
            saved = os.dup(2)
        except OSError:  # no stderr at all: nothing to keep off it
            saved = None
        if saved is None:
            yield
            return
        capture = _capture_file()
        os.dup2(capture, 2)
        try:
            _set_alsa_handler(None)  # ALSA's own printing, into the capture, with arguments
            yield
        finally:
            try:
                _set_alsa_handler(_alsa_handler)
            finally:
                os.dup2(saved, 2)
                os.close(saved)
            text = _drain(capture)
    for line in text.splitlines():
        if line.strip():
            log.debug("%s: %s", source, line.rstrip())


def _capture_file() -> int:
    global _capture
    if _capture is None or _capture[0] != os.getpid():
        fd, path = tempfile.mkstemp(prefix="booth-stderr-")
        os.unlink(path)
        _capture = (os.getpid(), fd)
    return _capture[1]


def _drain(fd: int) -> str:
    size = os.lseek(fd, 0, os.SEEK_END)
    if not size:
        return ""
    os.lseek(fd, 0, os.SEEK_SET)
    data = b""
    while len(data) < size:
        chunk = os.read(fd, size - len(data))
        if not chunk:
            break
        data += chunk
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    return data.decode(errors="replace")


def _reset_after_fork() -> None:
    # A scan worker forked while another thread held the lock would wait for it forever.
    global _lock, _capture
    _lock, _capture = threading.Lock(), None


# No fork happens inside a window, so a child never starts with descriptor 2 captured.
os.register_at_fork(before=lambda: _lock.acquire(), after_in_parent=lambda: _lock.release(),
                    after_in_child=_reset_after_fork)


# -- ALSA ---------------------------------------------------------------------------------

# void handler(const char *file, int line, const char *function, int err, const char *fmt, ...)
# ctypes cannot take the variable arguments: outside `native_chatter` a message keeps its
# format's %s and %d.
_ALSA_HANDLER = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                                 ctypes.c_int, ctypes.c_char_p)
_asound = None
_alsa_handler = None  # the installed callback; kept referenced for as long as ALSA may call it


def quiet_alsa() -> bool:
    """Send ALSA's error messages to the debug log from now on (idempotent). False where
    there is no libasound."""
    global _asound, _alsa_handler
    if _alsa_handler is not None:
        return True
    try:
        asound = ctypes.CDLL(ctypes.util.find_library("asound") or "libasound.so.2")
    except OSError:
        return False
    asound.snd_strerror.restype = ctypes.c_char_p
    asound.snd_lib_error_set_handler.argtypes = [_ALSA_HANDLER]

    def on_error(file, line, function, err, fmt):
        log.debug("ALSA lib %s:%d:(%s) %s%s", _text(file), line, _text(function),
                  _text(fmt).strip(), f": {_text(asound.snd_strerror(err))}" if err else "")

    _asound, _alsa_handler = asound, _ALSA_HANDLER(on_error)
    _set_alsa_handler(_alsa_handler)
    return True


def _set_alsa_handler(handler) -> None:
    if _asound is not None:  # None: ALSA's own handler, printing to stderr
        _asound.snd_lib_error_set_handler(handler or _ALSA_HANDLER())


def _text(raw: bytes | None) -> str:
    return (raw or b"").decode(errors="replace")
