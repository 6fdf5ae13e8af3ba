"""Two browsers on one chat: a document uploaded in one session is never seen by the other."""

from __future__ import annotations

import pytest

from test_web_browser import ARGS, CHROMIUM, ask, attach, free_port, last_answer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium is not installed at /usr/bin/chromium"),
]

QUESTION = "What does the Quandrill committee approve?"


def test_sessions_have_private_documents(fresh_assistant, tmp_path):
    from playwright.sync_api import sync_playwright

    from assistant import web

    doc = tmp_path / "quandrill.txt"
    doc.write_text("Quandrill committee\n\nThe Quandrill committee approves telemonitoring pilots of the "
                   "Zorblax clinic within 17 days.\n", encoding="utf-8")
    port = free_port()
    demo = web.launch(fresh_assistant, port=port, prevent_thread_lock=True, quiet=True)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            pages = []
            for _ in range(3):
                context = browser.new_context(viewport={"width": 1360, "height": 940}, locale="en-US")
                page = context.new_page()
                page.set_default_timeout(20_000)
                page.goto(f"http://127.0.0.1:{port}/")
                page.wait_for_selector("#question textarea")
                pages.append(page)
            a, b, c = pages

            attach(a, doc)
            a.click("#upload-button")
            a.wait_for_selector("#upload-report .upload-report", timeout=90_000)  # first upload: slow when busy
            assert "1 added" in a.inner_text("#upload-report")

            ask(b, QUESTION)
            assert "Quandrill" not in last_answer(b).inner_text()
            assert "quandrill.txt" not in b.inner_text("#sources-panel")

            ask(a, QUESTION)
            assert "17 days" in last_answer(a).inner_text()

            # A keeps the workspace: its key is shown once; C reopens it with the key.
            a.locator("#workspace").get_by_text("Your workspace").click()
            a.click("#workspace-keep")
            key = a.locator("#workspace-secret").inner_text()
            assert "." in key and len(key) > 40
            c.locator("#workspace").get_by_text("Your workspace").click()
            c.fill("#workspace-key input", "not-a-key.nope")
            c.click("#workspace-open")
            c.locator("#workspace-status").get_by_text("This key opens no workspace").wait_for()
            c.fill("#workspace-key input", key)
            c.click("#workspace-open")
            c.locator("#workspace-status").get_by_text("opened").wait_for()
            assert key not in c.url and c.input_value("#workspace-key input") == ""
            ask(c, QUESTION)
            assert "17 days" in last_answer(c).inner_text()

            a.click("#workspace-refresh")
            a.locator("#workspace-docs input").click()
            a.get_by_role("option", name="quandrill.txt (1)").click()
            a.click("#workspace-remove")
            a.locator("#workspace-status").get_by_text("Removed quandrill.txt").wait_for()

            ask(a, QUESTION)
            assert "Quandrill" not in last_answer(a).inner_text()
            ask(c, QUESTION)
            assert "Quandrill" not in last_answer(c).inner_text()
            assert fresh_assistant.documents() == []  # nothing went to the shared index
            browser.close()
    finally:
        demo.close()
