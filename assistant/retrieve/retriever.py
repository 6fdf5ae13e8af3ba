"""The hybrid retrieval as a LangChain retriever: `Assistant().as_retriever()`.

LangChain users plug it into their own chains; each passage comes with its citation metadata
(title, publisher, URL, section), so their answers can cite the same way ours do.
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever


class AssistantRetriever(BaseRetriever):
    """Passages of the shared corpus (and of the workspace, when the searcher has one)."""

    searcher: Any  # an Assistant or a Workspace: anything with search(question, language, k)
    k: int = 5
    language: str | None = None

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[LCDocument]:
        hits = self.searcher.search(query, self.language, self.k)
        return [LCDocument(page_content=hit.chunk.text, id=hit.chunk.chunk_id,
                           metadata={**hit.chunk.metadata(), "score": hit.score, "dense": hit.dense,
                                     "lexical": hit.lexical})
                for hit in hits]
