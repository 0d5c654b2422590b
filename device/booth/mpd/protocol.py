"""The wire format: splitting a command line into arguments (MPD's quoting), MPD's ACK
errors, and quoting an argument for sending."""

from __future__ import annotations

ERROR_NOT_LIST = 1
ERROR_ARG = 2
ERROR_PASSWORD = 3
ERROR_PERMISSION = 4
ERROR_UNKNOWN = 5
ERROR_NO_EXIST = 50
ERROR_SYSTEM = 52
ERROR_UPDATE_ALREADY = 54


class Ack(Exception):
    """A command failed; the client gets ``ACK [code@index] {command} message``."""

    def __init__(self, code: int, message: str, command: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.command = command

    def line(self, index: int = 0) -> bytes:
        """The ACK line for the ``index``-th command of a list (0 outside lists)."""
        return f"ACK [{self.code}@{index}] {{{self.command}}} {self.message}\n".encode()


def split(line: str) -> list[str]:
    """The words of a command line: separated by blanks, or in double quotes with ``\\``
    escaping the next character (MPD's rule). Raises :class:`Ack` on an open quote."""
    words: list[str] = []
    i, n = 0, len(line)
    while i < n:
        if line[i] in " \t":
            i += 1
            continue
        if line[i] == '"':
            i += 1
            chars: list[str] = []
            while i < n and line[i] != '"':
                if line[i] == "\\" and i + 1 < n:
                    i += 1
                chars.append(line[i])
                i += 1
            if i >= n:
                raise Ack(ERROR_ARG, "Missing closing '\"'")
            words.append("".join(chars))
            i += 1
            continue
        start = i
        while i < n and line[i] not in " \t":
            i += 1
        words.append(line[start:i])
    return words


def quote(value: str) -> str:
    """``value`` as one argument: in double quotes, ``"`` and ``\\`` escaped."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def integer(command: str, text: str, low: int | None = None, high: int | None = None) -> int:
    """An integer argument, with MPD's complaints."""
    try:
        value = int(text)
    except ValueError:
        raise Ack(ERROR_ARG, f"Integer expected: {text}", command) from None
    if low is not None and value < low:
        raise Ack(ERROR_ARG, f"Number too small: {text}", command)
    if high is not None and value > high:
        raise Ack(ERROR_ARG, f"Number too large: {text}", command)
    return value


def number(command: str, text: str) -> float:
    """A decimal argument (a position in seconds, say)."""
    try:
        value = float(text)
    except ValueError:
        raise Ack(ERROR_ARG, f"Float expected: {text}", command) from None
    if value != value or value < 0:  # NaN or negative
        raise Ack(ERROR_ARG, f"Bad number: {text}", command)
    return value
