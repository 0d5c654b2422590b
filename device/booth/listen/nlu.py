"""Booth's intent recognition as a Hermes NLU service: `hermes/nlu/query` in, the intent (or
`intentNotRecognized`) out, echoing the query's id, sessionId, siteId and customData.

The built-in dialogue uses `intent_message` for what it hears; an external dialogue manager
(Rhasspy's) asks `answer_query` about the text Booth's ASR captured for it.
"""

from __future__ import annotations

from typing import Any

from rhasspyhermes.intent import Intent as HermesIntent
from rhasspyhermes.intent import Slot
from rhasspyhermes.nlu import NluError, NluIntent, NluIntentNotRecognized, NluQuery

from booth.intents import Intent, IntentParser
from booth.listen.understand import understand


def intent_message(intent: Intent, raw_text: str, site_id: str, session_id: str | None,
                   **extra: Any) -> NluIntent:
    """The Hermes message for an intent heard in `raw_text` (extra: NluIntent fields such
    as id, custom_data, asr_confidence, wakeword_id, lang)."""
    return NluIntent(
        input=intent.text, intent=HermesIntent(intent.name, intent.confidence),
        slots=[Slot(entity=name, slot_name=name,
                    value={"kind": "Number" if isinstance(value, int) else "Unknown",
                           "value": value},
                    raw_value=str(value), confidence=intent.confidence)
               for name, value in intent.slots.items()],
        site_id=site_id, session_id=session_id, raw_input=raw_text, **extra)


def answer_query(parser: IntentParser, query: NluQuery) -> NluIntent | NluIntentNotRecognized:
    """What the text of `query` means, within its intent filter if it has one."""
    intent = understand(parser, " ".join(query.input.lower().split()))
    if intent is not None and query.intent_filter and intent.name not in query.intent_filter:
        intent = None
    if intent is None:
        return NluIntentNotRecognized(input=query.input, id=query.id, site_id=query.site_id,
                                      session_id=query.session_id,
                                      custom_data=query.custom_data)
    return intent_message(intent, query.input, query.site_id, query.session_id, id=query.id,
                          custom_data=query.custom_data, asr_confidence=query.asr_confidence,
                          wakeword_id=query.wakeword_id, lang=query.lang)


def query_error(error: str, payload: str, site_id: str, session_id: str | None = None) -> NluError:
    """The `hermes/error/nlu` reply to a query that could not be read."""
    return NluError(error=error, context=payload[:500], site_id=site_id, session_id=session_id)
