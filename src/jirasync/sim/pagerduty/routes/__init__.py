"""The simulated REST API, one module per resource family."""
