"""Checkpoint conversion between keras-bert-zoo and other formats."""
