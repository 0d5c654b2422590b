"""Booth's ears: microphone → echo canceller → wake word → end of speech → recogniser → intent.

One module per job:
    settings    the `[listen]` table of the configuration
    sources     microphone sources: PyAudio device by name, file, null (16 kHz mono int16)
    audiofile   reading recordings and their JSON-lines manifests
    reference   the playback mix from the player, over a Unix datagram socket with timestamps
    echo        echo cancellers: speexdsp (linear, default), WebRTC AEC3, none
    wake        wake word: microWakeWord (default "hey_jarvis"), openWakeWord
    endpoint    end of speech: Silero VAD, silence after the last word, maximum, timeout
    floor       a noise floor under what PocketSphinx hears (exact digital silence lifted)
    names       the library's names for the grammar (database or music folders' tags)
    grammar     the command language model compiled from the templates and library names
    lexicon     pronunciations: CMUdict, compounds, espeak-ng for the rest
    transcript  the recogniser protocol and `Transcript`, what every recogniser returns
    sphinx      PocketSphinx recogniser (bundled US-English model)
    vosk        Vosk recogniser (any installed model) constrained to the grammar's words
    engines     the models loaded once: model lookup, make_recognizer, Engines
    understand  from recognised words to an intent, forgiving typical recognition errors
    nlu         intent recognition as a Hermes NLU service
    listener    the pipeline itself: audio in, Hermes messages out (pure, no I/O)
    hear        `booth hear`: the pipeline on recordings
    live        the pipeline on a microphone, on its own thread (`booth serve listen`)
    adapt       `booth adapt`: MAP adaptation of PocketSphinx to one reader's voice
    learn       learning the household's voices from commands understood in use
    commands    the `hear` and `adapt` subcommands
The evaluation (tools/eval-voice, tools/eval-adapt) lives in lab/listen/.

Messages out (rhasspyhermes): HotwordDetected, AsrTextCaptured, NluIntent,
NluIntentNotRecognized; the MQTT side (booth.mqtt) publishes them.
"""
