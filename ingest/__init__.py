"""Reading return files from the bucket and loading them into the warehouse."""
