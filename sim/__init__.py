"""Simulated people, for tests, benchmarks and the `simulate` command only: the eyes
(`gaze.py`), the study participant (`person.py`), scripted typists (`typists.py`) and a
reader (`reader.py`) with their one driver (`drive.py`), headless sessions (`sessions.py`,
`headless.py`) and the in-silico study (`study.py`). Nothing in the product imports
this package except through the tracker registry and the sim/simulate commands."""
