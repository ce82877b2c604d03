"""The Train panel's plots: loss curves, validation metric, and return per round of corrections."""

from __future__ import annotations

import math
from typing import Any

import pyqtgraph as pg

from bc.train.loop import BatchReport, EpochReport

SMOOTHING = 0.9
"""Weight of the past in the per-batch loss's moving average."""
TRAIN_COLOUR = (30, 90, 200)
VAL_COLOUR = (220, 90, 30)
METRIC_COLOUR = (40, 150, 70)


class LossCurves:
    """Every point the plots show, kept apart from drawing (tests read it)."""

    def __init__(self) -> None:
        self.batch_x: list[float] = []
        self.batch_smoothed: list[float] = []
        self.epoch_x: list[int] = []
        self.train_loss: list[float] = []
        self.val_x: list[int] = []
        self.val_loss: list[float] = []
        self.val_metric: list[float] = []
        self._ema = math.nan

    def add_batch(self, report: BatchReport) -> None:
        """A training batch: position in epochs, exponentially smoothed loss."""
        self._ema = (
            report.loss
            if math.isnan(self._ema)
            else SMOOTHING * self._ema + (1 - SMOOTHING) * report.loss
        )
        self.batch_x.append(report.epoch - 1 + (report.batch + 1) / report.n_batches)
        self.batch_smoothed.append(self._ema)

    def add_epoch(self, report: EpochReport) -> None:
        """An epoch: training loss, and validation figures when it was validated."""
        self.epoch_x.append(report.epoch)
        self.train_loss.append(report.train_loss)
        if not math.isnan(report.val_loss):
            self.val_x.append(report.epoch)
            self.val_loss.append(report.val_loss)
            metric = report.val_accuracy if not math.isnan(report.val_accuracy) else report.val_mse
            self.val_metric.append(metric)


def loss_plot() -> tuple[pg.PlotWidget, pg.PlotDataItem, pg.PlotDataItem, pg.PlotDataItem]:
    """The loss plot and its batch, train and validation curves."""
    # the key is in the title: a legend inside the plot hides the curves it names
    loss_plot = pg.PlotWidget(
        title=(
            "Loss: <span style='color:#96b4e6'>batch</span> · "
            "<span style='color:#1e5ac8'>train</span> · "
            "<span style='color:#dc5a1e'>validation</span>"
        )
    )
    loss_plot.setBackground("w")
    loss_plot.setLabel("bottom", "epoch")
    loss_plot.showGrid(x=True, y=True, alpha=0.2)
    batch_curve = loss_plot.plot(
        pen=pg.mkPen((150, 180, 230), width=1), name="train (per batch, smoothed)"
    )
    train_curve = marked_curve(loss_plot, TRAIN_COLOUR, "o", 5, "train (epoch)")
    val_curve = marked_curve(loss_plot, VAL_COLOUR, "s", 6, "validation")
    return loss_plot, batch_curve, train_curve, val_curve


def marked_curve(
    plot: pg.PlotWidget, colour: Any, symbol: str, size: int, name: str | None = None
) -> pg.PlotDataItem:
    """A line with markers, all in one colour (pyqtgraph's default marker fill is navy)."""
    return plot.plot(
        pen=pg.mkPen(colour, width=2),
        symbol=symbol,
        symbolSize=size,
        symbolBrush=colour,
        symbolPen=colour,
        name=name,
    )


def metric_plot() -> tuple[pg.PlotWidget, pg.PlotDataItem]:
    """The validation metric plot (accuracy or MSE) and its curve."""
    plot = pg.PlotWidget(title="Validation accuracy")
    plot.setBackground("w")
    plot.setLabel("bottom", "epoch")
    plot.showGrid(x=True, y=True, alpha=0.2)
    curve = marked_curve(plot, METRIC_COLOUR, "o", 5)
    return plot, curve


class RoundsPlot(pg.PlotWidget):  # type: ignore[misc]  # pyqtgraph has no type hints
    """The learning curve over rounds of corrections (docs/dagger.md): return against labels.

    Grey squares: trainings on demonstrations only; the orange line: trainings with corrections.
    """

    def __init__(self) -> None:
        super().__init__(
            title=(
                "Return per round: <span style='color:#607d8b'>plain BC</span> · "
                "<span style='color:#ef6c00'>with corrections</span>"
            )
        )
        self.rounds: list[tuple[int, float, bool]] = []
        """(labels, evaluated mean return, trained with corrections) per evaluated training."""
        self.setBackground("w")
        self.setLabel("bottom", "human-labelled steps")
        self.showGrid(x=True, y=True, alpha=0.2)
        self.bc_points = self.plot(pen=None, symbol="s", symbolSize=9, symbolBrush=(96, 125, 139))
        self.round_curve = self.plot(
            pen=pg.mkPen((239, 108, 0), width=2), symbol="o", symbolSize=7,
            symbolBrush=(239, 108, 0),
        )  # fmt: skip

    def add(self, labels: int, mean_return: float, corrected: bool) -> None:
        """One evaluated training: its human-labelled steps and mean return."""
        self.rounds.append((int(labels), float(mean_return), bool(corrected)))
        plain = [(x, y) for x, y, c in self.rounds if not c]
        rounds = sorted((x, y) for x, y, c in self.rounds if c)
        if plain:
            self.bc_points.setData([x for x, _ in plain], [y for _, y in plain])
        if rounds:
            self.round_curve.setData([x for x, _ in rounds], [y for _, y in rounds])
        # labels from 0, so one point or close rounds read as where they are, not as a zoom
        most = max(x for x, _, _ in self.rounds)
        self.setXRange(0, most * 1.08 if most > 0 else 1.0, padding=0)
