"""Telephone nurse advice: calls, decision support during a call, documentation, callbacks, training."""
