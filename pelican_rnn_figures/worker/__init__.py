"""The worker process: runs an article's Keras snippets and draws their figures.

The only side that imports numpy, TensorFlow/Keras and matplotlib (on the
first job that needs them, not at import). ``python -m
pelican_rnn_figures.worker`` starts one (:mod:`.serve`); a job goes
:mod:`.snippet_run` (run the code) → :mod:`.tracing` (every time step,
checked against Keras) → :mod:`.drawing` (laid out as data, then rendered)
→ :mod:`.entry` (the cache entry, written atomically).
"""
