"""The page in a real browser: headless Debian Chromium driven by Selenium, as a person uses it.

The app runs in its own process on 127.0.0.1 (`pglsum app`, random feature weights, a tiny random model
folder); the test uploads a SYNTHETIC video with known scenes, chooses a budget in seconds, presses
Summarize, and compares what the page shows with what `pglsum summarize` writes for the same video.
Set PGLSUM_APP_SCREENSHOT=docs/pages/images/app_screenshot.png to refresh the screenshot of the docs (app page).
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from pglsum_hf.commands.summarize import main as summarize_main
from pglsum_hf.video import make_synthetic_video

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
if CHROMIUM is None or CHROMEDRIVER is None:
    pytest.skip(
        "browser tests need Debian's chromium and chromium-driver (`apt-get install -y chromium chromium-driver`; .ci/run installs them)",
        allow_module_level=True,
    )
pytest.importorskip("gradio", reason="the page needs the [app] extra (gradio)")
webdriver = pytest.importorskip("selenium.webdriver", reason="browser tests need selenium (the [test] extra)")
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

MAX_SECONDS = 3.0
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--window-size=1400,1500",
)  # fmt: skip
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("app_browser")


@pytest.fixture(scope="module")
def model_dir(random_model_dir):
    return random_model_dir


@pytest.fixture(scope="module")
def video(workdir):
    """Five scenes, 10 s, tiny frames: seconds to summarize."""
    return make_synthetic_video(
        workdir / "scenes.mp4", scene_seconds=[2.0, 1.0, 3.0, 1.5, 2.5], width=192, height=108, fps=20, seed=5
    )


@pytest.fixture(scope="module")
def expected(model_dir, video, workdir):
    """What `pglsum summarize` writes for the same video, model, weights and budget."""
    output = workdir / "cli"
    assert summarize_main([str(video.path), "--model", str(model_dir), "--output_dir", str(output), "--feature_weights", "random", "--max_seconds", str(MAX_SECONDS)]) == 0  # fmt: skip
    return json.loads((output / "scenes.json").read_text())


@pytest.fixture(scope="module")
def app_url(model_dir, workdir):
    port = _free_port()
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "pglsum_hf.cli", "app", "--model", str(model_dir), "--feature_weights", "random",
               "--host", "127.0.0.1", "--port", str(port), "--examples_dir", str(workdir / "examples")]  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    with open(workdir / "server.log", "w") as log:
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            _wait_until_serving(server, url, workdir / "server.log")
            yield url
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()


def _wait_until_serving(server, url, log_path, timeout_s=300):
    deadline = time.monotonic() + timeout_s
    while True:
        if server.poll() is not None:
            pytest.fail(f"`pglsum app` exited with {server.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            urllib.request.urlopen(url, timeout=5).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                pytest.fail(f"`pglsum app` did not answer on {url}:\n{log_path.read_text()[-3000:]}")
            time.sleep(1)


@pytest.fixture(scope="module")
def browser(workdir):
    options = Options()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={workdir / 'chromium-profile'}")
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def _open(browser, url):
    browser.get(url)
    WebDriverWait(browser, 120).until(lambda driver: driver.find_elements(By.CSS_SELECTOR, "#summarize"))


def _upload(browser, path):
    browser.find_element(By.CSS_SELECTOR, "#input_video input[type=file]").send_keys(str(path))
    WebDriverWait(browser, 60).until(lambda driver: driver.find_elements(By.CSS_SELECTOR, "#input_video video"))


def _status(browser) -> str:
    return browser.find_element(By.CSS_SELECTOR, "#status").text


def _error_messages(browser) -> str:
    """The text of Gradio's error pop-ups (what `gr.Error` shows on the page)."""
    return " ".join(element.text for element in browser.find_elements(By.CSS_SELECTOR, "[data-testid='toast-body']"))


def _table(browser) -> list[list[str]]:
    """The segments table's body cells (Gradio draws them as role=gridcell with data-row / data-col), by row."""
    cells = browser.execute_script(
        "return [...document.querySelectorAll('#segments [role=gridcell][data-row]')]"
        ".map(c => [Number(c.dataset.row), Number(c.dataset.col), c.innerText.trim()])"
    )
    rows: dict[int, dict[int, str]] = {}
    for row, column, text in cells:
        rows.setdefault(row, {})[column] = text
    return [
        [cells_[column] for column in sorted(cells_)] for _, cells_ in sorted(rows.items()) if any(cells_.values())
    ]


@pytest.fixture(scope="module")
def result_page(browser, app_url, video, workdir):
    """The page after summarizing ``video`` with a budget of MAX_SECONDS seconds."""
    _open(browser, app_url)
    _upload(browser, video.path)
    browser.find_element(By.XPATH, "//*[@id='budget_mode']//label[contains(., 'maximum seconds')]").click()
    seconds = WebDriverWait(browser, 30).until(
        lambda driver: driver.find_element(By.CSS_SELECTOR, "#max_seconds input[type=number]")
    )
    seconds.clear()
    seconds.send_keys(str(MAX_SECONDS))
    browser.find_element(By.CSS_SELECTOR, "#summarize").click()
    WebDriverWait(browser, 300).until(
        lambda driver: "selected" in _status(driver) or "Could not" in _error_messages(driver)
    )
    browser.save_screenshot(str(workdir / "after_summarize.png"))
    assert "Could not" not in _error_messages(browser), _error_messages(browser)
    # The video element loads its metadata (duration) asynchronously.
    WebDriverWait(browser, 60).until(
        lambda driver: driver.execute_script(
            "const v = document.querySelector('#summary_video video'); return v && v.readyState >= 1"
        )
    )
    shots = [workdir / "result_page.png"]
    if os.environ.get("PGLSUM_APP_SCREENSHOT"):
        shots.append(Path(os.environ["PGLSUM_APP_SCREENSHOT"]))
    for path in shots:
        browser.save_screenshot(str(path))
    return browser


def test_page_says_synthetic(result_page):
    notice = result_page.find_element(By.CSS_SELECTOR, "#synthetic_notice").text
    assert "SYNTHETIC" in notice and "random" in notice


def test_summary_video_plays_with_the_summary_length(result_page, expected):
    assert "Could not" not in _error_messages(result_page)
    source, duration = result_page.execute_script(
        "const v = document.querySelector('#summary_video video'); return [v.currentSrc, v.duration]"
    )
    assert source.endswith(".mp4")
    assert 0 < expected["summary_duration"] <= MAX_SECONDS
    assert duration == pytest.approx(expected["summary_duration"], abs=0.15)


def test_table_lists_the_segments_of_pglsum_summarize(result_page, expected):
    rows = _table(result_page)
    wanted = [
        [
            str(number),
            str(segment["start_frame"]),
            str(segment["end_frame"]),
            segment["start_time"],
            segment["end_time"],
            segment["score"],
        ]
        for number, segment in enumerate(expected["segments"], start=1)
    ]
    assert len(rows) == len(wanted) > 0
    for row, want in zip(rows, wanted):
        assert row[:3] == want[:3]
        assert [float(cell) for cell in row[3:]] == pytest.approx(want[3:], abs=0.01)


def test_plot_is_shown(result_page):
    width = result_page.execute_script(
        "const img = document.querySelector('#plot img'); return img && img.complete ? img.naturalWidth : 0"
    )
    assert width > 100


def test_downloads_offer_the_json_and_the_video(result_page):
    links = result_page.execute_script("return [...document.querySelectorAll('#downloads a[href]')].map(a => a.href)")
    names = sorted(link.rsplit("/", 1)[-1].split("?")[0] for link in links)
    assert names == ["scenes.json", "scenes.mp4"]


def test_an_invalid_file_shows_a_message_not_a_traceback(browser, app_url, workdir, result_page):
    fake = workdir / "notes.mp4"
    fake.write_text("this is a text file, not a video\n")
    _open(browser, app_url)
    _upload(browser, fake)
    browser.find_element(By.CSS_SELECTOR, "#summarize").click()
    WebDriverWait(browser, 120).until(lambda driver: "Could not summarize" in _error_messages(driver))
    message = _error_messages(browser)
    assert "notes.mp4" in message and "not a readable video" in message
    assert "Traceback" not in browser.page_source
    assert _table(browser) == []


def test_an_example_is_summarized_with_progress_shown(browser, app_url, result_page):
    """Picking a SYNTHETIC example fills the input; while the job runs, the page shows the summarizer's stages."""
    _open(browser, app_url)
    browser.find_element(
        By.XPATH, "//*[contains(@class, 'gallery')]//button | //button[contains(@class, 'gallery')]"
    ).click()
    WebDriverWait(browser, 60).until(lambda driver: driver.find_elements(By.CSS_SELECTOR, "#input_video video"))
    browser.find_element(By.CSS_SELECTOR, "#summarize").click()
    progress_texts = set()
    deadline = time.monotonic() + 300
    while (
        "selected" not in _status(browser)
        and "Could not" not in _error_messages(browser)
        and time.monotonic() < deadline
    ):
        progress_texts.add(browser.execute_script(
            "return [...document.querySelectorAll('[data-testid=status-tracker]')].map(e => e.innerText).join(' ')"
        ))  # fmt: skip
        time.sleep(0.1)
    assert "selected" in _status(browser), _status(browser)
    shown = " ".join(progress_texts)
    assert "decode + features" in shown or "summary video" in shown, shown[:500]
    assert "synthetic_six_scenes_with_sound" in browser.find_element(By.CSS_SELECTOR, "#downloads").text.replace(
        "\n", ""
    )
