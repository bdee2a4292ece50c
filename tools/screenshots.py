#!/usr/bin/python3
"""Screenshots of a web atlas in headless Chromium (Debian's chromium and python3-websocket):
index.png, neuron.png (a neuron's view) and phone.png (the index 375 px wide).

    tools/screenshots.py out/demo/html out/demo/screenshots [L1N10]
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from headless_chromium import Browser  # noqa: E402


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    site, out = os.path.abspath(sys.argv[1]), sys.argv[2]
    neuron = sys.argv[3] if len(sys.argv) > 3 else None
    os.makedirs(out, exist_ok=True)
    index = "file://" + os.path.join(site, "index.html")
    browser = Browser()
    try:
        browser.open(index)
        browser.screenshot(os.path.join(out, "index.png"))
        if neuron is None:  # the best neuron of the table
            neuron = browser.evaluate("document.querySelector('#neuron-table a').getAttribute('href').slice(1)")
        browser.open(index + "#" + neuron)
        browser.wait("document.getElementById('graph') || document.querySelector('.error')")
        browser.screenshot(os.path.join(out, "neuron.png"))
        browser.resize(375, 800, mobile=True)
        browser.open(index)
        browser.screenshot(os.path.join(out, "phone.png"))
        if browser.errors:
            print("console errors:", *browser.errors, sep="\n  ")
    finally:
        browser.close()
    print(f"screenshots of {site} in {out}: index.png, neuron.png ({neuron}), phone.png")


if __name__ == "__main__":
    main()
