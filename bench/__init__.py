"""pydock's benchmarks: ``python -m bench [--quick] [--json]`` runs every ``bench/cases_*.py``."""
