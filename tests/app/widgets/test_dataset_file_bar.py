"""The dataset panel's top bar: the path it shows, the warning line, Open/New while recording."""

from __future__ import annotations

from pathlib import Path

from recorder_app.widgets.dataset_file_bar import DatasetFileBar
from tests.app.conftest import QT_MARKS

pytestmark = QT_MARKS


def test_path_warning_and_buttons(qtbot):
    bar = DatasetFileBar()
    qtbot.addWidget(bar)
    bar.show()
    assert bar.path is None and bar.path_label.text() == "No dataset"
    bar.show_path(Path("/data/expert.npz"), exists=False)
    assert bar.path_label.text() == "/data/expert.npz (new)" and bar.path == Path(
        "/data/expert.npz"
    )
    bar.show_path(Path("/data/expert.npz"), exists=True)
    assert bar.path_label.text() == "/data/expert.npz"
    assert bar.path_label.toolTip() == "/data/expert.npz"
    assert not bar.warning_label.isVisible()
    bar.set_warning("does not fit the env")
    assert bar.warning_label.isVisible() and bar.warning_label.text() == "does not fit the env"
    bar.set_warning("")
    assert not bar.warning_label.isVisible()
    bar.set_buttons_enabled(False)
    assert not bar.open_button.isEnabled() and not bar.new_button.isEnabled()
    bar.set_buttons_enabled(True)
    assert bar.open_button.isEnabled() and bar.new_button.isEnabled()
