"""`whynolog serve` in a real browser: Playwright driving Debian's headless Chromium.

The app runs in a real uvicorn on 127.0.0.1. Every page is also loaded with script
payloads in subjects, display names, user and filter names: none may run (the
payloads would change the page title) nor reach the DOM as markup.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

pytestmark = pytest.mark.browser

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WIDTHS = (1280, 390)

# What in the DOM could run: script elements, on* attributes, javascript: URLs.
ACTIVE_MARKUP = """() => {
  const urls = ['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'srcdoc'];
  const found = [];
  for (const el of document.querySelectorAll('*')) {
    if (el.tagName === 'SCRIPT') found.push('<script>');
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      if (name.startsWith('on')) found.push(el.tagName + ' ' + name);
      if (urls.includes(name) && /^\\s*javascript:/i.test(attr.value)) {
        found.push(el.tagName + ' ' + name + '=javascript:');
      }
    }
  }
  return found;
}"""


def chromium() -> str:
    """Debian's Chromium, or skip saying why."""
    for name in (os.environ.get("WHYNOLOG_BROWSER", ""), *BROWSERS):
        found = shutil.which(name) if name else None
        if found:
            return found
    pytest.skip("no Chromium found (install Debian's 'chromium', or set WHYNOLOG_BROWSER)")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = chromium()
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install '.[test]'")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    dialogs: list[str] = []
    opened.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    yield opened
    context.close()
    assert dialogs == [], "a script opened a dialog"


def verdict(page: Any) -> str:
    return " ".join(page.locator("#verdict-line").inner_text().split())


def test_the_form_gives_a_verdict(page: Any, live_app: str) -> None:
    page.goto(f"{live_app}/")
    page.get_by_label("From", exact=True).fill("Zoe <zoe@acme.com>")
    page.get_by_label("To", exact=True).fill("pat@customer.com")
    page.get_by_label("Subject", exact=True).fill("Pricing")
    page.get_by_role("button", name="Would it log?").first.click()
    assert verdict(page) == "No: this email would not log NOLOG_SENDER_NOT_USER"
    assert page.get_by_text("verified by the engine to make it log").is_visible()


def test_the_form_works_from_the_keyboard_alone(page: Any, live_app: str) -> None:
    page.goto(f"{live_app}/")
    # From has the focus once the page is shown (autofocus is applied after layout).
    page.wait_for_function("document.activeElement && document.activeElement.id === 'f-from'")
    page.keyboard.type("alice@acme.com")
    page.keyboard.press("Tab")
    page.keyboard.type("bob@customer.com")
    page.keyboard.press("Enter")
    assert verdict(page) == "Yes: this email would log LOG_OK"


def test_a_bad_address_is_explained_beside_the_field(page: Any, live_app: str) -> None:
    page.goto(f"{live_app}/")
    page.get_by_label("From", exact=True).fill("alice at acme")
    page.get_by_role("button", name="Would it log?").first.click()
    error = page.locator("#e-from")
    assert "not an email address" in error.inner_text()
    assert page.get_by_label("From", exact=True).get_attribute("aria-invalid") == "true"


def test_the_shareable_link_shows_the_same_result(page: Any, live_app: str) -> None:
    page.goto(f"{live_app}/")
    page.get_by_label("Raw headers").fill(
        "From: Pat Buyer <pat@customer.com>\nTo: alice@acme.com\nSubject: Out of office"
    )
    page.get_by_role("button", name="Would it log?").nth(1).click()
    first = verdict(page)
    link = page.locator("#share").input_value()
    page.goto(link)
    assert verdict(page) == first == "No: this email would not log NOLOG_CONTENT"


def test_the_log_is_searched_paged_and_explained(page: Any, live_app: str) -> None:
    page.goto(f"{live_app}/log")
    page.get_by_label("Subject contains").fill("Re:")
    page.get_by_role("button", name="Search", exact=True).click()
    assert page.locator("#results").inner_text() == "60 of 60 entries match"
    page.get_by_role("link", name="next →").click()
    assert "page 2 of 2" in page.locator("nav.pages").inner_text()
    page.get_by_role("link", name="why?").first.click()
    assert page.locator("h1").inner_text().startswith("Why: log entries whose subject contains")


def test_an_uploaded_log_is_searched(page: Any, live_app: str, starter: Path) -> None:
    page.goto(f"{live_app}/log")
    page.get_by_label("Admin-log file").set_input_files(str(starter / "admin.log"))
    page.get_by_role("button", name="Upload and search").click()
    assert "upload=" in page.url
    assert page.locator("#results").inner_text().endswith("entries match")
    assert page.locator("table.entries tbody tr").count() > 0


def test_script_payloads_never_run(page: Any, live_app: str, payloads: tuple[str, ...]) -> None:
    shared = {
        "from": f'"{payloads[0]}" <mallory@acme.com>',
        "to": f'"{payloads[2]}" <bob@customer.com>',
        "subject": payloads[1],
        "body": payloads[4],
    }
    urls = [
        "/",
        "/simulate?" + urlencode(shared),
        "/simulate?" + urlencode({"from": payloads[3], "subject": payloads[0]}),
        "/log?" + urlencode({"subject": "Re:"}),
        "/log?" + urlencode({"subject": "Re:", "page": 2}),
        "/log?" + urlencode({"subject": payloads[0], "address": payloads[1]}),
        "/why?" + urlencode({"subject": payloads[0]}),
        "/diagnose?" + urlencode({"as_of": "2026-11-21", "stale_after": payloads[3]}),
        "/diagnose?as_of=2026-11-21",
        "/rules",
        "/config",
    ]
    for url in urls:
        page.goto(live_app + url)
        assert page.title() != "pwned", url
        assert "whynolog" in page.title() or "Why" in page.title(), url
        assert page.evaluate(ACTIVE_MARKUP) == [], url
    # Typed into the form too, and submitted.
    page.goto(f"{live_app}/")
    page.get_by_label("From", exact=True).fill(shared["from"])
    page.get_by_label("Subject", exact=True).fill(payloads[1])
    page.get_by_role("button", name="Would it log?").first.click()
    assert page.title() != "pwned"
    assert page.evaluate(ACTIVE_MARKUP) == []
    assert payloads[1] in page.get_by_label("Subject", exact=True).input_value()  # shown as text


@pytest.mark.parametrize("width", WIDTHS)
def test_pages_fit_the_width(browser: Any, live_app: str, width: int, tmp_path: Path) -> None:
    """No page scrolls sideways at a laptop's and a phone's width (wide tables scroll
    inside themselves); screenshots go to $WHYNOLOG_SCREENSHOTS when set."""
    shots = Path(os.environ.get("WHYNOLOG_SCREENSHOTS", tmp_path))
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        for name, url in (
            ("home", "/"),
            ("result", "/simulate?from=zoe%40acme.com&to=pat%40customer.com&subject=Pricing"),
            ("log", "/log?subject=Re%3A"),
            ("diagnose", "/diagnose?as_of=2026-11-21"),
            ("rules", "/rules"),
            ("config", "/config"),
        ):
            page.goto(live_app + url)
            page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
            overflow = page.evaluate(
                "() => document.documentElement.scrollWidth - window.innerWidth"
            )
            assert overflow <= 0, f"{url} is {overflow} px too wide at {width} px"
    finally:
        context.close()


def test_the_diagnosis_shows_its_charts_under_the_policy(page: Any, live_app: str) -> None:
    """The timeline and the matrix are drawn (images decoded to their size), and the
    Content-Security-Policy blocks nothing on the page."""
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(f"{live_app}/diagnose?as_of=2026-11-21")
    for name, alt in (
        ("timeline", "Admin-log entries per day, by outcome"),
        ("matrix", "Predicted (rows) by logged (columns)"),
    ):
        chart = page.locator(f"#{name} img")
        assert chart.get_attribute("alt") == alt
        width = chart.evaluate("img => img.complete ? img.naturalWidth : 0")
        assert width > 0, f"the {name} chart was not drawn"
    assert refused == []


def test_charts_stay_readable_on_a_phone(browser: Any, live_app: str) -> None:
    """At 390 px a chart is not shrunk to unreadable labels: it keeps at least 36rem and
    scrolls sideways inside its own figure, not the page."""
    context = browser.new_context(viewport={"width": 390, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{live_app}/diagnose?as_of=2026-11-21")
        for name in ("timeline", "matrix"):
            drawn = page.locator(f"#{name} img").evaluate(
                "img => img.getBoundingClientRect().width"
            )
            assert drawn >= 36 * 16, f"the {name} chart is drawn {drawn} px wide"
            box = page.locator(f"#{name}").evaluate("f => [f.scrollWidth, f.clientWidth]")
            assert box[0] > box[1], f"the {name} figure does not scroll: {box}"
    finally:
        context.close()
