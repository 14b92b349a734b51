"""Research datasets for new-drug research (新药研发数据集服务): cohort definitions evaluated where the data
lies, with attrition under the minimum-cohort rule, and multi-table anonymized research datasets."""
