"""Booth's intent language: what listeners say, and what Booth understands from it."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import pytest

from booth.intents import (GENRES, MOODS, IntentName, IntentParser, TemplateError, Vocabulary,
                           load_templates, name_key, spoken_forms)
from booth.intents import numbers
from booth.intents.templates import parse_templates
from booth.library.db import Track

SENTENCES = Path(__file__).resolve().parents[1] / "device" / "booth" / "data" / "sentences.ini"


def make_track(track_id: int, title: str, artist: str | None = None, album: str | None = None,
               genre: str | None = None, albumartist: str | None = None,
               from_tags: bool = True) -> Track:
    return Track(id=track_id, path=f"/music/{track_id}.ogg", title=title, artist=artist,
                 album=album, albumartist=albumartist, genre=genre, year=None,
                 track_no=None, disc_no=None, artists=(artist,) if artist else (),
                 genres=(genre,) if genre else (), title_from_tags=from_tags, duration=180.0,
                 sample_rate=48000, channels=2, lufs=-14.0, true_peak=-1.0, cue_in=0.0,
                 cue_out=180.0, intro_end=10.0, outro_start=170.0)


SOUNDTRACK = "Endgame: Singularity Original Soundtrack"
RESEARCH = "Endgame: Singularity (Advanced Research)"


def library() -> list[Track]:
    """36 tracks named like the Debian test music plus the messy names real libraries have."""
    rows = [(t, "Maxstack", SOUNDTRACK, None, None) for t in (
        "Advanced Simulacra", "Awakening", "By-Product", "Coherence", "Deprecation",
        "Inevitable", "Media Threat", "Chimes They Fade", "March Thee to Dis", "Apex Aleph")]
    rows += [(t, "Maxstack", RESEARCH, None, None) for t in (
        "A New Journey", "Aberrations", "Enemy Unknown", "Nebula", "Orbital Elevator",
        "Through Space")]
    rows += [(t, "Will Savino", "HyperRogue", None, None)
             for t in ("Caribbean", "Ivory Tower", "Ocean", "Palace")]
    rows += [(t, "NeonCorridor", "HyperRogue", "Game", "4") for t in (
        "Living Caves", "Crossroads", "Desert", "Graveyard", "Hell", "Icy Lands", "Jungle",
        "R'Lyeh")]
    rows += [("Thunderstruck", "AC/DC", "The Razors Edge", "Hard Rock", None),
             ("Still D.R.E.", "Dr. Dre feat. Snoop Dogg", "2001", "Hip-Hop", None),
             ("Hoppípolla", "Sigur Rós", "Takk...", "Post-Rock", None),
             ("Big Brother", "The Telescreens", "Room 101", "Rock", "Various Artists")]
    tracks = [make_track(i, title, artist, album, genre, albumartist)
              for i, (title, artist, album, genre, albumartist) in enumerate(rows, 1)]
    untagged = ("Hr Domina Hunting", "Machine Wars", "Frontiers", "Time To Strike")
    tracks += [make_track(len(tracks) + i, t, from_tags=False) for i, t in enumerate(untagged, 1)]
    assert len(tracks) == 36
    return tracks


@pytest.fixture(scope="module")
def vocabulary() -> Vocabulary:
    return Vocabulary.from_tracks(library())


@pytest.fixture(scope="module")
def parser(vocabulary: Vocabulary) -> IntentParser:
    return IntentParser(vocabulary)


def understood(parser: IntentParser, text: str) -> tuple[str, dict] | None:
    intent = parser.parse(text)
    return (intent.name, dict(intent.slots)) if intent else None


# -- every intent, said the ways people say it ------------------------------------------------

PHRASINGS = {
    "NextTrack": ["skip", "next song", "skip this song", "next", "next one", "play the next song",
                  "skip this track", "another song", "change the song", "skip it",
                  "not this song"],
    "PreviousTrack": ["go back", "previous song", "back", "go back one", "last song",
                      "play the previous track", "go back to the last song", "rewind",
                      "back one song", "replay that", "play it again", "hear that one more time"],
    "Pause": ["pause the music", "pause", "stop", "stop the music", "pause it", "hold on",
              "be quiet", "turn the music off", "stop playing"],
    "Resume": ["keep going", "resume", "continue", "carry on", "unpause", "resume the music",
               "keep playing", "turn the music back on", "start playing again"],
    "VolumeUp": ["louder", "turn it up", "volume up", "a bit louder", "turn up the volume",
                 "make it louder", "increase the volume", "i can't hear it", "too quiet"],
    "VolumeDown": ["turn it down", "quieter", "volume down", "too loud", "softer",
                   "turn the volume down a bit", "lower the volume", "it's too loud"],
    "Like": ["I love this one", "I like this song", "love it", "thumbs up", "this song is great",
             "great song", "I really like this", "this is awesome", "add this to my favourites",
             "add to favorites"],
    "Dislike": ["don't play this again", "I don't like this", "thumbs down", "I hate this song",
                "never play this song again", "this is terrible", "dislike", "not this again"],
    "WhatIsPlaying": ["what is this song", "what's playing", "what song is this", "who is this",
                      "who sings this", "what's this song called", "what am i listening to",
                      "what is playing right now", "name that tune"],
    "MoreLikeThis": ["more like this", "play more like this", "more songs like this",
                     "something similar", "more of this", "play something similar"],
    "SwitchItUp": ["switch it up", "mix it up", "play something different", "something else",
                   "change it up", "i'm bored of this", "surprise me",
                   "something completely different"],
    "StartDJ": ["start the DJ", "DJ, play something for me", "DJ mode", "be my DJ", "turn on the D.J.", "let the dj take over",
                "start DJ"],
    "DJTalkLess": ["talk less", "less talking", "stop talking", "you talk too much",
                   "DJ talk less", "just the music", "don't talk so much", "be quiet DJ"],
    "DJTalkMore": ["talk more", "more talking", "tell me more about this song", "talk to me",
                   "DJ talk more", "more commentary"],
    "Cancel": ["never mind", "cancel", "forget it", "nothing", "no thanks", "cancel that",
               "sorry wrong"],
    "MuteMicrophone": ["mute the microphone", "mute the mic", "turn off the microphone",
                       "stop listening", "mic off", "don't listen to me"],
}


@pytest.mark.parametrize("intent, text", [(i, t) for i, ts in PHRASINGS.items() for t in ts])
def test_each_intent_is_understood_in_the_ways_people_say_it(parser, intent, text):
    assert understood(parser, text) == (intent, {})


@pytest.mark.parametrize("text, slots", [
    ("volume four", {"level": 4}),
    ("set the volume to 4", {"level": 4}),
    ("Volume 7!", {"level": 7}),
    ("volume zero", {"level": 0}),
    ("turn the volume to ten", {"level": 10}),
    ("max volume", {"level": 10}),
    ("mute the music", {"level": 0}),
    ("set the volume to 50%", {"level": 5}),
    ("turn the volume down to three", {"level": 3}),
])
def test_volume_levels_come_back_as_integers(parser, text, slots):
    assert understood(parser, text) == ("SetVolume", slots)


@pytest.mark.parametrize("text", ["volume eleven", "set the volume to 12", "volume minus one"])
def test_a_volume_outside_zero_to_ten_is_not_understood(parser, text):
    assert parser.parse(text) is None


@pytest.mark.parametrize("text, minutes", [
    ("stop in twenty minutes", 20),
    ("sleep timer thirty minutes", 30),
    ("set a sleep timer for 45 minutes", 45),
    ("turn off the music in 25 minutes", 25),
    ("stop in an hour", 60),
    ("turn it off in half an hour", 30),
    ("stop playing in an hour and a half", 90),
    ("keep playing for another ten minutes", 10),
])
def test_a_sleep_timer_comes_back_in_minutes(parser, text, minutes):
    assert understood(parser, text) == ("SleepTimer", {"minutes": minutes})


# -- asking for music -------------------------------------------------------------------------

@pytest.mark.parametrize("text, slots", [
    ("play", {}),
    ("play some music", {}),
    ("play something", {}),
    ("put on some music", {}),
    ("music please", {}),
    ("play some jazz", {"genre": "jazz"}),
    ("put on some classical music", {"genre": "classical"}),
    ("I want to hear some R&B", {"genre": "r&b"}),
    ("play drum and bass", {"genre": "drum and bass"}),
    ("play Maxstack", {"artist": "Maxstack"}),
    ("play something by will savino", {"artist": "Will Savino"}),
    ("play songs by neon corridor", {"artist": "NeonCorridor"}),
    ("play the album HyperRogue", {"album": "HyperRogue"}),
    ("play hyper rogue", {"album": "HyperRogue"}),
    ("play the song ocean", {"title": "Ocean"}),
    ("play ivory tower", {"title": "Ivory Tower"}),
    ("play something relaxing", {"mood": "relaxing"}),
    ("play some chill music", {"mood": "chill"}),
    ("play something to focus", {"mood": "focus"}),
    ("play music for a party", {"mood": "party"}),
    ("put on something upbeat", {"mood": "upbeat"}),
    ("play some relaxing jazz", {"mood": "relaxing", "genre": "jazz"}),
    ("how about some rock", {"genre": "rock"}),
    ("play everything by maxstack", {"artist": "Maxstack"}),
])
def test_play_music_carries_what_was_asked_for(parser, text, slots):
    assert understood(parser, text) == ("PlayMusic", slots)


def test_a_genre_missing_from_the_library_is_still_understood_for_the_dj_to_handle(parser,
                                                                                   vocabulary):
    assert "reggae" not in {t.genre and t.genre.lower() for t in library()}
    assert understood(parser, "play some reggae") == ("PlayMusic", {"genre": "reggae"})


def test_the_librarys_own_genres_are_lowercase_and_absorb_the_fixed_names_said_alike(parser):
    assert understood(parser, "play some hip hop") == ("PlayMusic", {"genre": "hip-hop"})
    assert understood(parser, "play video game music") == ("PlayMusic", {"genre": "game"})
    assert understood(parser, "play post rock") == ("PlayMusic", {"genre": "post-rock"})


def test_at_least_thirty_genres_and_every_mood_are_understood_by_any_of_their_names(parser):
    bare = IntentParser(Vocabulary.empty())  # a device without a library
    wrong = [(said, understood(bare, f"play some {said}"))
             for genre, others in GENRES.items() for said in (genre, *others)
             if understood(bare, f"play some {said}") != ("PlayMusic", {"genre": genre})]
    wrong += [(said, understood(p, f"play some {said} music"))
              for p in (bare, parser) for mood, others in MOODS.items() for said in (mood, *others)
              if understood(p, f"play some {said} music") != ("PlayMusic", {"mood": mood})]
    assert not wrong, wrong
    assert len(GENRES) >= 30


def test_the_librarys_genre_tags_join_the_genres_booth_knows(vocabulary):
    assert set(vocabulary.canonical_names("genre")) >= {"jazz", "rock", "game", "hip-hop"}


# -- names, said as people say them ----------------------------------------------------------

@pytest.mark.parametrize("text, slots", [
    ("play a c d c", {"artist": "AC/DC"}),
    ("play ac dc", {"artist": "AC/DC"}),
    ("play AC/DC", {"artist": "AC/DC"}),
    ("play room one oh one", {"album": "Room 101"}),
    ("play the album room one hundred one", {"album": "Room 101"}),
    ("play Room 101", {"album": "Room 101"}),
    ("play the album two thousand and one", {"album": "2001"}),
    ("play doctor dre featuring snoop dogg", {"artist": "Dr. Dre feat. Snoop Dogg"}),
    ("play something by dr dre", {"artist": "Dr. Dre feat. Snoop Dogg"}),
    ("play sigur ros", {"artist": "Sigur Rós"}),
    ("play hoppipolla", {"title": "Hoppípolla"}),
    ("play still d r e", {"title": "Still D.R.E."}),
    ("play the song r'lyeh", {"title": "R'Lyeh"}),
    ("play the song by product", {"title": "By-Product"}),
    ("play endgame singularity original soundtrack", {"album": SOUNDTRACK}),
    ("play the album endgame singularity advanced research", {"album": RESEARCH}),
    ("play the telescreens", {"artist": "The Telescreens"}),
    ("play telescreens", {"artist": "The Telescreens"}),
])
def test_library_names_are_understood_as_people_say_them(parser, text, slots):
    assert understood(parser, text) == ("PlayMusic", slots)


@pytest.mark.parametrize("name, said", [
    ("HyperRogue", "hyper rogue"),
    ("AC/DC", "a c d c"),
    ("AC/DC", "ac dc"),
    ("Room 101", "room one oh one"),
    ("Room 101", "room one hundred one"),
    ("Room 101", "room a hundred and one"),
    ("Dr. Dre feat. Snoop Dogg", "doctor dre featuring snoop dogg"),
    ("Sigur Rós", "sigur ros"),
    ("Simon & Garfunkel", "simon and garfunkel"),
    ("Prince: 1999", "prince nineteen ninety nine"),
    ("R.E.M.", "r e m"),
    ("Guns N' Roses", "guns and roses"),
])
def test_spoken_forms_include_what_people_say(name, said):
    assert said in spoken_forms(name)


def test_spoken_forms_are_plain_words_without_punctuation():
    for name in ("Endgame: Singularity (Advanced Research)", "Still D.R.E.", "Takk...",
                 "Dr. Dre feat. Snoop Dogg", "AC/DC", "Sigur Rós", "50% Off!"):
        for form in spoken_forms(name):
            assert all(w.replace("'", "").isalpha() and w.islower() and w.isascii()
                       for w in form.split()), (name, form)


def test_names_said_alike_compare_equal():
    assert name_key("Hip-Hop") == name_key("hip hop")
    assert name_key("Sigur Rós") == name_key("sigur ros")
    assert name_key("Jazz") != name_key("Rock")


def test_a_slightly_misheard_library_name_is_understood_with_less_confidence(parser):
    intent = parser.parse("play max stack")
    assert intent is not None and dict(intent.slots) == {"artist": "Maxstack"}
    assert 0.5 < intent.confidence < 1.0
    intent = parser.parse("play the album hyper rouge")
    assert intent is not None and dict(intent.slots) == {"album": "HyperRogue"}


def test_a_name_that_is_not_in_the_library_is_not_guessed(parser):
    assert parser.parse("play beyonce") is None
    assert parser.parse("play the song bohemian rhapsody") is None


# -- not commands -----------------------------------------------------------------------------

NOT_COMMANDS = [
    "what a lovely day", "I think I'll make some tea", "the weather is nice",
    "did you feed the cat", "my back hurts", "next week we're going to paris",
    "I like turtles", "where are my keys", "pass me the salt please", "play time is over",
    "I love you", "turn left at the lights", "what time is it", "the skip is full",
    "who is at the door", "the music was great yesterday", "call mom", "set an alarm for seven",
    "stop it you two", "let's play a game", "play with your brother", "give me a break",
    "tell me a joke", "what's the weather like", "thank you", "hello", "ok", "I love this weather",
    "keep the change", "turn on the lights", "", "   ", "?!", "the kids are playing outside",
]


@pytest.mark.parametrize("text", NOT_COMMANDS)
def test_sentences_that_are_not_commands_are_rejected(parser, text):
    assert parser.parse(text) is None


def test_filler_words_around_a_command_are_ignored_at_a_lower_confidence(parser):
    intent = parser.parse("hey booth, can you skip this song please?")
    assert intent is not None and intent.name == "NextTrack" and intent.confidence < 1.0
    assert understood(parser, "um could you play some jazz for me") == \
        ("PlayMusic", {"genre": "jazz"})
    exact = parser.parse("skip this song")
    assert exact is not None and exact.confidence == 1.0 and exact.text == "skip this song"


def test_typed_text_without_apostrophes_or_with_odd_punctuation_works(parser):
    assert understood(parser, "dont play this again") == ("Dislike", {})
    assert understood(parser, "What’s playing?") == ("WhatIsPlaying", {})
    assert understood(parser, "VOLUME... 3") == ("SetVolume", {"level": 3})


# -- the vocabulary ---------------------------------------------------------------------------

def test_the_vocabulary_round_trips_through_json(vocabulary):
    again = Vocabulary.from_json(vocabulary.to_json())
    assert again == vocabulary
    assert again.digest == vocabulary.digest
    assert IntentParser(again).parse("play a c d c") == IntentParser(vocabulary).parse(
        "play a c d c")


def test_the_digest_changes_with_the_library_and_only_then(vocabulary):
    assert Vocabulary.from_tracks(library()).digest == vocabulary.digest
    bigger = library() + [make_track(99, "Ocean Drive", "Duke Dumont", "Blasé Boys Club")]
    assert Vocabulary.from_tracks(bigger).digest != vocabulary.digest


@pytest.mark.parametrize("text, complaint", [
    ("not json", "not JSON"),
    ('{"format": 99, "lists": {}}', "format"),
    ('{"format": 1, "lists": {"artist": ["Maxstack"]}}', "spoken form"),
    ('{"format": 1, "lists": {"colour": {}}}', "unknown vocabulary lists"),
])
def test_bad_vocabulary_json_is_refused_with_a_reason(text, complaint):
    with pytest.raises(ValueError, match=complaint):
        Vocabulary.from_json(text)


def test_the_vocabulary_holds_names_exactly_as_tagged_and_leaves_out_junk(vocabulary):
    assert "Maxstack" in vocabulary.canonical_names("artist")
    assert "Sigur Rós" in vocabulary.canonical_names("artist")
    assert SOUNDTRACK in vocabulary.canonical_names("album")
    assert "Frontiers" in vocabulary.canonical_names("title")   # title from the file name
    assert not {"4", "Various Artists"} & set(vocabulary.canonical_names("artist"))


def test_a_device_without_a_library_still_understands_everything_but_names():
    parser = IntentParser(Vocabulary.empty())
    assert understood(parser, "play some jazz") == ("PlayMusic", {"genre": "jazz"})
    assert parser.parse("play maxstack") is None


# -- the grammar ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def templates():
    return load_templates()


def test_every_intent_has_sentences(templates):
    assert set(templates.intents) == set(IntentName)


def test_expanded_sentences_parse_back_to_their_own_intent_and_slots(templates, vocabulary,
                                                                     parser):
    per_intent = [s for name in templates.intents
                  for s in templates.expand(vocabulary, limit=25, intents={name})]
    sample = per_intent + templates.sample(vocabulary, 1200, seed=7)
    wrong = []
    for sentence in sample:
        intent = parser.parse(sentence.text)
        got = (intent.name, dict(intent.slots), intent.confidence) if intent else None
        if got != (sentence.intent, dict(sentence.slots), 1.0):
            wrong.append((sentence.text, sentence.intent, dict(sentence.slots), got))
    assert not wrong, wrong[:10]
    assert {s.intent for s in sample} == set(IntentName)


def test_the_grammar_can_be_counted_and_expanded_lazily_without_exploding(templates,
                                                                         vocabulary):
    start = time.perf_counter()
    total = templates.count(vocabulary)
    first = list(templates.expand(vocabulary, limit=100))
    assert time.perf_counter() - start < 1.0
    assert len(first) == 100 and total > 100_000
    assert sum(templates.count(vocabulary, name) for name in templates.intents) == total
    pause = list(templates.expand(vocabulary, intents={"Pause"}))
    assert len(pause) == templates.count(vocabulary, "Pause")


def test_the_recogniser_words_cover_every_sentence_and_the_library_names(templates, vocabulary):
    words = templates.words(vocabulary)
    assert {"maxstack", "hyper", "rogue", "ros", "twenty", "minutes", "please"} <= words
    for sentence in templates.sample(vocabulary, 300, seed=3):
        assert set(sentence.text.split()) <= words, sentence.text


@pytest.mark.parametrize("bad_line, complaint", [
    ("[Dance]\ndance", "unknown intent"),
    ("[Pause]\npause <nowhere>", "unknown rule"),
    ("[Pause]\npause (0..10){level}", "no slot 'level'"),
    ("[Pause]\n(pause | halt", "not closed"),
    ("[Pause]\n[please] [now]", "can be empty"),
    ("[Pause]\nPause Now", "lowercase"),
    ("[PlayMusic]\nplay $colour{genre}", "unknown list"),
    ("[rules]\nloop = <loop> again", "refers to itself"),
])
def test_mistakes_in_the_sentences_file_are_reported_with_their_line(bad_line, complaint):
    text = SENTENCES.read_text(encoding="utf-8") + "\n" + bad_line + "\n"
    last = len(text.splitlines())
    with pytest.raises(TemplateError, match=complaint) as error:
        parse_templates(text, "sentences.ini")
    assert str(error.value).startswith((f"sentences.ini:{last - 1}:", f"sentences.ini:{last}:"))


# -- numbers ----------------------------------------------------------------------------------

@pytest.mark.parametrize("n, words", [(0, "zero"), (4, "four"), (25, "twenty five"),
                                      (101, "one hundred one"), (2001, "two thousand one"),
                                      (1999, "one thousand nine hundred ninety nine")])
def test_numbers_have_one_canonical_spelling(n, words):
    assert numbers.to_words(n) == words


def test_every_way_of_saying_a_number_reads_back_as_that_number():
    for n in itertools.chain(range(0, 1200), (1999, 2001, 2024, 10_000, 123_456)):
        for form in numbers.spoken_forms(n):
            assert numbers.parse(form) == n, form


@pytest.mark.parametrize("words, n", [("a hundred and twenty", 120), ("twenty five", 25),
                                      ("nineteen hundred", 1900), ("five five", None),
                                      ("twenty twenty", None), ("minutes", None), ("", None)])
def test_number_words_parse_only_when_they_are_one_real_number(words, n):
    assert numbers.parse(words) == n


def test_digits_in_names_are_read_the_ways_people_read_them():
    assert "one oh one" in numbers.digit_forms("101")
    assert "nineteen ninety nine" in numbers.digit_forms("1999")
    assert "twenty oh one" in numbers.digit_forms("2001")
    assert numbers.digit_forms("007")[0] == "zero zero seven"
    with pytest.raises(ValueError):
        numbers.to_words(-1)
