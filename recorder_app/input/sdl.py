"""The few SDL2 calls pygame-ce does not wrap, through ctypes on the SDL2 library it bundles.

Using pygame's own copy matters: a second SDL (pysdl2-dll, the system's) would keep its own
device list and mappings that pygame never sees.
"""

from __future__ import annotations

import ctypes
import functools
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

_PATTERNS = ("libSDL2-2*.so*", "libSDL2*.dylib", "SDL2.dll")


@functools.cache
def library() -> Any:
    """Load pygame's SDL2 as a ctypes library.

    Raises:
        RuntimeError: no SDL2 library next to the installed pygame.
    """
    import pygame

    here = Path(pygame.__file__).resolve().parent
    folders = (here.parent / "pygame_ce.libs", here, here / ".dylibs", here.parent / "pygame.libs")
    candidates = [
        p for f in folders if f.is_dir() for pat in _PATTERNS for p in sorted(f.glob(pat))
    ]
    if not candidates:
        raise RuntimeError(f"pygame's SDL2 library not found near {pygame.__file__}")
    lib = ctypes.CDLL(str(candidates[0]))
    lib.SDL_GetError.restype = ctypes.c_char_p
    lib.SDL_GetPlatform.restype = ctypes.c_char_p
    lib.SDL_GameControllerAddMapping.restype = ctypes.c_int
    lib.SDL_GameControllerAddMapping.argtypes = [ctypes.c_char_p]
    return lib


@dataclass(frozen=True)
class MappingProblem:
    """A line of a mapping file SDL refused, and why."""

    line: int
    text: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason} ({self.text[:60]})"


def add_mapping(mapping: str) -> None:
    """Teach SDL a controller mapping ("GUID,name,a:b0,...", SDL's format).

    Raises:
        ValueError: SDL refused it (the message is SDL's).
    """
    lib = library()
    mapping = mapping.strip()
    if not mapping.endswith(","):  # SDL appends fields ("crc:") without a separator
        mapping += ","
    if lib.SDL_GameControllerAddMapping(mapping.encode("utf-8")) < 0:
        raise ValueError((lib.SDL_GetError() or b"refused").decode("utf-8", "replace"))


def platform() -> str:
    """SDL's name of this platform ("Linux", "Windows", "Mac OS X"): mapping files filter by it."""
    return str(library().SDL_GetPlatform().decode("utf-8"))


def add_mappings_from_file(path: Path) -> tuple[int, list[MappingProblem]]:
    """Add every mapping of a file (one per line, '#' comments, SDL's gamecontrollerdb format).

    Lines for another platform (`platform:Windows,` on Linux) are skipped, as SDL does.

    Returns:
        How many mappings were added, and the lines SDL refused.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return 0, [MappingProblem(0, str(path), f"cannot read: {exc}")]
    here = platform()
    added, problems = 0, []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        fields = dict(f.split(":", 1) for f in line.split(",")[2:] if ":" in f)
        if fields.get("platform", here) != here:
            continue
        try:
            add_mapping(line)
        except ValueError as exc:
            problems.append(MappingProblem(number, line, str(exc)))
        else:
            added += 1
    return added, problems
