"""Which kind of question a part asks when none of the pathway's patterns recognises its words.

The patterns of `pathway.yaml` (`answers:`) are precise but narrow: a founder who writes "verklaring
op eer" where a pattern expects "verklaring op erewoord" gets the sentence scorer's guess. The
example wordings of `corpus/asked/<lang>.yaml` (about 24 per kind and language, plus in-scope
questions that are no kind and out-of-scope requests, written by people who saw only a one-line description of each kind)
train a logistic regression on the part's sentence vector and its character n-grams, which
carry typos and inflections. It is asked only after the patterns, and only a confident guess
counts (`KIND_GUESS`).

Training takes about 25 seconds on 2 cores, most of a first index build, so the classifier of the
bundled examples ships beside them (`corpus/asked/asked-<digest>.npz`, written by
`python -m assistant.plan.asked`); any change to the examples, the features or the embedding model
changes the digest, and the classifier is then trained and cached beside the index instead.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import tempfile
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

log = logging.getLogger(__name__)

ASKED_DIR = "asked"
NONE = "none"  # in-scope questions that are no kind of the pathway
# Requests this assistant is not for (another country's scheme, ordinary care's prices, a poem):
# without them every borderline request is pulled into the nearest kind and answered from its facts.
OUTSIDE = "outside"
NO_KIND = frozenset({NONE, OUTSIDE})
# Changing the features or the model below changes what is cached: bump it.
RECIPE = "lr-c30-use+char3-5x16384-f16-v2"
GRAM_FEATURES = 2 ** 14
REGULARISATION = 30.0  # inverse strength: the examples are few and clean


@dataclass(frozen=True)
class KindGuess:
    kind: str  # a kind of pathway.yaml's answers, or NONE
    probability: float


class KindClassifier:
    def __init__(self, kinds: list[str], coef: np.ndarray, intercept: np.ndarray):
        self.kinds = kinds
        self.coef = coef
        self.intercept = intercept

    def guess(self, text: str, vector: np.ndarray) -> KindGuess:
        """The likeliest kind for a part (`vector`: its sentence vector from the index's model)."""
        scores = self.coef @ _features(text, vector) + self.intercept
        probabilities = np.exp(scores - scores.max())
        probabilities /= probabilities.sum()
        best = int(probabilities.argmax())
        return KindGuess(self.kinds[best], float(probabilities[best]))


def load_examples(corpus_dir: Path) -> list[tuple[str, str]]:
    """(kind, wording) for every example of every language."""
    return _read_examples(sorted((Path(corpus_dir) / ASKED_DIR).glob("*.yaml")))


def _read_examples(paths: list[Path]) -> list[tuple[str, str]]:
    out = []
    for path in paths:
        for kind, wordings in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items():
            out += [(kind, wording) for wording in wordings]
    return out


def kind_classifier(corpus_dir: Path, cache_dir: Path, embeddings, model_name: str) -> KindClassifier | None:
    """The classifier for the corpus's examples and the index's embedding model: the one shipped
    beside the examples when it was trained from these very files, else trained once (about 25
    seconds on 2 cores for 5,600 wordings) and kept beside the index for other processes; in memory
    for every index of this one. None when the corpus has no examples."""
    files = _example_files(corpus_dir)
    if not files:
        return None
    key = (files, model_name)
    with _LOCK:  # one training, however many requests arrive meanwhile
        if key not in _TRAINED:
            _TRAINED[key] = _load_or_train(files, Path(cache_dir), model_name, embeddings)
        return _TRAINED[key]


_TRAINED: dict[tuple, KindClassifier] = {}
_LOCK = threading.Lock()


def _load_or_train(files: tuple[tuple[Path, int], ...], cache_dir: Path, model_name: str, embeddings) -> KindClassifier:
    name = _file_name(files, model_name)
    for path in (files[0][0].parent / name, cache_dir / name):  # shipped, then trained here before
        try:
            with np.load(path) as stored:
                return KindClassifier([str(k) for k in stored["kinds"]], stored["coef"].astype(np.float32),
                                      stored["intercept"].astype(np.float32))
        except (OSError, ValueError, KeyError, EOFError) as exc:
            if path.exists():
                log.warning("kind classifier %s unreadable (%s): training again", path, exc)
    classifier = train(tuple(_read_examples([source for source, _ in files])), embeddings)
    _store(cache_dir / name, classifier)
    return classifier


def _example_files(corpus_dir: Path) -> tuple[tuple[Path, int], ...]:
    return tuple((path, path.stat().st_mtime_ns) for path in sorted((Path(corpus_dir) / ASKED_DIR).glob("*.yaml")))


def _file_name(files: tuple[tuple[Path, int], ...], model_name: str) -> str:
    # The files' bytes name the classifier: parsing them is left to a training.
    digest = hashlib.sha256(repr((RECIPE, model_name)).encode())
    for source, _ in files:
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    return f"asked-{digest.hexdigest()[:16]}.npz"


def ship(corpus_dir: Path, embeddings, model_name: str) -> Path:
    """Train the classifier of `corpus_dir`'s examples and write it beside them, for every new
    index of that corpus and model to load instead of training."""
    files = _example_files(corpus_dir)
    target = files[0][0].parent / _file_name(files, model_name)
    _store(target, train(tuple(_read_examples([source for source, _ in files])), embeddings))
    return target


def train(examples: tuple[tuple[str, str], ...], embeddings) -> KindClassifier:
    from sklearn.linear_model import LogisticRegression

    from ..index.embeddings import embed_array

    labels = [kind for kind, _ in examples]
    texts = [text for _, text in examples]
    from scipy import sparse

    vectors = embed_array(embeddings, texts)
    # Sparse: the n-grams of a wording fill a few hundred of their 16,384 columns; the dense
    # array would hold 140 MB while the model trains.
    features = sparse.vstack([sparse.csr_matrix(_features(t, v)[None, :]) for t, v in zip(texts, vectors)],
                             format="csr")
    model = LogisticRegression(C=REGULARISATION, max_iter=2000).fit(features, labels)
    # Rounded to half precision, as stored: the shipped file is half the size, and a classifier
    # trained here guesses exactly as the shipped one does.
    return KindClassifier([str(k) for k in model.classes_], model.coef_.astype(np.float16).astype(np.float32),
                          model.intercept_.astype(np.float16).astype(np.float32))


def _store(path: Path, classifier: KindClassifier) -> None:
    """Written atomically; an index folder that cannot be written only costs the training again."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npz", delete=False) as handle:
            np.savez_compressed(handle, kinds=np.array(classifier.kinds), coef=classifier.coef.astype(np.float16),
                                intercept=classifier.intercept.astype(np.float16))
        os.replace(handle.name, path)
        for older in path.parent.glob("asked-*.npz"):  # trained from examples that have changed since
            if older != path:
                older.unlink(missing_ok=True)
    except OSError as exc:
        log.info("kind classifier not cached (%s)", exc)


def _features(text: str, vector: np.ndarray) -> np.ndarray:
    """The sentence vector, then the part's character 3- to 5-grams (accents and case folded),
    hashed and L2-normalised."""
    folded = " " + "".join(c for c in unicodedata.normalize("NFKD", text.lower())
                           if not unicodedata.combining(c)) + " "
    grams = np.zeros(GRAM_FEATURES, dtype=np.float32)
    for word in folded.split():
        padded = f" {word} "
        for n in (3, 4, 5):
            for i in range(max(len(padded) - n + 1, 1)):
                grams[_column(padded[i:i + n])] += 1
    norm = np.linalg.norm(grams)
    if norm:
        grams /= norm
    return np.concatenate([np.asarray(vector, dtype=np.float32), grams])


@functools.lru_cache(maxsize=2 ** 18)
def _column(gram: str) -> int:
    # Cached: the same few hundred thousand n-grams recur across the 5,600 training wordings.
    return int.from_bytes(hashlib.blake2b(gram.encode(), digest_size=4).digest(), "little") % GRAM_FEATURES


if __name__ == "__main__":  # python -m assistant.plan.asked: after changing corpus/asked/*.yaml
    from ..index.embeddings import load_embeddings
    from ..settings import Settings

    settings = Settings.from_env()
    print(ship(settings.corpus_dir, load_embeddings(settings.embedding_model), settings.embedding_model))
