"""Audio: decoding, the mixer, the limiter and the output sinks."""
