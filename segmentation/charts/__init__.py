"""Altair chart builders: a result object holds the numbers, these functions draw them.

One module per subject (cohorts, validation, profiles, projection); no Streamlit here.
"""
