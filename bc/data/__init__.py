"""Datasets on disk and in memory: arrays, validation, archives, the journal, the recorder.

Modules, lowest first; each imports only those before it (type hints aside): `schema`,
`trajectory`, `lock`, `journal`, `images`, `archive_guard`, `recovery`, `infer`, `validate`,
`arrays`, `concat`, `image_checks`, `archive`, `editing`, `destination`, `open_episode`,
`writer`, `recorder`, `checks`. The package itself imports nothing (docs/design.md, "Layers").
"""
