"""Storage: writing result tables to files (and, later, the workspace database)."""
