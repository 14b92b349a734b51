"""Hospital node for a regional trusted health data space."""
