"""Feature controllers between widgets and workers: recording, dataset, training, replay, pads."""
