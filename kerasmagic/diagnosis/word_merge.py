"""Two changes of one text merged into one, word by word (``rewrite.apply_edits`` merges two
rules' edits of the same span, or two copies of one definition, with it)."""

from __future__ import annotations

import difflib
import re


def merge_changes(base: str, first: str, second: str) -> str | None:
    """``base`` with the changes ``first`` and ``second`` each made to it, compared word by word,
    where they change different words (``'…{val_acc}.h5'`` → ``'…{val_accuracy}.h5'`` and
    ``'…{val_acc}.keras'``); None where they change the same word or words next to each other
    (``tf.set_random_seed`` → ``set_random_seed`` and ``tf.random.set_seed``: one name, two
    answers), or insert at one place."""
    words = _WORDS.findall(base)
    changes: list[tuple[int, int, tuple[str, ...]]] = []
    for changed in (first, second):
        new = _WORDS.findall(changed)
        ops = difflib.SequenceMatcher(None, words, new, autojunk=False).get_opcodes()
        changes.extend((i1, i2, tuple(new[j1:j2])) for tag, i1, i2, j1, j2 in ops if tag != "equal")
    changes = sorted(set(changes))
    if any(_clash(a, b) for a, b in zip(changes, changes[1:])):
        return None
    for i1, i2, new_words in reversed(changes):
        words[i1:i2] = new_words
    return "".join(words)


def _clash(a: tuple[int, int, tuple[str, ...]], b: tuple[int, int, tuple[str, ...]]) -> bool:
    """Do two word changes (sorted) overlap, insert at one place, or change words next to each
    other (an insertion just after a changed word is apart from it)?"""
    return b[0] < a[1] or b[0] == a[0] or (b[0] == a[1] and a[0] < a[1] and b[0] < b[1])


_WORDS = re.compile(r"\w+|\W", re.DOTALL)
