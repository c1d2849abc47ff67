"""The callback work list: requests taken by one operator, attempts, outcomes, the deadline."""
