"""Graded data assets: profiling, grading (GB/T 39725-2020), catalog and data products."""
