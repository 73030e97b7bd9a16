"""Use cases: projecting events into the read models, and the queries over them."""
