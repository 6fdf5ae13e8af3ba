"""Read Markdown, plain text, HTML, PDF and DOCX files into Documents with their structure.

Every reader returns the text it read and the blocks (paragraphs, list items, headings) as spans
of that text, so that later steps can quote passages verbatim.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
import zipfile
from collections.abc import Iterable
from pathlib import Path

import yaml

from .languages import detect_language
from .types import Block, Document

SUPPORTED_SUFFIXES = {".md", ".markdown", ".txt", ".text", ".html", ".htm", ".pdf", ".docx"}
# Limits that keep one upload from stalling the index for everyone: a 40 MB file or two million
# characters of text is far beyond any guidance document.
MAX_FILE_BYTES = 40 * 1024 * 1024
MAX_TEXT_CHARS = 2_000_000
# A DOCX whose parts expand to more than this is treated as a zip bomb.
MAX_DOCX_UNCOMPRESSED = 200 * 1024 * 1024


class ReadError(Exception):
    """A file that cannot be read; the message says why, in words a user understands."""


# ---------------------------------------------------------------- text structure

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_LIST_ITEM = re.compile(r"^(\s*(?:[-*+]|\d+[.)])\s+)")


def markdown_blocks(text: str, offset: int = 0, page: int | None = None) -> list[Block]:
    """Blocks of Markdown or plain text: headings, list items and paragraphs (blank-line separated)."""
    blocks: list[Block] = []
    heading = ""
    pos = 0
    para_start: int | None = None
    para_end = 0

    def close_paragraph():
        nonlocal para_start
        if para_start is not None:
            blocks.append(Block(offset + para_start, offset + para_end, heading, page))
            para_start = None

    for line in text.splitlines(keepends=True):
        start, stripped = pos, line.rstrip("\r\n")
        pos += len(line)
        end = start + len(stripped)
        if not stripped.strip():
            close_paragraph()
            continue
        match = _HEADING.match(stripped)
        if match:
            close_paragraph()
            heading = match.group(2).strip()
            h_start = start + stripped.index(match.group(2))
            blocks.append(Block(offset + h_start, offset + h_start + len(heading), heading, page, is_heading=True))
            continue
        item = _LIST_ITEM.match(stripped)
        if item:
            close_paragraph()
            para_start, para_end = start + len(item.group(1)), end
            continue
        if para_start is None:
            para_start = start + (len(stripped) - len(stripped.lstrip()))
        para_end = end
    close_paragraph()
    return blocks


def join_blocks(parts: Iterable[tuple[str, str, int | None, bool]]) -> tuple[str, list[Block]]:
    """Join (text, heading, page, is_heading) parts into one text with a block per part."""
    chunks, blocks, pos = [], [], 0
    for text, heading, page, is_heading in parts:
        text = text.strip()
        if not text:
            continue
        if chunks:
            chunks.append("\n\n")
            pos += 2
        chunks.append(text)
        blocks.append(Block(pos, pos + len(text), heading, page, is_heading))
        pos += len(text)
    return "".join(chunks), blocks


# ---------------------------------------------------------------- readers per format

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def split_front_matter(raw: str) -> tuple[dict, str]:
    if raw.startswith("---"):
        match = re.match(r"^---\s*\n(.*?)\n---\s*\n", raw, re.DOTALL)
        if match:
            # libyaml's loader when PyYAML has it: the pure-Python one took ~1.5 s of a cold start.
            meta = yaml.load(match.group(1), Loader=_YAML_LOADER) or {}
            if not isinstance(meta, dict):
                raise ReadError("the front matter is not a YAML mapping")
            return meta, raw[match.end():]
    return {}, raw


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Not UTF-8: keep what is readable rather than refusing a whole file.
        return data.decode("utf-8", errors="replace")


# A bundled note ends each paragraph with the manifest ids it rests on: "… text. <!-- src: a, b -->".
_SOURCE_TAG = re.compile(r"[ \t]*<!--\s*src:\s*([^>]*?)\s*-->[ \t]*(?=\r?\n|$)")
_COMMENT = re.compile(r"[ \t]*<!--.*?-->", re.DOTALL)


def read_markdown(data: bytes) -> tuple[dict, str, list[Block]]:
    meta, body = split_front_matter(_decode(data))
    body = _COMMENT.sub("", body)  # comments are not text, whatever they say
    return meta, body, markdown_blocks(body)


def read_note_markdown(data: bytes) -> tuple[dict, str, list[Block]]:
    """A bundled note: its source tags become each block's `sources`, and leave the text.

    Only notes are read this way: a user's file never chooses its own provenance."""
    meta, body = split_front_matter(_decode(data))
    pieces, tags, cursor, length = [], {}, 0, 0
    for match in _SOURCE_TAG.finditer(body):
        pieces.append(body[cursor:match.start()])
        length += match.start() - cursor
        tags[length] = tuple(i.strip() for i in match.group(1).split(",") if i.strip())
        cursor = match.end()
    pieces.append(body[cursor:])
    text = "".join(pieces)
    blocks = [b if b.is_heading else replace(b, sources=tags.get(b.end, ())) for b in markdown_blocks(text)]
    return meta, text, blocks


def read_text(data: bytes) -> tuple[dict, str, list[Block]]:
    text = _decode(data)
    return {}, text, markdown_blocks(text)


_DROP_TAGS = ["script", "style", "noscript", "iframe", "nav", "header", "footer", "aside", "form",
              "button", "svg", "template", "object", "embed"]
_BOILERPLATE = re.compile(r"cookie|consent|gdpr-banner|banner|breadcrumb|skip-link|share|social|menu", re.I)
_BLOCK_TAGS = ["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "pre", "blockquote", "dt", "dd", "td", "th"]


def read_html(data: bytes) -> tuple[dict, str, list[Block]]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(_decode(data), "html.parser")
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    for tag in soup(_DROP_TAGS):
        tag.decompose()
    for tag in soup.find_all(True):
        if tag.attrs is None:  # already removed with a parent
            continue
        marker = " ".join([tag.get("id") or "", " ".join(tag.get("class") or []), tag.get("role") or ""])
        if _BOILERPLATE.search(marker) and tag.name not in ("main", "article", "body", "html"):
            tag.decompose()
    root = soup.find("main") or soup.find("article") or soup.body or soup
    parts, heading = [], ""
    for el in root.find_all(_BLOCK_TAGS):
        if el.find(_BLOCK_TAGS):  # a container: its inner blocks are read on their own
            continue
        text = re.sub(r"\s+", " ", el.get_text(" ", strip=True))
        if not text:
            continue
        if el.name in ("h1", "h2", "h3", "h4", "h5", "h6"):
            heading = text
            parts.append((text, heading, None, True))
            if not title:
                title = text
        else:
            parts.append((text, heading, None, False))
    text, blocks = join_blocks(parts)
    return {"title": title}, text, blocks


def read_pdf(data: bytes) -> tuple[dict, str, list[Block]]:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    raise ReadError("the PDF is encrypted with a password")
            except ReadError:
                raise
            except Exception as exc:
                raise ReadError("the PDF is encrypted and cannot be opened") from exc
        pages = [page.extract_text() or "" for page in reader.pages]
        info_title = ""
        try:
            info_title = (reader.metadata.title or "") if reader.metadata else ""
        except Exception:
            info_title = ""
    except ReadError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError, RecursionError) as exc:
        raise ReadError(f"the PDF is damaged or not a PDF ({type(exc).__name__})") from exc
    except Exception as exc:  # pypdf raises many kinds of errors on hostile files
        raise ReadError(f"the PDF could not be read ({type(exc).__name__})") from exc
    parts = []
    for number, page_text in enumerate(pages, start=1):
        for para in re.split(r"\n\s*\n", page_text):
            parts.append((para, "", number, False))
    text, blocks = join_blocks(parts)
    return {"title": info_title}, text, blocks


def read_docx(data: bytes) -> tuple[dict, str, list[Block]]:
    import io

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            total = sum(info.file_size for info in archive.infolist())
            if total > MAX_DOCX_UNCOMPRESSED:
                raise ReadError("the DOCX expands to an unreasonable size (possible zip bomb)")
    except zipfile.BadZipFile as exc:
        raise ReadError("the DOCX is not a valid Word file (not a zip archive)") from exc
    from docx import Document as DocxDocument

    try:
        doc = DocxDocument(io.BytesIO(data))
    except Exception as exc:
        raise ReadError(f"the DOCX could not be read ({type(exc).__name__})") from exc
    parts, heading, title = [], "", doc.core_properties.title or ""
    for para in doc.paragraphs:
        style = (para.style.name if para.style is not None else "") or ""
        text = para.text
        if style.lower().startswith(("heading", "title")):
            heading = text.strip()
            title = title or heading
            parts.append((text, heading, None, True))
        else:
            parts.append((text, heading, None, False))
    text, blocks = join_blocks(parts)
    return {"title": title}, text, blocks


_READERS = {
    ".md": read_markdown, ".markdown": read_markdown,
    ".txt": read_text, ".text": read_text,
    ".html": read_html, ".htm": read_html,
    ".pdf": read_pdf,
    ".docx": read_docx,
}


# ---------------------------------------------------------------- documents

def _as_tuple_urls(sources) -> tuple[str, ...]:
    urls = []
    for source in sources or []:
        if isinstance(source, dict) and source.get("url"):
            urls.append(str(source["url"]))
        elif isinstance(source, str):
            urls.append(source)
    return tuple(urls)


def read_document(path: Path, kind: str = "user", display_name: str | None = None,
                  defaults: dict | None = None) -> Document:
    """Read one file into a Document; raise ReadError with a clear reason when it cannot be used.

    `defaults` supplies metadata a file does not carry itself (a fetched page's URL, say).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    name = display_name or path.name
    if suffix not in _READERS:
        raise ReadError(f"unsupported file type '{suffix or '(none)'}'; supported: "
                        + ", ".join(sorted(SUPPORTED_SUFFIXES)))
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ReadError(f"the file cannot be opened ({exc.strerror or type(exc).__name__})") from exc
    if size == 0:
        raise ReadError("the file is empty")
    if size > MAX_FILE_BYTES:
        raise ReadError(f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    data = path.read_bytes()
    try:
        reader = read_note_markdown if kind == "note" and suffix in (".md", ".markdown") else _READERS[suffix]
        meta, text, blocks = reader(data)
    except ReadError:
        raise
    except yaml.YAMLError as exc:
        raise ReadError("the front matter is not valid YAML") from exc
    meta = {**(defaults or {}), **{k: v for k, v in meta.items() if v}}
    body_blocks = [b for b in blocks if not b.is_heading]
    if not body_blocks or not text.strip():
        raise ReadError("no text could be extracted (a scanned PDF needs OCR first)")
    if len(text) > MAX_TEXT_CHARS:
        raise ReadError(f"the file holds more than {MAX_TEXT_CHARS:,} characters of text; split it into smaller files")
    language = str(meta.get("language") or detect_language(text[:5000]))
    first_heading = next((text[b.start:b.end] for b in blocks if b.is_heading), "")
    title = str(meta.get("title") or first_heading or name)
    urls = _as_tuple_urls(meta.get("sources"))
    url = str(meta.get("url") or (urls[0] if urls else path.resolve().as_uri()))
    checked = meta.get("checked") or meta.get("date_checked") or dt.date.today().isoformat()
    # A user's file is known by its name, whatever its front matter claims.
    doc_id = str(meta["id"]) if kind != "user" and meta.get("id") else name
    return Document(
        doc_id=doc_id,
        title=title,
        publisher=str(meta.get("publisher") or ""),
        url=url,
        language=language,
        checked=str(checked),
        text=text,
        blocks=tuple(blocks),
        topic=str(meta.get("topic") or doc_id),
        kind=kind,
        source_urls=urls or (url,),
        path=str(path),
    )


def corpus_files(corpus_dir: Path) -> list[Path]:
    """The bundled notes, in a stable order."""
    notes = Path(corpus_dir) / "notes"
    return sorted(p for p in notes.glob("*.md") if p.is_file())
