"""The HTML diagnosis report opened in a real headless browser.

The report is mailed around and opened offline, so the browser must draw its
two SVG charts from the file alone (no network, no script). The screenshot is
decoded and the pixels of the LOG_OK colour are counted: with the charts
present there are many, and with the charts removed almost none.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from whynolog.cli.app import app

pytestmark = pytest.mark.browser

HERE = Path(__file__).parent / "fixtures" / "diagnose"
STARTER = Path(__file__).parents[1] / "cli" / "starter"
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
LOG_OK_GREEN = (66, 173, 96)  # the chart's #2da44e at 90% opacity on white


def browser() -> str:
    """A headless Chromium, or skip with the reason."""
    for name in (os.environ.get("WHYNOLOG_BROWSER", ""), *BROWSERS, "/usr/bin/chromium"):
        found = shutil.which(name) if name else None
        if found:
            return found
    pytest.skip(
        "no headless Chromium found (install Debian's 'chromium' package, or set "
        "WHYNOLOG_BROWSER to a Chromium binary)"
    )


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        browser(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={tmp_path / 'profile'}",
        *args,
    ]
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"headless Chromium could not run: {exc}")


def report(tmp_path: Path, log: Path, config: Path, *extra: str) -> Path:
    target = tmp_path / "report.html"
    result = CliRunner().invoke(
        app,
        [
            "diagnose",
            str(log),
            "--config",
            str(config),
            "--format",
            "html",
            "--output",
            str(target),
            *extra,
        ],
    )
    assert result.exit_code == 0, result.output
    return target


def png_pixels(data: bytes) -> tuple[int, int, int, bytes]:
    """Width, height, bytes per pixel and the unfiltered pixel rows of an 8-bit PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour in (2, 6), (depth, colour)
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    out = bytearray()
    previous = bytearray(stride)
    for row in range(height):
        start = row * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up = previous[i]
            corner = previous[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                predictor = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + predictor) & 0xFF
        out += line
        previous = line
    return width, height, bpp, bytes(out)


MISMATCH_RED = (207, 34, 46)  # the matrix chart's mismatch cells, #cf222e


def colour_pixels(png: Path, colour: tuple[int, int, int]) -> int:
    """Pixels within a small distance of ``colour``."""
    _, _, channels, raw = png_pixels(png.read_bytes())
    count = 0
    for i in range(0, len(raw) - channels + 1, channels):
        r, g, b = raw[i], raw[i + 1], raw[i + 2]
        if abs(r - colour[0]) < 12 and abs(g - colour[1]) < 12 and abs(b - colour[2]) < 12:
            count += 1
    return count


def green_pixels(png: Path) -> int:
    _, _, bpp, pixels = png_pixels(png.read_bytes())
    r, g, b = LOG_OK_GREEN
    count = 0
    for i in range(0, len(pixels), bpp):
        if abs(pixels[i] - r) <= 8 and abs(pixels[i + 1] - g) <= 8 and abs(pixels[i + 2] - b) <= 8:
            count += 1
    return count


def test_report_renders_both_charts(tmp_path: Path) -> None:
    page = report(
        tmp_path, STARTER / "admin.log", STARTER / "org.yaml", "--as-of", "2026-11-26T09:00Z"
    )
    dom = chromium(tmp_path, "--dump-dom", page.as_uri()).stdout
    assert "<h1>Admin-log diagnosis for Acme Corp</h1>" in dom
    for chart in ("chart-timeline", "chart-matrix"):
        assert f'id="{chart}"' in dom, chart
    timeline = dom[dom.index('id="chart-timeline"') : dom.index('id="chart-matrix"')]
    assert len(re.findall(r'<rect[^>]*class="rect reactive', timeline)) >= 20  # the bars
    matrix = dom[dom.index('id="chart-matrix"') :]
    assert len(re.findall(r'<rect[^>]*class="cell ', matrix)) == 8 * 7  # every cell drawn
    assert len(re.findall(r'<rect[^>]*class="cell mismatch"', matrix)) == 2  # in red
    assert "<script" not in dom.lower()

    shot = tmp_path / "report.png"
    chromium(tmp_path, "--window-size=1280,2000", f"--screenshot={shot}", page.as_uri())
    assert shot.exists(), "no screenshot written"
    with_charts = green_pixels(shot)

    bare = tmp_path / "bare.html"
    bare.write_text(
        re.sub(r"<svg.*?</svg>", "", page.read_text(encoding="utf-8"), flags=re.DOTALL),
        encoding="utf-8",
    )
    bare_shot = tmp_path / "bare.png"
    chromium(tmp_path, "--window-size=1280,2000", f"--screenshot={bare_shot}", bare.as_uri())
    without_charts = green_pixels(bare_shot)
    assert with_charts > 5000 and without_charts < 500, (with_charts, without_charts)
    # Mismatches stand out: two solid red cells, whatever their count.
    assert colour_pixels(shot, MISMATCH_RED) > 4000
    assert colour_pixels(bare_shot, MISMATCH_RED) < 100


def test_wide_tables_scroll_inside_their_box_and_long_subjects_open_in_full(
    tmp_path: Path,
) -> None:
    log = tmp_path / "admin.log"
    subject = "Quarterly pricing and renewal discussion " * 300
    log.write_text(
        (STARTER / "admin.log").read_text(encoding="utf-8")
        + f"\n2026-11-25 17:10:00 Subject: {subject}\nFrom: alice@acme.com\n"
        "To: bob@customer.com\nLOG_OK\n",
        encoding="utf-8",
    )
    page = report(tmp_path, log, STARTER / "org.yaml", "--as-of", "2026-11-26T09:00Z")
    html = page.read_text(encoding="utf-8")
    assert "table { display: block; max-width: 100%; overflow-x: auto; }" in html
    assert '<details class="long"><summary>Quarterly pricing' in html
    assert subject.strip() in html  # the full text is one click away
    shot = tmp_path / "phone.png"
    chromium(tmp_path, "--window-size=390,2400", f"--screenshot={shot}", page.as_uri())
    assert colour_pixels(shot, MISMATCH_RED) > 300  # the charts shrink to a phone, still red


def test_hostile_subjects_stay_text_in_the_browser(tmp_path: Path) -> None:
    page = report(tmp_path, HERE / "hostile.log", HERE / "org.yaml")
    dom = chromium(tmp_path, "--dump-dom", page.as_uri()).stdout
    assert "Admin-log diagnosis" in dom
    assert "<script" not in dom.lower() and "<img" not in dom.lower()
    assert "&lt;script&gt;alert(" in dom and "&lt;img src=x onerror=alert(1)&gt;" in dom
    assert 'href="javascript:' not in dom.lower()


PAYLOADS = (
    "<script>document.body.setAttribute('data-pwned','script')</script>",
    "<img src=x onerror=\"document.body.setAttribute('data-pwned','img')\">",
    "<a href=\"javascript:document.body.setAttribute('data-pwned','link')\">click</a>",
    '<svg onload="alert(1)"></svg>',
)


def test_hostile_email_text_never_runs_in_any_html_report(tmp_path: Path) -> None:
    config = STARTER / "org.yaml"
    log = tmp_path / "evil.log"
    log.write_text(
        "".join(
            f'2026-11-2{i} 10:00:00 Subject: {p}\nFrom: "{p}" <pat@customer.com>\n'
            f"To: alice@acme.com\nMessage-ID: <{i}@x>\nLOG_OK\n\n"
            for i, p in enumerate(PAYLOADS)
        ),
        encoding="utf-8",
    )
    emails = tmp_path / "evil.json"
    emails.write_text(
        json.dumps(
            {
                "emails": [
                    {
                        "from": '"' + p.replace('"', "'") + '" <pat@customer.com>',
                        "to": ["alice@acme.com"],
                        "subject": p,
                    }
                    for p in PAYLOADS
                ]
            }
        ),
        encoding="utf-8",
    )
    pages = {
        "diagnose": report(tmp_path, log, config),
        "why": tmp_path / "why.html",
        "simulate": tmp_path / "simulate.html",
    }
    runner = CliRunner()
    why = runner.invoke(
        app,
        [
            "why",
            str(log),
            "--subject",
            "<",
            "--config",
            str(config),
            "--format",
            "html",
            "--output",
            str(pages["why"]),
        ],
    )
    assert why.exit_code == 0, why.output
    sim = runner.invoke(
        app,
        [
            "simulate",
            str(emails),
            "--config",
            str(config),
            "--format",
            "html",
            "--output",
            str(pages["simulate"]),
        ],
    )
    assert sim.exit_code == 0, sim.output
    for name, page in pages.items():
        html = page.read_text(encoding="utf-8")
        assert "Content-Security-Policy" in html and "<script" not in html, name
        done = chromium(tmp_path, "--dump-dom", page.as_uri())
        assert done.returncode == 0, done.stderr[-500:]
        dom = done.stdout
        tags = _tags(dom)
        assert tags, name
        for tag, attrs in tags:
            assert tag not in ("script", "iframe", "object", "embed"), (name, tag)
            for key, value in attrs:
                assert not key.startswith("on") and key != "data-pwned", (name, tag, key)
                assert not (value or "").strip().lower().startswith("javascript:"), (name, tag)
        assert "&lt;script&gt;" in dom, name  # the payload is shown as text


def _tags(dom: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """Every element of the page the browser built, with its attributes."""
    from html.parser import HTMLParser

    found: list[tuple[str, list[tuple[str, str | None]]]] = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.append((tag, attrs))

    Collector().feed(dom)
    return found
