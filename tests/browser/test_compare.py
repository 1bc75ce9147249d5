"""The compare view in a real JupyterLab: real Keras and scikit-learn runs, compared.

The journal is written by real fits (two Keras MLPs, one of them slow enough to start far
above the other, a scikit-learn MLPRegressor, and a loop of three Ridge fits in one block)
through ``kepler_jupyter.watch`` in a subprocess; the tests compare the first three in the
panel, and the loop's runs from its group row. Screenshots: test-output/compare*.png.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap

import pytest
from lab_session import (
    PANEL,
    TEST_OUTPUT,
    UI_TIMEOUT_MS,
    open_lab_page,
    open_sidebar,
    set_lab_theme,
)

pytestmark = pytest.mark.timeout(900)
RUNS = ("keras lr 0.01", "keras lr 0.001", "sklearn mlp")

MAKE_JOURNAL = textwrap.dedent("""
    import numpy as np
    import keras
    from sklearn.neural_network import MLPRegressor
    import kepler_jupyter

    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 6)).astype("float32")
    y = (X @ rng.normal(size=6) * 3 + 8).astype("float32")  # unscaled target: loss starts high
    for name, rate, batch in (("keras lr 0.01", 0.01, 32), ("keras lr 0.001", 0.001, 16)):
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(16, activation="relu"),
                                  keras.layers.Dense(1)])
        model.compile(optimizer=keras.optimizers.Adam(rate), loss="mse")
        with kepler_jupyter.watch(name=name):
            model.fit(X, y, epochs=8, batch_size=batch, validation_split=0.2, verbose=0)
    with kepler_jupyter.watch(name="sklearn mlp"):
        MLPRegressor(hidden_layer_sizes=(16,), max_iter=8, random_state=0).fit(X, y)
    from sklearn.linear_model import Ridge
    with kepler_jupyter.watch(name="ridge loop"):  # three fits of one block: a loop group
        for alpha in (0.01, 1.0, 100.0):
            Ridge(alpha=alpha).fit(X, y)
""")


@pytest.fixture(scope="module")
def lab_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("compare_root")
    env = {**os.environ, "KEPLER_PROJECT_DIR": str(root), "TF_CPP_MIN_LOG_LEVEL": "2"}
    subprocess.run([sys.executable, "-c", MAKE_JOURNAL], cwd=root, env=env, check=True,
                   capture_output=True, timeout=600)
    return root


def _open_comparison(page):
    open_sidebar(page)
    for name in RUNS:
        page.locator(f"{PANEL} .jp-kepler-row").filter(
            has=page.locator(".jp-kepler-row-name", has_text=re.compile(f"^{re.escape(name)}$"))
        ).locator(".jp-kepler-row-check").check()
    page.locator(f"{PANEL} button", has_text="Compare (3)").click()
    view = page.locator(".jp-kepler-CompareView")
    view.locator(".jp-kepler-chart svg").first.wait_for(timeout=UI_TIMEOUT_MS)
    return view


def _luminance(rgb: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(int(v)) for v in re.findall(r"\d+", rgb)[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _line_contrasts(view) -> list[float]:
    """Contrast of each drawn run colour with the view's background, as the browser renders."""
    background = view.evaluate("v => getComputedStyle(v).backgroundColor")
    strokes = view.locator(".jp-kepler-compare-charts path.jp-kepler-chart-line").evaluate_all(
        "paths => paths.map(p => getComputedStyle(p).stroke)")
    assert len(set(strokes)) == 3, strokes  # three runs, three colours
    return [_contrast(stroke, background) for stroke in strokes]


def _comparison(lab) -> dict:
    listing = lab.api("GET", "kepler/api/experiments?limit=50")
    ids = {row["name"]: row["id"] for row in listing["items"]}
    return lab.api("GET", "kepler/api/compare?ids=" + ",".join(ids[name] for name in RUNS))


def test_compare_three_runs_of_two_frameworks(lab, browser, dialogs):
    comparison = _comparison(lab)
    assert [record["framework"] for record in comparison["experiments"]] == [
        "keras", "keras", "sklearn"]
    rows = comparison["settings"]
    differing = [row["key"] for row in rows if row["differs"]]
    # Counted naively (a missing value differs from any value) almost every Keras setting
    # would differ because the scikit-learn run has none of them.
    naive = [row["key"] for row in rows if len({json.dumps(v) for v in row["values"]}) > 1]
    assert len(naive) > 3 * len(differing), (naive, differing)
    assert "params.batch_size" in differing and "params.epochs" not in differing

    page = open_lab_page(browser, lab, dialogs=dialogs)
    view = _open_comparison(page)

    # Settings: only those that differ, on by default, and the count says so.
    toggle = view.get_by_label("only the settings that differ")
    assert toggle.is_checked()
    heading = view.locator("h3", has_text="Settings (")
    assert heading.inner_text() == f"Settings ({len(differing)} of {len(rows)} differ)"
    shown = view.locator(".jp-kepler-settings-table tr.jp-kepler-differs th[scope='row']")
    assert sorted(shown.all_inner_texts()) == sorted(differing)
    assert view.locator(".jp-kepler-settings-table tbody tr:not(.jp-kepler-differs)").count() == 0
    toggle.uncheck()
    na = view.locator("td.jp-kepler-not-applicable")
    assert na.count() >= 5 and na.first.get_attribute("title") == "sklearn has no such setting"
    toggle.check()

    # Full width: the view fills the main area, and charts sit side by side.
    main_width = page.locator("#jp-main-dock-panel").bounding_box()["width"]
    view_width = view.locator(".jp-kepler-compare").bounding_box()["width"]
    assert view_width > 0.9 * main_width, (view_width, main_width)
    charts = view.locator(".jp-kepler-compare-charts .jp-kepler-chart")
    assert charts.count() == 2  # loss, val_loss
    first, second = charts.nth(0).bounding_box(), charts.nth(1).bounding_box()
    assert abs(first["y"] - second["y"]) < 2 and second["x"] > first["x"] + first["width"] * 0.9

    loss = charts.filter(has=page.locator("figcaption", has_text=re.compile("^loss"))).first
    assert loss.locator("path.jp-kepler-chart-line").count() == 3
    assert min(_line_contrasts(view)) >= 3

    # Hover: the tooltip names each run's value at the epoch under the pointer.
    overlay = loss.locator("rect.jp-kepler-chart-overlay")
    box = overlay.bounding_box()
    overlay.hover(position={"x": box["width"] * 3 / 7, "y": box["height"] / 2})  # epoch 4 of 8
    tooltip = loss.locator(".jp-kepler-chart-tooltip")
    tooltip.wait_for(timeout=UI_TIMEOUT_MS)
    assert tooltip.locator(".jp-kepler-chart-tooltip-epoch").inner_text() == "epoch 4"
    for record in comparison["experiments"]:
        line = tooltip.locator("tr").filter(has=page.locator("th", has_text=record["name"]))
        shown_value = float(line.locator(".jp-kepler-chart-tooltip-value").inner_text()
                            .replace(",", ""))
        assert shown_value == pytest.approx(record["history"]["loss"][3], rel=1e-3)

    # Pointing at a legend entry fades the other runs' lines.
    loss.locator(".jp-kepler-legend li", has_text="sklearn mlp").hover()
    assert loss.locator("g.jp-kepler-chart-faded").count() == 2
    assert loss.locator("g.jp-kepler-chart-picked").count() == 1
    page.mouse.move(5, 5)

    # Log scale: the y axis switches to powers of ten.
    linear_ticks = loss.locator(".jp-kepler-chart-ytick").all_text_contents()
    loss.get_by_role("button", name="log").click()
    page.wait_for_selector(".jp-kepler-compare-charts .jp-kepler-chart[data-scale='log']")
    log_ticks = loss.locator(".jp-kepler-chart-ytick").all_text_contents()
    assert log_ticks != linear_ticks
    assert all(re.fullmatch(r"1(0|,000)*|0\.0*1", tick) for tick in log_ticks), log_ticks

    # Zoom: a drag across epochs narrows the window; a double-click resets it.
    assert loss.get_attribute("data-window") == "1-8"
    box = overlay.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.05, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.45, box["y"] + box["height"] / 2, steps=5)
    page.mouse.up()
    zoomed = loss.get_attribute("data-window")
    assert zoomed != "1-8" and zoomed.startswith("1-"), zoomed
    overlay.dblclick()
    assert loss.get_attribute("data-window") == "1-8"

    # Parallel coordinates: one axis per varying setting (fingerprints aside) + the metric.
    axes = view.locator(".jp-kepler-parallel-axis")
    expected = [key for key in differing if not key.startswith("fingerprint.")]
    metric = comparison["metric"]["name"]
    names = [axes.nth(i).get_attribute("data-axis") for i in range(axes.count())]
    assert names == [*expected, metric]
    lines = view.locator("path.jp-kepler-parallel-line")
    assert lines.count() == 3
    target = comparison["experiments"][1]
    view.locator(f"path.jp-kepler-parallel-line[data-experiment-id='{target['id']}']").hover()
    readout = view.locator(".jp-kepler-parallel-readout")
    assert target["name"] in readout.inner_text()
    assert view.locator("path.jp-kepler-parallel-faded").count() == 2

    TEST_OUTPUT.mkdir(exist_ok=True)
    view.locator(".jp-kepler-parallel").scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    page.screenshot(path=str(TEST_OUTPUT / "compare-parallel.png"))

    page.mouse.move(5, 5)
    loss.get_by_role("button", name="log").click()  # back to linear for the picture
    view.locator("h1").scroll_into_view_if_needed()
    overlay.hover(position={"x": box["width"] * 3 / 7, "y": box["height"] / 2})
    page.wait_for_timeout(300)
    page.screenshot(path=str(TEST_OUTPUT / "compare.png"))
    page.close()


def test_compare_a_groups_runs_from_its_row(lab, browser, dialogs):
    page = open_lab_page(browser, lab, dialogs=dialogs)
    open_sidebar(page)
    group_row = page.locator(f"{PANEL} .jp-kepler-row-group-loop")
    group_row.first.wait_for(timeout=UI_TIMEOUT_MS)
    group_row.first.click(button="right")
    page.locator(".lm-Menu-itemLabel", has_text="Compare the Group's Runs").click()
    view = page.locator(".jp-kepler-CompareView")
    view.locator(".jp-kepler-parallel").wait_for(timeout=UI_TIMEOUT_MS)
    assert view.locator("h1").inner_text() == "Comparing 3 experiments"
    alpha = view.locator(
        ".jp-kepler-parallel-axis[data-axis='params.estimator_params.alpha']")
    assert alpha.get_attribute("data-kind") == "log"  # 0.01 to 100: four decades
    assert alpha.locator("tspan.jp-kepler-parallel-axis-label").text_content() == "alpha"
    assert alpha.locator("text.jp-kepler-chart-label").all_text_contents() == ["0.01", "1", "100"]
    assert view.locator("path.jp-kepler-parallel-line").count() == 3
    page.close()


def test_run_colours_keep_their_contrast_on_the_dark_theme(lab, browser, dialogs):
    set_lab_theme(lab, "JupyterLab Dark")
    try:
        page = open_lab_page(browser, lab, dialogs=dialogs)
        page.wait_for_selector("body[data-jp-theme-light='false']", state="attached",
                               timeout=UI_TIMEOUT_MS)
        view = _open_comparison(page)
        background = view.evaluate("v => getComputedStyle(v).backgroundColor")
        assert _luminance(background) < 0.05, background  # the dark theme is on
        assert min(_line_contrasts(view)) >= 3
        page.screenshot(path=str(TEST_OUTPUT / "compare-dark.png"))
        page.close()
    finally:
        set_lab_theme(lab, "JupyterLab Light")
