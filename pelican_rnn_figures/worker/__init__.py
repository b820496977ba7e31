"""The worker process: runs an article's Keras snippets and draws their figures.

The only side that imports numpy, TensorFlow/Keras and matplotlib (on the
first job that needs them, not at import). ``python -m
pelican_rnn_figures.worker`` starts one (:mod:`.serve`); a session of jobs goes
:mod:`.session_run` → :mod:`.notebook` (run the article's blocks) →
:mod:`.model_figure` (find the model, trace it with :mod:`.tracing`: every time
step, checked against Keras) → :mod:`.drawing` (laid out as data, then
rendered) → :mod:`.entry` (the cache entry, written at once).
"""
