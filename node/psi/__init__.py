"""Private set intersection over patient identifiers (openmined-psi's only importer)."""
