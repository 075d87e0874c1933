"""Scan whole libraries of job ads: `biaslsp scan` (one machine or a Ray cluster) and `biaslsp report`.

The engine does every bit of analysis; this package only reads ads in batches, turns each
Analysis into one output row, writes rows resumably and draws a report from them.
"""
