"""One module per verb: plain functions returning data; the CLI renders it."""
