"""Fixed phrases per language, read from prompts/<lang>.toml."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from .types import LANGUAGES


class Phrases:
    def __init__(self, table: dict):
        self._table = table

    def __call__(self, key: str) -> str:
        section, name = key.split(".", 1)
        return self._table[section][name]


@lru_cache(maxsize=16)
def load_phrases(prompts_dir: Path, language: str) -> Phrases:
    language = language if language in LANGUAGES else "en"
    with open(Path(prompts_dir) / f"{language}.toml", "rb") as handle:
        return Phrases(tomllib.load(handle))
