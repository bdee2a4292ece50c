#!/usr/bin/python3
"""A PNG of an n2g_compare page's atlas list (the colours' key) and its first plot (N2G F1 against
relative depth), taken in headless Chromium (Debian's chromium and python3-websocket); for figures
in documents such as the README's "Scaling experiments".

    tools/compare_figure.py out/family/sizes/index.html docs/images/family_sizes.png
"""

import base64
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from headless_chromium import Browser  # noqa: E402


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    page, out = os.path.abspath(sys.argv[1]), sys.argv[2]
    browser = Browser(width=900, height=900)
    try:
        browser.open("file://" + page, ready="document.getElementById('comparison')")
        box = browser.evaluate("""(() => {
            const list = document.getElementById('atlases');
            const a = list.getBoundingClientRect(), p = document.querySelector('.plot').getBoundingClientRect();
            const range = document.createRange();  // the list's text, not its full-width box
            range.selectNodeContents(list);
            const left = Math.min(a.left, p.left), top = a.top - 8, right = Math.max(range.getBoundingClientRect().right, p.right);
            return [left - 8, top, right - left + 16, p.bottom - top + 8]; })()""")
        data = browser.call("Page.captureScreenshot", format="png",
                            clip={"x": box[0], "y": box[1], "width": box[2], "height": box[3], "scale": 1})["data"]
        os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
        with open(out, "wb") as f:
            f.write(base64.b64decode(data))
    finally:
        browser.close()
    print(out)


if __name__ == "__main__":
    main()
