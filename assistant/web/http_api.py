"""The plain HTTP API (`/api/v1/...`), mounted beside the Gradio page on the same server.

JSON in and out, pydantic models, OpenAPI docs at `/api/docs`. A request carries a workspace
key in `X-API-Key` (or `Authorization: Bearer <key>`): questions then search the shared corpus
and that workspace; without a key they search the shared corpus only, and the document routes
answer 401. Every route is one small function over the Python API, so a new one (the planner's
`POST /api/v1/plan`) is one more function and its models.

Bad input gets a 4xx with a message: malformed JSON and wrong fields 422, oversized bodies 413,
a missing or wrong key 401, creating a workspace where only the operator may 403, an unknown
document 404, a taken workspace id 409. A 500 means a bug, and its details go to
the server log, not to the client.
"""

from __future__ import annotations

import logging
import shutil
import uuid
from pathlib import Path
from typing import Any, Literal

from fastapi import Depends, FastAPI, File, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..api import MAX_QUESTION_CHARS, Assistant, Workspace
from ..load.documents import safe_name
from ..plan import Profile, ProfileError
from ..load.readers import MAX_FILE_BYTES
from ..index.workspaces import WorkspaceError, WorkspaceNotFound

log = logging.getLogger(__name__)

MAX_JSON_BYTES = 64 * 1024  # a question with its history fits many times over
MAX_UPLOAD_FILES = 10
MAX_HISTORY = 20
Language = Literal["fr", "nl", "en"]


class ApiError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


# ---------------------------------------------------------------- models

class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str = Field(min_length=1, max_length=2 * MAX_QUESTION_CHARS)
    language: Language | None = None
    history: list[str] = Field(default_factory=list, max_length=MAX_HISTORY,
                               description="earlier user questions of the conversation, oldest first")


class PlanRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    profile: dict = Field(description="the founder's profile: the fields of assistant.plan.Profile "
                                      "(see examples/profiles/)")
    language: Language | None = Field(None, description="the plan's language; default: the profile's")
    format: Literal["json", "markdown", "pdf"] = Field(
        "json", description="json: the plan and the readiness checklist; markdown or pdf: the readiness report")


class AskResponse(BaseModel):
    """The fields of `Answer.to_dict()`."""

    model_config = ConfigDict(extra="allow")
    question: str
    language: str
    text: str
    abstained: bool
    refusal: str
    confidence: float
    direct: str | None = None
    parts: list[dict[str, Any]]
    uncovered: list[Any]
    situation: dict[str, Any]
    citations: list[dict[str, Any]]
    statements: list[dict[str, Any]]
    closest: list[dict[str, Any]]


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str = Field(min_length=1, max_length=2 * MAX_QUESTION_CHARS)
    language: Language | None = None
    k: int = Field(5, ge=1, le=50)


class Passage(BaseModel):
    chunk_id: str
    source_id: str
    title: str
    publisher: str
    url: str
    locator: str
    language: str
    kind: str
    text: str
    score: float
    dense: float
    lexical: float


class SearchResponse(BaseModel):
    passages: list[Passage]


class DocumentOut(BaseModel):
    source_id: str
    title: str
    kind: str
    language: str
    passages: int
    checked: str


class FileOutcomeOut(BaseModel):
    path: str
    status: str
    source_id: str
    reason: str
    chunks: int


class UploadResponse(BaseModel):
    outcomes: list[FileOutcomeOut]


class WorkspaceRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str | None = Field(None, description="lower-case letters, digits, '-', '_'; a random id when absent")


class WorkspaceCreated(BaseModel):
    workspace: str
    api_key: str = Field(description="shown once: only its hash is stored")


class StatusResponse(BaseModel):
    corpus: dict[str, Any] | None
    workspace: str | None
    documents: int


# ---------------------------------------------------------------- size limit

class BodyLimit:
    """Refuses bodies over the limit with 413, whether or not the client sent Content-Length
    (the body is counted as it arrives, so a lying header does not get past)."""

    def __init__(self, app, json_limit: int, upload_limit: int):
        self.app, self.json_limit, self.upload_limit = app, json_limit, upload_limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.upload_limit if scope["path"].rstrip("/").endswith("/v1/documents") else self.json_limit
        declared = dict(scope.get("headers") or []).get(b"content-length")
        too_big = _error(413, f"request body over {limit:,} bytes")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            return await too_big(scope, receive, send)
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                # Raised inside the body read: FastAPI passes HTTPExceptions through unchanged.
                raise StarletteHTTPException(413, f"request body over {limit:,} bytes")
            return message

        await self.app(scope, counted, send)


def _error(status: int, message: str, **extra) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


# ---------------------------------------------------------------- app

def create_api(assistant: Assistant, *, json_limit: int = MAX_JSON_BYTES,
               upload_limit: int = MAX_UPLOAD_FILES * MAX_FILE_BYTES) -> FastAPI:
    """The API as an app of its own, to mount at /api (its docs at /api/docs)."""
    api = FastAPI(title="Belgian digital-health reimbursement assistant", version="1",
                  docs_url="/docs", redoc_url=None, openapi_url="/openapi.json",
                  description=__doc__)

    @api.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError):
        return _error(exc.status, exc.message)

    @api.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        problems = [f"{'.'.join(str(p) for p in e.get('loc', ()) if p != 'body') or 'body'}: {e.get('msg')}"
                    for e in exc.errors()]
        return _error(422, "invalid request: " + "; ".join(problems[:5]))

    @api.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        return _error(exc.status_code, str(exc.detail))

    @api.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception):
        log.exception("API request %s failed", request.url.path)
        return _error(500, "internal error; see the server log")

    def workspace_of(request: Request) -> Workspace | None:
        key = request.headers.get("x-api-key") or ""
        auth = request.headers.get("authorization") or ""
        if not key and auth.lower().startswith("bearer "):
            key = auth[7:]
        if not key:
            return None
        try:
            return assistant.workspace(assistant.workspaces.authenticate(key), create=False)
        except WorkspaceError as exc:
            raise ApiError(401, str(exc)) from None

    def needs_workspace(ws: Workspace | None = Depends(workspace_of)) -> Workspace:
        if ws is None:
            raise ApiError(401, "this route needs a workspace key in the X-API-Key header "
                                "(POST /api/v1/workspaces creates one)")
        return ws

    def guarded(call):
        try:
            return call()
        except WorkspaceNotFound as exc:
            raise ApiError(404, str(exc)) from None
        except (ValueError, TypeError) as exc:
            raise ApiError(400, str(exc)) from None

    @api.post("/v1/ask", response_model=AskResponse, summary="A cited answer")
    def ask(body: AskRequest, ws: Workspace | None = Depends(workspace_of)) -> dict:
        target = ws or assistant
        return guarded(lambda: target.ask(body.question, body.language, history=body.history).to_dict())

    @api.post("/v1/search", response_model=SearchResponse, summary="The best passages, ranked")
    def search(body: SearchRequest, ws: Workspace | None = Depends(workspace_of)) -> dict:
        target = ws or assistant
        hits = guarded(lambda: target.search(body.question, body.language, body.k))
        return {"passages": [{**{k: getattr(h.chunk, k) for k in ("chunk_id", "title", "publisher", "url", "locator",
                                                                   "language", "kind", "text")},
                              "source_id": h.chunk.doc_id, "score": h.score, "dense": h.dense, "lexical": h.lexical}
                             for h in hits]}

    @api.post("/v1/documents", response_model=UploadResponse, summary="Upload documents to the workspace")
    def upload(files: list[UploadFile] = File(...), ws: Workspace = Depends(needs_workspace)) -> dict:
        if len(files) > MAX_UPLOAD_FILES:
            raise ApiError(413, f"at most {MAX_UPLOAD_FILES} files per request")
        # Copies live only while they are read: the index keeps the text, the hardening of
        # ingestion keeps originals per index folder (so per workspace).
        incoming = Path(ws.directory) / "incoming" / uuid.uuid4().hex
        incoming.mkdir(parents=True)
        try:
            paths = []
            for upload in files:
                name = safe_name(upload.filename or "unnamed")
                target = incoming / name
                if target.exists():
                    target = incoming / uuid.uuid4().hex[:6] / name
                    target.parent.mkdir()
                with open(target, "wb") as out:
                    copied = 0
                    while chunk := upload.file.read(1 << 20):
                        copied += len(chunk)
                        if copied > MAX_FILE_BYTES:
                            raise ApiError(413, f"{name}: over {MAX_FILE_BYTES // (1024 * 1024)} MB")
                        out.write(chunk)
                paths.append(target)
            report = guarded(lambda: ws.ingest(paths))
        finally:
            shutil.rmtree(incoming, ignore_errors=True)
        return {"outcomes": [vars(o) for o in report.outcomes]}

    @api.get("/v1/documents", response_model=list[DocumentOut], summary="The workspace's documents")
    def documents(ws: Workspace = Depends(needs_workspace)) -> list:
        return [d.to_dict() for d in guarded(ws.documents)]

    @api.get("/v1/documents/{source_id}", response_model=DocumentOut, summary="One document")
    def document(source_id: str, ws: Workspace = Depends(needs_workspace)) -> dict:
        for d in guarded(ws.documents):
            if d.source_id == source_id:
                return d.to_dict()
        raise ApiError(404, f"no document {source_id!r} in this workspace")

    @api.delete("/v1/documents/{source_id}", status_code=204, summary="Forget a document")
    def forget(source_id: str, ws: Workspace = Depends(needs_workspace)) -> Response:
        if not guarded(lambda: ws.forget(source_id)):
            raise ApiError(404, f"no document {source_id!r} in this workspace")
        return Response(status_code=204)

    @api.post("/v1/workspaces", response_model=WorkspaceCreated, status_code=201, summary="Create a workspace")
    def create_workspace(body: WorkspaceRequest | None = None) -> dict:
        if not assistant.settings.api_create_workspaces:
            raise ApiError(403, "workspaces are created by the operator here (`assistant workspace create`)")
        try:
            info, key = assistant.workspaces.create((body.id if body else None) or None)
        except WorkspaceError as exc:
            raise ApiError(409 if "exists" in str(exc) else 400, str(exc)) from None
        return {"workspace": info.id, "api_key": key}

    @api.delete("/v1/workspace", status_code=204, summary="Delete the key's workspace and its documents")
    def delete_workspace(ws: Workspace = Depends(needs_workspace)) -> Response:
        ws.delete_workspace()
        return Response(status_code=204)

    @api.get("/v1/status", response_model=StatusResponse, summary="Index and workspace status")
    def status(ws: Workspace | None = Depends(workspace_of)) -> dict:
        corpus = assistant.status()
        return {"corpus": vars(corpus) if corpus else None, "workspace": ws.id if ws else None,
                "documents": len(guarded(ws.documents)) if ws else 0}

    @api.post("/v1/plan", summary="The route to reimbursement and the readiness checklist for a profile",
              responses={200: {"content": {"application/json": {}, "application/pdf": {}, "text/markdown": {}}}})
    def plan(body: PlanRequest, ws: Workspace | None = Depends(workspace_of)):
        target = ws or assistant
        data = {**body.profile, **({"language": body.language} if body.language else {})}
        try:
            profile = Profile.from_data(data, origin="profile")
        except ProfileError as exc:
            raise ApiError(422, str(exc)) from None
        if body.format == "pdf":
            return Response(guarded(lambda: target.report(profile, "pdf")), media_type="application/pdf",
                            headers={"Content-Disposition": 'attachment; filename="readiness-report.pdf"'})
        if body.format == "markdown":
            return Response(guarded(lambda: target.report(profile, "markdown")), media_type="text/markdown; charset=utf-8")
        return guarded(lambda: target.readiness(profile)).to_dict()

    api.add_middleware(BodyLimit, json_limit=json_limit, upload_limit=upload_limit)
    return api

