"""PolicyQA benchmarks: scripts that print numbers; `python -m bench.run_all` runs all, writes the docs."""
