"""The reader against the atlases the C++ suite writes: the synthetic atlas (tests/support/
synthetic_atlas.h, known values) and a real sweep of the tiny GPT-2 fixture with n2g+."""

import math
import os

import numpy as np
import pytest

import n2g_atlas

SYNTHETIC = os.environ.get("N2G_SYNTHETIC_ATLAS")
SWEEP = os.environ.get("N2G_SWEEP_ATLAS")


@pytest.fixture(scope="module")
def synthetic():
    if not SYNTHETIC:
        pytest.skip("N2G_SYNTHETIC_ATLAS is not set (ctest sets it)")
    with n2g_atlas.open(SYNTHETIC) as atlas:
        yield atlas


@pytest.fixture(scope="module")
def sweep():
    if not SWEEP:
        pytest.skip("N2G_SWEEP_ATLAS is not set (ctest sets it)")
    with n2g_atlas.open(SWEEP) as atlas:
        yield atlas


def test_identity_and_scores(synthetic):
    assert len(synthetic) == 7
    assert synthetic.hook == "mlp.hook_post"
    neuron = synthetic.neuron(0, 0)
    assert neuron.status == "ok"
    assert neuron.max_activation == pytest.approx(1.5)
    top = neuron.scores["top"]
    assert top["n2g"]["precision"] == pytest.approx(0.5)
    assert top["n2g"]["f1"] == pytest.approx(0.6)
    assert top["token"]["recall"] == pytest.approx(1.0)
    assert math.isnan(top["ngram"]["precision"])
    assert neuron.scores["random"]["n2g"]["precision"] == pytest.approx(0.4)
    assert neuron.correlation["graph_random"] == pytest.approx(0.5)
    assert neuron.correlation["graph_all"] == pytest.approx(0.8)
    assert math.isnan(neuron.correlation["token_random"])  # row 0 has none
    assert synthetic.neuron(0, 1).correlation["token_random"] == pytest.approx(-0.25)
    assert math.isnan(synthetic.neuron(0, 2).correlation["graph_all"])  # dead
    assert synthetic.neuron(0, 2).status == "dead"
    assert synthetic.neuron(0, 2).activity == "dead"
    assert synthetic.neuron(0, 0).activity == "near-dead"  # density 0: never above 0 in the scan
    assert synthetic.neuron(0, 1).activity == "active"
    assert "NaN" in synthetic.neuron(1, 1).error
    with pytest.raises(KeyError, match="layer 3 neuron 0 is not in"):
        synthetic.neuron(3, 0)


def test_graph_paths_nodes_and_edges(synthetic):
    graph = synthetic.neuron(0, 0).graph  # lines tok1 <- tok2, and tok3 <- * <- tok2
    assert graph.activating[0] == "tok1"
    assert set(graph.activating) == {"tok1", "tok3"}
    assert graph.context == ["tok2"]
    paths = {str(p) for p in graph.paths()}
    assert "'tok2' [tok1] -> 0.90".replace("[tok1]", "['tok1']") in paths
    assert "'tok2' * ['tok3'] -> 0.60" in paths
    assert all(graph.nodes[parent].parent is None or parent < child for parent, child in graph.edges)


def test_examples_decode_without_model_or_dataset(synthetic):
    neuron = synthetic.neuron(0, 0)
    examples = neuron.examples()
    assert [e.label for e in examples] == ["train window 0", "test window 1", "train window 2"]
    first = examples[0]
    assert first.tokens[:3] == ["tok0", "tok1", "tok2"]
    assert len(first.tokens) == 32
    # Stored as round(127 * j / 31) of the scale 1.5.
    assert first.activations[31] == pytest.approx(1.5)
    assert first.activations[1] == pytest.approx(4 / 127 * 1.5)
    quantiles = neuron.quantile_examples()
    assert [q.window for q in quantiles] == [50, 51]
    assert quantiles[0].label == "random window 50 (band 1 of 4)"


def test_histogram_output_effects_similar(synthetic):
    neuron = synthetic.neuron(0, 0)
    edges, counts = neuron.histogram
    assert len(edges) == 131 and len(counts) == 132
    assert edges[65] == 0.0 and np.all(np.diff(edges) > 0)
    assert counts[60] == 5 and counts[70] == 100
    effects = neuron.output_effects
    assert effects["raises"][0] == ("tok0", pytest.approx(1.0))
    assert effects["lowers"][0] == ("tok10", pytest.approx(-0.1))
    similar = {(layer, index) for layer, index, _ in neuron.similar}
    assert {(1, 0), (1, 2)} <= similar  # they also activate on tok3
    assert synthetic.neuron(0, 2).similar == []  # dead: no graph


def test_table_and_token_index(synthetic):
    table = synthetic.table()
    assert len(table) == 7
    assert list(table["layer"]) == [0, 0, 0, 0, 1, 1, 1]
    assert table["status"][2] == 2
    assert table["top_n2g_f1"][0] == pytest.approx(0.6)
    assert table["random_firing_count"][3] == 6
    assert table["r_graph_random"][3] == pytest.approx(0.53)
    assert table["r_token_all"][1] == pytest.approx(0.6)
    assert synthetic.activating_on("tok3") == [(0, 0), (1, 0), (1, 2)]
    assert synthetic.activating_on(3) == synthetic.activating_on("tok3")
    assert synthetic.with_context("tok5") == [(0, 3)]
    with pytest.raises(KeyError, match="unknown token"):
        synthetic.activating_on("nope")


def test_a_real_sweep_reads_consistently(sweep):
    table = sweep.table()
    assert len(table) == 20
    ok = table[table["status"] == 1]
    assert len(ok) > 0
    for record in ok:
        neuron = sweep.neuron(int(record["layer"]), int(record["index"]))
        assert neuron.scores["top"]["n2g"]["f1"] == pytest.approx(record["top_n2g_f1"], nan_ok=True)
        graph = neuron.graph
        assert len(graph) == record["graph_nodes"]
        for token in graph.activating:  # the token index agrees with every graph
            assert (neuron.layer, neuron.index) in sweep.activating_on(token)
        examples = neuron.examples()
        assert examples, "every neuron keeps its top examples"
        for example in examples:
            # The slice holds the window's max (within the int8 step of the scale); special
            # positions such as end-of-text never count for the max but are shown.
            step = float(sweep.file["/examples/scale"][neuron.row]) / 127
            assert np.min(np.abs(example.activations - example.max_activation)) <= step / 2 + 1e-6
        edges, counts = neuron.histogram
        assert counts.sum() > 0
        assert len(neuron.output_effects["raises"]) == 10


def test_atlas_written_before_correlations_reads_nan(tmp_path):
    import shutil

    import h5py

    if not SYNTHETIC:
        pytest.skip("N2G_SYNTHETIC_ATLAS is not set (ctest sets it)")
    older = tmp_path / "older.h5"
    shutil.copy(SYNTHETIC, older)
    with h5py.File(older, "r+") as f:
        del f["/correlation"]
    with n2g_atlas.open(str(older)) as atlas:
        assert math.isnan(atlas.neuron(0, 0).correlation["graph_all"])
        assert np.isnan(atlas.table()["r_graph_all"]).all()
    short = tmp_path / "short.h5"
    shutil.copy(SYNTHETIC, short)
    with h5py.File(short, "r+") as f:
        del f["/correlation/token_all"]
        f["/correlation/token_all"] = np.zeros(3, np.float32)
    with pytest.raises(ValueError, match="/correlation/token_all has 3 rows, expected 7"):
        n2g_atlas.open(str(short))


def test_refuses_what_it_cannot_read(tmp_path):
    import h5py

    path = tmp_path / "old.h5"
    with h5py.File(path, "w") as f:
        f.attrs["n2g_format"] = "atlas"
        f.attrs["format_version"] = 1
    with pytest.raises(ValueError, match="format_version 1 is not supported"):
        n2g_atlas.open(str(path))
    with h5py.File(tmp_path / "dataset.h5", "w") as f:
        f.attrs["n2g_format"] = "dataset"
    with pytest.raises(ValueError, match="not an n2g atlas"):
        n2g_atlas.open(str(tmp_path / "dataset.h5"))


@pytest.mark.parametrize("dataset, element, value, expected", [
    ("/graphs/node_offset", 0, 10 ** 6, "row 0's graph (/graphs/node_offset 1000000"),
    ("/graphs/node_count", 1, -2, "lies outside the"),
    ("/graphs/token", 0, 10 ** 6, "tokens lie in the vocabulary"),
    ("/graphs/parent", 0, 5, "parents before their children"),
    ("/index/activating/offsets", 1, -1, "/index/activating/offsets is out of order"),
    ("/index/context/neurons", 0, 99, "/index/context/neurons names a row outside"),
])
def test_damaged_atlas_is_refused_naming_the_dataset(tmp_path, dataset, element, value, expected):
    if not SYNTHETIC:
        pytest.skip("N2G_SYNTHETIC_ATLAS is not set (ctest sets it)")
    import shutil
    import h5py
    path = tmp_path / "damaged.h5"
    shutil.copy(SYNTHETIC, path)
    with h5py.File(path, "r+") as f:
        data = f[dataset][:]
        data[element] = value
        f[dataset][:] = data
    with pytest.raises(ValueError, match="damaged atlas") as error:
        n2g_atlas.open(str(path))
    assert expected in str(error.value)


def test_compare_by_hand(synthetic, tmp_path):
    import shutil

    other = tmp_path / "other.h5"
    shutil.copy(SYNTHETIC, other)
    table = n2g_atlas.compare([SYNTHETIC, str(other)])
    assert len(table) == 6  # layers 0, 1 and the whole atlas, twice
    layer0 = table[0]
    assert layer0["layer"] == 0 and layer0["relative_depth"] == pytest.approx(0.25)
    assert (layer0["neurons"], layer0["ok"], layer0["dead"], layer0["near_dead"]) == (4, 3, 1, 1)
    assert layer0["top_f1"] == pytest.approx(0.6)  # rows 1 and 3; row 0 has no real firing
    assert layer0["top_f1_low"] == pytest.approx(0.6) and layer0["top_f1_high"] == pytest.approx(0.6)
    assert layer0["random_f1"] == pytest.approx(0.45)
    assert layer0["top_token_f1"] == pytest.approx(0.4)
    assert layer0["share_f1_at_least_0.8"] == 0
    assert layer0["graph_correlation_random"] == pytest.approx((0.50 + 0.51 + 0.53) / 3)
    assert layer0["method"] == "n2g+"
    whole = table[2]
    assert whole["layer"] == -1 and math.isnan(whole["relative_depth"])
    assert (whole["neurons"], whole["ok"]) == (7, 5)
    assert table[3]["atlas"] == str(other)
    with pytest.raises(ValueError, match="is given twice"):
        n2g_atlas.compare([SYNTHETIC, SYNTHETIC])


def test_compare_reads_the_method_of_a_real_sweep(sweep):
    table = n2g_atlas.compare([SWEEP])
    assert list(table["layer"]) == sorted(set(int(l) for l in sweep.table()["layer"])) + [-1]
    assert set(table["method"]) == {"n2g+"}
    assert table[-1]["neurons"] == len(sweep)


def test_match_with_itself_is_the_similar_index_plus_itself(sweep):
    matches = n2g_atlas.match(SWEEP, SWEEP, count=11)
    similar = sweep.file["/similar/rows"][:]
    for row in range(len(sweep)):
        layer, index = int(sweep.layers[row]), int(sweep.indices[row])
        mine = matches[(matches["layer"] == layer) & (matches["index"] == index)]
        if not sweep.neuron_at(row).graph.activating and len(mine) == 0:
            continue  # no graph, no match
        assert (mine["match_layer"][0], mine["match_index"][0]) == (layer, index)  # itself first
        assert mine["score"][0] == pytest.approx(1.0)
        others = [(int(sweep.layers[r]), int(sweep.indices[r])) for r in similar[row] if r >= 0]
        assert list(zip(mine["match_layer"][1:], mine["match_index"][1:])) == others[:len(mine) - 1]


def test_match_across_methods_equals_n2g_compare(sweep):
    """The same 20 neurons swept by n2g (N2G_PAPER_ATLAS) and n2g+: Python's matches are
    n2g_compare --match's (N2G_COMPARE), rank by rank."""
    import csv
    import io
    import subprocess

    paper, program = os.environ.get("N2G_PAPER_ATLAS"), os.environ.get("N2G_COMPARE")
    if not paper or not program:
        pytest.skip("N2G_PAPER_ATLAS and N2G_COMPARE are not set (ctest sets them)")
    printed = subprocess.run([program, paper, SWEEP, "--match", "--format", "csv"], check=True, capture_output=True, text=True)
    expected = list(csv.DictReader(io.StringIO(printed.stdout)))
    got = n2g_atlas.match(paper, SWEEP)
    assert len(got) == len(expected) > 0
    for mine, theirs in zip(got, expected):
        assert (mine["layer"], mine["index"], mine["rank"], mine["match_layer"], mine["match_index"]) == tuple(
            int(theirs[k]) for k in ("layer", "index", "rank", "match_layer", "match_index"))
        assert mine["score"] == pytest.approx(float(theirs["score"]), abs=1e-5)


def test_an_atlas_of_sae_latents_names_them():
    path = os.environ.get("N2G_SAE_ATLAS")
    if not path:
        pytest.skip("N2G_SAE_ATLAS is not set (ctest sets it)")
    with n2g_atlas.open(path) as atlas:
        assert atlas.unit == "sae_latent"
        assert atlas.sae_hook == "blocks.0.hook_resid_pre"
        assert atlas.hook == "hook_resid_pre.hook_sae_acts_post"
        latent = atlas.neuron(0, 1)
        assert repr(latent).startswith("Latent(layer=0, index=1")
        assert latent.fires_on[0] == " alpha"
        assert atlas.unit_name(0, 1) == "latent 1 of blocks.0.hook_resid_pre"
        with pytest.raises(KeyError, match="latent 9 of blocks.0.hook_resid_pre is not in"):
            atlas.neuron(0, 9)


def test_an_atlas_of_neurons_says_so(sweep):
    assert sweep.unit == "neuron" and sweep.sae is None
    assert sweep.unit_name(1, 2) == "layer 1 neuron 2"
