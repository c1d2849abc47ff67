"""Handing calls to agencies: warm and blind transfers, back to a queue, transfer slips (issue #4)."""
