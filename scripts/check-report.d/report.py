"""Opens an import's report (GET /imports/{id}/report) in headless Chromium at a phone's width and
at a desktop's, sending the key as a person's browser would not be able to (through the DevTools
protocol), and checks what a reader sees: both charts drawn with a size, the table, no page wider
than the screen. Screenshots go to OUT_DIR/report-phone.png and report-desktop.png.

Usage: INSIKT_KEY=... python report.py REPORT_URL OUT_DIR"""
import os
import sys

from browser import start_browser


def check(url, key, width, height, screenshot):
    driver = start_browser(width, height)
    try:
        # A phone's viewport for real (a headless window is never narrower than 500 px).
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {"Authorization": f"Bearer {key}"}})
        driver.get(url)
        seen = driver.execute_script("""
            const charts = [...document.querySelectorAll('svg[role=img]')].map(svg => {
                const box = svg.getBoundingClientRect();
                return {width: box.width, height: box.height, bars: svg.querySelectorAll('rect').length,
                        title: (svg.querySelector('title') || {}).textContent || ''};
            });
            return {title: document.title, charts: charts, rows: document.querySelectorAll('tbody tr').length,
                    pageWidth: document.documentElement.scrollWidth, screenWidth: window.innerWidth,
                    heading: (document.querySelector('h1') || {}).textContent || ''};
        """)
        driver.save_screenshot(screenshot)
    finally:
        driver.quit()
    print(f"check-report: {width}px wide: {seen['heading']!r}, {len(seen['charts'])} charts "
          f"{[(round(c['width']), round(c['height']), c['bars']) for c in seen['charts']]}, {seen['rows']} table rows, "
          f"page {seen['pageWidth']}px on a {seen['screenWidth']}px screen")
    problems = []
    if len(seen["charts"]) != 2:
        problems.append(f"{len(seen['charts'])} charts instead of 2")
    for chart in seen["charts"]:
        if chart["width"] < 100 or chart["height"] < 100 or chart["bars"] < 2:
            problems.append(f"a chart drawn {chart['width']}x{chart['height']} with {chart['bars']} shapes: {chart['title']}")
    if seen["rows"] < 1:
        problems.append("no rows in the demand table")
    if seen["pageWidth"] > seen["screenWidth"] + 1:
        problems.append(f"the page is {seen['pageWidth']}px wide on a {seen['screenWidth']}px screen (it scrolls sideways)")
    return problems


def main():
    url, out = sys.argv[1], sys.argv[2]
    key = os.environ["INSIKT_KEY"]
    problems = check(url, key, 390, 844, os.path.join(out, "report-phone.png"))
    problems += check(url, key, 1280, 1600, os.path.join(out, "report-desktop.png"))
    for problem in problems:
        print(f"check-report: {problem}", file=sys.stderr)
    sys.exit(1 if problems else 0)


main()
