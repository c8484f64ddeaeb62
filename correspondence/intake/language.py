"""Which of our languages (it, pl, ro, en) a customer wrote in: a stop-word scorer.

Short function words and letters only one language uses decide; no model, no network,
a microsecond per message. Returns None when the text is too short or no language
clearly wins, so the caller falls back (earlier cases, then the pool's language).
"""

import re

_STOP_WORDS: dict[str, frozenset[str]] = {
    "it": frozenset(
        [
            "il",
            "lo",
            "la",
            "e",
            "gli",
            "le",
            "di",
            "del",
            "della",
            "dei",
            "delle",
            "che",
            "non",
            "per",
            "con",
            "una",
            "uno",
            "sono",
            "è",
            "ho",
            "ha",
            "mio",
            "mia",
            "suo",
            "sua",
            "questo",
            "questa",
            "come",
            "anche",
            "ma",
            "più",
            "buongiorno",
            "grazie",
            "cordiali",
            "saluti",
            "gentile",
            "vorrei",
            "sinistro",
            "pratica",
            "allego",
        ]
    ),
    "pl": frozenset(
        [
            "w",
            "z",
            "na",
            "nie",
            "się",
            "że",
            "jest",
            "do",
            "to",
            "jak",
            "ale",
            "po",
            "od",
            "przez",
            "dla",
            "tak",
            "czy",
            "jestem",
            "mam",
            "moja",
            "mój",
            "proszę",
            "dzień",
            "dobry",
            "dziękuję",
            "pozdrawiam",
            "szanowni",
            "państwo",
            "sprawy",
            "szkody",
            "załączam",
            "oraz",
            "już",
            "jeszcze",
        ]
    ),
    "ro": frozenset(
        [
            "și",
            "în",
            "nu",
            "cu",
            "pe",
            "un",
            "este",
            "sunt",
            "din",
            "pentru",
            "că",
            "care",
            "mai",
            "am",
            "vă",
            "vă",
            "rog",
            "bună",
            "ziua",
            "mulțumesc",
            "cu",
            "stimă",
            "dosarul",
            "daune",
            "atașez",
            "această",
            "acest",
        ]
    ),
    "en": frozenset(
        [
            "the",
            "and",
            "of",
            "to",
            "is",
            "are",
            "was",
            "for",
            "with",
            "on",
            "my",
            "your",
            "please",
            "thank",
            "thanks",
            "regards",
            "dear",
            "have",
            "has",
            "this",
            "that",
            "claim",
            "attached",
            "would",
            "could",
            "hello",
        ]
    ),
}
# Letters that only one of the four languages writes.
_LETTERS: dict[str, frozenset[str]] = {
    "pl": frozenset("ąćęłńśźż"),
    "ro": frozenset("ăâșşțţ"),
    "it": frozenset("òù"),
}
_WORD = re.compile(r"[^\W\d_]+")
MIN_SCORE = 3


def language_guess(text: str, *, max_chars: int = 4000) -> str | None:
    """The language code with the most evidence in ``text``, or None when unclear.

    Only the first ``max_chars`` characters are read (quoted history comes later).
    A winner needs at least ``MIN_SCORE`` points and more than the runner-up.
    """
    sample = text[:max_chars].lower()
    scores = dict.fromkeys(_STOP_WORDS, 0)
    for word in _WORD.findall(sample):
        for code, words in _STOP_WORDS.items():
            if word in words:
                scores[code] += 1
    for code, letters in _LETTERS.items():
        scores[code] += 2 * sum(1 for char in sample if char in letters)
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    (best, best_score), (_second, second_score) = ranked[0], ranked[1]
    if best_score < MIN_SCORE or best_score == second_score:
        return None
    return best
