"""The district-scale benchmark (issue #7): `python -m bench.run`."""
