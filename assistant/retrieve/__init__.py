"""Retrieve: read what a question asks (its parts, its typos) and find its passages (dense + BM25, fused)."""
