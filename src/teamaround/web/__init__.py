"""The HTTP service: a JSON API now, GOV.UK pages later."""
