"""One-stop commercial-insurance settlement (商保一站式结算): claims built from encounters and charges,
signed and sealed for the insurer; the insurer's signed responses; daily reconciliation."""
