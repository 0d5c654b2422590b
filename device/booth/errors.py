"""Errors shared across Booth's modules."""


class ConfigError(ValueError):
    """A configuration file or value is wrong; the message says which and why."""
