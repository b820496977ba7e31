"""The gates of LSTM and GRU cells, by the names a layer record holds them under.

A record's ``gates`` maps each name to its values at every step: stepping
(:mod:`..stepping`) writes them, the unrolled figure shows their means
(:mod:`.wording`). The one spelling of each name; stdlib only, so a layout
imports it without NumPy.
"""

INPUT, FORGET, CANDIDATE, OUTPUT = "input", "forget", "candidate", "output"  # an LSTM's: i, f, c, o
UPDATE, RESET = "update", "reset"  # a GRU's z, r; its candidate is CANDIDATE too
