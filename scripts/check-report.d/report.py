"""Opens an import's report through its share link (GET /shared/reports/{token}) in headless
Chromium with no key, as a person's browser would, at a phone's width and at a desktop's, and
checks what a reader sees: both charts drawn with a size and every chart text inside its chart,
chart labels at least 11 px as rendered, the table, no page wider than the screen, and Cyrillic
and CJK town names drawn with real glyphs (not the empty boxes of a missing font). Whole-page
screenshots go to OUT_DIR/report-phone.png and report-desktop.png.

Usage: python report.py SHARE_URL OUT_DIR"""
import base64
import sys

from browser import start_browser

# Same-size glyphs of different characters drawn identically mean the font has neither: tofu.
GLYPH_CHECK = """
const fonts = getComputedStyle(document.body).fontFamily;
function pixels(text) {
    const canvas = document.createElement('canvas');
    canvas.width = 64; canvas.height = 64;
    const context = canvas.getContext('2d');
    context.font = '40px ' + fonts;
    context.fillText(text, 4, 48);
    return {width: context.measureText(text).width, data: Array.from(context.getImageData(0, 0, 64, 64).data).join(',')};
}
const missing = pixels('\\uE000');  // a private-use character: no font draws it
const results = {};
for (const [script, a, b] of [['CJK', '東', '京'], ['Cyrillic', 'Ж', 'Щ']]) {
    const first = pixels(a), second = pixels(b);
    results[script] = {distinct: first.data !== second.data, notMissing: first.data !== missing.data && second.data !== missing.data,
                       width: first.width};
}
return {fonts: fonts, results: results};
"""

MEASURE = """
const charts = [...document.querySelectorAll('svg[role=img]')].map(svg => {
    const box = svg.getBoundingClientRect();
    const view = svg.viewBox.baseVal;
    const texts = [...svg.querySelectorAll('text')];
    const sizes = texts.map(t => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a);
    const outside = texts.filter(t => { const b = t.getBBox(); return b.x < -0.5 || b.x + b.width > view.width + 0.5; })
                         .map(t => t.textContent);
    return {width: box.width, height: box.height, bars: svg.querySelectorAll('rect').length,
            title: (svg.querySelector('title') || {}).textContent || '', smallestPx: Math.min(...sizes),
            outside: outside, texts: texts.length};
});
const rowTowns = [...document.querySelectorAll('tbody th')].map(th => th.textContent);
return {title: document.title, charts: charts, rows: document.querySelectorAll('tbody tr').length, rowTowns: rowTowns,
        pageWidth: document.documentElement.scrollWidth, screenWidth: window.innerWidth,
        heading: (document.querySelector('h1') || {}).textContent || '',
        images: [...document.images].filter(i => !i.complete || i.naturalWidth === 0).length};
"""


def save_full_page(driver, width, path):
    """A screenshot of the whole page, not only the part in the viewport."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}})
    with open(path, "wb") as out:
        out.write(base64.b64decode(shot["data"]))


def check(url, width, height, screenshot):
    driver = start_browser(width, height)
    try:
        # A phone's viewport for real (a headless window is never narrower than 500 px).
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})
        driver.get(url)
        seen = driver.execute_script(MEASURE)
        glyphs = driver.execute_script(GLYPH_CHECK)
        save_full_page(driver, width, screenshot)
    finally:
        driver.quit()
    print(f"check-report: {width}px wide, no key: {seen['heading']!r}, {len(seen['charts'])} charts "
          f"{[(round(c['width']), round(c['height']), c['bars'], round(c['smallestPx'], 1)) for c in seen['charts']]} "
          f"(width, height, shapes, smallest text px), {seen['rows']} table rows, page {seen['pageWidth']}px on a "
          f"{seen['screenWidth']}px screen; glyphs {glyphs['results']}")
    problems = []
    if not seen["heading"].startswith("Import "):
        problems.append(f"the share link did not open the report (heading {seen['heading']!r}, title {seen['title']!r})")
    if len(seen["charts"]) != 2:
        problems.append(f"{len(seen['charts'])} charts instead of 2")
    for chart in seen["charts"]:
        if chart["width"] < 100 or chart["height"] < 100 or chart["bars"] < 2:
            problems.append(f"a chart drawn {chart['width']}x{chart['height']} with {chart['bars']} shapes: {chart['title']}")
        if chart["smallestPx"] < 11:
            problems.append(f"a chart's smallest text is {chart['smallestPx']:.1f} px at {width}px (at least 11): {chart['title']}")
        if chart["outside"]:
            problems.append(f"texts run out of their chart at {width}px: {chart['outside']}")
    if seen["images"]:
        problems.append(f"{seen['images']} images did not load")
    if seen["rows"] < 1:
        problems.append("no rows in the demand table")
    for town in ("Москва", "東京"):
        if not any(town in row for row in seen["rowTowns"]):
            problems.append(f"{town} is not in the table: {seen['rowTowns']}")
    if seen["pageWidth"] > seen["screenWidth"] + 1:
        problems.append(f"the page is {seen['pageWidth']}px wide on a {seen['screenWidth']}px screen (it scrolls sideways)")
    if "Noto Sans CJK" not in glyphs["fonts"]:
        problems.append(f"the page's fonts name no CJK font: {glyphs['fonts']}")
    for script, result in glyphs["results"].items():
        if not (result["distinct"] and result["notMissing"]):
            problems.append(f"{script} characters are drawn as empty boxes (is fonts-noto-cjk installed?): {result}")
    return problems


def main():
    url, out = sys.argv[1], sys.argv[2]
    problems = check(url, 390, 844, f"{out}/report-phone.png")
    problems += check(url, 1280, 1600, f"{out}/report-desktop.png")
    for problem in problems:
        print(f"check-report: {problem}", file=sys.stderr)
    sys.exit(1 if problems else 0)


main()
