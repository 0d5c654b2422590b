"""The DJ's links: true to the tags, never repeated, varied, on time; and how often it talks."""

from __future__ import annotations

import functools
import itertools
import random
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import pytest

from booth.dj.spoken import count_words, speak_number, speak_year, speakable, spoken_seconds
from booth.dj.talk import TALK_LEVELS, TalkPolicy, expected_links
from booth.dj.templates import MIDDLE_FOR_KIND, TEMPLATES, TIME_SLOTS
from booth.dj.writer import (MIN_LINK_SECONDS, OFTEN_PLAYS, Link, LinkFacts, LinkWriter,
                             TrackFacts)
from booth.library.db import Database

WORDS_PER_SECOND = 3.0
DAY = 86400.0
NOW = datetime(2024, 11, 15, 20, 5)  # a Friday evening

SINGULARITY_ADVANCED = "Endgame: Singularity (Advanced Research)"
SINGULARITY_OST = "Endgame: Singularity Original Soundtrack"

# The Debian test music's real tags (singularity-music, hyperrogue-music, asc-music),
# plus a few messy tags of the kind a real collection has.
LIBRARY = [
    *(TrackFacts(title, True, "Maxstack", SINGULARITY_ADVANCED, 2012) for title in (
        "A New Journey", "Aberrations", "Enemy Unknown", "Nebula", "Orbital Elevator",
        "Through Space")),
    *(TrackFacts(title, True, "Maxstack", SINGULARITY_OST, 2012) for title in (
        "Advanced Simulacra", "Awakening", "By-Product", "Coherence", "Deprecation",
        "Inevitable", "Media Threat", "Chimes They Fade", "March Thee to Dis", "Apex Aleph")),
    *(TrackFacts(title, True, "Will Savino", "HyperRogue", 2018, track_no=no) for title, no in (
        ("Caribbean", 21), ("Ocean", 22), ("Ivory Tower", 23), ("Palace", 24))),
    *(TrackFacts(title, True, "NeonCorridor", "HyperRogue", 2013, "Game", no) for title, no in (
        ("Living Caves", 2), ("Crossroads", 5), ("Desert", 10), ("Graveyard", 11), ("Hell", 1),
        ("Icy Lands", 3), ("Jungle", 6), ("Laboratory", 7), ("Land of Mirrors", 8),
        ("Land of Eternal Motion", 9), ("R'Lyeh", 4))),
    TrackFacts("hr-domina-hunting", False),
    TrackFacts("hr-domina-mountain", False),
    TrackFacts("frontiers", False),
    TrackFacts("machine_wars", False),
    TrackFacts("time_to_strike", False),
    TrackFacts("DON'T LOOK BACK IN ANGER", True, "OASIS TRIBUTE BAND", None, None, "Rock"),
    TrackFacts("Night Drive (feat. Dr. Velvet)", True, "Solar Kites & Friends",
               "Night Drive [Remastered]", 1999, "Synthwave"),
    TrackFacts("Quiet Hours", True, "Lena Marsh", None, None, None),
    TrackFacts("01 - Morning Light.ogg", False),
]

ARTISTS = {speakable(t.artist) for t in LIBRARY if t.artist}
YEAR_PHRASES = {speak_year(t.year) for t in LIBRARY if t.year}
NAMING_PARTS = {"intro", "untagged", "album_start", "album_continues", "short",
                "short_untagged", "nameless"}
OPENING_PARTS = {"greeting", "back", "back_untagged"}


@functools.cache
def names_of(track: TrackFacts) -> frozenset[str]:
    """Every name of a track the DJ might say."""
    title = speakable(track.title, from_file=not track.title_from_tags)
    return frozenset(n for n in (title, speakable(track.artist), speakable(track.album)) if n)


def mentions(text: str, name: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text) is not None


def normalised(text: str) -> str:
    return " ".join(re.findall(r"[\w']+", text.lower()))


def first_words(text: str, n: int = 2) -> tuple[str, ...]:
    return tuple(normalised(text).split()[:n])


def about_next(link: Link) -> str:
    """The parts of a link that talk about the next track (not the greeting or back-announce)."""
    return " ".join(p.text for p in link.parts if p.situation not in OPENING_PARTS)


@dataclass(frozen=True)
class Said:
    facts: LinkFacts
    budget: float
    link: Link | None


def simulate_session(seed: int, transitions: int = 36) -> list[Said]:
    """A two-hour evening: a link at every transition, with history, requests and an album run."""
    rng = random.Random(seed)
    library = []
    for track in LIBRARY:  # give the library a listening history
        roll = rng.random()
        if roll < 0.3:
            library.append(track)
        elif roll < 0.55:
            library.append(replace(track, plays=rng.randint(OFTEN_PLAYS, 40), likes=1,
                                   last_played=NOW.timestamp() - 2 * DAY))
        elif roll < 0.8:
            library.append(replace(track, plays=rng.randint(1, 5),
                                   last_played=NOW.timestamp() - rng.randint(70, 800) * DAY))
        else:
            library.append(replace(track, plays=rng.randint(1, 7), likes=rng.randint(0, 1),
                                   last_played=NOW.timestamp() - rng.randint(1, 20) * DAY))
    hyperrogue = sorted((t for t in library if t.album == "HyperRogue"
                         and t.artist == "NeonCorridor"), key=lambda t: t.track_no)
    order = rng.sample(library, transitions + 1)
    order[10:14] = hyperrogue[:4]  # the listener asked for the album
    reasons = ["more of the ambient you asked for", "a change of pace after all that piano",
               "your request for something calm", "liked by you"]
    writer = LinkWriter(seed=seed)
    now, previous, said = NOW, None, []
    for i, track in enumerate(order):
        kind = rng.choice([None, None, None, "request", "more_like_this", "switch_it_up",
                           "liked_artist" if track.artist else None, "taste"])
        reason = rng.choice(reasons) if rng.random() < 0.15 else None
        if reason == "liked by you" and track.artist:
            reason = f"because you liked {track.artist}"
        if 10 <= i < 14:
            kind, reason = "album", None
        facts = LinkFacts(next=track, previous=previous, reason=reason, reason_kind=kind, now=now,
                          session_start=i == 0, closing=i == transitions)
        budget = rng.choice([2.0, 3.5, 5.0, 7.0, 9.0, 10.0, 10.0, 10.0])
        said.append(Said(facts, budget, writer.write_link(facts, budget, WORDS_PER_SECOND)))
        previous, now = track, now + timedelta(seconds=200)
    return said


@pytest.fixture(scope="module", params=[1, 2, 3])
def session(request) -> list[Said]:
    return simulate_session(request.param)


def spoken(session: list[Said]) -> list[Said]:
    return [s for s in session if s.link]


# -- the template data ------------------------------------------------------------------

MINIMAL_FACTS = {  # the fewest facts under which each situation still has to be sayable
    "greeting": TIME_SLOTS,
    "intro": {"title"}, "back": {"prev_title"}, "back_untagged": {"prev_file"},
    "first_time": set(), "played_often": {"plays"}, "long_time": {"since"}, "liked": set(),
    "request": set(), "more_like_this": set(), "switch_it_up": set(), "taste": set(),
    "liked_artist": {"artist"}, "reason": {"reason"},
    "album_start": {"album", "title"}, "album_continues": {"album", "title"},
    "closing": {"daypart", "farewell"}, "untagged": {"file"}, "nameless": set(),
    "short": {"title"}, "short_untagged": {"file"},
}


def test_every_situation_has_eight_templates_that_need_only_its_basic_facts():
    assert set(TEMPLATES) == set(MINIMAL_FACTS)
    for situation, templates in TEMPLATES.items():
        usable = [t for t in templates
                  if {s.lower() for s in re.findall(r"\{(\w+)\}", t)} <= MINIMAL_FACTS[situation]]
        assert len(set(usable)) >= 8, f"{situation}: only {len(usable)} templates for sparse tags"


def test_every_greeting_says_the_time_of_day():
    for template in TEMPLATES["greeting"]:
        slots = {s.lower() for s in re.findall(r"\{(\w+)\}", template)}
        assert slots & TIME_SLOTS, template


def test_templates_avoid_what_a_voice_would_mangle():
    for templates in TEMPLATES.values():
        for template in templates:
            assert not re.search(r"[()\[\]&/#%]|\b(?:feat|ft|Dr|St|No)\.", template), template
            assert all(ord(c) < 128 for c in template), template


# -- a two-hour session -----------------------------------------------------------------

def test_a_session_with_a_link_at_every_transition_says_something_almost_every_time(session):
    for s in session:
        if s.budget >= 5.0:
            assert s.link is not None, s.facts
        if s.budget < MIN_LINK_SECONDS:
            assert s.link is None


def test_every_link_fits_its_time_budget(session):
    for s in spoken(session):
        assert count_words(s.link.text) / WORDS_PER_SECOND <= s.budget + 1e-9, s.link.text
        assert spoken_seconds(s.link.text, WORDS_PER_SECOND) <= s.budget, s.link.text


def test_no_sentence_is_said_twice_in_a_session(session):
    parts = [normalised(p.text) for s in spoken(session) for p in s.link.parts]
    assert len(parts) == len(set(parts)), [p for p in parts if parts.count(p) > 1]


def test_no_template_comes_back_within_six_links(session):
    links = [s.link for s in spoken(session)]
    for i, link in enumerate(links):
        for earlier in links[max(0, i - 6):i]:
            shared = {p.template for p in link.parts} & {p.template for p in earlier.parts}
            assert not shared, shared


def test_consecutive_links_open_differently(session):
    openers = [first_words(s.link.text) for s in spoken(session)]
    for a, b in itertools.pairwise(openers):
        assert a != b
    for i in range(len(openers)):  # nor repeat the start of any of the last three
        assert openers[i] not in openers[max(0, i - 3):i]


def test_links_use_many_different_templates(session):
    templates = {p.template for s in spoken(session) for p in s.link.parts}
    assert len(templates) >= 40


def test_the_next_track_is_named_with_its_own_tags(session):
    for s in spoken(session):
        track, text = s.facts.next, s.link.text
        name = speakable(track.title, from_file=not track.title_from_tags)
        assert mentions(text, name), (name, text)
        previous = names_of(s.facts.previous) if s.facts.previous else frozenset()
        allowed = names_of(track) | previous
        for other in LIBRARY:
            for other_name in names_of(other) - allowed:
                if not any(mentions(a, other_name) for a in allowed):
                    assert not mentions(text, other_name), (other_name, text)


def test_an_untagged_track_gets_no_artist_and_its_file_name_is_called_a_file_name(session):
    untagged = [s for s in spoken(session) if not s.facts.next.title_from_tags]
    assert untagged
    for s in untagged:
        about = about_next(s.link)
        assert not any(mentions(about, artist) for artist in ARTISTS), about
        file_name = speakable(s.facts.next.title, from_file=True)
        for part in s.link.parts:
            if part.situation not in OPENING_PARTS and mentions(part.text, file_name):
                assert re.search(r"\bfile", part.text), part.text


def test_a_track_without_a_year_is_never_dated_and_a_dated_one_only_with_its_own(session):
    for s in spoken(session):
        about = about_next(s.link)
        assert not re.search(r"\d", s.link.text), s.link.text
        own = speak_year(s.facts.next.year) if s.facts.next.year else None
        for phrase in YEAR_PHRASES - {own}:
            assert not mentions(about, phrase), about


def test_history_is_only_mentioned_when_true(session):
    mentioned = set()
    for s in spoken(session):
        track = s.facts.next
        for part in s.link.parts:
            mentioned.add(part.situation)
            if part.situation == "first_time":
                assert track.plays == 0
            if part.situation == "played_often":
                assert track.plays >= OFTEN_PLAYS
                assert mentions(part.text.lower(), speak_number(track.plays)), part.text
            if part.situation == "long_time":
                assert NOW.timestamp() - track.last_played > 60 * DAY
            if part.situation in ("liked",):
                assert track.likes > 0
            if part.situation == "liked_artist":
                assert s.facts.reason_kind == "liked_artist"
                assert mentions(part.text, speakable(track.artist)), part.text
    assert mentioned & {"first_time", "played_often", "long_time", "liked"}


def test_an_album_run_is_announced_as_an_album(session):
    album = [s for s in spoken(session) if s.facts.reason_kind == "album"]
    assert album
    for s in album:
        situations = {p.situation for p in s.link.parts}
        assert situations & {"album_start", "album_continues"} or s.budget < 5, s.link.text
    assert any(mentions(s.link.text, "HyperRogue") for s in album)


# -- single links -----------------------------------------------------------------------

def facts_for(track: TrackFacts, **kw) -> LinkFacts:
    return LinkFacts(next=track, now=kw.pop("now", NOW), **kw)


NEBULA = LIBRARY[3]
OCEAN = next(t for t in LIBRARY if t.title == "Ocean")


@pytest.mark.parametrize("reason", ["more of the ambient you asked for",
                                    "because you liked Maxstack", "a change of pace"])
def test_the_pickers_reason_is_said_when_given(reason):
    writer = LinkWriter(seed=7)
    previous = OCEAN
    for track in (NEBULA, LIBRARY[8], LIBRARY[9], LIBRARY[10]):
        text = writer.write(facts_for(track, previous=previous, reason=reason), 10.0)
        assert reason.lower() in text.lower(), text
        previous = track


@pytest.mark.parametrize("kind", sorted(MIDDLE_FOR_KIND))
def test_a_structured_reason_is_explained(kind):
    writer = LinkWriter(seed=3)
    link = writer.write_link(facts_for(NEBULA, previous=OCEAN, reason_kind=kind), 10.0)
    assert MIDDLE_FOR_KIND[kind] in {p.situation for p in link.parts}, link.text


@pytest.mark.parametrize("hour, part, wrong", [(8, "morning", "evening"),
                                               (14, "afternoon", "morning"),
                                               (20, "evening", "morning"),
                                               (2, "night", "morning")])
def test_the_session_opens_with_a_greeting_for_the_time_of_day(hour, part, wrong):
    for seed in range(5):
        now = NOW.replace(hour=hour, minute=0)
        link = LinkWriter(seed=seed).write_link(facts_for(NEBULA, session_start=True, now=now))
        greeting = link.parts[0]
        assert greeting.situation == "greeting"
        says_time = (part in greeting.text or "tonight" in greeting.text
                     or now.strftime("%A") in greeting.text or "o'clock" in greeting.text)
        assert says_time and wrong not in greeting.text, greeting.text
        assert mentions(link.text, "Nebula")


def test_the_last_track_of_a_session_is_announced_as_the_last():
    for seed in range(4):
        link = LinkWriter(seed=seed).write_link(
            facts_for(NEBULA, previous=OCEAN, closing=True), 10.0)
        assert "closing" in {p.situation for p in link.parts}, link.text


def test_a_tiny_budget_gets_a_very_short_link_or_silence():
    writer = LinkWriter(seed=1)
    assert writer.write(facts_for(OCEAN, previous=NEBULA), 1.5) is None
    short = writer.write(facts_for(OCEAN, previous=NEBULA), 2.0)
    assert short and count_words(short) <= 6 and "Ocean" in short
    long_title = TrackFacts("The Longest Title Anyone Has Ever Put On A Record", True, "Someone")
    assert writer.write(facts_for(long_title), 2.0) is None


def test_links_never_run_past_ten_seconds_by_default():
    writer = LinkWriter(seed=4)
    previous = None
    for track in LIBRARY:
        text = writer.write(facts_for(track, previous=previous, reason="because you liked it"))
        assert text is None or count_words(text) <= 30
        previous = track


def test_a_track_with_no_name_at_all_is_introduced_without_one():
    nameless = TrackFacts("01.ogg", False)
    text = LinkWriter(seed=2).write(facts_for(nameless, previous=NEBULA), 10.0)
    assert text and not any(mentions(text, a) for a in ARTISTS - {"Maxstack"})


def test_the_same_seed_says_the_same_and_another_seed_says_otherwise():
    def run(seed):
        return [s.link.text if s.link else None for s in simulate_session(seed, transitions=12)]
    assert run(11) == run(11)
    assert run(11) != run(12)


def test_an_unknown_reason_kind_is_refused_by_name():
    with pytest.raises(ValueError, match="because_i_said_so"):
        LinkFacts(next=NEBULA, reason_kind="because_i_said_so")


def test_facts_come_from_the_library_and_its_history(tmp_path):
    db = Database(tmp_path / "booth.db")
    base = dict(mtime=0.0, size=1, duration=300.0, sample_rate=48000, channels=2, lufs=-14.0,
                true_peak=-1.0, cue_in=0.0, cue_out=300.0, intro_end=10.0, outro_start=290.0)
    db.upsert_track(dict(base, path="/m/Nebula.ogg", title="Nebula", artist="Maxstack",
                         album=SINGULARITY_ADVANCED, year=2012, artists=["Maxstack"]))
    db.upsert_track(dict(base, path="/m/hr-domina-hunting.ogg", title="hr-domina-hunting",
                         artist=None, title_from_tags=0))
    nebula, hunting = db.tracks()
    long_ago = NOW.timestamp() - 200 * DAY
    for _ in range(3):
        db.record(nebula.id, "play", at=long_ago)
    db.record(nebula.id, "like", at=long_ago)
    facts = TrackFacts.from_track(nebula, db.history(nebula.id))
    assert (facts.title, facts.artist, facts.year, facts.plays, facts.likes) == (
        "Nebula", "Maxstack", 2012, 3, 1)
    assert facts.last_played == pytest.approx(long_ago)
    untagged = TrackFacts.from_track(hunting, db.history(hunting.id))
    assert (untagged.artist, untagged.title_from_tags, untagged.plays) == (None, False, 0)
    db.close()


# -- names as the voice says them -------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("2012", "twenty twelve"),
    ("Summer of 1969", "Summer of nineteen sixty-nine"),
    ("Track 7", "Track seven"),
    ("2nd Law", "second Law"),
    ("Artist feat. Other", "Artist featuring Other"),
    ("Artist ft. Other", "Artist featuring Other"),
    ("Song (feat. Someone Else)", "Song, featuring Someone Else"),
    ("A Great Feat", "A Great Feat"),
    ("LIVING CAVES", "Living Caves"),
    ("DON'T LOOK BACK IN ANGER", "Don't Look Back In Anger"),
    ("Live at the BBC", "Live at the BBC"),
    ("AC/DC", "AC DC"),
    ("By-Product", "By Product"),
    ("machine_wars", "machine wars"),
    ("01 - Song Title.ogg", "Song Title"),
    ("hr3-caves", "caves"),
    ("Yesterday [Remastered]", "Yesterday"),
    ("Help! - Remastered 2009", "Help"),
    ("Simon & Garfunkel", "Simon and Garfunkel"),
    ("Dr. Dre", "Doctor Dre"),
    ("St. Vincent", "Saint Vincent"),
    ("Symphony No. 5", "Symphony Number five"),
    ("Endgame: Singularity (Advanced Research)", "Endgame: Singularity, Advanced Research"),
    ("Sigur Rós", "Sigur Rós"),
    ("Bad\x00tag\x07 value", "Bad tag value"),
    ("Zero\u200bwidth", "Zerowidth"),
    ("99 Luftballons", "ninety-nine Luftballons"),
])
def test_names_are_made_speakable(text, expected):
    assert speakable(text) == expected


@pytest.mark.parametrize("file_name, expected", [
    ("hr-domina-hunting", "Domina Hunting"),
    ("track_07", "Track seven"),
    ("03_some_song.mp3", "Some Song"),
    ("time_to_strike", "Time To Strike"),
    ("to_the_moon", "To The Moon"),
])
def test_file_names_are_cleaned_of_leftovers(file_name, expected):
    assert speakable(file_name, from_file=True) == expected


def test_nothing_sayable_gives_an_empty_name():
    assert speakable(None) == "" and speakable("\x00\x01") == "" and speakable("[Bonus]") == ""


# -- how often the DJ talks -------------------------------------------------------------

def talks_in(level: str, n_transitions: int, requests: frozenset[int] = frozenset()) -> int:
    policy, links = TalkPolicy(level), 0
    for track_index in range(n_transitions + 1):
        if policy.should_talk(links, track_index, is_session_start=track_index == 0,
                              is_request=track_index in requests):
            links += 1
    return links


@pytest.mark.parametrize("level", TALK_LEVELS)
def test_a_two_hour_session_has_the_links_its_talk_setting_promises(level):
    transitions = 30  # about two hours of four-minute tracks
    assert talks_in(level, transitions) == expected_links(transitions, level)


def test_talk_settings_are_ordered_from_silent_to_chatty():
    counts = [expected_links(30, level) for level in TALK_LEVELS]
    assert counts == sorted(counts) and counts[0] == 0 and counts[-1] == 31
    assert expected_links(30, "normal") == 11 and expected_links(30, "less") == 6


def test_normal_talk_also_answers_a_request_but_less_does_not():
    requests = frozenset({4, 5})
    assert talks_in("normal", 30, requests) == expected_links(30, "normal") + 2
    assert talks_in("less", 30, requests) == expected_links(30, "less")
    assert talks_in("off", 30, requests) == 0


def test_an_unknown_talk_level_is_refused_by_name():
    with pytest.raises(ValueError, match="chatty"):
        TalkPolicy("chatty")
    with pytest.raises(ValueError, match="chatty"):
        expected_links(10, "chatty")
