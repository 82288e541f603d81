"""Does in headless Chromium what a person does on /docs: "Try it out" on GET /airports.

First in a fresh page without authorizing (Swagger UI must show 401), then in another fresh page
after entering the key in the Authorize dialog's bearer field (it must show 200). Prints what it
saw; exits 1 with the failed step otherwise. A screenshot of the last state goes to SCREENSHOT.

Usage: python try_it_out.py DOCS_URL SCREENSHOT   (the key in env INSIKT_KEY; CHROMIUM and
CHROMEDRIVER name the binaries)
"""

import os
import sys

from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from browser import start_browser

OPERATION_ID = "listAirports"  # GET /airports, a route that needs a key
WAIT_SECONDS = 20


class CheckFailed(Exception):
    pass


def wait_for(driver, step, condition):
    try:
        return WebDriverWait(driver, WAIT_SECONDS).until(condition)
    except TimeoutException:
        raise CheckFailed(f"{step}: nothing after {WAIT_SECONDS} s") from None


def click_when_ready(driver, step, scope, css):
    """Clicks the first displayed, enabled element matching css inside scope, once there is one."""
    def ready(_):
        return next((element for element in scope.find_elements(By.CSS_SELECTOR, css)
                     if element.is_displayed() and element.is_enabled()), False)
    wait_for(driver, step, ready).click()


def open_docs(driver, url):
    driver.get("about:blank")  # a new document even if url differs from the last only by #fragment
    driver.get(url)
    return wait_for(driver, f"open {url}: the {OPERATION_ID} operation never rendered",
                    EC.presence_of_element_located((By.CSS_SELECTOR, f'div.opblock[id$="-{OPERATION_ID}"]')))


def authorize(driver, key):
    click_when_ready(driver, 'the "Authorize" button', driver, ".auth-wrapper button.authorize")
    modal = wait_for(driver, "the Authorize dialog", EC.visibility_of_element_located((By.CSS_SELECTOR, ".modal-ux")))
    bearer = None
    for container in modal.find_elements(By.CSS_SELECTOR, ".auth-container"):
        names = [code.text.strip() for code in container.find_elements(By.CSS_SELECTOR, "h4 code")]
        if "bearer" in names:
            bearer = container
    if bearer is None:
        raise CheckFailed("the Authorize dialog has no 'bearer' scheme")
    field = bearer.find_element(By.CSS_SELECTOR, "input#auth-bearer-value")
    field.send_keys(key)
    bearer.find_element(By.CSS_SELECTOR, ".auth-btn-wrapper button.authorize").click()
    wait_for(driver, "the bearer scheme to show 'Authorized'", lambda _: any(
        h6.text.strip() == "Authorized" for h6 in bearer.find_elements(By.CSS_SELECTOR, "h6")))
    bearer.find_element(By.CSS_SELECTOR, ".auth-btn-wrapper button.btn-done").click()
    wait_for(driver, "the Authorize dialog to close", EC.invisibility_of_element_located((By.CSS_SELECTOR, ".modal-ux")))
    locked = driver.find_elements(By.CSS_SELECTOR, ".auth-wrapper button.authorize.locked")
    print(f"check-docs: authorized with the bearer scheme (Authorize button {'locked' if locked else 'NOT locked'})")


def try_it_out(driver, operation):
    """Expands the operation, clicks "Try it out" and "Execute"; returns the code shown and the curl."""
    if "is-open" not in operation.get_attribute("class"):
        operation.find_element(By.CSS_SELECTOR, ".opblock-summary-control").click()
    click_when_ready(driver, 'the "Try it out" button', operation, "button.try-out__btn")
    click_when_ready(driver, 'the "Execute" button', operation, "button.execute")
    status = wait_for(driver, "the server response code after Execute", lambda _: next(
        (cell for cell in operation.find_elements(
            By.CSS_SELECTOR, ".live-responses-table tr.response td.response-col_status") if cell.text.strip()), False))
    # The screenshot shows the operation from its summary (with the lock) down to the code shown.
    driver.execute_script("arguments[0].scrollIntoView({block: 'start'})", operation)
    curl = " ".join(element.text for element in operation.find_elements(By.CSS_SELECTOR, ".curl-command .curl"))
    return status.text.strip().split()[0], curl


def hide_key(driver, key):
    """Masks the key wherever the page shows it (the curl), so the screenshot carries no key."""
    driver.execute_script("""
        const key = arguments[0], walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode())
            if (node.nodeValue.includes(key)) node.nodeValue = node.nodeValue.split(key).join("<INSIKT_KEY>");
        """, key)


def run_case(driver, url, key, expected):
    operation = open_docs(driver, url)
    if key is not None:
        authorize(driver, key)
    code, curl = try_it_out(driver, operation)
    masked = curl.replace(key, "<INSIKT_KEY>") if key else curl
    label = "authorized" if key else "not authorized"
    print(f"check-docs: {label}: GET /airports via Try it out -> Swagger UI shows {code}")
    print(f"check-docs:   curl shown: {' '.join(masked.split())}")
    if code != expected:
        raise CheckFailed(f"{label}: Swagger UI showed response code {code}, expected {expected}")


def main():
    url, screenshot = sys.argv[1], sys.argv[2]
    key = os.environ["INSIKT_KEY"]
    driver = start_browser()
    try:
        # A fresh page each: Swagger UI keeps an authorization only in the page's memory.
        run_case(driver, url, None, "401")
        run_case(driver, url, key, "200")
        return 0
    except CheckFailed as error:
        print(f"check-docs: Try it out failed: {error}", file=sys.stderr)
        return 1
    except WebDriverException as error:  # its str() carries chromedriver's stack of addresses
        print(f"check-docs: Try it out failed: {type(error).__name__}: {error.msg}", file=sys.stderr)
        return 1
    finally:
        try:
            hide_key(driver, key)
            driver.save_screenshot(screenshot)
            print(f"check-docs: screenshot of the last state in {screenshot}")
        except WebDriverException as error:
            print(f"check-docs: no screenshot: {error.msg}", file=sys.stderr)
        finally:
            driver.quit()


if __name__ == "__main__":
    sys.exit(main())
