"""Tasks' entities, value objects, rules and errors: stdlib only, no I/O."""
