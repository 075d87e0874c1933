"""Text in: sentences with exact character offsets, and Markdown/HTML masked to its prose."""
