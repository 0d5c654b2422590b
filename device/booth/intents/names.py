"""The intent contract: every intent Booth understands and the slots each may carry.

Other modules (the DJ, the station, the voice pipeline) act on these names; the sentence
templates (booth/data/sentences.ini) are checked against them when loaded.
"""

from __future__ import annotations

from enum import StrEnum


class IntentName(StrEnum):
    """What a listener asked for."""

    NEXT_TRACK = "NextTrack"
    PREVIOUS_TRACK = "PreviousTrack"
    PAUSE = "Pause"
    RESUME = "Resume"
    VOLUME_UP = "VolumeUp"
    VOLUME_DOWN = "VolumeDown"
    SET_VOLUME = "SetVolume"
    LIKE = "Like"
    DISLIKE = "Dislike"
    WHAT_IS_PLAYING = "WhatIsPlaying"
    MORE_LIKE_THIS = "MoreLikeThis"
    SWITCH_IT_UP = "SwitchItUp"
    START_DJ = "StartDJ"
    PLAY_MUSIC = "PlayMusic"
    DJ_TALK_LESS = "DJTalkLess"
    DJ_TALK_MORE = "DJTalkMore"
    SLEEP_TIMER = "SleepTimer"
    CANCEL = "Cancel"
    MUTE_MICROPHONE = "MuteMicrophone"


# Slots an intent may carry. SetVolume.level is an int 0..10; SleepTimer.minutes an int > 0.
# PlayMusic carries none (the DJ chooses), one name exactly as tagged (artist, album or title),
# or a lowercase genre and/or mood ("play some relaxing jazz" carries both).
SLOTS: dict[IntentName, frozenset[str]] = {name: frozenset() for name in IntentName} | {
    IntentName.SET_VOLUME: frozenset({"level"}),
    IntentName.SLEEP_TIMER: frozenset({"minutes"}),
    IntentName.PLAY_MUSIC: frozenset({"artist", "album", "title", "genre", "mood"}),
}
