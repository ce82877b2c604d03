"""Behaviour-cloning training: policies, the training loop, SB3 pretraining, the BC model."""
