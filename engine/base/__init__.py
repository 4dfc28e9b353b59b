"""Infrastructure every layer uses: errors with positions, YAML/JSON, schemas, the load cache."""
