"""Interactive imitation for scripts: DAgger and HG-DAgger rounds with a scripted expert.

`bc.dagger(...)` runs the rounds (docs/dagger.md). The modules, each importing only those
before it: `gates` (`Gate`, `DisagreementGate`), `takeover` (`TakeoverExpert`: the policy
drives, the expert labels or takes over), `seeds` (data and evaluation seeds), `collection`
(a round's episodes, appended to the dataset), `training` (`TrainSettings`, retrain and
evaluate), `rounds` (`dagger()`, `RoundReport`). The public names are re-exported here for
users (`from bc.interactive import DisagreementGate, TrainSettings`); code inside the project
imports them from their modules (docs/design.md, "Module paths").
"""

from bc.interactive.collection import append_episodes, collect
from bc.interactive.gates import DisagreementGate, Gate
from bc.interactive.rounds import RoundReport, dagger
from bc.interactive.seeds import EVAL_SEED_BASE, SeedStream, eval_seeds
from bc.interactive.takeover import Mode, TakeoverExpert
from bc.interactive.training import TrainSettings, evaluate, train_on_labels

__all__ = [
    "EVAL_SEED_BASE",
    "DisagreementGate",
    "Gate",
    "Mode",
    "RoundReport",
    "SeedStream",
    "TakeoverExpert",
    "TrainSettings",
    "append_episodes",
    "collect",
    "dagger",
    "eval_seeds",
    "evaluate",
    "train_on_labels",
]
