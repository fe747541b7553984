"""The sync: connections, links, the executor and the handlers that tie planner to engine."""
