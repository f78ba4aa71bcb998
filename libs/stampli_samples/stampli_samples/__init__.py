"""stampli_samples: realistic Stampli export files for tests, benchmarks and the reliability harness.

Test support only: no connector depends on it at runtime, so it never ships in an image (the production library
`stampli_files` used to carry it). `stampli_samples.exports` writes the files.
"""
