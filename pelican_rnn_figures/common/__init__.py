"""Small helpers both sides of the boundary use (the site and the worker):
stdlib only, and importing neither side."""
