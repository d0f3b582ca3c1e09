"""The project's performance benchmark (`python -m benchmarks.run --tier S|M`); see README.md."""
