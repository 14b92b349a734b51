"""De-identification: Chinese clinical text (Presidio), tables (k-anonymity), DICOM (PS3.15) and FHIR."""
