"""Take docs/tutorial.md's screenshots of the real app: `make screenshots` (under Xvfb).

Records scripted CartPole episodes, then drives the window as the tutorial does: the countdown
banner, flags, tags and notes in the dataset panel, the Train dock's episode selection, and a
captioned, scaled export frame. Without a display it falls back to Qt's offscreen platform.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from take_screenshots import CLOSED, OUT, close, pause, wait_until


def open_window(dataset: Path, countdown: float = 0.0) -> Any:
    """A main window on CartPole recording into `dataset`, shown and started."""
    from recorder_app.errors_ui import ErrorChannel
    from recorder_app.main_window import MainWindow
    from recorder_app.session import Session, SessionOptions
    from recorder_app.shortcuts import load_shortcuts

    options = SessionOptions(env_id="CartPole-v1", dataset=dataset, countdown=countdown, seed=11,
                             gamepads=False, list_envs=False)  # fmt: skip
    window: Any = MainWindow(Session(options), load_shortcuts(), ErrorChannel())
    window.resize(1280, 760)
    window.show()
    window.session.start()
    return window


def shoot_all(folder: Path) -> None:
    """Every tutorial screenshot, in the tutorial's order."""
    from PyQt6.QtWidgets import QApplication

    import bc
    from bc import curation
    from bc.envs import make_env
    from bc.experts import cartpole_balance
    from bc.export_overlay import ExportOptions, caption_lines, prepare_frames
    from bc.replay import EpisodeReplay

    app = QApplication.instance() or QApplication([])
    dataset = folder / "expert_cartpole_v1.npz"
    # 1. the countdown banner when recording starts
    w = open_window(dataset, countdown=3.0)
    wait_until(app, lambda: w.session.player.human is not None)
    pause(app, 0.5)
    w.actions_by_name["record"].trigger()
    wait_until(app, lambda: w.view.overlay().isdigit())
    pause(app, 0.2)
    w.grab().save(str(OUT / "tutorial_countdown.png"))
    close(app, w)
    dataset.unlink(missing_ok=True)
    # a dataset to curate: eight episodes of a balancing script, some cut short
    for i, steps in enumerate((500, 500, 140, 500, 90, 500, 320, 500)):
        env = make_env("CartPole-v1", render_mode=None, max_episode_steps=steps)
        bc.generate_expert_traj(cartpole_balance, str(dataset), env, n_episodes=1, seed=i,
                                append=i > 0)  # fmt: skip
        env.close()
    curation.label_episodes(dataset, [0, 1, 3, 5, 7], flag=1, add_tags=["expert"])
    curation.label_episodes(dataset, [2, 4], flag=-1, add_tags=["bad start"])
    curation.label_episodes(dataset, [4], note="pushed the wrong way at the start")
    curation.label_episodes(dataset, [6], add_tags=["slow"], note="hesitant, kept anyway")
    # 2. the dataset panel with flags, tags, notes; then filtered
    w = open_window(dataset)
    panel = w.dataset_panel
    wait_until(app, lambda: panel.table.rowCount() == 8 and panel.table.item(7, 1).text() != "")
    panel.select_episodes([6])
    pause(app, 0.5)
    w.grab().save(str(OUT / "tutorial_curate.png"))
    panel.flag_filter.setCurrentText("bad")
    pause(app, 0.3)
    w.grab().save(str(OUT / "tutorial_filter.png"))
    panel.flag_filter.setCurrentText("any flag")
    # 3. the Train dock choosing the good episodes
    train = w.train_panel
    w.train_dock.raise_()
    wait_until(app, lambda: train.pretrain_button.isEnabled())
    train.sel_flag.setCurrentText("good")
    pause(app, 0.3)
    w.grab().save(str(OUT / "tutorial_train_selection.png"))
    close(app, w)
    # 4. a scaled, captioned export frame (what the GIF/MP4 holds)
    env = make_env("CartPole-v1", render_mode="rgb_array")
    data = bc.load(dataset)
    replay = EpisodeReplay(data, 6, env)
    sl = data.episode_slice(6)
    returns = data.rewards[sl].cumsum()
    step = 40
    lines = caption_lines(step, len(returns), "push right", "push right", float(returns[step]))
    (frame,) = prepare_frames([replay.frame(step)], ExportOptions(scale=1, overlay=True), [lines])
    from PIL import Image

    Image.fromarray(frame).save(OUT / "tutorial_export_frame.png")
    env.close()


def main() -> None:
    """Take the tutorial's screenshots into docs/screenshots/."""
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    os.environ["QT_QPA_PLATFORM"] = "xcb" if os.environ.get("DISPLAY") else "offscreen"
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_CONFIG_HOME"] = str(Path(tmp) / "config")
        shoot_all(Path(tmp))
    from PyQt6.QtWidgets import QApplication

    from recorder_app.app import tear_down

    tear_down(QApplication.instance(), *[o for w in CLOSED for o in (w, w.session)])
    print(f"tutorial screenshots in {OUT}")


if __name__ == "__main__":
    main()
