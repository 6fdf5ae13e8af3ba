"""The accepted originals of the user's files, kept inside the index folder.

An upload's temporary copy (Gradio's, say) is neither private nor lasting: the index keeps its
own copy, named by its content hash, under `<index_dir>/originals/`. A damaged generation is
rebuilt from these copies, and citations never carry a path of the server. `manifest.json`
lists the user's documents of the latest generation (doc id → original), written before that
generation goes live, so it survives the damage of any generation.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from pathlib import Path

FOLDER = "originals"
MANIFEST = "manifest.json"


class Originals:
    def __init__(self, index_root: Path):
        self.index_root = Path(index_root)
        self.root = self.index_root / FOLDER

    def add(self, source: Path) -> str:
        """Copy `source` in; return its path relative to the index folder."""
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f".incoming-{uuid.uuid4().hex}"
        digest = hashlib.sha256()
        try:
            with open(source, "rb") as src, open(tmp, "wb") as out:
                while block := src.read(1 << 20):
                    digest.update(block)
                    out.write(block)
                out.flush()
                os.fsync(out.fileno())
            name = digest.hexdigest()[:32] + Path(source).suffix.lower()
            os.replace(tmp, self.root / name)
        finally:
            tmp.unlink(missing_ok=True)
        return f"{FOLDER}/{name}"

    def path(self, relative: str) -> Path:
        return self.index_root / relative

    @staticmethod
    def is_original(relative: str) -> bool:
        return relative.startswith(FOLDER + "/")

    def intact(self, relative: str) -> bool:
        """The stored copy exists and still has the content its name was made from."""
        path = self.path(relative)
        try:
            digest = hashlib.sha256()
            with open(path, "rb") as handle:
                while block := handle.read(1 << 20):
                    digest.update(block)
        except OSError:
            return False
        return path.name.startswith(digest.hexdigest()[:32])

    def manifest(self) -> dict[str, str]:
        try:
            data = json.loads((self.root / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def write_manifest(self, documents: dict[str, str], write_atomic) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        write_atomic(self.root / MANIFEST, json.dumps(documents, ensure_ascii=False, indent=1))

    def sweep(self, referenced: set[str]) -> None:
        """Remove stored copies no generation or manifest refers to any more."""
        if not self.root.exists():
            return
        keep = {Path(r).name for r in referenced} | {MANIFEST}
        for path in self.root.iterdir():
            if path.name not in keep and not path.name.startswith("."):
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
