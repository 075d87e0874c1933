"""Hugging Face backends (local model directories only): classifiers and a generative rewriter."""
