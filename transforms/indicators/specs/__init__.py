"""One spec per indicator (<indicator_id>.yaml; format: transforms/indicators/README.md). A package
only so that the files are installed with the code."""
