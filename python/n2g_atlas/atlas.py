"""The atlas file and its neurons."""

import json
import math
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import h5py
import numpy as np

from .graph import Graph

STATUS = {0: "pending", 1: "ok", 2: "dead", 3: "failed"}
NEAR_DEAD_DENSITY = 1.0e-4
SETS = {"top": "/", "random": "/random/"}
PREDICTORS = {"n2g": "stats/", "token": "baselines/token/", "ngram": "baselines/ngram/"}
CORRELATIONS = ("graph_random", "graph_all", "token_random", "token_all")


@dataclass
class Example:
    label: str               # "train window 12", "random window 300 (band 2 of 4)"
    window: int
    tokens: List[str]        # display text of each token
    activations: np.ndarray  # the neuron's activation at each token (dequantised)
    max_activation: float

    @property
    def text(self) -> str:
        return "".join(self.tokens)

    def __str__(self):
        peak = int(np.argmax(self.activations)) if len(self.activations) else 0
        shown = "".join(f"[[{t}]]" if j == peak else t for j, t in enumerate(self.tokens))
        return f"{self.label} (max {self.max_activation:.2f}): {shown}"


def open(path: str) -> "Atlas":  # noqa: A001 - the package's entry point, like h5py.File
    return Atlas(path)


class Atlas:
    """An n2g atlas (FORMATS.md). Reads one neuron or one column at a time."""

    def __init__(self, path: str):
        self.path = path
        self.file = h5py.File(path, "r")
        attrs = self.file.attrs
        fmt = _text(attrs.get("n2g_format", b""))
        if fmt != "atlas":
            raise ValueError(f"{path}: not an n2g atlas (n2g_format is {fmt!r})")
        version = int(attrs["format_version"])
        if version != 2:
            raise ValueError(f"{path}: atlas format_version {version} is not supported (this reader reads 2); "
                             "run n2g_sweep again to write version 2")
        if int(attrs.get("complete", 0)) != 1:
            raise ValueError(f"{path}: the atlas is incomplete")
        self.model = _text(attrs["model"])
        self.hook = _text(attrs["hook"])
        self.config = _text(attrs["config"])
        self.top_k = int(attrs["top_k"])
        # "neuron" (MLP neurons) or "sae_latent" (the latents of an SAE: `sae` its directory,
        # `sae_hook` the hook it reads); atlases written before SAEs hold neurons.
        self.unit = _text(attrs["unit"]) if "unit" in attrs else "neuron"
        self.sae = _text(attrs["sae"]) if "sae" in attrs else None
        self.sae_hook = _text(attrs["sae_hook"]) if "sae_hook" in attrs else None
        self.vocab = [_text(t) for t in self.file["/vocab"][:]]
        self.layers = self.file["/neurons/layer"][:]
        self.indices = self.file["/neurons/index"][:]
        self._row = {(int(l), int(i)): r for r, (l, i) in enumerate(zip(self.layers, self.indices))}
        self._validate()

    def _damaged(self, what: str):
        return ValueError(f"{self.path}: {what} (damaged atlas?)")

    def _validate(self):
        """Every per-neuron dataset has a row per neuron, graphs lie inside the node arrays with
        tokens in the vocabulary and parents before their children, the token indexes point at
        rows that exist: what the accessors index with is safe (numpy would wrap a negative index)."""
        f, n, vocab = self.file, len(self.layers), len(self.vocab)
        for name in ("/neurons/index", "/neurons/status", "/neurons/max_activation", "/neurons/density",
                     "/examples/window", "/examples/tokens", "/examples/values", "/examples/scale", "/quantiles/window",
                     "/quantiles/tokens", "/histogram/counts", "/output/tokens", "/output/values", "/similar/rows",
                     "/similar/scores", "/stats/firing_f1", "/graphs/node_offset", "/graphs/node_count"):
            rows = f[name].shape[0] if f[name].shape else 0
            if rows != n:
                raise self._damaged(f"{name} has {rows} rows, expected {n}")
        for name in CORRELATIONS:  # absent in atlases written before them
            path = f"/correlation/{name}"
            if path in f and f[path].shape != (n,):
                raise self._damaged(f"{path} has {f[path].shape[0] if f[path].shape else 0} rows, expected {n}")
        offset = f["/graphs/node_offset"][:].astype(np.int64)
        count = f["/graphs/node_count"][:].astype(np.int64)
        tokens, parents = f["/graphs/token"][:], f["/graphs/parent"][:]
        nodes = len(tokens)
        if len(parents) != nodes:
            raise self._damaged("/graphs/parent and /graphs/token differ in length")
        bad = np.nonzero((offset < 0) | (count < 0) | (offset > nodes - count))[0]
        if len(bad):
            r = int(bad[0])
            raise self._damaged(f"row {r}'s graph (/graphs/node_offset {offset[r]}, /graphs/node_count {count[r]}) "
                                f"lies outside the {nodes} graph nodes")
        position = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)  # within its graph
        node = np.repeat(offset, count) + position
        t, p = tokens[node], parents[node]
        bad = np.nonzero((t < -1) | (t >= vocab) | (p < -1) | (p >= position))[0]
        if len(bad):
            i = int(bad[0])
            raise self._damaged(f"row {int(np.repeat(np.arange(n), count)[i])}'s graph node {int(position[i])} has /graphs/token "
                                f"{int(t[i])} and /graphs/parent {int(p[i])} (tokens lie in the vocabulary of {vocab}, "
                                "parents before their children)")
        for group in ("activating", "context"):
            offsets = f[f"/index/{group}/offsets"][:]
            neurons = f[f"/index/{group}/neurons"][:]
            if len(offsets) != vocab + 1 or (len(offsets) and (offsets[0] < 0 or offsets[-1] > len(neurons))) \
                    or np.any(np.diff(offsets) < 0):
                raise self._damaged(f"/index/{group}/offsets is out of order or outside /index/{group}/neurons")
            if np.any((neurons < 0) | (neurons >= n)):
                raise self._damaged(f"/index/{group}/neurons names a row outside the atlas's {n}")

    def __len__(self):
        return len(self.layers)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.file.close()

    def row(self, layer: int, index: int) -> int:
        try:
            return self._row[(layer, index)]
        except KeyError:
            raise KeyError(f"{self.unit_name(layer, index)} is not in {self.path}") from None

    def unit_name(self, layer: int, index: int) -> str:
        """"layer 1 neuron 10", or "latent 517 of blocks.1.hook_resid_post" in an atlas of SAE latents."""
        if self.unit == "sae_latent":
            return f"latent {index} of {self.sae_hook}"
        return f"layer {layer} neuron {index}"

    def neuron(self, layer: int, index: int) -> "Neuron":
        return Neuron(self, self.row(layer, index))

    def neuron_at(self, row: int) -> "Neuron":
        return Neuron(self, row)

    def token_id(self, token) -> int:
        """A token id from an id or its exact display text (e.g. ' Captain')."""
        if isinstance(token, (int, np.integer)):
            return int(token)
        try:
            return self.vocab.index(token)
        except ValueError:
            raise KeyError(f"unknown token {token!r}") from None

    def activating_on(self, token) -> List[Tuple[int, int]]:
        """(layer, index) of every neuron whose graph activates on `token` (the token index)."""
        return [(int(self.layers[r]), int(self.indices[r])) for r in self._index("activating", token)]

    def with_context(self, token) -> List[Tuple[int, int]]:
        """(layer, index) of every neuron whose graph uses `token` as context."""
        return [(int(self.layers[r]), int(self.indices[r])) for r in self._index("context", token)]

    def _index(self, group: str, token) -> np.ndarray:
        t = self.token_id(token)
        offsets = self.file[f"/index/{group}/offsets"]
        first, last = int(offsets[t]), int(offsets[t + 1])
        return self.file[f"/index/{group}/neurons"][first:last]

    def table(self) -> np.ndarray:
        """One record per neuron: identity, status, scan figures, every score on both test sets,
        diagnostics and graph size (a numpy structured array; no pandas needed)."""
        columns = {
            "layer": self.layers.astype(np.int32),
            "index": self.indices.astype(np.int32),
            "status": self.file["/neurons/status"][:].astype(np.uint8),
            "max_activation": self.file["/neurons/max_activation"][:],
            "density": self.file["/neurons/density"][:],
            "share_above_half_max": self.file["/histogram/share_above_half_max"][:],
            "graph_nodes": self.file["/graphs/node_count"][:].astype(np.int32),
        }
        for name, prefix in SETS.items():
            for predictor, group in PREDICTORS.items():
                for measure in ("precision", "recall", "f1"):
                    columns[f"{name}_{predictor}_{measure}"] = self.file[f"{prefix}{group}firing_{measure}"][:]
            stats = "/stats/" if name == "top" else "/random/stats/"
            columns[f"{name}_firing_count"] = self.file[f"{stats}firing_count"][:]
        for name in ("miss_token_absent", "miss_context_unmatched"):
            columns[name] = self.file[f"/diagnostics/{name}"][:]
        columns["train_firing_per_window"] = self.file["/diagnostics/train_firing_per_window"][:]
        columns["rate_threshold"] = self.file["/diagnostics/rate_threshold"][:]
        for name in CORRELATIONS:
            path = f"/correlation/{name}"
            columns[f"r_{name}"] = self.file[path][:] if path in self.file else np.full(len(self), np.nan, np.float32)
        dtype = [(name, values.dtype) for name, values in columns.items()]
        out = np.empty(len(self), dtype=dtype)
        for name, values in columns.items():
            out[name] = values
        return out


class Neuron:
    """One neuron of an atlas: its scores, graph, stored examples, histogram, output effects and
    similar neurons."""

    def __init__(self, atlas: Atlas, row: int):
        self.atlas = atlas
        self.row = row
        f = atlas.file
        self.layer = int(atlas.layers[row])
        self.index = int(atlas.indices[row])
        self.status = STATUS.get(int(f["/neurons/status"][row]), "unknown")
        self.error = _text(f["/neurons/error"][row])
        self.max_activation = float(f["/neurons/max_activation"][row])
        self.density = float(f["/neurons/density"][row])

    def __repr__(self):
        kind = "Latent" if self.atlas.unit == "sae_latent" else "Neuron"
        return f"{kind}(layer={self.layer}, index={self.index}, status={self.status!r})"

    @property
    def activity(self) -> str:
        """dead (max not above 0), near-dead (above 0 at fewer than 1 in 10,000 scanned positions) or
        active: what to say instead of shading examples by a near-zero maximum."""
        if self.status == "dead" or not self.max_activation > 0:
            return "dead"
        return "near-dead" if self.density < NEAR_DEAD_DENSITY else "active"

    @property
    def scores(self) -> Dict[str, Dict[str, Dict[str, float]]]:
        """scores[test set][predictor][measure]: test set top | random, predictor n2g | token | ngram,
        measure precision | recall | f1 (NaN where undefined)."""
        f = self.atlas.file
        return {name: {predictor: {m: float(f[f"{prefix}{group}firing_{m}"][self.row]) for m in ("precision", "recall", "f1")}
                       for predictor, group in PREDICTORS.items()}
                for name, prefix in SETS.items()}

    @property
    def correlation(self) -> Dict[str, float]:
        """Pearson r of predicted and real activation: graph_random, graph_all (random and top-window
        test windows), token_random, token_all (the token lookup); NaN where undefined or in atlases
        written before them."""
        f = self.atlas.file
        return {name: float(f[f"/correlation/{name}"][self.row]) if f"/correlation/{name}" in f else math.nan
                for name in CORRELATIONS}

    @property
    def firing_counts(self) -> Dict[str, int]:
        f = self.atlas.file
        return {"top": int(f["/stats/firing_count"][self.row]), "random": int(f["/random/stats/firing_count"][self.row])}

    @property
    def graph(self) -> Graph:
        f = self.atlas.file
        first, count = int(f["/graphs/node_offset"][self.row]), int(f["/graphs/node_count"][self.row])
        part = slice(first, first + count)
        return Graph(f["/graphs/token"][part], f["/graphs/parent"][part], f["/graphs/importance"][part],
                     f["/graphs/end_activation"][part], f["/graphs/activator"][part], self.atlas.vocab)

    @property
    def fires_on(self) -> List[str]:
        return self.graph.activating

    def _examples(self, group: str, labels: List[str], windows, maxima) -> List[Example]:
        f = self.atlas.file
        tokens = f[f"/{group}/tokens"][self.row]
        values = f[f"/{group}/values"][self.row].astype(np.float32) * float(f["/examples/scale"][self.row]) / 127.0
        out = []
        for k, label in enumerate(labels):
            if label is None:
                continue
            keep = tokens[k] >= 0
            out.append(Example(label, int(windows[k]), [self.atlas.vocab[t] for t in tokens[k][keep]], values[k][keep],
                               float(maxima[k])))
        return out

    def examples(self) -> List[Example]:
        """The top examples as stored: 32 tokens around each window's max, with activations."""
        f = self.atlas.file
        start, windows = f["/examples/start"][self.row], f["/examples/window"][self.row]
        split = f["/examples/split"][self.row]
        labels = [None if start[k] < 0 else f"{'train' if split[k] == 0 else 'test'} window {windows[k]}"
                  for k in range(len(start))]
        return self._examples("examples", labels, windows, f["/examples/activation"][self.row])

    def quantile_examples(self) -> List[Example]:
        """Random windows from each activation band (window max / max activation in quarters)."""
        f = self.atlas.file
        windows = f["/quantiles/window"][self.row]
        per_band = len(windows) // 4
        labels = [None if w < 0 else f"random window {w} (band {k // per_band + 1} of 4)" for k, w in enumerate(windows)]
        return self._examples("quantiles", labels, windows, f["/quantiles/activation"][self.row])

    @property
    def histogram(self) -> Tuple[np.ndarray, np.ndarray]:
        """(edges [131], counts [132]): counts[b] positions with edges[b-1] <= activation < edges[b]."""
        f = self.atlas.file
        return f["/histogram/edges"][:], f["/histogram/counts"][self.row]

    @property
    def share_above_half_max(self) -> float:
        return float(self.atlas.file["/histogram/share_above_half_max"][self.row])

    @property
    def output_effects(self) -> Dict[str, List[Tuple[str, float]]]:
        """The logit-lens tokens the neuron raises and lowers most, with their values."""
        f = self.atlas.file
        tokens, values = f["/output/tokens"][self.row], f["/output/values"][self.row]
        half = len(tokens) // 2
        pairs = lambda part: [(self.atlas.vocab[t], float(v)) for t, v in zip(tokens[part], values[part]) if t >= 0]
        return {"raises": pairs(slice(0, half)), "lowers": pairs(slice(half, None))}

    @property
    def similar(self) -> List[Tuple[int, int, float]]:
        """(layer, index, score) of the most similar neurons by what their graphs fire on."""
        f = self.atlas.file
        rows, scores = f["/similar/rows"][self.row], f["/similar/scores"][self.row]
        return [(int(self.atlas.layers[r]), int(self.atlas.indices[r]), float(s)) for r, s in zip(rows, scores) if r >= 0]

    @property
    def diagnostics(self) -> Dict[str, float]:
        f = self.atlas.file
        return {name: float(f[f"/diagnostics/{name}"][self.row])
                for name in ("miss_token_absent", "miss_context_unmatched", "train_firing_per_window", "rate_threshold")}


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
