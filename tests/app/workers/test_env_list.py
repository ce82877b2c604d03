"""The env list: a child process run by a job fills the picker and the cache."""

from __future__ import annotations

import json

from recorder_app.workers import env_list
from tests.app.conftest import QT_MARKS

pytestmark = QT_MARKS


def test_the_child_lists_envs_and_the_list_is_cached(qtbot, app_home, monkeypatch):
    monkeypatch.setattr(env_list, "CHILD_CODE", "import json; print(json.dumps(['A-v0', 'B-v1']))")
    lister = env_list.EnvLister()
    with qtbot.waitSignal(lister.found, timeout=30_000) as found:
        lister.start()
    assert found.args[0] == ["A-v0", "B-v1"]
    assert json.loads(env_list.cache_path().read_text()) == ["A-v0", "B-v1"]
    with qtbot.waitSignal(lister.found, timeout=1_000) as again:  # now from the cache, at once
        lister.start()
    assert again.args[0] == ["A-v0", "B-v1"]


def test_a_failing_child_lists_nothing(qtbot, app_home, monkeypatch, caplog):
    monkeypatch.setattr(env_list, "CHILD_CODE", "raise SystemExit(3)")
    lister = env_list.EnvLister()
    with qtbot.assertNotEmitted(lister.found, wait=3_000):
        lister.start()
    assert "exit code 3" in caplog.text
    assert not env_list.cache_path().exists()
