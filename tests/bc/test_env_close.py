"""Closing an env made by `bc.envs.make_env` leaves SDL running for the rest of the process."""

import pygame

from bc.envs import make_env


def _sdl_up() -> bool:
    return bool(pygame.display.get_init() and pygame.joystick.get_init())


def test_closing_a_rendered_env_keeps_pygame_and_its_joysticks_initialised():
    pygame.display.init()
    pygame.joystick.init()
    env = make_env("CartPole-v1")
    env.reset(seed=0)
    assert env.render() is not None  # the env drew with pygame, so its close() quits pygame
    env.close()  # without the wrapper, pygame.quit(): SDL down for the whole process
    assert _sdl_up()
    assert pygame.quit is not None and pygame.quit.__name__ == "quit"  # restored
