"""End to end: the web chat in Debian's Chromium, driven by Playwright (no browser is downloaded)."""

from __future__ import annotations

import io
import os
import socket
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parent.parent
# Every run saves its screenshot under artifacts/ (not committed); UPDATE_SCREENSHOT=1 also
# refreshes the one the README shows.
SCREENSHOT = ROOT / "artifacts" / "screenshot.png"
README_SCREENSHOT = ROOT / "docs" / "screenshot.png"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
FR_QUESTION = "Comment faire rembourser une application mobile par l'INAMI ?"
EN_QUESTION = "Which criteria must an app meet for the eHealth platform?"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium is not installed at /usr/bin/chromium "
                       "(apt-get install chromium; ./run.sh test does it)"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def chat_url(fresh_assistant):
    """The chat served from a private copy of the session's index (the test uploads into it)."""
    from assistant import web

    port = free_port()
    demo = web.launch(fresh_assistant, port=port, prevent_thread_lock=True, quiet=True)
    yield f"http://127.0.0.1:{port}/"
    demo.close()


@pytest.fixture
def page(chat_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        # A French-speaking browser: the interface should start in French.
        context = browser.new_context(viewport={"width": 1360, "height": 940}, locale="fr-BE")
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.remote_hosts, page.dialogs = set(), []
        page.on("request", lambda r: page.remote_hosts.add(urlsplit(r.url).hostname)
                if urlsplit(r.url).hostname not in ("127.0.0.1", "localhost", None) else None)
        page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
        page.goto(chat_url)
        yield page
        browser.close()


def ask(page, question: str) -> None:
    """Type the question, send it and wait for the complete answer (its list of sources or, when
    the assistant abstains, its notice)."""
    before = page.locator("#chat [data-testid=bot]").count()
    page.fill("#question textarea", question)
    page.keyboard.press("Enter")
    page.wait_for_function(
        """n => { const bots = document.querySelectorAll('#chat [data-testid=bot]');
                  if (bots.length <= n) return false;
                  const last = bots[bots.length - 1];
                  return /Sources|Bronnen/.test(last.innerText) || last.querySelector('.notice'); }""",
        arg=before)


def attach(page, path: Path) -> None:
    """Open the upload panel and choose a file, as a user would.

    The closed accordion mounts the file input when it opens; a file set while it mounts can be
    dropped, so the panel is open and the drop zone shown before the file is chosen, and chosen
    again if Gradio has not listed it (a person never chooses that fast)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.locator("#upload").get_by_text("Add your own documents").click()
    page.locator("#upload-files").wait_for(state="visible")
    for wait in (20_000, 90_000):
        page.set_input_files("#upload-files input[type=file]", [str(path)])
        try:
            page.locator("#upload-files").get_by_text(path.name).first.wait_for(timeout=wait)
            return
        except PlaywrightTimeout:
            continue
    raise AssertionError(f"the page never listed {path.name}")


def save_screenshot(png: bytes, path: Path) -> None:
    """Stored in the repository: a 256-colour palette keeps it small, and a UI needs no more."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=256)
    image.save(path, optimize=True)


def last_answer(page):
    return page.locator("#chat [data-testid=bot]").last


def test_chat_in_the_browser(page, fresh_assistant, tmp_path):
    # The interface follows the browser's language.
    page.wait_for_selector("#question textarea")
    page.get_by_text("Votre question").first.wait_for()

    ask(page, FR_QUESTION)
    answer = last_answer(page)
    expected = fresh_assistant.ask(FR_QUESTION)
    assert "Points clés" in answer.inner_text()
    assert expected.statements[0].text[:50] in answer.inner_text()
    assert answer.locator("a.cite").count() >= len(expected.statements)
    assert "INAMI" in page.inner_text("#sources-panel")

    # The interface language switches to English; the answer language still follows the question.
    page.get_by_text("English", exact=True).click()
    page.get_by_text("Your question").first.wait_for()
    ask(page, EN_QUESTION)
    answer = last_answer(page)
    expected = fresh_assistant.ask(EN_QUESTION)
    assert "Key points" in answer.inner_text()
    assert answer.locator("a.cite", has_text="[1]").count() >= 1

    # [1] opens its source in the panel: the quote is shown with the quoted sentence marked.
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    # Under a loaded machine the first click can land while Gradio is still re-rendering the
    # answer it just streamed (the suite failed so once): click again rather than wait it out.
    for attempt in range(3):
        answer.locator("a.cite", has_text="[1]").first.click()
        try:
            page.wait_for_selector("#src-1-1.active", timeout=8000)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    entry = page.locator("#src-1-1")
    quote = entry.locator("blockquote")
    assert quote.is_visible()
    first = expected.statements[0]
    assert first.citation == 1
    assert first.text[:60] in entry.locator("mark").first.inner_text()
    citation = expected.citations[0]
    link = entry.locator("a.source-title")
    assert link.get_attribute("href") == citation.url
    assert link.get_attribute("target") == "_blank" and "noopener" in link.get_attribute("rel")
    assert citation.checked in entry.inner_text() and citation.publisher in entry.inner_text()
    assert urlsplit(page.url).fragment == ""  # the click did not navigate

    page.evaluate("window.scrollTo(0, 0)")
    SCREENSHOT.parent.mkdir(exist_ok=True)
    save_screenshot(page.screenshot(), SCREENSHOT)
    assert SCREENSHOT.stat().st_size <= 300_000
    if os.environ.get("UPDATE_SCREENSHOT") == "1":
        README_SCREENSHOT.write_bytes(SCREENSHOT.read_bytes())

    # Upload a document whose text is hostile HTML: it is indexed, cited, and shown as text.
    doc = tmp_path / "zorblax-dossier.md"
    doc.write_text("# Dossier Zorblax <img src=x onerror=alert(1)>\n\nLa startup Zorblax a déposé son dossier "
                   "de remboursement auprès de l'INAMI le 3 mars 2026 <script>alert(2)</script>, avec le "
                   "soutien de son hôpital partenaire.\n", encoding="utf-8")
    attach(page, doc)
    page.click("#upload-button")
    # The first upload of a session creates its workspace and starts the reader process: slow on a busy machine.
    page.wait_for_selector("#upload-report .upload-report", timeout=90_000)
    assert "1 added" in page.inner_text("#upload-report")

    ask(page, "Quand la startup Zorblax a-t-elle déposé son dossier ?")
    answer = last_answer(page)
    assert "3 mars 2026" in answer.inner_text()
    assert "<script>alert(2)</script>" in answer.inner_text()  # shown as text, not run
    assert page.locator("img[onerror], #chat script").count() == 0
    assert "zorblax-dossier.md" in page.inner_text("#sources-panel") or \
        "Dossier Zorblax" in page.inner_text("#sources-panel")

    assert page.dialogs == []  # no script from a document ran
    assert page.remote_hosts == set()  # nothing was fetched from outside this machine


PLAN_SCREENSHOT = ROOT / "artifacts" / "plan-tab.png"
README_PLAN_SCREENSHOT = ROOT / "docs" / "plan-tab.png"


def test_plan_my_route_in_the_browser(page, tmp_path):
    """Fill the form in French, see the plan, download the PDF and read it."""
    from pypdf import PdfReader

    page.get_by_role("tab", name="Planifier mon parcours").click()
    page.fill("#plan-name textarea", "CardioHome")
    page.locator("#plan-medical-purpose").get_by_label("oui").check()
    page.locator("#plan-mdr-class input").click()
    page.get_by_role("option", name="IIa", exact=True).click()
    page.locator("#plan-ce-marking input").click()
    page.get_by_role("option", name="fait", exact=True).click()
    page.locator("#plan-section_care").get_by_text("Soins et preuves").click()
    page.locator("#plan-ui-languages").get_by_label("français").check()
    page.locator("#plan-ui-languages").get_by_label("néerlandais").check()
    page.fill("#plan-conditions textarea", "insuffisance cardiaque")
    page.click("#plan-button")
    output = page.locator("#plan-output")
    output.get_by_text("Prochaines étapes").wait_for()
    text = output.inner_text()
    assert "Parcours : la procédure de l'INAMI" in text and "télésurveillance" in text
    assert "Notifier l'application à l'AFMPS" in text and "allemand" in text
    assert "[1]" in text and "Sources" in text
    PLAN_SCREENSHOT.parent.mkdir(exist_ok=True)
    page.locator("#tabs").scroll_into_view_if_needed()
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(PLAN_SCREENSHOT), full_page=False)
    if os.environ.get("UPDATE_SCREENSHOT"):
        README_PLAN_SCREENSHOT.write_bytes(PLAN_SCREENSHOT.read_bytes())
    with page.expect_download() as download:
        page.click("#plan-pdf")
    path = tmp_path / "report.pdf"
    download.value.save_as(str(path))
    assert download.value.suggested_filename == "readiness-report-cardiohome.pdf"
    reader = PdfReader(str(path))
    pdf_text = "\n".join(p.extract_text() for p in reader.pages)
    assert "Rapport de préparation" in pdf_text and "CardioHome" in pdf_text
    assert "Interface patient en français, néerlandais et allemand" in pdf_text
    assert not page.remote_hosts and not page.dialogs
