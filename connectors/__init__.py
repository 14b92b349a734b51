"""FHIR, HL7 v2, DICOM, tabular and SQL data sources (issue #3)."""
