"""Atlases side by side, as `n2g_compare` prints them: a record per (atlas, layer) and one per atlas
(layer -1) with model size, relative depth, neurons ok / dead / near-dead, N2G and token-lookup
firing F1 on both test sets with 95% bootstrap intervals, the share with F1 >= 0.8, graph size,
density, correlation and fit cost. Means and counts equal n2g_compare's; the intervals come from
numpy's generator (seeded), so their last digits may differ from the C++ tool's."""

import os
import re
from typing import List

import numpy as np

from .atlas import NEAR_DEAD_DENSITY, Atlas

OK, DEAD = 1, 2
MEANS = ("top_f1", "random_f1", "top_token_f1", "random_token_f1", "graph_correlation_random")

FIELDS = ([("atlas", object), ("model", object), ("method", object), ("hook", object), ("dataset", object),
           ("parameters", np.float64), ("n_layers", np.int64), ("d_mlp", np.int64), ("layer", np.int64),
           ("relative_depth", np.float64), ("neurons", np.int64), ("ok", np.int64), ("dead", np.int64),
           ("near_dead", np.int64)]
          + [(f"{name}{part}", np.float64) for name in MEANS for part in ("", "_low", "_high")]
          + [("share_f1_at_least_0.8", np.float64), ("median_graph_nodes", np.float64), ("mean_density", np.float64),
             ("fit_core_seconds_per_neuron", np.float64)])


def _method(config: str) -> str:
    """fit.method of the resolved config (n2g+ when it names none, the default)."""
    match = re.search(r"^fit:\s*\n(?:[ \t]+.*\n)*?[ \t]+method:\s*([\w+]+)", config + "\n", re.MULTILINE)
    inline = re.search(r"^fit:\s*\{.*?\bmethod:\s*([\w+]+)", config, re.MULTILINE)
    return (match or inline).group(1) if (match or inline) else "n2g+"


def _mean_interval(values: np.ndarray, resamples: int = 2000, seed: int = 0):
    values = values[~np.isnan(values)]
    if len(values) == 0:
        return np.nan, np.nan, np.nan
    means = np.random.default_rng(seed).choice(values, (resamples, len(values))).mean(axis=1)
    means.sort()
    at = lambda q: float(means[int(q * (resamples - 1) + 0.5)])
    return float(values.mean()), at(0.025), at(0.975)


def _summary(atlas: Atlas, table: np.ndarray, rows: np.ndarray) -> dict:
    t = table[rows]
    dead = (t["status"] == DEAD) | ~(t["max_activation"] > 0)
    ok = t[t["status"] == OK]
    top, random = ok[ok["top_firing_count"] > 0], ok[ok["random_firing_count"] > 0]
    out = {"neurons": len(t), "ok": len(ok), "dead": int(dead.sum()),
           "near_dead": int((~dead & (t["density"] < NEAR_DEAD_DENSITY)).sum())}
    for name, values in (("top_f1", top["top_n2g_f1"]), ("random_f1", random["random_n2g_f1"]),
                         ("top_token_f1", top["top_token_f1"]), ("random_token_f1", random["random_token_f1"]),
                         ("graph_correlation_random", ok["r_graph_random"])):
            out[name], out[f"{name}_low"], out[f"{name}_high"] = _mean_interval(values.astype(np.float64))
    out["share_f1_at_least_0.8"] = float((top["top_n2g_f1"] >= 0.8).mean()) if len(top) else np.nan
    out["median_graph_nodes"] = float(np.median(ok["graph_nodes"])) if len(ok) else np.nan
    out["mean_density"] = float(ok["density"].mean()) if len(ok) else np.nan
    return out


def compare(paths: List[str]) -> np.ndarray:
    """The comparison table of `paths` (each once) as a numpy record array."""
    if not paths:
        raise ValueError("compare needs at least one atlas")
    for i, path in enumerate(paths):
        for other in paths[:i]:
            if path == other or (os.path.exists(path) and os.path.exists(other) and os.path.samefile(path, other)):
                raise ValueError(f"{path} is given twice (as {other}): compare each atlas once")
    records = []
    for path in paths:
        with Atlas(path) as atlas:
            attrs = atlas.file.attrs
            config = atlas.config
            base = {"atlas": path, "model": atlas.model, "method": _method(config), "hook": atlas.hook,
                    "dataset": str(attrs["dataset"].decode() if isinstance(attrs["dataset"], bytes) else attrs["dataset"]),
                    "parameters": float(attrs["parameters"]) if "parameters" in attrs else np.nan,
                    "n_layers": int(attrs["n_layers"]), "d_mlp": int(attrs["d_mlp"]),
                    "fit_core_seconds_per_neuron": float(atlas.file["/run"].attrs.get("fit_core_seconds_per_neuron", 0.0))}
            table = atlas.table()
            for layer in sorted(set(int(l) for l in table["layer"])):
                rows = np.nonzero(table["layer"] == layer)[0]
                records.append({**base, "layer": layer, "relative_depth": (layer + 0.5) / base["n_layers"],
                                **_summary(atlas, table, rows)})
            records.append({**base, "layer": -1, "relative_depth": np.nan,
                            **_summary(atlas, table, np.arange(len(table)))})
    out = np.empty(len(records), dtype=FIELDS)
    for i, record in enumerate(records):
        for name, _ in FIELDS:
            out[name][i] = record[name]
    return out


def _graph_keys(atlas: Atlas, ids: dict) -> List[set]:
    """Every row's (token id, role) keys, role 0 activating and 1 context, token ids shared across
    atlases by their text (`ids`, filled in order)."""
    f = atlas.file
    id_of = [ids.setdefault(text, len(ids)) for text in atlas.vocab]
    offset, count = f["/graphs/node_offset"][:], f["/graphs/node_count"][:]
    token, parent, activator = f["/graphs/token"][:], f["/graphs/parent"][:], f["/graphs/activator"][:]
    keys = []
    for r in range(len(atlas)):
        part = slice(int(offset[r]), int(offset[r]) + int(count[r]))
        row = set()
        for t, p, a in zip(token[part], parent[part], activator[part]):
            if t < 0:
                continue
            if p < 0 and a:
                row.add((id_of[t], 0))
            if p >= 0:
                row.add((id_of[t], 1))
        keys.append(row)
    return keys


def match(a_path: str, b_path: str, count: int = 5) -> np.ndarray:
    """For every neuron of atlas A, its `count` most similar neurons of atlas B by what their graphs
    fire on, as `n2g_compare A B --match --format csv` lists them: records (layer, index, rank,
    match_layer, match_index, score). The similar-neuron index's cosine of idf-weighted (token,
    activating or context) sets, the idf over both atlases, through an inverted index."""
    with Atlas(a_path) as a, Atlas(b_path) as b:
        ids = {}
        a_keys, b_keys = _graph_keys(a, ids), _graph_keys(b, ids)
        holders, postings = {}, {}
        for keys in a_keys + b_keys:
            for k in keys:
                holders[k] = holders.get(k, 0) + 1
        for row, keys in enumerate(b_keys):
            for k in keys:
                postings.setdefault(k, []).append(row)
        with_graph = sum(1 for keys in a_keys + b_keys if keys)
        weight = {k: (0.5 if k[1] else 1.0) * np.log(with_graph / n) for k, n in holders.items()}
        norm = lambda keys: sum(weight[k] ** 2 for k in keys)
        b_norm = [norm(keys) for keys in b_keys]
        records = []
        for row, keys in enumerate(a_keys):
            own = norm(keys)
            if own <= 0:
                continue
            dot = {}
            for k in keys:
                if weight[k] <= 0:
                    continue
                for other in postings.get(k, []):
                    dot[other] = dot.get(other, 0.0) + weight[k] ** 2
            ranked = sorted(((value / np.sqrt(own * b_norm[o]), o) for o, value in dot.items() if b_norm[o] > 0),
                            key=lambda s: (-s[0], s[1]))[:count]
            for rank, (score, other) in enumerate(ranked, 1):
                records.append((int(a.layers[row]), int(a.indices[row]), rank, int(b.layers[other]), int(b.indices[other]), score))
    return np.array(records, dtype=[("layer", np.int64), ("index", np.int64), ("rank", np.int64),
                                    ("match_layer", np.int64), ("match_index", np.int64), ("score", np.float64)])
