"""Beam stages of newsdedup: reading, cleaning, normalization, MinHash, LSH and clustering.

Nothing in this package reads a job file or touches global state: every stage takes plain keyword arguments.
"""
