"""The env's picture, scaled to the widget with its aspect kept, and a text overlay."""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import QRect, QRectF, QSize, Qt
from PyQt6.QtGui import QColor, QFont, QImage, QPainter, QPaintEvent, QPen
from PyQt6.QtWidgets import QSizePolicy, QWidget

BANNER_HEIGHT = 64
"""Height of the countdown banner drawn along the top edge, clear of the env's middle."""
NEAREST_FROM_SCALE = 2.0
"""Frames blown up by this factor or more are drawn with nearest-neighbour (crisp pixels)."""
TAKEOVER_BORDER = QColor(255, 111, 0)
"""The take-over orange: the view's border while the human drives a policy episode, the HUD
badge and the take-over bands of the step strips."""
TAKEOVER_BORDER_WIDTH = 8


def to_qimage(frame: np.ndarray) -> QImage:
    """Wrap an (H, W), (H, W, 1), (H, W, 3) or (H, W, 4) uint8 array as a QImage (no copy).

    The caller keeps `frame` alive as long as the image is used.

    Raises:
        ValueError: another shape or dtype.
    """
    if frame.dtype != np.uint8 or frame.ndim not in (2, 3):
        raise ValueError(f"expected an (H, W[, C]) uint8 frame, got {frame.dtype} {frame.shape}")
    channels = 1 if frame.ndim == 2 else frame.shape[2]
    formats = {
        1: QImage.Format.Format_Grayscale8,
        3: QImage.Format.Format_RGB888,
        4: QImage.Format.Format_RGBA8888,
    }
    if channels not in formats:
        raise ValueError(f"expected 1, 3 or 4 channels, got {channels}")
    frame = np.ascontiguousarray(frame)
    h, w = frame.shape[:2]
    return QImage(frame.data, w, h, int(frame.strides[0]), formats[channels])  # type: ignore[call-overload,no-any-return]  # the stubs know no buffer argument


class EnvView(QWidget):
    """Paints the newest env frame; letterboxed, nearest-neighbour when blown up 2x or more."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._frame: np.ndarray | None = None
        self._image: QImage | None = None
        self._overlay = ""
        self._caption = ""
        self._control = ""
        self.frames_painted = 0
        self.setMinimumSize(240, 160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def sizeHint(self) -> QSize:
        """Room for a typical 600x400 frame."""
        return QSize(640, 440)

    def show_frame(self, frame: np.ndarray | None) -> None:
        """Display `frame` (kept by reference: the sender must not modify it afterwards)."""
        if frame is self._frame:
            return
        self._frame = frame
        self._image = None if frame is None else to_qimage(frame)
        self.update()

    def set_overlay(self, text: str) -> None:
        """Big centred text over the frame ("3", "Paused"); "" for none."""
        if text != self._overlay:
            self._overlay = text
            self.update()

    def set_caption(self, text: str) -> None:
        """Small text along the bottom edge (a hint); "" for none."""
        if text != self._caption:
            self._caption = text
            self.update()

    def set_control(self, control: str) -> None:
        """Who drives a policy episode: "human" draws an orange frame border, else none."""
        if control != self._control:
            self._control = control
            self.update()

    def control(self) -> str:
        """The control shown now ("human", "policy" or "")."""
        return self._control

    def overlay(self) -> str:
        """The overlay text shown now."""
        return self._overlay

    def frame_rect(self) -> QRect:
        """Where the frame is drawn: the largest rectangle of its aspect that fits, centred."""
        if self._image is None:
            return QRect()
        fw, fh = self._image.width(), self._image.height()
        scale = min(self.width() / fw, self.height() / fh)
        w, h = max(1, round(fw * scale)), max(1, round(fh * scale))
        return QRect((self.width() - w) // 2, (self.height() - h) // 2, w, h)

    def uses_nearest(self) -> bool:
        """True when the frame is blown up enough to be drawn with nearest-neighbour."""
        if self._image is None:
            return False
        return self.frame_rect().width() >= NEAREST_FROM_SCALE * self._image.width()

    def paintEvent(self, event: QPaintEvent | None) -> None:
        """Letterbox, frame, then overlay and caption."""
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(24, 24, 28))
        if self._image is not None:
            painter.setRenderHint(
                QPainter.RenderHint.SmoothPixmapTransform, not self.uses_nearest()
            )
            painter.drawImage(QRectF(self.frame_rect()), self._image)
            self.frames_painted += 1
        else:
            self._draw_text(painter, "No env yet", 14, QColor(160, 160, 170))
        if self._control == "human":  # the human took over: a thick border, as the HUD badge
            pen = QPen(TAKEOVER_BORDER, TAKEOVER_BORDER_WIDTH)
            pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
            painter.setPen(pen)
            half = TAKEOVER_BORDER_WIDTH // 2
            painter.drawRect(self.rect().adjusted(half, half, -half - 1, -half - 1))
        if self._overlay.isdigit():
            self._draw_banner(painter, f"Recording in {self._overlay}")
        elif self._overlay:
            size = 64 if len(self._overlay) <= 3 else 26
            self._draw_text(painter, self._overlay, size, QColor(255, 255, 255), shadow=True)
        if self._caption:
            painter.setFont(QFont(self.font().family(), 10))
            painter.setPen(QColor(230, 230, 235))
            band = QRect(0, self.height() - 28, self.width(), 24)
            painter.fillRect(band, QColor(0, 0, 0, 140))
            painter.drawText(band, Qt.AlignmentFlag.AlignCenter, self._caption)
        painter.end()

    def banner_rect(self) -> QRect:
        """Where the countdown banner goes: a band along the top edge, full width."""
        return QRect(0, 0, self.width(), min(BANNER_HEIGHT, self.height() // 3))

    def _draw_banner(self, painter: QPainter, text: str) -> None:
        """An opaque band with large white text: readable over any frame, never over its middle."""
        band = self.banner_rect()
        painter.fillRect(band, QColor(198, 40, 40, 235))
        font = QFont(self.font().family(), max(12, band.height() // 2 - 4))
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(QColor(255, 255, 255))
        painter.drawText(band, Qt.AlignmentFlag.AlignCenter, text)

    def _draw_text(
        self, painter: QPainter, text: str, size: int, color: QColor, shadow: bool = False
    ) -> None:
        font = QFont(self.font().family(), size)
        font.setBold(True)
        painter.setFont(font)
        flags = Qt.AlignmentFlag.AlignCenter.value | Qt.TextFlag.TextWordWrap.value
        if shadow:
            painter.setPen(QColor(0, 0, 0, 200))
            painter.drawText(self.rect().translated(2, 2), flags, text)
        painter.setPen(color)
        painter.drawText(self.rect(), flags, text)
