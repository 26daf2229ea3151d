"""Reads records and computes (never draws): statistics, diagnosis, fingerprints, claims, mean-field, surfaces."""
