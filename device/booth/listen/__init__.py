"""Booth's ears: microphone → echo canceller → wake word → end of speech → recogniser → intent.

One module per job:
    sources     microphone sources: PyAudio device by name, file, null (16 kHz mono int16)
    reference   the playback mix from the player, over a Unix datagram socket with timestamps
    echo        echo cancellers: speexdsp (linear, default), WebRTC AEC3, none
    wake        wake word: microWakeWord (default "hey_jarvis"), openWakeWord
    endpoint    end of speech: Silero VAD, silence after the last word, maximum, timeout
    grammar     the command language model compiled from the templates and library names
    lexicon     pronunciations: CMUdict, compounds, espeak-ng for the rest
    sphinx      PocketSphinx recogniser (bundled US-English model)
    vosk        Vosk recogniser (any installed model) constrained to the grammar's words
    recognizer  the recogniser interface and the choice between the two
    listener    the pipeline itself: audio in, Hermes messages out (pure, no I/O)
    hear        `booth hear`: the pipeline on recordings; shared model loading (Engines)
    live        the pipeline on a microphone, on its own thread (`booth serve listen`)
    evaluate    tools/eval-voice: accuracy, rejection, wake, CPU, latency, memory
    commands    the `hear` subcommand

Messages out (rhasspyhermes): HotwordDetected, AsrTextCaptured, NluIntent,
NluIntentNotRecognized; the MQTT side (booth.mqtt) publishes them.
"""
