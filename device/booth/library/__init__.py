"""The music library: scanning files into SQLite and reading tracks back."""
