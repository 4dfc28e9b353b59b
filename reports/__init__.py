"""Reports: Jinja templates rendering plain data (text, Markdown, HTML)."""
