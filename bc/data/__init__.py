"""Datasets on disk and in memory: arrays, validation, archives, the journal, the recorder.

The modules, lowest first (each imports only those before it): `schema` (key names),
`trajectory`, `lock`, `journal`, `images`, `archive_guard`, `recovery`, `infer`, `validate`,
`arrays`, `concat`, `image_checks`, `archive`, `editing`, `writer`, `destination`,
`recorder`, `checks`. The package itself imports nothing, so `import bc.data.lock` stays cheap.
"""
