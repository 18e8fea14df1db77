"""Use cases: every change is a `do_*` function, one transaction, one audit entry or more."""
