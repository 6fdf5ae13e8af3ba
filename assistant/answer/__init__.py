"""Answer: each part of a question answered from the evidence, by the extractive answerer (the
default, quotes only) or the optional LLM answerer, both behind the protocol in base.py."""
