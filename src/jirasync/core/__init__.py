"""The domain: normalised events, links, rules, user maps, actions and the pure planner."""
