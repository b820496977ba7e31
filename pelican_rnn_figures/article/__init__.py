"""Pure reading of an article's text, used on both sides of the process
boundary: its snippets and their fence options, its example metadata, the
outputs its comments promise, and the names snippets get for free."""
