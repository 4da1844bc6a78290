"""How a name written with a place is read as an agency's: "US FDA", "USFDA", "FDA (US)",
"Australian TGA". Plain functions of the agencies' names and their jurisdictions', so that a
store's look-up (:mod:`atmpkg.graph.sparql.entities`) and a CSV file's references
(:mod:`atmpkg.graph.store.csvdata`) read a name alike."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

#: What stands between an agency's name and its jurisdiction's beside spaces ("US-FDA",
#: "FDA (US)"); full stops are left out ("U.S. FDA").
_BESIDE = re.compile(r"[-()\[\],]")
#: Characters past the longest name of an agency with its jurisdiction's (the PMDA's, 83, with
#: Japan's) that leave room for spaces and full stops.
_LONGEST_AGENCY_AND_PLACE = 200


def _words(text: str) -> list[str]:
    """``text``'s words in lower case, split also at a hyphen, a bracket or a comma, full stops
    left out."""
    return _BESIDE.sub(" ", text.replace(".", "")).lower().split()


#: Each agency (its IRI, or its slug in a CSV file) with its names and its jurisdiction's names
#: (ISO code included).
Agencies = Mapping[str, tuple[Iterable[str], Iterable[str]]]


def _as_words(agencies: Agencies) -> dict[str, tuple[set[str], set[str]]]:
    """``agencies`` with each name, theirs and their places', as :func:`_words` writes it."""
    return {
        agency: ({" ".join(_words(n)) for n in names}, {" ".join(_words(p)) for p in places})
        for agency, (names, places) in agencies.items()
    }


def _name_and_rest(text: str) -> list[tuple[str, list[str]]]:
    """Each way to read ``text`` as a name and the words beside it, either first: at each space
    (hyphen, bracket) between words, or, for one word, at each of its letters ("usfda": "fda"
    beside "us"), as the trade press glues an agency's acronym to its country's code."""
    words = _words(text)
    if len(text) > _LONGEST_AGENCY_AND_PLACE:
        return []  # no agency's name and place are as long; each cut of a long word is a copy
    if len(words) == 1:
        word = words[0]
        cuts = [([word[:at]], [word[at:]]) for at in range(1, len(word))]
    else:
        cuts = [(words[:at], words[at:]) for at in range(1, len(words))]
    return [
        (" ".join(name), rest)
        for first, second in cuts
        for name, rest in ((second, first), (first, second))
    ]


#: The endings of a regular demonym, put after a place's name or after it without its final
#: vowels: Australi-an, Korea-n, Japan-ese, Chin-ese, Canad-ian.
_DEMONYM_ENDINGS = ("n", "an", "ian", "ese")


#: Demonyms no ending makes of a word of the place's name, for the jurisdictions of the agencies
#: (newuser26 F4: "British MHRA" was offered Itvisma).
_IRREGULAR_DEMONYMS = {"british": "kingdom", "swiss": "switzerland"}


def _demonym(word: str, named: str) -> bool:
    """Whether ``word`` is the demonym of ``named``, a word of a place's name (not a code, whose
    demonym no one writes), as the press writes an agency with its country's ("Australian TGA",
    newuser25 F8): a regular one, or British for the (United) Kingdom and Swiss for Switzerland.

    >>> _demonym("japanese", "japan"), _demonym("chinese", "china"), _demonym("usan", "us")
    (True, True, False)
    >>> _demonym("british", "kingdom"), _demonym("swiss", "switzerland")
    (True, True)
    """
    if _IRREGULAR_DEMONYMS.get(word) == named:
        return True
    stems = {named, named.rstrip("aeiou")} if len(named) > 3 else set()
    return any(word == stem + ending for stem in stems for ending in _DEMONYM_ENDINGS)


def _of_place(qualifier: list[str], places: set[str]) -> bool:
    """Whether ``qualifier`` (words) names one of ``places``: a place's name, code, some of its
    name's words or their demonyms or, for a name of several words, their initials (those of the
    code "US" would make "u" a place, and "UKFDA" Korea's KFDA beside it).

    >>> _of_place(["uk"], {"united kingdom", "gb"}), _of_place(["u"], {"united states", "us"})
    (True, False)
    >>> _of_place(["korean"], {"south korea", "kr"})
    True
    """
    for place in places:
        named = place.split()
        if all(w in named or any(_demonym(w, n) for n in named) for w in qualifier):
            return True
        if len(named) > 1 and len(qualifier) == 1 and qualifier[0] == "".join(w[0] for w in named):
            return True
    return False


def agency_of_place(text: str, agencies: Agencies) -> str | None:
    """The one of ``agencies`` that ``text`` names by a name of it beside its jurisdiction's, as
    :func:`agency_with_its_place` reads it in a store, for names read elsewhere: a CSV file's
    reference is read so too (newuser25 F10: "US FDA" in an approvals file was offered 'nmpa').

    >>> agency_of_place("U.S.-FDA", {"fda": (["FDA"], ["United States", "US"])})
    'fda'
    """
    agencies = _as_words(agencies)
    found = {
        agency
        for name, rest in _name_and_rest(text)
        for agency, (names, places) in agencies.items()
        if name in names and _of_place(rest, places)
    }
    return next(iter(found)) if len(found) == 1 else None


def agencies_beside_places(text: str, agencies: Agencies) -> list[str]:
    """Those of ``agencies`` that :func:`agencies_beside_a_place` offers ``text``, for names
    read elsewhere, such as a CSV file's.

    >>> agencies_beside_places("UKFDA", {"fda": (["FDA"], ["US"]), "mhra": (["MHRA"], ["UK"])})
    ['fda']
    """
    agencies = _as_words(agencies)
    places = {place for _, (_, of) in agencies.items() for place in of}
    ranked: dict[str, tuple[bool, int]] = {}
    for name, rest in _name_and_rest(text):
        for agency, (names, _) in agencies.items():
            if name in names:
                rank = (not _of_place(rest, places), -len(name))
                ranked[agency] = min(ranked.get(agency, rank), rank)
    return sorted(ranked, key=lambda agency: (ranked[agency], agency))
