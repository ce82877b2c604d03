"""The Replay tab: re-simulated CartPole episodes reproduce their rewards; disagreement strip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PyQt6.QtCore import Qt

import bc
from bc.data.archive import atomic_savez
from bc.envs import make_env
from bc.experts import cartpole_balance
from bc.train.loop import pretrain
from bc.train.policies import make_policy
from tests.app.conftest import QT_MARKS

pytestmark = QT_MARKS


@pytest.fixture
def cartpole_dataset(app_home: Path) -> Path:
    """Three CartPole episodes of 40 steps by the balance controller."""
    path = app_home / "expert_cartpole.npz"
    env = make_env("CartPole-v1", render_mode=None, max_episode_steps=40)
    bc.generate_expert_traj(cartpole_balance, str(path), env, n_episodes=3, seed=5)
    env.close()
    return path


def open_replay(open_window, qtbot, dataset: Path, index: int):
    win = open_window(env_kwargs={"max_episode_steps": 40}, dataset=dataset)
    qtbot.waitUntil(lambda: win.dataset_panel.table.rowCount() == 3, timeout=10_000)
    win.dataset_panel.select_episodes([index])
    assert win.dataset_panel.replay_button.isEnabled()
    qtbot.mouseClick(win.dataset_panel.replay_button, Qt.MouseButton.LeftButton)
    panel = win.replay_panel
    qtbot.waitUntil(lambda: panel.check is not None, timeout=20_000)
    assert win.tabs.currentWidget() is panel
    return win, panel


def test_replay_of_a_cartpole_episode_reproduces_its_stored_rewards(
    open_window, qtbot, cartpole_dataset
):
    _win, panel = open_replay(open_window, qtbot, cartpole_dataset, 1)
    data = bc.load(cartpole_dataset)
    assert panel.index == 1 and panel.length == data.episode_lengths[1]
    assert panel.check.deterministic and panel.check.steps == panel.length
    assert "matches all 40 stored rewards" in panel.status_label.text().lower()
    # step by step with the buttons; each frame is the re-simulated env's, one per step
    qtbot.waitUntil(lambda: panel.shown_step == 0)
    qtbot.mouseClick(panel.forward_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.shown_step == 1)
    assert "step 2/40" in panel.info_label.text() and "return 2" in panel.info_label.text()
    panel.slider.setValue(30)
    qtbot.waitUntil(lambda: panel.shown_step == 30)
    assert panel.view.frames_painted > 0 or panel.view.isVisible()
    qtbot.mouseClick(panel.back_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.shown_step == 29)
    # playing runs to the end and stops
    panel.speed.setValue(240)
    panel.play_button.click()
    qtbot.waitUntil(lambda: panel.step == 39 and not panel.play_button.isChecked(), timeout=10_000)


def test_a_non_deterministic_episode_says_where_it_diverged(open_window, qtbot, app_home):
    path = app_home / "expert_cartpole.npz"
    env = make_env("CartPole-v1", render_mode=None, max_episode_steps=40)
    bc.generate_expert_traj(cartpole_balance, str(path), env, n_episodes=3, seed=5)
    env.close()
    data = bc.load(path)
    rewards = data.rewards.copy()
    start = int(np.flatnonzero(data.episode_starts)[2])
    rewards[start + 7] = 0.5  # as if the env had given another reward at step 7
    arrays = dict(data.to_arrays())
    arrays["rewards"] = rewards
    arrays["episode_returns"] = np.array(
        [rewards[a:a + n].sum() for a, n in zip(np.flatnonzero(data.episode_starts),
                                                  data.episode_lengths, strict=True)]
    )  # fmt: skip
    atomic_savez(path, arrays)
    _win, panel = open_replay(open_window, qtbot, path, 2)
    assert panel.check.diverged_at == 7
    assert "diverged at step 7" in panel.status_label.text()


def test_disagreement_strip_matches_policy_predict(open_window, qtbot, cartpole_dataset):
    data = bc.load(cartpole_dataset)
    env = make_env("CartPole-v1", render_mode=None)
    policy = make_policy(env.observation_space, env.action_space)
    env.close()
    dataset = bc.ExpertDataset(expert_path=cartpole_dataset, verbose=0, seed=0)
    pretrain(policy, dataset, n_epochs=1, learning_rate=1e-3, seed=0)  # half-trained: some differ
    _win, panel = open_replay(open_window, qtbot, cartpole_dataset, 0)
    panel.set_policy(policy)
    qtbot.waitUntil(lambda: panel.strip.marks is not None, timeout=10_000)
    sl = data.episode_slice(0)
    expected = policy.predict(data.obs[sl])[0].reshape(-1) != data.actions[sl].reshape(-1)
    np.testing.assert_array_equal(panel.strip.marks, expected)
    step = int(np.argmax(expected)) if expected.any() else 0
    panel.seek(step)
    mark = "≠" if expected[step] else "="
    assert f"policy {mark}" in panel.info_label.text()


def test_export_an_episode_as_gif(open_window, qtbot, cartpole_dataset, app_home):
    _win, panel = open_replay(open_window, qtbot, cartpole_dataset, 0)
    target = app_home / "episode.gif"
    panel.export(target)
    qtbot.waitUntil(lambda: "Exported" in panel.status_label.text(), timeout=30_000)
    with Image.open(target) as gif:  # Pillow merges identical frames: count time, not frames
        total_ms = 0
        for i in range(gif.n_frames):
            gif.seek(i)
            total_ms += gif.info["duration"]
    assert gif.n_frames > 1
    assert total_ms == pytest.approx(40 * 1000 / panel.speed.value(), rel=0.1)


def test_export_scaled_with_captions(open_window, qtbot, cartpole_dataset, app_home):
    _win, panel = open_replay(open_window, qtbot, cartpole_dataset, 0)
    plain, big = app_home / "plain.gif", app_home / "big.gif"
    panel.export(plain)
    qtbot.waitUntil(lambda: "Exported" in panel.status_label.text(), timeout=30_000)
    panel.export_scale.setValue(2)
    panel.export_overlay.setChecked(True)
    panel.status_label.setText("")
    panel.export(big)
    qtbot.waitUntil(lambda: "Exported" in panel.status_label.text(), timeout=30_000)
    with Image.open(plain) as a, Image.open(big) as b:
        w, h = a.size
        assert b.size[0] == 2 * w and b.size[1] > 2 * h  # twice as big, plus the caption band
        b.seek(0)
        band = np.asarray(b.convert("RGB"))[2 * h :]
        assert band.max() > 200 and (band == 0).mean() > 0.5  # white text on black
        frame = np.asarray(b.convert("RGB"))[: 2 * h]
        assert frame.mean() > 100  # the env's own picture, not covered


def test_export_overlay_helpers():
    from bc.export_overlay import ExportOptions, caption_lines, prepare_frames

    frame = np.zeros((4, 6, 1), np.uint8)
    (out,) = prepare_frames([frame], ExportOptions(scale=3))
    assert out.shape == (12, 18, 3)
    lines = caption_lines(2, 10, "push left", "push right", 3.0)
    assert lines == ["step 3/10   return 3.00", "human: push left   policy: push right"]
    (captioned,) = prepare_frames([frame], ExportOptions(scale=8, overlay=True), [lines])
    assert captioned.shape[0] > 32 and captioned.shape[1] == 48


class _Driver:
    """Steers CarRacing along a fixed pattern, so frames differ from step to step."""

    t = 0

    def __call__(self, _obs: np.ndarray) -> np.ndarray:
        self.t += 1
        return np.array([np.sin(self.t / 4.0), 0.5, 0.0], dtype=np.float32)


def test_an_image_episode_replays_its_png_files(open_window, qtbot, app_home):
    path = app_home / "car.npz"
    env = make_env("CarRacing-v3", render_mode=None, max_episode_steps=12)
    bc.generate_expert_traj(_Driver(), str(path), env, n_episodes=3, seed=1)
    env.close()
    data = bc.load(path)
    win = open_window("CarRacing-v3", env_kwargs={"max_episode_steps": 12}, dataset=path)
    qtbot.waitUntil(lambda: win.dataset_panel.table.rowCount() == 3, timeout=10_000)
    win.dataset_panel.select_episodes([2])
    qtbot.mouseClick(win.dataset_panel.replay_button, Qt.MouseButton.LeftButton)
    panel = win.replay_panel
    qtbot.waitUntil(lambda: panel.index == 2 and panel.length == 12, timeout=20_000)
    assert "frames from image files" in panel.title_label.text()
    assert panel.check is None  # nothing to re-simulate: the frames are the observations
    shown: dict[int, np.ndarray] = {}
    win.session.replay.worker.frame.connect(lambda step, image: shown.__setitem__(step, image))
    panel.slider.setValue(7)
    qtbot.waitUntil(lambda: panel.shown_step == 7)
    row = data.episode_slice(2).start + 7
    on_disk = np.asarray(Image.open(data.image_path(row)).convert("RGB"))
    np.testing.assert_array_equal(shown[7], on_disk)  # the stored frame, pixel for pixel
    assert "steer" in panel.info_label.text()  # the recorded action, as the bindings name it
