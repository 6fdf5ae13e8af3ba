"""Read Markdown, plain text, HTML, PDF and DOCX files into Documents with their structure.

Every reader returns the text it read and the blocks (paragraphs, list items, headings) as spans
of that text, so that later steps can quote passages verbatim.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from ..languages import detect_language
from ..types import Block, Document

SUPPORTED_SUFFIXES = {".md", ".markdown", ".txt", ".text", ".html", ".htm", ".pdf", ".docx"}
# The default budgets (Settings repeats them; the web page's upload limit reads this one).
MAX_FILE_BYTES = 40 * 1024 * 1024
MAX_TEXT_CHARS = 2_000_000


class ReadError(Exception):
    """A file that cannot be read; the message says why, in words a user understands."""


@dataclass(frozen=True)
class Budget:
    """What reading one file may cost. Each limit is checked while the file is read, so a hostile
    file is refused after costing at most one limit's worth, not after being parsed whole."""

    max_file_bytes: int = MAX_FILE_BYTES
    max_text_chars: int = MAX_TEXT_CHARS
    max_pages: int = 2_000  # PDF pages
    max_paragraphs: int = 20_000  # DOCX paragraphs (empty ones count: they cost parsing too)
    max_unpacked_bytes: int = 100 * 1024 * 1024  # a DOCX's XML once decompressed
    max_html_bytes: int = 5 * 1024 * 1024  # a DOM costs ~100x its source: 5 MB stays under 1 GB

    @classmethod
    def from_settings(cls, settings) -> Budget:
        return cls(**{f: getattr(settings, f) for f in cls.__dataclass_fields__ if hasattr(settings, f)})

    def too_long(self) -> ReadError:
        return ReadError(f"the file holds more than {self.max_text_chars:,} characters of text; "
                         "split it into smaller files")


DEFAULT_BUDGET = Budget()


# ---------------------------------------------------------------- control characters

# C0/C1 controls (ANSI and OSC escapes start with ESC or CSI) and the bidirectional overrides
# that make text display in another order than it is stored. Tab and newline are text.
_CONTROL = {c: None for c in (*range(0, 32), *range(127, 160), *range(0x202A, 0x202F), *range(0x2066, 0x206A))
            if chr(c) not in "\t\n"}


def clean_text(text: str) -> str:
    """Document text without control characters; carriage returns become newlines."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.translate(_CONTROL)


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
        text = clean_text(text).strip()
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
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Not UTF-8: keep what is readable rather than refusing a whole file.
        text = data.decode("utf-8", errors="replace")
    return clean_text(text)


def read_text_file(path: Path, budget: Budget) -> str:
    """A text file decoded piece by piece, refused as soon as it passes the character budget
    (a 30 MB one-line file costs 2 MB of reading, not 30 MB of parsing)."""
    for errors in ("strict", "replace"):  # not UTF-8: keep what is readable rather than refuse
        decoder = codecs.getincrementaldecoder("utf-8-sig")(errors=errors)
        pieces, length = [], 0
        try:
            with open(path, "rb") as handle:
                while piece := handle.read(1 << 20):
                    text = decoder.decode(piece)
                    length += len(text)
                    if length > budget.max_text_chars:
                        raise budget.too_long()
                    pieces.append(text)
                pieces.append(decoder.decode(b"", final=True))
        except UnicodeDecodeError:
            continue
        return clean_text("".join(pieces))
    raise AssertionError("unreachable: 'replace' never fails")


# A bundled note ends each paragraph with the manifest ids it rests on: "… text. <!-- src: a, b -->".
_SOURCE_TAG = re.compile(r"[ \t]*<!--\s*src:\s*([^>]*?)\s*-->[ \t]*(?=\r?\n|$)")
_COMMENT = re.compile(r"[ \t]*<!--.*?-->", re.DOTALL)


def read_markdown(raw: str) -> tuple[dict, str, list[Block]]:
    meta, body = split_front_matter(raw)
    body = _COMMENT.sub("", body)  # comments are not text, whatever they say
    return meta, body, markdown_blocks(body)


def read_note_markdown(raw: str) -> tuple[dict, str, list[Block]]:
    """A bundled note: its source tags become each block's `sources`, and leave the text.

    Only notes are read this way: a user's file never chooses its own provenance."""
    meta, body = split_front_matter(raw)
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


def read_text(text: str) -> tuple[dict, str, list[Block]]:
    return {}, text, markdown_blocks(text)


_DROP_TAGS = ["script", "style", "noscript", "iframe", "nav", "header", "footer", "aside", "form",
              "button", "svg", "template", "object", "embed"]
_BOILERPLATE = re.compile(r"cookie|consent|gdpr-banner|banner|breadcrumb|skip-link|share|social|menu", re.I)
_BLOCK_TAGS = ["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "pre", "blockquote", "dt", "dd", "td", "th"]


def read_html(path: Path, budget: Budget) -> tuple[dict, str, list[Block]]:
    from bs4 import BeautifulSoup

    if path.stat().st_size > budget.max_html_bytes:
        # A DOM costs about a hundred times its source (a 39 MB page took 6 GB): cap the source.
        raise ReadError(f"the HTML page is larger than {budget.max_html_bytes // (1024 * 1024)} MB; "
                        "save it as PDF or text instead")
    soup = BeautifulSoup(_decode(path.read_bytes()), "html.parser")
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
    parts, heading, length = [], "", 0
    for el in root.find_all(_BLOCK_TAGS):
        if el.find(_BLOCK_TAGS):  # a container: its inner blocks are read on their own
            continue
        text = re.sub(r"\s+", " ", el.get_text(" ", strip=True))
        if not text:
            continue
        length += len(text) + 2
        if length > budget.max_text_chars:
            raise budget.too_long()
        if el.name in ("h1", "h2", "h3", "h4", "h5", "h6"):
            heading = text
            parts.append((text, heading, None, True))
            if not title:
                title = text
        else:
            parts.append((text, heading, None, False))
    text, blocks = join_blocks(parts)
    return {"title": title}, text, blocks


def read_pdf(path: Path, budget: Budget) -> tuple[dict, str, list[Block]]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    pages: list[str] = []
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    raise ReadError("the PDF is encrypted with a password")
            except ReadError:
                raise
            except Exception as exc:
                raise ReadError("the PDF is encrypted and cannot be opened") from exc
        if len(reader.pages) > budget.max_pages:
            raise ReadError(f"the PDF has more than {budget.max_pages:,} pages; split it into smaller files")
        length = 0
        for page in reader.pages:
            page_text = page.extract_text() or ""
            length += len(page_text)
            if length > budget.max_text_chars:
                raise budget.too_long()
            pages.append(page_text)
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
    return {"title": str(info_title)}, text, blocks


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


class _CappedStream:
    """A decompressing stream that refuses to yield more than `limit` bytes: a zip's declared
    sizes can lie, what comes out of the stream cannot."""

    def __init__(self, stream, limit: int):
        self.stream, self.left, self.limit = stream, limit, limit

    def read(self, n: int = -1) -> bytes:
        data = self.stream.read(65536 if n is None or n < 0 else min(n, 1 << 20))
        self.left -= len(data)
        if self.left < 0:
            raise ReadError(f"the DOCX expands to more than {self.limit // (1024 * 1024)} MB (possible zip bomb)")
        return data


def _docx_styles(archive: zipfile.ZipFile, budget: Budget) -> dict[str, str]:
    """Paragraph style id → style name, read once (a lookup per paragraph took minutes)."""
    from lxml import etree

    try:
        info = archive.getinfo("word/styles.xml")
    except KeyError:
        return {}
    names = {}
    with archive.open(info) as raw:
        for _, el in etree.iterparse(_CappedStream(raw, budget.max_unpacked_bytes), events=("end",),
                                     tag=f"{_W}style", resolve_entities=False, no_network=True, huge_tree=False):
            name = el.find(f"{_W}name")
            names[el.get(f"{_W}styleId") or ""] = (name.get(f"{_W}val") if name is not None else "") or ""
            el.clear()
    return names


def _docx_title(archive: zipfile.ZipFile) -> str:
    from lxml import etree

    try:
        info = archive.getinfo("docProps/core.xml")
    except KeyError:
        return ""
    if info.file_size > 1 << 20:
        return ""
    try:
        root = etree.fromstring(archive.read(info), etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return ""
    title = root.find("{http://purl.org/dc/elements/1.1/}title")
    return (title.text or "") if title is not None else ""


def read_docx(path: Path, budget: Budget) -> tuple[dict, str, list[Block]]:
    """Word's document.xml read as a stream: one paragraph in memory at a time, each budget
    checked as paragraphs arrive."""
    from lxml import etree

    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ReadError("the DOCX is not a valid Word file (not a zip archive)") from exc
    with archive:
        try:
            info = archive.getinfo("word/document.xml")
        except KeyError as exc:
            raise ReadError("the DOCX is not a valid Word file (no word/document.xml)") from exc
        if info.file_size > budget.max_unpacked_bytes:
            raise ReadError(f"the DOCX expands to more than {budget.max_unpacked_bytes // (1024 * 1024)} MB "
                            "(possible zip bomb)")
        try:
            styles = _docx_styles(archive, budget)
            title = _docx_title(archive)
            parts, heading, length, count = [], "", 0, 0
            with archive.open(info) as raw:
                events = etree.iterparse(_CappedStream(raw, budget.max_unpacked_bytes), events=("end",),
                                         tag=f"{_W}p", resolve_entities=False, no_network=True, huge_tree=False)
                for _, para in events:
                    count += 1
                    if count > budget.max_paragraphs:
                        raise ReadError(f"the DOCX has more than {budget.max_paragraphs:,} paragraphs; "
                                        "split it into smaller files")
                    text = "".join(_docx_run_text(el) for el in para.iter(f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}cr"))
                    style_el = para.find(f"{_W}pPr/{_W}pStyle")
                    style_id = style_el.get(f"{_W}val") if style_el is not None else ""
                    style = styles.get(style_id or "", style_id or "")
                    # A paragraph inside a text box sits inside another: read once, then dropped.
                    para.clear(keep_tail=True)
                    parent = para.getparent()
                    if parent is not None and parent.tag != f"{_W}body":
                        parent.remove(para)
                    else:
                        while para.getprevious() is not None:
                            del parent[0]
                    length += len(text) + 2
                    if length > budget.max_text_chars:
                        raise budget.too_long()
                    if style.lower().startswith(("heading", "title")):
                        heading = text.strip()
                        title = title or heading
                        parts.append((text, heading, None, True))
                    else:
                        parts.append((text, heading, None, False))
        except ReadError:
            raise
        except (etree.XMLSyntaxError, zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
            raise ReadError(f"the DOCX could not be read ({type(exc).__name__})") from exc
    text, blocks = join_blocks(parts)
    return {"title": title}, text, blocks


def _docx_run_text(el) -> str:
    tag = el.tag[len(_W):]
    if tag == "t":
        return el.text or ""
    return "\t" if tag == "tab" else "\n"


_TEXT_READERS = {".md": read_markdown, ".markdown": read_markdown, ".txt": read_text, ".text": read_text}
_FILE_READERS = {".html": read_html, ".htm": read_html, ".pdf": read_pdf, ".docx": read_docx}


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
                  defaults: dict | None = None, budget: Budget = DEFAULT_BUDGET) -> Document:
    """Read one file into a Document; raise ReadError with a clear reason when it cannot be used.

    `defaults` supplies metadata a file does not carry itself (a fetched page's URL, say). A
    user's file ("user") is known only by its name: whatever its front matter or <title> claims
    (a publisher, an official URL, a date), the product decides its provenance.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    name = display_name or path.name
    if suffix not in _TEXT_READERS and suffix not in _FILE_READERS:
        raise ReadError(f"unsupported file type '{suffix or '(none)'}'; supported: "
                        + ", ".join(sorted(SUPPORTED_SUFFIXES)))
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ReadError(f"the file cannot be opened ({exc.strerror or type(exc).__name__})") from exc
    if size == 0:
        raise ReadError("the file is empty")
    if size > budget.max_file_bytes:
        raise ReadError(f"the file is larger than {budget.max_file_bytes // (1024 * 1024)} MB")
    try:
        if suffix in _TEXT_READERS:
            reader = read_note_markdown if kind == "note" and suffix in (".md", ".markdown") else _TEXT_READERS[suffix]
            meta, text, blocks = reader(read_text_file(path, budget))
        else:
            meta, text, blocks = _FILE_READERS[suffix](path, budget)
    except ReadError:
        raise
    except yaml.YAMLError as exc:
        raise ReadError("the front matter is not valid YAML") from exc
    except MemoryError as exc:
        raise ReadError("the file needs more memory to read than a document may use") from exc
    body_blocks = [b for b in blocks if not b.is_heading]
    if not body_blocks or not text.strip():
        raise ReadError("no text could be extracted (a scanned PDF needs OCR first)")
    if len(text) > budget.max_text_chars:
        raise budget.too_long()
    if kind == "user":
        return _user_document(name, text, blocks, path)
    meta = {**(defaults or {}), **{k: v for k, v in meta.items() if v}}
    language = str(meta.get("language") or detect_language(text[:5000]))
    first_heading = next((text[b.start:b.end] for b in blocks if b.is_heading), "")
    title = str(meta.get("title") or first_heading or name)
    urls = _as_tuple_urls(meta.get("sources"))
    url = str(meta.get("url") or (urls[0] if urls else ""))
    checked = meta.get("checked") or meta.get("date_checked") or dt.date.today().isoformat()
    doc_id = str(meta["id"]) if meta.get("id") else name
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
        source_urls=urls or ((url,) if url else ()),
        path=str(path),
    )


def _user_document(name: str, text: str, blocks: list[Block], path: Path) -> Document:
    """A user's file: "your document <name>", with no publisher, no link and the date it was
    added. Its front matter was dropped from the text and its claims are ignored."""
    return Document(doc_id=name, title=name, publisher="", url="", language=detect_language(text[:5000]),
                    checked=dt.date.today().isoformat(), text=text, blocks=tuple(blocks), topic=name,
                    kind="user", source_urls=(), path=str(path))


def corpus_files(corpus_dir: Path) -> list[Path]:
    """The bundled notes, in a stable order."""
    notes = Path(corpus_dir) / "notes"
    return sorted(p for p in notes.glob("*.md") if p.is_file())
