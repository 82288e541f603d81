"""Headless Chromium through Selenium with the binaries named in CHROMIUM and CHROMEDRIVER (an
explicit driver path: Selenium Manager, which would download one, never runs)."""
import os

from selenium import webdriver
from selenium.webdriver.chrome.service import Service


def start_browser(width=1280, height=2000):
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ["CHROMIUM"]
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 f"--window-size={width},{height}"):
        options.add_argument(flag)
    return webdriver.Chrome(options=options, service=Service(executable_path=os.environ["CHROMEDRIVER"]))
