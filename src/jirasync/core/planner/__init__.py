"""Pure planners: event + rules + link state + metadata → Plan."""
