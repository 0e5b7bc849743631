"""Data: real assets shipped by packages, readers, pretraining examples."""
