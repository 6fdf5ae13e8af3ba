"""The bundled knowledge base is well formed: every note's front matter, the manifest, and the links
between them (corpus/README.md describes the format). Pure file checks: no index, no network."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from assistant.load.readers import split_front_matter
from assistant.settings import PROJECT_ROOT

CORPUS = PROJECT_ROOT / "corpus"
LANGUAGES = {"fr", "nl", "en"}
# German is Belgium's third national language: an official page may exist only in German.
SOURCE_LANGUAGES = LANGUAGES | {"de"}
NOTE_FIELDS = ("id", "topic", "title", "language", "publisher", "sources", "checked")
NOTE_PATHS = sorted((CORPUS / "notes").glob("*.md"))
NOTE_IDS = [p.name for p in NOTE_PATHS]


def read_note(path: Path) -> tuple[dict, str]:
    return split_front_matter(path.read_text(encoding="utf-8"))


def manifest_entries() -> list[dict]:
    with open(CORPUS / "sources.toml", "rb") as handle:
        return tomllib.load(handle).get("source", [])


MANIFEST = manifest_entries()
MANIFEST_BY_ID = {e.get("id"): e for e in MANIFEST}
NOTES = {p.name: read_note(p) for p in NOTE_PATHS}
TOPICS = {meta.get("topic") for meta, _ in NOTES.values()}


def url_problem(url) -> str:
    """Why a URL is not a well-formed web address ('' when it is)."""
    if not isinstance(url, str):
        return f"not a string: {url!r}"
    if any(c.isspace() for c in url):
        return "contains white space"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return f"scheme {parts.scheme!r} is not http(s)"
    if not parts.hostname or "." not in parts.hostname:
        return "no host name"
    return ""


def is_iso_date(value) -> bool:
    # YAML reads an unquoted 2026-11-22 as a date; a quoted one stays a string.
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return True
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            dt.date.fromisoformat(value)
            return True
        except ValueError:
            return False
    return False


def test_corpus_is_not_empty():
    assert NOTE_PATHS and MANIFEST


# ---------------------------------------------------------------- notes


@pytest.mark.parametrize("name", NOTE_IDS)
def test_note_front_matter_is_complete(name):
    meta, _ = NOTES[name]
    missing = [f for f in NOTE_FIELDS if not meta.get(f)]
    assert not missing, f"{name}: missing {missing}"
    assert meta["language"] in LANGUAGES, f"{name}: language {meta['language']!r}"
    assert is_iso_date(meta["checked"]), f"{name}: checked {meta['checked']!r} is not an ISO date"
    for field in ("id", "topic", "title", "publisher"):
        assert isinstance(meta[field], str) and meta[field].strip(), f"{name}: {field} is not text"


@pytest.mark.parametrize("name", NOTE_IDS)
def test_note_id_matches_topic_language_and_file_name(name):
    meta, _ = NOTES[name]
    assert meta["id"] == f"{meta['topic']}.{meta['language']}", name
    assert name == f"{meta['id']}.md"


@pytest.mark.parametrize("name", NOTE_IDS)
def test_note_sources_are_in_the_manifest_with_well_formed_urls(name):
    meta, _ = NOTES[name]
    sources = meta["sources"]
    assert isinstance(sources, list) and sources
    for source in sources:
        assert isinstance(source, dict) and set(source) == {"id", "url"}, f"{name}: source entry {source!r}"
        assert source["id"] in MANIFEST_BY_ID, f"{name}: source {source['id']!r} is not in sources.toml"
        assert not url_problem(source["url"]), f"{name}: {source['url']!r}: {url_problem(source['url'])}"
        # The link shown with the note must be one the manifest lists for that source.
        urls = MANIFEST_BY_ID[source["id"]].get("url", {}).values()
        assert source["url"] in urls, f"{name}: {source['id']} has no URL {source['url']!r} in sources.toml"
    ids = [s["id"] for s in sources]
    assert len(ids) == len(set(ids)), f"{name}: a source is listed twice"


def test_every_topic_has_the_three_languages():
    languages = defaultdict(set)
    for meta, _ in NOTES.values():
        languages[meta["topic"]].add(meta["language"])
    incomplete = {topic: sorted(LANGUAGES - langs) for topic, langs in languages.items() if langs != LANGUAGES}
    assert not incomplete, f"topics missing languages: {incomplete}"


def test_language_versions_have_the_same_sections():
    """The three versions carry the same facts under the same structure (headings translated)."""
    sections = defaultdict(dict)
    for meta, body in NOTES.values():
        sections[meta["topic"]][meta["language"]] = len(re.findall(r"(?m)^## ", body))
    uneven = {topic: counts for topic, counts in sections.items() if len(set(counts.values())) > 1}
    assert not uneven, f"'##' sections per language differ: {uneven}"
    assert all(n > 0 for counts in sections.values() for n in counts.values())


# ---------------------------------------------------------------- manifest


def test_manifest_ids_are_unique():
    duplicates = [i for i, n in Counter(e.get("id") for e in MANIFEST).items() if n > 1]
    assert not duplicates, f"duplicate ids in sources.toml: {duplicates}"


@pytest.mark.parametrize("entry", MANIFEST, ids=[str(e.get("id")) for e in MANIFEST])
def test_manifest_entry_is_well_formed(entry):
    name = entry.get("id")
    assert isinstance(name, str) and re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name), f"id {name!r} is not kebab-case"
    for field in ("publisher", "title"):
        assert isinstance(entry.get(field), str) and entry[field].strip(), f"{name}: no {field}"
    assert entry.get("type") in ("html", "pdf"), f"{name}: type {entry.get('type')!r}"
    assert isinstance(entry.get("secondary", False), bool), f"{name}: secondary must be true or false"
    urls = entry.get("url")
    assert isinstance(urls, dict) and urls, f"{name}: no url"
    for language, url in urls.items():
        assert language in SOURCE_LANGUAGES, f"{name}: url language {language!r}"
        assert not url_problem(url), f"{name}: {url!r}: {url_problem(url)}"
    topics = entry.get("topics")
    assert isinstance(topics, list) and topics, f"{name}: no topics"
    unknown = [t for t in topics if t not in TOPICS]
    assert not unknown, f"{name}: topics without a note: {unknown}"


def test_every_manifest_source_is_used_by_a_note_of_its_topics():
    """A manifest entry nobody cites, or cited from a topic it does not list, is a stale link."""
    cited_by = defaultdict(set)
    for meta, _ in NOTES.values():
        for source in meta["sources"]:
            cited_by[source["id"]].add(meta["topic"])
    for entry in MANIFEST:
        assert cited_by[entry["id"]], f"{entry['id']} is cited by no note"
        assert cited_by[entry["id"]] <= set(entry["topics"]), (
            f"{entry['id']} is cited by {sorted(cited_by[entry['id']])} but lists topics {entry['topics']}")


def test_url_problem_catches_malformed_urls():
    assert url_problem("https://www.inami.fgov.be/fr/page") == ""
    assert url_problem("https://www.inami.fgov.be/fr/a page")
    assert url_problem("ftp://www.inami.fgov.be/x")
    assert url_problem("https:///nohost")
    assert url_problem("www.inami.fgov.be/fr")


# ---------------------------------------------------------------- per-paragraph sources

from assistant.load.readers import read_document  # noqa: E402

TOPIC_NAMES = sorted(TOPICS)


def note_blocks(path: Path):
    doc = read_document(path, kind="note")
    return doc, [b for b in doc.blocks if not b.is_heading]


@pytest.mark.parametrize("name", NOTE_IDS)
def test_every_paragraph_names_its_sources(name):
    """Each paragraph and list item ends with <!-- src: id, ... -->: manifest ids the note
    declares, or `meta` alone for commentary about the sources (never quoted)."""
    meta, _ = NOTES[name]
    declared = {s["id"] for s in meta["sources"]}
    doc, blocks = note_blocks(CORPUS / "notes" / name)
    assert "<!--" not in doc.text, "a source tag was left in the text (not at the end of its paragraph?)"
    for block in blocks:
        text = doc.text[block.start:block.end][:80]
        assert block.sources, f"{name}: paragraph without sources: {text!r}"
        if "meta" in block.sources:
            assert block.sources == ("meta",), f"{name}: meta mixed with sources: {text!r}"
            continue
        for source_id in block.sources:
            assert source_id in MANIFEST_BY_ID, f"{name}: unknown source {source_id!r}"
            assert source_id in declared, f"{name}: {source_id} is not in the note's front matter"


@pytest.mark.parametrize("topic", TOPIC_NAMES)
def test_language_versions_tag_the_same_sources_in_the_same_order(topic):
    sequences = {lang: [b.sources for b in note_blocks(CORPUS / "notes" / f"{topic}.{lang}.md")[1]]
                 for lang in sorted(LANGUAGES)}
    assert sequences["fr"] == sequences["nl"] == sequences["en"]


@pytest.mark.parametrize("name", NOTE_IDS)
def test_secondary_paragraphs_say_who_states_them(name):
    """A paragraph resting only on secondary sources names its origin in its own words, so a
    quoted sentence never reads as an official statement."""
    doc, blocks = note_blocks(CORPUS / "notes" / name)
    for block in blocks:
        ids = [i for i in block.sources if i != "meta"]
        if not ids or not all(MANIFEST_BY_ID[i].get("secondary") for i in ids):
            continue
        text = doc.text[block.start:block.end]
        names = {w.lower() for i in ids for w in re.findall(r"[\w_-]{3,}", MANIFEST_BY_ID[i]["publisher"])}
        said = re.search(r"according to|selon|d'après|volgens|aldus|reports?|rapporte|meldt|states|says|zegt|"
                         r"indique|stelt|affirme|écrit|schrijft|writes", text, re.I)
        assert said or any(n in text.lower() for n in names), f"{name}: unattributed secondary paragraph: {text[:90]!r}"
