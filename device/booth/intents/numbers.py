"""Number words and integers, as people say them to a speaker.

`to_words(125)` is the one canonical spelling ("one hundred twenty five"); `spoken_forms(125)`
adds the other ways people say it ("one hundred and twenty five", "a hundred twenty five");
`digit_forms("101")` adds the ways digits inside a name are read ("one oh one").
"""

from __future__ import annotations

from typing import Sequence

UNITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
         "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
         "eighteen", "nineteen")
TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
LARGEST = 999_999_999

_SMALL = {word: value for value, word in enumerate(UNITS)} | {
    word: 10 * value for value, word in enumerate(TENS) if word}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000}


def _check(n: int) -> None:
    if not 0 <= n <= LARGEST:
        raise ValueError(f"{n} is outside the numbers Booth says (0..{LARGEST})")


def _below_hundred(n: int) -> str:
    if n < 20:
        return UNITS[n]
    tens, units = divmod(n, 10)
    return TENS[tens] + (f" {UNITS[units]}" if units else "")


def _below_thousand(n: int, joiner: str) -> str:
    hundreds, rest = divmod(n, 100)
    if not hundreds:
        return _below_hundred(rest)
    head = f"{UNITS[hundreds]} hundred"
    return head if not rest else f"{head}{joiner} {_below_hundred(rest)}"


def _words(n: int, joiner: str) -> str:
    """Spell n; joiner is "" (American) or " and" (British) before the last two digits."""
    if n < 1000:
        return _below_thousand(n, joiner)
    parts = []
    for scale, name in ((1_000_000, "million"), (1_000, "thousand")):
        count, n = divmod(n, scale)
        if count:
            parts.append(f"{_below_thousand(count, joiner)} {name}")
    if n:
        parts.append(_below_thousand(n, joiner) if n >= 100 else
                     (joiner.strip() + " " if joiner else "") + _below_hundred(n))
    return " ".join(parts)


def to_words(n: int) -> str:
    """The canonical spelling: 4 → "four", 101 → "one hundred one", 2001 → "two thousand one"."""
    _check(n)
    return _words(n, "")


def spoken_forms(n: int) -> list[str]:
    """Every usual way of saying n, canonical first (no duplicates)."""
    _check(n)
    forms = [_words(n, ""), _words(n, " and")]
    for form in list(forms):
        if form.startswith(("one hundred", "one thousand")):
            forms.append("a" + form[len("one"):])
    if 1100 <= n <= 9999 and n % 1000 >= 100:   # "twelve hundred", "nineteen hundred and five"
        high, low = divmod(n, 100)
        forms.append(_below_hundred(high) + " hundred" + (f" {_below_hundred(low)}" if low else ""))
        if low:
            forms.append(f"{_below_hundred(high)} hundred and {_below_hundred(low)}")
    return list(dict.fromkeys(forms))


def _pair(two_digits: str) -> str | None:
    """The last two digits of "1999" or "101" as read aloud: "ninety nine", "oh one"."""
    value = int(two_digits)
    if value == 0:
        return None
    return f"oh {UNITS[value]}" if value < 10 else _below_hundred(value)


def digit_forms(digits: str) -> list[str]:
    """Ways of reading a run of digits found in a name or a sentence, the first is canonical.

    "101" → "one hundred one", …, "one oh one", "one zero one"; "1999" → …, "nineteen ninety nine";
    "007" → "zero zero seven", "oh oh seven".
    """
    if not digits.isdigit():
        raise ValueError(f"{digits!r} is not a run of digits")
    one_by_one = [" ".join(UNITS[int(d)] for d in digits),
                  " ".join("oh" if d == "0" else UNITS[int(d)] for d in digits)]
    if len(digits) > 1 and digits.startswith("0") or int(digits) > LARGEST:
        return list(dict.fromkeys(one_by_one))
    forms = spoken_forms(int(digits))
    if len(digits) == 3 and (pair := _pair(digits[1:])):
        forms.append(f"{UNITS[int(digits[0])]} {pair}")
    if len(digits) == 4 and (pair := _pair(digits[2:])):   # "nineteen ninety nine", "twenty oh one"
        forms.append(f"{_below_hundred(int(digits[:2]))} {pair}")
    if len(digits) >= 3:
        forms += one_by_one
    return list(dict.fromkeys(forms))


def parse(words: str | Sequence[str]) -> int | None:
    """The integer that the words say ("twenty five" → 25, "a hundred and one" → 101), or None
    when they are not exactly one well-formed number."""
    tokens = words.split() if isinstance(words, str) else list(words)
    if not tokens:
        return None
    total = current = 0
    for token in tokens:
        if token in _SMALL:
            current += _SMALL[token]
        elif token == "hundred":
            current = (current or 1) * 100
        elif token in _SCALES:
            total += (current or 1) * _SCALES[token]
            current = 0
        elif token not in ("and", "a"):
            return None
    value = total + current
    # The arithmetic above accepts nonsense such as "five five"; only accept real spellings.
    return value if value <= LARGEST and " ".join(tokens) in spoken_forms(value) else None
