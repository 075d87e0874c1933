"""Training and evaluation of the embedded model: data reading, metrics, `biaslsp train`, `biaslsp eval`,
the span benchmark and the real-ad precision check. Reads ../shared/data; most need the [train] extra."""
