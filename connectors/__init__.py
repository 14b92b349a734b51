"""Data sources of the asset registry: FHIR, HL7 v2 (files and MLLP), DICOM, CSV/Parquet, SQL."""
