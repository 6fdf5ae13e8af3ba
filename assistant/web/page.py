"""The page: layout, style and serving. Each tab's handlers live in their own module."""

from __future__ import annotations

import os

# Gradio reads this when it is imported: no usage statistics leave the machine.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

import logging  # noqa: E402

import gradio as gr  # noqa: E402

from ..api import Assistant  # noqa: E402
from ..load.readers import MAX_FILE_BYTES, SUPPORTED_SUFFIXES  # noqa: E402
from ..types import LANGUAGES  # noqa: E402
from .auth import exposure_warning, load_auth  # noqa: E402
from .plan_tab import PlanTab  # noqa: E402
from .chat import LANGUAGE_NAMES, STREAM_PAUSE, Conversation, Handlers, examples, sources_html  # noqa: E402
from .http_api import create_api  # noqa: E402
from .workspace_ui import SessionWorkspaces, build_panel  # noqa: E402

log = logging.getLogger(__name__)

# ---------------------------------------------------------------- layout

CSS = """
.notice { border-radius: 8px; padding: 0.2em 0.9em; }
.notice.abstention { background: #f4f1ea; border-left: 4px solid #b3a98f; color: #3d3a33; }
.notice.error { background: #fbeeee; border-left: 4px solid #c98080; color: #4a2a2a; }
.notice.info { background: #eef3f8; border-left: 4px solid #8aa4c2; }
.notice.draft { background: #f7f7f7; border-left: 4px dashed #aaaaaa; color: #555555; }
#chat a.cite { color: var(--color-accent); text-decoration: none; font-weight: 600; white-space: nowrap; }
#chat a.cite:hover { text-decoration: underline; }
#sources-panel .sources-scroll { max-height: 620px; overflow-y: auto; padding-right: 0.3em; }
#sources-panel mark { background: #fff1b8; color: inherit; }
#sources-panel details.turn > summary { font-weight: 600; cursor: pointer; margin: 0.4em 0; }
#sources-panel ol.source-list { padding-left: 0; list-style: none; }
#sources-panel li.source { border: 1px solid var(--border-color-primary); border-radius: 8px;
  padding: 0.5em 0.7em; margin-bottom: 0.5em; }
#sources-panel li.source.active { border-color: var(--color-accent); box-shadow: 0 0 0 2px var(--color-accent-soft); }
#sources-panel .source-n { font-weight: 700; }
#sources-panel .source-meta, #sources-panel .source-url { font-size: 0.85em; opacity: 0.8; word-break: break-all; }
/* !important: Gradio's prose styles give blockquotes a large top margin */
#sources-panel li.source blockquote { margin: 0.3em 0 0.2em !important; padding: 0 0 0 0.7em;
  border-left: 3px solid var(--border-color-primary); white-space: pre-wrap; font-size: 0.9em; }
.upload-report li.skipped strong { color: #9a4b2b; }
.upload-report li.added strong, .upload-report li.updated strong { color: #2b7a4b; }
"""

# A click on [n] anywhere opens that source in the panel instead of following the link, which
# would only change the URL fragment.
JS = """
() => {
  document.addEventListener("click", (event) => {
    const link = event.target.closest ? event.target.closest('a[href^="#src-"]') : null;
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    const entry = document.getElementById(link.getAttribute("href").slice(1));
    if (!entry) return;
    const turn = entry.closest("details.turn");
    if (turn) turn.open = true;
    const quote = entry.querySelector("details.quote");
    if (quote) quote.open = true;
    document.querySelectorAll("#sources-panel li.source.active").forEach((el) => el.classList.remove("active"));
    entry.classList.add("active");
    entry.scrollIntoView({behavior: "smooth", block: "nearest"});
  }, true);
}
"""


def build_app(assistant: Assistant, *, stream_pause: float = STREAM_PAUSE, language: str = "en") -> gr.Blocks:
    """The page. `language` is the interface language before the browser's preference is known."""
    handlers = Handlers(assistant, stream_pause, sessions=SessionWorkspaces(assistant))
    plan_tab = PlanTab(assistant, reader_of=handlers._reader)
    t = handlers.labels(language)
    suffixes = sorted(SUPPORTED_SUFFIXES)
    with gr.Blocks(title=t("title"), analytics_enabled=False) as demo:
        convo = gr.State(Conversation())
        with gr.Row(equal_height=False):
            header = gr.Markdown(handlers.intro(t))
            ui_language = gr.Radio([(LANGUAGE_NAMES[code], code) for code in LANGUAGES], value=language,
                                   label=t("language"), scale=0, min_width=300, elem_id="ui-language")
        with gr.Tabs(elem_id="tabs"):
            with gr.Tab(t("tab_chat"), id="chat", elem_id="tab-chat") as chat_tab:
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3):
                        chatbot = gr.Chatbot(label=t("chat_label"), show_label=False, placeholder=t("chat_placeholder"),
                                             elem_id="chat", sanitize_html=True, latex_delimiters=[], height=560, buttons=["copy"],
                                             feedback_options=None)
                        with gr.Row():
                            question = gr.Textbox(label=t("question_label"), placeholder=t("question_placeholder"),
                                                  scale=5, elem_id="question", autofocus=True, max_lines=6)
                            send = gr.Button(t("send"), variant="primary", scale=1, elem_id="send")
                        clear = gr.Button(t("clear"), size="sm", variant="secondary", elem_id="clear")
                        example_box = gr.Examples(examples=[[q] for q in examples(handlers.prompts_dir)], inputs=[question],
                                                  label=t("examples"), examples_per_page=6)
                    with gr.Column(scale=2):
                        sources_title = gr.Markdown(f"### {t('sources_title')}")
                        sources = gr.HTML(sources_html(Conversation(), t), elem_id="sources-panel")
                        with gr.Accordion(t("upload_title"), open=False, elem_id="upload") as upload_box:
                            upload_hint = gr.Markdown(t("upload_hint"))
                            files = gr.File(label=t("upload_files"), file_count="multiple", file_types=suffixes,
                                            elem_id="upload-files")
                            add = gr.Button(t("upload_button"), elem_id="upload-button")
                            report = gr.HTML(elem_id="upload-report")
                        build_panel(handlers.sessions, report, add, ui_language, language)
            with gr.Tab(t("tab_plan"), id="plan", elem_id="tab-plan") as plan_tab_box:
                plan_parts = plan_tab.build(language)
        footer = gr.Markdown(handlers.footer(t))

        chat_io = dict(fn=handlers.respond, inputs=[question, chatbot, convo, ui_language],
                       outputs=[chatbot, convo, sources, question], api_visibility="undocumented")
        question.submit(**chat_io)
        send.click(**chat_io)
        for event in (clear.click, chatbot.clear):  # the button and the chat's own bin icon
            event(handlers.new_conversation, [ui_language], [chatbot, convo, sources], api_visibility="private")
        add.click(handlers.upload, [files, ui_language], [report], api_name="upload", api_visibility="undocumented").then(
            handlers.header_and_footer, [ui_language], [header, footer], api_visibility="private")
        relabelled = [header, ui_language, chatbot, question, send, clear, example_box.dataset, sources_title,
                      sources, upload_box, upload_hint, files, add, footer, chat_tab]
        ui_language.change(handlers.relabel, [ui_language, convo], relabelled, api_visibility="private")
        plan_tab.wire(plan_parts, ui_language, plan_tab_box, handlers)
        demo.load(handlers.initial_language, None, [ui_language], api_visibility="private")
        gr.api(handlers.api_ask, api_name="ask", queue=False)
        gr.api(plan_tab.api_plan, api_name="plan", queue=False)
    return demo


def theme() -> gr.themes.Base:
    # Soft's calm palette suits long quoted passages; system fonts read well in the three
    # languages and cost no download.
    return gr.themes.Soft(font=["system-ui", "Segoe UI", "Roboto", "sans-serif"],
                          font_mono=["ui-monospace", "Consolas", "monospace"])


def launch(assistant: Assistant, host: str = "127.0.0.1", port: int = 7860, *, root_path: str | None = None,
           prevent_thread_lock: bool = False, **kwargs) -> gr.Blocks:
    """Serve the chat, with the HTTP API at /api/v1 and its docs at /api/docs. Blocks until
    stopped, unless `prevent_thread_lock=True` is passed: then it returns the running app, to
    `.close()` later. `root_path`: the public path prefix behind a reverse proxy."""
    auth = load_auth(assistant.settings)
    warning = exposure_warning(host, auth)
    if warning:
        print(warning, flush=True)
        log.warning(warning)
    assistant.sweep_workspaces(force=True)
    demo = build_app(assistant)
    demo.queue(default_concurrency_limit=16)
    demo.launch(server_name=host, server_port=port, theme=theme(), css=CSS, js=JS,
                max_file_size=MAX_FILE_BYTES, show_error=False, ssr_mode=False, pwa=False,
                mcp_server=False, footer_links=["api"], root_path=root_path, prevent_thread_lock=True,
                **auth.gradio_kwargs(), **kwargs)
    # Mounted once the server runs (Gradio creates its app in launch); Starlette reads its routes
    # on every request, so /api answers from here on.
    demo.app.mount("/api", create_api(assistant))
    if not prevent_thread_lock:
        demo.block_thread()
    return demo
