"""Policy engines behind the ``PolicyEngine`` port, and the Rego bundle they evaluate."""
