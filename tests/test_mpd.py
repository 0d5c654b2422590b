"""The MPD protocol: the real player on a real Mosquitto, driven by real MPD clients — Debian's
`mpc` and `python-mpd2` (Home Assistant's library) — and compared with Debian's own `mpd`
serving the same files."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import mpd
import pytest

from booth.library.db import Database
from booth.mpd.protocol import Ack, quote, split
from booth.roles.player import PlayerRole, start_player
from lab.debian_mpd import DebianMpd
from lab.mosquitto import Watcher, free_port, unique_site, wait_until
from tests.conftest import config_with

HOST = "127.0.0.1"
WAIT = 10.0
"""Loose bound on every wait, in seconds."""


def mpc(port: int, *args: str) -> str:
    """Debian's `mpc` against the server on ``port``; its output."""
    if shutil.which("mpc") is None:
        pytest.fail("mpc is missing: tools/test installs it (apt install mpc)")
    done = subprocess.run(["mpc", "-h", HOST, "-p", str(port), *args], capture_output=True,
                          text=True, timeout=WAIT)
    assert done.returncode == 0, done.stderr
    return done.stdout


def client(port: int) -> mpd.MPDClient:
    """A connected python-mpd2 client."""
    made = mpd.MPDClient()
    made.timeout = WAIT
    made.connect(HOST, port)
    return made


class Underruns:
    """Counts the moments the player's output ran dry: its sink had nothing buffered (the
    null output is paced like a device, about a tenth of a second ahead)."""

    def __init__(self, sink) -> None:
        self.count = 0
        self._sink = sink
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.wait(0.005):
            if self._sink.buffered_frames() == 0:
                self.count += 1

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.count


@dataclass
class Booth:
    """A running player role serving MPD on ``port``, and a watcher of its MQTT topics."""

    role: PlayerRole
    port: int
    site: str
    watcher: Watcher

    @property
    def state(self) -> str:
        return f"booth/{self.site}/state"

    def playing(self) -> dict:
        """The track MQTT says is playing, once there is one."""
        return self.watcher.wait_for(self.state, lambda m: m.json["track"] is not None,
                                     timeout=WAIT).json["track"]


def start_booth(db: Database, broker, watcher_factory, **mpd_settings) -> Booth:
    site = unique_site("mpd")
    port = free_port()
    config = config_with(mqtt={"host": broker.host, "port": broker.port, "site": site},
                         mpd={"bind": f"{HOST}:{port}", **mpd_settings})
    watcher = watcher_factory(f"booth/{site}/#")
    role = start_player(config, db, "null", voice=False)
    return Booth(role, port, site, watcher)


@pytest.fixture
def booth(library_copy, mosquitto_broker, mqtt_watcher) -> Iterator[Booth]:
    """The real player on the Debian music, serving MPD on a free port."""
    running = start_booth(library_copy, mosquitto_broker, mqtt_watcher)
    running.playing()
    yield running
    running.role.stop()


# -- real clients, real player --------------------------------------------------------------------

def test_mpc_shows_what_plays_and_the_status_has_every_field_home_assistant_reads(booth):
    track = booth.playing()
    assert track["title"] in mpc(booth.port, "current")
    status = client(booth.port).status()
    for key in ("volume", "state", "song", "songid", "elapsed", "duration", "playlistlength"):
        assert key in status, key
    assert status["state"] == "play"
    assert float(status["duration"]) == pytest.approx(track["duration"], abs=0.01)
    song = client(booth.port).currentsong()
    assert song["title"] == track["title"] and song["id"] == status["songid"]


def test_the_stats_count_one_song_per_row_of_the_library(booth, library_copy):
    stats = client(booth.port).stats()
    rows = library_copy.conn.execute("SELECT count(*) FROM tracks").fetchone()[0]
    assert int(stats["songs"]) == rows
    for key in ("artists", "albums", "uptime", "playtime", "db_playtime", "db_update"):
        assert int(stats[key]) >= 0, key


def test_next_from_mpc_changes_the_track_and_mqtt_agrees(booth):
    first = booth.playing()
    mark = booth.watcher.mark()
    mpc(booth.port, "next")
    changed = booth.watcher.wait_for(booth.state, lambda m: m.json["track"]["id"] != first["id"],
                                     after=mark, timeout=WAIT).json["track"]
    wait_until(lambda: client(booth.port).currentsong()["title"] == changed["title"], WAIT,
               "MPD's current song to be MQTT's")


def test_a_volume_set_over_mpd_shows_on_mqtt_and_in_the_status(booth):
    mark = booth.watcher.mark()
    mpc(booth.port, "volume", "30")
    booth.watcher.wait_for(booth.state, lambda m: m.json["volume"] == 3, after=mark,
                           timeout=WAIT)
    assert client(booth.port).status()["volume"] == "30"
    python = client(booth.port)
    python.setvol(80)
    booth.watcher.wait_for(booth.state, lambda m: m.json["volume"] == 8, after=mark,
                           timeout=WAIT)


def test_search_finds_a_song_by_part_of_its_title_in_any_case_and_find_only_exactly(booth):
    printed = mpc(booth.port, "search", "title", "nEBUla")
    assert "Nebula" in printed
    python = client(booth.port)
    found = python.search("title", "nebula")
    assert {song["title"] for song in found} == {"Nebula"}
    assert python.find("title", "nebula") == []
    assert [song["file"] for song in python.find("title", "Nebula")] == [found[0]["file"]]
    assert python.find("(title == 'Nebula')") == python.find("title", "Nebula")


def test_songs_added_over_mpd_play_next_in_the_order_added(booth):
    python = client(booth.port)
    first, second = (python.search("title", title)[0]["file"] for title in ("Nebula", "Coherence"))
    mpc(booth.port, "add", first)
    python.addid(second)
    queue = [song["file"] for song in python.playlistinfo()]
    assert queue[-2:] == [first, second]
    mark = booth.watcher.mark()
    python.next()
    booth.watcher.wait_for(booth.state, lambda m: m.json["track"]["title"] == "Nebula",
                           after=mark, timeout=WAIT)
    python.next()
    booth.watcher.wait_for(booth.state, lambda m: m.json["track"]["title"] == "Coherence",
                           after=mark, timeout=WAIT)
    assert python.currentsong()["file"] == second


def test_clear_add_and_play_plays_the_song_now_as_home_assistant_asks(booth):
    python = client(booth.port)
    wanted = python.search("title", "Through Space")[0]["file"]
    mark = booth.watcher.mark()
    python.clear()
    python.add(wanted)
    python.play()
    booth.watcher.wait_for(booth.state, lambda m: m.json["track"]["title"] == "Through Space",
                           after=mark, timeout=WAIT)


def test_idle_wakes_on_a_track_change_from_another_client(booth):
    python = client(booth.port)
    python.idletimeout = WAIT
    before = python.currentsong()["file"]
    woken: list[list[str]] = []
    waiter = threading.Thread(target=lambda: woken.append(python.idle("player")), daemon=True)
    waiter.start()
    time.sleep(0.3)
    assert not woken  # nothing changed yet: it waits
    mpc(booth.port, "next")
    waiter.join(WAIT)
    assert woken == [["player"]]
    wait_until(lambda: python.currentsong()["file"] != before, WAIT, "the next track")


def test_noidle_ends_an_idle_with_nothing_changed(booth):
    with socket.create_connection((HOST, booth.port), timeout=WAIT) as sock:
        reader = sock.makefile("rb")
        assert reader.readline() == b"OK MPD 0.23.0\n"
        sock.sendall(b"idle stored_playlist\n")
        time.sleep(0.2)
        sock.sendall(b"noidle\nping\n")
        assert reader.readline() == b"OK\n"
        assert reader.readline() == b"OK\n"


def test_close_ends_the_connection_without_an_answer_as_mpd_does(booth):
    lines, closed = converse(booth.port, b"ping\nclose\nping\n", shut=False)
    assert closed and lines == ["OK MPD 0.23.0", "OK"]


def test_a_command_list_answers_each_and_stops_at_the_first_error(booth):
    with socket.create_connection((HOST, booth.port), timeout=WAIT) as sock:
        reader = sock.makefile("rb")
        reader.readline()
        sock.sendall(b"command_list_ok_begin\nping\nfoo\nping\ncommand_list_end\n")
        assert reader.readline() == b"list_OK\n"
        assert reader.readline() == b'ACK [5@1] {} unknown command "foo"\n'


# -- files, quoting and covers ----------------------------------------------------------------------

ODD_NAME = 'Café "Quoted" Ünïcode Song.ogg'
COVER = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 80 + b"\xff\xd9"
"""A stand-in JPEG of 20 kB: more than one 8 kB chunk."""


@pytest.fixture(scope="module")
def odd_library(tmp_path_factory, music_dirs) -> Path:
    """Two copies of a Debian track, scanned: one named with spaces, quotes and non-ASCII in a
    folder with a cover.jpg, one with a cover in its own tags."""
    from mutagen.flac import Picture
    from mutagen.oggvorbis import OggVorbis

    from booth.library.scan import scan

    root = tmp_path_factory.mktemp("odd")
    source = Path(music_dirs[0]) / "Nebula.ogg"
    album = root / "Folder With Cover"
    album.mkdir()
    shutil.copy(source, album / ODD_NAME)
    (album / "cover.jpg").write_bytes(COVER)
    tagged = root / "Tagged" / "Embedded.ogg"
    tagged.parent.mkdir()
    shutil.copy(source, tagged)
    audio = OggVorbis(tagged)
    picture = Picture()
    picture.type, picture.mime, picture.data = 3, "image/jpeg", COVER[::-1]
    import base64
    audio["metadata_block_picture"] = [base64.b64encode(picture.write()).decode("ascii")]
    audio["title"] = ["Embedded"]
    audio.save()
    db_path = root / "booth.db"
    db = Database(db_path)
    scan(db, [str(root)], progress=False)
    db.close()
    return db_path


@pytest.fixture
def odd_booth(odd_library, tmp_path, mosquitto_broker, mqtt_watcher) -> Iterator[Booth]:
    copy = tmp_path / "booth.db"
    shutil.copy(odd_library, copy)
    running = start_booth(Database(copy), mosquitto_broker, mqtt_watcher)
    running.playing()
    yield running
    running.role.stop()


def test_every_file_value_printed_is_accepted_by_add_and_albumart(odd_booth):
    python = client(odd_booth.port)
    odd = f"Folder With Cover/{ODD_NAME}"
    printed = {
        "find": [s["file"] for s in python.find("title", "Nebula")],
        "search": [s["file"] for s in python.search("any", "quoted")],
        "lsinfo": [s["file"] for s in python.lsinfo("Folder With Cover") if "file" in s],
        "listall": [s["file"] for s in python.listall() if "file" in s and "Caf" in s["file"]],
    }
    assert all(files == [odd] for files in printed.values()), printed
    assert mpc(odd_booth.port, "search", "title", "nebula").strip() == odd
    mpc(odd_booth.port, "add", odd)
    python.addid(odd)
    in_queue = [s["file"] for s in python.playlistinfo()]
    assert in_queue.count(odd) >= 2
    assert python.albumart(odd)["binary"] == COVER
    current = python.currentsong()["file"]
    assert python.albumart(current)["binary"]


def test_albumart_reads_the_folder_image_and_readpicture_the_files_own(odd_booth):
    python = client(odd_booth.port)
    assert python.albumart(f"Folder With Cover/{ODD_NAME}")["binary"] == COVER
    embedded = python.readpicture("Tagged/Embedded.ogg")
    assert embedded["binary"] == COVER[::-1] and embedded["type"] == "image/jpeg"
    with pytest.raises(mpd.CommandError, match="No file exists"):
        python.albumart("no such file.ogg")


# -- the wire -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("line", "words"), [
    ('add "a b/c d.ogg"', ["add", "a b/c d.ogg"]),
    (r'find title "say \"hi\""', ["find", "title", 'say "hi"']),
    ('search any "Ünïcode"', ["search", "any", "Ünïcode"]),
    (r'add "back\\slash"', ["add", "back\\slash"]),
    ("status", ["status"]),
])
def test_arguments_are_split_as_mpd_quotes_them(line, words):
    assert split(line) == words
    assert split(" ".join([words[0], *map(quote, words[1:])])) == words


def test_an_open_quote_is_an_argument_error():
    with pytest.raises(Ack) as caught:
        split('add "never closed')
    assert caught.value.line().startswith(b"ACK [2@0]")


# -- settings and start-up --------------------------------------------------------------------------

def test_a_lan_address_without_a_password_is_refused_with_the_fix(library_copy, mosquitto_broker):
    config = config_with(mqtt={"host": mosquitto_broker.host, "port": mosquitto_broker.port},
                         mpd={"bind": "0.0.0.0:6600"})
    with pytest.raises(SystemExit, match="set mpd.password, or bind to 127.0.0.1"):
        start_player(config, library_copy, "null", voice=False)


def test_off_and_loopback_need_no_password_and_a_bad_address_is_named():
    from booth.mpd.server import MpdRefused, parse_bind

    assert parse_bind("off", "") is None
    assert parse_bind("localhost:6600", "") == ("localhost", 6600)
    assert parse_bind("[::1]:6601", "") == ("::1", 6601)
    assert parse_bind("192.168.1.20:6600", "secret") == ("192.168.1.20", 6600)
    with pytest.raises(MpdRefused, match="HOST:PORT or off"):
        parse_bind("6600", "")


def test_a_taken_address_is_logged_once_and_the_music_plays_on(library_copy, mosquitto_broker,
                                                               mqtt_watcher, caplog):
    with socket.socket() as squatter:
        squatter.bind((HOST, 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        site = unique_site("taken")
        config = config_with(mqtt={"host": mosquitto_broker.host, "port": mosquitto_broker.port,
                                   "site": site}, mpd={"bind": f"{HOST}:{port}"})
        watcher = mqtt_watcher(f"booth/{site}/state")
        with caplog.at_level("WARNING", logger="booth.roles.player"):
            role = start_player(config, library_copy, "null", voice=False)
        try:
            assert role.mpd is None
            taken = [r.getMessage() for r in caplog.records if "MPD" in r.getMessage()]
            assert len(taken) == 1 and f"{HOST}:{port} is taken" in taken[0]
            watcher.wait_for(f"booth/{site}/state", lambda m: m.json["state"] == "playing"
                             and m.json["track"] is not None, timeout=WAIT)
        finally:
            role.stop()


def test_with_a_password_nothing_but_the_password_is_obeyed_before_it(library_copy,
                                                                      mosquitto_broker,
                                                                      mqtt_watcher):
    running = start_booth(library_copy, mosquitto_broker, mqtt_watcher, password="s3cret")
    try:
        python = client(running.port)
        with pytest.raises(mpd.CommandError, match="permission"):
            python.status()
        with pytest.raises(mpd.CommandError, match="incorrect password"):
            python.password("wrong")
        python.password("s3cret")
        assert python.status()["state"] in ("play", "pause", "stop")
    finally:
        running.role.stop()


# -- side by side with Debian's mpd -----------------------------------------------------------------

@pytest.fixture(scope="module")
def reference_mpd(tmp_path_factory, music_dirs) -> Iterator[DebianMpd]:
    """Debian's mpd serving the same Debian music as the Booth under test."""
    try:
        reference = DebianMpd(tmp_path_factory.mktemp("reference-mpd"), music_dirs).start()
    except FileNotFoundError as err:
        pytest.fail(str(err))
    yield reference
    reference.stop()


def ask(port: int, line: str) -> list[tuple[str, str]] | str:
    """One command on a fresh connection: its ``key: value`` pairs, or the ACK line."""
    with socket.create_connection((HOST, port), timeout=WAIT) as sock:
        reader = sock.makefile("rb")
        assert reader.readline().startswith(b"OK MPD 0.23")
        sock.sendall(line.encode() + b"\n")
        pairs = []
        while True:
            said = reader.readline().decode().rstrip("\n")
            if said == "OK":
                return pairs
            if said.startswith("ACK"):
                return said
            key, _, value = said.partition(": ")
            pairs.append((key, value))


TEXT = {"file", "directory", "Title", "Artist", "Album", "AlbumArtist", "Genre", "Date",
        "outputname", "plugin", "partition", "command", "tagtype", "replay_gain_mode",
        "Last-Modified", "Format", "audio"}
"""Fields that are words, whatever they look like ("Date: 2012" or "Date: 2012-12-15")."""


def kind(key: str, value: str) -> str:
    """What a field's value is: text, integer, decimal or a pair like ``time: 12:327``."""
    import re

    if key in TEXT:
        return "text"
    for name, pattern in (("integer", r"-?\d+"), ("decimal", r"-?\d+\.\d+"),
                          ("pair", r"\d+:\d+")):
        if re.fullmatch(pattern, value):
            return name
    return "text"


def fields(answer) -> dict[str, set[str]] | str:
    """Each field's kinds of value (or the ACK line itself)."""
    if isinstance(answer, str):
        return answer
    found: dict[str, set[str]] = {}
    for key, value in answer:
        found.setdefault(key, set()).add(kind(key, value))
    return found


def test_booth_and_debians_mpd_answer_the_same_commands_with_the_same_fields(booth,
                                                                            reference_mpd):
    nebula = {}
    for port in (booth.port, reference_mpd.port):
        python = client(port)
        nebula[port] = python.find("title", "Nebula")[0]["file"]
        second = python.find("title", "Coherence")[0]["file"]
        python.add(nebula[port])
        python.add(second)
        python.setvol(40)
    mpc(reference_mpd.port, "play")
    mpc(booth.port, "next")  # Booth plays Nebula now, Coherence after
    for port in (booth.port, reference_mpd.port):
        wait_until(lambda p=port: client(p).currentsong().get("title") == "Nebula", WAIT,
                   "Nebula to play")
    same = ["status", "currentsong", "stats", "find title Nebula", "search title nebula",
            "lsinfo", "listall", "list artist", "list album", "outputs", "getvol",
            "tagtypes", "replay_gain_status", "ping", "foo", "setvol", "setvol abc",
            "setvol 300", "status x", "add", "find", "find title", "idle foo",
            "password x", "albumart", "readpicture"]
    for command in same:
        theirs = fields(ask(reference_mpd.port, command))
        ours = fields(ask(booth.port, command))
        assert ours == theirs, command
    for command in (f'lsinfo "{nebula[booth.port]}"', f'albumart "{nebula[booth.port]}" 0',
                    f'readpicture "{nebula[booth.port]}" 0'):
        theirs = fields(ask(reference_mpd.port, command.replace(nebula[booth.port],
                                                               nebula[reference_mpd.port])))
        assert fields(ask(booth.port, command)) == theirs, command
    playing = {port: dict(ask(port, "status"))["song"] for port in (booth.port, reference_mpd.port)}
    assert fields(ask(booth.port, f"playlistinfo {playing[booth.port]}:")) == \
        fields(ask(reference_mpd.port, f"playlistinfo {playing[reference_mpd.port]}:"))


def test_every_command_booth_knows_is_one_debians_mpd_knows(booth, reference_mpd):
    theirs = {value for _, value in ask(reference_mpd.port, "commands")}
    ours = {value for _, value in ask(booth.port, "commands")}
    assert ours <= theirs, ours - theirs


# -- bad input --------------------------------------------------------------------------------------

ACK_OR_OK = r"(ACK \[\d+@\d+\] \{\w*\} .*|OK( MPD 0\.23\.0)?|list_OK|[\w-]+: .*)"
"""Every line a client may be sent: an ACK, an OK, the greeting or a field."""


CROWD = """
import json, socket, sys, threading
port, wait = int(sys.argv[1]), float(sys.argv[2])
answers, release = [], threading.Event()

def one():
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
            reader = sock.makefile("rb")
            if not reader.readline():
                answers.append("closed")
                return
            sock.sendall(b"status\\n")
            while (line := reader.readline()) not in (b"OK\\n", b""):
                if line.startswith(b"ACK"):
                    answers.append("ack")
                    return
            answers.append("answered" if line else "closed")
            release.wait(wait)
    except ConnectionError:
        answers.append("closed")

crowd = [threading.Thread(target=one, daemon=True) for _ in range(200)]
for thread in crowd:
    thread.start()
deadline = __import__("time").monotonic() + 2 * wait
while len(answers) < 200 and __import__("time").monotonic() < deadline:
    __import__("time").sleep(0.01)
release.set()
print(json.dumps(answers))
"""
"""200 MPD clients at once, each asking for the status and holding on until all have an
answer (or were closed): prints what each got."""


def converse(port: int, data: bytes, shut: bool = True) -> tuple[list[str], bool]:
    """Send ``data``, then read what comes back until the server closes (or is silent for a
    second): the lines, and whether it closed."""
    import re

    with socket.create_connection((HOST, port), timeout=WAIT) as sock:
        sock.settimeout(1.0)
        try:
            sock.sendall(data)
            if shut:
                sock.shutdown(socket.SHUT_WR)
        except OSError:
            return [], True
        received = b""
        closed = False
        while True:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            except ConnectionError:
                closed = True
                break
            if not chunk:
                closed = True
                break
            received += chunk
    lines = received.decode("utf-8").split("\n")[:-1]
    assert all(re.fullmatch(ACK_OR_OK, line) for line in lines), lines
    return lines, closed


def test_bad_input_gets_mpds_ack_or_a_closed_connection_and_the_music_never_stutters(booth):
    import random

    underruns = Underruns(booth.role.speaker.player.sink)
    lines, _ = converse(booth.port, b"foo\nsetvol\nstatus extra\nplay x\nSTATUS\n\n")
    assert lines[1:] == ['ACK [5@0] {} unknown command "foo"',
                         'ACK [2@0] {setvol} wrong number of arguments for "setvol"',
                         'ACK [2@0] {status} wrong number of arguments for "status"',
                         "ACK [2@0] {play} Integer expected: x",
                         'ACK [5@0] {} unknown command "STATUS"',
                         'ACK [5@0] {} unknown command ""']
    lines, closed = converse(booth.port, b"x" * 200_000 + b"\nping\n", shut=False)
    assert closed and (lines[1:] in ([], ["ACK [2@0] {} line too long"]))
    garbage = random.Random(21).randbytes(20_000)
    lines, closed = converse(booth.port, garbage)
    assert closed  # as MPD: a line that is not UTF-8 ends the conversation
    lines, closed = converse(booth.port, b'add "unterminated\nlsinfo "\\\nidle nothing\n')
    assert lines[1:] == ["ACK [2@0] {} Missing closing '\"'"] * 2 + \
        ["ACK [2@0] {idle} Unrecognized idle event: nothing"]

    silent = socket.create_connection((HOST, booth.port), timeout=WAIT)
    assert client(booth.port).ping() is None  # one who never speaks blocks nobody

    # The crowd runs in a process of its own, as real clients do: 200 client threads in
    # this process would compete with the player's render thread for the interpreter.
    crowd = subprocess.run([sys.executable, "-c", CROWD, str(booth.port), str(WAIT)],
                           capture_output=True, text=True, timeout=4 * WAIT, check=True)
    answers = json.loads(crowd.stdout)
    assert answers.count("answered") >= 99 and answers.count("closed") + \
        answers.count("answered") == 200, answers
    silent.close()
    wait_until(lambda: client(booth.port).status()["state"] == "play", WAIT, "MPD to answer")
    assert booth.watcher.wait_for(booth.state, lambda m: m.json["state"] == "playing")
    assert underruns.stop() == 0


def test_a_client_that_never_speaks_is_closed_after_the_timeout(booth):
    from booth.mpd.server import MpdServer

    server = MpdServer(booth.role.speaker, booth.role.speaker.db.path, HOST, 0, timeout=0.5)
    server.start()
    try:
        with socket.create_connection((HOST, server.port), timeout=WAIT) as sock:
            reader = sock.makefile("rb")
            assert reader.readline() == b"OK MPD 0.23.0\n"
            started = time.monotonic()
            assert reader.readline() == b""
            assert time.monotonic() - started < WAIT
    finally:
        server.stop()


def test_the_underrun_count_notices_a_stalled_player(booth):
    underruns = Underruns(booth.role.speaker.player.sink)
    booth.role.speaker.station.submit(lambda: time.sleep(0.5))  # the render thread stalls
    wait_until(lambda: underruns.count > 0, WAIT, "an underrun")
    underruns.stop()


# -- Home Assistant's calls -------------------------------------------------------------------------

def test_home_assistants_mpd_calls_drive_a_whole_session(booth):
    """The calls Home Assistant's MPD media player makes (homeassistant/components/mpd), with
    its client: python-mpd2's asyncio MPDClient."""
    import asyncio

    from mpd.asyncio import MPDClient

    def state() -> dict:
        return booth.watcher.wait_for(booth.state, timeout=WAIT, after=booth.watcher.mark() - 1).json

    async def session() -> None:
        ha = MPDClient()
        ha.timeout = WAIT
        await ha.connect(HOST, booth.port)
        commands = list(await ha.commands())
        assert {"albumart", "readpicture", "listplaylists"} <= set(commands)
        status, song = await ha.status(), await ha.currentsong()
        assert status["state"] == "play" and "volume" in status
        assert song["title"] and int(song["time"]) > 0
        assert float(status["elapsed"]) >= 0
        albums = [p["playlist"] for p in await ha.listplaylists()]
        assert "Endgame: Singularity (Advanced Research)" in albums

        await ha.setvol(int(0.6 * 100))                               # volume set
        await ha.setvol(int((await ha.status())["volume"]) + 5)      # volume up
        assert (await ha.status())["volume"] == "70"
        await ha.setvol(int((await ha.status())["volume"]) - 5)      # volume down
        assert (await ha.status())["volume"] == "60"
        await ha.pause(1)                                             # pause
        assert (await ha.status())["state"] == "pause"
        await ha.pause(0)                                             # play, when paused
        assert (await ha.status())["state"] == "play"
        before = (await ha.currentsong())["file"]
        await ha.next()                                               # next
        await ha.previous()                                           # previous
        for _ in range(100):
            if (await ha.currentsong())["file"] == before:
                break
            await asyncio.sleep(0.1)
        assert (await ha.currentsong())["file"] == before

        track = (await ha.search("title", "Orbital Elevator"))[0]["file"]
        await ha.clear()                                              # play media: a track
        await ha.add(track)
        await ha.play()
        for _ in range(100):
            if (await ha.currentsong())["file"] == track:
                break
            await asyncio.sleep(0.1)
        song = await ha.currentsong()
        assert song["file"] == track
        assert (song["title"], song["artist"]) == ("Orbital Elevator", "Maxstack")

        await ha.clear()                                              # play media: a playlist
        await ha.load("Endgame: Singularity Original Soundtrack")     # (an album)
        await ha.play()
        for _ in range(100):
            if (await ha.currentsong()).get("album") == "Endgame: Singularity Original Soundtrack":
                break
            await asyncio.sleep(0.1)
        queue = await ha.playlistinfo()
        assert len(queue) > 5
        assert (await ha.currentsong())["album"] == "Endgame: Singularity Original Soundtrack"
        picture = await ha.readpicture((await ha.currentsong())["file"])
        assert picture == {} or picture["binary"]
        ha.disconnect()

    asyncio.run(session())
    assert state()["volume"] == 6


def test_seekcur_moves_within_the_track_and_mqtt_reports_the_new_position(booth):
    python = client(booth.port)
    track = booth.playing()
    def elapsed_near(seconds: float) -> bool:
        return abs(float(python.status()["elapsed"]) - seconds) < 2

    middle = round(track["duration"] / 2)
    python.seekcur(middle)
    wait_until(lambda: elapsed_near(middle), WAIT, f"the position after seekcur {middle}")
    python.seekcur("-10")
    wait_until(lambda: elapsed_near(middle - 10), WAIT, "the position after seekcur -10")
    mark = booth.watcher.mark()
    booth.watcher.wait_for(booth.state, lambda m: m.json["position"] >= middle - 10,
                           after=mark, timeout=WAIT)
    assert booth.watcher.wait_for(booth.state, after=mark).json["track"]["id"] == track["id"]
    assert python.currentsong()["title"] == track["title"]


def test_the_mpd_flag_of_booth_run_and_booth_serve_overrides_the_setting():
    from booth.cli import apply_mpd_flag, build_parser
    from booth.config import Config

    for argv in (["run", "--mpd", "off"], ["serve", "player", "--mpd", "off"]):
        assert apply_mpd_flag(build_parser().parse_args(argv), Config()).mpd.bind == "off"
    unchanged = apply_mpd_flag(build_parser().parse_args(["run"]), Config())
    assert unchanged.mpd.bind == "127.0.0.1:6600"


def test_update_rescans_the_music_and_idle_hears_of_the_database(booth):
    python = client(booth.port)
    python.idletimeout = 6 * WAIT
    assert python.update() == "1"  # the job number, as mpd answers
    changed = set(python.idle("database", "update"))
    while "database" not in changed:
        changed |= set(python.idle("database", "update"))
    assert int(python.stats()["songs"]) > 0
