"""The web atlas in a real browser (headless Chromium over the DevTools protocol): the demo-sized
site (N2G_DEMO_SITE, from the demo sweep's atlas N2G_DEMO_ATLAS) and a 36,864-neuron synthetic one
(N2G_LARGE_SITE). Expected neurons come from the atlas itself, read with python/n2g_atlas."""

import json
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.path.insert(0, os.path.join(ROOT, "python"))

import n2g_atlas  # noqa: E402
from headless_chromium import Browser  # noqa: E402

DEMO_SITE = os.environ.get("N2G_DEMO_SITE")
DEMO_ATLAS = os.environ.get("N2G_DEMO_ATLAS")
LARGE_SITE = os.environ.get("N2G_LARGE_SITE")
COMPARE_PAGE = os.environ.get("N2G_COMPARE_PAGE")


@pytest.fixture(scope="module")
def browser():
    b = Browser()
    yield b
    b.close()


def url(site, fragment=""):
    return "file://" + os.path.join(site, "index.html") + fragment


def table_neurons(browser):
    return browser.evaluate("[...document.querySelectorAll('#neuron-table tr[data-row] td:nth-child(2) a')].map(a => a.textContent)")


def search(browser, mode, query):
    before = browser.evaluate("N2GViewer.searches")
    browser.evaluate(f"(() => {{ const m = document.getElementById('mode'); m.value = {json.dumps(mode)}; "
                     f"N2GViewer.state.mode = m.value; const s = document.getElementById('search'); s.value = {json.dumps(query)}; "
                     "s.dispatchEvent(new Event('change')); })()")
    browser.wait(f"N2GViewer.searches > {before}")
    return table_neurons(browser)


@pytest.fixture(scope="module")
def demo(browser):
    if not DEMO_SITE:
        pytest.skip("N2G_DEMO_SITE is not set (ctest sets it)")
    browser.errors.clear()
    browser.open(url(DEMO_SITE))
    return n2g_atlas.open(DEMO_ATLAS)


def test_index_loads_without_console_errors(browser, demo):
    assert browser.evaluate("document.querySelectorAll('#layers tr').length") == 1 + 2 * 3
    assert browser.evaluate("document.querySelectorAll('.plot svg').length") >= 5  # 3 F1 histograms, scatter, density
    assert browser.errors == []


def test_served_by_a_static_web_server(browser, demo):
    import functools
    import http.server
    import threading

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=DEMO_SITE)
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        browser.open(f"http://127.0.0.1:{server.server_address[1]}/index.html#L1N10")
        browser.wait("document.getElementById('graph')")
        assert browser.evaluate("document.querySelector('h1').textContent") == "Layer 1, neuron 10"
        assert browser.errors == []
    finally:
        browser.call("Page.navigate", url="about:blank")
        server.shutdown()


def test_sorting_by_a_score(browser, demo):
    browser.open(url(DEMO_SITE))
    f1 = "[...document.querySelectorAll('#neuron-table tr[data-row]')].map(r => r.children[3].textContent).filter(t => t !== '\\u2013').map(Number)"
    browser.evaluate("document.querySelector('th[data-key=top_f1]').click()")  # already sorted: now ascending
    ascending = browser.evaluate(f1)
    assert ascending == sorted(ascending) and len(ascending) > 10
    browser.evaluate("document.querySelector('th[data-key=top_f1]').click()")
    descending = browser.evaluate(f1)
    assert descending == sorted(descending, reverse=True)
    browser.evaluate("document.querySelector('th[data-key=layer]').click()")
    layers = browser.evaluate("[...document.querySelectorAll('#neuron-table tr[data-row]')].map(r => Number(r.children[0].textContent))")
    assert layers == sorted(layers)
    assert browser.errors == []


def test_search_by_token_returns_the_index(browser, demo):
    browser.open(url(DEMO_SITE))
    expected = {f"L{layer} N{index}" for layer, index in demo.activating_on(" Captain")}
    assert expected, "the demo atlas has graphs activating on ' Captain'"
    assert set(search(browser, "token", " Captain")) == expected
    # Without the leading space, the spelling with one is searched too.
    assert expected <= set(search(browser, "token", "Captain"))


def test_search_by_text_finds_the_graphs_that_fire(browser, demo):
    browser.open(url(DEMO_SITE))
    found = search(browser, "text", "; and")
    assert "L1 N10" in found  # its graph: ' and' after ';'
    for name in found[:5]:
        layer, index = (int(x[1:]) for x in name.split())
        assert " and" in demo.neuron(layer, index).fires_on or ";" in demo.neuron(layer, index).fires_on


def test_neuron_view(browser, demo):
    browser.open(url(DEMO_SITE, "#L1N10"))
    browser.wait("document.getElementById('graph')")
    assert browser.evaluate("document.querySelectorAll('#graph g.node').length") >= 2
    assert browser.evaluate("document.querySelector('.legend') !== null")
    # Examples centred on their max: the peak token carries the largest value of its example.
    peaks = browser.evaluate("""[...document.querySelectorAll('#examples .example')].map(e => {
        const value = (s) => Number(s.title.split(': ').pop());
        const all = [...e.querySelectorAll('.tok')].map(value);
        return [value(e.querySelector('.peak')), Math.max(...all)]; })""")
    assert len(peaks) == len(demo.neuron(1, 10).examples())
    assert all(abs(peak - best) < 1e-9 for peak, best in peaks)
    assert browser.evaluate("document.querySelector('#examples .label').textContent").count("max") == 1
    r = demo.neuron(1, 10).correlation  # the atlas's correlations, two decimals
    shown = browser.evaluate("document.getElementById('correlation').textContent")
    assert f"N2G {r['graph_random']:.2f} / {r['graph_all']:.2f}, token lookup {r['token_random']:.2f} / {r['token_all']:.2f}" in shown
    assert browser.evaluate("document.getElementById('prev').getAttribute('href')") == "#L1N9"
    assert browser.evaluate("document.getElementById('next').getAttribute('href')") == "#L1N11"
    similar = browser.evaluate("[...document.querySelectorAll('#similar a')].map(a => a.textContent)")
    assert similar == [f"L{layer} N{index}" for layer, index, _ in demo.neuron(1, 10).similar]
    # Try the graph: '; and' fires on ' and'.
    browser.evaluate("(() => { const t = document.getElementById('try-text'); t.value = 'yes; and so'; t.dispatchEvent(new Event('input')); })()")
    shaded = browser.evaluate("[...document.querySelectorAll('#try-output .tok')].map(s => [s.textContent, Number(s.title.split(' ').pop())])")
    assert any(text == "\u2423and" and value >= 0.5 for text, value in shaded)
    browser.evaluate("document.getElementById('next').click()")
    browser.wait("document.querySelector('h1') && document.querySelector('h1').textContent === 'Layer 1, neuron 11'")
    assert browser.errors == []


def test_graph_lists_activating_tokens_strongest_first(browser, demo):
    layer0 = [n for n in (demo.neuron_at(r) for r in range(len(demo))) if n.layer == 0 and n.status == "ok"]
    widest = max(layer0, key=lambda n: len(n.graph.activating))
    expected = widest.graph.activating
    assert len(expected) >= 5
    browser.open(url(DEMO_SITE, f"#L0N{widest.index}"))
    browser.wait("document.querySelector('#graph g.node')")
    shown = browser.evaluate("""[...document.querySelectorAll('#graph g.node title')].map(t => t.textContent)
        .filter(t => t.startsWith('activating token "')).map(t => t.slice(18, t.lastIndexOf('", activation')))""")
    assert shown == expected


def test_phone_width_has_no_horizontal_overflow(browser, demo):
    browser.resize(375, 800, mobile=True)
    try:
        for fragment in ("", "#L1N10"):
            browser.open(url(DEMO_SITE, fragment))
            browser.wait("document.querySelector('h1')")
            assert browser.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), fragment
    finally:
        browser.resize(1400, 900)


@pytest.fixture(scope="module")
def large(browser):
    if not LARGE_SITE:
        pytest.skip("N2G_LARGE_SITE is not set (ctest sets it)")
    browser.errors.clear()
    browser.open(url(LARGE_SITE))
    return browser


def test_large_atlas_searches_in_under_a_second(large):
    assert large.evaluate("document.getElementById('count').textContent").startswith("36864 neurons")
    found = search(large, "token", " w8919")  # 1000 + (1 * 7919) % 40000: row 1
    assert "L0 N1" in found
    assert large.evaluate("N2GViewer.lastSearchMs") < 1000
    found = search(large, "text", " w310 w20")  # context 300 + r % 13 = 310, token 10 + r % 50 = 20: r = 10, ...
    assert "L0 N10" in found
    assert large.evaluate("N2GViewer.lastSearchMs") < 1000, "the first text search loads every graph"
    search(large, "text", " w310 w20")
    assert large.evaluate("N2GViewer.lastSearchMs") < 1000
    assert large.errors == []


def test_unsafe_text_is_shown_as_text(large):
    large.open(url(LARGE_SITE, "#L0N0"))
    large.wait("document.getElementById('graph')")
    page = large.evaluate("document.getElementById('app').textContent")
    assert "<b>bold</b> & \"q\" 'x'" in page.replace("\u2423", " ")  # the token, as text
    assert large.evaluate("document.querySelectorAll('#app b').length") == 0  # never as markup
    assert "\\xe2\\x80" in page
    assert "\u240d\u21e5<tab>" in page  # \r and tab made visible
    large.open(url(LARGE_SITE))
    found = search(large, "token", "<b>bold</b> & \"q\" 'x'")
    assert found == ["L0 N0"]
    assert large.evaluate("document.querySelectorAll('#neuron-table b').length") == 0
    assert large.errors == []


def test_compare_page_plots_and_links_the_web_atlas(browser):
    if not COMPARE_PAGE or not DEMO_SITE:
        pytest.skip("N2G_COMPARE_PAGE is not set (ctest sets it)")
    browser.errors.clear()
    browser.open("file://" + COMPARE_PAGE, ready="document.getElementById('comparison')")
    assert browser.evaluate("document.querySelectorAll('svg').length") == 4
    # The demo's three layers, both test sets, plotted against depth; its rows in the table.
    depths = browser.evaluate("[...document.querySelectorAll('svg')[0].querySelectorAll('circle')].map(c => c.dataset.x)")
    assert {"0.166667", "0.5", "0.833333"} <= set(depths)
    assert browser.evaluate("document.querySelectorAll('#comparison tr').length") == 1 + 4 + 3  # demo: 3 layers + all; synthetic: 2 + all
    assert browser.errors == []
    browser.evaluate("document.querySelector('#atlases a').click()")
    browser.wait("document.getElementById('layers')")  # the demo's web atlas opened from the link
    assert browser.errors == []


def test_sae_latents_are_named_as_latents(browser):
    site = os.environ.get("N2G_SAE_SITE")
    if not site:
        pytest.skip("N2G_SAE_SITE is not set (ctest sets it)")
    browser.errors.clear()
    browser.open(url(site))
    assert "8 latents of an SAE on blocks.0.hook_resid_pre" in browser.evaluate("document.querySelector('#app p.note').textContent")
    assert "latent 1" in table_neurons(browser)
    browser.open(url(site, "#L0N1"))
    browser.wait("document.getElementById('graph')")
    assert browser.evaluate("document.querySelector('h1').textContent") == "Latent 1 of blocks.0.hook_resid_pre"
    assert browser.errors == []
