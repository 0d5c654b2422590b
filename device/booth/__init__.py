"""Booth: an offline, voice-first smart speaker with an AI DJ inside."""

__version__ = "0.1.0"
