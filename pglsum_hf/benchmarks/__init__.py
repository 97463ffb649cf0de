"""Speed benchmarks behind `pglsum benchmark <name>`: each prints its figures and saves them as JSON."""
