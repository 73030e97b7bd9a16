"""Task facts and their contributions to the counters: pure functions, stdlib only."""
