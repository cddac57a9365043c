"""The differential fuzzer: generated handlers run here and in Node 20, compared (issue #13).

``./dev fuzz --seed S --programs N --jobs J`` runs a campaign; ``tests/test_fuzz.py`` runs a
fixed-seed budget in ``./dev check``. See docs/conformance.md.
"""
