// Benchmarks: `deckhand-bench SECTION ...`; Benchmarks/run runs every section with its peers.
print("deckhand-bench: no sections yet")
