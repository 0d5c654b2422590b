"""Booth's intent language: sentence templates (booth/data/sentences.ini), the vocabulary of
names a listener can say, and the parser from text to intent and slots.

    vocabulary = Vocabulary.from_tracks(db.tracks())
    IntentParser(vocabulary).parse("play something relaxing")
    # Intent(name="PlayMusic", slots={"mood": "relaxing"}, ...)

For a speech recogniser's grammar: `load_templates().expand(vocabulary)` (every sentence, lazily),
`.count(vocabulary)`, `.words(vocabulary)`, or walk the template trees (booth.intents.templates).
"""

from booth.intents.names import SLOTS, IntentName
from booth.intents.parser import Intent, IntentParser
from booth.intents.templates import Sentence, TemplateError, Templates, load_templates
from booth.intents.vocabulary import GENRES, MOODS, Vocabulary, name_key, spoken_forms

__all__ = ["GENRES", "MOODS", "SLOTS", "Intent", "IntentName", "IntentParser", "Sentence",
           "TemplateError", "Templates", "Vocabulary", "load_templates", "name_key",
           "spoken_forms"]
