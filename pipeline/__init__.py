"""The spine: tracker stream -> induced offset (`induced.py`, studies) -> corrector ->
smoothing (`smoothing.py`) -> dwell engine, with the calibrator beside it (`pipeline.py`);
the session that joins it to the keyboard model (`session.py`); its outputs beside the
recording (`lslout.py`); headless replay of a recording through it (`replay.py`)."""
