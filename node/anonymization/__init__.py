"""De-identification of text, tables, DICOM and FHIR (issue #4)."""
