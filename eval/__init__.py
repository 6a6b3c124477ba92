"""PolicyQA's evaluation suite: gold sets, metrics, the harness, reports and the CI gate."""
