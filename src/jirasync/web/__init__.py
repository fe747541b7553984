"""The HTTP face of the service: health now; webhook routes, REST API and UI join later."""
