"""Try the intent language from a shell.

    python -m booth.intents parse "play something relaxing" [--db booth.db]
    python -m booth.intents stats [--db booth.db]          # sentences per intent, words
    python -m booth.intents expand [--db booth.db] [--limit 50] [--sample 50]
    python -m booth.intents vocabulary [--db booth.db]     # the JSON published on MQTT
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from booth.intents import IntentParser, Vocabulary, load_templates


def _vocabulary(db_path: str | None) -> Vocabulary:
    if not db_path:
        return Vocabulary.empty()
    from booth.library.db import Database
    db = Database(db_path)
    try:
        return Vocabulary.from_tracks(db.tracks())
    finally:
        db.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m booth.intents", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=("parse", "stats", "expand", "vocabulary"))
    parser.add_argument("text", nargs="*", help="sentences to parse")
    parser.add_argument("--db", help="library database for artist, album and title names")
    parser.add_argument("--templates", help="a sentences file other than Booth's own")
    parser.add_argument("--limit", type=int, default=50, help="expand: at most this many")
    parser.add_argument("--sample", type=int, help="expand: this many random sentences instead")
    args = parser.parse_args(argv)
    vocabulary = _vocabulary(args.db)
    templates = load_templates(args.templates)

    if args.command == "parse":
        intent_parser = IntentParser(vocabulary, templates)
        for text in args.text or [line.strip() for line in sys.stdin if line.strip()]:
            start = time.perf_counter()
            intent = intent_parser.parse(text)
            took = (time.perf_counter() - start) * 1000
            print(json.dumps({"text": text, "intent": intent and intent.name,
                              "slots": intent and dict(intent.slots),
                              "confidence": intent and intent.confidence,
                              "ms": round(took, 2)}, ensure_ascii=False))
    elif args.command == "stats":
        per_intent = {name: templates.count(vocabulary, name) for name in templates.intents}
        print(json.dumps({"sentences": sum(per_intent.values()), "per_intent": per_intent,
                          "words": len(templates.words(vocabulary)),
                          "names": {k: len(set(v.values())) for k, v in vocabulary.lists.items()},
                          "spoken_forms": {k: len(v) for k, v in vocabulary.lists.items()},
                          "vocabulary_digest": vocabulary.digest}, indent=2))
    elif args.command == "expand":
        sentences = (templates.sample(vocabulary, args.sample) if args.sample
                     else templates.expand(vocabulary, limit=args.limit))
        for sentence in sentences:
            print(json.dumps({"text": sentence.text, "intent": sentence.intent,
                              "slots": dict(sentence.slots)}, ensure_ascii=False))
    else:
        print(vocabulary.to_json())
    return 0


if __name__ == "__main__":
    sys.exit(main())
