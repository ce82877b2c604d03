"""The dataset panel: episode list, totals, histograms, deleting episodes off the GUI thread."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QTimer
from PyQt6.QtWidgets import QApplication, QMessageBox

import bc
from bc.data.archive import atomic_savez, load
from recorder_app.state import DatasetSummary
from recorder_app.widgets.dataset_panel import DatasetPanel, episode_rows, row_cells, totals_text
from tests.app.conftest import QT_MARKS

pytestmark = QT_MARKS


def make_dataset(path, env_id="CartPole-v1", episodes=3, seed=0):
    rng = np.random.default_rng(seed)
    env_kwargs = {"max_episode_steps": 20}
    import gymnasium as gym

    env = gym.make(env_id, **env_kwargs)
    bc.generate_expert_traj(
        lambda _obs: env.action_space.sample(),
        path,
        env,
        n_episodes=episodes,
        seed=int(rng.integers(100)),
    )
    env.close()
    return load(path)


def test_rows_and_totals_describe_each_episode(app_home):
    data = make_dataset(app_home / "d.npz")
    rows = episode_rows(DatasetSummary.of(data))
    assert [r.index for r in rows] == [0, 1, 2]
    assert [r.length for r in rows] == list(data.episode_lengths)
    cells = row_cells(rows[0])
    assert cells[0] == "0" and cells[2] == str(data.episode_lengths[0])
    assert cells[4] in ("term.", "trunc.") and cells[5] != "-"
    assert cells[1] == "" and cells[7] == "" and cells[8] == ""  # no flag, tags or note yet
    assert cells[9:] == ("demonstration", "-")  # a plain recording: Kind, nobody took over
    text = totals_text(DatasetSummary.of(data))
    assert text.startswith(f"3 episodes · {data.n_steps:,} steps (vector obs)")
    assert totals_text(None).startswith("No episodes yet")


def test_panel_shows_episodes_and_histograms(qtbot, app_home):
    data = make_dataset(app_home / "d.npz")
    panel = DatasetPanel()
    qtbot.addWidget(panel)
    panel.show_dataset(data.path, DatasetSummary.of(data))
    assert panel.table.rowCount() == 3
    assert panel.table.item(2, 3).text() == f"{data.episode_returns[2]:.2f}"
    curves = panel.returns_plot.listDataItems()
    assert len(curves) == 1
    _x, y = curves[0].getData()
    assert y.sum() == 3  # one count per episode
    bars = [i for i in panel.actions_plot.items if isinstance(i, pg.BarGraphItem)]
    assert len(bars) == 1
    assert sum(bars[0].opts["height"]) == data.n_steps
    assert not panel.delete_button.isEnabled()
    panel.select_episodes([1])
    assert panel.selected_episodes() == [1] and panel.delete_button.isEnabled()
    panel.set_delete_allowed(False, "recording")
    assert not panel.delete_button.isEnabled() and panel.delete_button.toolTip() == "recording"
    panel.show_dataset(app_home / "new.npz", None)
    assert panel.table.rowCount() == 0 and "(new)" in panel.path_label.text()


def test_box_actions_get_one_histogram_per_dimension(qtbot, app_home):
    data = make_dataset(app_home / "bw.npz", env_id="BipedalWalker-v3", episodes=2)
    panel = DatasetPanel()
    qtbot.addWidget(panel)
    panel.show_dataset(data.path, DatasetSummary.of(data))
    assert len(panel.dim_plots) == 4  # BipedalWalker: 4 torques, one small plot each
    for plot in panel.dim_plots:
        (curve,) = plot.listDataItems()  # not drawn on top of each other
        assert curve.getData()[1].sum() == data.n_steps
        assert not math.isnan(float(curve.getData()[0][0]))
    assert panel.actions_plot.scene() is None  # the single plot made way for the four


def test_no_episodes_shows_a_line_instead_of_empty_plots(qtbot, app_home):
    panel = DatasetPanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.show_dataset(app_home / "new.npz", None)
    assert not panel.plots.isVisible() and panel.no_plots_label.isVisible()
    data = make_dataset(app_home / "d.npz", episodes=1)
    panel.show_dataset(data.path, DatasetSummary.of(data))
    assert panel.plots.isVisible() and not panel.no_plots_label.isVisible()


def test_deleting_an_episode_from_the_window(open_window, qtbot, app_home):
    path = app_home / "demo.npz"
    data = make_dataset(path, episodes=3)
    win = open_window(dataset=path)
    panel = win.dataset_panel
    qtbot.waitUntil(lambda: panel.table.rowCount() == 3)
    panel.select_episodes([1])

    def confirm() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox) and "Delete episode(s) 1" in box.text()
        box.button(QMessageBox.StandardButton.Yes).click()

    QTimer.singleShot(0, confirm)
    with qtbot.waitSignal(
        win.session.dataset.changed,
        timeout=20_000,
        check_params_cb=lambda v: v.data is not None and v.data.n_episodes == 2,
    ):
        panel.delete_button.click()
    assert panel.table.rowCount() == 2
    after = load(path)
    np.testing.assert_array_equal(after.episode_returns, data.episode_returns[[0, 2]])
    np.testing.assert_array_equal(
        after.obs,
        np.concatenate([data.obs[data.episode_slice(0)], data.obs[data.episode_slice(2)]]),
    )
    assert "2 episodes" in panel.totals_label.text()


def test_delete_is_off_while_recording(open_window, qtbot, app_home):
    path = app_home / "demo.npz"
    make_dataset(path, episodes=2)
    win = open_window(dataset=path, env_kwargs={"max_episode_steps": 5})
    panel = win.dataset_panel
    qtbot.waitUntil(lambda: panel.table.rowCount() == 2)
    panel.select_episodes([0])
    assert panel.delete_button.isEnabled()
    with qtbot.waitSignal(win.session.recording.recording_changed, timeout=20_000):
        win.actions_by_name["record"].trigger()
    assert not panel.delete_button.isEnabled() and not panel.open_button.isEnabled()
    win.session.dataset.delete_episodes([0])  # refused, with a note
    with qtbot.waitSignal(win.session.recording.recording_changed, timeout=20_000):
        win.actions_by_name["record"].trigger()
    assert load(path).n_episodes >= 2


def test_new_dataset_over_an_existing_file_replaces_it_when_recording(open_window, qtbot, app_home):
    path = app_home / "old.npz"
    make_dataset(path, episodes=3)
    win = open_window(env_kwargs={"max_episode_steps": 5})
    with qtbot.waitSignal(win.session.dataset.changed):
        win.session.dataset.new(path)
    assert "replaced" in win.dataset_panel.warning_label.text()
    assert win.dataset_panel.table.rowCount() == 0
    with qtbot.waitSignal(win.session.recording.recording_changed, timeout=20_000):
        win.actions_by_name["record"].trigger()
    qtbot.waitUntil(lambda: len(win.session.recording.saved) >= 1, timeout=20_000)
    with qtbot.waitSignal(win.session.recording.recording_changed, timeout=20_000):
        win.actions_by_name["record"].trigger()
    data = load(path)
    assert data.n_episodes >= 1 and data.episode_lengths[0] == 5
    assert data.metadata["recorded_with"] == "recorder-app"


def test_opening_a_corrupt_dataset_shows_a_dialog(open_window, qtbot, app_home):
    bad = app_home / "bad.npz"
    bad.write_bytes(b"not a zip")
    win = open_window()
    with qtbot.waitSignal(win.errors.error_shown, timeout=20_000) as blocker:
        win.session.dataset.open(bad)
    assert blocker.args[0] == "Cannot open dataset" and "bad.npz" in blocker.args[1]
    assert win.dataset_panel.table.rowCount() == 0


def test_action_histograms_use_the_key_maps_names(open_window, qtbot, app_home):
    path = app_home / "pole.npz"
    make_dataset(path, episodes=2)
    win = open_window(dataset=path)
    plot = win.dataset_panel.actions_plot
    qtbot.waitUntil(lambda: "push right" in plot.getAxis("bottom").labelText)
    assert plot.getAxis("bottom").labelText == "0 push left · 1 push right"
    panel = DatasetPanel()
    qtbot.addWidget(panel)
    lander = ("nothing", "left engine", "main engine", "right engine")
    panel.set_action_names(lander, ())
    panel.show_dataset(path, DatasetSummary.of(bc.load(path)))
    assert panel.actions_plot.getAxis("bottom").labelText == "action"  # too long for the dock
    assert "2 main engine" in panel.plots.toolTip()
    panel.set_action_names((), ("hip 1", "knee 1", "hip 2", "knee 2"))
    walker = make_dataset(app_home / "bw.npz", "BipedalWalker-v3", 1)
    panel.show_dataset(walker.path, DatasetSummary.of(walker))
    names = [plot.listDataItems()[0].name() for plot in panel.dim_plots]
    assert names == ["hip 1", "knee 1", "hip 2", "knee 2"]
    assert "knee 2" in panel.dim_plots[3].titleLabel.text


def test_kind_filter_shows_one_kind_of_episode(qtbot, app_home):
    from tests.app.dagger_data import make_corrected

    path = make_corrected(app_home / "corrected.npz", steps=40, corrections=3)
    data = load(path)
    arrays = dict(data.to_arrays())
    kinds = arrays["episode_kind"].copy()
    kinds[-1] = "rollout"  # as a policy's unlabelled run would be stored
    arrays["episode_kind"] = kinds
    atomic_savez(path, arrays)
    data = load(path)
    panel = DatasetPanel()
    qtbot.addWidget(panel)
    panel.show_dataset(path, DatasetSummary.of(data))
    assert [panel.kind_filter.itemText(i) for i in range(panel.kind_filter.count())] == [
        "all kinds", "demonstration", "correction", "rollout",
    ]  # fmt: skip
    every = list(range(data.n_episodes))
    assert panel.visible_episodes() == every
    for kind in ("demonstration", "correction", "rollout"):
        panel.kind_filter.setCurrentText(kind)
        expected = [i for i in every if data.episode_kind[i] == kind]
        assert expected and panel.visible_episodes() == expected
    # both filters apply: no correction is flagged good yet, every one is unset
    panel.kind_filter.setCurrentText("correction")
    panel.flag_filter.setCurrentText("good")
    assert panel.visible_episodes() == []
    panel.flag_filter.setCurrentText("unset")
    assert panel.visible_episodes() == [i for i in every if data.episode_kind[i] == "correction"]
    panel.flag_filter.setCurrentText("any flag")
    panel.kind_filter.setCurrentText("all kinds")
    assert panel.visible_episodes() == every


def test_an_empty_dataset_being_recorded_does_not_ask_for_ctrl_r(open_window, qtbot, app_home):
    win = open_window(env_kwargs={"max_episode_steps": 400}, fps=30)
    panel = win.dataset_panel
    qtbot.waitUntil(lambda: win.session.player.human is not None)
    assert panel.totals_label.text().startswith("No episodes yet: press Ctrl+R")
    with qtbot.waitSignal(win.session.recording.recording_changed, timeout=20_000):
        win.actions_by_name["record"].trigger()
    assert panel.totals_label.text() == "Recording: each episode appears here as it ends."
    qtbot.waitUntil(lambda: (s := win.session.recording.last_status) is not None and s.step > 3)
    with qtbot.waitSignal(win.session.recording.recording_changed, timeout=20_000):
        win.actions_by_name["record"].trigger()  # stop: the partial episode is kept
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1, timeout=10_000)
    assert panel.totals_label.text().startswith("1 episodes")
