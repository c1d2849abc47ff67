"""Verification that scales (issue #30 item 5): the profile's scorecard, a weekly random sample of
each operator's calls, automatic pre-checks from the transcript, the supervisors' scores and the
results per operator and per criterion."""
