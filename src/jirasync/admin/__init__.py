"""What an admin does, as functions the REST API and the web UI both call (neither calls the
other over HTTP). A request that cannot be done raises `Refusal` with the status and the words
each front end shows."""
