"""Facts: the organisation indexed, and an email reduced to the derived facts rules test."""
