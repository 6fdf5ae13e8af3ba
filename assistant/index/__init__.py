"""Index: chunk Documents into passages, embed them, keep vectors + BM25 as immutable generations."""

__all__ = ["Index", "Generation"]


def __getattr__(name):
    # `from ..index import Index` without the cost up front: a module that needs only, say, the
    # sentence splitter does not pull in the embedding model's stack and Chroma's store.
    if name in __all__:
        from . import generations

        return getattr(generations, name)
    raise AttributeError(f"module 'assistant.index' has no attribute {name!r}")
