"""Partner client of the regional health data space (a light distribution: httpx and SM crypto)."""
