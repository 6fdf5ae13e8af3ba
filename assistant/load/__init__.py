"""Load: read the sources (corpus notes, fetched pages, users' files) into Documents."""
